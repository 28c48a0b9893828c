/* net.c - TCP client sockets with timeouts; see net.h for the rules. */
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "dbxai.h"
#include "clock.h"
#include "err.h"

/* 253 is the longest DNS name; anything longer cannot resolve. */
#define NET_HOST_MAX 256

struct net_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* A deadline of -1 means "no limit". */
static long long deadline_after(int timeout_ms)
{
	if (timeout_ms < 0)
		return -1;
	return clock_ms() + timeout_ms;
}

/* "10 s" for whole seconds, "200 ms" otherwise: users set seconds, tests
 * use milliseconds, and both should read naturally. */
static void fmt_duration(char *out, size_t outsz, int ms)
{
	if (ms > 0 && ms % 1000 == 0)
		snprintf(out, outsz, "%d s", ms / 1000);
	else
		snprintf(out, outsz, "%d ms", ms);
}

/*
 * Waits until fd is ready for events or the deadline passes. Returns 1 when
 * ready (errors and hang-ups count: the following recv/send reports them),
 * 0 on timeout, -1 on a poll failure with errno set. EINTR restarts the wait
 * with the time left, so a signal neither shortens nor stretches it.
 */
static int wait_fd(int fd, short events, long long deadline)
{
	struct pollfd p;
	int r;

	for (;;) {
		long long left = -1;

		if (deadline >= 0) {
			left = deadline - clock_ms();
			if (left < 0)
				left = 0;
			if (left > INT_MAX)
				left = INT_MAX;
		}
		p.fd = fd;
		p.events = events;
		p.revents = 0;
		r = poll(&p, 1, (int)left);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
		/* Coarse clocks may wake poll a little early; the caller was
		 * promised the full time. */
		if (r == 0 && left == 0)
			return 0;
	}
}

static int is_localhost_name(const char *h)
{
	size_t n = strlen(h);

	if (n && h[n - 1] == '.')
		n--;
	if (n == 9 && strncasecmp(h, "localhost", 9) == 0)
		return 1;
	return n > 10 && strncasecmp(h + n - 10, ".localhost", 10) == 0;
}

/* RFC 6761: ".invalid" never resolves and resolvers SHOULD say so at once.
 * Answering here keeps a typo'd test name from waiting on a DNS timeout. */
static int is_invalid_tld(const char *h)
{
	size_t n = strlen(h);

	if (n && h[n - 1] == '.')
		n--;
	if (n == 7 && strncasecmp(h, "invalid", 7) == 0)
		return 1;
	return n > 8 && strncasecmp(h + n - 8, ".invalid", 8) == 0;
}

/* Letters, digits, '-', '_' and '.' only (IDNs arrive as punycode). musl
 * would send anything else to DNS and, with no name server, wait seconds
 * for an answer that cannot be yes. */
static int is_hostname_syntax(const char *h)
{
	for (; *h; h++) {
		unsigned char c = (unsigned char)*h;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

static size_t localhost_addrs(struct net_addr *a, unsigned port)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)&a[0].ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&a[1].ss;

	/* IPv4 first: local test servers listen there far more often, and a
	 * refused ::1 would cost a round trip for nothing. */
	memset(a, 0, 2 * sizeof *a);
	v4->sin_family = AF_INET;
	v4->sin_port = htons((unsigned short)port);
	v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a[0].len = sizeof *v4;
	v6->sin6_family = AF_INET6;
	v6->sin6_port = htons((unsigned short)port);
	v6->sin6_addr = in6addr_loopback;
	a[1].len = sizeof *v6;
	return 2;
}

/* Copies up to NET_MAX_ADDRS results out so the list can be freed at once
 * and the connect loop works on one kind of array whatever the source. */
static size_t copy_addrs(const struct addrinfo *ai, struct net_addr *a)
{
	size_t n = 0;

	for (; ai && n < NET_MAX_ADDRS; ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof a[n].ss)
			continue;
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		memset(&a[n], 0, sizeof a[n]);
		memcpy(&a[n].ss, ai->ai_addr, ai->ai_addrlen);
		a[n].len = ai->ai_addrlen;
		n++;
	}
	return n;
}

/* One line of the -v trace. */
/* A line of the -v trace. */
#define say(d, ...) err_say((d)->trace, (d)->trace_ctx, __VA_ARGS__)

/* Fills a with one numeric address (IPv6 with or without brackets), len bytes
 * of s; 0 when it is not one. */
static int parse_addr(const char *s, size_t len, unsigned port, struct net_addr *a)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&a->ss;
	char buf[INET6_ADDRSTRLEN];

	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		s++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof buf)
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(a, 0, sizeof *a);
	if (inet_pton(AF_INET, buf, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((unsigned short)port);
		a->len = sizeof *v4;
		return 1;
	}
	if (inet_pton(AF_INET6, buf, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((unsigned short)port);
		a->len = sizeof *v6;
		return 1;
	}
	return 0;
}

/*
 * Walks the --resolve entries of spec (net_resolve_check() for the syntax).
 * With host NULL it only checks them. Else *n gets the addresses of the last
 * entry for host and port, 0 when none names them. DBX_ERR_USAGE on a bad
 * entry.
 */
static int resolve_table(const char *spec, const char *host, unsigned port, struct net_addr *a,
                         size_t *n, char *errbuf)
{
	const char *p = spec ? spec : "";

	*n = 0;
	for (;;) {
		const char *e, *end, *hend, *q, *why;
		unsigned long eport = 0;
		size_t hlen, k = 0;
		int match;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			return DBX_OK;
		e = p;
		end = p + strcspn(p, " \t\n");
		p = end;
		hend = memchr(e, ':', (size_t)(end - e));
		why = "no HOST:PORT:";
		if (!hend || hend == e)
			goto bad;
		hlen = (size_t)(hend - e);
		for (q = hend + 1; q < end && *q >= '0' && *q <= '9' && eport <= 65535; q++)
			eport = eport * 10 + (unsigned long)(*q - '0');
		why = "a port of 1 to 65535 and :ADDR must follow HOST";
		if (q == hend + 1 || q == end || *q != ':' || eport == 0 || eport > 65535)
			goto bad;
		match = host && eport == port && hlen == strlen(host) &&
		        strncasecmp(e, host, hlen) == 0;
		why = "not an IP address";
		do {
			const char *c = ++q;
			struct net_addr tmp;

			q = c + strcspn(c, ",");
			if (q > end)
				q = end;
			if (!parse_addr(c, (size_t)(q - c), (unsigned)eport, &tmp))
				goto bad;
			if (match && k < NET_MAX_ADDRS)
				a[k++] = tmp;
		} while (q < end);
		if (match)
			*n = k;
		continue;
	bad:
		errbuf_set(errbuf,
		           "bad --resolve (DBXAI_RESOLVE) entry '%.*s': %s; expected "
		           "HOST:PORT:ADDR[,ADDR...]",
		           (int)(end - e > 80 ? 80 : end - e), e, why);
		return DBX_ERR_USAGE;
	}
}

int net_resolve_check(const char *spec, char *errbuf)
{
	size_t n;

	return resolve_table(spec, NULL, 0, NULL, &n, errbuf);
}

/* Names the name servers a lookup that timed out was asking (-v only). */
static void trace_nameservers(const struct net_dial *d)
{
	FILE *f = d->trace ? fopen("/etc/resolv.conf", "re") : NULL;
	char line[128];

	while (f && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (strncmp(line, "nameserver", 10) == 0)
			say(d, "* name server asked (/etc/resolv.conf): %s", line + 11);
	}
	if (f)
		fclose(f);
}

/* One lookup on a resolver thread. The caller and the thread each hold a
 * reference; the last to let go frees it, so a caller that gave up at its
 * deadline returns at once and the thread ends by itself when getaddrinfo()
 * does. fd[1] is written (under the lock) when the answer is in. */
struct lookup_job {
	pthread_mutex_t mu;
	int refs, done, rc, eno, fd[2];
	size_t n;
	struct net_addr a[NET_MAX_ADDRS];
	char host[NET_HOST_MAX], port[8];
};

static void job_release(struct lookup_job *j)
{
	int last;

	pthread_mutex_lock(&j->mu);
	last = --j->refs == 0;
	pthread_mutex_unlock(&j->mu);
	if (!last)
		return;
	close(j->fd[0]);
	close(j->fd[1]);
	pthread_mutex_destroy(&j->mu);
	free(j);
}

static void *lookup_thread(void *arg)
{
	struct lookup_job *j = arg;
	struct addrinfo hints, *res = NULL;
	int rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	/* No AI_ADDRCONFIG: glibc's ignores loopback, so on a device whose only
	 * interface is lo it would hide the addresses we want. An unusable
	 * family just fails fast in connect(). */
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(j->host, j->port, &hints, &res);
	pthread_mutex_lock(&j->mu);
	j->rc = rc;
	j->eno = errno;
	j->n = rc ? 0 : copy_addrs(res, j->a);
	j->done = 1;
	(void)!write(j->fd[1], "", 1);
	pthread_mutex_unlock(&j->mu);
	if (res)
		freeaddrinfo(res);
	job_release(j);
	return NULL;
}

/*
 * getaddrinfo() for host:port on a detached thread, waited for until deadline
 * at most (getaddrinfo has no timeout of its own: a dead name server would hold
 * the caller for as long as the resolver's retries last). A thread still
 * asking then finishes by itself and frees what it holds.
 */
static int lookup(const char *host, const char *port, long long deadline, const struct net_dial *d,
                  struct net_addr *a, size_t *n, char *errbuf)
{
	struct lookup_job *j = calloc(1, sizeof *j);
	pthread_attr_t attr;
	pthread_t tid;
	sigset_t all, old;
	char took[32];
	int started, done = 0, rc = 0, eno = 0;

	if (!j || strlen(host) >= sizeof j->host || pipe(j->fd) != 0) {
		free(j);
		goto fail;
	}
	/* a child started meanwhile (an MCP server, a browser) must not keep them */
	(void)fcntl(j->fd[0], F_SETFD, FD_CLOEXEC);
	(void)fcntl(j->fd[1], F_SETFD, FD_CLOEXEC);
	snprintf(j->host, sizeof j->host, "%s", host);
	snprintf(j->port, sizeof j->port, "%s", port);
	pthread_mutex_init(&j->mu, NULL);
	j->refs = 2;
	/* The thread takes no signal meant for the caller. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	started = pthread_create(&tid, &attr, lookup_thread, j) == 0;
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!started) {
		j->refs = 1;
		job_release(j);
		goto fail;
	}
	if (wait_fd(j->fd[0], POLLIN, deadline) > 0) {
		pthread_mutex_lock(&j->mu);
		done = j->done;
		if (done) {
			rc = j->rc;
			eno = j->eno;
			*n = j->n;
			memcpy(a, j->a, j->n * sizeof j->a[0]);
		}
		pthread_mutex_unlock(&j->mu);
	}
	job_release(j);
	if (!done) {
		fmt_duration(took, sizeof took, d->timeout_ms);
		errbuf_set(errbuf,
		           "DNS lookup of %s timed out after %s: check the name servers "
		           "(/etc/resolv.conf) or pass --resolve %s:%s:ADDR",
		           host, took, host, port);
		trace_nameservers(d);
		return DBX_ERR_RESOLVE;
	}
	if (rc != 0) {
		errbuf_set(errbuf, "cannot resolve host '%s': %s", host,
		           rc == EAI_SYSTEM ? strerror(eno) : gai_strerror(rc));
		return DBX_ERR_RESOLVE;
	}
	return DBX_OK;
fail:
	errbuf_set(errbuf, "cannot resolve host '%s': the lookup failed (%s)", host,
	           strerror(errno));
	return DBX_ERR_RESOLVE;
}

static int resolve(const char *host, int bracketed, unsigned port, long long deadline,
                   const struct net_dial *d, struct net_addr *a, size_t *n, char *errbuf)
{
	struct addrinfo hints, *res = NULL;
	char portstr[8];
	int err;

	err = resolve_table(d->resolve, host, port, a, n, errbuf);
	if (err || *n) {
		if (*n)
			say(d, "* %s:%u from --resolve: %zu address%s", host, port, *n,
			    *n > 1 ? "es" : "");
		return err;
	}
	snprintf(portstr, sizeof portstr, "%u", port);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	/* Numeric first: an address literal must work with no /etc at all
	 * and must never turn into a DNS query. */
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(host, portstr, &hints, &res) == 0)
		goto copy;
	if (bracketed) {
		err = DBX_ERR_RESOLVE;
		errbuf_set(errbuf, "cannot resolve host '[%s]': not an IP address", host);
		goto out;
	}
	if (is_localhost_name(host)) {
		*n = localhost_addrs(a, port);
		goto out;
	}
	if (!is_hostname_syntax(host)) {
		err = DBX_ERR_RESOLVE;
		errbuf_set(errbuf, "cannot resolve host '%s': not a valid host name", host);
		goto out;
	}
	if (is_invalid_tld(host)) {
		err = DBX_ERR_RESOLVE;
		errbuf_set(errbuf,
		           "cannot resolve host '%s': .invalid names never "
		           "resolve (RFC 6761)",
		           host);
		goto out;
	}
	err = lookup(host, portstr, deadline, d, a, n, errbuf);
	if (err || *n)
		goto out;
copy:
	*n = copy_addrs(res, a);
	if (*n == 0) {
		err = DBX_ERR_RESOLVE;
		errbuf_set(errbuf, "cannot resolve host '%s': no IPv4 or IPv6 address", host);
	}
out:
	if (res)
		freeaddrinfo(res);
	return err;
}

static void addr_string(const struct net_addr *a, char *out, size_t outsz)
{
	const void *src;

	if (a->ss.ss_family == AF_INET6)
		src = &((const struct sockaddr_in6 *)&a->ss)->sin6_addr;
	else
		src = &((const struct sockaddr_in *)&a->ss)->sin_addr;
	if (!inet_ntop(a->ss.ss_family, src, out, (socklen_t)outsz))
		snprintf(out, outsz, "?");
}

void net_interleave(const int *family, size_t n, size_t *order)
{
	size_t i = 0, j = 0, k; /* the next of the first family, of the other */

	for (k = 0; k < n; k++) {
		while (i < n && family[i] != family[0])
			i++;
		while (j < n && family[j] == family[0])
			j++;
		order[k] = j >= n || (i < n && !(k & 1)) ? i++ : j++;
	}
}

/* Starts a non-blocking connect to a: the socket (connected or in progress,
 * *done telling which), or -1 with the reason in why. */
static int start_attempt(const struct net_addr *a, int *done, char *why, size_t whysz)
{
	int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);

	*done = 0;
	if (fd >= 0 && connect(fd, (const struct sockaddr *)&a->ss, a->len) == 0)
		*done = 1;
	else if (fd < 0 || (errno != EINPROGRESS && errno != EINTR)) {
		snprintf(why, whysz, "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	return fd;
}

/* The socket options of a connection won: see net.h. Failures only cost
 * speed or an early warning. */
static void tune(int fd)
{
	static const int opts[][3] = {
	    /* Requests go out in a few writes (headers, body) and the reply
	     * is awaited: Nagle would add a round trip. */
	    {IPPROTO_TCP, TCP_NODELAY, 1},   {SOL_SOCKET, SO_KEEPALIVE, 1},
	    {IPPROTO_TCP, TCP_KEEPIDLE, 30}, {IPPROTO_TCP, TCP_KEEPINTVL, 10},
	    {IPPROTO_TCP, TCP_KEEPCNT, 3},
	};
	size_t i;

	for (i = 0; i < sizeof opts / sizeof opts[0]; i++)
		(void)setsockopt(fd, opts[i][0], opts[i][1], &opts[i][2], sizeof opts[i][2]);
}

/* An attempt failed: traces it and appends "ADDR REASON" to list. */
static void note(const struct net_dial *d, char *list, size_t cap, const struct net_addr *a,
                 const char *why)
{
	char addr[INET6_ADDRSTRLEN];
	size_t len = strlen(list);

	addr_string(a, addr, sizeof addr);
	say(d, "* %s: %s", addr, why);
	if (len < cap)
		snprintf(list + len, cap - len, "%s%s %s", len ? ", " : "", addr, why);
}

/*
 * Happy Eyeballs over a[0..n) (already interleaved): the connected socket, or
 * -1 with every address's fate in list (took: what a timeout is called).
 */
static int race(const struct net_addr *a, size_t n, long long deadline, const struct net_dial *d,
                char *list, size_t cap, const char *took)
{
	struct pollfd p[NET_MAX_ADDRS];
	char why[128], addr[INET6_ADDRSTRLEN];
	size_t next = 0, live = 0, i;
	long long next_at = 0;
	int won = -1, done = 0;

	for (;;) {
		long long now = clock_ms(), until = deadline;
		int r;

		if (deadline >= 0 && now >= deadline && live)
			break;
		if (next < n && (live == 0 || now >= next_at)) {
			addr_string(&a[next], addr, sizeof addr);
			say(d, "* trying %s (%zu of %zu)", addr, next + 1, n);
			p[next].events = POLLOUT;
			p[next].fd = start_attempt(&a[next], &done, why, sizeof why);
			if (done) {
				won = (int)next++;
				break;
			}
			if (p[next].fd < 0)
				note(d, list, cap, &a[next], why);
			else
				live++;
			next++;
			next_at = now + 250;
			continue;
		}
		if (live == 0)
			break;
		if (next < n && (until < 0 || next_at < until))
			until = next_at;
		r = poll(p, (nfds_t)next, until < 0 ? -1 : (int)(until > now ? until - now : 0));
		if (r < 0 && errno != EINTR)
			break;
		for (i = 0; r > 0 && i < next; i++) {
			int soerr = 0;
			socklen_t sl = sizeof soerr;

			if (p[i].fd < 0 || !p[i].revents)
				continue;
			if (getsockopt(p[i].fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
				soerr = errno;
			if (soerr == 0) {
				won = (int)i;
				break;
			}
			note(d, list, cap, &a[i], strerror(soerr));
			close(p[i].fd);
			p[i].fd = -1;
			live--;
			next_at = now; /* a failure starts the next one at once */
		}
		if (won >= 0)
			break;
	}
	for (i = 0; i < next; i++) {
		if ((int)i == won || p[i].fd < 0)
			continue;
		if (won < 0)
			note(d, list, cap, &a[i], took);
		close(p[i].fd);
	}
	if (won < 0)
		return -1;
	addr_string(&a[won], addr, sizeof addr);
	say(d, "* connected to %s (attempt %d of %zu won)", addr, won + 1, n);
	tune(p[won].fd);
	return p[won].fd;
}

int net_connect(const char *host, unsigned port, const struct net_dial *dial, int *fd, char *errbuf)
{
	static const struct net_dial none = {-1, NULL, NULL, NULL};
	const struct net_dial *d = dial ? dial : &none;
	struct net_addr addrs[NET_MAX_ADDRS], sorted[NET_MAX_ADDRS];
	int family[NET_MAX_ADDRS] = {0};
	size_t order[NET_MAX_ADDRS];
	char hbuf[NET_HOST_MAX];
	char list[200] = "";
	char took[48] = "timed out after ";
	const char *name = host;
	long long deadline = deadline_after(d->timeout_ms);
	size_t n = 0, i;
	int err = DBX_OK;

	if (fd)
		*fd = -1;
	if (!fd || !host || !*host || port == 0 || port > 65535) {
		err = DBX_ERR_USAGE;
		errbuf_set(errbuf, "net_connect: bad host or port");
		goto out;
	}
	/* Accept "[::1]" as well as "::1": the brackets belong to URLs, but
	 * callers holding an authority should not have to strip them. */
	if (host[0] == '[') {
		size_t len = strlen(host);

		if (len < 3 || host[len - 1] != ']' || len - 2 >= sizeof hbuf) {
			err = DBX_ERR_RESOLVE;
			errbuf_set(errbuf, "cannot resolve host '%s': bad IPv6 literal", host);
			goto out;
		}
		memcpy(hbuf, host + 1, len - 2);
		hbuf[len - 2] = '\0';
		name = hbuf;
	} else if (strlen(host) >= sizeof hbuf) {
		err = DBX_ERR_RESOLVE;
		errbuf_set(errbuf, "cannot resolve host: name longer than %d bytes",
		           NET_HOST_MAX - 1);
		goto out;
	}
	err = resolve(name, name == hbuf, port, deadline, d, addrs, &n, errbuf);
	if (err)
		goto out;
	for (i = 0; i < n; i++)
		family[i] = addrs[i].ss.ss_family;
	net_interleave(family, n, order);
	for (i = 0; i < n; i++)
		sorted[i] = addrs[order[i]];
	fmt_duration(took + 16, sizeof took - 16, d->timeout_ms);
	*fd = race(sorted, n, deadline, d, list, sizeof list, took);
	if (*fd >= 0)
		goto out;
	err = DBX_ERR_CONNECT;
	errbuf_set(errbuf,
	           strchr(name, ':') ? "cannot connect to [%s]:%u: %s"
	                             : "cannot connect to %s:%u: %s",
	           name, port, list);
out:
	return err;
}

int net_read(int fd, void *buf, size_t len, int timeout_ms, size_t *got, char *errbuf)
{
	return net_recv(fd, buf, len, timeout_ms, 0, got, errbuf);
}

int net_recv(int fd, void *buf, size_t len, int timeout_ms, int wait_first, size_t *got,
             char *errbuf)
{
	/* The deadline is set by the first wait: a read that finds data reads
	 * no clock. */
	long long deadline = -2;
	char took[32];
	int err = DBX_OK;

	if (got)
		*got = 0;
	if (fd < 0 || !buf || len == 0 || !got) {
		err = DBX_ERR_USAGE;
		errbuf_set(errbuf, "net_read: bad arguments");
		goto out;
	}
	for (;;) {
		ssize_t n;
		int r;

		if (!wait_first) {
			n = recv(fd, buf, len, 0);
			if (n >= 0) {
				*got = (size_t)n;
				goto out;
			}
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				err = DBX_ERR_NET;
				errbuf_set(errbuf, "receive failed: %s", strerror(errno));
				goto out;
			}
		}
		wait_first = 0;
		if (deadline == -2)
			deadline = deadline_after(timeout_ms);
		r = wait_fd(fd, POLLIN, deadline);
		if (r == 0) {
			err = DBX_ERR_TIMEOUT;
			fmt_duration(took, sizeof took, timeout_ms);
			errbuf_set(errbuf, "no data received for %s", took);
			goto out;
		}
		if (r < 0) {
			err = DBX_ERR_NET;
			errbuf_set(errbuf, "poll failed: %s", strerror(errno));
			goto out;
		}
	}
out:
	return err;
}

int net_write_all(int fd, const void *buf, size_t len, int timeout_ms, char *errbuf)
{
	const unsigned char *p = buf;
	long long deadline = deadline_after(timeout_ms);
	size_t off = 0;
	char took[32];
	int err = DBX_OK;

	if (fd < 0 || (!buf && len)) {
		err = DBX_ERR_USAGE;
		errbuf_set(errbuf, "net_write_all: bad arguments");
		goto out;
	}
	while (off < len) {
		ssize_t n = send(fd, p + off, len - off, MSG_NOSIGNAL);
		int r;

		if (n > 0) {
			off += (size_t)n;
			/* Idle limit, not a total one: progress earns a new
			 * period. */
			deadline = deadline_after(timeout_ms);
			continue;
		}
		if (n == 0) {
			err = DBX_ERR_NET;
			errbuf_set(errbuf, "send failed: no progress");
			goto out;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			err = DBX_ERR_NET;
			errbuf_set(errbuf, "send failed: %s", strerror(errno));
			goto out;
		}
		r = wait_fd(fd, POLLOUT, deadline);
		if (r == 0) {
			err = DBX_ERR_TIMEOUT;
			fmt_duration(took, sizeof took, timeout_ms);
			errbuf_set(errbuf, "could not send for %s (%zu of %zu bytes sent)", took,
			           off, len);
			goto out;
		}
		if (r < 0) {
			err = DBX_ERR_NET;
			errbuf_set(errbuf, "poll failed: %s", strerror(errno));
			goto out;
		}
	}
out:
	return err;
}

int net_alive(int fd)
{
	char c;
	ssize_t n;

	if (fd < 0)
		return 0;
	do {
		n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n > 0)
		return 1;
	if (n == 0)
		return 0;
	return errno == EAGAIN || errno == EWOULDBLOCK;
}

void net_close(int fd)
{
	/* No retry on EINTR: on Linux the descriptor is gone either way, and
	 * a retry could close one another thread just opened. */
	if (fd >= 0)
		(void)close(fd);
}

int net_listen_loopback(int ipv6, unsigned port, int *fd_out)
{
	int fd = socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), r, one = 1;

	*fd_out = -1;
	if (fd < 0)
		return DBX_ERR_IO;
	/* a login right after another must not trip over the TIME_WAIT of the
	 * last redirect; two listeners on one port stay impossible on Linux */
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (!ipv6) {
		struct sockaddr_in a;
		memset(&a, 0, sizeof a);
		a.sin_family = AF_INET;
		a.sin_port = htons((uint16_t)port);
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		r = bind(fd, (struct sockaddr *)&a, sizeof a);
	} else {
		struct sockaddr_in6 a;
		memset(&a, 0, sizeof a);
		a.sin6_family = AF_INET6;
		a.sin6_port = htons((uint16_t)port);
		a.sin6_addr = in6addr_loopback;
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
		r = bind(fd, (struct sockaddr *)&a, sizeof a);
	}
	if (r != 0 || listen(fd, 8) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return DBX_ERR_IO;
	}
	*fd_out = fd;
	return DBX_OK;
}
