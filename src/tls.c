/* tls.c - TLS client on mbedTLS 3.6; see tls.h for the rules. */
#include "tls.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mbedtls/asn1.h"
#include "mbedtls/platform.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"

#include "clock.h"
#include "crypto.h"
#include "err.h"
#include "net.h"
#include "tls_ca.h"
#include "tls_gcm.h"

/* A PEM certificate longer than this (base64 text) is skipped when scanning a
 * bundle; real roots are under 3 KB. */
#define TLS_PEM_MAX 16384
#define TLS_PATH_MAX 4096

static const char *const system_bundles[] = {
    "/etc/ssl/certs/ca-certificates.crt",                /* Debian, Ubuntu, Alpine */
    "/etc/pki/tls/certs/ca-bundle.crt",                  /* RHEL, Fedora */
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", /* RHEL 7+ */
    "/etc/ssl/ca-bundle.pem",                            /* SUSE */
    "/etc/ssl/cert.pem",                                 /* Alpine, macOS, BSD */
};

/* Signature algorithms offered, in order. mbedTLS's default puts RSA-PSS before
 * PKCS#1 v1.5, but its TLS 1.2 code cannot verify a PSS ServerKeyExchange: a
 * TLS 1.2-only server (OpenSSL's, say) that takes the first RSA scheme offered
 * picks PSS and the handshake fails. TLS 1.3 servers ignore the PKCS#1 entries
 * for CertificateVerify (RFC 8446 allows only PSS there), so this order suits
 * both versions. */
static const uint16_t sig_algs[] = {
    MBEDTLS_TLS1_3_SIG_ECDSA_SECP256R1_SHA256,
    MBEDTLS_TLS1_3_SIG_ECDSA_SECP384R1_SHA384,
    MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA256,
    MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA384,
    MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA512,
    MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA256,
    MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA384,
    MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA512,
    MBEDTLS_TLS1_3_SIG_NONE,
};

/* The record ciphers this build offers (third_party/dbxai_mbedtls_config.h). */
#if defined(MBEDTLS_CHACHAPOLY_C)
#define TLS_AEADS "AES-GCM or ChaCha20-Poly1305"
#else
#define TLS_AEADS "AES-GCM"
#endif

enum trust_kind { TRUST_FILE, TRUST_DIR, TRUST_MEM };

struct tls_client {
	/* conf[0] offers TLS 1.2 and 1.3; conf[1] TLS 1.2 only, for servers that
	 * choose TLS 1.2 and then sign with RSA-PSS, which mbedTLS 3.6 offers (for
	 * TLS 1.3) but cannot verify in TLS 1.2 (OpenSSL servers that prefer their
	 * own order do this). A TLS 1.2-only ClientHello does not offer PSS. */
	mbedtls_ssl_config conf[2];
	int only12; /* this server needs conf[1]; learnt on the first failure */
	enum trust_kind kind;
	char path[TLS_PATH_MAX];
	char describe[TLS_PATH_MAX + 16];
	/* The trust source's scan buffer (36 KB: too big for small stacks), made
	 * at the first scan and kept for the client's life: a handshake scans
	 * again, and a buffer freed in between went back to the OS (munmap) to
	 * be mapped anew, some 0.2 ms each time on a VM. */
	struct pem_scan *scan;
};

/* Read-ahead for small records: mbedTLS asks for a record's 5-byte header,
 * then its body, two recvs a record. A stream as a model sends it is one small
 * record per event, so reads smaller than this go through rx, and one recv
 * brings every record that has arrived. Larger reads go straight to mbedTLS's
 * buffer (a full record costs no copy). */
#define TLS_RX 4096

struct tls_conn {
	mbedtls_ssl_context ssl;
	int fd;
	int drained;           /* the last recv got less than it asked: poll first */
	int batch_ms;          /* tls_conn_batch() */
	int no_wait;           /* bio_recv: rx only, never the socket (WANT_READ when empty) */
	int pending;           /* an mbedTLS result kept for the next tls_read() */
	size_t rx_off, rx_len; /* rx[rx_off..rx_len) not yet given to mbedTLS */
	unsigned char rx[TLS_RX];
	int timeout_ms;
	int io_err;      /* dbx_err from the socket layer, kept for the message */
	int clean_close; /* close_notify seen */
	char io_msg[DBX_ERRBUF_SIZE];
};

/* mbedTLS errors in words. MBEDTLS_ERROR_C would give every code a text but
 * costs 14 KB; these are the ones a user meets, the rest show their code. */
static void mbed_msg(int ret, char *out, size_t len)
{
	static const struct {
		int code;
		const char *text;
	} known[] = {
	    {MBEDTLS_ERR_SSL_CONN_EOF, "the connection closed"},
	    {MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY, "the peer closed the TLS session"},
	    {MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE, "the server sent a fatal alert"},
	    {MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION, "no common TLS version"},
	    {MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE, "handshake failure (no common cipher or group)"},
	    {MBEDTLS_ERR_SSL_ILLEGAL_PARAMETER, "the server sent an illegal parameter"},
	    {MBEDTLS_ERR_SSL_DECODE_ERROR, "the server sent a malformed TLS message"},
	    {MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE, "the server sent an unexpected TLS message"},
	    {MBEDTLS_ERR_SSL_INVALID_MAC, "a TLS record failed authentication (data corrupted)"},
	    {MBEDTLS_ERR_SSL_INVALID_RECORD, "the server sent an invalid TLS record"},
	    {MBEDTLS_ERR_SSL_BAD_CERTIFICATE, "the server's certificate could not be parsed"},
	    {MBEDTLS_ERR_SSL_ALLOC_FAILED, "out of memory"},
	    {MBEDTLS_ERR_SSL_TIMEOUT, "timed out"},
	    {MBEDTLS_ERR_X509_CERT_VERIFY_FAILED, "certificate verification failed"},
	};
	size_t i;

	for (i = 0; i < sizeof known / sizeof known[0]; i++) {
		if (known[i].code == ret) {
			snprintf(out, len, "%s", known[i].text);
			return;
		}
	}
	snprintf(out, len, "mbedTLS error -0x%04x", (unsigned)-ret);
}

/* ---- trust: scanning PEM sources for the issuer of a certificate ---- */

/* Calls found(ctx, der, len) for every certificate of a PEM text read line by
 * line through next_line. Stops early when found returns non-zero. */
struct pem_scan {
	char b64[TLS_PEM_MAX];
	size_t b64_len;
	unsigned char der[TLS_PEM_MAX];
	int in_cert, too_long;
	char io[4096]; /* pem_scan_file's reads: no stdio FILE to allocate */
};

typedef int (*pem_found_fn)(void *ctx, const unsigned char *der, size_t len);

static int pem_line(struct pem_scan *s, const char *line, size_t len, pem_found_fn found, void *ctx)
{
	size_t olen = 0;

	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' '))
		len--;
	if (!s->in_cert) {
		if (len == 27 && memcmp(line, "-----BEGIN CERTIFICATE-----", 27) == 0) {
			s->in_cert = 1;
			s->b64_len = 0;
			s->too_long = 0;
		}
		return 0;
	}
	if (len == 25 && memcmp(line, "-----END CERTIFICATE-----", 25) == 0) {
		s->in_cert = 0;
		if (s->too_long)
			return 0;
		/* ours, not mbedTLS's constant-time decoder (roots are public): 26
		 * instructions a character instead of 290, and a handshake reads
		 * the whole trust source (a system bundle: 220,000 characters) */
		if (crypto_base64_decode(s->b64, s->b64_len, s->der, sizeof s->der, &olen) !=
		    DBX_OK)
			return 0;
		return found(ctx, s->der, olen);
	}
	if (s->b64_len + len > sizeof s->b64) {
		s->too_long = 1;
		return 0;
	}
	memcpy(s->b64 + s->b64_len, line, len);
	s->b64_len += len;
	return 0;
}

static int pem_scan_file(struct pem_scan *s, const char *path, pem_found_fn found, void *ctx)
{
	size_t have = 0, start, i;
	ssize_t got;
	int stop = 0, fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	s->in_cert = 0;
	while (!stop) {
		got = read(fd, s->io + have, sizeof s->io - have);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) { /* the end (or an error): a last line without '\n' */
			if (have)
				stop = pem_line(s, s->io, have, found, ctx);
			break;
		}
		have += (size_t)got;
		for (i = start = 0; i < have && !stop; i++) {
			if (s->io[i] == '\n') {
				stop = pem_line(s, s->io + start, i + 1 - start, found, ctx);
				start = i + 1;
			}
		}
		if (!start && have == sizeof s->io) { /* a longer line goes in pieces */
			stop = pem_line(s, s->io, have, found, ctx);
			start = have;
		}
		memmove(s->io, s->io + start, have - start);
		have -= start;
	}
	close(fd);
	return stop;
}

/* The embedded certificates: DER, one after the other, each a SEQUENCE whose
 * header gives its length. */
static int der_scan_mem(const unsigned char *p, size_t len, pem_found_fn found, void *ctx)
{
	const unsigned char *end = p + len;
	int stop = 0;

	while (!stop && p < end) {
		unsigned char *q = (unsigned char *)p;
		size_t l;
		if (mbedtls_asn1_get_tag(&q, end, &l,
		                         MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
			return -1;
		stop = found(ctx, p, (size_t)(q + l - p));
		p = q + l;
	}
	return stop;
}

/* Names that c_rehash / update-ca-certificates give: 8 hex digits, '.', digits.
 * When a directory has them we read only those, which skips the bundle file and
 * the duplicate *.pem links sitting beside them. */
static int is_hash_name(const char *n)
{
	int i;
	for (i = 0; i < 8; i++)
		if (!((n[i] >= '0' && n[i] <= '9') || (n[i] >= 'a' && n[i] <= 'f')))
			return 0;
	if (n[8] != '.' || !n[9])
		return 0;
	for (i = 9; n[i]; i++)
		if (n[i] < '0' || n[i] > '9')
			return 0;
	return 1;
}

static int is_pem_name(const char *n)
{
	size_t l = strlen(n);
	return (l > 4 && (strcmp(n + l - 4, ".pem") == 0 || strcmp(n + l - 4, ".crt") == 0));
}

static int pem_scan_dir(struct pem_scan *s, const char *dir, pem_found_fn found, void *ctx)
{
	int pass, stop = 0, any_hash = 0;

	/* Pass 0 looks for hash names; pass 1 reads .pem and .crt files if there
	 * were none. */
	for (pass = 0; pass < 2 && !stop; pass++) {
		struct dirent *e;
		DIR *d = opendir(dir);
		if (!d)
			return -1;
		while (!stop && (e = readdir(d)) != NULL) {
			char path[TLS_PATH_MAX];
			int want = pass == 0 ? is_hash_name(e->d_name) : is_pem_name(e->d_name);
			if (!want)
				continue;
			if (pass == 0)
				any_hash = 1;
			if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >=
			    (int)sizeof path)
				continue;
			stop = pem_scan_file(s, path, found, ctx) > 0;
		}
		closedir(d);
		if (any_hash)
			break;
	}
	return stop;
}

static int trust_scan(const struct tls_client *c, struct pem_scan *s, pem_found_fn found, void *ctx)
{
	switch (c->kind) {
	case TRUST_FILE:
		return pem_scan_file(s, c->path, found, ctx);
	case TRUST_DIR:
		return pem_scan_dir(s, c->path, found, ctx);
	case TRUST_MEM: {
		size_t len;
		const unsigned char *der = tls_ca_embedded(&len);
		return der_scan_mem(der, len, found, ctx);
	}
	}
	return -1;
}

/* The subject Name of a DER certificate, tag and length included, as mbedTLS
 * keeps it in subject_raw / issuer_raw. */
static int der_subject(const unsigned char *der, size_t len, const unsigned char **subj,
                       size_t *subj_len)
{
	unsigned char *p = (unsigned char *)der;
	const unsigned char *end = der + len, *tbs_end;
	const int seq = MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE;
	size_t l;
	int i;

	if (mbedtls_asn1_get_tag(&p, end, &l, seq) != 0)
		return -1;
	if (mbedtls_asn1_get_tag(&p, end, &l, seq) != 0)
		return -1;
	tbs_end = p + l;
	if (p < tbs_end && *p == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED)) {
		if (mbedtls_asn1_get_tag(&p, tbs_end, &l, *p) != 0)
			return -1;
		p += l;
	}
	if (mbedtls_asn1_get_tag(&p, tbs_end, &l, MBEDTLS_ASN1_INTEGER) != 0)
		return -1;
	p += l;
	for (i = 0; i < 3; i++) { /* signature algorithm, issuer, validity */
		if (mbedtls_asn1_get_tag(&p, tbs_end, &l, seq) != 0)
			return -1;
		p += l;
	}
	*subj = p;
	if (mbedtls_asn1_get_tag(&p, tbs_end, &l, seq) != 0)
		return -1;
	*subj_len = (size_t)(p + l - *subj);
	return 0;
}

static struct pem_scan *scan_buf(struct tls_client *c)
{
	if (!c->scan)
		c->scan = malloc(sizeof *c->scan);
	return c->scan;
}

struct ca_lookup {
	const mbedtls_x509_crt *child;
	mbedtls_x509_crt *chain; /* candidates found, heap, handed to mbedTLS */
	int fatal;
};

static int ca_found(void *ctx, const unsigned char *der, size_t len)
{
	struct ca_lookup *lk = ctx;
	const unsigned char *subj;
	size_t subj_len;

	if (der_subject(der, len, &subj, &subj_len) != 0)
		return 0;
	if (subj_len != lk->child->issuer_raw.len ||
	    memcmp(subj, lk->child->issuer_raw.p, subj_len) != 0)
		return 0;
	if (!lk->chain) {
		lk->chain = mbedtls_calloc(1, sizeof *lk->chain);
		if (!lk->chain) {
			lk->fatal = 1;
			return 1;
		}
		mbedtls_x509_crt_init(lk->chain);
	}
	/* A root that does not parse (unsupported algorithm) is simply no candidate. */
	(void)mbedtls_x509_crt_parse_der(lk->chain, der, len);
	return 0;
}

/* mbedtls_x509_crt_ca_cb_t: candidates for the issuer of child. */
static int ca_callback(void *ctx, mbedtls_x509_crt const *child, mbedtls_x509_crt **out)
{
	struct tls_client *c = ctx;
	struct ca_lookup lk = {child, NULL, 0};
	struct pem_scan *s = scan_buf(c);

	*out = NULL;
	if (!s)
		return MBEDTLS_ERR_X509_ALLOC_FAILED;
	(void)trust_scan(c, s, ca_found, &lk);
	if (lk.fatal) {
		if (lk.chain) {
			mbedtls_x509_crt_free(lk.chain);
			mbedtls_free(lk.chain);
		}
		return MBEDTLS_ERR_X509_ALLOC_FAILED;
	}
	if (lk.chain && lk.chain->raw.p == NULL) { /* nothing parsed */
		mbedtls_x509_crt_free(lk.chain);
		mbedtls_free(lk.chain);
		lk.chain = NULL;
	}
	*out = lk.chain;
	return 0;
}

static int count_found(void *ctx, const unsigned char *der, size_t len)
{
	(void)der;
	(void)len;
	++*(int *)ctx;
	return 1; /* one is enough */
}

static int file_readable(const char *path, int want_dir)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return 0;
	return want_dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode);
}

/* Picks the trust source and checks it holds a certificate. */
static int trust_pick(struct tls_client *c, const struct tls_options *opt, char *errbuf)
{
	const char *src = NULL, *label = NULL;
	int n = 0, ret = DBX_OK;
	size_t i;
	struct pem_scan *s = NULL;

	if (opt && opt->ca_file && *opt->ca_file) {
		c->kind = TRUST_FILE;
		src = opt->ca_file;
		label = "file";
	} else if (opt && opt->ca_dir && *opt->ca_dir) {
		c->kind = TRUST_DIR;
		src = opt->ca_dir;
		label = "directory";
	} else {
		for (i = 0; i < sizeof system_bundles / sizeof system_bundles[0]; i++) {
			if (file_readable(system_bundles[i], 0)) {
				c->kind = TRUST_FILE;
				src = system_bundles[i];
				label = "file";
				break;
			}
		}
		if (!src && tls_ca_embedded(&i) != NULL) {
			c->kind = TRUST_MEM;
			snprintf(c->describe, sizeof c->describe, "embedded CA bundle");
			return DBX_OK;
		}
		if (!src) {
			errbuf_set(errbuf, "no CA certificates found (looked for the system bundle "
			                   "in /etc/ssl and "
			                   "/etc/pki): pass --cacert FILE or set SSL_CERT_FILE");
			return DBX_ERR_USAGE;
		}
	}
	if (strlen(src) >= sizeof c->path) {
		errbuf_set(errbuf, "CA path too long: %.60s...", src);
		return DBX_ERR_USAGE;
	}
	snprintf(c->path, sizeof c->path, "%s", src);
	snprintf(c->describe, sizeof c->describe, "%s %s", label, src);
	if (!file_readable(src, c->kind == TRUST_DIR)) {
		errbuf_set(errbuf,
		           "CA %s %s: not found or not a %s; check --cacert / SSL_CERT_FILE / "
		           "SSL_CERT_DIR",
		           label, src, c->kind == TRUST_DIR ? "directory" : "regular file");
		return DBX_ERR_USAGE;
	}
	s = scan_buf(c);
	if (!s)
		return DBX_ERR_NOMEM;
	if (trust_scan(c, s, count_found, &n) < 0 || n == 0) {
		errbuf_set(errbuf,
		           "%s holds no PEM certificate (expected -----BEGIN CERTIFICATE----- "
		           "blocks)",
		           src);
		ret = DBX_ERR_USAGE;
	}
	return ret;
}

int tls_client_new(struct tls_client **out, const struct tls_options *opt, char *errbuf)
{
	struct tls_client *c;
	int ret, err, i;
	char msg[128];

	*out = NULL;
	err = crypto_global_init(errbuf);
	if (err)
		return err;
	c = calloc(1, sizeof *c);
	if (!c)
		return DBX_ERR_NOMEM;
	err = trust_pick(c, opt, errbuf);
	if (err)
		goto fail;
	for (i = 0; i < 2; i++) {
		mbedtls_ssl_config_init(&c->conf[i]);
		ret = mbedtls_ssl_config_defaults(&c->conf[i], MBEDTLS_SSL_IS_CLIENT,
		                                  MBEDTLS_SSL_TRANSPORT_STREAM,
		                                  MBEDTLS_SSL_PRESET_DEFAULT);
		if (ret != 0) {
			mbed_msg(ret, msg, sizeof msg);
			errbuf_set(errbuf, "TLS configuration failed: %s", msg);
			err = DBX_ERR_TLS;
			goto fail_conf;
		}
		mbedtls_ssl_conf_authmode(&c->conf[i], MBEDTLS_SSL_VERIFY_REQUIRED);
		mbedtls_ssl_conf_min_tls_version(&c->conf[i], MBEDTLS_SSL_VERSION_TLS1_2);
		/* The default profile: SHA-256 or better, RSA >= 2048 bits. */
		mbedtls_ssl_conf_cert_profile(&c->conf[i], &mbedtls_x509_crt_profile_default);
		mbedtls_ssl_conf_rng(&c->conf[i], crypto_rng, NULL);
		mbedtls_ssl_conf_sig_algs(&c->conf[i], sig_algs);
		mbedtls_ssl_conf_ca_cb(&c->conf[i], ca_callback, c);
	}
	mbedtls_ssl_conf_max_tls_version(&c->conf[1], MBEDTLS_SSL_VERSION_TLS1_2);
	*out = c;
	return DBX_OK;

fail_conf:
	mbedtls_ssl_config_free(&c->conf[0]);
	mbedtls_ssl_config_free(&c->conf[1]);
fail:
	free(c->scan);
	free(c);
	return err;
}

void tls_client_free(struct tls_client *c)
{
	if (!c)
		return;
	mbedtls_ssl_config_free(&c->conf[0]);
	mbedtls_ssl_config_free(&c->conf[1]);
	free(c->scan);
	free(c);
}

/* ---- the record layer over our socket functions ---- */

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct tls_conn *t = ctx;
	int err = net_write_all(t->fd, buf, len, t->timeout_ms, t->io_msg);
	if (err) {
		t->io_err = err;
		return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
	}
	return (int)len;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct tls_conn *t = ctx;
	size_t got = 0, want;
	unsigned char *to;
	int err;

	if (t->rx_off == t->rx_len) {
		if (t->no_wait)
			return MBEDTLS_ERR_SSL_WANT_READ;
		if (t->drained && t->batch_ms)
			clock_sleep_ms(t->batch_ms);
		to = len >= sizeof t->rx ? buf : t->rx;
		want = to == buf ? len : sizeof t->rx;
		err = net_recv(t->fd, to, want, t->timeout_ms, t->drained, &got, t->io_msg);
		if (err) {
			t->io_err = err;
			return err == DBX_ERR_TIMEOUT ? MBEDTLS_ERR_SSL_TIMEOUT
			                              : MBEDTLS_ERR_SSL_INTERNAL_ERROR;
		}
		t->drained = got < want;
		/* 0: EOF, which mbedTLS reports as MBEDTLS_ERR_SSL_CONN_EOF */
		if (to == buf || got == 0)
			return (int)got;
		t->rx_off = 0;
		t->rx_len = got;
	}
	got = t->rx_len - t->rx_off;
	if (got > len)
		got = len;
	memcpy(buf, t->rx + t->rx_off, got);
	t->rx_off += got;
	return (int)got;
}

static void verify_words(uint32_t flags, const char *host, char *errbuf)
{
	const char *why = "certificate verification failed";

	if (flags & MBEDTLS_X509_BADCERT_EXPIRED)
		why = "the server certificate has expired";
	else if (flags & MBEDTLS_X509_BADCERT_FUTURE)
		why = "the server certificate is not yet valid (check the device clock)";
	else if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH)
		why = "the server certificate does not match the host name";
	else if (flags & MBEDTLS_X509_BADCERT_BAD_MD)
		why = "the server certificate is signed with a weak hash (SHA-1 or MD5)";
	else if (flags & MBEDTLS_X509_BADCERT_BAD_KEY)
		why = "the server certificate key is too weak (RSA < 2048 bits?)";
	else if (flags & (MBEDTLS_X509_BADCERT_KEY_USAGE | MBEDTLS_X509_BADCERT_EXT_KEY_USAGE))
		why = "the server certificate is not valid for TLS server use";
	else if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED)
		why = "the server certificate is not signed by a trusted CA (self-signed, "
		      "incomplete chain or unknown root; pass --cacert FILE)";
	errbuf_set(errbuf, "TLS: %s: %s", host, why);
}

static int map_ssl_error(struct tls_conn *t, int ret, const char *host, char *errbuf)
{
	char msg[128];

	if (t->io_err) {
		if (errbuf)
			errbuf_set(errbuf, "%s", t->io_msg);
		return t->io_err;
	}
	if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
		verify_words(mbedtls_ssl_get_verify_result(&t->ssl), host, errbuf);
		return DBX_ERR_TLS_VERIFY;
	}
	if (ret == MBEDTLS_ERR_SSL_CONN_EOF) {
		errbuf_set(errbuf,
		           "TLS: %s closed the connection during the handshake (does it support "
		           "TLS 1.2 or 1.3?)",
		           host);
		return DBX_ERR_TLS;
	}
	if (ret == MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION ||
	    ret == MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE ||
	    ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
		errbuf_set(
		    errbuf,
		    "TLS: handshake with %s failed (%s): the server may offer only TLS 1.0/1.1 "
		    "or other ciphers; dbxai needs TLS 1.2 or 1.3 with ECDHE and " TLS_AEADS,
		    host,
		    ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE    ? "the server sent a fatal alert"
		    : ret == MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION ? "protocol version"
		                                                  : "no common cipher");
		return DBX_ERR_TLS;
	}
	mbed_msg(ret, msg, sizeof msg);
	errbuf_set(errbuf, "TLS: %s: %s", host, msg);
	return DBX_ERR_TLS;
}

int tls_connect(struct tls_client *c, int fd, const char *hostname, int timeout_ms,
                struct tls_conn **out, char *errbuf)
{
	struct tls_conn *t;
	int ret, err = DBX_OK;
	char msg[128];

	*out = NULL;
	t = calloc(1, sizeof *t);
	if (!t)
		return DBX_ERR_NOMEM;
	t->fd = fd;
	t->timeout_ms = timeout_ms;
	mbedtls_ssl_init(&t->ssl);
	ret = mbedtls_ssl_setup(&t->ssl, &c->conf[c->only12]);
	if (ret == 0)
		ret = mbedtls_ssl_set_hostname(&t->ssl, hostname); /* SNI + name check */
	if (ret != 0) {
		mbed_msg(ret, msg, sizeof msg);
		errbuf_set(errbuf, "TLS setup failed: %s", msg);
		err = DBX_ERR_TLS;
		goto fail;
	}
	mbedtls_ssl_set_bio(&t->ssl, t, bio_send, bio_recv, NULL);
	do {
		ret = mbedtls_ssl_handshake(&t->ssl);
	} while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE);
	if (ret == MBEDTLS_ERR_SSL_ILLEGAL_PARAMETER && !c->only12 &&
	    mbedtls_ssl_get_version_number(&t->ssl) == MBEDTLS_SSL_VERSION_TLS1_2) {
		c->only12 = 1;
		errbuf_set(errbuf,
		           "TLS: %s chose TLS 1.2 with a signature scheme offered only for "
		           "TLS 1.3; retry with a TLS 1.2 handshake",
		           hostname);
		err = ERR_TLS12_RETRY;
		goto fail;
	}
	if (ret != 0) {
		err = map_ssl_error(t, ret, hostname, errbuf);
		goto fail;
	}
	*out = t;
	return DBX_OK;

fail:
	mbedtls_ssl_free(&t->ssl);
	free(t);
	return err;
}

int tls_read(struct tls_conn *t, void *buf, size_t len, int timeout_ms, size_t *got, char *errbuf)
{
	int ret;

	*got = 0;
	t->timeout_ms = timeout_ms;
	if (len > 0x7fffffff)
		len = 0x7fffffff;
	if (t->pending) { /* io_err and io_msg still tell its story */
		ret = t->pending;
		t->pending = 0;
	} else {
		t->io_err = 0;
		do {
			ret = mbedtls_ssl_read(&t->ssl, buf, len);
		} while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE);
	}
	if (ret > 0) {
		/* The records a recv brought beyond this one, in the same call (one
		 * turn of the caller's loop for a burst of small records); never a
		 * wait for more. What ends the run (close_notify, an error) is kept
		 * for the next call. */
		size_t n = (size_t)ret;
		t->no_wait = 1;
		while (n < len && t->rx_off < t->rx_len) {
			ret = mbedtls_ssl_read(&t->ssl, (unsigned char *)buf + n, len - n);
			if (ret > 0)
				n += (size_t)ret;
			else if (ret != MBEDTLS_ERR_SSL_WANT_READ &&
			         ret != MBEDTLS_ERR_SSL_WANT_WRITE)
				t->pending = ret ? ret : MBEDTLS_ERR_SSL_CONN_EOF;
			if (ret <= 0)
				break;
		}
		t->no_wait = 0;
		*got = n;
		return DBX_OK;
	}
	if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
		t->clean_close = 1;
		return DBX_OK;
	}
	if (ret == 0 || ret == MBEDTLS_ERR_SSL_CONN_EOF)
		return DBX_OK; /* a TCP close without close_notify: the caller decides */
	return map_ssl_error(t, ret, "server", errbuf);
}

int tls_write_all(struct tls_conn *t, const void *buf, size_t len, int timeout_ms, char *errbuf)
{
	const unsigned char *p = buf;
	int ret;

	t->timeout_ms = timeout_ms;
	t->io_err = 0;
	while (len > 0) {
		ret = mbedtls_ssl_write(&t->ssl, p, len);
		if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (ret < 0)
			return map_ssl_error(t, ret, "server", errbuf);
		p += ret;
		len -= (size_t)ret;
	}
	return DBX_OK;
}

void tls_conn_batch(struct tls_conn *t, int ms)
{
	t->batch_ms = ms;
}

int tls_conn_clean_close(const struct tls_conn *t)
{
	return t->clean_close;
}

const char *tls_conn_version(const struct tls_conn *t)
{
	return mbedtls_ssl_get_version(&t->ssl);
}

const char *tls_gcm_note(void)
{
	return tls_gcm_self_test_failed()
	           ? "AES-GCM fast path off: its known-answer self-test failed; mbedTLS's "
	             "own GCM is used"
	           : NULL;
}

const char *tls_conn_cipher(const struct tls_conn *t)
{
	return mbedtls_ssl_get_ciphersuite(&t->ssl);
}

void tls_conn_free(struct tls_conn *t)
{
	if (!t)
		return;
	t->timeout_ms = 200; /* close_notify is a courtesy: never wait long for it */
	(void)mbedtls_ssl_close_notify(&t->ssl);
	mbedtls_ssl_free(&t->ssl);
	free(t);
}
