/*
 * test_mcp.c - the MCP messages (mcp.c): the decoder over a table of what
 * servers send (answers, requests, notifications, and what is not JSON-RPC),
 * the writers (requests, notifications, answers to a server's request with
 * its own id, tools/call params), the readers of tools/list (pages, hints,
 * missing parts) and tools/call (text joined, placeholders, structured
 * content, the 64 KiB cut on a UTF-8 boundary), and the name sanitiser.
 * Decoded inputs end right before a PROT_NONE page.
 */
#include "dbxai.h"
#include "harness.h"

#include "mcp.h"

struct drow {
	const char *in;
	int err;            /* DBX_OK or DBX_ERR_PROTOCOL */
	enum mcp_kind kind; /* when DBX_OK */
	long long id;
	const char *why; /* in the message when refused */
};

static const struct drow drows[] = {
    {"{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{}}", DBX_OK, MCP_ANSWER, 7, NULL},
    {"{\"jsonrpc\":\"2.0\",\"id\":8,\"error\":{\"code\":-1,\"message\":\"x\"}}", DBX_OK, MCP_ANSWER,
     8, NULL},
    {"{\"id\":\"a\",\"jsonrpc\":\"2.0\",\"result\":{}}", DBX_OK, MCP_ANSWER, -1, NULL},
    {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", DBX_OK, MCP_REQUEST, -1, NULL},
    {"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\"}", DBX_OK,
     MCP_NOTIFICATION, -1, NULL},
    {"this is not json", DBX_ERR_PROTOCOL, 0, 0, "not a JSON-RPC message"},
    {"[{\"jsonrpc\":\"2.0\",\"method\":\"ping\",\"id\":1}]", DBX_ERR_PROTOCOL, 0, 0, "batch"},
    {"{\"jsonrpc\":\"1.0\",\"id\":1,\"result\":{}}", DBX_ERR_PROTOCOL, 0, 0, "\"2.0\""},
    {"{\"jsonrpc\":\"2.0\",\"id\":1}", DBX_ERR_PROTOCOL, 0, 0, "neither"},
    {"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{},\"error\":{}}", DBX_ERR_PROTOCOL, 0, 0,
     "neither"},
    {"{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":\"bad\"}", DBX_ERR_PROTOCOL, 0, 0, "not an object"},
    {"{\"jsonrpc\":\"2.0\",\"id\":[1],\"result\":{}}", DBX_ERR_PROTOCOL, 0, 0, "\"id\""},
    {"{\"jsonrpc\":\"2.0\",\"method\":3}", DBX_ERR_PROTOCOL, 0, 0, "\"method\""},
    {"17", DBX_ERR_PROTOCOL, 0, 0, "not a JSON object"},
};

static void test_decode(void)
{
	char errbuf[DBX_ERRBUF_SIZE];
	size_t i;

	for (i = 0; i < sizeof drows / sizeof drows[0]; i++) {
		const struct drow *r = &drows[i];
		struct harness_guarded g = harness_guard(r->in, strlen(r->in));
		struct mcp_msg m;
		int err;
		errbuf[0] = '\0';
		err = mcp_decode(&m, (const char *)g.data, strlen(r->in), errbuf);
		CHECK(err == r->err, "row %zu: %s, want %s (%s)", i, harness_errname(err),
		      harness_errname(r->err), errbuf);
		if (!err) {
			CHECK(m.kind == r->kind, "row %zu: kind %d", i, (int)m.kind);
			if (r->kind == MCP_ANSWER)
				CHECK(m.id == r->id, "row %zu: id %lld", i, m.id);
		} else {
			CHECK(m.tok == NULL, "row %zu: tokens kept after a failure", i);
			CHECK(strstr(errbuf, r->why) != NULL, "row %zu: '%s' lacks '%s'", i, errbuf,
			      r->why);
		}
		mcp_msg_free(&m);
		harness_unguard(&g);
	}
}

static void test_writers(void)
{
	char errbuf[DBX_ERRBUF_SIZE];
	const char *req = "{\"jsonrpc\":\"2.0\",\"id\":\"s-1\",\"method\":\"roots/list\"}";
	struct mcp_msg m;
	struct buf b;

	buf_init(&b, 1 << 20);
	CHECK(mcp_request(&b, 3, "tools/list", "{\"cursor\":\"c\"}", 14) == DBX_OK, "request");
	CHECK(b.p && strcmp(b.p, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\","
	                         "\"params\":{\"cursor\":\"c\"}}") == 0,
	      "request: %s", b.p);
	buf_clear(&b);
	CHECK(mcp_request(&b, -1, "notifications/initialized", NULL, 0) == DBX_OK, "notify");
	CHECK(strcmp(b.p, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}") == 0,
	      "notification: %s", b.p);
	buf_clear(&b);
	CHECK(mcp_decode(&m, req, strlen(req), errbuf) == DBX_OK, "%s", errbuf);
	CHECK(mcp_answer(&b, &m, MCP_METHOD_NOT_FOUND, "nope") == DBX_OK, "answer");
	CHECK(strcmp(b.p, "{\"jsonrpc\":\"2.0\",\"id\":\"s-1\",\"error\":{\"code\":-32601,"
	                  "\"message\":\"nope\"}}") == 0,
	      "answer: %s", b.p);
	buf_clear(&b);
	CHECK(mcp_answer(&b, &m, 0, NULL) == DBX_OK && strcmp(b.p, "{\"jsonrpc\":\"2.0\",\"id\":"
	                                                           "\"s-1\",\"result\":{}}") == 0,
	      "empty result: %s", b.p);
	mcp_msg_free(&m);
	buf_clear(&b);
	CHECK(mcp_call_params(&b, "read \"x\"", " {\"path\": \"/a\"}\n", 16, errbuf) == DBX_OK,
	      "params: %s", errbuf);
	CHECK(strcmp(b.p, "{\"name\":\"read \\\"x\\\"\",\"arguments\": {\"path\": \"/a\"}}") == 0,
	      "params: %s", b.p);
	buf_clear(&b);
	CHECK(mcp_call_params(&b, "t", "", 0, errbuf) == DBX_OK &&
	          strcmp(b.p, "{\"name\":\"t\",\"arguments\":{}}") == 0,
	      "empty arguments: %s", b.p ? b.p : "");
	buf_clear(&b);
	CHECK(mcp_call_params(&b, "t", "[1]", 3, errbuf) == DBX_ERR_USAGE &&
	          strstr(errbuf, "not a JSON object"),
	      "array arguments: %s", errbuf);
	CHECK(mcp_call_params(&b, "t", "{\"a\":", 5, errbuf) == DBX_ERR_USAGE &&
	          strstr(errbuf, "arguments for t"),
	      "cut arguments: %s", errbuf);
	buf_free(&b);
	CHECK(mcp_version_ok("2025-06-18") && mcp_version_ok("2025-03-26") &&
	          mcp_version_ok("2024-11-05") && !mcp_version_ok("2023-01-01") &&
	          !mcp_version_ok(""),
	      "protocol revisions");
}

/* Decodes s from guarded memory, which m borrows until mcp_msg_free (the
 * mapping is left for the process's end: a few pages per test). */
static int decode(struct mcp_msg *m, const char *s)
{
	char errbuf[DBX_ERRBUF_SIZE];
	struct harness_guarded g = harness_guard(s, strlen(s));
	return mcp_decode(m, (const char *)g.data, strlen(s), errbuf);
}

static void test_tools(void)
{
	char errbuf[DBX_ERRBUF_SIZE], *cursor = NULL;
	struct mcp_tool *tools = NULL;
	struct mcp_msg m;
	size_t n = 0;

	CHECK(decode(&m, "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"tools\":[{\"name\":\"echo\","
	                 "\"description\":\"Echo\\nback\",\"inputSchema\":{\"type\":\"object\"},"
	                 "\"annotations\":{\"readOnlyHint\":true,\"openWorldHint\":false}},"
	                 "{\"name\":\"add\"}],\"nextCursor\":\"p2\"}}") == DBX_OK,
	      "page 1");
	CHECK(mcp_read_tools(&m, &tools, &n, &cursor, errbuf) == DBX_OK, "%s", errbuf);
	mcp_msg_free(&m);
	CHECK(n == 2 && cursor && strcmp(cursor, "p2") == 0, "%zu tools, cursor %s", n,
	      cursor ? cursor : "NULL");
	CHECK(n == 2 && strcmp(tools[0].description, "Echo\nback") == 0 &&
	          strcmp(tools[0].schema, "{\"type\":\"object\"}") == 0 &&
	          tools[0].hints == MCP_HINT_READ_ONLY,
	      "first tool");
	CHECK(n == 2 && strcmp(tools[1].description, "") == 0 &&
	          strcmp(tools[1].schema, "{\"type\":\"object\"}") == 0 && tools[1].hints == 0,
	      "a tool with no description and no schema");
	CHECK(decode(&m,
	             "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"tools\":[{\"name\":\"x\"}]}}") ==
	          DBX_OK,
	      "page 2");
	CHECK(mcp_read_tools(&m, &tools, &n, &cursor, errbuf) == DBX_OK && n == 3 && !cursor,
	      "pages add up: %zu", n);
	mcp_msg_free(&m);
	CHECK(decode(&m,
	             "{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":{\"tools\":[{\"title\":\"x\"}]}}") ==
	          DBX_OK,
	      "nameless");
	CHECK(mcp_read_tools(&m, &tools, &n, &cursor, errbuf) == DBX_ERR_PROTOCOL &&
	          strstr(errbuf, "no \"name\""),
	      "nameless tool: %s", errbuf);
	mcp_msg_free(&m);
	CHECK(decode(&m, "{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{}}") == DBX_OK, "no tools");
	CHECK(mcp_read_tools(&m, &tools, &n, &cursor, errbuf) == DBX_ERR_PROTOCOL, "no array");
	mcp_msg_free(&m);
	mcp_tools_free(tools, n);
	free(cursor);
}

static void result_of(const char *json, const char *want, int want_error)
{
	char errbuf[DBX_ERRBUF_SIZE];
	struct mcp_msg m;
	struct buf text;
	int is_error = -1;

	buf_init(&text, MCP_RESULT_MAX + 128);
	CHECK(decode(&m, json) == DBX_OK, "decode %.60s", json);
	CHECK(mcp_read_result(&m, &text, &is_error, errbuf) == DBX_OK, "read");
	CHECK(strcmp(text.p ? text.p : "", want) == 0, "result '%s', want '%s'",
	      text.p ? text.p : "", want);
	CHECK(is_error == want_error, "is_error %d", is_error);
	mcp_msg_free(&m);
	buf_free(&text);
}

static void test_results(void)
{
	char errbuf[DBX_ERRBUF_SIZE];
	size_t big = MCP_RESULT_MAX + 5000, k;
	char *json = malloc(big + 200), *p;
	struct mcp_msg m;
	struct buf text;
	int is_error;

	result_of("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"content\":[{\"type\":\"text\","
	          "\"text\":\"a\"},{\"type\":\"text\",\"text\":\"b\\u00e9\"}]}}",
	          "a\nb\xc3\xa9", 0);
	result_of(
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"isError\":true,\"content\":[{\"type\":"
	    "\"text\",\"text\":\"no such file\"}]}}",
	    "no such file", 1);
	result_of(
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"content\":[{\"type\":\"image\","
	    "\"mimeType\":\"image/png\",\"data\":\"AAAA\"},{\"type\":\"resource\",\"resource\":"
	    "{\"uri\":\"file:///x\",\"text\":\"t\"}},{\"type\":\"resource_link\",\"uri\":"
	    "\"file:///y\"}]}}",
	    "[image: image/png, 0.0 KiB]\n[resource: file:///x]\n[resource_link: file:///y]", 0);
	result_of("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"structuredContent\":{\"sum\":42}}}",
	          "{\"sum\":42}", 0);
	result_of("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}", "", 0);

	/* the cut: 64 KiB, not inside the two-byte sequence that straddles it */
	p = json + sprintf(json, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"content\":[{\"type\":"
	                         "\"text\",\"text\":\"");
	for (k = 0; k < MCP_RESULT_MAX - 1; k++)
		*p++ = 'x';
	for (k = 0; k < (big - MCP_RESULT_MAX) / 2; k++) {
		*p++ = '\xc3';
		*p++ = '\xa9';
	}
	p += sprintf(p, "\"}]}}");
	buf_init(&text, MCP_RESULT_MAX + 128);
	CHECK(mcp_decode(&m, json, (size_t)(p - json), errbuf) == DBX_OK, "big: %s", errbuf);
	CHECK(mcp_read_result(&m, &text, &is_error, errbuf) == DBX_OK, "big read");
	CHECK(text.len > MCP_RESULT_MAX - 1 && text.len < MCP_RESULT_MAX + 128, "cut to %zu",
	      text.len);
	CHECK(text.p[MCP_RESULT_MAX - 1] == '\n', "the last whole character, then the notice");
	CHECK(strstr(text.p, "[dbxai: the result was cut at 64 KiB of 68.9 KiB]") != NULL,
	      "notice: %s", text.p + MCP_RESULT_MAX - 1);
	mcp_msg_free(&m);
	buf_free(&text);
	free(json);
}

static void test_sanitise(void)
{
	char out[MCP_NAME_MAX + 1];
	char long_name[200];

	mcp_sanitise("mcp-servers/everything", out, sizeof out);
	CHECK(strcmp(out, "mcp-servers_everything") == 0, "%s", out);
	mcp_sanitise("uc functions.v2 \xc3\xa9", out, sizeof out);
	CHECK(strcmp(out, "uc_functions_v2___") == 0, "%s", out);
	memset(long_name, 'a', sizeof long_name - 1);
	long_name[sizeof long_name - 1] = '\0';
	mcp_sanitise(long_name, out, sizeof out);
	CHECK(strlen(out) == MCP_NAME_MAX, "cut to %zu", strlen(out));
}

int main(void)
{
	RUN(test_decode);
	RUN(test_writers);
	RUN(test_tools);
	RUN(test_results);
	RUN(test_sanitise);
	return harness_done("test_mcp");
}
