/* cache.c - see cache.h. */
#include "cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "json.h"
#include "jsonw.h"
#include "pfile.h"

int cache_default_path(char *out, size_t cap, const char *(*get)(const char *name), char *errbuf)
{
	const char *v = get("DBXAI_TOKEN_CACHE");
	int n;

	if (v && *v) {
		n = snprintf(out, cap, "%s", v);
	} else {
		v = get("XDG_CACHE_HOME");
		/* the XDG spec says a relative value is to be ignored */
		if (v && *v == '/') {
			n = snprintf(out, cap, "%s/dbxai/token-cache.json", v);
		} else {
			v = get("HOME");
			if (!v || !*v) {
				snprintf(
				    errbuf, DBX_ERRBUF_SIZE,
				    "no place for the token cache: set HOME or DBXAI_TOKEN_CACHE");
				return DBX_ERR_USAGE;
			}
			n = snprintf(out, cap, "%s/.cache/dbxai/token-cache.json", v);
		}
	}
	if (n < 0 || (size_t)n >= cap) {
		errbuf_set(errbuf, "the token cache path is too long");
		return DBX_ERR_USAGE;
	}
	return DBX_OK;
}

/* The directory part of path into dir ("." when none). */
static void dirname_of(const char *path, char *dir, size_t cap)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;
	if (!slash) {
		snprintf(dir, cap, ".");
		return;
	}
	if (n == 0)
		n = 1; /* "/file" */
	snprintf(dir, cap, "%.*s", (int)n, path);
}

/* mkdir -p with mode 0700 for what is missing. */
static int make_dirs(const char *dir, char *errbuf)
{
	char tmp[CACHE_PATH_MAX];
	size_t i, n = strlen(dir);

	if (n >= sizeof tmp)
		return DBX_ERR_USAGE;
	memcpy(tmp, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (tmp[i] != '/' && tmp[i] != '\0')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, 0700) != 0 && errno != EEXIST) {
			errbuf_set(errbuf, "cannot create the token cache directory %s: %s", tmp,
			           strerror(errno));
			return DBX_ERR_IO;
		}
		if (i < n)
			tmp[i] = '/';
	}
	return DBX_OK;
}

/* Opens path without following a symlink, with a message that names one. */
static int open_private(const char *path, int flags, const char *what, int *fd, char *errbuf)
{
	*fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (*fd >= 0)
		return pfile_check(*fd, path, what, errbuf);
	if (errno == ELOOP) {
		errbuf_set(errbuf,
		           "%s %s is a symbolic link: refusing it (remove it, or set "
		           "DBXAI_TOKEN_CACHE to a regular file)",
		           what, path);
		return DBX_ERR_IO;
	}
	if (errno == ENOENT)
		return ERR_NEED_MORE; /* no such file */
	errbuf_set(errbuf, "cannot open %s %s: %s", what, path, strerror(errno));
	return DBX_ERR_IO;
}

static int parse(const char *text, size_t len, struct json_doc *d, struct json_tok **tok)
{
	int cap = 64, err;

	for (;;) {
		*tok = calloc((size_t)cap, sizeof **tok);
		if (!*tok)
			return DBX_ERR_NOMEM;
		err = json_parse(d, text, len, *tok, cap);
		if (err != DBX_ERR_LIMIT || d->needed <= cap || d->needed > JSON_MAX_TOKENS)
			break;
		cap = d->needed;
		free(*tok);
		*tok = NULL;
	}
	if (!err && (json_type(d, 0) != JSON_OBJECT ||
	             json_type(d, json_get(d, 0, "entries")) != JSON_ARRAY))
		err = DBX_ERR_PROTOCOL;
	return err;
}

static int read_all(int fd, const char *path, char **out, size_t *len, char *errbuf)
{
	struct stat st;
	char *buf;
	size_t n = 0;

	if (fstat(fd, &st) != 0 || st.st_size > CACHE_FILE_MAX) {
		errbuf_set(errbuf, "token cache %s is larger than %d bytes", path, CACHE_FILE_MAX);
		return DBX_ERR_IO;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return DBX_ERR_NOMEM;
	while (n < (size_t)st.st_size) {
		ssize_t got = read(fd, buf + n, (size_t)st.st_size - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return DBX_OK;
}

int cache_open(struct cache *c, const char *path, int create, char *errbuf)
{
	char dir[CACHE_PATH_MAX], lock[CACHE_PATH_MAX + 8];
	struct json_doc d;
	struct json_tok *tok = NULL;
	int err, fd = -1;

	memset(c, 0, sizeof *c);
	c->lock_fd = -1;
	c->opened = 1;
	if (snprintf(c->path, sizeof c->path, "%s", path) >= (int)sizeof c->path ||
	    snprintf(lock, sizeof lock, "%s.lock", path) >= (int)sizeof lock) {
		errbuf_set(errbuf, "the token cache path is too long");
		return DBX_ERR_USAGE;
	}
	dirname_of(path, dir, sizeof dir);
	if (create) {
		err = make_dirs(dir, errbuf);
		if (err)
			return err;
	} else if (access(dir, F_OK) != 0 && errno == ENOENT) {
		return DBX_OK; /* never logged in: an empty cache */
	}
	err = pfile_check_dir(dir, "token cache", errbuf);
	if (err)
		return err;
	err = open_private(lock, O_RDWR | O_CREAT, "token cache lock", &c->lock_fd, errbuf);
	if (err) {
		if (err == ERR_NEED_MORE) {
			errbuf_set(errbuf, "cannot create the lock file %s", lock);
			err = DBX_ERR_IO;
		}
		goto fail;
	}
	while (flock(c->lock_fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			errbuf_set(errbuf, "cannot lock %s: %s", lock, strerror(errno));
			err = DBX_ERR_IO;
			goto fail;
		}
	}
	err = open_private(path, O_RDONLY, "token cache", &fd, errbuf);
	if (err == ERR_NEED_MORE)
		return DBX_OK; /* no file yet */
	if (!err)
		err = read_all(fd, path, &c->text, &c->len, errbuf);
	if (fd >= 0)
		close(fd);
	if (err)
		goto fail;
	if (parse(c->text, c->len, &d, &tok) != DBX_OK) {
		char aside[CACHE_PATH_MAX + 40];
		snprintf(aside, sizeof aside, "%s.corrupt-%lld", path, (long long)time(NULL));
		if (rename(path, aside) == 0)
			snprintf(c->note, sizeof c->note,
			         "the token cache %s was not valid; it was moved to %s", path,
			         aside);
		else
			snprintf(c->note, sizeof c->note,
			         "the token cache %s is not valid and could not be moved aside: %s",
			         path, strerror(errno));
		crypto_wipe(c->text, c->len);
		free(c->text);
		c->text = NULL;
		c->len = 0;
	}
	free(tok);
	return DBX_OK;
fail:
	cache_close(c);
	c->opened = 0;
	return err;
}

void cache_close(struct cache *c)
{
	if (!c->opened)
		return;
	if (c->lock_fd >= 0)
		close(c->lock_fd); /* releases the flock */
	c->lock_fd = -1;
	if (c->text) {
		crypto_wipe(c->text, c->len);
		free(c->text);
	}
	c->text = NULL;
	c->len = 0;
	c->opened = 0;
}

/* Index of the entry for (host, client_id) in entries, or -1. */
static int find(const struct json_doc *d, int entries, const char *host, const char *client_id,
                int *pos)
{
	int e, i = 0;
	for (e = json_child(d, entries); e >= 0; e = json_next(d, e), i++) {
		if (json_streq(d, json_get(d, e, "host"), host) &&
		    json_streq(d, json_get(d, e, "client_id"), client_id)) {
			*pos = i;
			return e;
		}
	}
	return -1;
}

static long long num(const struct json_doc *d, int t)
{
	int64_t v;
	return json_int(d, t, &v) == DBX_OK ? (long long)v : 0;
}

int cache_get(const struct cache *c, const char *host, const char *client_id,
              struct cache_tokens *t)
{
	struct json_doc d;
	struct json_tok *tok = NULL;
	int e, pos, found = 0;

	memset(t, 0, sizeof *t);
	if (!c->text || parse(c->text, c->len, &d, &tok) != DBX_OK)
		goto out;
	e = find(&d, json_get(&d, 0, "entries"), host, client_id, &pos);
	if (e < 0 || json_str(&d, json_get(&d, e, "access_token"), t->access, sizeof t->access,
	                      NULL) != DBX_OK)
		goto out;
	if (json_str(&d, json_get(&d, e, "refresh_token"), t->refresh, sizeof t->refresh, NULL) !=
	    DBX_OK)
		t->refresh[0] = '\0';
	if (json_str(&d, json_get(&d, e, "token_type"), t->type, sizeof t->type, NULL) != DBX_OK)
		snprintf(t->type, sizeof t->type, "Bearer");
	t->expiry = num(&d, json_get(&d, e, "expiry"));
	t->issued = num(&d, json_get(&d, e, "issued"));
	found = 1;
out:
	free(tok);
	return found;
}

static void write_entry(struct json_w *w, const char *host, const char *client_id,
                        const struct cache_tokens *t)
{
	json_w_obj(w);
	json_w_key(w, "host");
	json_w_str(w, host);
	json_w_key(w, "client_id");
	json_w_str(w, client_id);
	json_w_key(w, "access_token");
	json_w_str(w, t->access);
	if (t->refresh[0]) {
		json_w_key(w, "refresh_token");
		json_w_str(w, t->refresh);
	}
	json_w_key(w, "token_type");
	json_w_str(w, t->type[0] ? t->type : "Bearer");
	json_w_key(w, "expiry");
	json_w_int(w, t->expiry);
	json_w_key(w, "issued");
	json_w_int(w, t->issued);
	json_w_obj_end(w);
}

int cache_from_text(struct cache *c, const char *text, size_t len)
{
	struct json_doc d;
	struct json_tok *tok = NULL;
	int err;

	memset(c, 0, sizeof *c);
	c->lock_fd = -1;
	c->opened = 1;
	if (len > CACHE_FILE_MAX)
		return DBX_ERR_PROTOCOL;
	err = parse(text, len, &d, &tok);
	free(tok);
	if (err)
		return err == DBX_ERR_NOMEM ? err : DBX_ERR_PROTOCOL;
	c->text = malloc(len + 1);
	if (!c->text)
		return DBX_ERR_NOMEM;
	memcpy(c->text, text, len);
	c->text[len] = '\0';
	c->len = len;
	return DBX_OK;
}

int cache_render(const struct cache *c, const char *host, const char *client_id,
                 const struct cache_tokens *t, char **out, size_t *out_len, int *removed)
{
	struct json_doc d;
	struct json_tok *tok = NULL;
	struct json_w w;
	char *buf = NULL;
	size_t cap, len = 0;
	int err = DBX_OK, e, dropped = 0;
	int have = c->text && parse(c->text, c->len, &d, &tok) == DBX_OK;

	*out = NULL;
	*out_len = 0;
	if (removed)
		*removed = 0;
	cap = c->len + 3 * CACHE_TOKEN_MAX * 2 + 4096; /* escaping may double the tokens */
	buf = malloc(cap);
	if (!buf) {
		err = DBX_ERR_NOMEM;
		goto out;
	}
	json_w_init(&w, buf, cap);
	json_w_obj(&w);
	json_w_key(&w, "version");
	json_w_int(&w, 1);
	json_w_key(&w, "entries");
	json_w_arr(&w);
	if (have) {
		int entries = json_get(&d, 0, "entries");
		for (e = json_child(&d, entries); e >= 0; e = json_next(&d, e)) {
			int match =
			    !host || (json_streq(&d, json_get(&d, e, "host"), host) &&
			              (!client_id ||
			               json_streq(&d, json_get(&d, e, "client_id"), client_id)));
			if (match) {
				dropped++;
				continue;
			}
			json_w_raw(&w, &d, e);
		}
	}
	if (t)
		write_entry(&w, host, client_id, t);
	json_w_arr_end(&w);
	json_w_obj_end(&w);
	err = json_w_finish(&w, &len);
	if (err)
		goto out;
	if (len < cap - 1)
		buf[len++] = '\n';
	buf[len < cap ? len : cap - 1] = '\0';
	*out = buf;
	*out_len = len;
	buf = NULL;
	if (removed)
		*removed = dropped;
out:
	if (buf) {
		crypto_wipe(buf, cap);
		free(buf);
	}
	free(tok);
	return err;
}

int cache_put(struct cache *c, const char *host, const char *client_id,
              const struct cache_tokens *t, int *removed, char *errbuf)
{
	char *buf = NULL;
	size_t len = 0;
	int err = DBX_OK, dropped = 0;

	if (removed)
		*removed = 0;
	if (c->lock_fd < 0) {
		/* opened without create and no directory yet: make it and lock now */
		char path[CACHE_PATH_MAX];
		snprintf(path, sizeof path, "%s", c->path);
		cache_close(c);
		err = cache_open(c, path, 1, errbuf);
		if (err)
			goto out;
	}
	err = cache_render(c, host, client_id, t, &buf, &len, &dropped);
	if (err) {
		errbuf_set(errbuf, "the token cache would be too large");
		goto out;
	}
	err = pfile_write(c->path, buf, len, "token cache", errbuf);
	if (err)
		goto out;
	if (c->text) {
		crypto_wipe(c->text, c->len);
		free(c->text);
	}
	c->text = buf;
	c->len = len;
	buf = NULL;
	if (removed)
		*removed = dropped;
out:
	if (buf) {
		crypto_wipe(buf, len);
		free(buf);
	}
	return err;
}
