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
 * - No global state. A DNS lookup runs getaddrinfo() on a short-lived detached
 *   thread (its only allocation), which ends by itself when the lookup does,
 *   also after net_connect() gave up waiting for it.
 */
#ifndef NET_H
#define NET_H

#include <stddef.h>

#include "err.h"

/* At most this many resolved addresses are tried per connect; more are
 * ignored (a host with dozens of A/AAAA records gains nothing from them). */
#define NET_MAX_ADDRS 16

/* How net_connect() reaches a host. Strings and the trace are borrowed for
 * the call. */
struct net_dial {
	int timeout_ms;      /* bounds the lookup and the connect together */
	const char *resolve; /* --resolve entries (net_resolve_check) or NULL */
	dbx_trace_fn trace;  /* each attempt and the winner; NULL: none */
	void *trace_ctx;
};

/*
 * Resolves host and connects to port (1..65535).
 *
 * host is a name, a dotted IPv4 address or an IPv6 address (with or without
 * [brackets]). An entry of d->resolve for host and port gives the addresses
 * without asking anyone. Numeric hosts never reach the resolver
 * (AI_NUMERICHOST). "localhost" and any name under ".localhost" go to
 * 127.0.0.1 then ::1 without asking the resolver, as curl does and RFC 6761
 * allows: in an empty root (FROM scratch, no /etc) musl's resolver would
 * otherwise spend seconds on a DNS query to a name server that is not there.
 * For the same reason a name with characters other than letters, digits, '-',
 * '_' and '.', and any name under ".invalid" (RFC 6761), fail with
 * DBX_ERR_RESOLVE at once. Other names go to getaddrinfo() on a short-lived
 * thread, so the lookup counts against d->timeout_ms: when it runs out the
 * call returns (the thread finishes on its own), and the trace names the name
 * servers of /etc/resolv.conf.
 *
 * Happy Eyeballs (RFC 8305): the addresses are interleaved by family, the
 * resolver's first family first (net_interleave); attempt k+1 starts 250 ms
 * after attempt k, or as soon as k failed; the first connection to complete
 * wins and the others are closed. The whole call, lookup included, never
 * takes longer than d->timeout_ms (< 0: no limit of ours).
 *
 * The socket won has TCP_NODELAY and TCP keepalive (idle 30 s, probes 10 s
 * apart, 3 of them), so a peer that vanished during a long quiet stream is
 * noticed before the idle timeout.
 *
 * On success *fd is a connected socket (see the rules above). On failure *fd
 * is -1 and the result is:
 *   DBX_ERR_USAGE    host NULL/empty, port out of range or a bad d->resolve
 *   DBX_ERR_RESOLVE  the name did not resolve ("cannot resolve host 'h': ...",
 *                    "DNS lookup of h timed out after 10 s")
 *   DBX_ERR_CONNECT  every address refused, was unreachable or timed out
 *                    ("cannot connect to h:p: ADDR REASON, ADDR REASON")
 */
int net_connect(const char *host, unsigned port, const struct net_dial *d, int *fd, char *errbuf);

/*
 * Checks resolve entries, curl's --resolve syntax: HOST:PORT:ADDR[,ADDR...],
 * entries separated by white space; HOST is a name or an IPv4 address (compared
 * without regard to case), ADDR an IPv4 or IPv6 address, the latter with or
 * without [brackets]. For a host and port named twice the last entry counts,
 * as in curl. NULL or empty is fine.
 * DBX_ERR_USAGE with the bad entry named in errbuf otherwise.
 */
int net_resolve_check(const char *spec, char *errbuf);

/* The Happy Eyeballs order of n addresses of the given families (AF_INET,
 * AF_INET6) as the resolver gave them: order[] gets their indexes, the first
 * address's family first, then alternating while both last. */
void net_interleave(const int *family, size_t n, size_t *order);

/*
 * Reads up to len (> 0) bytes into buf, waiting at most timeout_ms for the
 * first of them; returns as soon as some arrived. *got == 0 with DBX_OK means
 * the peer closed its side in order (EOF).
 *   DBX_ERR_TIMEOUT  nothing arrived within timeout_ms
 *   DBX_ERR_NET      reset or other socket error (strerror detail)
 */
int net_read(int fd, void *buf, size_t len, int timeout_ms, size_t *got, char *errbuf);

/* net_read() for a caller that knows the socket is likely empty (its last read
 * got less than it asked for): with wait_first set it polls before the recv,
 * which spares the recv that would only say EAGAIN. Same results. */
int net_recv(int fd, void *buf, size_t len, int timeout_ms, int wait_first, size_t *got,
             char *errbuf);

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
