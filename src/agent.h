/*
 * agent.h - the agent loop (dbx_chat_agent): a model turn, then each MCP tool
 * call it asked for (approved by the caller) run through the servers of an
 * mcp_set, the results appended as tool messages, the next turn; until a turn
 * without tool calls, the turn limit or an error. Prints nothing.
 *
 * Rules: return convention of err.h. The conversation travels in the chat
 * format (assistant tool_calls, role "tool"), which both wire formats take.
 */
#ifndef AGENT_H
#define AGENT_H

#include "err.h"

struct provider;
struct mcp_set;

int agent_run(struct provider *p, struct mcp_set *set, const struct dbx_chat_request *rq,
              const struct dbx_agent_options *ao, dbx_event_fn cb, void *ctx, char *errbuf);

#endif
