// SPDX-License-Identifier: GPL-2.0
/*
 * lis-kexec: the VM rung guest's kexec (busybox has none, and Debian's
 * kexec-tools binary needs the Xen libraries).  Built static.
 *
 *   lis-kexec load KERNEL INITRD CMDLINE	kexec_file_load(2)
 *   lis-kexec exec				reboot(LINUX_REBOOT_CMD_KEXEC)
 *
 * `exec` goes through the kernel's normal kexec path: devices shut down,
 * then syscore shutdown (where hv_vmbus sends UNLOAD), then the new kernel.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <linux/reboot.h>

static int load(const char *kernel, const char *initrd, const char *cmdline)
{
	int kfd = open(kernel, O_RDONLY | O_CLOEXEC);
	int ifd = open(initrd, O_RDONLY | O_CLOEXEC);

	if (kfd < 0 || ifd < 0) {
		fprintf(stderr, "lis-kexec: cannot open %s: %s\n", kfd < 0 ? kernel : initrd,
			strerror(errno));
		return 1;
	}
	/* the length counts the terminating NUL */
	if (syscall(SYS_kexec_file_load, kfd, ifd, strlen(cmdline) + 1, cmdline, 0UL)) {
		fprintf(stderr, "lis-kexec: kexec_file_load: %s\n", strerror(errno));
		return 1;
	}
	printf("lis-kexec: loaded %s with %s\n", kernel, initrd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "load"))
		return load(argv[2], argv[3], argv[4]);
	if (argc == 2 && !strcmp(argv[1], "exec")) {
		sync();
		reboot(LINUX_REBOOT_CMD_KEXEC);
		fprintf(stderr, "lis-kexec: reboot(KEXEC): %s\n", strerror(errno));
		return 1;
	}
	fprintf(stderr, "usage: lis-kexec load KERNEL INITRD CMDLINE | lis-kexec exec\n");
	return 2;
}
