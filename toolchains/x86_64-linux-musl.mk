# x86_64, musl, fully static (Debian: musl-tools).
TC_CC := musl-gcc
TC_AR := ar
TC_STRIP := strip
TC_CFLAGS := -Os -ffunction-sections -fdata-sections
TC_LDFLAGS := -static -Wl,--gc-sections -s
# How to run a test binary built for this target (empty: directly).
TC_RUN :=
