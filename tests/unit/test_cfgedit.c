/* test_cfgedit.c - the profile rewrite behind `dbxai configure`: other profiles
 * and comments byte for byte, the profile's lines replaced in place, refusals. */
#include <string.h>

#include "cfgedit.h"
#include "dbxai.h"
#include "harness.h"

static const struct cfgedit_kv kv_ht[] = {{"host", "https://new.example.com"},
                                          {"token", "dapi-new"}};

struct edit_case {
	const char *name;
	const char *profile;
	const char *in;
	const char *want;
};

static const struct edit_case cases[] = {
    {"empty file", "DEFAULT", "", "[DEFAULT]\nhost = https://new.example.com\ntoken = dapi-new\n"},
    {"new profile after others", "dev", "# mine\n[DEFAULT]\nhost = a\n",
     "# mine\n[DEFAULT]\nhost = a\n\n[dev]\nhost = https://new.example.com\ntoken = dapi-new\n"},
    {"new profile, no newline at the end", "dev", "[DEFAULT]\nhost = a",
     "[DEFAULT]\nhost = a\n\n[dev]\nhost = https://new.example.com\ntoken = dapi-new\n"},
    {"new profile, blank line already there", "dev", "[DEFAULT]\nhost = a\n\n",
     "[DEFAULT]\nhost = a\n\n[dev]\nhost = https://new.example.com\ntoken = dapi-new\n"},
    {"replace in place, others kept", "DEFAULT",
     "; top\n[DEFAULT]\nhost = old\n# keep me\ncluster_id = 42\ntoken = dapi-old\n\n"
     "[prod]\nhost = p\ntoken = t\n",
     "; top\n[DEFAULT]\nhost = https://new.example.com\n# keep me\ncluster_id = 42\n"
     "token = dapi-new\n\n[prod]\nhost = p\ntoken = t\n"},
    {"profile in the middle, other profiles untouched", "mid",
     "[a]\nhost=x\n\n[mid]\n  HOST=old  \n\n[z]\ntoken = keep\n",
     "[a]\nhost=x\n\n[mid]\nhost = https://new.example.com\ntoken = dapi-new\n\n[z]\n"
     "token = keep\n"},
    {"missing key after the last key line", "p",
     "[p]\nhost = h\nauth_type = pat\n# trailing comment\n\n[q]\n",
     "[p]\nhost = https://new.example.com\nauth_type = pat\ntoken = dapi-new\n"
     "# trailing comment\n\n[q]\n"},
    {"empty section", "p", "[p]\n[q]\nhost = q\n",
     "[p]\nhost = https://new.example.com\ntoken = dapi-new\n[q]\nhost = q\n"},
    {"section header last, no newline", "p", "[q]\n[p]",
     "[q]\n[p]\nhost = https://new.example.com\ntoken = dapi-new\n"},
    {"key last, no newline", "p", "[p]\nhost = h",
     "[p]\nhost = https://new.example.com\ntoken = dapi-new\n"},
    {"replaced key last, no newline", "p", "[p]\ntoken = old\nhost = h",
     "[p]\ntoken = dapi-new\nhost = https://new.example.com"},
    {"section twice: later copies dropped", "p",
     "[p]\nhost = 1\n[q]\nhost = q\n[p]\nhost = 2\ntoken = t2\nx = y\n",
     "[p]\nhost = https://new.example.com\n[q]\nhost = q\n[p]\ntoken = dapi-new\nx = y\n"},
    {"duplicate key in one section", "p", "[p]\nhost = 1\nhost = 2\n",
     "[p]\nhost = https://new.example.com\ntoken = dapi-new\n"},
    {"CRLF kept", "p", "[o]\r\nhost = o\r\n[p]\r\nhost = h\r\n",
     "[o]\r\nhost = o\r\n[p]\r\nhost = https://new.example.com\r\ntoken = dapi-new\r\n"},
    {"commented-out keys are not keys", "p", "[p]\n# token = old\n;host=x\n",
     "[p]\nhost = https://new.example.com\ntoken = dapi-new\n# token = old\n;host=x\n"},
    {"names compare exactly, keys not", "Prod", "[prod]\nhost = a\n[ Prod ]\nToken = b\n",
     "[prod]\nhost = a\n[ Prod ]\ntoken = dapi-new\nhost = https://new.example.com\n"},
    {"odd lines kept as they are", "p", "[broken\n[p]\nnot a pair\n",
     "[broken\n[p]\nhost = https://new.example.com\ntoken = dapi-new\nnot a pair\n"},
};

static void test_cases(void)
{
	size_t i;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct edit_case *c = &cases[i];
		char out[1024], err[DBX_ERRBUF_SIZE] = "";
		size_t len = 0, cap = cfgedit_size(strlen(c->in), c->profile, kv_ht, 2);
		struct harness_guarded g = harness_guard(c->in, strlen(c->in));
		const char *in = (const char *)g.data;
		int rc;

		CHECK(cap <= sizeof out, "%s: cap %zu", c->name, cap);
		rc = cfgedit_set(in, strlen(c->in), c->profile, kv_ht, 2, out, cap, &len, err);
		CHECK(rc == DBX_OK, "%s: rc %d (%s)", c->name, rc, err);
		CHECK(len == strlen(c->want) && strcmp(out, c->want) == 0,
		      "%s:\n--- got\n%s--- want\n%s---", c->name, out, c->want);
		/* applying it again changes nothing */
		if (rc == DBX_OK) {
			char again[1024];
			size_t len2 = 0;
			rc = cfgedit_set(out, len, c->profile, kv_ht, 2, again, sizeof again, &len2,
			                 err);
			CHECK(rc == DBX_OK && len2 == len && memcmp(again, out, len) == 0,
			      "%s: not idempotent:\n%s", c->name, again);
		}
		harness_unguard(&g);
	}
}

static void test_refusals(void)
{
	static const struct {
		const char *profile, *key, *value;
	} bad[] = {
	    {"", "host", "h"},     {"a]b", "host", "h"},    {" p", "host", "h"},
	    {"p\nq", "host", "h"}, {"p", "host", "h\n[x]"}, {"p", "host", " h"},
	    {"p", "host", "h\r"},  {"p", "ho=st", "h"},     {"p", "", "h"},
	    {"p", "#host", "h"},
	};
	size_t i;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct cfgedit_kv kv = {bad[i].key, bad[i].value};
		char out[256], err[DBX_ERRBUF_SIZE] = "";
		size_t len = 0;
		int rc = cfgedit_set("", 0, bad[i].profile, &kv, 1, out, sizeof out, &len, err);
		CHECK(rc == DBX_ERR_USAGE && err[0], "case %zu: rc %d", i, rc);
	}
	{
		/* a secret is never echoed in the message */
		struct cfgedit_kv kv = {"token", "dapi-secret\n"};
		char out[256], err[DBX_ERRBUF_SIZE] = "";
		size_t len = 0;
		cfgedit_set("", 0, "p", &kv, 1, out, sizeof out, &len, err);
		CHECK(strstr(err, "dapi-secret") == NULL, "secret in '%s'", err);
	}
}

static void test_limits(void)
{
	char out[64], err[DBX_ERRBUF_SIZE] = "";
	size_t len = 0, cap;
	const char *in = "[p]\nhost = h\n";
	int rc;

	/* every cap below the exact size fails cleanly, the exact size + NUL works */
	for (cap = 0; cap < sizeof out; cap++) {
		rc = cfgedit_set(in, strlen(in), "p", kv_ht, 2, out, cap, &len, err);
		if (rc == DBX_OK)
			break;
		CHECK(rc == DBX_ERR_LIMIT, "cap %zu: rc %d", cap, rc);
	}
	CHECK(rc == DBX_OK && cap == len + 1, "cap %zu len %zu", cap, len);
	/* an empty value is a value */
	{
		struct cfgedit_kv kv = {"token", ""};
		rc = cfgedit_set("", 0, "p", &kv, 1, out, sizeof out, &len, err);
		CHECK(rc == DBX_OK && strcmp(out, "[p]\ntoken = \n") == 0, "got '%s'", out);
	}
}

int main(void)
{
	RUN(test_cases);
	RUN(test_refusals);
	RUN(test_limits);
	return harness_done("cfgedit");
}
