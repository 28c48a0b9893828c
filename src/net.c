/* net.c - TCP client sockets with timeouts; see net.h for the rules. */
#include "net.h"

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
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

static int resolve(const char *host, int bracketed, unsigned port, struct net_addr *a, size_t *n,
                   char *errbuf)
{
	struct addrinfo hints, *res = NULL;
	char portstr[8];
	int err = DBX_OK;
	int r;

	*n = 0;
	snprintf(portstr, sizeof portstr, "%u", port);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	/* Numeric first: an address literal must work with no /etc at all
	 * and must never turn into a DNS query. */
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	r = getaddrinfo(host, portstr, &hints, &res);
	if (r == 0)
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
	/* No AI_ADDRCONFIG: glibc's ignores loopback, so on a device whose
	 * only interface is lo it would hide the addresses we want. An
	 * unusable family just fails fast in connect(). */
	hints.ai_flags = AI_NUMERICSERV;
	r = getaddrinfo(host, portstr, &hints, &res);
	if (r != 0) {
		err = DBX_ERR_RESOLVE;
		errbuf_set(errbuf, "cannot resolve host '%s': %s", host,
		           r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
		goto out;
	}
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

/*
 * One connect attempt bounded by slice_ms. Returns the socket, or -1 with
 * the reason in why and *timed_out set when the slice ran out.
 */
static int try_addr(const struct net_addr *a, int slice_ms, char *why, size_t whysz, int *timed_out)
{
	int fd = -1;
	int soerr = 0;
	socklen_t soerrlen = sizeof soerr;
	int one = 1;
	int r;

	*timed_out = 0;
	fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0) {
		snprintf(why, whysz, "socket: %s", strerror(errno));
		goto fail;
	}
	r = connect(fd, (const struct sockaddr *)&a->ss, a->len);
	if (r != 0 && errno != EINPROGRESS && errno != EINTR) {
		snprintf(why, whysz, "%s", strerror(errno));
		goto fail;
	}
	if (r != 0) {
		r = wait_fd(fd, POLLOUT, deadline_after(slice_ms));
		if (r == 0) {
			*timed_out = 1;
			snprintf(why, whysz, "timed out");
			goto fail;
		}
		if (r < 0) {
			snprintf(why, whysz, "poll: %s", strerror(errno));
			goto fail;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &soerrlen) != 0)
			soerr = errno;
		if (soerr != 0) {
			snprintf(why, whysz, "%s", strerror(soerr));
			goto fail;
		}
	}
	/* Requests go out in a few writes (headers, body) and the reply is
	 * awaited: Nagle would add a round trip. Failure only costs speed. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}

int net_connect(const char *host, unsigned port, int timeout_ms, int *fd, char *errbuf)
{
	struct net_addr addrs[NET_MAX_ADDRS];
	char hbuf[NET_HOST_MAX];
	char why[128] = "no address";
	char addr[INET6_ADDRSTRLEN] = "";
	char hostport[NET_HOST_MAX + 16];
	char took[32];
	const char *name = host;
	long long deadline;
	size_t n = 0, i;
	int timed_out = 0;
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
	err = resolve(name, name == hbuf, port, addrs, &n, errbuf);
	if (err)
		goto out;

	deadline = deadline_after(timeout_ms);
	for (i = 0; i < n; i++) {
		int slice = -1;

		if (deadline >= 0) {
			long long left = deadline - clock_ms();

			if (left < 0)
				left = 0;
			slice = (int)(left / (long long)(n - i));
		}
		addr_string(&addrs[i], addr, sizeof addr);
		*fd = try_addr(&addrs[i], slice, why, sizeof why, &timed_out);
		if (*fd >= 0)
			goto out;
	}

	err = DBX_ERR_CONNECT;
	if (strchr(name, ':'))
		snprintf(hostport, sizeof hostport, "[%s]:%u", name, port);
	else
		snprintf(hostport, sizeof hostport, "%s:%u", name, port);
	/* The last address got all the time that was left, so when it timed
	 * out the whole budget is gone: report that budget. */
	if (timed_out) {
		fmt_duration(took, sizeof took, timeout_ms);
		snprintf(why, sizeof why, "timed out after %s", took);
	}
	if (n > 1)
		errbuf_set(errbuf, "cannot connect to %s (%zu addresses, last %s): %s", hostport, n,
		           addr, why);
	else if (strcmp(addr, name) != 0)
		errbuf_set(errbuf, "cannot connect to %s (%s): %s", hostport, addr, why);
	else
		errbuf_set(errbuf, "cannot connect to %s: %s", hostport, why);
out:
	return err;
}

int net_read(int fd, void *buf, size_t len, int timeout_ms, size_t *got, char *errbuf)
{
	long long deadline = deadline_after(timeout_ms);
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
		ssize_t n = recv(fd, buf, len, 0);
		int r;

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
