/*
 * crypto.h - the few cryptographic helpers OAuth needs, behind one small
 * wrapper (STYLE 2): random bytes, SHA-256, and base64url without padding
 * (RFC 4648 section 5, as PKCE and OAuth state values use it).
 *
 * Rules:
 * - crypto_random() draws from the CTR-DRBG that tls_global_init() seeded
 *   from the OS (getrandom); dbx_global_init() MUST have run.
 * - Only crypto.c includes mbedTLS crypto headers; nothing here allocates.
 * - Pointers are borrowed for the call and MUST NOT be NULL.
 */
#ifndef CRYPTO_H
#define CRYPTO_H

#include <stddef.h>

#define CRYPTO_SHA256_LEN 32

/* Length of the base64url text (no padding, no NUL) for n input bytes. */
#define CRYPTO_B64URL_LEN(n) (((n)*4 + 2) / 3)

/* len bytes from the seeded CSPRNG. DBX_OK or DBX_ERR_INTERNAL. */
int crypto_random(void *buf, size_t len);

/* SHA-256 of in[0..len) into out. DBX_OK or DBX_ERR_INTERNAL. */
int crypto_sha256(const void *in, size_t len, unsigned char out[CRYPTO_SHA256_LEN]);

/* base64url of in[0..len), without '=' padding, NUL-terminated, into out.
 * DBX_ERR_LIMIT when outsz < CRYPTO_B64URL_LEN(len) + 1. */
int crypto_base64url(const void *in, size_t len, char *out, size_t outsz);

#endif
