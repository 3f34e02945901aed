// SPDX-License-Identifier: GPL-2.0
/*
 * hostsim-vm's synthetic video and vPCI control commands (included by
 * hostsim-vm.c, so it shares its state, event log and GUID parser):
 *   svid NAME INSTANCE			offer a synthetic video device (8 MiB VRAM)
 *   svid-stats NAME			hs_svid_stats as key=value lines
 *   svid-vram NAME OFFSET LEN		hex of LEN (<= 256) bytes of the VRAM as the
 *					host sees it (guest memory at the VRAM GPA)
 *   vpci NAME INSTANCE			offer a vPCI bus (memory-backed config window)
 *   vpci-func NAME DEV SERIAL		add function DEV.0: 1414:b0b0, class 08/80,
 *					BAR0 64-bit 1 MiB prefetchable, BAR2 16 KiB,
 *					a vendor capability at 0x40
 *   vpci-config NAME DEV		its config space as hostsim serves it (256
 *					bytes, hex)
 *   vpci-remove NAME DEV eject|surprise	EJECT and wait for the guest (15 s), or
 *					relations without it
 *   vpci-stats NAME, vpci-func-state NAME DEV	key=value lines
 *   svid-rescind NAME, vpci-rescind NAME	rescind the device
 * The VM cannot trap MMIO, so the vPCI config window lies in guest RAM
 * (the bridge's MMIO range): hostsim writes the selected function's config
 * space there, and a thread here applies what the guest wrote (the slot
 * register, config writes) every millisecond.  Devices live until the host
 * process ends.
 */
#include "hostsim_video_pci.h"

#define MAX_VIDEO	2
#define MAX_VPCI	2
#define MAX_VPCI_FUNCS	8

static struct {
	char name[32];
	struct hs_svid *v;
} VID[MAX_VIDEO];
static struct {
	char name[32];
	struct hs_vpci *b;
	struct {
		uint8_t dev;
		struct hs_vpci_func *f;
	} fn[MAX_VPCI_FUNCS];
	unsigned int nfn;
} VPB[MAX_VPCI];
static unsigned int nvid, nvpb;
static pthread_mutex_t vp_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t vp_sync;
static bool vp_sync_running;
static atomic_bool vp_sync_stop;

static void *vpci_sync_thread(void *arg)
{
	const struct timespec ms = { 0, 1000000 };
	unsigned int i;

	(void)arg;
	while (!atomic_load(&vp_sync_stop)) {
		pthread_mutex_lock(&vp_lock);
		for (i = 0; i < nvpb; i++)
			hs_vpci_window_sync(VPB[i].b);
		pthread_mutex_unlock(&vp_lock);
		nanosleep(&ms, NULL);
	}
	return NULL;
}

/* before hs_destroy(): the thread uses the buses */
static void vpci_ctl_stop(void)
{
	if (!vp_sync_running)
		return;
	atomic_store(&vp_sync_stop, true);
	pthread_join(vp_sync, NULL);
	vp_sync_running = false;
}

static int vid_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < nvid; i++)
		if (!strcmp(VID[i].name, name))
			return (int)i;
	return -1;
}

static int vpb_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < nvpb; i++)
		if (!strcmp(VPB[i].name, name))
			return (int)i;
	return -1;
}

static struct hs_vpci_func *vpb_func(int b, const char *dev)
{
	unsigned long d = strtoul(dev, NULL, 0);
	unsigned int i;

	for (i = 0; b >= 0 && i < VPB[b].nfn; i++)
		if (VPB[b].fn[i].dev == d)
			return VPB[b].fn[i].f;
	return NULL;
}

static void hex_line(FILE *f, const uint8_t *p, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
	fprintf(f, "\n");
}

static void svid_add_cmd(char **argv, FILE *f)
{
	struct hs_svid_config cfg;
	struct hs_svid *v = NULL;

	memset(&cfg, 0, sizeof(cfg));
	if (parse_guid(argv[2], cfg.instance_guid) || strlen(argv[1]) >= sizeof(VID[0].name)) {
		fprintf(f, "error: svid NAME INSTANCE\n");
		return;
	}
	cfg.vram_mb = 8;
	pthread_mutex_lock(&vp_lock);
	if (vid_find(argv[1]) < 0 && nvid < MAX_VIDEO)
		v = hs_svid_add(S.h, &cfg);
	if (v) {
		snprintf(VID[nvid].name, sizeof(VID[nvid].name), "%s", argv[1]);
		VID[nvid++].v = v;
	}
	pthread_mutex_unlock(&vp_lock);
	if (!v) {
		fprintf(f, "error: svid %s exists, too many, or refused\n", argv[1]);
		return;
	}
	event("svid %s instance=%s relid=%u", argv[1], argv[2],
	      hs_channel_relid(hs_device_channel(hs_svid_device(v), 0)));
	fprintf(f, "relid %u\n", hs_channel_relid(hs_device_channel(hs_svid_device(v), 0)));
}

static struct hs_svid *vid_get(const char *name, FILE *f)
{
	struct hs_svid *v;
	int i;

	pthread_mutex_lock(&vp_lock);
	i = vid_find(name);
	v = i < 0 ? NULL : VID[i].v;
	pthread_mutex_unlock(&vp_lock);
	if (!v)
		fprintf(f, "error: no svid %s\n", name);
	return v;
}

static void svid_stats_cmd(const char *name, FILE *f)
{
	struct hs_svid *v = vid_get(name, f);
	struct hs_svid_stats st;

	if (!v)
		return;
	hs_svid_stats(v, &st);
	fprintf(f, "open=%d\nversion=%#x\nvram_gpa=%#llx\nvram_locations=%u\n"
		"situation_updates=%u\nactive=%d\ndepth=%u\nwidth=%u\nheight=%u\npitch=%u\n"
		"pointer_shapes=%u\ndirt_messages=%llu\ndirt_rects=%llu\n"
		"dirt_bounds=%d,%d,%d,%d\nprotocol_errors=%llu\n",
		st.open, st.version, (unsigned long long)st.vram_gpa, st.vram_locations,
		st.situation_updates, st.active, st.depth, st.width, st.height, st.pitch,
		st.pointer_shapes, (unsigned long long)st.dirt_messages,
		(unsigned long long)st.dirt_rects, st.dirt_bounds.left, st.dirt_bounds.top,
		st.dirt_bounds.right, st.dirt_bounds.bottom,
		(unsigned long long)st.protocol_errors);
}

static void svid_vram_cmd(char **argv, FILE *f)
{
	struct hs_svid *v = vid_get(argv[1], f);
	unsigned long len = strtoul(argv[3], NULL, 0);
	uint8_t buf[256];
	int rc;

	if (!v)
		return;
	if (!len || len > sizeof(buf)) {
		fprintf(f, "error: LEN is 1..256\n");
		return;
	}
	rc = hs_svid_read_vram(v, strtoull(argv[2], NULL, 0), buf, (uint32_t)len);
	if (rc) {
		fprintf(f, "error: the VRAM cannot be read there: %d\n", rc);
		return;
	}
	hex_line(f, buf, (unsigned int)len);
}

static void vpci_add_cmd(char **argv, FILE *f)
{
	struct hs_vpci_config cfg;
	struct hs_vpci *b = NULL;

	memset(&cfg, 0, sizeof(cfg));
	if (parse_guid(argv[2], cfg.instance_guid) || strlen(argv[1]) >= sizeof(VPB[0].name)) {
		fprintf(f, "error: vpci NAME INSTANCE\n");
		return;
	}
	cfg.window_in_memory = true;
	pthread_mutex_lock(&vp_lock);
	if (vpb_find(argv[1]) < 0 && nvpb < MAX_VPCI)
		b = hs_vpci_add(S.h, &cfg);
	if (b) {
		snprintf(VPB[nvpb].name, sizeof(VPB[nvpb].name), "%s", argv[1]);
		VPB[nvpb++].b = b;
		if (!vp_sync_running && !pthread_create(&vp_sync, NULL, vpci_sync_thread, NULL))
			vp_sync_running = true;
	}
	pthread_mutex_unlock(&vp_lock);
	if (!b || !vp_sync_running) {
		fprintf(f, "error: vpci %s exists, too many, or refused\n", argv[1]);
		return;
	}
	event("vpci %s instance=%s relid=%u", argv[1], argv[2],
	      hs_channel_relid(hs_device_channel(hs_vpci_device(b), 0)));
	fprintf(f, "relid %u\n", hs_channel_relid(hs_device_channel(hs_vpci_device(b), 0)));
}

static void vpci_func_cmd(char **argv, FILE *f)
{
	struct hs_vpci_func_config fc;
	struct hs_vpci_func *fn = NULL;
	int b;

	memset(&fc, 0, sizeof(fc));
	fc.device = (uint8_t)strtoul(argv[2], NULL, 0);
	fc.serial = (uint32_t)strtoul(argv[3], NULL, 0);
	fc.vendor_id = 0x1414;
	fc.device_id = 0xb0b0;
	fc.revision = 0x01;
	fc.subclass = 0x80;
	fc.base_class = 0x08;
	fc.subsys_vendor_id = 0x1414;
	fc.subsys_id = 0x0001;
	fc.numa_node = -1;
	fc.bar_size[0] = 1u << 20;
	fc.bar_64[0] = true;
	fc.bar_prefetch[0] = true;
	fc.bar_size[2] = 16384;
	fc.cap_pointer = 0x40;
	memcpy(fc.extra, (const uint8_t[]){ 0x09, 0x00, 0x0c, 'h', 'o', 's', 't', 's', 'i', 'm',
					    0x5a, 0xa5 }, 12);
	pthread_mutex_lock(&vp_lock);
	b = vpb_find(argv[1]);
	if (b >= 0 && !vpb_func(b, argv[2]) && VPB[b].nfn < MAX_VPCI_FUNCS)
		fn = hs_vpci_func_add(VPB[b].b, &fc);
	if (fn) {
		VPB[b].fn[VPB[b].nfn].dev = fc.device;
		VPB[b].fn[VPB[b].nfn++].f = fn;
	}
	pthread_mutex_unlock(&vp_lock);
	if (!fn) {
		fprintf(f, "error: no vpci %s, function %s exists, or refused\n", argv[1], argv[2]);
		return;
	}
	event("vpci-func %s dev=%u serial=%u", argv[1], fc.device, fc.serial);
	fprintf(f, "ok\n");
}

static struct hs_vpci_func *func_get(const char *bus, const char *dev, FILE *f)
{
	struct hs_vpci_func *fn;

	pthread_mutex_lock(&vp_lock);
	fn = vpb_func(vpb_find(bus), dev);
	pthread_mutex_unlock(&vp_lock);
	if (!fn)
		fprintf(f, "error: no function %s on vpci %s\n", dev, bus);
	return fn;
}

static void vpci_config_cmd(char **argv, FILE *f)
{
	struct hs_vpci_func *fn = func_get(argv[1], argv[2], f);
	uint8_t cs[HS_VPCI_CFG_BYTES];

	if (!fn)
		return;
	hs_vpci_func_config_space(fn, cs);
	hex_line(f, cs, 256);
}

static void vpci_remove_cmd(char **argv, FILE *f)
{
	struct hs_vpci_func *fn = func_get(argv[1], argv[2], f);
	bool eject = !strcmp(argv[3], "eject");
	int rc;

	if (!fn)
		return;
	if (!eject && strcmp(argv[3], "surprise")) {
		fprintf(f, "error: eject or surprise\n");
		return;
	}
	/* not under vp_lock: the window sync goes on while the guest ejects */
	rc = hs_vpci_func_remove(fn, eject, 15000);
	if (rc) {
		fprintf(f, "error: vpci-remove %s %s: %d\n", argv[1], argv[2], rc);
		return;
	}
	event("vpci-remove %s %s %s", argv[1], argv[2], argv[3]);
	fprintf(f, "ok\n");
}

static void vpci_stats_cmd(const char *name, FILE *f)
{
	struct hs_vpci_stats st;
	struct hs_vpci *b;
	int i;

	pthread_mutex_lock(&vp_lock);
	i = vpb_find(name);
	b = i < 0 ? NULL : VPB[i].b;
	pthread_mutex_unlock(&vp_lock);
	if (!b) {
		fprintf(f, "error: no vpci %s\n", name);
		return;
	}
	hs_vpci_stats(b, &st);
	fprintf(f, "open=%d\nversion=%#x\nd0=%d\nwindow_gpa=%#llx\nd0_entries=%u\n"
		"d0_exits=%u\nrelations_sent=%u\nfunctions=%u\nejects_sent=%u\n"
		"ejections_completed=%u\nunsupported=%u\ncfg_accesses=%llu\n"
		"protocol_errors=%llu\n",
		st.open, st.version, st.d0, (unsigned long long)st.window_gpa, st.d0_entries,
		st.d0_exits, st.relations_sent, st.functions, st.ejects_sent,
		st.ejections_completed, st.unsupported, (unsigned long long)st.cfg_accesses,
		(unsigned long long)st.protocol_errors);
}

static void vpci_func_state_cmd(char **argv, FILE *f)
{
	struct hs_vpci_func *fn = func_get(argv[1], argv[2], f);
	struct hs_vpci_func_state fs;
	unsigned int i;

	if (!fn)
		return;
	hs_vpci_func_state(fn, &fs);
	fprintf(f, "present=%d\nannounced=%d\nresources_assigned=%d\nresources_released=%d\n"
		"ejected=%d\nrequirement_queries=%u\ncommand=%#x\ncfg_reads=%u\ncfg_writes=%u\n"
		"irqs=%u\nirqs_live=%u\n",
		fs.present, fs.announced, fs.resources_assigned, fs.resources_released, fs.ejected,
		fs.requirement_queries, fs.command, fs.cfg_reads, fs.cfg_writes, fs.nirqs,
		fs.irqs_live);
	for (i = 0; i < 6; i++)
		fprintf(f, "bar%u=%#llx\n", i, (unsigned long long)fs.bar_address[i]);
}

static void pf_rescind_cmd(bool video, const char *name, FILE *f)
{
	struct hs_device *dev = NULL;
	int i;

	pthread_mutex_lock(&vp_lock);
	i = video ? vid_find(name) : vpb_find(name);
	if (i >= 0)
		dev = video ? hs_svid_device(VID[i].v) : hs_vpci_device(VPB[i].b);
	pthread_mutex_unlock(&vp_lock);
	if (!dev || hs_device_rescind(dev)) {
		fprintf(f, "error: no %s %s, or rescinded already\n", video ? "svid" : "vpci", name);
		return;
	}
	event("%s-rescind %s", video ? "svid" : "vpci", name);
	fprintf(f, "ok\n");
}

/* 1 when the command was one of ours (answered in f) */
static int vpci_command(char **argv, unsigned int argc, FILE *f)
{
	if (!strcmp(argv[0], "svid") && argc == 3)
		svid_add_cmd(argv, f);
	else if (!strcmp(argv[0], "svid-stats") && argc == 2)
		svid_stats_cmd(argv[1], f);
	else if (!strcmp(argv[0], "svid-vram") && argc == 4)
		svid_vram_cmd(argv, f);
	else if (!strcmp(argv[0], "vpci") && argc == 3)
		vpci_add_cmd(argv, f);
	else if (!strcmp(argv[0], "vpci-func") && argc == 4)
		vpci_func_cmd(argv, f);
	else if (!strcmp(argv[0], "vpci-config") && argc == 3)
		vpci_config_cmd(argv, f);
	else if (!strcmp(argv[0], "vpci-remove") && argc == 4)
		vpci_remove_cmd(argv, f);
	else if (!strcmp(argv[0], "vpci-stats") && argc == 2)
		vpci_stats_cmd(argv[1], f);
	else if (!strcmp(argv[0], "vpci-func-state") && argc == 3)
		vpci_func_state_cmd(argv, f);
	else if (!strcmp(argv[0], "svid-rescind") && argc == 2)
		pf_rescind_cmd(true, argv[1], f);
	else if (!strcmp(argv[0], "vpci-rescind") && argc == 2)
		pf_rescind_cmd(false, argv[1], f);
	else
		return 0;
	return 1;
}
