// SPDX-License-Identifier: GPL-2.0
/*
 * uio_hv_generic's channel, buffers and mapping rules.
 */
#include "uio_core.h"

struct lis_uio {
	struct lis_uio_config cfg;
	struct lis_channel *ch;
	bool open;
	struct lis_uio_region map[LIS_UIO_MAPS];
	void *recv_buf, *send_buf;
	u32 recv_gpadl, send_gpadl;
};

static void uio_on_event(struct lis_channel *ch, void *ctx)
{
	struct lis_uio *u = ctx;

	/* no more signals until userspace has looked (and says so) */
	lis_channel_set_interrupt_mask(ch, true);
	u->cfg.notify(u->cfg.ctx);
}

static void region(struct lis_uio *u, unsigned int m, const char *name, void *va, u64 bytes)
{
	struct lis_uio_region *r = &u->map[m];
	unsigned int i;

	for (i = 0; name[i] && i < sizeof(r->name) - 1; i++)
		r->name[i] = name[i];
	r->name[i] = 0;
	r->va = va;
	r->bytes = bytes;
}

/* "recv:<gpadl>": userspace reads the handle from the name */
static void buffer_region(struct lis_uio *u, unsigned int m, const char *prefix, void *va,
			  u64 bytes, u32 gpadl)
{
	char name[24], digits[12];
	unsigned int n = 0, i = 0;

	do {
		digits[n++] = (char)('0' + gpadl % 10);
		gpadl /= 10;
	} while (gpadl && n < sizeof(digits));
	for (; prefix[i]; i++)
		name[i] = prefix[i];
	while (n)
		name[i++] = digits[--n];
	name[i] = 0;
	region(u, m, name, va, bytes);
}

static int make_buffer(struct lis_uio *u, void **buf, u32 *gpadl)
{
	int ret;

	*buf = lis_alloc_pages(u->cfg.buf_bytes / LIS_HV_PAGE_SIZE);
	if (!*buf)
		return -ENOMEM;
	ret = lis_gpadl_create(u->ch, *buf, u->cfg.buf_bytes, gpadl);
	if (ret) {
		lis_free_pages(*buf, u->cfg.buf_bytes / LIS_HV_PAGE_SIZE);
		*buf = NULL;
	}
	return ret;
}

static void drop_buffer(struct lis_uio *u, void **buf, u32 gpadl)
{
	if (!*buf)
		return;
	/* a buffer the host may still write is kept, not reused */
	if (lis_gpadl_destroy(u->ch, gpadl) == -ETIMEDOUT)
		lis_err("uio_hv_generic: the host kept a buffer; its memory stays allocated\n");
	else
		lis_free_pages(*buf, u->cfg.buf_bytes / LIS_HV_PAGE_SIZE);
	*buf = NULL;
}

int lis_uio_create(const struct lis_uio_config *cfg, struct lis_uio **out)
{
	struct lis_channel_open_args args = { 0 };
	void *rings, *int_page, *mon_page;
	u32 bytes, send_bytes;
	struct lis_uio *u;
	int ret;

	*out = NULL;
	if (!cfg->ch || !cfg->notify || !cfg->ring_bytes || cfg->ring_bytes % LIS_HV_PAGE_SIZE ||
	    cfg->buf_bytes % LIS_HV_PAGE_SIZE)
		return -EINVAL;
	u = lis_zalloc(sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->cfg = *cfg;
	u->ch = cfg->ch;
	args.send_ring_bytes = cfg->ring_bytes;
	args.recv_ring_bytes = cfg->ring_bytes;
	args.on_event = uio_on_event;
	args.ctx = u;
	args.flags = LIS_CHANNEL_NOTIFY_ONLY;
	ret = lis_channel_open(u->ch, &args);
	if (ret)
		goto free;
	u->open = true;
	ret = lis_channel_ring_memory(u->ch, &rings, &bytes, &send_bytes);
	if (ret)
		goto close;
	region(u, LIS_UIO_RINGS, "txrx_rings", rings, bytes);
	lis_vmbus_shared_pages(lis_channel_vmbus(u->ch), &int_page, &mon_page);
	region(u, LIS_UIO_INT_PAGE, "int_page", int_page, int_page ? LIS_HV_PAGE_SIZE : 0);
	region(u, LIS_UIO_MON_PAGE, "monitor_page", mon_page, mon_page ? LIS_HV_PAGE_SIZE : 0);
	if (cfg->buf_bytes) {
		ret = make_buffer(u, &u->recv_buf, &u->recv_gpadl);
		if (!ret)
			ret = make_buffer(u, &u->send_buf, &u->send_gpadl);
		if (ret)
			goto close;
		buffer_region(u, LIS_UIO_RECV_BUF, "recv:", u->recv_buf, cfg->buf_bytes,
			      u->recv_gpadl);
		buffer_region(u, LIS_UIO_SEND_BUF, "send:", u->send_buf, cfg->buf_bytes,
			      u->send_gpadl);
	}
	*out = u;
	return 0;
close:
	drop_buffer(u, &u->send_buf, u->send_gpadl);
	drop_buffer(u, &u->recv_buf, u->recv_gpadl);
	lis_channel_close(u->ch);
free:
	lis_free(u);
	return ret;
}

void lis_uio_destroy(struct lis_uio *u)
{
	if (u->open) {
		drop_buffer(u, &u->send_buf, u->send_gpadl);
		drop_buffer(u, &u->recv_buf, u->recv_gpadl);
		lis_channel_close(u->ch);
	}
	lis_free(u);
}

const struct lis_uio_region *lis_uio_region(const struct lis_uio *u, unsigned int map)
{
	if (map >= LIS_UIO_MAPS || !u->map[map].va)
		return NULL;
	return &u->map[map];
}

int lis_uio_check_map(const struct lis_uio *u, unsigned int map, u64 off, u64 len, bool shared,
		      bool exec, void **va)
{
	const struct lis_uio_region *r = lis_uio_region(u, map);

	if (!r || !len || !shared)
		return -EINVAL;
	if (exec)
		return -EPERM;
	if ((off | len) & LIS_HV_PAGE_MASK || off >= r->bytes || len > r->bytes - off)
		return -EINVAL;
	*va = (u8 *)r->va + off;
	return 0;
}

void lis_uio_irq_control(struct lis_uio *u, bool enable)
{
	lis_channel_set_interrupt_mask(u->ch, !enable);
	if (enable)
		lis_channel_signal(u->ch);
}
