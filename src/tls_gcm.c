/* tls_gcm.c - AES-GCM for TLS records, four blocks at a time; see tls_gcm.h.
 *
 * The arithmetic is mbedTLS's own (library/aesni.c, after Gueron and Kounavis,
 * "Intel Carry-Less Multiplication Instruction and its Usage for Computing the
 * GCM Mode", rev. 2.02, algorithms 1 and 5): blocks are byte-reversed, multiplied
 * with PCLMULQDQ, shifted left one bit and reduced. What differs is the schedule:
 * eight (or four) counter blocks go through the AES rounds together, and the
 * GHASH of four blocks is one sum, Y' = (Y+X1)H^4 + X2 H^3 + X3 H^2 + X4 H
 * (of eight likewise, with H^8 to H), reduced once
 * (reduction is linear, so the sum of unreduced products reduces to the same
 * value). Each call derives H and its powers from the key schedule it is given,
 * so nothing is cached between records. Checked block for block against
 * mbedTLS's code in tests/unit/test_tls_gcm.c. */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS
#include "tls_gcm.h"

#include <stdint.h>
#include <string.h>

#include "mbedtls/aes.h"
#include "mbedtls/cipher.h"
#include "mbedtls/constant_time.h"
#include "mbedtls/platform_util.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && \
	!defined(MBEDTLS_BLOCK_CIPHER_C) && !defined(MBEDTLS_AES_ALT) && !defined(MBEDTLS_GCM_ALT)
#define HAVE_FAST 1
#endif

#ifdef HAVE_FAST
#include <cpuid.h>
#include <immintrin.h>

#define FAST __attribute__((target("aes,pclmul,ssse3,sse4.1")))

bool tls_gcm_accelerated(void)
{
	/* cpuid once; a second thread racing here computes the same answer */
	static volatile int known, yes;
	unsigned a, b, c, d;

	if (!known) {
		yes = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_AES) && (c & bit_PCLMUL) &&
		      (c & bit_SSSE3) && (c & bit_SSE4_1);
		known = 1;
	}
	return yes;
}

/* The round keys of ctx's AES key and their count, or NULL when the fast path
 * does not apply to this call (see tls_gcm.h). */
static const unsigned char *fast_key(const mbedtls_gcm_context *ctx, size_t length, size_t iv_len,
				     size_t add_len, size_t tag_len, const unsigned char *in,
				     const unsigned char *out, int *nr)
{
	const mbedtls_aes_context *aes;
	uintptr_t i = (uintptr_t)in, o = (uintptr_t)out;

	if (!tls_gcm_accelerated() || !ctx->cipher_ctx.cipher_info || !ctx->cipher_ctx.cipher_ctx)
		return NULL;
	switch (mbedtls_cipher_info_get_type(ctx->cipher_ctx.cipher_info)) {
	case MBEDTLS_CIPHER_AES_128_ECB:
	case MBEDTLS_CIPHER_AES_192_ECB:
	case MBEDTLS_CIPHER_AES_256_ECB:
		break;
	default:
		return NULL;
	}
	/* mbedTLS's limits (2^36 - 32 bytes of data, 2^61 of AD) and checks stay its
	 * own: such calls go to it and get its error */
	if (iv_len != 12 || tag_len < 4 || tag_len > 16 || (uint64_t)length > 0xFFFFFFFE0ull ||
	    (uint64_t)add_len >> 61)
		return NULL;
	if (length && i != o && o < i + length && i < o + length)
		return NULL;
	if (length && (!in || !out))
		return NULL;
	aes = ctx->cipher_ctx.cipher_ctx;
	if (aes->nr != 10 && aes->nr != 12 && aes->nr != 14)
		return NULL;
	*nr = aes->nr;
	return (const unsigned char *)(aes->buf + aes->rk_offset);
}

static FAST __m128i bswap128(__m128i x)
{
	return _mm_shuffle_epi8(x, _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
}

static FAST __m128i aes_block(const __m128i *rk, int nr, __m128i b)
{
	int r;

	b = _mm_xor_si128(b, rk[0]);
	for (r = 1; r < nr; r++)
		b = _mm_aesenc_si128(b, rk[r]);
	return _mm_aesenclast_si128(b, rk[nr]);
}

/* An unreduced product: a 256-bit value hi:lo plus the middle term that
 * straddles them (Karatsuba is not worth it: PCLMULQDQ is cheap). */
struct wide {
	__m128i lo, mid, hi;
};

static inline __attribute__((always_inline)) FAST void clmul_add(struct wide *w, __m128i a, __m128i b)
{
	w->lo = _mm_xor_si128(w->lo, _mm_clmulepi64_si128(a, b, 0x00));
	w->hi = _mm_xor_si128(w->hi, _mm_clmulepi64_si128(a, b, 0x11));
	w->mid = _mm_xor_si128(w->mid, _mm_xor_si128(_mm_clmulepi64_si128(a, b, 0x10),
						     _mm_clmulepi64_si128(a, b, 0x01)));
}

/* hi:lo shifted left one bit (the byte-reversed product is one bit short), then
 * reduced modulo x^128 + x^7 + x^2 + x + 1: [CLMUL-WP] algorithm 5. */
static inline __attribute__((always_inline)) FAST __m128i reduce(const struct wide *w)
{
	__m128i cc = _mm_xor_si128(w->lo, _mm_slli_si128(w->mid, 8));
	__m128i dd = _mm_xor_si128(w->hi, _mm_srli_si128(w->mid, 8));
	__m128i c_hi = _mm_srli_epi64(cc, 63), d_hi = _mm_srli_epi64(dd, 63);
	__m128i carry = _mm_srli_si128(c_hi, 8);
	__m128i a, b, c, d, e, f, g, h;

	cc = _mm_or_si128(_mm_slli_epi64(cc, 1), _mm_slli_si128(c_hi, 8));
	dd = _mm_or_si128(_mm_or_si128(_mm_slli_epi64(dd, 1), _mm_slli_si128(d_hi, 8)), carry);

	a = _mm_slli_epi64(cc, 63);
	b = _mm_slli_epi64(cc, 62);
	c = _mm_slli_epi64(cc, 57);
	d = _mm_xor_si128(_mm_slli_si128(_mm_xor_si128(_mm_xor_si128(a, b), c), 8), cc);

	e = _mm_srli_epi64(d, 1);
	f = _mm_srli_epi64(d, 2);
	g = _mm_srli_epi64(d, 7);
	h = _mm_srli_si128(_mm_xor_si128(_mm_xor_si128(_mm_slli_epi64(d, 63), _mm_slli_epi64(d, 62)),
					 _mm_slli_epi64(d, 57)),
			   8);
	return _mm_xor_si128(_mm_xor_si128(_mm_xor_si128(_mm_xor_si128(e, f), g), h),
			     _mm_xor_si128(d, dd));
}

static FAST __m128i gf_mul(__m128i a, __m128i b)
{
	struct wide w = {_mm_setzero_si128(), _mm_setzero_si128(), _mm_setzero_si128()};

	clmul_add(&w, a, b);
	return reduce(&w);
}

/* Y' = (Y + X) H for up to 16 bytes of data, zero-padded. */
static FAST __m128i ghash_tail(__m128i y, __m128i h, const unsigned char *p, size_t n)
{
	unsigned char blk[16] = {0};

	memcpy(blk, p, n);
	return gf_mul(_mm_xor_si128(y, bswap128(_mm_loadu_si128((const __m128i *)blk))), h);
}

static FAST __m128i ctr_block(__m128i j0, uint32_t n)
{
	return _mm_insert_epi32(j0, (int)__builtin_bswap32(n), 3);
}

/* One-shot GCM: output and the full 16-byte tag. */
static FAST void gcm_fast(const unsigned char *rkp, int nr, int mode, size_t length,
			  const unsigned char *iv, const unsigned char *add, size_t add_len,
			  const unsigned char *in, unsigned char *out, unsigned char full_tag[16])
{
	const int dec = mode == MBEDTLS_GCM_DECRYPT;
	const uint64_t abits = (uint64_t)add_len * 8, dbits = (uint64_t)length * 8;
	unsigned char j0b[16] = {0};
	__m128i rk[15] = {0}, hp[8], j0, y = _mm_setzero_si128(), x, o;
	uint32_t ctr = 2; /* 1 is J0, the tag's mask */
	size_t n = length;
	int k;

	for (k = 0; k <= nr; k++)
		rk[k] = _mm_loadu_si128((const __m128i *)(rkp + 16 * k));
	memcpy(j0b, iv, 12);
	j0b[15] = 1;
	j0 = _mm_loadu_si128((const __m128i *)j0b);
	hp[0] = bswap128(aes_block(rk, nr, _mm_setzero_si128()));
	for (k = 1; k < 8; k++)
		hp[k] = gf_mul(hp[k - 1], hp[0]); /* hp[k] = H^(k+1) */

	for (; add_len >= 16; add += 16, add_len -= 16)
		y = gf_mul(_mm_xor_si128(y, bswap128(_mm_loadu_si128((const __m128i *)add))), hp[0]);
	if (add_len)
		y = ghash_tail(y, hp[0], add, add_len);

	/* eight blocks a step while there are (CPUs with two AES units keep both
	 * busy), then four, then one */
	for (; n >= 128; n -= 128, in += 128, out += 128, ctr += 8) {
		struct wide w = {_mm_setzero_si128(), _mm_setzero_si128(), _mm_setzero_si128()};
		__m128i b[8], c[8];

		for (k = 0; k < 8; k++)
			b[k] = _mm_xor_si128(ctr_block(j0, ctr + (uint32_t)k), rk[0]);
		for (int r = 1; r < nr; r++) {
			b[0] = _mm_aesenc_si128(b[0], rk[r]);
			b[1] = _mm_aesenc_si128(b[1], rk[r]);
			b[2] = _mm_aesenc_si128(b[2], rk[r]);
			b[3] = _mm_aesenc_si128(b[3], rk[r]);
			b[4] = _mm_aesenc_si128(b[4], rk[r]);
			b[5] = _mm_aesenc_si128(b[5], rk[r]);
			b[6] = _mm_aesenc_si128(b[6], rk[r]);
			b[7] = _mm_aesenc_si128(b[7], rk[r]);
		}
		/* all eight loaded before any store: in and out may be the same */
		for (k = 0; k < 8; k++)
			c[k] = _mm_loadu_si128((const __m128i *)(in + 16 * k));
		for (k = 0; k < 8; k++) {
			b[k] = _mm_xor_si128(c[k], _mm_aesenclast_si128(b[k], rk[nr]));
			_mm_storeu_si128((__m128i *)(out + 16 * k), b[k]);
		}
		/* GHASH runs over the ciphertext */
		clmul_add(&w, _mm_xor_si128(y, bswap128(dec ? c[0] : b[0])), hp[7]);
		for (k = 1; k < 8; k++)
			clmul_add(&w, bswap128(dec ? c[k] : b[k]), hp[7 - k]);
		y = reduce(&w);
	}
	for (; n >= 64; n -= 64, in += 64, out += 64, ctr += 4) {
		struct wide w = {_mm_setzero_si128(), _mm_setzero_si128(), _mm_setzero_si128()};
		__m128i b0 = _mm_xor_si128(ctr_block(j0, ctr), rk[0]);
		__m128i b1 = _mm_xor_si128(ctr_block(j0, ctr + 1), rk[0]);
		__m128i b2 = _mm_xor_si128(ctr_block(j0, ctr + 2), rk[0]);
		__m128i b3 = _mm_xor_si128(ctr_block(j0, ctr + 3), rk[0]);
		__m128i x0, x1, x2, x3;

		for (k = 1; k < nr; k++) {
			b0 = _mm_aesenc_si128(b0, rk[k]);
			b1 = _mm_aesenc_si128(b1, rk[k]);
			b2 = _mm_aesenc_si128(b2, rk[k]);
			b3 = _mm_aesenc_si128(b3, rk[k]);
		}
		/* all four loaded before any store: in and out may be the same */
		x0 = _mm_loadu_si128((const __m128i *)in);
		x1 = _mm_loadu_si128((const __m128i *)(in + 16));
		x2 = _mm_loadu_si128((const __m128i *)(in + 32));
		x3 = _mm_loadu_si128((const __m128i *)(in + 48));
		b0 = _mm_xor_si128(x0, _mm_aesenclast_si128(b0, rk[nr]));
		b1 = _mm_xor_si128(x1, _mm_aesenclast_si128(b1, rk[nr]));
		b2 = _mm_xor_si128(x2, _mm_aesenclast_si128(b2, rk[nr]));
		b3 = _mm_xor_si128(x3, _mm_aesenclast_si128(b3, rk[nr]));
		_mm_storeu_si128((__m128i *)out, b0);
		_mm_storeu_si128((__m128i *)(out + 16), b1);
		_mm_storeu_si128((__m128i *)(out + 32), b2);
		_mm_storeu_si128((__m128i *)(out + 48), b3);
		if (!dec) {
			x0 = b0;
			x1 = b1;
			x2 = b2;
			x3 = b3;
		}
		/* GHASH runs over the ciphertext: x now holds it either way */
		clmul_add(&w, _mm_xor_si128(y, bswap128(x0)), hp[3]);
		clmul_add(&w, bswap128(x1), hp[2]);
		clmul_add(&w, bswap128(x2), hp[1]);
		clmul_add(&w, bswap128(x3), hp[0]);
		y = reduce(&w);
	}
	for (; n >= 16; n -= 16, in += 16, out += 16, ctr++) {
		x = _mm_loadu_si128((const __m128i *)in);
		o = _mm_xor_si128(x, aes_block(rk, nr, ctr_block(j0, ctr)));
		_mm_storeu_si128((__m128i *)out, o);
		y = gf_mul(_mm_xor_si128(y, bswap128(dec ? x : o)), hp[0]);
	}
	if (n) {
		unsigned char blk[16] = {0};

		memcpy(blk, in, n);
		if (dec)
			y = ghash_tail(y, hp[0], blk, n);
		o = _mm_xor_si128(_mm_loadu_si128((const __m128i *)blk),
				  aes_block(rk, nr, ctr_block(j0, ctr)));
		_mm_storeu_si128((__m128i *)blk, o);
		memcpy(out, blk, n);
		if (!dec)
			y = ghash_tail(y, hp[0], blk, n);
		mbedtls_platform_zeroize(blk, sizeof(blk));
	}

	/* the length block, byte-reversed: bit counts of the data (low half) and AD */
	y = gf_mul(_mm_xor_si128(y, _mm_set_epi64x((long long)abits, (long long)dbits)), hp[0]);
	_mm_storeu_si128((__m128i *)full_tag, _mm_xor_si128(bswap128(y), aes_block(rk, nr, j0)));

	mbedtls_platform_zeroize(rk, sizeof(rk));
	mbedtls_platform_zeroize(hp, sizeof(hp));
}
#else
bool tls_gcm_accelerated(void)
{
	return false;
}
#endif

int tls_gcm_crypt_and_tag(mbedtls_gcm_context *ctx, int mode, size_t length,
			  const unsigned char *iv, size_t iv_len, const unsigned char *add,
			  size_t add_len, const unsigned char *input, unsigned char *output,
			  size_t tag_len, unsigned char *tag)
{
#ifdef HAVE_FAST
	unsigned char full[16];
	const unsigned char *rk;
	int nr = 0;

	rk = fast_key(ctx, length, iv_len, add_len, tag_len, input, output, &nr);
	if (rk) {
		gcm_fast(rk, nr, mode, length, iv, add, add_len, input, output, full);
		memcpy(tag, full, tag_len);
		mbedtls_platform_zeroize(full, sizeof(full));
		return 0;
	}
#endif
	return mbedtls_gcm_crypt_and_tag(ctx, mode, length, iv, iv_len, add, add_len, input, output,
					 tag_len, tag);
}

int tls_gcm_auth_decrypt(mbedtls_gcm_context *ctx, size_t length, const unsigned char *iv,
			 size_t iv_len, const unsigned char *add, size_t add_len,
			 const unsigned char *tag, size_t tag_len, const unsigned char *input,
			 unsigned char *output)
{
#ifdef HAVE_FAST
	unsigned char full[16];
	const unsigned char *rk;
	int nr = 0, ret = 0;

	rk = fast_key(ctx, length, iv_len, add_len, tag_len, input, output, &nr);
	if (rk) {
		gcm_fast(rk, nr, MBEDTLS_GCM_DECRYPT, length, iv, add, add_len, input, output, full);
		if (mbedtls_ct_memcmp(tag, full, tag_len) != 0) {
			mbedtls_platform_zeroize(output, length);
			ret = MBEDTLS_ERR_GCM_AUTH_FAILED;
		}
		mbedtls_platform_zeroize(full, sizeof(full));
		return ret;
	}
#endif
	return mbedtls_gcm_auth_decrypt(ctx, length, iv, iv_len, add, add_len, tag, tag_len, input,
					output);
}
