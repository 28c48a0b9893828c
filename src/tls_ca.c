/* tls_ca.c - see tls_ca.h. */
#include "tls_ca.h"

#ifdef DBX_CA_BUNDLE
/* .incbin keeps the build free of code generators: the assembler copies the
 * file as it is. */
__asm__(".section .rodata\n"
        ".balign 16\n"
        "dbx_ca_start:\n"
        ".incbin \"" DBX_CA_BUNDLE "\"\n"
        "dbx_ca_end:\n"
        ".byte 0\n"
        ".previous\n");
extern const char dbx_ca_start[], dbx_ca_end[];

const char *tls_ca_embedded(size_t *len)
{
	*len = (size_t)(dbx_ca_end - dbx_ca_start);
	return dbx_ca_start;
}
#else
const char *tls_ca_embedded(size_t *len)
{
	*len = 0;
	return NULL;
}
#endif
