/*
 * status.h - what a non-2xx HTTP response means: its status and body mapped to
 * an enum dbx_err and one line that says what the server said and what to do.
 * Pure: needs only the JSON reader; no socket, no allocation.
 */
#ifndef STATUS_H
#define STATUS_H

#include <stddef.h>

#include "err.h"

/* Longest part of a server's error text repeated in a message. */
#define STATUS_ERRTEXT_MAX 160

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
int status_error(int status, const char *body, size_t len, char *errbuf);

#endif
