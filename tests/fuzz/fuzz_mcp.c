/*
 * fuzz_mcp.c - libFuzzer target for the MCP message decoder (mcp.c): the input
 * is one message as a server sends it. Checked: a decoded message is of one
 * kind with the members that kind needs; an answer to a request re-decodes as
 * an answer with the same id; the readers of tools/list and tools/call keep
 * their limits (names non-empty, a result's text within MCP_RESULT_MAX plus
 * its notice); the same bytes as the model's tool arguments give either a
 * refusal or params that decode as JSON.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dbxai.h"
#include "fuzz_common.h"
#include "json.h"
#include "mcp.h"

static void check_answer_to(const struct mcp_msg *req)
{
	char errbuf[DBX_ERRBUF_SIZE];
	struct mcp_msg back;
	struct buf out;

	buf_init(&out, 1 << 16);
	REQUIRE(mcp_answer(&out, req, MCP_METHOD_NOT_FOUND, "no") == DBX_OK);
	REQUIRE(mcp_decode(&back, out.p, out.len, errbuf) == DBX_OK);
	REQUIRE(back.kind == MCP_ANSWER && back.error >= 0);
	mcp_msg_free(&back);
	buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char errbuf[DBX_ERRBUF_SIZE], *text;
	struct mcp_msg m;
	int err;

	if (size > (1u << 20))
		return 0;
	text = malloc(size ? size : 1);
	REQUIRE(text != NULL);
	if (size)
		memcpy(text, data, size);
	err = mcp_decode(&m, text, size, errbuf);
	REQUIRE(err == DBX_OK || err == DBX_ERR_PROTOCOL || err == DBX_ERR_NOMEM);
	if (err) {
		REQUIRE(m.tok == NULL && errbuf[0]);
	} else if (m.kind == MCP_REQUEST) {
		REQUIRE(m.method >= 0 && m.id_tok >= 0);
		check_answer_to(&m);
	} else if (m.kind == MCP_NOTIFICATION) {
		REQUIRE(m.method >= 0 && m.id_tok < 0);
	} else {
		REQUIRE(m.kind == MCP_ANSWER && (m.result >= 0) != (m.error >= 0));
		if (m.error >= 0) {
			mcp_error_text(&m, errbuf);
			REQUIRE(errbuf[0]);
		} else {
			struct mcp_tool *tools = NULL;
			char *cursor = NULL;
			size_t n = 0, i;
			struct buf out;
			int is_error = -1;
			if (mcp_read_tools(&m, &tools, &n, &cursor, errbuf) == DBX_OK)
				for (i = 0; i < n; i++)
					REQUIRE(tools[i].name[0] && tools[i].schema[0] == '{');
			mcp_tools_free(tools, n);
			free(cursor);
			buf_init(&out, MCP_RESULT_MAX + 128);
			REQUIRE(mcp_read_result(&m, &out, &is_error, errbuf) == DBX_OK);
			REQUIRE(is_error == 0 || is_error == 1);
			REQUIRE(out.len <= MCP_RESULT_MAX + 128 && !out.err);
			buf_free(&out);
		}
	}
	mcp_msg_free(&m);
	{
		struct buf params;
		buf_init(&params, MCP_MSG_MAX);
		err = mcp_call_params(&params, "tool", text, size, errbuf);
		REQUIRE(err == DBX_OK || err == DBX_ERR_USAGE);
		if (!err) {
			struct json_tok *tok = NULL;
			struct json_doc d;
			REQUIRE(json_parse_alloc(&d, params.p, params.len, &tok) == DBX_OK);
			REQUIRE(json_type(&d, json_get(&d, 0, "arguments")) == JSON_OBJECT);
			free(tok);
		}
		buf_free(&params);
	}
	free(text);
	return 0;
}
