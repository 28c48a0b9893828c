/*
 * dbxai_mbedtls_config.h - our mbedTLS 3.6 configuration (MBEDTLS_CONFIG_FILE).
 *
 * A TLS 1.2 + 1.3 client and nothing else: ECDHE (x25519, secp256r1, secp384r1)
 * key exchange, RSA (PKCS#1 v1.5 and PSS) and ECDSA signature verification,
 * AES-GCM and ChaCha20-Poly1305 records. No server, DTLS, renegotiation, static
 * RSA or DHE. Each choice that is not obvious says why; see third_party/README.md.
 *
 * Feature switches (make FEATURES=..., src/switches.h) reach this file too. None
 * of the features that can be left out uses an algorithm of its own (OAuth's
 * PKCE and token-cache key are SHA-256, which TLS needs anyway; base64url and the
 * JWT are ours), so leaving them out leaves no algorithm unused. make MINIMAL=1
 * (DBX_MINIMAL) is also a size profile: it drops what a client can do without
 * (marked MINIMAL below).
 */
#ifndef DBXAI_MBEDTLS_CONFIG_H
#define DBXAI_MBEDTLS_CONFIG_H

/* Platform */
#if !defined(__mips16) /* MIPS16 code cannot hold its MIPS32 bignum assembly */
#define MBEDTLS_HAVE_ASM
#endif
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE /* without it certificate validity dates go unchecked */
#define MBEDTLS_PLATFORM_C
#if !DBX_MINIMAL /* tls.c reads the files itself; the library's users may not */
#define MBEDTLS_FS_IO          /* mbedtls_x509_crt_parse_file / _path */
#endif
/* No MBEDTLS_ERROR_C: its texts cost 14 KB; tls.c words the errors users meet. */

/* Randomness: OS entropy into CTR-DRBG; PSA needs both. mbedTLS uses getrandom()
 * only with glibc and otherwise opens /dev/urandom, which a FROM scratch image
 * or an empty chroot lacks: tls.c supplies mbedtls_hardware_poll() instead
 * (getrandom(2), /dev/urandom only on kernels older than 3.17). */
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_ENTROPY_HARDWARE_ALT
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_CTR_DRBG_C
#define MBEDTLS_PSA_CRYPTO_C
/* PSA offers only what TLS 1.3's key exchange and key schedule use */
#define MBEDTLS_PSA_CRYPTO_CONFIG
#define MBEDTLS_PSA_CRYPTO_CONFIG_FILE "dbxai_psa_config.h"
/* PSA calls here come from mbedTLS's own TLS 1.3 code, with buffers of this
 * process alone: no copy of each argument into (and out of) a buffer of its
 * own. Those copies were a malloc and a free per call, and with musl's
 * allocator most of them an mmap, a page fault and an munmap: 19 of the 25
 * mappings of a handshake, some 0.5 ms of its time on a VM.
 * 1.2 KB less code. */
#define MBEDTLS_PSA_ASSUME_EXCLUSIVE_BUFFERS
/* PSA draws from crypto.c's generator (mbedtls_psa_external_get_random):
 * one CTR-DRBG seeded once per process instead of two, 0.5 KB. Marked
 * experimental in 3.6: an upgrade checks it is still there. */
#define MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG

/* Threads: the library lets distinct clients run in distinct threads, and they
 * share the CTR-DRBG and entropy contexts (crypto.c) and PSA's key store and
 * random generator (TLS 1.3 keys). These lock them with pthread mutexes.
 * mbedTLS's lazy one-time set-ups that they do not cover (AES tables, AES-NI /
 * AESCE detection) run under pthread_once in crypto.c; the ciphersuite list is
 * fixed (MBEDTLS_SSL_CIPHERSUITES below), not filled on first use. */
#define MBEDTLS_THREADING_C
#define MBEDTLS_THREADING_PTHREAD

/* Hashes. SHA-1 is here only so that the SHA-1-self-signed roots of a system CA
 * bundle parse (about 30 of Debian's); mbedtls_x509_crt_profile_default does not
 * accept SHA-1 signatures in a chain, and tls.c uses that profile. */
#define MBEDTLS_MD_C
#define MBEDTLS_SHA1_C
/* Its compression function is ours (src/tls_sha1.c), rolled up: 0.3 KB instead of
 * mbedTLS's unrolled 4.7 KB; SHA-1 is never on a hot path here. */
#define MBEDTLS_SHA1_PROCESS_ALT
/* No SHA-224: no certificate or TLS suite in use needs it (0.45 KB). */
#define MBEDTLS_SHA256_C
/* Rolled-up compression loop: hashing is handshake-only here (records are AEAD),
 * and the unrolled one cost 2 KB. */
#define MBEDTLS_SHA256_SMALLER
#define MBEDTLS_SHA384_C
#define MBEDTLS_SHA512_C
/* Likewise for SHA-384/512 (TLS 1.3's AES-256-GCM-SHA384 transcript and HKDF) */
#define MBEDTLS_SHA512_SMALLER
#define MBEDTLS_HKDF_C /* turns on the PSA HKDF that TLS 1.3 needs */

/* Ciphers: AEAD only */
#define MBEDTLS_CIPHER_C
#define MBEDTLS_AES_C
/* AES in hardware where the CPU has it, chosen at run time (software
 * otherwise): AES-GCM was 60 % of the client's instructions per chunk. */
#if defined(__x86_64__)
#define MBEDTLS_AESNI_C
#endif
#if defined(__aarch64__)
#define MBEDTLS_AESCE_C
#endif
#define MBEDTLS_GCM_C
/* GCM and CTR-DRBG only ever run AES forwards: no inverse cipher, its key
 * schedule or its 4 KiB of tables (there is no CBC, ECB or XTS here). */
#define MBEDTLS_BLOCK_CIPHER_NO_DECRYPT
/* ChaCha20-Poly1305 only where AES has no hardware help here (armv7): it is
 * much faster than software AES-GCM there. With AES-NI / AESCE (x86_64,
 * aarch64) AES-GCM is the faster suite and every server offers it (TLS 1.3
 * makes TLS_AES_128_GCM_SHA256 mandatory), so the 4.1 KB are left out. */
/* make MINIMAL=1 (DBX_MINIMAL): AES-GCM alone everywhere; so a target built
 * lean for its size budget (DBX_TLS_LEAN: armv5te, whose 320 KiB hold every
 * feature only so; a model's stream is a few KB/s, which software AES-GCM
 * keeps up with on an ARM9). */
#if !DBX_MINIMAL && !DBX_TLS_LEAN && !defined(__x86_64__) && !defined(__aarch64__)
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C
#endif

/* Public key */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_OID_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_ECP_C
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
/* Fast modular reduction for P-256/P-384 (2.8 KB): without it an ECDSA
 * certificate's handshake took 3x the instructions (116 M instead of 38 M).
 * MINIMAL: the generic reduction; a slower handshake, 2.5 KB less. x86_64 too,
 * for its 400 KiB budget (issue 20): a 2,000-chunk chat with a server whose
 * certificate is ECDSA P-256 took 62 M -> 134 M instructions (some 20 ms more
 * per connection); RSA certificates with x25519, the usual case, are unchanged.
 * The first thing to bring back when there is room. DBX_TLS_LEAN (armv5te)
 * too, for its 320 KiB. */
#if !DBX_MINIMAL && !DBX_TLS_LEAN && !defined(__x86_64__)
#define MBEDTLS_ECP_NIST_OPTIM
#endif
/* No precomputed comb tables for the NIST curves' base point (7.6 KB of tables
 * and code): they only speed up u*G, once per handshake with an ECDSA server
 * (its CertificateVerify) or a P-256 key share (x25519 comes first): 38 M -> 45 M
 * instructions for a handshake with an ECDSA certificate; RSA certificates with
 * x25519, the usual case, are unchanged. Never on a record's path. */
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED

/* X.509 */
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_RSASSA_PSS_SUPPORT /* TLS 1.3 with RSA certificates signs with PSS */
/* Lets tls.c look up the issuing root on demand instead of parsing a whole bundle */
#define MBEDTLS_X509_TRUSTED_CERTIFICATE_CALLBACK
/* No mbedtls_x509_*_info() and no OID descriptions: tls.c words verification
 * failures from the flags itself; 2.5 KB. */
#define MBEDTLS_X509_REMOVE_INFO

/* TLS */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_PROTO_TLS1_3
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE /* mandatory with TLS 1.3 */
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
/* No MBEDTLS_SSL_ENCRYPT_THEN_MAC: it applies to CBC suites only, and there
 * are none here. */
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
/* The suites offered: those this configuration has, in mbedTLS's default order.
 * Without the list mbedTLS keeps its preference table of every suite it knows
 * (0.7 KB) and filters it at first use. */
#if defined(MBEDTLS_CHACHAPOLY_C)
#define DBX_SUITES_13_CHACHA MBEDTLS_TLS1_3_CHACHA20_POLY1305_SHA256,
#define DBX_SUITES_12_CHACHA MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, \
                             MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
#else
#define DBX_SUITES_13_CHACHA
#define DBX_SUITES_12_CHACHA
#endif
#define MBEDTLS_SSL_CIPHERSUITES \
    DBX_SUITES_13_CHACHA MBEDTLS_TLS1_3_AES_256_GCM_SHA384, MBEDTLS_TLS1_3_AES_128_GCM_SHA256, \
    DBX_SUITES_12_CHACHA \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256

/* Record buffers: incoming records can be 16 KiB (servers rarely honour a smaller
 * max_fragment_length); what we send is split into 4 KiB records, saving 12 KiB. */
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096

#endif
