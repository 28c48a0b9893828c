/* tls_x25519.c - X25519 for mbedTLS's key exchange; see tls_x25519.h.
 *
 * RFC 7748 section 5: the Montgomery ladder over x-coordinates, field elements
 * mod p = 2^255 - 19 as five 51-bit limbs, products in unsigned __int128 with
 * 2^255 folded back as 19. Squaring is a multiplication and the inverse is
 * z^(p-2) bit by bit: the ladder's 255 steps dominate, and small code matters
 * more here than the last microsecond. Checked against mbedTLS's own ladder and
 * RFC 7748's vectors in tests/unit/test_tls_x25519.c. */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS
#include "tls_x25519.h"

#include <stdint.h>
#include <string.h>

#include "mbedtls/platform_util.h"

/* It fills a point's private fields (X, Y, Z): check, then change this line. */
#if MBEDTLS_VERSION_NUMBER != 0x03060600
#error "src/tls_x25519.c was written against mbedTLS 3.6.6: check its use of mbedTLS internals"
#endif

#if defined(__SIZEOF_INT128__)

typedef unsigned __int128 u128;
typedef uint64_t fe[5]; /* sum of h[i] 2^(51 i); limbs kept below 2^51 + 2^18 */

#define M51 ((UINT64_C(1) << 51) - 1)

/* Limbs back below 2^51 (limb 0 may keep a few more bits). */
static void fe_carry(fe h)
{
	int i;

	for (i = 0; i < 4; i++) {
		h[i + 1] += h[i] >> 51;
		h[i] &= M51;
	}
	h[0] += 19 * (h[4] >> 51);
	h[4] &= M51;
}

/* h = f + g, or f - g + 2p (never negative for carried limbs) when sub */
static void fe_addsub(fe h, const fe f, const fe g, int sub)
{
	int i;

	for (i = 0; i < 5; i++)
		h[i] = sub ? f[i] + (i ? 2 * M51 : 2 * (M51 - 18)) - g[i] : f[i] + g[i];
	fe_carry(h);
}

/* h = f g; h may be f or g. Column k is the sum of f[i] g[k - i], where
 * g[-n] stands for 19 g[5 - n] (2^255 = 19): gg holds them in that order.
 * Inputs below 2^51.01 keep each column below 2^109 and each carry below
 * 2^58, so 19 times the last fits 64 bits. */
static void fe_mul(fe h, const fe f, const fe g)
{
	u128 r[5] = {0};
	uint64_t gg[9], c;
	int i, k;

	for (i = 0; i < 4; i++)
		gg[i] = 19 * g[i + 1];
	for (i = 0; i < 5; i++)
		gg[i + 4] = g[i];
	for (k = 0; k < 5; k++)
		for (i = 0; i < 5; i++)
			r[k] += (u128)f[i] * gg[4 + k - i];
	for (i = 0; i < 4; i++) {
		r[i + 1] += r[i] >> 51;
		h[i] = (uint64_t)r[i] & M51;
	}
	c = (uint64_t)(r[4] >> 51);
	h[4] = (uint64_t)r[4] & M51;
	h[0] += 19 * c;
	h[1] += h[0] >> 51;
	h[0] &= M51;
}

/* Swaps f and g when bit is 1, without a branch. */
static void fe_cswap(fe f, fe g, uint64_t bit)
{
	uint64_t mask = 0 - bit, x;
	int i;

	for (i = 0; i < 5; i++) {
		x = mask & (f[i] ^ g[i]);
		f[i] ^= x;
		g[i] ^= x;
	}
}

/* The ladder's values (RFC 7748 section 5's names) and its step, one
 * operation a row: {operation, result, operand, operand}. A table rather
 * than eighteen calls: 0.3 KB less code, the same operations. */
enum { X1, X2, Z2, X3, Z3, A, AA, B, BB, C, D, E, A24, NV };
enum { ADD, SUB, MUL };
static const unsigned char ladder_step[][4] = {
    {ADD, A, X2, Z2},  /* A = x_2 + z_2 */
    {MUL, AA, A, A},   /* AA = A^2 */
    {SUB, B, X2, Z2},  /* B = x_2 - z_2 */
    {MUL, BB, B, B},   /* BB = B^2 */
    {SUB, E, AA, BB},  /* E = AA - BB */
    {ADD, C, X3, Z3},  /* C = x_3 + z_3 */
    {SUB, D, X3, Z3},  /* D = x_3 - z_3 */
    {MUL, D, D, A},    /* DA = D * A */
    {MUL, C, C, B},    /* CB = C * B */
    {ADD, X3, D, C},   /* x_3 = (DA + CB)^2 */
    {MUL, X3, X3, X3}, /* */
    {SUB, Z3, D, C},   /* z_3 = x_1 * (DA - CB)^2 */
    {MUL, Z3, Z3, Z3}, /* */
    {MUL, Z3, Z3, X1}, /* */
    {MUL, X2, AA, BB}, /* x_2 = AA * BB */
    {MUL, Z2, E, A24}, /* z_2 = E * (AA + a24 * E) */
    {ADD, Z2, Z2, AA}, /* */
    {MUL, Z2, Z2, E},  /* */
};

/* out = k u, RFC 7748 section 5 (k already clamped; bit 255 of u ignored). */
static void x25519(unsigned char out[32], const unsigned char k[32], const unsigned char u[32])
{
	fe v[NV] = {[X2] = {1}, [Z3] = {1}, [A24] = {121665}};
	uint64_t swap = 0, bit;
	const unsigned char *o;
	int t, i;

	/* 32 bytes little-endian, 51 bits a limb */
	for (i = 0; i < 255; i++)
		v[X1][i / 51] |= (uint64_t)(u[i / 8] >> (i % 8) & 1) << (i % 51);
	memcpy(v[X3], v[X1], sizeof v[X1]);
	for (t = 254; t >= 0; t--) {
		bit = k[t / 8] >> (t % 8) & 1;
		swap ^= bit;
		fe_cswap(v[X2], v[X3], swap);
		fe_cswap(v[Z2], v[Z3], swap);
		swap = bit;
		for (i = 0; i < (int)(sizeof ladder_step / sizeof ladder_step[0]); i++) {
			o = ladder_step[i];
			if (o[0] == MUL)
				fe_mul(v[o[1]], v[o[2]], v[o[3]]);
			else
				fe_addsub(v[o[1]], v[o[2]], v[o[3]], o[0] == SUB);
		}
	}
	fe_cswap(v[X2], v[X3], swap);
	fe_cswap(v[Z2], v[Z3], swap);
	/* x_2 / z_2 = x_2 z_2^(p-2); p - 2 = 2^255 - 21 has every bit below 255
	 * set but bits 4 and 2 (a public exponent: the branch leaks nothing) */
	memset(v[A], 0, sizeof v[A]);
	v[A][0] = 1;
	for (t = 254; t >= 0; t--) {
		fe_mul(v[A], v[A], v[A]);
		if (t != 4 && t != 2)
			fe_mul(v[A], v[A], v[Z2]);
	}
	fe_mul(v[X2], v[X2], v[A]);
	/* fully reduced: below 2p after two carries, then minus p when x + 19
	 * reaches 2^255 (q = 1) */
	fe_carry(v[X2]);
	fe_carry(v[X2]);
	bit = (v[X2][0] + 19) >> 51;
	for (i = 1; i < 5; i++)
		bit = (v[X2][i] + bit) >> 51;
	v[X2][0] += 19 * bit;
	for (i = 0; i < 4; i++) {
		v[X2][i + 1] += v[X2][i] >> 51;
		v[X2][i] &= M51;
	}
	v[X2][4] &= M51; /* minus q 2^255 */
	memset(out, 0, 32);
	for (i = 0; i < 255; i++)
		out[i / 8] |= (unsigned char)((v[X2][i / 51] >> (i % 51) & 1) << (i % 8));
	mbedtls_platform_zeroize(v, sizeof v);
}

int tls_x25519_mul_restartable(mbedtls_ecp_group *grp, mbedtls_ecp_point *R, const mbedtls_mpi *m,
                               const mbedtls_ecp_point *P,
                               int (*f_rng)(void *, unsigned char *, size_t), void *p_rng,
                               mbedtls_ecp_restart_ctx *rs_ctx)
{
	unsigned char k[32], u[32], x[32], any = 0;
	int ret, i;

	if (grp->id != MBEDTLS_ECP_DP_CURVE25519)
		return mbedtls_ecp_mul_restartable(grp, R, m, P, f_rng, p_rng, rs_ctx);
	if (!f_rng)
		return MBEDTLS_ERR_ECP_BAD_INPUT_DATA;
	ret = mbedtls_ecp_check_privkey(grp, m);
	if (!ret)
		ret = mbedtls_ecp_check_pubkey(grp, P);
	if (!ret)
		ret = mbedtls_mpi_write_binary_le(m, k, sizeof k);
	if (!ret)
		ret = mbedtls_mpi_write_binary_le(&P->X, u, sizeof u);
	if (!ret) {
		x25519(x, k, u);
		for (i = 0; i < 32; i++)
			any |= x[i];
		ret = any ? mbedtls_mpi_read_binary_le(&R->X, x, sizeof x)
		          : MBEDTLS_ERR_ECP_BAD_INPUT_DATA;
	}
	if (!ret)
		ret = mbedtls_mpi_lset(&R->Z, 1);
	if (!ret)
		mbedtls_mpi_free(&R->Y);
	mbedtls_platform_zeroize(k, sizeof k);
	mbedtls_platform_zeroize(x, sizeof x);
	return ret;
}

#else /* no 64x64 -> 128-bit products: mbedTLS's own */

int tls_x25519_mul_restartable(mbedtls_ecp_group *grp, mbedtls_ecp_point *R, const mbedtls_mpi *m,
                               const mbedtls_ecp_point *P,
                               int (*f_rng)(void *, unsigned char *, size_t), void *p_rng,
                               mbedtls_ecp_restart_ctx *rs_ctx)
{
	return mbedtls_ecp_mul_restartable(grp, R, m, P, f_rng, p_rng, rs_ctx);
}

#endif

int tls_x25519_mul(mbedtls_ecp_group *grp, mbedtls_ecp_point *R, const mbedtls_mpi *m,
                   const mbedtls_ecp_point *P, int (*f_rng)(void *, unsigned char *, size_t),
                   void *p_rng)
{
	return tls_x25519_mul_restartable(grp, R, m, P, f_rng, p_rng, NULL);
}
