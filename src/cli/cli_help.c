/*
 * cli_help.c - the commands (one table: name, entry), `dbxai help [COMMAND]`
 * and `dbxai completion bash|zsh|fish`.
 *
 * The help text, src/cli/help.txt, is the one source of the options: completion
 * reads each command's options out of its help section (see each_flag), and the
 * tests compare the README and the man page with `dbxai help COMMAND` flag by
 * flag. A new option is one line in its command's section; a new command one
 * entry in cli_commands and a section of help.txt.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "help_pack.h" /* made from src/cli/help.txt by tools/help_pack.py */
#include "switches.h"

/* The help text, unpacked at first use (help_pack.py: the format): "NAME\0TEXT\0"
 * per section. Help and completion are one-shot commands; nothing else reads it. */
static const char *help_text(void)
{
	static char text[HELP_TEXT_SIZE];
	static size_t len;
	const unsigned char *z = help_packed;

	if (len)
		return text;
	while (z < help_packed + sizeof help_packed) {
		unsigned v = *z++;
		const char *from;
		if (v < 0x80) {
			text[len++] = (char)v;
			continue;
		}
		v = v << 8 | *z++;
		from = text + len - (v & 0xfff) - 1;
		for (v = (v >> 12 & 7) + 3; v; v--)
			text[len++] = *from++;
	}
	return text;
}

const char *cli_help_section(const char *name)
{
	const char *p = help_text(), *end = p + HELP_TEXT_SIZE;
	for (; p < end; p += strlen(p) + 1) {
		int match = strcmp(p, name) == 0;
		p += strlen(p) + 1;
		if (match)
			return p;
	}
	return "";
}

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
 * command names). Each command's help is the section of its name. */
const struct cli_command cli_commands[] = {
    {"chat", cli_chat, NULL},
    {"embed", cli_embed, NULL},
    {"models", cli_models, NULL},
    {"api", cli_api, "GET POST PUT PATCH DELETE"},
    {"login", cli_login, NULL},
    {"logout", cli_logout, NULL},
    {"auth", cli_auth, "status token"},
    {"configure", cli_configure, NULL},
    {"mcp", cli_mcp, "list"},
    {"log", cli_log, "show"},
    {"help", cmd_help, "*"},
    {"completion", cmd_completion, "bash zsh fish"},
    {NULL, NULL, NULL},
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
 * column, 23 (help.txt holds tabs for those runs of spaces). */
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
	const char *h;

	if (c) {
		put("usage: dbxai [GLOBAL OPTIONS] ");
		h = cli_help_section(c->name);
		put_help(*h ? h + 2 : h, 2); /* the synopsis without its indent */
		put("\nGlobal options, environment, exit status: dbxai help\n");
	} else {
		put("usage: dbxai [GLOBAL OPTIONS] COMMAND [ARGS]\n\nCommands:\n");
		for (k = cli_commands; k->name; k++)
			put_help(cli_help_section(k->name), 0);
		put_help(cli_help_section("version"), 0);
		put_help(cli_help_section("globals"), 0);
		put_help(cli_help_section("rest"), 0);
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
	each_flag(g, cli_help_section("globals") + 1);
	for (c = cli_commands; c->name; c++) {
		g->cmd = c->name;
		each_flag(g, cli_help_section(c->name));
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
	each_flag(g, cli_help_section("globals") + 1);
	put(" --version --help\"\nfor ((i=1;i<COMP_CWORD;i++));do case ${COMP_WORDS[i]} in\n");
	g->pass = 5;
	g->n = 0;
	each_flag(g, cli_help_section("globals") + 1);
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
		each_flag(g, cli_help_section(c->name));
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
