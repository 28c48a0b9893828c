/*
 * test_conn.c - the keep-alive connection, in-process: conn's connect hook
 * installs a scripted memory transport instead of a socket.
 *
 * Each scripted connection answers the n-th request written to it with its
 * n-th reply, then goes on with an optional slow tail (the same bytes again
 * and again, a few ms apart) and an optional last piece, and then ends the way
 * the script says: EOF after close_notify, EOF without it, a reset, or
 * silence (reads time out). It records what was written and how it was used.
 *
 * Every scenario runs with the server's bytes handed over as whole as conn
 * asks, one byte per read and in 7-byte pieces; the results must not depend
 * on it. conn copies what it reads into its own buffer, so the input it could
 * over-read is the caller's: a large request body ends at a guard page.
 */
#include <time.h>

#include "conn.h"
#include "dbxai.h"
#include "harness.h"

/* ---- the scripted memory transport ------------------------------------ */

#define MAX_CONNS 4
#define MAX_REPLIES 3
#define WRITTEN_MAX (64 * 1024)

enum end {
	END_CUT = 0, /* EOF without close_notify (for TCP: just EOF) */
	END_NOTIFY,  /* close_notify, then EOF */
	END_RESET,   /* DBX_ERR_NET */
	END_QUIET    /* nothing comes: every read times out */
};

struct mem_conn {
	/* The script. */
	const char *reply[MAX_REPLIES]; /* the answer to each request, in order */
	const char *tail;               /* then these bytes tail_count times, */
	int tail_count;                 /* tail_ms apart, */
	int tail_ms;
	const char *last; /* then these, */
	int end;          /* then this */
	int tls;          /* it offers clean_close() */
	int dead;         /* alive() says no */
	int fail_write;   /* the n-th write (from 1) is reset */

	/* What happened. */
	const char *cur;
	size_t left;
	int next;  /* next reply */
	int wrote; /* a write since the last reply began */
	int clean; /* close_notify was read */
	int ended; /* EOF or reset was read */
	int writes, alive_asked, closed;
	char written[WRITTEN_MAX];
	size_t written_len;
};

static struct {
	struct mem_conn conns[MAX_CONNS];
	int scripted; /* connections the test set up */
	int opened;   /* connect calls */
	char host[MAX_CONNS][64];
	unsigned port[MAX_CONNS];
	int https[MAX_CONNS];
} srv;

static size_t piece; /* bytes per read at most; 0: as many as asked */

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0)
		;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void serve(struct mem_conn *m, const char *s)
{
	m->cur = s;
	m->left = strlen(s);
}

static int mem_read(void *ctx, void *buf, size_t len, int timeout_ms, size_t *got, char *errbuf)
{
	struct mem_conn *m = ctx;
	size_t n;

	*got = 0;
	if (!m->left && m->wrote && m->next < MAX_REPLIES && m->reply[m->next]) {
		serve(m, m->reply[m->next++]);
		m->wrote = 0;
	}
	if (!m->left && m->tail && m->tail_count > 0) {
		sleep_ms(m->tail_ms);
		m->tail_count--;
		serve(m, m->tail);
	}
	if (!m->left && m->last) {
		serve(m, m->last);
		m->last = NULL;
	}
	if (m->left) {
		n = m->left < len ? m->left : len;
		if (piece && n > piece)
			n = piece;
		memcpy(buf, m->cur, n);
		m->cur += n;
		m->left -= n;
		*got = n;
		return DBX_OK;
	}
	m->ended = m->end != END_QUIET;
	switch (m->end) {
	case END_NOTIFY:
		m->clean = 1;
		return DBX_OK;
	case END_RESET:
		if (errbuf)
			snprintf(errbuf, DBX_ERRBUF_SIZE, "receive failed: connection reset");
		return DBX_ERR_NET;
	case END_QUIET:
		sleep_ms(timeout_ms < 1000 ? timeout_ms : 1000);
		if (errbuf)
			snprintf(errbuf, DBX_ERRBUF_SIZE, "timed out");
		return DBX_ERR_TIMEOUT;
	default:
		return DBX_OK;
	}
}

static int mem_write(void *ctx, const void *buf, size_t len, int timeout_ms, char *errbuf)
{
	struct mem_conn *m = ctx;

	(void)timeout_ms;
	if (++m->writes == m->fail_write) {
		if (errbuf)
			snprintf(errbuf, DBX_ERRBUF_SIZE, "send failed: broken pipe");
		return DBX_ERR_NET;
	}
	if (len > WRITTEN_MAX - m->written_len) {
		fprintf(stderr, "test_conn: written buffer too small\n");
		exit(2);
	}
	memcpy(m->written + m->written_len, buf, len);
	m->written_len += len;
	m->wrote = 1;
	return DBX_OK;
}

static int mem_clean_close(void *ctx)
{
	return ((struct mem_conn *)ctx)->clean;
}

static int mem_alive(void *ctx)
{
	struct mem_conn *m = ctx;

	m->alive_asked++;
	return !m->dead && !m->ended; /* as net_alive() sees a pending EOF */
}

static void mem_close(void *ctx)
{
	((struct mem_conn *)ctx)->closed++;
}

static int mem_connect(void *ctx, const struct conn_target *t, struct conn_io *io, char *errbuf)
{
	struct mem_conn *m;
	int i = srv.opened;

	(void)ctx;
	if (i >= srv.scripted) {
		snprintf(errbuf, DBX_ERRBUF_SIZE, "cannot connect to %s:%u: refused", t->host,
		         t->port);
		return DBX_ERR_CONNECT;
	}
	m = &srv.conns[i];
	snprintf(srv.host[i], sizeof srv.host[i], "%s", t->host);
	srv.port[i] = t->port;
	srv.https[i] = t->https;
	srv.opened++;
	io->read = mem_read;
	io->write = mem_write;
	io->clean_close = m->tls ? mem_clean_close : NULL;
	io->alive = mem_alive;
	io->close = mem_close;
	io->ctx = m;
	return DBX_OK;
}

/* ---- the connection under test, its trace and handlers ----------------- */

static struct conn conn; /* about 40 KB: static, not on the stack */
static char errbuf[DBX_ERRBUF_SIZE];
static char traced[32768];
static size_t traced_len;

static void on_trace(void *ctx, const char *line)
{
	size_t n = strlen(line);

	(void)ctx;
	if (n + 1 < sizeof traced - traced_len) {
		memcpy(traced + traced_len, line, n);
		traced_len += n;
		traced[traced_len++] = '\n';
		traced[traced_len] = '\0';
	}
}

/* Forgets the previous scenario; the caller then scripts n connections. */
static struct mem_conn *reset(int n)
{
	conn_close(&conn);
	memset(&srv, 0, sizeof srv);
	srv.scripted = n;
	conn_init(&conn);
	conn.connect = mem_connect;
	conn.connect_ctx = &srv;
	conn.trace = on_trace;
	traced_len = 0;
	traced[0] = '\0';
	errbuf[0] = '\0';
	return srv.conns;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

struct got {
	int status;
	int heads;
	char body[8192];
	size_t body_len;
	int bodies;      /* on_body calls */
	int touch;       /* conn_touch() on each "data:" line */
	int events;      /* "data:" lines so far */
	int head_result; /* returned by on_head */
	int body_result; /* returned by on_body */
};

static int got_head(void *ctx, const struct http_parser *p)
{
	struct got *g = ctx;

	g->heads++;
	g->status = p->status;
	return g->head_result;
}

static int got_body(void *ctx, const char *data, size_t len)
{
	struct got *g = ctx;
	size_t room = sizeof g->body - 1 - g->body_len;

	if (len > room) {
		fprintf(stderr, "test_conn: body buffer too small\n");
		exit(2);
	}
	memcpy(g->body + g->body_len, data, len);
	g->body_len += len;
	g->body[g->body_len] = '\0';
	g->bodies++;
	/* a piece may hold part of "data:" only: count in the whole body */
	if (g->touch && count(g->body, "data:") > g->events) {
		g->events++;
		conn_touch(&conn);
	}
	return g->body_result;
}

static const struct conn_target target_a = {1, "a.example", 443, "/a"};
static const struct conn_request get_rq = {"GET", NULL, 0, NULL, 0, NULL, NULL, NULL};

static int request(const struct conn_target *t, const struct conn_request *rq, struct got *g)
{
	struct conn_handlers h = {got_head, got_body, g};

	memset(g->body, 0, sizeof g->body);
	g->body_len = 0;
	g->bodies = 0;
	g->events = 0;
	g->heads = 0;
	g->status = 0;
	errbuf[0] = '\0';
	return conn_request(&conn, t, rq ? rq : &get_rq, &h, errbuf);
}

static const size_t pieces[] = {0, 1, 7};
#define NPIECES (sizeof pieces / sizeof pieces[0])

/* Runs one(i) for each case i, with each way of cutting the server's bytes. */
static void each_piece(void (*one)(size_t i), size_t n)
{
	size_t i, k;

	for (k = 0; k < NPIECES; k++) {
		piece = pieces[k];
		for (i = 0; i < n; i++)
			one(i);
	}
}

#define OK_ONE "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none"
#define OK_TWO "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\n"

/* ---- keep-alive reuse ---------------------------------------------------- */

static void test_reuse(void)
{
	struct got g = {0};
	struct mem_conn *m;
	size_t k;
	int err;

	for (k = 0; k < NPIECES; k++) {
		piece = pieces[k];
		m = reset(1);
		m[0].reply[0] = OK_ONE;
		m[0].reply[1] = OK_TWO;
		m[0].reply[2] = OK_ONE;
		m[0].tls = 1;
		err = request(&target_a, NULL, &g);
		CHECK(err == DBX_OK && strcmp(g.body, "one") == 0, "piece %zu: first: %d %s '%s'",
		      piece, err, errbuf, g.body);
		err = request(&target_a, NULL, &g);
		CHECK(err == DBX_OK && strcmp(g.body, "two") == 0, "piece %zu: second: %d %s '%s'",
		      piece, err, errbuf, g.body);
		err = request(&target_a, NULL, &g);
		CHECK(err == DBX_OK && strcmp(g.body, "one") == 0, "piece %zu: third: %d %s '%s'",
		      piece, err, errbuf, g.body);
		CHECK(srv.opened == 1 && m[0].closed == 0, "piece %zu: %d connections", piece,
		      srv.opened);
		CHECK(m[0].alive_asked == 2 && m[0].writes == 3, "piece %zu: alive %d, writes %d",
		      piece, m[0].alive_asked, m[0].writes);
		CHECK(count(m[0].written, "GET /a HTTP/1.1\r\n") == 3, "piece %zu: requests",
		      piece);
		CHECK(count(traced, "* reusing connection to a.example:443") == 2 &&
		          strstr(traced, "(2 earlier responses)"),
		      "piece %zu: trace:\n%s", piece, traced);
		conn_close(&conn);
		conn_close(&conn);
		CHECK(m[0].closed == 1 && strstr(traced, "* closed connection to a.example:443"),
		      "piece %zu: closed %d times", piece, m[0].closed);
	}
}

/* The first response (or the next target) decides whether the second request
 * gets the same connection. */
static const struct reconnect_case {
	const char *name;
	const char *first; /* reply to the first request */
	int https;         /* of the second target */
	const char *host;  /* of the second target */
	unsigned port;     /* of the second target */
	int dead;          /* alive() says no before the second request */
	int want_conns;
} reconnect_cases[] = {
    {"HTTP/1.1 keep-alive", OK_ONE, 1, "a.example", 443, 0, 1},
    {"Connection: close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\none", 1,
     "a.example", 443, 0, 2},
    {"HTTP/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\none", 1, "a.example", 443, 0, 2},
    {"HTTP/1.0 keep-alive",
     "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\none", 1, "a.example",
     443, 0, 1},
    {"other host", OK_ONE, 1, "b.example", 443, 0, 2},
    {"other port", OK_ONE, 1, "a.example", 8443, 0, 2},
    {"other scheme", OK_ONE, 0, "a.example", 443, 0, 2},
    {"closed while idle", OK_ONE, 1, "a.example", 443, 1, 2},
    {"close-delimited body", "HTTP/1.1 200 OK\r\n\r\none", 1, "a.example", 443, 0, 2},
};

static void reconnect_one(size_t i)
{
	struct got g = {0};
	const struct reconnect_case *c = &reconnect_cases[i];
	struct conn_target t2 = {c->https, c->host, c->port, "/b"};
	struct mem_conn *m = reset(2);
	int err, fresh = c->want_conns == 2;

	m[0].reply[0] = c->first;
	m[0].reply[1] = OK_TWO;
	m[0].end = END_NOTIFY;
	m[0].tls = 1;
	m[0].dead = c->dead;
	m[1].reply[0] = OK_TWO;
	m[1].tls = 1;
	err = request(&target_a, NULL, &g);
	CHECK(err == DBX_OK && strcmp(g.body, "one") == 0, "%s, piece %zu: first: %d %s", c->name,
	      piece, err, errbuf);
	err = request(&t2, NULL, &g);
	CHECK(err == DBX_OK && strcmp(g.body, "two") == 0, "%s, piece %zu: second: %d %s", c->name,
	      piece, err, errbuf);
	CHECK(srv.opened == c->want_conns, "%s, piece %zu: %d connections", c->name, piece,
	      srv.opened);
	CHECK(m[0].closed == fresh && m[0].writes == 2 - fresh,
	      "%s, piece %zu: first connection closed %d, writes %d", c->name, piece, m[0].closed,
	      m[0].writes);
	CHECK(strcmp(srv.host[fresh], c->host) == 0 && srv.port[fresh] == c->port &&
	          srv.https[fresh] == c->https,
	      "%s, piece %zu: connected to %s:%u", c->name, piece, srv.host[fresh],
	      srv.port[fresh]);
	CHECK(strstr(m[fresh].written, "GET /b HTTP/1.1\r\n") != NULL,
	      "%s, piece %zu: second request not on the expected connection", c->name, piece);
	CHECK(!c->dead || strstr(traced, "closed the kept-alive connection while it was idle"),
	      "%s, piece %zu: -v does not say why: %s", c->name, piece, traced);
}

static void test_reconnect(void)
{
	each_piece(reconnect_one, sizeof reconnect_cases / sizeof reconnect_cases[0]);
}

/* ---- the stale kept-alive connection ------------------------------------ */

static const struct stale_case {
	const char *name;
	const char *second; /* what the reused connection answers the second request */
	int end;            /* and how it ends */
	int fail_write;     /* or: its second write fails */
	const char *fresh;  /* reply on the new connection (NULL: it has none) */
	int fresh_end;
	int want_err;
	int want_conns;
	const char *want_msg;
} stale_cases[] = {
    {"EOF before any byte", NULL, END_CUT, 0, OK_TWO, END_CUT, DBX_OK, 2, NULL},
    {"close_notify before any byte", NULL, END_NOTIFY, 0, OK_TWO, END_CUT, DBX_OK, 2, NULL},
    {"reset before any byte", NULL, END_RESET, 0, OK_TWO, END_CUT, DBX_OK, 2, NULL},
    {"request write fails", NULL, END_CUT, 2, OK_TWO, END_CUT, DBX_OK, 2, NULL},
    {"retried once only", NULL, END_CUT, 0, NULL, END_CUT, DBX_ERR_TRUNCATED, 2,
     "before the response head ended"},
    {"EOF after a byte", "H", END_CUT, 0, OK_TWO, END_CUT, DBX_ERR_TRUNCATED, 1,
     "before the response head ended"},
    {"EOF inside the head", "HTTP/1.1 200 OK\r\nContent-Le", END_CUT, 0, OK_TWO, END_CUT,
     DBX_ERR_TRUNCATED, 1, "a.example closed the connection before the response head ended"},
    {"reset after a byte", "H", END_RESET, 0, OK_TWO, END_CUT, DBX_ERR_NET, 1, "reset"},
    {"silence is not staleness", NULL, END_QUIET, 0, OK_TWO, END_CUT, DBX_ERR_TIMEOUT, 1,
     "no data from a.example"},
};

static void stale_one(size_t i)
{
	struct got g = {0};
	const struct stale_case *c = &stale_cases[i];
	struct mem_conn *m = reset(2);
	int err;

	conn.idle_timeout_ms = 30;
	m[0].reply[0] = OK_ONE;
	m[0].reply[1] = c->second;
	m[0].end = c->end;
	m[0].fail_write = c->fail_write;
	m[0].tls = 1;
	m[1].reply[0] = c->fresh;
	m[1].end = c->fresh_end;
	m[1].tls = 1;
	err = request(&target_a, NULL, &g);
	CHECK(err == DBX_OK, "%s, piece %zu: first: %d %s", c->name, piece, err, errbuf);
	err = request(&target_a, NULL, &g);
	CHECK(err == c->want_err, "%s, piece %zu: err %d, want %d (%s)", c->name, piece, err,
	      c->want_err, errbuf);
	CHECK(srv.opened == c->want_conns, "%s, piece %zu: %d connections", c->name, piece,
	      srv.opened);
	if (c->want_err == DBX_OK)
		CHECK(strcmp(g.body, "two") == 0 &&
		          strstr(traced, "died before the response began") != NULL &&
		          strstr(traced, "sending the request again on a new connection") &&
		          strstr(m[1].written, "GET /a HTTP/1.1\r\n") != NULL,
		      "%s, piece %zu: body '%s', trace:\n%s", c->name, piece, g.body, traced);
	if (c->want_msg)
		CHECK(strstr(errbuf, c->want_msg) != NULL, "%s, piece %zu: message '%s'", c->name,
		      piece, errbuf);
	CHECK(m[0].closed == 1, "%s, piece %zu: the stale connection was not closed", c->name,
	      piece);
	if (c->want_err)
		CHECK(m[srv.opened - 1].closed == 1, "%s, piece %zu: failed connection left open",
		      c->name, piece);
}

static void test_stale(void)
{
	each_piece(stale_one, sizeof stale_cases / sizeof stale_cases[0]);
}

/* ---- one response on a fresh connection: framing and truncation --------- */

static const struct truncation_case {
	const char *name;
	const char *reply;
	int tls;
	int end;
	int want_err;
	const char *want_body;
	const char *want_msg;
	int kept; /* the connection may serve the next request */
} truncation_cases[] = {
    {"Content-Length body cut", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 1, END_NOTIFY,
     DBX_ERR_TRUNCATED, "abc",
     "a.example closed the connection before Content-Length bytes arrived", 0},
    {"chunked body cut in a chunk",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n3\r\nfg", 1, END_NOTIFY,
     DBX_ERR_TRUNCATED, "abcdefg", "in the middle of the chunked body", 0},
    {"chunked body without the last chunk",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n", 0, END_CUT,
     DBX_ERR_TRUNCATED, "abcde", "in the middle of the chunked body", 0},
    {"head cut", "HTTP/1.1 200 OK\r\nContent-Len", 1, END_NOTIFY, DBX_ERR_TRUNCATED, "",
     "before the response head ended", 0},
    {"nothing at all", "", 1, END_CUT, DBX_ERR_TRUNCATED, "", "before the response head ended", 0},
    {"close-delimited, TCP", "HTTP/1.1 200 OK\r\n\r\nall of it", 0, END_CUT, DBX_OK, "all of it",
     NULL, 0},
    {"close-delimited, close_notify", "HTTP/1.1 200 OK\r\n\r\nall of it", 1, END_NOTIFY, DBX_OK,
     "all of it", NULL, 0},
    {"close-delimited, TLS cut", "HTTP/1.1 200 OK\r\n\r\nall of it", 1, END_CUT, DBX_ERR_TRUNCATED,
     "all of it", "a.example closed the connection without TLS close_notify after 9 body bytes", 0},
    {"Content-Length, TLS cut after", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", 1, END_CUT,
     DBX_OK, "abc", NULL, 1},
    {"reset in the body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 1, END_RESET,
     DBX_ERR_NET, "abc", "reset", 0},
    {"server stalls", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 1, END_QUIET,
     DBX_ERR_TIMEOUT, "abc", "the server or the network stalled", 0},
    {"bad framing", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 1,
     END_NOTIFY, DBX_ERR_PROTOCOL, "", "bad response from a.example: ", 0},
    {"1xx skipped", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
     1, END_CUT, DBX_OK, "ok", NULL, 1},
};

static void truncation_one(size_t i)
{
	struct got g = {0};
	const struct truncation_case *c = &truncation_cases[i];
	struct mem_conn *m = reset(1);
	int err;

	conn.idle_timeout_ms = 30;
	m[0].reply[0] = c->reply;
	m[0].tls = c->tls;
	m[0].end = c->end;
	err = request(&target_a, NULL, &g);
	CHECK(err == c->want_err, "%s, piece %zu: err %d, want %d (%s)", c->name, piece, err,
	      c->want_err, errbuf);
	CHECK(strcmp(g.body, c->want_body) == 0, "%s, piece %zu: body '%s'", c->name, piece,
	      g.body);
	if (c->want_msg)
		CHECK(strstr(errbuf, c->want_msg) != NULL, "%s, piece %zu: message '%s'", c->name,
		      piece, errbuf);
	CHECK(m[0].closed == !c->kept, "%s, piece %zu: closed %d", c->name, piece, m[0].closed);
}

static void test_truncation(void)
{
	each_piece(truncation_one, sizeof truncation_cases / sizeof truncation_cases[0]);
}

/* ---- the idle deadline (conn_touch) ------------------------------------- */

#define SSE_HEAD                                                                                   \
	"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"                                   \
	"Transfer-Encoding: chunked\r\n\r\n"
#define SSE_EVENT "9\r\ndata: x\n\n\r\n"
#define SSE_KEEPALIVE "e\r\n: keep-alive\n\n\r\n"

static const struct deadline_case {
	const char *name;
	int touch;        /* the handler calls conn_touch() on events */
	const char *tail; /* sent 30 times, 3 ms apart (90 ms > the idle timeout) */
	size_t tail_body; /* body bytes in one tail */
	int end;
	int want_err;
	const char *want_msg;
} deadline_cases[] = {
    {"keep-alives after a touch", 1, SSE_KEEPALIVE, 14, END_CUT, DBX_ERR_TIMEOUT,
     "no data from a.example for 0 s (the --idle-timeout); the stream stalled"},
    {"keep-alives without a touch", 0, SSE_KEEPALIVE, 14, END_CUT, DBX_OK, NULL},
    {"events, each touched", 1, SSE_EVENT, 9, END_CUT, DBX_OK, NULL},
    {"silence after a touch", 1, NULL, 0, END_QUIET, DBX_ERR_TIMEOUT, "no data from a.example"},
    {"silence without a touch", 0, NULL, 0, END_QUIET, DBX_ERR_TIMEOUT,
     "the server or the network stalled"},
};

static void deadline_one(size_t i)
{
	struct got g = {0};
	const struct deadline_case *c = &deadline_cases[i];
	struct mem_conn *m = reset(1);
	long long t0;
	int err;

	conn.idle_timeout_ms = 40;
	m[0].reply[0] = SSE_HEAD SSE_EVENT;
	m[0].tail = c->tail;
	m[0].tail_count = 30;
	m[0].tail_ms = 3;
	m[0].last = c->tail ? "0\r\n\r\n" : NULL;
	m[0].end = c->end;
	m[0].tls = 1;
	g.touch = c->touch;
	t0 = now_ms();
	err = request(&target_a, NULL, &g);
	t0 = now_ms() - t0;
	CHECK(err == c->want_err, "%s, piece %zu: err %d, want %d (%s)", c->name, piece, err,
	      c->want_err, errbuf);
	if (c->want_msg)
		CHECK(strstr(errbuf, c->want_msg) != NULL, "%s, piece %zu: message '%s'", c->name,
		      piece, errbuf);
	if (err == DBX_ERR_TIMEOUT)
		CHECK(t0 >= 40 && (!c->tail || m[0].tail_count > 0),
		      "%s, piece %zu: gave up after %lld ms, %d tail pieces left", c->name, piece,
		      t0, m[0].tail_count);
	if (err == DBX_OK)
		CHECK(m[0].tail_count == 0 && g.body_len == 9 + 30 * c->tail_body,
		      "%s, piece %zu: body %zu bytes", c->name, piece, g.body_len);
}

static void test_deadline(void)
{
	each_piece(deadline_one, sizeof deadline_cases / sizeof deadline_cases[0]);
}

/* ---- handlers that stop the exchange ------------------------------------ */

static void test_cancel(void)
{
	struct got g = {0};
	size_t k;
	int err;

	for (k = 0; k < NPIECES; k++) {
		struct mem_conn *m = reset(3);

		piece = pieces[k];
		m[0].reply[0] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789";
		m[0].reply[1] = OK_ONE;
		m[1].reply[0] = "HTTP/1.1 401 Unauthorized\r\nContent-Length: 2\r\n\r\nno";
		m[1].reply[1] = OK_ONE;
		m[2].reply[0] = OK_ONE;
		g.body_result = DBX_ERR_CANCELLED;
		err = request(&target_a, NULL, &g);
		g.body_result = 0;
		CHECK(err == DBX_ERR_CANCELLED && g.bodies == 1 && g.body_len >= 1,
		      "piece %zu: on_body cancel: err %d, %d calls", piece, err, g.bodies);
		CHECK(m[0].closed == 1, "piece %zu: cancelled connection kept", piece);
		g.head_result = DBX_ERR_AUTH;
		err = request(&target_a, NULL, &g);
		g.head_result = 0;
		CHECK(err == DBX_ERR_AUTH && g.heads == 1 && g.status == 401 && g.body_len == 0,
		      "piece %zu: on_head stop: err %d, status %d", piece, err, g.status);
		CHECK(m[1].closed == 1, "piece %zu: stopped connection kept", piece);
		err = request(&target_a, NULL, &g);
		CHECK(err == DBX_OK && strcmp(g.body, "one") == 0 && srv.opened == 3,
		      "piece %zu: after a cancel: err %d, %d connections", piece, err, srv.opened);
	}
}

/* ---- the request bytes and the trace ------------------------------------ */

static void test_request_bytes(void)
{
	static const struct http_header fields[] = {
	    {"Authorization", 13, "Bearer dapiSECRET", 17},
	    {"X-Request-Id", 12, "42", 2},
	};
	static const char body[] = "{\"messages\":\"hi\"}";
	static const struct conn_target t = {1, "w.example", 443,
	                                     "/serving-endpoints/m/invocations?x=1"};
	struct conn_request rq = {"POST", fields, 2, body, sizeof body - 1, "text/event-stream",
	                          NULL,   NULL};
	struct got g = {0};
	struct mem_conn *m = reset(1);
	const char *w, *end;
	int err;

	piece = 0;
	m[0].reply[0] =
	    "HTTP/1.1 200 OK\r\nSet-Cookie: s=COOKIE\r\nContent-Length: 8\r\n\r\nRESPBODY";
	err = request(&t, &rq, &g);
	CHECK(err == DBX_OK && strcmp(g.body, "RESPBODY") == 0, "post: %d %s", err, errbuf);
	w = m[0].written;
	end = strstr(w, "\r\n\r\n");
	CHECK(strncmp(w, "POST /serving-endpoints/m/invocations?x=1 HTTP/1.1\r\n", 52) == 0,
	      "request line: %.60s", w);
	CHECK(strstr(w, "\r\nHost: w.example\r\n") &&
	          strstr(w, "\r\nAuthorization: Bearer dapiSECRET\r\n") &&
	          strstr(w, "\r\nX-Request-Id: 42\r\n") &&
	          strstr(w, "\r\nAccept: text/event-stream\r\n") &&
	          strstr(w, "\r\nContent-Length: 17\r\n"),
	      "fields:\n%s", w);
	CHECK(end && end + 4 + strlen(body) == w + m[0].written_len &&
	          memcmp(end + 4, body, strlen(body)) == 0 && m[0].writes == 1,
	      "head and body in one write: %d writes, %zu bytes", m[0].writes, m[0].written_len);

	/* the trace: heads with secrets redacted, events, never body bytes */
	CHECK(strstr(traced, "> POST /serving-endpoints/m/invocations?x=1 HTTP/1.1\n") &&
	          strstr(traced, "> Authorization: Bearer [redacted]\n") &&
	          strstr(traced, "> X-Request-Id: 42\n") && strstr(traced, "< HTTP/1.1 200 OK\n") &&
	          strstr(traced, "< Set-Cookie: [redacted]\n"),
	      "trace:\n%s", traced);
	CHECK(!strstr(traced, "SECRET") && !strstr(traced, "COOKIE") &&
	          !strstr(traced, "RESPBODY") && !strstr(traced, "messages"),
	      "trace shows a secret or body bytes:\n%s", traced);
}

static void test_request_shapes(void)
{
	static char big[CONN_READ_MAX + 1000];
	static const struct http_header bad[] = {{"X-Evil", 6, "a\r\nInjected: 1", 14}};
	struct harness_guarded gb;
	struct got g = {0};
	struct mem_conn *m;
	const char *end;
	int err;

	piece = 0;
	/* port in Host only when not the scheme's; no body, no Content-Length */
	{
		struct conn_target t1 = {1, "w.example", 8443, "/x"};
		struct conn_target t2 = {0, "localhost", 80, "/y"};
		struct conn_target t3 = {0, "::1", 8080, "/z"};

		m = reset(3);
		m[0].reply[0] = OK_ONE;
		m[1].reply[0] = OK_ONE;
		m[2].reply[0] = OK_ONE;
		err = request(&t1, NULL, &g);
		CHECK(err == DBX_OK && strncmp(m[0].written, "GET /x HTTP/1.1\r\n", 17) == 0 &&
		          strstr(m[0].written, "\r\nHost: w.example:8443\r\n") &&
		          !strstr(m[0].written, "Content-Length") &&
		          strcmp(m[0].written + m[0].written_len - 4, "\r\n\r\n") == 0,
		      "GET 8443: %d\n%s", err, m[0].written);
		err = request(&t2, NULL, &g);
		CHECK(err == DBX_OK && strstr(m[1].written, "\r\nHost: localhost\r\n"),
		      "GET http 80: %d\n%s", err, m[1].written);
		err = request(&t3, NULL, &g);
		CHECK(err == DBX_OK && strstr(m[2].written, "\r\nHost: [::1]:8080\r\n"),
		      "GET [::1]:8080: %d\n%s", err, m[2].written);
	}

	/* a body too large to share the head's buffer goes in a second write,
	 * read from the caller's memory (which ends at a guard page) */
	{
		struct conn_request rq = {"POST", NULL, 0, NULL, sizeof big, NULL, NULL, NULL};

		memset(big, 'b', sizeof big);
		gb = harness_guard(big, sizeof big);
		rq.body = (const char *)gb.data;
		m = reset(1);
		m[0].reply[0] = OK_ONE;
		err = request(&target_a, &rq, &g);
		end = strstr(m[0].written, "\r\n\r\n");
		CHECK(err == DBX_OK && m[0].writes == 2 && end &&
		          strstr(m[0].written, "\r\nContent-Length: 17384\r\n") &&
		          (size_t)(end + 4 - m[0].written) + sizeof big == m[0].written_len &&
		          memcmp(end + 4, big, sizeof big) == 0,
		      "large body: %d, %d writes, %zu bytes", err, m[0].writes, m[0].written_len);
		harness_unguard(&gb);
	}

	/* HEAD: the response has no body whatever it says; the connection stays */
	{
		struct conn_request rq = {"HEAD", NULL, 0, NULL, 0, NULL, NULL, NULL};

		m = reset(1);
		m[0].reply[0] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
		m[0].reply[1] = OK_ONE;
		err = request(&target_a, &rq, &g);
		CHECK(err == DBX_OK && g.status == 200 && g.body_len == 0 &&
		          strncmp(m[0].written, "HEAD /a HTTP/1.1\r\n", 18) == 0,
		      "HEAD: %d %s", err, errbuf);
		err = request(&target_a, NULL, &g);
		CHECK(err == DBX_OK && strcmp(g.body, "one") == 0 && srv.opened == 1,
		      "after HEAD: %d, %d connections", err, srv.opened);
	}

	/* header injection is refused before a byte is written */
	{
		struct conn_request rq = {"GET", bad, 1, NULL, 0, NULL, NULL, NULL};

		m = reset(1);
		m[0].reply[0] = OK_ONE;
		err = request(&target_a, &rq, &g);
		CHECK(err == DBX_ERR_USAGE && m[0].written_len == 0 && m[0].closed == 1 &&
		          strstr(errbuf, "cannot build the request"),
		      "injection: %d '%s', %zu bytes written", err, errbuf, m[0].written_len);
	}

	/* a failed connect is returned as it is */
	reset(0);
	err = request(&target_a, NULL, &g);
	CHECK(err == DBX_ERR_CONNECT && strstr(errbuf, "a.example:443"), "connect: %d %s", err,
	      errbuf);
	{
		char longhost[CONN_HOST_MAX + 1];
		struct conn_target t = {1, longhost, 443, "/"};

		memset(longhost, 'h', sizeof longhost - 1);
		longhost[sizeof longhost - 1] = '\0';
		reset(1);
		err = request(&t, NULL, &g);
		CHECK(err == DBX_ERR_USAGE && srv.opened == 0, "long host: %d", err);
	}
}

int main(void)
{
	RUN(test_reuse);
	RUN(test_reconnect);
	RUN(test_stale);
	RUN(test_truncation);
	RUN(test_deadline);
	RUN(test_cancel);
	RUN(test_request_bytes);
	RUN(test_request_shapes);
	conn_close(&conn);
	return harness_done("conn");
}
