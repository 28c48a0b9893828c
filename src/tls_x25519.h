/* tls_x25519.h - X25519 (RFC 7748) for mbedTLS's key exchange, in 64-bit limbs.
 *
 * mbedTLS computes X25519 with its general bignum code: some 9.5 M instructions
 * and 0.5 to 0.9 ms for each of a handshake's two scalar multiplications (the
 * key share, then the shared secret), with a malloc and a free per bignum
 * operation. These take their place: the Makefile builds mbedTLS's ecdh.c with
 * mbedtls_ecp_mul_restartable renamed to tls_x25519_mul_restartable and
 * psa_crypto_ecp.c with mbedtls_ecp_mul renamed to tls_x25519_mul (where the
 * toolchain asks for it, TC_X25519), so every X25519 of TLS 1.2 (ecdh.c) and
 * TLS 1.3 (PSA's key share, ecdh.c's shared secret) comes here.
 *
 * Rules:
 * - Same contract, arguments and results as mbedtls_ecp_mul_restartable() and
 *   mbedtls_ecp_mul() (mbedtls/ecp.h); a group other than Curve25519, or a
 *   compiler without unsigned __int128, goes to them unchanged.
 * - The same checks first: f_rng not NULL, mbedtls_ecp_check_privkey() (a
 *   clamped scalar) and mbedtls_ecp_check_pubkey() (Z = 1, X of at most 32
 *   bytes, not one of the known points of small order); R may be P.
 * - The result is R = (X, Z = 1) with X reduced mod p and Y empty, as mbedTLS
 *   leaves it. A zero result (a point of small order that the check does not
 *   list) is MBEDTLS_ERR_ECP_BAD_INPUT_DATA: mbedTLS fails there too (its
 *   normalisation cannot invert zero) and RFC 8446 7.4.2 asks for the abort.
 * - Constant time in the scalar: a Montgomery ladder with masked swaps, no
 *   branch or index on secret data. f_rng is not called (mbedTLS uses it to
 *   randomise its coordinates against timing leaks the ladder does not have).
 * - Built only against mbedTLS 3.6.6 (#error otherwise: it reads a point's
 *   private fields).
 */
#ifndef DBX_TLS_X25519_H
#define DBX_TLS_X25519_H

#include "mbedtls/ecp.h"

int tls_x25519_mul_restartable(mbedtls_ecp_group *grp, mbedtls_ecp_point *R, const mbedtls_mpi *m,
                               const mbedtls_ecp_point *P,
                               int (*f_rng)(void *, unsigned char *, size_t), void *p_rng,
                               mbedtls_ecp_restart_ctx *rs_ctx);

int tls_x25519_mul(mbedtls_ecp_group *grp, mbedtls_ecp_point *R, const mbedtls_mpi *m,
                   const mbedtls_ecp_point *P, int (*f_rng)(void *, unsigned char *, size_t),
                   void *p_rng);

#endif
