/*
 * fuzz_cfg.c - libFuzzer target for ~/.databrickscfg (cfg_load). The first
 * line of the input is the profile asked for through DATABRICKS_CONFIG_PROFILE
 * ("" for none: [DEFAULT]), the rest is the file, written to a temp file that
 * DATABRICKS_CONFIG_FILE names. Checked against a small reference reader of
 * the cfg.h grammar (for files without NUL bytes or over-long lines): the
 * same verdict, the named profile found iff its section is present, and the
 * same host, token, client_id, client_secret and auth_type; always: every
 * value a C string within its buffer, and a secret never in errbuf.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cfg.h"
#include "dbxai.h"
#include "fuzz_common.h"

static char path[256];
static const char *profile_env;

static const char *get(const char *name)
{
	if (strcmp(name, "DATABRICKS_CONFIG_FILE") == 0)
		return path;
	if (strcmp(name, "DATABRICKS_CONFIG_PROFILE") == 0)
		return profile_env;
	return NULL;
}

struct ref {
	int err, found;
	char host[CFG_VALUE_MAX], token[CFG_VALUE_MAX], client_id[CFG_VALUE_MAX],
	    client_secret[CFG_VALUE_MAX], auth_type[CFG_NAME_MAX];
};

static int is_sp(char c)
{
	return c == ' ' || c == '\t';
}

/* [*b, *e) trimmed: blanks in front, blanks and line ends behind. */
static void trim(const char **b, const char **e)
{
	while (*b < *e && is_sp(**b))
		(*b)++;
	while (*e > *b && (is_sp((*e)[-1]) || (*e)[-1] == '\n' || (*e)[-1] == '\r'))
		(*e)--;
}

static int set(char *dst, size_t cap, const char *b, const char *e)
{
	if ((size_t)(e - b) >= cap)
		return 1;
	memcpy(dst, b, (size_t)(e - b));
	dst[e - b] = '\0';
	return 0;
}

static void ref_read(const char *s, size_t n, const char *profile, struct ref *r)
{
	const char *end = s + n, *line = s;
	int in = 0;

	memset(r, 0, sizeof *r);
	while (line < end && !r->err) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *b = line, *e = nl ? nl + 1 : end, *close, *eq, *kb, *ke, *vb, *ve;

		line = e;
		trim(&b, &e);
		if (b == e || *b == '#' || *b == ';')
			continue;
		if (*b == '[') {
			close = memchr(b, ']', (size_t)(e - b));
			if (!close) {
				r->err = 1;
				break;
			}
			kb = b + 1;
			ke = close;
			trim(&kb, &ke);
			in = (size_t)(ke - kb) == strlen(profile) &&
			     memcmp(kb, profile, (size_t)(ke - kb)) == 0;
			r->found |= in;
			continue;
		}
		if (!in)
			continue;
		eq = memchr(b, '=', (size_t)(e - b));
		if (!eq) {
			r->err = 1;
			break;
		}
		kb = b;
		ke = eq;
		vb = eq + 1;
		ve = e;
		trim(&kb, &ke);
		trim(&vb, &ve);
#define KEY(k) ((size_t)(ke - kb) == strlen(k) && strncasecmp(kb, k, strlen(k)) == 0)
		if (KEY("host"))
			r->err = set(r->host, sizeof r->host, vb, ve);
		else if (KEY("token"))
			r->err = set(r->token, sizeof r->token, vb, ve);
		else if (KEY("client_id"))
			r->err = set(r->client_id, sizeof r->client_id, vb, ve);
		else if (KEY("client_secret"))
			r->err = set(r->client_secret, sizeof r->client_secret, vb, ve);
		else if (KEY("auth_type"))
			r->err = set(r->auth_type, sizeof r->auth_type, vb, ve);
#undef KEY
	}
}

/* The reference applies: no NUL, every line fits fgets' buffer. */
static int plain(const char *s, size_t n)
{
	const char *line = s, *end = s + n;

	if (memchr(s, 0, n))
		return 0;
	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t len = (size_t)((nl ? nl + 1 : end) - line);
		if (len >= CFG_VALUE_MAX + 256 - 1)
			return 0;
		line += len;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dbx_config c;
	static struct ref r;
	struct cfg_input in = {.getenv = get};
	char *line[2], *block, errbuf[DBX_ERRBUF_SIZE] = "";
	const char *file;
	size_t flen;
	FILE *f;
	int err, named, want_err;

	if (size > 64 * 1024)
		return 0;
	if (!path[0]) {
		const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
		snprintf(path, sizeof path, "%s/fuzz_cfg.%ld", dir, (long)getpid());
	}
	fuzz_lines(data, size, line, 2, &block);
	file = line[1];
	flen = size - (size_t)(line[1] - block);
	if (line[1] == block + size) /* no second line */
		flen = 0;
	f = fopen(path, "wb");
	REQUIRE(f != NULL);
	REQUIRE(fwrite(file, 1, flen, f) == flen);
	REQUIRE(fclose(f) == 0);

	named = line[0][0] != '\0';
	profile_env = named ? line[0] : NULL;
	err = cfg_load(&c, &in, errbuf);
	(void)unlink(path); /* libFuzzer ends with _Exit: no atexit clean-up */
	REQUIRE(err == DBX_OK || err == DBX_ERR_USAGE);
	REQUIRE(strlen(c.host) < sizeof c.host && strlen(c.token) < sizeof c.token);
	REQUIRE(strlen(c.client_id) < sizeof c.client_id);
	REQUIRE(strlen(c.client_secret) < sizeof c.client_secret);
	REQUIRE(strlen(c.auth_type) < sizeof c.auth_type && strlen(c.profile) < sizeof c.profile);
	if (strlen(c.token) >= 8)
		REQUIRE(strstr(errbuf, c.token) == NULL);
	if (strlen(c.client_secret) >= 8)
		REQUIRE(strstr(errbuf, c.client_secret) == NULL);

	if (plain(file, flen) && strlen(line[0]) < CFG_NAME_MAX) {
		ref_read(file, flen, named ? line[0] : "DEFAULT", &r);
		want_err = r.err || (named && !r.found);
		REQUIRE((err != DBX_OK) == want_err);
		if (!err) {
			REQUIRE(c.profile_found == r.found);
			REQUIRE(strcmp(c.host, r.host) == 0 && strcmp(c.token, r.token) == 0);
			REQUIRE(strcmp(c.client_id, r.client_id) == 0);
			REQUIRE(strcmp(c.client_secret, r.client_secret) == 0);
			REQUIRE(strcmp(c.auth_type, r.auth_type) == 0);
			REQUIRE(strcmp(c.host_from, c.host[0] ? "profile" : "") == 0);
		}
	}
	free(block);
	return 0;
}
