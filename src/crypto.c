/* crypto.c - see crypto.h. */
#include "crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mbedtls/constant_time.h"
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "mbedtls/sha256.h"
#include "psa/crypto.h"

static mbedtls_entropy_context g_entropy;
static mbedtls_ctr_drbg_context g_drbg;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int g_status = DBX_ERR_INTERNAL; /* the one initialisation's result */
static int g_ret;                       /* its mbedTLS or PSA code on failure */

/* The entropy source of every mbedTLS entropy context (there is one); see
 * MBEDTLS_ENTROPY_HARDWARE_ALT in our mbedTLS configuration. */
int mbedtls_hardware_poll(void *data, unsigned char *output, size_t len, size_t *olen);
int mbedtls_hardware_poll(void *data, unsigned char *output, size_t len, size_t *olen)
{
	size_t got = 0;
	int fd;

	(void)data;
	*olen = 0;
	while (got < len) {
		long n = syscall(SYS_getrandom, output + got, len - got, 0);
		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		break;
	}
	if (got < len) { /* no getrandom(2): a kernel older than 3.17 */
		fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
		while (got < len) {
			ssize_t n = read(fd, output + got, len - got);
			if (n > 0)
				got += (size_t)n;
			else if (!(n < 0 && errno == EINTR))
				break;
		}
		close(fd);
	}
	*olen = got;
	return got == len ? 0 : MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
}

/* PSA's random numbers (TLS 1.3 key shares) come from the same generator
 * (MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG): one generator seeded once per process,
 * not a second one that PSA would seed from the OS on its own. */
psa_status_t mbedtls_psa_external_get_random(mbedtls_psa_external_random_context_t *context,
                                             uint8_t *output, size_t output_size,
                                             size_t *output_length);
psa_status_t mbedtls_psa_external_get_random(mbedtls_psa_external_random_context_t *context,
                                             uint8_t *output, size_t output_size,
                                             size_t *output_length)
{
	(void)context;
	if (mbedtls_ctr_drbg_random(&g_drbg, output, output_size) != 0)
		return PSA_ERROR_INSUFFICIENT_ENTROPY;
	*output_length = output_size;
	return PSA_SUCCESS;
}

/* Run once (pthread_once): mbedTLS's lazy set-ups that its own locks do not
 * cover, the AES tables and AES-NI / AESCE detection, happen here too, as
 * seeding the CTR-DRBG sets an AES key. */
static void global_init(void)
{
	static const char pers[] = "dbxai";

	mbedtls_entropy_init(&g_entropy);
	mbedtls_ctr_drbg_init(&g_drbg);
	g_ret = mbedtls_ctr_drbg_seed(&g_drbg, mbedtls_entropy_func, &g_entropy,
	                              (const unsigned char *)pers, sizeof pers - 1);
	if (g_ret != 0)
		return;
	g_ret = (int)psa_crypto_init();
	if (g_ret == PSA_SUCCESS)
		g_status = DBX_OK;
}

int crypto_global_init(char *errbuf)
{
	if (pthread_once(&g_once, global_init) != 0) {
		errbuf_set(errbuf, "cannot initialise the random generator (pthread_once failed)");
		return DBX_ERR_INTERNAL;
	}
	if (g_status != DBX_OK)
		errbuf_set(errbuf,
		           "cannot seed the random generator from the OS (error -0x%04x): is "
		           "getrandom(2) or /dev/urandom available?",
		           (unsigned)-g_ret);
	return g_status;
}

int crypto_rng(void *ctx, unsigned char *buf, size_t len)
{
	(void)ctx;
	if (g_status != DBX_OK)
		return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
	return mbedtls_ctr_drbg_random(&g_drbg, buf, len);
}

int crypto_random(void *buf, size_t len)
{
	return crypto_rng(NULL, buf, len) == 0 ? DBX_OK : DBX_ERR_INTERNAL;
}

int crypto_sha256(const void *in, size_t len, unsigned char out[CRYPTO_SHA256_LEN])
{
	return mbedtls_sha256(in, len, out, 0) == 0 ? DBX_OK : DBX_ERR_INTERNAL;
}

/* in[0..len) in the alphabet abc, '=' padded when pad, NUL-terminated. */
static void base64(const unsigned char *p, size_t len, const char *abc, int pad, char *out)
{
	size_t i, o = 0;

	for (i = 0; i + 2 < len; i += 3) {
		unsigned long v =
		    (unsigned long)p[i] << 16 | (unsigned long)p[i + 1] << 8 | p[i + 2];
		out[o++] = abc[v >> 18 & 63];
		out[o++] = abc[v >> 12 & 63];
		out[o++] = abc[v >> 6 & 63];
		out[o++] = abc[v & 63];
	}
	if (i < len) {
		unsigned long v = (unsigned long)p[i] << 16;
		if (i + 1 < len)
			v |= (unsigned long)p[i + 1] << 8;
		out[o++] = abc[v >> 18 & 63];
		out[o++] = abc[v >> 12 & 63];
		if (i + 1 < len)
			out[o++] = abc[v >> 6 & 63];
		else if (pad)
			out[o++] = '=';
		if (pad)
			out[o++] = '=';
	}
	out[o] = '\0';
}

int crypto_base64url(const void *in, size_t len, char *out, size_t outsz)
{
	if (len > ((size_t)-1 - 2) / 4 || outsz < CRYPTO_B64URL_LEN(len) + 1)
		return DBX_ERR_LIMIT;
	base64(in, len, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 0, out);
	return DBX_OK;
}

/* The value of base64 digit ch in the alphabet whose last two digits are c62
 * and c63 ('+' '/' standard, '-' '_' base64url), or -1. */
static int b64_value(int ch, int c62, int c63)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	return ch == c62 ? 62 : ch == c63 ? 63 : -1;
}

static int b64_decode(const char *in, size_t len, int c62, int c63, void *out, size_t cap,
                      size_t *outlen)
{
	unsigned char *o = out;
	unsigned long acc = 0;
	size_t i, n = 0;
	int bits = 0;

	*outlen = 0;
	if (len % 4 == 1)
		return DBX_ERR_PROTOCOL;
	for (i = 0; i < len; i++) {
		int v = b64_value((unsigned char)in[i], c62, c63);
		if (v < 0)
			return DBX_ERR_PROTOCOL;
		acc = (acc << 6 | (unsigned long)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == cap)
				return DBX_ERR_LIMIT;
			o[n++] = (unsigned char)(acc >> bits);
		}
	}
	*outlen = n;
	return DBX_OK;
}

int crypto_base64url_decode(const char *in, size_t len, void *out, size_t cap, size_t *outlen)
{
	return b64_decode(in, len, '-', '_', out, cap, outlen);
}

int crypto_base64_decode(const char *in, size_t len, void *out, size_t cap, size_t *outlen)
{
	*outlen = 0;
	if (len % 4)
		return DBX_ERR_PROTOCOL;
	if (len && in[len - 1] == '=')
		len--;
	if (len && in[len - 1] == '=')
		len--;
	return b64_decode(in, len, '+', '/', out, cap, outlen);
}

int crypto_base64(const void *in, size_t len, char *out, size_t outsz)
{
	if (!in && len)
		return DBX_ERR_USAGE;
	/* 4 * groups + 1 <= outsz, written so that nothing can overflow */
	if (outsz == 0 || len / 3 + (len % 3 != 0) > (outsz - 1) / 4) {
		if (outsz)
			out[0] = '\0';
		return DBX_ERR_LIMIT;
	}
	base64(in, len, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 1, out);
	return DBX_OK;
}

int crypto_str_equal(const char *a, const char *b)
{
	size_t n = strlen(a);
	return n == strlen(b) && mbedtls_ct_memcmp(a, b, n) == 0;
}

void crypto_wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;

	while (n--)
		*v++ = 0;
}
