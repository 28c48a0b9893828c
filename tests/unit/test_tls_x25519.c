/* test_tls_x25519.c - X25519 (tls_x25519_mul*) against RFC 7748's vectors and,
 * for random scalars and points (canonical or not, the points of small order
 * included), against mbedTLS's own ladder: same results, same refusals. Where
 * the fast path is not built (no unsigned __int128) the same checks run through
 * mbedTLS's code. */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS
#include <stdint.h>

#include "harness.h"
#include "mbedtls/ecp.h"
#include "tls_x25519.h"

static int rng(void *ctx, unsigned char *p, size_t n)
{
	(void)ctx;
	harness_fill(p, n);
	return 0;
}

/* decodeScalar25519 (RFC 7748 section 5): what mbedTLS's key check wants */
static void clamp(unsigned char k[32])
{
	k[0] &= 248;
	k[31] &= 127;
	k[31] |= 64;
}

/* out = k u through fn; returns its result. u as mbedTLS reads a key share
 * (bit 255 cleared). */
static int mul_with(int (*fn)(mbedtls_ecp_group *, mbedtls_ecp_point *, const mbedtls_mpi *,
                              const mbedtls_ecp_point *, int (*)(void *, unsigned char *, size_t),
                              void *),
                    const unsigned char k[32], const unsigned char u[32], unsigned char out[32])
{
	mbedtls_ecp_group g;
	mbedtls_ecp_point p, r;
	mbedtls_mpi d;
	unsigned char uu[32];
	int ret;

	memcpy(uu, u, 32);
	uu[31] &= 127;
	mbedtls_ecp_group_init(&g);
	mbedtls_ecp_point_init(&p);
	mbedtls_ecp_point_init(&r);
	mbedtls_mpi_init(&d);
	ret = mbedtls_ecp_group_load(&g, MBEDTLS_ECP_DP_CURVE25519);
	if (!ret)
		ret = mbedtls_mpi_read_binary_le(&d, k, 32);
	if (!ret)
		ret = mbedtls_mpi_read_binary_le(&p.X, uu, 32);
	if (!ret)
		ret = mbedtls_mpi_lset(&p.Z, 1);
	if (!ret)
		ret = fn(&g, &r, &d, &p, rng, NULL);
	memset(out, 0xee, 32);
	if (!ret) {
		ret = mbedtls_mpi_write_binary_le(&r.X, out, 32);
		if (!ret &&
		    (mbedtls_mpi_cmp_int(&r.Z, 1) != 0 || mbedtls_mpi_cmp_int(&r.Y, 0) != 0))
			ret = -1;
	}
	mbedtls_ecp_group_free(&g);
	mbedtls_ecp_point_free(&p);
	mbedtls_ecp_point_free(&r);
	mbedtls_mpi_free(&d);
	return ret;
}

static void hex(const unsigned char *p, char *out)
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
}

/* RFC 7748 5.2 (one step each) and 6.1 (both sides of the exchange) */
static void test_vectors(void)
{
	static const struct {
		const char *k, *u, *out;
	} v[] = {
	    {"a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
	     "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
	     "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"},
	    {"4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
	     "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
	     "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"},
	    {"77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
	     "0900000000000000000000000000000000000000000000000000000000000000",
	     "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"},
	    {"5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
	     "0900000000000000000000000000000000000000000000000000000000000000",
	     "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"},
	    {"77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
	     "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
	     "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"},
	    {"5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
	     "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
	     "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"},
	};
	unsigned char k[32], u[32], out[32];
	char got[65];

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		harness_unhex(v[i].k, k);
		harness_unhex(v[i].u, u);
		clamp(k);
		int ret = mul_with(tls_x25519_mul, k, u, out);
		hex(out, got);
		CHECK(ret == 0 && strcmp(got, v[i].out) == 0, "vector %zu: %d %s", i, ret, got);
	}
}

/* RFC 7748 5.2: k = u = 9, then k, u = k u, k, 1000 times */
static void test_iterated(void)
{
	unsigned char k[32] = {9}, u[32] = {9}, out[32], ck[32];
	char got[65];
	int i, ret = 0;

	for (i = 1; i <= 1000 && !ret; i++) {
		memcpy(ck, k, 32);
		clamp(ck);
		ret = mul_with(tls_x25519_mul, ck, u, out);
		memcpy(u, k, 32);
		memcpy(k, out, 32);
		hex(k, got);
		if (i == 1)
			CHECK(strcmp(got, "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e803"
			                  "11ae3079") == 0,
			      "after one: %s", got);
	}
	CHECK(ret == 0, "iteration %d failed: %d", i, ret);
	CHECK(strcmp(got, "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51") == 0,
	      "after 1,000: %s", got);
}

/* p - 1 + j, little-endian */
static void p_plus(unsigned char u[32], int j)
{
	memset(u, 0xff, 32);
	u[0] = (unsigned char)(0xec + j);
	u[31] = 0x7f;
}

/* the same answers as mbedTLS's ladder, refusals included */
static void test_against_mbedtls(void)
{
	unsigned char k[32], u[32], ours[32], theirs[32];
	int i, r1, r2, same = 0, refused = 0;

	for (i = 0; i < 300; i++) {
		harness_fill(k, 32);
		clamp(k);
		harness_fill(u, 32);
		if (i < 12) { /* 0, 1, the order-8 points, p - 1 .. p + 18 */
			memset(u, 0, 32);
			if (i == 1)
				u[0] = 1;
			else if (i >= 2 && i < 12)
				p_plus(u, (i - 2) * 2);
		} else if (i < 30) { /* not reduced: p .. 2^255 - 1 */
			p_plus(u, 1 + (i - 12));
			u[0] = (unsigned char)(0xed + (k[1] % 19));
		}
		r1 = mul_with(tls_x25519_mul, k, u, ours);
		r2 = mul_with(mbedtls_ecp_mul, k, u, theirs);
		CHECK((r1 == 0) == (r2 == 0), "case %d: ours %d, mbedTLS %d", i, r1, r2);
		if (r1 == 0 && r2 == 0) {
			CHECK(memcmp(ours, theirs, 32) == 0, "case %d: different results", i);
			same++;
		} else {
			refused++;
		}
	}
	CHECK(same > 250 && refused > 0, "%d same, %d refused", same, refused);
}

/* R may be P; a missing f_rng and another group go as mbedTLS's do */
static void test_contract(void)
{
	mbedtls_ecp_group g;
	mbedtls_ecp_point p, r;
	mbedtls_mpi d;
	unsigned char k[32], x1[32], x2[32];

	mbedtls_ecp_group_init(&g);
	mbedtls_ecp_point_init(&p);
	mbedtls_ecp_point_init(&r);
	mbedtls_mpi_init(&d);
	harness_fill(k, 32);
	clamp(k);
	CHECK(mbedtls_ecp_group_load(&g, MBEDTLS_ECP_DP_CURVE25519) == 0, "load");
	CHECK(mbedtls_mpi_read_binary_le(&d, k, 32) == 0, "scalar");
	CHECK(tls_x25519_mul(&g, &r, &d, &g.G, rng, NULL) == 0, "k G");
	CHECK(mbedtls_ecp_copy(&p, &r) == 0, "copy");
	CHECK(tls_x25519_mul(&g, &r, &d, &r, rng, NULL) == 0, "k (k G) in place");
	CHECK(tls_x25519_mul(&g, &p, &d, &p, rng, NULL) == 0, "again");
	CHECK(mbedtls_mpi_cmp_mpi(&r.X, &p.X) == 0, "in place: different results");
	CHECK(tls_x25519_mul(&g, &r, &d, &g.G, NULL, NULL) == MBEDTLS_ERR_ECP_BAD_INPUT_DATA,
	      "no f_rng");
	CHECK(tls_x25519_mul_restartable(&g, &r, &d, &g.G, NULL, NULL, NULL) ==
	          MBEDTLS_ERR_ECP_BAD_INPUT_DATA,
	      "no f_rng (restartable)");
	k[0] |= 1; /* not clamped */
	CHECK(mbedtls_mpi_read_binary_le(&d, k, 32) == 0, "scalar");
	CHECK(tls_x25519_mul(&g, &r, &d, &g.G, rng, NULL) == MBEDTLS_ERR_ECP_INVALID_KEY,
	      "unclamped scalar");
	mbedtls_ecp_group_free(&g);

	/* P-256: mbedTLS's code, the same point */
	CHECK(mbedtls_ecp_group_load(&g, MBEDTLS_ECP_DP_SECP256R1) == 0, "load P-256");
	CHECK(mbedtls_mpi_read_binary(&d, k, 32) == 0 && mbedtls_mpi_mod_mpi(&d, &d, &g.N) == 0,
	      "P-256 scalar");
	CHECK(tls_x25519_mul(&g, &r, &d, &g.G, rng, NULL) == 0, "P-256 k G");
	CHECK(mbedtls_ecp_mul(&g, &p, &d, &g.G, rng, NULL) == 0, "P-256 k G (mbedTLS)");
	CHECK(mbedtls_mpi_write_binary(&r.X, x1, 32) == 0 &&
	          mbedtls_mpi_write_binary(&p.X, x2, 32) == 0 && memcmp(x1, x2, 32) == 0,
	      "P-256: different results");
	mbedtls_ecp_group_free(&g);
	mbedtls_ecp_point_free(&p);
	mbedtls_ecp_point_free(&r);
	mbedtls_mpi_free(&d);
}

int main(void)
{
	RUN(test_vectors);
	RUN(test_iterated);
	RUN(test_against_mbedtls);
	RUN(test_contract);
	return harness_done("test_tls_x25519");
}
