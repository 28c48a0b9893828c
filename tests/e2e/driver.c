/*
 * driver.c - a small program on the public library API, for the end-to-end
 * tests: N GET requests through one client (so one kept-alive connection).
 *
 *   e2e_driver HOST_URL CA_FILE PATH N
 *
 * The token comes from DATABRICKS_TOKEN. Prints one line per request with the
 * status and body size, then "resources FDS_AT_10 FDS_AT_END RSS_AT_10 RSS_AT_END"
 * (open descriptors, resident KiB) so a soak test can see growth; exits 0 when
 * every request succeeded.
 */
#include <dirent.h>
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

static long open_fds(void)
{
	long n = 0;
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static long rss_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, "VmRSS:", 6) == 0)
			kib = strtol(line + 6, NULL, 10);
	fclose(f);
	return kib;
}

int main(int argc, char **argv)
{
	struct dbx_options o = {0};
	struct dbx_client *c = NULL;
	char errbuf[DBX_ERRBUF_SIZE] = "";
	long i, n, fds10 = -1, rss10 = -1;
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
		if (i == 9 || (n < 10 && i == 0)) {
			fds10 = open_fds();
			rss10 = rss_kib();
		}
		if (err) {
			fprintf(stderr, "e2e_driver: request %ld: %s\n", i, errbuf);
			break;
		}
	}
	printf("resources %ld %ld %ld %ld\n", fds10, open_fds(), rss10, rss_kib());
	dbx_client_free(c);
	return err ? 1 : 0;
}
