/* test_cache.c - the token cache: JSON round trip, entries per host and
 * client, removal, default path, corrupt files kept aside, refusals of
 * symlinks, loose modes and loose directories. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "harness.h"

static char dir[64];

static void path_of(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

static void tokens(struct cache_tokens *t, const char *at, const char *rt, long long exp)
{
	memset(t, 0, sizeof *t);
	snprintf(t->access, sizeof t->access, "%s", at);
	snprintf(t->refresh, sizeof t->refresh, "%s", rt);
	snprintf(t->type, sizeof t->type, "Bearer");
	t->expiry = exp;
	t->issued = exp - 3600;
}

static void test_round_trip(void)
{
	char path[128], err[DBX_ERRBUF_SIZE] = "";
	struct cache c;
	struct cache_tokens t, got;
	struct stat st;
	int removed = -1;

	path_of(path, sizeof path, "sub/dir/cache.json");
	CHECK(cache_open(&c, path, 0, err) == DBX_OK, "no directory: empty (%s)", err);
	CHECK(!cache_get(&c, "https://a", "databricks-cli", &got), "empty");
	tokens(&t, "at-\"1\"\\", "rt-1", 2000000000LL);
	CHECK(cache_put(&c, "https://a", "databricks-cli", &t, NULL, err) == DBX_OK, "put: %s",
	      err);
	tokens(&t, "at-2", "", 1700000000LL);
	CHECK(cache_put(&c, "https://b:8443", "sp", &t, NULL, err) == DBX_OK, "put 2: %s", err);
	cache_close(&c);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "file 0600");
	path_of(path, sizeof path, "sub/dir");
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0700, "dir 0700");
	path_of(path, sizeof path, "sub/dir/cache.json");

	CHECK(cache_open(&c, path, 0, err) == DBX_OK, "reopen: %s", err);
	CHECK(cache_get(&c, "https://a", "databricks-cli", &got), "found a");
	CHECK(strcmp(got.access, "at-\"1\"\\") == 0 && strcmp(got.refresh, "rt-1") == 0,
	      "a tokens");
	CHECK(got.expiry == 2000000000LL && got.issued == 2000000000LL - 3600, "a expiry");
	CHECK(cache_get(&c, "https://b:8443", "sp", &got), "found b");
	CHECK(got.refresh[0] == '\0' && got.expiry == 1700000000LL, "b");
	CHECK(!cache_get(&c, "https://a", "sp", &got), "keyed by client too");
	tokens(&t, "at-3", "rt-3", 2000000001LL);
	CHECK(cache_put(&c, "https://a", "databricks-cli", &t, NULL, err) == DBX_OK, "replace");
	CHECK(cache_get(&c, "https://a", "databricks-cli", &got) && strcmp(got.access, "at-3") == 0,
	      "replaced, seen before close");
	CHECK(cache_put(&c, "https://b:8443", NULL, NULL, &removed, err) == DBX_OK && removed == 1,
	      "remove b: %d", removed);
	CHECK(!cache_get(&c, "https://b:8443", "sp", &got), "b gone");
	CHECK(cache_get(&c, "https://a", "databricks-cli", &got), "a stays");
	CHECK(cache_put(&c, NULL, NULL, NULL, &removed, err) == DBX_OK && removed == 1,
	      "remove all");
	cache_close(&c);
	cache_close(&c); /* twice is harmless */
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, mode);
	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			perror("write");
		fchmod(fd, mode);
		close(fd);
	}
}

static void test_refusals(void)
{
	char path[128], other[128], err[DBX_ERRBUF_SIZE];
	struct cache c;

	path_of(path, sizeof path, "loose.json");
	write_file(path, "{\"version\":1,\"entries\":[]}", 0644);
	CHECK(cache_open(&c, path, 0, err) == DBX_ERR_IO, "0644 refused");
	CHECK(strstr(err, "group/others") && strstr(err, "644"), "%s", err);

	path_of(other, sizeof other, "target.json");
	write_file(other, "{\"version\":1,\"entries\":[]}", 0600);
	path_of(path, sizeof path, "link.json");
	CHECK(symlink(other, path) == 0, "symlink");
	CHECK(cache_open(&c, path, 0, err) == DBX_ERR_IO, "symlink refused");
	CHECK(strstr(err, "symbolic link") != NULL, "%s", err);

	path_of(path, sizeof path, "open");
	mkdir(path, 0700);
	chmod(path, 0777);
	path_of(path, sizeof path, "open/cache.json");
	CHECK(cache_open(&c, path, 1, err) == DBX_ERR_IO, "world-writable dir refused");
	CHECK(strstr(err, "writable by group/others") != NULL, "%s", err);

	path_of(path, sizeof path, "dirfile");
	mkdir(path, 0700);
	CHECK(cache_open(&c, path, 0, err) == DBX_ERR_IO, "a directory is not a cache");
}

static void test_corrupt(void)
{
	char path[128], err[DBX_ERRBUF_SIZE];
	struct cache c;
	struct cache_tokens t;
	struct stat st;

	path_of(path, sizeof path, "bad.json");
	write_file(path, "{\"version\":1,\"entries\":{}}", 0600);
	CHECK(cache_open(&c, path, 0, err) == DBX_OK, "opens: %s", err);
	CHECK(strstr(c.note, "not valid") && strstr(c.note, ".corrupt-"), "%s", c.note);
	CHECK(!cache_get(&c, "https://a", "x", &t), "reads as empty");
	CHECK(stat(path, &st) != 0, "moved away");
	tokens(&t, "a", "r", 1);
	CHECK(cache_put(&c, "https://a", "x", &t, NULL, err) == DBX_OK, "a new file: %s", err);
	cache_close(&c);
}

static const char *fake_env(const char *name)
{
	if (strcmp(name, "HOME") == 0)
		return "/home/u";
	if (strcmp(name, "XDG_CACHE_HOME") == 0)
		return "relative/ignored";
	return NULL;
}

static const char *xdg_env(const char *name)
{
	if (strcmp(name, "XDG_CACHE_HOME") == 0)
		return "/xdg";
	return fake_env(name);
}

static const char *override_env(const char *name)
{
	if (strcmp(name, "DBXAI_TOKEN_CACHE") == 0)
		return "/etc/x.json";
	return xdg_env(name);
}

static const char *empty_env(const char *name)
{
	(void)name;
	return NULL;
}

static void test_default_path(void)
{
	char out[256], err[DBX_ERRBUF_SIZE];

	CHECK(cache_default_path(out, sizeof out, fake_env, err) == DBX_OK &&
	          strcmp(out, "/home/u/.cache/dbxai/token-cache.json") == 0,
	      "%s", out);
	CHECK(cache_default_path(out, sizeof out, xdg_env, err) == DBX_OK &&
	          strcmp(out, "/xdg/dbxai/token-cache.json") == 0,
	      "%s", out);
	CHECK(cache_default_path(out, sizeof out, override_env, err) == DBX_OK &&
	          strcmp(out, "/etc/x.json") == 0,
	      "%s", out);
	CHECK(cache_default_path(out, sizeof out, empty_env, err) == DBX_ERR_USAGE, "no HOME");
	CHECK(cache_default_path(out, 10, fake_env, err) == DBX_ERR_USAGE, "too long");
}

/* The file's text without a file: what fuzz_cache reads through. */
static void test_from_text(void)
{
	static const char text[] =
	    "{\"version\":1,\"entries\":[{\"host\":\"https://a\",\"client_id\":\"c\","
	    "\"access_token\":\"x\\u00e9\",\"expiry\":5},{\"host\":\"https://a\","
	    "\"client_id\":\"d\",\"access_token\":\"y\"}]}";
	struct cache c, n;
	struct cache_tokens t, got;
	char *out = NULL;
	size_t len = 0;
	int removed = -1;

	CHECK(cache_from_text(&c, "{\"entries\":{}}", 14) == DBX_ERR_PROTOCOL && !c.text,
	      "entries not an array");
	cache_close(&c);
	CHECK(cache_from_text(&c, "[", 1) == DBX_ERR_PROTOCOL, "not JSON");
	cache_close(&c);
	CHECK(cache_from_text(&c, text, sizeof text - 1) == DBX_OK, "valid");
	CHECK(cache_get(&c, "https://a", "c", &got) && strcmp(got.access, "x\xc3\xa9") == 0 &&
	          got.expiry == 5 && strcmp(got.type, "Bearer") == 0,
	      "entry read from memory");
	memset(&t, 0, sizeof t);
	snprintf(t.access, sizeof t.access, "new");
	snprintf(t.type, sizeof t.type, "Bearer");
	CHECK(cache_render(&c, "https://a", "c", &t, &out, &len, &removed) == DBX_OK &&
	          removed == 1 && len > 0 && out[len - 1] == '\n' && out[len] == '\0',
	      "render with one entry replaced");
	CHECK(cache_from_text(&n, out, len) == DBX_OK, "rendered text is a cache");
	CHECK(cache_get(&n, "https://a", "c", &got) && strcmp(got.access, "new") == 0, "new token");
	CHECK(cache_get(&n, "https://a", "d", &got) && strcmp(got.access, "y") == 0,
	      "the other entry kept");
	cache_close(&n);
	free(out);
	CHECK(cache_render(&c, "https://a", NULL, NULL, &out, &len, &removed) == DBX_OK &&
	          removed == 2 && strstr(out, "\"entries\":[]"),
	      "render without the host: %s", out ? out : "");
	free(out);
	cache_close(&c);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof dir, "%s/dbxai-cache-XXXXXX",
	         tmp && *tmp && strlen(tmp) < 30 ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_round_trip);
	RUN(test_refusals);
	RUN(test_corrupt);
	RUN(test_default_path);
	RUN(test_from_text);
	return harness_done("cache");
}
