/*
 * fuzz_common.h - what the libFuzzer targets in tests/fuzz/ share: REQUIRE (a
 * broken invariant aborts, so libFuzzer keeps the input), an FNV-1a digest and
 * a small generator seeded from the input (chunk sizes, choices), so a crash
 * reproduces from the input alone.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                                                 \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #c);                    \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define FUZZ_FNV_BASIS 0xcbf29ce484222325ull

/* Mixes s[0..n) and n itself (so field boundaries count) into *h. */
static inline void fuzz_mix(uint64_t *h, const void *s, size_t n)
{
	const unsigned char *b = s;
	size_t k;

	for (k = 0; k < n; k++) {
		*h ^= b[k];
		*h *= 0x100000001b3ull;
	}
	for (k = 0; k < sizeof n; k++) {
		*h ^= (unsigned char)(n >> (8 * k));
		*h *= 0x100000001b3ull;
	}
}

/* Bytes only: pieces joined digest the same as the whole. */
static inline void fuzz_mix_bytes(uint64_t *h, const void *s, size_t n)
{
	const unsigned char *b = s;
	size_t k;

	for (k = 0; k < n; k++) {
		*h ^= b[k];
		*h *= 0x100000001b3ull;
	}
}

static inline void fuzz_mix_str(uint64_t *h, const char *s)
{
	fuzz_mix(h, s ? s : "(null)", s ? strlen(s) + 1 : 6);
}

static inline void fuzz_mix_int(uint64_t *h, long long v)
{
	fuzz_mix(h, &v, sizeof v);
}

static uint64_t fuzz_rng_state;

static inline void fuzz_seed(const uint8_t *data, size_t size)
{
	fuzz_rng_state = 0x9e3779b97f4a7c15ull;
	fuzz_mix(&fuzz_rng_state, data, size);
}

static inline uint32_t fuzz_rng(void)
{
	fuzz_rng_state = fuzz_rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(fuzz_rng_state >> 33);
}

/* data[0..size) as a NUL-terminated heap string (NUL bytes inside stay, so a C
 * string view ends at the first one). The caller frees it. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	REQUIRE(s != NULL);
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Splits data at the first n-1 '\n' bytes into n NUL-terminated lines in one
 * heap block (*block, freed by the caller); missing lines are "". */
static inline void fuzz_lines(const uint8_t *data, size_t size, char **lines, int n, char **block)
{
	char *s = fuzz_cstr(data, size), *p = s;
	int i;

	for (i = 0; i < n; i++) {
		char *nl = i + 1 < n ? memchr(p, '\n', (size_t)(s + size - p)) : NULL;
		lines[i] = p;
		if (nl) {
			*nl = '\0';
			p = nl + 1;
		} else {
			p = s + size; /* the rest are "" */
		}
	}
	*block = s;
}

#endif
