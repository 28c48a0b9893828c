/*
 * dbxai.h - the public C API of dbxai: a small client for models hosted on
 * Databricks Model Serving / AI Gateway.
 *
 * Rules for every function of the library (prefix dbx_, and the internal modules
 * behind it):
 * - Functions return an enum dbx_err; DBX_OK (0) is success. Outputs are written
 *   through pointers. Human detail, when there is any, goes to a caller-supplied
 *   buffer (errbuf, at least DBX_ERRBUF_SIZE bytes is enough for any message).
 * - The library never prints, never exits and never keeps global state besides
 *   what dbx_global_init() sets up.
 * - Secrets (tokens, client secrets, Authorization values) never appear in an
 *   error message or a trace.
 */
#ifndef DBXAI_H
#define DBXAI_H

#include <stddef.h>

#define DBX_VERSION "0.1.0"
#define DBX_ERRBUF_SIZE 256

/* The one error enum of the project. Keep dbx_strerror() in step. */
enum dbx_err {
	DBX_OK = 0,
	DBX_ERR_INTERNAL,        /* a bug or an impossible state */
	DBX_ERR_USAGE,           /* bad argument, flag, environment value or config */
	DBX_ERR_IO,              /* a local file could not be read or written */
	DBX_ERR_LIMIT,           /* a fixed size limit was exceeded */
	DBX_ERR_NOMEM,           /* an allocation failed */
	DBX_ERR_RESOLVE,         /* host name did not resolve */
	DBX_ERR_CONNECT,         /* TCP connect failed or timed out */
	DBX_ERR_TIMEOUT,         /* no data within the idle timeout */
	DBX_ERR_NET,             /* read/write failed, connection reset */
	DBX_ERR_PROXY,           /* the HTTPS proxy refused or failed the tunnel */
	DBX_ERR_TLS,             /* TLS handshake or record layer failure */
	DBX_ERR_TLS_VERIFY,      /* server certificate not trusted */
	DBX_ERR_PROTOCOL,        /* malformed HTTP / SSE / JSON from the server */
	DBX_ERR_TRUNCATED,       /* the connection closed before the message ended */
	DBX_ERR_NEED_MORE,       /* parser: input ended inside an item; feed more */
	DBX_ERR_AUTH,            /* 401/403 or no usable credentials */
	DBX_ERR_RATE_LIMITED,    /* 429 after retries */
	DBX_ERR_CONTEXT_LENGTH,  /* prompt too long for the model */
	DBX_ERR_BAD_REQUEST,     /* other 4xx */
	DBX_ERR_SERVER,          /* 5xx after retries */
	DBX_ERR_CANCELLED,       /* the caller's callback asked to stop */
	DBX_ERR__COUNT
};

/* A static English description of err; never NULL. */
const char *dbx_strerror(int err);

#endif
