/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hostsim device models for the synthetic video device and the virtual PCI
 * bus (docs/hostsim-video-pci.md).  Same rules as hostsim.h: written from
 * the protocol facts (docs/protocol-notes.md, "Synthetic video" and
 * "Virtual PCI"), sharing nothing with the drivers; the models are freed by
 * hs_destroy().
 */
#ifndef HOSTSIM_VIDEO_PCI_H
#define HOSTSIM_VIDEO_PCI_H

#include "hostsim.h"

/* ---- synthetic video: the host of hyperv_fb / hyperv_drm --------------------
 *
 * Pipe-mode channel: every message is a pipe header {1, bytes that follow},
 * a synthvid header {type u32, size u32} and the message.  The host answers
 * VERSION_REQUEST (accepted when the version is in cfg.versions),
 * RESOLUTIONS_REQUEST (3.5 and later), VRAM_LOCATION and SITUATION_UPDATE
 * (acknowledged with the guest's context), and records the pointer and the
 * dirty rectangles.  Every guest mistake is counted (stats.protocol_errors
 * and hostsim's); a situation update that breaks a rule is acknowledged
 * (the guest must not hang) but not applied.
 */
struct hs_svid;

#define HS_SVID_VERSION(major, minor)	((uint32_t)(minor) << 16 | (major))
#define HS_SVID_MAX_RES			64

struct hs_svid_res {
	uint16_t width, height;
};

struct hs_svid_config {
	uint8_t instance_guid[16];	/* wire order; zero: made up */
	uint16_t vram_mb;		/* the offer's MmioMegabytes; 0: 8 */
	/* versions accepted, 0-terminated; NULL: 3.5, 3.4, 3.3, 3.2, 3.0 */
	const uint32_t *versions;
	/* the resolutions a 3.5 host lists; count 0: 1024x768, 1152x864,
	 * 1280x1024, 1920x1080 with 1152x864 the default */
	struct hs_svid_res res[HS_SVID_MAX_RES];
	unsigned int nres, default_index;
	bool monitored;
};
struct hs_svid *hs_svid_add(struct hs_host *h, const struct hs_svid_config *cfg);
struct hs_device *hs_svid_device(struct hs_svid *v);

struct hs_svid_rect {
	int32_t left, top, right, bottom;
};

#define HS_SVID_DIRT_KEEP	64	/* the last rectangles kept */

struct hs_svid_stats {
	bool open;
	uint32_t opens;
	uint32_t version;		/* accepted; 0: none yet */
	uint32_t version_requests, last_version_asked;
	uint32_t resolution_requests;
	uint32_t vram_locations;	/* acknowledged */
	bool vram_gpa_specified;
	uint64_t vram_gpa;
	uint64_t vram_bytes;		/* the offer's MmioMegabytes << 20 */
	uint32_t situation_updates;	/* applied */
	bool active;
	uint32_t depth, width, height, pitch, vram_offset;
	uint32_t pointer_positions, pointer_shapes;
	bool pointer_visible;
	uint32_t pointer_width, pointer_height;
	uint64_t dirt_messages, dirt_rects;
	uint64_t dirt_while_not_needed;	/* sent after the host said it needs none */
	struct hs_svid_rect dirt_bounds;	/* the union of all since the mode */
	uint32_t feature_changes;	/* sent by the host */
	uint64_t protocol_errors;
};
void hs_svid_stats(struct hs_svid *v, struct hs_svid_stats *st);
/* the last dirty rectangles, oldest first: up to max; how many there are */
int hs_svid_dirt(struct hs_svid *v, struct hs_svid_rect *r, int max);
/* wait until fn(stats, arg) holds: 0 or -ETIMEDOUT */
int hs_svid_wait(struct hs_svid *v, bool (*fn)(const struct hs_svid_stats *st, void *arg),
		 void *arg, unsigned int timeout_ms);
/* FEATURE_CHANGE: whether the host wants dirty rectangles (the other
 * features are sent as 1): 0, -ENOTCONN */
int hs_svid_feature_change(struct hs_svid *v, bool dirt_needed);
/* any host message of `type` (the pipe and synthvid headers are added;
 * pipe_extra bytes more are claimed by the pipe size than sent, for
 * malformed-message tests; queued when the ring is full): 0, -ENOTCONN */
int hs_svid_send(struct hs_svid *v, uint32_t type, const void *msg, uint32_t len,
		 uint32_t pipe_extra);
/* the screen as the host sees it: bytes of the VRAM the guest named (in
 * guest memory): 0, or -ENODEV (no VRAM location yet), -EFAULT (not guest
 * memory, or out of the VRAM) */
int hs_svid_read_vram(struct hs_svid *v, uint64_t offset, void *buf, uint32_t len);

/* ---- virtual PCI: a bus with functions whose config space hostsim serves -----
 *
 * The guest negotiates a version (the host accepts cfg.versions), enters
 * D0 naming its 2-page config window, and gets the bus relations (the whole
 * bus each time; BUS_RELATIONS2 from 1.3).  Functions are added and ejected
 * by the test; config space is served through the window: a 32-bit write of
 * a wslot at offset 0 selects a function, the page at 0x1000 is its config
 * space.  Config accesses reach the model in one of two ways:
 *  - trapped (in-process tests): the platform's MMIO handler calls
 *    hs_vpci_mmio() for every access to the window;
 *  - memory-backed (a platform that cannot trap, e.g. the VM rung, where the
 *    window lies in guest RAM): with cfg.window_in_memory the model writes
 *    the selected function's config space into the window page itself (when
 *    D0 is entered, before the relations, and whenever it changes), and
 *    hs_vpci_window_sync() applies what the guest wrote there since.
 * Requests are checked (sizes, versions, known wslots, interrupt
 * parameters, order); a bad one gets a failure status and is counted.
 */
struct hs_vpci;
struct hs_vpci_func;

#define HS_VPCI_VERSION(major, minor)	((uint32_t)(major) << 16 | (minor))
#define HS_VPCI_CFG_BYTES		4096u
#define HS_VPCI_WINDOW_BYTES		8192u
#define HS_VPCI_MAX_IRQS		32

struct hs_vpci_config {
	uint8_t instance_guid[16];	/* wire order; zero: made up */
	/* versions accepted, 0-terminated; NULL: 1.4, 1.3, 1.2, 1.1 */
	const uint32_t *versions;
	bool window_in_memory;
	bool monitored;
};
struct hs_vpci *hs_vpci_add(struct hs_host *h, const struct hs_vpci_config *cfg);
struct hs_device *hs_vpci_device(struct hs_vpci *b);

struct hs_vpci_func_config {
	uint8_t device, function;	/* wslot = device | function << 5 */
	uint16_t vendor_id, device_id;
	uint8_t revision, prog_if, subclass, base_class;
	uint16_t subsys_vendor_id, subsys_id;
	uint32_t serial;
	int numa_node;			/* reported from 1.3 when >= 0 */
	/* memory BARs: size (a power of two >= 16; 0 none), 64-bit, prefetchable;
	 * a 64-bit BAR takes the next register too */
	uint64_t bar_size[6];
	bool bar_64[6], bar_prefetch[6];
	/* bytes 0x40.. of config space (capabilities, vendor data): served as
	 * given, read-only; the capability pointer is set when non-zero */
	uint8_t extra[192];
	uint8_t cap_pointer;
};
/* add a function; the guest learns of it from new bus relations (sent now
 * when it is in D0).  NULL when the wslot is taken or the config is bad. */
struct hs_vpci_func *hs_vpci_func_add(struct hs_vpci *b, const struct hs_vpci_func_config *fc);
/* remove a function: with `eject`, send EJECT and wait for the guest's
 * EJECTION_COMPLETE (then new relations without it); without, just new
 * relations without it (surprise removal).  0, -ETIMEDOUT, -ENOTCONN. */
int hs_vpci_func_remove(struct hs_vpci_func *f, bool eject, unsigned int timeout_ms);
/* send the bus relations again (the guest may have asked) */
int hs_vpci_send_relations(struct hs_vpci *b);

/* the trapped config window: an access of `size` (1, 2, 4) bytes at `gpa`.
 * 1 when it hit the window (a read's value in *val), 0 when not */
int hs_vpci_mmio(struct hs_vpci *b, uint64_t gpa, uint32_t size, bool write, uint32_t *val);
/* memory-backed window: apply the guest's slot selection and config writes
 * found in the window, then rewrite the page.  0, -ENODEV (no window) */
int hs_vpci_window_sync(struct hs_vpci *b);
/* a function's config space as the host serves it now (4096 bytes) */
int hs_vpci_func_config_space(struct hs_vpci_func *f, uint8_t out[HS_VPCI_CFG_BYTES]);

struct hs_vpci_irq {
	uint32_t vector, count;
	uint8_t delivery_mode;
	uint32_t nvps, vps[32];
	uint64_t address;		/* what the host answered */
	uint32_t data;
	bool live;
};

struct hs_vpci_func_state {
	bool present;			/* on the bus (in the last relations) */
	bool announced;			/* the guest was told of it */
	bool resources_assigned, resources_released;
	bool ejecting, ejected;
	uint32_t requirement_queries;
	uint64_t bar_address[6];	/* what the guest wrote into the BARs */
	uint16_t command;
	uint32_t cfg_reads, cfg_writes;
	uint32_t nirqs;			/* interrupts created (live or deleted) */
	struct hs_vpci_irq irq[HS_VPCI_MAX_IRQS];
	uint32_t irqs_live;
	uint32_t msi_descriptors;	/* RESOURCES_ASSIGNED's count */
};
int hs_vpci_func_state(struct hs_vpci_func *f, struct hs_vpci_func_state *fs);

struct hs_vpci_stats {
	bool open;
	uint32_t opens;
	uint32_t version;		/* accepted; 0: none */
	uint32_t version_requests;
	bool d0;
	uint64_t window_gpa;
	uint32_t d0_entries, d0_exits;
	uint32_t relations_sent, relations_queries;
	uint32_t functions;		/* present now */
	uint32_t ejects_sent, ejections_completed;
	uint32_t unsupported;		/* requests answered "not supported" */
	uint64_t cfg_accesses, cfg_bad_accesses;
	uint64_t protocol_errors;
};
void hs_vpci_stats(struct hs_vpci *b, struct hs_vpci_stats *st);
/* wait until fn(stats, arg) holds: 0 or -ETIMEDOUT */
int hs_vpci_wait(struct hs_vpci *b, bool (*fn)(const struct hs_vpci_stats *st, void *arg),
		 void *arg, unsigned int timeout_ms);

#endif /* HOSTSIM_VIDEO_PCI_H */
