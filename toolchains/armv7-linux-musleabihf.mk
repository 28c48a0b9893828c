# armv7 hard-float, musl, fully static (Debian: musl-dev:armhf ships the
# arm-linux-musleabihf-gcc wrapper; binutils from gcc-arm-linux-gnueabihf).
TC_CC := arm-linux-musleabihf-gcc
TC_AR := arm-linux-gnueabihf-ar
TC_STRIP := arm-linux-gnueabihf-strip
# -fno-pie / -no-pie: Debian's compilers build position-independent code by default,
# which a static executable does not need (x86_64 -3.5 KB, no run-time cost).
TC_CFLAGS := -fno-pie -Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables -march=armv7-a -mfpu=vfpv3-d16 -mfloat-abi=hard -mthumb
# Linked with lld (Debian: lld), 2.7 KiB smaller than GNU ld's layout, and with the
# read-only data in its own non-executable segment. The cross gcc finds ld.lld
# only in a -B folder; --no-dynamic-linker: the musl specs pass -dynamic-linker
# even with -static, and lld would write a PT_INTERP. -O2: lld merges strings that
# are the tail of another (GNU ld does by default), 1 KB.
LLD_DIR := $(dir $(realpath $(shell command -v ld.lld)))
ifeq ($(LLD_DIR),)
$(error ld.lld not found: install lld (third_party/bootstrap.sh does))
endif
TC_LDFLAGS := -no-pie -static -Wl,--gc-sections -s -fuse-ld=lld -B$(LLD_DIR) -Wl,--no-dynamic-linker -Wl,-O2
TC_RUN := qemu-arm-static
# make test runs the board subset of the end-to-end suite (E2E_BOARDS, Makefile)
# here too, for make check's time: the whole suite runs on x86_64 (and under
# valgrind and ASan) and aarch64 (the other qemu target); `make test-e2e
# TARGET=armv7-linux-musleabihf` runs all of it.
TC_E2E_ONLY = $(E2E_BOARDS)
# make MINIMAL=1, the size profile (issue 18: 200 KiB), is built with this GNU
# cross prefix (TC_MINIMAL_CROSS: the Makefile's profile, as on x86_64) and adds:
# - size-first flags, measured together on this build: 2.0 KB less of our and
#   mbedTLS's code (-fno-thread-jumps 0.8 KB, -fno-tree-dominator-opts 0.5 KB,
#   -fno-if-conversion/2 0.2 KB, -fno-optimize-sibling-calls 0.2 KB,
#   -fno-caller-saves and -finline-limit=8 0.1 KB each; others measured, e.g.
#   -fno-jump-tables or -fno-tree-vrp, made it larger here);
# - musl built from Debian's source with those flags: Debian's libc.a is -O2
#   code, 11.9 KB more;
# - GCC's link-time optimisation, with GNU ld as on x86_64: 11.6 KB.
TC_MINIMAL_CROSS := arm-linux-gnueabihf-
ifneq ($(MINIMAL_ON),)
TC_CFLAGS += -fno-thread-jumps -fno-tree-dominator-opts -fno-if-conversion -fno-if-conversion2 \
	-fno-optimize-sibling-calls -fno-caller-saves -finline-limit=8
endif
