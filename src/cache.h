/*
 * cache.h - the OAuth token cache: one JSON file of entries keyed by workspace
 * (normalised host URL) and client id, each with the access token, refresh
 * token, token type and absolute expiry. Client secrets are never stored.
 *
 * File format (version 1):
 *   {"version":1,"entries":[{"host":"https://h","client_id":"databricks-cli",
 *     "access_token":"..","refresh_token":"..","token_type":"Bearer",
 *     "expiry":1700000000,"issued":1699996400}, ...]}
 *
 * Rules:
 * - The file lives in a directory made with mode 0700; it is written with mode
 *   0600 (whatever the umask) to a temp file in the same directory
 *   (O_CREAT|O_EXCL|O_NOFOLLOW), fsync'd, then renamed over the old one (and
 *   the directory fsync'd), so a reader sees the old file or the new one.
 * - cache_open() takes an exclusive flock on "<file>.lock" and holds it until
 *   cache_close(): a read-refresh-write cycle done between the two is atomic
 *   against other processes, so a rotated refresh token is never lost.
 * - Refused with DBX_ERR_IO and a message saying what to do: a cache file or
 *   lock file that is a symbolic link, not a regular file, owned by another
 *   user, or readable/writable by group or others; a directory owned by
 *   another user or writable by group/others (unless sticky, like /tmp).
 * - A file that is not a valid cache is renamed to "<file>.corrupt-<time>"
 *   (kept for the user to look at, never erased), note[] says so, and the
 *   cache reads as empty.
 * - struct cache owns text (malloc'd) and the lock fd; tokens copied out with
 *   cache_get() are the caller's. Tokens are secrets: nothing here prints them
 *   or puts them in a message.
 */
#ifndef CACHE_H
#define CACHE_H

#include <stddef.h>

#include "err.h"

#define CACHE_PATH_MAX 4096
#define CACHE_FILE_MAX (1 << 20) /* a bigger cache file is refused */
#define CACHE_TOKEN_MAX 4096     /* one access or refresh token, NUL included */
#define CACHE_TOKEN_TYPE_MAX 32

/* Tokens from the token endpoint or the cache. SECRET: access and refresh. */
struct cache_tokens {
	char access[CACHE_TOKEN_MAX];
	char refresh[CACHE_TOKEN_MAX];   /* "" when none */
	char type[CACHE_TOKEN_TYPE_MAX]; /* "Bearer" */
	long long expiry;                /* absolute Unix seconds; 0: unknown */
	long long issued;                /* when it was obtained (Unix seconds) */
};

struct cache {
	char path[CACHE_PATH_MAX];
	char note[DBX_ERRBUF_SIZE]; /* non-empty: something the user should know
	                               (a corrupt file moved aside) */
	/* private: */
	int opened;
	int lock_fd; /* -1: none */
	char *text;  /* the file's contents; NULL when there is none */
	size_t len;
};

/* The cache file to use: DBXAI_TOKEN_CACHE, else
 * $XDG_CACHE_HOME/dbxai/token-cache.json, else
 * $HOME/.cache/dbxai/token-cache.json (env through get). */
int cache_default_path(char *out, size_t cap, const char *(*get)(const char *name), char *errbuf);

/* Locks and reads the cache at path. create: make the directory (0700) when
 * missing; without it, a missing directory reads as an empty cache (and no
 * lock is taken: there is nothing to race on). */
int cache_open(struct cache *c, const char *path, int create, char *errbuf);

/* Copies the entry for (host, client_id) into t; 1 when found, else 0. */
int cache_get(const struct cache *c, const char *host, const char *client_id,
              struct cache_tokens *t);

/* Writes the cache with the entry for (host, client_id) set to t, or removed
 * when t is NULL (client_id NULL then: every client's entry for host; host
 * NULL too: every entry). *removed (may be
 * NULL) gets the number of entries dropped. The directory is created if
 * needed. */
int cache_put(struct cache *c, const char *host, const char *client_id,
              const struct cache_tokens *t, int *removed, char *errbuf);

/* Fills c from text[0..len) as cache_open() would from the file (c->text is
 * a copy), with no file and no lock: for tests and fuzzing; cache_get() and
 * cache_render() work on it, cache_put() would open c->path (""), so do not.
 * DBX_ERR_PROTOCOL when text is not a valid cache (c is then empty). Free with
 * cache_close(). */
int cache_from_text(struct cache *c, const char *text, size_t len);

/* The cache text cache_put() writes: c's entries with the one for
 * (host, client_id) set to t, or removed as cache_put() says, plus a final
 * newline, NUL-terminated, in a malloc'd *out (a SECRET: the caller wipes
 * it with crypto_wipe() and frees it). DBX_ERR_LIMIT when it does not fit. */
int cache_render(const struct cache *c, const char *host, const char *client_id,
                 const struct cache_tokens *t, char **out, size_t *len, int *removed);

/* Unlocks and frees. Safe on a zeroed or closed cache. */
void cache_close(struct cache *c);

#endif
