/*
 * cli_embed.c - `dbxai embed [-m MODEL] [--batch N] [TEXT...]`: one embedding
 * per TEXT, or per stdin line when there is no TEXT or it is "-".
 *
 * Output: one line per input, in input order, so line N answers input N: the
 * vector as a compact JSON array (the server's own number text with its
 * whitespace removed, so no digit is lost or invented), or with --json
 * {"index":N,"embedding":[...]}. An empty TEXT or stdin line is a usage error
 * rather than skipped, which would break that line-for-line match (and the
 * endpoint rejects empty inputs anyway).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "cli.h"
#include "embed.h"

struct embed_out {
	struct cli_out out;
	int json;
	char *line; /* reused for each vector */
	size_t cap;
};

/* Whether s[0..n) holds a byte below '!': the only such bytes a vector's text
 * can hold are JSON whitespace (or a byte of 0x80 and up, under SSE2, which it
 * cannot hold). Sixteen (SSE2) or eight bytes at a time, 64 between tests. */
static int has_space(const char *s, size_t n)
{
	size_t i = 0;
#if defined(__SSE2__)
	__m128i acc = _mm_setzero_si128();

	for (; i + 64 <= n; i += 64) {
		for (size_t k = 0; k < 64; k += 16) {
			__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i + k));
			acc = _mm_or_si128(acc, _mm_cmplt_epi8(x, _mm_set1_epi8('!')));
		}
		if (_mm_movemask_epi8(acc))
			return 1;
	}
#else
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	uint64_t acc = 0;
	size_t k;

	while (i + 64 <= n) {
		for (k = 0; k < 64; k += 8) {
			uint64_t x;
			memcpy(&x, s + i + k, 8);
			acc |= (x - ones * '!') & ~x;
		}
		if (acc & highs)
			return 1;
		i += 64;
	}
#endif
	for (; i < n; i++)
		if ((unsigned char)s[i] < '!')
			return 1;
	return 0;
}

static int put_vector(void *ctx, size_t index, const double *values, size_t dim, const char *json,
                      size_t json_len)
{
	struct embed_out *o = ctx;
	size_t need = json_len + 64, n = 0, i;

	(void)values;
	(void)dim;
	if (!has_space(json, json_len)) { /* the usual reply: the text as it is */
		char head[64];
		if (o->json)
			n = (size_t)snprintf(head, sizeof head,
			                     "{\"index\":%zu,\"embedding\":", index);
		return (n && cli_write(&o->out, head, n)) || cli_write(&o->out, json, json_len) ||
		       cli_write(&o->out, o->json ? "}\n" : "\n", o->json ? 2 : 1);
	}
	if (need > o->cap) {
		char *nb = realloc(o->line, need);
		if (!nb)
			return 1;
		o->line = nb;
		o->cap = need;
	}
	if (o->json)
		n = (size_t)snprintf(o->line, o->cap, "{\"index\":%zu,\"embedding\":", index);
	/* The text holds only numbers, commas and brackets besides whitespace:
	 * dropping whitespace makes it compact without touching a digit. */
	for (i = 0; i < json_len; i++) {
		char ch = json[i];
		if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r')
			o->line[n++] = ch;
	}
	if (o->json)
		o->line[n++] = '}';
	o->line[n++] = '\n';
	return cli_write(&o->out, o->line, n);
}

/* Splits stdin into lines (in place): *inputs points into *text, both
 * malloc'd for the caller. */
static int read_lines(char **text, const char ***inputs, size_t *count)
{
	char errbuf[DBX_ERRBUF_SIZE] = "";
	size_t len = 0, n = 0, i, line;
	char *p, *end;
	int err;

	*inputs = NULL;
	*count = 0;
	err = cli_read_file("-", text, &len, errbuf);
	if (err)
		return cli_fail(err, errbuf);
	for (i = 0; i < len; i++)
		if ((*text)[i] == '\n')
			n++;
	if (len > 0 && (*text)[len - 1] != '\n')
		n++; /* a last line without its newline */
	*inputs = malloc((n ? n : 1) * sizeof **inputs);
	if (!*inputs)
		return cli_fail(DBX_ERR_NOMEM, NULL);
	p = *text;
	end = *text + len;
	for (line = 1; p < end; line++) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (l > 0 && p[l - 1] == '\r')
			l--;
		p[l] = '\0'; /* over the '\n' or '\r', or the NUL cli_read_file adds */
		if (l == 0)
			return cli_usage_error("embed: stdin line %zu is empty (each line is one "
			                       "input; remove blank lines)",
			                       line);
		if (strlen(p) != l)
			return cli_usage_error("embed: stdin line %zu holds a NUL byte", line);
		(*inputs)[*count] = p;
		(*count)++;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

/* N in 1..EMBED_BATCH_MAX, all of the text a number. */
static int parse_batch(const char *v, size_t *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || v[0] < '0' || v[0] > '9' || n < 1 || n > EMBED_BATCH_MAX)
		return -1;
	*out = (size_t)n;
	return 0;
}

int cli_embed(const struct cli_globals *g0, int argc, char **argv)
{
	struct cli_globals g = *g0;
	struct dbx_embed_request rq = {0};
	struct embed_out o = {CLI_OUT_INIT, 0, NULL, 0};
	struct dbx_config *cfg = NULL;
	struct dbx_client *client = NULL;
	const char **texts = NULL;
	char *text = NULL;
	char errbuf[DBX_ERRBUF_SIZE] = "";
	size_t ntexts = 0;
	int i, r, rc = 0, err, opts_done = 0, from_stdin = 0;

	texts = malloc((size_t)(argc > 0 ? argc : 1) * sizeof *texts);
	if (!texts)
		return cli_fail(DBX_ERR_NOMEM, NULL);
	cli_coalesce(&o.out); /* vectors are read by programs: big writes when piped */
	for (i = 0; i < argc; i++) {
		const char *v;
		if (!opts_done) {
			if (strcmp(argv[i], "--") == 0) {
				opts_done = 1;
				continue;
			}
			r = cli_global_option(argc, argv, &i, &g);
			if (r >= 100) {
				rc = r - 100;
				goto out;
			}
			if (r)
				continue;
			r = cli_opt_value(argc, argv, &i, "--model", "-m", &v);
			if (r < 0 || (r > 0 && !*v)) {
				rc = cli_usage_error("--model needs a value");
				goto out;
			}
			if (r > 0) {
				rq.model = v;
				continue;
			}
			r = cli_opt_value(argc, argv, &i, "--batch", NULL, &v);
			if (r < 0 || (r > 0 && parse_batch(v, &rq.batch) != 0)) {
				rc = cli_usage_error("--batch needs a whole number from 1 to %d",
				                     EMBED_BATCH_MAX);
				goto out;
			}
			if (r > 0)
				continue;
			if (argv[i][0] == '-' && argv[i][1] != '\0') {
				rc = cli_usage_error(
				    "embed: unknown option '%.40s' (see dbxai help; "
				    "-- ends the options)",
				    argv[i]);
				goto out;
			}
		}
		if (strcmp(argv[i], "-") == 0 && !opts_done)
			from_stdin = 1;
		else if (argv[i][0] == '\0') {
			rc = cli_usage_error("embed: TEXT %zu is empty", ntexts + 1);
			goto out;
		} else
			texts[ntexts++] = argv[i];
	}
	if (from_stdin && ntexts > 0) {
		rc = cli_usage_error("embed: give TEXT arguments or \"-\" for stdin, not both");
		goto out;
	}
	if (ntexts == 0) {
		free(texts);
		texts = NULL;
		rc = read_lines(&text, &texts, &ntexts);
		if (rc)
			goto out;
	}
	rq.inputs = texts;
	rq.count = ntexts;
	rq.text_only = 1; /* the output is the server's number text */
	o.json = g.json;
	rc = cli_open_client(&g, &cfg, &client);
	if (rc)
		goto out;
	err = dbx_embed(client, &rq, put_vector, &o, errbuf);
	if (err == DBX_ERR_CANCELLED && !o.out.failed) {
		err = DBX_ERR_NOMEM; /* put_vector stops only for stdout or memory */
		errbuf[0] = '\0';
	}
	rc = cli_finish(&o.out, err && !o.out.failed ? cli_fail(err, errbuf) : 0);
out:
	dbx_client_free(client);
	dbx_config_free(cfg);
	free(o.line);
	free(texts);
	free(text);
	return rc;
}
