// SPDX-License-Identifier: GPL-2.0
/*
 * lsvmbus: list the devices on the VMBus, from sysfs.
 *
 *   lsvmbus [-v] [--json] [--sysfs DIR]
 *
 * One line per device: its relid, class GUID and what that class is; with -v
 * also the instance GUID, the driver bound to it and the CPU each channel
 * interrupts.  --sysfs names another root for /sys/bus/vmbus/devices (tests,
 * offline images).  Exit codes: 0 listed (also when there are no devices),
 * 1 usage, 2 the VMBus sysfs directory cannot be read.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define DEFAULT_SYSFS	"/sys/bus/vmbus/devices"
#define MAX_DEVICES	1024

struct vmbus_class {
	const char *guid;
	const char *name;
};

/* class GUIDs (fact sheet §8) */
static const struct vmbus_class classes[] = {
	{ "ba6163d9-04a1-4d29-b605-72e2ffb1dc7f", "Synthetic SCSI Controller" },
	{ "32412632-86cb-44a2-9b5c-50d1417354f5", "Synthetic IDE Controller" },
	{ "2f9bcc4a-0069-4af3-b76b-6fd0be528cda", "Synthetic Fibre Channel" },
	{ "f8615163-df3e-46c5-913f-f2d2f965ed0e", "Synthetic network adapter" },
	{ "57164f39-9115-4e78-ab55-382f3bd5422d", "Heartbeat" },
	{ "0e0b6031-5213-4934-818b-38d90ced39db", "Shutdown" },
	{ "9527e630-d0ae-497b-adce-e80ab0175caf", "Time Synchronization" },
	{ "a9a0f4e7-5a45-4d96-b827-8a841e8c03e6", "Data Exchange (KVP)" },
	{ "35fa2e29-ea23-4236-96ae-3a6ebacba440", "Backup (VSS)" },
	{ "34d14be3-dee4-41c8-9ae7-6b174977c192", "Guest services (file copy)" },
	{ "cfa8b69e-5b4a-4cc0-b98b-8ba1a1f3f95a", "Synthetic mouse" },
	{ "f912ad6d-2b17-48ea-bd65-f927a61c7684", "Synthetic keyboard" },
	{ "525074dc-8985-46e2-8057-a307dc18a502", "Dynamic Memory" },
	{ "da0a7802-e377-4aac-8e77-0558eb1073f8", "Synthetic framebuffer adapter" },
	{ "44c4f61d-4444-4400-9d52-802e27ede19f", "PCI Express pass-through" },
	{ "8c2eaf3d-32a7-4b09-ab99-bd1f1c86b501", "Network Direct (RDMA)" },
	{ "f8e65716-3cb3-4a06-9a60-1889c5cccab5", "Automatic Virtual Machine Activation" },
	{ "3375baf4-9e15-4b30-b765-67acb10d607b", "Automatic Virtual Machine Activation (2)" },
	{ "276aacf4-ac15-426c-98dd-7521ad3f01fe", "Remote Desktop Virtualization" },
	{ "c376c1c3-d276-48d2-90a9-c04748072c60", "Initial Machine Configuration" },
};

struct device {
	char name[NAME_MAX + 1];
	unsigned long relid;
	char class_id[64];
	char device_id[64];
	char driver[NAME_MAX + 1];
	char vp_mapping[4096];
};

/* read a one-line sysfs attribute without its newline; "" when absent */
static void read_attr(const char *dir, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX];
	FILE *f;
	size_t n;

	buf[0] = '\0';
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return;
	f = fopen(path, "r");
	if (!f)
		return;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
}

static const char *class_name(const char *class_id)
{
	char bare[64];
	size_t i, n;

	/* the attribute is "{guid}" */
	n = strlen(class_id);
	if (n >= 2 && class_id[0] == '{' && class_id[n - 1] == '}') {
		memcpy(bare, class_id + 1, n - 2);
		bare[n - 2] = '\0';
	} else {
		snprintf(bare, sizeof(bare), "%s", class_id);
	}
	for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (!strcasecmp(bare, classes[i].guid))
			return classes[i].name;
	return "Unknown";
}

static void read_device(const char *root, const char *name, struct device *d)
{
	char dir[PATH_MAX], link[PATH_MAX + 8], target[PATH_MAX], relid[32];
	const char *slash;
	ssize_t n;

	memset(d, 0, sizeof(*d));
	if (strlen(name) >= sizeof(d->name) ||
	    snprintf(dir, sizeof(dir), "%s/%s", root, name) >= (int)sizeof(dir))
		return;
	memcpy(d->name, name, strlen(name) + 1);
	read_attr(dir, "id", relid, sizeof(relid));
	d->relid = strtoul(relid, NULL, 10);
	read_attr(dir, "class_id", d->class_id, sizeof(d->class_id));
	read_attr(dir, "device_id", d->device_id, sizeof(d->device_id));
	read_attr(dir, "channel_vp_mapping", d->vp_mapping, sizeof(d->vp_mapping));
	if (snprintf(link, sizeof(link), "%s/driver", dir) >= (int)sizeof(link))
		return;
	n = readlink(link, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = '\0';
		slash = strrchr(target, '/');
		slash = slash ? slash + 1 : target;
		if (strlen(slash) < sizeof(d->driver))
			memcpy(d->driver, slash, strlen(slash) + 1);
	}
}

static int by_relid(const void *a, const void *b)
{
	const struct device *x = a, *y = b;

	return (x->relid > y->relid) - (x->relid < y->relid);
}

/* JSON string body: the attributes are GUIDs and names, but be safe */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void usage(FILE *f)
{
	fprintf(f, "usage: lsvmbus [-v] [--json] [--sysfs DIR]\n"
		   "List the devices on the Hyper-V VMBus (from %s).\n"
		   "  -v, --verbose   instance GUIDs, drivers and channel CPUs too\n"
		   "  --json          machine-readable output\n"
		   "  --sysfs DIR     read DIR instead of %s\n", DEFAULT_SYSFS, DEFAULT_SYSFS);
}

int main(int argc, char **argv)
{
	static struct device devs[MAX_DEVICES];
	const char *root = DEFAULT_SYSFS;
	int verbose = 0, json = 0, i;
	size_t n = 0, k;
	struct dirent *de;
	DIR *dir;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			verbose = 1;
		} else if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "--sysfs") && i + 1 < argc) {
			root = argv[++i];
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 1;
		}
	}
	dir = opendir(root);
	if (!dir) {
		fprintf(stderr, "lsvmbus: cannot read %s: %s (is hv_vmbus loaded?)\n",
			root, strerror(errno));
		return 2;
	}
	while ((de = readdir(dir)) && n < MAX_DEVICES) {
		if (de->d_name[0] == '.')
			continue;
		read_device(root, de->d_name, &devs[n++]);
	}
	closedir(dir);
	qsort(devs, n, sizeof(devs[0]), by_relid);

	if (json) {
		printf("[");
		for (k = 0; k < n; k++) {
			printf("%s\n  {\"relid\": %lu, \"class_id\": ", k ? "," : "", devs[k].relid);
			json_str(devs[k].class_id);
			printf(", \"class\": ");
			json_str(class_name(devs[k].class_id));
			printf(", \"device_id\": ");
			json_str(devs[k].device_id);
			printf(", \"driver\": ");
			json_str(devs[k].driver);
			printf(", \"channel_vp_mapping\": ");
			json_str(devs[k].vp_mapping);
			printf(", \"sysfs\": ");
			json_str(devs[k].name);
			printf("}");
		}
		printf("%s]\n", n ? "\n" : "");
		return 0;
	}
	for (k = 0; k < n; k++) {
		printf("VMBus relid %3lu: class %s - %s\n", devs[k].relid, devs[k].class_id,
		       class_name(devs[k].class_id));
		if (!verbose)
			continue;
		printf("    device_id %s\n", devs[k].device_id);
		printf("    driver    %s\n", devs[k].driver[0] ? devs[k].driver : "(none)");
		printf("    sysfs     %s/%s\n", root, devs[k].name);
		if (devs[k].vp_mapping[0]) {
			char *save = NULL, *line = strtok_r(devs[k].vp_mapping, "\n", &save);

			for (; line; line = strtok_r(NULL, "\n", &save))
				printf("    channel   relid:cpu %s\n", line);
		}
	}
	return 0;
}
