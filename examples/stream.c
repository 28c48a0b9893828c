/* stream.c - stream one chat reply with libdbxai.
 *
 *   musl-gcc -static stream.c $(pkg-config --cflags --libs dbxai) -o stream
 *   DATABRICKS_HOST=https://adb-....azuredatabricks.net DATABRICKS_TOKEN=dapi... \
 *       ./stream "Why is the sky blue?"
 */
#include <dbxai.h>
#include <stdio.h>
#include <stdlib.h>

static int on_event(void *ctx, const struct dbx_event *ev)
{
	(void)ctx;
	if (ev->type == DBX_EV_TEXT) {
		fwrite(ev->text, 1, ev->text_len, stdout);
		fflush(stdout); /* show each piece as it arrives */
	}
	return 0; /* non-zero would cancel the reply */
}

int main(int argc, char **argv)
{
	char errbuf[DBX_ERRBUF_SIZE];
	struct dbx_options o = {0};
	struct dbx_chat_request rq = {0};
	struct dbx_config *cfg = NULL;
	struct dbx_client *c = NULL;
	int err;

	rq.model = getenv("DBXAI_MODEL"); /* NULL: DBX_DEFAULT_MODEL */
	rq.prompt = argc > 1 ? argv[1] : "Say hello in five words.";

	/* host, credentials, CA, proxy and retries as dbxai resolves them:
	 * DATABRICKS_* variables, then the profile of ~/.databrickscfg */
	err = dbx_config_load(&cfg, NULL, &o, errbuf);
	if (!err)
		err = dbx_client_new(&c, &o, errbuf);
	if (!err)
		err = dbx_chat(c, &rq, on_event, NULL, errbuf);
	dbx_client_free(c);
	dbx_config_free(cfg);
	if (err) {
		fprintf(stderr, "stream: %s\n", errbuf); /* always filled on error */
		return 1;
	}
	putchar('\n');
	return 0;
}
