/*
 * cli_mcp.c - tools from MCP servers for `dbxai chat` (--mcp, --mcp-url,
 * --mcp-config, --allow-tools, --max-turns, --tool-timeout), the approval
 * asked on a terminal, the one-line reports on stderr, and `dbxai mcp list`.
 *
 * Servers come from --mcp 'COMMAND ARGS' (split into words here: '...',
 * "..." and backslash quote; no shell), --mcp-url URL, and the config file
 * (--mcp-config FILE, else $XDG_CONFIG_HOME/dbxai/mcp.json or
 * ~/.config/dbxai/mcp.json when it exists, unless --no-mcp-config) in the
 * format other MCP clients read: {"mcpServers": {"NAME": {"command": ..,
 * "args": [..], "env": {..}, "cwd": ..} | {"url": ..}}}.
 * A server's stderr is shown under -v (prefixed with its name); otherwise only
 * its last line, in the message when the server fails.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"
#include "jsonw.h"
#include "switches.h"

#if DBX_FEATURE_MCP

#define WORDS_MAX 256 /* words of one --mcp command */

int cli_mcp_option(int argc, char **argv, int *i, struct cli_mcp *o)
{
	const char *v = NULL, *arg = argv[*i];
	double d;
	int r;

	if (strcmp(arg, "--no-mcp-config") == 0) {
		o->no_config = 1;
		return 1;
	}
	if ((r = cli_opt_value(argc, argv, i, "--mcp", NULL, &v)) != 0 ||
	    (r = cli_opt_value(argc, argv, i, "--mcp-url", NULL, &v)) != 0) {
		int url =
		    strcmp(argv[*i - 1], "--mcp-url") == 0 || strncmp(arg, "--mcp-url=", 10) == 0;
		if (r < 0)
			return 100 + cli_usage_error("%s needs a value", arg);
		if (o->n == CLI_MCP_MAX)
			return 100 + cli_usage_error("at most %d MCP servers", CLI_MCP_MAX);
		if (!v[0])
			return 100 + cli_usage_error("%s needs a %s", url ? "--mcp-url" : "--mcp",
			                             url ? "URL" : "command");
		o->spec[o->n] = v;
		o->is_url[o->n++] = url;
		return 1;
	}
	if ((r = cli_opt_value(argc, argv, i, "--mcp-config", NULL, &v)) != 0) {
		if (r < 0)
			return 100 + cli_usage_error("--mcp-config needs a FILE");
		o->config = v;
		return 1;
	}
	if ((r = cli_opt_value(argc, argv, i, "--allow-tools", NULL, &v)) != 0) {
		if (r < 0 || !v[0])
			return 100 +
			       cli_usage_error("--allow-tools needs all or a list of tool names "
			                       "(SERVER__TOOL, * globs: fs__*)");
		o->allow = v;
		return 1;
	}
	if ((r = cli_opt_value(argc, argv, i, "--max-turns", NULL, &v)) != 0) {
		char errbuf[DBX_ERRBUF_SIZE];
		if (r < 0 || cfg_parse_number("--max-turns", v, 0, 1000, &d, errbuf) || d < 1 ||
		    d != (int)d)
			return 100 + cli_usage_error("--max-turns: '%.20s' is not a whole number "
			                             "from 1 to 1000",
			                             r < 0 ? "" : v);
		o->ao.max_turns = (int)d;
		return 1;
	}
	if ((r = cli_opt_value(argc, argv, i, "--tool-timeout", NULL, &v)) != 0) {
		char errbuf[DBX_ERRBUF_SIZE];
		if (r < 0 || cfg_parse_number("--tool-timeout", v, 1, 86400, &d, errbuf) || d <= 0)
			return 100 + cli_usage_error("--tool-timeout: '%.20s' is not a number of "
			                             "seconds above 0",
			                             r < 0 ? "" : v);
		o->timeout_ms = (long)(d * 1000);
		if (o->timeout_ms < 1)
			o->timeout_ms = 1;
		return 1;
	}
	return 0;
}

/* Splits s into words in buf (NUL-separated) and w: '...' keeps all,
 * "..." takes \" \\ \$ \` escapes, a backslash outside quotes keeps the next
 * character. -1 on an unclosed quote or too many words. */
static int split(const char *s, char *buf, char **w, int max)
{
	int n = 0, in = 0;
	char *o = buf;

	for (;;) {
		char c = *s;
		if (c == '\0' || c == ' ' || c == '\t' || c == '\n') {
			if (in) {
				*o++ = '\0';
				in = 0;
			}
			if (c == '\0')
				break;
			s++;
			continue;
		}
		if (!in) {
			if (n == max - 1)
				return -1;
			w[n++] = o;
			in = 1;
		}
		s++;
		if (c == '\'') {
			while (*s && *s != '\'')
				*o++ = *s++;
			if (!*s++)
				return -1;
		} else if (c == '"') {
			while (*s && *s != '"') {
				if (*s == '\\' && s[1] && strchr("\"\\$`", s[1]))
					s++;
				*o++ = *s++;
			}
			if (!*s++)
				return -1;
		} else if (c == '\\' && *s) {
			*o++ = *s++;
		} else {
			*o++ = c;
		}
	}
	w[n] = NULL;
	return n;
}

/* The default config file, when no --mcp-config names one; "" when none. */
static void default_config(char *path, size_t cap)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

	path[0] = '\0';
	if (x && x[0] == '/')
		snprintf(path, cap, "%s/dbxai/mcp.json", x);
	else if (home && home[0])
		snprintf(path, cap, "%s/.config/dbxai/mcp.json", home);
	if (path[0] && access(path, F_OK) != 0)
		path[0] = '\0';
}

/* A string member of obj, or NULL; *bad set when it is there but not a string. */
static char *member_str(const struct json_doc *d, int obj, const char *key, int *bad)
{
	int t = json_get(d, obj, key);
	size_t n = json_strlen(d, t);
	char *s;

	if (t < 0 || json_is_null(d, t))
		return NULL;
	if (json_type(d, t) != JSON_STRING || !(s = malloc(n + 1))) {
		*bad = 1;
		return NULL;
	}
	json_str(d, t, s, n + 1, NULL);
	if (strlen(s) != n) {
		free(s);
		*bad = 1;
		return NULL;
	}
	return s;
}

/* Adds the servers of the config file. Returns 0 or an exit status. */
static int add_config(struct cli_mcp *o, const char *path)
{
	char errbuf[DBX_ERRBUF_SIZE], *text = NULL;
	struct json_tok *tok = NULL;
	struct json_doc d;
	size_t len = 0;
	int servers, k, rc = 0, err;

	err = cli_read_file(path, &text, &len, errbuf);
	if (err)
		return cli_fail(err, errbuf);
	err = json_parse_alloc(&d, text, len, &tok);
	servers = err ? -1 : json_get(&d, 0, "mcpServers");
	if (err || json_type(&d, servers) != JSON_OBJECT) {
		rc = err == DBX_ERR_NOMEM ? cli_fail(err, NULL)
		     : err ? cli_usage_error("%s: not JSON (%s at byte %zu)", path, d.err_what,
		                             d.err_off)
		           : cli_usage_error("%s: no \"mcpServers\" object (the format: "
		                             "{\"mcpServers\": {\"NAME\": {\"command\": ..}}})",
		                             path);
		goto out;
	}
	for (k = json_child(&d, servers); k >= 0 && !rc; k = json_next(&d, k)) {
		int v = k + 1, bad = 0, t, a, i, e; /* the value follows its key */
		char name[DBX_MCP_NAME_MAX + 1] = "", *cmd, *url, *cwd, *type;
		char **args = NULL, **env = NULL;
		struct dbx_mcp_server s = {0};
		json_str(&d, k, name, sizeof name, NULL);
		if (json_type(&d, v) != JSON_OBJECT) {
			rc = cli_usage_error("%s: server \"%s\" is not an object", path, name);
			break;
		}
		cmd = member_str(&d, v, "command", &bad);
		url = member_str(&d, v, "url", &bad);
		cwd = member_str(&d, v, "cwd", &bad);
		type = member_str(&d, v, "type", &bad);
		a = json_get(&d, v, "args");
		t = json_get(&d, v, "env");
		if (bad || (a >= 0 && json_type(&d, a) != JSON_ARRAY) ||
		    (t >= 0 && json_type(&d, t) != JSON_OBJECT))
			rc = cli_usage_error("%s: server \"%s\": command, url, cwd and type are "
			                     "strings, args an array of strings, env an object",
			                     path, name);
		else if (!cmd == !url)
			rc = cli_usage_error(
			    "%s: server \"%s\" needs either \"command\" or \"url\"", path, name);
		else if (type && strcmp(type, "sse") == 0)
			rc =
			    cli_usage_error("%s: server \"%s\" uses the old SSE transport; dbxai "
			                    "speaks Streamable HTTP (\"url\" of the /mcp endpoint)",
			                    path, name);
		if (!rc && cmd) {
			args = calloc((size_t)json_size(&d, a) + 2, sizeof *args);
			env = calloc((size_t)json_size(&d, t) + 1, sizeof *env);
			if (!args || !env)
				rc = cli_fail(DBX_ERR_NOMEM, NULL);
			else
				args[0] = cmd;
			for (i = 0; !rc && i < json_size(&d, a); i++) {
				int el = json_at(&d, a, i);
				size_t n = json_strlen(&d, el);
				if (json_type(&d, el) != JSON_STRING ||
				    !(args[i + 1] = malloc(n + 1)))
					rc = cli_usage_error(
					    "%s: server \"%s\": args[%d] is not a string", path,
					    name, i);
				else
					json_str(&d, el, args[i + 1], n + 1, NULL);
			}
			for (i = 0, e = json_child(&d, t); !rc && e >= 0;
			     e = json_next(&d, e), i++) {
				size_t kn = json_strlen(&d, e), vn = json_strlen(&d, e + 1);
				if (json_type(&d, e + 1) != JSON_STRING ||
				    !(env[i] = malloc(kn + vn + 2))) {
					rc = cli_usage_error(
					    "%s: server \"%s\": env values are strings", path,
					    name);
					break;
				}
				json_str(&d, e, env[i], kn + 1, NULL);
				env[i][kn] = '=';
				json_str(&d, e + 1, env[i] + kn + 1, vn + 1, NULL);
			}
		}
		if (!rc) {
			s.name = name;
			s.argv = (const char *const *)args;
			s.env = (const char *const *)env;
			s.cwd = cwd;
			s.url = url;
			err = dbx_mcp_add(o->m, &s, errbuf);
			if (err)
				rc = cli_fail(err, errbuf);
		}
		for (i = 1; args && args[i]; i++)
			free(args[i]);
		for (i = 0; env && env[i]; i++)
			free(env[i]);
		free(args);
		free(env);
		free(cmd);
		free(url);
		free(cwd);
		free(type);
	}
out:
	free(tok);
	free(text);
	return rc;
}

int cli_mcp_start(struct cli_mcp *o, struct dbx_client *c, int verbose)
{
	char errbuf[DBX_ERRBUF_SIZE], path[4096];
	struct dbx_mcp_options mo = {0};
	size_t i;
	int rc = 0, err;

	path[0] = '\0';
	if (o->config)
		snprintf(path, sizeof path, "%s", o->config);
	else if (!o->no_config)
		default_config(path, sizeof path);
	if (o->n == 0 && !path[0])
		return 0; /* no servers: a plain chat */
	mo.tool_timeout_ms = o->timeout_ms;
	mo.verbose = verbose;
	err = dbx_mcp_new(&o->m, c, &mo, errbuf);
	if (err)
		return cli_fail(err, errbuf);
	if (path[0])
		rc = add_config(o, path);
	for (i = 0; i < o->n && !rc; i++) {
		struct dbx_mcp_server s = {0};
		char *words[WORDS_MAX], *buf = NULL;
		if (o->is_url[i]) {
			s.url = o->spec[i];
		} else {
			buf = malloc(strlen(o->spec[i]) + 1);
			if (!buf)
				return cli_fail(DBX_ERR_NOMEM, NULL);
			if (split(o->spec[i], buf, words, WORDS_MAX) < 1) {
				free(buf);
				return cli_usage_error(
				    "--mcp '%.60s': an unclosed quote, no command or "
				    "too many words",
				    o->spec[i]);
			}
			s.argv = (const char *const *)words;
		}
		err = dbx_mcp_add(o->m, &s, errbuf);
		free(buf);
		if (err)
			return cli_fail(err, errbuf);
	}
	if (rc)
		return rc;
	err = dbx_mcp_start(o->m, errbuf);
	if (err == DBX_ERR_USAGE || err == DBX_ERR_NOMEM)
		return cli_fail(err, errbuf);
	o->ao.mcp = o->m;
	return 0;
}

/* Ctrl-C, SIGTERM, SIGHUP while the servers run: they end first. */
static struct dbx_mcp *signal_mcp;

static void on_signal(int sig)
{
	dbx_mcp_kill(signal_mcp);
	_exit(128 + sig);
}

void cli_mcp_guard(struct cli_mcp *o)
{
	struct sigaction sa;

	if (!o->m)
		return;
	signal_mcp = o->m;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

void cli_mcp_free(struct cli_mcp *o)
{
	signal_mcp = NULL;
	dbx_mcp_free(o->m);
	o->m = NULL;
	free(o->always);
	o->always = NULL;
}

/* Whether name matches pattern p[0..n): '*' any run of characters, '?' one. */
static int glob(const char *p, size_t n, const char *name)
{
	if (n == 0)
		return *name == '\0';
	if (*p == '*')
		return glob(p + 1, n - 1, name) || (*name && glob(p, n, name + 1));
	return *name && (*p == '?' || *p == *name) && glob(p + 1, n - 1, name + 1);
}

/* name matches the --allow-tools list (or was answered "always"). */
static int allowed(const struct cli_mcp *o, const char *name)
{
	const char *p = o->allow;

	if (o->always) {
		const char *q = o->always;
		size_t n = strlen(name);
		while ((q = strstr(q, name)) != NULL) {
			if ((q == o->always || q[-1] == ',') && (q[n] == ',' || q[n] == '\0'))
				return 1;
			q += n;
		}
	}
	if (!p)
		return 0;
	if (strcmp(p, "all") == 0)
		return 1;
	while (*p) {
		size_t n = strcspn(p, ",");
		if (n && glob(p, n, name))
			return 1;
		p += n + (p[n] == ',');
	}
	return 0;
}

static void remember(struct cli_mcp *o, const char *name)
{
	size_t old = o->always ? strlen(o->always) : 0, n = strlen(name);
	char *s = realloc(o->always, old + n + 2);

	if (!s)
		return;
	o->always = s;
	if (old)
		s[old++] = ',';
	memcpy(s + old, name, n + 1);
}

/* At most lines x cols of text on stderr, made safe. */
static void show_cut(const char *s, size_t n, int lines, int cols)
{
	struct text_tty st = {0};
	size_t i = 0, start = 0;
	int line = 0;

	while (i < n && line < lines) {
		if (s[i] == '\n' || i - start == (size_t)cols) {
			(void)cli_put_text(stderr, &st, 1, s + start, i - start);
			fputc('\n', stderr);
			line++;
			start = i + (s[i] == '\n');
		}
		i++;
	}
	if (line < lines && start < n) {
		(void)cli_put_text(stderr, &st, 1, s + start, n - start);
		fputc('\n', stderr);
	} else if (start < n) {
		fprintf(stderr, "  ... (%zu more bytes)\n", n - start);
	}
}

/* "-> NAME ARGS" on stderr as a call starts (not with --json). */
static int running(const struct cli_mcp *o, const struct dbx_tool_call *call)
{
	struct text_tty st = {0};
	size_t n = call->arguments_len > 200 ? 200 : call->arguments_len;

	if (o->json)
		return DBX_TOOL_RUN;
	fprintf(stderr, "-> %s ", call->name);
	(void)cli_put_text(stderr, &st, 1, call->arguments, n);
	fputs(n < call->arguments_len ? "...\n" : "\n", stderr);
	return DBX_TOOL_RUN;
}

int cli_mcp_approve(void *ctx, const struct dbx_tool_call *call, char *why)
{
	struct cli_mcp *o = ctx;
	char answer[64];
	ssize_t n;

	if (allowed(o, call->name))
		return running(o, call);
	if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO)) {
		snprintf(why, DBX_ERRBUF_SIZE,
		         "the model wants to run %s, and there is no terminal to ask on: allow it "
		         "up front with --allow-tools %s (or --allow-tools all)",
		         call->name, call->name);
		return DBX_TOOL_STOP;
	}
	cli_spin(0);
	fprintf(stderr, "\nRun tool %s (server %s)%s%s%s%s?\n", call->tool, call->server,
	        call->hints & DBX_HINT_READ_ONLY ? " [read-only hint]" : "",
	        call->hints & DBX_HINT_DESTRUCTIVE ? " [destructive hint]" : "",
	        call->hints & DBX_HINT_IDEMPOTENT ? " [idempotent hint]" : "",
	        call->hints & DBX_HINT_OPEN_WORLD ? " [open-world hint]" : "");
	show_cut(call->arguments, call->arguments_len, 20, 200);
	for (;;) {
		fputs("[y]es / [n]o / [a]lways for this tool: ", stderr);
		fflush(stderr);
		n = read(STDIN_FILENO, answer, sizeof answer - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fputc('\n', stderr);
			snprintf(why, DBX_ERRBUF_SIZE, "no answer to run %s (end of input)",
			         call->name);
			return DBX_TOOL_STOP;
		}
		answer[n] = '\0';
		switch (answer[0] | 0x20) {
		case 'y':
			return running(o, call);
		case 'n':
			return DBX_TOOL_DECLINE;
		case 'a':
			remember(o, call->name);
			return running(o, call);
		}
	}
}

void cli_mcp_report(const struct dbx_event *ev)
{
	struct text_tty st = {0};

	if (ev->type == DBX_EV_TOOL_RESULT) {
		size_t n = strcspn(ev->text, "\n");
		if (ev->text_len < 1024)
			fprintf(stderr, "<- %zu B", ev->text_len);
		else
			fprintf(stderr, "<- %.1f KiB", ev->text_len / 1024.0);
		fputs(ev->is_error ? ", failed: " : "\n", stderr);
		if (ev->is_error) {
			(void)cli_put_text(stderr, &st, 1, ev->text, n < 160 ? n : 160);
			fputc('\n', stderr);
		}
	}
}

/* ---- dbxai mcp list ---- */

/* The first line of s, at most 100 bytes, into out. */
static void first_line(const char *s, char *out, size_t cap)
{
	size_t n = strcspn(s, "\r\n");
	snprintf(out, cap, "%.*s", (int)(n < 100 ? n : 100), s);
}

static int list_json(struct cli_out *out, const struct dbx_mcp *m, size_t i)
{
	struct dbx_mcp_info info;
	struct json_w w;
	size_t j, len = 0, cap = 4096;
	char *buf;
	int err;

	dbx_mcp_info(m, i, &info);
	cap += info.tools * (6 * (2 * DBX_MCP_NAME_MAX + 100) + 64) + 6 * strlen(info.error) +
	       6 * strlen(info.what);
	buf = malloc(cap);
	if (!buf)
		return DBX_ERR_NOMEM;
	json_w_init(&w, buf, cap - 1);
	json_w_obj(&w);
	json_w_key(&w, "name");
	json_w_str(&w, info.name);
	json_w_key(&w, "source");
	json_w_str(&w, info.what);
	json_w_key(&w, "started");
	json_w_bool(&w, info.started);
	json_w_key(&w, "protocol");
	info.protocol[0] ? json_w_str(&w, info.protocol) : json_w_null(&w);
	json_w_key(&w, "error");
	info.error[0] ? json_w_str(&w, info.error) : json_w_null(&w);
	json_w_key(&w, "tools");
	json_w_arr(&w);
	for (j = 0; j < info.tools; j++) {
		struct dbx_mcp_tool t;
		char desc[128];
		dbx_mcp_tool(m, i, j, &t);
		first_line(t.description, desc, sizeof desc);
		json_w_obj(&w);
		json_w_key(&w, "name");
		json_w_str(&w, t.qualified);
		json_w_key(&w, "tool");
		json_w_str(&w, t.name);
		json_w_key(&w, "description");
		json_w_str(&w, desc);
		json_w_obj_end(&w);
	}
	json_w_arr_end(&w);
	json_w_obj_end(&w);
	err = json_w_finish(&w, &len);
	if (!err) {
		buf[len++] = '\n';
		err = cli_write(out, buf, len) ? DBX_ERR_IO : DBX_OK;
	}
	free(buf);
	return err;
}

int cli_mcp(const struct cli_globals *g0, int argc, char **argv)
{
	struct cli_globals g = *g0;
	struct cli_mcp o;
	struct cli_out out = CLI_OUT_INIT;
	struct dbx_config *cfg = NULL;
	struct dbx_client *client = NULL;
	int i, r, rc = 0, all = 1;
	size_t k, j;

	memset(&o, 0, sizeof o);
	if (argc < 1 || strcmp(argv[0], "list") != 0)
		return cli_usage_error("usage: dbxai mcp list [--json] [--mcp CMD] [--mcp-url URL] "
		                       "[--mcp-config FILE]");
	for (i = 1; i < argc; i++) {
		r = cli_global_option(argc, argv, &i, &g);
		if (r == 0)
			r = cli_mcp_option(argc, argv, &i, &o);
		if (r >= 100)
			return r - 100;
		if (r == 0)
			return cli_usage_error("mcp list: unknown argument '%.40s'", argv[i]);
	}
	rc = cli_open_client(&g, &cfg, &client);
	if (!rc)
		rc = cli_mcp_start(&o, client, g.verbose);
	if (!rc && !o.m) {
		rc = cli_usage_error("no MCP servers: give --mcp COMMAND, --mcp-url URL or "
		                     "--mcp-config FILE, or write ~/.config/dbxai/mcp.json");
	}
	cli_mcp_guard(&o);
	for (k = 0; !rc && k < dbx_mcp_count(o.m); k++) {
		struct dbx_mcp_info info;
		dbx_mcp_info(o.m, k, &info);
		all &= info.started;
		if (g.json) {
			if (list_json(&out, o.m, k))
				rc = 1;
			continue;
		}
		if (!info.started) {
			fprintf(stdout, "%s  not started  %s\n", info.name, info.what);
			fprintf(stderr, "dbxai: %s\n", info.error);
			continue;
		}
		fprintf(stdout, "%s  started  %s  %s\n", info.name, info.protocol, info.what);
		for (j = 0; j < info.tools; j++) {
			struct dbx_mcp_tool t;
			char desc[128];
			dbx_mcp_tool(o.m, k, j, &t);
			first_line(t.description, desc, sizeof desc);
			fprintf(stdout, "  %-30s %s\n", t.qualified, desc);
		}
	}
	if (!rc && !all)
		rc = 8;
	cli_mcp_free(&o);
	dbx_client_free(client);
	dbx_config_free(cfg);
	return cli_finish(&out, rc);
}

#else /* make FEATURES=-mcp: the flags and the command say so */

int cli_mcp_option(int argc, char **argv, int *i, struct cli_mcp *o)
{
	static const char *const flags[] = {"--mcp",           "--mcp-url",     "--mcp-config",
	                                    "--no-mcp-config", "--allow-tools", "--max-turns",
	                                    "--tool-timeout"};
	size_t k, n = strcspn(argv[*i], "=");

	(void)argc;
	(void)o;
	for (k = 0; k < sizeof flags / sizeof flags[0]; k++)
		if (strlen(flags[k]) == n && strncmp(argv[*i], flags[k], n) == 0)
			return 100 + cli_not_built_in(flags[k], "mcp");
	return 0;
}

int cli_mcp_start(struct cli_mcp *o, struct dbx_client *c, int verbose)
{
	(void)o;
	(void)c;
	(void)verbose;
	return 0; /* no servers: the config file is not read */
}

void cli_mcp_guard(struct cli_mcp *o)
{
	(void)o;
}

void cli_mcp_free(struct cli_mcp *o)
{
	(void)o;
}

int cli_mcp_approve(void *ctx, const struct dbx_tool_call *call, char *why)
{
	(void)ctx;
	(void)call;
	(void)why;
	return DBX_TOOL_STOP;
}

void cli_mcp_report(const struct dbx_event *ev)
{
	(void)ev;
}

int cli_mcp(const struct cli_globals *g, int argc, char **argv)
{
	(void)g;
	(void)argc;
	(void)argv;
	return cli_not_built_in("mcp", "mcp");
}
#endif
