/*
 * text.h - the character tests and text decodings that several modules need,
 * written once: ASCII digits and hex digits (inline: the parsers' hot loops use
 * them), and percent-decoding (RFC 3986, with '+' as a space as forms use it).
 * Pure; no allocation; locale-free (never <ctype.h>, whose answers depend on
 * the locale and whose arguments must not be negative chars).
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

/* Percent-decodes s[0..n) ('+' is a space) into out[0..cap), NUL-terminated.
 * Returns the length, or -1 when it does not fit, a '%' is not followed by two
 * hex digits, or it would hold a NUL byte. */
long text_pct_decode(const char *s, size_t n, char *out, size_t cap);

/* Replaces every byte that is not printable ASCII with '?', in place, so a
 * server's text cannot drive a terminal. */
void text_printable(char *s);

#endif
