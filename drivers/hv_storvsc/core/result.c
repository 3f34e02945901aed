// SPDX-License-Identifier: GPL-2.0
/*
 * A completed SRB -> a neutral result: SrbStatus, the SCSI status byte, the
 * sense data and the transfer length, each checked, become one of a few
 * outcomes the glue turns into midlayer results, plus the side action a
 * host event embedded in the sense data asks for (resize, LUN changes).
 */
#include <lis/os.h>
#include "storvsc_core.h"

/* SAM status bytes and sense keys we look at */
#define SAM_GOOD			0x00
#define SAM_CHECK_CONDITION		0x02
#define SENSE_KEY_ILLEGAL_REQUEST	0x05
#define SENSE_KEY_UNIT_ATTENTION	0x06

/* additional sense codes of unit attentions that are host events */
#define ASC_CAPACITY_CHANGED		0x2A
#define ASCQ_CAPACITY_CHANGED		0x09
#define ASC_TARGET_CHANGED		0x3F
#define ASCQ_INQUIRY_CHANGED		0x03
#define ASCQ_LUNS_CHANGED		0x0E
#define ASC_INVALID_FIELD_IN_CDB	0x24

struct sense_key {
	u8 key, asc, ascq;
	bool valid;
};

/* fixed (0x70/0x71) or descriptor (0x72/0x73) format */
static struct sense_key parse_sense(const u8 *sense, u8 len)
{
	struct sense_key k = { 0, 0, 0, false };
	u8 code;

	if (len < 1)
		return k;
	code = sense[0] & 0x7F;
	if ((code == 0x70 || code == 0x71) && len >= 14) {
		k.key = sense[2] & 0x0F;
		k.asc = sense[12];
		k.ascq = sense[13];
		k.valid = true;
	} else if ((code == 0x72 || code == 0x73) && len >= 4) {
		k.key = sense[1] & 0x0F;
		k.asc = sense[2];
		k.ascq = sense[3];
		k.valid = true;
	}
	return k;
}

/* a unit attention that is a host event: retry the command after acting */
static bool host_event(const struct sense_key *k, struct lis_stor_result *res)
{
	if (!k->valid || k->key != SENSE_KEY_UNIT_ATTENTION)
		return false;
	if (k->asc == ASC_CAPACITY_CHANGED && k->ascq == ASCQ_CAPACITY_CHANGED) {
		res->action = LIS_STOR_ACT_RESCAN_LUN;
	} else if (k->asc == ASC_TARGET_CHANGED && k->ascq == ASCQ_LUNS_CHANGED) {
		res->action = LIS_STOR_ACT_RESCAN_BUS;
	} else if (k->asc == ASC_TARGET_CHANGED && k->ascq != ASCQ_INQUIRY_CHANGED) {
		/* operating parameters (block size, provisioning) changed */
		res->action = LIS_STOR_ACT_RESCAN_LUN;
	} else {
		return false;
	}
	res->status = LIS_STOR_REQUEUE;
	res->scsi_status = SAM_GOOD;
	res->sense_len = 0;
	return true;
}

/* an invalid request without sense data is an illegal request: say so in
 * sense data the midlayer understands (an unsupported VPD page, say), so
 * that it is not retried as a transport error */
static void synthesize_illegal_request(struct lis_stor_result *res)
{
	memset(res->sense, 0, sizeof(res->sense));
	res->sense[0] = 0x70;
	res->sense[2] = SENSE_KEY_ILLEGAL_REQUEST;
	res->sense[7] = 10;		/* additional length */
	res->sense[12] = ASC_INVALID_FIELD_IN_CDB;
	res->sense_len = 18;
	res->status = LIS_STOR_OK;
	res->scsi_status = SAM_CHECK_CONDITION;
}

void lis_stor_map_result(const struct lis_stor_srb *srb, u32 nt_status, u32 requested,
			 u8 opcode, struct lis_stor_result *res)
{
	u8 raw = srb->srb_status, code = raw & LIS_STOR_SRB_STATUS_MASK;
	u32 moved = le32_to_cpu(srb->data_transfer_length);
	struct sense_key k;

	memset(res, 0, sizeof(*res));
	res->srb_status = raw;
	res->nt_status = nt_status;
	res->scsi_status = srb->scsi_status;

	if (moved > requested) {
		lis_err_host("hv_storvsc: the host moved %u bytes of a %u-byte command (opcode %#x)\n",
			     moved, requested, opcode);
		res->status = LIS_STOR_ERROR;
		res->transferred = 0;
		res->residual = requested;
		return;
	}
	res->transferred = moved;
	res->residual = requested - moved;

	if ((raw & LIS_STOR_SRB_AUTOSENSE_VALID) && srb->sense_info_length) {
		u8 n = srb->sense_info_length;

		if (n > LIS_STOR_SENSE_SIZE) {
			lis_err_host("hv_storvsc: the host claims %u bytes of sense data (at most %u)\n",
				     n, LIS_STOR_SENSE_SIZE);
			n = LIS_STOR_SENSE_SIZE;
		}
		memcpy(res->sense, srb->u.sense, n);
		res->sense_len = n;
	}

	switch (code) {
	case LIS_STOR_SRB_SUCCESS:
		/* an NT error (severity 3) with a successful SRB
		 * contradicts itself: trust the error */
		if ((nt_status & 0xC0000000u) == 0xC0000000u) {
			lis_err_host("hv_storvsc: SRB success with NTSTATUS %#x (opcode %#x)\n",
				     nt_status, opcode);
			res->status = LIS_STOR_ERROR;
			return;
		}
		res->status = LIS_STOR_OK;
		break;
	case LIS_STOR_SRB_DATA_OVERRUN:
		/* Windows says "overrun" for short transfers too; the length
		 * was checked above, so this is an underrun with a residual */
		res->status = LIS_STOR_OK;
		break;
	case LIS_STOR_SRB_BUSY:
		res->status = LIS_STOR_BUSY;
		break;
	case LIS_STOR_SRB_INVALID_LUN:
	case LIS_STOR_SRB_INVALID_TARGET_ID:
	case LIS_STOR_SRB_INVALID_PATH_ID:
	case LIS_STOR_SRB_NO_DEVICE:
	case LIS_STOR_SRB_SELECTION_TIMEOUT:
		res->status = LIS_STOR_NO_DEVICE;
		res->sense_len = 0;
		return;
	case LIS_STOR_SRB_INVALID_REQUEST:
		if (!res->sense_len) {
			synthesize_illegal_request(res);
			return;
		}
		res->status = LIS_STOR_OK;
		break;
	case LIS_STOR_SRB_PENDING:
		lis_err_host("hv_storvsc: a completion still says SRB pending (opcode %#x)\n",
			     opcode);
		res->status = LIS_STOR_ERROR;
		return;
	default:
		/* error, aborted, timeouts, bus reset, flushed, ...: with
		 * sense data or a SCSI status the midlayer decides; without,
		 * a transport error it may retry */
		res->status = (res->sense_len || srb->scsi_status != SAM_GOOD) ?
			LIS_STOR_OK : LIS_STOR_ERROR;
		break;
	}

	if (res->sense_len && srb->scsi_status == SAM_CHECK_CONDITION) {
		k = parse_sense(res->sense, res->sense_len);
		host_event(&k, res);
	} else if (res->status == LIS_STOR_OK && srb->scsi_status == SAM_CHECK_CONDITION) {
		/* CHECK CONDITION without sense: nothing to decide on */
		res->status = LIS_STOR_ERROR;
	}
}
