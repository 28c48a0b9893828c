/*
 * cli_log.c - conversations on disk (see cli.h, struct cli_conv): every chat
 * written to $XDG_STATE_HOME/dbxai/conversations/ID.json (else
 * ~/.local/state/dbxai/conversations/), mode 0600 through the private-file
 * writer, directories made 0700; `dbxai log` lists them, `dbxai log show ID`
 * prints one.
 *
 * A file is one JSON object: {"id":..,"created":..,"updated":..,"model":..,
 * "turns":[{"time":..,"model":..,"usage":{..}|null},..],"messages":[..]}, its
 * messages in the --messages format (so `--messages` takes them as they are).
 * The files together stay under CONV_CAP: after each write the least recently
 * written go first.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "json.h"
#include "jsonw.h"
#include "pfile.h"

#define CONV_CAP (50u << 20)

static void conv_note(const struct cli_conv *c, const char *what, const char *detail)
{
	if (c->verbose)
		fprintf(stderr, "* conversation log off: %s%s\n", what, detail ? detail : "");
}

/* The directory (made, 0700, when make) into c->dir: 0, or -1 with a note. */
static int conv_dir(struct cli_conv *c, int make)
{
	const char *x = getenv("XDG_STATE_HOME"), *h = getenv("HOME");
	size_t base;
	char *p;

	if (x && *x == '/')
		snprintf(c->dir, sizeof c->dir, "%s/dbxai/conversations", x);
	else if (h && *h)
		snprintf(c->dir, sizeof c->dir, "%s/.local/state/dbxai/conversations", h);
	else
		return conv_note(c, "neither XDG_STATE_HOME nor HOME is set", NULL), -1;
	/* each level below HOME, or XDG_STATE_HOME's too (the spec says make it) */
	base = x && *x == '/' ? 0 : strlen(h);
	for (p = c->dir + base + 1; make; p++) {
		char ch = *p;
		if (ch != '/' && ch)
			continue;
		*p = '\0';
		if (mkdir(c->dir, 0700) != 0 && errno != EEXIST) {
			conv_note(c, c->dir, errno == EROFS ? ": read-only" : ": cannot be made");
			return -1;
		}
		*p = ch;
		if (!ch)
			break;
	}
	if (make && access(c->dir, W_OK) != 0)
		return conv_note(c, c->dir, ": not writable"), -1;
	return 0;
}

static int id_ok(const char *id)
{
	size_t n = strspn(id, "0123456789abcdefT-");
	return n && n < 32 && id[n] == '\0';
}

struct conv_ent {
	char id[32];
	time_t mtime;
	off_t size;
};

/* The conversation files of dir, most recently written first (*n of them;
 * malloc'd, NULL when none). */
static struct conv_ent *conv_list(const char *dir, size_t *n, off_t *total)
{
	struct conv_ent *v = NULL, *nv, t;
	size_t cap = 0, i, j;
	struct dirent *e;
	DIR *d = opendir(dir);

	*n = 0;
	*total = 0;
	while (d && (e = readdir(d))) {
		char path[512];
		struct stat st;
		size_t len = strlen(e->d_name);
		if (len < 6 || len > 36 || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			nv = realloc(v, cap * sizeof *v);
			if (!nv)
				break;
			v = nv;
		}
		memcpy(v[*n].id, e->d_name, len - 5);
		v[*n].id[len - 5] = '\0';
		v[*n].mtime = st.st_mtime;
		v[*n].size = st.st_size;
		*total += st.st_size;
		/* insertion: newest first, then by name (IDs sort by time) */
		for (j = (*n)++; j > 0; j--) {
			struct conv_ent *a = &v[j - 1], *b = &v[j];
			if (a->mtime > b->mtime ||
			    (a->mtime == b->mtime && strcmp(a->id, b->id) > 0))
				break;
			t = *a, *a = *b, *b = t;
		}
	}
	if (d)
		closedir(d);
	for (i = 0; i < *n; i++)
		if (!id_ok(v[i].id))
			v[i].id[0] = '\0'; /* not ours: listed nowhere, never removed */
	return v;
}

/* "2026-12-02T05:52:50Z" (text_utc: no strftime, no time zone code) */
static void now_iso(char *out)
{
	text_utc((long long)time(NULL), out, 24);
	out[10] = 'T';
	out[19] = 'Z';
	out[20] = '\0';
}

static int conv_read(const char *dir, const char *id, char **text, size_t *len, struct json_doc *d,
                     struct json_tok **tok)
{
	char path[512], errbuf[DBX_ERRBUF_SIZE];
	snprintf(path, sizeof path, "%s/%s.json", dir, id);
	*tok = NULL;
	if (cli_read_file(path, text, len, errbuf))
		return -1;
	if (json_parse_alloc(d, *text, *len, tok) || json_type(d, 0) != JSON_OBJECT) {
		free(*text);
		free(*tok);
		return -1;
	}
	return 0;
}

void cli_conv_new(struct cli_conv *c)
{
	char *q = c->id;
	const char *p;

	/* 20261202T055250-7c4a: sorts by time */
	now_iso(c->created);
	for (p = c->created; *p && *p != 'Z'; p++)
		if (*p != '-' && *p != ':')
			*q++ = *p;
	snprintf(q, 6, "-%04x", (unsigned)(getpid() * 2654435761u ^ clock_ms()) & 0xffff);
	free(c->turns);
	c->turns = NULL;
	c->turns_len = 0;
}

int cli_conv_open(struct cli_conv *c, int on, int verbose, const char *id, char **messages,
                  size_t *mlen)
{
	struct conv_ent *v = NULL;
	struct json_tok *tok = NULL;
	struct json_doc d;
	char *text = NULL;
	const char *p;
	size_t n = 0, len;
	off_t total;
	int rc = 0, t;

	memset(c, 0, sizeof *c);
	c->verbose = verbose;
	if (id) { /* -c ("") or --conversation ID */
		if (*id && !id_ok(id))
			return cli_usage_error("--conversation: '%.40s' is not a conversation ID "
			                       "(dbxai log lists them)",
			                       id);
		if (conv_dir(c, 0))
			return cli_usage_error("no conversation to continue: no state directory "
			                       "(set XDG_STATE_HOME or HOME)");
		if (!*id) {
			v = conv_list(c->dir, &n, &total);
			if (!n || !v[0].id[0]) {
				free(v);
				return cli_usage_error(
				    "no conversation to continue in %s: start one "
				    "with dbxai chat",
				    c->dir);
			}
			id = v[0].id;
		}
		snprintf(c->id, sizeof c->id, "%s", id);
		free(v);
		if (conv_read(c->dir, c->id, &text, &len, &d, &tok))
			return cli_usage_error("no conversation '%s' in %s (dbxai log lists them)",
			                       c->id, c->dir);
		t = json_get(&d, 0, "messages");
		if (json_type(&d, t) != JSON_ARRAY || json_raw(&d, t, &p, &len) ||
		    !(*messages = malloc(len + 1))) {
			rc = cli_usage_error("conversation %s: no messages in it", c->id);
			goto out;
		}
		memcpy(*messages, p, len);
		(*messages)[len] = '\0';
		*mlen = len;
		t = json_get(&d, 0, "created");
		if (json_str(&d, t, c->created, sizeof c->created, &len))
			c->created[0] = '\0';
		t = json_get(&d, 0, "turns");
		if (json_type(&d, t) == JSON_ARRAY && !json_raw(&d, t, &p, &len) && len > 2 &&
		    (c->turns = malloc(len))) {
			memcpy(c->turns, p + 1, len - 2); /* the members, without [ ] */
			c->turns_len = len - 2;
		}
	}
	if (!on) {
		c->dir[0] = '\0';
		goto out;
	}
	if (conv_dir(c, 1)) {
		c->dir[0] = '\0';
		goto out;
	}
	if (!c->id[0])
		cli_conv_new(c);
out:
	free(text);
	free(tok);
	return rc;
}

void cli_conv_turn(struct cli_conv *c, const char *transcript, size_t tlen, const char *model,
                   const long long *usage)
{
	char head[1024], now[24], path[512], errbuf[DBX_ERRBUF_SIZE];
	struct conv_ent *v;
	struct json_w w;
	size_t hlen = 0, n, i, tn;
	off_t total;
	char *file, *nt;

	if (!c || !c->dir[0] || !transcript)
		return;
	now_iso(now);
	/* this turn: {"time":..,"model":..,"usage":..} after the others */
	json_w_init(&w, head, sizeof head);
	json_w_obj(&w);
	json_w_key(&w, "time");
	json_w_str(&w, now);
	json_w_key(&w, "model");
	json_w_str(&w, model);
	json_w_key(&w, "usage");
	if (usage) {
		static const char *const k[] = {"prompt_tokens", "completion_tokens",
		                                "total_tokens"};
		json_w_obj(&w);
		for (i = 0; i < 3; i++) {
			json_w_key(&w, k[i]);
			json_w_int(&w, usage[i]);
		}
		json_w_obj_end(&w);
	} else {
		json_w_null(&w);
	}
	json_w_obj_end(&w);
	if (json_w_finish(&w, &hlen))
		return;
	tn = c->turns_len + (c->turns_len ? 1 : 0) + hlen;
	nt = realloc(c->turns, tn);
	if (!nt)
		return;
	if (c->turns_len)
		nt[c->turns_len] = ',';
	memcpy(nt + tn - hlen, head, hlen);
	c->turns = nt;
	c->turns_len = tn;
	/* the file: the head, the turns, the messages */
	json_w_init(&w, head, sizeof head);
	json_w_obj(&w);
	json_w_key(&w, "id");
	json_w_str(&w, c->id);
	json_w_key(&w, "created");
	json_w_str(&w, c->created[0] ? c->created : now);
	json_w_key(&w, "updated");
	json_w_str(&w, now);
	json_w_key(&w, "model");
	json_w_str(&w, model);
	json_w_obj_end(&w);
	if (json_w_finish(&w, &hlen))
		return;
	hlen--; /* the turns and the messages go before its } */
	n = hlen + c->turns_len + tlen + 32;
	file = malloc(n);
	if (!file)
		return;
	n = (size_t)snprintf(file, n, "%.*s,\"turns\":[%.*s],\"messages\":", (int)hlen, head,
	                     (int)c->turns_len, c->turns);
	memcpy(file + n, transcript, tlen);
	n += tlen;
	memcpy(file + n, "}\n", 2);
	snprintf(path, sizeof path, "%s/%s.json", c->dir, c->id);
	if (pfile_write(path, file, n + 2, "conversation", errbuf)) {
		conv_note(c, errbuf, NULL);
		c->dir[0] = '\0';
	}
	free(file);
	/* the cap: the least recently written go first, this one never */
	v = conv_list(c->dir, &n, &total);
	for (i = n; i-- > 0 && total > (off_t)CONV_CAP;) {
		if (!v[i].id[0] || strcmp(v[i].id, c->id) == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s.json", c->dir, v[i].id);
		if (unlink(path) == 0)
			total -= v[i].size;
	}
	free(v);
}

void cli_conv_close(struct cli_conv *c)
{
	free(c->turns);
	c->turns = NULL;
}

/* The first user message's text, on one line, at most 60 bytes. */
static void title_of(struct json_doc *d, char *out, size_t cap)
{
	int m = json_get(d, 0, "messages"), t;
	size_t len = 0, i;

	out[0] = '\0';
	for (t = json_child(d, m); t >= 0; t = json_next(d, t))
		if (json_streq(d, json_get(d, t, "role"), "user"))
			break;
	if (t < 0 || json_str(d, json_get(d, t, "content"), out, cap, &len) == DBX_ERR_USAGE)
		out[0] = '\0';
	for (i = 0; out[i]; i++)
		if ((unsigned char)out[i] < 0x20)
			out[i] = ' ';
}

static int log_show(struct cli_conv *c, const char *id, int json)
{
	struct json_tok *tok;
	struct json_doc d;
	struct text_tty st = {0};
	char *text;
	size_t len;
	int m, t;

	if (!id_ok(id) || conv_dir(c, 0) || conv_read(c->dir, id, &text, &len, &d, &tok))
		return cli_usage_error("no conversation '%.40s' (dbxai log lists them)", id);
	if (json) {
		fwrite(text, 1, len, stdout);
	} else {
		m = json_get(&d, 0, "messages");
		for (t = json_child(&d, m); t >= 0; t = json_next(&d, t)) {
			const char *p;
			size_t n;
			int ct = json_get(&d, t, "content"), rt = json_get(&d, t, "role");
			char role[32];
			if (json_str(&d, rt, role, sizeof role, &n))
				snprintf(role, sizeof role, "?");
			printf("%s%s:\n", t == json_child(&d, m) ? "" : "\n", role);
			if (json_type(&d, ct) == JSON_STRING) {
				char *s = malloc(json_strlen(&d, ct) + 1);
				if (s && !json_str(&d, ct, s, json_strlen(&d, ct) + 1, &n))
					(void)cli_put_text(stdout, &st, isatty(1) && !cli_raw, s,
					                   n);
				free(s);
			} else if (!json_raw(&d,
			                     json_get(&d, t, "tool_calls") >= 0
			                         ? json_get(&d, t, "tool_calls")
			                         : ct,
			                     &p, &n)) {
				fwrite(p, 1, n, stdout);
			}
			putchar('\n');
		}
	}
	free(text);
	free(tok);
	return 0;
}

int cli_log(const struct cli_globals *g0, int argc, char **argv)
{
	struct cli_globals g = *g0;
	struct cli_out out = CLI_OUT_INIT;
	struct cli_conv c;
	struct conv_ent *v;
	const char *nv = NULL, *show = NULL;
	char eb[DBX_ERRBUF_SIZE];
	double most = 10;
	size_t n, i;
	off_t total;
	int r;

	memset(&c, 0, sizeof c);
	for (r = 0; r < argc; r++) {
		int k = cli_global_option(argc, argv, &r, &g);
		if (k >= 100)
			return k - 100;
		if (k)
			continue;
		k = cli_opt_value(argc, argv, &r, "-n", NULL, &nv);
		if (k < 0 || (k > 0 && (cfg_parse_number("-n", nv, 0, 1e6, &most, eb) || most < 1)))
			return cli_usage_error("log -n: a number of conversations, 1 or more");
		if (k)
			continue;
		if (strcmp(argv[r], "show") == 0 && r + 1 < argc && !show) {
			show = argv[++r];
			continue;
		}
		return cli_usage_error("log: unexpected '%.40s' (dbxai log [-n N] [--json], dbxai "
		                       "log show ID)",
		                       argv[r]);
	}
	if (show)
		return cli_finish(&out, log_show(&c, show, g.json));
	if (conv_dir(&c, 0))
		return cli_finish(&out, 0);
	v = conv_list(c.dir, &n, &total);
	for (i = 0; i < n && most > 0; i++) {
		struct json_tok *tok;
		struct json_doc d;
		char *text, title[64], upd[24], model[128];
		size_t len;
		int turns;
		if (!v[i].id[0] || conv_read(c.dir, v[i].id, &text, &len, &d, &tok))
			continue;
		most--;
		title_of(&d, title, sizeof title);
		turns = json_size(&d, json_get(&d, 0, "turns"));
		if (json_str(&d, json_get(&d, 0, "updated"), upd, sizeof upd, &len))
			upd[0] = '\0';
		if (json_str(&d, json_get(&d, 0, "model"), model, sizeof model, &len))
			model[0] = '\0';
		if (g.json) {
			char line[512];
			struct json_w w;
			json_w_init(&w, line, sizeof line - 1);
			json_w_obj(&w);
			json_w_key(&w, "id");
			json_w_str(&w, v[i].id);
			json_w_key(&w, "updated");
			json_w_str(&w, upd);
			json_w_key(&w, "model");
			json_w_str(&w, model);
			json_w_key(&w, "turns");
			json_w_int(&w, turns);
			json_w_key(&w, "title");
			json_w_str(&w, title);
			json_w_obj_end(&w);
			if (!json_w_finish(&w, &len)) {
				line[len++] = '\n';
				cli_write(&out, line, len);
			}
		} else {
			char line[512];
			len = (size_t)snprintf(line, sizeof line, "%s  %s  %s  %d turn%s  %s\n",
			                       v[i].id, upd, model, turns, turns == 1 ? "" : "s",
			                       title);
			cli_write(&out, line, len < sizeof line ? len : sizeof line - 1);
		}
		free(text);
		free(tok);
	}
	free(v);
	return cli_finish(&out, 0);
}
