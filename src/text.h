/*
 * text.h - the character tests and text transforms that several modules need,
 * written once: ASCII digits and hex digits (inline: the parsers' hot loops use
 * them), UTF-8 sequence checks, percent-decoding, decimal numbers to doubles
 * and the filters that keep control characters off a terminal. Pure; no
 * allocation; locale-free (never
 * <ctype.h>, whose answers depend on the locale and whose arguments must not be
 * negative chars).
 */
#ifndef TEXT_H
#define TEXT_H

#include <stddef.h>

#include "err.h"

/* '0'..'9'. */
static inline int text_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* The value of a hex digit (0-9, a-f, A-F), or -1. */
static inline int text_hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Length of the well-formed UTF-8 sequence at s[0..n) (n >= 1), or 0 with *bad
 * set to the length of its maximal ill-formed prefix (at least 1), following
 * Unicode 3.9 table 3-7: no overlong forms, no surrogates, nothing past
 * U+10FFFF. The writer replaces each such prefix with one U+FFFD, as browsers
 * and Python do. */
static inline size_t text_utf8_seq(const unsigned char *s, size_t n, size_t *bad)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t need = 0, i, ret;

	if (c < 0x80)
		need = 1;
	else if (c >= 0xc2 && c <= 0xdf)
		need = 2;
	else if (c == 0xe0) {
		need = 3;
		lo = 0xa0;
	} else if (c == 0xed) {
		need = 3;
		hi = 0x9f;
	} else if (c >= 0xe1 && c <= 0xef)
		need = 3;
	else if (c == 0xf0) {
		need = 4;
		lo = 0x90;
	} else if (c == 0xf4) {
		need = 4;
		hi = 0x8f;
	} else if (c >= 0xf1 && c <= 0xf3)
		need = 4;

	ret = need;
	*bad = 1;
	if (need == 0)
		goto out;
	for (i = 1; i < need; i++) {
		if (i >= n || s[i] < lo || s[i] > hi) {
			*bad = i;
			ret = 0;
			break;
		}
		lo = 0x80;
		hi = 0xbf;
	}
out:
	return ret;
}

/* The double nearest to the decimal number s[0..n), ties to even, as strtod
 * gives it in the C locale, worked out exactly with integers (no rounding on
 * the way). The number: an optional '-', digits with at most one '.' among them
 * (one digit at least), then an optional exponent (e or E, an optional sign,
 * digits): JSON's numbers, and "007", "1." or ".5". Returns DBX_OK (0 for what
 * rounds below the smallest subnormal, -0 with a minus); DBX_ERR_LIMIT past
 * DBL_MAX (*out is then +-HUGE_VAL) or for more than TEXT_DOUBLE_DIGITS digits;
 * DBX_ERR_USAGE for anything else. About 0.3 us for 17 digits, as fast as
 * musl's strtod; json.c converts short numbers faster itself. */
#define TEXT_DOUBLE_DIGITS 400
enum dbx_err text_double(const char *s, size_t n, double *out);

/* Percent-decodes s[0..n) into out[0..cap), NUL-terminated (RFC 3986).
 * flags: TEXT_PCT_PLUS ('+' is a space, as forms and query strings have it),
 * TEXT_PCT_NO_CONTROL (a control byte is refused, not only NUL). Returns the
 * length, TEXT_PCT_BAD for a '%' without two hex digits or a refused byte, or
 * TEXT_PCT_LONG when it does not fit. */
#define TEXT_PCT_PLUS 1
#define TEXT_PCT_NO_CONTROL 2
#define TEXT_PCT_BAD (-1)
#define TEXT_PCT_LONG (-2)
long text_pct_decode(const char *s, size_t n, char *out, size_t cap, int flags);

/* Unix time t as "2025-01-31 12:00:00 UTC" into out (cap >= 24), without
 * strftime: no locale or time zone code in the binary. A time past what the
 * calendar functions hold is written as seconds from 1970. */
void text_utc(long long t, char *out, size_t cap);

/* Replaces every byte that is not printable ASCII with '?', in place, so a
 * server's text cannot drive a terminal. */
void text_printable(char *s);

/* Text for a terminal, so that a server's or model's text cannot drive it
 * (window titles, OSC 8 links, OSC 52 clipboard writes): C0 controls other
 * than '\n' and '\t', DEL, and C1 controls (U+0080..U+009F in UTF-8, or a lone
 * byte 0x80..0x9F outside a well-formed sequence, which an 8-bit terminal
 * obeys) are written in caret
 * notation as cat -v has it ("^[", "^?", "M-^["); everything else is copied.
 * st carries a UTF-8 sequence split between calls (zero-fill it to start).
 * out needs room for 4 * n + 4 bytes; returns the length written. */
struct text_tty {
	int cont;   /* continuation bytes still due in a sequence */
	int lo, hi; /* the range of the next one (well-formed UTF-8 only) */
	int c2;     /* a 0xC2 is held: the next byte says whether it starts a C1 */
};
size_t text_tty(struct text_tty *st, const char *s, size_t n, char *out);

#endif
