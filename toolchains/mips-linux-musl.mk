# 32-bit big-endian MIPS (MIPS32r2, hard-float: Atheros/QCA routers; OpenWrt's
# kernel emulates the FPU for a binary that needs it), musl, fully static.
# Debian 12 has gcc-mips-linux-gnu but no musl for mips: musl is built from
# Debian's source package (third_party/manifest) with that gcc into
# build/musl/<target> (TC_MUSL_CROSS, see the Makefile), and its musl-gcc wrapper
# is the compiler. Tests run under qemu-user (its default CPU, a 24Kf).
TC_MUSL_CROSS := mips-linux-gnu-
# -fno-pie -mno-shared -mplt: Debian's gcc makes position-independent code by
# default, every call and global reached through the GOT; a static binary needs
# none of it. Non-PIC code (direct jal calls, absolute addresses) is 56 KB less:
# 512.6 -> 456.3 KB, of which 25 KB in musl itself.
TC_MUSL_CFLAGS := -Os -fno-pie -mno-shared -mplt
TC_CC := $(abspath build/musl/$(TARGET))/bin/musl-gcc
TC_AR := mips-linux-gnu-ar
TC_STRIP := mips-linux-gnu-strip
# (-Oz gives the same code as -Os here.)
TC_CFLAGS := -Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-pie -mno-shared -mplt -minterlink-mips16
# Size first on a router (the model, not the CPU, paces a stream): the hot
# objects too, and mbedTLS as MIPS16e code (-147 KB with all code MIPS16, but
# GCC's MIPS16 hard-float calls gave wrong doubles; mbedTLS has no floating
# point: -70 KB). Every MIPS32r2 router core (24K, 34K, 74K, 1004K) runs MIPS16e;
# mbedTLS's bignum then uses its C loop, not its MIPS32 assembly (a slower
# handshake, no slower records). -minterlink-mips16: our code calls it.
TC_HOT_CFLAGS := -Os
TC_MBEDTLS_CFLAGS := -mips16
# GNU ld: lld's output was 64 KB larger (520.6 KB against 456.3 KB, same objects).
TC_LDFLAGS := -static -no-pie -Wl,--gc-sections -s
# MBEDTLS_HAVE_ASM is off in MIPS16 code (third_party/dbxai_mbedtls_config.h).
TC_RUN := qemu-mips-static
# make test runs the board subset of the end-to-end suite (E2E_BOARDS, Makefile).
TC_E2E_ONLY = $(E2E_BOARDS)
