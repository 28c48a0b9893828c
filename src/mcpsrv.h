/*
 * mcpsrv.h - the MCP servers of an agent: local ones run as child processes
 * speaking over stdio (one message per line), remote ones over Streamable HTTP
 * (each message POSTed; the answer as JSON or as an SSE stream; the session id
 * kept). Starts them (initialize, tools/list), calls their tools with a time
 * limit, answers what they ask (ping; anything else is -32601) and stops them.
 *
 * Rules:
 * - Return convention of err.h. A server's own failure (it did not start, it
 *   exited, it wrote something that is not JSON-RPC, it timed out) is not an
 *   error of the set: the server is marked failed, its message kept in
 *   error[], and its later calls answer with that message as an error result.
 * - A child runs in its own process group with a small environment (HOME,
 *   LOGNAME, PATH, SHELL, TERM, USER, TMPDIR, LANG and LC_ALL, as the MCP SDKs
 *   pass, then the server's own env): the workspace token never reaches it.
 *   Stopping closes its stdin and sends SIGTERM to the group, then SIGKILL
 *   after MCPSRV_KILL_MS; the child is always reaped.
 * - Credentials: an HTTP server on the workspace's origin (or given as a path)
 *   is called through the workspace client, hence with its credentials; any
 *   other origin gets a bare client of its own and no credentials.
 * - A child's stderr lines go to the notice callback prefixed with the
 *   server's name when verbose; the last one is kept for error messages.
 */
#ifndef MCPSRV_H
#define MCPSRV_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "err.h"
#include "mcp.h"

#define MCPSRV_MAX 32         /* servers in one set */
#define MCPSRV_KILL_MS 2000   /* SIGTERM to SIGKILL */
#define MCPSRV_START_MS 30000 /* initialize and tools/list, each */

struct client;
struct dbx_options;

struct mcp_server {
	char name[MCP_NAME_MAX + 1];
	int named;   /* name given by the caller (else serverInfo.name or mcpN) */
	int started; /* initialized and listed */
	int failed;  /* gave up on it: error[] says why */
	char error[DBX_ERRBUF_SIZE];
	char protocol[32]; /* the revision it answered */
	struct mcp_tool *tools;
	size_t ntools;
	int list_changed; /* notifications/tools/list_changed seen */
	long long next_id;
	char *what; /* the command line or the URL, for messages (owned) */
	/* stdio: */
	char **argv, **env; /* NULL-terminated, owned */
	char *cwd;
	pid_t pid;        /* 0: none */
	int to, from, ef; /* its stdin, stdout, stderr; -1 when closed */
	struct buf in;    /* stdout bytes not yet a whole line */
	char eline[256];  /* the stderr line being read */
	size_t elen;
	char lasterr[256]; /* its last whole stderr line */
	/* HTTP: */
	struct client *cl;  /* the workspace's (borrowed) or own */
	struct client *own; /* owned: another origin */
	char *path;         /* request target on cl */
	char session[256];  /* Mcp-Session-Id, "" before */
	struct buf later;   /* answers to send after the current exchange */
};

struct mcp_set {
	struct client *ws;             /* the workspace client (borrowed) */
	const struct dbx_options *opt; /* for clients of other origins (borrowed) */
	struct mcp_server srv[MCPSRV_MAX];
	size_t n;
	long timeout_ms;      /* a tool call's limit; 0: 60 s */
	int verbose;          /* server stderr and log messages to the notice callback */
	volatile int *cancel; /* non-zero: a stdio call being waited for ends
	                         with DBX_ERR_CANCELLED; may be NULL */
	dbx_notice_fn notice;
	void *notice_ctx;
};

/* Adds a server (strings copied). argv (NULL-terminated) for a child, else
 * url: an absolute http(s) URL or a path on the workspace. env entries are
 * "NAME=value". name NULL: named at start. DBX_ERR_USAGE naming the fault. */
int mcpsrv_add(struct mcp_set *set, const char *name, const char *const *argv,
               const char *const *env, const char *cwd, const char *url, char *errbuf);

/* Starts every server not started: spawn or connect, initialize, list the
 * tools, name them SERVER__TOOL. DBX_OK even when some failed (their error[]
 * says why); DBX_ERR_USAGE when two tools end up with the same name. */
int mcpsrv_start(struct mcp_set *set, char *errbuf);

/* Lists a server's tools again (after list_changed). */
int mcpsrv_relist(struct mcp_set *set, struct mcp_server *s, char *errbuf);

/* The server and tool the model's name stands for; 0 when none. */
int mcpsrv_find(const struct mcp_set *set, const char *qualified, size_t *srv, size_t *tool);

/* Calls a tool with the model's arguments: text gets the result as the model
 * should see it (buf_init'ed by the caller, max at least MCP_RESULT_MAX + 128),
 * *is_error whether it is an error (a server fault included). DBX_OK unless
 * memory ran out or the call was cancelled (set->cancel). */
int mcpsrv_call(struct mcp_set *set, size_t srv, size_t tool, const char *args, size_t alen,
                struct buf *text, int *is_error);

/* Stops every server (DELETE of HTTP sessions; children as the rules say)
 * and frees the set's memory; the set may be reused empty. */
void mcpsrv_stop(struct mcp_set *set);

/* Only async-signal-safe calls: SIGTERM to every child's group, up to
 * MCPSRV_KILL_MS for them to end, then SIGKILL; each reaped. For a signal
 * handler that is about to end the process. */
void mcpsrv_kill(struct mcp_set *set);

#endif
