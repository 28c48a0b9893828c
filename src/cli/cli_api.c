/* cli_api.c - `dbxai api METHOD PATH_OR_URL [--data JSON|@FILE]`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int api_write(void *ctx, const char *data, size_t len)
{
	return cli_write(ctx, data, len);
}

int cli_api(const struct cli_globals *g0, int argc, char **argv)
{
	struct cli_globals g = *g0;
	struct dbx_config *cfg = NULL;
	struct dbx_client *client = NULL;
	struct cli_out out = CLI_OUT_INIT;
	const char *method = NULL, *path = NULL, *data = NULL;
	char *body = NULL;
	size_t body_len = 0;
	char errbuf[DBX_ERRBUF_SIZE] = "";
	int i, r, err, status = 0, rc;
	char m[16];

	for (i = 0; i < argc; i++) {
		const char *v;
		r = cli_global_option(argc, argv, &i, &g);
		if (r >= 100)
			return r - 100;
		if (r)
			continue;
		r = cli_opt_value(argc, argv, &i, "--data", "-d", &v);
		if (r < 0)
			return cli_usage_error("--data needs a value: JSON text or @FILE");
		if (r > 0) {
			data = v;
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1] != '\0')
			return cli_usage_error("api: unknown option '%.40s' (see dbxai help api)",
			                       argv[i]);
		if (!method)
			method = argv[i];
		else if (!path)
			path = argv[i];
		else
			return cli_usage_error("api: unexpected argument '%.40s'", argv[i]);
	}
	if (!method || !path)
		return cli_usage_error("api needs METHOD and PATH, e.g. dbxai api GET "
		                       "/api/2.0/serving-endpoints");
	for (i = 0; method[i] && i < (int)sizeof m - 1; i++) {
		char ch = method[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')))
			return cli_usage_error(
			    "api: '%.20s' is not an HTTP method (GET, POST, PUT, "
			    "PATCH, DELETE)",
			    method);
		m[i] = (char)(ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch);
	}
	if (method[i])
		return cli_usage_error("api: '%.20s' is not an HTTP method", method);
	m[i] = '\0';
	if (data && data[0] == '@') {
		err = cli_read_file(data + 1, &body, &body_len, errbuf);
		if (err)
			return cli_fail(err, errbuf);
	} else if (data) {
		body_len = strlen(data);
		body = malloc(body_len + 1);
		if (!body)
			return cli_fail(DBX_ERR_NOMEM, NULL);
		memcpy(body, data, body_len + 1);
	}
	rc = cli_open_client(&g, &cfg, &client);
	if (rc)
		goto out;
	err = dbx_api(client, m, path, body, body_len, api_write, &out, &status, errbuf);
	if (out.last >= 0 && out.last != '\n')
		cli_write(&out, "\n", 1);
	rc = cli_finish(&out, err && !out.failed ? cli_fail(err, errbuf) : 0);
out:
	dbx_client_free(client);
	dbx_config_free(cfg);
	free(body);
	return rc;
}
