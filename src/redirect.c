/* redirect.c - see redirect.h. */
#include "redirect.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "crypto.h"
#include "net.h"
#include "text.h"
#include "url.h"

#define REDIRECT_REQ_MAX 8192 /* a redirect request head on the listener */

int redirect_parse(const char *text, const char *expected_state, char *code, size_t cap,
                   char *errbuf)
{
	char state[128] = "", error[OAUTH_ERROR_MAX] = "", desc[OAUTH_DESC_MAX] = "";
	const char *p, *end;
	int have_code = 0, have_state = 0, err = DBX_OK;

	while (*text == ' ' || *text == '\t')
		text++;
	end = text + strlen(text);
	while (end > text &&
	       (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
		end--;
	p = memchr(text, '?', (size_t)(end - text));
	if (p) {
		p++;
	} else if (memchr(text, '=', (size_t)(end - text)) &&
	           !memchr(text, '/', (size_t)(end - text))) {
		p = text; /* a bare query */
	} else {
		err = ERR_NEED_MORE;
		goto out;
	}
	{
		const char *hash = memchr(p, '#', (size_t)(end - p));
		if (hash)
			end = hash;
	}
	while (p < end && !err) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *pe = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(pe - p));
		const char *v = eq ? eq + 1 : pe;
		size_t nlen = (size_t)((eq ? eq : pe) - p), vlen = (size_t)(pe - v);
		long got = 0;

		if (nlen == 4 && memcmp(p, "code", 4) == 0) {
			got = text_pct_decode(v, vlen, code, cap, TEXT_PCT_PLUS);
			if (got < 0)
				err = DBX_ERR_LIMIT;
			have_code = got > 0;
		} else if (nlen == 5 && memcmp(p, "state", 5) == 0) {
			got = text_pct_decode(v, vlen, state, sizeof state, TEXT_PCT_PLUS);
			have_state = got >= 0;
			if (got < 0)
				state[0] = '\0';
		} else if (nlen == 5 && memcmp(p, "error", 5) == 0) {
			if (text_pct_decode(v, vlen, error, sizeof error, TEXT_PCT_PLUS) < 0)
				snprintf(error, sizeof error, "(unreadable)");
		} else if (nlen == 17 && memcmp(p, "error_description", 17) == 0) {
			if (text_pct_decode(v, vlen, desc, sizeof desc, TEXT_PCT_PLUS) < 0)
				desc[0] = '\0';
		}
		p = amp ? amp + 1 : end;
	}
	if (err == DBX_ERR_LIMIT) {
		errbuf_set(errbuf, "the authorization code is too long or malformed");
		goto out;
	}
	if (error[0]) {
		text_printable(error);
		text_printable(desc);
		errbuf_set(errbuf, "login refused by the authorization server: %s%s%s", error,
		           desc[0] ? ": " : "", desc);
		err = DBX_ERR_AUTH;
		goto out;
	}
	if (!have_code) {
		err = ERR_NEED_MORE;
		errbuf_set(errbuf, "the redirect URL has no code");
		goto out;
	}
	if (!have_state || strcmp(state, expected_state) != 0) {
		errbuf_set(errbuf,
		           "the redirect's state does not match this login (a stale or forged "
		           "redirect): run `dbxai login` again");
		err = DBX_ERR_AUTH;
	}
out:
	if (err && cap)
		crypto_wipe(code, cap);
	return err;
}

int redirect_listen(struct redirect_listener *l, unsigned port, char *errbuf)
{
	unsigned p = port ? port : REDIRECT_PORT_FIRST, last = port ? port : REDIRECT_PORT_LAST;

	l->fd[0] = l->fd[1] = -1;
	l->port = 0;
	for (; p <= last; p++) {
		if (net_listen_loopback(0, p, &l->fd[0]) == DBX_OK)
			break;
	}
	if (l->fd[0] < 0) {
		if (port)
			errbuf_set(errbuf,
			           "cannot listen on 127.0.0.1:%u for the login redirect "
			           "(DATABRICKS_OAUTH_CALLBACK_PORT): %s",
			           port, strerror(errno));
		else
			snprintf(
			    errbuf, DBX_ERRBUF_SIZE,
			    "cannot listen for the login redirect: ports %u to %u on 127.0.0.1 "
			    "are all busy",
			    REDIRECT_PORT_FIRST, REDIRECT_PORT_LAST);
		return DBX_ERR_IO;
	}
	l->port = p;
	/* browsers may resolve localhost to ::1 first; best effort */
	if (net_listen_loopback(1, p, &l->fd[1]) != DBX_OK)
		l->fd[1] = -1;
	return DBX_OK;
}

void redirect_close(struct redirect_listener *l)
{
	int i;
	for (i = 0; i < 2; i++) {
		if (l->fd[i] >= 0)
			close(l->fd[i]);
		l->fd[i] = -1;
	}
}

static void reply(int fd, int status, const char *title, const char *text)
{
	char page[1024];
	int n =
	    snprintf(page, sizeof page,
	             "HTTP/1.1 %d %s\r\nContent-Type: text/html; charset=utf-8\r\n"
	             "Cache-Control: no-store\r\nConnection: close\r\nContent-Length: %zu\r\n\r\n"
	             "<!doctype html><title>dbxai</title><h1>%s</h1><p>%s</p>\n",
	             status,
	             status == 200   ? "OK"
	             : status == 404 ? "Not Found"
	                             : "Bad Request",
	             strlen("<!doctype html><title>dbxai</title><h1></h1><p></p>\n") +
	                 strlen(title) + strlen(text),
	             title, text);
	if (n > 0 && (size_t)n < sizeof page)
		(void)send(fd, page, (size_t)n, MSG_NOSIGNAL);
}

/* Reads one request head from an accepted connection and answers it. */
static int serve(int fd, const char *state, char *code, size_t cap, char *errbuf)
{
	char *req = malloc(REDIRECT_REQ_MAX);
	char target[URL_PATH_MAX];
	size_t len = 0;
	long long deadline = clock_ms() + 5000;
	int err = ERR_NEED_MORE;
	char *sp, *sp2;

	if (!req)
		return DBX_ERR_NOMEM;
	while (len + 1 < REDIRECT_REQ_MAX) {
		struct pollfd p = {fd, POLLIN, 0};
		long long left = deadline - clock_ms();
		ssize_t got;
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			goto out;
		got = recv(fd, req + len, REDIRECT_REQ_MAX - 1 - len, 0);
		if (got <= 0)
			goto out;
		len += (size_t)got;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
			break;
	}
	req[len] = '\0';
	sp = strchr(req, ' ');
	sp2 = sp ? strchr(sp + 1, ' ') : NULL;
	if (!sp || !sp2 || (size_t)(sp2 - sp - 1) >= sizeof target ||
	    strncmp(req, "GET ", 4) != 0) {
		reply(fd, 400, "Bad request", "dbxai expected the login redirect here.");
		goto out;
	}
	memcpy(target, sp + 1, (size_t)(sp2 - sp - 1));
	target[sp2 - sp - 1] = '\0';
	err = redirect_parse(target, state, code, cap, errbuf);
	if (!err)
		reply(fd, 200, "Login complete",
		      "dbxai is now logged in. You can close this window.");
	else if (err == ERR_NEED_MORE)
		reply(fd, 404, "Not found", "Nothing here.");
	else
		reply(fd, 400, "Login failed", "See the terminal running dbxai login for why.");
	crypto_wipe(target, sizeof target);
out:
	crypto_wipe(req, REDIRECT_REQ_MAX);
	free(req);
	return err;
}

/* One pasted line from fd into line (NUL-terminated); 1 at a full line, 0 for
 * more to come, -1 at EOF/error. */
static int read_paste(int fd, char *line, size_t cap, size_t *len)
{
	ssize_t got;
	if (*len + 1 >= cap)
		return -1;
	got = read(fd, line + *len, cap - 1 - *len);
	if (got <= 0)
		return -1;
	*len += (size_t)got;
	line[*len] = '\0';
	return memchr(line, '\n', *len) ? 1 : 0;
}

int redirect_wait(struct redirect_listener *l, int paste_fd, const char *state, int timeout_ms,
                  char *code, size_t cap, char *errbuf)
{
	char *line = malloc(URL_MAX + 2);
	size_t llen = 0;
	long long deadline = clock_ms() + timeout_ms;
	int err = DBX_ERR_AUTH;

	if (!line)
		return DBX_ERR_NOMEM;
	for (;;) {
		struct pollfd p[3];
		int np = 0, i, r;
		long long left = deadline - clock_ms();

		if (left <= 0) {
			errbuf_set(errbuf,
			           "no login redirect within %d s (try --timeout, or paste the URL "
			           "the browser ends on)",
			           timeout_ms / 1000);
			err = DBX_ERR_AUTH; /* the login failed; no network was slow */
			break;
		}
		for (i = 0; i < 2; i++)
			if (l->fd[i] >= 0)
				p[np++] = (struct pollfd){l->fd[i], POLLIN, 0};
		if (paste_fd >= 0)
			p[np++] = (struct pollfd){paste_fd, POLLIN, 0};
		r = poll(p, (nfds_t)np, left > 1000 ? 1000 : (int)left);
		if (r < 0 && errno != EINTR) {
			errbuf_set(errbuf, "waiting for the redirect: %s", strerror(errno));
			err = DBX_ERR_IO;
			break;
		}
		err = ERR_NEED_MORE;
		for (i = 0; r > 0 && i < np && err == ERR_NEED_MORE; i++) {
			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (p[i].fd == paste_fd) {
				int got = read_paste(paste_fd, line, URL_MAX + 2, &llen);
				if (got < 0) {
					paste_fd =
					    -1; /* stdin closed: keep waiting on the listener */
					if (llen == 0 || !strchr(line, '?'))
						continue;
				} else if (got == 0) {
					continue;
				}
				err = redirect_parse(line, state, code, cap, errbuf);
				if (err == ERR_NEED_MORE) {
					errbuf_set(
					    errbuf,
					    "the pasted line is not the redirect URL (it has "
					    "neither code nor error)");
					err = DBX_ERR_USAGE;
				}
			} else {
				int cfd = accept(p[i].fd, NULL, NULL);
				if (cfd < 0)
					continue;
				err = serve(cfd, state, code, cap, errbuf);
				close(cfd);
			}
		}
		if (err != ERR_NEED_MORE)
			break;
	}
	crypto_wipe(line, URL_MAX + 2);
	free(line);
	return err;
}
