// SPDX-License-Identifier: GPL-2.0
/* The in-process test backend (see env_hostsim.h). */
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <time.h>
#include "env_hostsim.h"
#include <lis/wire/vmbus.h>

#define TENV_MAX_CPUS	8
#define TENV_MAX_CHANS	256
#define TENV_MAX_DRVS	8

/* a worker thread standing in for a tasklet or an ordered workqueue */
struct worker {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool pending, stop;
	void (*fn)(struct tenv *env, unsigned int arg);
	struct tenv *env;
	unsigned int arg;
};

struct tenv {
	struct tenv_config cfg;
	struct hs_host *host;
	struct lis_vmbus *vmbus;
	struct lis_platform plat;
	void *hypercall_page;
	struct lis_vmbus *isr_vmbus;
	pthread_mutex_t cpu_lock[TENV_MAX_CPUS];	/* one "CPU" at a time */
	struct worker events[TENV_MAX_CPUS], msgs, offers;
	bool booted;

	pthread_mutex_t lock;
	struct lis_channel *chans[TENV_MAX_CHANS];
	const struct tdriver *bound[TENV_MAX_CHANS];
	unsigned int nchans, offered, rescinded, timer_msgs, host_errors;
	struct tdriver drivers[TENV_MAX_DRVS];
	unsigned int ndrivers;
};

/* ---- workers ---- */

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->pending && !w->stop)
			pthread_cond_wait(&w->cond, &w->lock);
		if (w->stop)
			break;
		w->pending = false;
		pthread_mutex_unlock(&w->lock);
		w->fn(w->env, w->arg);
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static void worker_start(struct worker *w, struct tenv *env, unsigned int arg,
			 void (*fn)(struct tenv *env, unsigned int arg))
{
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	w->pending = w->stop = false;
	w->fn = fn;
	w->env = env;
	w->arg = arg;
	pthread_create(&w->thread, NULL, worker_main, w);
}

static void worker_kick(struct worker *w)
{
	pthread_mutex_lock(&w->lock);
	w->pending = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

static void worker_stop(struct worker *w)
{
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
}

static void run_events(struct tenv *env, unsigned int cpu)
{
	pthread_mutex_lock(&env->cpu_lock[cpu]);
	lis_vmbus_run_events(env->vmbus, cpu);
	pthread_mutex_unlock(&env->cpu_lock[cpu]);
}

static void run_messages(struct tenv *env, unsigned int unused)
{
	lis_vmbus_run_messages(env->vmbus);
}

static void run_offers(struct tenv *env, unsigned int unused)
{
	lis_vmbus_run_offers(env->vmbus);
}

/* ---- the core's environment ---- */

static void env_defer_events(void *ctx, unsigned int cpu)
{
	struct tenv *env = ctx;

	worker_kick(&env->events[cpu]);
}

static void env_defer_messages(void *ctx)
{
	worker_kick(&((struct tenv *)ctx)->msgs);
}

static void env_defer_offers(void *ctx)
{
	worker_kick(&((struct tenv *)ctx)->offers);
}

static void env_channel_offered(void *ctx, struct lis_channel *ch)
{
	struct tenv *env = ctx;
	const struct tdriver *drv = NULL;
	unsigned int i, slot;

	pthread_mutex_lock(&env->lock);
	slot = env->nchans;
	if (slot < TENV_MAX_CHANS) {
		env->chans[slot] = ch;
		env->nchans++;
	}
	env->offered++;
	for (i = 0; i < env->ndrivers; i++)
		if (!memcmp(&env->drivers[i].class_id, lis_channel_class(ch), 16))
			drv = &env->drivers[i];
	pthread_mutex_unlock(&env->lock);
	if (drv && slot < TENV_MAX_CHANS && drv->probe(env, ch) == 0) {
		pthread_mutex_lock(&env->lock);
		env->bound[slot] = drv;
		pthread_mutex_unlock(&env->lock);
	}
}

static void env_channel_rescinded(void *ctx, struct lis_channel *ch)
{
	struct tenv *env = ctx;
	const struct tdriver *drv = NULL;
	unsigned int i;

	pthread_mutex_lock(&env->lock);
	for (i = 0; i < env->nchans; i++) {
		if (env->chans[i] == ch) {
			drv = env->bound[i];
			env->chans[i] = NULL;
			env->bound[i] = NULL;
		}
	}
	env->rescinded++;
	pthread_mutex_unlock(&env->lock);
	if (drv && drv->remove)
		drv->remove(env, ch);
}

static void env_timer_message(void *ctx, unsigned int cpu)
{
	struct tenv *env = ctx;

	pthread_mutex_lock(&env->lock);
	env->timer_msgs++;
	pthread_mutex_unlock(&env->lock);
}

static u32 env_cpu_to_vp(void *ctx, unsigned int cpu)
{
	struct tenv *env = ctx;

	return (cpu + env->cfg.vp_offset) % env->cfg.nr_vps;
}

static const struct lis_env_ops tenv_ops = {
	.defer_events = env_defer_events,
	.defer_messages = env_defer_messages,
	.defer_offers = env_defer_offers,
	.channel_offered = env_channel_offered,
	.channel_rescinded = env_channel_rescinded,
	.timer_message = env_timer_message,
	.cpu_to_vp = env_cpu_to_vp,
};

/* ---- the platform: forward to hostsim ---- */

static void plat_cpuid(void *ctx, u32 leaf, u32 regs[4])
{
	hs_guest_cpuid(((struct tenv *)ctx)->host, leaf, regs);
}

static u64 plat_read_msr(void *ctx, u32 vp, u32 msr)
{
	return hs_guest_rdmsr(((struct tenv *)ctx)->host, vp, msr);
}

static void plat_write_msr(void *ctx, u32 vp, u32 msr, u64 value)
{
	hs_guest_wrmsr(((struct tenv *)ctx)->host, vp, msr, value);
}

static u64 plat_hypercall(void *ctx, u32 vp, u64 control, void *input, u64 input_gpa,
			  void *output, u64 output_gpa)
{
	return hs_guest_hypercall(((struct tenv *)ctx)->host, vp, control, input_gpa,
				  output_gpa);
}

static u64 plat_fast8(void *ctx, u32 vp, u64 control, u64 input)
{
	return hs_guest_hypercall_fast(((struct tenv *)ctx)->host, vp, control, input, 0);
}

static int plat_set_handler(void *ctx, struct lis_vmbus *vmbus)
{
	struct tenv *env = ctx;

	__atomic_store_n(&env->isr_vmbus, vmbus, __ATOMIC_SEQ_CST);
	return 0xF3;
}

static void plat_clear_handler(void *ctx)
{
	struct tenv *env = ctx;

	__atomic_store_n(&env->isr_vmbus, NULL, __ATOMIC_SEQ_CST);
}

/* ---- hostsim's view of the guest ---- */

static void *gmap(void *ctx, uint64_t gpa, size_t len)
{
	/* identity; page zero is never guest RAM here */
	if (gpa < 4096 || gpa + len < gpa)
		return NULL;
	return (void *)(uintptr_t)gpa;
}

static void ginterrupt(void *ctx, uint32_t vp, uint8_t vector)
{
	struct tenv *env = ctx;
	struct lis_vmbus *vmbus = __atomic_load_n(&env->isr_vmbus, __ATOMIC_SEQ_CST);
	unsigned int cpu;

	if (!vmbus || vector != 0xF3)
		return;
	cpu = (vp + env->cfg.nr_vps - env->cfg.vp_offset % env->cfg.nr_vps) % env->cfg.nr_vps;
	if (cpu >= env->cfg.nr_cpus)
		return;
	pthread_mutex_lock(&env->cpu_lock[cpu]);
	lis_vmbus_isr(vmbus, cpu);
	pthread_mutex_unlock(&env->cpu_lock[cpu]);
}

static void glog(void *ctx, const char *line)
{
	struct tenv *env = ctx;

	pthread_mutex_lock(&env->lock);
	env->host_errors++;
	pthread_mutex_unlock(&env->lock);
	if (getenv("LIS_TEST_VERBOSE"))
		fprintf(stderr, "    [hostsim] %s\n", line);
}

/* ---- life cycle ---- */

struct tenv *tenv_create(const struct tenv_config *cfg)
{
	struct hs_guest_env genv;
	struct hs_config hcfg;
	struct tenv *env;
	unsigned int i;

	env = calloc(1, sizeof(*env));
	if (!env)
		return NULL;
	if (cfg)
		env->cfg = *cfg;
	if (!env->cfg.nr_cpus)
		env->cfg.nr_cpus = 2;
	if (env->cfg.nr_cpus > TENV_MAX_CPUS)
		env->cfg.nr_cpus = TENV_MAX_CPUS;
	if (!env->cfg.nr_vps)
		env->cfg.nr_vps = env->cfg.nr_cpus + env->cfg.vp_offset;
	if (!env->cfg.timeout_ms)
		env->cfg.timeout_ms = 2000;
	pthread_mutex_init(&env->lock, NULL);
	for (i = 0; i < TENV_MAX_CPUS; i++)
		pthread_mutex_init(&env->cpu_lock[i], NULL);

	memset(&genv, 0, sizeof(genv));
	genv.ctx = env;
	genv.map = gmap;
	genv.interrupt = ginterrupt;
	genv.log = glog;
	memset(&hcfg, 0, sizeof(hcfg));
	hcfg.nr_vps = env->cfg.nr_vps;
	hcfg.versions = env->cfg.host_versions;
	hcfg.cpuid_mode = env->cfg.cpuid_mode;
	hcfg.isolation_type = env->cfg.isolation_type;
	hcfg.msg_conn_id = env->cfg.msg_conn_id;
	env->host = hs_create(&hcfg, &genv);
	if (!env->host || hs_start(env->host)) {
		free(env);
		return NULL;
	}

	env->plat.name = "hostsim";
	env->plat.ctx = env;
	env->plat.cpuid = plat_cpuid;
	env->plat.read_msr = plat_read_msr;
	env->plat.write_msr = plat_write_msr;
	env->plat.hypercall = plat_hypercall;
	env->plat.hypercall_fast8 = plat_fast8;
	env->plat.set_handler = plat_set_handler;
	env->plat.clear_handler = plat_clear_handler;

	/* what the kernel's Hyper-V platform code does at boot: guest OS id,
	 * then the hypercall page (hostsim refuses hypercalls before it) */
	if (!env->cfg.cpuid_mode) {
		env->hypercall_page = lis_alloc_pages(1);
		hs_guest_wrmsr(env->host, 0, LIS_HV_MSR_GUEST_OS_ID, (1ull << 63) | (1ull << 56));
		hs_guest_wrmsr(env->host, 0, LIS_HV_MSR_HYPERCALL,
			       lis_page_gpa(env->hypercall_page) | 1);
	}

	for (i = 0; i < env->cfg.nr_cpus; i++)
		worker_start(&env->events[i], env, i, run_events);
	worker_start(&env->msgs, env, 0, run_messages);
	worker_start(&env->offers, env, 0, run_offers);
	return env;
}

int tenv_boot(struct tenv *env)
{
	struct lis_vmbus_config cfg;
	unsigned int cpu;
	int ret;

	memset(&cfg, 0, sizeof(cfg));
	cfg.plat = &env->plat;
	cfg.env = &tenv_ops;
	cfg.env_ctx = env;
	cfg.nr_cpus = env->cfg.nr_cpus;
	cfg.msg_cpu = env->cfg.msg_cpu;
	cfg.max_version = env->cfg.max_version;
	cfg.timeout_ms = env->cfg.timeout_ms;
	ret = lis_vmbus_create(&cfg, &env->vmbus);
	if (ret)
		return ret;
	for (cpu = 0; cpu < env->cfg.nr_cpus; cpu++) {
		ret = lis_vmbus_cpu_up(env->vmbus, cpu);
		if (ret)
			return ret;
	}
	env->booted = true;
	return lis_vmbus_connect(env->vmbus);
}

void tenv_shutdown(struct tenv *env)
{
	unsigned int cpu;

	if (!env->vmbus)
		return;
	lis_vmbus_disconnect(env->vmbus);
	for (cpu = 0; cpu < env->cfg.nr_cpus; cpu++)
		lis_vmbus_cpu_down(env->vmbus, cpu);
	env->booted = false;
}

void tenv_destroy(struct tenv *env)
{
	unsigned int i;

	if (!env)
		return;
	if (env->booted)
		tenv_shutdown(env);
	/* the host stops first: no interrupt may reach a freed core */
	hs_stop(env->host);
	for (i = 0; i < env->cfg.nr_cpus; i++)
		worker_stop(&env->events[i]);
	worker_stop(&env->msgs);
	worker_stop(&env->offers);
	lis_vmbus_destroy(env->vmbus);
	hs_destroy(env->host);
	lis_free_pages(env->hypercall_page, 1);
	free(env);
}

struct hs_host *tenv_host(struct tenv *env)
{
	return env->host;
}

struct lis_vmbus *tenv_vmbus(struct tenv *env)
{
	return env->vmbus;
}

const struct lis_platform *tenv_platform(struct tenv *env)
{
	return &env->plat;
}

void tenv_add_driver(struct tenv *env, const struct tdriver *drv)
{
	pthread_mutex_lock(&env->lock);
	if (env->ndrivers < TENV_MAX_DRVS)
		env->drivers[env->ndrivers++] = *drv;
	pthread_mutex_unlock(&env->lock);
}

#define TENV_GETTER(name, field)				\
unsigned int name(struct tenv *env)				\
{								\
	unsigned int v;						\
								\
	pthread_mutex_lock(&env->lock);				\
	v = env->field;						\
	pthread_mutex_unlock(&env->lock);			\
	return v;						\
}

TENV_GETTER(tenv_offered_count, offered)
TENV_GETTER(tenv_rescinded_count, rescinded)
TENV_GETTER(tenv_timer_messages, timer_msgs)
TENV_GETTER(tenv_host_errors, host_errors)

struct lis_channel *tenv_channel(struct tenv *env, unsigned int n)
{
	struct lis_channel *ch = NULL;
	unsigned int i, seen = 0;

	pthread_mutex_lock(&env->lock);
	for (i = 0; i < env->nchans; i++) {
		if (!env->chans[i])
			continue;
		if (seen++ == n) {
			ch = env->chans[i];
			break;
		}
	}
	pthread_mutex_unlock(&env->lock);
	return ch;
}

bool tenv_wait(struct tenv *env, bool (*fn)(struct tenv *env, void *arg), void *arg,
	       unsigned int timeout_ms)
{
	u64 end = lis_time_ms() + timeout_ms;

	for (;;) {
		if (fn(env, arg))
			return true;
		if (lis_time_ms() >= end)
			return fn(env, arg);
		lis_msleep(1);
	}
}

static bool offered_at_least(struct tenv *env, void *arg)
{
	return tenv_offered_count(env) >= *(unsigned int *)arg;
}

bool tenv_wait_offered(struct tenv *env, unsigned int n, unsigned int timeout_ms)
{
	return tenv_wait(env, offered_at_least, &n, timeout_ms);
}

static unsigned int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return (unsigned int)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (unsigned int)(c - 'a' + 10);
	return (unsigned int)(c - 'A' + 10);
}

void tguid(const char *text, uint8_t out[16])
{
	/* text order: data1 (4 bytes BE text), data2, data3, data4[8] */
	static const int pos[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
	uint8_t bytes[16];
	unsigned int n = 0;

	for (; *text && n < 16; text++) {
		if (*text == '{' || *text == '}' || *text == '-')
			continue;
		bytes[n++] = (uint8_t)(hexval(text[0]) << 4 | hexval(text[1]));
		text++;
	}
	for (n = 0; n < 16; n++)
		out[pos[n]] = bytes[n];
}
