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
TC_CFLAGS := -Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-pie -mno-shared -mplt -minterlink-mips16
# Size first on a router (the model, not the CPU, paces a stream): the hot
# objects too, and mbedTLS as MIPS16e code (-147 KB with all code MIPS16, but
# GCC's MIPS16 hard-float calls gave wrong doubles; mbedTLS has no floating
# point: -70 KB). Every MIPS32r2 router core (24K, 34K, 74K, 1004K) runs MIPS16e;
# mbedTLS's bignum then uses its C loop, not its MIPS32 assembly (a slower
# handshake, no slower records). -minterlink-mips16: our code calls it.
TC_HOT_CFLAGS := -Os
TC_MBEDTLS_CFLAGS := -mips16
# GNU ld (see mips-linux-musl.mk).
TC_LDFLAGS := -static -no-pie -Wl,--gc-sections -s
# MBEDTLS_HAVE_ASM is off in MIPS16 code (third_party/dbxai_mbedtls_config.h).
TC_RUN := qemu-mipsel-static
# make test runs the board subset of the end-to-end suite (E2E_BOARDS, Makefile).
TC_E2E_ONLY = $(E2E_BOARDS)
