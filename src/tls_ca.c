/* tls_ca.c - see tls_ca.h. */
#include "tls_ca.h"

#ifdef DBX_CA_BUNDLE
/* .incbin: the assembler copies the DER file (tools/ca_der.py made it from
 * CA_BUNDLE) as it is. */
__asm__(".section .rodata\n"
        ".balign 4\n"
        "dbx_ca_start:\n"
        ".incbin \"" DBX_CA_BUNDLE "\"\n"
        "dbx_ca_end:\n"
        ".previous\n");
extern const unsigned char dbx_ca_start[], dbx_ca_end[];

const unsigned char *tls_ca_embedded(size_t *len)
{
	*len = (size_t)(dbx_ca_end - dbx_ca_start);
	return dbx_ca_start;
}
#else
const unsigned char *tls_ca_embedded(size_t *len)
{
	*len = 0;
	return NULL;
}
#endif
