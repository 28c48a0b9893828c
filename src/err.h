/*
 * err.h - the rules every internal module of the library follows, and the one
 * way an error is told: its code and its line in the caller's errbuf. The
 * lowest layer: it calls nothing of ours.
 *
 * Return convention (the same in every layer, the public API included):
 * - A function that can fail returns int: DBX_OK (0), an enum dbx_err, or one
 *   of the internal statuses below. Outputs go through pointers. Functions that
 *   cannot fail return void, a length or a pointer, and say so.
 * - errbuf is char[DBX_ERRBUF_SIZE] (or NULL: nothing is written). Every error
 *   return has filled it, through errbuf_set() only, with one line that names
 *   the problem and, where there is one, the fix. A caller that adds context
 *   writes its own line; nobody reads an errbuf to decide anything.
 * - The internal statuses never leave the library: the layer that meets one
 *   turns it into an enum dbx_err (with its line) before it returns upwards.
 * - Layers only point down: a file calls only files below it in src/LAYERS
 *   (make check-layers). The library never prints and never exits.
 * - Secrets (tokens, client secrets, codes, Authorization values) never reach
 *   an errbuf, a notice or a trace.
 */
#ifndef ERR_H
#define ERR_H

#include "dbxai.h"

/* Internal statuses, above every public code; each means one thing, and the
 * facade turns any that would escape into DBX_ERR_INTERNAL. */
enum err_internal {
	ERR_NEED_MORE = 1000, /* a parser: the input ended inside an item; feed more */
	ERR_STOP,             /* a decoder recorded the server's error in the reply
	                         and asks the transfer to stop (not a cancel by the
	                         caller) */
	ERR_TLS12_RETRY,      /* tls_connect: the server needs a TLS 1.2-only
	                         handshake; connect again (tls.h) */
	ERR_STALE             /* conn: a kept-alive connection died before any
	                         byte of the response; send the request again */
};

/* Writes one line into errbuf (when not NULL), cut to DBX_ERRBUF_SIZE. */
__attribute__((format(printf, 2, 3))) void errbuf_set(char *errbuf, const char *fmt, ...);

/* Writes one line (cut at ERR_LINE_MAX) to a trace or notice callback fn (NULL:
 * nothing is formatted): the one way the library speaks through its callbacks. */
#define ERR_LINE_MAX 512
__attribute__((format(printf, 3, 4))) void err_say(dbx_trace_fn fn, void *ctx, const char *fmt,
                                                   ...);

/* The public codes' names live in err.c too: dbx_strerror() (dbxai.h). */

#endif
