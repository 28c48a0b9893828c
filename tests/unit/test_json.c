/* test_json.c - unit tests for src/json.c: JSONTestSuite conformance, getters,
 * navigation, token limits, the writer. */
#include <dirent.h>
#include <float.h>
#include <math.h>
#include <stdint.h>

#include "harness.h"
#include "json.h"
#include "jsonw.h"

/* The whole of src/json.c is linked from libdbxai.a; nothing else needed. */

#define NTOK 64

/* n_* files of JSONTestSuite this module accepts on purpose, with the reason.
 * Empty: every one is rejected. */
static const struct {
	const char *name;
	const char *why;
} harmless[] = {
    {NULL, NULL},
};

/* Parses js[0..len) into a fresh array, growing it once when json_parse asks
 * for more tokens. The caller frees *tok. */
static enum dbx_err parse_grow(struct json_doc *d, const char *js, size_t len,
                               struct json_tok **tok)
{
	enum dbx_err err;

	*tok = malloc(NTOK * sizeof **tok);
	err = json_parse(d, js, len, *tok, NTOK);
	if (err == DBX_ERR_LIMIT && d->needed > NTOK && d->needed <= JSON_MAX_TOKENS) {
		int need = d->needed;

		free(*tok);
		*tok = malloc((size_t)need * sizeof **tok);
		err = json_parse(d, js, len, *tok, need);
	}
	return err;
}

/* Visits every token with every getter: none may fail on the text of an
 * accepted document, and the navigation must agree with the token count. */
static int walk(const struct json_doc *d, int t, char *buf, size_t cap)
{
	int k, n = 0, visited = 1;
	size_t len, rl;
	const char *rp;
	int64_t iv;
	double dv;
	bool bv;
	enum dbx_err e;

	CHECK(json_raw(d, t, &rp, &rl) == DBX_OK && rl > 0, "raw of %d", t);
	CHECK(json_skip(d, t) > t && json_skip(d, t) <= d->ntok, "skip %d", t);
	switch (json_type(d, t)) {
	case JSON_OBJECT:
		for (k = json_child(d, t); k >= 0; k = json_next(d, k)) {
			CHECK(json_type(d, k) == JSON_STRING, "key type");
			CHECK(json_str(d, k, buf, cap, &len) == DBX_OK, "key str");
			/* the first member with that key is what json_getn finds */
			CHECK(json_getn(d, t, buf, len) >= 0, "getn finds key %d", k);
			CHECK(json_getn(d, t, buf, len) <= k + 1, "getn first");
			visited += 1 + walk(d, k + 1, buf, cap);
			CHECK(json_skip(d, k + 1) ==
			          (json_next(d, k) >= 0 ? json_next(d, k) : json_skip(d, t)),
			      "skip over member value");
			n++;
		}
		CHECK(n == json_size(d, t), "object size");
		break;
	case JSON_ARRAY:
		for (k = json_child(d, t); k >= 0; k = json_next(d, k)) {
			CHECK(json_at(d, t, n) == k, "at %d", n);
			visited += walk(d, k, buf, cap);
			n++;
		}
		CHECK(n == json_size(d, t), "array size");
		CHECK(json_at(d, t, n) == -1, "at past end");
		break;
	case JSON_STRING:
		e = json_str(d, t, buf, cap, &len);
		CHECK(e == DBX_OK && len == json_strlen(d, t) && buf[len] == 0, "str");
		break;
	case JSON_NUMBER:
		e = json_double(d, t, &dv);
		CHECK(e == DBX_OK || e == DBX_ERR_LIMIT, "double %d", e);
		e = json_int(d, t, &iv);
		CHECK(e == DBX_OK || e == DBX_ERR_LIMIT || e == DBX_ERR_USAGE, "int");
		break;
	case JSON_BOOL:
		CHECK(json_bool(d, t, &bv) == DBX_OK, "bool");
		break;
	case JSON_NULL:
		CHECK(json_is_null(d, t), "null");
		break;
	default:
		CHECK(0, "token %d has no type", t);
		break;
	}
	return visited;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *harmless_reason(const char *name)
{
	size_t i;
	const char *why = NULL;

	for (i = 0; i < sizeof harmless / sizeof harmless[0]; i++)
		if (harmless[i].name && strcmp(harmless[i].name, name) == 0)
			why = harmless[i].why;
	return why;
}

static void test_conformance(void)
{
	char dir[4096], path[4200], *names[400], buf[8192];
	DIR *dp;
	struct dirent *de;
	int nn = 0, i, y = 0, ya = 0, n = 0, nr = 0, nh = 0, ia = 0, ir = 0;

	snprintf(dir, sizeof dir, "%s", harness_data("json/test_parsing"));
	dp = opendir(dir);
	CHECK(dp != NULL, "open %s", dir);
	if (!dp)
		return;
	for (de = readdir(dp); de && nn < 400; de = readdir(dp))
		if (strlen(de->d_name) > 5 && de->d_name[1] == '_')
			names[nn++] = strdup(de->d_name);
	closedir(dp);
	qsort(names, (size_t)nn, sizeof names[0], cmp_str);
	CHECK(nn == 318, "318 files, found %d", nn);

	for (i = 0; i < nn; i++) {
		struct json_doc d;
		struct json_tok *tok;
		struct harness_guarded g;
		size_t len;
		char *text;
		enum dbx_err err;
		const char *name = names[i];

		snprintf(path, sizeof path, "%s/%s", dir, name);
		text = harness_read(path, &len);
		CHECK(text != NULL, "read %s", path);
		if (!text)
			continue;
		g = harness_guard(text, len);
		err = parse_grow(&d, (const char *)g.data, len, &tok);
		if (!err)
			CHECK(walk(&d, 0, buf, sizeof buf) == d.ntok, "%s: walk count", name);
		if (!err)
			CHECK(json_token_bound((const char *)g.data, len) >= d.ntok,
			      "%s: token bound %d < %d tokens", name,
			      json_token_bound((const char *)g.data, len), d.ntok);
		switch (name[0]) {
		case 'y':
			y++;
			ya += !err;
			CHECK(!err, "%s rejected: %s (%s at %zu)", name, dbx_strerror(err),
			      d.err_what, d.err_off);
			break;
		case 'n':
			n++;
			nr += !!err;
			if (!err && harmless_reason(name))
				nh++;
			else
				CHECK(err, "%s accepted", name);
			break;
		default:
			/* Numbers are valid grammar whatever their size; every other i_
			 * case is a lone surrogate, bad UTF-8, a BOM or UTF-16, or 500
			 * levels of nesting: rejected. */
			if (err)
				ir++;
			else
				ia++;
			CHECK(!err == (strncmp(name, "i_number_", 9) == 0),
			      "%s: verdict changed (%s)", name, dbx_strerror(err));
			break;
		}
		free(tok);
		harness_unguard(&g);
		free(text);
		free(names[i]);
	}
	printf("json conformance: y %d/%d accepted, n %d/%d rejected (%d listed as "
	       "harmless), i %d no crash (%d accepted, %d rejected)\n",
	       ya, y, nr + nh, n, nh, ia + ir, ia, ir);
	CHECK(ya == 95 && y == 95 && n == 188 && nr + nh == 188 && ia + ir == 35,
	      "conformance counts");
}

/* Every prefix of every y_ file, ending at a guard page: over-reads crash, and
 * a prefix is only accepted when it is a complete value itself. */
static void test_prefixes(void)
{
	static const char *files[] = {
	    "y_object_string_unicode.json",
	    "y_string_surrogates_U+1D11E_MUSICAL_SYMBOL_G_CLEF.json",
	    "y_number_real_capital_e_neg_exp.json",
	    "y_structure_lonely_true.json",
	    "y_object_extreme_numbers.json",
	    "y_string_allowed_escapes.json",
	    "y_structure_lonely_int.json",
	    "y_object_duplicated_key_and_value.json",
	};
	size_t f, len, k;
	char rel[200];
	struct json_tok tok[NTOK];
	struct json_doc d;

	for (f = 0; f < sizeof files / sizeof files[0]; f++) {
		char *text;
		snprintf(rel, sizeof rel, "json/test_parsing/%s", files[f]);
		text = harness_read(harness_data(rel), &len);
		CHECK(text != NULL, "read %s", rel);
		if (!text)
			continue;
		for (k = 0; k <= len; k++) {
			struct harness_guarded g = harness_guard(text, k);
			enum dbx_err err = json_parse(&d, (const char *)g.data, k, tok, NTOK);
			/* only the lonely scalars are valid before their end */
			if (k < len && !err)
				CHECK(text[0] != '[' && text[0] != '{', "%s prefix %zu accepted",
				      files[f], k);
			harness_unguard(&g);
		}
		free(text);
	}
}

struct str_case {
	const char *json; /* a whole document: one string */
	const char *want; /* unescaped bytes, NULL when json_parse must fail */
	size_t want_len;
};

static const struct str_case str_cases[] = {
    {"\"abc\"", "abc", 3},
    {"\"\"", "", 0},
    {"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t", 8},
    {"\"\\u0041\\u00e9\\u20AC\"", "A\xc3\xa9\xe2\x82\xac", 6},
    {"\"\\u0000x\"", "\0x", 2},
    {"\"\\ud834\\udd1e\"", "\xf0\x9d\x84\x9e", 4},   /* U+1D11E */
    {"\"\\uD83D\\uDE00!\"", "\xf0\x9f\x98\x80!", 5}, /* U+1F600 */
    {"\"\\udbff\\udfff\"", "\xf4\x8f\xbf\xbf", 4},   /* U+10FFFF */
    {"\"\\uFFFF\\uffff\"", "\xef\xbf\xbf\xef\xbf\xbf", 6},
    {"\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9},
    {"\"a\\nb\xc3\xa9\\u0063\"",
     "a\nb\xc3\xa9"
     "c",
     6},
    {"\"\x7f\"", "\x7f", 1},
    /* rejected */
    {"\"\\ud834\"", NULL, 0},        /* lone high surrogate */
    {"\"\\udd1e\"", NULL, 0},        /* lone low surrogate */
    {"\"\\udd1e\\ud834\"", NULL, 0}, /* inverted pair */
    {"\"\\ud834\\u0041\"", NULL, 0}, /* high + non-surrogate */
    {"\"\\ud834\\ud834\"", NULL, 0}, /* high + high */
    {"\"\\ud834x\"", NULL, 0},
    {"\"\\x41\"", NULL, 0},
    {"\"\\a\"", NULL, 0},
    {"\"\\U0041\"", NULL, 0},
    {"\"\\u004\"", NULL, 0},
    {"\"\\u00G1\"", NULL, 0},
    {"\"\\'\"", NULL, 0},
    {"\"a\tb\"", NULL, 0}, /* raw control characters */
    {"\"a\nb\"", NULL, 0},
    {"\"\x01\"", NULL, 0},
    {"\"\x1f\"", NULL, 0},
    {"\"\xc0\xaf\"", NULL, 0}, /* overlong */
    {"\"\xe0\x80\xaf\"", NULL, 0},
    {"\"\xed\xa0\x80\"", NULL, 0},     /* encoded surrogate */
    {"\"\xf4\x90\x80\x80\"", NULL, 0}, /* past U+10FFFF */
    {"\"\xe2\x82\"", NULL, 0},         /* truncated */
    {"\"\x80\"", NULL, 0},
    {"\"\xff\"", NULL, 0},
    {"\"abc", NULL, 0},
    {"\"abc\\\"", NULL, 0},
};

static void test_strings(void)
{
	size_t i, len;
	char buf[64];
	struct json_tok tok[4];
	struct json_doc d;
	enum dbx_err err;

	for (i = 0; i < sizeof str_cases / sizeof str_cases[0]; i++) {
		const struct str_case *c = &str_cases[i];
		struct harness_guarded g = harness_guard(c->json, strlen(c->json));

		err = json_parse(&d, (const char *)g.data, strlen(c->json), tok, 4);
		if (!c->want) {
			CHECK(err == DBX_ERR_PROTOCOL, "case %zu accepted", i);
			harness_unguard(&g);
			continue;
		}
		CHECK(!err, "case %zu: %s at %zu", i, d.err_what, d.err_off);
		if (!err) {
			memset(buf, 'X', sizeof buf);
			err = json_str(&d, 0, buf, sizeof buf, &len);
			CHECK(!err && len == c->want_len && memcmp(buf, c->want, len) == 0 &&
			          buf[len] == 0,
			      "case %zu: decoded", i);
			CHECK(json_strlen(&d, 0) == c->want_len, "case %zu: strlen", i);
			/* exactly len + 1 fits, len does not (and reports the length) */
			len = 0;
			CHECK(json_str(&d, 0, buf, c->want_len + 1, &len) == DBX_OK, "fit %zu", i);
			CHECK(json_str(&d, 0, buf, c->want_len, &len) == DBX_ERR_LIMIT &&
			          len == c->want_len,
			      "case %zu: short buffer", i);
			if (!memchr(c->want, 0, c->want_len))
				CHECK(json_streq(&d, 0, c->want), "case %zu: streq", i);
			/* a view exactly when there is no escape */
			{
				size_t vlen = 0;
				const char *view = json_str_view(&d, 0, &vlen);

				CHECK((view != NULL) == (strchr(c->json, '\\') == NULL) &&
				          (!view || (vlen == c->want_len &&
				                     memcmp(view, c->want, vlen) == 0)),
				      "case %zu: view", i);
			}
		}
		harness_unguard(&g);
	}
}

/* The string cases again, each shifted by 0 to 16 plain bytes and followed by
 * more text, so that they are read 8 bytes a step with the special bytes at
 * every place in a word, and the word reads run past the closing quote. */
static void test_strings_shifted(void)
{
	static const char *const tails[] = {"]", ",\"0123456789abcdef\"]"};
	char doc[256], want[128], buf[128];
	struct json_tok tok[4];
	struct json_doc d;
	size_t i, pad, t, n, len;
	enum dbx_err err;

	for (i = 0; i < sizeof str_cases / sizeof str_cases[0]; i++) {
		const struct str_case *c = &str_cases[i];

		for (pad = 0; pad <= 16; pad++) {
			for (t = 0; t < 2; t++) {
				n = (size_t)snprintf(doc, sizeof doc, "[\"%.*s%s%s", (int)pad,
				                     "aaaaaaaaaaaaaaaa", c->json + 1, tails[t]);
				err = json_parse(&d, doc, n, tok, 4);
				if (!c->want) {
					CHECK(err == DBX_ERR_PROTOCOL, "case %zu+%zu accepted", i,
					      pad);
					continue;
				}
				memset(want, 'a', pad);
				memcpy(want + pad, c->want, c->want_len);
				len = 0;
				CHECK(!err && json_strlen(&d, 1) == pad + c->want_len,
				      "case %zu+%zu: %s, length %zu", i, pad, d.err_what,
				      json_strlen(&d, 1));
				CHECK(!err && json_str(&d, 1, buf, sizeof buf, &len) == DBX_OK &&
				          len == pad + c->want_len && memcmp(buf, want, len) == 0,
				      "case %zu+%zu: decoded", i, pad);
			}
		}
	}
}

/* json_parse_prefix on a stream of documents that start alike: each result
 * exactly json_parse's (error, place, tokens), and the kept start is used. */
static void test_prefix(void)
{
#define CHUNK_HEAD                                                                                 \
	"{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":\"m\","             \
	"\"choices\":[{\"index\":0,\"delta\":{"
	static const char *const docs[] = {
	    CHUNK_HEAD "\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}",
	    CHUNK_HEAD "\"content\":\"The \"},\"finish_reason\":null}]}",
	    CHUNK_HEAD "\"content\":\"quick \"},\"finish_reason\":null}]}",
	    CHUNK_HEAD "\"content\":\"br\\u00f8wn\\n\"},\"finish_reason\":null}]}",
	    CHUNK_HEAD "\"content\":\"tab\there\"},\"finish_reason\":null}]}", /* raw tab */
	    CHUNK_HEAD "\"content\":\"fox\"},\"finish_reason\":null}]",        /* cut */
	    CHUNK_HEAD "\"content\":\"fox\"},\"finish_reason\":null}]}}",      /* extra */
	    CHUNK_HEAD "\"content\":\"jumps\"},\"finish_reason\":null}]}",
	    CHUNK_HEAD "\"content\":", /* shorter */
	    CHUNK_HEAD "\"content\":\"",
	    CHUNK_HEAD "\"content\":\"x\"}]}", /* mismatched */
	    CHUNK_HEAD "\"content\":[1,2,{\"a\":[]}]},\"finish_reason\":null}]}",
	    CHUNK_HEAD "\"content\":\"over\"},\"finish_reason\":\"stop\"}],"
	               "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}",
	    "[\"a\",{\"k\":\"v\"}]",
	    "[\"a\",{\"k\":\"w\"}]",
	    "[\"a\",{\"k\":\"w\"} ]x",
	    "{\"k\" : \"v\"}",
	    "{\"k\" : \"v\"}",
	};
	static struct json_prefix pc;
	struct json_tok ta[64], tb[64];
	struct json_doc a, b;
	size_t i, hits = 0;
	int cap;

	for (cap = 64; cap >= 8; cap -= 56) {
		memset(&pc, 0, sizeof pc);
		for (i = 0; i < sizeof docs / sizeof docs[0]; i++) {
			size_t n = strlen(docs[i]);
			int kept = pc.len_ && n > pc.len_ && memcmp(docs[i], pc.text, pc.len_) == 0;
			enum dbx_err ea = json_parse_prefix(&a, docs[i], n, ta, cap, &pc);
			enum dbx_err eb = json_parse(&b, docs[i], n, tb, cap);

			hits += kept;
			CHECK(ea == eb && a.ntok == b.ntok && a.err_off == b.err_off &&
			          a.needed == b.needed && strcmp(a.err_what, b.err_what) == 0,
			      "cap %d doc %zu: %d %s at %zu, json_parse %d %s at %zu", cap, i, ea,
			      a.err_what, a.err_off, eb, b.err_what, b.err_off);
			CHECK(memcmp(ta, tb, (size_t)a.ntok * sizeof ta[0]) == 0,
			      "cap %d doc %zu: tokens differ", cap, i);
		}
	}
	/* chunks 2-4 after the first two, the usage chunk after the array one,
	 * the second and third small arrays (at cap 8 the chunks do not fit) */
	CHECK(hits >= 6, "the kept start was used %zu times", hits);
#undef CHUNK_HEAD
}

struct num_case {
	const char *json;
	enum dbx_err int_err;
	int64_t i;
	enum dbx_err dbl_err;
	double d;
};

static void test_numbers(void)
{
	static const struct num_case cases[] = {
	    {"0", DBX_OK, 0, DBX_OK, 0.0},
	    {"-0", DBX_OK, 0, DBX_OK, -0.0},
	    {"42", DBX_OK, 42, DBX_OK, 42.0},
	    {"-17", DBX_OK, -17, DBX_OK, -17.0},
	    {"9223372036854775807", DBX_OK, INT64_MAX, DBX_OK, 9223372036854775807.0},
	    {"-9223372036854775808", DBX_OK, INT64_MIN, DBX_OK, -9223372036854775808.0},
	    {"9223372036854775808", DBX_ERR_LIMIT, 0, DBX_OK, 9223372036854775808.0},
	    {"-9223372036854775809", DBX_ERR_LIMIT, 0, DBX_OK, -9223372036854775809.0},
	    {"100000000000000000000000", DBX_ERR_LIMIT, 0, DBX_OK, 1e23},
	    {"0.7", DBX_ERR_USAGE, 0, DBX_OK, 0.7},
	    {"1.5", DBX_ERR_USAGE, 0, DBX_OK, 1.5},
	    {"3.0", DBX_OK, 3, DBX_OK, 3.0},
	    {"1e3", DBX_OK, 1000, DBX_OK, 1000.0},
	    {"-2E+2", DBX_OK, -200, DBX_OK, -200.0},
	    /* whole values past 32 bits, and the largest a double holds exactly */
	    {"4294967297e0", DBX_OK, 4294967297, DBX_OK, 4294967297.0},
	    {"-4294967296.0", DBX_OK, -4294967296, DBX_OK, -4294967296.0},
	    {"4294967296.5", DBX_ERR_USAGE, 0, DBX_OK, 4294967296.5},
	    {"12345678901.25e2", DBX_OK, 1234567890125, DBX_OK, 1234567890125.0},
	    {"9007199254740992.0", DBX_OK, 9007199254740992, DBX_OK, 9007199254740992.0},
	    {"-9007199254740992e0", DBX_OK, -9007199254740992, DBX_OK, -9007199254740992.0},
	    {"9007199254740994e0", DBX_ERR_LIMIT, 0, DBX_OK, 9007199254740994.0},
	    /* the fast path's 15 digits, past 32 bits */
	    {"-1234567890.12345", DBX_ERR_USAGE, 0, DBX_OK, -1234567890.12345},
	    {"999999999999999e7", DBX_ERR_LIMIT, 0, DBX_OK, 999999999999999e7},
	    {"1e-7", DBX_ERR_USAGE, 0, DBX_OK, 1e-7},
	    {"1e300", DBX_ERR_LIMIT, 0, DBX_OK, 1e300},
	    {"1e400", DBX_ERR_LIMIT, 0, DBX_ERR_LIMIT, 0},
	    {"-1e400", DBX_ERR_LIMIT, 0, DBX_ERR_LIMIT, 0},
	    {"1e-400", DBX_OK, 0, DBX_OK, 0.0},
	    {"2.2250738585072014e-308", DBX_ERR_USAGE, 0, DBX_OK, 2.2250738585072014e-308},
	    {"1.7976931348623157e308", DBX_ERR_LIMIT, 0, DBX_OK, DBL_MAX},
	};
	static const char *bad[] = {
	    "01",    "-01",  "00",        "1.",    "-",        "+1",          ".5",    "1.e5",
	    "1e",    "1e+",  "0x10",      "1_000", "Infinity", "-Infinity",   "NaN",   "1ee2",
	    "1.2.3", "- 1",  "--1",       "tru",   "truee",    "nul",         "nulll", "False",
	    "TRUE",  "True", "undefined", "1 2",   "[1 2]",    "\"a\" \"b\"",
	};
	size_t i;
	struct json_tok tok[4];
	struct json_doc d;
	int64_t iv;
	double dv;
	bool bv;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct num_case *c = &cases[i];
		struct harness_guarded g = harness_guard(c->json, strlen(c->json));
		enum dbx_err err = json_parse(&d, (const char *)g.data, strlen(c->json), tok, 4);

		CHECK(!err && json_type(&d, 0) == JSON_NUMBER, "%s parses", c->json);
		iv = 12345;
		err = json_int(&d, 0, &iv);
		CHECK(err == c->int_err, "%s: int err %d", c->json, err);
		CHECK(err || iv == c->i, "%s: int value", c->json);
		err = json_double(&d, 0, &dv);
		CHECK(err == c->dbl_err, "%s: double err %d", c->json, err);
		CHECK(err || (dv == c->d && signbit(dv) == signbit(c->d)), "%s: double value",
		      c->json);
		CHECK(json_bool(&d, 0, &bv) == DBX_ERR_USAGE, "bool of number");
		harness_unguard(&g);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct harness_guarded g = harness_guard(bad[i], strlen(bad[i]));
		CHECK(json_parse(&d, (const char *)g.data, strlen(bad[i]), tok, 4) ==
		          DBX_ERR_PROTOCOL,
		      "%s accepted", bad[i]);
		harness_unguard(&g);
	}
	/* a number longer than JSON_NUM_MAX */
	{
		static char big[JSON_NUM_MAX + 8];
		memset(big, '1', sizeof big - 1);
		CHECK(json_parse(&d, big, sizeof big - 1, tok, 4) == DBX_OK, "long number");
		CHECK(json_double(&d, 0, &dv) == DBX_ERR_LIMIT, "long number double");
		CHECK(json_int(&d, 0, &iv) == DBX_ERR_LIMIT, "long number int");
	}
}

static const char chunk[] =
    "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
    "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\\u006co "
    "\\\"w\\\"\"},\"finish_reason\":null}],"
    "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3,\"total_tokens\":15},"
    "\"a\\u002eb\":true,\"empty\":{},\"list\":[[],[1,[2,3]],{\"k\":[4]},5],"
    "\"dup\":1,\"dup\":2}";

static void test_navigation(void)
{
	struct json_tok tok[NTOK];
	struct json_doc d;
	char buf[64];
	size_t len;
	int64_t iv;
	bool bv;
	int t, k, n;
	const char *p;

	CHECK(json_parse(&d, chunk, sizeof chunk - 1, tok, NTOK) == DBX_OK, "parse chunk: %s",
	      d.err_what);
	CHECK(json_type(&d, 0) == JSON_OBJECT && json_size(&d, 0) == 10, "root");
	t = json_path(&d, 0, "choices.0.delta.content");
	CHECK(json_str(&d, t, buf, sizeof buf, &len) == DBX_OK && len == 9 &&
	          strcmp(buf, "Hello \"w\"") == 0,
	      "content: %s", buf);
	CHECK(json_get(&d, json_get(&d, json_at(&d, json_get(&d, 0, "choices"), 0), "delta"),
	               "content") == t,
	      "chained lookup");
	CHECK(json_is_null(&d, json_path(&d, 0, "choices.0.finish_reason")), "finish null");
	CHECK(json_int(&d, json_path(&d, 0, "usage.total_tokens"), &iv) == DBX_OK && iv == 15,
	      "usage");
	CHECK(json_path(&d, 0, "choices.1") == -1, "index past end");
	CHECK(json_path(&d, 0, "choices.00") == -1, "leading zero index");
	CHECK(json_path(&d, 0, "choices.x") == -1, "key on array");
	CHECK(json_path(&d, 0, "usage.0") == -1, "index on object");
	CHECK(json_path(&d, 0, "usage.") == -1, "trailing dot");
	CHECK(json_path(&d, 0, ".usage") == -1, "leading dot");
	CHECK(json_path(&d, 0, "") == 0, "empty path");
	CHECK(json_path(&d, 0, "nope.x") == -1 && json_path(&d, -1, "a") == -1, "missing");
	CHECK(json_path(&d, 0, "id.x") == -1, "path through a string");
	/* keys are compared unescaped */
	CHECK(json_bool(&d, json_get(&d, 0, "a.b"), &bv) == DBX_OK && bv, "escaped key");
	CHECK(json_get(&d, 0, "a\\u002eb") == -1, "raw escaped key is not the key");
	CHECK(json_int(&d, json_get(&d, 0, "dup"), &iv) == DBX_OK && iv == 1, "first dup");
	CHECK(json_getn(&d, 0, "idx", 2) == 2, "getn with length");
	CHECK(json_str_view(&d, json_get(&d, 0, "created"), &len) == NULL, "view of a number");
	{
		/* several keys in one walk: the same answers as json_get */
		static const struct json_key keys[] = {JSON_KEY("usage"), JSON_KEY("dup"),
		                                       JSON_KEY("a.b"), JSON_KEY("nope"),
		                                       JSON_KEY("choices")};
		int many[5], i;

		json_get_many(&d, 0, keys, 5, many);
		for (i = 0; i < 5; i++)
			CHECK(many[i] == json_get(&d, 0, keys[i].name), "get_many %s: %d",
			      keys[i].name, many[i]);
		CHECK(many[3] == -1 && many[2] > 0, "get_many: missing / escaped key");
		json_get_many(&d, json_get(&d, 0, "id"), keys, 5, many);
		CHECK(many[0] == -1 && many[4] == -1, "get_many on a string");
	}
	CHECK(json_get(&d, json_get(&d, 0, "id"), "x") == -1, "get on a string");
	CHECK(json_streq(&d, json_get(&d, 0, "object"), "chat.completion.chunk"), "streq");
	CHECK(!json_streq(&d, json_get(&d, 0, "object"), "chat.completion"), "streq prefix");
	CHECK(!json_streq(&d, json_get(&d, 0, "created"), "1700000000"), "streq non-string");
	CHECK(json_str(&d, json_get(&d, 0, "created"), buf, sizeof buf, &len) == DBX_ERR_USAGE,
	      "str of number");
	CHECK(json_int(&d, json_get(&d, 0, "id"), &iv) == DBX_ERR_USAGE, "int of string");
	CHECK(json_str(&d, -1, buf, sizeof buf, NULL) == DBX_ERR_USAGE, "str of -1");
	CHECK(json_type(&d, -1) == JSON_NONE && json_type(&d, d.ntok) == JSON_NONE, "none");

	/* empty containers and iteration */
	t = json_get(&d, 0, "empty");
	CHECK(json_type(&d, t) == JSON_OBJECT && json_size(&d, t) == 0 && json_child(&d, t) == -1,
	      "empty object");
	CHECK(json_get(&d, t, "list") == -1, "lookup in an empty object stays inside it");
	t = json_get(&d, 0, "list");
	CHECK(json_size(&d, t) == 4, "list size");
	n = 0;
	for (k = json_child(&d, t); k >= 0; k = json_next(&d, k))
		n++;
	CHECK(n == 4, "list iteration %d", n);
	CHECK(json_size(&d, json_at(&d, t, 0)) == 0, "inner empty");
	CHECK(json_int(&d, json_path(&d, t, "1.1.1"), &iv) == DBX_OK && iv == 3, "deep");
	CHECK(json_int(&d, json_path(&d, t, "2.k.0"), &iv) == DBX_OK && iv == 4, "mixed");
	CHECK(json_int(&d, json_at(&d, t, 3), &iv) == DBX_OK && iv == 5, "last");
	CHECK(json_skip(&d, json_at(&d, t, 1)) == json_at(&d, t, 2), "skip subtree");
	CHECK(json_skip(&d, t) == json_get(&d, 0, "dup") - 1, "skip list -> next key");
	CHECK(json_skip(&d, 0) == d.ntok, "skip root");
	CHECK(json_raw(&d, json_at(&d, t, 1), &p, &len) == DBX_OK && len == 9 &&
	          memcmp(p, "[1,[2,3]]", 9) == 0,
	      "raw array");
	CHECK(json_raw(&d, json_get(&d, 0, "id"), &p, &len) == DBX_OK && len == 12 &&
	          memcmp(p, "\"chatcmpl-1\"", 12) == 0,
	      "raw string has quotes");
}

static void test_tokens(void)
{
	static const char doc[] = " [1, {\"a\": [true, null]}, \"s\"] ";
	struct json_tok tok[8];
	struct json_doc d;
	enum dbx_err err;
	int depth;
	char *big;
	size_t i, n;

	/* 8 tokens: [ 1 { "a" [ true null ] "s" -> 8 */
	err = json_parse(&d, doc, sizeof doc - 1, tok, 3);
	CHECK(err == DBX_ERR_LIMIT && d.needed == 8, "count mode: %d needed %d", err, d.needed);
	err = json_parse(&d, doc, sizeof doc - 1, NULL, 0);
	CHECK(err == DBX_ERR_LIMIT && d.needed == 8 && d.ntok == 0, "count only");
	err = json_parse(&d, doc, sizeof doc - 1, tok, 7);
	CHECK(err == DBX_ERR_LIMIT && d.needed == 8, "one short");
	err = json_parse(&d, doc, sizeof doc - 1, tok, 8);
	CHECK(err == DBX_OK && d.ntok == 8, "exact");
	/* the bound: one per , : [ { (here also the one inside the string) */
	CHECK(json_token_bound(doc, sizeof doc - 1) == 8, "bound %d",
	      json_token_bound(doc, sizeof doc - 1));
	CHECK(json_token_bound("{\"a,b\": 1}", 11) == 4, "bound counts string commas");
	CHECK(json_token_bound("", 0) == 1 && json_token_bound("1 2 3", 5) == 1, "bound of one");
	CHECK(json_parse(&d, doc, sizeof doc - 1, tok, -1) == DBX_ERR_USAGE, "negative cap");
	CHECK(json_parse(&d, "", 0, tok, 8) == DBX_ERR_PROTOCOL, "empty");
	CHECK(json_parse(&d, "  ", 2, NULL, 0) == DBX_ERR_PROTOCOL, "blank, count mode");
	CHECK(json_parse(&d, "[1]\0", 4, tok, 8) == DBX_ERR_PROTOCOL, "NUL after value");
	CHECK(json_parse(&d, "[\"a\0\"]", 6, tok, 8) == DBX_ERR_PROTOCOL, "NUL in string");
	/* an invalid document too big for the array: LIMIT first, then the truth */
	err = json_parse(&d, "[1,2,3,]", 8, tok, 2);
	CHECK(err == DBX_ERR_LIMIT && d.needed == 4, "invalid, counted");
	CHECK(json_parse(&d, "[1,2,3,]", 8, tok, 8) == DBX_ERR_PROTOCOL, "then rejected");
	CHECK(d.err_off == 7, "error offset %zu", d.err_off);

	/* depth: JSON_MAX_DEPTH levels pass, one more is a limit */
	big = malloc(2 * JSON_MAX_DEPTH + 2);
	for (depth = JSON_MAX_DEPTH; depth <= JSON_MAX_DEPTH + 1; depth++) {
		struct json_tok *t = malloc((size_t)depth * sizeof *t);
		memset(big, '[', (size_t)depth);
		memset(big + depth, ']', (size_t)depth);
		err = json_parse(&d, big, 2 * (size_t)depth, t, depth);
		CHECK(err == (depth > JSON_MAX_DEPTH ? DBX_ERR_LIMIT : DBX_OK), "depth %d: %d",
		      depth, err);
		free(t);
	}
	free(big);

	/* more tokens than JSON_MAX_TOKENS: counted, refused */
	n = 2 * (size_t)JSON_MAX_TOKENS + 2;
	big = malloc(n);
	big[0] = '[';
	for (i = 1; i + 1 < n; i += 2) {
		big[i] = '0';
		big[i + 1] = ',';
	}
	big[n - 1] = ']';
	err = json_parse(&d, big, n, tok, 8);
	CHECK(err == DBX_ERR_LIMIT && d.needed == JSON_MAX_TOKENS + 1, "over the cap: %d",
	      d.needed);
	CHECK(json_token_bound(big, n) == JSON_MAX_TOKENS + 1, "bound over the cap: %d",
	      json_token_bound(big, n));
	free(big);
}

/* Writer. */

static void check_written(const char *what, enum dbx_err err, const char *got, const char *want)
{
	CHECK(err == DBX_OK && strcmp(got, want) == 0, "%s: got %s, want %s", what, got, want);
}

static void test_writer_strings(void)
{
	static const struct {
		const char *in;
		size_t n;
		const char *out;
		size_t replaced;
	} cases[] = {
	    {"plain", 5, "\"plain\"", 0},
	    {"", 0, "\"\"", 0},
	    {"q\"b\\s/", 6, "\"q\\\"b\\\\s/\"", 0},
	    {"\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"", 0},
	    {"\x01\x1f\x7f", 3, "\"\\u0001\\u001f\x7f\"", 0},
	    {"a\0b", 3, "\"a\\u0000b\"", 0},
	    {"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"",
	     0},
	    {"\xff", 1, "\"\xef\xbf\xbd\"", 1},
	    {"a\x80z", 3, "\"a\xef\xbf\xbdz\"", 1},
	    {"\xc0\xaf", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\"", 2},                 /* overlong */
	    {"\xed\xa0\x80", 3, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", 3}, /* surrogate */
	    {"\xe2\x82", 2, "\"\xef\xbf\xbd\"", 1},                             /* truncated: one */
	    {"\xe2\x82x", 3, "\"\xef\xbf\xbdx\"", 1},
	    {"\xf4\x90\x80\x80", 4, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", 4},
	    {"\xf0\x9f\x98", 3, "\"\xef\xbf\xbd\"", 1},
	};
	char buf[128];
	struct json_w w;
	size_t i, len;
	enum dbx_err err;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_w_init(&w, buf, sizeof buf);
		json_w_strn(&w, cases[i].in, cases[i].n);
		err = json_w_finish(&w, &len);
		CHECK(len == strlen(cases[i].out), "case %zu length", i);
		check_written("string", err, buf, cases[i].out);
		CHECK(w.replaced == cases[i].replaced, "case %zu replaced %zu", i, w.replaced);
	}
}

/* Builds a small request body; used whole and with every short buffer. */
static enum dbx_err build_body(char *buf, size_t cap, const struct json_doc *tools, size_t *len)
{
	struct json_w w;

	json_w_init(&w, buf, cap);
	json_w_obj(&w);
	json_w_key(&w, "messages");
	json_w_arr(&w);
	json_w_obj(&w);
	json_w_key(&w, "role");
	json_w_str(&w, "user");
	json_w_key(&w, "content");
	json_w_str(&w, "Say \"hi\"\n\ttab");
	json_w_obj_end(&w);
	json_w_arr_end(&w);
	json_w_key(&w, "tools");
	json_w_raw(&w, tools, 0);
	json_w_key(&w, "temperature");
	json_w_double(&w, 0.7);
	json_w_key(&w, "max_tokens");
	json_w_int(&w, 4096);
	json_w_key(&w, "stream");
	json_w_bool(&w, true);
	json_w_key(&w, "stop");
	json_w_null(&w);
	json_w_key(&w, "stream_options");
	json_w_obj(&w);
	json_w_key(&w, "include_usage");
	json_w_bool(&w, false);
	json_w_obj_end(&w);
	json_w_key(&w, "e");
	json_w_arr(&w);
	json_w_arr_end(&w);
	json_w_obj_end(&w);
	return json_w_finish(&w, len);
}

static void test_writer_body(void)
{
	static const char tools_json[] = "[ {\"type\": \"function\", \"x\": \"\\u00e9\"} ]";
	static const char want[] =
	    "{\"messages\":[{\"role\":\"user\",\"content\":\"Say \\\"hi\\\"\\n\\ttab\"}],"
	    "\"tools\":[ {\"type\": \"function\", \"x\": \"\\u00e9\"} ],"
	    "\"temperature\":0.7,\"max_tokens\":4096,\"stream\":true,\"stop\":null,"
	    "\"stream_options\":{\"include_usage\":false},\"e\":[]}";
	struct json_tok tok[NTOK];
	struct json_doc tools, back;
	char buf[512];
	size_t len, cap;
	double dv;
	enum dbx_err err;

	CHECK(json_parse(&tools, tools_json, sizeof tools_json - 1, tok, NTOK) == DBX_OK,
	      "tools parse");
	err = build_body(buf, sizeof buf, &tools, &len);
	check_written("body", err, buf, want);
	CHECK(len == sizeof want - 1, "body length");
	CHECK(json_parse(&back, buf, len, tok + 16, NTOK - 16) == DBX_OK, "body parses back");
	CHECK(json_double(&back, json_get(&back, 0, "temperature"), &dv) == DBX_OK && dv == 0.7,
	      "temperature round trip");
	/* every buffer too small overflows cleanly, never writes past cap */
	for (cap = 0; cap <= sizeof want; cap++) {
		memset(buf, 'Z', sizeof buf);
		err = build_body(buf, cap, &tools, &len);
		CHECK(err == (cap == sizeof want ? DBX_OK : DBX_ERR_LIMIT), "cap %zu: %d", cap,
		      err);
		CHECK(buf[cap] == 'Z', "cap %zu: wrote past the end", cap);
		CHECK(cap == 0 || memchr(buf, 0, cap) != NULL, "cap %zu: NUL", cap);
	}
}

static void test_writer_numbers(void)
{
	static const double dbl[] = {
	    0.7,
	    1e-7,
	    0.1,
	    0.3,
	    1.0 / 3.0,
	    2.0,
	    -0.0,
	    0.0,
	    1e300,
	    -1e-300,
	    5e-324,
	    DBL_MAX,
	    DBL_MIN,
	    123456789012345678.0,
	    9007199254740993.0,
	    1.5,
	    100.0,
	    0.30000000000000004,
	};
	static const struct {
		double v;
		const char *want;
	} exact[] = {
	    {0.7, "0.7"},      {1e-7, "1e-07"},
	    {0.1, "0.1"},      {2.0, "2"},
	    {-0.0, "-0"},      {1.5, "1.5"},
	    {1e300, "1e+300"}, {0.30000000000000004, "0.30000000000000004"},
	};
	static const struct {
		int64_t v;
		const char *want;
	} ints[] = {
	    {0, "0"},
	    {-1, "-1"},
	    {4096, "4096"},
	    {INT64_MAX, "9223372036854775807"},
	    {INT64_MIN, "-9223372036854775808"},
	};
	char buf[64];
	struct json_w w;
	struct json_tok tok[2];
	struct json_doc d;
	double back;
	int64_t iv;
	size_t i, len;
	enum dbx_err err;

	for (i = 0; i < sizeof dbl / sizeof dbl[0]; i++) {
		json_w_init(&w, buf, sizeof buf);
		json_w_double(&w, dbl[i]);
		err = json_w_finish(&w, &len);
		CHECK(err == DBX_OK, "double %zu", i);
		err = json_parse(&d, buf, len, tok, 2);
		CHECK(!err && json_double(&d, 0, &back) == DBX_OK && back == dbl[i] &&
		          signbit(back) == signbit(dbl[i]),
		      "double %zu (%s) round trip", i, buf);
	}
	for (i = 0; i < sizeof exact / sizeof exact[0]; i++) {
		json_w_init(&w, buf, sizeof buf);
		json_w_double(&w, exact[i].v);
		check_written("double", json_w_finish(&w, NULL), buf, exact[i].want);
	}
	for (i = 0; i < sizeof ints / sizeof ints[0]; i++) {
		json_w_init(&w, buf, sizeof buf);
		json_w_int(&w, ints[i].v);
		check_written("int", json_w_finish(&w, &len), buf, ints[i].want);
		CHECK(json_parse(&d, buf, len, tok, 2) == DBX_OK &&
		          json_int(&d, 0, &iv) == DBX_OK && iv == ints[i].v,
		      "int %zu round trip", i);
	}
	json_w_init(&w, buf, sizeof buf);
	CHECK(json_w_double(&w, NAN) == DBX_ERR_USAGE, "NaN");
	json_w_init(&w, buf, sizeof buf);
	CHECK(json_w_double(&w, -INFINITY) == DBX_ERR_USAGE, "-inf");
}

static void test_writer_misuse(void)
{
	char buf[64];
	struct json_w w;
	int i;

	json_w_init(&w, buf, sizeof buf);
	json_w_obj(&w);
	CHECK(json_w_str(&w, "v") == DBX_ERR_USAGE, "value without key");
	CHECK(json_w_finish(&w, NULL) == DBX_ERR_USAGE, "sticks");

	json_w_init(&w, buf, sizeof buf);
	json_w_arr(&w);
	CHECK(json_w_key(&w, "k") == DBX_ERR_USAGE, "key in array");

	json_w_init(&w, buf, sizeof buf);
	json_w_obj(&w);
	json_w_key(&w, "k");
	CHECK(json_w_key(&w, "k2") == DBX_ERR_USAGE, "two keys");

	json_w_init(&w, buf, sizeof buf);
	json_w_obj(&w);
	json_w_key(&w, "k");
	CHECK(json_w_obj_end(&w) == DBX_ERR_USAGE, "key without value");

	json_w_init(&w, buf, sizeof buf);
	json_w_arr(&w);
	CHECK(json_w_obj_end(&w) == DBX_ERR_USAGE, "mismatched close");

	json_w_init(&w, buf, sizeof buf);
	CHECK(json_w_arr_end(&w) == DBX_ERR_USAGE, "close at top");

	json_w_init(&w, buf, sizeof buf);
	json_w_int(&w, 1);
	CHECK(json_w_int(&w, 2) == DBX_ERR_USAGE, "two top-level values");

	json_w_init(&w, buf, sizeof buf);
	json_w_arr(&w);
	CHECK(json_w_finish(&w, NULL) == DBX_ERR_USAGE, "unclosed");

	json_w_init(&w, buf, sizeof buf);
	CHECK(json_w_finish(&w, NULL) == DBX_ERR_USAGE, "nothing written");

	json_w_init(&w, buf, sizeof buf);
	CHECK(json_w_str(&w, NULL) == DBX_ERR_USAGE, "NULL string");

	json_w_init(&w, buf, sizeof buf);
	CHECK(json_w_raw(&w, NULL, 0) == DBX_ERR_USAGE, "raw without doc");

	json_w_init(&w, buf, sizeof buf);
	for (i = 0; i < JSON_W_MAX_DEPTH; i++)
		json_w_arr(&w);
	CHECK(w.err == DBX_OK, "max depth");
	CHECK(json_w_arr(&w) == DBX_ERR_LIMIT, "past max depth");

	/* a string alone, as a JSON Lines field would be */
	json_w_init(&w, buf, sizeof buf);
	json_w_str(&w, "line\n");
	check_written("jsonl string", json_w_finish(&w, NULL), buf, "\"line\\n\"");
}

/* json_double's fast path must give strtod's result bit for bit: table edges
 * (15 vs 16 digits, exponent 22 vs 23, subnormals, -0) and 100,000 numbers
 * printed with 1 to 17 digits from a fixed-seed generator. */
static void test_double_matches_strtod(void)
{
	static const char *const edges[] = {
	    "0",
	    "-0",
	    "0.7",
	    "-0.0123456789",
	    "1e-7",
	    "1E+22",
	    "1e22",
	    "1e23",
	    "1e-22",
	    "1e-23",
	    "123456789012345",
	    "1234567890123456",
	    "0.000000000000000000001",
	    "3.14159265358979",
	    "2.2250738585072014e-308",
	    "4.9e-324",
	    "0.30000000000000004",
	    "9007199254740993",
	    "1.7976931348623157e308",
	    "12345.678901234",
	    "1.0e0",
	    "100000000000000000000000",
	};
	uint64_t x = 12345;
	size_t i, mismatches = 0;
	int k;

	for (i = 0; i < sizeof edges / sizeof edges[0]; i++) {
		struct json_tok tok[4];
		struct json_doc d;
		double v = 1, ref = strtod(edges[i], NULL);
		CHECK(json_parse(&d, edges[i], strlen(edges[i]), tok, 4) == DBX_OK, "%s", edges[i]);
		CHECK(json_double(&d, 0, &v) == DBX_OK && memcmp(&v, &ref, sizeof v) == 0,
		      "%s: %.17g, strtod %.17g", edges[i], v, ref);
	}
	for (k = 0; k < 100000; k++) {
		char buf[64];
		struct json_tok tok[4];
		struct json_doc d;
		double v = 0, ref, m;
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		m = (double)(x >> 11) / 9007199254740992.0 - 0.5;
		snprintf(buf, sizeof buf, "%.*g", 1 + (int)((x >> 3) % 17),
		         m * (double)(1 + (x >> 40) % 100000));
		if (json_parse(&d, buf, strlen(buf), tok, 4) != DBX_OK)
			continue;
		ref = strtod(buf, NULL);
		if (json_double(&d, 0, &v) != DBX_OK || memcmp(&v, &ref, sizeof v) != 0)
			mismatches++;
	}
	CHECK(mismatches == 0, "%zu of 100000 numbers differ from strtod", mismatches);
}

int main(void)
{
	RUN(test_conformance);
	RUN(test_double_matches_strtod);
	RUN(test_prefixes);
	RUN(test_strings);
	RUN(test_strings_shifted);
	RUN(test_prefix);
	RUN(test_numbers);
	RUN(test_navigation);
	RUN(test_tokens);
	RUN(test_writer_strings);
	RUN(test_writer_body);
	RUN(test_writer_numbers);
	RUN(test_writer_misuse);
	return harness_done("json");
}
