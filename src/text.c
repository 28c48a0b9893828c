/* text.c - see text.h. */
#include "text.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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

/* gmtime_r, not strftime: no locale. musl's gmtime_r carries no time zone
 * code, and mbedTLS links it anyway (certificate dates). */
void text_utc(long long t, char *out, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if ((long long)tt != t || !gmtime_r(&tt, &tm)) {
		snprintf(out, cap, "%lld s from 1970 UTC", t);
		return;
	}
	snprintf(out, cap, "%04lld-%02d-%02d %02d:%02d:%02d UTC", (long long)tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* text_double's numbers: naturals in 32-bit limbs, least significant first.
 * The largest is 10^723 shifted left one bit (TEXT_DOUBLE_DIGITS digits just
 * above 1e-324): 2,403 bits, 76 limbs; big_shl writes one past the top. */
#define BIG_LIMBS 80
struct big {
	uint32_t d[BIG_LIMBS];
	int n; /* limbs in use; d[n - 1] != 0 unless n == 0 */
};

/* b = b * m + add */
static void big_mul_add(struct big *b, uint32_t m, uint32_t add)
{
	uint64_t carry = add;
	int i;

	for (i = 0; i < b->n; i++) {
		carry += (uint64_t)b->d[i] * m;
		b->d[i] = (uint32_t)carry;
		carry >>= 32;
	}
	if (carry)
		b->d[b->n++] = (uint32_t)carry;
}

/* b = b * 10^e */
static void big_mul_pow10(struct big *b, int e)
{
	for (; e >= 9; e -= 9)
		big_mul_add(b, 1000000000u, 0);
	for (; e > 0; e--)
		big_mul_add(b, 10, 0);
}

/* b = b * 2^k (b != 0) */
static void big_shl(struct big *b, int k)
{
	int w = k / 32, r = k % 32, i;

	b->d[b->n + w] = 0;
	for (i = b->n - 1; i >= 0; i--) {
		if (r)
			b->d[i + w + 1] |= b->d[i] >> (32 - r);
		b->d[i + w] = b->d[i] << r;
	}
	for (i = 0; i < w; i++)
		b->d[i] = 0;
	b->n += w + 1;
	if (!b->d[b->n - 1])
		b->n--;
}

/* b's value (b->n <= 2) */
static uint64_t big_u64(const struct big *b)
{
	return (b->n > 1 ? (uint64_t)b->d[1] << 32 : 0) | (b->n ? b->d[0] : 0);
}

/* the bits of b (b != 0) */
static int big_bits(const struct big *b)
{
	uint32_t top = b->d[b->n - 1];
	int k = 0;

	for (; top; top >>= 1)
		k++;
	return (b->n - 1) * 32 + k;
}

static int big_cmp(const struct big *a, const struct big *b)
{
	int i;

	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	for (i = a->n - 1; i >= 0; i--)
		if (a->d[i] != b->d[i])
			return a->d[i] < b->d[i] ? -1 : 1;
	return 0;
}

/* a = a - b (a >= b) */
static void big_sub(struct big *a, const struct big *b)
{
	int64_t borrow = 0;
	int i;

	for (i = 0; i < a->n; i++) {
		borrow += (int64_t)a->d[i] - (i < b->n ? b->d[i] : 0);
		a->d[i] = (uint32_t)borrow;
		borrow = borrow < 0 ? -1 : 0;
	}
	while (a->n && !a->d[a->n - 1])
		a->n--;
}

/* A decimal number as read: its value is d * 10^(e10 + zeros). */
struct dec {
	struct big d; /* the digits from the first nonzero one on */
	int nd;       /* the digits in d */
	int zeros;    /* zeros after d's last digit, multiplied in when a nonzero one follows */
	int e10;      /* minus the digits after the point */
	int digits;   /* the digits read, leading zeros too */
};

/* Reads the digits at p (after the point: frac) into x; the end of them, or
 * NULL past TEXT_DOUBLE_DIGITS. */
static const char *dec_digits(struct dec *x, const char *p, const char *end, int frac)
{
	for (; p < end && text_is_digit(*p); p++) {
		x->digits++;
		x->e10 -= frac;
		if (*p == '0') {
			x->zeros += x->d.n != 0;
			continue;
		}
		x->nd += x->zeros + 1;
		if (x->nd > TEXT_DOUBLE_DIGITS)
			return NULL;
		big_mul_pow10(&x->d, x->zeros);
		x->zeros = 0;
		big_mul_add(&x->d, 10, (uint32_t)(*p - '0'));
	}
	return p;
}

enum dbx_err text_double(const char *s, size_t n, double *out)
{
	struct dec x;
	struct big b;
	const char *p = s, *end = s + n;
	int neg = 0, e = 0, eneg = 0, t, i, exp2, prec, drop, rest;
	uint64_t q = 0, mant, low, half, bits;
	double v;

	memset(&x, 0, sizeof x);
	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	p = dec_digits(&x, p, end, 0);
	if (p && p < end && *p == '.')
		p = dec_digits(&x, p + 1, end, 1);
	if (!p)
		return DBX_ERR_LIMIT;
	if (!x.digits)
		return DBX_ERR_USAGE;
	if (p < end && (*p == 'e' || *p == 'E')) {
		if (++p < end && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		if (p == end || !text_is_digit(*p))
			return DBX_ERR_USAGE;
		for (; p < end && text_is_digit(*p); p++)
			if (e < 100000) /* far past any double either way */
				e = e * 10 + (*p - '0');
	}
	if (p != end)
		return DBX_ERR_USAGE;
	x.e10 += x.zeros + (eneg ? -e : e);
	/* the value is in [10^(nd + e10 - 1), 10^(nd + e10)) */
	if (!x.d.n || x.nd + x.e10 < -323) { /* below 1e-324: rounds to 0 */
		*out = neg ? -0.0 : 0.0;
		return DBX_OK;
	}
	if (x.nd + x.e10 > 310)
		goto overflow;
	/* value = a / b exactly, a = d * 10^e10 or d, b = 1 or 10^-e10 */
	b.n = 1;
	b.d[0] = 1;
	if (x.e10 >= 0)
		big_mul_pow10(&x.d, x.e10);
	else
		big_mul_pow10(&b, -x.e10);
	/* scaled so that b <= a < 2b: the value is (a / b) * 2^-t */
	t = big_bits(&b) - big_bits(&x.d);
	if (t > 0)
		big_shl(&x.d, t);
	else if (t < 0)
		big_shl(&b, -t);
	if (big_cmp(&x.d, &b) < 0) {
		big_shl(&x.d, 1);
		t++;
	}
	/* 64 bits of a / b by long division: q = floor(2^63 * a / b), top bit set;
	 * rest: something is left, the value lies past q's last bit. The numbers
	 * of most replies (up to 19 digits, a few of them after the point) have a
	 * and b within 64 bits: then in two registers, a third of the time. */
	if (x.d.n <= 2 && b.n <= 2) {
		uint64_t a64 = big_u64(&x.d), b64 = big_u64(&b);
		int carry = 0; /* a's 65th bit: a < 2b after each step */

		for (i = 0; i < 64; i++) { /* branch-free: q's bits are unpredictable */
			uint64_t ge = (uint64_t)(carry | (a64 >= b64));
			a64 -= b64 & (0 - ge); /* modulo 2^64: the true difference is below b */
			q = q << 1 | ge;
			carry = (int)(a64 >> 63);
			a64 <<= 1;
		}
		rest = carry || a64;
	} else {
		for (i = 0; i < 64; i++) {
			q <<= 1;
			if (big_cmp(&x.d, &b) >= 0) {
				big_sub(&x.d, &b);
				q |= 1;
			}
			if (x.d.n)
				big_shl(&x.d, 1);
		}
		rest = x.d.n != 0;
	}
	/* the value is in [2^exp2, 2^(exp2 + 1)): a double keeps 53 bits of it,
	 * fewer below 2^-1022 (subnormal), none below 2^-1075 */
	exp2 = -t;
	prec = exp2 >= -1022 ? 53 : exp2 + 1075;
	if (prec < 0) {
		*out = neg ? -0.0 : 0.0;
		return DBX_OK;
	}
	drop = 64 - prec;
	mant = drop < 64 ? q >> drop : 0;
	low = drop < 64 ? q & ((UINT64_C(1) << drop) - 1) : q;
	half = UINT64_C(1) << (drop - 1);
	if (low > half || (low == half && (rest || (mant & 1)))) /* ties to even */
		mant++;
	if (prec < 53) {
		bits = mant; /* mant * 2^-1074; 2^52 is DBL_MIN's bits */
	} else {
		if (mant >> 53) {
			mant >>= 1;
			exp2++;
		}
		if (exp2 > 1023)
			goto overflow;
		bits = (uint64_t)(exp2 + 1023) << 52 | (mant & ((UINT64_C(1) << 52) - 1));
	}
	memcpy(&v, &bits, sizeof v);
	*out = neg ? -v : v;
	return DBX_OK;
overflow:
	*out = neg ? -HUGE_VAL : HUGE_VAL;
	return DBX_ERR_LIMIT;
}
