/*
 * dbxai_psa_config.h - the PSA Crypto algorithms mbedTLS may offer
 * (MBEDTLS_PSA_CRYPTO_CONFIG_FILE, read through dbxai_mbedtls_config.h).
 *
 * Without MBEDTLS_USE_PSA_CRYPTO only TLS 1.3's key schedule and key exchange go
 * through PSA: ECDHE on x25519, secp256r1 and secp384r1 (ephemeral keys made,
 * exported, agreed), HKDF over HMAC-SHA-256/384 and the transcript hashes.
 * Certificates (RSA and ECDSA), TLS 1.2 and the records use the legacy modules
 * (dbxai_mbedtls_config.h). Left to mbedTLS's default, PSA would also carry RSA
 * keys (sign, decrypt, key parsing and writing: a client holds no private key),
 * ECDSA and AES, 10 KB that nothing calls.
 */
#ifndef DBXAI_PSA_CONFIG_H
#define DBXAI_PSA_CONFIG_H

#define PSA_WANT_ALG_ECDH 1
#define PSA_WANT_ALG_HKDF 1
#define PSA_WANT_ALG_HKDF_EXTRACT 1
#define PSA_WANT_ALG_HKDF_EXPAND 1
#define PSA_WANT_ALG_HMAC 1
#define PSA_WANT_ALG_SHA_256 1
#define PSA_WANT_ALG_SHA_384 1

#define PSA_WANT_ECC_MONTGOMERY_255 1
#define PSA_WANT_ECC_SECP_R1_256 1
#define PSA_WANT_ECC_SECP_R1_384 1

#define PSA_WANT_KEY_TYPE_DERIVE 1
#define PSA_WANT_KEY_TYPE_HMAC 1
#define PSA_WANT_KEY_TYPE_RAW_DATA 1
#define PSA_WANT_KEY_TYPE_ECC_PUBLIC_KEY 1
#define PSA_WANT_KEY_TYPE_ECC_KEY_PAIR_BASIC 1
#define PSA_WANT_KEY_TYPE_ECC_KEY_PAIR_IMPORT 1
#define PSA_WANT_KEY_TYPE_ECC_KEY_PAIR_EXPORT 1
#define PSA_WANT_KEY_TYPE_ECC_KEY_PAIR_GENERATE 1

#endif
