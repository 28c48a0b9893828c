/*
 * test_attach.c - attachment typing by content (table: in memory and as
 * files named to mislead), the refusals and what they name, the limits, and
 * the base64 text read in pieces at every split.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attach.h"
#include "dbxai.h"
#include "harness.h"

struct tcase {
	const char *name; /* the file name it gets (to mislead) */
	const char *data;
	size_t len;
	const char *mime; /* NULL: text (when err is 0) */
	int err;
	const char *word; /* in the refusal */
};

#define T(s) s, sizeof s - 1

static const struct tcase cases[] = {
    {"a.txt", T("\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png", 0, NULL},
    {"a.txt", T("\x89PNG\r\n\x1a\n"), "image/png", 0, NULL},
    {"b.png", T("\xff\xd8\xff\xdb\0C"), "image/jpeg", 0, NULL},
    {"c", T("GIF87a\1\0\1\0"), "image/gif", 0, NULL},
    {"c", T("GIF89a"), "image/gif", 0, NULL},
    {"d.bin", T("RIFF\0\0\0\0WEBPVP8L"), "image/webp", 0, NULL},
    {"e.jpg", T("hello, world\n"), NULL, 0, NULL},
    {"e.jpg", T("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), NULL, 0, NULL},
    {"truncated.png", T("\x89PN"), NULL, DBX_ERR_USAGE, "binary data"},
    {"riff.webp", T("RIFF\0\0\0\0WAVEfmt "), NULL, DBX_ERR_USAGE, "NUL"},
    {"latin1.txt", T("caf\xe9"), NULL, DBX_ERR_USAGE, "not UTF-8 at byte 3"},
    {"surrogate.txt", T("a\xed\xa0\x80"), NULL, DBX_ERR_USAGE, "not UTF-8"},
    {"overlong.txt", T("\xc0\xaf"), NULL, DBX_ERR_USAGE, "not UTF-8"},
    {"cut.txt", T("ok \xe2\x82"), NULL, DBX_ERR_USAGE, "not UTF-8 at byte 3"},
    {"nul.txt", T("a\0b"), NULL, DBX_ERR_USAGE, "NUL at byte 1"},
    {"doc.pdf", T("%PDF-1.7\n\xe2\xe3\xcf\xd3"), NULL, DBX_ERR_USAGE, "it starts 25 50 44 46"},
    {"x.zip", T("PK\3\4\0\0"), NULL, DBX_ERR_USAGE, "a NUL at byte 4"},
    {"x.heic",
     T("\0\0\0\x18"
       "ftypheic\0\0\0\0"),
     NULL, DBX_ERR_USAGE, "a NUL at byte 0"},
    {"empty.png", "", 0, NULL, DBX_ERR_USAGE, "empty"},
};

static char dir[] = "/tmp/dbxai-test-attach-XXXXXX";

static void check_one(const struct tcase *c, int as_file)
{
	struct dbx_attachment a = {NULL, c->data, c->len, c->name};
	char errbuf[DBX_ERRBUF_SIZE] = "", path[300];
	struct attach at;
	int err, fd;

	if (as_file) {
		snprintf(path, sizeof path, "%s/%s", dir, c->name);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		CHECK(fd >= 0 && write(fd, c->data, c->len) == (ssize_t)c->len, "write %s", path);
		close(fd);
		a.path = path;
		a.data = NULL;
		a.len = 0;
		a.name = NULL;
	}
	err = attach_open(&a, &at, errbuf);
	CHECK(err == c->err, "%s (%s): err %d, want %d: %s", c->name, as_file ? "file" : "data",
	      err, c->err, errbuf);
	if (!err) {
		CHECK((c->mime == NULL) == (at.mime == NULL) &&
		          (!c->mime || !strcmp(c->mime, at.mime)),
		      "%s: type %s, want %s", c->name, at.mime ? at.mime : "text",
		      c->mime ? c->mime : "text");
		CHECK(at.size == c->len, "%s: size %zu", c->name, at.size);
		CHECK(strcmp(at.name, c->name) == 0, "%s: name %s", c->name, at.name);
	} else {
		CHECK(strstr(errbuf, c->word) != NULL, "%s: '%s' not in: %s", c->name, c->word,
		      errbuf);
		CHECK(strstr(errbuf, as_file ? path : "stdin") != NULL, "%s: not named: %s",
		      c->name, errbuf);
	}
	attach_close(&at);
}

static void test_table(void)
{
	size_t k;

	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		check_one(&cases[k], 0);
		check_one(&cases[k], 1);
	}
}

static void test_files(void)
{
	struct dbx_attachment a = {NULL, NULL, 0, NULL};
	char errbuf[DBX_ERRBUF_SIZE] = "", path[300];
	struct attach at;
	unsigned char *big;
	FILE *f;

	/* a directory, /dev/zero (refused without reading 16 MiB), a missing file */
	a.path = dir;
	CHECK(attach_open(&a, &at, errbuf) == DBX_ERR_USAGE && strstr(errbuf, "directory"),
	      "directory: %s", errbuf);
	a.path = "/dev/zero";
	CHECK(attach_open(&a, &at, errbuf) == DBX_ERR_USAGE && strstr(errbuf, "NUL"),
	      "/dev/zero: %s", errbuf);
	snprintf(path, sizeof path, "%s/none", dir);
	a.path = path;
	CHECK(attach_open(&a, &at, errbuf) == DBX_ERR_USAGE && strstr(errbuf, "none"),
	      "missing: %s", errbuf);

	/* an image over the limit: refused from its size, named */
	big = calloc(1, DBX_ATTACH_IMAGE_MAX + 1);
	memcpy(big, "\x89PNG\r\n\x1a\n", 8);
	snprintf(path, sizeof path, "%s/big.png", dir);
	f = fopen(path, "wb");
	fwrite(big, 1, DBX_ATTACH_IMAGE_MAX + 1, f);
	fclose(f);
	CHECK(attach_open(&a, &at, errbuf) == DBX_ERR_USAGE && strstr(errbuf, "5 MiB"),
	      "big image: %s", errbuf);
	a.path = NULL;
	a.data = big;
	a.len = DBX_ATTACH_IMAGE_MAX + 1;
	CHECK(attach_open(&a, &at, errbuf) == DBX_ERR_USAGE && strstr(errbuf, "5 MiB"),
	      "big image in memory: %s", errbuf);

	/* exactly at the limit: taken, and kept in the file (not held) */
	a.path = path;
	truncate(path, DBX_ATTACH_IMAGE_MAX);
	CHECK(attach_open(&a, &at, errbuf) == DBX_OK && at.held == NULL &&
	          at.size == DBX_ATTACH_IMAGE_MAX,
	      "image at the limit: %s", errbuf);

	/* the file grows after it was typed: it is sent as it was (its size then) */
	{
		char out[16];
		size_t got = 0;

		f = fopen(path, "ab");
		fputs("more bytes", f);
		fclose(f);
		CHECK(attach_b64(&at, attach_b64_len(at.size) - 4, out, sizeof out, &got, errbuf) ==
		              DBX_OK &&
		          got == 4,
		      "grown: %zu bytes at the end (%s)", got, errbuf);
	}

	/* the file shrinks after it was typed: the read says so */
	{
		char out[64];
		size_t got = 0;

		truncate(path, 100);
		CHECK(attach_b64(&at, 0, out, sizeof out, &got, errbuf) == DBX_OK, "start: %s",
		      errbuf);
		CHECK(attach_b64(&at, 4 * 1024 * 1024, out, sizeof out, &got, errbuf) ==
		              DBX_ERR_IO &&
		          strstr(errbuf, "shrank"),
		      "shrunk: %s", errbuf);
	}
	attach_close(&at);
	free(big);
}

static void test_base64(void)
{
	static const char *want[] = {"", "QQ==", "QUI=", "QUJD", "QUJDRA=="};
	unsigned char data[300];
	char whole[400], piece[400];
	struct attach at;
	size_t n, off, cap, got, k;

	for (n = 0; n < 5; n++) {
		memset(&at, 0, sizeof at);
		at.data = (const unsigned char *)"ABCD";
		at.size = n;
		CHECK(attach_b64(&at, 0, whole, sizeof whole, &got, NULL) == DBX_OK &&
		          got == strlen(want[n]) && memcmp(whole, want[n], got) == 0,
		      "base64 of %zu bytes", n);
	}
	for (k = 0; k < sizeof data; k++)
		data[k] = (unsigned char)(k * 7 + 3);
	memset(&at, 0, sizeof at);
	at.data = data;
	at.size = sizeof data;
	CHECK(attach_b64(&at, 0, whole, sizeof whole, &got, NULL) == DBX_OK &&
	          got == attach_b64_len(sizeof data),
	      "whole: %zu", got);
	/* every start offset and piece size gives the same text */
	for (off = 0; off < got; off++)
		for (cap = 1; cap < 9; cap++) {
			size_t g = 0;
			attach_b64(&at, off, piece, cap, &g, NULL);
			CHECK(g == (got - off < cap ? got - off : cap) &&
			          memcmp(piece, whole + off, g) == 0,
			      "piece at %zu of %zu", off, cap);
		}
}

int main(void)
{
	RUN(test_table);
	RUN(test_files);
	RUN(test_base64);
	return harness_done("attach");
}
