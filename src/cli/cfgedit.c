/* cfgedit.c - see cfgedit.h. */
#include "cfgedit.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "err.h"

struct sink {
	char *p;
	size_t cap, len;
	int full;
};

static void put(struct sink *s, const char *data, size_t n)
{
	if (s->full || n >= s->cap - s->len) {
		s->full = 1;
		return;
	}
	memcpy(s->p + s->len, data, n);
	s->len += n;
	s->p[s->len] = '\0';
}

static void put_str(struct sink *s, const char *str)
{
	put(s, str, strlen(str));
}

/* One line of the input: [start, start + len) holds the text without its line
 * end, eol the line end ("", "\n" or "\r\n"). */
struct line {
	const char *start;
	size_t len;
	const char *eol;
	size_t next; /* offset of the next line */
};

static void next_line(const char *in, size_t in_len, size_t off, struct line *l)
{
	const char *nl = memchr(in + off, '\n', in_len - off);
	size_t end = nl ? (size_t)(nl - in) : in_len;

	l->start = in + off;
	l->len = end - off;
	l->eol = nl ? "\n" : "";
	if (nl && l->len > 0 && l->start[l->len - 1] == '\r') {
		l->len--;
		l->eol = "\r\n";
	}
	l->next = nl ? end + 1 : in_len;
}

static int blank(char c)
{
	return c == ' ' || c == '\t';
}

static void trim(const char **p, size_t *n)
{
	while (*n > 0 && blank(**p)) {
		(*p)++;
		(*n)--;
	}
	while (*n > 0 && blank((*p)[*n - 1]))
		(*n)--;
}

enum kind { K_OTHER, K_SECTION, K_KEY };

/* What a line is; for K_SECTION *name, for K_KEY *name is the key. */
static enum kind classify(const struct line *l, const char **name, size_t *name_len)
{
	const char *s = l->start, *mark;
	size_t n = l->len;

	trim(&s, &n);
	if (n == 0 || *s == '#' || *s == ';')
		return K_OTHER;
	if (*s == '[') {
		mark = memchr(s, ']', n);
		if (!mark)
			return K_OTHER; /* cfg.c refuses the file; not ours to mend */
		*name = s + 1;
		*name_len = (size_t)(mark - s - 1);
		trim(name, name_len);
		return K_SECTION;
	}
	mark = memchr(s, '=', n);
	if (!mark)
		return K_OTHER;
	*name = s;
	*name_len = (size_t)(mark - s);
	trim(name, name_len);
	return K_KEY;
}

static int same_name(const char *a, size_t n, const char *b)
{
	return strlen(b) == n && memcmp(a, b, n) == 0;
}

static int find_key(const struct cfgedit_kv *kv, size_t n, const char *key, size_t key_len)
{
	size_t k;
	for (k = 0; k < n; k++)
		if (strlen(kv[k].key) == key_len && strncasecmp(kv[k].key, key, key_len) == 0)
			return (int)k;
	return -1;
}

/* Text cfg.c would read back unchanged: one line, no blanks around it. */
static int clean_text(const char *s, int allow_empty, const char *forbidden)
{
	size_t n = strlen(s);
	if (n == 0)
		return allow_empty;
	if (blank(s[0]) || blank(s[n - 1]) || strpbrk(s, "\r\n"))
		return 0;
	return !strpbrk(s, forbidden);
}

static void put_kv(struct sink *s, const struct cfgedit_kv *kv, const char *eol)
{
	put_str(s, kv->key);
	put_str(s, " = ");
	put_str(s, kv->value);
	put_str(s, eol);
}

size_t cfgedit_size(size_t in_len, const char *profile, const struct cfgedit_kv *kv, size_t n)
{
	size_t k, size = in_len + strlen(profile) + 16;
	for (k = 0; k < n; k++)
		size += strlen(kv[k].key) + strlen(kv[k].value) + 8;
	return size;
}

int cfgedit_set(const char *in, size_t in_len, const char *profile, const struct cfgedit_kv *kv,
                size_t n, char *out, size_t cap, size_t *out_len, char *errbuf)
{
	struct sink s = {out, cap, 0, 0};
	struct line l;
	const char *name, *eol = "\n";
	size_t name_len, off, k, insert_at = 0;
	unsigned found = 0, written = 0;
	int in_target = 0, sections = 0, key;

	if (cap == 0)
		return DBX_ERR_LIMIT;
	out[0] = '\0';
	if (!clean_text(profile, 0, "]")) {
		errbuf_set(errbuf,
		           "profile name '%.60s' cannot be written: use one line without ']' "
		           "or blanks at its ends",
		           profile);
		return DBX_ERR_USAGE;
	}
	if (n > 16) {
		errbuf_set(errbuf, "cfgedit: at most 16 keys at once");
		return DBX_ERR_USAGE;
	}
	for (k = 0; k < n; k++) {
		if (!clean_text(kv[k].key, 0, "=[#;") || !clean_text(kv[k].value, 1, "")) {
			errbuf_set(errbuf,
			           "%.40s cannot be written: a value must be one line without "
			           "blanks at its ends",
			           kv[k].key);
			return DBX_ERR_USAGE;
		}
	}

	/* First pass: which keys the profile has, and where the missing ones go
	 * (after the last key line of its first section). */
	for (off = 0; off < in_len; off = l.next) {
		next_line(in, in_len, off, &l);
		switch (classify(&l, &name, &name_len)) {
		case K_SECTION:
			in_target = same_name(name, name_len, profile);
			if (in_target && sections++ == 0) {
				insert_at = l.next;
				eol = l.eol[0] ? l.eol : "\n";
			}
			break;
		case K_KEY:
			if (!in_target)
				break;
			key = find_key(kv, n, name, name_len);
			if (key >= 0)
				found |= 1u << key;
			if (sections == 1)
				insert_at = l.next;
			break;
		default:
			break;
		}
	}

	in_target = 0;
	for (off = 0; off < in_len; off = l.next) {
		enum kind kd;
		next_line(in, in_len, off, &l);
		kd = classify(&l, &name, &name_len);
		if (kd == K_SECTION)
			in_target = same_name(name, name_len, profile);
		key = kd == K_KEY && in_target ? find_key(kv, n, name, name_len) : -1;
		if (key < 0) {
			put(&s, l.start, (size_t)(l.next - off));
		} else if (!(written & (1u << key))) {
			put_kv(&s, &kv[key], l.eol);
			written |= 1u << key;
		}
		if (sections > 0 && l.next == insert_at) {
			if (!l.eol[0] && found != (1u << n) - 1)
				put_str(&s, eol);
			for (k = 0; k < n; k++)
				if (!(found & (1u << k)))
					put_kv(&s, &kv[k], eol);
		}
	}

	if (sections == 0) {
		if (in_len > 0) {
			if (in[in_len - 1] != '\n')
				put_str(&s, "\n");
			/* a blank line between sections, unless there is one */
			if (!(in_len >= 2 && in[in_len - 1] == '\n' &&
			      (in[in_len - 2] == '\n' ||
			       (in_len >= 3 && in[in_len - 2] == '\r' && in[in_len - 3] == '\n'))))
				put_str(&s, "\n");
		}
		put_str(&s, "[");
		put_str(&s, profile);
		put_str(&s, "]\n");
		for (k = 0; k < n; k++)
			put_kv(&s, &kv[k], "\n");
	}
	if (s.full) {
		errbuf_set(errbuf, "cfgedit: output larger than %zu bytes", cap);
		return DBX_ERR_LIMIT;
	}
	*out_len = s.len;
	return DBX_OK;
}
