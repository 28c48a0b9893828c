/* mcp.c - see mcp.h. */
#include "mcp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"

int mcp_version_ok(const char *v)
{
	return strcmp(v, MCP_PROTOCOL) == 0 || strcmp(v, "2025-03-26") == 0 ||
	       strcmp(v, "2024-11-05") == 0 || strcmp(v, "2025-11-25") == 0;
}

void mcp_msg_free(struct mcp_msg *m)
{
	free(m->tok);
	m->tok = NULL;
}

int mcp_decode(struct mcp_msg *m, const char *s, size_t n, char *errbuf)
{
	static const struct json_key keys[] = {JSON_KEY("jsonrpc"), JSON_KEY("id"),
	                                       JSON_KEY("method"),  JSON_KEY("params"),
	                                       JSON_KEY("result"),  JSON_KEY("error")};
	int k[6], err;
	int64_t id;

	memset(m, 0, sizeof *m);
	err = json_parse_alloc(&m->doc, s, n, &m->tok);
	if (err) {
		mcp_msg_free(m);
		if (err == DBX_ERR_NOMEM)
			return err;
		errbuf_set(errbuf, "not a JSON-RPC message: %s at byte %zu", m->doc.err_what,
		           m->doc.err_off);
		return DBX_ERR_PROTOCOL;
	}
	if (json_type(&m->doc, 0) != JSON_OBJECT) {
		errbuf_set(errbuf, "not a JSON-RPC message: %s",
		           json_type(&m->doc, 0) == JSON_ARRAY
		               ? "a batch (dbxai takes one at a time)"
		               : "not a JSON object");
		goto bad_free;
	}
	json_get_many(&m->doc, 0, keys, 6, k);
	if (!json_streq(&m->doc, k[0], "2.0")) {
		errbuf_set(errbuf, "not a JSON-RPC message: \"jsonrpc\" is not \"2.0\"");
		goto bad_free;
	}
	m->id = -1;
	m->id_tok = k[1];
	m->method = k[2];
	m->params = k[3];
	m->result = k[4];
	m->error = k[5];
	if (k[1] >= 0 && json_type(&m->doc, k[1]) != JSON_STRING &&
	    json_type(&m->doc, k[1]) != JSON_NUMBER && !json_is_null(&m->doc, k[1])) {
		errbuf_set(errbuf, "bad JSON-RPC message: \"id\" is not a string or a number");
		goto bad_free;
	}
	if (k[2] >= 0) {
		if (json_type(&m->doc, k[2]) != JSON_STRING) {
			errbuf_set(errbuf, "bad JSON-RPC message: \"method\" is not a string");
			goto bad_free;
		}
		m->kind = k[1] >= 0 ? MCP_REQUEST : MCP_NOTIFICATION;
		return DBX_OK;
	}
	if (k[1] < 0 || (k[4] < 0) == (k[5] < 0)) {
		errbuf_set(errbuf, "bad JSON-RPC message: neither a request, a notification "
		                   "nor an answer with one result or error");
		goto bad_free;
	}
	if (k[5] >= 0 && json_type(&m->doc, k[5]) != JSON_OBJECT) {
		errbuf_set(errbuf, "bad JSON-RPC message: \"error\" is not an object");
		goto bad_free;
	}
	m->kind = MCP_ANSWER;
	if (json_int(&m->doc, k[1], &id) == DBX_OK && id >= 0)
		m->id = id;
	return DBX_OK;
bad_free:
	mcp_msg_free(m);
	return DBX_ERR_PROTOCOL;
}

int mcp_method_is(const struct mcp_msg *m, const char *name)
{
	return m->method >= 0 && json_streq(&m->doc, m->method, name);
}

void mcp_error_text(const struct mcp_msg *m, char *errbuf)
{
	int msg = json_get(&m->doc, m->error, "message");
	int64_t code = 0;
	char text[256] = "";

	if (json_str(&m->doc, msg, text, sizeof text, NULL) == DBX_ERR_LIMIT)
		memcpy(text + sizeof text - 4, "...", 4);
	(void)json_int(&m->doc, json_get(&m->doc, m->error, "code"), &code);
	errbuf_set(errbuf, "%s (error %lld)", text[0] ? text : "no message", (long long)code);
}

static int put(struct buf *out, const char *s)
{
	return buf_append(out, s, strlen(s));
}

int mcp_request(struct buf *out, long long id, const char *method, const char *params, size_t plen)
{
	char head[64];

	put(out, "{\"jsonrpc\":\"2.0\",");
	if (id >= 0) {
		snprintf(head, sizeof head, "\"id\":%lld,", id);
		put(out, head);
	}
	put(out, "\"method\":\"");
	put(out, method);
	put(out, "\"");
	if (params) {
		put(out, ",\"params\":");
		buf_append(out, params, plen);
	}
	return put(out, "}") ? out->err : DBX_OK;
}

int mcp_answer(struct buf *out, const struct mcp_msg *req, int code, const char *message)
{
	char tail[256];
	const char *id = "null";
	size_t idlen = 4;

	if (req->id_tok >= 0)
		(void)json_raw(&req->doc, req->id_tok, &id, &idlen);
	put(out, "{\"jsonrpc\":\"2.0\",\"id\":");
	buf_append(out, id, idlen);
	if (code)
		snprintf(tail, sizeof tail, ",\"error\":{\"code\":%d,\"message\":\"%s\"}}", code,
		         message);
	else
		snprintf(tail, sizeof tail, ",\"result\":{}}");
	return put(out, tail) ? out->err : DBX_OK;
}

int mcp_call_params(struct buf *out, const char *tool, const char *args, size_t alen, char *errbuf)
{
	struct json_tok *tok = NULL;
	struct json_doc d;
	struct json_w w;
	char name[6 * 256 + 16];
	size_t len = 0;
	int err;

	while (alen && strchr(" \t\r\n", args[alen - 1]))
		alen--;
	if (alen == 0) {
		args = "{}";
		alen = 2;
	}
	err = json_parse_alloc(&d, args, alen, &tok);
	if (!err && json_type(&d, 0) != JSON_OBJECT)
		err = DBX_ERR_USAGE;
	free(tok);
	if (err == DBX_ERR_NOMEM)
		return err;
	if (err) {
		errbuf_set(errbuf, "the model's arguments for %s are not a JSON object%s%s", tool,
		           err == DBX_ERR_USAGE ? "" : ": ",
		           err == DBX_ERR_USAGE ? "" : d.err_what);
		return DBX_ERR_USAGE;
	}
	json_w_init(&w, name, sizeof name);
	json_w_str(&w, tool);
	if (json_w_finish(&w, &len))
		return DBX_ERR_LIMIT;
	put(out, "{\"name\":");
	buf_append(out, name, len);
	put(out, ",\"arguments\":");
	buf_append(out, args, alen);
	return put(out, "}") ? out->err : DBX_OK;
}

void mcp_sanitise(const char *s, char *out, size_t cap)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < cap; i++) {
		char c = s[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		         (c >= '0' && c <= '9') || c == '_' || c == '-';
		out[i] = ok ? c : '_';
	}
	out[i] = '\0';
}

/* String t unescaped into malloc'd memory ("" when t is not a string). */
static char *dup_str(const struct json_doc *d, int t)
{
	size_t n = json_strlen(d, t);
	char *s = malloc(n + 1);

	if (s && json_str(d, t, s, n + 1, NULL) != DBX_OK)
		s[0] = '\0';
	return s;
}

static char *dup_raw(const struct json_doc *d, int t)
{
	const char *p = "{\"type\":\"object\"}";
	size_t n = strlen(p);
	char *s;

	if (json_type(d, t) == JSON_OBJECT)
		(void)json_raw(d, t, &p, &n);
	s = malloc(n + 1);
	if (s) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

void mcp_tools_free(struct mcp_tool *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(t[i].name);
		free(t[i].description);
		free(t[i].schema);
	}
	free(t);
}

static unsigned read_hints(const struct json_doc *d, int ann)
{
	static const char *const names[] = {"readOnlyHint", "destructiveHint", "idempotentHint",
	                                    "openWorldHint"};
	unsigned h = 0, i;
	bool v;

	for (i = 0; i < 4; i++)
		if (json_bool(d, json_get(d, ann, names[i]), &v) == DBX_OK && v)
			h |= 1u << i;
	return h;
}

int mcp_read_tools(const struct mcp_msg *m, struct mcp_tool **tools, size_t *n, char **cursor,
                   char *errbuf)
{
	const struct json_doc *d = &m->doc;
	int arr = json_get(d, m->result, "tools"), t, next;
	size_t add = (size_t)json_size(d, arr), i = *n;
	struct mcp_tool *all;

	free(*cursor);
	*cursor = NULL;
	if (json_type(d, arr) != JSON_ARRAY) {
		errbuf_set(errbuf, "bad tools/list answer: no \"tools\" array");
		return DBX_ERR_PROTOCOL;
	}
	all = realloc(*tools, (*n + add + 1) * sizeof *all);
	if (!all)
		return DBX_ERR_NOMEM;
	*tools = all;
	for (t = json_child(d, arr); t >= 0; t = json_next(d, t)) {
		int name = json_get(d, t, "name");
		struct mcp_tool *x = &all[i];
		if (json_type(d, name) != JSON_STRING || json_strlen(d, name) == 0) {
			errbuf_set(errbuf, "bad tools/list answer: tools[%zu] has no \"name\"",
			           i - *n);
			return DBX_ERR_PROTOCOL;
		}
		memset(x, 0, sizeof *x);
		x->name = dup_str(d, name);
		x->description = dup_str(d, json_get(d, t, "description"));
		x->schema = dup_raw(d, json_get(d, t, "inputSchema"));
		x->hints = read_hints(d, json_get(d, t, "annotations"));
		i++;
		*n = i; /* what is in the array is freed with it, even on failure */
		if (!x->name || !x->description || !x->schema)
			return DBX_ERR_NOMEM;
	}
	next = json_get(d, m->result, "nextCursor");
	if (json_type(d, next) == JSON_STRING && json_strlen(d, next) > 0) {
		*cursor = dup_str(d, next);
		if (!*cursor)
			return DBX_ERR_NOMEM;
	}
	return DBX_OK;
}

/* Appends s[0..n) as far as MCP_RESULT_MAX allows; *cut set when not all fit. */
static void add(struct buf *text, const char *s, size_t n, int *cut)
{
	size_t room = text->len < MCP_RESULT_MAX ? MCP_RESULT_MAX - text->len : 0;

	if (n > room) {
		*cut = 1;
		while (room && (s[room] & 0xc0) == 0x80)
			room--; /* not inside a UTF-8 sequence */
		n = room;
	}
	buf_append(text, s, n);
}

/* Appends a placeholder for a part that is not text. */
static void placeholder(struct buf *text, const struct json_doc *d, int part, const char *type,
                        int *cut)
{
	char line[256], mime[64] = "", uri[128] = "";
	size_t b64 = json_strlen(d, json_get(d, part, "data"));
	int res = json_get(d, part, "resource");

	(void)json_str(d, json_get(d, part, "mimeType"), mime, sizeof mime, NULL);
	(void)json_str(d, json_get(d, res >= 0 ? res : part, "uri"), uri, sizeof uri, NULL);
	if (b64)
		snprintf(line, sizeof line, "[%s: %s, %.1f KiB]", type, mime[0] ? mime : "?",
		         b64 * 3.0 / 4 / 1024);
	else
		snprintf(line, sizeof line, "[%s: %s]", type, uri[0] ? uri : mime[0] ? mime : "?");
	add(text, line, strlen(line), cut);
}

int mcp_read_result(const struct mcp_msg *m, struct buf *text, int *is_error, char *errbuf)
{
	const struct json_doc *d = &m->doc;
	int content = json_get(d, m->result, "content"), part, first = 1, cut = 0;
	size_t whole = 0;
	bool b = false;

	(void)errbuf;
	*is_error = json_bool(d, json_get(d, m->result, "isError"), &b) == DBX_OK && b;
	for (part = json_child(d, content); part >= 0 && json_type(d, content) == JSON_ARRAY;
	     part = json_next(d, part)) {
		int type = json_get(d, part, "type");
		if (!first)
			add(text, "\n", 1, &cut);
		first = 0;
		whole++;
		if (json_streq(d, type, "text")) {
			int t = json_get(d, part, "text");
			size_t n = json_strlen(d, t);
			char *s = dup_str(d, t);
			if (!s)
				return DBX_ERR_NOMEM;
			whole += n;
			add(text, s, n, &cut);
			free(s);
		} else {
			char kind[32] = "content";
			(void)json_str(d, type, kind, sizeof kind, NULL);
			placeholder(text, d, part, kind, &cut);
		}
	}
	if (first) {
		int sc = json_get(d, m->result, "structuredContent");
		const char *p;
		size_t n;
		if (sc >= 0 && json_raw(d, sc, &p, &n) == DBX_OK) {
			whole = n;
			add(text, p, n, &cut);
		}
	}
	if (cut) {
		char note[96];
		snprintf(note, sizeof note, "\n[dbxai: the result was cut at 64 KiB of %.1f KiB]",
		         whole / 1024.0);
		put(text, note);
	}
	return text->err == DBX_ERR_NOMEM ? DBX_ERR_NOMEM : DBX_OK;
}
