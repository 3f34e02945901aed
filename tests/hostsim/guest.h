/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal raw guest for the hostsim self-test.  It shares nothing with the
 * LIS drivers: identity-mapped memory (GPA == host address of 4 KiB aligned
 * allocations), a fake interrupt controller, and just enough SynIC, VMBus
 * and ring code — written from the fact sheet's offsets — to drive hostsim.
 */
#ifndef HS_TEST_GUEST_H
#define HS_TEST_GUEST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hostsim.h"

#define G_VPS		4
#define G_VECTOR	0xF3
#define G_MAX_REGIONS	512

/* channel message types (§2.3) */
enum {
	M_OFFER = 1, M_RESCIND = 2, M_REQUESTOFFERS = 3, M_ALLOFFERS = 4, M_OPEN = 5,
	M_OPEN_RESULT = 6, M_CLOSE = 7, M_GPADL_HEADER = 8, M_GPADL_BODY = 9,
	M_GPADL_CREATED = 10, M_GPADL_TEARDOWN = 11, M_GPADL_TORNDOWN = 12,
	M_RELID_RELEASED = 13, M_INITIATE_CONTACT = 14, M_VERSION_RESPONSE = 15,
	M_UNLOAD = 16, M_UNLOAD_RESPONSE = 17, M_TL_CONNECT = 21, M_MODIFY = 22,
	M_TL_RESULT = 23, M_MODIFY_RESPONSE = 24,
};

#define V(maj, min)	((uint32_t)(maj) << 16 | (min))

struct gring {
	uint8_t *ctl;
	uint8_t *data;
	uint32_t size;
};

/* one channel as the mini guest sees it */
struct gchan {
	uint32_t relid, conn_id, gpadl;
	uint8_t *mem;			/* both rings: out pages then in pages */
	struct gring out, in;		/* guest->host, host->guest */
	uint32_t vp;			/* target VP */
};

struct guest {
	struct hs_host *h;
	struct hs_guest_env env;
	pthread_mutex_t mem_lock;
	struct { uint8_t *p; size_t len; } mem[G_MAX_REGIONS];
	unsigned int nmem;
	pthread_t test_thread;
	atomic_uint irqs[G_VPS];
	atomic_uint last_vector[G_VPS];
	atomic_uint bad_irqs;		/* raised on the test thread, or bad vector */
	uint8_t *simp[G_VPS], *sief[G_VPS], *hcpage, *input, *mon1, *mon2;
	uint32_t msg_conn;		/* connection id for messages */
	uint32_t msg_vp;		/* where the host sends messages */
	uint32_t next_gpadl;
	char why[256];			/* first failure reason of a check */
};

/* memory */
void *g_alloc(struct guest *g, size_t pages);
uint64_t gpa(const void *p);

/* life cycle: a host with `cfg` (nr_vps defaulted), SynIC up on every VP */
int g_setup(struct guest *g, const struct hs_config *cfg);
int g_setup_raw(struct guest *g, const struct hs_config *cfg);	/* no SynIC bring-up */
void g_teardown(struct guest *g);

/* hypervisor */
uint64_t g_post(struct guest *g, uint32_t vp, uint32_t conn, const void *msg, uint32_t len);
uint64_t g_signal(struct guest *g, uint32_t conn);
/* next message in VP's slot 2 (EOM when MessagePending); length or -1 */
int g_recv(struct guest *g, uint32_t vp, uint8_t *buf, unsigned int timeout_ms);
/* next message must be of `type`; length or -1 (reason in g->why) */
int g_expect(struct guest *g, uint32_t type, uint8_t *buf, unsigned int timeout_ms);
/* nothing arrives within ms */
bool g_quiet(struct guest *g, uint32_t vp, unsigned int ms);
/* test-and-clear SIEF bit `relid` of VP's VMBus area */
bool g_sief_take(struct guest *g, uint32_t vp, uint32_t relid);
bool g_wait_sief(struct guest *g, uint32_t vp, uint32_t relid, unsigned int ms);

/* VMBus */
int g_contact(struct guest *g, uint32_t version, uint32_t conn, uint32_t target_vp,
	      uint8_t *resp);
int g_connect(struct guest *g, uint32_t version);	/* contact + accepted */
/* REQUESTOFFERS; collects offers until ALLOFFERS_DELIVERED; count or -1 */
int g_request_offers(struct guest *g, uint8_t offers[][240], int max);
/* any range array, split into HEADER + BODY messages; waits for CREATED */
int g_gpadl_ranges(struct guest *g, uint32_t relid, uint32_t handle, const uint8_t *ranges,
		   uint32_t len, uint16_t count, uint32_t *status);
int g_gpadl_create(struct guest *g, uint32_t relid, uint32_t handle, const void *buf,
		   uint32_t pages, uint32_t *status);
int g_gpadl_teardown(struct guest *g, uint32_t relid, uint32_t handle);
int g_open(struct guest *g, struct gchan *c, uint32_t relid, uint32_t conn_id,
	   uint32_t out_pages, uint32_t in_pages, uint32_t vp, const uint8_t *user_data,
	   uint32_t *status);
int g_close(struct guest *g, struct gchan *c);

/* rings (§3) */
uint32_t g_pkt(uint8_t *buf, uint16_t type, uint16_t flags, uint64_t tid, const void *data,
	       uint32_t len);
int gr_write(struct gring *r, const uint8_t *pkt, uint32_t len, bool *signal);
int gr_read(struct gring *r, uint8_t *buf, uint32_t cap, bool *signal);
uint32_t gr_free(const struct gring *r);
uint32_t gr_load(const uint8_t *ctl, uint32_t off);
void gr_store(uint8_t *ctl, uint32_t off, uint32_t v);

/* little-endian helpers */
uint16_t rd16(const uint8_t *p);
uint32_t rd32(const uint8_t *p);
uint64_t rd64(const uint8_t *p);
void wr16(uint8_t *p, uint16_t v);
void wr32(uint8_t *p, uint32_t v);
void wr64(uint8_t *p, uint64_t v);

void g_sleep_ms(unsigned int ms);
void g_sleep_us(unsigned int us);
void g_fail(struct guest *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* HS_TEST_GUEST_H */
