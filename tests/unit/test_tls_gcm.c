/* test_tls_gcm.c - the record AES-GCM (tls_gcm_*) against published vectors and,
 * for every length up to 300 bytes and some record sizes, against mbedTLS's own
 * GCM: same ciphertext, same tag, same refusals. On a CPU or target without the
 * fast path the same checks run through mbedTLS's code. */
#include <stdint.h>

#include "harness.h"
#include "mbedtls/gcm.h"
#include "tls_gcm.h"

static int gcm_key(mbedtls_gcm_context *g, const unsigned char *key, unsigned bits)
{
	mbedtls_gcm_init(g);
	return mbedtls_gcm_setkey(g, MBEDTLS_CIPHER_ID_AES, key, bits);
}

/* McGrew and Viega, "The Galois/Counter Mode of Operation", test cases 2, 3, 4,
 * 16 (the 96-bit IV ones, as TLS uses). */
static void test_vectors(void)
{
	static const struct {
		const char *key, *iv, *aad, *pt, *ct, *tag;
	} v[] = {
	    {"00000000000000000000000000000000", "000000000000000000000000", "",
	     "00000000000000000000000000000000", "0388dace60b6a392f328c2b971b2fe78",
	     "ab6e47d42cec13bdf53a67b21257bddf"},
	    {"feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888", "",
	     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532f"
	     "cf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
	     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b2546693"
	     "1c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
	     "4d5c2af327cd64a62cf35abd2ba6fab4"},
	    {"feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
	     "feedfacedeadbeeffeedfacedeadbeefabaddad2",
	     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532f"
	     "cf0e2449a6b525b16aedf5aa0de657ba637b39",
	     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b2546693"
	     "1c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
	     "5bc94fbc3221a5db94fae95ae7121a47"},
	    {"feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
	     "cafebabefacedbaddecaf888", "feedfacedeadbeeffeedfacedeadbeefabaddad2",
	     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532f"
	     "cf0e2449a6b525b16aedf5aa0de657ba637b39",
	     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3d"
	     "a7b08b1056828838c5f61e6393ba7a0abcc9f662",
	     "76fc6ece0f4e1768cddf8853bb2d551b"},
	};
	size_t i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		unsigned char key[32], iv[12], aad[32], pt[64], ct[64], tag[16], out[64], t[16];
		size_t kn = harness_unhex(v[i].key, key), an = harness_unhex(v[i].aad, aad),
		       n = harness_unhex(v[i].pt, pt);
		mbedtls_gcm_context g;

		harness_unhex(v[i].iv, iv);
		harness_unhex(v[i].ct, ct);
		harness_unhex(v[i].tag, tag);
		CHECK(gcm_key(&g, key, (unsigned)kn * 8) == 0, "vector %zu: setkey", i);
		CHECK(tls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, n, iv, 12, aad, an, pt, out,
		                            16, t) == 0,
		      "vector %zu: encrypt", i);
		CHECK(memcmp(out, ct, n) == 0, "vector %zu: ciphertext", i);
		CHECK(memcmp(t, tag, 16) == 0, "vector %zu: tag", i);
		CHECK(tls_gcm_auth_decrypt(&g, n, iv, 12, aad, an, tag, 16, ct, out) == 0,
		      "vector %zu: decrypt", i);
		CHECK(memcmp(out, pt, n) == 0, "vector %zu: plaintext", i);
		mbedtls_gcm_free(&g);
	}
}

/* One encryption and one decryption of n bytes (with an AD of an bytes, a
 * tag of tn) through tls_gcm_* and through mbedTLS; in place when inplace. The
 * input ends at a guard page, so a read past it crashes. */
static void same_as_mbedtls(mbedtls_gcm_context *g, size_t n, size_t an, size_t tn, int inplace)
{
	static unsigned char pt[20000], aad[64], ref[20000], out[20000];
	unsigned char iv[12], tag[16], reftag[16];
	struct harness_guarded in;
	int rc, rrc;

	harness_fill(iv, sizeof iv);
	harness_fill(aad, an);
	harness_fill(pt, n);
	in = harness_guard(pt, n);
	rrc = mbedtls_gcm_crypt_and_tag(g, MBEDTLS_GCM_ENCRYPT, n, iv, 12, aad, an, pt, ref, tn,
	                                reftag);
	if (inplace) {
		memcpy(out, pt, n);
		rc = tls_gcm_crypt_and_tag(g, MBEDTLS_GCM_ENCRYPT, n, iv, 12, aad, an, out, out, tn,
		                           tag);
	} else {
		rc = tls_gcm_crypt_and_tag(g, MBEDTLS_GCM_ENCRYPT, n, iv, 12, aad, an, in.data, out,
		                           tn, tag);
	}
	CHECK(rc == 0 && rrc == 0, "encrypt n=%zu ad=%zu: %d, mbedTLS %d", n, an, rc, rrc);
	CHECK(memcmp(out, ref, n) == 0, "encrypt n=%zu ad=%zu inplace=%d: ciphertext differs", n,
	      an, inplace);
	CHECK(memcmp(tag, reftag, tn) == 0, "encrypt n=%zu ad=%zu tag=%zu: tag differs", n, an, tn);
	harness_unguard(&in);

	/* decrypt mbedTLS's ciphertext and tag */
	in = harness_guard(ref, n);
	if (inplace) {
		memcpy(out, ref, n);
		rc = tls_gcm_auth_decrypt(g, n, iv, 12, aad, an, reftag, tn, out, out);
	} else {
		rc = tls_gcm_auth_decrypt(g, n, iv, 12, aad, an, reftag, tn, in.data, out);
	}
	CHECK(rc == 0, "decrypt n=%zu ad=%zu: %d", n, an, rc);
	CHECK(memcmp(out, pt, n) == 0, "decrypt n=%zu ad=%zu inplace=%d: plaintext differs", n, an,
	      inplace);
	harness_unguard(&in);
}

static void test_against_mbedtls(void)
{
	static const unsigned bits[] = {128, 192, 256};
	static const size_t ads[] = {0, 5, 13, 16, 17, 40};
	static const size_t records[] = {1024, 4095, 16384, 16384 + 256, 19999};
	unsigned char key[32];
	size_t b, n, a, r;

	for (b = 0; b < 3; b++) {
		mbedtls_gcm_context g;

		harness_fill(key, sizeof key);
		CHECK(gcm_key(&g, key, bits[b]) == 0, "setkey %u", bits[b]);
		for (n = 0; n <= 300; n++)
			same_as_mbedtls(&g, n, ads[n % 6], 16, (int)(n & 1));
		for (a = 0; a < 6; a++)
			same_as_mbedtls(&g, 100, ads[a], 4 + a * 2, 0);
		for (r = 0; r < sizeof records / sizeof records[0]; r++)
			same_as_mbedtls(&g, records[r], 13, 16, (int)(r & 1));
		mbedtls_gcm_free(&g);
	}
}

/* A changed tag, ciphertext byte or AD byte is refused and nothing decrypted
 * is left in the output. */
static void test_forgeries(void)
{
	unsigned char key[16], iv[12], aad[13], pt[200], ct[200], out[200], tag[16], bad[16];
	mbedtls_gcm_context g;
	size_t i, zeros;
	int k;

	harness_fill(key, sizeof key);
	harness_fill(iv, sizeof iv);
	harness_fill(aad, sizeof aad);
	harness_fill(pt, sizeof pt);
	CHECK(gcm_key(&g, key, 128) == 0, "setkey");
	CHECK(tls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, 200, iv, 12, aad, 13, pt, ct, 16,
	                            tag) == 0,
	      "encrypt");
	for (k = 0; k < 3; k++) {
		memcpy(bad, tag, 16);
		if (k == 0)
			bad[15] ^= 0x80;
		else if (k == 1)
			ct[150] ^= 1;
		else
			aad[12] ^= 1;
		memset(out, 0xAA, sizeof out);
		CHECK(tls_gcm_auth_decrypt(&g, 200, iv, 12, aad, 13, bad, 16, ct, out) ==
		          MBEDTLS_ERR_GCM_AUTH_FAILED,
		      "forgery %d accepted", k);
		for (i = 0, zeros = 0; i < sizeof out; i++)
			zeros += out[i] == 0;
		CHECK(zeros == sizeof out, "forgery %d: output not wiped (%zu zero bytes)", k,
		      zeros);
		if (k == 1)
			ct[150] ^= 1;
	}
	mbedtls_gcm_free(&g);
}

/* What the fast path does not take goes to mbedTLS and gets its answer. */
static void test_fallbacks(void)
{
	unsigned char key[32], iv[16], buf[100], ref[100], tag[16], reftag[16];
	mbedtls_gcm_context g;
	int rc, rrc;

	harness_fill(key, sizeof key);
	harness_fill(iv, sizeof iv);
	harness_fill(buf, sizeof buf);
	CHECK(gcm_key(&g, key, 256) == 0, "setkey");
	/* a 16-byte IV (J0 from GHASH, not TLS) */
	rc =
	    tls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, 100, iv, 16, NULL, 0, buf, ref, 16, tag);
	rrc = mbedtls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, 100, iv, 16, NULL, 0, buf, buf, 16,
	                                reftag);
	CHECK(rc == 0 && rrc == 0 && memcmp(ref, buf, 100) == 0 && memcmp(tag, reftag, 16) == 0,
	      "16-byte IV differs from mbedTLS");
	/* a 3-byte tag and an output that overlaps the input ahead of it */
	rc = tls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, 50, iv, 12, NULL, 0, buf, ref, 3, tag);
	CHECK(rc == MBEDTLS_ERR_GCM_BAD_INPUT, "3-byte tag: %d", rc);
	rc = tls_gcm_auth_decrypt(&g, 50, iv, 12, NULL, 0, tag, 17, buf, ref);
	CHECK(rc == MBEDTLS_ERR_GCM_BAD_INPUT, "17-byte tag: %d", rc);
	rc = tls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, 50, iv, 12, NULL, 0, buf, buf + 1, 16,
	                           tag);
	CHECK(rc == MBEDTLS_ERR_GCM_BAD_INPUT, "overlapping output: %d", rc);
	mbedtls_gcm_free(&g);
}

/* The self-test at first use: passes on a sound fast path; any mismatch turns
 * the fast path off for good, and records still come out right (mbedTLS's
 * code). Runs last: it leaves the fast path off. */
static void test_self_test(void)
{
	static const unsigned char wrong[16] = {1};
	int cpu = tls_gcm_accelerated();

	CHECK(tls_gcm_self_test(NULL) == cpu, "the known answer on a sound fast path");
	CHECK(!tls_gcm_self_test_failed(), "not failed");
	CHECK(tls_gcm_self_test(wrong) == 0, "a mismatch is seen");
	CHECK(!tls_gcm_accelerated(), "and turns the fast path off");
	CHECK(tls_gcm_self_test_failed() == cpu, "said under -v where it was on");
	test_vectors(); /* still right, through mbedTLS */
}

int main(void)
{
	printf("test_tls_gcm: %s\n",
	       tls_gcm_accelerated()
	           ? "fast path (AES and carry-less multiply instructions) checked"
	           : "no fast path on this CPU or target: mbedTLS's code checked");
	RUN(test_vectors);
	RUN(test_against_mbedtls);
	RUN(test_forgeries);
	RUN(test_fallbacks);
	RUN(test_self_test);
	return harness_done("test_tls_gcm");
}
