/*
 * ledit.h - the line editor of `dbxai chat -i` (the model is linenoise: one
 * line redrawn whole, scrolled sideways when it is wider than the terminal).
 *
 * Keys: Left/Right, Home/End, Ctrl-A/E/B/F, Backspace, Delete, Ctrl-D (on an
 * empty entry: the end of input), Ctrl-K/U/W, Ctrl-L, Up/Down and Ctrl-P/N
 * through the history, Ctrl-R reverse incremental search (Ctrl-G gives up),
 * Ctrl-Z, Ctrl-C (the entry is dropped). A bracketed paste is inserted whole,
 * newlines included; Enter on a line ending in '\' goes on to another line of
 * the same entry (the '\' becomes a newline). The cursor steps over whole
 * characters: UTF-8, wide ones (CJK, emoji) two columns, combining marks none.
 *
 * History: $XDG_STATE_HOME/dbxai/history, else ~/.local/state/dbxai/history,
 * one entry a line ('\' and newline escaped as \\ and \n), at most
 * LEDIT_HIST_MAX entries (the oldest dropped), rewritten through the private
 * file writer (mode 0600) after each entry; directories made 0700.
 * DBXAI_HISTORY=0 turns it off; a directory that cannot be made or written
 * turns it off too (a note under -v), never an error.
 *
 * The terminal is raw only inside ledit_read(), which calls nothing that
 * exits; it is restored before it returns and on SIGTERM/SIGHUP/SIGQUIT (then
 * the signal goes on), so a reply always streams to a terminal in its usual
 * mode (where Ctrl-C raises SIGINT), and a shell gets its terminal back.
 *
 * The pure parts (ledit_width, ledit_next, ledit_key, ledit_feed,
 * ledit_hist_add) need no terminal: a zero-filled struct ledit whose buf
 * points to LEDIT_MAX + 1 bytes is ready for them.
 */
#ifndef LEDIT_H
#define LEDIT_H

#include <signal.h>
#include <stddef.h>
#include <termios.h>

#define LEDIT_MAX 65536     /* longest entry, bytes */
#define LEDIT_HIST_MAX 1000 /* entries kept */

/* Keys beyond the bytes 0..255 (ledit_key). */
enum {
	LEDIT_K_UP = 0x100,
	LEDIT_K_DOWN,
	LEDIT_K_RIGHT,
	LEDIT_K_LEFT,
	LEDIT_K_HOME,
	LEDIT_K_END,
	LEDIT_K_DEL,
	LEDIT_K_PASTE,     /* ESC[200~ */
	LEDIT_K_PASTE_END, /* ESC[201~ */
	LEDIT_K_NONE       /* a sequence we do not use */
};

/* What a key asks of the caller (ledit_feed): nothing more; the entry is
 * done (Enter); the end of input; Ctrl-C; clear the screen; suspend (Ctrl-Z);
 * Enter on a line ending in '\' (the caller makes the '\' a newline and the
 * next line starts there: start = len). */
enum { LEDIT_MORE, LEDIT_LINE, LEDIT_EOF, LEDIT_INTR, LEDIT_CLEAR, LEDIT_STOP, LEDIT_NEWLINE };

struct ledit {
	/* the entry: buf[0..len) (heap from ledit_open, LEDIT_MAX + 1 bytes),
	 * cursor at pos; the lines before start were ended by '\' */
	char *buf;
	size_t len, pos, start;
	int paste;                  /* inside a bracketed paste */
	int search;                 /* in a Ctrl-R search */
	int sfail;                  /* the query matches nothing */
	int sidx;                   /* the entry the search shows (nhist: none) */
	char q[128];                /* the search query */
	size_t qlen;                /* (q is NUL-terminated) */
	int hidx;                   /* the history entry shown (nhist: the new entry) */
	char *saved;                /* the new entry while the history is shown (heap) */
	char *hist[LEDIT_HIST_MAX]; /* oldest first (heap) */
	int nhist;
	char path[4096]; /* the history file, "" when none is kept */
	/* the rest belongs to ledit_open/ledit_read */
	int in, out, bold, verbose, raw;
	volatile sig_atomic_t *intr; /* set by a SIGINT handler: read() ends as Ctrl-C */
	struct termios orig;
	unsigned char kb[4096]; /* bytes read and not yet decoded */
	size_t kn;
};

/* Columns of code point cp on a terminal: 0 (combining marks, zero width
 * spaces, variation selectors), 2 (East Asian Wide/Fullwidth, emoji, and
 * the controls, shown as ^X) or 1. */
int ledit_width(unsigned cp);

/* The end of the character at s[i] (i < len) with its combining marks and
 * anything joined to it by U+200D, and its columns in *w. */
size_t ledit_next(const char *s, size_t len, size_t i, int *w);

/* The key at s[0..n): a byte (UTF-8 bytes one by one) or LEDIT_K_*, *used
 * bytes long; -1 when the escape sequence needs more bytes. */
int ledit_key(const unsigned char *s, size_t n, size_t *used);

/* Applies key k to the entry; returns LEDIT_*. */
int ledit_feed(struct ledit *e, int k);

/* Appends s to the history (not an empty or blank one, nor the same as the
 * last) and rewrites the file when there is one. */
void ledit_hist_add(struct ledit *e, const char *s);

/* 1 when stdin is a terminal that can be edited (TERM not dumb, a terminal on
 * stderr or stdout to draw on): e is ready and the history loaded; else 0 and
 * the caller reads plain lines. intr may be NULL. */
int ledit_open(struct ledit *e, int bold, int verbose, volatile sig_atomic_t *intr);

/* Reads an entry after prompt (plain text): 1 with *line (e->buf, NUL
 * terminated, valid until the next call) and the entry put in the history, 0
 * at the end of input (Ctrl-D on an empty entry), -1 after Ctrl-C. */
int ledit_read(struct ledit *e, const char *prompt, char **line);

void ledit_close(struct ledit *e);

#endif
