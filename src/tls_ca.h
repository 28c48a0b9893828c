/*
 * tls_ca.h - the CA bundle compiled into the binary, for FROM scratch images and
 * roots without /etc/ssl. Built only when make is given CA_BUNDLE=FILE (a PEM
 * bundle such as Debian's /etc/ssl/certs/ca-certificates.crt); otherwise empty.
 * The text is read-only data in the executable: it costs file size, not heap.
 */
#ifndef TLS_CA_H
#define TLS_CA_H

#include <stddef.h>

/* The embedded PEM text and its length; NULL and 0 when the build has none. */
const char *tls_ca_embedded(size_t *len);

#endif
