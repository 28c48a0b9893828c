/* test_text.c - text_tty: what a terminal may be shown of a server's or a
 * model's text (controls in caret notation, UTF-8 kept), whole and split at
 * every offset (a sequence cut between two writes). */
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

int main(void)
{
	RUN(test_tty);
	return harness_done("text");
}
