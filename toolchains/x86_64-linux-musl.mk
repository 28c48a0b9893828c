# x86_64, musl, fully static (Debian: musl-tools).
# No unwind tables: C needs none (no exceptions), and .eh_frame was 45 KB.
TC_CC := musl-gcc
TC_AR := ar
TC_STRIP := strip
TC_CFLAGS := -Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables
TC_HOT_CFLAGS := -O2
TC_LDFLAGS := -static -Wl,--gc-sections -s
# How to run a test binary built for this target (empty: directly).
TC_RUN :=
