/*
 * fuzz_oauth.c - libFuzzer target for what the OAuth login reads from outside:
 * the pasted (or listener-received) redirect, and the token endpoint, discovery
 * and device authorization answers. The first line of the input is the state
 * the login expects, the rest the pasted text (also decoded as each JSON
 * answer). Checked:
 * - oauth_parse_redirect returns one of its documented codes; on success the
 *   code is a non-empty C string within cap, and writing it back as a redirect
 *   (oauth_form_add percent-encodes code and state) parses to the same code;
 *   with the state changed the same redirect is refused (DBX_ERR_AUTH); a
 *   pasted code never appears in errbuf. Half the runs expect an issuer: a
 *   redirect that passes carries it as iss, and fails against another.
 * - the JSON parsers keep every value a C string within its buffer; a token
 *   answer that parses has an access token and a type; nothing of the access
 *   or refresh token shows in errbuf; server timers (numbers or strings) come
 *   out clamped (lifetime 0..OAUTH_LIFETIME_MAX, interval 1..OAUTH_INTERVAL_MAX).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dbxai.h"
#include "fuzz_common.h"
#include "oauth.h"
#include "redirect.h"

/* The code= parameters of the pasted text (as the parser splits it) that are
 * 8 or more plain characters must not show in errbuf. */
static void no_code_in(const char *errbuf, const char *text)
{
	const char *p = strchr(text, '?'), *end = text + strcspn(text, "#");
	char code[64];
	size_t n, k;

	for (p = p ? p + 1 : text; p < end; p += n + 1) {
		n = strcspn(p, "&#");
		if (strncmp(p, "code=", 5) != 0 || n < 5 + 8 || n - 5 >= sizeof code)
			continue;
		for (k = 5; k < n; k++)
			if (!((p[k] >= 'a' && p[k] <= 'z') || (p[k] >= 'A' && p[k] <= 'Z') ||
			      (p[k] >= '0' && p[k] <= '9') || p[k] == '-' || p[k] == '_' ||
			      p[k] == '.'))
				break;
		if (k < n)
			continue;
		memcpy(code, p + 5, n - 5);
		code[n - 5] = '\0';
		REQUIRE(strstr(errbuf, code) == NULL);
	}
}

static void check_json(const char *text, size_t len)
{
	static struct cache_tokens t;
	static struct oauth_endpoints ep;
	static struct oauth_device d;
	char errbuf[DBX_ERRBUF_SIZE] = "", error[64], desc[256];

	memset(&t, 0, sizeof t);
	if (oauth_parse_tokens(text, len, 1700000000, &t, errbuf) == DBX_OK) {
		REQUIRE(t.access[0] && strlen(t.access) < CACHE_TOKEN_MAX);
		REQUIRE(strlen(t.refresh) < CACHE_TOKEN_MAX);
		REQUIRE(t.type[0] && strlen(t.type) < CACHE_TOKEN_TYPE_MAX);
		REQUIRE(t.expiry >= 1700000000 && t.expiry - 1700000000 <= OAUTH_LIFETIME_MAX);
	} else {
		if (strlen(t.access) >= 8)
			REQUIRE(strstr(errbuf, t.access) == NULL);
		if (strlen(t.refresh) >= 8)
			REQUIRE(strstr(errbuf, t.refresh) == NULL);
	}
	crypto_wipe(&t, sizeof t);
	if (oauth_parse_discovery(text, len, &ep, errbuf) == DBX_OK)
		REQUIRE(ep.authorization[0] && ep.token[0] && strlen(ep.device) < URL_MAX);
	if (oauth_parse_device(text, len, &d, errbuf) == DBX_OK)
		REQUIRE(strlen(d.device_code) < OAUTH_CODE_MAX && strlen(d.user_code) < 128 &&
		        strlen(d.verification_uri) < URL_MAX && d.interval >= 1 &&
		        d.interval <= OAUTH_INTERVAL_MAX && d.expires_in >= 0 &&
		        d.expires_in <= OAUTH_LIFETIME_MAX);
	if (oauth_parse_error(text, len, error, sizeof error, desc, sizeof desc)) {
		size_t i;
		REQUIRE(strlen(error) < sizeof error && strlen(desc) < sizeof desc);
		for (i = 0; error[i]; i++)
			REQUIRE((unsigned char)error[i] >= 0x20 && (unsigned char)error[i] < 0x7f);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char code[OAUTH_CODE_MAX], again[OAUTH_CODE_MAX], form[3 * OAUTH_CODE_MAX + 600];
	char *line[2], *block, errbuf[DBX_ERRBUF_SIZE] = "", other[140];
	const char *issuer;
	size_t cap, flen = 0;
	int err;

	if (size > 16384)
		return 0;
	fuzz_seed(data, size);
	fuzz_lines(data, size, line, 2, &block);
	cap = fuzz_rng() % 4 ? sizeof code : 1 + fuzz_rng() % 16;

	/* half the runs check iss (RFC 9207) against a fixed issuer */
	issuer = fuzz_rng() % 2 ? "https://h/oidc" : NULL;
	err = redirect_parse(line[1], line[0], issuer, code, cap, errbuf);
	REQUIRE(err == DBX_OK || err == DBX_ERR_AUTH || err == ERR_NEED_MORE ||
	        err == DBX_ERR_USAGE || err == DBX_ERR_LIMIT);
	if (err == DBX_OK) {
		REQUIRE(code[0] && strlen(code) < cap);
		form[0] = '/';
		form[1] = '?';
		flen = 2;
		REQUIRE(oauth_form_add(form, sizeof form, &flen, "code", code) == DBX_OK);
		REQUIRE(oauth_form_add(form, sizeof form, &flen, "state", line[0]) == DBX_OK);
		if (issuer)
			REQUIRE(oauth_form_add(form, sizeof form, &flen, "iss", issuer) == DBX_OK);
		flen = 0;
		REQUIRE(redirect_parse(form, line[0], issuer, again, sizeof again, errbuf) ==
		        DBX_OK);
		REQUIRE(strcmp(code, again) == 0);
		if (issuer) /* against another issuer the same redirect is refused */
			REQUIRE(redirect_parse(line[1], line[0], "https://h/oidc/x", again,
			                       sizeof again, errbuf) == DBX_ERR_AUTH);
		snprintf(other, sizeof other, "x%.128s", line[0]);
		REQUIRE(redirect_parse(line[1], other, issuer, again, sizeof again, errbuf) ==
		        DBX_ERR_AUTH);
		no_code_in(errbuf, line[1]);
	} else {
		no_code_in(errbuf, line[1]);
	}
	check_json(line[1], strlen(line[1]));
	check_json((const char *)data, size);
	crypto_wipe(code, sizeof code);
	free(block);
	return 0;
}
