/*
 * provider.h - what is specific to Databricks Model Serving: error mapping
 * today; URL routing, request bodies, stream decoding, retries and the
 * fast-model fallback as the provider grows. Prints nothing.
 *
 * Rules: functions return enum dbx_err; messages go to errbuf
 * (char[DBX_ERRBUF_SIZE]) as one line, with any text from the server cleaned of
 * control characters and cut to a readable length.
 */
#ifndef PROVIDER_H
#define PROVIDER_H

#include <stddef.h>

/* Longest part of a server's error text repeated in a message. */
#define PROVIDER_ERRTEXT_MAX 160

/*
 * Maps a non-2xx response (status and its collected body, which may be cut) to
 * an error code and a one-line message naming the status, the error_code and
 * the server's message, plus what to do:
 *   401, 403                         DBX_ERR_AUTH
 *   429                              DBX_ERR_RATE_LIMITED
 *   413, 400 about context length    DBX_ERR_CONTEXT_LENGTH
 *   other 4xx                        DBX_ERR_BAD_REQUEST
 *   5xx                              DBX_ERR_SERVER
 *   anything else                    DBX_ERR_PROTOCOL
 * Understood bodies: {"error_code": C, "message": M}, {"error": {"message": M,
 * "code"/"type": C}}, {"error": M}, {"message": M}, or plain text.
 */
int provider_http_error(int status, const char *body, size_t len, char *errbuf);

#endif
