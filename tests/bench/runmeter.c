/*
 * runmeter.c - runs a program and reports what it cost, for tests/bench/bench.py.
 *
 *   runmeter OUT PROGRAM [ARGS...]
 *
 * Forks, execs PROGRAM (stdin, stdout, stderr inherited), waits for it and writes
 * one line to the file OUT:
 *   exit_code t_fork_ns t_exit_ns user_us sys_us maxrss_kib
 * with times on CLOCK_MONOTONIC (the clock of Python's time.monotonic). exit_code
 * is 128+N for a signal N, 127 when the exec failed.
 *
 * Why not Python's own wait4: a child's ru_maxrss starts at the RSS of the
 * process that forked it (Linux keeps the old high-water mark across exec), so a
 * child of the harness would report the harness's size. This launcher is a small
 * static program, so a few tens of KiB at most are inherited. Build it static:
 *   musl-gcc -static -O2 -o runmeter runmeter.c
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fputs("usage: runmeter OUT PROGRAM [ARGS...]\n", stderr);
		return 2;
	}
	long long t0 = now_ns();
	pid_t pid = fork();
	if (pid < 0) {
		perror("runmeter: fork");
		return 125;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	int status = 0;
	struct rusage ru;
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("runmeter: wait4");
			return 125;
		}
	}
	long long t1 = now_ns();
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	FILE *f = fopen(argv[1], "w");
	if (!f) {
		perror("runmeter: OUT");
		return 125;
	}
	fprintf(f, "%d %lld %lld %lld %lld %ld\n", code, t0, t1,
	        (long long)ru.ru_utime.tv_sec * 1000000LL + ru.ru_utime.tv_usec,
	        (long long)ru.ru_stime.tv_sec * 1000000LL + ru.ru_stime.tv_usec, ru.ru_maxrss);
	if (fclose(f) != 0)
		return 125;
	return code;
}
