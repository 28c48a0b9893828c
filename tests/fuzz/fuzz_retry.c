/*
 * fuzz_retry.c - libFuzzer target for Retry-After values (client_backoff_ms):
 * delta-seconds or an HTTP-date from a server. The input is the header value;
 * the retry policy, attempt number, clock and jitter are drawn from a
 * generator seeded by it. Checked: the wait is never negative and never above
 * the policy's max_ms; a Retry-After never shortens the wait the policy gives
 * without one; and plain delta-seconds N wait min(N s, max_ms) (N above a year is
 * ignored).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "dbxai.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dbx_retry r = DBX_RETRY_DEFAULT;
	char *value;
	long now, with, without;
	double jitter;
	int n;
	size_t i;

	if (size > 512)
		return 0;
	fuzz_seed(data, size);
	value = fuzz_cstr(data, size);
	r.initial_ms = (long)(fuzz_rng() % 3600001);
	r.max_ms = (long)(fuzz_rng() % 3600001);
	r.multiplier = 1.0 + (fuzz_rng() % 9901) / 100.0;
	n = 1 + (int)(fuzz_rng() % 200);
	now = fuzz_rng() % 4 ? 1700000000L : (long)fuzz_rng() * 2;
	jitter = (double)(fuzz_rng() % 2001) / 1000.0 - 1.0;

	with = client_backoff_ms(&r, n, value, now, jitter);
	without = client_backoff_ms(&r, n, NULL, now, jitter);
	REQUIRE(with >= 0 && with <= r.max_ms);
	REQUIRE(without >= 0 && without <= r.max_ms);
	REQUIRE(with >= without);
	/* plain digits (nothing else, not too long to overflow) */
	for (i = 0; i < size && value[i] >= '0' && value[i] <= '9'; i++)
		;
	if (size > 0 && i == size && size <= 9) {
		long s = strtol(value, NULL, 10);
		long want = s > r.max_ms / 1000 ? r.max_ms : s * 1000;
		/* more than a year is not believed: as if there were no header */
		if (s / 10 > 86400L * 365)
			want = -1;
		REQUIRE(with == (want > without ? want : without));
	}
	free(value);
	return 0;
}
