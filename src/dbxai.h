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

/* Sets up what the library shares process-wide: the random generator (seeded
 * from the OS) and PSA crypto. Call once before anything else; idempotent. */
int dbx_global_init(char *errbuf);

/* One line of the -v trace (no newline). Secrets are already redacted. */
typedef void (*dbx_trace_fn)(void *ctx, const char *line);

#define DBX_CONNECT_TIMEOUT_MS 30000
#define DBX_IDLE_TIMEOUT_MS 150000

/* How to reach the workspace. Strings are borrowed: they must outlive the client.
 * NULL or empty means "not set" for every string. */
struct dbx_options {
	const char *host;        /* workspace URL; "https://" is added when there is
				    no scheme, a trailing '/' dropped; http:// only
				    for loopback hosts */
	const char *token;       /* personal access token (secret), or NULL */
	const char *ca_file;     /* PEM bundle to trust (--cacert, SSL_CERT_FILE) */
	const char *ca_dir;      /* directory of PEM files (SSL_CERT_DIR) */
	const char *https_proxy; /* HTTPS_PROXY value: http://[user:pass@]host[:port] */
	const char *no_proxy;    /* NO_PROXY value */
	int connect_timeout_ms;  /* 0: DBX_CONNECT_TIMEOUT_MS */
	int idle_timeout_ms;     /* 0: DBX_IDLE_TIMEOUT_MS */
	dbx_trace_fn trace;      /* NULL: no trace */
	void *trace_ctx;
};

/* A client holds one keep-alive connection, reused across calls. Not
 * thread-safe: use one client per thread. */
struct dbx_client;

int dbx_client_new(struct dbx_client **out, const struct dbx_options *opt, char *errbuf);
void dbx_client_free(struct dbx_client *c);

/* Receives response body bytes as they arrive; a non-zero return cancels the
 * call, which then returns DBX_ERR_CANCELLED. */
typedef int (*dbx_data_fn)(void *ctx, const char *data, size_t len);

/*
 * A raw REST call: method (GET, POST, ...) on path_or_url, a path such as
 * "/api/2.0/serving-endpoints" relative to the workspace, or a full URL on the
 * same scheme, host and port (credentials never go to another host). body may
 * be NULL; when not, it is sent as application/json.
 * A 2xx response streams its body to on_data. Any other status is collected
 * and mapped: DBX_ERR_AUTH (401/403), DBX_ERR_RATE_LIMITED (429),
 * DBX_ERR_CONTEXT_LENGTH, DBX_ERR_BAD_REQUEST (other 4xx), DBX_ERR_SERVER
 * (5xx), with the status, the error_code and the message in errbuf.
 * *status (may be NULL) receives the HTTP status, 0 when none arrived.
 */
int dbx_api(struct dbx_client *c, const char *method, const char *path_or_url,
	    const char *body, size_t body_len, dbx_data_fn on_data, void *ctx, int *status,
	    char *errbuf);

#endif
