# clang with libFuzzer instrumentation, ASan and UBSan: what `make fuzz` builds the
# targets in tests/fuzz/ with. Not a release target.
TC_CC := clang
TC_AR := ar
TC_STRIP := strip
TC_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
TC_LDFLAGS := -fsanitize=fuzzer,address,undefined
TC_RUN :=
