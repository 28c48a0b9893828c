/* crypto.c - see crypto.h. */
#include "crypto.h"

#include <mbedtls/sha256.h>

#include "dbxai.h"
#include "tls.h"

int crypto_random(void *buf, size_t len)
{
	return tls_random(buf, len) == DBX_OK ? DBX_OK : DBX_ERR_INTERNAL;
}

int crypto_sha256(const void *in, size_t len, unsigned char out[CRYPTO_SHA256_LEN])
{
	return mbedtls_sha256(in, len, out, 0) == 0 ? DBX_OK : DBX_ERR_INTERNAL;
}

int crypto_base64url(const void *in, size_t len, char *out, size_t outsz)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const unsigned char *p = in;
	size_t i, o = 0;

	if (outsz < CRYPTO_B64URL_LEN(len) + 1)
		return DBX_ERR_LIMIT;
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
	}
	out[o] = '\0';
	return DBX_OK;
}
