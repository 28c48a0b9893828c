/*
 * redirect.h - the end of a browser login: the authorization server's redirect
 * back to us, taken by a small HTTP server on the loopback interface
 * (http://localhost:PORT) or as the final URL the user pastes, and read for
 * its code (RFC 6749 4.1.2) after checking its state.
 *
 * Rules: return convention of err.h; codes and the state are secrets: wiped
 * after use, never in a message. Only loopback addresses are listened on.
 */
#ifndef REDIRECT_H
#define REDIRECT_H

#include <stddef.h>

#include "err.h"
#include "oauth.h"

#define REDIRECT_PORT_FIRST 8020 /* redirect http://localhost:PORT, first try */
#define REDIRECT_PORT_LAST 8040

/* Reads a redirect: a whole URL ("http://localhost:8020/?code=..&state=.."),
 * an origin-form target ("/?code=.."), or a bare query. Surrounding white
 * space is ignored. issuer (NULL: not checked) is the authorization server's
 * issuer when its metadata announces authorization_response_iss_parameter_
 * supported: the redirect's iss must then equal it (RFC 9207).
 * DBX_OK: code copied to code[0..cap). DBX_ERR_AUTH: the state is not
 * expected_state (a redirect from another login, or forged; checked first, in
 * constant time), the iss is missing or another, or the server sent error=
 * (error and error_description in errbuf). ERR_NEED_MORE: neither code
 * nor error in it (a favicon request on the listener). DBX_ERR_USAGE: a
 * malformed line. DBX_ERR_LIMIT: a code longer than cap. */
int redirect_parse(const char *text, const char *expected_state, const char *issuer, char *code,
                   size_t cap, char *errbuf);

struct redirect_listener {
	int fd[2];     /* 127.0.0.1 and ::1; -1 when not open */
	unsigned port; /* the port both listen on */
};

/* Listens on port (when non-zero: that one only, else REDIRECT_PORT_FIRST..LAST,
 * the first free) on 127.0.0.1 and ::1. A port whose ::1 half is taken is
 * skipped (a browser trying ::1 first would hand the code to its holder); only
 * EADDRNOTAVAIL / EAFNOSUPPORT (no IPv6 loopback here) excuse a missing ::1. */
int redirect_listen(struct redirect_listener *l, unsigned port, char *errbuf);

/* Waits up to timeout_ms for the redirect: on the listener (answered with a
 * small page), or as a line pasted on paste_fd (-1: none). Several connections
 * are served at once, each given a few seconds to send its request; other
 * requests (favicon), and redirects without this login's state (another
 * program's guess, error replies included), get a short page and waiting goes
 * on, so no other local program can end the login. A pasted line is the
 * user's own: a wrong state there is refused. Results as redirect_parse;
 * DBX_ERR_AUTH when the time is up (a login not completed is an
 * authentication failure, exit 3, not a network one). */
int redirect_wait(struct redirect_listener *l, int paste_fd, const char *state, const char *issuer,
                  int timeout_ms, char *code, size_t cap, char *errbuf);

void redirect_close(struct redirect_listener *l);

#endif
