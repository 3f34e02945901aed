/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device-model self-test (storvsp, netvsp): raw storvsc and netvsc
 * guests of its own, built on the hostsim self-test's minimal guest
 * (../guest.c).  Nothing here comes from the LIS drivers: every packet is
 * built and parsed at the fact sheet's offsets.
 */
#ifndef HS_MODELS_TEST_H
#define HS_MODELS_TEST_H

#include <stdbool.h>
#include <stdint.h>

#include "guest.h"

#define REQUIRE(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			g_fail(g, __VA_ARGS__);				\
			return;						\
		}							\
	} while (0)
#define REQUIRE_RC(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			g_fail(g, __VA_ARGS__);				\
			return -1;					\
		}							\
	} while (0)
#define OK(expr)	REQUIRE((expr) == 0, "%s failed", #expr)

#define PAGE		4096u
#define OFFER_CLASS	8
#define OFFER_INSTANCE	24
#define OFFER_USER	60
#define OFFER_SUBIDX	180
#define OFFER_RELID	184
#define OFFER_CONN	192

/* connected guest (VMBus 5.3) with the host's current offers in `o`;
 * returns the number of offers or -1 */
int m_connect(struct guest *g, uint8_t o[][240], int max);
/* the offer of class `cls` with SubChannelIndex `sub` (instance `inst`
 * if not NULL); index or -1 */
int m_find_offer(uint8_t o[][240], int n, const uint8_t cls[16], const uint8_t *inst,
		 uint16_t sub);
/* the next offers the host sends on its own (sub-channels, hot add) */
int m_collect_offers(struct guest *g, uint8_t o[][240], int max, int want, unsigned int ms);
int m_open(struct guest *g, struct gchan *c, const uint8_t *offer, uint32_t pages);

/* a packet: descriptor + extended header (padded to 8) + payload; writes
 * it into the guest->host ring and signals as §3.3 says.  0 or -1 (full) */
int m_send(struct guest *g, struct gchan *c, uint16_t type, uint16_t flags, uint64_t tid,
	   const void *ext, uint32_t ext_len, const void *data, uint32_t len);
/* GPA-direct: ext = reserved u32, RangeCount u32, ranges */
int m_send_gpa(struct guest *g, struct gchan *c, uint16_t flags, uint64_t tid,
	       const uint8_t *ranges, uint32_t ranges_len, uint32_t count, const void *data,
	       uint32_t len);
/* next host->guest packet (whole, descriptor included) within `ms`;
 * length, or -1 (nothing / malformed).  Tells the host when the read
 * crossed its PendingSendSize. */
int m_recv(struct guest *g, struct gchan *c, uint8_t *buf, uint32_t cap, unsigned int ms);
/* nothing arrives within `ms` */
bool m_quiet(struct guest *g, struct gchan *c, unsigned int ms);

/* one range covering [p, p + len) (multi-page form); bytes written */
uint32_t m_range(uint8_t *out, const void *p, uint32_t len);
/* one single-page range per page touched; bytes written, *count ranges */
uint32_t m_ranges_paged(uint8_t *out, const void *p, uint32_t len, uint32_t *count);

uint64_t m_now_ms(void);
uint32_t m_rand(uint32_t *state);

/* the test suites */
void video_pci_tests(void (*run)(const char *name, void (*fn)(struct guest *g)));
void storvsp_tests(void (*run)(const char *name, void (*fn)(struct guest *g)));
void netvsp_tests(void (*run)(const char *name, void (*fn)(struct guest *g)));
void ic_tests(void (*run)(const char *name, void (*fn)(struct guest *g)));
void input_tests(void (*run)(const char *name, void (*fn)(struct guest *g)));
void balloon_tests(void (*run)(const char *name, void (*fn)(struct guest *g)));
void vsock_tests(void (*run)(const char *name, void (*fn)(struct guest *g)));

#endif /* HS_MODELS_TEST_H */
