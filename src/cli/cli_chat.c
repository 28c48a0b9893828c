/*
 * cli_chat.c - `dbxai chat [OPTIONS] [PROMPT...]`: one turn, streamed to stdout.
 *
 * Plain output: reply text as it arrives (flushed per delta), a final newline
 * if the text lacked one, then one line per tool call:
 *   tool_call <id> <name> <arguments>
 * Reasoning goes to stderr with --show-reasoning, never to stdout.
 * --json: one JSON object per event (JSON Lines), see usage in main.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"

/* reasoning on stderr: its escaping state (text_tty) */
static struct text_tty reasoning_tty;
#include "pfile.h"
#include "json.h"
#include "jsonw.h"

#define CHAT_JSON_LINE 4096 /* JSON Lines buffer; longer events get their own */

#define CHAT_REPLY_MAX (16u << 20) /* reply text kept to check structured output */

struct chat_out {
	struct cli_out out;
	int json;
	int show_reasoning;
	int reasoning_open; /* reasoning printed on stderr without a final newline */
	int text_seen;
	int usage_line; /* --usage: the token counts on stderr at the end */
	int have_usage;
	long long usage[3];
	int verbose;     /* -v: an agent's own steps on stderr */
	int keep_text;   /* structured output: keep the reply to validate it */
	struct buf text; /* the reply so far when keep_text, up to CHAT_REPLY_MAX;
	                    text.err: it did not all fit */
};

/* Writes one JSON Lines object built by fill() into a buffer big enough for
 * text of text_len bytes (escaping grows it at most 6x). */
static int json_line(struct chat_out *o, size_t text_len,
                     void (*fill)(struct json_w *w, const struct dbx_event *ev),
                     const struct dbx_event *ev)
{
	char small[CHAT_JSON_LINE];
	size_t cap = 256 + 6 * text_len, len = 0;
	char *buf = cap <= sizeof small ? small : malloc(cap);
	struct json_w w;
	int err;

	if (!buf)
		return DBX_ERR_NOMEM;
	json_w_init(&w, buf, cap - 1);
	fill(&w, ev);
	err = json_w_finish(&w, &len);
	if (!err) {
		buf[len++] = '\n';
		err = cli_write(&o->out, buf, len) ? DBX_ERR_IO : DBX_OK;
	}
	if (buf != small)
		free(buf);
	return err;
}

static void fill_event(struct json_w *w, const struct dbx_event *ev)
{
	json_w_obj(w);
	json_w_key(w, "type");
	switch (ev->type) {
	case DBX_EV_TEXT:
	case DBX_EV_REASONING:
		json_w_str(w, ev->type == DBX_EV_TEXT ? "text" : "reasoning");
		json_w_key(w, "text");
		json_w_strn(w, ev->text, ev->text_len);
		break;
	case DBX_EV_TOOL_CALL:
		json_w_str(w, "tool_call");
		json_w_key(w, "id");
		json_w_str(w, ev->id);
		json_w_key(w, "name");
		json_w_str(w, ev->name);
		json_w_key(w, "arguments");
		json_w_strn(w, ev->arguments, ev->arguments_len);
		if (ev->server) {
			json_w_key(w, "server");
			json_w_str(w, ev->server);
		}
		break;
	case DBX_EV_TOOL_RESULT: /* an MCP call's (server set) or a remote step's */
		json_w_str(w, "tool_result");
		json_w_key(w, "id");
		json_w_str(w, ev->id);
		json_w_key(w, "name");
		json_w_str(w, ev->name);
		if (ev->server) {
			json_w_key(w, "server");
			json_w_str(w, ev->server);
			json_w_key(w, "is_error");
			json_w_bool(w, ev->is_error);
		}
		json_w_key(w, "text");
		json_w_strn(w, ev->text, ev->text_len);
		break;
	case DBX_EV_USAGE:
		json_w_str(w, "usage");
		json_w_key(w, "prompt_tokens");
		json_w_int(w, ev->prompt_tokens);
		json_w_key(w, "completion_tokens");
		json_w_int(w, ev->completion_tokens);
		json_w_key(w, "total_tokens");
		json_w_int(w, ev->total_tokens);
		break;
	case DBX_EV_DONE:
		json_w_str(w, "done");
		json_w_key(w, "finish_reason");
		json_w_str(w, ev->finish_reason);
		break;
	}
	if (ev->remote) {
		json_w_key(w, "remote");
		json_w_bool(w, 1);
	}
	json_w_obj_end(w);
}

static int on_event(void *ctx, const struct dbx_event *ev)
{
	struct chat_out *o = ctx;

	cli_spin(0);
	if (ev->type == DBX_EV_TEXT && o->keep_text && !o->text.err)
		(void)buf_append(&o->text, ev->text, ev->text_len);
	if (ev->type == DBX_EV_USAGE) {
		o->have_usage = 1;
		o->usage[0] = ev->prompt_tokens;
		o->usage[1] = ev->completion_tokens;
		o->usage[2] = ev->total_tokens;
	}
	if (o->json)
		return json_line(o, ev->text_len + ev->arguments_len, fill_event, ev) != DBX_OK;
	if (ev->remote) {
		/* an agent's own step: never in the answer; on stderr under -v */
		if (o->verbose) {
			fprintf(stderr, "remote %s %s %s ",
			        ev->type == DBX_EV_TOOL_CALL ? "tool_call" : "tool_result", ev->id,
			        ev->name);
			(void)cli_put_text(
			    stderr, &reasoning_tty, !cli_raw && isatty(STDERR_FILENO),
			    ev->type == DBX_EV_TOOL_CALL ? ev->arguments : ev->text,
			    ev->type == DBX_EV_TOOL_CALL ? ev->arguments_len : ev->text_len);
			fputc('\n', stderr);
		}
		return 0;
	}
	switch (ev->type) {
	case DBX_EV_TEXT:
		o->text_seen = 1;
		return cli_write(&o->out, ev->text, ev->text_len);
	case DBX_EV_REASONING:
		if (o->show_reasoning) {
			(void)cli_put_text(stderr, &reasoning_tty,
			                   !cli_raw && isatty(STDERR_FILENO), ev->text,
			                   ev->text_len);
			o->reasoning_open = ev->text[ev->text_len - 1] != '\n';
		}
		return 0;
	case DBX_EV_TOOL_RESULT:
		cli_mcp_report(ev);
		return 0;
	case DBX_EV_TOOL_CALL:
		if (o->out.last >= 0 && o->out.last != '\n' && cli_write(&o->out, "\n", 1))
			return 1;
		if (ev->server)
			return 0; /* an MCP call: reported on stderr as it runs */
		if (cli_write(&o->out, "tool_call ", 10) ||
		    cli_write(&o->out, ev->id, strlen(ev->id)) || cli_write(&o->out, " ", 1) ||
		    cli_write(&o->out, ev->name, strlen(ev->name)) || cli_write(&o->out, " ", 1) ||
		    cli_write(&o->out, ev->arguments_len ? ev->arguments : "{}",
		              ev->arguments_len ? ev->arguments_len : 2))
			return 1;
		return cli_write(&o->out, "\n", 1);
	case DBX_EV_USAGE:
		return 0;
	case DBX_EV_DONE:
		if (o->out.last >= 0 && o->out.last != '\n')
			return cli_write(&o->out, "\n", 1);
		return 0;
	}
	return 0;
}

/* PROMPT words joined by spaces into malloc'd memory. */
static char *join_words(int n, char **words)
{
	size_t len = 1;
	char *s, *p;
	int i;

	for (i = 0; i < n; i++)
		len += strlen(words[i]) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	p = s;
	for (i = 0; i < n; i++) {
		size_t l = strlen(words[i]);
		if (i)
			*p++ = ' ';
		memcpy(p, words[i], l);
		p += l;
	}
	*p = '\0';
	return s;
}

#define CHAT_MAX_PARAMS 64
#define CHAT_MAX_ATTACH 64 /* -a files (of which at most DBX_ATTACH_IMAGES_MAX images) */

struct chat_args {
	struct dbx_chat_request rq;
	const char *tools_file, *messages_file, *schema_file, *system_file, *save_file;
	const char *custom_inputs, *trace_file; /* agents: JSON or @FILE; --trace FILE */
	const char *params[CHAT_MAX_PARAMS];    /* --param KEY=JSON, in order */
	int nparams;
	struct dbx_attachment atts[CHAT_MAX_ATTACH]; /* -a FILE, in order */
	int natts;
	int show_reasoning;
	int usage;
	int interactive;          /* -i, or a terminal on stdin and nothing to send */
	int cont;                 /* -c: continue the last conversation */
	int no_log;               /* --no-log */
	const char *conversation; /* --conversation ID */
	struct cli_mcp mcp;
	char **words;
	int nwords;
};

static int parse_args(int argc, char **argv, struct cli_globals *g, struct chat_args *a)
{
	enum opt {
		MODEL,
		SYSTEM,
		TEMPERATURE,
		MAX_TOKENS,
		TOOLS,
		MESSAGES,
		API,
		THINKING,
		REASONING_EFFORT,
		SCHEMA,
		PARAM,
		SYSTEM_FILE,
		SAVE,
		ATTACH,
		CUSTOM_INPUTS,
		TRACE,
		CONVERSATION
	};
	static const struct {
		const char *name, *alias;
		enum opt id;
	} value_opts[] = {
	    {"--model", "-m", MODEL},
	    {"--system", "-s", SYSTEM},
	    {"--temperature", "-t", TEMPERATURE},
	    {"--max-tokens", NULL, MAX_TOKENS},
	    {"--tools", NULL, TOOLS},
	    {"--messages", NULL, MESSAGES},
	    {"--api", NULL, API},
	    {"--thinking", NULL, THINKING},
	    {"--reasoning-effort", NULL, REASONING_EFFORT},
	    {"--schema", NULL, SCHEMA},
	    {"--param", NULL, PARAM},
	    {"--system-file", NULL, SYSTEM_FILE},
	    {"--save", NULL, SAVE},
	    {"--attach", "-a", ATTACH},
	    {"--custom-inputs", NULL, CUSTOM_INPUTS},
	    {"--trace", NULL, TRACE},
	    {"--conversation", NULL, CONVERSATION},
	};
	char errbuf[DBX_ERRBUF_SIZE];
	size_t k;
	int i, r;

	/* Prompt words are gathered at the front of argv (never past i). */
	a->words = argv;
	a->nwords = 0;

	for (i = 0; i < argc; i++) {
		const char *v = NULL, *arg = argv[i];
		double d;
		r = cli_global_option(argc, argv, &i, g);
		if (r == 0)
			r = cli_mcp_option(argc, argv, &i, &a->mcp);
		if (r >= 100)
			return r - 100;
		if (r)
			continue;
		if (strcmp(arg, "--") == 0) {
			while (++i < argc)
				argv[a->nwords++] = argv[i];
			break;
		}
		if (strcmp(arg, "--no-stream") == 0) {
			a->rq.no_stream = 1;
			continue;
		}
		if (strcmp(arg, "--fast") == 0) {
			a->rq.fast = 1;
			continue;
		}
		if (strcmp(arg, "--show-reasoning") == 0) {
			a->show_reasoning = 1;
			continue;
		}
		if (strcmp(arg, "--json-object") == 0) {
			a->rq.json_object = 1;
			continue;
		}
		if (strcmp(arg, "--usage") == 0) {
			a->usage = 1;
			continue;
		}
		if (strcmp(arg, "-i") == 0 || strcmp(arg, "--interactive") == 0) {
			if (!DBX_FEATURE_REPL)
				return cli_not_built_in("chat -i", "repl");
			a->interactive = 1;
			continue;
		}
		if (strcmp(arg, "-c") == 0 || strcmp(arg, "--continue") == 0) {
			a->cont = 1;
			continue;
		}
		if (strcmp(arg, "--no-log") == 0) {
			a->no_log = 1;
			continue;
		}
		r = 0;
		for (k = 0; k < sizeof value_opts / sizeof value_opts[0]; k++) {
			r = cli_opt_value(argc, argv, &i, value_opts[k].name, value_opts[k].alias,
			                  &v);
			if (r != 0)
				break;
		}
		if (r < 0)
			return cli_usage_error("%s needs a value", arg);
		if (r == 0 && arg[0] == '-' && arg[1] != '\0')
			return cli_usage_error(
			    "chat: unknown option '%.40s' (see dbxai help; put -- "
			    "before a prompt that starts with '-')",
			    arg);
		if (r == 0) {
			/* a prompt word: options may still follow, as in most tools */
			argv[a->nwords++] = argv[i];
			continue;
		}
		if (v[0] == '\0' && value_opts[k].id == MODEL)
			return cli_usage_error("--model needs a name");
		switch (value_opts[k].id) {
		case MODEL:
			a->rq.model = v;
			break;
		case SYSTEM:
			if (v[0] == '@')
				a->system_file = v + 1;
			else
				a->rq.system = v;
			break;
		case TEMPERATURE:
			if (cfg_parse_number("--temperature", v, 1, 2, &d, errbuf))
				return cli_usage_error(
				    "--temperature: '%.20s' is not a number from 0 "
				    "to 2",
				    v);
			a->rq.has_temperature = 1;
			a->rq.temperature = d;
			break;
		case MAX_TOKENS:
			if (cfg_parse_number("--max-tokens", v, 0, 10000000, &d, errbuf) || d < 1)
				return cli_usage_error(
				    "--max-tokens: '%.20s' is not a whole number "
				    "from 1 to 10000000",
				    v);
			a->rq.max_tokens = (long)d;
			break;
		case TOOLS:
			a->tools_file = v;
			break;
		case MESSAGES:
			a->messages_file = v;
			break;
		case API:
			if (strcmp(v, "chat") == 0)
				a->rq.api = DBX_API_CHAT;
			else if (strcmp(v, "responses") == 0 && !DBX_FEATURE_RESPONSES)
				return cli_not_built_in("--api responses", "responses");
			else if (strcmp(v, "responses") == 0)
				a->rq.api = DBX_API_RESPONSES;
			else if (strcmp(v, "agent-chat") == 0)
				a->rq.api = DBX_API_AGENT_CHAT;
			else if (strcmp(v, "agent-responses") == 0)
				a->rq.api = DBX_API_AGENT_RESPONSES;
			else
				return cli_usage_error("--api: '%.20s' is not chat, responses, "
				                       "agent-chat or agent-responses",
				                       v);
			break;
		case THINKING:
			if (cfg_parse_number("--thinking", v, 0, 1000000, &d, errbuf) || d < 1024)
				return cli_usage_error(
				    "--thinking: '%.20s' is not a token budget of at "
				    "least 1024",
				    v);
			a->rq.thinking_budget = (long)d;
			break;
		case REASONING_EFFORT:
			if (strcmp(v, "low") != 0 && strcmp(v, "medium") != 0 &&
			    strcmp(v, "high") != 0)
				return cli_usage_error(
				    "--reasoning-effort: '%.20s' is not low, medium "
				    "or high",
				    v);
			a->rq.reasoning_effort = v;
			break;
		case SCHEMA:
			a->schema_file = v;
			break;
		case PARAM:
			if (a->nparams == CHAT_MAX_PARAMS)
				return cli_usage_error("--param: at most %d", CHAT_MAX_PARAMS);
			if (!strchr(v, '=') || v[0] == '=')
				return cli_usage_error("--param '%.40s': expected KEY=JSON, e.g. "
				                       "top_p=0.9",
				                       v);
			a->params[a->nparams++] = v;
			break;
		case SYSTEM_FILE:
			a->system_file = v;
			break;
		case SAVE:
			a->save_file = v;
			break;
		case CUSTOM_INPUTS:
			a->custom_inputs = v;
			break;
		case TRACE:
			if (!*v)
				return cli_usage_error("--trace needs a file name");
			a->trace_file = v;
			break;
		case ATTACH:
			if (a->natts == CHAT_MAX_ATTACH)
				return cli_usage_error("--attach: at most %d files",
				                       CHAT_MAX_ATTACH);
			if (!*v)
				return cli_usage_error("--attach needs a file name (- for stdin)");
			a->atts[a->natts++].path = v;
			break;
		case CONVERSATION:
			a->conversation = v;
			break;
		}
	}
	return 0;
}

/* --param KEY=JSON pairs as one JSON object (the last of a repeated key wins
 * at the server, as JSON object semantics go: we keep them all in order). */
static int build_params(const struct chat_args *a, char **out, size_t *len, char *errbuf)
{
	struct json_w w;
	size_t cap = 16;
	char *buf;
	int i, err;

	for (i = 0; i < a->nparams; i++)
		cap += 6 * strlen(a->params[i]) + 8;
	buf = malloc(cap);
	if (!buf)
		return DBX_ERR_NOMEM;
	json_w_init(&w, buf, cap);
	json_w_obj(&w);
	for (i = 0; i < a->nparams; i++) {
		const char *eq = strchr(a->params[i], '=');
		struct json_tok tok[256];
		struct json_doc d;
		err = json_parse(&d, eq + 1, strlen(eq + 1), tok, 256);
		if (err) {
			errbuf_set(errbuf,
			           "--param %.*s: the value is not JSON (%s); quote strings: "
			           "%.*s='\"text\"'",
			           (int)(eq - a->params[i]), a->params[i],
			           d.err_what ? d.err_what : dbx_strerror(err),
			           (int)(eq - a->params[i]), a->params[i]);
			free(buf);
			return DBX_ERR_USAGE;
		}
		json_w_keyn(&w, a->params[i], (size_t)(eq - a->params[i]));
		json_w_raw(&w, &d, 0);
	}
	json_w_obj_end(&w);
	err = json_w_finish(&w, len);
	if (err) {
		free(buf);
		return err;
	}
	*out = buf;
	return DBX_OK;
}

/* The reply must be JSON when structured output was asked for. */
static int check_structured(struct chat_out *o, char *errbuf)
{
	struct json_tok *tok = NULL;
	struct json_doc d;
	int err;

	if (o->text.err) {
		errbuf_set(errbuf, "the reply is too large to check that it is JSON");
		return DBX_ERR_LIMIT;
	}
	err = json_parse_alloc(&d, o->text.p ? o->text.p : "", o->text.len, &tok);
	free(tok);
	if (err) {
		errbuf_set(
		    errbuf,
		    "the reply is not valid JSON (%s at byte %zu); it is on stdout as it came",
		    d.err_what ? d.err_what : dbx_strerror(err), d.err_off);
		return DBX_ERR_PROTOCOL;
	}
	return DBX_OK;
}

/* The MCP servers, if any: started once, a failed one reported and left out. */
static int start_mcp(struct chat_args *a, struct dbx_client *client, int verbose)
{
	size_t i;
	int rc = cli_mcp_start(&a->mcp, client, verbose);

	if (rc || !a->mcp.m)
		return rc;
	cli_mcp_guard(&a->mcp);
	for (i = 0; i < dbx_mcp_count(a->mcp.m); i++) {
		struct dbx_mcp_info info;
		dbx_mcp_info(a->mcp.m, i, &info);
		if (!info.started)
			fprintf(stderr, "dbxai: %s; going on without it\n", info.error);
	}
	a->mcp.ao.approve = cli_mcp_approve;
	a->mcp.ao.approve_ctx = &a->mcp;
	return 0;
}

int cli_chat(const struct cli_globals *g0, int argc, char **argv)
{
	struct cli_globals g = *g0;
	struct chat_args a;
	struct chat_out o;
	struct dbx_config *cfg = NULL;
	struct dbx_client *client = NULL;
	char *prompt = NULL, *tools = NULL, *messages = NULL, *schema = NULL, *system = NULL;
	char *params = NULL, *transcript = NULL, *stdin_att = NULL, *custom = NULL, *trace = NULL;
	char *earlier = NULL;
	const char *log_env = getenv("DBXAI_LOG");
	struct cli_conv conv;
	size_t transcript_len = 0, trace_len = 0;
	char errbuf[DBX_ERRBUF_SIZE] = "";
	const char *env_model = getenv("DBXAI_MODEL");
	size_t n = 0;
	int rc, err, k;

	memset(&a, 0, sizeof a);
	memset(&o, 0, sizeof o);
	memset(&conv, 0, sizeof conv);
	o.out.last = -1;
	buf_init(&o.text, CHAT_REPLY_MAX);
	rc = parse_args(argc, argv, &g, &a);
	if (rc)
		return rc;
	/* A terminal with nothing to send starts a session; a pipe keeps
	 * `echo x | dbxai chat` a one-shot (and so does a build without it). */
	if (DBX_FEATURE_REPL && a.nwords == 0 && !a.messages_file && !g.json &&
	    isatty(STDIN_FILENO))
		a.interactive = 1;
	if (a.interactive && g.json)
		return cli_usage_error("chat -i: no --json in an interactive session");
	if ((a.cont || a.conversation) && a.messages_file)
		return cli_usage_error("chat: --messages or -c/--conversation, not both");
	/* the conversation log, and the one to continue (read before any request) */
	rc = cli_conv_open(&conv, !a.no_log && !(log_env && strcmp(log_env, "0") == 0), g.verbose,
	                   a.conversation ? a.conversation
	                   : a.cont       ? ""
	                                  : NULL,
	                   &earlier, &n);
	if (rc)
		return rc;
	if (earlier) {
		a.rq.messages_json = earlier;
		a.rq.messages_len = n;
	}
	if (!a.rq.model && env_model && *env_model)
		a.rq.model = env_model;
	o.json = g.json;
	a.mcp.json = g.json;
	o.verbose = g.verbose;
	o.show_reasoning = a.show_reasoning;
	/* Live on a terminal and in JSON Lines (a program reads those as they
	 * come); coalesced into big writes when piped to a file or a program. */
	if (!o.json)
		cli_coalesce(&o.out);
	/* Coalesced output shows nothing until 16 KiB are in: reading a stream
	 * of small records in 1 ms bursts (one wake-up and one recv for all of a
	 * fast model's records in that time) changes nothing a reader sees. */
	if (o.out.coalesce)
		cli_read_in_bursts = 1;
	o.usage_line = a.usage;
	o.keep_text = a.schema_file || a.rq.json_object;
	/* Read every input before connecting, so a bad file costs no request. */
	err = DBX_OK;
	if (a.tools_file) {
		err = cli_read_file(a.tools_file, &tools, &n, errbuf);
		a.rq.tools_json = tools;
		a.rq.tools_len = n;
	}
	if (!err && a.messages_file) {
		err = cli_read_file(a.messages_file, &messages, &n, errbuf);
		a.rq.messages_json = messages;
		a.rq.messages_len = n;
	}
	if (!err && a.schema_file) {
		err = cli_read_file(a.schema_file, &schema, &n, errbuf);
		a.rq.schema_json = schema;
		a.rq.schema_len = n;
	}
	if (!err && a.system_file) {
		err = cli_read_file(a.system_file, &system, &n, errbuf);
		a.rq.system = system;
	}
	if (!err && a.custom_inputs && a.custom_inputs[0] == '@') {
		err = cli_read_file(a.custom_inputs + 1, &custom, &n, errbuf);
		a.rq.custom_inputs_json = custom;
		a.rq.custom_inputs_len = n;
	} else if (!err && a.custom_inputs) {
		a.rq.custom_inputs_json = a.custom_inputs;
		a.rq.custom_inputs_len = strlen(a.custom_inputs);
	}
	if (!err && a.trace_file) {
		a.rq.trace = &trace;
		a.rq.trace_len = &trace_len;
	}
	if (!err && a.nparams) {
		err = build_params(&a, &params, &n, errbuf);
		a.rq.extra_json = params;
		a.rq.extra_len = n;
	}
	for (k = 0; !err && k < a.natts; k++) {
		if (strcmp(a.atts[k].path, "-") != 0)
			continue;
		if (stdin_att || (a.nwords == 1 && strcmp(a.words[0], "-") == 0)) {
			snprintf(
			    errbuf, sizeof errbuf,
			    "stdin can be read once: attach it once (-a -) and give the prompt as "
			    "words");
			err = DBX_ERR_USAGE;
			break;
		}
		err = cli_read_file("-", &stdin_att, &n, errbuf);
		a.atts[k].path = NULL;
		a.atts[k].data = stdin_att;
		a.atts[k].len = n;
	}
	a.rq.attachments = a.atts;
	a.rq.num_attachments = (size_t)a.natts;
	if (!err && a.interactive && a.nwords == 0) {
		a.rq.prompt = NULL; /* the session reads the prompts */
	} else if (!err && (a.nwords == 0 || (a.nwords == 1 && strcmp(a.words[0], "-") == 0))) {
		if (a.nwords == 0 && (a.messages_file || stdin_att)) {
			/* continue the conversation as it stands, or the file alone */
			a.rq.prompt = NULL;
		} else {
			err = cli_read_file("-", &prompt, &n, errbuf);
			a.rq.prompt = prompt;
		}
	} else if (!err && a.nwords == 1 && a.words[0][0] == '@') {
		err = cli_read_file(a.words[0] + 1, &prompt, &n, errbuf);
		a.rq.prompt = prompt;
	} else if (!err) {
		prompt = join_words(a.nwords, a.words);
		n = prompt ? strlen(prompt) : 0;
		if (!prompt)
			err = DBX_ERR_NOMEM;
		a.rq.prompt = prompt;
	}
	if (!err && prompt && memchr(prompt, '\0', n)) {
		snprintf(errbuf, sizeof errbuf, "the prompt holds a NUL byte");
		err = DBX_ERR_USAGE;
	}
	if (!err && prompt && strspn(prompt, " \t\r\n") == n) {
		snprintf(errbuf, sizeof errbuf,
		         "the prompt is empty: give PROMPT words, or text on stdin");
		err = DBX_ERR_USAGE;
	}
	if (err) {
		rc = cli_fail(err, errbuf);
		goto out;
	}
	rc = cli_open_client(&g, &cfg, &client);
	if (!rc)
		rc = start_mcp(&a, client, g.verbose);
	if (rc)
		goto out;
#if DBX_FEATURE_REPL
	if (a.interactive) {
		cli_repl_conv = &conv;
		rc = cli_repl(client, &a.rq, a.mcp.m ? &a.mcp.ao : NULL, a.save_file,
		              a.show_reasoning, prompt);
		goto out;
	}
#endif
	if (conv.dir[0] && a.natts && !a.save_file) {
		/* an image would be kept whole in the log, and held whole in memory
		 * to write it there: a chat with attachments is kept by --save only */
		if (g.verbose)
			fprintf(stderr, "dbxai: a chat with attachments is not kept in the "
			                "conversation log (keep it with --save FILE)\n");
		conv.dir[0] = '\0';
	}
	if (a.save_file || conv.dir[0]) {
		a.rq.transcript = &transcript;
		a.rq.transcript_len = &transcript_len;
	}
	cli_spin(1);
	err = a.mcp.m ? dbx_chat_agent(client, &a.rq, &a.mcp.ao, on_event, &o, errbuf)
	              : dbx_chat(client, &a.rq, on_event, &o, errbuf);
	cli_spin(0);
	if (o.reasoning_open)
		fputc('\n', stderr);
	if (!err && o.keep_text)
		err = check_structured(&o, errbuf);
	if (transcript) /* also after the turn limit */
		cli_conv_turn(&conv, transcript, transcript_len,
		              a.rq.model ? a.rq.model : DBX_DEFAULT_MODEL,
		              o.have_usage ? o.usage : NULL);
	if (transcript && a.save_file) {
		/* also after the turn limit: --messages continues from there */
		char werr[DBX_ERRBUF_SIZE];
		int serr = pfile_write(a.save_file, transcript, transcript_len, NULL, werr);
		if (serr && !err) {
			err = serr;
			memcpy(errbuf, werr, sizeof werr);
		}
	}
	if (!err && a.trace_file && trace)
		err = pfile_write(a.trace_file, trace, trace_len, NULL, errbuf);
	else if (!err && a.trace_file)
		fprintf(stderr, "dbxai: the endpoint returned no trace; %s not written\n",
		        a.trace_file);
	if (o.usage_line && o.have_usage)
		fprintf(stderr, "prompt %lld \xc2\xb7 completion %lld \xc2\xb7 total %lld tokens\n",
		        o.usage[0], o.usage[1], o.usage[2]);
	if (err && o.out.last >= 0 && o.out.last != '\n' && !o.json)
		cli_write(&o.out, "\n", 1); /* keep what arrived, on its own line */
	if (err && o.json && !o.out.failed)
		cli_json_error(err, errbuf[0] ? errbuf : dbx_strerror(err));
	if (err == DBX_ERR_CANCELLED && o.out.failed)
		rc = cli_finish(&o.out, 1);
	else
		rc = cli_finish(&o.out, err ? cli_fail(err, errbuf) : 0);
out:
	cli_mcp_free(&a.mcp);
	dbx_client_free(client);
	dbx_config_free(cfg);
	free(prompt);
	free(tools);
	free(messages);
	free(schema);
	free(system);
	free(params);
	free(transcript);
	free(stdin_att);
	free(custom);
	free(trace);
	free(earlier);
	cli_conv_close(&conv);
	buf_free(&o.text);
	return rc;
}
