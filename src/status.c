/* status.c - see status.h. */
#include "status.h"

#include <stdio.h>
#include <string.h>

#include "json.h"

#define STATUS_ERR_TOKENS 256

/* Copies text into out as one printable line: control bytes become spaces,
 * runs of spaces fold, and the result is cut at STATUS_ERRTEXT_MAX with "...". */
static void one_line(const char *text, size_t len, char *out, size_t cap)
{
	size_t i, n = 0;
	int space = 1;

	for (i = 0; i < len && n + 4 < cap; i++) {
		unsigned char ch = (unsigned char)text[i];
		if (ch < 0x20 || ch == 0x7f)
			ch = ' ';
		if (ch == ' ' && space)
			continue;
		space = ch == ' ';
		if (n >= STATUS_ERRTEXT_MAX) {
			memcpy(out + n, "...", 3);
			n += 3;
			break;
		}
		out[n++] = (char)ch;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

static void str_or_raw(const struct json_doc *d, int t, char *out, size_t cap)
{
	char tmp[STATUS_ERRTEXT_MAX * 2];
	size_t n = 0;
	const char *raw;

	out[0] = '\0';
	if (t < 0)
		return;
	if (json_type(d, t) == JSON_STRING && json_str(d, t, tmp, sizeof tmp, &n) == DBX_OK) {
		one_line(tmp, n, out, cap);
	} else if (json_raw(d, t, &raw, &n) == DBX_OK) {
		/* Not a string, or a string too long to unescape here (json_str
		 * then writes nothing to tmp): its text, cut by one_line, without
		 * the quotes. */
		if (json_type(d, t) == JSON_STRING && n >= 2) {
			raw++;
			n -= 2;
		}
		one_line(raw, n, out, cap);
	}
}

/* Finds the code and message in a JSON error body; 0 if it is not one. */
static int error_body(const char *body, size_t len, char *code, size_t code_cap, char *msg,
                      size_t msg_cap)
{
	struct json_tok tok[STATUS_ERR_TOKENS];
	struct json_doc d;
	int err_t;

	if (json_parse(&d, body, len, tok, STATUS_ERR_TOKENS) != DBX_OK ||
	    json_type(&d, 0) != JSON_OBJECT)
		return 0;
	str_or_raw(&d, json_get(&d, 0, "error_code"), code, code_cap);
	str_or_raw(&d, json_get(&d, 0, "message"), msg, msg_cap);
	err_t = json_get(&d, 0, "error");
	if (json_type(&d, err_t) == JSON_OBJECT) {
		if (!msg[0])
			str_or_raw(&d, json_get(&d, err_t, "message"), msg, msg_cap);
		if (!code[0])
			str_or_raw(&d, json_get(&d, err_t, "code"), code, code_cap);
		if (!code[0])
			str_or_raw(&d, json_get(&d, err_t, "type"), code, code_cap);
	} else if (err_t >= 0 && !msg[0]) {
		str_or_raw(&d, err_t, msg, msg_cap);
	}
	return code[0] || msg[0];
}

static int contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle), i, j;
	for (i = 0; hay[i]; i++) {
		for (j = 0; j < n; j++) {
			char a = hay[i + j], b = needle[j];
			if (a >= 'A' && a <= 'Z')
				a = (char)(a - 'A' + 'a');
			if (a != b)
				break;
		}
		if (j == n)
			return 1;
	}
	return 0;
}

static int about_context_length(const char *code, const char *msg)
{
	static const char *const words[] = {
	    "context length",  "context_length",  "context window",  "prompt is too long",
	    "too many tokens", "maximum context", "prompt too long", "input is too long"};
	size_t i;
	for (i = 0; i < sizeof words / sizeof words[0]; i++)
		if (contains_ci(msg, words[i]) || contains_ci(code, words[i]))
			return 1;
	return 0;
}

int status_error(int status, const char *body, size_t len, char *errbuf)
{
	char code[64] = "", msg[STATUS_ERRTEXT_MAX + 8] = "", what[STATUS_ERRTEXT_MAX + 80];
	const char *hint = "";
	int err;

	if (!error_body(body, len, code, sizeof code, msg, sizeof msg)) {
		code[0] = '\0';
		one_line(body, len, msg, sizeof msg);
	}
	if (status == 401 || status == 403) {
		err = DBX_ERR_AUTH;
		hint = status == 401 ? "; run `dbxai login` or set DATABRICKS_TOKEN"
		                     : "; the credentials lack permission for this endpoint "
		                       "(or run `dbxai login` / set DATABRICKS_TOKEN)";
	} else if (status == 429) {
		err = DBX_ERR_RATE_LIMITED;
		hint = " (rate limited)";
	} else if (status == 413 || (status == 400 && about_context_length(code, msg))) {
		err = DBX_ERR_CONTEXT_LENGTH;
		hint = " (the prompt is too long for the model's context)";
	} else if (status >= 400 && status < 500) {
		err = DBX_ERR_BAD_REQUEST;
	} else if (status >= 500 && status < 600) {
		err = DBX_ERR_SERVER;
	} else {
		err = DBX_ERR_PROTOCOL;
	}
	if (code[0] && msg[0])
		snprintf(what, sizeof what, "%s: %s", code, msg);
	else
		snprintf(what, sizeof what, "%s", code[0] ? code : msg[0] ? msg : "(no message)");
	errbuf_set(errbuf, "HTTP %d %s%s", status, what, hint);
	return err;
}
