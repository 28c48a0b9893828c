/*
 * tls.h - TLS 1.2/1.3 client over a connected socket; the only module that sees
 * mbedTLS SSL headers (STYLE 2).
 *
 * Rules:
 * - Certificate and host name verification are always on; there is no switch to
 *   turn them off. TLS 1.2 is the minimum.
 * - Trust is looked up lazily: instead of parsing a whole CA bundle into memory
 *   (~2.7 KB per root), the verifier asks for the issuer of each certificate and
 *   tls.c scans the trust source for roots whose subject matches, parsing only
 *   those. Peak memory stays near one certificate whatever the bundle size.
 * - struct tls_client and struct tls_conn are opaque: their definitions hold
 *   mbedTLS types, which no other module may see. This is the one deviation from
 *   "structs live in headers" (STYLE 6); both are allocated once per client or
 *   connection, never per request.
 * - The random generator and PSA are crypto.h's (crypto_global_init, which
 *   tls_client_new() makes sure has run).
 * - Threads: the random generator and PSA are locked (MBEDTLS_THREADING_C), so
 *   distinct clients and connections may be used in distinct threads at once;
 *   one client and its connections by one thread at a time.
 * - errbuf, where taken, is char[DBX_ERRBUF_SIZE] or larger; NULL is allowed.
 */
#ifndef TLS_H
#define TLS_H

#include <stddef.h>

#include "err.h"

/* Where trust comes from. All pointers are borrowed for the life of the client;
 * NULL or empty members are skipped. With none set, the usual system bundles
 * (Debian, Alpine, RHEL, SUSE, macOS) and then the embedded bundle (when the
 * build has one) are tried. */
struct tls_options {
	const char *ca_file; /* PEM bundle: --cacert, else SSL_CERT_FILE */
	const char *ca_dir;  /* directory of PEM files: SSL_CERT_DIR */
};

struct tls_client;
struct tls_conn;

/* Checks that the trust source exists and holds at least one certificate, so a
 * bad --cacert fails before any connection is attempted. */
int tls_client_new(struct tls_client **out, const struct tls_options *opt, char *errbuf);
void tls_client_free(struct tls_client *c);

/* Handshake over the connected socket fd (not owned: the caller closes it after
 * tls_conn_free) for hostname, within timeout_ms. A verification failure is
 * DBX_ERR_TLS_VERIFY with the cause in words in errbuf. ERR_TLS12_RETRY: the
 * server needs a TLS 1.2-only handshake (it chose TLS 1.2, then signed with
 * RSA-PSS, which mbedTLS verifies only in TLS 1.3); the client remembers it:
 * connect again and call tls_connect() once more. */
int tls_connect(struct tls_client *c, int fd, const char *hostname, int timeout_ms,
                struct tls_conn **out, char *errbuf);

/* Reads up to len bytes; waits at most timeout_ms for the first of them.
 * *got == 0 means the peer closed: tls_conn_clean_close() tells whether it sent
 * close_notify first (a close without it may be a truncation attack). */
int tls_read(struct tls_conn *t, void *buf, size_t len, int timeout_ms, size_t *got, char *errbuf);
int tls_write_all(struct tls_conn *t, const void *buf, size_t len, int timeout_ms, char *errbuf);
int tls_conn_clean_close(const struct tls_conn *t);

/* From now on, a read that finds the socket emptied by the one before waits
 * ms (> 0) before it waits for data, so that records arriving in a burst are
 * read with one recv and one wake-up; 0 (the default) reads each at once. */
void tls_conn_batch(struct tls_conn *t, int ms);

/* The negotiated protocol and cipher suite, for -v traces. */
const char *tls_conn_version(const struct tls_conn *t);
const char *tls_conn_cipher(const struct tls_conn *t);
/* For -v: a line saying the AES-GCM fast path is off because its self-test
 * failed (mbedTLS's own GCM is used), or NULL. */
const char *tls_gcm_note(void);

/* Sends close_notify (best effort, no waiting) and frees the session. */
void tls_conn_free(struct tls_conn *t);

#endif
