/* test_tls_sha1.c - the rolled-up SHA-1 compression function (src/tls_sha1.c,
 * which mbedTLS calls through MBEDTLS_SHA1_PROCESS_ALT) against the FIPS 180-4
 * examples and RFC 3174's test 4, through mbedTLS's SHA-1 functions. */
#include <string.h>

#include "harness.h"
#include "mbedtls/sha1.h"

static void hex(const unsigned char *d, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * n] = 0;
}

/* the digest of `repeat` copies of msg, fed in pieces of `step` bytes */
static void sha1_of(const char *msg, size_t repeat, size_t step, char out[41])
{
	mbedtls_sha1_context c;
	unsigned char d[20];
	size_t n = strlen(msg);

	mbedtls_sha1_init(&c);
	mbedtls_sha1_starts(&c);
	for (size_t r = 0; r < repeat; r++)
		for (size_t i = 0; i < n; i += step)
			mbedtls_sha1_update(&c, (const unsigned char *)msg + i,
			                    i + step > n ? n - i : step);
	mbedtls_sha1_finish(&c, d);
	mbedtls_sha1_free(&c);
	hex(d, 20, out);
}

static void test_vectors(void)
{
	char h[41], hundred_a[101];

	memset(hundred_a, 'a', 100);
	hundred_a[100] = 0;

	sha1_of("abc", 1, 3, h);
	CHECK(strcmp(h, "a9993e364706816aba3e25717850c26c9cd0d89d") == 0, "one block: %s", h);
	sha1_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1, 5, h);
	CHECK(strcmp(h, "84983e441c3bd26ebaae4aa1f95129e5e54670f1") == 0, "two blocks: %s", h);
	sha1_of(hundred_a, 10000, 64, h);
	CHECK(strcmp(h, "34aa973cd4c4daa4f61eeb2bdbad27316534016f") == 0, "a million a: %s", h);
	sha1_of("0123456701234567012345670123456701234567012345670123456701234567", 10, 7, h);
	CHECK(strcmp(h, "dea356a2cddd90c7a7ecedc5ebb563934f460452") == 0, "RFC 3174 test 4: %s", h);
	sha1_of("", 1, 1, h);
	CHECK(strcmp(h, "da39a3ee5e6b4b0d3255bfef95601890afd80709") == 0, "empty: %s", h);
}

int main(void)
{
	RUN(test_vectors);
	return harness_done("test_tls_sha1");
}
