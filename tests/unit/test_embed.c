/* test_embed.c - the embeddings request body and the reply decoder: input
 * order from data[].index, and every malformed reply refused whole. */
#include <math.h>

#include "embed.h"
#include "harness.h"
#include "json.h"

#define MAXV 8

struct got {
	size_t n;
	size_t index[MAXV];
	double first[MAXV]; /* values[0] of each vector */
	int values[MAXV];   /* values was not NULL */
	size_t dim[MAXV];
	char raw[MAXV][128];
	size_t stop_after; /* 0: never cancel */
};

static int collect(void *ctx, size_t index, const double *values, size_t dim, const char *json,
                   size_t json_len)
{
	struct got *g = ctx;
	if (g->n < MAXV) {
		g->index[g->n] = index;
		/* text only: the first number as written */
		g->first[g->n] = values ? values[0] : strtod(json + 1, NULL);
		g->values[g->n] = values != NULL;
		g->dim[g->n] = dim;
		snprintf(g->raw[g->n], sizeof g->raw[0], "%.*s", (int)json_len, json);
	}
	g->n++;
	return g->stop_after && g->n >= g->stop_after;
}

/* Bodies whose vector for index i starts with the value i (so delivery order
 * shows in values[0]). */
static void test_decode(void)
{
	static const struct {
		const char *body;
		size_t n;
		int err;
		const char *words; /* in errbuf on error */
	} cases[] = {
	    {"{\"data\":[{\"index\":0,\"embedding\":[0,0.5]},{\"index\":1,\"embedding\":[1,2]}]}",
	     2, DBX_OK, NULL},
	    {"{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":2,\"embedding\":"
	     "[2,1]},{\"index\":0,\"embedding\":[0,1]},{\"embedding\":[1,1],\"index\":1}],"
	     "\"model\":\"m\",\"usage\":{\"prompt_tokens\":3,\"total_tokens\":3}}",
	     3, DBX_OK, NULL},
	    {"{\n  \"data\": [\n    {\n      \"embedding\": [\n        1,\n        -2.5e-3\n      "
	     "],\n      \"index\": 1\n    },\n    {\"index\": 0.0, \"embedding\": [ 0 , 1E2 ]}\n  "
	     "]\n}\n",
	     2, DBX_OK, NULL},
	    {"{\"data\":[{\"index\":0,\"embedding\":[0,1]}]}", 2, DBX_ERR_PROTOCOL,
	     "1 items for 2"},
	    {"{\"data\":[{\"index\":0,\"embedding\":[0]},{\"index\":1,\"embedding\":[1]}]}", 1,
	     DBX_ERR_PROTOCOL, "2 items for 1"},
	    {"{\"data\":[]}", 1, DBX_ERR_PROTOCOL, "0 items"},
	    {"{\"data\":[{\"index\":0,\"embedding\":[0]},{\"index\":0,\"embedding\":[1]}]}", 2,
	     DBX_ERR_PROTOCOL, "index 0 appears twice"},
	    {"{\"data\":[{\"index\":0,\"embedding\":[0]},{\"index\":2,\"embedding\":[1]}]}", 2,
	     DBX_ERR_PROTOCOL, "index 2, outside 0 to 1"},
	    {"{\"data\":[{\"index\":-1,\"embedding\":[0]}]}", 1, DBX_ERR_PROTOCOL, "outside"},
	    {"{\"data\":[{\"index\":99999999999999999999,\"embedding\":[0]}]}", 1, DBX_ERR_PROTOCOL,
	     "index"},
	    {"{\"data\":[{\"embedding\":[0]}]}", 1, DBX_ERR_PROTOCOL, "no integer \"index\""},
	    {"{\"data\":[{\"index\":0.5,\"embedding\":[0]}]}", 1, DBX_ERR_PROTOCOL, "no integer"},
	    {"{\"data\":[{\"index\":\"0\",\"embedding\":[0]}]}", 1, DBX_ERR_PROTOCOL, "no integer"},
	    {"{\"data\":[{\"index\":0,\"embedding\":\"AAAAAA==\"}]}", 1, DBX_ERR_PROTOCOL,
	     "base64"},
	    {"{\"data\":[{\"index\":0}]}", 1, DBX_ERR_PROTOCOL, "not an array"},
	    {"{\"data\":[{\"index\":0,\"embedding\":[]}]}", 1, DBX_ERR_PROTOCOL, "is empty"},
	    {"{\"data\":[{\"index\":0,\"embedding\":[0,1]},{\"index\":1,\"embedding\":[1]}]}", 2,
	     DBX_ERR_PROTOCOL, "has 1 dimensions, the first vector had 2"},
	    {"{\"data\":[{\"index\":0,\"embedding\":[0,\"1\"]}]}", 1, DBX_ERR_PROTOCOL,
	     "embedding[1] is not a number"},
	    {"{\"data\":[{\"index\":0,\"embedding\":[0,null]}]}", 1, DBX_ERR_PROTOCOL,
	     "not a number"},
	    {"{\"data\":[{\"index\":0,\"embedding\":[0,[1]]}]}", 1, DBX_ERR_PROTOCOL,
	     "not a number"},
	    {"{\"data\":[{\"index\":0,\"embedding\":[0,1e999]}]}", 1, DBX_ERR_PROTOCOL,
	     "out of the range"},
	    {"{\"data\":[[0]]}", 1, DBX_ERR_PROTOCOL, "data[0] is not an object"},
	    {"{\"data\":{\"0\":[0]}}", 1, DBX_ERR_PROTOCOL, "no \"data\" array"},
	    {"{\"error\":{\"message\":\"overloaded\"}}", 1, DBX_ERR_PROTOCOL, "no \"data\""},
	    {"[{\"index\":0,\"embedding\":[0]}]", 1, DBX_ERR_PROTOCOL, "no \"data\""},
	    {"{\"data\":[{\"index\":0,\"embedding\":[0,1]}", 1, DBX_ERR_PROTOCOL, "not valid JSON"},
	    {"{\"data\":[{\"index\":0,\"embedding\":[0,01]}]}", 1, DBX_ERR_PROTOCOL,
	     "not valid JSON"},
	    {"", 1, DBX_ERR_PROTOCOL, "not valid JSON"},
	    {"<html>502</html>", 1, DBX_ERR_PROTOCOL, "not valid JSON"},
	    /* more tokens than the bound valid JSON keeps to */
	    {"1 2 3 4", 1, DBX_ERR_PROTOCOL, "not valid JSON"},
	    {"{\"data\" [] [] []}", 1, DBX_ERR_PROTOCOL, "not valid JSON"},
	};
	size_t i, j;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct harness_guarded gb = harness_guard(cases[i].body, strlen(cases[i].body));
		char first_err[DBX_ERRBUF_SIZE] = "";
		int values;

		/* the same results with doubles and text only */
		for (values = 1; values >= 0; values--) {
			struct got g = {0};
			char errbuf[DBX_ERRBUF_SIZE] = "";
			size_t dim = 0;
			int err = embed_decode((const char *)gb.data, strlen(cases[i].body),
			                       cases[i].n, 10, &dim, values, collect, &g, errbuf);
			CHECK(err == cases[i].err, "case %zu/%d: err %d (%s), want %d", i, values,
			      err, errbuf, cases[i].err);
			if (values)
				snprintf(first_err, sizeof first_err, "%s", errbuf);
			else
				CHECK(strcmp(errbuf, first_err) == 0,
				      "case %zu: text only says '%s', with doubles '%s'", i, errbuf,
				      first_err);
			if (cases[i].err == DBX_OK && err == DBX_OK) {
				CHECK(g.n == cases[i].n, "case %zu: %zu vectors", i, g.n);
				for (j = 0; j < g.n && j < MAXV; j++) {
					CHECK(g.index[j] == 10 + j,
					      "case %zu: vector %zu has index %zu", i, j,
					      g.index[j]);
					CHECK(g.first[j] == (double)j,
					      "case %zu: vector %zu is %g (order)", i, j,
					      g.first[j]);
					CHECK(g.dim[j] == dim && dim == 2, "case %zu: dim %zu", i,
					      g.dim[j]);
					CHECK(g.values[j] == values, "case %zu: values given: %d",
					      i, g.values[j]);
				}
			} else {
				CHECK(g.n == 0, "case %zu: %zu vectors delivered from a bad reply",
				      i, g.n);
				CHECK(cases[i].words && strstr(errbuf, cases[i].words) != NULL,
				      "case %zu: '%s' lacks '%s'", i, errbuf, cases[i].words);
				CHECK(strstr(errbuf, "inputs 10 to") ||
				          strstr(errbuf, "input 10:") ||
				          strstr(errbuf, "too large"),
				      "case %zu: '%s' names no inputs", i, errbuf);
				CHECK(strchr(errbuf, '\n') == NULL, "case %zu: one line", i);
			}
		}
		harness_unguard(&gb);
	}
}

/* A malformed reply is placed at the byte where the whole reply is wrong, as
 * json_parse() places it, although the vectors were cut out before parsing. */
static void test_error_offsets(void)
{
	static const char *bodies[] = {
	    "{\"data\":[{\"index\":0,\"embedding\":[1, 2,3]}]x",
	    "{\"data\":[{\"index\":0,\"embedding\":[1,2]},{\"index\":1,\"embedding\":[3,4]}],}",
	    "{\"data\":[{\"index\":0,\"embedding\":[1,2]} {\"index\":1}]}",
	    "{\"a\":[1,2,3],\"data\":[{\"index\":0,\"embedding\":[1,2] ]}",
	    "{\"a\":[1,2,3]:1}",
	    "{[1,2]:3}",
	    "[[1,2],[3,4]",
	    "{\"data\":[{\"index\":0,\"embedding\":[1,2]}],\"s\":\"\\x\"}",
	    "{\"data\":[{\"index\":0,\"embedding\":[1,2,]}]}",
	};
	size_t i;

	for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		struct json_tok tok[64];
		struct json_doc d;
		struct got g = {0};
		char errbuf[DBX_ERRBUF_SIZE] = "", want[64];
		size_t dim = 0, len = strlen(bodies[i]);
		int err = embed_decode(bodies[i], len, 1, 0, &dim, 0, collect, &g, errbuf);

		CHECK(json_parse(&d, bodies[i], len, tok, 64) == DBX_ERR_PROTOCOL,
		      "body %zu is bad", i);
		snprintf(want, sizeof want, "%s at byte %zu", d.err_what, d.err_off);
		CHECK(err == DBX_ERR_PROTOCOL && strstr(errbuf, want) != NULL,
		      "body %zu: '%s' lacks '%s'", i, errbuf, want);
	}
}

static void test_text_only(void)
{
	const char *body = "{\"data\":[{\"embedding\":[ 1.5 ,\n2e-3]   ,\"index\":1},{\"index\":0,"
	                   "\"embedding\":[-0,7]}],\"model\":\"[1,2]\",\"usage\":{\"n\":[9]}}";
	struct got g = {0};
	char errbuf[DBX_ERRBUF_SIZE] = "", big[600];
	size_t dim = 0;
	int err;

	err = embed_decode(body, strlen(body), 2, 0, &dim, 0, collect, &g, errbuf);
	CHECK(err == DBX_OK && dim == 2 && g.n == 2, "text only: %d %s", err, errbuf);
	CHECK(strcmp(g.raw[0], "[-0,7]") == 0 && strcmp(g.raw[1], "[ 1.5 ,\n2e-3]") == 0,
	      "the server's text, in input order: '%s' '%s'", g.raw[0], g.raw[1]);
	CHECK(!g.values[0] && !g.values[1], "no doubles");
	/* numbers that would not convert are refused as with doubles */
	snprintf(big, sizeof big, "{\"data\":[{\"index\":0,\"embedding\":[1,0.%0300d1]}]}", 0);
	memset(&g, 0, sizeof g);
	err = embed_decode(big, strlen(big), 1, 0, &dim, 0, collect, &g, errbuf);
	CHECK(err == DBX_ERR_PROTOCOL && strstr(errbuf, "embedding[1] is out of the range"),
	      "a 303-byte number: %s", errbuf);
	body = "{\"data\":[{\"index\":0,\"embedding\":[1,1e999]}]}";
	err = embed_decode(body, strlen(body), 1, 0, &dim, 0, collect, &g, errbuf);
	CHECK(err == DBX_ERR_PROTOCOL && strstr(errbuf, "embedding[1] is out of the range"),
	      "1e999: %s", errbuf);
	body = "{\"data\":[{\"index\":0,\"embedding\":[1,-12.5e299]}]}";
	err = embed_decode(body, strlen(body), 1, 0, &dim, 0, collect, &g, errbuf);
	CHECK(err == DBX_OK, "-1.25e300 is checked and converts: %s", errbuf);
	body = "{\"data\":[{\"index\":0,\"embedding\":[1,17976931348623159e292]}]}";
	err = embed_decode(body, strlen(body), 1, 0, &dim, 0, collect, &g, errbuf);
	CHECK(err == DBX_ERR_PROTOCOL && strstr(errbuf, "out of the range"),
	      "just above DBL_MAX: %s", errbuf);
	body = "{\"data\":[{\"index\":0,\"embedding\":[[1,2],[3,4]]}]}";
	err = embed_decode(body, strlen(body), 1, 0, &dim, 0, collect, &g, errbuf);
	CHECK(err == DBX_ERR_PROTOCOL && strstr(errbuf, "embedding[0] is not a number"),
	      "nested arrays: %s", errbuf);
}

static void test_values_and_raw(void)
{
	const char *body = "{\"data\":[{\"index\":0,\"embedding\":[ 0.1,\n-2.5e-3 ,1E2]}]}";
	struct got g = {0};
	char errbuf[DBX_ERRBUF_SIZE] = "";
	size_t dim = 0;
	int err;

	err = embed_decode(body, strlen(body), 1, 0, &dim, 1, collect, &g, errbuf);
	CHECK(err == DBX_OK, "decode: %s", errbuf);
	CHECK(strcmp(g.raw[0], "[ 0.1,\n-2.5e-3 ,1E2]") == 0, "raw text as sent: '%s'", g.raw[0]);
	CHECK(g.first[0] == 0.1, "0.1 exactly");
	CHECK(dim == 3, "dim %zu", dim);
}

/* All values of a vector, checked through a second collector. */
static double seen[4];
static int all_values(void *ctx, size_t index, const double *values, size_t dim, const char *json,
                      size_t json_len)
{
	(void)ctx;
	(void)index;
	(void)json;
	(void)json_len;
	memcpy(seen, values, dim * sizeof *values);
	return 0;
}

static void test_all_values(void)
{
	const char *body = "{\"data\":[{\"index\":0,\"embedding\":[0.1,-2.5e-3,1E2,-0]}]}";
	char errbuf[DBX_ERRBUF_SIZE] = "";
	size_t dim = 0;
	int err = embed_decode(body, strlen(body), 1, 0, &dim, 1, all_values, NULL, errbuf);
	CHECK(err == DBX_OK && dim == 4, "decode: %s", errbuf);
	CHECK(seen[0] == 0.1 && seen[1] == -2.5e-3 && seen[2] == 100.0 && seen[3] == 0 &&
	          signbit(seen[3]),
	      "values %g %g %g %g", seen[0], seen[1], seen[2], seen[3]);
}

static void test_dim_across_batches(void)
{
	const char *b2 = "{\"data\":[{\"index\":0,\"embedding\":[0,1]}]}";
	const char *b3 = "{\"data\":[{\"index\":0,\"embedding\":[0,1,2]}]}";
	struct got g = {0};
	char errbuf[DBX_ERRBUF_SIZE] = "";
	size_t dim = 0;
	int err;

	err = embed_decode(b2, strlen(b2), 1, 0, &dim, 1, collect, &g, errbuf);
	CHECK(err == DBX_OK && dim == 2, "first batch sets dim: %d %zu", err, dim);
	err = embed_decode(b3, strlen(b3), 1, 1, &dim, 1, collect, &g, errbuf);
	CHECK(err == DBX_ERR_PROTOCOL && strstr(errbuf, "input 1:"),
	      "a later batch of another dimension: %d %s", err, errbuf);
	CHECK(g.n == 1, "nothing of the bad batch delivered");
}

static void test_cancel(void)
{
	const char *body = "{\"data\":[{\"index\":1,\"embedding\":[1]},{\"index\":0,\"embedding\":"
	                   "[0]},{\"index\":2,\"embedding\":[2]}]}";
	struct got g = {0};
	char errbuf[DBX_ERRBUF_SIZE] = "";
	size_t dim = 0;
	int err;

	g.stop_after = 2;
	err = embed_decode(body, strlen(body), 3, 0, &dim, 1, collect, &g, errbuf);
	CHECK(err == DBX_ERR_CANCELLED, "cancel: %d", err);
	CHECK(g.n == 2 && g.first[0] == 0 && g.first[1] == 1, "stopped after 2 in order: %zu", g.n);
}

static void test_request_body(void)
{
	static const struct {
		const char *inputs[4];
		size_t n;
		const char *want;
	} cases[] = {
	    {{"hello"}, 1, "{\"input\":[\"hello\"]}"},
	    {{"a", "b c", "d"}, 3, "{\"input\":[\"a\",\"b c\",\"d\"]}"},
	    {{"say \"hi\"\\", "tab\tnl\n", "\x01"},
	     3,
	     "{\"input\":[\"say \\\"hi\\\"\\\\\",\"tab\\tnl\\n\",\"\\u0001\"]}"},
	    {{"caf\xc3\xa9 \xe2\x82\xac"}, 1, "{\"input\":[\"caf\xc3\xa9 \xe2\x82\xac\"]}"},
	    {{"bad \xff byte"}, 1, "{\"input\":[\"bad \xef\xbf\xbd byte\"]}"},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char errbuf[DBX_ERRBUF_SIZE] = "";
		char *body = NULL;
		size_t len = 0;
		int err = embed_request_body(cases[i].inputs, cases[i].n, &body, &len, errbuf);
		CHECK(err == DBX_OK, "case %zu: %s", i, errbuf);
		CHECK(body && len == strlen(cases[i].want) && strcmp(body, cases[i].want) == 0,
		      "case %zu: got %s", i, body ? body : "(null)");
		free(body);
	}
}

static void test_request_body_limit(void)
{
	/* Inputs whose escaped form passes EMBED_REQUEST_MAX: a clear LIMIT. */
	size_t big = EMBED_REQUEST_MAX / 6 + 16;
	char *text = malloc(big + 1);
	const char *inputs[7];
	char errbuf[DBX_ERRBUF_SIZE] = "";
	char *body = NULL;
	size_t len = 0, i;
	int err;

	if (!text)
		return;
	memset(text, 'x', big);
	text[big] = '\0';
	for (i = 0; i < 7; i++)
		inputs[i] = text;
	err = embed_request_body(inputs, 7, &body, &len, errbuf);
	CHECK(err == DBX_ERR_LIMIT && body == NULL, "too large: %d", err);
	CHECK(strstr(errbuf, "--batch") != NULL, "suggests a smaller batch: %s", errbuf);
	free(text);
}

int main(void)
{
	RUN(test_decode);
	RUN(test_error_offsets);
	RUN(test_text_only);
	RUN(test_values_and_raw);
	RUN(test_all_values);
	RUN(test_dim_across_batches);
	RUN(test_cancel);
	RUN(test_request_body);
	RUN(test_request_body_limit);
	return harness_done("embed");
}
