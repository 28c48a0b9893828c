# The host compiler (glibc, dynamic) with AddressSanitizer and UBSan: what
# `make test` uses to run the unit suite under sanitizers. Not a release target.
# NATIVE_CC=clang makes it a clang build.
NATIVE_CC ?= gcc
TC_CC := $(NATIVE_CC)
TC_AR := ar
TC_STRIP := strip
TC_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
TC_LDFLAGS := -fsanitize=address,undefined
TC_RUN :=
