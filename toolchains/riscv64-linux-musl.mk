# 64-bit RISC-V (RV64GC, lp64d: VisionFive 2, Milk-V and other Linux boards),
# musl, fully static. Debian 12 has gcc-riscv64-linux-gnu but no musl for
# riscv64 (not a release architecture of bookworm): musl is built from Debian's
# source package (third_party/manifest) with that gcc into build/musl/<target>
# (TC_MUSL_CROSS, see the Makefile), and its musl-gcc wrapper is the compiler.
# Tests run under qemu-user.
TC_MUSL_CROSS := riscv64-linux-gnu-
# -fno-pie: Debian's gcc makes position-independent code by default; a static
# binary needs no GOT.
TC_MUSL_CFLAGS := -Os -fno-pie
TC_CC := $(abspath build/musl/$(TARGET))/bin/musl-gcc
TC_AR := riscv64-linux-gnu-ar
TC_STRIP := riscv64-linux-gnu-strip
TC_CFLAGS := -Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-pie
TC_HOT_CFLAGS := -O2
TC_LDFLAGS := -static -no-pie -Wl,--gc-sections -s
# MBEDTLS_HAVE_ASM stays on: mbedTLS has no RISC-V bignum assembly, so its C loop
# (64x64->128 through unsigned __int128) is used; nothing else in it is RISC-V asm.
# Linked with GNU ld, which relaxes calls and global accesses to shorter
# sequences (Debian 12's lld 14 has no RISC-V relaxation).
TC_RUN := qemu-riscv64-static
# make test runs the board subset of the end-to-end suite (E2E_BOARDS, Makefile).
TC_E2E_ONLY = $(E2E_BOARDS)
