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
