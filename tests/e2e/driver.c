/*
 * driver.c - a small program on the public library API, for the end-to-end
 * tests: N GET requests through one client (so one kept-alive connection).
 *
 *   e2e_driver HOST_URL CA_FILE PATH N
 *
 * The token comes from DATABRICKS_TOKEN. Prints one line per request with the
 * status and body size; exits 0 when every request succeeded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbxai.h"

static int count_bytes(void *ctx, const char *data, size_t len)
{
	(void)data;
	*(size_t *)ctx += len;
	return 0;
}

int main(int argc, char **argv)
{
	struct dbx_options o = {0};
	struct dbx_client *c = NULL;
	char errbuf[DBX_ERRBUF_SIZE] = "";
	long i, n;
	int err;

	if (argc != 5) {
		fprintf(stderr, "usage: e2e_driver HOST_URL CA_FILE PATH N\n");
		return 2;
	}
	n = strtol(argv[4], NULL, 10);
	o.host = argv[1];
	o.ca_file = argv[2];
	o.token = getenv("DATABRICKS_TOKEN");
	err = dbx_global_init(errbuf);
	if (!err)
		err = dbx_client_new(&c, &o, errbuf);
	if (err) {
		fprintf(stderr, "e2e_driver: %s\n", errbuf);
		return 1;
	}
	for (i = 0; i < n; i++) {
		size_t bytes = 0;
		int status = 0;
		err = dbx_api(c, "GET", argv[3], NULL, 0, count_bytes, &bytes, &status, errbuf);
		printf("%ld %d %zu\n", i, status, bytes);
		if (err) {
			fprintf(stderr, "e2e_driver: request %ld: %s\n", i, errbuf);
			break;
		}
	}
	dbx_client_free(c);
	return err ? 1 : 0;
}
