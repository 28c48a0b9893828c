/*
 * provider.h - one chat turn against Databricks Model Serving (dbx_chat): the
 * wire format (as asked, or learned from the endpoint's metadata once per model
 * and client), the fast-model fallback, the stream_options retry, the reply
 * streamed to the caller as it arrives, and the transcript. Prints nothing.
 *
 * Rules: return convention of err.h. Retries and the fallback happen only
 * before the first event reached the caller; a failure after it is final.
 */
#ifndef PROVIDER_H
#define PROVIDER_H

#include "err.h"
#include "url.h"

struct client;

/* What the turns of one client share. Zero-fill, then set client. */
struct provider {
	struct client *client; /* borrowed */
	/* The last endpoint whose metadata was read to choose its wire format,
	 * so that a conversation asks once per model. */
	char api_model[URL_NAME_MAX + 1];
	int api_kind; /* its enum dbx_api_kind */
};

int provider_chat(struct provider *p, const struct dbx_chat_request *rq, dbx_event_fn cb, void *ctx,
                  char *errbuf);

#endif
