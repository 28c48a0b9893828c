# x86_64, musl, fully static (Debian: musl-tools).
# No unwind tables: C needs none (no exceptions), and .eh_frame was 45 KB.
TC_CC := musl-gcc
TC_AR := ar
TC_STRIP := strip
# -Oz (GCC 12+) rather than -Os: 3.5 KB smaller, and callgrind counts no more
# instructions per chunk or per handshake (the hot objects are -O2 anyway). On
# aarch64 GCC 12's -Oz gives the same code as -Os.
# -fno-pie / -no-pie: Debian's compilers build position-independent code by default,
# which a static executable does not need (x86_64 -3.5 KB, no run-time cost).
# -malign-data=abi: arrays at their type's alignment, not padded to 32 bytes for
# vector loads (the help texts, tables): 0.8 KB.
# GCC's -Oz still copies code for speed; these stop it in the code built for size
# (the hot objects turn them back on): -fno-inline-small-functions -fno-caller-saves
# -fno-jump-tables (calls rather than copies of small functions, no saving of
# registers around calls, compares rather than tables for a switch) 2.2 KB;
# -fno-thread-jumps -fno-expensive-optimizations -fno-tree-dominator-opts (no blocks
# duplicated to thread jumps, no extra passes over the code) 3.9 KB; -fno-tree-vrp
# 0.4 KB. Callgrind: 7,212 instructions per chunk before the first, 7,250 with them,
# 7,298 with all.
TC_CFLAGS := -fno-pie -Oz -malign-data=abi -fno-inline-small-functions -fno-caller-saves \
	-fno-jump-tables -fno-thread-jumps -fno-expensive-optimizations -fno-tree-dominator-opts \
	-fno-tree-vrp -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables
# The hot objects without alignment padding (functions, loops, jumps): 4.1 KB, and no
# slower: callgrind 7,123 instructions per chunk instead of 7,140 (fewer nops), CPU of a
# 100,000-chunk chat 59 ms against 66 ms (best of 7, one run).
TC_HOT_CFLAGS := -O2 -falign-functions=1 -falign-jumps=1 -falign-loops=1 -falign-labels=1 \
	-finline-small-functions -fcaller-saves -fjump-tables -fthread-jumps \
	-fexpensive-optimizations -ftree-dominator-opts -ftree-vrp
# mbedTLS's AES and GCM run only where src/tls_gcm.c's AES-NI path cannot (a CPU
# without AES-NI, PCLMULQDQ, SSSE3 and SSE4.1: none made since 2011, or a failed
# self-test), so they are built for size here (2.1 KB); aarch64 keeps them fast
# (boards without the AES instructions, e.g. the Raspberry Pi 4, run them).
TC_HOT_MBEDTLS :=
# X25519 in 64-bit limbs (src/tls_x25519.c) instead of mbedTLS's bignum code:
# each of a handshake's two scalar multiplications takes 0.12 ms instead of
# 0.5 ms (best of 20 here), and no malloc; the first token comes that much
# sooner. 1.5 KB.
TC_X25519 := 1
# Of the rest of the streaming path only the JSON parser stays built for speed:
# the SSE parser, the chat decoder, the record layer (ssl_msg, cipher) and the
# AES-GCM record code (tls_gcm.c, still eight blocks at a time with AES-NI and
# PCLMULQDQ: the instructions are the same, only the code around them is
# smaller) are built for size, 4.4 KB. Callgrind: 7,298 -> 7,810 instructions
# per chunk of a 20,000-chunk chat, 10,071 -> 10,958 per event of the paced
# stream (json.c alone built for size would add 1,900 per chunk for 2.6 KB).
TC_HOT_OURS := json
# Linked with lld (Debian: lld): GNU ld's default -z separate-code starts and ends
# the code on page boundaries in the file too, 8 KiB of padding; lld keeps the
# same read-only / executable / writable segments without padding the file
# (a segment's first and last page may be shared with its neighbour).
# --no-dynamic-linker: musl-gcc's specs pass -dynamic-linker even with -static;
# GNU ld ignores it there, lld would write a PT_INTERP and the binary would not start.
# -O2: lld merges strings that are the tail of another (GNU ld does by default), 1 KB.
TC_LDFLAGS := -no-pie -static -Wl,--gc-sections -s -fuse-ld=lld -Wl,--no-dynamic-linker -Wl,-O2
# Debian's musl libc.a is built -O2: each function starts on 16 bytes, 2.3 KB of
# padding in the binary. The link takes a copy (build/<t>/libc/libc.a) with the
# code sections' alignment set to 1 by objcopy: x86 code needs none (callgrind
# counts the same instructions per chunk; a function's entry on 16 bytes only
# helps the instruction fetch, and libc's share of a chunk is small).
TC_LIBC := /usr/lib/x86_64-linux-musl/libc.a
# How to run a test binary built for this target (empty: directly).
TC_RUN :=
# make MINIMAL=1, the size profile (issue 18: 280 KiB), is built with this
# GNU cross prefix (TC_MINIMAL_CROSS: the Makefile's profile), which gives:
# - musl built from Debian's source (as the board targets do; see the Makefile)
#   with our code's flags: 18.8 KB smaller than Debian's -O2 libc.a (16.5 KB of
#   it from -Os, 2.2 KB from -Oz and the size-first flags); no TC_LIBC copy then,
#   -Oz aligns nothing;
# - GCC's link-time optimisation, the program optimised as one partition: 11.4 KB.
#   GNU ld links it (lld cannot run GCC's LTO plugin), with code and read-only
#   data in one segment, no RELRO (a static binary never applies it), and no
#   page of padding before the data (common-page-size=16: ld would otherwise pad
#   the file to a page when that saves one at run time), input sections sorted
#   by alignment (0.1 KB of gaps).
TC_MINIMAL_CROSS := x86_64-linux-gnu-
