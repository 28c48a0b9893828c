/*
 * main.c - the dbxai command line: the only code that prints or exits.
 *
 * Exit status: 0 ok; 1 internal (or stdout could not be written); 2 usage or
 * configuration; 3 authentication; 4 rate limited; 5 request rejected; 6 server
 * error; 7 network or TLS; 8 protocol error or truncated response.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg.h"
#include "dbxai.h"

#define MAX_BODY (64u << 20) /* --data FILE larger than this is refused */

static const char usage_text[] =
	"usage: dbxai [GLOBAL OPTIONS] COMMAND [ARGS]\n"
	"\n"
	"Commands:\n"
	"  api METHOD PATH_OR_URL [--data JSON|@FILE]\n"
	"                       raw REST call to the workspace; the response body goes\n"
	"                       to stdout as it arrives (e.g. dbxai api GET\n"
	"                       /api/2.0/serving-endpoints)\n"
	"  help [COMMAND]       this text\n"
	"  --version            print the version\n"
	"\n"
	"Global options:\n"
	"  --host URL           workspace URL (env DATABRICKS_HOST, or host in the profile)\n"
	"  --profile NAME       ~/.databrickscfg profile (env DATABRICKS_CONFIG_PROFILE;\n"
	"                       default [DEFAULT])\n"
	"  --cacert FILE        PEM file of CAs to trust (env SSL_CERT_FILE; SSL_CERT_DIR\n"
	"                       for a directory; default: the system bundle)\n"
	"  --connect-timeout S  seconds to connect and complete TLS (30)\n"
	"  --idle-timeout S     seconds without data before giving up (150)\n"
	"  -v, --verbose        trace requests and responses on stderr (secrets redacted)\n"
	"  --json               machine-readable output where a command has one\n"
	"\n"
	"Environment:\n"
	"  DATABRICKS_HOST, DATABRICKS_TOKEN (personal access token; never a flag, where\n"
	"  ps would show it), DATABRICKS_CONFIG_FILE, DATABRICKS_CONFIG_PROFILE,\n"
	"  HTTPS_PROXY / https_proxy (http://[user:pass@]host[:port]), NO_PROXY / no_proxy,\n"
	"  SSL_CERT_FILE, SSL_CERT_DIR, DATABRICKS_MAX_RETRIES,\n"
	"  DATABRICKS_INITIAL_RETRY_INTERVAL_MS, DATABRICKS_BACKOFF_MULTIPLIER,\n"
	"  DATABRICKS_MAX_RETRY_INTERVAL_MS\n"
	"\n"
	"Exit status:\n"
	"  0 ok, 1 internal error or stdout not writable, 2 usage or configuration,\n"
	"  3 authentication, 4 rate limited, 5 request rejected (4xx), 6 server error\n"
	"  (5xx), 7 network or TLS, 8 protocol error or truncated response\n";

struct globals {
	const char *host;
	const char *profile;
	const char *cacert;
	double connect_timeout_s;
	double idle_timeout_s;
	int verbose;
	int json;
};

static int exit_code(int err)
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
	case DBX_ERR_NEED_MORE:
		return 8;
	default:
		return 1;
	}
}

/* Prints "dbxai: message" (or the generic text for err) and returns err's exit
 * status. */
static int fail(int err, const char *errbuf)
{
	fprintf(stderr, "dbxai: %s\n", errbuf && *errbuf ? errbuf : dbx_strerror(err));
	return exit_code(err);
}

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
	char msg[DBX_ERRBUF_SIZE];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return fail(DBX_ERR_USAGE, msg);
}

static const char *get_env(const char *name)
{
	return getenv(name);
}

/* Lowercase first, as curl does: a set lower-case variable wins even when
 * empty, so it can switch the upper-case one off. */
static const char *env_pair(const char *lower, const char *upper)
{
	const char *v = getenv(lower);
	return v ? v : getenv(upper);
}

static void trace_line(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "%s\n", line);
}

/* A command-line option that takes a value: "--name VALUE" or "--name=VALUE".
 * Returns 1 and sets *val when argv[*i] is that option (advancing *i past the
 * value), 0 when it is not, -1 when the value is missing. */
static int opt_value(int argc, char **argv, int *i, const char *name, const char *alias,
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
		return usage_error("%s: '%.40s' is not a number of seconds (e.g. 30 or 2.5)", flag,
				   v);
	*out = d;
	return 0;
}

/* Consumes a global option at argv[*i]; returns 1 if it was one, 0 if not, or
 * an exit status + 100 on error. */
static int global_option(int argc, char **argv, int *i, struct globals *g)
{
	static const char *const with_value[] = {"--host", "--profile", "--cacert",
						 "--connect-timeout", "--idle-timeout"};
	const char *a = argv[*i], *v = NULL;
	size_t k;
	int r = 0;

	if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
		g->verbose = 1;
		return 1;
	}
	if (strcmp(a, "--json") == 0) {
		g->json = 1;
		return 1;
	}
	for (k = 0; k < sizeof with_value / sizeof with_value[0]; k++) {
		r = opt_value(argc, argv, i, with_value[k], NULL, &v);
		if (r != 0)
			break;
	}
	if (r == 0)
		return 0;
	if (r < 0) {
		usage_error("%s needs a value", a);
		return 100 + 2;
	}
	switch (k) {
	case 0:
		g->host = v;
		break;
	case 1:
		g->profile = v;
		break;
	case 2:
		g->cacert = v;
		break;
	case 3:
		if (parse_seconds("--connect-timeout", v, &g->connect_timeout_s))
			return 100 + 2;
		break;
	default:
		if (parse_seconds("--idle-timeout", v, &g->idle_timeout_s))
			return 100 + 2;
		break;
	}
	return 1;
}

/* Builds the client from flags, environment and config file. */
static int open_client(const struct globals *g, struct cfg *cfg, struct dbx_client **out)
{
	char errbuf[DBX_ERRBUF_SIZE] = "";
	struct cfg_input in = {g->host, g->profile, get_env};
	struct dbx_options o = {0};
	int err;

	err = cfg_load(cfg, &in, errbuf);
	if (err)
		return fail(err, errbuf);
	if (!cfg->host[0])
		return usage_error("no workspace host: set DATABRICKS_HOST (e.g. "
				   "https://adb-123.4.azuredatabricks.net), pass --host, or add "
				   "host to ~/.databrickscfg");
	o.host = cfg->host;
	o.token = cfg->token[0] ? cfg->token : NULL;
	o.ca_file = g->cacert ? g->cacert : getenv("SSL_CERT_FILE");
	o.ca_dir = getenv("SSL_CERT_DIR");
	o.https_proxy = env_pair("https_proxy", "HTTPS_PROXY");
	o.no_proxy = env_pair("no_proxy", "NO_PROXY");
	o.connect_timeout_ms = (int)(g->connect_timeout_s * 1000);
	o.idle_timeout_ms = (int)(g->idle_timeout_s * 1000);
	if (g->verbose)
		o.trace = trace_line;
	err = dbx_global_init(errbuf);
	if (!err)
		err = dbx_client_new(out, &o, errbuf);
	if (err)
		return fail(err, errbuf);
	return 0;
}

/* Reads a whole file (for --data @FILE) into malloc'd memory. */
static int read_file(const char *path, char **out, size_t *len, char *errbuf)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;
	int err = DBX_OK;

	if (!f) {
		snprintf(errbuf, DBX_ERRBUF_SIZE, "cannot read %s: %s", path, strerror(errno));
		return DBX_ERR_IO;
	}
	for (;;) {
		size_t got;
		if (n == cap) {
			char *nb;
			if (cap >= MAX_BODY) {
				snprintf(errbuf, DBX_ERRBUF_SIZE, "%s is larger than %u MiB", path,
					 MAX_BODY >> 20);
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
				snprintf(errbuf, DBX_ERRBUF_SIZE, "cannot read %s: %s", path,
					 strerror(errno));
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

struct out_state {
	int last; /* last byte written, -1 before any */
	int failed;
};

static int write_stdout(void *ctx, const char *data, size_t len)
{
	struct out_state *o = ctx;
	if (len == 0)
		return 0;
	if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0) {
		o->failed = 1;
		return 1; /* cancel: nobody reads us any more */
	}
	o->last = (unsigned char)data[len - 1];
	return 0;
}

static int finish_stdout(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "dbxai: cannot write to stdout: %s\n", strerror(errno));
		return status ? status : 1;
	}
	return status;
}

static int cmd_api(const struct globals *g0, int argc, char **argv)
{
	struct globals g = *g0;
	struct cfg *cfg = NULL;
	struct dbx_client *client = NULL;
	struct out_state out = {-1, 0};
	const char *method = NULL, *path = NULL, *data = NULL;
	char *body = NULL;
	size_t body_len = 0;
	char errbuf[DBX_ERRBUF_SIZE] = "";
	int i, r, err, status = 0, rc;
	char m[16];

	for (i = 0; i < argc; i++) {
		const char *v;
		r = global_option(argc, argv, &i, &g);
		if (r >= 100)
			return r - 100;
		if (r)
			continue;
		r = opt_value(argc, argv, &i, "--data", "-d", &v);
		if (r < 0)
			return usage_error("--data needs a value: JSON text or @FILE");
		if (r > 0) {
			data = v;
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1] != '\0')
			return usage_error("api: unknown option '%.40s' (see dbxai help api)", argv[i]);
		if (!method)
			method = argv[i];
		else if (!path)
			path = argv[i];
		else
			return usage_error("api: unexpected argument '%.40s'", argv[i]);
	}
	if (!method || !path)
		return usage_error("api needs METHOD and PATH, e.g. dbxai api GET "
				   "/api/2.0/serving-endpoints");
	for (i = 0; method[i] && i < (int)sizeof m - 1; i++) {
		char ch = method[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')))
			return usage_error("api: '%.20s' is not an HTTP method (GET, POST, PUT, "
					   "PATCH, DELETE)",
					   method);
		m[i] = (char)(ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch);
	}
	if (method[i])
		return usage_error("api: '%.20s' is not an HTTP method", method);
	m[i] = '\0';
	if (data && data[0] == '@') {
		err = read_file(data + 1, &body, &body_len, errbuf);
		if (err)
			return fail(err, errbuf);
	} else if (data) {
		body_len = strlen(data);
		body = malloc(body_len + 1);
		if (!body)
			return fail(DBX_ERR_NOMEM, NULL);
		memcpy(body, data, body_len + 1);
	}
	cfg = malloc(sizeof *cfg);
	if (!cfg) {
		free(body);
		return fail(DBX_ERR_NOMEM, NULL);
	}
	rc = open_client(&g, cfg, &client);
	if (rc)
		goto out;
	err = dbx_api(client, m, path, body, body_len, write_stdout, &out, &status, errbuf);
	if (out.last >= 0 && out.last != '\n')
		write_stdout(&out, "\n", 1);
	if (out.failed) {
		fprintf(stderr, "dbxai: cannot write to stdout: %s\n", strerror(errno));
		rc = 1;
	} else if (err) {
		rc = fail(err, errbuf);
	} else {
		rc = finish_stdout(0);
	}
out:
	dbx_client_free(client);
	if (cfg)
		memset(cfg, 0, sizeof *cfg); /* holds the token */
	free(cfg);
	free(body);
	return rc;
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fputs(usage_text, stdout);
	return finish_stdout(0);
}

int main(int argc, char **argv)
{
	struct globals g = {0};
	int i, r;

	/* A closed pipe must show up as a write error, not kill us silently. */
	signal(SIGPIPE, SIG_IGN);
	g.connect_timeout_s = DBX_CONNECT_TIMEOUT_MS / 1000.0;
	g.idle_timeout_s = DBX_IDLE_TIMEOUT_MS / 1000.0;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
			printf("dbxai %s\n", DBX_VERSION);
			return finish_stdout(0);
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			return cmd_help(0, NULL);
		r = global_option(argc, argv, &i, &g);
		if (r >= 100)
			return r - 100;
		if (r)
			continue;
		if (a[0] == '-')
			return usage_error("unknown option '%.40s' (see dbxai help)", a);
		if (strcmp(a, "api") == 0)
			return cmd_api(&g, argc - i - 1, argv + i + 1);
		if (strcmp(a, "help") == 0)
			return cmd_help(argc - i - 1, argv + i + 1);
		return usage_error("unknown command '%.40s' (see dbxai help)", a);
	}
	fputs(usage_text, stderr);
	return 2;
}
