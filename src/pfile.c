/* pfile.c - see pfile.h. */
#include "pfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PFILE_PATH_MAX 4096

/* "token cache " before a path, or nothing. */
static const char *lead(const char *what)
{
	return what && *what ? what : "";
}

static const char *gap(const char *what)
{
	return what && *what ? " " : "";
}

static void fsync_dir_of(const char *path)
{
	char dir[PFILE_PATH_MAX];
	const char *slash = strrchr(path, '/');
	int dfd;

	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == path)
		snprintf(dir, sizeof dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
}

int pfile_write(const char *path, const void *data, size_t len, const char *what, char *errbuf)
{
	char tmp[PFILE_PATH_MAX + 32];
	const char *p = data;
	struct stat st;
	size_t off = 0;
	int fd, err = DBX_OK;

	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		errbuf_set(errbuf, "%s%s%s is a symbolic link: refusing to write through it",
		           lead(what), gap(what), path);
		return DBX_ERR_IO;
	}
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid()) >= sizeof tmp) {
		errbuf_set(errbuf, "path too long: %.80s...", path);
		return DBX_ERR_IO;
	}
	(void)unlink(tmp); /* ours (the pid says so), left by a crash */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		errbuf_set(errbuf, "cannot write %s%s%s: %s", lead(what), gap(what), path,
		           strerror(errno));
		return DBX_ERR_IO;
	}
	if (fchmod(fd, 0600) != 0) /* whatever the umask did */
		err = DBX_ERR_IO;
	while (!err && off < len) {
		ssize_t n = write(fd, p + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			err = DBX_ERR_IO;
		else
			off += (size_t)n;
	}
	if (!err && fsync(fd) != 0)
		err = DBX_ERR_IO;
	if (close(fd) != 0 && !err)
		err = DBX_ERR_IO;
	if (!err && rename(tmp, path) != 0)
		err = DBX_ERR_IO;
	if (err) {
		errbuf_set(errbuf, "cannot write %s%s%s: %s", lead(what), gap(what), path,
		           strerror(errno));
		(void)unlink(tmp);
		return err;
	}
	fsync_dir_of(path);
	return DBX_OK;
}

int pfile_check(int fd, const char *path, const char *what, char *errbuf)
{
	struct stat st;

	if (fstat(fd, &st) != 0) {
		errbuf_set(errbuf, "%s%s%s: %s", lead(what), gap(what), path, strerror(errno));
		return DBX_ERR_IO;
	}
	if (!S_ISREG(st.st_mode)) {
		errbuf_set(errbuf, "%s%s%s is not a regular file: refusing it", lead(what),
		           gap(what), path);
		return DBX_ERR_IO;
	}
	if (st.st_uid != geteuid()) {
		errbuf_set(errbuf, "%s%s%s belongs to uid %ld, not to you: refusing it (remove it)",
		           lead(what), gap(what), path, (long)st.st_uid);
		return DBX_ERR_IO;
	}
	if (st.st_mode & 077) {
		errbuf_set(
		    errbuf,
		    "%s%s%s is accessible by group/others (mode %03o): refusing it; chmod 600 "
		    "it (and consider its secrets leaked)",
		    lead(what), gap(what), path, (unsigned)(st.st_mode & 0777));
		return DBX_ERR_IO;
	}
	return DBX_OK;
}

int pfile_check_dir(const char *dir, const char *what, char *errbuf)
{
	struct stat st;

	if (stat(dir, &st) != 0) {
		errbuf_set(errbuf, "%s%sdirectory %s: %s", lead(what), gap(what), dir,
		           strerror(errno));
		return DBX_ERR_IO;
	}
	if (!S_ISDIR(st.st_mode)) {
		errbuf_set(errbuf, "%s%sdirectory %s is not a directory", lead(what), gap(what),
		           dir);
		return DBX_ERR_IO;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		errbuf_set(errbuf, "%s%sdirectory %s belongs to uid %ld, not to you: refusing it",
		           lead(what), gap(what), dir, (long)st.st_uid);
		return DBX_ERR_IO;
	}
	/* others could swap the file under us, unless the sticky bit stops them */
	if ((st.st_mode & 022) && !(st.st_mode & S_ISVTX)) {
		errbuf_set(errbuf,
		           "%s%sdirectory %s is writable by group/others (mode %03o): refusing it; "
		           "chmod 700 it",
		           lead(what), gap(what), dir, (unsigned)(st.st_mode & 0777));
		return DBX_ERR_IO;
	}
	return DBX_OK;
}
