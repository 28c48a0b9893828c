/*
 * harness.h - the tiny unit-test harness. A test file defines test functions,
 * calls them from main() through RUN(), and ends with `return harness_done("name");`,
 * which prints "name: N passed, N failed" and returns the exit status.
 *
 * CHECK(cond, fmt, ...) records one assertion; a failure prints file:line and the
 * message and the test goes on (so one run shows every failing case).
 * harness_data(rel) gives the path of a file under tests/data (DBXAI_TESTDATA
 * overrides the folder, e.g. for qemu runs from another directory).
 * harness_guard(data, len) copies data so that its last byte sits right before a
 * PROT_NONE page: any read past the end crashes the test.
 * harness_errname(err) names an enum dbx_err value ("DBX_ERR_AUTH") for
 * messages and rendered results.
 * harness_unhex(hex, out) decodes lower-case hex (test vectors); harness_fill(p, n)
 * writes pseudo-random bytes, the same sequence on every run (xorshift64).
 */
#ifndef HARNESS_H
#define HARNESS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "err.h"

static int harness_pass, harness_fail;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (cond) {                                                                        \
			harness_pass++;                                                            \
		} else {                                                                           \
			harness_fail++;                                                            \
			fprintf(stderr, "%s:%d: FAIL: ", __FILE__, __LINE__);                      \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
		}                                                                                  \
	} while (0)

#define RUN(fn)                                                                                    \
	do {                                                                                       \
		int before_ = harness_fail;                                                        \
		fn();                                                                              \
		if (harness_fail != before_)                                                       \
			fprintf(stderr, "  in %s\n", #fn);                                         \
	} while (0)

static inline const char *harness_data(const char *rel)
{
	static char path[4096];
	const char *dir = getenv("DBXAI_TESTDATA");
	if (!dir || !*dir)
		dir = "tests/data";
	snprintf(path, sizeof path, "%s/%s", dir, rel);
	return path;
}

/* Reads a whole file into malloc'd memory (NUL-terminated, not counted in *len).
 * Returns NULL if it cannot be read. */
static inline char *harness_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;
	if (!f)
		return NULL;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			char *nb;
			cap = cap ? cap * 2 : 8192;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	buf[n] = 0;
	*len = n;
	return buf;
}

struct harness_guarded {
	unsigned char *map;
	size_t map_len;
	const unsigned char *data;
};

/* Copy len bytes to memory that ends right before an inaccessible page. */
static inline struct harness_guarded harness_guard(const void *src, size_t len)
{
	struct harness_guarded g = {0};
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t body = (len + page - 1) / page * page;
	if (body == 0)
		body = page;
	g.map_len = body + page;
	g.map = mmap(NULL, g.map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g.map == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	mprotect(g.map + body, page, PROT_NONE);
	g.data = g.map + body - len;
	if (len)
		memcpy(g.map + body - len, src, len);
	return g;
}

static inline void harness_unguard(struct harness_guarded *g)
{
	munmap(g->map, g->map_len);
	g->map = NULL;
}

#define HARNESS_ERRNAME(e) [e] = #e
static inline const char *harness_errname(int err)
{
	static const char *const names[] = {
	    HARNESS_ERRNAME(DBX_OK),
	    HARNESS_ERRNAME(DBX_ERR_INTERNAL),
	    HARNESS_ERRNAME(DBX_ERR_USAGE),
	    HARNESS_ERRNAME(DBX_ERR_IO),
	    HARNESS_ERRNAME(DBX_ERR_LIMIT),
	    HARNESS_ERRNAME(DBX_ERR_NOMEM),
	    HARNESS_ERRNAME(DBX_ERR_RESOLVE),
	    HARNESS_ERRNAME(DBX_ERR_CONNECT),
	    HARNESS_ERRNAME(DBX_ERR_TIMEOUT),
	    HARNESS_ERRNAME(DBX_ERR_NET),
	    HARNESS_ERRNAME(DBX_ERR_PROXY),
	    HARNESS_ERRNAME(DBX_ERR_TLS),
	    HARNESS_ERRNAME(DBX_ERR_TLS_VERIFY),
	    HARNESS_ERRNAME(DBX_ERR_PROTOCOL),
	    HARNESS_ERRNAME(DBX_ERR_TRUNCATED),
	    HARNESS_ERRNAME(DBX_ERR_AUTH),
	    HARNESS_ERRNAME(DBX_ERR_RATE_LIMITED),
	    HARNESS_ERRNAME(DBX_ERR_CONTEXT_LENGTH),
	    HARNESS_ERRNAME(DBX_ERR_BAD_REQUEST),
	    HARNESS_ERRNAME(DBX_ERR_SERVER),
	    HARNESS_ERRNAME(DBX_ERR_CANCELLED),
	    HARNESS_ERRNAME(DBX_ERR_MAX_TURNS),
	};
	/* a value added to the enum needs its name here */
	_Static_assert(sizeof names / sizeof names[0] == DBX_ERR__COUNT,
	               "harness_errname: one name for each enum dbx_err value");
	if (err == ERR_NEED_MORE)
		return "ERR_NEED_MORE";
	if (err == ERR_STOP)
		return "ERR_STOP";
	if (err < 0 || err >= DBX_ERR__COUNT || !names[err])
		return "DBX_ERR_(unknown)";
	return names[err];
}
#undef HARNESS_ERRNAME

static inline size_t harness_unhex(const char *s, unsigned char *out)
{
	size_t n = 0;

	for (; s[0] && s[1]; s += 2)
		out[n++] = (unsigned char)((s[0] <= '9' ? s[0] - '0' : s[0] - 'a' + 10) * 16 +
		                           (s[1] <= '9' ? s[1] - '0' : s[1] - 'a' + 10));
	return n;
}

static inline void harness_fill(unsigned char *p, size_t n)
{
	static uint64_t state = 0x9E3779B97F4A7C15ull;

	while (n--) {
		state ^= state << 13;
		state ^= state >> 7;
		state ^= state << 17;
		*p++ = (unsigned char)state;
	}
}

static inline int harness_done(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, harness_pass, harness_fail);
	return harness_fail ? 1 : 0;
}

#endif
