/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-process test backend: the VMBus core (and the driver cores on top of
 * it) talking to hostsim in one program.  The platform forwards CPUID, MSRs
 * and hypercalls to hostsim; hostsim's interrupts call lis_vmbus_isr() from
 * its own threads, like interrupts on another CPU; the deferred halves run on
 * worker threads standing in for tasklets and workqueues.  Guest-physical
 * address == the address of the (4 KiB aligned) buffer.
 */
#ifndef LIS_ENV_HOSTSIM_H
#define LIS_ENV_HOSTSIM_H

#include <lis/vmbus.h>
#include "hostsim.h"

struct tenv;

struct tenv_config {
	unsigned int nr_cpus;		/* default 2 */
	unsigned int vp_offset;		/* VP = (cpu + offset) % nr_vps */
	unsigned int nr_vps;		/* default nr_cpus + vp_offset */
	const uint32_t *host_versions;	/* hostsim's list; NULL = its default */
	unsigned int cpuid_mode;
	uint32_t isolation_type;
	uint32_t max_version;		/* the guest's cap; 0 newest */
	uint32_t timeout_ms;		/* guest's host timeout; default 2000 */
	uint32_t msg_conn_id;		/* hostsim's >= 5.0 message connection id */
	unsigned int msg_cpu;
};

/* a test "driver": probe/remove run in the offer context for primaries of
 * its class, like the kernel's device model */
struct tdriver {
	struct lis_guid class_id;
	int (*probe)(struct tenv *env, struct lis_channel *ch);
	void (*remove)(struct tenv *env, struct lis_channel *ch);
};

struct tenv *tenv_create(const struct tenv_config *cfg);
/* lis_vmbus_create, every CPU up, connect; returns the core's result */
int tenv_boot(struct tenv *env);
/* disconnect (UNLOAD) and CPUs down; channels must be closed */
void tenv_shutdown(struct tenv *env);
void tenv_destroy(struct tenv *env);

struct hs_host *tenv_host(struct tenv *env);
struct lis_vmbus *tenv_vmbus(struct tenv *env);
const struct lis_platform *tenv_platform(struct tenv *env);
void tenv_add_driver(struct tenv *env, const struct tdriver *drv);

/* primaries offered to the env so far (in order) and still present */
unsigned int tenv_offered_count(struct tenv *env);
unsigned int tenv_rescinded_count(struct tenv *env);
unsigned int tenv_timer_messages(struct tenv *env);
/* the n-th offered primary still present, NULL if none */
struct lis_channel *tenv_channel(struct tenv *env, unsigned int n);
/* wait until fn(env, arg) holds or timeout; returns the last value */
bool tenv_wait(struct tenv *env, bool (*fn)(struct tenv *env, void *arg), void *arg,
	       unsigned int timeout_ms);
bool tenv_wait_offered(struct tenv *env, unsigned int n, unsigned int timeout_ms);
/* hostsim's protocol-error lines so far */
unsigned int tenv_host_errors(struct tenv *env);

/* a GUID from its text form {xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx} in wire layout */
void tguid(const char *text, uint8_t out[16]);

#endif
