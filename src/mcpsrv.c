/* mcpsrv.c - see mcpsrv.h. */
#include "mcpsrv.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "clock.h"
#include "http.h"
#include "sse.h"
#include "url.h"

extern char **environ;

#define say(set, ...) err_say((set)->notice, (set)->notice_ctx, __VA_ARGS__)

/* What a child inherits from us; the rest of the environment stays here. */
static const char *const inherit[] = {"HOME", "LOGNAME", "PATH", "SHELL",  "TERM",
                                      "USER", "TMPDIR",  "LANG", "LC_ALL", NULL};

/* An answer and the text it borrows. */
struct answer {
	struct mcp_msg m;
	char *text;
	int got;
};

static void answer_free(struct answer *a)
{
	mcp_msg_free(&a->m);
	free(a->text);
	a->text = NULL;
	a->got = 0;
}

static char *dup_n(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

static char *dup_s(const char *s)
{
	return s ? dup_n(s, strlen(s)) : NULL;
}

static void free_list(char **v);

/* A copy of a NULL-terminated list (NULL when memory ran out). */
static char **dup_list(const char *const *v)
{
	size_t n = 0, i;
	char **out;

	while (v && v[n])
		n++;
	out = calloc(n + 1, sizeof *out);
	for (i = 0; out && i < n; i++)
		if (!(out[i] = dup_s(v[i]))) {
			free_list(out);
			return NULL;
		}
	return out;
}

static void free_list(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* The child's environment: the inherited names, then env over them. */
static char **child_env(const char *const *env)
{
	size_t n = 0, i, j;
	char **out;

	while (env && env[n])
		n++;
	out = calloc(n + sizeof inherit / sizeof inherit[0] + 1, sizeof *out);
	if (!out)
		return NULL;
	for (i = j = 0; inherit[i]; i++) {
		const char *v = getenv(inherit[i]);
		size_t k = strlen(inherit[i]);
		if (!v)
			continue;
		size_t len = k + strlen(v) + 2;
		if (!(out[j] = malloc(len)))
			goto fail;
		snprintf(out[j++], len, "%s=%s", inherit[i], v);
	}
	for (i = 0; i < n; i++) {
		size_t k = strcspn(env[i], "="), m;
		for (m = 0; m < j; m++)
			if (strncmp(out[m], env[i], k + 1) == 0)
				break;
		free(m < j ? out[m] : NULL);
		if (!(out[m] = dup_s(env[i])))
			goto fail;
		if (m == j)
			j++;
	}
	return out;
fail:
	free_list(out);
	return NULL;
}

/* "prog arg..." for messages. */
static char *join(const char *const *argv)
{
	size_t len = 1, i;
	char *s;

	for (i = 0; argv[i]; i++)
		len += strlen(argv[i]) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	for (i = 0, len = 0; argv[i]; i++) {
		size_t n = strlen(argv[i]);
		if (i)
			s[len++] = ' ';
		memcpy(s + len, argv[i], n);
		len += n;
	}
	s[len] = '\0';
	return s;
}

int mcpsrv_add(struct mcp_set *set, const char *name, const char *const *argv,
               const char *const *env, const char *cwd, const char *url, char *errbuf)
{
	struct mcp_server *s;
	size_t i;

	if (set->n == MCPSRV_MAX) {
		errbuf_set(errbuf, "too many MCP servers: at most %d", MCPSRV_MAX);
		return DBX_ERR_USAGE;
	}
	if (!url && (!argv || !argv[0] || !argv[0][0])) {
		errbuf_set(errbuf, "MCP server %s has no command and no url", name ? name : "");
		return DBX_ERR_USAGE;
	}
	for (i = 0; env && env[i]; i++)
		if (!strchr(env[i], '=') || env[i][0] == '=') {
			errbuf_set(errbuf, "MCP server %s: env entry '%.40s' is not NAME=value",
			           name ? name : "", env[i]);
			return DBX_ERR_USAGE;
		}
	s = &set->srv[set->n];
	memset(s, 0, sizeof *s);
	s->to = s->from = s->ef = -1;
	if (name) {
		mcp_sanitise(name, s->name, sizeof s->name);
		s->named = 1;
	} else {
		snprintf(s->name, sizeof s->name, "mcp%zu", set->n + 1);
	}
	if (url) {
		s->what = dup_s(url);
	} else {
		s->what = join(argv);
		s->argv = dup_list(argv);
		s->env = child_env(env);
		s->cwd = dup_s(cwd);
	}
	set->n++; /* from here mcpsrv_stop frees it */
	if (!s->what || (!url && (!s->argv || !s->env || (cwd && !s->cwd)))) {
		errbuf_set(errbuf, "out of memory for an MCP server");
		return DBX_ERR_NOMEM;
	}
	buf_init(&s->in, MCP_MSG_MAX + 1);
	buf_init(&s->later, MCP_MSG_MAX);
	return DBX_OK;
}

/* Gives up on s: the message names it. */
__attribute__((format(printf, 2, 3))) static void fail(struct mcp_server *s, const char *fmt, ...)
{
	char why[DBX_ERRBUF_SIZE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	if (s->failed)
		return; /* the first cause is the one to tell */
	s->failed = 1;
	errbuf_set(s->error, "MCP server %s (%s): %s%s%s", s->name, s->what, why,
	           s->lasterr[0] ? "; its last words: " : "", s->lasterr);
}

/* ---- children over stdio ---- */

/* A pipe whose ends close on exec (pipe2 is not POSIX). */
static int pipe_cx(int fd[2])
{
	if (pipe(fd))
		return -1;
	fcntl(fd[0], F_SETFD, FD_CLOEXEC);
	fcntl(fd[1], F_SETFD, FD_CLOEXEC);
	return 0;
}

static int spawn(struct mcp_server *s)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1}, er[2] = {-1, -1}, st[2] = {-1, -1}, e = 0;
	pid_t pid;
	ssize_t n;

	if (pipe_cx(in) || pipe_cx(out) || pipe_cx(er) || pipe_cx(st)) {
		e = errno;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		e = errno;
		goto out;
	}
	if (pid == 0) {
		(void)setpgid(0, 0); /* signals from the terminal are ours to pass on */
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(er[1], 2) < 0 ||
		    (s->cwd && chdir(s->cwd) != 0)) {
			e = errno;
		} else {
			environ = s->env;
			execvp(s->argv[0], s->argv);
			e = errno;
		}
		(void)!write(st[1], &e, sizeof e);
		_exit(127);
	}
	(void)setpgid(pid, pid); /* also here: no race with a signal to the group */
	s->pid = pid;
	close(st[1]);
	st[1] = -1;
	do
		n = read(st[0], &e, sizeof e);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof e)
		e = 0; /* closed by exec: it runs */
	if (e) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		s->pid = 0;
	}
out:
	if (!e) {
		s->to = in[1];
		s->from = out[0];
		s->ef = er[0];
		in[1] = out[0] = er[0] = -1;
		fcntl(s->to, F_SETFL, O_NONBLOCK);
		fcntl(s->from, F_SETFL, O_NONBLOCK);
		fcntl(s->ef, F_SETFL, O_NONBLOCK);
	}
	for (n = 0; n < 2; n++) {
		if (in[n] >= 0)
			close(in[n]);
		if (out[n] >= 0)
			close(out[n]);
		if (er[n] >= 0)
			close(er[n]);
		if (st[n] >= 0)
			close(st[n]);
	}
	if (e)
		fail(s, "cannot run '%s': %s", s->argv[0], strerror(e));
	return e ? DBX_ERR_IO : DBX_OK;
}

/* Why the child ended, once it has (reaps it). */
static void child_gone(struct mcp_server *s, const char *when)
{
	int status = 0;
	pid_t r = 0;
	long long end = clock_ms() + 500;

	/* its stdout closed: it is ending; give it a moment to be reaped */
	while (s->pid > 0 && (r = waitpid(s->pid, &status, WNOHANG)) == 0 && clock_ms() < end)
		clock_sleep_ms(10);
	if (r == s->pid) {
		s->pid = 0;
		if (WIFSIGNALED(status))
			fail(s, "killed by signal %d %s", WTERMSIG(status), when);
		else
			fail(s, "exited with status %d %s", WEXITSTATUS(status), when);
	} else {
		fail(s, "closed its stdout %s", when);
	}
}

/* Reads what the child wrote on stderr: whole lines to the notices (-v),
 * the last one kept. */
static void read_stderr(struct mcp_set *set, struct mcp_server *s)
{
	char b[1024];
	ssize_t n, i;

	while ((n = read(s->ef, b, sizeof b)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
			n = 0;
			break;
		}
		for (i = 0; i < n; i++) {
			if (b[i] != '\n' && s->elen < sizeof s->eline - 1) {
				s->eline[s->elen++] = b[i];
				continue;
			}
			if (b[i] != '\n')
				continue; /* a long line: its start is enough */
			s->eline[s->elen] = '\0';
			if (s->elen && s->eline[s->elen - 1] == '\r')
				s->eline[--s->elen] = '\0';
			if (s->elen) {
				memcpy(s->lasterr, s->eline, s->elen + 1);
				if (set->verbose)
					say(set, "%s: %s", s->name, s->eline);
			}
			s->elen = 0;
		}
	}
	close(s->ef); /* end of file */
	s->ef = -1;
}

/* Writes all of msg and a newline to the child, by the deadline. SIGPIPE is
 * held back while writing (a child that died must not end us). */
static int stdio_send(struct mcp_server *s, const char *msg, size_t len, long long deadline)
{
	sigset_t pipe_sig, old;
	size_t off = 0;
	int err = DBX_OK, pend = 0;

	if (s->to < 0) {
		fail(s, "its stdin is closed");
		return DBX_ERR_NET;
	}
	sigemptyset(&pipe_sig);
	sigaddset(&pipe_sig, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_sig, &old);
	while (off < len + 1 && !err) {
		const char *p = off < len ? msg + off : "\n";
		ssize_t n = write(s->to, p, off < len ? len - off : 1);
		if (n > 0) {
			off += (size_t)n;
		} else if (n < 0 && errno == EAGAIN) {
			struct pollfd pf = {s->to, POLLOUT, 0};
			long left = (long)(deadline - clock_ms());
			if (left <= 0) {
				err = DBX_ERR_TIMEOUT;
				fail(s, "does not read its stdin");
			} else {
				(void)poll(&pf, 1, (int)left);
			}
		} else if (n < 0 && errno != EINTR) {
			pend = errno == EPIPE;
			err = DBX_ERR_NET;
			fail(s, "cannot write to it: %s", strerror(errno));
		}
	}
	if (pend) {
		struct timespec zero = {0, 0};
		(void)sigtimedwait(&pipe_sig, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

static int incoming(struct mcp_set *set, struct mcp_server *s, const char *line, size_t n,
                    long long want, struct answer *a);

/* Reads the child's messages until the answer to want arrives (want < 0:
 * none awaited, reads what is there) or the deadline passes. */
static int stdio_wait(struct mcp_set *set, struct mcp_server *s, long long want, long long deadline,
                      struct answer *a, char *errbuf)
{
	char chunk[16384];

	while (!a->got && !s->failed) {
		struct pollfd pf[2] = {{s->from, POLLIN, 0}, {s->ef, POLLIN, 0}};
		long left = (long)(deadline - clock_ms());
		ssize_t n;
		size_t old, start, i;
		if (set->cancel && *set->cancel) {
			errbuf_set(errbuf, "cancelled");
			return DBX_ERR_CANCELLED;
		}
		if (left <= 0) {
			errbuf_set(errbuf, "MCP server %s: no answer in time", s->name);
			return DBX_ERR_TIMEOUT;
		}
		if (poll(pf, s->ef >= 0 ? 2 : 1, (int)(left < 250 ? left : 250)) < 0 &&
		    errno != EINTR)
			break;
		if (s->ef >= 0 && pf[1].revents)
			read_stderr(set, s);
		if (!pf[0].revents)
			continue;
		n = read(s->from, chunk, sizeof chunk);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0) {
			if (s->ef >= 0)
				read_stderr(set, s);
			child_gone(s, want >= 0 ? "before it answered" : "");
			break;
		}
		old = s->in.len;
		if (buf_append(&s->in, chunk, (size_t)n)) {
			fail(s, "it wrote a message over %u MiB", MCP_MSG_MAX >> 20);
			break;
		}
		for (start = 0, i = old; i < s->in.len; i++) {
			if (s->in.p[i] != '\n')
				continue;
			if (incoming(set, s, s->in.p + start, i - start, want, a) == DBX_ERR_NOMEM)
				return DBX_ERR_NOMEM;
			start = i + 1;
			if (s->failed)
				break;
		}
		if (start) {
			memmove(s->in.p, s->in.p + start, s->in.len - start);
			s->in.len -= start;
		}
	}
	if (a->got)
		return DBX_OK;
	errbuf_set(errbuf, "%s", s->error);
	return DBX_ERR_PROTOCOL;
}

/* ---- Streamable HTTP ---- */

struct post {
	struct mcp_set *set;
	struct mcp_server *s;
	long long want;
	struct answer *a;
	struct sse_parser *sse; /* NULL: a JSON body */
	struct buf body;
	int err;
};

static int post_head(void *ctx, const struct http_parser *p)
{
	struct post *q = ctx;
	size_t n = 0;
	const char *ct = http_header_value(p, "Content-Type", &n);
	const char *sid = http_header_value(p, "Mcp-Session-Id", &n);

	buf_clear(&q->body);
	if (sid && n > 0 && n < sizeof q->s->session)
		memcpy(q->s->session, sid, n + 1);
	if (ct && strncmp(ct, "text/event-stream", 17) == 0) {
		if (!q->sse && !(q->sse = malloc(sizeof *q->sse)))
			return q->err = DBX_ERR_NOMEM;
		sse_init(q->sse, NULL, 0);
	} else {
		free(q->sse);
		q->sse = NULL;
	}
	return 0;
}

static int post_event(void *ctx, const struct sse_event *ev)
{
	struct post *q = ctx;

	if (ev->oversize) {
		fail(q->s, "it sent an event of %zu bytes, over the limit", ev->data_size);
		return q->err = DBX_ERR_LIMIT;
	}
	q->err = incoming(q->set, q->s, ev->data, ev->data_len, q->want, q->a);
	return q->err || q->s->failed;
}

static int post_data(void *ctx, const char *data, size_t len)
{
	struct post *q = ctx;

	if (q->sse)
		return sse_feed(q->sse, data, len, post_event, q, NULL) != 0;
	if (buf_append(&q->body, data, len)) {
		fail(q->s, "it sent an answer over %u MiB", MCP_MSG_MAX >> 20);
		return q->err = DBX_ERR_LIMIT;
	}
	return 0;
}

/* One POST (or DELETE when msg is NULL) to the server, its answers read. */
static int http_send(struct mcp_set *set, struct mcp_server *s, const char *msg, size_t len,
                     long long want, int retries, struct answer *a, char *errbuf)
{
	struct http_header f[2];
	struct client_call *k = calloc(1, sizeof *k);
	struct post q;
	int err;

	if (!k)
		return DBX_ERR_NOMEM;
	memset(&q, 0, sizeof q);
	q.set = set;
	q.s = s;
	q.want = want;
	q.a = a;
	buf_init(&q.body, MCP_MSG_MAX);
	if (s->session[0]) {
		f[k->num_fields].name = "Mcp-Session-Id";
		f[k->num_fields].name_len = 14;
		f[k->num_fields].value = s->session;
		f[k->num_fields++].value_len = strlen(s->session);
	}
	if (s->protocol[0]) {
		f[k->num_fields].name = "MCP-Protocol-Version";
		f[k->num_fields].name_len = 20;
		f[k->num_fields].value = s->protocol;
		f[k->num_fields++].value_len = strlen(s->protocol);
	}
	k->fields = f;
	k->method = msg ? "POST" : "DELETE";
	k->path = s->path;
	k->body = msg;
	k->body_len = len;
	k->accept = "application/json, text/event-stream";
	k->max_retries = retries;
	k->on_head = post_head;
	k->on_data = post_data;
	k->ctx = &q;
	err = client_call(s->cl, k, errbuf);
	if (err == DBX_ERR_CANCELLED && q.err)
		err = q.err;
	if (!err && !q.sse && q.body.len)
		err = incoming(set, s, q.body.p, q.body.len, want, a);
	if (!err && s->failed)
		err = DBX_ERR_PROTOCOL;
	if (err && s->failed)
		errbuf_set(errbuf, "%s", s->error);
	if (!err && want >= 0 && !a->got) {
		errbuf_set(errbuf,
		           "MCP server %s: the reply (HTTP %d) held no answer to request %lld",
		           s->name, k->status, want);
		err = DBX_ERR_PROTOCOL;
	}
	if (err == DBX_ERR_BAD_REQUEST && k->status == 404 && s->session[0])
		err = ERR_STALE; /* the session ended: start another */
	free(q.sse);
	buf_free(&q.body);
	free(k);
	return err;
}

/* Sends the answers to the server's requests that came during an exchange. */
static void http_flush(struct mcp_set *set, struct mcp_server *s)
{
	char line[DBX_ERRBUF_SIZE];
	struct answer none = {0};
	size_t i, start = 0;

	for (i = 0; i < s->later.len; i++)
		if (s->later.p[i] == '\n') {
			(void)http_send(set, s, s->later.p + start, i - start, -1, 0, &none, line);
			start = i + 1;
		}
	buf_clear(&s->later);
}

/* ---- one exchange, either transport ---- */

/* Sends msg to s. Over HTTP an answer to the server (queued) waits for the
 * exchange in progress to end: the connection is busy reading it. */
static void send_msg(struct mcp_set *set, struct mcp_server *s, struct buf *msg, int queue)
{
	char line[DBX_ERRBUF_SIZE];
	struct answer none = {0};

	if (msg->err)
		return;
	if (s->argv)
		(void)stdio_send(s, msg->p, msg->len, clock_ms() + 5000);
	else if (!queue)
		(void)http_send(set, s, msg->p, msg->len, -1, 0, &none, line);
	else if (!buf_append(&s->later, msg->p, msg->len))
		buf_append(&s->later, "\n", 1);
}

static int notify(struct mcp_set *set, struct mcp_server *s, const char *method, const char *params)
{
	struct buf msg;

	buf_init(&msg, 4096);
	mcp_request(&msg, -1, method, params, params ? strlen(params) : 0);
	send_msg(set, s, &msg, 0);
	buf_free(&msg);
	return DBX_OK;
}

/* A server's notifications/message under -v: "NAME: LEVEL: text". */
static void log_message(struct mcp_set *set, struct mcp_server *s, const struct mcp_msg *m)
{
	char level[16] = "", text[512] = "";
	int data = json_get(&m->doc, m->params, "data");
	const char *raw = "";
	size_t n = 0;

	(void)json_str(&m->doc, json_get(&m->doc, m->params, "level"), level, sizeof level, NULL);
	if (json_type(&m->doc, data) == JSON_STRING)
		(void)json_str(&m->doc, data, text, sizeof text, NULL);
	else if (json_raw(&m->doc, data, &raw, &n) == DBX_OK)
		snprintf(text, sizeof text, "%.*s", (int)(n < 500 ? n : 500), raw);
	say(set, "%s: %s: %s", s->name, level[0] ? level : "log", text);
}

/* One message from s: the awaited answer goes to a (with its text), a
 * request is answered, a notification noted. Not JSON-RPC: s fails. */
static int incoming(struct mcp_set *set, struct mcp_server *s, const char *line, size_t n,
                    long long want, struct answer *a)
{
	char why[DBX_ERRBUF_SIZE];
	struct mcp_msg m;
	struct buf out;
	char *text;
	int err;

	while (n && strchr(" \t\r", line[n - 1]))
		n--;
	if (n == 0)
		return DBX_OK;
	if (!(text = dup_n(line, n)))
		return DBX_ERR_NOMEM;
	err = mcp_decode(&m, text, n, why);
	if (err) {
		fail(s, "it wrote something that is not JSON-RPC: '%.40s' (%s)", text, why);
		free(text);
		return err == DBX_ERR_NOMEM ? err : DBX_OK;
	}
	if (m.kind == MCP_ANSWER && m.id == want && want >= 0 && !a->got) {
		a->m = m;
		a->text = text;
		a->got = 1;
		return DBX_OK;
	}
	if (m.kind == MCP_REQUEST) {
		int ping = mcp_method_is(&m, "ping");
		buf_init(&out, 1024);
		mcp_answer(&out, &m, ping ? 0 : MCP_METHOD_NOT_FOUND,
		           ping ? NULL : "dbxai does not offer this to servers");
		if (set->verbose && !ping) {
			char method[64] = "";
			(void)json_str(&m.doc, m.method, method, sizeof method, NULL);
			say(set, "%s: asked for %s; answered that dbxai does not offer it", s->name,
			    method);
		}
		send_msg(set, s, &out, 1);
		buf_free(&out);
	} else if (m.kind == MCP_NOTIFICATION) {
		if (mcp_method_is(&m, "notifications/tools/list_changed"))
			s->list_changed = 1;
		else if (mcp_method_is(&m, "notifications/message") && set->verbose)
			log_message(set, s, &m);
	}
	mcp_msg_free(&m); /* an answer to a request given up on, too */
	free(text);
	return DBX_OK;
}

/* Request method with params; the answer (maybe an error answer) in a. On a
 * time-out the request is cancelled at the server. */
static int rpc(struct mcp_set *set, struct mcp_server *s, const char *method, const char *params,
               size_t plen, long timeout_ms, int retries, struct answer *a, char *errbuf);

static int init_session(struct mcp_set *set, struct mcp_server *s, char *errbuf)
{
	static const char params[] =
	    "{\"protocolVersion\":\"" MCP_PROTOCOL "\",\"capabilities\":{},"
	    "\"clientInfo\":{\"name\":\"dbxai\",\"version\":\"" DBX_VERSION "\"}}";
	struct answer a = {0};
	char v[32] = "";
	int err;

	s->protocol[0] = '\0';
	s->session[0] = '\0';
	err = rpc(set, s, "initialize", params, sizeof params - 1, MCPSRV_START_MS,
	          s->cl ? s->cl->retry.max_retries : 0, &a, errbuf);
	if (err)
		goto out;
	if (a.m.error >= 0) {
		mcp_error_text(&a.m, errbuf);
		fail(s, "initialize failed: %s", errbuf);
		err = DBX_ERR_PROTOCOL;
		goto out;
	}
	(void)json_str(&a.m.doc, json_get(&a.m.doc, a.m.result, "protocolVersion"), v, sizeof v,
	               NULL);
	if (!mcp_version_ok(v)) {
		fail(s,
		     "it speaks MCP revision '%s'; dbxai speaks " MCP_PROTOCOL
		     ", 2025-03-26 and 2024-11-05",
		     v);
		err = DBX_ERR_PROTOCOL;
		goto out;
	}
	memcpy(s->protocol, v, sizeof v);
	if (!s->named) {
		char name[MCP_NAME_MAX + 1] = "";
		(void)json_str(&a.m.doc, json_path(&a.m.doc, a.m.result, "serverInfo.name"), name,
		               sizeof name, NULL);
		if (name[0])
			mcp_sanitise(name, s->name, sizeof s->name);
	}
	notify(set, s, "notifications/initialized", NULL);
out:
	if (err)
		errbuf_set(errbuf, "%s", s->error);
	answer_free(&a);
	return err;
}

static int rpc(struct mcp_set *set, struct mcp_server *s, const char *method, const char *params,
               size_t plen, long timeout_ms, int retries, struct answer *a, char *errbuf)
{
	long long id = ++s->next_id, deadline = clock_ms() + timeout_ms;
	struct buf msg;
	int err;

	if (s->failed) {
		errbuf_set(errbuf, "%s", s->error);
		return DBX_ERR_PROTOCOL;
	}
	buf_init(&msg, MCP_MSG_MAX + 4096);
	err = mcp_request(&msg, id, method, params, plen);
	if (err)
		goto out;
	if (s->argv) {
		err = stdio_send(s, msg.p, msg.len, deadline);
		if (!err)
			err = stdio_wait(set, s, id, deadline, a, errbuf);
		if (err && s->failed)
			errbuf_set(errbuf, "%s", s->error);
	} else {
		struct conn *cn = &s->cl->conn;
		int idle = cn->idle_timeout_ms;
		if (timeout_ms < idle)
			cn->idle_timeout_ms = (int)timeout_ms;
		err = http_send(set, s, msg.p, msg.len, id, retries, a, errbuf);
		if (err == ERR_STALE && strcmp(method, "initialize") != 0) {
			say(set, "MCP server %s: the session ended; starting a new one", s->name);
			err = init_session(set, s, errbuf);
			if (!err)
				err = http_send(set, s, msg.p, msg.len, id, retries, a, errbuf);
		}
		if (err == ERR_STALE)
			err = DBX_ERR_BAD_REQUEST;
		cn->idle_timeout_ms = idle;
		http_flush(set, s);
	}
	if (err == DBX_ERR_TIMEOUT || err == DBX_ERR_CANCELLED) {
		char p[96];
		snprintf(p, sizeof p, "{\"requestId\":%lld,\"reason\":\"%s\"}", id,
		         err == DBX_ERR_TIMEOUT ? "timed out" : "cancelled by the user");
		notify(set, s, "notifications/cancelled", p);
	}
out:
	buf_free(&msg);
	return err;
}

/* ---- the set ---- */

static int list_tools(struct mcp_set *set, struct mcp_server *s, char *errbuf)
{
	struct mcp_tool *tools = NULL;
	size_t n = 0, i;
	char *cursor = NULL;
	int err = DBX_OK, pages = 0;

	do {
		struct answer a = {0};
		char *params = NULL;
		size_t plen = 0;
		if (cursor) {
			struct buf b;
			buf_init(&b, 8192);
			buf_append(&b, "{\"cursor\":\"", 11);
			buf_append(&b, cursor,
			           strlen(cursor)); /* from a JSON string: no quote in it */
			buf_append(&b, "\"}", 2);
			params = b.p;
			plen = b.len;
			if (b.err || strchr(cursor, '"') || strchr(cursor, '\\'))
				err = DBX_ERR_PROTOCOL;
		}
		if (!err)
			err = rpc(set, s, "tools/list", params, plen, MCPSRV_START_MS,
			          s->cl ? s->cl->retry.max_retries : 0, &a, errbuf);
		free(params);
		if (!err && a.m.error >= 0) {
			mcp_error_text(&a.m, errbuf);
			fail(s, "tools/list failed: %s", errbuf);
			err = DBX_ERR_PROTOCOL;
		} else if (!err) {
			err = mcp_read_tools(&a.m, &tools, &n, &cursor, errbuf);
			if (err && err != DBX_ERR_NOMEM)
				fail(s, "%s", errbuf);
		}
		answer_free(&a);
	} while (!err && cursor && ++pages < 1000);
	free(cursor);
	if (err) {
		mcp_tools_free(tools, n);
		if (s->failed)
			errbuf_set(errbuf, "%s", s->error);
		return err;
	}
	mcp_tools_free(s->tools, s->ntools);
	s->tools = tools;
	s->ntools = n;
	s->list_changed = 0;
	for (i = 0; i < n; i++) {
		char tool[MCP_NAME_MAX + 1];
		mcp_sanitise(tools[i].name, tool, sizeof tool);
		snprintf(tools[i].qualified, sizeof tools[i].qualified, "%s__%s", s->name, tool);
	}
	return DBX_OK;
}

/* Two tools with one name for the model: an error naming both. */
static int check_names(const struct mcp_set *set, char *errbuf)
{
	size_t a, b, i, j;

	for (a = 0; a < set->n; a++)
		for (i = 0; i < set->srv[a].ntools; i++)
			for (b = a; b < set->n; b++)
				for (j = b == a ? i + 1 : 0; j < set->srv[b].ntools; j++) {
					const struct mcp_tool *x = &set->srv[a].tools[i];
					const struct mcp_tool *y = &set->srv[b].tools[j];
					if (strcmp(x->qualified, y->qualified) != 0)
						continue;
					errbuf_set(
					    errbuf,
					    "two MCP tools have the name %s: %s of server %s "
					    "and %s of server %s; name the servers apart "
					    "(--mcp-config)",
					    x->qualified, x->name, set->srv[a].what, y->name,
					    set->srv[b].what);
					return DBX_ERR_USAGE;
				}
	return DBX_OK;
}

/* Connects s: a child, or a client for its URL. */
static int connect_server(struct mcp_set *set, struct mcp_server *s, char *errbuf)
{
	char joined[URL_MAX], origin[URL_MAX];
	struct url *u;
	int err;

	if (s->argv)
		return spawn(s);
	u = malloc(sizeof *u);
	if (!u)
		return DBX_ERR_NOMEM;
	err = url_join(set->ws->base_url, s->what, joined, sizeof joined, errbuf);
	if (!err)
		err = url_parse(joined, u, errbuf);
	if (!err && !(s->path = dup_s(u->path)))
		err = DBX_ERR_NOMEM;
	if (!err && url_same_origin(u, &set->ws->base)) {
		s->cl = set->ws;
	} else if (!err) {
		snprintf(origin, sizeof origin, "%s://", u->scheme);
		err = url_authority(u, 0, origin + strlen(origin), sizeof origin - strlen(origin));
		if (!err)
			err = client_open(&s->own, origin, set->opt, errbuf);
		s->cl = s->own;
	}
	free(u);
	if (err && err != DBX_ERR_NOMEM)
		fail(s, "%s", errbuf);
	return err;
}

int mcpsrv_start(struct mcp_set *set, char *errbuf)
{
	char line[DBX_ERRBUF_SIZE];
	size_t i;
	int err;

	for (i = 0; i < set->n; i++) {
		struct mcp_server *s = &set->srv[i];
		if (s->started || s->failed)
			continue;
		err = connect_server(set, s, line);
		if (!err)
			err = init_session(set, s, line);
		if (!err)
			err = list_tools(set, s, line);
		if (err == DBX_ERR_NOMEM) {
			errbuf_set(errbuf, "out of memory starting MCP server %s", s->name);
			return err;
		}
		if (err && !s->failed)
			fail(s, "%s", line);
		s->started = !err;
	}
	return check_names(set, errbuf);
}

int mcpsrv_relist(struct mcp_set *set, struct mcp_server *s, char *errbuf)
{
	int err = list_tools(set, s, errbuf);
	return err == DBX_ERR_NOMEM ? err : check_names(set, errbuf);
}

int mcpsrv_find(const struct mcp_set *set, const char *qualified, size_t *srv, size_t *tool)
{
	size_t a, i;

	for (a = 0; a < set->n; a++)
		for (i = 0; i < set->srv[a].ntools; i++)
			if (strcmp(set->srv[a].tools[i].qualified, qualified) == 0) {
				*srv = a;
				*tool = i;
				return 1;
			}
	return 0;
}

static void put(struct buf *text, const char *s)
{
	buf_append(text, s, strlen(s));
}

int mcpsrv_call(struct mcp_set *set, size_t srv, size_t tool, const char *args, size_t alen,
                struct buf *text, int *is_error)
{
	struct mcp_server *s = &set->srv[srv];
	long timeout = set->timeout_ms > 0 ? set->timeout_ms : 60000;
	char line[DBX_ERRBUF_SIZE];
	struct answer a = {0};
	struct buf params;
	int err;

	*is_error = 1;
	buf_init(&params, MCP_MSG_MAX);
	err = mcp_call_params(&params, s->tools[tool].name, args, alen, line);
	if (!err)
		err = rpc(set, s, "tools/call", params.p, params.len, timeout, 0, &a, line);
	buf_free(&params);
	if (err == DBX_ERR_NOMEM || err == DBX_ERR_CANCELLED)
		return err;
	if (err == DBX_ERR_TIMEOUT)
		snprintf(line, sizeof line, "the tool call was cancelled: no result within %.0f s",
		         timeout / 1000.0);
	if (!err && a.m.error >= 0) {
		mcp_error_text(&a.m, line);
		put(text, "error: ");
	}
	if (err || a.m.error >= 0)
		put(text, line);
	else
		err = mcp_read_result(&a.m, text, is_error, line);
	answer_free(&a);
	return err == DBX_ERR_NOMEM ? err : DBX_OK;
}

void mcpsrv_kill(struct mcp_set *set)
{
	struct timespec tick = {0, 20 * 1000000};
	size_t i, left;
	int round;

	for (i = 0; i < set->n; i++)
		if (set->srv[i].pid > 0) {
			if (set->srv[i].to >= 0)
				close(set->srv[i].to);
			set->srv[i].to = -1;
			kill(-set->srv[i].pid, SIGTERM);
		}
	for (round = 0; round <= MCPSRV_KILL_MS / 20; round++) {
		for (i = left = 0; i < set->n; i++) {
			struct mcp_server *s = &set->srv[i];
			if (s->pid <= 0)
				continue;
			if (round == MCPSRV_KILL_MS / 20)
				kill(-s->pid, SIGKILL);
			if (waitpid(s->pid, NULL, round == MCPSRV_KILL_MS / 20 ? 0 : WNOHANG) ==
			    s->pid) {
				kill(-s->pid, SIGKILL); /* what it started and left behind */
				s->pid = 0;
			} else {
				left++;
			}
		}
		if (!left)
			break;
		nanosleep(&tick, NULL);
	}
}

void mcpsrv_stop(struct mcp_set *set)
{
	char line[DBX_ERRBUF_SIZE];
	size_t i;

	for (i = 0; i < set->n; i++) {
		struct mcp_server *s = &set->srv[i];
		struct answer none = {0};
		if (s->cl && s->session[0] && !s->failed) {
			int idle = s->cl->conn.idle_timeout_ms;
			s->cl->conn.idle_timeout_ms = 5000;
			(void)http_send(set, s, NULL, 0, -1, 0, &none, line);
			s->cl->conn.idle_timeout_ms = idle;
		}
	}
	mcpsrv_kill(set);
	for (i = 0; i < set->n; i++) {
		struct mcp_server *s = &set->srv[i];
		if (s->from >= 0)
			close(s->from);
		if (s->ef >= 0)
			close(s->ef);
		mcp_tools_free(s->tools, s->ntools);
		free(s->what);
		free_list(s->argv);
		free_list(s->env);
		free(s->cwd);
		free(s->path);
		client_free(s->own);
		buf_free(&s->in);
		buf_free(&s->later);
	}
	set->n = 0;
}
