/* test_ledit.c - the pure parts of the chat -i line editor: character widths,
 * stepping over characters, key decoding (whole, one byte at a time, at a
 * guard page), and the edits each key makes, history and Ctrl-R included. */
#include <string.h>

#include "harness.h"
#include "ledit.h"

static char buf[LEDIT_MAX + 1];
static struct ledit ed;

/* ledit_key and ledit_next on input that ends at a guard page */
static int key_guarded(const char *s, size_t n, size_t *used)
{
	struct harness_guarded g = harness_guard(s, n);
	int k = ledit_key(g.data, n, used);

	harness_unguard(&g);
	return k;
}

static size_t next_guarded(const char *s, size_t n, int *w)
{
	struct harness_guarded g = harness_guard(s, n);
	size_t end = ledit_next((const char *)g.data, n, 0, w);

	harness_unguard(&g);
	return end;
}

static void test_width(void)
{
	static const struct {
		unsigned cp;
		int w;
	} t[] = {{'a', 1},     {'~', 1},    {0xE9, 1},     {0x4E2D, 2},  {0x3042, 2},
	         {0xAC00, 2},  {0xFF21, 2}, {0x1F600, 2},  {0x1F680, 2}, {0x2705, 2},
	         {0x20000, 2}, {0x0301, 0}, {0x200D, 0},   {0xFE0F, 0},  {0xE0100, 0},
	         {0x1F3FB, 0}, {0x2764, 1}, {0x2026, 1},   {0x3000, 2},  {'\t', 2},
	         {0x1B, 2},    {0x7F, 2},   {0x10FFFF, 1}, {0xD7A3, 2},  {0xD7A4, 1}};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		CHECK(ledit_width(t[i].cp) == t[i].w, "U+%04X: %d, want %d", t[i].cp,
		      ledit_width(t[i].cp), t[i].w);
}

static void test_next(void)
{
	static const struct {
		const char *s;
		size_t end;
		int w;
	} t[] = {
	    {"ab", 1, 1},
	    {"\xe4\xb8\xad"
	     "a",
	     3, 2},                                                   /* 中 */
	    {"e\xcc\x81x", 3, 1},                                     /* e + combining acute */
	    {"\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb!", 11, 2}, /* woman ZWJ laptop */
	    {"\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd", 8, 2},               /* thumbs up, skin tone */
	    {"\xff"
	     "a",
	     1, 1},             /* not UTF-8 */
	    {"\xe4\xb8", 1, 1}, /* cut short */
	    {"\x01z", 1, 2},    /* ^A */
	};
	size_t i, end;
	int w;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		end = next_guarded(t[i].s, strlen(t[i].s), &w);
		CHECK(end == t[i].end && w == t[i].w, "case %zu: end %zu width %d", i, end, w);
	}
}

static void test_keys(void)
{
	static const struct {
		const char *s;
		int key;
		size_t used;
	} t[] = {
	    {"a", 'a', 1},
	    {"\r", '\r', 1},
	    {"\x7f", 0x7F, 1},
	    {"\xe4", 0xE4, 1},
	    {"\x1b[A", LEDIT_K_UP, 3},
	    {"\x1b[B", LEDIT_K_DOWN, 3},
	    {"\x1b[C", LEDIT_K_RIGHT, 3},
	    {"\x1b[D", LEDIT_K_LEFT, 3},
	    {"\x1bOA", LEDIT_K_UP, 3},
	    {"\x1b[H", LEDIT_K_HOME, 3},
	    {"\x1b[F", LEDIT_K_END, 3},
	    {"\x1bOH", LEDIT_K_HOME, 3},
	    {"\x1b[1~", LEDIT_K_HOME, 4},
	    {"\x1b[7~", LEDIT_K_HOME, 4},
	    {"\x1b[4~", LEDIT_K_END, 4},
	    {"\x1b[8~", LEDIT_K_END, 4},
	    {"\x1b[3~", LEDIT_K_DEL, 4},
	    {"\x1b[200~", LEDIT_K_PASTE, 6},
	    {"\x1b[201~", LEDIT_K_PASTE_END, 6},
	    {"\x1b[1;5C", LEDIT_K_RIGHT, 6},
	    {"\x1b[3;5~", LEDIT_K_NONE, 6},
	    {"\x1b[15~", LEDIT_K_NONE, 5},
	    {"\x1bx", LEDIT_K_NONE, 2},
	};
	size_t i, k, used;
	int key;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		size_t n = strlen(t[i].s);

		key = key_guarded(t[i].s, n, &used);
		CHECK(key == t[i].key && used == t[i].used, "%zu: key %#x used %zu", i, key, used);
		for (k = 1; k < n; k++) { /* every prefix of a sequence asks for more */
			key = key_guarded(t[i].s, k, &used);
			CHECK(key == -1, "%zu: prefix %zu gave %#x", i, k, key);
		}
	}
	CHECK(key_guarded("", 0, &used) == -1, "nothing");
	/* an escape sequence that never ends is dropped, not waited for */
	{
		char seq[40];

		memset(seq, '1', sizeof seq);
		seq[0] = 27;
		seq[1] = '[';
		key = key_guarded(seq, sizeof seq, &used);
		CHECK(key == LEDIT_K_NONE && used == sizeof seq, "endless: %#x %zu", key, used);
	}
}

static void fresh(void)
{
	ed.buf = buf;
	ed.len = ed.pos = ed.start = 0;
	ed.paste = ed.search = 0;
	ed.hidx = ed.nhist;
	buf[0] = '\0';
}

/* Feeds the keys in s; the action of the last one. */
static int feed(const char *s)
{
	size_t n = strlen(s), used;
	int k, act = LEDIT_MORE;

	while (n) {
		k = ledit_key((const unsigned char *)s, n, &used);
		if (k < 0)
			break;
		act = ledit_feed(&ed, k);
		s += used;
		n -= used;
	}
	return act;
}

#define LEFT "\x1b[D"
#define RIGHT "\x1b[C"
#define UP "\x1b[A"
#define DOWN "\x1b[B"

static void test_edits(void)
{
	static const struct {
		const char *keys;
		const char *want;
		size_t pos;
		int act;
	} t[] = {
	    {"abc", "abc", 3, LEDIT_MORE},
	    {"abc" LEFT LEFT "X", "aXbc", 2, LEDIT_MORE},
	    {"abc" LEFT LEFT LEFT LEFT "X", "Xabc", 1, LEDIT_MORE},
	    {"abc" RIGHT, "abc", 3, LEDIT_MORE},
	    {"abc\x01X", "Xabc", 1, LEDIT_MORE},
	    {"abc\x01\x05X", "abcX", 4, LEDIT_MORE},
	    {"abc\x1b[HX\x1b[FY", "XabcY", 5, LEDIT_MORE},
	    {"abc\x1b[1~X\x1b[4~Y", "XabcY", 5, LEDIT_MORE},
	    {"abc\x02\x02\x06", "abc", 2, LEDIT_MORE},
	    {"abc\x7f", "ab", 2, LEDIT_MORE},
	    {"abc\x08\x08", "a", 1, LEDIT_MORE},
	    {"abc\x01\x7f", "abc", 0, LEDIT_MORE},
	    {"abc\x01\x1b[3~", "bc", 0, LEDIT_MORE},
	    {"abc\x1b[3~", "abc", 3, LEDIT_MORE},
	    {"abc\x01\x04", "bc", 0, LEDIT_MORE},
	    {"abc def" LEFT LEFT "\x0b", "abc d", 5, LEDIT_MORE},
	    {"abc def" LEFT LEFT "\x15", "ef", 0, LEDIT_MORE},
	    {"abc def  \x17", "abc ", 4, LEDIT_MORE},
	    {"abc def\x17\x17", "", 0, LEDIT_MORE},
	    {"\xe4\xb8\xad\xe6\x96\x87" LEFT "\x7f", "\xe6\x96\x87", 0, LEDIT_MORE},
	    {"\xe4\xb8\xad\xe6\x96\x87" LEFT "x", "\xe4\xb8\xadx\xe6\x96\x87", 4, LEDIT_MORE},
	    {"e\xcc\x81x" LEFT LEFT, "e\xcc\x81x", 0, LEDIT_MORE},
	    {"e\xcc\x81x" LEFT "\x7f", "x", 0, LEDIT_MORE},
	    {"\xf0\x9f\x98\x80" LEFT "\x1b[3~", "", 0, LEDIT_MORE},
	    {"a\tb", "a\tb", 3, LEDIT_MORE},
	    {"a\x1bxb", "ab", 2, LEDIT_MORE}, /* Alt-x takes the x */
	    {"\x04", "", 0, LEDIT_EOF},
	    {"\0", "", 0, LEDIT_MORE}, /* (the caller stops at the NUL) */
	    {"ab\x03", "ab", 2, LEDIT_INTR},
	    {"ab\x0c", "ab", 2, LEDIT_CLEAR},
	    {"ab\x1a", "ab", 2, LEDIT_STOP},
	    {"ab\r", "ab", 2, LEDIT_LINE},
	    {"ab\n", "ab", 2, LEDIT_LINE},
	    {"ab\\\r", "ab\\", 3, LEDIT_NEWLINE},
	    {"a\x1b[200~x\r\ny\rz\n\tw\x1b[201~", "ax\ny\nz\n\tw", 9, LEDIT_MORE},
	    {"\x1b[200~a\\\r\x1b[201~", "a\\\n", 3, LEDIT_MORE},
	    {"\x1b[200~a\x04\x1b[A\x03", "a", 1, LEDIT_INTR}, /* no end: Ctrl-C leaves */
	};
	size_t i;
	int act;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		fresh();
		act = feed(t[i].keys);
		CHECK(strcmp(buf, t[i].want) == 0 && ed.len == strlen(t[i].want) &&
		          ed.pos == t[i].pos && act == t[i].act,
		      "%zu: %s | pos %zu act %d", i, buf, ed.pos, act);
	}
	fresh();
	CHECK(ledit_feed(&ed, 0) == LEDIT_EOF, "NUL on an empty entry: a Ctrl-D typed ahead");
	/* the line after a '\' is edited alone */
	fresh();
	feed("ab\\"); /* what ledit_read does after LEDIT_NEWLINE */
	buf[ed.len - 1] = '\n';
	ed.start = ed.pos = ed.len;
	feed("cd\x01X\x15Y\x7f\x7f");
	CHECK(strcmp(buf, "ab\ncd") == 0 && ed.pos == 3, "continued: %s %zu", buf, ed.pos);
	CHECK(feed("\x04") == LEDIT_MORE, "Ctrl-D after earlier lines is no end of input");
	/* full */
	fresh();
	memset(buf, 'a', LEDIT_MAX);
	ed.len = ed.pos = LEDIT_MAX;
	buf[LEDIT_MAX] = '\0';
	feed("b");
	CHECK(ed.len == LEDIT_MAX && buf[LEDIT_MAX - 1] == 'a', "full");
}

static void clear_hist(void)
{
	int i;

	for (i = 0; i < ed.nhist; i++)
		free(ed.hist[i]);
	ed.nhist = 0;
	free(ed.saved);
	ed.saved = NULL;
	ed.path[0] = '\0';
}

static void test_history(void)
{
	char s[32];
	int i;

	clear_hist();
	ledit_hist_add(&ed, "one");
	ledit_hist_add(&ed, "two");
	ledit_hist_add(&ed, "two");  /* the same again: once */
	ledit_hist_add(&ed, " \t "); /* blank: not kept */
	ledit_hist_add(&ed, "");
	ledit_hist_add(&ed, "th\nree");
	CHECK(ed.nhist == 3, "%d entries", ed.nhist);
	fresh();
	feed("new");
	feed(UP);
	CHECK(strcmp(buf, "th\nree") == 0 && ed.pos == 6, "up: %s", buf);
	feed(UP UP UP UP);
	CHECK(strcmp(buf, "one") == 0, "oldest: %s", buf);
	feed("\x0e");
	CHECK(strcmp(buf, "two") == 0, "Ctrl-N: %s", buf);
	feed(DOWN DOWN DOWN);
	CHECK(strcmp(buf, "new") == 0 && ed.pos == 3, "back to the new entry: %s", buf);
	feed("\x10");
	CHECK(strcmp(buf, "th\nree") == 0, "Ctrl-P: %s", buf);
	/* history under a continued line replaces that line only */
	fresh();
	feed("ab\\"); /* what ledit_read does after LEDIT_NEWLINE */
	buf[ed.len - 1] = '\n';
	ed.start = ed.pos = ed.len;
	feed(UP);
	CHECK(strcmp(buf, "ab\nth\nree") == 0, "continued: %s", buf);

	clear_hist();
	for (i = 0; i < LEDIT_HIST_MAX + 5; i++) {
		snprintf(s, sizeof s, "entry %d", i);
		ledit_hist_add(&ed, s);
	}
	CHECK(ed.nhist == LEDIT_HIST_MAX, "capped at %d", ed.nhist);
	CHECK(strcmp(ed.hist[0], "entry 5") == 0, "oldest dropped: %s", ed.hist[0]);
	CHECK(strcmp(ed.hist[LEDIT_HIST_MAX - 1], "entry 1004") == 0, "newest kept");
}

static void test_search(void)
{
	clear_hist();
	ledit_hist_add(&ed, "alpha one");
	ledit_hist_add(&ed, "beta two");
	ledit_hist_add(&ed, "say alpha three");
	fresh();
	feed("x\x12"
	     "alp");
	CHECK(ed.search && strcmp(buf, "say alpha three") == 0 && ed.pos == 4, "found: %s %zu", buf,
	      ed.pos);
	feed("\x12");
	CHECK(strcmp(buf, "alpha one") == 0 && ed.pos == 0 && !ed.sfail, "older: %s", buf);
	feed("\x12");
	CHECK(strcmp(buf, "alpha one") == 0 && ed.sfail, "no older: %s", buf);
	feed("\x7f\x7f\x7f"); /* the query emptied: from the newest again */
	CHECK(ed.qlen == 0 && strcmp(buf, "say alpha three") == 0, "emptied: %s", buf);
	feed("two");
	CHECK(strcmp(buf, "beta two") == 0 && ed.pos == 5, "two: %s", buf);
	feed("zz");
	CHECK(strcmp(buf, "beta two") == 0 && ed.sfail, "failing: %s", buf);
	feed("\x07"); /* Ctrl-G: back to what was typed */
	CHECK(!ed.search && strcmp(buf, "x") == 0, "given up: %s", buf);

	fresh();
	feed("\x12two" RIGHT);
	CHECK(!ed.search && strcmp(buf, "beta two") == 0 && ed.pos == 6, "taken: %s %zu", buf,
	      ed.pos);
	feed(UP); /* the history goes on from the entry found */
	CHECK(strcmp(buf, "alpha one") == 0, "up from it: %s", buf);
	fresh();
	CHECK(feed("\x12"
	           "beta\r") == LEDIT_LINE &&
	          strcmp(buf, "beta two") == 0,
	      "enter");
	fresh();
	CHECK(feed("\x12"
	           "beta\x03") == LEDIT_INTR,
	      "Ctrl-C in a search");
	fresh();
	feed("\x12\xc3\xa9\x7f"); /* a character of two bytes goes whole */
	CHECK(ed.qlen == 0, "qlen %zu", ed.qlen);
	clear_hist();
}

int main(void)
{
	RUN(test_width);
	RUN(test_next);
	RUN(test_keys);
	RUN(test_edits);
	RUN(test_history);
	RUN(test_search);
	return harness_done("ledit");
}
