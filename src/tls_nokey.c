/* tls_nokey.c - the private-key operations of mbedTLS's public-key layer, left out.
 *
 * dbxai is a TLS client without a certificate of its own: it verifies the
 * server's RSA and ECDSA signatures and never signs, decrypts with or checks a
 * private key (tls.c sets no own certificate, so mbedTLS never asks for one).
 * Yet pk_wrap.c's tables name those operations for every key type, which links
 * the RSA private-key code (CRT, blinding, PKCS#1 v1.5 and PSS signing, OAEP and
 * v1.5 decryption, completing a key from its primes) and ECDSA signing: 8 KB on
 * x86_64. The Makefile builds pk_wrap.c, pk.c and rsa.c with those calls renamed
 * to these (tls_nokey.h), which answer as mbedTLS does for a key without its
 * private part, which every key here is. RSA encryption goes too: only the
 * static-RSA key exchange uses it, and that is not configured. */
#include "tls_nokey.h" /* first: the headers below then declare the replacements */

#include "mbedtls/ecdsa.h"
#include "mbedtls/ecp.h"
#include "mbedtls/rsa.h"

/* library/rsa_internal.h's and rsa_alt_helpers.h's, which are not on the include path */
int tls_nokey_rsa_pss_sign(mbedtls_rsa_context *ctx, int (*f_rng)(void *, unsigned char *, size_t),
                           void *p_rng, mbedtls_md_type_t md_alg, unsigned int hashlen,
                           const unsigned char *hash, unsigned char *sig);
int tls_nokey_rsa_deduce_primes(mbedtls_mpi const *N, mbedtls_mpi const *E, mbedtls_mpi const *D,
                                mbedtls_mpi *P, mbedtls_mpi *Q);
int tls_nokey_rsa_deduce_d(mbedtls_mpi const *P, mbedtls_mpi const *Q, mbedtls_mpi const *E,
                           mbedtls_mpi *D);
int tls_nokey_rsa_deduce_crt(const mbedtls_mpi *P, const mbedtls_mpi *Q, const mbedtls_mpi *D,
                             mbedtls_mpi *DP, mbedtls_mpi *DQ, mbedtls_mpi *QP);

/* What mbedTLS answers when a key has no private part (an RSA or EC public key,
 * as every key here is). */

int tls_nokey_rsa_sign(mbedtls_rsa_context *ctx, mbedtls_f_rng_t *f_rng, void *p_rng,
                       mbedtls_md_type_t md_alg, unsigned int hashlen, const unsigned char *hash,
                       unsigned char *sig)
{
	(void)ctx, (void)f_rng, (void)p_rng, (void)md_alg, (void)hashlen, (void)hash, (void)sig;
	return MBEDTLS_ERR_RSA_BAD_INPUT_DATA;
}

int tls_nokey_rsa_decrypt(mbedtls_rsa_context *ctx, mbedtls_f_rng_t *f_rng, void *p_rng,
                          size_t *olen, const unsigned char *input, unsigned char *output,
                          size_t output_max_len)
{
	(void)ctx, (void)f_rng, (void)p_rng, (void)olen, (void)input, (void)output;
	(void)output_max_len;
	return MBEDTLS_ERR_RSA_BAD_INPUT_DATA;
}

int tls_nokey_rsa_encrypt(mbedtls_rsa_context *ctx, mbedtls_f_rng_t *f_rng, void *p_rng,
                          size_t ilen, const unsigned char *input, unsigned char *output)
{
	(void)ctx, (void)f_rng, (void)p_rng, (void)ilen, (void)input, (void)output;
	return MBEDTLS_ERR_RSA_BAD_INPUT_DATA;
}

int tls_nokey_rsa_check_pair(const mbedtls_rsa_context *pub, const mbedtls_rsa_context *prv)
{
	(void)pub, (void)prv;
	return MBEDTLS_ERR_RSA_KEY_CHECK_FAILED;
}

int tls_nokey_rsa_pss_sign(mbedtls_rsa_context *ctx, int (*f_rng)(void *, unsigned char *, size_t),
                           void *p_rng, mbedtls_md_type_t md_alg, unsigned int hashlen,
                           const unsigned char *hash, unsigned char *sig)
{
	return tls_nokey_rsa_sign(ctx, f_rng, p_rng, md_alg, hashlen, hash, sig);
}

int tls_nokey_ecdsa_sign(mbedtls_ecdsa_context *ctx, mbedtls_md_type_t md_alg,
                         const unsigned char *hash, size_t hlen, unsigned char *sig,
                         size_t sig_size, size_t *slen, mbedtls_f_rng_t *f_rng, void *p_rng)
{
	(void)ctx, (void)md_alg, (void)hash, (void)hlen, (void)sig, (void)sig_size, (void)slen;
	(void)f_rng, (void)p_rng;
	return MBEDTLS_ERR_ECP_INVALID_KEY;
}

int tls_nokey_ecp_check_pair(const mbedtls_ecp_keypair *pub, const mbedtls_ecp_keypair *prv,
                             mbedtls_f_rng_t *f_rng, void *p_rng)
{
	(void)pub, (void)prv, (void)f_rng, (void)p_rng;
	return MBEDTLS_ERR_ECP_BAD_INPUT_DATA;
}

int tls_nokey_rsa_deduce_primes(mbedtls_mpi const *N, mbedtls_mpi const *E, mbedtls_mpi const *D,
                                mbedtls_mpi *P, mbedtls_mpi *Q)
{
	(void)N, (void)E, (void)D, (void)P, (void)Q;
	return MBEDTLS_ERR_RSA_BAD_INPUT_DATA;
}

int tls_nokey_rsa_deduce_d(mbedtls_mpi const *P, mbedtls_mpi const *Q, mbedtls_mpi const *E,
                           mbedtls_mpi *D)
{
	(void)P, (void)Q, (void)E, (void)D;
	return MBEDTLS_ERR_RSA_BAD_INPUT_DATA;
}

int tls_nokey_rsa_deduce_crt(const mbedtls_mpi *P, const mbedtls_mpi *Q, const mbedtls_mpi *D,
                             mbedtls_mpi *DP, mbedtls_mpi *DQ, mbedtls_mpi *QP)
{
	(void)P, (void)Q, (void)D, (void)DP, (void)DQ, (void)QP;
	return MBEDTLS_ERR_RSA_BAD_INPUT_DATA;
}
