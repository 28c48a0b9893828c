/* tls_nokey.h - mbedTLS's private-key calls renamed to tls_nokey.c's (which see).
 * The Makefile builds mbedTLS's pk_wrap.c, pk.c and rsa.c with -include of this file; in
 * tls_nokey.c it makes mbedTLS's own headers declare the replacements, so each
 * has mbedTLS's exact prototype. */
#ifndef DBX_TLS_NOKEY_H
#define DBX_TLS_NOKEY_H

/* rsa.c defines these (it is built with DBX_NOKEY_RSA_C) */
#ifndef DBX_NOKEY_RSA_C
#define mbedtls_rsa_pkcs1_sign tls_nokey_rsa_sign
#define mbedtls_rsa_pkcs1_decrypt tls_nokey_rsa_decrypt
#define mbedtls_rsa_pkcs1_encrypt tls_nokey_rsa_encrypt
#define mbedtls_rsa_check_pub_priv tls_nokey_rsa_check_pair
#define mbedtls_rsa_rsassa_pss_sign_no_mode_check tls_nokey_rsa_pss_sign
#define mbedtls_ecdsa_write_signature tls_nokey_ecdsa_sign
#define mbedtls_ecp_check_pub_priv tls_nokey_ecp_check_pair
#endif
/* rsa.c's completion of a private key (rsa_alt_helpers.c): a public key (N, E)
 * never gets there */
#define mbedtls_rsa_deduce_primes tls_nokey_rsa_deduce_primes
#define mbedtls_rsa_deduce_private_exponent tls_nokey_rsa_deduce_d
#define mbedtls_rsa_deduce_crt tls_nokey_rsa_deduce_crt

#endif
