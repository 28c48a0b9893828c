/*
 * ledit.c - the line editor of `dbxai chat -i` (ledit.h says what it does).
 *
 * Input is read in chunks, every key of a chunk applied, then the line drawn
 * once: "\r", prompt, the visible part, erase to the end, cursor to its
 * column. Typed-ahead input stays in kb for the next entry.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "ledit.h"
#include "pfile.h"

#define R(a, b) ((uint32_t)(a) << 15 | ((b) - (a)))

/* Zero width: combining marks, format characters, variation selectors,
 * emoji skin tones (after an emoji). Checked before wide. */
static const uint32_t zero_tab[] = {
    R(0x0300, 0x036F), R(0x0483, 0x0489), R(0x0591, 0x05BD), R(0x05C1, 0x05C2), R(0x05C4, 0x05C5),
    R(0x0610, 0x061A), R(0x064B, 0x065F), R(0x0670, 0x0670), R(0x06D6, 0x06DC), R(0x06DF, 0x06E4),
    R(0x0E31, 0x0E31), R(0x0E34, 0x0E3A), R(0x0E47, 0x0E4E), R(0x1AB0, 0x1AFF), R(0x1DC0, 0x1DFF),
    R(0x200B, 0x200F), R(0x202A, 0x202E), R(0x2060, 0x2064), R(0x20D0, 0x20FF), R(0x302A, 0x302D),
    R(0x3099, 0x309A), R(0xFE00, 0xFE0F), R(0xFE20, 0xFE2F), R(0xFEFF, 0xFEFF), R(0x1F3FB, 0x1F3FF),
};

/* East Asian Wide and Fullwidth, and emoji shown wide (coarsely). */
static const uint32_t wide_tab[] = {
    R(0x1100, 0x115F),   R(0x231A, 0x231B),   R(0x2329, 0x232A),   R(0x23E9, 0x23EC),
    R(0x23F0, 0x23F0),   R(0x23F3, 0x23F3),   R(0x25FD, 0x25FE),   R(0x2614, 0x2615),
    R(0x2648, 0x2653),   R(0x267F, 0x267F),   R(0x2693, 0x2693),   R(0x26A1, 0x26A1),
    R(0x26AA, 0x26AB),   R(0x26BD, 0x26BE),   R(0x26C4, 0x26C5),   R(0x26CE, 0x26CE),
    R(0x26D4, 0x26D4),   R(0x26EA, 0x26EA),   R(0x26F2, 0x26F5),   R(0x26FA, 0x26FD),
    R(0x2705, 0x2705),   R(0x270A, 0x270B),   R(0x2728, 0x2728),   R(0x274C, 0x274E),
    R(0x2753, 0x2757),   R(0x2795, 0x2797),   R(0x27B0, 0x27B0),   R(0x27BF, 0x27BF),
    R(0x2B1B, 0x2B1C),   R(0x2B50, 0x2B50),   R(0x2B55, 0x2B55),   R(0x2E80, 0x303E),
    R(0x3041, 0x4DBF),   R(0x4E00, 0xA4CF),   R(0xA960, 0xA97F),   R(0xAC00, 0xD7A3),
    R(0xF900, 0xFAFF),   R(0xFE10, 0xFE19),   R(0xFE30, 0xFE6F),   R(0xFF00, 0xFF60),
    R(0xFFE0, 0xFFE6),   R(0x16FE0, 0x16FE4), R(0x17000, 0x18CFF), R(0x1B000, 0x1B2FF),
    R(0x1F004, 0x1F004), R(0x1F0CF, 0x1F0CF), R(0x1F18E, 0x1F18E), R(0x1F191, 0x1F19A),
    R(0x1F200, 0x1F251), R(0x1F300, 0x1F64F), R(0x1F680, 0x1F6FF), R(0x1F7E0, 0x1F7EB),
    R(0x1F90C, 0x1F9FF), R(0x1FA70, 0x1FAFF),
};

static int in_tab(const uint32_t *t, size_t n, unsigned cp)
{
	while (n--)
		if (cp >= t[n] >> 15 && cp - (t[n] >> 15) <= (t[n] & 0x7FFF))
			return 1;
	return 0;
}

int ledit_width(unsigned cp)
{
	if (cp < 0x20 || cp == 0x7F)
		return 2; /* shown as ^X */
	if (in_tab(zero_tab, sizeof zero_tab / 4, cp) || (cp >= 0xE0000 && cp <= 0xE0FFF))
		return 0;
	return in_tab(wide_tab, sizeof wide_tab / 4, cp) || (cp >= 0x20000 && cp <= 0x3FFFD) ? 2
	                                                                                     : 1;
}

/* The code point at s[0..n) (n >= 1) and its length; a byte that starts no
 * well-formed sequence is U+FFFD, one byte long. */
static size_t utf8_dec(const char *p, size_t n, unsigned *cp)
{
	const unsigned char *s = (const unsigned char *)p;
	unsigned c = s[0];
	size_t k = c < 0x80 ? 1 : c < 0xC2 ? 0 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF5 ? 4 : 0, i;

	if (k == 0 || k > n)
		goto bad;
	c &= 0xFF >> (k + (k > 1));
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xC0) != 0x80)
			goto bad;
		c = c << 6 | (s[i] & 0x3F);
	}
	*cp = c;
	return k;
bad:
	*cp = 0xFFFD;
	return 1;
}

size_t ledit_next(const char *s, size_t len, size_t i, int *w)
{
	unsigned cp;
	size_t k;

	i += utf8_dec(s + i, len - i, &cp);
	*w = ledit_width(cp);
	while (i < len) {
		k = utf8_dec(s + i, len - i, &cp);
		if (cp == 0x200D && i + k < len) {
			i += k;
			k = utf8_dec(s + i, len - i, &cp); /* joined: no columns of its own */
		} else if (ledit_width(cp)) {
			break;
		}
		i += k;
	}
	return i;
}

static size_t prev(struct ledit *e, size_t pos)
{
	size_t i = e->start, j = i;
	int w;

	while (i < pos) {
		j = i;
		i = ledit_next(e->buf, e->len, i, &w);
	}
	return j;
}

/* Columns of s[a..b) */
static int cols(const char *s, size_t a, size_t b)
{
	int n = 0, w;

	while (a < b) {
		a = ledit_next(s, b, a, &w);
		n += w;
	}
	return n;
}

int ledit_key(const unsigned char *s, size_t n, size_t *used)
{
	static const char fin[] = "ABCDHF";
	const char *f;
	size_t i;
	long num = 0;

	*used = 1;
	if (n == 0)
		return -1;
	if (s[0] != 27)
		return s[0];
	if (n < 2)
		return -1;
	*used = 2;
	if (s[1] != '[' && s[1] != 'O')
		return LEDIT_K_NONE; /* Alt-key: not used */
	for (i = 2; i < n && (s[i] < 0x40 || s[i] > 0x7E); i++)
		if (s[i] >= '0' && s[i] <= '9' && num < 1000)
			num = num * 10 + (s[i] - '0');
		else if (s[i] == ';')
			num = 1000; /* modifiers: the number is not a key */
	if (i >= n) {
		*used = n;
		return n > 32 ? LEDIT_K_NONE : -1;
	}
	*used = i + 1;
	/* the final byte gives the key, or with '~' the number: offsets from
	 * LEDIT_K_UP in the order of the enum */
	f = memchr(fin, s[i], 6);
	if (f)
		return LEDIT_K_UP + (int)(f - fin);
	if (s[i] == '~' && num < 9)
		return LEDIT_K_UP + "\11\4\11\6\5\11\11\4\5"[num];
	if (s[i] == '~' && (num == 200 || num == 201))
		return LEDIT_K_PASTE + (int)(num - 200);
	return LEDIT_K_NONE;
}

static void cut(struct ledit *e, size_t a, size_t b)
{
	memmove(e->buf + a, e->buf + b, e->len - b);
	e->len -= b - a;
	e->pos = a;
	e->buf[e->len] = '\0';
}

static void insert(struct ledit *e, int c)
{
	if (e->len >= LEDIT_MAX)
		return;
	memmove(e->buf + e->pos + 1, e->buf + e->pos, e->len - e->pos);
	e->buf[e->pos++] = (char)c;
	e->buf[++e->len] = '\0';
}

/* The entry from start on becomes s (NULL: empty), the cursor at its end. */
static void set_line(struct ledit *e, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n > LEDIT_MAX - e->start)
		n = LEDIT_MAX - e->start;
	memcpy(e->buf + e->start, s ? s : "", n);
	e->len = e->pos = e->start + n;
	e->buf[e->len] = '\0';
}

/* Before the history is shown over the new entry, keeps the entry. */
static void keep_new(struct ledit *e)
{
	size_t n = e->len - e->start;

	if (e->hidx != e->nhist)
		return;
	free(e->saved);
	e->saved = malloc(n + 1);
	if (e->saved) {
		memcpy(e->saved, e->buf + e->start, n);
		e->saved[n] = '\0';
	}
}

static void shown(struct ledit *e)
{
	set_line(e, e->hidx == e->nhist ? e->saved : e->hist[e->hidx]);
}

/* The newest entry at or before from that holds the query. */
static void find(struct ledit *e, int from)
{
	const char *p;

	e->sfail = 1;
	for (; from >= 0 && from < e->nhist; from--) {
		p = strstr(e->hist[from], e->q);
		if (p) {
			e->sfail = 0;
			e->sidx = from;
			set_line(e, e->hist[from]);
			e->pos = e->start + (size_t)(p - e->hist[from]);
			return;
		}
	}
}

static int printable(int k)
{
	return (k >= 0x20 && k < 0x100 && k != 0x7F) || k == '\t';
}

int ledit_feed(struct ledit *e, int k)
{
	size_t p;
	int w;

	if (e->paste) {
		if (k == 3) { /* (a paste whose end never comes cannot hold us) */
			e->paste = 0;
			return LEDIT_INTR;
		}
		if (k == LEDIT_K_PASTE_END)
			e->paste = 0;
		else if (k == '\n' && e->paste == 2)
			e->paste = 1; /* the \n of a \r\n */
		else if (printable(k) || k == '\r' || k == '\n')
			insert(e, k == '\r' ? '\n' : k);
		if (e->paste)
			e->paste = k == '\r' ? 2 : 1;
		return LEDIT_MORE;
	}
	if (e->search) {
		if (k == 18) {
			find(e, e->sidx - 1);
		} else if (k == 0x7F || k == 8) {
			while (e->qlen && (e->q[e->qlen - 1] & 0xC0) == 0x80)
				e->qlen--;
			e->qlen -= e->qlen > 0;
			e->q[e->qlen] = '\0';
			find(e, e->nhist - 1);
		} else if (printable(k) && k != '\t') {
			if (e->qlen < sizeof e->q - 1) {
				e->q[e->qlen++] = (char)k;
				e->q[e->qlen] = '\0';
			}
			find(e, e->sidx < e->nhist ? e->sidx : e->nhist - 1);
		} else if (k == 7) { /* Ctrl-G: back to the entry before the search */
			e->search = 0;
			shown(e);
		} else { /* any other key takes the entry shown and acts on it */
			e->search = 0;
			if (e->sidx < e->nhist)
				e->hidx = e->sidx;
			return ledit_feed(e, k);
		}
		return LEDIT_MORE;
	}
	if (k >= LEDIT_K_UP && k <= LEDIT_K_END) /* as Ctrl-P/N/F/B/A/E */
		k = "\20\16\6\2\1\5"[k - LEDIT_K_UP];
	switch (k) {
	case LEDIT_K_PASTE:
		e->paste = 1;
		break;
	case '\r':
	case '\n':
		return e->len > e->start && e->buf[e->len - 1] == '\\' ? LEDIT_NEWLINE : LEDIT_LINE;
	case 1:
		e->pos = e->start;
		break;
	case 5:
		e->pos = e->len;
		break;
	case 2:
		e->pos = prev(e, e->pos);
		break;
	case 6:
		if (e->pos < e->len)
			e->pos = ledit_next(e->buf, e->len, e->pos, &w);
		break;
	case 0x7F:
	case 8:
		cut(e, prev(e, e->pos), e->pos);
		break;
	case 0: /* a Ctrl-D typed ahead while the terminal was not raw */
	case 4:
		if (e->len == 0)
			return LEDIT_EOF;
		if (k == 0)
			break;
		/* fall through */
	case LEDIT_K_DEL:
		if (e->pos < e->len) {
			p = e->pos;
			cut(e, p, ledit_next(e->buf, e->len, p, &w));
		}
		break;
	case 11:
		e->len = e->pos;
		e->buf[e->len] = '\0';
		break;
	case 21:
		cut(e, e->start, e->pos);
		break;
	case 23:
		p = e->pos;
		while (p > e->start && e->buf[p - 1] == ' ')
			p--;
		while (p > e->start && e->buf[p - 1] != ' ')
			p--;
		cut(e, p, e->pos);
		break;
	case 12:
		return LEDIT_CLEAR;
	case 3:
		return LEDIT_INTR;
	case 26:
		return LEDIT_STOP;
	case 16:
	case 14:
		w = k == 16 ? -1 : 1;
		if (e->hidx + w >= 0 && e->hidx + w <= e->nhist) {
			keep_new(e);
			e->hidx += w;
			shown(e);
		}
		break;
	case 18:
		keep_new(e);
		e->search = 1;
		e->sfail = 0;
		e->sidx = e->nhist;
		e->qlen = 0;
		e->q[0] = '\0';
		break;
	default:
		if (printable(k))
			insert(e, k);
	}
	return LEDIT_MORE;
}

/* ---- history file ---- */

/* "dbxai: history off: what[: why]" (always, or under -v); no file from now on */
static void note(struct ledit *e, int always, const char *what, const char *why)
{
	if (always || e->verbose)
		fprintf(stderr, "dbxai: history off: %s%s%s\n", what, why ? ": " : "",
		        why ? why : "");
	e->path[0] = '\0';
}

static void push(struct ledit *e, const char *s, size_t n)
{
	char *c = malloc(n + 1);

	if (!c)
		return;
	memcpy(c, s, n);
	c[n] = '\0';
	if (e->nhist == LEDIT_HIST_MAX) {
		free(e->hist[0]);
		memmove(e->hist, e->hist + 1, sizeof e->hist[0] * (LEDIT_HIST_MAX - 1));
		e->nhist--;
	}
	e->hist[e->nhist++] = c;
}

void ledit_hist_add(struct ledit *e, const char *s)
{
	char errbuf[DBX_ERRBUF_SIZE];
	size_t n = 0, i;
	char *f, *o;
	int j;

	if (!s[strspn(s, " \t\n")] || (e->nhist && strcmp(e->hist[e->nhist - 1], s) == 0))
		return;
	push(e, s, strlen(s));
	if (!e->path[0])
		return;
	for (j = 0; j < e->nhist; j++)
		n += 2 * strlen(e->hist[j]) + 1;
	f = o = malloc(n + 1);
	if (!f)
		return;
	for (j = 0; j < e->nhist; j++) {
		for (i = 0; e->hist[j][i]; i++) {
			if (e->hist[j][i] == '\\' || e->hist[j][i] == '\n')
				*o++ = '\\';
			*o++ = e->hist[j][i] == '\n' ? 'n' : e->hist[j][i];
		}
		*o++ = '\n';
	}
	if (pfile_write(e->path, f, (size_t)(o - f), "history", errbuf))
		note(e, 0, errbuf, NULL);
	free(f);
}

/* The file's name, its directories made: 0, or -1 after a note. */
static int hist_path(struct ledit *e)
{
	const char *base = getenv("XDG_STATE_HOME"), *sub = "/dbxai/history";
	size_t i;

	if (!base || base[0] != '/') {
		base = getenv("HOME");
		sub = "/.local/state/dbxai/history";
	}
	if (!base || !*base ||
	    (size_t)snprintf(e->path, sizeof e->path, "%s%s", base, sub) >= sizeof e->path) {
		note(e, 0, "no HOME or XDG_STATE_HOME", NULL);
		return -1;
	}
	for (i = 1; e->path[i]; i++) {
		if (e->path[i] != '/')
			continue;
		e->path[i] = '\0';
		if (mkdir(e->path, 0700) != 0 && errno != EEXIST) {
			note(e, 0, e->path, strerror(errno));
			return -1;
		}
		e->path[i] = '/';
	}
	*strrchr(e->path, '/') = '\0';
	if (access(e->path, W_OK) != 0) {
		note(e, 0, e->path, strerror(errno));
		return -1;
	}
	e->path[strlen(e->path)] = '/';
	return 0;
}

static void hist_load(struct ledit *e)
{
	const char *v = getenv("DBXAI_HISTORY");
	char errbuf[DBX_ERRBUF_SIZE], *f = NULL, *p, *q, *r, *end;
	struct stat st;
	size_t i;
	int fd, esc;

	if ((v && strcmp(v, "0") == 0) || hist_path(e))
		return;
	fd = open(e->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			note(e, 1, e->path, strerror(errno));
		return;
	}
	if (pfile_check(fd, e->path, "history", errbuf)) {
		note(e, 1, errbuf, NULL);
	} else if (fstat(fd, &st) == 0 && st.st_size < (64 << 20)) {
		f = malloc((size_t)st.st_size + 1);
		if (f && read(fd, f, (size_t)st.st_size) == st.st_size) {
			end = f + st.st_size;
			for (p = f; p < end; p = q + 1) {
				q = memchr(p, '\n', (size_t)(end - p));
				if (!q)
					q = end;
				for (r = p, i = 0; r < q; r++) { /* unescape in place */
					esc = *r == '\\' && r + 1 < q;
					r += esc;
					p[i++] = esc && *r == 'n' ? '\n' : *r;
				}
				if (i)
					push(e, p, i);
			}
		}
	}
	free(f);
	close(fd);
}

/* ---- the terminal ---- */

static struct ledit *cur; /* the editor whose terminal is raw, for the exits */

static void set_raw(struct ledit *e, int on)
{
	struct termios t = e->orig;

	if (on == e->raw)
		return;
	if (on) {
		t.c_iflag &= ~(unsigned)(BRKINT | ICRNL | INPCK | ISTRIP | IXON);
		t.c_cflag |= CS8;
		t.c_lflag &= ~(unsigned)(ECHO | ICANON | IEXTEN | ISIG);
		t.c_cc[VMIN] = 1;
		t.c_cc[VTIME] = 0;
	}
	/* raw is set before the terminal changes and cleared after: a signal in
	 * between (on_fatal) restores it, once more at worst */
	if (on)
		e->raw = 1;
	/* TCSANOW, not TCSAFLUSH: what was typed ahead stays */
	tcsetattr(e->in, TCSANOW, &t);
	(void)!write(e->out, on ? "\033[?2004h" : "\033[?2004l", 8);
	e->raw = on;
}

static void restore(void)
{
	if (cur)
		set_raw(cur, 0);
}

static void on_fatal(int sig)
{
	restore(); /* tcsetattr and write are async-signal-safe */
	signal(sig, SIG_DFL);
	raise(sig);
}

int ledit_open(struct ledit *e, int bold, int verbose, volatile sig_atomic_t *intr)
{
	static const int sigs[] = {SIGTERM, SIGHUP, SIGQUIT};
	const char *term = getenv("TERM");
	struct sigaction sa, old;
	size_t i;

	memset(e, 0, sizeof *e);
	e->out = isatty(STDERR_FILENO) ? STDERR_FILENO : STDOUT_FILENO;
	if (!isatty(STDIN_FILENO) || !isatty(e->out) || (term && strcmp(term, "dumb") == 0) ||
	    tcgetattr(STDIN_FILENO, &e->orig) != 0)
		return 0;
	e->buf = malloc(LEDIT_MAX + 1);
	if (!e->buf)
		return 0;
	e->bold = bold;
	e->verbose = verbose;
	e->intr = intr;
	hist_load(e);
	cur = e; /* (no atexit: nothing exits while the terminal is raw) */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_fatal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL); /* (nohup's SIGHUP stays ignored) */
	return 1;
}

void ledit_close(struct ledit *e)
{
	int i;

	restore();
	cur = NULL;
	for (i = 0; i < e->nhist; i++)
		free(e->hist[i]);
	free(e->saved);
	free(e->buf);
	e->nhist = 0;
	e->saved = e->buf = NULL;
}

/* Output, gathered to be written at once. */
struct ob {
	int fd;
	size_t n;
	char b[2048];
};

static void put(struct ob *o, const char *s, size_t n)
{
	while (n--) {
		if (o->n == sizeof o->b) {
			(void)!write(o->fd, o->b, o->n);
			o->n = 0;
		}
		o->b[o->n++] = *s++;
	}
}

static void puts_(struct ob *o, const char *s)
{
	put(o, s, strlen(s));
}

/* Draws the line: the prompt (or the search's), the part of the entry around
 * the cursor that fits, the cursor. */
static void refresh(struct ledit *e, const char *prompt)
{
	struct winsize ws;
	struct ob o;
	char sp[192];
	int width = 80, avail, pw, w, tw = 0, cw;
	size_t off = e->start, i, n, j;

	o.fd = e->out;
	o.n = 0;
	if (ioctl(e->out, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		width = ws.ws_col;
	if (e->search) {
		snprintf(sp, sizeof sp, "(%sreverse-i-search)`%s': ", e->sfail ? "failed " : "",
		         e->q);
		prompt = sp;
	}
	pw = cols(prompt, 0, strlen(prompt));
	avail = width - 1 - pw;
	if (avail < 2)
		avail = 2;
	w = cols(e->buf, e->start, e->pos);
	while (w >= avail && off < e->pos) { /* scroll: the cursor stays in sight */
		off = ledit_next(e->buf, e->len, off, &cw);
		w -= cw;
	}
	puts_(&o, "\r");
	puts_(&o, e->bold && !e->search ? "\033[1m" : "");
	puts_(&o, prompt);
	puts_(&o, e->bold && !e->search ? "\033[0m" : "");
	for (i = off; i < e->len; i = n) {
		n = ledit_next(e->buf, e->len, i, &cw);
		if (tw + cw > avail)
			break;
		tw += cw;
		for (j = i; j < n; j++) {
			char c[2] = {'^', (char)(e->buf[j] ^ 0x40)};

			if ((unsigned char)e->buf[j] < 0x20 || e->buf[j] == 0x7F)
				put(&o, c, 2);
			else
				put(&o, e->buf + j, 1);
		}
	}
	puts_(&o, "\033[0K\r");
	if (pw + w > 0) {
		snprintf(sp, sizeof sp, "\033[%dC", pw + w);
		puts_(&o, sp);
	}
	(void)!write(o.fd, o.b, o.n);
}

int ledit_read(struct ledit *e, const char *prompt, char **line)
{
	sigset_t block, old, open_mask;
	fd_set rd;
	size_t used;
	ssize_t n;
	int k, act = LEDIT_MORE;

	e->len = e->pos = e->start = 0;
	e->buf[0] = '\0';
	e->paste = e->search = 0;
	e->hidx = e->nhist;
	set_raw(e, 1);
	/* SIGINT stays blocked from the flag test until pselect sleeps: a Ctrl-C
	 * that came as a signal (typed before the terminal went raw, or sent
	 * from elsewhere) just before the wait is not left pending until a key */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);
	open_mask = old;
	sigdelset(&open_mask, SIGINT);
	while (act == LEDIT_MORE) {
		while (act == LEDIT_MORE && (k = ledit_key(e->kb, e->kn, &used)) >= 0) {
			memmove(e->kb, e->kb + used, e->kn - used);
			e->kn -= used;
			act = ledit_feed(e, k);
			if (act == LEDIT_CLEAR) {
				(void)!write(e->out, "\033[H\033[2J", 7);
			} else if (act == LEDIT_STOP) {
				set_raw(e, 0);
				raise(SIGTSTP);
				set_raw(e, 1);
			} else if (act == LEDIT_NEWLINE) { /* the line as typed, then the next */
				e->pos = e->len;
				refresh(e, prompt);
				(void)!write(e->out, "\r\n", 2);
				e->buf[e->len - 1] = '\n';
				e->start = e->len;
				prompt = "\xe2\x80\xa6 ";
			} else {
				continue;
			}
			act = LEDIT_MORE;
		}
		if (act != LEDIT_MORE)
			break;
		refresh(e, prompt);
		if (e->intr && *e->intr) {
			act = LEDIT_INTR;
			break;
		}
		FD_ZERO(&rd);
		FD_SET(e->in, &rd);
		if (pselect(e->in + 1, &rd, NULL, NULL, NULL, &open_mask) < 0) {
			if (errno != EINTR)
				act = LEDIT_EOF;
			continue; /* the flag test above tells a Ctrl-C */
		}
		n = read(e->in, e->kb + e->kn, sizeof e->kb - e->kn);
		if (n > 0)
			e->kn += (size_t)n;
		else if (n == 0 || errno != EINTR)
			act = LEDIT_EOF;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (e->intr)
		*e->intr = 0;
	if (act != LEDIT_EOF) { /* the whole entry stays on the screen */
		e->pos = e->len;
		refresh(e, prompt);
		(void)!write(e->out, act == LEDIT_INTR ? "^C" : "\r\n", 2);
	}
	set_raw(e, 0);
	*line = e->buf;
	if (act == LEDIT_LINE)
		ledit_hist_add(e, e->buf);
	return act == LEDIT_LINE ? 1 : act == LEDIT_EOF ? 0 : -1;
}
