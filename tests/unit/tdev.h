/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the device-driver tests share: little-endian helpers for the host
 * messages they build by hand (from the notes' byte offsets, never from our
 * wire headers), and booting a guest with one device offered by a host
 * model written on hostsim's generic device API.
 */
#ifndef LIS_TDEV_H
#define LIS_TDEV_H

#include "port_user.h"
#include "env_hostsim.h"

static inline void put16(u8 *p, u16 v) { p[0] = (u8)v; p[1] = (u8)(v >> 8); }
static inline void put32(u8 *p, u32 v) { put16(p, (u16)v); put16(p + 2, (u16)(v >> 16)); }
static inline void put64(u8 *p, u64 v) { put32(p, (u32)v); put32(p + 4, (u32)(v >> 32)); }
static inline u16 get16(const u8 *p) { return (u16)(p[0] | p[1] << 8); }
static inline u32 get32(const u8 *p) { return get16(p) | (u32)get16(p + 2) << 16; }
static inline u64 get64(const u8 *p) { return get32(p) | (u64)get32(p + 4) << 32; }

struct tdev {
	const char *cls;			/* class GUID, text */
	struct hs_offer offer;			/* its class is set from cls */
	const struct hs_device_ops *host_ops;
	void *host_priv;
	int (*probe)(struct tenv *env, struct lis_channel *ch);
	void (*remove)(struct tenv *env, struct lis_channel *ch);
	const uint32_t *host_versions;		/* NULL: hostsim's default */
	/* instead of offer + host_ops: a hostsim device model offers it */
	bool (*add_host)(struct hs_host *h);
};

static inline bool tdev_flag(struct tenv *env, void *arg)
{
	return __atomic_load_n((bool *)arg, __ATOMIC_SEQ_CST);
}

/* boot with the device offered; NULL unless the driver's probe ran (it sets
 * *probed) */
static inline struct tenv *tdev_boot(struct tdev *d, bool *probed)
{
	struct tenv_config ecfg = { 0 };
	struct tdriver drv;
	struct tenv *env;

	ecfg.nr_cpus = 2;
	ecfg.host_versions = d->host_versions;
	env = tenv_create(&ecfg);
	if (!env)
		return NULL;
	memset(&drv, 0, sizeof(drv));
	tguid(d->cls, drv.class_id.b);
	drv.probe = d->probe;
	drv.remove = d->remove;
	tenv_add_driver(env, &drv);
	tguid(d->cls, d->offer.class_guid);
	if ((d->add_host ? !d->add_host(tenv_host(env)) :
			   !hs_device_add(tenv_host(env), &d->offer, d->host_ops, d->host_priv)) ||
	    tenv_boot(env) || !tenv_wait(env, tdev_flag, probed, 10000)) {
		tenv_destroy(env);
		return NULL;
	}
	return env;
}

#endif
