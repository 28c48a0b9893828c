/*
 * cli_models.c - `dbxai models`: the workspace's serving endpoints, one name
 * per line, or with --json one {"name":..,"task":..|null,"ready":true|false}
 * per line. A name with control characters (the API allows none) is printed with
 * '?' in their place, so one line stays one endpoint. --task chat|embeddings:
 * only the endpoints of that task.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "jsonw.h"

struct models_out {
	struct cli_out out;
	int json;
	const char *task; /* --task: "llm/v1/chat" or "llm/v1/embeddings", or NULL */
};

static int put_model(void *ctx, const struct dbx_model *m)
{
	struct models_out *o = ctx;
	size_t len = strlen(m->name), i, n;
	char *line;
	int rc = 1;

	if (o->task && strcmp(m->task, o->task) != 0)
		return 0;
	/* a JSON string takes at most 6 bytes per input byte */
	n = 6 * (len + strlen(m->task)) + 64;
	line = malloc(n);
	if (!line)
		goto out;
	if (o->json) {
		struct json_w w;
		json_w_init(&w, line, n - 1);
		json_w_obj(&w);
		json_w_key(&w, "name");
		json_w_str(&w, m->name);
		json_w_key(&w, "task");
		if (m->task[0])
			json_w_str(&w, m->task);
		else
			json_w_null(&w); /* the endpoint names no task */
		json_w_key(&w, "ready");
		json_w_bool(&w, m->ready != 0);
		json_w_obj_end(&w);
		if (json_w_finish(&w, &len) != DBX_OK)
			goto out;
	} else {
		for (i = 0; i < len; i++) {
			unsigned char ch = (unsigned char)m->name[i];
			line[i] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
		}
	}
	line[len++] = '\n';
	rc = cli_write(&o->out, line, len);
out:
	free(line);
	return rc;
}

int cli_models(const struct cli_globals *g0, int argc, char **argv)
{
	struct cli_globals g = *g0;
	struct models_out o = {CLI_OUT_INIT, 0, NULL};
	const char *v;
	struct dbx_config *cfg = NULL;
	struct dbx_client *client = NULL;
	char errbuf[DBX_ERRBUF_SIZE] = "";
	int i, r, rc, err;

	for (i = 0; i < argc; i++) {
		r = cli_global_option(argc, argv, &i, &g);
		if (r >= 100)
			return r - 100;
		if (r)
			continue;
		r = cli_opt_value(argc, argv, &i, "--task", NULL, &v);
		if (r < 0 || (r > 0 && strcmp(v, "chat") != 0 && strcmp(v, "embeddings") != 0))
			return cli_usage_error("models --task: say chat or embeddings");
		if (r) {
			o.task = *v == 'c' ? "llm/v1/chat" : "llm/v1/embeddings";
			continue;
		}
		return cli_usage_error("models: unexpected argument '%.40s' (see dbxai help)",
		                       argv[i]);
	}
	o.json = g.json;
	rc = cli_open_client(&g, &cfg, &client);
	if (rc)
		goto out;
	err = dbx_list_models(client, put_model, &o, errbuf);
	if (err == DBX_ERR_CANCELLED && !o.out.failed) {
		err = DBX_ERR_NOMEM; /* put_model stops only for stdout or memory */
		errbuf[0] = '\0';
	}
	rc = cli_finish(&o.out, err && !o.out.failed ? cli_fail(err, errbuf) : 0);
out:
	dbx_client_free(client);
	dbx_config_free(cfg);
	return rc;
}
