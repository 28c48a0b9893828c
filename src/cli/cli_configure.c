/*
 * cli_configure.c - `dbxai configure [--profile NAME]`: asks for the workspace
 * host and a personal access token (not echoed), checks them with one API call
 * (GET /api/2.0/serving-endpoints), and writes them into the profile of
 * ~/.databrickscfg (or DATABRICKS_CONFIG_FILE) through cfgedit: the rest of the
 * file is kept byte for byte, the file replaced atomically with mode 0600.
 * Nothing is written unless the workspace accepted the token. A config file
 * that is a symbolic link, not a regular file, or owned by another user is
 * refused before anything is asked.
 *
 * On a terminal the questions go to stderr; otherwise the answers are the first
 * lines of stdin (host, then token; only the token with --host), so scripts can
 * pipe them in.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "cfgedit.h"
#include "cli.h"
#include "pfile.h"

static struct termios saved_tty;
static volatile sig_atomic_t echo_is_off;

/* A signal while the token is typed must not leave the terminal silent. */
static void restore_echo(int sig)
{
	if (echo_is_off)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int echo_off(void)
{
	struct termios t;
	struct sigaction sa;

	if (tcgetattr(STDIN_FILENO, &saved_tty) != 0)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = restore_echo;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	t = saved_tty;
	t.c_lflag &= ~(tcflag_t)ECHO;
	t.c_lflag |= ECHONL; /* the Enter still moves to the next line */
	/* TCSANOW, not TCSAFLUSH: a token typed ahead must not be thrown away */
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t) != 0)
		return -1;
	echo_is_off = 1;
	return 0;
}

static void echo_on(void)
{
	if (echo_is_off)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
	echo_is_off = 0;
}

/* One answer: a line of stdin, blanks and CR around it dropped. 0, or an exit
 * status after printing the error. */
static int ask(int tty, const char *prompt, int secret, const char *what, char *buf, size_t cap)
{
	size_t n;
	char *s;

	if (tty) {
		if (secret && echo_off() != 0)
			return cli_fail(DBX_ERR_IO, "cannot turn off terminal echo for the token");
		fputs(prompt, stderr);
		fflush(stderr);
	}
	s = fgets(buf, (int)cap, stdin);
	if (secret)
		echo_on();
	if (!s)
		return cli_usage_error(
		    "configure: no %s given (on stdin: the host, then the token, "
		    "one per line)",
		    what);
	n = strlen(buf);
	if (n > 0 && buf[n - 1] != '\n' && !feof(stdin))
		return cli_usage_error("configure: the %s is longer than %zu bytes", what, cap - 2);
	while (n > 0 && strchr(" \t\r\n", buf[n - 1]))
		buf[--n] = '\0';
	s = buf + strspn(buf, " \t");
	memmove(buf, s, strlen(s) + 1);
	if (!buf[0])
		return cli_usage_error("configure: the %s is empty", what);
	return 0;
}

/* Refuses a config file we must not replace; *exists says if there is one. */
static int check_file(const char *path, int *exists)
{
	struct stat st;

	*exists = 0;
	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		return cli_usage_error("cannot use %.200s: %s", path, strerror(errno));
	}
	*exists = 1;
	if (S_ISLNK(st.st_mode))
		return cli_usage_error("%.200s is a symbolic link: refusing to replace it "
		                       "(set DATABRICKS_CONFIG_FILE to the real file)",
		                       path);
	if (!S_ISREG(st.st_mode))
		return cli_usage_error("%.200s is not a regular file", path);
	if (st.st_uid != geteuid())
		return cli_usage_error("%.200s belongs to another user (uid %ld): "
		                       "refusing to replace it",
		                       path, (long)st.st_uid);
	return 0;
}

static int discard(void *ctx, const char *data, size_t len)
{
	(void)ctx;
	(void)data;
	(void)len;
	return 0;
}

/* One API call with the new values: a refused token never reaches the file. */
static int check_token(const struct cli_globals *g0, struct dbx_config *cfg, const char *path)
{
	struct cli_globals g = *g0;
	struct dbx_retry def = DBX_RETRY_DEFAULT;
	struct dbx_client *client = NULL;
	char errbuf[DBX_ERRBUF_SIZE] = "", msg[DBX_ERRBUF_SIZE + 128];
	int rc, err, status = 0;

	g.auth = "pat";
	cfg->retry = def;
	rc = cli_client_new(&g, cfg, &client);
	if (rc)
		return rc;
	err = dbx_api(client, "GET", "/api/2.0/serving-endpoints", NULL, 0, discard, NULL, &status,
	              errbuf);
	dbx_client_free(client);
	if (!err)
		return 0;
	if (err == DBX_ERR_AUTH)
		snprintf(msg, sizeof msg,
		         "the workspace refused the token (HTTP %d); %s not changed", status, path);
	else
		snprintf(msg, sizeof msg, "could not check the token: %s; %s not changed",
		         errbuf[0] ? errbuf : dbx_strerror(err), path);
	return cli_fail(err, msg);
}

int cli_profile_path(char *path, size_t cap, int *exists)
{
	const char *file = getenv("DATABRICKS_CONFIG_FILE"), *home = getenv("HOME");
	int rc;

	if (file && *file)
		rc = snprintf(path, cap, "%s", file);
	else if (home && *home)
		rc = snprintf(path, cap, "%s/.databrickscfg", home);
	else
		return cli_usage_error("neither HOME nor DATABRICKS_CONFIG_FILE is set: nowhere to "
		                       "save the profile");
	if (rc < 0 || rc >= (int)cap)
		return cli_usage_error("the config file path is too long");
	return check_file(path, exists);
}

int cli_profile_write(const char *path, int exists, const char *profile,
                      const struct cfgedit_kv *kv, size_t n)
{
	char errbuf[DBX_ERRBUF_SIZE] = "";
	char *old = NULL, *out = NULL;
	size_t old_len = 0, cap, len = 0;
	int err;

	if (exists) {
		err = cli_read_file(path, &old, &old_len, errbuf);
		if (err)
			return cli_fail(err, errbuf);
	}
	cap = cfgedit_size(old_len, profile, kv, n);
	out = malloc(cap);
	err = out ? cfgedit_set(old ? old : "", old_len, profile, kv, n, out, cap, &len, errbuf)
	          : DBX_ERR_NOMEM;
	if (!err)
		err = pfile_write(path, out, len, NULL, errbuf);
	/* both copies hold tokens */
	if (old)
		memset(old, 0, old_len);
	if (out)
		memset(out, 0, cap);
	free(old);
	free(out);
	return err ? cli_fail(err, errbuf) : 0;
}

int cli_configure(const struct cli_globals *g0, int argc, char **argv)
{
	struct cli_globals g = *g0;
	struct dbx_config *cfg = NULL;
	char path[CFG_VALUE_MAX];
	const char *profile;
	int i, r, rc, exists, tty;

	for (i = 0; i < argc; i++) {
		r = cli_global_option(argc, argv, &i, &g);
		if (r >= 100)
			return r - 100;
		if (!r)
			return cli_usage_error(
			    "configure: unexpected argument '%.40s' (usage: dbxai "
			    "configure [--profile NAME] [--host URL])",
			    argv[i]);
	}
	profile = g.profile && *g.profile ? g.profile : getenv("DATABRICKS_CONFIG_PROFILE");
	if (!profile || !*profile)
		profile = "DEFAULT";
	rc = cli_profile_path(path, sizeof path, &exists);
	if (rc)
		return rc;

	cfg = calloc(1, sizeof *cfg);
	if (!cfg)
		return cli_fail(DBX_ERR_NOMEM, NULL);
	tty = isatty(STDIN_FILENO);
	if (tty)
		fprintf(stderr, "Profile [%s] in %s\n", profile, path);
	if (g.host && *g.host) {
		rc = (size_t)snprintf(cfg->host, sizeof cfg->host, "%s", g.host) < sizeof cfg->host
		         ? 0
		         : cli_usage_error("configure: --host is too long");
	} else {
		rc = ask(tty, "Databricks host (https://...): ", 0, "host", cfg->host,
		         sizeof cfg->host);
	}
	if (!rc)
		rc = ask(tty, "Personal access token (not shown): ", 1, "token", cfg->token,
		         sizeof cfg->token);
	if (!rc)
		rc = check_token(&g, cfg, path);
	if (!rc) {
		const struct cfgedit_kv kv[] = {{"host", cfg->host}, {"token", cfg->token}};
		rc = cli_profile_write(path, exists, profile, kv, 2);
	}
	if (!rc)
		fprintf(stderr, "dbxai: profile [%s] saved in %s\n", profile, path);
	memset(cfg, 0, sizeof *cfg); /* holds the token */
	free(cfg);
	return rc;
}
