// SPDX-License-Identifier: GPL-2.0
/*
 * storvsp: the host side of the synthetic SCSI controller / IDE accelerator
 * (fact sheet §4), written from the fact sheet's offsets and from the SCSI
 * standards' byte layouts (SPC/SBC), independently of any driver.
 *
 * Protocol on the primary channel: BEGIN_INITIALIZATION, then
 * QUERY_PROTOCOL_VERSION until one is accepted, QUERY_PROPERTIES,
 * END_INITIALIZATION and optionally CREATE_SUB_CHANNELS.  EXECUTE_SRB runs on
 * any open channel once initialization has ended; its completion goes back
 * on the same channel.  Data moves with the GPA-direct helpers, after the
 * range list was checked to cover the SRB's DataTransferLength.
 *
 * Locking: one mutex per storvsp guards everything in it (protocol state,
 * LUNs and their backing, queued and delayed completions); it is held while
 * sending (hostsim's send path only takes the channel's ring lock) and never
 * while hostsim could call back.  A helper thread, started on the first
 * delayed completion, sends completions whose time has come.
 */
#define _GNU_SOURCE		/* fallocate(FALLOC_FL_PUNCH_HOLE) for UNMAP of files */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "model.h"

/* ---- §4 wire numbers --------------------------------------------------------- */
enum {
	OP_COMPLETE_IO = 1, OP_REMOVE_DEVICE = 2, OP_EXECUTE_SRB = 3, OP_RESET_LUN = 4,
	OP_RESET_ADAPTER = 5, OP_RESET_BUS = 6, OP_BEGIN_INIT = 7, OP_END_INIT = 8,
	OP_QUERY_VERSION = 9, OP_QUERY_PROPERTIES = 10, OP_ENUMERATE_BUS = 11,
	OP_FCHBA_DATA = 12, OP_CREATE_SUB_CHANNELS = 13,
};

/* vstor_packet (§4.3) */
#define VP_OPERATION	0
#define VP_FLAGS	4
#define VP_STATUS	8
#define VP_BODY		12
#define VP_SIZE_WIN8	64	/* >= 5.1 */
#define VP_SIZE_OLD	48	/* < 5.1: no Win8 SRB extension */
#define VP_MAX		64

/* SRB (§4.5), offsets from VP_BODY */
#define SRB_LENGTH	0
#define SRB_SRB_STATUS	2
#define SRB_SCSI_STATUS	3
#define SRB_PATH	5
#define SRB_TARGET	6
#define SRB_LUN		7
#define SRB_CDB_LEN	8
#define SRB_SENSE_LEN	9
#define SRB_DATA_IN	10
#define SRB_XFER_LEN	12
#define SRB_CDB		16	/* request: CDB[16]; completion: sense data */
#define SRB_FLAGS	40	/* Win8 extension */
#define SRB_SIZE_WIN8	0x34
#define SRB_SIZE_OLD	0x24
#define SENSE_MAX_WIN8	0x14
#define SENSE_MAX_OLD	0x12

#define DATA_OUT	0	/* DataIn values */
#define DATA_IN		1
#define DATA_NONE	2
#define SRBF_DATA_IN	0x40
#define SRBF_DATA_OUT	0x80

/* channel properties (§4.6), offsets from VP_BODY */
#define PROP_MAX_CHANNELS	4
#define PROP_FLAGS		8
#define PROP_MAX_TRANSFER	12
#define PROP_MULTI_CHANNEL	0x1u

/* SrbStatus (§4.5) */
#define SRB_SUCCESS		0x01
#define SRB_ERROR		0x04
#define SRB_INVALID_REQUEST	0x06
#define SRB_BAD_SRB_LENGTH	0x15
#define SRB_INVALID_LUN		0x20
#define SRB_AUTOSENSE_VALID	0x80

/* NTSTATUS */
#define ST_SUCCESS		0x00000000u
#define ST_UNSUCCESSFUL		0xC0000001u
#define ST_INVALID_PARAMETER	0xC000000Du
#define ST_INVALID_DEVICE_REQ	0xC0000010u
#define ST_REVISION_MISMATCH	0xC0000059u
#define ST_INVALID_DEVICE_STATE	0xC0000184u

/* SCSI (SPC-4 / SBC-3) */
#define SAM_GOOD		0x00
#define SAM_CHECK_CONDITION	0x02
#define SAM_BUSY		0x08
#define KEY_NO_SENSE		0x0
#define KEY_ILLEGAL_REQUEST	0x5
#define KEY_UNIT_ATTENTION	0x6
#define KEY_DATA_PROTECT	0x7
#define ASC_INVALID_OPCODE	0x20
#define ASC_LBA_OUT_OF_RANGE	0x21
#define ASC_INVALID_FIELD_CDB	0x24
#define ASC_INVALID_FIELD_PARAM	0x26
#define ASC_WRITE_PROTECTED	0x27
#define ASC_CHANGED		0x2A	/* ASCQ 0x09: capacity data has changed */
#define ASC_SAVING_UNSUPPORTED	0x39
#define ASC_PARAM_LIST_LENGTH	0x1A
#define SENSE_FIXED_LEN		18

#define MAX_UNMAP_BLOCKS	0x400000u
#define MAX_UNMAP_DESCRIPTORS	64u
#define DEFAULT_MAX_TRANSFER	0x40000u

static const uint8_t scsi_class[16] = {	/* ba6163d9-04a1-4d29-b605-72e2ffb1dc7f */
	0xd9, 0x63, 0x61, 0xba, 0xa1, 0x04, 0x29, 0x4d,
	0xb6, 0x05, 0x72, 0xe2, 0xff, 0xb1, 0xdc, 0x7f,
};
static const uint8_t ide_class[16] = {	/* 32412632-86cb-44a2-9b5c-50d1417354f5 */
	0x32, 0x26, 0x41, 0x32, 0xcb, 0x86, 0xa2, 0x44,
	0x9b, 0x5c, 0x50, 0xd1, 0x41, 0x73, 0x54, 0xf5,
};
static const uint16_t default_versions[] = { 0x0602, 0x0600, 0x0501, 0 };

/* ---- state ----------------------------------------------------------------------- */
struct hs_lun {
	struct hs_lun *next;
	struct hs_storvsp *sv;
	uint8_t path, target, lun;
	bool present;			/* not hot-removed */
	bool ua_capacity;		/* UNIT ATTENTION 2A/09 pending */
	uint32_t bs;
	uint64_t blocks;
	uint8_t phys_exp;
	bool read_only, write_through, unmap, rotational;
	int fd;				/* -1: memory */
	uint8_t *mem;
	char serial[41];
};

struct sv_delayed {
	struct sv_delayed *next;
	uint64_t due;
	uint16_t subidx;
	unsigned int gen;
	uint64_t tid;
	uint32_t len;
	uint8_t data[VP_MAX];
};

#define NKINDS	(HS_SV_NTSTATUS + 1)

struct hs_storvsp {
	struct hs_host *h;
	struct hs_device *dev;
	pthread_mutex_t lock;

	/* configuration */
	bool ide, enumerate_on_change;
	uint16_t versions[16];
	uint16_t max_channels;
	bool multi_channel;
	uint32_t max_transfer;
	uint8_t instance[16];

	/* protocol (primary channel) */
	bool begun;
	uint16_t version;
	bool initialized;
	uint32_t subchannels;

	struct hs_mchan *chans;		/* by SubChannelIndex */
	unsigned int nchans;
	struct hs_lun *luns;
	struct hs_storvsp_fault fault[NKINDS];
	struct hs_storvsp_stats st;

	/* delayed completions */
	struct sv_delayed *delayed;	/* sorted by due time */
	pthread_t thread;
	pthread_cond_t cond;
	bool thread_started, stopping;
};

/* one EXECUTE_SRB being carried out */
struct sv_io {
	struct hs_storvsp *sv;
	struct hs_lun *lun;
	const struct hs_packet *pkt;
	const uint8_t *cdb;
	uint8_t dir;			/* DataIn */
	uint32_t xfer;			/* DataTransferLength requested */
	uint32_t done;			/* bytes moved */
	uint8_t srb_status, scsi_status;
	uint8_t sense[SENSE_FIXED_LEN];
	bool has_sense;
	bool bad;			/* the guest's request was malformed */
};

static uint32_t vp_size(uint16_t version)
{
	return version >= 0x0501 ? VP_SIZE_WIN8 : VP_SIZE_OLD;
}

static void bad_request(struct hs_storvsp *sv, const char *what, uint32_t detail)
{
	sv->st.bad_requests++;
	hs_protocol_error(sv->h, "storvsp: %s (%#x)", what, detail);
}

static struct hs_mchan *chan_of(struct hs_storvsp *sv, struct hs_channel *ch)
{
	return hs_mchan_get(&sv->chans, &sv->nchans, ch);
}

/* ---- backing store ------------------------------------------------------------------ */
static uint64_t lun_bytes(const struct hs_lun *l)
{
	return l->blocks * l->bs;
}

static void lun_free(struct hs_lun *l)
{
	if (l->fd >= 0)
		close(l->fd);
	free(l->mem);
	free(l);
}

static int store_io(struct hs_lun *l, uint64_t off, void *buf, size_t n, bool write)
{
	uint8_t *p = buf;

	if (off > lun_bytes(l) || n > lun_bytes(l) - off)
		return -1;
	if (l->fd < 0) {
		if (write)
			memcpy(l->mem + off, p, n);
		else
			memcpy(p, l->mem + off, n);
		return 0;
	}
	while (n) {
		ssize_t r = write ? pwrite(l->fd, p, n, (off_t)off) : pread(l->fd, p, n, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0) {		/* past the end of a file: zeros */
			if (write)
				return -1;
			memset(p, 0, n);
			return 0;
		}
		p += r;
		off += (uint64_t)r;
		n -= (size_t)r;
	}
	return 0;
}

static int store_zero(struct hs_lun *l, uint64_t off, uint64_t n)
{
	static const size_t chunk = 1u << 20;
	uint8_t *z;
	int rc = 0;

	if (l->fd < 0) {
		memset(l->mem + off, 0, n);
		return 0;
	}
	if (!fallocate(l->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)n))
		return 0;
	z = hs_zalloc(chunk);
	while (n && !rc) {
		size_t k = n < chunk ? (size_t)n : chunk;

		rc = store_io(l, off, z, k, true);
		off += k;
		n -= k;
	}
	free(z);
	return rc;
}

static int store_resize(struct hs_lun *l, uint64_t blocks)
{
	uint64_t old = lun_bytes(l), bytes = blocks * l->bs;

	if (blocks && bytes / blocks != l->bs)
		return -1;
	if (l->fd >= 0) {
		if (ftruncate(l->fd, (off_t)bytes))
			return -1;
	} else if (!l->mem) {
		/* calloc: large disks get zero pages only when touched */
		l->mem = calloc(1, bytes ? (size_t)bytes : 1);
		if (!l->mem)
			return -1;
	} else {
		uint8_t *m = realloc(l->mem, bytes ? (size_t)bytes : 1);

		if (!m)
			return -1;
		if (bytes > old)
			memset(m + old, 0, (size_t)(bytes - old));
		l->mem = m;
	}
	l->blocks = blocks;
	return 0;
}

/* ---- sending ---------------------------------------------------------------------- */
static void send_on(struct hs_storvsp *sv, struct hs_mchan *c, uint16_t type, uint64_t tid,
		    const uint8_t *data, uint32_t len)
{
	(void)sv;
	if (c->open)
		hs_outq_send(&c->outq, c->ch, type, 0, tid, NULL, 0, data, len);
}

static void *delay_thread(void *arg);

static void add_delayed(struct hs_storvsp *sv, struct hs_mchan *c, uint64_t tid,
			const uint8_t *data, uint32_t len, uint32_t ms)
{
	struct sv_delayed *d = hs_zalloc(sizeof(*d)), **pp;

	d->due = hs_now_ms() + ms;
	d->subidx = hs_channel_subchannel_index(c->ch);
	d->gen = c->gen;
	d->tid = tid;
	d->len = len;
	memcpy(d->data, data, len);
	for (pp = &sv->delayed; *pp && (*pp)->due <= d->due; pp = &(*pp)->next)
		;
	d->next = *pp;
	*pp = d;
	sv->st.delayed_pending++;
	if (!sv->thread_started) {
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&sv->cond, &ca);
		pthread_condattr_destroy(&ca);
		if (pthread_create(&sv->thread, NULL, delay_thread, sv)) {
			fprintf(stderr, "hostsim: storvsp: no thread for delayed completions\n");
			abort();
		}
		sv->thread_started = true;
	}
	pthread_cond_signal(&sv->cond);
}

static void *delay_thread(void *arg)
{
	struct hs_storvsp *sv = arg;

	pthread_mutex_lock(&sv->lock);
	while (!sv->stopping) {
		struct sv_delayed *d = sv->delayed;
		uint64_t now = hs_now_ms();

		if (!d) {
			pthread_cond_wait(&sv->cond, &sv->lock);
		} else if (d->due > now) {
			struct timespec ts;

			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec += (time_t)((d->due - now) / 1000);
			ts.tv_nsec += (long)((d->due - now) % 1000) * 1000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&sv->cond, &sv->lock, &ts);
		} else {
			sv->delayed = d->next;
			sv->st.delayed_pending--;
			/* a channel closed (or reopened) since: the completion is lost */
			if (d->subidx < sv->nchans && sv->chans[d->subidx].gen == d->gen)
				send_on(sv, &sv->chans[d->subidx], PKT_COMP, d->tid, d->data, d->len);
			free(d);
		}
	}
	pthread_mutex_unlock(&sv->lock);
	return NULL;
}

static void drop_delayed(struct hs_storvsp *sv)
{
	struct sv_delayed *d;

	while ((d = sv->delayed)) {
		sv->delayed = d->next;
		free(d);
	}
	sv->st.delayed_pending = 0;
}

/* a completion, through the reply-mangling faults */
static void complete(struct hs_storvsp *sv, struct hs_mchan *c, uint64_t tid, uint8_t *out,
		     uint32_t len, const struct hs_storvsp_fault *f)
{
	uint8_t bad[VP_MAX];

	if (!f) {
		send_on(sv, c, PKT_COMP, tid, out, len);
		return;
	}
	sv->st.faults++;
	memcpy(bad, out, len);
	switch (f->kind) {
	case HS_SV_DELAY:
		add_delayed(sv, c, tid, out, len, f->delay_ms);
		return;
	case HS_SV_DROP:
		return;
	case HS_SV_SHORT_REPLY:
		send_on(sv, c, PKT_COMP, tid, bad, f->length ? (f->length < len ? f->length : len) : 8);
		break;
	case HS_SV_WRONG_OPERATION:
		put32(bad + VP_OPERATION, f->operation ? f->operation : OP_EXECUTE_SRB);
		send_on(sv, c, PKT_COMP, tid, bad, len);
		break;
	case HS_SV_UNKNOWN_TID:
		send_on(sv, c, PKT_COMP, tid ^ (f->tid_xor ? f->tid_xor : ~0ull), bad, len);
		break;
	case HS_SV_NTSTATUS:
		put32(bad + VP_STATUS, f->status ? f->status : ST_UNSUCCESSFUL);
		send_on(sv, c, PKT_COMP, tid, bad, len);
		break;
	default:
		send_on(sv, c, PKT_COMP, tid, out, len);
		return;
	}
	if (f->then_real)
		send_on(sv, c, PKT_COMP, tid, out, len);
}

/* ---- faults ------------------------------------------------------------------------ */
static bool fault_matches(const struct hs_storvsp_fault *f, uint32_t op, const uint8_t *cdb,
			  const struct hs_lun *lun)
{
	uint32_t want = f->match_operation ? f->match_operation : OP_EXECUTE_SRB;

	if (!f->count || want != op)
		return false;
	if (op != OP_EXECUTE_SRB)
		return true;
	if (f->match_cdb >= 0 && (!cdb || cdb[0] != f->match_cdb))
		return false;
	return !f->match_lun || f->match_lun == lun;
}

/* the first armed fault that matches; takes one of its count */
static const struct hs_storvsp_fault *fault_take(struct hs_storvsp *sv, uint32_t op,
						 const uint8_t *cdb, const struct hs_lun *lun)
{
	unsigned int k;

	for (k = 1; k < NKINDS; k++) {
		struct hs_storvsp_fault *f = &sv->fault[k];

		if (fault_matches(f, op, cdb, lun)) {
			f->count--;
			return f;
		}
	}
	return NULL;
}

static bool fault_skips_execution(const struct hs_storvsp_fault *f)
{
	return f && (f->kind == HS_SV_CHECK_CONDITION || f->kind == HS_SV_BUSY ||
		     f->kind == HS_SV_SRB_STATUS);
}

/* ---- SCSI helpers ---------------------------------------------------------------- */
static void check(struct sv_io *io, uint8_t key, uint8_t asc, uint8_t ascq)
{
	io->srb_status = SRB_ERROR | SRB_AUTOSENSE_VALID;
	io->scsi_status = SAM_CHECK_CONDITION;
	memset(io->sense, 0, sizeof(io->sense));
	io->sense[0] = 0x70;		/* current error, fixed format */
	io->sense[2] = key;
	io->sense[7] = SENSE_FIXED_LEN - 8;
	io->sense[12] = asc;
	io->sense[13] = ascq;
	io->has_sense = true;
	io->done = 0;
}

static void invalid_request(struct sv_io *io, const char *why)
{
	io->srb_status = SRB_INVALID_REQUEST;
	io->scsi_status = SAM_GOOD;
	io->done = 0;
	if (!io->bad) {
		io->bad = true;
		bad_request(io->sv, why, io->cdb[0]);
	}
}

/* data-in: up to `n` bytes of `buf` (clipped to DataTransferLength) */
static void data_in(struct sv_io *io, const void *buf, uint32_t n)
{
	if (n > io->xfer)
		n = io->xfer;
	if (!n)
		return;
	if (io->dir != DATA_IN) {
		invalid_request(io, "data-in command without DataIn = 1");
		return;
	}
	if (hs_gpa_copy_to_guest(io->sv->h, io->pkt, 0, buf, n)) {
		invalid_request(io, "data-in ranges not guest RAM");
		return;
	}
	io->done = n;
}

/* data-out: exactly `n` bytes into buf; false (request failed) otherwise */
static bool data_out(struct sv_io *io, void *buf, uint32_t n)
{
	if (!n)
		return true;
	if (io->dir != DATA_OUT || io->xfer < n) {
		invalid_request(io, "data-out command without DataIn = 0 and enough bytes");
		return false;
	}
	if (hs_gpa_copy_from_guest(io->sv->h, io->pkt, 0, buf, n)) {
		invalid_request(io, "data-out ranges not guest RAM");
		return false;
	}
	io->done = n;
	return true;
}

static bool target_has_luns(struct hs_storvsp *sv, uint8_t path, uint8_t target)
{
	struct hs_lun *l;

	for (l = sv->luns; l; l = l->next)
		if (l->present && l->path == path && l->target == target)
			return true;
	return false;
}

static struct hs_lun *find_lun(struct hs_storvsp *sv, uint8_t path, uint8_t target, uint8_t lun)
{
	struct hs_lun *l;

	for (l = sv->luns; l; l = l->next)
		if (l->present && l->path == path && l->target == target && l->lun == lun)
			return l;
	return NULL;
}

/* ---- INQUIRY and its VPD pages --------------------------------------------------- */
static uint32_t vpd_page(struct hs_lun *l, uint8_t page, uint8_t *b, struct hs_storvsp *sv)
{
	static const uint8_t pages[] = { 0x00, 0x80, 0x83, 0xB0, 0xB1, 0xB2 };
	uint32_t n, i;

	b[0] = 0x00;			/* peripheral: connected, direct access block */
	b[1] = page;
	switch (page) {
	case 0x00:
		for (i = 0; i < sizeof(pages); i++)
			b[4 + i] = pages[i];
		n = sizeof(pages);
		break;
	case 0x80:
		n = (uint32_t)strlen(l->serial);
		memcpy(b + 4, l->serial, n);
		break;
	case 0x83:
		/* NAA designator (binary, LU association, type 3, 16 bytes) */
		b[4] = 0x01;
		b[5] = 0x03;
		b[7] = 16;
		b[8] = (uint8_t)(0x60 | (sv->instance[0] & 0x0f));
		memcpy(b + 9, sv->instance + 1, 12);
		b[21] = l->path;
		b[22] = l->target;
		b[23] = l->lun;
		/* T10 vendor designator (ASCII, type 1): vendor + serial */
		b[24] = 0x02;
		b[25] = 0x01;
		n = (uint32_t)strlen(l->serial);
		b[27] = (uint8_t)(8 + n);
		memcpy(b + 28, "Msft    ", 8);
		memcpy(b + 36, l->serial, n);
		n = 20 + 4 + 8 + n;
		break;
	case 0xB0:			/* block limits */
		n = 0x3C;
		put_be16(b + 6, 1);	/* optimal transfer length granularity */
		put_be32(b + 8, sv->max_transfer / l->bs);
		put_be32(b + 12, sv->max_transfer / l->bs);
		if (l->unmap) {
			put_be32(b + 20, MAX_UNMAP_BLOCKS);
			put_be32(b + 24, MAX_UNMAP_DESCRIPTORS);
			put_be32(b + 28, 1u << l->phys_exp);
		}
		break;
	case 0xB1:			/* block device characteristics */
		n = 0x3C;
		put_be16(b + 4, l->rotational ? 0 : 1);
		break;
	case 0xB2:			/* logical block provisioning */
		n = 4;
		if (l->unmap) {
			b[5] = 0x80 | 0x04;	/* LBPU, LBPRZ */
			b[6] = 0x02;		/* thin provisioned */
		}
		break;
	default:
		return 0;
	}
	put_be16(b + 2, (uint16_t)n);
	return 4 + n;
}

static void scsi_inquiry(struct sv_io *io, bool absent)
{
	uint8_t b[256] = { 0 };
	uint32_t alloc = be16(io->cdb + 3), n;

	if (io->cdb[1] & 0x01) {
		if (absent) {
			check(io, KEY_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB, 0);
			return;
		}
		n = vpd_page(io->lun, io->cdb[2], b, io->sv);
		if (!n) {
			check(io, KEY_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB, 0);
			return;
		}
	} else {
		if (io->cdb[2]) {
			check(io, KEY_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB, 0);
			return;
		}
		/* an absent LUN of a present target: qualifier 011b, type 1Fh */
		b[0] = absent ? 0x7F : 0x00;
		b[2] = 0x06;		/* SPC-4 */
		b[3] = 0x12;		/* HiSup, response data format 2 */
		b[4] = 36 - 5;
		b[7] = 0x02;		/* CmdQue */
		memcpy(b + 8, "Msft    ", 8);
		memcpy(b + 16, "Virtual Disk    ", 16);
		memcpy(b + 32, "1.0 ", 4);
		n = 36;
	}
	data_in(io, b, n < alloc ? n : alloc);
}

/* ---- other commands ------------------------------------------------------------------ */
static void scsi_report_luns(struct sv_io *io, uint8_t path, uint8_t target)
{
	uint32_t alloc = be32(io->cdb + 6), n = 0, i;
	uint8_t *b, seen[256] = { 0 };
	struct hs_lun *l;

	for (l = io->sv->luns; l; l = l->next)
		if (l->present && l->path == path && l->target == target)
			seen[l->lun] = 1;
	b = hs_zalloc(8 + 8 * 256);
	for (i = 0; i < 256; i++)
		if (seen[i]) {
			b[8 + 8 * n + 1] = (uint8_t)i;	/* peripheral addressing, bus 0 */
			n++;
		}
	put_be32(b, 8 * n);
	data_in(io, b, (8 + 8 * n) < alloc ? 8 + 8 * n : alloc);
	free(b);
}

static void scsi_read_capacity10(struct sv_io *io)
{
	uint8_t b[8];
	uint64_t last = io->lun->blocks ? io->lun->blocks - 1 : 0;

	put_be32(b, last > 0xFFFFFFFEull ? 0xFFFFFFFFu : (uint32_t)last);
	put_be32(b + 4, io->lun->bs);
	data_in(io, b, 8);
}

static void scsi_read_capacity16(struct sv_io *io)
{
	uint8_t b[32] = { 0 };
	uint32_t alloc = be32(io->cdb + 10);

	put_be64(b, io->lun->blocks ? io->lun->blocks - 1 : 0);
	put_be32(b + 8, io->lun->bs);
	b[13] = io->lun->phys_exp & 0x0f;
	if (io->lun->unmap)
		b[14] = 0x80 | 0x40;	/* LBPME, LBPRZ */
	data_in(io, b, alloc < 32 ? alloc : 32);
}

static uint32_t mode_pages(struct sv_io *io, uint8_t page, uint8_t pc, uint8_t *b)
{
	uint32_t n = 0;
	bool all = page == 0x3F;

	if (all || page == 0x08) {		/* caching */
		b[n] = 0x08;
		b[n + 1] = 0x12;
		if (pc != 1 && !io->lun->write_through)
			b[n + 2] = 0x04;	/* WCE */
		n += 20;
	}
	if (all || page == 0x0A) {		/* control */
		b[n] = 0x0A;
		b[n + 1] = 0x0A;
		n += 12;
	}
	return n;
}

static void scsi_mode_sense(struct sv_io *io, bool ten)
{
	uint8_t b[128] = { 0 };
	uint8_t page = io->cdb[2] & 0x3F, pc = io->cdb[2] >> 6, sub = io->cdb[3];
	bool dbd = io->cdb[1] & 0x08, llba = ten && (io->cdb[1] & 0x10);
	uint32_t alloc = ten ? be16(io->cdb + 7) : io->cdb[4];
	uint32_t hdr = ten ? 8 : 4, bdl = dbd ? 0 : (llba ? 16 : 8), n;
	uint64_t blocks = io->lun->blocks;

	if (pc == 3) {
		check(io, KEY_ILLEGAL_REQUEST, ASC_SAVING_UNSUPPORTED, 0);
		return;
	}
	if ((sub && !(page == 0x3F && sub == 0xFF)) ||
	    !(n = mode_pages(io, page, pc, b + hdr + bdl))) {
		check(io, KEY_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB, 0);
		return;
	}
	if (bdl == 8) {
		put_be32(b + hdr, blocks > 0xFFFFFF ? 0xFFFFFF : (uint32_t)blocks);
		b[hdr] = 0;		/* density code */
		put_be32(b + hdr + 4, io->lun->bs & 0xFFFFFF);
	} else if (bdl == 16) {
		put_be64(b + hdr, blocks);
		put_be32(b + hdr + 12, io->lun->bs);
	}
	n += hdr + bdl;
	if (ten) {
		put_be16(b, (uint16_t)(n - 2));
		b[3] = io->lun->read_only ? 0x80 : 0;
		b[4] = llba ? 1 : 0;
		put_be16(b + 6, (uint16_t)bdl);
	} else {
		b[0] = (uint8_t)(n - 1);
		b[2] = io->lun->read_only ? 0x80 : 0;
		b[3] = (uint8_t)bdl;
	}
	data_in(io, b, n < alloc ? n : alloc);
}

static void scsi_request_sense(struct sv_io *io)
{
	uint8_t b[SENSE_FIXED_LEN] = { 0x70 };
	uint32_t alloc = io->cdb[4];

	b[7] = SENSE_FIXED_LEN - 8;
	if (io->lun->ua_capacity) {
		io->lun->ua_capacity = false;
		b[2] = KEY_UNIT_ATTENTION;
		b[12] = ASC_CHANGED;
		b[13] = 0x09;
	}
	data_in(io, b, alloc < SENSE_FIXED_LEN ? alloc : SENSE_FIXED_LEN);
}

static void scsi_rw(struct sv_io *io, uint64_t lba, uint32_t nblocks, bool write)
{
	struct hs_lun *l = io->lun;
	struct hs_storvsp *sv = io->sv;
	uint64_t bytes = (uint64_t)nblocks * l->bs;
	uint8_t *buf;

	if (lba > l->blocks || nblocks > l->blocks - lba) {
		check(io, KEY_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0);
		return;
	}
	if (!nblocks)
		return;
	if (bytes > sv->max_transfer || bytes != io->xfer) {
		invalid_request(io, "read/write length differs from DataTransferLength or exceeds MaxTransferBytes");
		return;
	}
	if (io->dir != (write ? DATA_OUT : DATA_IN)) {
		invalid_request(io, "read/write with the wrong DataIn");
		return;
	}
	if (write && l->read_only) {
		check(io, KEY_DATA_PROTECT, ASC_WRITE_PROTECTED, 0);
		return;
	}
	buf = hs_zalloc((size_t)bytes);
	if (write) {
		if (data_out(io, buf, (uint32_t)bytes)) {
			if (store_io(l, lba * l->bs, buf, (size_t)bytes, true))
				check(io, 0x3 /* MEDIUM ERROR */, 0x0C, 0x00);	/* write error */
			sv->st.writes++;
			sv->st.bytes_written += bytes;
		}
	} else {
		if (store_io(l, lba * l->bs, buf, (size_t)bytes, false)) {
			check(io, 0x3 /* MEDIUM ERROR */, 0x11, 0x00);	/* unrecovered read error */
		} else {
			data_in(io, buf, (uint32_t)bytes);
			sv->st.reads++;
			sv->st.bytes_read += bytes;
		}
	}
	free(buf);
}

static void scsi_unmap(struct sv_io *io)
{
	struct hs_lun *l = io->lun;
	uint32_t plen = be16(io->cdb + 7), i, nd;
	uint8_t *b;

	if (!l->unmap) {
		check(io, KEY_ILLEGAL_REQUEST, ASC_INVALID_OPCODE, 0);
		return;
	}
	if (l->read_only) {
		check(io, KEY_DATA_PROTECT, ASC_WRITE_PROTECTED, 0);
		return;
	}
	if (!plen)
		return;
	if (plen < 8) {
		check(io, KEY_ILLEGAL_REQUEST, ASC_PARAM_LIST_LENGTH, 0);
		return;
	}
	b = hs_zalloc(plen);
	if (!data_out(io, b, plen))
		goto out;
	nd = be16(b + 2) / 16;
	if (nd > (plen - 8) / 16 || nd > MAX_UNMAP_DESCRIPTORS) {
		check(io, KEY_ILLEGAL_REQUEST, ASC_INVALID_FIELD_PARAM, 0);
		goto out;
	}
	for (i = 0; i < nd; i++) {
		uint64_t lba = be64(b + 8 + 16 * i);
		uint32_t cnt = be32(b + 8 + 16 * i + 8);

		if (lba > l->blocks || cnt > l->blocks - lba) {
			check(io, KEY_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0);
			goto out;
		}
		if (cnt > MAX_UNMAP_BLOCKS) {
			check(io, KEY_ILLEGAL_REQUEST, ASC_INVALID_FIELD_PARAM, 0);
			goto out;
		}
	}
	for (i = 0; i < nd; i++)
		store_zero(l, be64(b + 8 + 16 * i) * l->bs, (uint64_t)be32(b + 16 + 16 * i) * l->bs);
	io->sv->st.unmaps++;
out:
	free(b);
}

static void scsi_sync(struct sv_io *io)
{
	if (io->lun->fd >= 0 && fdatasync(io->lun->fd))
		check(io, 0x3 /* MEDIUM ERROR */, 0x0C, 0x00);
	io->sv->st.syncs++;
}

/* the command set; false: unknown opcode */
static bool scsi_dispatch(struct sv_io *io)
{
	const uint8_t *c = io->cdb;

	switch (c[0]) {
	case 0x00:			/* TEST UNIT READY */
	case 0x1B:			/* START STOP UNIT */
		return true;
	case 0x03:
		scsi_request_sense(io);
		return true;
	case 0x12:
		scsi_inquiry(io, false);
		return true;
	case 0x1A:
		scsi_mode_sense(io, false);
		return true;
	case 0x5A:
		scsi_mode_sense(io, true);
		return true;
	case 0x25:
		scsi_read_capacity10(io);
		return true;
	case 0x9E:			/* SERVICE ACTION IN (16) */
		if ((c[1] & 0x1F) != 0x10)
			return false;
		scsi_read_capacity16(io);
		return true;
	case 0x08:
	case 0x0A:			/* READ/WRITE (6): 0 blocks means 256 */
		scsi_rw(io, (uint64_t)(c[1] & 0x1F) << 16 | be16(c + 2), c[4] ? c[4] : 256,
			c[0] == 0x0A);
		return true;
	case 0x28:
	case 0x2A:
		scsi_rw(io, be32(c + 2), be16(c + 7), c[0] == 0x2A);
		return true;
	case 0xA8:
	case 0xAA:
		scsi_rw(io, be32(c + 2), be32(c + 6), c[0] == 0xAA);
		return true;
	case 0x88:
	case 0x8A:
		scsi_rw(io, be64(c + 2), be32(c + 10), c[0] == 0x8A);
		return true;
	case 0x35:			/* SYNCHRONIZE CACHE (10), (16) */
	case 0x91:
		scsi_sync(io);
		return true;
	case 0x42:
		scsi_unmap(io);
		return true;
	default:
		return false;
	}
}

/* ---- EXECUTE_SRB ---------------------------------------------------------------------- */
static void execute_srb(struct hs_storvsp *sv, struct hs_mchan *c, const struct hs_packet *p,
			uint8_t *out, uint32_t len)
{
	uint8_t *srb = out + VP_BODY;
	uint32_t srb_size = sv->version >= 0x0501 ? SRB_SIZE_WIN8 : SRB_SIZE_OLD;
	uint32_t sense_max = sv->version >= 0x0501 ? SENSE_MAX_WIN8 : SENSE_MAX_OLD;
	uint8_t cdb[16] = { 0 }, path = srb[SRB_PATH], target = srb[SRB_TARGET];
	struct sv_io io = { .sv = sv, .pkt = p, .cdb = cdb, .srb_status = SRB_SUCCESS };
	const struct hs_storvsp_fault *f = NULL;
	uint32_t flags = sv->version >= 0x0501 ? le32(srb + SRB_FLAGS) : 0;

	sv->st.srbs++;
	if (hs_channel_subchannel_index(c->ch))
		sv->st.srbs_on_subchannels++;
	io.dir = srb[SRB_DATA_IN];
	io.xfer = le32(srb + SRB_XFER_LEN);
	memcpy(cdb, srb + SRB_CDB, 16);
	io.lun = find_lun(sv, path, target, srb[SRB_LUN]);

	if (le16(srb + SRB_LENGTH) != srb_size) {
		bad_request(sv, "SRB Length is not the negotiated SRB size", le16(srb + SRB_LENGTH));
		io.srb_status = SRB_BAD_SRB_LENGTH;
		goto done;
	}
	if (!srb[SRB_CDB_LEN] || srb[SRB_CDB_LEN] > 16) {
		invalid_request(&io, "CdbLength not 1..16");
		goto done;
	}
	if (io.dir > DATA_NONE ||
	    (io.dir == DATA_IN && (flags & SRBF_DATA_OUT)) ||
	    (io.dir == DATA_OUT && (flags & SRBF_DATA_IN))) {
		invalid_request(&io, "DataIn and SrbFlags disagree");
		goto done;
	}
	if (io.xfer && (io.dir == DATA_NONE || p->type != PKT_GPA_DIRECT ||
			hs_gpa_bytes(p) < io.xfer)) {
		invalid_request(&io, "DataTransferLength not covered by GPA-direct ranges");
		goto done;
	}
	if (io.xfer > sv->max_transfer) {
		invalid_request(&io, "DataTransferLength above MaxTransferBytes");
		goto done;
	}

	f = fault_take(sv, OP_EXECUTE_SRB, cdb, io.lun);
	if (fault_skips_execution(f)) {
		sv->st.faults++;
		if (f->kind == HS_SV_CHECK_CONDITION) {
			check(&io, f->sense_key, f->asc, f->ascq);
		} else if (f->kind == HS_SV_BUSY) {
			io.srb_status = SRB_ERROR;
			io.scsi_status = SAM_BUSY;
		} else {
			io.srb_status = f->srb_status;
		}
		f = NULL;
		goto done;
	}

	if (!io.lun) {
		/* an absent LUN of a present target answers INQUIRY and REPORT
		 * LUNS; anything else, or any target without LUNs: INVALID_LUN */
		if (target_has_luns(sv, path, target) && cdb[0] == 0x12)
			scsi_inquiry(&io, true);
		else if (target_has_luns(sv, path, target) && cdb[0] == 0xA0)
			scsi_report_luns(&io, path, target);
		else
			io.srb_status = SRB_INVALID_LUN;
	} else if (cdb[0] == 0xA0) {
		scsi_report_luns(&io, path, target);
	} else if (io.lun->ua_capacity && cdb[0] != 0x12 && cdb[0] != 0x03) {
		io.lun->ua_capacity = false;
		check(&io, KEY_UNIT_ATTENTION, ASC_CHANGED, 0x09);
	} else if (!scsi_dispatch(&io)) {
		check(&io, KEY_ILLEGAL_REQUEST, ASC_INVALID_OPCODE, 0);
	}
	if (io.has_sense && !io.bad)
		sv->st.check_conditions++;
done:
	srb[SRB_SRB_STATUS] = io.srb_status;
	srb[SRB_SCSI_STATUS] = io.scsi_status;
	put32(srb + SRB_XFER_LEN, io.done);
	memset(srb + SRB_CDB, 0, sense_max);
	if (io.has_sense) {
		uint32_t n = srb[SRB_SENSE_LEN] < SENSE_FIXED_LEN ? srb[SRB_SENSE_LEN] :
								    SENSE_FIXED_LEN;

		memcpy(srb + SRB_CDB, io.sense, n);
		srb[SRB_SENSE_LEN] = (uint8_t)n;
	}
	if (p->flags & PKT_FLAG_COMPLETION)
		complete(sv, c, p->trans_id, out, len, f);
}

/* ---- the vstor protocol ------------------------------------------------------------- */
static bool version_ok(const struct hs_storvsp *sv, uint16_t v)
{
	const uint16_t *p;

	for (p = sv->versions; *p; p++)
		if (*p == v)
			return true;
	return false;
}

static uint32_t create_subchannels(struct hs_storvsp *sv, struct hs_channel *ch, uint16_t n)
{
	if (!sv->multi_channel || sv->version < 0x0501 || !n || n > sv->max_channels) {
		bad_request(sv, "CREATE_SUB_CHANNELS not allowed", n);
		return ST_INVALID_PARAMETER;
	}
	/* the device ends up with n sub-channels; earlier ones are reused */
	if (n > sv->subchannels)
		sv->subchannels += (uint32_t)hs_device_add_subchannels(hs_channel_device(ch),
								       n - sv->subchannels);
	return sv->subchannels >= n ? ST_SUCCESS : ST_UNSUCCESSFUL;
}

static void handle(struct hs_storvsp *sv, struct hs_mchan *c, const struct hs_packet *p)
{
	uint8_t out[VP_MAX] = { 0 };
	uint32_t need = sv->version ? vp_size(sv->version) : VP_SIZE_OLD;
	uint32_t len, op, status = ST_SUCCESS;
	bool primary = hs_channel_subchannel_index(c->ch) == 0;
	const struct hs_storvsp_fault *f;

	sv->st.requests++;
	if (p->type == PKT_COMP) {
		bad_request(sv, "completion packet from the guest", (uint32_t)p->trans_id);
		return;
	}
	/* replies have the negotiated size; before that, the size of the request */
	len = sv->version ? vp_size(sv->version) : (p->payload_len >= VP_SIZE_WIN8 ? VP_SIZE_WIN8 :
										       VP_SIZE_OLD);
	memcpy(out, p->payload, p->payload_len < len ? p->payload_len : len);
	op = p->payload_len >= 4 ? le32(p->payload) : 0;
	if (p->payload_len < need) {
		bad_request(sv, "vstor packet shorter than the negotiated size", p->payload_len);
		status = ST_INVALID_PARAMETER;
		goto reply;
	}
	if (op == OP_EXECUTE_SRB) {
		if (!sv->initialized) {
			bad_request(sv, "EXECUTE_SRB before END_INITIALIZATION", 0);
			status = ST_INVALID_DEVICE_STATE;
			goto reply;
		}
		put32(out + VP_OPERATION, OP_COMPLETE_IO);
		put32(out + VP_FLAGS, 0);
		put32(out + VP_STATUS, ST_SUCCESS);
		execute_srb(sv, c, p, out, len);
		return;
	}
	if (!primary && op != OP_RESET_LUN && op != OP_RESET_ADAPTER && op != OP_RESET_BUS) {
		bad_request(sv, "operation on a sub-channel", op);
		status = ST_INVALID_DEVICE_REQ;
		goto reply;
	}
	switch (op) {
	case OP_BEGIN_INIT:
		sv->begun = true;
		sv->version = 0;
		sv->initialized = false;
		break;
	case OP_QUERY_VERSION:
		if (!sv->begun || sv->initialized) {
			bad_request(sv, "QUERY_PROTOCOL_VERSION outside initialization", 0);
			status = ST_INVALID_DEVICE_STATE;
		} else if (version_ok(sv, le16(p->payload + VP_BODY))) {
			/* this reply still has the request's size */
			sv->version = le16(p->payload + VP_BODY);
		} else {
			sv->st.version_refusals++;
			status = ST_REVISION_MISMATCH;
		}
		break;
	case OP_QUERY_PROPERTIES:
		if (!sv->version) {
			bad_request(sv, "QUERY_PROPERTIES before a version", 0);
			status = ST_INVALID_DEVICE_STATE;
			break;
		}
		memset(out + VP_BODY, 0, len - VP_BODY);
		put16(out + VP_BODY + PROP_MAX_CHANNELS, sv->max_channels);
		put32(out + VP_BODY + PROP_FLAGS, sv->multi_channel ? PROP_MULTI_CHANNEL : 0);
		put32(out + VP_BODY + PROP_MAX_TRANSFER, sv->max_transfer);
		break;
	case OP_END_INIT:
		if (!sv->version) {
			bad_request(sv, "END_INITIALIZATION before a version", 0);
			status = ST_INVALID_DEVICE_STATE;
			break;
		}
		sv->initialized = true;
		break;
	case OP_CREATE_SUB_CHANNELS:
		status = create_subchannels(sv, c->ch, le16(p->payload + VP_BODY));
		break;
	case OP_RESET_LUN:
	case OP_RESET_ADAPTER:
	case OP_RESET_BUS:
		/* delayed completions not yet sent are lost with the reset */
		sv->st.resets++;
		drop_delayed(sv);
		break;
	default:
		bad_request(sv, "unknown or host-only operation", op);
		status = ST_INVALID_DEVICE_REQ;
		break;
	}
reply:
	if (len > VP_MAX)
		len = VP_MAX;
	put32(out + VP_OPERATION, OP_COMPLETE_IO);
	put32(out + VP_FLAGS, 0);
	put32(out + VP_STATUS, status);
	f = fault_take(sv, op, NULL, NULL);
	if (fault_skips_execution(f))
		f = NULL;		/* SCSI-level faults apply to EXECUTE_SRB only */
	if (p->flags & PKT_FLAG_COMPLETION)
		complete(sv, c, p->trans_id, out, len, f);
}

/* read and answer until the ring is empty or a completion had to wait */
static void pump(struct hs_storvsp *sv, struct hs_mchan *c)
{
	struct hs_packet p;
	int rc = 0;

	while (c->open && !c->outq.head && (rc = hs_channel_recv(c->ch, &p)) > 0)
		handle(sv, c, &p);
	if (rc < 0)
		sv->st.bad_requests++;
}

/* ---- device callbacks --------------------------------------------------------------- */
static struct hs_storvsp *sv_of(struct hs_channel *ch)
{
	return hs_device_priv(hs_channel_device(ch));
}

static void sv_opened(struct hs_channel *ch, const uint8_t *user_data)
{
	struct hs_storvsp *sv = sv_of(ch);
	struct hs_mchan *c;

	(void)user_data;
	pthread_mutex_lock(&sv->lock);
	c = chan_of(sv, ch);
	hs_outq_clear(&c->outq);
	c->open = true;
	c->gen++;
	if (hs_channel_subchannel_index(ch) == 0) {
		sv->begun = false;
		sv->version = 0;
		sv->initialized = false;
	}
	pthread_mutex_unlock(&sv->lock);
}

static void sv_closed(struct hs_channel *ch)
{
	struct hs_storvsp *sv = sv_of(ch);
	struct hs_mchan *c;

	pthread_mutex_lock(&sv->lock);
	c = chan_of(sv, ch);
	hs_outq_clear(&c->outq);
	c->open = false;
	c->gen++;
	if (hs_channel_subchannel_index(ch) == 0) {
		sv->begun = false;
		sv->initialized = false;
	}
	pthread_mutex_unlock(&sv->lock);
}

static void sv_ready(struct hs_channel *ch)
{
	struct hs_storvsp *sv = sv_of(ch);

	pthread_mutex_lock(&sv->lock);
	pump(sv, chan_of(sv, ch));
	pthread_mutex_unlock(&sv->lock);
}

static void sv_writable(struct hs_channel *ch)
{
	struct hs_storvsp *sv = sv_of(ch);
	struct hs_mchan *c;

	pthread_mutex_lock(&sv->lock);
	c = chan_of(sv, ch);
	if (hs_outq_flush(&c->outq, ch))
		pump(sv, c);
	pthread_mutex_unlock(&sv->lock);
}

static void sv_release(struct hs_device *dev)
{
	struct hs_storvsp *sv = hs_device_priv(dev);
	struct hs_lun *l;

	pthread_mutex_lock(&sv->lock);
	sv->stopping = true;
	if (sv->thread_started)
		pthread_cond_signal(&sv->cond);
	pthread_mutex_unlock(&sv->lock);
	if (sv->thread_started) {
		pthread_join(sv->thread, NULL);
		pthread_cond_destroy(&sv->cond);
	}
	drop_delayed(sv);
	while ((l = sv->luns)) {
		sv->luns = l->next;
		lun_free(l);
	}
	hs_mchan_free(sv->chans, sv->nchans);
	pthread_mutex_destroy(&sv->lock);
	free(sv);
}

static const struct hs_device_ops sv_ops = {
	.opened = sv_opened, .ready = sv_ready, .closed = sv_closed,
	.writable = sv_writable, .release = sv_release,
};

/* ---- public API --------------------------------------------------------------------- */
struct hs_storvsp *hs_storvsp_add(struct hs_host *h, const struct hs_storvsp_config *cfg)
{
	static const uint8_t zero[16];
	struct hs_storvsp *sv;
	struct hs_offer o;
	const uint16_t *v;
	unsigned int n = 0;

	if (!h || !cfg)
		return NULL;
	sv = hs_zalloc(sizeof(*sv));
	sv->h = h;
	sv->ide = cfg->ide;
	sv->enumerate_on_change = !cfg->no_enumerate_on_change;
	for (v = cfg->versions ? cfg->versions : default_versions; *v && n < 15; v++)
		sv->versions[n++] = *v;
	sv->max_channels = cfg->max_channels;
	sv->multi_channel = cfg->multi_channel;
	sv->max_transfer = cfg->max_transfer_bytes ? cfg->max_transfer_bytes : DEFAULT_MAX_TRANSFER;
	if (memcmp(cfg->instance_guid, zero, 16))
		memcpy(sv->instance, cfg->instance_guid, 16);
	else
		hs_make_guid(sv->instance, (uint64_t)(uintptr_t)sv);
	pthread_mutex_init(&sv->lock, NULL);

	memset(&o, 0, sizeof(o));
	memcpy(o.class_guid, cfg->ide ? ide_class : scsi_class, 16);
	if (cfg->ide) {
		/* Linux reads the IDE target from instance bytes 4-5; OpenVMM
		 * also puts PathId, TargetId and the IDE flag in UserDefined */
		sv->instance[4] = cfg->ide_target;
		sv->instance[5] = 0;
		o.user_defined[2] = cfg->ide_path;
		o.user_defined[3] = cfg->ide_target;
		put32(o.user_defined + 8, 0x2);
	}
	memcpy(o.instance_guid, sv->instance, 16);
	o.monitor_allocated = cfg->monitored;
	sv->dev = hs_device_add(h, &o, &sv_ops, sv);
	if (!sv->dev) {
		pthread_mutex_destroy(&sv->lock);
		free(sv);
		return NULL;
	}
	return sv;
}

struct hs_device *hs_storvsp_device(struct hs_storvsp *sv)
{
	return sv->dev;
}

/* ENUMERATE_BUS / REMOVE_DEVICE on the primary channel; sv->lock held */
static int notify_locked(struct hs_storvsp *sv, uint32_t op)
{
	uint8_t pkt[VP_MAX] = { 0 };

	if (!sv->nchans || !sv->chans[0].open || !sv->initialized)
		return -1;
	put32(pkt + VP_OPERATION, op);
	hs_outq_send(&sv->chans[0].outq, sv->chans[0].ch, PKT_INBAND, 0, 0, NULL, 0, pkt,
		     vp_size(sv->version));
	sv->st.enumerates++;
	return 0;
}

int hs_storvsp_notify(struct hs_storvsp *sv, uint32_t operation)
{
	int rc;

	pthread_mutex_lock(&sv->lock);
	rc = notify_locked(sv, operation);
	pthread_mutex_unlock(&sv->lock);
	return rc;
}

static void changed(struct hs_storvsp *sv)
{
	if (sv->enumerate_on_change)
		notify_locked(sv, OP_ENUMERATE_BUS);
}

static int open_backing(struct hs_lun *l, const struct hs_lun_config *cfg)
{
	struct stat st;

	if (!cfg->file) {
		l->fd = -1;
		l->blocks = 0;
		return store_resize(l, cfg->blocks);
	}
	l->fd = open(cfg->file, (cfg->read_only ? O_RDONLY : O_RDWR | O_CREAT) | O_CLOEXEC, 0644);
	if (l->fd < 0 || fstat(l->fd, &st))
		return -1;
	if (!cfg->blocks) {
		l->blocks = (uint64_t)st.st_size / l->bs;
		return 0;
	}
	l->blocks = cfg->blocks;
	if ((uint64_t)st.st_size == lun_bytes(l))
		return 0;
	return cfg->read_only ? -1 : store_resize(l, cfg->blocks);
}

struct hs_lun *hs_storvsp_lun_add(struct hs_storvsp *sv, const struct hs_lun_config *cfg)
{
	struct hs_lun *l;
	size_t i;

	if (!sv || !cfg || (cfg->block_size && cfg->block_size != 512 && cfg->block_size != 4096))
		return NULL;
	l = hs_zalloc(sizeof(*l));
	l->sv = sv;
	l->path = cfg->path;
	l->target = cfg->target;
	l->lun = cfg->lun;
	l->bs = cfg->block_size ? cfg->block_size : 512;
	l->phys_exp = cfg->physical_exponent;
	l->read_only = cfg->read_only;
	l->write_through = cfg->write_through;
	l->unmap = !cfg->no_unmap;
	l->rotational = cfg->rotational;
	if (cfg->serial) {
		snprintf(l->serial, sizeof(l->serial), "%s", cfg->serial);
	} else {
		for (i = 0; i < 6; i++)
			snprintf(l->serial + 2 * i, 3, "%02x", sv->instance[i]);
		snprintf(l->serial + 12, sizeof(l->serial) - 12, "%02x%02x%02x", l->path, l->target,
			 l->lun);
	}
	for (i = 0; l->serial[i]; i++)		/* VPD 0x80 is printable ASCII */
		if (l->serial[i] < 0x20 || l->serial[i] > 0x7e)
			l->serial[i] = '_';
	if (open_backing(l, cfg)) {
		lun_free(l);
		return NULL;
	}
	pthread_mutex_lock(&sv->lock);
	if (find_lun(sv, l->path, l->target, l->lun)) {
		pthread_mutex_unlock(&sv->lock);
		lun_free(l);
		return NULL;
	}
	l->present = true;
	l->next = sv->luns;
	sv->luns = l;
	changed(sv);
	pthread_mutex_unlock(&sv->lock);
	return l;
}

int hs_lun_remove(struct hs_lun *lun)
{
	struct hs_storvsp *sv = lun->sv;
	int rc = -1;

	pthread_mutex_lock(&sv->lock);
	if (lun->present) {
		lun->present = false;
		changed(sv);
		rc = 0;
	}
	pthread_mutex_unlock(&sv->lock);
	return rc;
}

int hs_lun_resize(struct hs_lun *lun, uint64_t blocks)
{
	struct hs_storvsp *sv = lun->sv;
	int rc = -1;

	pthread_mutex_lock(&sv->lock);
	if (lun->present && !lun->read_only && !store_resize(lun, blocks)) {
		lun->ua_capacity = true;
		changed(sv);
		rc = 0;
	}
	pthread_mutex_unlock(&sv->lock);
	return rc;
}

uint64_t hs_lun_blocks(struct hs_lun *lun)
{
	uint64_t b;

	pthread_mutex_lock(&lun->sv->lock);
	b = lun->blocks;
	pthread_mutex_unlock(&lun->sv->lock);
	return b;
}

static int lun_io(struct hs_lun *lun, uint64_t offset, void *buf, size_t len, bool write)
{
	int rc;

	pthread_mutex_lock(&lun->sv->lock);
	rc = store_io(lun, offset, buf, len, write);
	pthread_mutex_unlock(&lun->sv->lock);
	return rc;
}

int hs_lun_read(struct hs_lun *lun, uint64_t offset, void *buf, size_t len)
{
	return lun_io(lun, offset, buf, len, false);
}

int hs_lun_write(struct hs_lun *lun, uint64_t offset, const void *buf, size_t len)
{
	return lun_io(lun, offset, (void *)buf, len, true);
}

int hs_lun_checksum(struct hs_lun *lun, uint8_t digest[32], char *hex)
{
	static const size_t chunk = 1u << 20;
	struct hs_sha256 s;
	uint8_t *buf = hs_zalloc(chunk), d[32];
	uint64_t off, total;
	int rc = 0;

	hs_sha256_init(&s);
	pthread_mutex_lock(&lun->sv->lock);
	total = lun_bytes(lun);
	for (off = 0; off < total && !rc; off += chunk) {
		size_t n = total - off < chunk ? (size_t)(total - off) : chunk;

		rc = store_io(lun, off, buf, n, false);
		hs_sha256_update(&s, buf, n);
	}
	pthread_mutex_unlock(&lun->sv->lock);
	free(buf);
	hs_sha256_final(&s, d);
	if (digest)
		memcpy(digest, d, 32);
	if (hex)
		hs_hex(d, 32, hex);
	return rc;
}

void hs_storvsp_stats(struct hs_storvsp *sv, struct hs_storvsp_stats *st)
{
	pthread_mutex_lock(&sv->lock);
	*st = sv->st;
	st->version = sv->version;
	st->initialized = sv->initialized;
	st->subchannels = sv->subchannels;
	pthread_mutex_unlock(&sv->lock);
}

int hs_storvsp_inject(struct hs_storvsp *sv, const struct hs_storvsp_fault *f)
{
	if (!sv || !f || f->kind < HS_SV_CHECK_CONDITION || f->kind >= NKINDS)
		return -1;
	pthread_mutex_lock(&sv->lock);
	sv->fault[f->kind] = *f;
	pthread_mutex_unlock(&sv->lock);
	return 0;
}
