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
#define REDIRECT_PEERS 8      /* browser connections served at once */
#define REDIRECT_READ_MS 3000 /* for a connection to send its request head */

/* redirect_parse; *foreign is set when the redirect carries a code or an
 * error but not this login's state (stale, or forged by another program). */
static int parse(const char *text, const char *expected_state, const char *issuer, char *code,
                 size_t cap, char *errbuf, int *foreign)
{
	char state[128] = "", error[OAUTH_ERROR_MAX] = "", desc[OAUTH_DESC_MAX] = "";
	char iss[URL_MAX] = "";
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
		} else if (nlen == 3 && memcmp(p, "iss", 3) == 0) {
			if (text_pct_decode(v, vlen, iss, sizeof iss, TEXT_PCT_PLUS) < 0)
				snprintf(iss, sizeof iss, "?"); /* matches no issuer */
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
	if (!have_code && !error[0]) {
		err = ERR_NEED_MORE;
		errbuf_set(errbuf, "the redirect URL has no code");
		goto out;
	}
	/* the state first: an error reply that is not ours must not end the login */
	if (!have_state || !crypto_str_equal(state, expected_state)) {
		*foreign = 1;
		errbuf_set(errbuf,
		           "the redirect's state does not match this login (a stale or forged "
		           "redirect): run `dbxai login` again");
		err = DBX_ERR_AUTH;
		goto out;
	}
	/* RFC 9207: a server that says it sends iss must send its own */
	if (issuer && strcmp(iss, issuer) != 0) {
		errbuf_set(errbuf,
		           "the redirect %s (RFC 9207 mix-up defence): run `dbxai login` again",
		           iss[0] ? "names another authorization server as its issuer"
		                  : "lacks the iss parameter its authorization server promised");
		err = DBX_ERR_AUTH;
		goto out;
	}
	if (error[0]) {
		text_printable(error);
		text_printable(desc);
		errbuf_set(errbuf, "login refused by the authorization server: %s%s%s", error,
		           desc[0] ? ": " : "", desc);
		err = DBX_ERR_AUTH;
	}
out:
	if (err && cap)
		crypto_wipe(code, cap);
	crypto_wipe(state, sizeof state);
	return err;
}

int redirect_parse(const char *text, const char *expected_state, const char *issuer, char *code,
                   size_t cap, char *errbuf)
{
	int foreign = 0;
	return parse(text, expected_state, issuer, code, cap, errbuf, &foreign);
}

/* 127.0.0.1:port and [::1]:port. A browser may try ::1 first, so a port whose
 * ::1 half belongs to another program is no port for us; only a system without
 * IPv6 loopback excuses a missing ::1 half. */
static int listen_both(struct redirect_listener *l, unsigned port)
{
	if (net_listen_loopback(0, port, &l->fd[0]) != DBX_OK)
		return -1;
	if (net_listen_loopback(1, port, &l->fd[1]) != DBX_OK && errno != EADDRNOTAVAIL &&
	    errno != EAFNOSUPPORT) {
		int e = errno;
		redirect_close(l);
		errno = e;
		return -1;
	}
	return 0;
}

int redirect_listen(struct redirect_listener *l, unsigned port, char *errbuf)
{
	unsigned p = port ? port : REDIRECT_PORT_FIRST, last = port ? port : REDIRECT_PORT_LAST;

	l->fd[0] = l->fd[1] = -1;
	l->port = 0;
	for (; p <= last; p++) {
		if (listen_both(l, p) == 0)
			break;
	}
	if (l->fd[0] < 0) {
		if (port)
			errbuf_set(
			    errbuf,
			    "cannot listen on localhost:%u (127.0.0.1 and ::1) for the login "
			    "redirect (DATABRICKS_OAUTH_CALLBACK_PORT): %s",
			    port, strerror(errno));
		else
			errbuf_set(errbuf,
			           "cannot listen for the login redirect: ports %u to %u of "
			           "localhost are all busy",
			           REDIRECT_PORT_FIRST, REDIRECT_PORT_LAST);
		return DBX_ERR_IO;
	}
	l->port = p;
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

/* One browser connection: its request head as it arrives. */
struct peer {
	int fd; /* -1: a free slot */
	long long deadline;
	size_t len;
	char *req; /* REDIRECT_REQ_MAX bytes while fd is open; wiped when closed */
};

static void peer_close(struct peer *c)
{
	if (c->req) {
		crypto_wipe(c->req, REDIRECT_REQ_MAX);
		free(c->req);
	}
	net_close(c->fd);
	c->fd = -1;
	c->req = NULL;
}

/* Answers the request head in c->req. ERR_NEED_MORE: not the redirect of this
 * login (a favicon, another program's guess): answered, and the wait goes on. */
static int serve(struct peer *c, const char *state, const char *issuer, char *code, size_t cap,
                 char *errbuf)
{
	char target[URL_PATH_MAX];
	char *req = c->req, *sp, *sp2;
	int err, foreign = 0;

	req[c->len] = '\0';
	sp = strchr(req, ' ');
	sp2 = sp ? strchr(sp + 1, ' ') : NULL;
	if (!sp || !sp2 || (size_t)(sp2 - sp - 1) >= sizeof target ||
	    strncmp(req, "GET ", 4) != 0) {
		reply(c->fd, 400, "Bad request", "dbxai expected the login redirect here.");
		return ERR_NEED_MORE;
	}
	memcpy(target, sp + 1, (size_t)(sp2 - sp - 1));
	target[sp2 - sp - 1] = '\0';
	err = parse(target, state, issuer, code, cap, errbuf, &foreign);
	if (!err)
		reply(c->fd, 200, "Login complete",
		      "dbxai is now logged in. You can close this window.");
	else if (err == ERR_NEED_MORE)
		reply(c->fd, 404, "Not found", "Nothing here.");
	else if (foreign)
		reply(c->fd, 400, "Not this login",
		      "This redirect does not belong to the dbxai login that is waiting; it was "
		      "ignored.");
	else
		reply(c->fd, 400, "Login failed", "See the terminal running dbxai login for why.");
	crypto_wipe(target, sizeof target);
	return foreign ? ERR_NEED_MORE : err;
}

/* Reads what c has sent; a whole head (or a full buffer) is answered. */
static int peer_read(struct peer *c, const char *state, const char *issuer, char *code, size_t cap,
                     char *errbuf)
{
	ssize_t got = recv(c->fd, c->req + c->len, REDIRECT_REQ_MAX - 1 - c->len, MSG_DONTWAIT);
	int err = ERR_NEED_MORE;

	if (got < 0 && (errno == EAGAIN || errno == EINTR))
		return ERR_NEED_MORE;
	if (got > 0) {
		c->len += (size_t)got;
		c->req[c->len] = '\0';
		if (!strstr(c->req, "\r\n\r\n") && !strstr(c->req, "\n\n") &&
		    c->len + 1 < REDIRECT_REQ_MAX)
			return ERR_NEED_MORE;
		err = serve(c, state, issuer, code, cap, errbuf);
	}
	peer_close(c);
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

int redirect_wait(struct redirect_listener *l, int paste_fd, const char *state, const char *issuer,
                  int timeout_ms, char *code, size_t cap, char *errbuf)
{
	struct peer peer[REDIRECT_PEERS];
	char *line = malloc(URL_MAX + 2);
	size_t llen = 0;
	long long deadline = clock_ms() + timeout_ms;
	int err = ERR_NEED_MORE, i;

	for (i = 0; i < REDIRECT_PEERS; i++)
		peer[i] = (struct peer){-1, 0, 0, NULL};
	if (!line)
		return DBX_ERR_NOMEM;
	while (err == ERR_NEED_MORE) {
		/* fixed places: the listeners, the paste, then the peers (poll skips
		 * a negative fd: a closed slot, or the listeners while all are busy) */
		struct pollfd p[3 + REDIRECT_PEERS];
		long long now = clock_ms(), left = deadline - now;
		int free_slot = -1, r;

		if (left <= 0) {
			errbuf_set(errbuf,
			           "no login redirect within %d s (try --timeout, or paste the URL "
			           "the browser ends on)",
			           timeout_ms / 1000);
			err = DBX_ERR_AUTH; /* the login failed; no network was slow */
			break;
		}
		for (i = REDIRECT_PEERS - 1; i >= 0; i--) {
			if (peer[i].fd >= 0 && peer[i].deadline <= now)
				peer_close(&peer[i]); /* silent too long: not a browser */
			if (peer[i].fd < 0)
				free_slot = i;
			p[3 + i] = (struct pollfd){peer[i].fd, POLLIN, 0};
		}
		for (i = 0; i < 2; i++)
			p[i] = (struct pollfd){free_slot >= 0 ? l->fd[i] : -1, POLLIN, 0};
		p[2] = (struct pollfd){paste_fd, POLLIN, 0};
		r = poll(p, 3 + REDIRECT_PEERS, left > 250 ? 250 : (int)left);
		if (r < 0 && errno != EINTR) {
			errbuf_set(errbuf, "waiting for the redirect: %s", strerror(errno));
			err = DBX_ERR_IO;
			break;
		}
		for (i = 0; r > 0 && i < REDIRECT_PEERS && err == ERR_NEED_MORE; i++)
			if (peer[i].fd >= 0 && p[3 + i].revents)
				err = peer_read(&peer[i], state, issuer, code, cap, errbuf);
		for (i = 0; r > 0 && i < 2 && free_slot >= 0; i++) {
			struct peer *c = &peer[free_slot];
			if (!(p[i].revents & POLLIN))
				continue;
			c->fd = accept(l->fd[i], NULL, NULL);
			c->req = c->fd >= 0 ? malloc(REDIRECT_REQ_MAX) : NULL;
			c->deadline = now + REDIRECT_READ_MS;
			c->len = 0;
			if (!c->req)
				peer_close(c);
			break; /* one per round: the slot is taken */
		}
		if (err == ERR_NEED_MORE && r > 0 && p[2].revents) {
			int got = read_paste(paste_fd, line, URL_MAX + 2, &llen);
			if (got < 0) {
				paste_fd = -1; /* stdin closed: keep waiting on the listener */
				if (llen == 0 || !strchr(line, '?'))
					continue;
			} else if (got == 0) {
				continue;
			}
			err = redirect_parse(line, state, issuer, code, cap, errbuf);
			if (err == ERR_NEED_MORE) {
				errbuf_set(errbuf,
				           "the pasted line is not the redirect URL (it has "
				           "neither code nor error)");
				err = DBX_ERR_USAGE;
			}
		}
	}
	for (i = 0; i < REDIRECT_PEERS; i++)
		peer_close(&peer[i]);
	crypto_wipe(line, URL_MAX + 2);
	free(line);
	return err;
}
