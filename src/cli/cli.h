/*
 * cli.h - what the command-line modules share (main.c, cli_*.c): global options,
 * the client built from flags/environment/config, messages, exit statuses and
 * careful stdout. Only the CLI prints or exits; the library never does.
 *
 * Exit statuses: 0 ok; 1 internal (or stdout could not be written); 2 usage or
 * configuration; 3 authentication; 4 rate limited; 5 request rejected; 6 server
 * error; 7 network or TLS; 8 protocol error or truncated response; 9 the agent
 * loop reached its turn limit.
 */
#ifndef CLI_H
#define CLI_H

#include <stddef.h>
#include <stdio.h>

#include "cfg.h"
#include "dbxai.h"
#include "switches.h"
#include "text.h"

struct cli_globals {
	const char *host;
	const char *profile;
	const char *cacert;
	const char *auth; /* --auth pat|oauth-m2m|oauth-u2m, or NULL */
	double connect_timeout_s;
	double idle_timeout_s;
	int verbose;
	int json;
	int raw;                /* --raw */
	const char *resolve;    /* the --resolve entries joined by spaces, or NULL
	                           (then DBXAI_RESOLVE counts) */
	char resolve_buf[2048]; /* holds them */
};

/* --raw: model and server text reach a terminal as they are (else controls
 * are shown escaped: text_tty). Set once by cli_global_option. */
extern int cli_raw;
/* ms (dbx_options.read_batch_ms) the clients made from now on may wait to read
 * a stream in bursts; set by a command whose output nobody watches arrive */
extern int cli_read_in_bursts;

/* -v: set once by cli_global_option, for notes far from the globals. */
extern int cli_verbose;

/* Writes s[0..n) to f, through text_tty (state st) when esc. 0, or EOF when
 * the write failed. */
int cli_put_text(FILE *f, struct text_tty *st, int esc, const char *s, size_t n);

/* --json (set by main before any command runs): a failure also prints
 * {"type":"error","code":..,"message":..} on stdout, once (cli_json_error). */
extern int cli_json;

/* That line for err (code: usage, auth, rate_limited, context_length,
 * bad_request, server, network, protocol); only the first call prints.
 * cli_fail() calls it for usage and configuration errors (exit 2). */
void cli_json_error(int err, const char *msg);

/* Prints "dbxai: MSG" on stderr and returns err's exit status. MSG always
 * goes through text_tty: server text in an error cannot drive the terminal. A library
 * call's errbuf always holds its message; MSG is NULL only for the CLI's own
 * failures that need no more words than the code's (out of memory). */
int cli_fail(int err, const char *msg);

/* "WHAT: not built in (FEATURE): rebuild ..." for a command or flag of a
 * feature switched off at build time (switches.h); returns 2. */
int cli_not_built_in(const char *what, const char *feature);

/* Prints a usage error and returns 2. */
__attribute__((format(printf, 1, 2))) int cli_usage_error(const char *fmt, ...);

/* "--name VALUE" / "--name=VALUE" (alias: another spelling such as "-d"):
 * 1 and *val set (argv[*i] advanced past the value), 0 when argv[*i] is not
 * this option, -1 when the value is missing. */
int cli_opt_value(int argc, char **argv, int *i, const char *name, const char *alias,
                  const char **val);

/* Consumes a global option at argv[*i]: 1 if it was one, 0 if not, or an exit
 * status + 100 after printing the error. */
int cli_global_option(int argc, char **argv, int *i, struct cli_globals *g);

/* The config file a profile is saved in (DATABRICKS_CONFIG_FILE, else
 * ~/.databrickscfg) into path, and whether it exists; a symbolic link, a
 * non-regular file or another user's is refused (exit status returned). */
int cli_profile_path(char *path, size_t cap, int *exists);

/* Sets profile's keys kv[0..n) in path (cfgedit: the rest of the file kept)
 * through the private-file writer (0600, atomic). Returns the exit status. */
struct cfgedit_kv;
int cli_profile_write(const char *path, int exists, const char *profile,
                      const struct cfgedit_kv *kv, size_t n);

/* Builds the client from flags, environment and config file through
 * dbx_config_load(): *cfg holds the strings, must outlive the client and is
 * released with dbx_config_free() (NULL when nothing was loaded). Returns 0 or
 * an exit status after printing the error. */
int cli_open_client(const struct cli_globals *g, struct dbx_config **cfg, struct dbx_client **out);

/* The same from a cfg filled by the caller (`dbxai configure` checks values
 * before they reach a file); cfg must outlive the client. */
int cli_client_new(const struct cli_globals *g, const struct dbx_config *cfg,
                   struct dbx_client **out);

/* Reads a whole file ("-" is stdin) into malloc'd, NUL-terminated memory. */
int cli_read_file(const char *path, char **out, size_t *len, char *errbuf);

/* Writes to stdout and flushes; on failure remembers it and returns non-zero
 * (so a caller streaming from the library can cancel). */
struct cli_out {
	int last; /* last byte written, -1 before any */
	int failed;
	int coalesce;        /* buffer writes (cli_coalesce); 0: flush every write */
	int esc;             /* 0 not known yet; 1: escape (a terminal, no --raw); 2 not */
	struct text_tty tty; /* the escaping state on a terminal */
};

#define CLI_OUT_INIT                                                                               \
	{                                                                                          \
		-1, 0, 0, 0,                                                                       \
		{                                                                                  \
			0, 0, 0, 0                                                                 \
		}                                                                                  \
	}

/* For output that nobody watches live (stdout not a terminal): big buffered
 * writes instead of one write(2) per delta. Call before the first write. */
void cli_coalesce(struct cli_out *o);
int cli_write(struct cli_out *o, const char *data, size_t len);

/* Tools from MCP servers (cli_mcp.c): chat's flags, the servers, approval. */
#define CLI_MCP_MAX 32
struct cli_mcp {
	const char *spec[CLI_MCP_MAX]; /* --mcp COMMAND or --mcp-url URL, in order */
	int is_url[CLI_MCP_MAX];
	size_t n;
	const char *config; /* --mcp-config FILE */
	int no_config;      /* --no-mcp-config */
	const char *allow;  /* --allow-tools all|LIST */
	long timeout_ms;    /* --tool-timeout S; 0: the library's 60 s */
	struct dbx_mcp *m;  /* started servers; NULL: none configured */
	struct dbx_agent_options ao;
	char *always; /* tools answered "always", comma-separated */
	int json;     /* --json: the events tell, no lines on stderr */
};

/* Consumes an MCP flag at argv[*i]: 1 if it was one, 0 if not, or an exit
 * status + 100 after printing the error. */
int cli_mcp_option(int argc, char **argv, int *i, struct cli_mcp *o);
/* Reads the config and starts the servers (o->m stays NULL when there are
 * none); a server that fails is reported on stderr and left out. Returns 0 or
 * an exit status after printing the error. */
int cli_mcp_start(struct cli_mcp *o, struct dbx_client *c, int verbose);
/* Ctrl-C, SIGTERM and SIGHUP stop the servers before the process ends. */
void cli_mcp_guard(struct cli_mcp *o);
void cli_mcp_free(struct cli_mcp *o);
/* The approval callback (ctx: the struct cli_mcp). */
int cli_mcp_approve(void *ctx, const struct dbx_tool_call *call, char *why);
/* The one-line report of an MCP tool result on stderr ("<- 1.2 KiB"); the
 * call's ("-> NAME ARGS") is written by cli_mcp_approve as it lets it run. */
void cli_mcp_report(const struct dbx_event *ev);

/* `dbxai chat -i` (cli_repl.c): a conversation on the terminal with the
 * options of rq (borrowed), until /exit or the end of input; first (may be
 * NULL) is the first prompt; ao (may be NULL): the MCP tools, run by the agent
 * loop in every turn. Returns the exit status. */
int cli_repl(struct dbx_client *client, const struct dbx_chat_request *rq,
             const struct dbx_agent_options *ao, const char *save_file, int show_reasoning,
             const char *first);

/* The "waiting..." spinner on stderr (cli_repl.c): on = 1 starts it when
 * stderr is a terminal (dim unless NO_COLOR; SIGALRM with SA_RESTART drives
 * it), 0 stops and erases it; stopping a spinner that is not on does nothing. */
#if DBX_FEATURE_REPL
void cli_spin(int on);
#else
static inline void cli_spin(int on) /* no spinner without the REPL's file */
{
	(void)on;
}
#endif

/* Conversations on disk (cli_log.c). cli_conv_open: logging on (on: no
 * --no-log, DBXAI_LOG not 0) in a new conversation, or continuing one (id ""
 * for the last, else that ID: *messages gets its messages, malloc'd; a
 * missing one is a usage error). Without a usable state directory logging is
 * off, with a note under -v (verbose), never an error. Returns 0 or an exit
 * status. cli_conv_turn writes the conversation after a turn (transcript: all
 * of it, model, usage: 3 numbers or NULL); failures only turn logging off. */
struct cli_conv {
	char dir[400]; /* "" when logging is off */
	char id[32];
	char created[24];
	char *turns; /* the members of the turns array so far (heap) */
	size_t turns_len;
	int verbose;
};
int cli_conv_open(struct cli_conv *c, int on, int verbose, const char *id, char **messages,
                  size_t *len);
void cli_conv_turn(struct cli_conv *c, const char *transcript, size_t len, const char *model,
                   const long long *usage);
void cli_conv_close(struct cli_conv *c);

/* The next turns go to a new conversation (chat -i's /reset). */
void cli_conv_new(struct cli_conv *c);

/* The conversation chat -i writes each turn to (NULL: none). */
extern struct cli_conv *cli_repl_conv;

/* The commands (cli_help.c), ended by a NULL name: each one's entry and the
 * words completion offers as its arguments ("*": the command names; NULL:
 * none). Its part of `dbxai help` is the section of its name in
 * src/cli/help.txt (synopsis at an indent of two, options at four,
 * descriptions from column 23; completion reads the options from it). A new
 * command is one entry and one section; a new option one line of its help. */
struct cli_command {
	const char *name;
	int (*run)(const struct cli_globals *g, int argc, char **argv);
	const char *words;
};
extern const struct cli_command cli_commands[];

/* The command called name, or NULL. */
const struct cli_command *cli_command(const char *name);

/* The text of section name of src/cli/help.txt ("" if there is none). */
const char *cli_help_section(const char *name);

/* Prints c's help on stdout (NULL: the whole) and returns the exit status. */
int cli_help_of(const struct cli_command *c);

/* Ends output: exit status status, or 1 with a message when stdout failed. */
int cli_finish(struct cli_out *o, int status);

#endif
