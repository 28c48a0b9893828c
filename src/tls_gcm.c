/* tls_gcm.c - AES-GCM for TLS records, several blocks at a time; see tls_gcm.h.
 *
 * The arithmetic is mbedTLS's own: on x86_64 library/aesni.c's (after Gueron and
 * Kounavis, "Intel Carry-Less Multiplication Instruction and its Usage for
 * Computing the GCM Mode", rev. 2.02, algorithms 1 and 5: blocks byte-reversed,
 * multiplied with PCLMULQDQ, shifted left one bit and reduced), on aarch64
 * library/aesce.c's (blocks bit-reversed, multiplied with PMULL, reduced as in
 * Gouvea and Lopez, "Implementing GCM on ARMv8", 4.3). What differs is the
 * schedule: eight (then four, then one) counter blocks go through the AES rounds
 * together, and the GHASH of eight blocks is one sum,
 * Y' = (Y+X1)H^8 + X2 H^7 + ... + X8 H, reduced once (reduction is linear, so
 * the sum of unreduced products reduces to the same value). Each call derives H
 * and its powers from the key schedule it is given, so nothing is cached
 * between records. Checked block for block against mbedTLS's code in
 * tests/unit/test_tls_gcm.c. */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS
#include "tls_gcm.h"

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "mbedtls/aes.h"
#include "mbedtls/cipher.h"
#include "mbedtls/constant_time.h"
#include "mbedtls/platform_util.h"

/* The fast path reads mbedTLS's private AES and GCM structures (the round keys
 * at aes->buf + aes->rk_offset, aes->nr, the cipher context of a GCM context):
 * another version may lay them out otherwise. Check, then change this line. */
#if MBEDTLS_VERSION_NUMBER != 0x03060600
#error "src/tls_gcm.c was written against mbedTLS 3.6.6: check its use of mbedTLS internals"
#endif

/* Each architecture below gives: vec (one 16-byte block), FAST (the target
 * attribute its intrinsics need), tls_gcm_accelerated(), and v_load, v_store,
 * v_xor, v_zero, v_ghash (a block to GHASH's bit order and back), v_ctr (J0 with
 * counter n), v_lengths (the length block in GHASH's order), aes_enc (nb blocks
 * in place), and struct wide with clmul_add (an unreduced product added) and
 * reduce. The schedule after them is shared. */
#define INLINE inline __attribute__((always_inline))

/* Little-endian only: the block loads, the counter's byte swap and the
 * lengths block assume it (aarch64_be exists). Not in make MINIMAL=1, a size
 * profile (4.5 KB on x86_64): mbedTLS's GCM runs there, still on AES-NI /
 * the Armv8 AES instructions and carry-less multiplies, one block per call. */
#if (defined(__GNUC__) || defined(__clang__)) && !defined(MBEDTLS_BLOCK_CIPHER_C) &&               \
    !defined(MBEDTLS_AES_ALT) && !defined(MBEDTLS_GCM_ALT) && defined(__BYTE_ORDER__) &&           \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && !DBX_MINIMAL
#if defined(__x86_64__)
#define HAVE_FAST 1
#include <cpuid.h>
#include <immintrin.h>

#define FAST __attribute__((target("aes,pclmul,ssse3,sse4.1")))
typedef __m128i vec;

static bool cpu_has(void)
{
	/* cpuid once: 0 not asked yet, 1 no, 2 yes. Threads racing here compute
	 * the same answer; one atomic word makes the race defined (relaxed: it
	 * publishes nothing else). */
	static atomic_int known;
	int k = atomic_load_explicit(&known, memory_order_relaxed);
	unsigned a, b, c, d;

	if (!k) {
		k = 1;
		if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_AES) && (c & bit_PCLMUL) &&
		    (c & bit_SSSE3) && (c & bit_SSE4_1))
			k = 2;
		atomic_store_explicit(&known, k, memory_order_relaxed);
	}
	return k == 2;
}

static INLINE FAST vec v_load(const void *p)
{
	return _mm_loadu_si128((const __m128i *)p);
}

static INLINE FAST void v_store(void *p, vec v)
{
	_mm_storeu_si128((__m128i *)p, v);
}

static INLINE FAST vec v_xor(vec a, vec b)
{
	return _mm_xor_si128(a, b);
}

static INLINE FAST vec v_zero(void)
{
	return _mm_setzero_si128();
}

static INLINE FAST vec v_ghash(vec x)
{
	return _mm_shuffle_epi8(x,
	                        _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
}

static INLINE FAST vec v_ctr(vec j0, uint32_t n)
{
	return _mm_insert_epi32(j0, (int)__builtin_bswap32(n), 3);
}

/* byte-reversed: the data's bit count is the low half */
static INLINE FAST vec v_lengths(uint64_t abits, uint64_t dbits)
{
	return _mm_set_epi64x((long long)abits, (long long)dbits);
}

static INLINE FAST void aes_enc(vec *b, int nb, const vec *rk, int nr)
{
	int k, r;

#pragma GCC unroll 8
	for (k = 0; k < nb; k++)
		b[k] = _mm_xor_si128(b[k], rk[0]);
	for (r = 1; r < nr; r++) {
#pragma GCC unroll 8
		for (k = 0; k < nb; k++)
			b[k] = _mm_aesenc_si128(b[k], rk[r]);
	}
#pragma GCC unroll 8
	for (k = 0; k < nb; k++)
		b[k] = _mm_aesenclast_si128(b[k], rk[nr]);
}

/* An unreduced product: hi:lo plus the middle term that straddles them. */
struct wide {
	vec lo, mid, hi;
};

static INLINE FAST void clmul_add(struct wide *w, vec a, vec b)
{
	w->lo = _mm_xor_si128(w->lo, _mm_clmulepi64_si128(a, b, 0x00));
	w->hi = _mm_xor_si128(w->hi, _mm_clmulepi64_si128(a, b, 0x11));
	w->mid = _mm_xor_si128(w->mid, _mm_xor_si128(_mm_clmulepi64_si128(a, b, 0x10),
	                                             _mm_clmulepi64_si128(a, b, 0x01)));
}

/* hi:lo shifted left one bit (the byte-reversed product is one bit short), then
 * reduced modulo x^128 + x^7 + x^2 + x + 1: [CLMUL-WP] algorithm 5. */
static INLINE FAST vec reduce(const struct wide *w)
{
	vec cc = _mm_xor_si128(w->lo, _mm_slli_si128(w->mid, 8));
	vec dd = _mm_xor_si128(w->hi, _mm_srli_si128(w->mid, 8));
	vec c_hi = _mm_srli_epi64(cc, 63), d_hi = _mm_srli_epi64(dd, 63);
	vec carry = _mm_srli_si128(c_hi, 8);
	vec a, b, c, d, e, f, g, h;

	cc = _mm_or_si128(_mm_slli_epi64(cc, 1), _mm_slli_si128(c_hi, 8));
	dd = _mm_or_si128(_mm_or_si128(_mm_slli_epi64(dd, 1), _mm_slli_si128(d_hi, 8)), carry);

	a = _mm_slli_epi64(cc, 63);
	b = _mm_slli_epi64(cc, 62);
	c = _mm_slli_epi64(cc, 57);
	d = _mm_xor_si128(_mm_slli_si128(_mm_xor_si128(_mm_xor_si128(a, b), c), 8), cc);

	e = _mm_srli_epi64(d, 1);
	f = _mm_srli_epi64(d, 2);
	g = _mm_srli_epi64(d, 7);
	h = _mm_srli_si128(
	    _mm_xor_si128(_mm_xor_si128(_mm_slli_epi64(d, 63), _mm_slli_epi64(d, 62)),
	                  _mm_slli_epi64(d, 57)),
	    8);
	return _mm_xor_si128(_mm_xor_si128(_mm_xor_si128(_mm_xor_si128(e, f), g), h),
	                     _mm_xor_si128(d, dd));
}

#elif defined(__aarch64__) && defined(__linux__)
#define HAVE_FAST 1
#include <arm_neon.h>
#include <sys/auxv.h>

#define FAST __attribute__((target("+crypto")))
typedef uint8x16_t vec;

static bool cpu_has(void)
{
	/* the kernel's word once: 0 not asked yet, 1 no, 2 yes; as on x86_64 */
	static atomic_int known;
	const unsigned long hwcap_aes = 1ul << 3, hwcap_pmull = 1ul << 4;
	int k = atomic_load_explicit(&known, memory_order_relaxed);
	unsigned long hw;

	if (!k) {
		hw = getauxval(AT_HWCAP);
		k = (hw & hwcap_aes) && (hw & hwcap_pmull) ? 2 : 1;
		atomic_store_explicit(&known, k, memory_order_relaxed);
	}
	return k == 2;
}

static INLINE FAST vec v_load(const void *p)
{
	return vld1q_u8((const uint8_t *)p);
}

static INLINE FAST void v_store(void *p, vec v)
{
	vst1q_u8((uint8_t *)p, v);
}

static INLINE FAST vec v_xor(vec a, vec b)
{
	return veorq_u8(a, b);
}

static INLINE FAST vec v_zero(void)
{
	return vdupq_n_u8(0);
}

static INLINE FAST vec v_ghash(vec x)
{
	return vrbitq_u8(x);
}

static INLINE FAST vec v_ctr(vec j0, uint32_t n)
{
	return vreinterpretq_u8_u32(
	    vsetq_lane_u32(__builtin_bswap32(n), vreinterpretq_u32_u8(j0), 3));
}

static INLINE FAST vec v_lengths(uint64_t abits, uint64_t dbits)
{
	unsigned char b[16];
	int i;

	for (i = 0; i < 8; i++) {
		b[i] = (unsigned char)(abits >> (56 - 8 * i));
		b[8 + i] = (unsigned char)(dbits >> (56 - 8 * i));
	}
	return vrbitq_u8(vld1q_u8(b));
}

static INLINE FAST void aes_enc(vec *b, int nb, const vec *rk, int nr)
{
	int k, r;

	for (r = 0; r < nr - 1; r++) {
#pragma GCC unroll 8
		for (k = 0; k < nb; k++)
			b[k] = vaesmcq_u8(vaeseq_u8(b[k], rk[r]));
	}
#pragma GCC unroll 8
	for (k = 0; k < nb; k++)
		b[k] = veorq_u8(vaeseq_u8(b[k], rk[nr - 1]), rk[nr]);
}

static INLINE FAST vec pmull_lo(vec a, vec b)
{
	return vreinterpretq_u8_p128(vmull_p64(vgetq_lane_p64(vreinterpretq_p64_u8(a), 0),
	                                       vgetq_lane_p64(vreinterpretq_p64_u8(b), 0)));
}

static INLINE FAST vec pmull_hi(vec a, vec b)
{
	return vreinterpretq_u8_p128(
	    vmull_high_p64(vreinterpretq_p64_u8(a), vreinterpretq_p64_u8(b)));
}

/* An unreduced product: high, middle and low 128 bits (aesce.c's layout). */
struct wide {
	vec h, m, l;
};

static INLINE FAST void clmul_add(struct wide *w, vec a, vec b)
{
	vec c = vextq_u8(b, b, 8);

	w->h = veorq_u8(w->h, pmull_hi(a, b));
	w->l = veorq_u8(w->l, pmull_lo(a, b));
	w->m = veorq_u8(w->m, veorq_u8(pmull_hi(a, c), pmull_lo(a, c)));
}

/* Reduction modulo x^128 + x^7 + x^2 + x + 1 by multiplying the high part by
 * r(x) = x^7 + x^2 + x + 1 (0x87), twice. */
static INLINE FAST vec reduce(const struct wide *w)
{
	const vec modulo = vreinterpretq_u8_u64(vdupq_n_u64(0x87));
	vec c = pmull_hi(w->h, modulo), d = pmull_lo(w->h, modulo);
	vec e = veorq_u8(c, w->m);
	vec f = pmull_hi(e, modulo), g = vextq_u8(vdupq_n_u8(0), e, 8);

	return veorq_u8(veorq_u8(veorq_u8(d, w->l), f), g);
}
#endif
#endif

#ifdef HAVE_FAST
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

/* nb (1, 4 or 8) blocks of counter mode from counter ctr, in to out, and Y
 * after their GHASH (over the ciphertext) with hp[k] = H^(k+1). */
static INLINE FAST vec blocks(int nb, const vec *rk, int nr, const vec *hp, vec j0, uint32_t ctr,
                              int dec, const unsigned char *in, unsigned char *out, vec y)
{
	struct wide w;
	vec b[8], c[8];
	int k;

	memset(&w, 0, sizeof w);
#pragma GCC unroll 8
	for (k = 0; k < nb; k++)
		b[k] = v_ctr(j0, ctr + (uint32_t)k);
	aes_enc(b, nb, rk, nr);
	/* all loaded before any store: in and out may be the same */
#pragma GCC unroll 8
	for (k = 0; k < nb; k++)
		c[k] = v_load(in + 16 * k);
#pragma GCC unroll 8
	for (k = 0; k < nb; k++) {
		b[k] = v_xor(b[k], c[k]);
		v_store(out + 16 * k, b[k]);
	}
#pragma GCC unroll 8
	for (k = 0; k < nb; k++)
		clmul_add(&w, k ? v_ghash(dec ? c[k] : b[k]) : v_xor(y, v_ghash(dec ? c[0] : b[0])),
		          hp[nb - 1 - k]);
	return reduce(&w);
}

static FAST vec gf_mul(vec a, vec b)
{
	struct wide w;

	memset(&w, 0, sizeof w);
	clmul_add(&w, a, b);
	return reduce(&w);
}

/* Y' = (Y + X) H for up to 16 bytes of p, zero-padded. */
static FAST vec ghash_tail(vec y, vec h, const unsigned char *p, size_t n)
{
	unsigned char blk[16] = {0};

	memcpy(blk, p, n);
	return gf_mul(v_xor(y, v_ghash(v_load(blk))), h);
}

/* One-shot GCM: output and the full 16-byte tag. */
static FAST void gcm_fast(const unsigned char *rkp, int nr, int mode, size_t length,
                          const unsigned char *iv, const unsigned char *add, size_t add_len,
                          const unsigned char *in, unsigned char *out, unsigned char full_tag[16])
{
	const int dec = mode == MBEDTLS_GCM_DECRYPT;
	const uint64_t abits = (uint64_t)add_len * 8, dbits = (uint64_t)length * 8;
	unsigned char j0b[16] = {0};
	vec rk[15], hp[8], j0, y, b[1];
	uint32_t ctr = 2; /* 1 is J0, the tag's mask */
	size_t n = length;
	int k;

	memset(rk, 0, sizeof rk);
	for (k = 0; k <= nr; k++)
		rk[k] = v_load(rkp + 16 * k);
	memcpy(j0b, iv, 12);
	j0b[15] = 1;
	j0 = v_load(j0b);
	b[0] = v_zero();
	aes_enc(b, 1, rk, nr);
	hp[0] = v_ghash(b[0]);
	for (k = 1; k < 8; k++)
		hp[k] = gf_mul(hp[k - 1], hp[0]);

	y = v_zero();
	for (; add_len >= 16; add += 16, add_len -= 16)
		y = gf_mul(v_xor(y, v_ghash(v_load(add))), hp[0]);
	if (add_len)
		y = ghash_tail(y, hp[0], add, add_len);

	for (; n >= 128; n -= 128, in += 128, out += 128, ctr += 8)
		y = blocks(8, rk, nr, hp, j0, ctr, dec, in, out, y);
	for (; n >= 64; n -= 64, in += 64, out += 64, ctr += 4)
		y = blocks(4, rk, nr, hp, j0, ctr, dec, in, out, y);
	for (; n >= 16; n -= 16, in += 16, out += 16, ctr++)
		y = blocks(1, rk, nr, hp, j0, ctr, dec, in, out, y);
	if (n) {
		unsigned char blk[16] = {0};

		memcpy(blk, in, n);
		if (dec)
			y = ghash_tail(y, hp[0], blk, n);
		b[0] = v_ctr(j0, ctr);
		aes_enc(b, 1, rk, nr);
		v_store(blk, v_xor(v_load(blk), b[0]));
		memcpy(out, blk, n);
		if (!dec)
			y = ghash_tail(y, hp[0], blk, n);
		mbedtls_platform_zeroize(blk, sizeof(blk));
	}

	y = gf_mul(v_xor(y, v_lengths(abits, dbits)), hp[0]);
	b[0] = j0;
	aes_enc(b, 1, rk, nr);
	v_store(full_tag, v_xor(v_ghash(y), b[0]));

	mbedtls_platform_zeroize(rk, sizeof(rk));
	mbedtls_platform_zeroize(hp, sizeof(hp));
	mbedtls_platform_zeroize(b, sizeof(b));
	mbedtls_platform_zeroize(&y, sizeof(y));
	mbedtls_platform_zeroize(j0b, sizeof(j0b));
}

/* The known answer: AES-128, key 00..0f, IV 20..2b, AD (3i+1) for 20 bytes and
 * plaintext (7i+5) for 213 (through the 8-, 4- and 1-block paths and a tail);
 * the tag from another implementation (Python cryptography's AESGCM). */
static const unsigned char kat_tag[16] = {0x40, 0xd7, 0x76, 0xea, 0x6b, 0x10, 0x77, 0x2c,
                                          0xea, 0xab, 0xf8, 0xd7, 0x6d, 0x9a, 0xff, 0x57};

/* 0 not run, 1 off (no such CPU, or a mismatch), 2 on; as cpu_has's word */
static atomic_int fast_state;

int tls_gcm_self_test(const unsigned char *expect)
{
	mbedtls_aes_context aes;
	unsigned char key[16], iv[12], ad[20], pt[213], ct[213], tag[16];
	int i, ok;

	if (!cpu_has())
		return 0;
	for (i = 0; i < 213; i++) {
		if (i < 16)
			key[i] = (unsigned char)i;
		if (i < 12)
			iv[i] = (unsigned char)(0x20 + i);
		if (i < 20)
			ad[i] = (unsigned char)(3 * i + 1);
		pt[i] = (unsigned char)(7 * i + 5);
	}
	mbedtls_aes_init(&aes);
	ok = mbedtls_aes_setkey_enc(&aes, key, 128) == 0 && aes.nr == 10;
	if (ok) {
		const unsigned char *rk = (const unsigned char *)(aes.buf + aes.rk_offset);
		gcm_fast(rk, 10, MBEDTLS_GCM_ENCRYPT, sizeof pt, iv, ad, sizeof ad, pt, ct, tag);
		ok = memcmp(tag, expect ? expect : kat_tag, 16) == 0;
		gcm_fast(rk, 10, MBEDTLS_GCM_DECRYPT, sizeof ct, iv, ad, sizeof ad, ct, ct, tag);
		ok = ok && memcmp(tag, expect ? expect : kat_tag, 16) == 0 &&
		     memcmp(ct, pt, sizeof pt) == 0;
	}
	mbedtls_aes_free(&aes); /* wipes the key schedule, as mbedTLS does its own */
	mbedtls_platform_zeroize(key, sizeof key);
	mbedtls_platform_zeroize(ct, sizeof ct);
	mbedtls_platform_zeroize(tag, sizeof tag);
	if (!ok) /* any mismatch seen turns the fast path off for good */
		atomic_store_explicit(&fast_state, 1, memory_order_relaxed);
	return ok;
}

bool tls_gcm_accelerated(void)
{
	int s = atomic_load_explicit(&fast_state, memory_order_relaxed);

	if (!s) {
		s = tls_gcm_self_test(NULL) ? 2 : 1;
		/* a mismatch another thread saw meanwhile wins */
		if (s == 2 && atomic_load_explicit(&fast_state, memory_order_relaxed) == 1)
			s = 1;
		atomic_store_explicit(&fast_state, s, memory_order_relaxed);
	}
	return s == 2;
}

bool tls_gcm_self_test_failed(void)
{
	return atomic_load_explicit(&fast_state, memory_order_relaxed) == 1 && cpu_has();
}
#else
bool tls_gcm_accelerated(void)
{
	return false;
}

int tls_gcm_self_test(const unsigned char *expect)
{
	(void)expect;
	return 0;
}

bool tls_gcm_self_test_failed(void)
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
		gcm_fast(rk, nr, MBEDTLS_GCM_DECRYPT, length, iv, add, add_len, input, output,
		         full);
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
