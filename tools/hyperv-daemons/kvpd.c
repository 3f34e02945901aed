// SPDX-License-Identifier: GPL-2.0
/*
 * hypervkvpd: Hyper-V data exchange (KVP).  It registers on
 * /dev/vmbus/hv_kvp and answers the host's requests as the kernel hands
 * them over (7432-byte messages, UTF-8, §6.5):
 *  - SET / GET / DELETE / ENUMERATE on pools 0, 1, 3, 4: the pool files of
 *    kvp_pool.c, shared with cloud-init and the Azure agent;
 *  - ENUMERATE on pool 2 (auto): the guest's own facts (kvp_info.c);
 *  - GET_IP_INFO / SET_IP_INFO: the interface with the host's MAC address,
 *    read over rtnetlink (kvp_net.c), written as its ifcfg file
 *    (kvp_ifcfg.c).
 * Every field the kernel sends is checked before use.  "Not found" answers
 * are HV_S_CONT, as the host expects from Linux guests.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hvd.h"
#include "kvp_pool.h"
#include "kvp_info.h"
#include "kvp_net.h"
#include "kvp_ifcfg.h"

#define KVP_POOL_DIR	"/var/lib/hyperv"

struct kvpd {
	const struct hvd_opts *o;
	struct kvp_pool pools[KVP_POOL_COUNT];
	struct kvp_osinfo info;
};

static int kvpd_register(struct kvpd *k, int fd)
{
	static struct lis_kvp_dmsg m;
	long n, vlen;

	memset(&m, 0, sizeof(m));
	m.hdr.operation = LIS_KVP_OP_REGISTER1;
	if (hvd_write(fd, &m, sizeof(m)))
		return -1;
	if (hvd_wait(fd) != 1)
		return -1;
	n = hvd_read(fd, &m, sizeof(m));
	vlen = hvd_strnlen(m.body.version, sizeof(m.body.version));
	if (n != (long)sizeof(m) || m.hdr.operation != LIS_KVP_OP_REGISTER1 || vlen < 0) {
		hvd_err("kvp: the kernel answered the registration with %ld bytes", n);
		errno = EPROTO;
		return -1;
	}
	hvd_copy(k->info.ic_version, sizeof(k->info.ic_version), (char *)m.body.version);
	hvd_info("kvp: registered; integration services %s", k->info.ic_version);
	return 0;
}

/* a key or value field: NUL-terminated within the field and its size */
static bool kvpd_str(const uint8_t *field, size_t cap, uint32_t size, bool need_text)
{
	long len = hvd_strnlen(field, cap);

	if (len < 0 || (need_text && len == 0))
		return false;
	return size == 0 || size >= (uint32_t)len + 1;
}

static uint32_t kvpd_put_value(struct lis_kvp_value *v, const char *key, const char *value)
{
	size_t vl = strlen(value);

	if (vl >= sizeof(v->value) || (key && strlen(key) >= sizeof(v->key)))
		return LIS_IC_E_FAIL;
	if (key) {
		memset(v->key, 0, sizeof(v->key));
		strcpy((char *)v->key, key);
		hvd_put32(&v->key_size, (uint32_t)strlen(key) + 1);
	}
	memset(v->value, 0, sizeof(v->value));
	memcpy(v->value, value, vl + 1);
	hvd_put32(&v->value_size, (uint32_t)vl + 1);
	hvd_put32(&v->value_type, LIS_KVP_REG_SZ);
	return LIS_IC_S_OK;
}

/* a pool call's result for the host: "not found" is S_CONT */
static uint32_t kvpd_pool_status(int ret)
{
	if (!ret)
		return LIS_IC_S_OK;
	return ret == -ENOENT ? LIS_IC_S_CONT : LIS_IC_E_FAIL;
}

static uint32_t kvpd_ip(struct kvpd *k, struct lis_kvp_dmsg *m)
{
	struct lis_kvp_dip_info *ip = &m->body.ip;
	struct kvp_addr_lists l;
	unsigned char mac[6];
	struct kvp_if ifc;
	char dns[1024], path[PATH_MAX];
	int ret;

	if (hvd_strnlen(ip->adapter_id, sizeof(ip->adapter_id)) < 0 ||
	    kvp_parse_mac((const char *)ip->adapter_id, mac)) {
		hvd_err("kvp: the host named no MAC address we can read");
		return LIS_IC_E_FAIL;
	}
	ret = kvp_net_find(mac, &ifc);
	if (ret) {
		hvd_err("kvp: no interface has the MAC address %s", (char *)ip->adapter_id);
		return LIS_IC_E_FAIL;
	}
	if (m->hdr.operation == LIS_KVP_OP_SET_IP_INFO)
		return kvp_ifcfg_write(k->o, &ifc, ip);

	ret = kvp_net_addresses(ifc.index, &l);
	if (ret) {
		hvd_err("kvp: cannot read the addresses of %s: %s", ifc.name, strerror(-ret));
		return LIS_IC_E_FAIL;
	}
	dns[0] = '\0';
	if (!hvd_path(k->o, "/etc/resolv.conf", path, sizeof(path)))
		kvp_dns_servers(path, dns, KVP_NET_LIST_MAX + 1);
	/* addresses of both families in one list, masks and prefixes alike */
	memset(ip->ip_addr, 0, sizeof(ip->ip_addr));
	memset(ip->sub_net, 0, sizeof(ip->sub_net));
	hvd_copy((char *)ip->ip_addr, KVP_NET_LIST_MAX + 1, l.v4);
	hvd_copy((char *)ip->sub_net, KVP_NET_LIST_MAX + 1, l.v4_masks);
	if (l.v6[0] && kvp_list_add((char *)ip->ip_addr, KVP_NET_LIST_MAX, l.v6))
		kvp_list_add((char *)ip->sub_net, KVP_NET_LIST_MAX, l.v6_prefixes);
	memset(ip->gate_way, 0, sizeof(ip->gate_way));
	hvd_copy((char *)ip->gate_way, KVP_NET_GW_MAX + 1, l.gateways);
	memset(ip->dns_addr, 0, sizeof(ip->dns_addr));
	hvd_copy((char *)ip->dns_addr, KVP_NET_LIST_MAX + 1, dns);
	ip->dhcp_enabled = l.dynamic;
	if (l.v4[0] && l.v6[0])
		ip->addr_family = LIS_KVP_ADDR_FAMILY_BOTH;
	else
		ip->addr_family = l.v6[0] ? LIS_KVP_ADDR_FAMILY_IPV6 : LIS_KVP_ADDR_FAMILY_IPV4;
	return LIS_IC_S_OK;
}

/* one request, answered in place: the status */
static uint32_t kvpd_handle(struct kvpd *k, struct lis_kvp_dmsg *m)
{
	static char value[KVP_POOL_VALUE + 1];
	static struct kvp_record rec;
	uint8_t op = m->hdr.operation, pool = m->hdr.pool;
	struct lis_kvp_value *v = &m->body.get;
	char key[KVP_POOL_KEY];
	int ret;

	if (op >= LIS_KVP_OP_COUNT || pool >= KVP_POOL_COUNT) {
		hvd_err("kvp: operation %u on pool %u is not one we know", op, pool);
		return LIS_IC_E_FAIL;
	}
	switch (op) {
	case LIS_KVP_OP_SET:
	case LIS_KVP_OP_GET:
		if (!kvpd_str(v->key, sizeof(v->key), hvd_get32(&v->key_size), true) ||
		    (op == LIS_KVP_OP_SET &&
		     !kvpd_str(v->value, sizeof(v->value), hvd_get32(&v->value_size), false))) {
			hvd_err("kvp: a malformed key or value");
			return LIS_IC_E_FAIL;
		}
		memcpy(key, v->key, sizeof(key));
		if (pool == LIS_KVP_POOL_AUTO)
			return LIS_IC_E_FAIL;	/* answered from live state only */
		if (op == LIS_KVP_OP_SET) {
			hvd_debug("kvp: SET pool %u \"%s\"", pool, key);
			ret = kvp_pool_set(&k->pools[pool], key, (const char *)v->value);
			return ret ? LIS_IC_E_FAIL : LIS_IC_S_OK;
		}
		ret = kvp_pool_get(&k->pools[pool], key, value, sizeof(value));
		if (ret)
			return kvpd_pool_status(ret);
		return kvpd_put_value(v, NULL, value);
	case LIS_KVP_OP_DELETE:
		if (!kvpd_str(m->body.del.key, sizeof(m->body.del.key),
			      hvd_get32(&m->body.del.key_size), true)) {
			hvd_err("kvp: a malformed key");
			return LIS_IC_E_FAIL;
		}
		if (pool == LIS_KVP_POOL_AUTO)
			return LIS_IC_E_FAIL;
		memcpy(key, m->body.del.key, sizeof(key));
		hvd_debug("kvp: DELETE pool %u \"%s\"", pool, key);
		return kvpd_pool_status(kvp_pool_delete(&k->pools[pool], key));
	case LIS_KVP_OP_ENUMERATE: {
		uint32_t index = hvd_get32(&m->body.enumerate.index);

		v = &m->body.enumerate.data;
		if (pool == LIS_KVP_POOL_AUTO) {
			if (kvp_auto_entry(&k->info, index, rec.key, sizeof(rec.key), rec.value,
					   sizeof(rec.value)))
				return LIS_IC_S_CONT;
		} else {
			ret = kvp_pool_enumerate(&k->pools[pool], index, &rec);
			if (ret)
				return kvpd_pool_status(ret);
		}
		/* a key the pool file filled to the brim cannot travel with its NUL */
		rec.key[KVP_POOL_KEY - 1] = '\0';
		rec.value[KVP_POOL_VALUE - 1] = '\0';
		return kvpd_put_value(v, rec.key, rec.value);
	}
	default:
		return kvpd_ip(k, m);
	}
}

/* a request is answered in place, with its status in .error */
static size_t kvpd_answer(void *ctx, void *buf, size_t n)
{
	struct lis_kvp_dmsg *m = buf;

	if (n != sizeof(*m)) {
		hvd_err("kvp: a %zu-byte message, not %zu", n, sizeof(*m));
		memset((uint8_t *)m + n, 0, sizeof(*m) - n);
		hvd_put32(&m->error, LIS_IC_E_FAIL);
	} else {
		hvd_put32(&m->error, kvpd_handle(ctx, m));
	}
	return sizeof(*m);
}

int main(int argc, char **argv)
{
	struct hvd_opts o = { .name = "hypervkvpd", .device = "/dev/" LIS_KVP_DEVICE };
	static struct lis_kvp_dmsg m;
	char dir[PATH_MAX];
	struct kvpd k;
	int fd = -1, i, rc = 1, ret;

	i = hvd_parse(&o, argc, argv, NULL, NULL);
	if (i)
		return i == 1 ? 0 : 2;
	hvd_log_open(&o);
	memset(&k, 0, sizeof(k));
	k.o = &o;
	for (i = 0; i < KVP_POOL_COUNT; i++)
		k.pools[i].fd = -1;
	if (hvd_path(&o, KVP_POOL_DIR, dir, sizeof(dir))) {
		hvd_err("the root path is too long");
		return 1;
	}
	for (i = 0; i < KVP_POOL_COUNT; i++) {
		ret = kvp_pool_open(&k.pools[i], dir, i);
		if (ret) {
			hvd_err("kvp: cannot open pool %d in %s: %s", i, dir, strerror(-ret));
			goto out;
		}
	}
	kvp_osinfo_read(&o, &k.info);
	fd = hvd_open_device(o.device);
	if (fd < 0) {
		hvd_err("cannot open %s: %s", o.device, strerror(errno));
		goto out;
	}
	hvd_signals();
	if (hvd_daemonize(&o) || kvpd_register(&k, fd)) {
		if (!hvd_stop)
			hvd_err("cannot register with the kernel: %s", strerror(errno));
		goto out;
	}
	rc = hvd_serve(fd, &m, sizeof(m), kvpd_answer, &k);
out:
	if (fd >= 0)
		close(fd);
	for (i = 0; i < KVP_POOL_COUNT; i++)
		kvp_pool_close(&k.pools[i]);
	return rc;
}
