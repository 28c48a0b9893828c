/*
 * attach.h - files attached to a prompt (dbx_attachment): their type told
 * from the content, never the name, and an image's base64 text made in
 * pieces as the request is sent, so that an image is never held whole in
 * memory when it comes from a regular file.
 *
 * Rules:
 * - The type: JPEG, PNG, GIF and WebP by their magic bytes are images; else
 *   UTF-8 without NUL bytes is text; anything else is refused (DBX_ERR_USAGE)
 *   with a line naming what was found. An empty file, a directory, an image
 *   over DBX_ATTACH_IMAGE_MAX and a text over DBX_BODY_MAX are refused too.
 * - An image from a regular file stays there: attach_open() keeps the file
 *   open and its size; attach_b64() reads it again for each piece, so the
 *   file is read once per attempt and held never. Anything else (data given
 *   in memory, a pipe, a text file) is held once, in memory.
 * - A file that grows while it is read is read to the size it had; one that
 *   shrinks makes attach_b64() fail (DBX_ERR_IO, named).
 * - Pointers: struct attach is the caller's; what it holds is released by
 *   attach_close(), which a zero-filled struct also takes.
 */
#ifndef ATTACH_H
#define ATTACH_H

#include <stddef.h>

#include "err.h"

/* What the first bytes of a file are: the image MIME type ("image/png"...)
 * of a known image, or NULL. n is how many bytes head holds (any). */
const char *attach_image_type(const unsigned char *head, size_t n);

/* Whether s[0..n) is text: well-formed UTF-8 without NUL. *bad_at (NULL
 * allowed) gets the offset of the first bad byte. */
int attach_is_text(const unsigned char *s, size_t n, size_t *bad_at);

/* Names what a non-image, non-text file is ("a PDF document", "binary data
 * (...; it starts 00 ff ...)") into out[0..cap) from its first n bytes (head);
 * nul: the first bad byte, at bad_at, is a NUL. */
void attach_what(const unsigned char *head, size_t n, int nul, size_t bad_at, char *out,
                 size_t cap);

struct attach {
	const char *mime; /* "image/jpeg"..., NULL: text */
	const char *name; /* the text part's heading (borrowed or static) */
	size_t size;      /* bytes of the content */
	/* private */
	int fd, has_fd;            /* an image's regular file (has_fd), else data */
	const unsigned char *data; /* the content in memory (data or held) */
	unsigned char *held;       /* heap copy (a pipe, a text file), or NULL */
};

/* Opens and types a; fills *out. DBX_ERR_USAGE/DBX_ERR_IO/DBX_ERR_NOMEM with
 * the line naming the file. */
int attach_open(const struct dbx_attachment *a, struct attach *out, char *errbuf);
void attach_close(struct attach *a);

/* Length of the base64 text of n bytes. */
size_t attach_b64_len(size_t n);

/* Up to cap bytes of the base64 text of an image's content, from offset off
 * of that text, into out; *got how many (0 only at its end). */
int attach_b64(const struct attach *a, size_t off, char *out, size_t cap, size_t *got,
               char *errbuf);

#endif
