/* tls_gcm.h - AES-GCM for TLS records, eight blocks at a time where the CPU can.
 *
 * mbedTLS encrypts one 16-byte counter block and does one GHASH multiply per
 * call, byte-reversing both; on a stream that is most of the client's CPU. These
 * two functions take the place of mbedTLS's one-shot GCM calls in its cipher
 * layer (the Makefile builds mbedTLS's cipher.c with its two calls renamed to
 * these), so every AES-GCM record of every TLS version comes here.
 *
 * Rules:
 * - Same contract, arguments and results as mbedtls_gcm_crypt_and_tag() and
 *   mbedtls_gcm_auth_decrypt() (mbedtls/gcm.h), which they call for anything
 *   they do not do themselves: the fast path is taken only for AES keys, a
 *   12-byte IV (what TLS uses), a tag of 4 to 16 bytes, output equal to input
 *   or not overlapping it, and a CPU with AES-NI, PCLMULQDQ, SSSE3 and SSE4.1
 *   (x86_64) or with the AES and PMULL instructions (aarch64 Linux). Other CPUs
 *   and targets (armv7), and make MINIMAL=1 builds, run mbedTLS's code unchanged.
 * - The fast path leaves ctx unchanged (the key schedule is only read); mbedTLS's
 *   streaming state in ctx is not meaningful after a one-shot call anyway.
 * - Built only against mbedTLS 3.6.6 (#error otherwise: it reads internals) and
 *   little-endian targets; at first use a known-answer self-test decides, and
 *   a mismatch leaves every record to mbedTLS's code.
 * - On a tag mismatch the output is zeroed and MBEDTLS_ERR_GCM_AUTH_FAILED is
 *   returned, as mbedTLS does; the comparison takes the same time for any tag.
 */
#ifndef DBX_TLS_GCM_H
#define DBX_TLS_GCM_H

#include <stdbool.h>
#include <stddef.h>

#include "mbedtls/gcm.h"

int tls_gcm_crypt_and_tag(mbedtls_gcm_context *ctx, int mode, size_t length,
                          const unsigned char *iv, size_t iv_len, const unsigned char *add,
                          size_t add_len, const unsigned char *input, unsigned char *output,
                          size_t tag_len, unsigned char *tag);

int tls_gcm_auth_decrypt(mbedtls_gcm_context *ctx, size_t length, const unsigned char *iv,
                         size_t iv_len, const unsigned char *add, size_t add_len,
                         const unsigned char *tag, size_t tag_len, const unsigned char *input,
                         unsigned char *output);

/* True when the fast path is taken: this CPU has the instructions and the
 * known-answer self-test, run at the first call, passed (for tests, the bench
 * and -v). */
bool tls_gcm_accelerated(void);

/* The known-answer self-test (expect: the tag to expect; NULL: the right
 * one): 1 when the fast path gives it. A mismatch turns the fast path off for
 * the rest of the process (mbedTLS's own GCM is used); 0 also when the CPU
 * has no fast path. Wipes its key schedule and temporaries. */
int tls_gcm_self_test(const unsigned char *expect);

/* The CPU has the fast path but a self-test failed: it is off (for -v). */
bool tls_gcm_self_test_failed(void);

#endif
