// SPDX-License-Identifier: GPL-2.0
/* The KVP auto pool (see kvp_info.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include "kvp_info.h"
#include "kvp_net.h"

static const char *const auto_keys[KVP_AUTO_COUNT] = {
	"FullyQualifiedDomainName", "IntegrationServicesVersion", "NetworkAddressIPv4",
	"NetworkAddressIPv6", "OSBuildNumber", "OSName", "OSMajorVersion", "OSMinorVersion",
	"OSVersion", "ProcessorArchitecture",
};

static void copy(char *dst, size_t cap, const char *src)
{
	hvd_copy(dst, cap, src);
}

/* KEY=value or KEY="value" from an os-release file */
static bool os_release_value(const char *path, const char *key, char *out, size_t cap)
{
	char line[512], *v, *e;
	size_t klen = strlen(key);
	bool found = false;
	FILE *f = fopen(path, "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) || line[klen] != '=')
			continue;
		v = line + klen + 1;
		v[strcspn(v, "\r\n")] = '\0';
		if (*v == '"' || *v == '\'') {
			e = strrchr(v + 1, *v);
			if (e)
				*e = '\0';
			v++;
		}
		copy(out, cap, v);
		found = true;
	}
	fclose(f);
	return found;
}

/* "domain" or the first "search" entry of resolv.conf */
static bool resolv_domain(const char *path, char *out, size_t cap)
{
	char line[512], word[256];
	bool found = false;
	FILE *f = fopen(path, "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, " domain %255s", word) == 1 || sscanf(line, " search %255s", word) == 1) {
			copy(out, cap, word);
			found = true;
		}
	}
	fclose(f);
	return found;
}

void kvp_osinfo_read(const struct hvd_opts *o, struct kvp_osinfo *i)
{
	char path[PATH_MAX], version[64], domain[256], *dot;
	struct utsname u;

	memset(i, 0, sizeof(*i));
	if (uname(&u) == 0) {
		copy(i->os_build, sizeof(i->os_build), u.release);
		copy(i->os_version, sizeof(i->os_version), u.release);
		i->os_version[strcspn(i->os_version, "-")] = '\0';
		copy(i->arch, sizeof(i->arch), u.machine);
		copy(i->fqdn, sizeof(i->fqdn), u.nodename);
	}
	/* a short host name gets the DNS domain the resolver is told to use */
	if (!strchr(i->fqdn, '.') && !hvd_path(o, "/etc/resolv.conf", path, sizeof(path)) &&
	    resolv_domain(path, domain, sizeof(domain)) &&
	    strlen(i->fqdn) + 1 + strlen(domain) < sizeof(i->fqdn)) {
		strcat(i->fqdn, ".");
		strcat(i->fqdn, domain);
	}
	/* os-release where it is, else its vendor copy */
	if (hvd_path(o, "/etc/os-release", path, sizeof(path)) || access(path, R_OK))
		if (hvd_path(o, "/usr/lib/os-release", path, sizeof(path)))
			path[0] = '\0';
	if (!path[0] || !os_release_value(path, "NAME", i->os_name, sizeof(i->os_name)))
		i->os_name[0] = '\0';
	if (!path[0] || !os_release_value(path, "VERSION_ID", version, sizeof(version)))
		version[0] = '\0';
	dot = strchr(version, '.');
	if (dot)
		*dot = '\0';
	copy(i->os_major, sizeof(i->os_major), version);
	copy(i->os_minor, sizeof(i->os_minor), dot ? dot + 1 : "0");
	if (!i->os_name[0])
		copy(i->os_name, sizeof(i->os_name), "Linux");
}

int kvp_auto_entry(const struct kvp_osinfo *i, unsigned int index, char *key, size_t kcap,
		   char *value, size_t vcap)
{
	struct kvp_addr_lists l;
	const char *v = "";

	if (index >= KVP_AUTO_COUNT)
		return -ENOENT;
	copy(key, kcap, auto_keys[index]);
	switch (index) {
	case 0:
		v = i->fqdn;
		break;
	case 1:
		v = i->ic_version;
		break;
	case 2:
	case 3:
		if (kvp_net_addresses(0, &l))
			memset(&l, 0, sizeof(l));
		copy(value, vcap, index == 2 ? l.v4 : l.v6);
		return 0;
	case 4:
		v = i->os_build;
		break;
	case 5:
		v = i->os_name;
		break;
	case 6:
		v = i->os_major;
		break;
	case 7:
		v = i->os_minor;
		break;
	case 8:
		v = i->os_version;
		break;
	default:
		v = i->arch;
		break;
	}
	copy(value, vcap, v);
	return 0;
}
