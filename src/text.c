/* text.c - see text.h. */
#include "text.h"

#include <stdio.h>

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

/* "2025-01-31 12:00:00 UTC" without strftime/gmtime (Howard Hinnant's
 * civil_from_days): keeps locale and time zone code out of the binary. */
void text_utc(long long t, char *out, size_t cap)
{
	long long z = (t >= 0 ? t : t - 86399) / 86400, era, s = t - z * 86400;
	unsigned doe, yoe, doy, mp, d, m;
	long long y;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (long long)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	snprintf(out, cap, "%04lld-%02u-%02u %02lld:%02lld:%02lld UTC", y, m, d, s / 3600,
	         s / 60 % 60, s % 60);
}
