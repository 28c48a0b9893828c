/*
 * net.h - TCP for a client: resolve a host, connect within a time limit, read
 * and write with idle timeouts. The TLS and proxy layers sit on top of this;
 * nothing here knows about HTTP.
 *
 * Rules:
 * - Every function returns an enum dbx_err value (DBX_OK is 0). Human detail
 *   goes to errbuf (char[DBX_ERRBUF_SIZE] or larger); errbuf MAY be NULL.
 * - Sockets are non-blocking, close-on-exec and have TCP_NODELAY set. All I/O
 *   on them MUST go through net_read() / net_write_all(), which wait with poll()
 *   and retry after EINTR; a plain read()/write() would see EAGAIN. Sends use
 *   MSG_NOSIGNAL, so a peer that closed never raises SIGPIPE.
 * - timeout_ms < 0 waits without a limit of ours; 0 does not wait at all.
 * - The fd returned by net_connect() belongs to the caller, who releases it
 *   with net_close(). Buffers passed in are borrowed for the call only.
 * - No global state, no allocation besides what getaddrinfo() does inside
 *   net_connect() (freed before it returns).
 */
#ifndef NET_H
#define NET_H

#include <stddef.h>

#include "err.h"

/* At most this many resolved addresses are tried per connect; more are
 * ignored (a host with dozens of A/AAAA records gains nothing from them). */
#define NET_MAX_ADDRS 16

/*
 * Resolves host and connects to port (1..65535), trying each address in the
 * order the resolver gives (IPv6 and IPv4 alike).
 *
 * host is a name, a dotted IPv4 address or an IPv6 address (with or without
 * [brackets]). Numeric hosts never reach the resolver (AI_NUMERICHOST).
 * "localhost" and any name under ".localhost" go to 127.0.0.1 then ::1 without
 * asking the resolver, as curl does and RFC 6761 allows: in an empty root
 * (FROM scratch, no /etc) musl's resolver would otherwise spend seconds on
 * a DNS query to a name server that is not there. For the same reason a
 * name with characters other than letters, digits, '-', '_' and '.', and
 * any name under ".invalid" (RFC 6761), fail with DBX_ERR_RESOLVE at once.
 *
 * timeout_ms bounds the whole call, resolution excepted (getaddrinfo() has no
 * deadline; musl's gives up after its resolv.conf timeout). Time is shared
 * between addresses: each attempt gets the time left divided by the number of
 * addresses left, so one black-holed address cannot eat the budget of the
 * next, a refused one costs nothing, and the last address gets all that
 * remains. The call never takes longer than timeout_ms after resolution.
 *
 * On success *fd is a connected socket (see the rules above). On failure *fd
 * is -1 and the result is:
 *   DBX_ERR_USAGE    host NULL/empty or port out of range
 *   DBX_ERR_RESOLVE  the name did not resolve ("cannot resolve host 'h': ...")
 *   DBX_ERR_CONNECT  every address refused, was unreachable or timed out
 *                    ("cannot connect to h:p: timed out after 10 s"); the
 *                    reason is that of the last address tried
 */
int net_connect(const char *host, unsigned port, int timeout_ms, int *fd, char *errbuf);

/*
 * Reads up to len (> 0) bytes into buf, waiting at most timeout_ms for the
 * first of them; returns as soon as some arrived. *got == 0 with DBX_OK means
 * the peer closed its side in order (EOF).
 *   DBX_ERR_TIMEOUT  nothing arrived within timeout_ms
 *   DBX_ERR_NET      reset or other socket error (strerror detail)
 */
int net_read(int fd, void *buf, size_t len, int timeout_ms, size_t *got, char *errbuf);

/*
 * Writes all len bytes. timeout_ms is an idle limit: it restarts whenever
 * some bytes leave, so a large write to a slow but moving peer still works.
 *   DBX_ERR_TIMEOUT  no byte could be written for timeout_ms
 *   DBX_ERR_NET      peer closed or reset (EPIPE, ECONNRESET, ...)
 */
int net_write_all(int fd, const void *buf, size_t len, int timeout_ms, char *errbuf);

/*
 * Without blocking, tells whether an idle connection still looks usable
 * before it is reused for a keep-alive request: 1 if no EOF or error is
 * pending, 0 if the peer closed or reset it. Unread data (a TLS session
 * ticket, say) counts as alive; it is peeked at, not consumed.
 */
int net_alive(int fd);

/* Closes fd; a negative fd is ignored, so it is safe on "no connection". */
void net_close(int fd);

/* A listening TCP socket on the loopback address (127.0.0.1, or ::1 when ipv6
 * is set, IPv6 only) and port, in *fd (-1 on failure). DBX_ERR_IO with errno
 * kept (EADDRINUSE, EADDRNOTAVAIL, ...) when it cannot be had. */
int net_listen_loopback(int ipv6, unsigned port, int *fd);

#endif
