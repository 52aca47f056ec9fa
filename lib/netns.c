/* setns(2) helpers with an explicit way back. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/nsfs.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "netns.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

int netns_open(const char *path, int *ret_fd, struct cni_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	struct statfs sfs;

	if (!path || !*path)
		return cni_error_set(err, CNI_ERR_ENV, EINVAL, NULL, "empty netns path");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cni_error_set(err, errno == ENOENT ? CNI_ERR_UNKNOWN_CTR : CNI_ERR_ENV,
				     errno, NULL, "open netns \"%s\"", path);
	if (fstatfs(fd, &sfs) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL, "statfs netns \"%s\"",
				     path);
	if ((unsigned long)sfs.f_type != NSFS_MAGIC &&
	    (unsigned long)sfs.f_type != PROC_SUPER_MAGIC)
		return cni_error_set(err, CNI_ERR_ENV, EINVAL, NULL,
				     "\"%s\" is not a network namespace (not nsfs or procfs)",
				     path);
	/* An nsfs file may be another kind of namespace (mnt, pid...): ask the kernel, so a wrong
	 * path is reported before anything is changed. */
	int type = ioctl(fd, NS_GET_NSTYPE);
	if (type >= 0 && type != CLONE_NEWNET)
		return cni_error_set(err, CNI_ERR_ENV, EINVAL, NULL,
				     "\"%s\" is not a network namespace", path);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int netns_current(int *ret_fd, struct cni_error *err)
{
	int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL, "open current netns");
	*ret_fd = fd;
	return 0;
}

int netns_enter(int ns_fd, int *ret_saved, struct cni_error *err)
{
	_cleanup_close_ int saved = -EBADF;
	int r = netns_current(&saved, err);

	if (r < 0)
		return r;
	if (setns(ns_fd, CLONE_NEWNET) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL, "enter netns");
	*ret_saved = TAKE_FD(saved);
	return 0;
}

void netns_restore(int *saved)
{
	if (*saved < 0)
		return;
	if (setns(*saved, CLONE_NEWNET) < 0) {
		perror("fatal: cannot return to the original network namespace");
		abort();
	}
	close(*saved);
	*saved = -EBADF;
}
