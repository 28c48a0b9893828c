/* text.c - see text.h. */
#include "text.h"

long text_pct_decode(const char *s, size_t n, char *out, size_t cap, int flags)
{
	size_t i, o = 0;

	if (cap == 0)
		return TEXT_PCT_LONG;
	for (i = 0; i < n; i++) {
		int ch = (unsigned char)s[i];
		if (ch == '+' && (flags & TEXT_PCT_PLUS)) {
			ch = ' ';
		} else if (ch == '%') {
			int hi, lo;
			if (i + 2 >= n)
				return TEXT_PCT_BAD;
			hi = text_hex_value((unsigned char)s[i + 1]);
			lo = text_hex_value((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				return TEXT_PCT_BAD;
			ch = hi << 4 | lo;
			i += 2;
		}
		if (ch == 0 || ((flags & TEXT_PCT_NO_CONTROL) && (ch < 0x20 || ch == 0x7f)))
			return TEXT_PCT_BAD;
		if (o + 1 >= cap)
			return TEXT_PCT_LONG;
		out[o++] = (char)ch;
	}
	out[o] = '\0';
	return (long)o;
}

void text_printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '?';
}
