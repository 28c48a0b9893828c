/*
 * cli_help.c - the commands (one table: name, entry, help text), `dbxai help
 * [COMMAND]` and `dbxai completion bash|zsh|fish`.
 *
 * The help text is the one source of the options: completion reads each
 * command's options out of its help section (see each_flag), and the tests
 * compare the README and the man page with `dbxai help COMMAND` flag by flag.
 * A new option is one line in its command's section; a new command one entry
 * in cli_commands.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "switches.h"

/* Each command's part of the help: its synopsis line(s) at an indent of two,
 * its options at four ("-x, --long VALUE" before the description column, 23),
 * descriptions from column 23; a tab stands for the spaces up to it. */
static const char h_chat[] =
    "  chat [OPTIONS] [PROMPT...]\n"
    "\tone turn, streamed to stdout as it arrives; PROMPT words\n"
    "\tare joined by spaces; no PROMPT or \"-\": the prompt is\n"
    "\tstdin to EOF (a terminal on stdin: as with -i)\n"
    "    -i, --interactive\ta conversation, one line per prompt (PROMPT: the first);\n"
    "\t/reset, /model NAME, /system TEXT, /save FILE, /exit,\n"
    "\t/help, /attach FILE (for the next prompt);\n"
    "\tCtrl-C cuts a reply (kept, marked [cut]) or, twice\n"
    "\tat the prompt, leaves, as Ctrl-D does; history kept to\n"
    "\t256 KiB of JSON, oldest turns dropped; --save FILE after\n"
    "\tevery turn; spinner and colour only on a terminal\n"
    "\tstderr, no colour with NO_COLOR; line editing (keys:\n"
    "\t/help; a paste is one prompt, a line ending in \\ goes\n"
    "\ton) and history (1,000 entries, 0600, DBXAI_HISTORY=0:\n"
    "\tnone) in $XDG_STATE_HOME/dbxai/history, else\n"
    "\t~/.local/state/dbxai/history; TERM=dumb: plain lines\n"
    "    -m, --model NAME\tserving endpoint (databricks-claude-sonnet-4; env DBXAI_MODEL)\n"
    "    -s, --system TEXT\tsystem prompt (\"You are a helpful assistant.\")\n"
    "    -t, --temperature F  sampling temperature, 0 to 2\n"
    "    --max-tokens N\tmost tokens to generate\n"
    "    -a, --attach FILE\tan image (JPEG, PNG, GIF, WebP) or UTF-8 text file for\n"
    "\tthe prompt, told by content (repeatable; - is stdin);\n"
    "\tlimits: an image 5 MiB, 20 images, a body 16 MiB\n"
    "    --tools FILE\tJSON array of tools, OpenAI format\n"
    "    --messages FILE\tJSON array of earlier messages, OpenAI chat format (with\n"
    "\tassistant tool_calls and role \"tool\" results); PROMPT,\n"
    "\tif any, is appended as a user message\n"
    "    --no-stream\task for the whole reply at once, not streamed (the output\n"
    "\tis the same)\n"
    "    --fast\ttry databricks-claude-haiku-4-5 first (no retries), then\n"
    "\tfall back to the model\n"
    "    --api chat|responses|agent-chat|agent-responses  the default: Responses for\n"
    "\t\"codex\" names; for \"gpt\" and \"agent\" names the\n"
    "\tendpoint metadata (agent tasks: MLflow ChatAgent,\n"
    "\tResponsesAgent); an agent's own tool steps: --json\n"
    "\tevents with \"remote\":true, -v on stderr\n"
    "    --custom-inputs JSON|@FILE  an agent's custom_inputs\n"
    "    --trace FILE\tthe agent's MLflow trace written to FILE (0600)\n"
    "    --show-reasoning\treasoning text on stderr\n"
    "    --thinking N\tClaude extended thinking with a budget of N tokens (>= 1024);\n"
    "\tmax_tokens is raised to N + the answer (4096 unless given);\n"
    "\tClaude then accepts no temperature other than 1 (and\n"
    "\ttop_p >= 0.95, no top_k)\n"
    "    --reasoning-effort low|medium|high  for OpenAI reasoning models\n"
    "    --schema FILE\tstructured output: the reply must follow this JSON Schema\n"
    "\t(strict); exit 8 if it is not JSON\n"
    "    --json-object\tthe reply must be a JSON object; exit 8 if it is not JSON\n"
    "    --param KEY=JSON\tadd a body field (repeatable), e.g. top_p=0.9 or\n"
    "\tstop='[\"END\"]'; it overrides a field dbxai sets (-v says so)\n"
    "    -s @FILE, --system-file FILE  the system prompt from a file\n"
    "    @FILE\tas the only PROMPT word: the prompt from a file\n"
    "    --usage\tone line on stderr at the end: prompt, completion, total tokens\n"
    "    -c, --continue\tcontinue the last conversation (PROMPT: the next turn)\n"
    "    --conversation ID\tcontinue that one (dbxai log lists them)\n"
    "    --no-log\tkeep no log of this chat (also: DBXAI_LOG=0); by default\n"
    "\tevery chat is kept in $XDG_STATE_HOME/dbxai/conversations/\n"
    "\t(else ~/.local/state/dbxai/conversations/; 0600), at most\n"
    "\t50 MiB in all, the least recent removed first\n"
    "    --save FILE\twrite the whole conversation (with the reply, its reasoning\n"
    "\tand tool calls, attachments as data URLs) to FILE for\n"
    "\tthe next --messages\n"
    "    --mcp 'CMD ARGS'\tan MCP server run over stdio (repeatable; words split with\n"
    "\t'..', \"..\", \\ quoting, no shell): the model's calls of its\n"
    "\ttools (SERVER__TOOL) run, results go back, until a reply\n"
    "\twithout tool calls; -> and <- lines on stderr per call\n"
    "    --mcp-url URL\ta Streamable HTTP MCP server (repeatable); a path such as\n"
    "\t/api/2.0/mcp/functions/CATALOG/SCHEMA or a URL on the\n"
    "\tworkspace gets its credentials, other hosts none\n"
    "    --mcp-config FILE\t{\"mcpServers\": {NAME: {command, args, env, cwd} | {url}}}\n"
    "\t(default ~/.config/dbxai/mcp.json if it exists)\n"
    "    --no-mcp-config\tread no MCP config file\n"
    "    --allow-tools all|LIST  run these tools without asking (names, * globs:\n"
    "\tfs__*); off a terminal a call not allowed exits 2\n"
    "    --max-turns N\tmodel turns at most (10); still calling tools: exit 9\n"
    "    --tool-timeout S\ta tool call past S seconds (60) is cancelled, an error result\n"
    "    Output: the reply text, then one line per tool call: tool_call ID NAME\n"
    "    ARGUMENTS. With --json, JSON Lines: {\"type\":\"text\",\"text\":..},\n"
    "    {\"type\":\"reasoning\",..}, {\"type\":\"tool_call\",\"id\":..,\"name\":..,\n"
    "    \"arguments\":..}, {\"type\":\"usage\",\"prompt_tokens\":..,\"completion_tokens\":..,\n"
    "    \"total_tokens\":..}, {\"type\":\"done\",\"finish_reason\":..},\n"
    "    {\"type\":\"tool_result\",\"id\":..,\"name\":..,\"server\":..,\"is_error\":..,\n"
    "    \"text\":..} (MCP tools; their tool_call has \"server\"), and on failure\n"
    "    {\"type\":\"error\",\"code\":..,\"message\":..} (also for usage errors: code usage)\n";

static const char h_embed[] = "  embed [-m MODEL] [--batch N] [TEXT...]\n"
                              "\tone embedding per TEXT, or per stdin line (no TEXT or\n"
                              "\t\"-\"; a trailing CR is dropped; an empty line or TEXT\n"
                              "\tis a usage error, so output line N is always input N);\n"
                              "\tone JSON array of numbers per line, in input order\n"
                              "    -m, --model NAME\tembeddings endpoint (text-embedding-3-small)\n"
                              "    --batch N\tinputs per request, 1 to 2048 (64)\n"
                              "\tWith --json: {\"index\":N,\"embedding\":[..]} per line\n";

static const char h_models[] =
    "  models [--task chat|embeddings]\n"
    "\tserving endpoints, one name per line; with --json one\n"
    "\t{\"name\":..,\"task\":..|null,\"ready\":true|false} per line\n"
    "    --task chat|embeddings  only the endpoints of that task (llm/v1/chat,\n"
    "\tllm/v1/embeddings)\n";

static const char h_api[] = "  api METHOD PATH_OR_URL [--data JSON|@FILE]\n"
                            "\traw REST call to the workspace; the response body goes\n"
                            "\tto stdout as it arrives (e.g. dbxai api GET\n"
                            "\t/api/2.0/serving-endpoints)\n";

static const char h_login[] = "  login [--no-browser] [--device] [--timeout S]\n"
                              "\tOAuth user login (U2M): prints a URL to open in a browser\n"
                              "\t(opened for you when there is a display), then takes the\n"
                              "\tredirect on http://localhost:8020 (8021..8040 if busy;\n"
                              "\tDATABRICKS_OAUTH_CALLBACK_PORT) or the final URL pasted on\n"
                              "\tstdin; --device: device code grant, when the server has it\n"
                              "\t(used by itself without a browser); --timeout S (300);\n"
                              "\twith --profile NAME or --host URL the profile is saved\n"
                              "\t(host, auth_type = databricks-cli; 0600, atomic)\n";

static const char h_logout[] =
    "  logout [--all]\tforget this host's cached tokens (--all: every host's)\n";

static const char h_auth[] =
    "  auth status\tmethod, host, token expiry and where each setting came\n"
    "\tfrom (flag, variable, file:line), never a secret;\n"
    "\texit 3 when no credentials are usable\n"
    "  auth token [--json]\ta valid access token on stdout, refreshed or exchanged as\n"
    "\tneeded, for scripts (--json: access_token, token_type,\n"
    "\texpiry); the one command that prints a secret\n";

static const char h_configure[] = "  configure [--profile NAME] [--host URL]\n"
                                  "\tasks for the workspace host and a personal access token\n"
                                  "\t(not echoed; piped: one line each on stdin), checks them\n"
                                  "\twith one API call (exit 3 if refused, nothing written)\n"
                                  "\tand writes the profile into ~/.databrickscfg or\n"
                                  "\tDATABRICKS_CONFIG_FILE: mode 0600, atomic, the rest of\n"
                                  "\tthe file kept as it was\n";

static const char h_mcp[] =
    "  mcp list [--json]\tthe MCP servers (flags as for chat, or the config file):\n"
    "\tstarted or not, protocol revision, tools; exit 0 only when\n"
    "\tevery server started; --json: one object per server\n";

static const char h_log[] =
    "  log [-n N] [--json] the conversations kept, the most recent first (10): ID,\n"
    "\ttime, model, turns, first prompt; --json: one\n"
    "\t{\"id\",\"updated\",\"model\",\"turns\",\"title\"} per line\n"
    "  log show ID\tone conversation, message by message (--json: its file:\n"
    "\tid, created, updated, model, turns with time, model and\n"
    "\tusage, messages in the --messages format)\n";

static const char h_help[] =
    "  help [COMMAND]\tthis text, or one command's (also: dbxai COMMAND --help)\n";

static const char h_completion[] = "  completion bash|zsh|fish\n"
                                   "\tthe shell completion script, from this binary: commands,\n"
                                   "\toptions, their values, and after -m the workspace's chat\n"
                                   "\t(or, for embed, embedding) endpoints from dbxai models\n"
                                   "\t--task (at most 3 s; DBXAI_COMPLETE_MODELS=0: not asked);\n"
                                   "\te.g. source <(dbxai completion bash)\n";

static const char h_version[] = "  --version            print the version\n";

/* Scanned for the global options from its second line on. */
static const char h_globals[] =
    "\n"
    "Global options:\n"
    "  --host URL\tworkspace URL (env DATABRICKS_HOST, or host in the profile)\n"
    "  --profile NAME\t~/.databrickscfg profile (env DATABRICKS_CONFIG_PROFILE;\n"
    "\tdefault [DEFAULT])\n"
    "  --cacert FILE\tPEM file of CAs to trust (env SSL_CERT_FILE; SSL_CERT_DIR\n"
    "\tfor a directory; default: the system bundle)\n"
    "  --connect-timeout S\tseconds to look up, connect, do TLS (30)\n"
    "  --idle-timeout S\tseconds without data before giving up (150)\n"
    "  --resolve HOST:PORT:ADDR[,ADDR]  skip DNS (repeatable; env DBXAI_RESOLVE)\n"
    "  -v, --verbose\ttrace requests and responses on stderr (secrets redacted)\n"
    "  --auth NAME\tforce a method: pat, oauth-m2m, env-oidc, file-oidc,\n"
    "\tazure-client-secret, databricks-cli (env\n"
    "\tDATABRICKS_AUTH_TYPE, or auth_type in the profile);\n"
    "\twithout it the first configured in the order pat,\n"
    "\toauth-m2m, databricks-cli (a cached login), env-oidc,\n"
    "\tfile-oidc, azure-client-secret; named under -v\n"
    "  --json\tmachine-readable output where a command has one\n"
    "  --raw\tmodel text reaches a terminal as sent (by default control\n"
    "\tcharacters are shown escaped, ^[; piped output is exact)\n";

static const char h_rest[] =
    "\n"
    "Environment:\n"
    "  DATABRICKS_HOST, DATABRICKS_TOKEN (personal access token; never a flag, where\n"
    "  ps would show it), DATABRICKS_CONFIG_FILE, DATABRICKS_CONFIG_PROFILE,\n"
    "  HTTPS_PROXY / https_proxy (http://[user:pass@]host[:port]), NO_PROXY / no_proxy,\n"
    "  SSL_CERT_FILE, SSL_CERT_DIR, DATABRICKS_MAX_RETRIES,\n"
    "  DATABRICKS_INITIAL_RETRY_INTERVAL_MS, DATABRICKS_BACKOFF_MULTIPLIER,\n"
    "  DATABRICKS_MAX_RETRY_INTERVAL_MS, DATABRICKS_CLIENT_ID + DATABRICKS_CLIENT_SECRET\n"
    "  (OAuth M2M), DATABRICKS_OIDC_TOKEN (or the variable DATABRICKS_OIDC_TOKEN_ENV\n"
    "  names) or DATABRICKS_OIDC_TOKEN_FILEPATH: an identity provider's JWT exchanged\n"
    "  for a workspace token (with DATABRICKS_CLIENT_ID: that service principal's\n"
    "  federation policy), ARM_CLIENT_ID + ARM_CLIENT_SECRET + ARM_TENANT_ID (Azure\n"
    "  service principal; AZURE_AUTHORITY_HOST), DATABRICKS_AUTH_TYPE,\n"
    "  DATABRICKS_OAUTH_CALLBACK_PORT, DBXAI_TOKEN_CACHE (default\n"
    "  $XDG_CACHE_HOME/dbxai/token-cache.json, else ~/.cache/dbxai/token-cache.json),\n"
    "  DBXAI_HISTORY (0: no chat -i history)\n"
    "\n"
    "Exit status:\n"
    "  0 ok, 1 internal error or stdout not writable, 2 usage or configuration,\n"
    "  3 authentication, 4 rate limited, 5 request rejected (4xx), 6 server error\n"
    "  (5xx), 7 network or TLS, 8 protocol error or truncated response, 9 the agent\n"
    "  loop reached --max-turns\n";

int cli_api(const struct cli_globals *g, int argc, char **argv);
#if DBX_FEATURE_OAUTH
int cli_login(const struct cli_globals *g, int argc, char **argv);
int cli_logout(const struct cli_globals *g, int argc, char **argv);
#endif
int cli_auth(const struct cli_globals *g, int argc, char **argv);
#if DBX_FEATURE_EMBEDDINGS
int cli_embed(const struct cli_globals *g, int argc, char **argv);
#endif
int cli_models(const struct cli_globals *g, int argc, char **argv);
int cli_chat(const struct cli_globals *g, int argc, char **argv);
int cli_configure(const struct cli_globals *g, int argc, char **argv);
int cli_log(const struct cli_globals *g, int argc, char **argv);
int cli_mcp(const struct cli_globals *g, int argc, char **argv);
static int cmd_help(const struct cli_globals *g, int argc, char **argv);
static int cmd_completion(const struct cli_globals *g, int argc, char **argv);

/* A command of a feature switched off at build time (switches.h): its files
 * are not built; it says so and exits 2. */
#define NOT_BUILT_IN(fn, cmd, feature)                                                             \
	static int fn(const struct cli_globals *g, int argc, char **argv)                          \
	{                                                                                          \
		(void)g;                                                                           \
		(void)argc;                                                                        \
		(void)argv;                                                                        \
		return cli_not_built_in(cmd, feature);                                             \
	}
#if !DBX_FEATURE_OAUTH
NOT_BUILT_IN(cli_login, "login", "oauth")
NOT_BUILT_IN(cli_logout, "logout", "oauth")
#endif
#if !DBX_FEATURE_EMBEDDINGS
NOT_BUILT_IN(cli_embed, "embed", "embeddings")
#endif

/* words: what completion offers for the command's own arguments ("*": the
 * command names). */
const struct cli_command cli_commands[] = {
    {"chat", cli_chat, NULL, h_chat},
    {"embed", cli_embed, NULL, h_embed},
    {"models", cli_models, NULL, h_models},
    {"api", cli_api, "GET POST PUT PATCH DELETE", h_api},
    {"login", cli_login, NULL, h_login},
    {"logout", cli_logout, NULL, h_logout},
    {"auth", cli_auth, "status token", h_auth},
    {"configure", cli_configure, NULL, h_configure},
    {"mcp", cli_mcp, "list", h_mcp},
    {"log", cli_log, "show", h_log},
    {"help", cmd_help, "*", h_help},
    {"completion", cmd_completion, "bash zsh fish", h_completion},
    {NULL, NULL, NULL, NULL},
};

const struct cli_command *cli_command(const char *name)
{
	const struct cli_command *c;
	for (c = cli_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static int put(const char *s)
{
	return fputs(s, stdout) < 0;
}

/* Writes help text s starting at column col: a tab pads to the description
 * column, 23 (the texts above hold tabs for those runs of spaces). */
static void put_help(const char *s, int col)
{
	for (; *s; s++) {
		if (*s == '\t') {
			do
				putchar(' ');
			while (++col < 23);
			continue;
		}
		putchar(*s);
		col = *s == '\n' ? 0 : col + 1;
	}
}

int cli_help_of(const struct cli_command *c)
{
	struct cli_out out = CLI_OUT_INIT;
	const struct cli_command *k;

	if (c) {
		put("usage: dbxai [GLOBAL OPTIONS] ");
		put_help(c->help + 2, 2);
		put("\nGlobal options, environment, exit status: dbxai help\n");
	} else {
		put("usage: dbxai [GLOBAL OPTIONS] COMMAND [ARGS]\n\nCommands:\n");
		for (k = cli_commands; k->name; k++)
			put_help(k->help, 0);
		put(h_version);
		put_help(h_globals, 0);
		put(h_rest);
	}
	return cli_finish(&out, 0);
}

static int cmd_help(const struct cli_globals *g, int argc, char **argv)
{
	const struct cli_command *c = NULL;
	(void)g;
	if (argc > 1)
		return cli_usage_error("help: one COMMAND at most");
	if (argc == 1 && !(c = cli_command(argv[0])))
		return cli_usage_error("help: no command '%.40s' (dbxai help lists them)", argv[0]);
	return cli_help_of(c);
}

/* Completion: the options of each help section, read out of it. */

enum { SH_BASH, SH_ZSH, SH_FISH };

struct gen {
	int pass;        /* bash: 0 word lists, 1 files, 2 models, 3 choices, 4 free */
	int shell;       /* SH_* */
	const char *cmd; /* the section's command, NULL for the global options */
	int n;           /* patterns written in this pass */
};

/* A value word: upper case (FILE, NAME), @FILE, or choices a|b. */
static int is_value(const char *v, size_t n)
{
	return n && ((*v >= 'A' && *v <= 'Z') || *v == '@' || memchr(v, '|', n));
}

static void flag_out(struct gen *g, const char *f, int fn, const char *v, int vn);

/* Calls flag_out for each option of help section h: the words starting with
 * '-' before the description column on its lines at an indent of two (the
 * synopsis) or that start with '-', with the value word after each ("-m,
 * --model NAME": both take NAME). */
static void each_flag(struct gen *g, const char *h)
{
	while (*h) {
		const char *e = strchr(h, '\n'), *p = h, *stop;
		const char *pend[4];
		int pn[4], np = 0;

		if (!e)
			e = h + strlen(h);
		while (p < e && *p == ' ')
			p++;
		for (stop = p; stop < e && *stop != '\t' && !(stop[0] == ' ' && stop[1] == ' ');
		     stop++)
			;
		if (p - h == 2 || (p - h == 4 && *p == '-')) {
			while (p < stop) {
				const char *t = p, *v;
				int tn, vn = 0;
				while (p < stop && !strchr(" ,[]", *p))
					p++;
				tn = (int)(p - t);
				if (*t != '-' || tn < 2) {
					p += p < stop;
					continue;
				}
				if (p < stop && *p == ',' && np < 4) { /* an alias of the next */
					pend[np] = t;
					pn[np++] = tn;
					p++;
					continue;
				}
				v = p + 1;
				if (p < stop && *p == ' ') {
					const char *ve = v;
					while (ve < stop && !strchr(" ,[]", *ve))
						ve++;
					vn = is_value(v, (size_t)(ve - v)) ? (int)(ve - v) : 0;
				}
				flag_out(g, t, tn, v, vn);
				while (np)
					np--, flag_out(g, pend[np], pn[np], v, vn);
				p += p < stop;
			}
		}
		h = *e ? e + 1 : e;
	}
}

static int has(const char *v, int vn, const char *word)
{
	size_t n = strlen(word);
	for (; vn >= (int)n; v++, vn--)
		if (memcmp(v, word, n) == 0)
			return 1;
	return 0;
}

/* 1 file, 2 model, 3 choices, 4 free text; 0: no value; -1 "-s @FILE" (the
 * other spelling of an option listed with its own value) */
static int kind(const char *f, int fn, const char *v, int vn)
{
	if (!vn)
		return 0;
	if (*v == '@')
		return -1;
	if (has(v, vn, "FILE"))
		return 1;
	if ((fn == 2 && f[1] == 'm') || (fn == 7 && memcmp(f, "--model", 7) == 0))
		return 2;
	return memchr(v, '|', (size_t)vn) ? 3 : 4;
}

static const char *task_of(const char *cmd)
{
	return strcmp(cmd, "embed") == 0 ? "embeddings" : "chat";
}

static void flag_out(struct gen *g, const char *f, int fn, const char *v, int vn)
{
	int k = kind(f, fn, v, vn), i;

	if (k < 0 && g->pass)
		return;
	if (g->shell == SH_FISH) {
		/* complete -c dbxai [-n cond] -l long|-s short [-r -F|-f -a ..] */
		fputs("complete -c dbxai", stdout);
		if (g->cmd)
			printf(" -n '__fish_seen_subcommand_from %s'", g->cmd);
		printf(f[1] == '-' ? " -l %.*s" : " -s %.*s", f[1] == '-' ? fn - 2 : fn - 1,
		       f + (f[1] == '-' ? 2 : 1));
		if (k == 1)
			fputs(" -r -F", stdout);
		else if (k == 2)
			printf(" -x -a '(__dbxai_m %s)'", task_of(g->cmd));
		else if (k == 3) {
			fputs(" -x -a '", stdout);
			for (i = 0; i < vn; i++)
				putchar(v[i] == '|' ? ' ' : v[i]);
			putchar('\'');
		} else if (k == 4)
			fputs(" -x", stdout);
		putchar('\n');
		return;
	}
	if (g->pass == 0) { /* the word list */
		printf(" %.*s", fn, f);
		return;
	}
	if (k != g->pass && !(g->pass == 5 && k && !g->cmd))
		return;
	if (g->pass == 3) {
		printf("%s:%.*s)W=\"", g->cmd ? g->cmd : "*", fn, f);
		for (i = 0; i < vn; i++)
			putchar(v[i] == '|' ? ' ' : v[i]);
		puts("\";;");
		return;
	}
	if (g->pass == 5) { /* a global option's value: skip it finding the command */
		printf("%s%.*s", g->n++ ? "|" : "", fn, f);
		return;
	}
	printf("%s%s:%.*s", g->n++ ? "|" : "", g->cmd ? g->cmd : "*", fn, f);
	if (k == 2) {
		printf(")W=$(__dbxai_m %s);;\n", task_of(g->cmd));
		g->n = 0;
	}
}

static void each_section(struct gen *g)
{
	const struct cli_command *c;
	g->cmd = NULL;
	each_flag(g, h_globals + 1);
	for (c = cli_commands; c->name; c++) {
		g->cmd = c->name;
		each_flag(g, c->help);
	}
}

/* The command names, space-separated. */
static void names(void)
{
	const struct cli_command *c;
	for (c = cli_commands; c->name; c++)
		printf("%s%s", c == cli_commands ? "" : " ", c->name);
}

/* The bash function (zsh runs it through bashcompinit). */
static void bash_script(struct gen *g)
{
	static const char *const end[] = {"", ")COMPREPLY=($(compgen -f -- \"$cur\"));return;;\n",
	                                  "", "", ")return;;\n"};
	const struct cli_command *c;

	put("__dbxai_m(){ [ \"$DBXAI_COMPLETE_MODELS\" = 0 ]||timeout 3 \"${COMP_WORDS[0]}\" "
	    "models --task $1 2>/dev/null;}\n"
	    "__dbxai(){\n[ -z \"$ZSH_VERSION\" ]||setopt localoptions ksharrays\n"
	    "local cur=${COMP_WORDS[COMP_CWORD]} p=${COMP_WORDS[COMP_CWORD-1]} c= i W\n"
	    "local G=\"");
	g->pass = 0;
	g->cmd = NULL;
	each_flag(g, h_globals + 1);
	put(" --version --help\"\nfor ((i=1;i<COMP_CWORD;i++));do case ${COMP_WORDS[i]} in\n");
	g->pass = 5;
	g->n = 0;
	each_flag(g, h_globals + 1);
	put(")((i++));;\n-*);;\n*)c=${COMP_WORDS[i]};break;;esac;done\ncase $c:$p in\n");
	for (g->pass = 1; g->pass <= 4; g->pass++) {
		g->n = 0;
		each_section(g);
		if (g->n)
			put(end[g->pass]);
	}
	put("*)case $c in\n'')[[ $cur = -* ]]&&W=$G||W=\"");
	names();
	put("\";;\n");
	for (c = cli_commands; c->name; c++) {
		printf("%s)W=\"", c->name);
		g->pass = 0;
		g->cmd = c->name;
		each_flag(g, c->help);
		if (c->words && *c->words == '*') {
			putchar(' ');
			names();
		} else if (c->words) {
			printf(" %s", c->words);
		}
		put(" -h --help $G\";;\n");
	}
	put("esac;;esac\nCOMPREPLY=($(compgen -W \"$W\" -- \"$cur\"))\n}\n"
	    "complete -F __dbxai dbxai\n");
}

static int cmd_completion(const struct cli_globals *g0, int argc, char **argv)
{
	static const char *const shells[] = {"bash", "zsh", "fish"};
	struct cli_out out = CLI_OUT_INIT;
	struct gen g = {0, 0, NULL, 0};
	const struct cli_command *c;
	int s;

	(void)g0;
	for (s = 0; s < 3 && argc == 1; s++)
		if (strcmp(argv[0], shells[s]) == 0)
			break;
	if (argc != 1 || s == 3)
		return cli_usage_error("completion: say bash, zsh or fish (e.g. source <(dbxai "
		                       "completion bash))");
	g.shell = s;
	if (s == SH_ZSH)
		put("#compdef dbxai\nautoload -U +X bashcompinit&&bashcompinit\n");
	if (s != SH_FISH) {
		bash_script(&g);
		if (s == SH_ZSH) /* autoloaded as _dbxai: this first call completes too */
			put("[[ $funcstack[1] = _dbxai ]]&&_bash_complete -F __dbxai\n");
		return cli_finish(&out, 0);
	}
	put("function __dbxai_m;test \"$DBXAI_COMPLETE_MODELS\" = 0;or timeout 3 (commandline "
	    "-opc)[1] models --task $argv[1] 2>/dev/null;end\ncomplete -c dbxai -f\n");
	put("complete -c dbxai -n __fish_use_subcommand -a '");
	names();
	put("'\n");
	for (c = cli_commands; c->name; c++) {
		if (!c->words)
			continue;
		printf("complete -c dbxai -n '__fish_seen_subcommand_from %s' -a '", c->name);
		if (*c->words == '*')
			names();
		else
			put(c->words);
		put("'\n");
	}
	each_section(&g);
	return cli_finish(&out, 0);
}
