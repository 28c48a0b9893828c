/*
 * test_status.c - the mapping of a non-2xx response to an error code and a
 * one-line message (status_error, status.h): a table of (status,
 * body, expected enum dbx_err, text the message must contain, text it must
 * not contain) over every status class and every body shape the header
 * lists, plus bodies that are cut, not JSON, full of control bytes or too
 * long. Every row is also checked for what holds of any message: it starts
 * with "HTTP <status> ", is one NUL-terminated line of printable bytes within
 * DBX_ERRBUF_SIZE, and nothing past errbuf is written. Bodies end right
 * before a PROT_NONE page, so an over-read crashes.
 */
#include "dbxai.h"
#include "harness.h"

#include "client.h"
#include "status.h"

#define NO_LEN ((size_t)-1) /* the body is NUL-terminated: strlen */

struct row {
	int status;
	const char *body;
	size_t len; /* NO_LEN: strlen(body) */
	int want;
	/* substrings the message must contain; one that starts with '!' must
	 * not be in it (what follows the '!') */
	const char *text[6];
};

/* a text body with raw control bytes (a NUL among them: its length is given) */
#define RAW_CONTROLS "  lead\r\n\0\tmid \x7f end \x1b[1m \n"

#define HINT_401 "; run `dbxai login` or set DATABRICKS_TOKEN"
#define HINT_403 "; the credentials lack permission for this endpoint"
#define HINT_429 " (rate limited)"
#define HINT_CTX " (the prompt is too long for the model's context)"

static const struct row rows[] = {
    /* ---- status classes ---- */
    {401,
     "{\"error_code\":\"UNAUTHENTICATED\",\"message\":\"Invalid access token.\"}",
     NO_LEN,
     DBX_ERR_AUTH,
     {"HTTP 401 UNAUTHENTICATED: Invalid access token." HINT_401}},
    {401, "", NO_LEN, DBX_ERR_AUTH, {"HTTP 401 (no message)" HINT_401}},
    {403,
     "{\"error_code\":\"PERMISSION_DENIED\",\"message\":\"User does not have permission "
     "'CAN_QUERY' on this endpoint.\"}",
     NO_LEN,
     DBX_ERR_AUTH,
     {"HTTP 403 PERMISSION_DENIED: User does not have permission 'CAN_QUERY' on this "
      "endpoint." HINT_403,
      "dbxai login"}},
    {403, "Forbidden", NO_LEN, DBX_ERR_AUTH, {"HTTP 403 Forbidden" HINT_403}},
    {429,
     "{\"error_code\":\"REQUEST_LIMIT_EXCEEDED\",\"message\":\"Exceeded workspace rate "
     "limit for model.\"}",
     NO_LEN,
     DBX_ERR_RATE_LIMITED,
     {"HTTP 429 REQUEST_LIMIT_EXCEEDED: Exceeded workspace rate limit for model." HINT_429}},
    {429,
     "Too Many Requests",
     NO_LEN,
     DBX_ERR_RATE_LIMITED,
     {"HTTP 429 Too Many Requests" HINT_429}},
    /* a token rate limit names tokens: still a rate limit, not the context */
    {429,
     "{\"message\":\"Too many tokens per minute\"}",
     NO_LEN,
     DBX_ERR_RATE_LIMITED,
     {"HTTP 429 Too many tokens per minute" HINT_429, "!" HINT_CTX}},
    {413, "", NO_LEN, DBX_ERR_CONTEXT_LENGTH, {"HTTP 413 (no message)" HINT_CTX}},
    {413,
     "{\"error_code\":\"BAD_REQUEST\",\"message\":\"Request size exceeds the limit\"}",
     NO_LEN,
     DBX_ERR_CONTEXT_LENGTH,
     {"HTTP 413 BAD_REQUEST: Request size exceeds the limit" HINT_CTX}},
    /* 400 about the context length, in each body shape */
    {400,
     "{\"error_code\":\"BAD_REQUEST\",\"message\":\"This model's maximum context length is "
     "8192 tokens.\"}",
     NO_LEN,
     DBX_ERR_CONTEXT_LENGTH,
     {"HTTP 400 BAD_REQUEST: This model's maximum context length is 8192 tokens." HINT_CTX}},
    {400,
     "{\"error\":{\"message\":\"prompt is too long: 210000 tokens > 200000 "
     "maximum\",\"type\":\"invalid_request_error\"}}",
     NO_LEN,
     DBX_ERR_CONTEXT_LENGTH,
     {"HTTP 400 invalid_request_error: prompt is too long: 210000 tokens > 200000 "
      "maximum" HINT_CTX}},
    /* known from the code alone */
    {400,
     "{\"error\":{\"message\":\"Your input exceeds the limit.\",\"code\":"
     "\"context_length_exceeded\"}}",
     NO_LEN,
     DBX_ERR_CONTEXT_LENGTH,
     {"HTTP 400 context_length_exceeded: Your input exceeds the limit." HINT_CTX}},
    {400,
     "{\"error\":\"Input is too long for requested model.\"}",
     NO_LEN,
     DBX_ERR_CONTEXT_LENGTH,
     {"HTTP 400 Input is too long for requested model." HINT_CTX}},
    {400,
     "{\"message\":\"The request does not fit the model's CONTEXT WINDOW\"}",
     NO_LEN,
     DBX_ERR_CONTEXT_LENGTH,
     {"HTTP 400 The request does not fit the model's CONTEXT WINDOW" HINT_CTX}},
    {400,
     "Prompt too long (max 4096 tokens)",
     NO_LEN,
     DBX_ERR_CONTEXT_LENGTH,
     {"HTTP 400 Prompt too long (max 4096 tokens)" HINT_CTX}},
    /* a body cut short is not JSON: its text still says so */
    {400,
     "{\"error_code\":\"BAD_REQUEST\",\"message\":\"This model's maximum context length is 81",
     NO_LEN,
     DBX_ERR_CONTEXT_LENGTH,
     {"HTTP 400 {\"error_code\":\"BAD_REQUEST\",\"message\":\"This model's maximum context "
      "length is 81" HINT_CTX}},
    /* other 4xx */
    {400,
     "{\"error_code\":\"INVALID_PARAMETER_VALUE\",\"message\":\"stream_options is not "
     "supported for this model\"}",
     NO_LEN,
     DBX_ERR_BAD_REQUEST,
     /* run_turn retries without stream_options when the message names it */
     {"HTTP 400 INVALID_PARAMETER_VALUE: stream_options is not supported for this model",
      "!" HINT_CTX, "!dbxai login", "!" HINT_429}},
    {400,
     "{\"error_code\":\"BAD_REQUEST\",\"message\":\"Invalid context: missing role\"}",
     NO_LEN,
     DBX_ERR_BAD_REQUEST,
     {"HTTP 400 BAD_REQUEST: Invalid context: missing role", "!" HINT_CTX}},
    /* only 400 and 413 mean the context length */
    {422,
     "{\"message\":\"maximum context length exceeded\"}",
     NO_LEN,
     DBX_ERR_BAD_REQUEST,
     {"HTTP 422 maximum context length exceeded", "!" HINT_CTX}},
    {404,
     "{\"error_code\":\"RESOURCE_DOES_NOT_EXIST\",\"message\":\"The given endpoint does not "
     "exist\"}",
     NO_LEN,
     DBX_ERR_BAD_REQUEST,
     {"HTTP 404 RESOURCE_DOES_NOT_EXIST: The given endpoint does not exist", "!dbxai login",
      "!" HINT_429, "!" HINT_CTX}},
    {499, "", NO_LEN, DBX_ERR_BAD_REQUEST, {"HTTP 499 (no message)"}},
    /* 5xx */
    {500,
     "{\"error\":{\"message\":\"Internal error\",\"type\":\"server_error\"}}",
     NO_LEN,
     DBX_ERR_SERVER,
     {"HTTP 500 server_error: Internal error"}},
    {503,
     "upstream connect error or disconnect/reset before headers. reset reason: overflow",
     NO_LEN,
     DBX_ERR_SERVER,
     {"HTTP 503 upstream connect error or disconnect/reset before headers. reset reason: "
      "overflow"}},
    {504, "", NO_LEN, DBX_ERR_SERVER, {"HTTP 504 (no message)"}},
    {599, "x", NO_LEN, DBX_ERR_SERVER, {"HTTP 599 x"}},
    {502,
     "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad "
     "Gateway</h1></center>\r\n</body>\r\n</html>\r\n",
     NO_LEN,
     DBX_ERR_SERVER,
     {"HTTP 502 <html> <head><title>502 Bad Gateway</title></head> <body> <center>"}},
    /* neither 4xx nor 5xx */
    {100, "", NO_LEN, DBX_ERR_PROTOCOL, {"HTTP 100 (no message)"}},
    {101, "", NO_LEN, DBX_ERR_PROTOCOL, {"HTTP 101 "}},
    {200, "{\"message\":\"fine\"}", NO_LEN, DBX_ERR_PROTOCOL, {"HTTP 200 fine"}},
    {204, "", NO_LEN, DBX_ERR_PROTOCOL, {"HTTP 204 (no message)"}},
    {302, "Moved", NO_LEN, DBX_ERR_PROTOCOL, {"HTTP 302 Moved", "!dbxai login"}},
    {304, "", NO_LEN, DBX_ERR_PROTOCOL, {"HTTP 304 (no message)"}},
    {399, "", NO_LEN, DBX_ERR_PROTOCOL, {"HTTP 399 (no message)"}},
    {600, "", NO_LEN, DBX_ERR_PROTOCOL, {"HTTP 600 (no message)"}},
    {0, "", NO_LEN, DBX_ERR_PROTOCOL, {"HTTP 0 (no message)"}},

    /* ---- body shapes ---- */
    /* error.code is preferred to error.type */
    {400,
     "{\"error\":{\"message\":\"Bad thing\",\"code\":\"the_code\",\"type\":\"the_type\"}}",
     NO_LEN,
     DBX_ERR_BAD_REQUEST,
     {"HTTP 400 the_code: Bad thing", "!the_type"}},
    /* the top-level error_code and message win over the error object's */
    {400,
     "{\"error_code\":\"A_CODE\",\"message\":\"top message\",\"error\":{\"code\":\"B_CODE\","
     "\"message\":\"inner message\"}}",
     NO_LEN,
     DBX_ERR_BAD_REQUEST,
     {"HTTP 400 A_CODE: top message", "!B_CODE", "!inner message"}},
    /* and each part is taken from where it is */
    {400,
     "{\"message\":\"top message\",\"error\":{\"type\":\"inner_type\"}}",
     NO_LEN,
     DBX_ERR_BAD_REQUEST,
     {"HTTP 400 inner_type: top message"}},
    {503,
     "{\"error\":{\"type\":\"overloaded_error\"}}",
     NO_LEN,
     DBX_ERR_SERVER,
     {"HTTP 503 overloaded_error", "!(no message)"}},
    {400,
     "{\"error_code\":\"ONLY_A_CODE\"}",
     NO_LEN,
     DBX_ERR_BAD_REQUEST,
     {"HTTP 400 ONLY_A_CODE"}},
    /* a code that is not a string is given as its JSON text */
    {400,
     "{\"error\":{\"message\":\"Too many requests\",\"code\":4029}}",
     NO_LEN,
     DBX_ERR_BAD_REQUEST,
     {"HTTP 400 4029: Too many requests"}},
    /* "error": null beside a message */
    {503,
     "{\"error\":null,\"message\":\"Service temporarily unavailable\"}",
     NO_LEN,
     DBX_ERR_SERVER,
     {"HTTP 503 Service temporarily unavailable"}},
    /* JSON escapes are decoded */
    {400,
     "{\"message\":\"caf\\u00e9 \\\"quoted\\\" back\\\\slash\"}",
     NO_LEN,
     DBX_ERR_BAD_REQUEST,
     {"HTTP 400 caf\xc3\xa9 \"quoted\" back\\slash"}},
    /* JSON that is not one of the shapes is shown as text */
    {404,
     "{\"detail\":\"Not Found\"}",
     NO_LEN,
     DBX_ERR_BAD_REQUEST,
     {"HTTP 404 {\"detail\":\"Not Found\"}"}},
    {400, "[\"an\",\"array\"]", NO_LEN, DBX_ERR_BAD_REQUEST, {"HTTP 400 [\"an\",\"array\"]"}},
    {400, "\"a string\"", NO_LEN, DBX_ERR_BAD_REQUEST, {"HTTP 400 \"a string\""}},
    {400, "{\"error_code\": BAD}", NO_LEN, DBX_ERR_BAD_REQUEST, {"HTTP 400 {\"error_code\": BAD}"}},
    {400,
     "{\"message\":\"trailing\"} junk",
     NO_LEN,
     DBX_ERR_BAD_REQUEST,
     {"HTTP 400 {\"message\":\"trailing\"} junk"}},

    /* ---- control characters ---- */
    /* escaped in the JSON: decoded, then made spaces, runs folded */
    {400,
     "{\"error_code\":\"BAD_REQUEST\",\"message\":\"line one\\nline two\\ttabbed\\r\\n"
     "\\u0007bell\\u001b[0m end\\n\"}",
     NO_LEN,
     DBX_ERR_BAD_REQUEST,
     {"HTTP 400 BAD_REQUEST: line one line two tabbed bell [0m end", "!end "}},
    /* raw in a text body, NUL and DEL included; leading and trailing ones go */
    {400,
     RAW_CONTROLS,
     sizeof RAW_CONTROLS - 1,
     DBX_ERR_BAD_REQUEST,
     {"HTTP 400 lead mid end [1m", "!HTTP 400  ", "![1m "}},
    /* an error code with a line break */
    {400,
     "{\"error_code\":\"BAD\\nCODE\",\"message\":\"m\"}",
     NO_LEN,
     DBX_ERR_BAD_REQUEST,
     {"HTTP 400 BAD CODE: m"}},
};

/* Checks one call; what holds for any message, then the row's own. */
static void check_row(const char *what, const struct row *w)
{
	char errbuf[DBX_ERRBUF_SIZE + 64];
	size_t len = w->len == NO_LEN ? strlen(w->body) : w->len, i, n;
	struct harness_guarded g = harness_guard(w->body, len);
	char head[32];
	int got, clean = 1, canary = 1;

	memset(errbuf, 0xa5, sizeof errbuf);
	got = status_error(w->status, (const char *)g.data, len, errbuf);
	harness_unguard(&g);
	n = strnlen(errbuf, DBX_ERRBUF_SIZE);
	CHECK(got == w->want, "%s: status %d: got %s, want %s", what, w->status,
	      harness_errname(got), harness_errname(w->want));
	CHECK(n < DBX_ERRBUF_SIZE, "%s: status %d: the message is not NUL-terminated in errbuf",
	      what, w->status);
	if (n >= DBX_ERRBUF_SIZE)
		return;
	for (i = 0; i < n; i++)
		if ((unsigned char)errbuf[i] < 0x20 || errbuf[i] == 0x7f)
			clean = 0;
	for (i = DBX_ERRBUF_SIZE; i < sizeof errbuf; i++)
		if ((unsigned char)errbuf[i] != 0xa5)
			canary = 0;
	snprintf(head, sizeof head, "HTTP %d ", w->status);
	CHECK(clean, "%s: status %d: control bytes in \"%s\"", what, w->status, errbuf);
	CHECK(canary, "%s: status %d: written past errbuf", what, w->status);
	CHECK(strncmp(errbuf, head, strlen(head)) == 0,
	      "%s: status %d: \"%s\" does not start with \"%s\"", what, w->status, errbuf, head);
	for (i = 0; i < sizeof w->text / sizeof w->text[0] && w->text[i]; i++) {
		const char *t = w->text[i];
		if (t[0] == '!')
			CHECK(strstr(errbuf, t + 1) == NULL, "%s: status %d: \"%s\" has \"%s\"",
			      what, w->status, errbuf, t + 1);
		else
			CHECK(strstr(errbuf, t) != NULL, "%s: status %d: \"%s\" lacks \"%s\"", what,
			      w->status, errbuf, t);
	}
}

static void test_table(void)
{
	char what[32];
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		snprintf(what, sizeof what, "row %zu", i);
		check_row(what, &rows[i]);
	}
}

/* Text of n bytes that shows where it was cut: "0000 0005 0010 ...". */
static void numbered(char *out, size_t n)
{
	size_t i;
	char tmp[8];

	for (i = 0; i < n; i += 5) {
		snprintf(tmp, sizeof tmp, "%04zu ", i % 10000);
		memcpy(out + i, tmp, n - i < 5 ? n - i : 5);
	}
	out[n] = '\0';
}

/* Server text longer than STATUS_ERRTEXT_MAX is cut there and marked "...";
 * text of exactly that length is whole. */
static void test_long(void)
{
	static char text[CLIENT_ERRBODY_MAX + 1], body[CLIENT_ERRBODY_MAX + 100],
	    want[STATUS_ERRTEXT_MAX + 64], cut[STATUS_ERRTEXT_MAX + 8];
	/* around the cut, and around the 320 bytes a JSON string is unescaped in */
	static const size_t sizes[] = {STATUS_ERRTEXT_MAX - 1,
	                               STATUS_ERRTEXT_MAX,
	                               STATUS_ERRTEXT_MAX + 1,
	                               319,
	                               320,
	                               2000,
	                               8000};
	struct row w;
	size_t i;

	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		size_t n = sizes[i];
		int whole = n <= STATUS_ERRTEXT_MAX;
		char what[48];

		/* text that ends in a non-space so trimming does not change it */
		numbered(text, n);
		text[n - 1] = 'Z';
		snprintf(cut, sizeof cut, "%.*s", (int)STATUS_ERRTEXT_MAX, text);

		/* as a plain text body (a 5xx page, a proxy's answer) */
		memset(&w, 0, sizeof w);
		w.status = 502;
		w.body = text;
		w.len = NO_LEN;
		w.want = DBX_ERR_SERVER;
		snprintf(want, sizeof want, "HTTP 502 %s%s", whole ? text : cut,
		         whole ? "" : "...");
		w.text[0] = want;
		w.text[1] = whole ? "!..." : "!Z";
		snprintf(what, sizeof what, "text of %zu bytes", n);
		check_row(what, &w);

		/* as a JSON message (one over 319 bytes is not unescaped: its text is
		 * cut as it is; before that was fixed, the cut came from garbage) */
		snprintf(body, sizeof body, "{\"error_code\":\"BAD_REQUEST\",\"message\":\"%s\"}",
		         text);
		w.status = 400;
		w.body = body;
		w.want = DBX_ERR_BAD_REQUEST;
		snprintf(want, sizeof want, "HTTP 400 BAD_REQUEST: %s%s", whole ? text : cut,
		         whole ? "" : "...");
		snprintf(what, sizeof what, "JSON message of %zu bytes", n);
		check_row(what, &w);

		/* as a long message with a 401: the hint still fits */
		w.status = 401;
		w.want = DBX_ERR_AUTH;
		w.text[2] = HINT_401;
		snprintf(what, sizeof what, "401 with a message of %zu bytes", n);
		snprintf(want, sizeof want, "HTTP 401 BAD_REQUEST: %s%s", whole ? text : cut,
		         whole ? "" : "...");
		check_row(what, &w);
	}

	/* a body cut at the client's limit in the middle of a long message */
	numbered(text, CLIENT_ERRBODY_MAX);
	snprintf(body, sizeof body, "{\"error_code\":\"BAD_REQUEST\",\"message\":\"%s", text);
	memset(&w, 0, sizeof w);
	w.status = 400;
	w.body = body;
	w.len = CLIENT_ERRBODY_MAX;
	w.want = DBX_ERR_BAD_REQUEST;
	w.text[0] = "HTTP 400 {\"error_code\":\"BAD_REQUEST\",\"message\":\"0000 0005 ";
	w.text[1] = "...";
	check_row("cut JSON body", &w);

	/* an absurd error code does not push the message out */
	memset(text, 'C', 1000);
	text[1000] = '\0';
	snprintf(body, sizeof body, "{\"error_code\":\"%s\",\"message\":\"short message\"}", text);
	memset(&w, 0, sizeof w);
	w.status = 400;
	w.body = body;
	w.len = NO_LEN;
	w.want = DBX_ERR_BAD_REQUEST;
	w.text[0] = "HTTP 400 CCCCCCCCCC";
	w.text[1] = ": short message";
	check_row("long error_code", &w);
}

int main(void)
{
	RUN(test_table);
	RUN(test_long);
	return harness_done("status");
}
