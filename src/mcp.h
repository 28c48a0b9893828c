/*
 * mcp.h - the Model Context Protocol's messages (JSON-RPC 2.0, revision
 * MCP_PROTOCOL, also 2025-03-26 and 2024-11-05): the requests, notifications
 * and answers dbxai writes, one decoder that sorts what a server sends into an
 * answer, a request or a notification, and the readers of the two results the
 * agent uses (tools/list, tools/call). Pure: no I/O (mcpsrv.c moves them).
 *
 * Rules: return convention of err.h; a decoded message owns its token array
 * (mcp_msg_free) and borrows its text, which must outlive it.
 */
#ifndef MCP_H
#define MCP_H

#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "json.h"

#define MCP_PROTOCOL "2025-06-18"
#define MCP_MSG_MAX (16u << 20)    /* one message from a server */
#define MCP_RESULT_MAX (64u << 10) /* tool result text passed to the model */
#define MCP_NAME_MAX DBX_MCP_NAME_MAX

/* JSON-RPC's error codes that dbxai writes. */
#define MCP_METHOD_NOT_FOUND -32601

/* Whether a protocol revision a server answered is one dbxai speaks. */
int mcp_version_ok(const char *v);

enum mcp_kind { MCP_ANSWER = 1, MCP_REQUEST, MCP_NOTIFICATION };

struct mcp_msg {
	struct json_doc doc;
	struct json_tok *tok; /* owned */
	enum mcp_kind kind;
	long long id;              /* an answer's id when it is a whole number, else -1 */
	int id_tok;                /* the id (a request's is echoed in the answer), or -1 */
	int method;                /* requests and notifications */
	int params, result, error; /* -1 when absent; an answer has one of the
	                              last two */
};

/* Decodes s[0..n) (one JSON-RPC message; a batch is refused). DBX_ERR_PROTOCOL
 * naming what is wrong; DBX_ERR_NOMEM. m->tok is NULL after a failure. */
int mcp_decode(struct mcp_msg *m, const char *s, size_t n, char *errbuf);
void mcp_msg_free(struct mcp_msg *m);
/* Whether m's method is name. */
int mcp_method_is(const struct mcp_msg *m, const char *name);
/* An error answer's message and code, in words, into errbuf. */
void mcp_error_text(const struct mcp_msg *m, char *errbuf);

/* Appends one message (no newline) to out. id < 0 makes a notification;
 * params (plen bytes, valid JSON) may be NULL. */
int mcp_request(struct buf *out, long long id, const char *method, const char *params, size_t plen);
/* Answers request req: code 0 with an empty result, else an error. */
int mcp_answer(struct buf *out, const struct mcp_msg *req, int code, const char *message);
/* tools/call's params for tool with the model's arguments (a JSON object;
 * empty means {}). DBX_ERR_USAGE naming the fault when they are not one. */
int mcp_call_params(struct buf *out, const char *tool, const char *args, size_t alen, char *errbuf);

/* One tool a server offers. Strings are owned (mcp_tools_free). */
#define MCP_HINT_READ_ONLY 1
#define MCP_HINT_DESTRUCTIVE 2
#define MCP_HINT_IDEMPOTENT 4
#define MCP_HINT_OPEN_WORLD 8
struct mcp_tool {
	char *name;
	char *description;                /* "" when none */
	char *schema;                     /* inputSchema as it came (JSON object text) */
	unsigned hints;                   /* MCP_HINT_* the server set true */
	char qualified[MCP_NAME_MAX + 1]; /* SERVER__TOOL, filled by mcpsrv */
};

/* Appends the tools of a tools/list answer to *tools (*n of them); *cursor
 * (freed and replaced; NULL at the last page) gets nextCursor. */
int mcp_read_tools(const struct mcp_msg *m, struct mcp_tool **tools, size_t *n, char **cursor,
                   char *errbuf);
void mcp_tools_free(struct mcp_tool *t, size_t n);

/* A tools/call answer as the text the model gets: text parts joined by
 * newlines, other content as a short placeholder ("[image: image/png, 12 KiB]"),
 * structuredContent when there is no content; cut at MCP_RESULT_MAX with a
 * notice. text is buf_init'ed by the caller; *is_error from isError. */
int mcp_read_result(const struct mcp_msg *m, struct buf *text, int *is_error, char *errbuf);

/* Tool and server names as the model sees them: characters outside
 * [A-Za-z0-9_-] become '_', cut at cap - 1 bytes. */
void mcp_sanitise(const char *s, char *out, size_t cap);

#endif
