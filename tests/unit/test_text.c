/* test_text.c - text_tty: what a terminal may be shown of a server's or a
 * model's text (controls in caret notation, UTF-8 kept), whole and split at
 * every offset (a sequence cut between two writes); text_double against the C
 * library's strtod, bit for bit; text_utc's calendar. */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"
#include "text.h"

static const struct {
	const char *in, *out;
} tty_cases[] = {
    {"plain text\n\twith tab", "plain text\n\twith tab"},
    {"\x1b]0;title\x07", "^[]0;title^G"},                     /* window title */
    {"\x1b]8;;http://x\x1b\\link", "^[]8;;http://x^[\\link"}, /* OSC 8 link */
    {"\x1b]52;c;aGk=\x07", "^[]52;c;aGk=^G"},                 /* OSC 52 clipboard */
    {"a\rb\x7f\x01", "a^Mb^?^A"},
    {"\xc2\x9b"
     "31m",
     "M-^[31m"}, /* UTF-8 CSI (U+009B) */
    {"\xc2\x80\xc2\x9f", "M-^@M-^_"},
    {"\x9b"
     "31m",
     "M-^[31m"},                                                      /* a lone 8-bit CSI */
    {"caf\xc3\xa9 \xc2\xa0\xc2\xbb", "caf\xc3\xa9 \xc2\xa0\xc2\xbb"}, /* é nbsp » */
    {"\xe2\x80\x9c"
     "q"
     "\xe2\x80\x9d",
     "\xe2\x80\x9c"
     "q"
     "\xe2\x80\x9d"},                         /* quotes */
    {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"}, /* emoji */
    {"\xe0\x9b", "\xe0M-^["},                 /* ill-formed: E0 needs A0..BF */
    {"\xff\x9b", "\xffM-^["},
    {"\xc2"
     "A",
     "\xc2"
     "A"}, /* a lone C2 */
};

static void test_tty(void)
{
	size_t i, cut;

	for (i = 0; i < sizeof tty_cases / sizeof tty_cases[0]; i++) {
		const char *in = tty_cases[i].in;
		size_t n = strlen(in);
		for (cut = 0; cut <= n; cut++) {
			struct text_tty st = {0};
			char out[256];
			size_t o = text_tty(&st, in, cut, out);
			o += text_tty(&st, in + cut, n - cut, out + o);
			out[o] = '\0';
			CHECK(strcmp(out, tty_cases[i].out) == 0 && !st.c2, "%zu cut %zu: '%s'", i,
			      cut, out);
		}
	}
}

/* text_double(s) against strtod(s), which the test program has: the same
 * bits, DBX_ERR_LIMIT where strtod says infinity. 0 when they differ. */
static int same_as_strtod(const char *s)
{
	double v = 0, ref = strtod(s, NULL);
	struct harness_guarded g = harness_guard(s, strlen(s));
	enum dbx_err err = text_double((const char *)g.data, strlen(s), &v);

	harness_unguard(&g);
	return (err == DBX_ERR_LIMIT) == (isinf(ref) != 0) && (!err || err == DBX_ERR_LIMIT) &&
	       memcmp(&v, &ref, sizeof v) == 0;
}

static void test_double(void)
{
	static const char *const same[] = {
	    "0",
	    "-0",
	    "0.0",
	    "-0.000",
	    "1",
	    "-1",
	    "1.",
	    ".5",
	    "-.5",
	    "007",
	    "00012.5000",
	    "1e0",
	    "1E+22",
	    "1e22",
	    "1e23",
	    "1e-22",
	    "1e-23",
	    "0.7",
	    "0.1",
	    "0.30000000000000004",
	    "3.14159265358979",
	    "9007199254740992",
	    "9007199254740993",
	    "9007199254740995",
	    "9007199254740993.0000000000001",
	    "123456789012345678901234567890",
	    "0.1000000000000000055511151231257827021181583404541015625",
	    "1.7976931348623157e308",
	    "1.7976931348623158e308",
	    "1.7976931348623159e308",
	    "1e309",
	    "-1e309",
	    "1e310",
	    "2.2250738585072014e-308",
	    "2.2250738585072011e-308",
	    "2.2250738585072009e-308",
	    "4.9406564584124654e-324",
	    "2.4703282292062327e-324",
	    "2.4703282292062328e-324",
	    "1e-324",
	    "3e-324",
	    "5e-324",
	    "1e-400",
	    "-1e-400",
	    "0e99999",
	    "1e99999999999",
	    "-1e-99999999999",
	    "0.000000000000000000000000000001e-290",
	    "1e-5",
	    "123.456e-2",
	    "1844674407370955161600000",
	    "7.0e-10",
	    /* DBL_MAX + half an ulp, less a little: DBL_MAX */
	    "179769313486231580793728971405303415079934132710037826936173778980444968292764750946"
	    "649017977587207096330286416692887910946555547851940402630657488671505820681908902000"
	    "708383676273854845817711531764475730270069855571366959622842914819860834936475292719"
	    "074168444365510704342711559699508093042880177904174497791.99999999999999999999999999",
	};
	static const char *const bad[] = {"",    "-",     ".",    "-.",  "1e",  "1e+",  "+1",
	                                  " 1",  "1 ",    "0x10", "inf", "nan", "1..2", "1.2.3",
	                                  "--1", "1e1.5", "e5",   "1e-", "1,5", "1e5x"};
	char many[TEXT_DOUBLE_DIGITS + 3];
	uint64_t x = 88172645463325252ULL;
	size_t i, mismatches = 0;
	double v;
	int k;

	for (i = 0; i < sizeof same / sizeof same[0]; i++)
		CHECK(same_as_strtod(same[i]), "%s", same[i]);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(text_double(bad[i], strlen(bad[i]), &v) == DBX_ERR_USAGE, "'%s' refused",
		      bad[i]);
	memset(many, '1', sizeof many);
	many[0] = '.';
	CHECK(text_double(many, TEXT_DOUBLE_DIGITS + 1, &v) == DBX_OK && v > 0.11 && v < 0.12,
	      "%d digits", TEXT_DOUBLE_DIGITS);
	CHECK(text_double(many, TEXT_DOUBLE_DIGITS + 2, &v) == DBX_ERR_LIMIT, "one digit more");
	CHECK(text_double("-0", 2, &v) == DBX_OK && v == 0 && signbit(v), "-0");
	/* random digits, point and exponent; doubles of random bits printed with
	 * 17 and 25 digits; moderate ones with 17 and 19 digits and fixed points;
	 * and, where long double is wider, the points halfway between two doubles,
	 * exact (ties to even) and nearly so */
	for (k = 0; k < 10000; k++) {
		char buf[400];
		int len = 0, nd, dot, j;
		uint64_t b;
		double d;
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		nd = 1 + (int)(x % 25);
		dot = (int)(x >> 8) % (nd + 1);
		if (x >> 20 & 1)
			buf[len++] = '-';
		for (j = 0; j < nd; j++) {
			if (j == dot && (x >> 21 & 1))
				buf[len++] = '.';
			buf[len++] = (char)('0' + (x >> (24 + j % 36)) % 10);
		}
		if (x >> 62)
			len += snprintf(buf + len, sizeof buf - (size_t)len, "e%d",
			                (int)((x >> 30) % 700) - 350);
		buf[len] = '\0';
		mismatches += !same_as_strtod(buf);
		b = x & UINT64_C(0x7fefffffffffffff);
		memcpy(&d, &b, sizeof d);
		snprintf(buf, sizeof buf, "%.17g", d);
		mismatches += !same_as_strtod(buf);
		snprintf(buf, sizeof buf, "%.25e", d);
		mismatches += !same_as_strtod(buf);
		/* numbers as replies carry them, up to 19 digits with a few after the
		 * point (text_double's 64-bit division) */
		d = ldexp((double)(x >> 11), -(int)(x % 64));
		snprintf(buf, sizeof buf, "%.17g", d);
		mismatches += !same_as_strtod(buf);
		snprintf(buf, sizeof buf, "%.19g", d);
		mismatches += !same_as_strtod(buf);
		snprintf(buf, sizeof buf, "%.*f", (int)(x >> 40) % 12, d);
		mismatches += !same_as_strtod(buf);
		if (LDBL_MANT_DIG >= 64 && (k & 3) == 0) {
			long double h = ((long double)d + nextafter(d, INFINITY)) / 2;
			snprintf(buf, sizeof buf, "%.40Le", h);
			mismatches += !same_as_strtod(buf);
			if (fabs(d) > 1e-30 && fabs(d) < 1e30) {
				snprintf(buf, sizeof buf, "%.150Le", h);
				mismatches += !same_as_strtod(buf);
			}
		}
	}
	CHECK(mismatches == 0, "%zu random numbers differ from strtod", mismatches);
}

/* Dates `auth status` and the conversation log show: leap days, the century
 * rules, before 1970, and a time no calendar function holds. */
static void test_utc(void)
{
	static const struct {
		long long t;
		const char *want;
	} cases[] = {
	    {0, "1970-01-01 00:00:00 UTC"},
	    {-1, "1969-12-31 23:59:59 UTC"},
	    {951782400, "2000-02-29 00:00:00 UTC"},
	    {4107542399LL, "2100-02-28 23:59:59 UTC"},
	    {4107542400LL, "2100-03-01 00:00:00 UTC"},
	    {1796213570LL, "2026-12-02 12:12:50 UTC"},
	    {253402300799LL, "9999-12-31 23:59:59 UTC"},
	    {-62135596800LL, "0001-01-01 00:00:00 UTC"},
	    {LLONG_MAX, "9223372036854775807 s from 1970 UTC"},
	};
	char out[48];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		text_utc(cases[i].t, out, sizeof out);
		CHECK(strcmp(out, cases[i].want) == 0, "%lld: '%s', not '%s'", cases[i].t, out,
		      cases[i].want);
	}
}

int main(void)
{
	RUN(test_tty);
	RUN(test_double);
	RUN(test_utc);
	return harness_done("text");
}
