/*
 * fuzz_cache.c - libFuzzer target for the token cache file (cache.h): the
 * input is the file. cache_from_text() reads it as cache_open() would; then
 * for the entries it holds, checked:
 * - cache_get() copies are C strings within their buffers, and an entry is
 *   found exactly for the first (host, client_id) pair that has a string
 *   access token;
 * - cache_render() with a new token for one pair gives a valid cache in which
 *   that pair reads back exactly the token written, every other pair reads as
 *   before, and *removed counts the entries the pair had;
 * - cache_render() removing a host leaves no entry for it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "crypto.h"
#include "dbxai.h"
#include "fuzz_common.h"
#include "json.h"

#define MAX_PAIRS 8
#define NTOK 4096

struct pair {
	char host[256], client[256];
	int has_access; /* "access_token" is a JSON string that fits */
};

static struct cache_tokens a, b;

static int same_tokens(const struct cache_tokens *x, const struct cache_tokens *y)
{
	return strcmp(x->access, y->access) == 0 && strcmp(x->refresh, y->refresh) == 0 &&
	       strcmp(x->type, y->type) == 0 && x->expiry == y->expiry && x->issued == y->issued;
}

static void bounded(const struct cache_tokens *t)
{
	REQUIRE(memchr(t->access, 0, sizeof t->access) && memchr(t->refresh, 0, sizeof t->refresh));
	REQUIRE(memchr(t->type, 0, sizeof t->type));
}

/* Entries whose host and client_id are strings without NUL, in file order. */
static int pairs_of(const char *text, size_t len, struct pair *p, int max)
{
	static struct json_tok tok[NTOK];
	struct json_doc d;
	size_t hl, cl;
	int e, n = 0;

	if (json_parse(&d, text, len, tok, NTOK) != DBX_OK)
		return -1;
	for (e = json_child(&d, json_get(&d, 0, "entries")); e >= 0 && n < max;
	     e = json_next(&d, e)) {
		if (json_str(&d, json_get(&d, e, "host"), p[n].host, sizeof p[n].host, &hl) ||
		    json_str(&d, json_get(&d, e, "client_id"), p[n].client, sizeof p[n].client,
		             &cl) ||
		    hl != strlen(p[n].host) || cl != strlen(p[n].client))
			continue;
		p[n].has_access =
		    json_type(&d, json_get(&d, e, "access_token")) == JSON_STRING &&
		    json_strlen(&d, json_get(&d, e, "access_token")) < CACHE_TOKEN_MAX;
		n++;
	}
	return n;
}

/* Index of the first pair equal to p[i]. */
static int first(const struct pair *p, int i)
{
	int k;
	for (k = 0; k < i; k++)
		if (strcmp(p[k].host, p[i].host) == 0 && strcmp(p[k].client, p[i].client) == 0)
			return k;
	return i;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pair p[MAX_PAIRS];
	struct cache c, nc;
	struct cache_tokens t;
	const char *host, *client;
	char *out = NULL;
	size_t olen;
	int np, i, k, removed, want_removed, err;

	if (size > 256 * 1024)
		return 0;
	fuzz_seed(data, size);
	err = cache_from_text(&c, (const char *)data, size);
	if (err) {
		REQUIRE(err == DBX_ERR_PROTOCOL && c.text == NULL);
		REQUIRE(!cache_get(&c, "https://h", "databricks-cli", &a));
		cache_close(&c);
		return 0;
	}
	np = pairs_of(c.text, c.len, p, MAX_PAIRS);
	for (i = 0; i < np; i++) {
		int found = cache_get(&c, p[i].host, p[i].client, &a);
		bounded(&a);
		REQUIRE(found == p[first(p, i)].has_access);
	}

	/* set one pair (an existing one, or a new one) */
	memset(&t, 0, sizeof t);
	snprintf(t.access, sizeof t.access, "acc-%08x\"\\\x01", fuzz_rng());
	if (fuzz_rng() & 1)
		snprintf(t.refresh, sizeof t.refresh, "ref-%08x", fuzz_rng());
	snprintf(t.type, sizeof t.type, "Bearer");
	t.expiry = (long long)fuzz_rng() << 8;
	t.issued = fuzz_rng();
	i = np > 0 ? (int)(fuzz_rng() % (unsigned)(np + 1)) : np;
	host = i < np ? p[i].host : "https://new.example.com";
	client = i < np ? p[i].client : "databricks-cli";
	want_removed = 0;
	if (np >= 0 && np < MAX_PAIRS) /* all entries seen: count the pair's */
		for (k = 0; k < np; k++)
			want_removed +=
			    strcmp(p[k].host, host) == 0 && strcmp(p[k].client, client) == 0;
	err = cache_render(&c, host, client, &t, &out, &olen, &removed);
	if (err == DBX_OK) {
		REQUIRE(out[olen] == '\0' && olen > 0 && out[olen - 1] == '\n');
		if (np >= 0 && np < MAX_PAIRS)
			REQUIRE(removed == want_removed);
		REQUIRE(cache_from_text(&nc, out, olen) == DBX_OK);
		REQUIRE(cache_get(&nc, host, client, &b) == 1);
		REQUIRE(same_tokens(&t, &b));
		for (k = 0; k < np; k++) {
			if (strcmp(p[k].host, host) == 0 && strcmp(p[k].client, client) == 0)
				continue;
			REQUIRE(cache_get(&c, p[k].host, p[k].client, &a) ==
			        cache_get(&nc, p[k].host, p[k].client, &b));
			REQUIRE(same_tokens(&a, &b));
		}
		cache_close(&nc);
		crypto_wipe(out, olen);
		free(out);
		out = NULL;
	} else {
		REQUIRE(err == DBX_ERR_LIMIT);
	}

	/* remove every entry of the host */
	err = cache_render(&c, host, NULL, NULL, &out, &olen, &removed);
	if (err == DBX_OK) {
		REQUIRE(cache_from_text(&nc, out, olen) == DBX_OK);
		for (k = 0; k < np; k++)
			if (strcmp(p[k].host, host) == 0)
				REQUIRE(!cache_get(&nc, host, p[k].client, &b));
		cache_close(&nc);
		free(out);
	}
	cache_close(&c);
	return 0;
}
