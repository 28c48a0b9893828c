/*
 * cfgedit.h - rewrites one profile of a ~/.databrickscfg text, for
 * `dbxai configure`. Pure: text in, text out; it never touches a file.
 *
 * Rules:
 * - Everything outside the profile's `[NAME]` sections is copied byte for byte:
 *   other profiles, comments, blank lines, CRLF line ends, a last line without
 *   a newline.
 * - Inside them (a name may appear more than once; cfg.c reads them all), the
 *   first line of each key given is replaced by `key = value` (keeping its line
 *   end), later lines of that key are dropped (they would override it), other
 *   keys and comments are kept. A key not present is added after the last
 *   `key = value` line of the first section.
 * - A profile not present is appended as a new section, after a blank line.
 * - Keys match case-insensitively, section names exactly, as in cfg.c.
 * - Names and values with a line break, a ']' in the name, a '=' in the key, or
 *   leading/trailing blanks (cfg.c would trim them) are refused: DBX_ERR_USAGE.
 * - The output goes to out (cap bytes, NUL-terminated); DBX_ERR_LIMIT when it
 *   does not fit. cfgedit_size() gives a cap that always does.
 * All pointers MUST be non-NULL (in may be empty: in_len 0).
 */
#ifndef CFGEDIT_H
#define CFGEDIT_H

#include <stddef.h>

struct cfgedit_kv {
	const char *key;
	const char *value; /* may be a secret: never copied into errbuf */
};

/* A cap for cfgedit_set() that is always enough. */
size_t cfgedit_size(size_t in_len, const char *profile, const struct cfgedit_kv *kv, size_t n);

/* Writes in with profile's keys set to kv[0..n) into out; *out_len gets the
 * length (without the NUL). */
int cfgedit_set(const char *in, size_t in_len, const char *profile, const struct cfgedit_kv *kv,
                size_t n, char *out, size_t cap, size_t *out_len, char *errbuf);

#endif
