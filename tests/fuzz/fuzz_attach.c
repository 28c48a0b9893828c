/*
 * fuzz_attach.c - libFuzzer target for attachment typing (attach.h). The
 * input is the content of an attachment given in memory. Checks: the type
 * agrees with a plain reference (the magic bytes; else a byte-by-byte UTF-8
 * decoder that refuses NUL, overlongs, surrogates and code points past
 * U+10FFFF); a refusal names something; an image's base64 text, read in
 * pieces of sizes drawn from the input, equals one whole encoding.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attach.h"
#include "dbxai.h"

static int ref_text(const uint8_t *s, size_t n)
{
	size_t i = 0, k, need;
	uint32_t cp, min;

	while (i < n) {
		uint8_t c = s[i];
		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xE0) == 0xC0) {
			need = 1, cp = c & 0x1F, min = 0x80;
		} else if ((c & 0xF0) == 0xE0) {
			need = 2, cp = c & 0x0F, min = 0x800;
		} else if ((c & 0xF8) == 0xF0) {
			need = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return 0;
		}
		if (n - i - 1 < need)
			return 0;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += need + 1;
	}
	return 1;
}

static const char *ref_image(const uint8_t *s, size_t n)
{
	if (n >= 3 && s[0] == 0xFF && s[1] == 0xD8 && s[2] == 0xFF)
		return "image/jpeg";
	if (n >= 8 && memcmp(s, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (n >= 6 && (!memcmp(s, "GIF87a", 6) || !memcmp(s, "GIF89a", 6)))
		return "image/gif";
	if (n >= 12 && !memcmp(s, "RIFF", 4) && !memcmp(s + 8, "WEBP", 4))
		return "image/webp";
	return NULL;
}

static void ref_b64(const uint8_t *s, size_t n, char *out)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0) |
		             (i + 2 < n ? s[i + 2] : 0);
		out[o++] = t[v >> 18];
		out[o++] = t[(v >> 12) & 63];
		out[o++] = i + 1 < n ? t[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? t[v & 63] : '=';
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dbx_attachment a = {NULL, data, size, "fuzz"};
	struct attach at;
	char errbuf[DBX_ERRBUF_SIZE] = "", *want, *got;
	const char *mime = ref_image(data, size);
	size_t len, off = 0, n = 0, step;
	int err;

	err = attach_open(&a, &at, errbuf);
	if (size == 0 || (!mime && !ref_text(data, size)) || size > DBX_ATTACH_IMAGE_MAX) {
		if (err != DBX_ERR_USAGE || !errbuf[0])
			abort();
		return 0;
	}
	if (err != DBX_OK)
		abort();
	if ((mime == NULL) != (at.mime == NULL) || (mime && strcmp(mime, at.mime) != 0))
		abort();
	if (at.size != size)
		abort();
	len = attach_b64_len(size);
	want = malloc(len + 1);
	got = malloc(len + 1);
	if (!want || !got)
		abort();
	ref_b64(data, size, want);
	while (off < len) {
		step = 1 + (size ? data[n++ % size] % 37 : 0);
		if (attach_b64(&at, off, got + off, step, &step, errbuf) != DBX_OK || step == 0)
			abort();
		off += step;
	}
	if (attach_b64(&at, len, got, 8, &step, errbuf) != DBX_OK || step != 0)
		abort();
	if (memcmp(want, got, len) != 0)
		abort();
	free(want);
	free(got);
	attach_close(&at);
	return 0;
}
