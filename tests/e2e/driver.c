/*
 * driver.c - a small program on the public library API, for the end-to-end
 * tests: N GET requests through one client (so one kept-alive connection).
 *
 *   e2e_driver HOST_URL CA_FILE PATH N
 *   e2e_driver HOST_URL CA_FILE embed values|text TEXT...
 *
 * The token comes from DATABRICKS_TOKEN. Prints one line per request with the
 * status and body size, then "resources FDS_AT_10 FDS_AT_END RSS_AT_10 RSS_AT_END"
 * (open descriptors, resident KiB) so a soak test can see growth; exits 0 when
 * every request succeeded. With embed: dbx_embed over the TEXTs, with doubles
 * (values) or text_only (text), one line per vector: "INDEX DIM VALUES TEXT",
 * VALUES the doubles as %.17g joined by ',' ("-" when the callback got none).
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

static int print_vector(void *ctx, size_t index, const double *values, size_t dim, const char *json,
                        size_t json_len)
{
	size_t i;

	(void)ctx;
	printf("%zu %zu ", index, dim);
	if (!values)
		putchar('-');
	for (i = 0; values && i < dim; i++)
		printf("%s%.17g", i ? "," : "", values[i]);
	printf(" %.*s\n", (int)json_len, json);
	return 0;
}

static int embed(struct dbx_client *c, int text_only, char **texts, int n)
{
	struct dbx_embed_request rq = {0};
	char errbuf[DBX_ERRBUF_SIZE] = "";
	int err;

	rq.inputs = (const char *const *)texts;
	rq.count = (size_t)n;
	rq.text_only = text_only;
	err = dbx_embed(c, &rq, print_vector, NULL, errbuf);
	if (err)
		fprintf(stderr, "e2e_driver: embed: %s\n", errbuf);
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct dbx_options o = {0};
	struct dbx_client *c = NULL;
	char errbuf[DBX_ERRBUF_SIZE] = "";
	long i, n, fds10 = -1, rss10 = -1;
	int err;

	int embedding = argc >= 5 && strcmp(argv[3], "embed") == 0;

	if (argc != 5 && !embedding) {
		fprintf(stderr, "usage: e2e_driver HOST_URL CA_FILE PATH N\n"
		                "       e2e_driver HOST_URL CA_FILE embed values|text TEXT...\n");
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
	if (embedding) {
		err = embed(c, strcmp(argv[4], "text") == 0, argv + 5, argc - 5);
		dbx_client_free(c);
		return err;
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
