/* tls_sha1.c - the SHA-1 compression function for mbedTLS, rolled up.
 *
 * mbedTLS's own (library/sha1.c) is unrolled: 4.7 KB of code on x86_64. Here
 * SHA-1 never runs on a hot path: it is in the build only so that the SHA-1
 * signed roots of a system CA bundle parse, and a chain signed with SHA-1 is
 * refused anyway (third_party/dbxai_mbedtls_config.h). So the configuration
 * sets MBEDTLS_SHA1_PROCESS_ALT and mbedTLS calls this loop (FIPS 180-4, 6.1.2)
 * instead, with the same contract. Checked against the FIPS 180-4 examples in
 * tests/unit/test_tls_gcm.c. */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS
#include <stdint.h>

#include "mbedtls/platform_util.h"
#include "mbedtls/sha1.h"

/* It fills private fields of mbedTLS's SHA-1 context: check, then change this line. */
#if MBEDTLS_VERSION_NUMBER != 0x03060600
#error "src/tls_sha1.c was written against mbedTLS 3.6.6: check its use of mbedTLS internals"
#endif

static uint32_t rol(uint32_t x, int n)
{
	return x << n | x >> (32 - n);
}

int mbedtls_internal_sha1_process(mbedtls_sha1_context *ctx, const unsigned char data[64])
{
	uint32_t w[16], s[5], f, t;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)data[4 * i] << 24 | (uint32_t)data[4 * i + 1] << 16 |
		       (uint32_t)data[4 * i + 2] << 8 | data[4 * i + 3];
	for (i = 0; i < 5; i++)
		s[i] = ctx->state[i];
	for (i = 0; i < 80; i++) {
		if (i >= 16)
			w[i & 15] = rol(
			    w[(i + 13) & 15] ^ w[(i + 8) & 15] ^ w[(i + 2) & 15] ^ w[i & 15], 1);
		if (i < 20)
			f = ((s[1] & s[2]) | (~s[1] & s[3])) + 0x5A827999;
		else if (i < 40)
			f = (s[1] ^ s[2] ^ s[3]) + 0x6ED9EBA1;
		else if (i < 60)
			f = ((s[1] & s[2]) | (s[1] & s[3]) | (s[2] & s[3])) + 0x8F1BBCDC;
		else
			f = (s[1] ^ s[2] ^ s[3]) + 0xCA62C1D6;
		t = rol(s[0], 5) + f + s[4] + w[i & 15];
		s[4] = s[3];
		s[3] = s[2];
		s[2] = rol(s[1], 30);
		s[1] = s[0];
		s[0] = t;
	}
	for (i = 0; i < 5; i++)
		ctx->state[i] += s[i];
	mbedtls_platform_zeroize(w, sizeof w);
	return 0;
}
