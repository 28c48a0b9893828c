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

static size_t caret(char *o, int c, int c1)
{
	size_t k = 0;
	if (c1) {
		o[k++] = 'M';
		o[k++] = '-';
	}
	o[k++] = '^';
	o[k++] = (char)(c == 0x7f ? '?' : (c & 0x1f) + 0x40);
	return k;
}

size_t text_tty(struct text_tty *st, const char *s, size_t n, char *out)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (st->c2) {
			st->c2 = 0;
			if (c >= 0x80 && c <= 0x9f) {
				o += caret(out + o, c, 1);
				continue;
			}
			out[o++] = (char)0xc2;
			if (c >= 0xa0 && c <= 0xbf)
				goto copy;
		}
		if (st->cont && c >= st->lo && c <= st->hi) {
			st->cont--;
			st->lo = 0x80;
			st->hi = 0xbf;
			goto copy;
		}
		st->cont = 0;
		if (c == 0xc2) {
			st->c2 = 1;
			continue;
		}
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f || (c >= 0x80 && c <= 0x9f)) {
			o += caret(out + o, c, c >= 0x80);
			continue;
		}
		/* a lead byte (Unicode table 3-7): what its first continuation may be */
		st->cont = c >= 0xf5 ? 0 : c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc3 ? 1 : 0;
		st->lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
		st->hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
	copy:
		out[o++] = (char)c;
	}
	return o;
}
