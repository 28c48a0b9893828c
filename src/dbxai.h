/*
 * dbxai.h - the public C API of dbxai: a small client for models hosted on
 * Databricks Model Serving / AI Gateway.
 *
 * Rules for every dbx_ function:
 * - It returns an enum dbx_err; DBX_OK (0) is success. Outputs are written
 *   through pointers.
 * - errbuf is a caller's buffer of DBX_ERRBUF_SIZE bytes, or NULL when the
 *   caller wants no message. It is always filled when an error is returned
 *   (one line naming the problem and, where there is one, the fix), and set to
 *   "" on success; the caller never needs dbx_strerror() as a fallback.
 * - The library never prints, never exits and never keeps global state besides
 *   what dbx_global_init() sets up.
 * - Secrets (tokens, client secrets, Authorization values) never appear in an
 *   error message or a trace.
 * - Threads: dbx_global_init() is call-once and thread-safe (see there). A
 *   client, and everything reached through it, is used by one thread at a
 *   time: its calls take no lock. Distinct clients in distinct threads are
 *   safe at the same time (what they share, the random generator and PSA
 *   crypto's state, is locked inside); a client may move to another thread
 *   when the caller hands it over with its own synchronisation. Callbacks run
 *   in the thread that made the call. The library reads the environment
 *   (getenv): do not change it (setenv) while other threads use the library.
 * - Memory the library hands to the caller (a transcript) is released with
 *   dbx_free().
 * - A DNS lookup runs getaddrinfo() on a short-lived detached thread, so that
 *   the connect timeout bounds it; a lookup that outlived its call ends by
 *   itself (no fork, no child process, signals stay with the caller's threads).
 *
 * Stability: within a minor version (0.1.x) the API is stable: a program that
 * compiles against 0.1.0 compiles against any 0.1.x with the same meaning.
 * The ABI is not promised (struct sizes may change: rebuild against the new
 * header). enum dbx_err is append-only: codes keep their values across
 * versions, new ones are added before DBX_ERR__COUNT.
 */
#ifndef DBXAI_H
#define DBXAI_H

#include <stddef.h>

#define DBX_VERSION "0.1.0"
/* The version as one number, major * 10000 + minor * 100 + patch, for #if. */
#define DBX_VERSION_NUM 100
#define DBX_ERRBUF_SIZE 256

/* The version of the library linked in ("0.1.0"): may differ from
 * DBX_VERSION, the header's, when a program runs with another build. */
const char *dbx_version(void);

/* Releases memory the library handed out (a transcript); NULL is fine. */
void dbx_free(void *p);

/* The one error enum of the project: only codes a caller can meet.
 * Append-only (see Stability above). */
enum dbx_err {
	DBX_OK = 0,
	DBX_ERR_INTERNAL,       /* a bug or an impossible state */
	DBX_ERR_USAGE,          /* bad argument, flag, environment value or config */
	DBX_ERR_IO,             /* a local file could not be read or written */
	DBX_ERR_LIMIT,          /* a fixed size limit was exceeded */
	DBX_ERR_NOMEM,          /* an allocation failed */
	DBX_ERR_RESOLVE,        /* host name did not resolve */
	DBX_ERR_CONNECT,        /* TCP connect failed or timed out */
	DBX_ERR_TIMEOUT,        /* no data within the idle timeout */
	DBX_ERR_NET,            /* read/write failed, connection reset */
	DBX_ERR_PROXY,          /* the HTTPS proxy refused or failed the tunnel */
	DBX_ERR_TLS,            /* TLS handshake or record layer failure */
	DBX_ERR_TLS_VERIFY,     /* server certificate not trusted */
	DBX_ERR_PROTOCOL,       /* malformed HTTP / SSE / JSON from the server */
	DBX_ERR_TRUNCATED,      /* the connection closed before the message ended */
	DBX_ERR_AUTH,           /* 401/403 or no usable credentials */
	DBX_ERR_RATE_LIMITED,   /* 429 after retries */
	DBX_ERR_CONTEXT_LENGTH, /* prompt too long for the model */
	DBX_ERR_BAD_REQUEST,    /* other 4xx */
	DBX_ERR_SERVER,         /* 5xx after retries */
	DBX_ERR_CANCELLED,      /* the caller's callback asked to stop */
	DBX_ERR_MAX_TURNS,      /* the agent loop reached its turn limit */
	DBX_ERR__COUNT
};

/* A static English description of err; never NULL. */
const char *dbx_strerror(int err);

/* Sets up what the library shares process-wide: the random generator (seeded
 * from the OS) and PSA crypto. Call it before anything else (dbx_client_new()
 * calls it too). Call-once and thread-safe: any thread may call it, any number
 * of times, concurrently too; the set-up runs once per process, and every call
 * returns that run's result, with its message in errbuf when it failed. */
int dbx_global_init(char *errbuf);

/* One line of the -v trace (no newline). Secrets are already redacted. */
typedef void (*dbx_trace_fn)(void *ctx, const char *line);

/* One human-readable line about what the library is doing on the caller's
 * behalf (a retry and its delay, a fallback). No newline, no secrets. */
typedef void (*dbx_notice_fn)(void *ctx, const char *line);

#define DBX_CONNECT_TIMEOUT_MS 30000
#define DBX_IDLE_TIMEOUT_MS 150000

/* Retry policy for 429, 5xx and network errors (never once output reached the
 * caller): delay n = min(initial_ms * multiplier^(n-1), max_ms), +-20 % jitter,
 * Retry-After honoured as a floor. */
struct dbx_retry {
	int max_retries;   /* DATABRICKS_MAX_RETRIES (3) */
	long initial_ms;   /* DATABRICKS_INITIAL_RETRY_INTERVAL_MS (1000) */
	double multiplier; /* DATABRICKS_BACKOFF_MULTIPLIER (2.0) */
	long max_ms;       /* DATABRICKS_MAX_RETRY_INTERVAL_MS (60000) */
};
/* clang-format off */
#define DBX_RETRY_DEFAULT {3, 1000, 2.0, 60000}
/* clang-format on */

/* Which credentials a client uses (issue 5 "Credential selection"). */
enum dbx_auth_type {
	DBX_AUTH_AUTO = 0,    /* token -> PAT; else client_id + client_secret -> M2M;
	                         else a cached U2M login for this host -> U2M;
	                         else the JWT variable -> ENV_OIDC; else the JWT
	                         file -> FILE_OIDC; else an Azure client secret ->
	                         AZURE_SECRET; else none */
	DBX_AUTH_PAT,         /* the token; an error without one */
	DBX_AUTH_M2M,         /* OAuth client credentials (service principal) */
	DBX_AUTH_U2M,         /* OAuth user login cached by dbx_login(); an error
	                         (DBX_ERR_AUTH, "run `dbxai login`") without one */
	DBX_AUTH_NONE,        /* no Authorization at all */
	DBX_AUTH_ENV_OIDC,    /* env-oidc: the JWT in the variable oidc_token_env
	                         names, exchanged for a workspace token (RFC 8693) */
	DBX_AUTH_FILE_OIDC,   /* file-oidc: the JWT in oidc_token_filepath, read
	                        again for each exchange */
	DBX_AUTH_AZURE_SECRET /* azure-client-secret: an Azure service principal's
	                         client credentials at Microsoft Entra ID */
};

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
	dbx_notice_fn notice; /* NULL: no notices */
	void *notice_ctx;
	const struct dbx_retry *retry; /* NULL: DBX_RETRY_DEFAULT */
	/* OAuth (see "authentication" below). Zero keeps the behaviour above:
	 * the token if there is one, else no Authorization unless a client id
	 * and secret, or a cached login for this host, exist. */
	enum dbx_auth_type auth_type;
	const char *client_id;     /* M2M: the service principal's OAuth client id */
	const char *client_secret; /* M2M: its secret (secret) */
	const char *token_cache;   /* token cache file; NULL: DBXAI_TOKEN_CACHE, else
	                              $XDG_CACHE_HOME/dbxai/token-cache.json, else
	                              ~/.cache/dbxai/token-cache.json */
	const char *resolve;       /* addresses to use instead of DNS, curl's --resolve:
	                              "HOST:PORT:ADDR[,ADDR...]" entries separated by
	                              spaces (DBXAI_RESOLVE); certificates are still
	                              checked against HOST; a bad entry is
	                              DBX_ERR_USAGE from dbx_client_new() */
	/* Workload identity federation (env-oidc, file-oidc): an identity
	 * provider's JWT is exchanged at the workspace's token endpoint
	 * (grant type token-exchange, scope all-apis, client_id when set: the
	 * service principal whose federation policy applies). The workspace token
	 * lives in memory only and is exchanged again, with a fresh JWT, shortly
	 * before it expires and after a 401. */
	const char *oidc_token_env;      /* the variable holding the JWT; NULL:
	                                    DATABRICKS_OIDC_TOKEN */
	const char *oidc_token_filepath; /* the file holding the JWT */
	/* Azure service principal (azure-client-secret): client credentials at
	 * https://{authority}/{tenant}/oauth2/v2.0/token for the AzureDatabricks
	 * application; the Entra token is the Bearer, in memory only, fetched
	 * again before it expires. */
	const char *azure_client_id;
	const char *azure_client_secret; /* secret */
	const char *azure_tenant_id;
	const char *azure_authority_host; /* NULL: login.microsoftonline.com; with
	                                     or without https:// */
	/* For a caller that does not show a stream as it arrives (dbxai when its
	 * output is not a terminal, and so coalesced anyway): after a read that
	 * emptied the socket, the next one waits this many ms first, so the
	 * records of a burst are read together (fewer wake-ups and syscalls per
	 * event; each event at most that much later). 0: every record is read as
	 * soon as it arrives, which a live display needs. */
	int read_batch_ms;
};

/* ---- configuration ----
 *
 * The options as the dbxai command resolves them: the input's values first,
 * then the environment (DATABRICKS_HOST, DATABRICKS_TOKEN,
 * DATABRICKS_CLIENT_ID / _SECRET, DATABRICKS_AUTH_TYPE, DATABRICKS_CONFIG_FILE,
 * DATABRICKS_CONFIG_PROFILE, the DATABRICKS_*RETRY* policy, SSL_CERT_FILE,
 * SSL_CERT_DIR, https_proxy / HTTPS_PROXY, no_proxy / NO_PROXY, DBXAI_RESOLVE), then the
 * profile of ~/.databrickscfg (host, token, client_id, client_secret,
 * auth_type, oidc_token_env, oidc_token_filepath; DATABRICKS_OIDC_TOKEN_ENV,
 * DATABRICKS_OIDC_TOKEN_FILEPATH). auth_type is the one named (--auth,
 * DATABRICKS_AUTH_TYPE, the profile), else DBX_AUTH_AUTO when credentials
 * are configured (the client takes the first of the unified-auth order: PAT,
 * oauth-m2m, a cached U2M login, env-oidc, file-oidc, azure-client-secret),
 * else DBX_AUTH_U2M (a login must exist). Azure: ARM_CLIENT_ID, ARM_CLIENT_SECRET, ARM_TENANT_ID
 * (azure_client_id, azure_client_secret, azure_tenant_id), AZURE_AUTHORITY_HOST.
 * A named profile that does not exist, a bad number, an unknown
 * auth type or no host at all is DBX_ERR_USAGE with the message the command
 * prints. */
struct dbx_config_input {
	const char *host;      /* beats DATABRICKS_HOST and the profile; NULL: not given */
	const char *profile;   /* beats DATABRICKS_CONFIG_PROFILE; NULL: [DEFAULT] */
	const char *auth_type; /* "pat", "oauth-m2m", "databricks-cli" (or
	                          "oauth-u2m"), "env-oidc", "file-oidc",
	                          "azure-client-secret"; NULL: not given */
	const char *ca_file;   /* beats SSL_CERT_FILE; NULL: not given */
};

/* Holds the resolved strings; the options filled point into it. */
struct dbx_config;

/* Fills the host, credential, trust, proxy, resolve and retry members of *opt (the
 * others are left as they were: trace, notices, timeouts, token cache) and
 * returns the config they point into in *out: free it with dbx_config_free()
 * after the client made from opt. in may be NULL. */
int dbx_config_load(struct dbx_config **out, const struct dbx_config_input *in,
                    struct dbx_options *opt, char *errbuf);
void dbx_config_free(struct dbx_config *cfg);

/* ---- clients ---- */

/* A client holds one keep-alive connection, reused across calls. One thread at
 * a time per client: use one client per thread (distinct clients in distinct
 * threads are safe; see the rules at the top). */
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
int dbx_api(struct dbx_client *c, const char *method, const char *path_or_url, const char *body,
            size_t body_len, dbx_data_fn on_data, void *ctx, int *status, char *errbuf);

/* ---- chat ---- */

#define DBX_DEFAULT_MODEL "databricks-claude-sonnet-4"
#define DBX_FAST_MODEL "databricks-claude-haiku-4-5"
#define DBX_DEFAULT_SYSTEM "You are a helpful assistant."

enum dbx_api_kind {
	DBX_API_AUTO = 0,  /* Responses API when the model name contains "codex", or
	                      contains "gpt" and the endpoint's metadata lists
	                      openai/v1/responses (one lookup per model and
	                      client); an agent kind by the metadata's task (see
	                      below); chat otherwise */
	DBX_API_CHAT,      /* POST /serving-endpoints/{model}/invocations */
	DBX_API_RESPONSES, /* POST /serving-endpoints/responses */
	/* Agents of the Mosaic AI Agent Framework, at
	 * /serving-endpoints/{model}/invocations in their own schemas. The
	 * steps they run themselves (tool calls and results) come as events with
	 * remote set. DBX_API_AUTO picks them when the endpoint's metadata task
	 * is agent/v1/chat or agent/v2/chat (ChatAgent) or agent/v1/responses
	 * (ResponsesAgent); only names containing "gpt" or "agent" are looked up
	 * (agents.deploy() names its endpoints agents_...). */
	DBX_API_AGENT_CHAT,     /* MLflow ChatAgent: {"messages", "stream"} */
	DBX_API_AGENT_RESPONSES /* MLflow ResponsesAgent: {"input", "stream"} */
};

/* A file attached to the prompt. Its type comes from its content, never its
 * name: JPEG, PNG, GIF and WebP (by their magic bytes) are images, sent as
 * base64 data URLs (chat: an "image_url" part; Responses: "input_image");
 * well-formed UTF-8 without NUL is text, sent as a text part whose first line
 * is the name; anything else is refused (DBX_ERR_USAGE, naming what was
 * found). The parts go in the user message in order, the prompt last as its
 * own text part. Refused before anything is sent (DBX_ERR_USAGE, the limit
 * named): an image over DBX_ATTACH_IMAGE_MAX, more than DBX_ATTACH_IMAGES_MAX
 * images, a request body over DBX_BODY_MAX. An image in a regular file is
 * read as the request is sent (file -> base64 -> socket), never held whole. */
struct dbx_attachment {
	const char *path; /* a file; NULL: data */
	const void *data; /* the content in memory (when path is NULL), borrowed */
	size_t len;
	const char *name; /* a text part's first line; NULL: path's last
	                     component, or "stdin" for data */
};

#define DBX_ATTACH_IMAGE_MAX (5u << 20)
#define DBX_ATTACH_IMAGES_MAX 20
#define DBX_BODY_MAX (16u << 20) /* a chat request body, attachments included */

/* One chat turn. Strings are borrowed for the call; NULL means "not set". */
struct dbx_chat_request {
	const char *model; /* NULL: DBX_DEFAULT_MODEL */
	enum dbx_api_kind api;
	const char *system;        /* NULL: the messages' own system message, else
	                              DBX_DEFAULT_SYSTEM */
	const char *messages_json; /* JSON array of earlier messages, OpenAI chat
	                              format (assistant tool_calls, role "tool") */
	size_t messages_len;
	const char *prompt;     /* appended as a user message */
	const char *tools_json; /* JSON array of tools, OpenAI format */
	size_t tools_len;
	int has_temperature;
	double temperature;
	long max_tokens;              /* 0: not sent */
	int no_stream;                /* ask for one JSON reply instead of a stream */
	int fast;                     /* try DBX_FAST_MODEL first, without retries,
	                                 then the model with the normal policy */
	long thinking_budget;         /* Claude extended thinking: budget_tokens
	                                 (>= 1024); 0: off. max_tokens is raised to
	                                 budget + answer; temperature must be unset or 1 */
	const char *reasoning_effort; /* "low", "medium", "high" (OpenAI reasoning
	                              models); NULL: not sent */
	const char *schema_json;      /* JSON Schema the reply must follow (structured
	                                 output, strict); NULL: none */
	size_t schema_len;
	int json_object;        /* ask for any JSON object as the reply */
	const char *extra_json; /* JSON object merged into the body last: its
	                           keys override the ones dbxai sets */
	size_t extra_len;
	char **transcript; /* not NULL: on success, receives the whole
	                      conversation as a JSON array in OpenAI chat
	                      format (the messages sent, then the assistant
	                      reply with its reasoning items, signatures and
	                      tool calls): release it with dbx_free() */
	size_t *transcript_len;
	/* Files for the prompt's user message (dbx_attachment), in order; the
	 * transcript keeps them as data URLs. */
	const struct dbx_attachment *attachments;
	size_t num_attachments;
	/* Agents (DBX_API_AGENT_*): custom_inputs, a JSON object sent as it is
	 * (NULL: none); trace not NULL asks for databricks_options.return_trace
	 * and, on success, receives the trace the endpoint returned as JSON text
	 * (release with dbx_free(); NULL when it returned none). */
	const char *custom_inputs_json;
	size_t custom_inputs_len;
	char **trace;
	size_t *trace_len;
};

enum dbx_event_type {
	DBX_EV_TEXT = 1,   /* text: a piece of the reply, as it arrives */
	DBX_EV_REASONING,  /* text: a piece of reasoning (summary) text */
	DBX_EV_TOOL_CALL,  /* id, name, arguments: one complete call */
	DBX_EV_USAGE,      /* token counts: once, the final values */
	DBX_EV_DONE,       /* finish_reason: the reply is complete */
	DBX_EV_TOOL_RESULT /* id, name, text: the result of a tool call: one
	                      dbx_chat_agent ran (server, is_error set: as the
	                      model gets it), or one an agent endpoint ran
	                      itself (remote set; name may be "") */
};

/* Views valid only during the callback. */
struct dbx_event {
	enum dbx_event_type type;
	const char *text; /* not NUL-terminated: use text_len */
	size_t text_len;
	const char *id, *name, *arguments; /* NUL-terminated */
	size_t arguments_len;
	long long prompt_tokens, completion_tokens, total_tokens;
	const char *finish_reason; /* NUL-terminated; "stop", "tool_calls", ... */
	const char *signature;     /* REASONING: the signature that came with this
	                              piece (Claude), or NULL */
	int remote;                /* TOOL_CALL, TOOL_RESULT: a step an agent endpoint ran
	                              itself, given as it happens (nothing for the caller to
	                              run); its text is never part of the answer */
	const char *server;        /* TOOL_CALL, TOOL_RESULT (dbx_chat_agent): the
	                              MCP server of the tool; NULL for another tool */
	int is_error;              /* TOOL_RESULT: the call failed or was declined */
};

/* Returns 0 to go on; non-zero cancels (dbx_chat returns DBX_ERR_CANCELLED). */
typedef int (*dbx_event_fn)(void *ctx, const struct dbx_event *ev);

/* Runs one turn, streaming events to cb. Retries (and the fast-model fallback)
 * happen only before the first event; a failure after it is final.
 * Build-time switches (make FEATURES=-NAME, MINIMAL=1; dbxai --version lists
 * what a build has): a call that needs a feature left out (the Responses API
 * here, embeddings for dbx_embed, OAuth for dbx_login / dbx_logout and the
 * OAuth auth types, HTTPS_PROXY for dbx_client_new) fails with DBX_ERR_USAGE and
 * "not built in (NAME)" in errbuf. */
int dbx_chat(struct dbx_client *c, const struct dbx_chat_request *rq, dbx_event_fn cb, void *ctx,
             char *errbuf);

/* ---- MCP servers and the agent loop ----
 *
 * dbx_chat_agent() runs the loop an agent needs: a model turn, then each tool
 * call the model asked for, run through the Model Context Protocol servers of
 * a struct dbx_mcp (revision 2025-06-18; servers answering 2025-03-26 or
 * 2024-11-05 are taken too), the results sent back, the next turn; until a
 * turn without tool calls, the turn limit or an error.
 *
 * Servers: a local one is a child process speaking over stdio, in its own
 * process group, with a small environment (HOME, LOGNAME, PATH, SHELL, TERM,
 * USER, TMPDIR, LANG, LC_ALL, then its own env): the workspace token never
 * reaches it. A remote one speaks Streamable HTTP; on the workspace's origin
 * (or given as a path such as /api/2.0/mcp/functions/CATALOG/SCHEMA) it gets
 * the client's credentials, any other origin none. Each tool is offered to the
 * model as SERVER__TOOL (characters outside [A-Za-z0-9_-] become '_', at most
 * 64 characters). A server that fails (does not start, exits, writes something
 * that is not JSON-RPC) is not an error of the set: its info says why and its
 * calls answer the model with that as an error result. dbx_mcp_free stops
 * children with SIGTERM, then SIGKILL after 2 s, and reaps them.
 * One thread at a time per struct dbx_mcp, as for its client.
 */
struct dbx_mcp;

#define DBX_MCP_NAME_MAX 64 /* a tool's name as the model sees it */

struct dbx_mcp_server {
	const char *name;        /* NULL: the server's serverInfo.name (sanitised),
	                            else mcpN */
	const char *const *argv; /* a local server: the program (looked up in PATH)
	                            and its arguments, NULL-terminated; no shell */
	const char *const *env;  /* "NAME=value" entries for it, NULL-terminated;
	                            may be NULL */
	const char *cwd;         /* its working directory; NULL: ours */
	const char *url;         /* a Streamable HTTP server (argv NULL): an http(s)
	                            URL (https unless loopback) or a path on the
	                            workspace */
};

struct dbx_mcp_options {
	long tool_timeout_ms; /* a tool call past it is cancelled and answered as
	                         an error; 0: 60 s */
	int verbose;          /* servers' stderr lines and log messages to the
	                         client's notice callback, prefixed with the
	                         server's name (else only the last stderr line is
	                         kept, for error messages) */
};

/* A set of servers for client c (which must outlive it). o may be NULL. */
int dbx_mcp_new(struct dbx_mcp **out, struct dbx_client *c, const struct dbx_mcp_options *o,
                char *errbuf);
/* Adds a server (strings copied); started by dbx_mcp_start. */
int dbx_mcp_add(struct dbx_mcp *m, const struct dbx_mcp_server *s, char *errbuf);
/* Starts the servers added since the last call: initialize, tools/list.
 * DBX_OK when every server started; else the first failure's code and line
 * (the others: dbx_mcp_info). DBX_ERR_USAGE when two tools end up with the
 * same name. The servers that started can be used either way. */
int dbx_mcp_start(struct dbx_mcp *m, char *errbuf);

#define DBX_HINT_READ_ONLY 1   /* the server's annotations (hints, never */
#define DBX_HINT_DESTRUCTIVE 2 /* promises: show them, do not trust them) */
#define DBX_HINT_IDEMPOTENT 4
#define DBX_HINT_OPEN_WORLD 8

/* Views valid until the next dbx_mcp_start or dbx_chat_agent (tools may be
 * listed again) or dbx_mcp_free. */
struct dbx_mcp_info {
	const char *name;     /* as in the tools' names */
	const char *what;     /* its command line or URL */
	int started;          /* 1: initialized and listed */
	const char *protocol; /* the revision it answered; "" when none */
	const char *error;    /* why it failed; "" when it did not */
	size_t tools;
};
struct dbx_mcp_tool {
	const char *server, *name; /* the server's name and the tool's own */
	const char *qualified;     /* SERVER__TOOL, as the model sees it */
	const char *description;   /* "" when none */
	const char *input_schema;  /* JSON object text */
	unsigned hints;            /* DBX_HINT_* the server set */
};
size_t dbx_mcp_count(const struct dbx_mcp *m);
/* Server i (< dbx_mcp_count), its tool j (< info.tools). DBX_ERR_USAGE past the end. */
int dbx_mcp_info(const struct dbx_mcp *m, size_t i, struct dbx_mcp_info *info);
int dbx_mcp_tool(const struct dbx_mcp *m, size_t i, size_t j, struct dbx_mcp_tool *t);
/* Only async-signal-safe calls: SIGTERM to every child's process group, up
 * to 2 s for them to end, SIGKILL, each reaped. For a signal handler (Ctrl-C)
 * that ends the process next. */
void dbx_mcp_kill(struct dbx_mcp *m);
void dbx_mcp_free(struct dbx_mcp *m);

/* A tool call waiting for approval. Views valid during the callback. */
struct dbx_tool_call {
	const char *id, *name;     /* name: SERVER__TOOL */
	const char *server, *tool; /* the server's name, the tool's own */
	const char *arguments;     /* JSON text as the model wrote it */
	size_t arguments_len;
	unsigned hints; /* DBX_HINT_* */
};
enum dbx_approval {
	DBX_TOOL_RUN = 0, /* run it */
	DBX_TOOL_DECLINE, /* do not: the model is told the user declined */
	DBX_TOOL_STOP     /* end the loop: dbx_chat_agent returns DBX_ERR_USAGE with
	                     the line the callback wrote in why (DBX_ERRBUF_SIZE) */
};
typedef int (*dbx_approve_fn)(void *ctx, const struct dbx_tool_call *call, char *why);

struct dbx_agent_options {
	struct dbx_mcp *mcp;    /* its tools are offered to the model */
	int max_turns;          /* model turns at most; 0: 10. A turn past it
	                           that still asks for tools ends the loop with
	                           DBX_ERR_MAX_TURNS (those calls are not run) */
	dbx_approve_fn approve; /* asked before each call; NULL: all run */
	void *approve_ctx;
	volatile int *cancel; /* may be NULL; set non-zero (a SIGINT handler may):
	                         a local server's call in progress is cancelled at
	                         the next signal or poll and dbx_chat_agent returns
	                         DBX_ERR_CANCELLED */
};

/* rq as for dbx_chat (its tools_json, if any, are offered too: a call of one
 * of those ends the loop after its turn, as dbx_chat would). cb receives every
 * turn's events, TOOL_CALL events with server set for MCP tools, and a
 * TOOL_RESULT after each call. rq->transcript receives the whole exchange
 * (tool calls and results), also when the loop ends with DBX_ERR_MAX_TURNS.
 * Each tool result is cut at 64 KiB (with a notice in it); images, audio and
 * resources become a short placeholder. */
int dbx_chat_agent(struct dbx_client *c, const struct dbx_chat_request *rq,
                   const struct dbx_agent_options *ao, dbx_event_fn cb, void *ctx, char *errbuf);

/* ---- embeddings ---- */

#define DBX_EMBED_MODEL "text-embedding-3-small"
#define DBX_EMBED_BATCH 64

struct dbx_embed_request {
	const char *model;         /* NULL: DBX_EMBED_MODEL */
	const char *const *inputs; /* count texts (UTF-8, NUL-terminated) */
	size_t count;
	size_t batch;  /* inputs per request; 0: DBX_EMBED_BATCH */
	int text_only; /* 1: no doubles, the callback gets values NULL and the text
	                  only (much less CPU); 0: both */
};

/* One vector, in input order: values[0..dim) (NULL when the request is
 * text_only) and the same vector as the JSON array text the server sent
 * (validated: only numbers, each of which converts to a finite double), both
 * valid during the call only. The doubles are the nearest to the text. */
typedef int (*dbx_vector_fn)(void *ctx, size_t index, const double *values, size_t dim,
                             const char *json, size_t json_len);

int dbx_embed(struct dbx_client *c, const struct dbx_embed_request *rq, dbx_vector_fn cb, void *ctx,
              char *errbuf);

/* ---- models ---- */

struct dbx_model {
	const char *name; /* NUL-terminated */
	const char *task; /* "llm/v1/chat", ...; "" when the endpoint has none */
	int ready;        /* state.ready == "READY" */
};

typedef int (*dbx_model_fn)(void *ctx, const struct dbx_model *m);

/* The workspace's serving endpoints (GET /api/2.0/serving-endpoints). */
int dbx_list_models(struct dbx_client *c, dbx_model_fn cb, void *ctx, char *errbuf);

/* ---- authentication (OAuth) ----
 *
 * U2M tokens come from dbx_login() and live in the token cache (a 0600 JSON
 * file, see token_cache above); M2M tokens are fetched with the client id and
 * secret and cached the same way (the secret never is). Either is refreshed
 * before each request when less than 5 minutes (or half its lifetime, for
 * short-lived tokens) remain, and once more after a 401; the whole
 * read-refresh-write cycle runs under a lock on the cache, so processes
 * sharing it never lose a rotated refresh token. A rejected refresh token is
 * DBX_ERR_AUTH saying that `dbxai login` is needed: the library never starts
 * a login by itself. */

enum dbx_login_step {
	DBX_LOGIN_BROWSER = 1, /* url: the authorization URL to open in a browser;
	                          the redirect is awaited on http://localhost:port
	                          or as the final URL pasted on paste_fd */
	DBX_LOGIN_DEVICE       /* url (and url_complete, may be NULL): where to
	                          enter user_code; polling has started */
};

struct dbx_login_info {
	enum dbx_login_step step;
	const char *url;
	const char *url_complete;
	const char *user_code;
	unsigned port;  /* DBX_LOGIN_BROWSER: the loopback listener's port */
	long expires_s; /* seconds the code or URL stays valid (0: unknown) */
};

/* Shows a login step to the user (the library never prints). Views valid
 * during the call only. */
typedef void (*dbx_login_fn)(void *ctx, const struct dbx_login_info *info);

struct dbx_login_options {
	int device;    /* use the device code grant (RFC 8628); fails when the
	                  server does not offer it */
	int headless;  /* no browser here: the device code grant is used when
	                  the server offers it */
	int timeout_s; /* how long to wait for the user; 0: 300 */
	unsigned port; /* loopback redirect port; 0: the first free of 8020..8040 */
	int paste_fd;  /* fd a pasted redirect URL is read from (stdin), or -1 */
	dbx_login_fn show;
	void *ctx;
};

/* U2M login (client id databricks-cli, scopes "all-apis offline_access"):
 * discovery, then the authorization code grant with PKCE S256 through the
 * loopback listener or a pasted URL, or the device code grant; the tokens are
 * stored in the token cache for this host. No redirect or approval within
 * timeout_s is DBX_ERR_AUTH (the login failed, not the network). */
int dbx_login(struct dbx_client *c, const struct dbx_login_options *lo, char *errbuf);

/* Removes this host's cached tokens (U2M and M2M), or every entry when all is
 * set. *removed (may be NULL) gets the number of entries removed. */
int dbx_logout(struct dbx_client *c, int all, int *removed, char *errbuf);

/* What a client authenticates with. Strings point into the client. */
struct dbx_auth_info {
	enum dbx_auth_type method; /* never DBX_AUTH_AUTO */
	const char *host;          /* normalised workspace URL */
	const char *client_id;     /* OAuth client id; NULL for PAT / none */
	const char *cache;         /* token cache path; NULL for PAT / none */
	int logged_in;             /* OAuth: the cache holds tokens for this host */
	long long expiry;          /* the cached access token's expiry (Unix
	                              seconds); 0 when unknown */
	int has_refresh;           /* U2M: a refresh token is cached */
};

/* Reads the state without contacting the server or refreshing anything. */
int dbx_auth_status(struct dbx_client *c, struct dbx_auth_info *info, char *errbuf);

/* A valid access token for the client's credentials, refreshed or exchanged
 * as needed, into out (cap bytes; SECRET: the caller wipes it), and its
 * expiry (Unix seconds, 0 when unknown, e.g. a PAT). DBX_ERR_AUTH when there
 * are no credentials, DBX_ERR_LIMIT when cap is too small. */
int dbx_auth_token(struct dbx_client *c, char *out, size_t cap, long long *expiry, char *errbuf);

#endif
