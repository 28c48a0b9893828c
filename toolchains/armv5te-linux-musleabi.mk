# ARMv5TE soft-float (ARM9/ARM11 boards; Raspberry Pi Zero and 1, whose ARMv6
# cannot run armv7 code), musl, fully static. Compiler and binutils from
# gcc-arm-linux-gnueabi (Debian's armel port is ARMv5TE soft-float); musl is
# built from Debian's source package (third_party/manifest) with that gcc into
# build/musl/<target> (TC_MUSL_CROSS, see the Makefile): Debian's musl-dev:armel
# is position-independent code, and the binary was 16 KB larger with it
# (335.1 KB against 319.0 KB), over its 320 KiB budget.
TC_MUSL_CROSS := arm-linux-gnueabi-
# musl's C in Thumb-1 as ours (-22.5 KB: with every feature the binary fits its
# 320 KiB only so); its assembly files keep their own ARM state. It picks its
# atomics at run time (the kernel's helpers on ARMv5; ldrex/dmb only when HWCAP
# says v6/v7).
TC_MUSL_CFLAGS := -Os -fno-pie -march=armv5te -mfloat-abi=soft -mthumb
TC_CC := $(abspath build/musl/$(TARGET))/bin/musl-gcc
TC_AR := arm-linux-gnueabi-ar
TC_STRIP := arm-linux-gnueabi-strip
# Thumb-1 (-mthumb): the dense encoding ARMv5TE has. mbedTLS's bignum assembly
# (MBEDTLS_HAVE_ASM) has a Thumb-1 variant, used here. -fno-pie: Debian's gcc
# makes position-independent code by default; a static binary needs no GOT.
# (-Oz gives the same code as -Os here.)
# The size-first flags of the x86_64 build (see there): on Thumb-1 too; and a lean
# TLS configuration (DBX_TLS_LEAN: no ChaCha20-Poly1305, the generic P-256/P-384
# reduction; third_party/dbxai_mbedtls_config.h): 320 KiB hold every feature so.
TC_CFLAGS := -Os -fno-inline-small-functions -fno-caller-saves -fno-jump-tables \
	-fno-thread-jumps -fno-expensive-optimizations -fno-tree-dominator-opts -fno-tree-vrp \
	-ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables \
	-march=armv5te -mfloat-abi=soft -mthumb -fno-pie -DDBX_TLS_LEAN=1
# Size first on a board (the model, not the CPU, paces a stream): the hot
# objects are built for size too.
TC_HOT_CFLAGS := -Os
# Linked with lld (as armv7; GNU ld's output was 2.3 KB larger). The cross gcc
# finds ld.lld only in a -B folder; --no-dynamic-linker: the musl specs pass
# -dynamic-linker even with -static; -O2: tail-merged strings.
LLD_DIR := $(dir $(realpath $(shell command -v ld.lld)))
ifeq ($(LLD_DIR),)
$(error ld.lld not found: install lld (third_party/bootstrap.sh does))
endif
TC_LDFLAGS := -static -no-pie -Wl,--gc-sections -s -fuse-ld=lld -B$(LLD_DIR) -Wl,--no-dynamic-linker -Wl,-O2
# qemu's ARM926 (ARMv5TEJ): an ARMv6 or later instruction run by a test stops it
# (SIGILL), so the tests also check that the code is ARMv5TE.
TC_RUN := qemu-arm-static -cpu arm926
# and make test checks that the binary's ELF attributes say ARMv5TE: an object
# built for a later architecture raises the whole binary's mark.
TC_ARCH_CHECK_CMD := arm-linux-gnueabi-readelf -A
TC_ARCH_CHECK := Tag_CPU_arch: v5TE
# make test runs the board subset of the end-to-end suite (E2E_BOARDS, Makefile).
TC_E2E_ONLY = $(E2E_BOARDS)
