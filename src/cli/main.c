/*
 * main.c - the dbxai command line: global options, usage, dispatch to the
 * commands in cli_*.c.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* Commands (cli_*.c). */
int cli_api(const struct cli_globals *g, int argc, char **argv);
int cli_login(const struct cli_globals *g, int argc, char **argv);
int cli_logout(const struct cli_globals *g, int argc, char **argv);
int cli_auth(const struct cli_globals *g, int argc, char **argv);
int cli_embed(const struct cli_globals *g, int argc, char **argv);
int cli_models(const struct cli_globals *g, int argc, char **argv);
int cli_chat(const struct cli_globals *g, int argc, char **argv);
int cli_configure(const struct cli_globals *g, int argc, char **argv);

static const char usage_text[] =
    "usage: dbxai [GLOBAL OPTIONS] COMMAND [ARGS]\n"
    "\n"
    "Commands:\n"
    "  chat [OPTIONS] [PROMPT...]\n"
    "                       one turn, streamed to stdout as it arrives; PROMPT words\n"
    "                       are joined by spaces; no PROMPT or \"-\": the prompt is\n"
    "                       stdin to EOF (a terminal on stdin: as with -i)\n"
    "    -i, --interactive  a conversation, one line per prompt (PROMPT: the first);\n"
    "                       /reset, /model NAME, /system TEXT, /save FILE, /exit,\n"
    "                       /help; Ctrl-C cuts a reply (kept, marked [cut]) or, twice\n"
    "                       at the prompt, leaves, as Ctrl-D does; history kept to\n"
    "                       256 KiB of JSON, oldest turns dropped; --save FILE after\n"
    "                       every turn; spinner and colour only on a terminal\n"
    "                       stderr, no colour with NO_COLOR\n"
    "    -m, --model NAME   serving endpoint (databricks-claude-sonnet-4; env DBXAI_MODEL)\n"
    "    -s, --system TEXT  system prompt (\"You are a helpful assistant.\")\n"
    "    -t, --temperature F  sampling temperature, 0 to 2\n"
    "    --max-tokens N     most tokens to generate\n"
    "    --tools FILE       JSON array of tools, OpenAI format\n"
    "    --messages FILE    JSON array of earlier messages, OpenAI chat format (with\n"
    "                       assistant tool_calls and role \"tool\" results); PROMPT,\n"
    "                       if any, is appended as a user message\n"
    "    --no-stream        one JSON reply instead of a stream\n"
    "    --fast             try databricks-claude-haiku-4-5 first (no retries), then\n"
    "                       fall back to the model\n"
    "    --api chat|responses  chat completions, or the Responses API; the default is\n"
    "                       Responses for names containing \"codex\", and for names\n"
    "                       containing \"gpt\" whose endpoint metadata lists it\n"
    "    --show-reasoning   reasoning text on stderr\n"
    "    --thinking N       Claude extended thinking with a budget of N tokens (>= 1024);\n"
    "                       max_tokens is raised to N + the answer (4096 unless given);\n"
    "                       Claude then accepts no temperature other than 1 (and\n"
    "                       top_p >= 0.95, no top_k)\n"
    "    --reasoning-effort low|medium|high  for OpenAI reasoning models\n"
    "    --schema FILE      structured output: the reply must follow this JSON Schema\n"
    "                       (strict); exit 8 if it is not JSON\n"
    "    --json-object      the reply must be a JSON object; exit 8 if it is not JSON\n"
    "    --param KEY=JSON   add a body field (repeatable), e.g. top_p=0.9 or\n"
    "                       stop='[\"END\"]'; it overrides a field dbxai sets (-v says so)\n"
    "    -s @FILE, --system-file FILE  the system prompt from a file\n"
    "    @FILE              as the only PROMPT word: the prompt from a file\n"
    "    --usage            one line on stderr at the end: prompt, completion, total tokens\n"
    "    --save FILE        write the whole conversation (with the reply, its reasoning\n"
    "                       and tool calls) to FILE for the next --messages\n"
    "                       Output: the reply text, then one line per tool call:\n"
    "                       tool_call ID NAME ARGUMENTS. With --json, JSON Lines:\n"
    "                       {\"type\":\"text\",\"text\":..}, {\"type\":\"reasoning\",..},\n"
    "                       {\"type\":\"tool_call\",\"id\":..,\"name\":..,\"arguments\":..},\n"
    "                       {\"type\":\"usage\",\"prompt_tokens\":..,\"completion_tokens\":..,\n"
    "                       \"total_tokens\":..}, {\"type\":\"done\",\"finish_reason\":..},\n"
    "                       {\"type\":\"error\",\"code\":..,\"message\":..}\n"
    "  embed [-m MODEL] [--batch N] [TEXT...]\n"
    "                       one embedding per TEXT, or per stdin line (no TEXT or\n"
    "                       \"-\"; a trailing CR is dropped; an empty line or TEXT\n"
    "                       is a usage error, so output line N is always input N);\n"
    "                       one JSON array of numbers per line, in input order\n"
    "    -m, --model NAME   embeddings endpoint (text-embedding-3-small)\n"
    "    --batch N          inputs per request, 1 to 2048 (64)\n"
    "                       With --json: {\"index\":N,\"embedding\":[..]} per line\n"
    "  models               serving endpoints, one name per line; with --json one\n"
    "                       {\"name\":..,\"task\":..,\"ready\":true|false} per line\n"
    "  api METHOD PATH_OR_URL [--data JSON|@FILE]\n"
    "                       raw REST call to the workspace; the response body goes\n"
    "                       to stdout as it arrives (e.g. dbxai api GET\n"
    "                       /api/2.0/serving-endpoints)\n"
    "  login [--no-browser] [--device] [--timeout S]\n"
    "                       OAuth user login (U2M): prints a URL to open in a browser\n"
    "                       (opened for you when there is a display), then takes the\n"
    "                       redirect on http://localhost:8020 (8021..8040 if busy;\n"
    "                       DATABRICKS_OAUTH_CALLBACK_PORT) or the final URL pasted on\n"
    "                       stdin; --device: device code grant, when the server has it\n"
    "                       (used by itself without a browser); --timeout S (300);\n"
    "                       with --profile NAME or --host URL the profile is saved\n"
    "                       (host, auth_type = databricks-cli; 0600, atomic)\n"
    "  logout [--all]       forget this host's cached tokens (--all: every host's)\n"
    "  auth status          method, host, token expiry and where each setting came\n"
    "                       from (flag, variable, file:line), never a secret;\n"
    "                       exit 3 when no credentials are usable\n"
    "  auth token [--json]  a valid access token on stdout, refreshed or exchanged as\n"
    "                       needed, for scripts (--json: access_token, token_type,\n"
    "                       expiry); the one command that prints a secret\n"
    "  configure [--profile NAME] [--host URL]\n"
    "                       asks for the workspace host and a personal access token\n"
    "                       (not echoed; piped: one line each on stdin), checks them\n"
    "                       with one API call (exit 3 if refused, nothing written)\n"
    "                       and writes the profile into ~/.databrickscfg or\n"
    "                       DATABRICKS_CONFIG_FILE: mode 0600, atomic, the rest of\n"
    "                       the file kept as it was\n"
    "  help [COMMAND]       this text\n"
    "  --version            the version, and \"Features:\" those built in (see README)\n"
    "\n"
    "Global options:\n"
    "  --host URL           workspace URL (env DATABRICKS_HOST, or host in the profile)\n"
    "  --profile NAME       ~/.databrickscfg profile (env DATABRICKS_CONFIG_PROFILE;\n"
    "                       default [DEFAULT])\n"
    "  --cacert FILE        PEM file of CAs to trust (env SSL_CERT_FILE; SSL_CERT_DIR\n"
    "                       for a directory; default: the system bundle)\n"
    "  --connect-timeout S  seconds to look up, connect, do TLS (30)\n"
    "  --idle-timeout S     seconds without data before giving up (150)\n"
    "  --resolve HOST:PORT:ADDR[,ADDR]  skip DNS (repeatable; env DBXAI_RESOLVE)\n"
    "  -v, --verbose        trace requests and responses on stderr (secrets redacted)\n"
    "  --auth NAME          force a method: pat, oauth-m2m, env-oidc, file-oidc,\n"
    "                       azure-client-secret, databricks-cli (env\n"
    "                       DATABRICKS_AUTH_TYPE, or auth_type in the profile);\n"
    "                       without it the first configured in the order pat,\n"
    "                       oauth-m2m, databricks-cli (a cached login), env-oidc,\n"
    "                       file-oidc, azure-client-secret; named under -v\n"
    "  --json               machine-readable output where a command has one\n"
    "  --raw                model text reaches a terminal as sent (by default control\n"
    "                       characters are shown escaped, ^[; piped output is exact)\n"
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
    "  $XDG_CACHE_HOME/dbxai/token-cache.json, else ~/.cache/dbxai/token-cache.json)\n"
    "\n"
    "Exit status:\n"
    "  0 ok, 1 internal error or stdout not writable, 2 usage or configuration,\n"
    "  3 authentication, 4 rate limited, 5 request rejected (4xx), 6 server error\n"
    "  (5xx), 7 network or TLS, 8 protocol error or truncated response\n";

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct cli_out out = CLI_OUT_INIT;
	cli_write(&out, usage_text, sizeof usage_text - 1);
	return cli_finish(&out, 0);
}

int main(int argc, char **argv)
{
	struct cli_globals g = {0};
	int i, r;

	/* A closed pipe must show up as a write error, not kill us silently. */
	signal(SIGPIPE, SIG_IGN);
	g.connect_timeout_s = DBX_CONNECT_TIMEOUT_MS / 1000.0;
	g.idle_timeout_s = DBX_IDLE_TIMEOUT_MS / 1000.0;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
			/* as curl --version: what this build can do (switches.h) */
			static const char v[] =
			    "dbxai " DBX_VERSION "\nFeatures:" DBX_FEATURES "\n";
			struct cli_out out = CLI_OUT_INIT;
			cli_write(&out, v, sizeof v - 1);
			return cli_finish(&out, 0);
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			return cmd_help(0, NULL);
		r = cli_global_option(argc, argv, &i, &g);
		if (r >= 100)
			return r - 100;
		if (r)
			continue;
		if (a[0] == '-')
			return cli_usage_error("unknown option '%.40s' (see dbxai help)", a);
		if (strcmp(a, "chat") == 0)
			return cli_chat(&g, argc - i - 1, argv + i + 1);
		if (strcmp(a, "api") == 0)
			return cli_api(&g, argc - i - 1, argv + i + 1);
		/* a feature switched off at build time (switches.h): its files are not
		 * built, and constant-false branches reference nothing */
		if (strcmp(a, "login") == 0)
			return DBX_FEATURE_OAUTH ? cli_login(&g, argc - i - 1, argv + i + 1)
			                         : cli_not_built_in("login", "oauth");
		if (strcmp(a, "logout") == 0)
			return DBX_FEATURE_OAUTH ? cli_logout(&g, argc - i - 1, argv + i + 1)
			                         : cli_not_built_in("logout", "oauth");
		if (strcmp(a, "auth") == 0)
			return cli_auth(&g, argc - i - 1, argv + i + 1);
		if (strcmp(a, "embed") == 0)
			return DBX_FEATURE_EMBEDDINGS ? cli_embed(&g, argc - i - 1, argv + i + 1)
			                              : cli_not_built_in("embed", "embeddings");
		if (strcmp(a, "configure") == 0)
			return cli_configure(&g, argc - i - 1, argv + i + 1);
		if (strcmp(a, "models") == 0)
			return cli_models(&g, argc - i - 1, argv + i + 1);
		if (strcmp(a, "help") == 0)
			return cmd_help(argc - i - 1, argv + i + 1);
		return cli_usage_error("unknown command '%.40s' (see dbxai help)", a);
	}
	fputs(usage_text, stderr);
	return 2;
}
