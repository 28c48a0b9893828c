/*
 * clock.h - the one clock of the library: monotonic milliseconds for deadlines
 * and timeouts (never wall time, which jumps), and sleeping that resumes after
 * a signal. Wall-clock seconds (token expiry, HTTP-dates) are time(NULL).
 */
#ifndef CLOCK_H
#define CLOCK_H

#include "err.h"

/* Milliseconds on the monotonic clock. */
long long clock_ms(void);

/* Sleeps ms milliseconds (whole, even when a signal interrupts). */
void clock_sleep_ms(long ms);

#endif
