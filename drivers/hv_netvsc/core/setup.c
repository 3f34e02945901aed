// SPDX-License-Identifier: GPL-2.0
/*
 * Bringing a NIC up and taking it down (fact sheet §5.4): NVSP version
 * negotiation newest first, NDIS config and version, the receive and send
 * buffers shared by GPADL, RNDIS initialize and the queries and sets that
 * follow, then sub-channels.  Teardown undoes whatever was done, in the
 * order the host expects: HALT, revoke the buffers, then the GPADLs before
 * CLOSECHANNEL below VMBus 4.0 and after it from 4.0 on.
 */
#include "internal.h"

static const u32 nvsp_versions[] = {
	LIS_NVSP_VERSION_61,
	LIS_NVSP_VERSION_6,
	LIS_NVSP_VERSION_5,
	LIS_NVSP_VERSION_4,
	LIS_NVSP_VERSION_2,
	LIS_NVSP_VERSION_1,
};

/* ---- NVSP ---- */

static int negotiate(struct lis_net *n)
{
	union lis_nvsp_msg m, r;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(nvsp_versions); i++) {
		if (n->cfg.max_nvsp_version && nvsp_versions[i] > n->cfg.max_nvsp_version)
			continue;
		memset(&m, 0, sizeof(m));
		m.init.type = cpu_to_le32(LIS_NVSP_MSG_INIT);
		m.init.min_version = cpu_to_le32(nvsp_versions[i]);
		m.init.max_version = cpu_to_le32(nvsp_versions[i]);
		ret = net_nvsp_request(n, &m, LIS_NVSP_MSG_INIT_COMPLETE, &r);
		if (ret)
			return ret;
		if (le32_to_cpu(r.init_complete.status) == LIS_NVSP_STATUS_SUCCESS) {
			n->nvsp_version = nvsp_versions[i];
			return 0;
		}
	}
	lis_err("hv_netvsc: the host accepts none of NVSP 6.1, 6, 5, 4, 2 and 1\n");
	return -EPROTONOSUPPORT;
}

static int announce_ndis(struct lis_net *n)
{
	union lis_nvsp_msg m;
	u64 caps = LIS_NVSP_CAP_IEEE8021Q;
	int ret;

	if (n->nvsp_version >= LIS_NVSP_VERSION_2) {
		/* SR-IOV for VF association; teaming for link-speed updates */
		if (n->nvsp_version >= LIS_NVSP_VERSION_5)
			caps |= LIS_NVSP_CAP_SRIOV | LIS_NVSP_CAP_TEAMING;
		memset(&m, 0, sizeof(m));
		m.ndis_config.type = cpu_to_le32(LIS_NVSP_MSG_SEND_NDIS_CONFIG);
		m.ndis_config.mtu = cpu_to_le32(n->mtu + LIS_NET_ETH_HLEN);
		m.ndis_config.capabilities = cpu_to_le64(caps);
		ret = net_nvsp_post(n, &m);
		if (ret)
			return ret;
	}
	n->ndis_version = n->nvsp_version <= LIS_NVSP_VERSION_4 ? LIS_NDIS_VERSION_6_1 :
							     LIS_NDIS_VERSION_6_30;
	memset(&m, 0, sizeof(m));
	m.ndis_version.type = cpu_to_le32(LIS_NVSP_MSG_SEND_NDIS_VERSION);
	m.ndis_version.major = cpu_to_le32(n->ndis_version >> 16);
	m.ndis_version.minor = cpu_to_le32(n->ndis_version & 0xFFFF);
	return net_nvsp_post(n, &m);
}

static u32 buf_size(u32 want, u32 dflt, u32 max)
{
	if (!want)
		want = dflt;
	if (want > max)
		want = max;
	want &= ~(u32)LIS_HV_PAGE_MASK;
	return want < 2 * LIS_HV_PAGE_SIZE ? 2 * LIS_HV_PAGE_SIZE : want;
}

static int share_recv_buf(struct lis_net *n)
{
	const struct lis_nvsp_recv_section *sec;
	union lis_nvsp_msg m, r;
	u32 max = n->nvsp_version <= LIS_NVSP_VERSION_2 ? LIS_NVSP_RECV_BUF_MAX_V1 :
							  LIS_NVSP_RECV_BUF_MAX;
	u32 size, count;
	int ret;

	n->recv_bytes = buf_size(n->cfg.recv_buf_bytes, NET_DEFAULT_RECV_BUF, max);
	n->recv_buf = lis_alloc_pages(n->recv_bytes / LIS_HV_PAGE_SIZE);
	if (!n->recv_buf)
		return -ENOMEM;
	ret = lis_gpadl_create(n->primary, n->recv_buf, n->recv_bytes, &n->recv_gpadl);
	if (ret)
		return ret;
	n->recv_gpadl_ok = true;

	memset(&m, 0, sizeof(m));
	m.send_buf.type = cpu_to_le32(LIS_NVSP_MSG_SEND_RECV_BUF);
	m.send_buf.gpadl = cpu_to_le32(n->recv_gpadl);
	m.send_buf.id = cpu_to_le16(LIS_NVSP_RECV_BUF_ID);
	n->recv_announced = true;
	ret = net_nvsp_request(n, &m, LIS_NVSP_MSG_SEND_RECV_BUF_COMPLETE, &r);
	if (ret)
		return ret;
	sec = &r.recv_buf_complete.section;
	size = le32_to_cpu(sec->sub_alloc_size);
	count = le32_to_cpu(sec->num_sub_allocs);
	if (le32_to_cpu(r.recv_buf_complete.status) != LIS_NVSP_STATUS_SUCCESS) {
		lis_err("hv_netvsc: the host refused the receive buffer (status %u)\n",
			le32_to_cpu(r.recv_buf_complete.status));
		return -EIO;
	}
	if (le32_to_cpu(r.recv_buf_complete.num_sections) != 1 || sec->offset || !size ||
	    !count || (u64)size * count > n->recv_bytes ||
	    le32_to_cpu(sec->end_offset) > n->recv_bytes) {
		lis_err_host("hv_netvsc: receive buffer sections make no sense (%u sections, %u x %u bytes from %u to %u)\n",
			     le32_to_cpu(r.recv_buf_complete.num_sections), count, size,
			     le32_to_cpu(sec->offset), le32_to_cpu(sec->end_offset));
		return -EPROTO;
	}
	n->recv_section_size = size;
	n->recv_sections = count;
	return 0;
}

static int share_send_buf(struct lis_net *n)
{
	union lis_nvsp_msg m, r;
	u32 size;
	int ret;

	n->send_bytes = buf_size(n->cfg.send_buf_bytes, NET_DEFAULT_SEND_BUF,
				 LIS_NVSP_SEND_BUF_MAX);
	n->send_buf = lis_alloc_pages(n->send_bytes / LIS_HV_PAGE_SIZE);
	if (!n->send_buf)
		return -ENOMEM;
	ret = lis_gpadl_create(n->primary, n->send_buf, n->send_bytes, &n->send_gpadl);
	if (ret)
		return ret;
	n->send_gpadl_ok = true;

	memset(&m, 0, sizeof(m));
	m.send_buf.type = cpu_to_le32(LIS_NVSP_MSG_SEND_SEND_BUF);
	m.send_buf.gpadl = cpu_to_le32(n->send_gpadl);
	m.send_buf.id = cpu_to_le16(LIS_NVSP_SEND_BUF_ID);
	n->send_announced = true;
	ret = net_nvsp_request(n, &m, LIS_NVSP_MSG_SEND_SEND_BUF_COMPLETE, &r);
	if (ret)
		return ret;
	if (le32_to_cpu(r.send_buf_complete.status) != LIS_NVSP_STATUS_SUCCESS) {
		lis_err("hv_netvsc: the host refused the send buffer (status %u)\n",
			le32_to_cpu(r.send_buf_complete.status));
		return -EIO;
	}
	size = le32_to_cpu(r.send_buf_complete.section_size);
	if (size < LIS_NET_ETH_HLEN + sizeof(struct lis_rndis_packet) || size > n->send_bytes) {
		lis_err_host("hv_netvsc: send buffer section size %u makes no sense for %u bytes\n",
			     size, n->send_bytes);
		return -EPROTO;
	}
	n->send_section_size = size;
	n->send_sections = min_t(u32, n->send_bytes / size, NET_MAX_SEND_SECTIONS);
	return net_sections_init(n);
}

/* ---- RNDIS queries ---- */

static int query_u32(struct lis_net *n, u32 oid, u32 *val)
{
	__le32 v = 0;
	u32 len = 0;
	int ret;

	ret = net_rndis_query(n, oid, NULL, 0, &v, sizeof(v), &len);
	if (!ret && len < sizeof(v)) {
		lis_err_host("hv_netvsc: OID %#x answered with %u bytes\n", oid, len);
		ret = -EPROTO;
	}
	if (!ret)
		*val = le32_to_cpu(v);
	return ret;
}

static int query_mac(struct lis_net *n, u32 oid, u8 mac[6])
{
	u32 len = 0;
	int ret;

	ret = net_rndis_query(n, oid, NULL, 0, mac, 6, &len);
	if (!ret && len < 6) {
		lis_err_host("hv_netvsc: a %u-byte MAC address\n", len);
		ret = -EPROTO;
	}
	return ret;
}

int lis_net_refresh_link(struct lis_net *n)
{
	u32 status, speed;
	bool up;
	int ret;

	ret = query_u32(n, LIS_OID_GEN_MEDIA_CONNECT_STATUS, &status);
	if (ret)
		return ret;
	if (n->nvsp_version >= LIS_NVSP_VERSION_5 &&
	    !query_u32(n, LIS_OID_GEN_LINK_SPEED, &speed) && speed)
		LIS_WRITE_ONCE(n->link_speed, speed);
	up = status == LIS_NDIS_MEDIA_CONNECTED;
	if (lis_xchg32(&n->link_up, up ? 1u : 0u) != (up ? 1u : 0u))
		n->cfg.ops->link_changed(n->cfg.ctx, up);
	return 0;
}

static int query_device(struct lis_net *n)
{
	u32 status = LIS_NDIS_MEDIA_DISCONNECTED;
	int ret;

	ret = query_u32(n, LIS_OID_GEN_MAXIMUM_FRAME_SIZE, &n->max_frame);
	if (!ret)
		ret = query_mac(n, LIS_OID_802_3_PERMANENT_ADDRESS, n->perm_mac);
	if (ret)
		return ret;
	/* the current address differs after a MAC change and a re-init */
	if (query_mac(n, LIS_OID_802_3_CURRENT_ADDRESS, n->mac))
		memcpy(n->mac, n->perm_mac, 6);
	ret = query_u32(n, LIS_OID_GEN_MEDIA_CONNECT_STATUS, &status);
	if (ret)
		return ret;
	n->link_up = status == LIS_NDIS_MEDIA_CONNECTED;
	if (n->nvsp_version >= LIS_NVSP_VERSION_5 &&
	    query_u32(n, LIS_OID_GEN_LINK_SPEED, &n->link_speed))
		n->link_speed = 0;
	return 0;
}

static void setup_offloads(struct lis_net *n)
{
	struct lis_ndis_offload caps;
	struct lis_ndis_offload_params p;
	u32 len = 0, size;
	int ret;

	/* the query carries the header of the structure we want back */
	memset(&caps, 0, sizeof(caps));
	caps.hdr.type = LIS_NDIS_OBJECT_OFFLOAD;
	caps.hdr.revision = n->nvsp_version >= LIS_NVSP_VERSION_5 ? 3 : 1;
	size = n->nvsp_version >= LIS_NVSP_VERSION_5 ? LIS_NDIS_OFFLOAD_SIZE_REV3 :
						       LIS_NDIS_OFFLOAD_SIZE_REV1;
	caps.hdr.size = cpu_to_le16(size);
	ret = net_rndis_query(n, LIS_OID_TCP_OFFLOAD_HW_CAPS, &caps, size, &caps,
			      sizeof(caps), &len);
	if (ret) {
		lis_warn("hv_netvsc: no offload capabilities (%d); no offloads\n", ret);
		memset(&n->offl, 0, sizeof(n->offl));
		return;
	}
	net_offloads_parse(n, (const u8 *)&caps, min_t(u32, len, sizeof(caps)));
	size = net_offload_params(n, &p);
	ret = net_rndis_set(n, LIS_OID_TCP_OFFLOAD_PARAMETERS, &p, size);
	if (ret) {
		lis_warn("hv_netvsc: the host refused the offload parameters (%d); no offloads\n",
			 ret);
		memset(&n->offl, 0, sizeof(n->offl));
	}
}

/* ---- sub-channels ---- */

static void request_subchannels(struct lis_net *n)
{
	struct lis_ndis_rss_caps caps;
	union lis_nvsp_msg m, r;
	u32 len = 0, want, got, i;
	int ret;

	if (n->nvsp_version < LIS_NVSP_VERSION_5 || n->cfg.max_queues < 2)
		return;
	memset(&caps, 0, sizeof(caps));
	caps.hdr.type = LIS_NDIS_OBJECT_RSS_CAPS;
	caps.hdr.revision = LIS_NDIS_RSS_CAPS_REVISION;
	caps.hdr.size = cpu_to_le16(sizeof(caps));
	ret = net_rndis_query(n, LIS_OID_GEN_RSS_CAPABILITIES, &caps, sizeof(caps), &caps,
			      sizeof(caps), &len);
	if (ret || len < sizeof(caps)) {
		lis_info("hv_netvsc: no RSS capabilities (%d, %u bytes); one queue\n", ret, len);
		return;
	}
	n->rss_queues = le32_to_cpu(caps.num_recv_queues);
	if (n->rss_queues < 2)
		return;
	want = min_t(u32, n->cfg.max_queues, n->rss_queues);
	want = min_t(u32, want, LIS_NET_MAX_QUEUES) - 1;

	lis_mutex_lock(&n->chan_lock);
	n->subs_requested = want;
	lis_mutex_unlock(&n->chan_lock);

	memset(&m, 0, sizeof(m));
	m.subchannel.type = cpu_to_le32(LIS_NVSP_MSG_SUBCHANNEL);
	m.subchannel.op_or_status = cpu_to_le32(LIS_NVSP_SUBCHANNEL_ALLOCATE);
	m.subchannel.num_subchannels = cpu_to_le32(want);
	ret = net_nvsp_request(n, &m, LIS_NVSP_MSG_SUBCHANNEL, &r);
	got = le32_to_cpu(r.subchannel.num_subchannels);
	if (!ret && le32_to_cpu(r.subchannel.op_or_status) != LIS_NVSP_STATUS_SUCCESS)
		ret = -EIO;
	if (!ret && got > want) {
		lis_err_host("hv_netvsc: asked for %u sub-channels, the host says %u\n", want, got);
		got = want;
	}
	lis_mutex_lock(&n->subs->lock);
	lis_mutex_lock(&n->chan_lock);
	n->subs_allocated = ret ? 0 : got;
	n->subs_known = true;
	lis_mutex_unlock(&n->chan_lock);
	/* sub-channels the host offered before (for an earlier instance) are
	 * not offered again: open them now; new ones open as they come */
	for (i = 1; !ret && i <= got; i++)
		if (n->subs->ch[i])
			net_sub_attach(n, n->subs->ch[i], i);
	lis_mutex_lock(&n->chan_lock);
	net_maybe_set_rss(n);
	lis_mutex_unlock(&n->chan_lock);
	lis_mutex_unlock(&n->subs->lock);
	if (ret)
		lis_warn("hv_netvsc: no sub-channels (%d); one queue\n", ret);
}

int net_setup(struct lis_net *n)
{
	int ret;

	ret = negotiate(n);
	if (!ret)
		ret = announce_ndis(n);
	if (!ret)
		ret = share_recv_buf(n);
	if (!ret)
		ret = share_send_buf(n);
	if (!ret)
		ret = net_rndis_init(n);
	if (ret)
		return ret;
	n->rndis_up = true;
	ret = query_device(n);
	if (ret)
		return ret;
	setup_offloads(n);
	request_subchannels(n);
	return 0;
}

/* ---- teardown ---- */

static void revoke(struct lis_net *n, u32 type, u16 id)
{
	union lis_nvsp_msg m;

	memset(&m, 0, sizeof(m));
	m.revoke_buf.type = cpu_to_le32(type);
	m.revoke_buf.id = cpu_to_le16(id);
	if (net_nvsp_post(n, &m))
		lis_warn("hv_netvsc: could not revoke buffer %#x\n", id);
}

static void teardown_gpadls(struct lis_net *n)
{
	if (n->recv_gpadl_ok && lis_gpadl_destroy(n->primary, n->recv_gpadl))
		n->keep_buffers = true;
	if (n->send_gpadl_ok && lis_gpadl_destroy(n->primary, n->send_gpadl))
		n->keep_buffers = true;
	n->recv_gpadl_ok = false;
	n->send_gpadl_ok = false;
	if (n->keep_buffers)
		lis_err("hv_netvsc: the host did not release a buffer; it is kept\n");
}

static void close_channels(struct lis_net *n)
{
	struct net_chan *c;
	u32 i;

	/* sub-channels first, the primary last */
	for (i = LIS_NET_MAX_QUEUES; i-- > 0;) {
		c = n->chans[i];
		if (!c)
			continue;
		if (c->open)
			lis_channel_close(c->ch);
		c->open = false;
		LIS_WRITE_ONCE(c->dead, true);
	}
}

void net_teardown(struct lis_net *n)
{
	bool alive;
	u32 i;

	/* no sub-channel opens for us any more */
	lis_mutex_lock(&n->subs->lock);
	if (n->subs->owner == n)
		n->subs->owner = NULL;
	lis_mutex_unlock(&n->subs->lock);
	lis_mutex_lock(&n->chan_lock);
	n->dying = true;
	lis_mutex_unlock(&n->chan_lock);

	alive = !LIS_READ_ONCE(n->dead) && !lis_channel_rescinded(n->primary) &&
		n->chans[0] && n->chans[0]->open;
	if (alive && n->rndis_up) {
		if (n->filter) {
			__le32 zero = 0;

			net_rndis_set(n, LIS_OID_GEN_CURRENT_PACKET_FILTER, &zero, sizeof(zero));
			n->filter = 0;
		}
		net_rndis_halt(n);
	}
	n->rndis_up = false;
	if (alive && n->recv_announced)
		revoke(n, LIS_NVSP_MSG_REVOKE_RECV_BUF, LIS_NVSP_RECV_BUF_ID);
	if (alive && n->send_announced)
		revoke(n, LIS_NVSP_MSG_REVOKE_SEND_BUF, LIS_NVSP_SEND_BUF_ID);
	n->recv_announced = false;
	n->send_announced = false;

	/* the buffers' GPADLs before the channel below VMBus 4.0, after it
	 * from 4.0 on */
	if (n->vmbus_version < LIS_VMBUS_VERSION_WIN10) {
		teardown_gpadls(n);
		close_channels(n);
	} else {
		close_channels(n);
		teardown_gpadls(n);
	}
	for (i = 0; i < LIS_NET_MAX_QUEUES; i++)
		if (n->chans[i])
			net_tx_abort(n, n->chans[i]);
}
