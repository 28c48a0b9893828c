/*
 * test_mlagent.c - the agent wire formats (mlagent.h): exact request bodies
 * for ChatAgent and ResponsesAgent (custom_inputs, return_trace, system), and
 * the decoders: text, the agent's own steps as remote events (never text, never
 * calls for the caller), the trace, streamed and whole.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbxai.h"
#include "harness.h"
#include "mlagent.h"

static char log_[8192];
static size_t log_len;

static int on_event(void *ctx, const struct dbx_event *ev)
{
	(void)ctx;
	switch (ev->type) {
	case DBX_EV_TEXT:
		log_len += (size_t)snprintf(log_ + log_len, sizeof log_ - log_len, "T[%.*s]",
		                            (int)ev->text_len, ev->text);
		break;
	case DBX_EV_TOOL_CALL:
		log_len += (size_t)snprintf(log_ + log_len, sizeof log_ - log_len,
		                            "C%d[%s|%s|%.*s]", ev->remote, ev->id, ev->name,
		                            (int)ev->arguments_len, ev->arguments);
		break;
	case DBX_EV_TOOL_RESULT:
		log_len +=
		    (size_t)snprintf(log_ + log_len, sizeof log_ - log_len, "R%d[%s|%s|%.*s]",
		                     ev->remote, ev->id, ev->name, (int)ev->text_len, ev->text);
		break;
	case DBX_EV_DONE:
		log_len += (size_t)snprintf(log_ + log_len, sizeof log_ - log_len, "D[%s]",
		                            ev->finish_reason);
		break;
	default:
		break;
	}
	return 0;
}

static struct reply reply;
static int delivered;

static void start(void)
{
	reply_free(&reply);
	memset(&reply, 0, sizeof reply);
	reply.cb = on_event;
	reply.delivered = &delivered;
	log_len = 0;
	log_[0] = 0;
}

static void feed(const struct wire *w, const char *const *evs, const char *want, const char *trace)
{
	size_t i;

	start();
	for (i = 0; evs[i]; i++)
		CHECK(w->event(&reply, evs[i], strlen(evs[i])) == DBX_OK, "%s event %zu", w->name,
		      i);
	CHECK(reply_finish(&reply) == DBX_OK, "%s finish", w->name);
	CHECK(strcmp(log_, want) == 0, "%s events:\n got  %s\n want %s", w->name, log_, want);
	CHECK(trace
	          ? reply.trace.len == strlen(trace) && !memcmp(reply.trace.p, trace, strlen(trace))
	          : reply.trace.len == 0,
	      "%s trace", w->name);
}

static void test_chat_agent(void)
{
	static const char *const evs[] = {
	    "{\"id\":\"c0\",\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"id\":\"m1\","
	    "\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":"
	    "\"lookup\",\"arguments\":\"{\\\"q\\\":1}\"}}]}}",
	    "{\"id\":\"c1\",\"delta\":{\"role\":\"tool\",\"content\":\"42\",\"name\":\"lookup\","
	    "\"tool_call_id\":\"call_1\",\"id\":\"m2\"}}",
	    "{\"id\":\"c2\",\"delta\":{\"role\":\"assistant\",\"content\":\"It is "
	    "\",\"id\":\"m3\"}}",
	    "{\"id\":\"c3\",\"delta\":{\"role\":\"assistant\",\"content\":\"42.\",\"id\":\"m3\"},"
	    "\"databricks_output\":{\"trace\":{\"t\":1}}}",
	    NULL};
	static const char *const whole[] = {
	    "{\"messages\":[{\"role\":\"assistant\",\"content\":\"\",\"id\":\"m1\",\"tool_calls\":"
	    "[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"lookup\","
	    "\"arguments\":\"{}\"}}]},{\"role\":\"tool\",\"content\":\"42\",\"name\":\"lookup\","
	    "\"tool_call_id\":\"call_1\",\"id\":\"m2\"},{\"role\":\"assistant\",\"content\":"
	    "\"It is 42.\",\"id\":\"m3\"}]}",
	    NULL};

	feed(&agent_chat_wire, evs,
	     "C1[call_1|lookup|{\"q\":1}]R1[call_1|lookup|42]T[It is ]T[42.]D[stop]", "{\"t\":1}");
	start();
	CHECK(agent_chat_wire.whole(&reply, whole[0], strlen(whole[0])) == DBX_OK, "whole");
	reply_finish(&reply);
	CHECK(strcmp(log_, "C1[call_1|lookup|{}]R1[call_1|lookup|42]T[It is 42.]D[stop]") == 0,
	      "chat agent whole: %s", log_);
}

static void test_responses_agent(void)
{
	static const char *const evs[] = {
	    "{\"type\":\"response.output_item.added\",\"item\":{\"type\":\"function_call\","
	    "\"call_id\":\"c1\",\"name\":\"f\",\"arguments\":\"\"}}",
	    "{\"type\":\"response.function_call_arguments.delta\",\"delta\":\"{}\"}",
	    "{\"type\":\"response.output_item.done\",\"item\":{\"type\":\"function_call\","
	    "\"call_id\":\"c1\",\"name\":\"f\",\"arguments\":\"{}\"}}",
	    "{\"type\":\"response.output_item.done\",\"item\":{\"type\":"
	    "\"function_call_output\",\"call_id\":\"c1\",\"output\":{\"rows\":2}}}",
	    "{\"type\":\"response.output_text.delta\",\"item_id\":\"m\",\"delta\":\"two\"}",
	    "{\"type\":\"response.output_item.done\",\"item\":{\"type\":\"message\",\"content\":"
	    "[{\"type\":\"output_text\",\"text\":\"two\"}]}}",
	    NULL};
	/* no deltas: the done message gives the text */
	static const char *const done_only[] = {
	    "{\"type\":\"response.output_item.done\",\"item\":{\"type\":\"message\",\"content\":"
	    "[{\"type\":\"output_text\",\"text\":\"whole\"}]}}",
	    "{\"databricks_output\":{\"trace\":[1,2]}}", NULL};

	feed(&agent_resp_wire, evs, "C1[c1|f|{}]R1[c1||{\"rows\":2}]T[two]D[stop]", NULL);
	feed(&agent_resp_wire, done_only, "T[whole]D[stop]", "[1,2]");
}

static void test_bodies(void)
{
	struct dbx_chat_request rq;
	struct shape s;
	char *body = NULL, errbuf[DBX_ERRBUF_SIZE] = "";
	size_t len = 0;
	char *trace = NULL;
	static const char msgs[] = "[{\"role\":\"system\",\"content\":\"old\"},"
	                           "{\"role\":\"user\",\"content\":\"a\"}]";

	memset(&rq, 0, sizeof rq);
	memset(&s, 0, sizeof s);
	rq.prompt = "hi";
	rq.messages_json = msgs;
	rq.messages_len = sizeof msgs - 1;
	rq.custom_inputs_json = "{\"k\": 1}";
	rq.custom_inputs_len = 8;
	rq.trace = &trace;
	CHECK(shape_parse(&rq, &s, errbuf) == DBX_OK, "parse: %s", errbuf);
	CHECK(agent_chat_wire.body(&rq, &s, "m", 1, &body, &len, errbuf) == DBX_OK, "chat body");
	CHECK(body &&
	          strcmp(body, "{\"messages\":[{\"role\":\"system\",\"content\":\"old\"},"
	                       "{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"user\","
	                       "\"content\":\"hi\"}],\"stream\":true,\"custom_inputs\":"
	                       "{\"k\": 1},\"databricks_options\":{\"return_trace\":true}}") == 0,
	      "chat agent body: %s", body);
	free(body);
	rq.system = "new";
	rq.no_stream = 1;
	rq.trace = NULL;
	CHECK(agent_resp_wire.body(&rq, &s, "m", 1, &body, &len, errbuf) == DBX_OK, "resp body");
	CHECK(body && strcmp(body, "{\"input\":[{\"role\":\"system\",\"content\":\"new\"},"
	                           "{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"user\","
	                           "\"content\":\"hi\"}],\"stream\":false,\"custom_inputs\":"
	                           "{\"k\": 1}}") == 0,
	      "responses agent body: %s", body);
	free(body);
	shape_free(&s);
}

int main(void)
{
	RUN(test_chat_agent);
	RUN(test_responses_agent);
	RUN(test_bodies);
	reply_free(&reply);
	return harness_done("mlagent");
}
