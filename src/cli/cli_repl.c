/*
 * cli_repl.c - `dbxai chat -i`: a conversation, one line per prompt.
 *
 * The conversation is the transcript dbx_chat hands back after each turn,
 * passed as the messages of the next one, so no message bookkeeping lives
 * here; only a reply cut by Ctrl-C (which leaves no transcript) and the
 * history budget rewrite it.
 *
 * Terminal rules: replies go to stdout as they arrive; prompts, notices and
 * the waiting spinner go to stderr. The prompt is shown only when stdin is a
 * terminal, the spinner only when stderr is one, and colour (bold prompt,
 * dim spinner) only then and without NO_COLOR.
 *
 * Signals: SIGINT sets a flag. During a reply the event callback sees it and
 * cancels the turn (the library drops the connection); before the first event
 * the spinner says "cancelling" and the cut lands at the first event, because
 * the library restarts its waits after EINTR. At the prompt the terminal has
 * already thrown the line away; a second Ctrl-C in a row leaves, as Ctrl-D does.
 * SIGALRM drives the spinner (SA_RESTART, so stdio is not disturbed); the
 * one-turn `dbxai chat` uses it too (cli_spin).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/time.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "ledit.h"

/* reasoning on stderr: its escaping state (text_tty) */
static struct text_tty reasoning_tty;
#include "pfile.h"
#include "json.h"
#include "jsonw.h"

#define REPL_HISTORY_MAX (256u << 10) /* transcript JSON kept between turns */
#define REPL_LINE_MAX 65536           /* longest prompt line (a tty allows 4095) */
#define REPL_REPLY_MAX (16u << 20)    /* reply text kept for a cut reply */
#define REPL_SPIN_MS 120

static volatile sig_atomic_t repl_intr; /* SIGINT seen */
static volatile sig_atomic_t spin_on;
static volatile sig_atomic_t spin_n;
static int spin_color;

struct repl {
	struct dbx_client *client;
	struct dbx_chat_request rq;         /* the options of the command line */
	const struct dbx_agent_options *ao; /* MCP tools (&agent), or NULL */
	struct dbx_agent_options agent;     /* the caller's, Ctrl-C cancelling a call */
	char *conv;                         /* the conversation so far (heap), or NULL */
	size_t conv_len;
	char *model, *system;  /* set by /model, /system (heap) */
	const char *save_file; /* --save: written after every turn */
	struct buf part;       /* reply text of this turn, up to REPL_REPLY_MAX
	                          (a cut reply keeps what fitted) */
	struct cli_out out;
	int show_reasoning;
	struct ledit ed; /* the line editor, when stdin is a terminal it can use */
	char *line;      /* input buffer (heap, REPL_LINE_MAX) */
	size_t line_beg, line_end;
	/* /attach FILE: for the next prompt (the command line's -a: the first) */
	struct dbx_attachment att[DBX_ATTACH_IMAGES_MAX + 12];
	char *att_path[DBX_ATTACH_IMAGES_MAX + 12];
	size_t natt;
	long long usage[3]; /* this turn's, when have_usage */
	int have_usage;
};

struct cli_conv *cli_repl_conv;

/* The next turn has sent its attachments: they are forgotten. */
static void attach_done(struct repl *r)
{
	while (r->natt)
		free(r->att_path[--r->natt]);
	r->rq.attachments = NULL;
	r->rq.num_attachments = 0;
}

static void on_sigint(int sig)
{
	(void)sig;
	repl_intr = 1;
}

/* Only async-signal-safe calls here: the handler runs in the middle of
 * anything. */
static void on_sigalrm(int sig)
{
	static const char frames[] = "|/-\\";
	const char *word = repl_intr ? " cancelling... " : " waiting... ";
	char buf[48];
	size_t n = 0, k = strlen(word);
	int saved = errno;

	(void)sig;
	buf[n++] = '\r';
	if (spin_color) {
		memcpy(buf + n, "\033[2m", 4);
		n += 4;
	}
	buf[n++] = frames[spin_n & 3];
	memcpy(buf + n, word, k);
	n += k;
	if (spin_color) {
		memcpy(buf + n, "\033[0m", 4);
		n += 4;
	}
	if (spin_on)
		(void)!write(STDERR_FILENO, buf, n);
	spin_n++;
	errno = saved;
}

void cli_spin(int on)
{
	static const char clear[] = "\r                    \r";
	struct itimerval it = {{0, REPL_SPIN_MS * 1000}, {0, REPL_SPIN_MS * 1000}};
	struct sigaction sa;
	const char *nc;

	if (!on && !spin_on)
		return; /* (called at every event of a reply) */
	if (on && isatty(STDERR_FILENO)) {
		nc = getenv("NO_COLOR");
		memset(&sa, 0, sizeof sa);
		sigemptyset(&sa.sa_mask);
		sa.sa_handler = on_sigalrm;
		sa.sa_flags = SA_RESTART;
		sigaction(SIGALRM, &sa, NULL);
		spin_color = !(nc && *nc);
		spin_on = 1;
		on_sigalrm(SIGALRM);
		setitimer(ITIMER_REAL, &it, NULL);
	} else if (!on && spin_on) {
		spin_on = 0;
		memset(&it, 0, sizeof it);
		setitimer(ITIMER_REAL, &it, NULL);
		fputs(clear, stderr);
	}
}

static int on_event(void *ctx, const struct dbx_event *ev)
{
	struct repl *r = ctx;
	struct cli_out *o = &r->out;
	int stop = 0;

	cli_spin(0); /* the first event ends the wait */
	if (repl_intr)
		return 1;
	if (ev->type == DBX_EV_USAGE) {
		r->have_usage = 1;
		r->usage[0] = ev->prompt_tokens;
		r->usage[1] = ev->completion_tokens;
		r->usage[2] = ev->total_tokens;
	}
	switch (ev->type) {
	case DBX_EV_TEXT:
		(void)buf_append(&r->part, ev->text, ev->text_len);
		stop = cli_write(o, ev->text, ev->text_len);
		break;
	case DBX_EV_REASONING:
		if (r->show_reasoning)
			(void)cli_put_text(stderr, &reasoning_tty,
			                   !cli_raw && isatty(STDERR_FILENO), ev->text,
			                   ev->text_len);
		break;
	case DBX_EV_TOOL_RESULT:
		if (!ev->remote)
			cli_mcp_report(ev);
		break;
	case DBX_EV_TOOL_CALL:
		if (ev->remote)
			break; /* an agent's own step: not for the answer */
		if (o->last >= 0 && o->last != '\n')
			stop = cli_write(o, "\n", 1);
		if (!stop && !ev->server)
			stop = cli_write(o, "tool_call ", 10) ||
			       cli_write(o, ev->id, strlen(ev->id)) || cli_write(o, " ", 1) ||
			       cli_write(o, ev->name, strlen(ev->name)) || cli_write(o, " ", 1) ||
			       cli_write(o, ev->arguments_len ? ev->arguments : "{}",
			                 ev->arguments_len ? ev->arguments_len : 2) ||
			       cli_write(o, "\n", 1);
		break;
	default:
		break;
	}
	return stop;
}

/* Parses a whole document into a token array of the size it needs (heap). */
static int has_role(const struct json_doc *d, int m, const char *role)
{
	return json_streq(d, json_get(d, m, "role"), role);
}

/*
 * Rewrites the conversation: its system message, then the turns (a user
 * message and what follows it) from the oldest one that keeps the total
 * within REPL_HISTORY_MAX, then, for a cut reply, prompt and the partial
 * reply marked " [cut]". The latest turn is kept whatever its size.
 */
static int conv_rebuild(struct repl *r, const char *prompt, int *dropped)
{
	const char *src = r->conv ? r->conv : "[]";
	size_t len = r->conv ? r->conv_len : 2, out_len = 0, gone = 0, extra = 0, n;
	struct json_tok *tok = NULL;
	struct json_doc d;
	struct json_w w;
	char *buf = NULL;
	const char *p;
	int err, m, i, cut = -1, last_user = 0;

	*dropped = 0;
	if (prompt && r->part.len)
		(void)buf_append(&r->part, " [cut]", 6);
	if (prompt) {
		extra = 6 * (strlen(prompt) + r->part.len) + 64;
	}
	err = json_parse_alloc(&d, src, len, &tok);
	if (err || json_type(&d, 0) != JSON_ARRAY) {
		err = err ? err : DBX_ERR_PROTOCOL;
		goto out;
	}
	/* cut: the first message kept (system messages always are) */
	for (m = json_child(&d, 0), i = 0; m >= 0; m = json_next(&d, m), i++) {
		if (has_role(&d, m, "user") && i > 0) {
			last_user = i;
			if (cut < 0 && len + extra - gone <= REPL_HISTORY_MAX)
				cut = i;
		}
		if (cut < 0 && !has_role(&d, m, "system") && json_raw(&d, m, &p, &n) == DBX_OK)
			gone += n + 1;
	}
	if (len + extra <= REPL_HISTORY_MAX)
		cut = 0;
	else if (cut < 0)
		cut = prompt ? i : last_user;
	buf = malloc(len + extra + 16);
	if (!buf) {
		err = DBX_ERR_NOMEM;
		goto out;
	}
	json_w_init(&w, buf, len + extra + 16);
	json_w_arr(&w);
	for (m = json_child(&d, 0), i = 0; m >= 0; m = json_next(&d, m), i++) {
		if (i >= cut || has_role(&d, m, "system"))
			json_w_raw(&w, &d, m);
		else if (has_role(&d, m, "user"))
			*dropped += 1;
	}
	if (prompt) {
		json_w_obj(&w);
		json_w_key(&w, "role");
		json_w_str(&w, "user");
		json_w_key(&w, "content");
		json_w_str(&w, prompt);
		json_w_obj_end(&w);
		json_w_obj(&w);
		json_w_key(&w, "role");
		json_w_str(&w, "assistant");
		json_w_key(&w, "content");
		json_w_strn(&w, r->part.len ? r->part.p : "[cut]", r->part.len ? r->part.len : 5);
		json_w_obj_end(&w);
	}
	json_w_arr_end(&w);
	err = json_w_finish(&w, &out_len);
	if (!err) {
		free(r->conv);
		r->conv = buf;
		r->conv_len = out_len;
		buf = NULL;
	}
out:
	free(buf);
	free(tok);
	return err;
}

static void notice(const char *msg, const char *arg)
{
	fprintf(stderr, "dbxai: %s%s\n", msg, arg ? arg : "");
}

static void save(struct repl *r, const char *path)
{
	char errbuf[DBX_ERRBUF_SIZE] = "";

	if (!r->conv)
		notice("nothing to save yet", NULL);
	else if (pfile_write(path, r->conv, r->conv_len, NULL, errbuf))
		notice(errbuf, NULL);
	else if (path != r->save_file)
		notice("saved to ", path);
}

/* One turn. The conversation grows by a whole reply or a cut one; after
 * other errors it stays as it was and the session goes on. */
static void turn(struct repl *r, const char *prompt)
{
	char errbuf[DBX_ERRBUF_SIZE] = "";
	struct dbx_chat_request rq = r->rq;
	char *transcript = NULL;
	size_t transcript_len = 0;
	int err, rerr = DBX_OK, dropped = 0;

	rq.prompt = prompt;
	rq.messages_json = r->conv;
	rq.messages_len = r->conv_len;
	rq.model = r->model ? r->model : rq.model;
	rq.system = r->system ? r->system : rq.system;
	rq.transcript = &transcript;
	rq.transcript_len = &transcript_len;
	buf_clear(&r->part);
	r->have_usage = 0;
	repl_intr = 0;
	cli_spin(1);
	err = r->ao ? dbx_chat_agent(r->client, &rq, r->ao, on_event, r, errbuf)
	            : dbx_chat(r->client, &rq, on_event, r, errbuf);
	cli_spin(0);
	attach_done(r);
	if (r->out.last >= 0 && r->out.last != '\n')
		cli_write(&r->out, "\n", 1);
	if (!err) {
		free(r->conv);
		r->conv = transcript;
		r->conv_len = transcript_len;
		transcript = NULL;
		if (r->conv_len > REPL_HISTORY_MAX)
			rerr = conv_rebuild(r, NULL, &dropped);
	} else if (err == DBX_ERR_CANCELLED && repl_intr) {
		rerr = conv_rebuild(r, prompt, &dropped);
		if (!rerr)
			notice("reply cut; it stays in the conversation marked [cut]", NULL);
	} else if (!r->out.failed) {
		cli_fail(err, errbuf); /* the conversation stays as it was */
	}
	if (rerr)
		cli_fail(rerr, NULL);
	if (dropped)
		fprintf(stderr, "dbxai: history over %u KiB: dropped the %d oldest turn%s\n",
		        REPL_HISTORY_MAX >> 10, dropped, dropped == 1 ? "" : "s");
	if (!rerr && (!err || (err == DBX_ERR_CANCELLED && repl_intr)))
		cli_conv_turn(cli_repl_conv, r->conv, r->conv_len,
		              rq.model ? rq.model : DBX_DEFAULT_MODEL,
		              r->have_usage ? r->usage : NULL);
	if (r->save_file && r->conv)
		save(r, r->save_file);
	repl_intr = 0;
	free(transcript);
}

/* Waits until stdin has input: 0, or -1 after a Ctrl-C (the flag is taken).
 * SIGINT stays blocked from the flag test until pselect sleeps, so a Ctrl-C
 * that lands between the prompt and the wait is not lost. */
static int wait_input(void)
{
	sigset_t block, open_mask;
	fd_set in;
	int rc = 0;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &open_mask);
	sigdelset(&open_mask, SIGINT);
	while (!repl_intr) {
		FD_ZERO(&in);
		FD_SET(STDIN_FILENO, &in);
		if (pselect(STDIN_FILENO + 1, &in, NULL, NULL, NULL, &open_mask) > 0 ||
		    errno != EINTR)
			break; /* input, or an error that read() will report */
	}
	if (repl_intr) {
		repl_intr = 0;
		rc = -1;
	}
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	return rc;
}

/* The next line without its newline, NUL-terminated, in r->line: 1, or 0 at
 * the end of input, -1 after Ctrl-C (the terminal dropped the line). */
static int read_line(struct repl *r, char **line)
{
	int got = 2; /* not yet */

	while (got == 2) {
		char *nl = memchr(r->line + r->line_beg, '\n', r->line_end - r->line_beg);
		ssize_t n;

		if (!nl && r->line_beg == 0 && r->line_end == REPL_LINE_MAX)
			nl = r->line + REPL_LINE_MAX; /* too long: sent in pieces */
		if (nl) {
			*nl = '\0';
			*line = r->line + r->line_beg;
			r->line_beg = (size_t)(nl - r->line) + (nl < r->line + r->line_end);
			got = 1;
			continue;
		}
		if (r->line_beg > 0) {
			memmove(r->line, r->line + r->line_beg, r->line_end - r->line_beg);
			r->line_end -= r->line_beg;
			r->line_beg = 0;
		}
		if (wait_input() < 0) {
			got = -1; /* the terminal dropped the line */
			continue;
		}
		n = read(STDIN_FILENO, r->line + r->line_end, REPL_LINE_MAX - r->line_end);
		if (n > 0)
			r->line_end += (size_t)n;
		else if (n == 0 && r->line_end > 0)
			r->line[r->line_end++] = '\n'; /* Ctrl-D after some text: a line */
		else if (!(n < 0 && errno == EINTR))
			got = 0;
	}
	if (got < 0)
		r->line_end = 0;
	return got;
}

/* Replaces *slot by a copy of v (heap). */
static void set_str(char **slot, const char *v)
{
	char *s = malloc(strlen(v) + 1);

	if (!s) {
		notice("out of memory", NULL);
		return;
	}
	memcpy(s, v, strlen(v) + 1);
	free(*slot);
	*slot = s;
}

/* A /command: 1 to leave the session. */
static int command(struct repl *r, char *cmd)
{
	char *arg = cmd + strcspn(cmd, " \t");
	size_t n = (size_t)(arg - cmd);

	int leave = 0;

	arg += strspn(arg, " \t");
	if (n == 6 && strncmp(cmd, "/reset", n) == 0) {
		free(r->conv);
		r->conv = NULL;
		r->conv_len = 0;
		if (cli_repl_conv && cli_repl_conv->dir[0]) /* and a new log file */
			cli_conv_new(cli_repl_conv);
		notice("new conversation", NULL);
	} else if (n == 6 && strncmp(cmd, "/model", n) == 0 && *arg) {
		set_str(&r->model, arg);
		notice("model ", arg);
	} else if (n == 6 && strncmp(cmd, "/model", n) == 0) {
		notice("model ", r->model      ? r->model
		                 : r->rq.model ? r->rq.model
		                               : DBX_DEFAULT_MODEL);
	} else if (n == 7 && strncmp(cmd, "/system", n) == 0 && *arg) {
		set_str(&r->system, arg);
		notice("system prompt set", NULL);
	} else if (n == 5 && strncmp(cmd, "/save", n) == 0 && *arg) {
		save(r, arg);
	} else if (n == 7 && strncmp(cmd, "/attach", n) == 0 && *arg) {
		if (r->rq.num_attachments && r->rq.attachments != r->att)
			attach_done(r); /* the command line's go first, without a prompt */
		if (r->natt == sizeof r->att / sizeof r->att[0]) {
			notice("too many attachments for one prompt", NULL);
		} else {
			r->att_path[r->natt] = NULL;
			set_str(&r->att_path[r->natt], arg);
			if (r->att_path[r->natt]) {
				memset(&r->att[r->natt], 0, sizeof r->att[0]);
				r->att[r->natt].path = r->att_path[r->natt];
				r->natt++;
				r->rq.attachments = r->att;
				r->rq.num_attachments = r->natt;
				notice("attached to the next prompt: ", arg);
			}
		}
	} else if ((n == 5 && strncmp(cmd, "/exit", n) == 0) ||
	           (n == 5 && strncmp(cmd, "/quit", n) == 0)) {
		leave = 1;
	} else if (n == 5 && strncmp(cmd, "/help", n) == 0) {
		fputs(cli_help_section("repl"), stderr);
	} else {
		notice("unknown command or missing argument; /help lists them", NULL);
	}
	return leave;
}

int cli_repl(struct dbx_client *client, const struct dbx_chat_request *rq,
             const struct dbx_agent_options *ao, const char *save_file, int show_reasoning,
             const char *first)
{
	struct sigaction sa, old_int;
	struct repl r;
	const char *nc = getenv("NO_COLOR");
	int tty_in = isatty(STDIN_FILENO), color, rc = 0, got, intr_row = 0, edit = 0;
	char *line;

	memset(&r, 0, sizeof r);
	buf_init(&r.part, REPL_REPLY_MAX);
	r.client = client;
	r.rq = *rq;
	if (ao) {
		r.agent = *ao;
		r.agent.cancel = &repl_intr;
		r.ao = &r.agent;
	}
	r.out.last = -1;
	r.save_file = save_file;
	r.show_reasoning = show_reasoning;
	color = isatty(STDERR_FILENO) && !(nc && *nc);
	if (rq->messages_json) {
		/* the --messages file: the start of the conversation (the
		 * caller frees its copy) */
		r.conv = malloc(rq->messages_len + 1);
		if (r.conv) {
			memcpy(r.conv, rq->messages_json, rq->messages_len);
			r.conv_len = rq->messages_len;
		}
	}
	r.line = malloc(REPL_LINE_MAX + 1);
	if (!r.line || (rq->messages_json && !r.conv)) {
		rc = cli_fail(DBX_ERR_NOMEM, NULL);
		goto out;
	}
	edit = tty_in && ledit_open(&r.ed, color, cli_verbose, &repl_intr);
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_sigint; /* no SA_RESTART: a read at the prompt returns */
	sigaction(SIGINT, &sa, &old_int);
	if (tty_in)
		fputs("dbxai chat: /help for commands, Ctrl-D to leave\n", stderr);
	if (first)
		turn(&r, first);
	while (!r.out.failed) {
		if (tty_in && !edit)
			fputs(color ? "\033[1m> \033[0m" : "> ", stderr);
		got = edit ? ledit_read(&r.ed, "> ", &line) : read_line(&r, &line);
		if (got < 0 && intr_row) {
			fputc('\n', stderr);
			break;
		}
		intr_row = got < 0;
		if (got < 0) {
			fputs("\n(Ctrl-C again or Ctrl-D to leave)\n", stderr);
			continue;
		}
		if (got == 0) {
			if (tty_in)
				fputc('\n', stderr);
			break;
		}
		line[strcspn(line, "\r")] = '\0';
		if (line[0] == '/' && line[1] != '/') {
			if (command(&r, line))
				break;
		} else if (strspn(line, " \t") != strlen(line)) {
			turn(&r, line + (line[0] == '/'));
		}
	}
	sigaction(SIGINT, &old_int, NULL);
	rc = cli_finish(&r.out, 0);
out:
	if (edit)
		ledit_close(&r.ed);
	attach_done(&r);
	free(r.conv);
	free(r.model);
	free(r.system);
	buf_free(&r.part);
	free(r.line);
	return rc;
}
