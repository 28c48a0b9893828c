# aarch64, musl, fully static (Debian: musl-dev:arm64 ships the aarch64-linux-musl-gcc
# wrapper; binutils from gcc-aarch64-linux-gnu). Tests run under qemu-user: binfmt
# is not assumed, qemu is called explicitly.
TC_CC := aarch64-linux-musl-gcc
TC_AR := aarch64-linux-gnu-ar
TC_STRIP := aarch64-linux-gnu-strip
# -fno-pie / -no-pie: Debian's compilers build position-independent code by default,
# which a static executable does not need (x86_64 -3.5 KB, no run-time cost).
# Less code copied for speed where size counts, as on x86_64 (which says what each
# flag does); the hot objects turn them back on.
TC_CFLAGS := -fno-pie -Os -fno-inline-small-functions -fno-caller-saves -fno-jump-tables \
	-fno-thread-jumps -fno-expensive-optimizations -fno-tree-dominator-opts -fno-tree-vrp \
	-ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables
# No alignment padding in the hot objects, as on x86_64.
TC_HOT_CFLAGS := -O2 -falign-functions=1 -falign-jumps=1 -falign-loops=1 -falign-labels=1 \
	-finline-small-functions -fcaller-saves -fjump-tables -fthread-jumps \
	-fexpensive-optimizations -ftree-dominator-opts -ftree-vrp
# Keep the default 64 KiB max-page-size: a 4 KiB one saves ~55 KiB of padding but
# the binary would not run on 64K-page kernels.
# -z norelro: RELRO is applied by a dynamic linker, and a static musl binary has
# none, so GNU_RELRO only costs space here: its end must sit on a 64 KiB boundary,
# which put up to 64 KiB of padding in the file (449.9 KiB instead of 388 KiB once
# the code crossed 0x5e748). Segments stay 64 KiB-congruent.
TC_LDFLAGS := -no-pie -static -Wl,--gc-sections -s -Wl,-z,norelro
# libc's functions on 4 bytes (the instruction size) rather than 16, as on x86_64.
TC_LIBC := /usr/lib/aarch64-linux-musl/libc.a
TC_LIBC_ALIGN := 4
TC_OBJCOPY := aarch64-linux-gnu-objcopy
TC_RUN := qemu-aarch64-static
