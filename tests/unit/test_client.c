/* test_client.c - the retry delay: backoff, cap, jitter, Retry-After. */
#include "client.h"
#include "harness.h"

static void test_backoff(void)
{
	static const struct {
		int n;
		const char *retry_after;
		long now;
		double jitter;
		long want;
	} cases[] = {
	    {1, NULL, 0, 0, 1000},
	    {2, NULL, 0, 0, 2000},
	    {3, NULL, 0, 0, 4000},
	    {7, NULL, 0, 0, 60000},   /* 64 s capped at the max */
	    {40, NULL, 0, 0, 60000},  /* no overflow however large n */
	    {1, NULL, 0, 1, 1200},    /* +20 % */
	    {1, NULL, 0, -1, 800},    /* -20 % */
	    {7, NULL, 0, 1, 60000},   /* jitter never passes the max */
	    {1, "5", 0, 0, 5000},     /* Retry-After is a floor */
	    {3, "1", 0, 0, 4000},     /* ... not a ceiling */
	    {1, "3600", 0, 0, 60000}, /* capped by the max interval */
	    {1, "soon", 0, 0, 1000},  /* unparseable: ignored */
	    {1, "-5", 0, 0, 1000},
	    {1, "5s", 0, 0, 1000},
	    /* HTTP-date, 10 s after "now" (784111767 = Sun, 06 Nov 1994 08:49:27 GMT) */
	    {1, "Sun, 06 Nov 1994 08:49:37 GMT", 784111767L, 0, 10000},
	    {1, "Sun, 06 Nov 1994 08:49:37 GMT", 784111800L, 0, 1000}, /* in the past */
	    {1, "Sun, 06 Nov 1994 08:49:37 UTC", 784111767L, 0, 1000},
	    {1, "Sun, 06 Foo 1994 08:49:37 GMT", 784111767L, 0, 1000},
	    {1, "Sunday, 06-Nov-94 08:49:37 GMT", 784111767L, 0, 1000}, /* obsolete form */
	};
	struct dbx_retry r = DBX_RETRY_DEFAULT;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		long got = client_backoff_ms(&r, cases[i].n, cases[i].retry_after, cases[i].now,
		                             cases[i].jitter);
		CHECK(got == cases[i].want, "case %zu: n=%d retry_after=%s: got %ld, want %ld", i,
		      cases[i].n, cases[i].retry_after ? cases[i].retry_after : "-", got,
		      cases[i].want);
	}
}

static void test_policy_from_env_values(void)
{
	struct dbx_retry r = {5, 100, 1.5, 500};
	CHECK(client_backoff_ms(&r, 1, NULL, 0, 0) == 100, "initial");
	CHECK(client_backoff_ms(&r, 2, NULL, 0, 0) == 150, "x1.5");
	CHECK(client_backoff_ms(&r, 3, NULL, 0, 0) == 225, "x1.5^2");
	CHECK(client_backoff_ms(&r, 6, NULL, 0, 0) == 500, "capped");
	r.initial_ms = 0;
	CHECK(client_backoff_ms(&r, 3, NULL, 0, 1) == 0, "zero interval stays zero");
}

int main(void)
{
	RUN(test_backoff);
	RUN(test_policy_from_env_values);
	return harness_done("client");
}
