# The host compiler (glibc, dynamic, no sanitizers) with every test binary and
# dbxai run under valgrind memcheck: what `make memcheck` uses. A static musl
# binary runs under valgrind too, but valgrind cannot replace malloc in a static
# executable (no preload), so it would see no heap errors and no leaks: hence a
# dynamic build. Exit status 99 (no test expects it) means valgrind found an
# error or a leak. Not a release target.
TC_CC := gcc
TC_AR := ar
TC_STRIP := strip
TC_CFLAGS := -O1 -g -fno-omit-frame-pointer
TC_LDFLAGS :=
TC_RUN := valgrind -q --error-exitcode=99 --suppressions=$(abspath tests/valgrind.supp) --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible
