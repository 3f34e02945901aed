// SPDX-License-Identifier: GPL-2.0
/*
 * lis-evread MATCH SECONDS [MAX]: the VM rung's input-event reader (static;
 * the guest has busybox only).  Opens the first /dev/input/event* whose
 * name or phys contains MATCH, prints "dev=PATH name=NAME phys=PHYS" and
 * "ready" (or, when none matches, each device it saw), then one line "type code value" per event (EV_SYN included) until
 * SECONDS pass or MAX events (not counting EV_SYN) were read.  Exit 0 when
 * the device was found, 1 when not, 2 on a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/input.h>

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

int main(int argc, char **argv)
{
	char path[64], name[256], phys[256];
	struct input_event ev;
	long end, max, n = 0;
	int i, fd = -1;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: lis-evread MATCH SECONDS [MAX]\n");
		return 2;
	}
	end = now_ms() + atol(argv[2]) * 1000L;
	max = argc == 4 ? atol(argv[3]) : -1;
	for (i = 0; i < 32 && fd < 0; i++) {
		snprintf(path, sizeof(path), "/dev/input/event%d", i);
		fd = open(path, O_RDONLY | O_NONBLOCK);
		if (fd < 0)
			continue;
		memset(name, 0, sizeof(name));
		memset(phys, 0, sizeof(phys));
		if (ioctl(fd, EVIOCGNAME(sizeof(name) - 1), name) < 0)
			name[0] = '\0';
		if (ioctl(fd, EVIOCGPHYS(sizeof(phys) - 1), phys) < 0)
			phys[0] = '\0';
		if (!strstr(name, argv[1]) && !strstr(phys, argv[1])) {
			printf("seen %s name=%s phys=%s\n", path, name, phys);
			close(fd);
			fd = -1;
		}
	}
	if (fd < 0) {
		printf("no input device matches '%s'\n", argv[1]);
		return 1;
	}
	printf("dev=%s name=%s phys=%s\nready\n", path, name, phys);
	fflush(stdout);
	while (max < 0 || n < max) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long left = end - now_ms();

		if (left <= 0)
			break;
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		while (read(fd, &ev, sizeof(ev)) == (ssize_t)sizeof(ev)) {
			printf("%u %u %d\n", ev.type, ev.code, ev.value);
			if (ev.type != EV_SYN)
				n++;
		}
		fflush(stdout);
	}
	close(fd);
	return 0;
}
