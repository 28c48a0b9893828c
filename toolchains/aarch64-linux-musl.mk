# aarch64, musl, fully static (Debian: musl-dev:arm64 ships the aarch64-linux-musl-gcc
# wrapper; binutils from gcc-aarch64-linux-gnu). Tests run under qemu-user: binfmt
# is not assumed, qemu is called explicitly.
TC_CC := aarch64-linux-musl-gcc
TC_AR := aarch64-linux-gnu-ar
TC_STRIP := aarch64-linux-gnu-strip
TC_CFLAGS := -Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables
# Keep the default 64 KiB max-page-size: a 4 KiB one saves ~55 KiB of padding but
# the binary would not run on 64K-page kernels.
TC_LDFLAGS := -static -Wl,--gc-sections -s
TC_RUN := qemu-aarch64-static
