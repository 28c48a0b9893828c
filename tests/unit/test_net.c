/* test_net.c - net_* against in-process listeners on loopback only. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

#include "dbxai.h"
#include "harness.h"
#include "net.h"

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A blocking listener on the loopback of family with an ephemeral port;
 * returns the fd (port in *port) or -1 if the family is unavailable. */
static int listener(int family, int backlog, unsigned *port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = socket(family, SOCK_STREAM, 0);
	int one = 1;

	if (fd < 0)
		return -1;
	memset(&ss, 0, sizeof ss);
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		len = sizeof *a;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof *a;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, backlog) != 0) {
		close(fd);
		return -1;
	}
	len = sizeof ss;
	getsockname(fd, (struct sockaddr *)&ss, &len);
	if (family == AF_INET6)
		*port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	else
		*port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

/* Connects host to a fresh listener, returns both ends (or -1s). */
static void pair(int family, const char *host, int *lfd, int *cfd, int *sfd)
{
	char eb[DBX_ERRBUF_SIZE] = "";
	unsigned port = 0;
	int err;

	*cfd = *sfd = -1;
	*lfd = listener(family, 8, &port);
	CHECK(*lfd >= 0, "listener: %s", strerror(errno));
	if (*lfd < 0)
		return;
	err = net_connect(host, port, &(struct net_dial){.timeout_ms = 2000}, cfd, eb);
	CHECK(err == DBX_OK && *cfd >= 0, "connect %s:%u: %d %s", host, port, err, eb);
	if (err)
		return;
	*sfd = accept(*lfd, NULL, NULL);
	CHECK(*sfd >= 0, "accept: %s", strerror(errno));
}

static void unpair(int lfd, int cfd, int sfd)
{
	net_close(cfd);
	if (sfd >= 0)
		close(sfd);
	if (lfd >= 0)
		close(lfd);
}

static void round_trip(int family, const char *host)
{
	char eb[DBX_ERRBUF_SIZE] = "";
	char buf[64];
	size_t got = 0;
	int lfd, cfd, sfd, err;
	ssize_t n;

	pair(family, host, &lfd, &cfd, &sfd);
	if (sfd < 0)
		goto out;
	err = net_write_all(cfd, "ping", 4, 1000, eb);
	CHECK(err == DBX_OK, "%s write: %s", host, eb);
	n = read(sfd, buf, sizeof buf);
	CHECK(n == 4 && memcmp(buf, "ping", 4) == 0, "%s server read %zd", host, n);
	CHECK(write(sfd, "pong!", 5) == 5, "server write");
	err = net_read(cfd, buf, sizeof buf, 1000, &got, eb);
	CHECK(err == DBX_OK && got == 5 && memcmp(buf, "pong!", 5) == 0, "%s read: %d got %zu %s",
	      host, err, got, eb);
	CHECK(net_alive(cfd) == 1, "%s alive while open", host);

	/* Orderly close: EOF is DBX_OK with 0 bytes, and the idle check sees it. */
	close(sfd);
	sfd = -1;
	err = net_read(cfd, buf, sizeof buf, 1000, &got, eb);
	CHECK(err == DBX_OK && got == 0, "%s EOF: %d got %zu %s", host, err, got, eb);
	CHECK(net_alive(cfd) == 0, "%s not alive after peer close", host);
out:
	unpair(lfd, cfd, sfd);
}

static void test_round_trip_v4(void)
{
	round_trip(AF_INET, "127.0.0.1");
	/* localhost never needs /etc/hosts: it is answered before the resolver */
	round_trip(AF_INET, "localhost");
	round_trip(AF_INET, "LocalHost.");
	round_trip(AF_INET, "api.localhost");
}

static void test_round_trip_v6(void)
{
	unsigned port;
	int fd = listener(AF_INET6, 1, &port);

	if (fd < 0) {
		printf("test_net: IPv6 loopback unavailable (%s), skipping ::1 tests\n",
		       strerror(errno));
		return;
	}
	close(fd);
	round_trip(AF_INET6, "::1");
	round_trip(AF_INET6, "[::1]");
	round_trip(AF_INET6, "0:0::1");
}

static void test_read_timeout(void)
{
	char eb[DBX_ERRBUF_SIZE] = "";
	char buf[16];
	size_t got = 99;
	long long t0, dt;
	int lfd, cfd, sfd, err;

	pair(AF_INET, "127.0.0.1", &lfd, &cfd, &sfd);
	if (sfd < 0)
		goto out;
	t0 = mono_ms();
	err = net_read(cfd, buf, sizeof buf, 200, &got, eb);
	dt = mono_ms() - t0;
	CHECK(err == DBX_ERR_TIMEOUT, "timeout: got %d %s", err, eb);
	CHECK(got == 0, "got %zu on timeout", got);
	CHECK(dt >= 200, "read timeout fired early: %lld ms", dt);
	CHECK(dt < 3000, "read timeout fired late: %lld ms", dt);
	CHECK(strstr(eb, "200 ms") != NULL, "message: %s", eb);

	/* timeout 0 polls once and does not wait */
	t0 = mono_ms();
	err = net_read(cfd, buf, sizeof buf, 0, &got, eb);
	dt = mono_ms() - t0;
	CHECK(err == DBX_ERR_TIMEOUT && dt < 1000, "timeout 0: %d after %lld ms", err, dt);
out:
	unpair(lfd, cfd, sfd);
}

static volatile sig_atomic_t alarms;
static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/* Signals arriving during the wait must neither end it early nor make it
 * fail: poll's EINTR restarts with the time left. */
static void test_read_timeout_eintr(void)
{
	char eb[DBX_ERRBUF_SIZE] = "";
	char buf[16];
	size_t got;
	struct sigaction sa, old;
	struct itimerval it, off;
	long long t0, dt;
	int lfd, cfd, sfd, err;

	pair(AF_INET, "127.0.0.1", &lfd, &cfd, &sfd);
	if (sfd < 0)
		goto out;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm; /* no SA_RESTART: poll sees EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	memset(&it, 0, sizeof it);
	memset(&off, 0, sizeof off);
	it.it_interval.tv_usec = 30000;
	it.it_value.tv_usec = 30000;
	alarms = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	t0 = mono_ms();
	err = net_read(cfd, buf, sizeof buf, 300, &got, eb);
	dt = mono_ms() - t0;
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	CHECK(err == DBX_ERR_TIMEOUT, "eintr: got %d %s", err, eb);
	CHECK(dt >= 300, "eintr: timeout fired early: %lld ms", dt);
	CHECK(alarms > 0, "no signal was delivered during the wait");
out:
	unpair(lfd, cfd, sfd);
}

/* The peer never reads: once the socket buffers fill, the idle limit ends
 * the write. */
static void test_write_timeout(void)
{
	char eb[DBX_ERRBUF_SIZE] = "";
	static char big[8 << 20];
	long long t0, dt;
	int lfd, cfd, sfd, err;

	pair(AF_INET, "127.0.0.1", &lfd, &cfd, &sfd);
	if (sfd < 0)
		goto out;
	t0 = mono_ms();
	err = net_write_all(cfd, big, sizeof big, 200, eb);
	dt = mono_ms() - t0;
	CHECK(err == DBX_ERR_TIMEOUT, "write timeout: got %d %s", err, eb);
	CHECK(dt >= 200, "write timeout fired early: %lld ms", dt);
	CHECK(strstr(eb, "bytes sent") != NULL, "message: %s", eb);
out:
	unpair(lfd, cfd, sfd);
}

/* A large write to a reader in another process goes through many partial
 * sends and waits; a checksum proves every byte arrived in order. */
static void test_large_transfer(void)
{
	enum { SIZE = 3 << 20 };
	static unsigned char data[SIZE];
	char eb[DBX_ERRBUF_SIZE] = "";
	unsigned char reply[8];
	uint64_t sum = 0, theirs = 0;
	size_t have = 0, got;
	unsigned port;
	pid_t pid;
	int lfd, cfd = -1, err, status = 0, i;

	for (i = 0; i < SIZE; i++) {
		data[i] = (unsigned char)(i * 7 + (i >> 9));
		sum = sum * 31 + data[i];
	}
	lfd = listener(AF_INET, 4, &port);
	CHECK(lfd >= 0, "listener");
	if (lfd < 0)
		return;
	pid = fork();
	if (pid == 0) {
		static unsigned char in[65536];
		uint64_t s = 0;
		size_t total = 0;
		int sfd = accept(lfd, NULL, NULL);

		while (sfd >= 0 && total < SIZE) {
			ssize_t n = read(sfd, in, sizeof in);
			ssize_t k;
			if (n <= 0)
				_exit(1);
			for (k = 0; k < n; k++)
				s = s * 31 + in[k];
			total += (size_t)n;
		}
		for (i = 0; i < 8; i++)
			reply[i] = (unsigned char)(s >> (8 * i));
		if (write(sfd, reply, 8) != 8)
			_exit(1);
		_exit(0);
	}
	CHECK(pid > 0, "fork");
	if (pid < 0)
		goto out;
	err = net_connect("127.0.0.1", port, &(struct net_dial){.timeout_ms = 2000}, &cfd, eb);
	CHECK(err == DBX_OK, "connect: %s", eb);
	if (err)
		goto wait;
	err = net_write_all(cfd, data, SIZE, 5000, eb);
	CHECK(err == DBX_OK, "large write: %s", eb);
	while (!err && have < 8) {
		err = net_read(cfd, reply + have, 8 - have, 5000, &got, eb);
		if (!err && got == 0)
			break;
		have += got;
	}
	CHECK(err == DBX_OK && have == 8, "checksum read: %d %zu %s", err, have, eb);
	for (i = 0; i < 8; i++)
		theirs |= (uint64_t)reply[i] << (8 * i);
	CHECK(theirs == sum, "checksum mismatch");
wait:
	net_close(cfd);
	cfd = -1;
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "reader child failed");
out:
	net_close(cfd);
	close(lfd);
}

/* Writing to a peer that reset the connection is DBX_ERR_NET, never SIGPIPE
 * (which would kill this test program). */
static void test_peer_reset(void)
{
	char eb[DBX_ERRBUF_SIZE] = "";
	static char chunk[65536];
	struct linger lg = {1, 0};
	int lfd, cfd, sfd, err = DBX_OK, i;
	char buf[16];
	size_t got;

	pair(AF_INET, "127.0.0.1", &lfd, &cfd, &sfd);
	if (sfd < 0)
		goto out;
	setsockopt(sfd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close(sfd); /* linger 0: RST instead of FIN */
	sfd = -1;
	err = net_read(cfd, buf, sizeof buf, 1000, &got, eb);
	CHECK(err == DBX_ERR_NET || (err == DBX_OK && got == 0), "read after reset: %d %s", err,
	      eb);
	for (i = 0; i < 64 && err != DBX_ERR_NET; i++)
		err = net_write_all(cfd, chunk, sizeof chunk, 1000, eb);
	CHECK(err == DBX_ERR_NET, "write after reset: %d %s", err, eb);
	CHECK(net_alive(cfd) == 0, "alive after reset");
out:
	unpair(lfd, cfd, sfd);
}

static void test_connect_refused(void)
{
	char eb[DBX_ERRBUF_SIZE] = "";
	char want[64];
	unsigned port = 0;
	int fd = listener(AF_INET, 1, &port);
	int cfd = 7, err;

	CHECK(fd >= 0, "listener");
	if (fd < 0)
		return;
	close(fd); /* nothing listens on port now */
	err = net_connect("127.0.0.1", port, &(struct net_dial){.timeout_ms = 2000}, &cfd, eb);
	CHECK(err == DBX_ERR_CONNECT, "refused: got %d %s", err, eb);
	CHECK(cfd == -1, "fd on failure: %d", cfd);
	snprintf(want, sizeof want, "127.0.0.1:%u", port);
	CHECK(strstr(eb, want) != NULL, "message names host:port: %s", eb);
	/* localhost tries 127.0.0.1 then ::1: both refuse */
	err = net_connect("localhost", port, &(struct net_dial){.timeout_ms = 2000}, &cfd, eb);
	CHECK(err == DBX_ERR_CONNECT, "localhost refused: got %d %s", err, eb);
	CHECK(strstr(eb, "localhost:") != NULL, "message: %s", eb);
}

/*
 * A listener with a full accept queue that never accepts: the kernel drops
 * further SYNs, so a connect hangs until our timeout. Whether the queue
 * drops or refuses depends on the kernel (gVisor, qemu hosts), so if no
 * attempt hangs the case is skipped, not failed.
 */
static void test_connect_timeout(void)
{
	char eb[DBX_ERRBUF_SIZE] = "";
	int held[16];
	unsigned port = 0;
	int lfd = listener(AF_INET, 0, &port);
	int i, n = 0, err = DBX_OK, seen = 0;
	long long t0, dt = 0;

	CHECK(lfd >= 0, "listener");
	if (lfd < 0)
		return;
	for (i = 0; i < 16; i++) {
		int fd = -1;

		t0 = mono_ms();
		err =
		    net_connect("127.0.0.1", port, &(struct net_dial){.timeout_ms = 200}, &fd, eb);
		dt = mono_ms() - t0;
		if (err == DBX_OK) {
			held[n++] = fd;
			continue;
		}
		seen = 1;
		break;
	}
	if (!seen || err != DBX_ERR_CONNECT || !strstr(eb, "timed out")) {
		printf("test_net: accept queue did not drop SYNs here (%s), "
		       "skipping the connect timeout test\n",
		       seen ? eb : "every connect succeeded");
	} else {
		CHECK(dt >= 200, "connect timeout fired early: %lld ms", dt);
		CHECK(dt < 3000, "connect timeout fired late: %lld ms", dt);
		CHECK(strstr(eb, "timed out after 200 ms") != NULL, "message: %s", eb);
	}
	for (i = 0; i < n; i++)
		net_close(held[i]);
	close(lfd);
}

static void test_resolve(void)
{
	char eb[DBX_ERRBUF_SIZE] = "";
	int fd = 7, err;

	/* rejected before the resolver: no DNS traffic, no waiting */
	err = net_connect("bad host name!", 443, &(struct net_dial){.timeout_ms = 500}, &fd, eb);
	CHECK(err == DBX_ERR_RESOLVE, "bad name: %d %s", err, eb);
	CHECK(fd == -1, "fd on failure");
	CHECK(strstr(eb, "'bad host name!'") != NULL, "message names host: %s", eb);

	/*
	 * .invalid never resolves (RFC 6761); net answers that itself. The
	 * CONNECT branch only guards against that shortcut being removed on a
	 * host whose resolver invents answers (NXDOMAIN hijacking).
	 */
	err =
	    net_connect("nonexistent.invalid", 443, &(struct net_dial){.timeout_ms = 500}, &fd, eb);
	if (err == DBX_ERR_CONNECT)
		printf("test_net: note: the resolver answered for nonexistent.invalid "
		       "(%s)\n",
		       eb);
	else
		CHECK(err == DBX_ERR_RESOLVE, "invalid: %d %s", err, eb);
	CHECK(err == DBX_ERR_RESOLVE || err == DBX_ERR_CONNECT, "invalid: %d", err);
	if (err == DBX_ERR_RESOLVE)
		CHECK(strstr(eb, "nonexistent.invalid") != NULL, "message: %s", eb);

	/* A real lookup through getaddrinfo. Here DNS is absent or answers
	 * NXDOMAIN (example.test is reserved, RFC 2606), so RESOLVE; a resolver
	 * that invents addresses leads to CONNECT instead, noted. */
	err = net_connect("nonexistent.example.test", 443, &(struct net_dial){.timeout_ms = 500},
	                  &fd, eb);
	if (err == DBX_ERR_CONNECT)
		printf("test_net: note: the resolver answered for "
		       "nonexistent.example.test (%s)\n",
		       eb);
	CHECK(err == DBX_ERR_RESOLVE || err == DBX_ERR_CONNECT, "test: %d %s", err, eb);
	if (err == DBX_ERR_RESOLVE)
		CHECK(strstr(eb, "cannot resolve host 'nonexistent.example.test': ") != NULL,
		      "message: %s", eb);
}

static void test_usage(void)
{
	char eb[DBX_ERRBUF_SIZE] = "";
	char buf[4];
	size_t got;
	int fd = 7;

	CHECK(net_connect("127.0.0.1", 0, &(struct net_dial){.timeout_ms = 100}, &fd, eb) ==
	          DBX_ERR_USAGE,
	      "port 0");
	CHECK(fd == -1, "fd reset");
	CHECK(net_connect("127.0.0.1", 65536, &(struct net_dial){.timeout_ms = 100}, &fd, eb) ==
	          DBX_ERR_USAGE,
	      "port 65536");
	CHECK(net_connect(NULL, 80, &(struct net_dial){.timeout_ms = 100}, &fd, eb) ==
	          DBX_ERR_USAGE,
	      "NULL host");
	CHECK(net_connect("", 80, &(struct net_dial){.timeout_ms = 100}, &fd, NULL) ==
	          DBX_ERR_USAGE,
	      "empty host");
	CHECK(net_connect("[::1", 80, &(struct net_dial){.timeout_ms = 100}, &fd, eb) ==
	          DBX_ERR_RESOLVE,
	      "bad bracket");
	CHECK(net_connect("[localhost]", 80, &(struct net_dial){.timeout_ms = 100}, &fd, eb) ==
	          DBX_ERR_RESOLVE,
	      "brackets around a name");
	CHECK(net_read(-1, buf, sizeof buf, 10, &got, eb) == DBX_ERR_USAGE, "read fd -1");
	CHECK(net_write_all(-1, "x", 1, 10, NULL) == DBX_ERR_USAGE, "write fd -1");
	CHECK(net_alive(-1) == 0, "alive -1");
	net_close(-1);
}

/* RFC 8305 section 4: the first address's family first, then alternating,
 * each family in the resolver's order; the rest once one family runs out. */
static void test_interleave(void)
{
	static const struct {
		int fam[6];
		size_t n;
		size_t want[6];
	} cases[] = {
	    {{6, 6, 4, 4}, 4, {0, 2, 1, 3}},
	    {{6, 6, 6, 4}, 4, {0, 3, 1, 2}},
	    {{4, 6, 6, 6}, 4, {0, 1, 2, 3}},
	    {{4, 4, 6}, 3, {0, 2, 1}},
	    {{4, 4, 4}, 3, {0, 1, 2}},
	    {{6, 4, 6, 4, 4, 4}, 6, {0, 1, 2, 3, 4, 5}},
	    {{4, 4, 4, 6, 6, 6}, 6, {0, 3, 1, 4, 2, 5}},
	    {{6}, 1, {0}},
	};
	size_t i, k;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int fam[6];
		size_t order[6];

		for (k = 0; k < cases[i].n; k++)
			fam[k] = cases[i].fam[k] == 6 ? AF_INET6 : AF_INET;
		net_interleave(fam, cases[i].n, order);
		for (k = 0; k < cases[i].n; k++)
			CHECK(order[k] == cases[i].want[k], "case %zu: order[%zu] = %zu, want %zu",
			      i, k, order[k], cases[i].want[k]);
	}
}

static void test_resolve_syntax(void)
{
	static const char *good[] = {
	    "",
	    "api.example.test:443:192.0.2.1",
	    "api.example.test:443:[2001:db8::1]",
	    "api.example.test:443:2001:db8::1",
	    "api.example.test:443:[2001:db8::1],192.0.2.1,[::1]",
	    "  a.test:1:192.0.2.1\tb.test:65535:::1\n",
	};
	static const char *bad[] = {
	    "api.example.test",
	    "api.example.test:443",
	    "api.example.test:443:",
	    ":443:192.0.2.1",
	    "a.test:0:192.0.2.1",
	    "a.test:65536:192.0.2.1",
	    "a.test:99999999999999999999:192.0.2.1",
	    "a.test:x:192.0.2.1",
	    "a.test::192.0.2.1",
	    "a.test:443:192.0.2.1,",
	    "a.test:443:,192.0.2.1",
	    "a.test:443:host.name",
	    "a.test:443:[192.0.2.1",
	    "a.test:443:[2001:db8::1",
	    "a.test:443:192.0.2.256",
	    "ok.test:443:192.0.2.1 wrong.test:443",
	};
	char eb[DBX_ERRBUF_SIZE];
	size_t i;

	CHECK(net_resolve_check(NULL, eb) == DBX_OK, "NULL");
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		eb[0] = '\0';
		CHECK(net_resolve_check(good[i], eb) == DBX_OK, "good '%s': %s", good[i], eb);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		eb[0] = '\0';
		CHECK(net_resolve_check(bad[i], eb) == DBX_ERR_USAGE, "bad '%s' accepted", bad[i]);
		CHECK(strstr(eb, "--resolve") && strstr(eb, "HOST:PORT:ADDR"), "message: %s", eb);
	}
	CHECK(net_resolve_check("ok.test:443:192.0.2.1 wrong.test:443", NULL) == DBX_ERR_USAGE,
	      "NULL errbuf");
	net_resolve_check("ok.test:443:192.0.2.1 wrong.test:443", eb);
	CHECK(strstr(eb, "'wrong.test:443'") != NULL, "names the bad entry: %s", eb);
}

struct lines {
	char text[4096];
};

static void collect(void *ctx, const char *line)
{
	struct lines *l = ctx;
	size_t len = strlen(l->text);

	snprintf(l->text + len, sizeof l->text - len, "%s\n", line);
}

/* --resolve entries reach the listener without DNS (.test names would go to
 * DNS otherwise); with a refused ::1 listed first, 127.0.0.1 still wins. */
static void test_resolve_connect(void)
{
	char eb[DBX_ERRBUF_SIZE] = "", spec[256], want[64];
	struct lines tr = {""};
	struct net_dial d = {
	    .timeout_ms = 3000, .resolve = spec, .trace = collect, .trace_ctx = &tr};
	unsigned port = 0, dead = 0;
	int lfd = listener(AF_INET, 8, &port), dfd = listener(AF_INET, 1, &dead);
	int fd = -1, err, v;
	socklen_t vl = sizeof v;

	CHECK(lfd >= 0 && dfd >= 0, "listener");
	if (lfd < 0 || dfd < 0)
		return;
	close(dfd); /* nothing listens on dead now */
	snprintf(spec, sizeof spec, "api.example.test:%u:127.0.0.1", port);
	err = net_connect("API.Example.test", port, &d, &fd, eb);
	CHECK(err == DBX_OK, "resolve entry: %d %s", err, eb);
	net_close(fd);
	CHECK(strstr(tr.text, "from --resolve") != NULL, "trace: %s", tr.text);

	/* several addresses, IPv6 in brackets first and refused, an entry for
	 * another port ignored, the last entry for the host winning */
	snprintf(spec, sizeof spec,
	         "api.example.test:%u:192.0.2.1 api.example.test:%u:192.0.2.1 "
	         "api.example.test:%u:[::1],127.0.0.1",
	         dead, port, port);
	tr.text[0] = '\0';
	err = net_connect("api.example.test", port, &d, &fd, eb);
	CHECK(err == DBX_OK, "two addresses: %d %s", err, eb);
	CHECK(strstr(tr.text, "* trying ::1 (1 of 2)") != NULL, "first attempt: %s", tr.text);
	CHECK(strstr(tr.text, "* connected to 127.0.0.1 (attempt 2 of 2 won)") != NULL,
	      "winner: %s", tr.text);
	/* TCP keepalive on the connection won (net.h) */
	CHECK(getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &v, &vl) == 0 && v == 1, "SO_KEEPALIVE");
	CHECK(getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, &vl) == 0 && v == 30, "idle %d", v);
	CHECK(getsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &v, &vl) == 0 && v == 3, "count %d", v);
	CHECK(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &vl) == 0 && v, "nodelay");
	net_close(fd);

	/* all refused: exit 7's message names each address */
	snprintf(spec, sizeof spec, "api.example.test:%u:[::1],127.0.0.1", dead);
	err = net_connect("api.example.test", dead, &d, &fd, eb);
	CHECK(err == DBX_ERR_CONNECT && fd == -1, "refused: %d %s", err, eb);
	snprintf(want, sizeof want, "api.example.test:%u: ::1 ", dead);
	CHECK(strstr(eb, want) && strstr(eb, ", 127.0.0.1 "), "message names each: %s", eb);

	/* a bad table is a usage error, even for a host it does not name */
	snprintf(spec, sizeof spec, "other.test:%u:not-an-address", port);
	CHECK(net_connect("127.0.0.1", port, &d, &fd, eb) == DBX_ERR_USAGE, "bad table: %s", eb);
	close(lfd);
}

int main(void)
{
	RUN(test_usage);
	RUN(test_round_trip_v4);
	RUN(test_round_trip_v6);
	RUN(test_read_timeout);
	RUN(test_read_timeout_eintr);
	RUN(test_write_timeout);
	RUN(test_large_transfer);
	RUN(test_peer_reset);
	RUN(test_connect_refused);
	RUN(test_connect_timeout);
	RUN(test_resolve);
	RUN(test_interleave);
	RUN(test_resolve_syntax);
	RUN(test_resolve_connect);
	return harness_done("test_net");
}
