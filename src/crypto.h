/*
 * crypto.h - the process's random generator and the few cryptographic helpers
 * the library needs, behind one small wrapper (STYLE 2): random bytes, SHA-256,
 * base64 (standard with padding, and base64url without), and wiping secrets.
 * The lowest layer besides err and buf: it calls nothing of ours.
 *
 * Rules:
 * - crypto_global_init() seeds a CTR-DRBG from the OS (getrandom, else
 *   /dev/urandom) and initialises PSA crypto, once per process: it is safe to
 *   call from several threads at once (the first call does the work, the
 *   others wait for it and get its result). Everything else here that draws
 *   random bytes needs it to have succeeded (dbx_global_init and
 *   tls_client_new call it).
 * - The generator is shared by every client and thread; our mbedTLS is built
 *   with MBEDTLS_THREADING_C, so its context is locked on each draw.
 * - Only crypto.c includes mbedTLS crypto headers; nothing here allocates.
 * - Pointers are borrowed for the call and MUST NOT be NULL unless stated.
 */
#ifndef CRYPTO_H
#define CRYPTO_H

#include <stddef.h>

#include "err.h"

#define CRYPTO_SHA256_LEN 32

/* Length of the base64url text (no padding, no NUL) for n input bytes. */
#define CRYPTO_B64URL_LEN(n) (((n)*4 + 2) / 3)
/* Length of the standard base64 text (with padding, no NUL). */
#define CRYPTO_B64_LEN(n) (((n) + 2) / 3 * 4)

/* Seeds the generator and PSA, once per process (see the rules).
 * DBX_ERR_INTERNAL with the reason when the OS gives no entropy. */
int crypto_global_init(char *errbuf);

/* len bytes from the seeded generator. DBX_OK or DBX_ERR_INTERNAL. */
int crypto_random(void *buf, size_t len);

/* The same with mbedTLS's f_rng signature (ctx unused), for
 * mbedtls_ssl_conf_rng. */
int crypto_rng(void *ctx, unsigned char *buf, size_t len);

/* SHA-256 of in[0..len) into out. DBX_OK or DBX_ERR_INTERNAL. */
int crypto_sha256(const void *in, size_t len, unsigned char out[CRYPTO_SHA256_LEN]);

/* base64url of in[0..len), without '=' padding (RFC 4648 section 5, as PKCE
 * and OAuth state values use it), NUL-terminated, into out.
 * DBX_ERR_LIMIT when outsz < CRYPTO_B64URL_LEN(len) + 1. */
int crypto_base64url(const void *in, size_t len, char *out, size_t outsz);

/* Decodes base64url in[0..len) (no padding; a trailing '=' is refused, as JWTs
 * never carry one) into out (cap bytes), *outlen its length. DBX_ERR_PROTOCOL
 * for a character outside the alphabet or an impossible length; DBX_ERR_LIMIT
 * when out is too small. */
int crypto_base64url_decode(const char *in, size_t len, void *out, size_t cap, size_t *outlen);

/* Decodes standard base64 in[0..len) (RFC 4648 section 4: '+' and '/', '='
 * padding to a multiple of 4 characters) as crypto_base64url_decode does.
 * Not in constant time: for public data (certificates). */
int crypto_base64_decode(const char *in, size_t len, void *out, size_t cap, size_t *outlen);

/* Standard base64 (RFC 4648 section 4, with '=' padding) of in[0..len) into
 * out as a C string. DBX_ERR_LIMIT when outsz < CRYPTO_B64_LEN(len) + 1 (out
 * is then "" when outsz > 0); in MAY be NULL if len is 0. */
int crypto_base64(const void *in, size_t len, char *out, size_t outsz);

/* Whether the C strings a and b are equal, in a time that depends on their
 * lengths only (an OAuth state is compared with this). */
int crypto_str_equal(const char *a, const char *b);

/* Overwrites n bytes at p (volatile stores, which the compiler may not drop
 * before a free) so secrets do not linger. p may be NULL when n is 0. */
void crypto_wipe(void *p, size_t n);

#endif
