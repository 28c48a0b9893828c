/* text.c - see text.h. */
#include "text.h"

long text_pct_decode(const char *s, size_t n, char *out, size_t cap)
{
	size_t i, o = 0;

	if (cap == 0)
		return -1;
	for (i = 0; i < n; i++) {
		int ch = (unsigned char)s[i];
		if (ch == '+') {
			ch = ' ';
		} else if (ch == '%') {
			int hi, lo;
			if (i + 2 >= n)
				return -1;
			hi = text_hex_value((unsigned char)s[i + 1]);
			lo = text_hex_value((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			ch = hi << 4 | lo;
			i += 2;
		}
		if (ch == 0 || o + 1 >= cap)
			return -1;
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
