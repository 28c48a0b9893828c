# 32-bit little-endian MIPS (MIPS32r2, hard-float: MediaTek MT76xx routers;
# OpenWrt's kernel emulates the FPU for a binary that needs it), musl, fully
# static. Built like mips-linux-musl (see there), with gcc-mipsel-linux-gnu:
# Debian's own musl-dev:mipsel is position-independent code, which made the
# binary 25 KB larger (481.8 KB against 456.x KB), so musl is built from Debian's
# source package here too. Tests run under qemu-user (its default CPU, a 24Kf).
TC_MUSL_CROSS := mipsel-linux-gnu-
TC_MUSL_CFLAGS := -Os -fno-pie -mno-shared -mplt
TC_CC := $(abspath build/musl/$(TARGET))/bin/musl-gcc
TC_AR := mipsel-linux-gnu-ar
TC_STRIP := mipsel-linux-gnu-strip
TC_CFLAGS := -Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-pie -mno-shared -mplt
TC_HOT_CFLAGS := -O2
# GNU ld (see mips-linux-musl.mk).
TC_LDFLAGS := -static -no-pie -Wl,--gc-sections -s
# MBEDTLS_HAVE_ASM: mbedTLS's bignum loop uses its MIPS32 assembly (multu/mflo/mfhi).
TC_RUN := qemu-mipsel-static
# make test runs the board subset of the end-to-end suite (E2E_BOARDS, Makefile).
TC_E2E_ONLY = $(E2E_BOARDS)
