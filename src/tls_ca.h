/*
 * tls_ca.h - the CA certificates compiled into the binary, for FROM scratch images
 * and roots without /etc/ssl. Built only when make is given CA_BUNDLE="FILE..."
 * (PEM bundles such as Debian's /etc/ssl/certs/ca-certificates.crt, or one or two
 * roots); tools/ca_der.py turns them into DER certificates laid end to end (each a
 * SEQUENCE that carries its length), which the build embeds as they are;
 * otherwise empty. Read-only data in the executable: it costs file size, not heap.
 */
#ifndef TLS_CA_H
#define TLS_CA_H

#include <stddef.h>

/* The embedded DER certificates and their total length; NULL and 0 when the
 * build has none. */
const unsigned char *tls_ca_embedded(size_t *len);

#endif
