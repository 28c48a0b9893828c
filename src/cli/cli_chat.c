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
	case DBX_EV_TOOL_CALL:
		if (o->out.last >= 0 && o->out.last != '\n' && cli_write(&o->out, "\n", 1))
			return 1;
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

/* The --json error line: code names a class a script can branch on. */
static const char *error_code_name(int err)
{
	switch (err) {
	case DBX_ERR_AUTH:
		return "auth";
	case DBX_ERR_RATE_LIMITED:
		return "rate_limited";
	case DBX_ERR_CONTEXT_LENGTH:
		return "context_length";
	case DBX_ERR_BAD_REQUEST:
		return "bad_request";
	case DBX_ERR_SERVER:
		return "server";
	case DBX_ERR_RESOLVE:
	case DBX_ERR_CONNECT:
	case DBX_ERR_TIMEOUT:
	case DBX_ERR_NET:
	case DBX_ERR_PROXY:
	case DBX_ERR_TLS:
	case DBX_ERR_TLS_VERIFY:
		return "network";
	default:
		return "protocol";
	}
}

static int json_error(struct chat_out *o, int err, const char *msg)
{
	char buf[DBX_ERRBUF_SIZE * 7 + 128];
	struct json_w w;
	size_t len = 0;

	json_w_init(&w, buf, sizeof buf - 1);
	json_w_obj(&w);
	json_w_key(&w, "type");
	json_w_str(&w, "error");
	json_w_key(&w, "code");
	json_w_str(&w, error_code_name(err));
	json_w_key(&w, "message");
	json_w_str(&w, msg);
	json_w_obj_end(&w);
	if (json_w_finish(&w, &len) != DBX_OK)
		return 1;
	buf[len++] = '\n';
	return cli_write(&o->out, buf, len);
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

struct chat_args {
	struct dbx_chat_request rq;
	const char *tools_file, *messages_file, *schema_file, *system_file, *save_file;
	const char *params[CHAT_MAX_PARAMS]; /* --param KEY=JSON, in order */
	int nparams;
	int show_reasoning;
	int usage;
	int interactive; /* -i, or a terminal on stdin and nothing to send */
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
		SAVE
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
			else
				return cli_usage_error("--api: '%.20s' is not chat or responses",
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

int cli_chat(const struct cli_globals *g0, int argc, char **argv)
{
	struct cli_globals g = *g0;
	struct chat_args a;
	struct chat_out o;
	struct dbx_config *cfg = NULL;
	struct dbx_client *client = NULL;
	char *prompt = NULL, *tools = NULL, *messages = NULL, *schema = NULL, *system = NULL;
	char *params = NULL, *transcript = NULL;
	size_t transcript_len = 0;
	char errbuf[DBX_ERRBUF_SIZE] = "";
	const char *env_model = getenv("DBXAI_MODEL");
	size_t n = 0;
	int rc, err;

	memset(&a, 0, sizeof a);
	memset(&o, 0, sizeof o);
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
	if (!a.rq.model && env_model && *env_model)
		a.rq.model = env_model;
	o.json = g.json;
	o.show_reasoning = a.show_reasoning;
	/* Live on a terminal and in JSON Lines (a program reads those as they
	 * come); coalesced into big writes when piped to a file or a program. */
	if (!o.json)
		cli_coalesce(&o.out);
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
	if (!err && a.nparams) {
		err = build_params(&a, &params, &n, errbuf);
		a.rq.extra_json = params;
		a.rq.extra_len = n;
	}
	if (!err && a.interactive && a.nwords == 0) {
		a.rq.prompt = NULL; /* the session reads the prompts */
	} else if (!err && (a.nwords == 0 || (a.nwords == 1 && strcmp(a.words[0], "-") == 0))) {
		if (a.nwords == 0 && a.messages_file) {
			a.rq.prompt = NULL; /* continue the conversation as it stands */
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
	if (rc)
		goto out;
#if DBX_FEATURE_REPL
	if (a.interactive) {
		rc = cli_repl(client, &a.rq, a.save_file, a.show_reasoning, prompt);
		goto out;
	}
#endif
	if (a.save_file) {
		a.rq.transcript = &transcript;
		a.rq.transcript_len = &transcript_len;
	}
	cli_spin(1);
	err = dbx_chat(client, &a.rq, on_event, &o, errbuf);
	cli_spin(0);
	if (o.reasoning_open)
		fputc('\n', stderr);
	if (!err && o.keep_text)
		err = check_structured(&o, errbuf);
	if (!err && a.save_file)
		err = pfile_write(a.save_file, transcript, transcript_len, NULL, errbuf);
	if (o.usage_line && o.have_usage)
		fprintf(stderr, "prompt %lld \xc2\xb7 completion %lld \xc2\xb7 total %lld tokens\n",
		        o.usage[0], o.usage[1], o.usage[2]);
	if (err && o.out.last >= 0 && o.out.last != '\n' && !o.json)
		cli_write(&o.out, "\n", 1); /* keep what arrived, on its own line */
	if (err && o.json && !o.out.failed)
		json_error(&o, err, errbuf[0] ? errbuf : dbx_strerror(err));
	if (err == DBX_ERR_CANCELLED && o.out.failed)
		rc = cli_finish(&o.out, 1);
	else
		rc = cli_finish(&o.out, err ? cli_fail(err, errbuf) : 0);
out:
	dbx_client_free(client);
	dbx_config_free(cfg);
	free(prompt);
	free(tools);
	free(messages);
	free(schema);
	free(system);
	free(params);
	free(transcript);
	buf_free(&o.text);
	return rc;
}
