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
	char errbuf[DBX_ERRBUF_SIZE] = "";
	struct dbx_options o = {0};
	struct dbx_chat_request rq = {0};
	struct dbx_client *c = NULL;
	int err;

	o.host = getenv("DATABRICKS_HOST");
	o.token = getenv("DATABRICKS_TOKEN");
	o.ca_file = getenv("SSL_CERT_FILE"); /* NULL: the system bundle */
	rq.model = getenv("DBXAI_MODEL");    /* NULL: DBX_DEFAULT_MODEL */
	rq.prompt = argc > 1 ? argv[1] : "Say hello in five words.";

	err = dbx_global_init(errbuf);
	if (!err)
		err = dbx_client_new(&c, &o, errbuf);
	if (!err)
		err = dbx_chat(c, &rq, on_event, NULL, errbuf);
	dbx_client_free(c);
	if (err) {
		fprintf(stderr, "stream: %s\n", errbuf[0] ? errbuf : dbx_strerror(err));
		return 1;
	}
	putchar('\n');
	return 0;
}
