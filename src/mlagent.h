/*
 * mlagent.h - the wire formats of agents served by Databricks Model Serving
 * (the Mosaic AI Agent Framework) at POST /serving-endpoints/{name}/invocations
 * in MLflow's agent schemas:
 * - ChatAgent (agent/v1/chat, agent/v2/chat): request {"messages": [{"role",
 *   "content"}], "stream"} (+ "custom_inputs", "databricks_options"); each
 *   streamed chunk {"id", "delta": message}, where an assistant delta carries
 *   a piece of text (with the message's "id") or tool calls, and a "tool"
 *   delta the output of a step; the whole answer {"messages": [...]}.
 * - ResponsesAgent (agent/v1/responses): a Responses API request ("input",
 *   "stream") and Responses events back; function_call and
 *   function_call_output items are the agent's own steps.
 *
 * Rules: the agent's tool calls and their outputs are steps it ran itself:
 * they reach the caller at once as events with remote set (reply_remote()),
 * never as text and never as calls for the caller to run. A trace the
 * endpoint returns ("databricks_output": {"trace": ...}, asked for with
 * "databricks_options": {"return_trace": true}) is kept in the reply. No
 * tools, temperature or token limits are sent: the agent owns its model;
 * --param fields are merged as for the other formats.
 */
#ifndef MLAGENT_H
#define MLAGENT_H

#include "wire.h"

extern const struct wire agent_chat_wire, agent_resp_wire;

#endif
