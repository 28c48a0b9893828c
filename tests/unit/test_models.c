/* test_models.c - the serving-endpoints reply decoder: names, tasks, ready,
 * and a bad list refused whole. */
#include "harness.h"
#include "models.h"

struct seen {
	int n;
	char text[512]; /* "name|task|ready;" for each */
	int stop_after;
};

static int collect(void *ctx, const struct dbx_model *m)
{
	struct seen *s = ctx;
	size_t len = strlen(s->text);
	snprintf(s->text + len, sizeof s->text - len, "%s|%s|%d;", m->name, m->task, m->ready);
	s->n++;
	return s->stop_after && s->n >= s->stop_after;
}

static void test_decode(void)
{
	static const struct {
		const char *body;
		int err;
		const char *want; /* seen text, or words of the error */
	} cases[] = {
	    {"{\"endpoints\":[{\"name\":\"a\",\"task\":\"llm/v1/chat\",\"state\":{\"ready\":"
	     "\"READY\",\"config_update\":\"NOT_UPDATING\"}},{\"name\":\"b\",\"state\":{\"ready\":"
	     "\"NOT_READY\"}},{\"name\":\"c\",\"task\":null},{\"name\":\"d\",\"task\":\"t\","
	     "\"state\":{\"ready\":\"ready\"}}]}",
	     DBX_OK, "a|llm/v1/chat|1;b||0;c||0;d|t|0;"},
	    {"{}", DBX_OK, ""},
	    {"{\"endpoints\":null}", DBX_OK, ""},
	    {"{\"endpoints\":[]}", DBX_OK, ""},
	    {"{\"endpoints\":[{\"name\":\"caf\\u00e9\",\"state\":{\"ready\":\"READY\"}}],"
	     "\"next_page_token\":\"x\"}",
	     DBX_OK, "caf\xc3\xa9||1;"},
	    {"{\"endpoints\":{}}", DBX_ERR_PROTOCOL, "not an array"},
	    {"{\"endpoints\":[{\"name\":\"a\"},{\"task\":\"t\"}]}", DBX_ERR_PROTOCOL,
	     "endpoints[1] has no \"name\""},
	    {"{\"endpoints\":[{\"name\":\"\"}]}", DBX_ERR_PROTOCOL, "no \"name\""},
	    {"{\"endpoints\":[{\"name\":7}]}", DBX_ERR_PROTOCOL, "no \"name\""},
	    {"{\"endpoints\":[{\"name\":\"a\"},{\"name\":\"b\\u0000c\"}]}", DBX_ERR_PROTOCOL,
	     "endpoints[1].name holds a NUL"},
	    {"{\"endpoints\":[{\"name\":\"a\",\"task\":\"x\\u0000\"}]}", DBX_ERR_PROTOCOL,
	     "task holds a NUL"},
	    {"{\"endpoints\":[{\"name\":\"a\",\"task\":3}]}", DBX_ERR_PROTOCOL,
	     "task is not a string"},
	    {"{\"endpoints\":[\"a\"]}", DBX_ERR_PROTOCOL, "endpoints[0] is not an object"},
	    {"[]", DBX_ERR_PROTOCOL, "not a JSON object"},
	    {"{\"endpoints\":[", DBX_ERR_PROTOCOL, "not valid JSON"},
	    {"", DBX_ERR_PROTOCOL, "not valid JSON"},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t len = strlen(cases[i].body);
		struct harness_guarded gb = harness_guard(cases[i].body, len);
		struct seen s = {0};
		char errbuf[DBX_ERRBUF_SIZE] = "";
		int err = models_decode((const char *)gb.data, len, collect, &s, errbuf);
		CHECK(err == cases[i].err, "case %zu: err %d (%s), want %d", i, err, errbuf,
		      cases[i].err);
		if (cases[i].err == DBX_OK) {
			CHECK(strcmp(s.text, cases[i].want) == 0, "case %zu: saw '%s'", i, s.text);
		} else {
			CHECK(s.n == 0, "case %zu: %d endpoints delivered from a bad list", i, s.n);
			CHECK(strstr(errbuf, cases[i].want) != NULL, "case %zu: '%s' lacks '%s'", i,
			      errbuf, cases[i].want);
		}
		harness_unguard(&gb);
	}
}

static void test_cancel(void)
{
	const char *body = "{\"endpoints\":[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"}]}";
	struct seen s = {0};
	char errbuf[DBX_ERRBUF_SIZE] = "";
	int err;

	s.stop_after = 2;
	err = models_decode(body, strlen(body), collect, &s, errbuf);
	CHECK(err == DBX_ERR_CANCELLED && s.n == 2, "cancel: %d after %d", err, s.n);
}

/* Endpoint metadata: the Responses API is listed when the string appears
 * anywhere in the object (not as part of a longer string). */
static void test_lists_responses(void)
{
	static const struct {
		const char *body;
		int err, yes;
	} cases[] = {
	    {"{\"name\":\"g\",\"config\":{\"served_entities\":[{\"apis\":"
	     "[\"openai/v1/chat/completions\",\"openai/v1/responses\"]}]}}",
	     DBX_OK, 1},
	    {"{\"name\":\"g\",\"task\":\"openai/v1/responses\"}", DBX_OK, 1},
	    {"{\"name\":\"g\",\"task\":\"openai\\/v1\\/responses\"}", DBX_OK, 1},
	    {"{\"name\":\"g\",\"task\":\"llm/v1/chat\"}", DBX_OK, 0},
	    {"{\"name\":\"openai/v1/responses-like\"}", DBX_OK, 0},
	    {"{}", DBX_OK, 0},
	    {"[\"openai/v1/responses\"]", DBX_ERR_PROTOCOL, 0},
	    {"{\"task\":\"openai/v1/responses\"", DBX_ERR_PROTOCOL, 0},
	    {"<html>", DBX_ERR_PROTOCOL, 0},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char errbuf[DBX_ERRBUF_SIZE] = "";
		size_t len = strlen(cases[i].body);
		struct harness_guarded gb = harness_guard(cases[i].body, len);
		int yes = -1,
		    err = models_lists_responses((const char *)gb.data, len, &yes, errbuf);

		CHECK(err == cases[i].err && yes == cases[i].yes,
		      "metadata case %zu: err %d yes %d (%s)", i, err, yes, errbuf);
		CHECK(err == DBX_OK || strstr(errbuf, "endpoint metadata") != NULL,
		      "metadata case %zu: message '%s'", i, errbuf);
		harness_unguard(&gb);
	}
}

/* The wire format from the metadata: an agent's task first. */
static void test_lists_api(void)
{
	static const struct {
		const char *body;
		int err, api;
	} cases[] = {
	    {"{\"name\":\"a\",\"task\":\"agent/v1/chat\"}", DBX_OK, DBX_API_AGENT_CHAT},
	    {"{\"name\":\"a\",\"task\":\"agent/v2/chat\"}", DBX_OK, DBX_API_AGENT_CHAT},
	    {"{\"name\":\"a\",\"task\":\"agent/v1/responses\",\"apis\":[\"openai/v1/responses\"]}",
	     DBX_OK, DBX_API_AGENT_RESPONSES},
	    {"{\"name\":\"a\",\"task\":\"agent/v3/chat\"}", DBX_OK, DBX_API_CHAT},
	    {"{\"name\":\"agent/v1/chat\"}", DBX_OK, DBX_API_CHAT},
	    {"{\"x\":{\"task\":\"agent/v1/chat\"}}", DBX_OK, DBX_API_CHAT},
	    {"{\"task\":\"llm/v1/chat\",\"apis\":[\"openai/v1/responses\"]}", DBX_OK,
	     DBX_API_RESPONSES},
	    {"{\"task\":\"llm/v1/chat\"}", DBX_OK, DBX_API_CHAT},
	    {"[\"agent/v1/chat\"]", DBX_ERR_PROTOCOL, DBX_API_CHAT},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char errbuf[DBX_ERRBUF_SIZE] = "";
		size_t len = strlen(cases[i].body);
		struct harness_guarded gb = harness_guard(cases[i].body, len);
		int api = -1, err = models_lists_api((const char *)gb.data, len, &api, errbuf);

		CHECK(err == cases[i].err && api == cases[i].api,
		      "api case %zu: err %d api %d (%s)", i, err, api, errbuf);
		harness_unguard(&gb);
	}
}

int main(void)
{
	RUN(test_decode);
	RUN(test_cancel);
	RUN(test_lists_responses);
	RUN(test_lists_api);
	return harness_done("models");
}
