/* err.c - see err.h; also dbx_strerror() of the public API (the leaf keeps the
 * names, as curl keeps curl_easy_strerror in lib/strerror.c). */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>

static const char *const err_names[DBX_ERR__COUNT] = {
    [DBX_OK] = "success",
    [DBX_ERR_INTERNAL] = "internal error",
    [DBX_ERR_USAGE] = "invalid usage or configuration",
    [DBX_ERR_IO] = "local file error",
    [DBX_ERR_LIMIT] = "size limit exceeded",
    [DBX_ERR_NOMEM] = "out of memory",
    [DBX_ERR_RESOLVE] = "host name lookup failed",
    [DBX_ERR_CONNECT] = "connection failed",
    [DBX_ERR_TIMEOUT] = "timed out",
    [DBX_ERR_NET] = "network error",
    [DBX_ERR_PROXY] = "proxy error",
    [DBX_ERR_TLS] = "TLS error",
    [DBX_ERR_TLS_VERIFY] = "server certificate not trusted",
    [DBX_ERR_PROTOCOL] = "protocol error",
    [DBX_ERR_TRUNCATED] = "response truncated",
    [DBX_ERR_AUTH] = "authentication failed",
    [DBX_ERR_RATE_LIMITED] = "rate limited",
    [DBX_ERR_CONTEXT_LENGTH] = "context length exceeded",
    [DBX_ERR_BAD_REQUEST] = "request rejected",
    [DBX_ERR_SERVER] = "server error",
    [DBX_ERR_CANCELLED] = "cancelled",
    [DBX_ERR_MAX_TURNS] = "the agent reached its turn limit",
};

const char *dbx_strerror(int err)
{
	if (err == ERR_NEED_MORE)
		return "incomplete input";
	if (err < 0 || err >= DBX_ERR__COUNT || !err_names[err])
		return "unknown error";
	return err_names[err];
}

void errbuf_set(char *errbuf, const char *fmt, ...)
{
	va_list ap;

	if (!errbuf)
		return;
	va_start(ap, fmt);
	vsnprintf(errbuf, DBX_ERRBUF_SIZE, fmt, ap);
	va_end(ap);
}

void err_say(dbx_trace_fn fn, void *ctx, const char *fmt, ...)
{
	char line[ERR_LINE_MAX];
	va_list ap;

	if (!fn)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	fn(ctx, line);
}
