/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The KVP "auto" pool (pool 2): what the guest tells the host about itself,
 * answered live for ENUMERATE index 0..9 in the order Hyper-V expects
 * (fact sheet §6.4): FullyQualifiedDomainName, IntegrationServicesVersion,
 * NetworkAddressIPv4, NetworkAddressIPv6, OSBuildNumber, OSName,
 * OSMajorVersion, OSMinorVersion, OSVersion, ProcessorArchitecture.
 */
#ifndef KVP_INFO_H
#define KVP_INFO_H

#include <stddef.h>
#include "hvd.h"

#define KVP_AUTO_COUNT	10

struct kvp_osinfo {
	char fqdn[256];
	char ic_version[128];	/* the kernel driver's, from the registration */
	char os_build[128];	/* uname -r */
	char os_name[128];	/* os-release NAME */
	char os_major[32];	/* os-release VERSION_ID, before the dot */
	char os_minor[32];	/* ... after it */
	char os_version[128];	/* the kernel version without the build suffix */
	char arch[64];		/* uname -m */
};

/* os-release and resolv.conf under o->root; uname of the running kernel */
void kvp_osinfo_read(const struct hvd_opts *o, struct kvp_osinfo *i);
/* index -> key and value (NUL-terminated); -ENOENT past the last */
int kvp_auto_entry(const struct kvp_osinfo *i, unsigned int index, char *key, size_t kcap,
		   char *value, size_t vcap);

#endif
