/*
 * pfile.h - private files (STYLE 15): the one writer and the one owner/mode
 * check for every file that may hold a secret or a conversation: the token
 * cache, the profile `dbxai configure` writes, `--save` transcripts and every
 * later such file.
 *
 * Rules: return convention of err.h (DBX_ERR_IO with a message naming the file
 * and the fix). what names the file in messages ("token cache"; NULL or "" for
 * none). Nothing here follows a symbolic link at the path.
 */
#ifndef PFILE_H
#define PFILE_H

#include <stddef.h>

#include "err.h"

/* Replaces path with data[0..len) atomically: a temp file in the same
 * directory (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600 whatever the umask), all of
 * it written, fsync'd, renamed over path, and the directory fsync'd so the
 * rename survives a power cut. A symbolic link at path is refused. A reader
 * sees the old file or the new one, never a part. */
int pfile_write(const char *path, const void *data, size_t len, const char *what, char *errbuf);

/* The file open on fd (at path) is a regular file owned by us that group and
 * others cannot read or write. */
int pfile_check(int fd, const char *path, const char *what, char *errbuf);

/* The directory dir is ours (or root's) and not writable by group or others
 * unless sticky (like /tmp): nobody else can swap a file in it. */
int pfile_check_dir(const char *dir, const char *what, char *errbuf);

#endif
