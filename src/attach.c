/* attach.c - see attach.h. */
#include "attach.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "text.h"

#define HEAD 16 /* bytes that tell an image, or name what a file is */

const char *attach_image_type(const unsigned char *h, size_t n)
{
	if (n >= 3 && h[0] == 0xFF && h[1] == 0xD8 && h[2] == 0xFF)
		return "image/jpeg";
	if (n >= 8 && memcmp(h, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (n >= 6 && (memcmp(h, "GIF87a", 6) == 0 || memcmp(h, "GIF89a", 6) == 0))
		return "image/gif";
	if (n >= 12 && memcmp(h, "RIFF", 4) == 0 && memcmp(h + 8, "WEBP", 4) == 0)
		return "image/webp";
	return NULL;
}

int attach_is_text(const unsigned char *s, size_t n, size_t *bad_at)
{
	size_t i = 0, k, bad = 0;

	while (i < n) {
		if (s[i] == 0)
			break;
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		k = text_utf8_seq(s + i, n - i, &bad);
		if (!k)
			break;
		i += k;
	}
	if (bad_at)
		*bad_at = i;
	return i == n;
}

void attach_what(const unsigned char *h, size_t n, int nul, size_t bad_at, char *out, size_t cap)
{
	size_t k, len;

	len = (size_t)snprintf(out, cap, "binary data (%s at byte %zu; it starts",
	                       nul ? "a NUL" : "not UTF-8", bad_at);
	for (k = 0; k < n && k < 8 && len + 4 < cap; k++)
		len += (size_t)snprintf(out + len, cap - len, " %02x", h[k]);
	if (len + 2 < cap)
		snprintf(out + len, cap - len, ")");
}

/* Reads all of fd (up to max bytes; one more makes *over) into a heap buffer. */
static int read_all(int fd, size_t max, unsigned char **out, size_t *len, int *over)
{
	size_t cap = 0, n = 0;
	unsigned char *buf = NULL, *nb;
	ssize_t got;

	*over = 0;
	for (;;) {
		if (n == cap) {
			if (cap > max) {
				*over = 1;
				break;
			}
			cap = cap ? cap * 2 : 65536;
			if (cap > max + 1)
				cap = max + 1;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				return DBX_ERR_NOMEM;
			}
			buf = nb;
		}
		got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			free(buf);
			return DBX_ERR_IO;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		/* binary that is no image is refused: no need to read on (/dev/zero) */
		if (n >= HEAD && !attach_image_type(buf, n) &&
		    memchr(buf + n - got, 0, (size_t)got))
			break;
		if (n > max) {
			*over = 1;
			break;
		}
	}
	*out = buf;
	*len = n;
	return DBX_OK;
}

/* Fills in the type of the content held in memory (data or held). */
static int type_held(struct attach *out, const char *label, char *errbuf)
{
	char what[160];
	size_t bad = 0;

	out->mime = attach_image_type(out->data, out->size);
	if (out->size == 0) {
		errbuf_set(errbuf, "attachment %s is empty; attach an image or a text file", label);
		return DBX_ERR_USAGE;
	}
	if (out->mime && out->size > DBX_ATTACH_IMAGE_MAX) {
		errbuf_set(errbuf,
		           "image %s is larger than the %u MiB limit of one image; scale it down",
		           label, DBX_ATTACH_IMAGE_MAX >> 20);
		return DBX_ERR_USAGE;
	}
	if (!out->mime && !attach_is_text(out->data, out->size, &bad)) {
		attach_what(out->data, out->size < HEAD ? out->size : HEAD, out->data[bad] == 0,
		            bad, what, sizeof what);
		errbuf_set(
		    errbuf,
		    "attachment %s is neither an image (JPEG, PNG, GIF, WebP) nor UTF-8 text: "
		    "found %s",
		    label, what);
		return DBX_ERR_USAGE;
	}
	return DBX_OK;
}

int attach_open(const struct dbx_attachment *a, struct attach *out, char *errbuf)
{
	const char *label = a->path ? a->path : "stdin", *slash;
	unsigned char head[HEAD];
	struct stat st;
	ssize_t got;
	size_t len = 0;
	int err = DBX_OK, over = 0;

	memset(out, 0, sizeof *out);
	out->name = a->name;
	if (!out->name && a->path) {
		slash = strrchr(a->path, '/');
		out->name = slash && slash[1] ? slash + 1 : a->path;
	}
	if (!out->name)
		out->name = "stdin";
	if (!a->path) {
		out->data = a->data;
		out->size = a->len;
		if (!a->data && a->len) {
			errbuf_set(errbuf, "an attachment has neither a path nor data");
			return DBX_ERR_USAGE;
		}
		return type_held(out, label, errbuf);
	}
	out->fd = open(a->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	out->has_fd = out->fd >= 0;
	if (!out->has_fd || fstat(out->fd, &st) != 0) {
		errbuf_set(errbuf, "cannot open attachment %s: %s", label, strerror(errno));
		err = errno == ENOENT || errno == EACCES ? DBX_ERR_USAGE : DBX_ERR_IO;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		errbuf_set(errbuf, "attachment %s is a directory; attach files one by one", label);
		err = DBX_ERR_USAGE;
		goto out;
	}
	/* blocking reads from here (a FIFO was opened without waiting for a writer) */
	(void)fcntl(out->fd, F_SETFL, 0);
	if (S_ISREG(st.st_mode)) {
		do
			got = pread(out->fd, head, sizeof head, 0);
		while (got < 0 && errno == EINTR);
		if (got < 0) {
			errbuf_set(errbuf, "cannot read attachment %s: %s", label, strerror(errno));
			err = DBX_ERR_IO;
			goto out;
		}
		out->mime = attach_image_type(head, (size_t)got);
		if (out->mime && st.st_size > (off_t)DBX_ATTACH_IMAGE_MAX) {
			errbuf_set(
			    errbuf,
			    "image %s is larger than the %u MiB limit of one image; scale it down",
			    label, DBX_ATTACH_IMAGE_MAX >> 20);
			err = DBX_ERR_USAGE;
			goto out;
		}
		if (out->mime) {
			/* stays in the file, read again as it is sent */
			out->size = (size_t)st.st_size;
			goto out;
		}
	}
	err = read_all(out->fd, DBX_BODY_MAX, &out->held, &len, &over);
	if (err) {
		errbuf_set(errbuf, "cannot read attachment %s: %s", label,
		           err == DBX_ERR_NOMEM ? "out of memory" : strerror(errno));
		goto out;
	}
	close(out->fd);
	out->has_fd = 0;
	out->data = out->held;
	out->size = len;
	if (over) {
		errbuf_set(errbuf,
		           "attachment %s is larger than the %u MiB limit of a request body", label,
		           DBX_BODY_MAX >> 20);
		err = DBX_ERR_USAGE;
		goto out;
	}
	err = type_held(out, label, errbuf);
out:
	if (err)
		attach_close(out);
	return err;
}

void attach_close(struct attach *a)
{
	if (a->has_fd)
		close(a->fd);
	free(a->held);
	memset(a, 0, sizeof *a);
}

size_t attach_b64_len(size_t n)
{
	return CRYPTO_B64_LEN(n);
}

int attach_b64(const struct attach *a, size_t off, char *out, size_t cap, size_t *got, char *errbuf)
{
	unsigned char in[3 * 512];
	char enc[4 * 512 + 1];
	const unsigned char *src;
	size_t q = off / 4, skip = off % 4, n = 0, from, take, m;
	ssize_t r;

	while (n < cap && q * 3 < a->size) {
		from = q * 3;
		take = a->size - from < sizeof in ? a->size - from : sizeof in;
		if (take > (cap - n + skip + 3) / 4 * 3)
			take = (cap - n + skip + 3) / 4 * 3; /* no more than this call needs */
		src = a->data + from;
		if (a->has_fd) {
			do
				r = pread(a->fd, in, take, (off_t)from);
			while (r < 0 && errno == EINTR);
			if (r < 0 || (size_t)r < take) {
				errbuf_set(errbuf, "attachment %s %s while it was sent", a->name,
				           r < 0 ? "could not be read" : "shrank");
				return DBX_ERR_IO;
			}
			src = in;
		}
		(void)crypto_base64(src, take, enc, sizeof enc);
		m = CRYPTO_B64_LEN(take) - skip;
		if (m > cap - n)
			m = cap - n;
		memcpy(out + n, enc + skip, m);
		n += m;
		q += (take + 2) / 3;
		skip = 0;
	}
	*got = n;
	return DBX_OK;
}
