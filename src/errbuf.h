/*
 * errbuf.h - the one way library code writes a message into a caller's errbuf
 * (char[DBX_ERRBUF_SIZE]). errbuf may be NULL: nothing is written. A message
 * longer than the buffer is cut, on purpose: one line, never an overflow.
 */
#ifndef ERRBUF_H
#define ERRBUF_H

__attribute__((format(printf, 2, 3))) void errbuf_set(char *errbuf, const char *fmt, ...);

#endif
