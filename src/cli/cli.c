/* cli.c - see cli.h. */
#include "cli.h"
#include "jsonw.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FILE (64u << 20) /* a file argument larger than this is refused */

static int cli_exit_code(int err)
{
	switch (err) {
	case DBX_OK:
		return 0;
	case DBX_ERR_USAGE:
	case DBX_ERR_IO:
		return 2;
	case DBX_ERR_AUTH:
		return 3;
	case DBX_ERR_RATE_LIMITED:
		return 4;
	case DBX_ERR_CONTEXT_LENGTH:
	case DBX_ERR_BAD_REQUEST:
		return 5;
	case DBX_ERR_SERVER:
		return 6;
	case DBX_ERR_RESOLVE:
	case DBX_ERR_CONNECT:
	case DBX_ERR_TIMEOUT:
	case DBX_ERR_NET:
	case DBX_ERR_PROXY:
	case DBX_ERR_TLS:
	case DBX_ERR_TLS_VERIFY:
		return 7;
	case DBX_ERR_PROTOCOL:
	case DBX_ERR_TRUNCATED:
	case DBX_ERR_LIMIT:
		return 8;
	case DBX_ERR_MAX_TURNS:
		return 9;
	default:
		return 1;
	}
}

int cli_raw;
int cli_verbose;
int cli_read_in_bursts;

int cli_put_text(FILE *f, struct text_tty *st, int esc, const char *s, size_t n)
{
	char buf[4 * 256 + 4];

	while (n) {
		size_t k = esc && n > 256 ? 256 : n, m = esc ? text_tty(st, s, k, buf) : k;
		if (fwrite(esc ? buf : s, 1, m, f) != m)
			return EOF;
		s += k;
		n -= k;
	}
	return 0;
}

/* One line on stderr, made safe whatever it holds (server text included). */
static void err_line(const char *prefix, const char *msg)
{
	struct text_tty st = {0};

	fputs(prefix, stderr);
	(void)cli_put_text(stderr, &st, 1, msg, strlen(msg));
	fputc('\n', stderr);
}

int cli_json;

void cli_json_error(int err, const char *msg)
{
	static const char *const codes[] = {"usage",          "auth",        "rate_limited",
	                                    "context_length", "bad_request", "server",
	                                    "network",        "protocol",    "max_turns"};
	/* by exit status (1: internal, told as protocol as it always was) */
	static const unsigned char code_of[] = {7, 7, 0, 1, 2, 4, 5, 6, 7, 8};
	char buf[DBX_ERRBUF_SIZE * 7 + 128];
	struct json_w w;
	size_t len = 0;
	int e = err == DBX_ERR_CONTEXT_LENGTH ? 3 : code_of[cli_exit_code(err)];

	if (cli_json != 1)
		return;
	cli_json = 2;
	json_w_init(&w, buf, sizeof buf - 1);
	json_w_obj(&w);
	json_w_key(&w, "type");
	json_w_str(&w, "error");
	json_w_key(&w, "code");
	json_w_str(&w, codes[e]);
	json_w_key(&w, "message");
	json_w_str(&w, msg);
	json_w_obj_end(&w);
	if (json_w_finish(&w, &len) == DBX_OK) {
		buf[len++] = '\n';
		fwrite(buf, 1, len, stdout);
		fflush(stdout);
	}
}

int cli_fail(int err, const char *msg)
{
	if (!msg)
		msg = dbx_strerror(err);
	err_line("dbxai: ", msg);
	if (cli_exit_code(err) == 2)
		cli_json_error(err, msg);
	return cli_exit_code(err);
}

int cli_usage_error(const char *fmt, ...)
{
	char msg[DBX_ERRBUF_SIZE];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return cli_fail(DBX_ERR_USAGE, msg);
}

int cli_not_built_in(const char *what, const char *feature)
{
	return cli_usage_error("%s: not built in (%s): rebuild without FEATURES=-%s / MINIMAL=1",
	                       what, feature, feature);
}

static void trace_line(void *ctx, const char *line)
{
	(void)ctx;
	err_line("", line);
}

static void notice_line(void *ctx, const char *line)
{
	(void)ctx;
	err_line("dbxai: ", line);
}

int cli_opt_value(int argc, char **argv, int *i, const char *name, const char *alias,
                  const char **val)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	if (strncmp(a, name, n) == 0 && a[n] == '=') {
		*val = a + n + 1;
		return 1;
	}
	if (strcmp(a, name) != 0 && !(alias && strcmp(a, alias) == 0))
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*i += 1;
	*val = argv[*i];
	return 1;
}

static int parse_seconds(const char *flag, const char *v, double *out)
{
	char err[DBX_ERRBUF_SIZE];
	double d;
	if (cfg_parse_number(flag, v, 1, 86400, &d, err) != DBX_OK || d <= 0)
		return cli_usage_error("%s: '%.40s' is not a number of seconds (e.g. 30 or 2.5)",
		                       flag, v);
	*out = d;
	return 0;
}

int cli_global_option(int argc, char **argv, int *i, struct cli_globals *g)
{
	enum opt { HOST, PROFILE, CACERT, CONNECT_TIMEOUT, IDLE_TIMEOUT, AUTH, RESOLVE };
	static const struct {
		const char *name;
		enum opt id;
	} with_value[] = {
	    {"--host", HOST},
	    {"--profile", PROFILE},
	    {"--cacert", CACERT},
	    {"--connect-timeout", CONNECT_TIMEOUT},
	    {"--idle-timeout", IDLE_TIMEOUT},
	    {"--auth", AUTH},
	    {"--resolve", RESOLVE},
	};
	const char *a = argv[*i], *v = NULL;
	size_t k;
	int r = 0;

	if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
		g->verbose = cli_verbose = 1;
		return 1;
	}
	if (strcmp(a, "--json") == 0) {
		g->json = 1;
		return 1;
	}
	if (strcmp(a, "--raw") == 0) {
		g->raw = cli_raw = 1;
		return 1;
	}
	for (k = 0; k < sizeof with_value / sizeof with_value[0]; k++) {
		r = cli_opt_value(argc, argv, i, with_value[k].name, NULL, &v);
		if (r != 0)
			break;
	}
	if (r == 0)
		return 0;
	if (r < 0) {
		cli_usage_error("%s needs a value", a);
		return 100 + 2;
	}
	switch (with_value[k].id) {
	case HOST:
		g->host = v;
		break;
	case PROFILE:
		g->profile = v;
		break;
	case CACERT:
		g->cacert = v;
		break;
	case AUTH:
		g->auth = v;
		break;
	case RESOLVE: { /* repeatable: the entries add up */
		size_t len = strlen(g->resolve_buf);
		if (len + strlen(v) + 2 > sizeof g->resolve_buf) {
			cli_usage_error("--resolve: more than %zu bytes of entries",
			                sizeof g->resolve_buf - 2);
			return 100 + 2;
		}
		snprintf(g->resolve_buf + len, sizeof g->resolve_buf - len, "%s%s", len ? " " : "",
		         v);
		g->resolve = g->resolve_buf;
		break;
	}
	case CONNECT_TIMEOUT:
		if (parse_seconds("--connect-timeout", v, &g->connect_timeout_s))
			return 100 + 2;
		break;
	case IDLE_TIMEOUT:
		if (parse_seconds("--idle-timeout", v, &g->idle_timeout_s))
			return 100 + 2;
		break;
	}
	return 1;
}

/* The client from options already filled with the configuration, plus what
 * the global flags say (trace, timeouts) and where notices go. */
static int client_from(const struct cli_globals *g, struct dbx_options *o, struct dbx_client **out)
{
	char errbuf[DBX_ERRBUF_SIZE];
	int err;

	o->notice = notice_line;
	o->connect_timeout_ms = (int)(g->connect_timeout_s * 1000);
	o->idle_timeout_ms = (int)(g->idle_timeout_s * 1000);
	o->read_batch_ms = cli_read_in_bursts;
	if (g->resolve)
		o->resolve = g->resolve; /* flags beat the environment */
	if (g->verbose)
		o->trace = trace_line;
	err = dbx_client_new(out, o, errbuf);
	return err ? cli_fail(err, errbuf) : 0;
}

int cli_open_client(const struct cli_globals *g, struct dbx_config **cfg, struct dbx_client **out)
{
	struct dbx_config_input in = {g->host, g->profile, g->auth, g->cacert};
	struct dbx_options o = {0};
	char errbuf[DBX_ERRBUF_SIZE];
	int err;

	err = dbx_config_load(cfg, &in, &o, errbuf);
	if (err)
		return cli_fail(err, errbuf);
	return client_from(g, &o, out);
}

static const char *get_env(const char *name)
{
	return getenv(name);
}

int cli_client_new(const struct cli_globals *g, const struct dbx_config *cfg,
                   struct dbx_client **out)
{
	struct cfg_input in = {g->host, g->profile, g->auth, g->cacert, get_env};
	struct dbx_options o = {0};
	char errbuf[DBX_ERRBUF_SIZE];
	int err;

	err = cfg_options(cfg, &in, &o, errbuf);
	if (err)
		return cli_fail(err, errbuf);
	return client_from(g, &o, out);
}

int cli_read_file(const char *path, char **out, size_t *len, char *errbuf)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;
	int err = DBX_OK;

	if (!f) {
		errbuf_set(errbuf, "cannot read %s: %s", path, strerror(errno));
		return DBX_ERR_IO;
	}
	for (;;) {
		size_t got;
		if (n == cap) {
			char *nb;
			if (cap >= MAX_FILE) {
				errbuf_set(errbuf, "%s is larger than %u MiB", path,
				           MAX_FILE >> 20);
				err = DBX_ERR_USAGE;
				break;
			}
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				err = DBX_ERR_NOMEM;
				break;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f)) {
				errbuf_set(errbuf, "cannot read %s: %s", path, strerror(errno));
				err = DBX_ERR_IO;
			}
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	if (err) {
		free(buf);
		return err;
	}
	if (!buf) {
		buf = malloc(1);
		if (!buf)
			return DBX_ERR_NOMEM;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return DBX_OK;
}

void cli_coalesce(struct cli_out *o)
{
	static char buf[16384];
	if (isatty(STDOUT_FILENO))
		return;
	setvbuf(stdout, buf, _IOFBF, sizeof buf);
	o->coalesce = 1;
}

int cli_write(struct cli_out *o, const char *data, size_t len)
{
	if (len == 0 || o->failed)
		return o->failed;
	if (!o->esc)
		o->esc = !cli_raw && isatty(STDOUT_FILENO) ? 1 : 2;
	/* piped: byte for byte what the server sent; a terminal: nothing in it
	 * may drive the terminal (a held 0xC2 at the very end is dropped) */
	if (cli_put_text(stdout, &o->tty, o->esc == 1, data, len) ||
	    (!o->coalesce && fflush(stdout) != 0)) {
		o->failed = 1;
		return 1; /* nobody reads us any more: stop */
	}
	o->last = (unsigned char)data[len - 1];
	return 0;
}

int cli_finish(struct cli_out *o, int status)
{
	if (o->failed || fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "dbxai: cannot write to stdout: %s\n", strerror(errno));
		return status ? status : 1;
	}
	return status;
}
