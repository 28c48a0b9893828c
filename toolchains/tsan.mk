# clang with ThreadSanitizer, glibc, dynamic: the whole library, mbedTLS included,
# instrumented; what `make test-threads` builds tests/threads/threads.c with. Any
# report stops the program with exit status 66 (no test expects it). Not a
# release target.
TC_CC := clang
TC_AR := ar
TC_STRIP := strip
TC_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=thread
TC_LDFLAGS := -fsanitize=thread
TC_RUN := env TSAN_OPTIONS=halt_on_error=1:exitcode=66:second_deadlock_stack=1
