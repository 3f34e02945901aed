// SPDX-License-Identifier: GPL-2.0
/*
 * Ethernet/IPv4/IPv6/TCP/UDP as a host's virtual switch sees them: parsing,
 * checksum verification and insertion, TCP segmentation (large send), 802.1Q
 * tags and the Toeplitz hash for RSS.  Layouts are those of the IEEE and
 * IETF standards; every offset is checked against the frame length.
 */
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "netvsp.h"

bool hs_frame_parse(const uint8_t *f, uint32_t len, struct hs_frame_info *fi)
{
	uint32_t off = 12, tl;

	memset(fi, 0, sizeof(*fi));
	if (len < ETH_HLEN)
		return false;
	fi->ethertype = be16(f + off);
	if (fi->ethertype == ETHERTYPE_VLAN) {
		if (len < ETH_HLEN + 4)
			return false;
		fi->vlan = true;
		fi->tci = be16(f + off + 2);
		off += 4;
		fi->ethertype = be16(f + off);
	}
	fi->l3 = off + 2;
	if (fi->ethertype == ETHERTYPE_IPV4 && len >= fi->l3 + 20 && (f[fi->l3] >> 4) == 4) {
		uint32_t ihl = (f[fi->l3] & 0x0f) * 4u;

		tl = be16(f + fi->l3 + 2);
		if (ihl < 20 || tl < ihl || fi->l3 + tl > len)
			return true;	/* Ethernet, but no usable IPv4 */
		fi->ipver = 4;
		fi->l3_end = fi->l3 + tl;
		fi->fragment = (be16(f + fi->l3 + 6) & 0x3FFF) != 0;
		fi->proto = f[fi->l3 + 9];
		fi->l4 = fi->l3 + ihl;
	} else if (fi->ethertype == ETHERTYPE_IPV6 && len >= fi->l3 + 40 &&
		   (f[fi->l3] >> 4) == 6) {
		tl = 40u + be16(f + fi->l3 + 4);
		if (fi->l3 + tl > len)
			return true;
		fi->ipver = 6;
		fi->l3_end = fi->l3 + tl;
		fi->proto = f[fi->l3 + 6];	/* no extension headers followed */
		fi->l4 = fi->l3 + 40;
	} else {
		return true;
	}
	if (fi->proto == IPPROTO_TCP_ && !fi->fragment && fi->l4 + 20 <= fi->l3_end) {
		fi->l4_hdr = (f[fi->l4 + 12] >> 4) * 4u;
		if (fi->l4_hdr < 20 || fi->l4 + fi->l4_hdr > fi->l3_end)
			fi->proto = 0;
	} else if (fi->proto == IPPROTO_UDP_ && !fi->fragment && fi->l4 + 8 <= fi->l3_end) {
		fi->l4_hdr = 8;
	} else {
		fi->proto = 0;
	}
	return true;
}

/* ---- checksums ------------------------------------------------------------------ */
static uint32_t sum16(const uint8_t *p, uint32_t n, uint32_t sum)
{
	uint32_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += be16(p + i);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return (uint16_t)sum;
}

/* the TCP/UDP checksum sum over pseudo-header and segment (checksum field
 * included as it is) */
static uint32_t l4_sum(const uint8_t *f, const struct hs_frame_info *fi)
{
	uint32_t seg = fi->l3_end - fi->l4, sum = 0;

	if (fi->ipver == 4) {
		sum = sum16(f + fi->l3 + 12, 8, 0);
	} else {
		sum = sum16(f + fi->l3 + 8, 32, 0);
		sum += seg >> 16;
	}
	sum += fi->proto;
	sum += seg & 0xFFFF;
	return sum16(f + fi->l4, seg, sum);
}

static uint32_t csum_field(const struct hs_frame_info *fi)
{
	return fi->l4 + (fi->proto == IPPROTO_TCP_ ? 16 : 6);
}

uint32_t hs_frame_verify(const uint8_t *f, uint32_t len, const struct hs_frame_info *fi,
			 uint32_t enabled)
{
	uint32_t r = 0;
	bool tcp = fi->proto == IPPROTO_TCP_, udp = fi->proto == IPPROTO_UDP_;
	unsigned int bit;

	(void)len;
	if (fi->ipver == 4 && (enabled & 1))
		r |= fold(sum16(f + fi->l3, (f[fi->l3] & 0x0f) * 4u, 0)) == 0xFFFF ?
			     CSUM_RX_IP_OK : CSUM_RX_IP_FAILED;
	if (!tcp && !udp)
		return r;
	bit = fi->ipver == 4 ? (tcp ? 1 : 2) : (tcp ? 3 : 4);
	if (!(enabled & (1u << bit)))
		return r;
	if (udp && fi->ipver == 4 && be16(f + fi->l4 + 6) == 0)
		return r | CSUM_RX_UDP_OK;	/* no checksum sent */
	if (fold(l4_sum(f, fi)) == 0xFFFF)
		return r | (tcp ? CSUM_RX_TCP_OK : CSUM_RX_UDP_OK);
	return r | (tcp ? CSUM_RX_TCP_FAILED : CSUM_RX_UDP_FAILED);
}

void hs_frame_fill(uint8_t *f, uint32_t len, const struct hs_frame_info *fi, bool ip, bool l4)
{
	uint16_t c;

	(void)len;
	if (ip && fi->ipver == 4) {
		put_be16(f + fi->l3 + 10, 0);
		put_be16(f + fi->l3 + 10, (uint16_t)~fold(sum16(f + fi->l3, (f[fi->l3] & 0x0f) * 4u, 0)));
	}
	if (l4 && (fi->proto == IPPROTO_TCP_ || fi->proto == IPPROTO_UDP_)) {
		put_be16(f + csum_field(fi), 0);
		c = (uint16_t)~fold(l4_sum(f, fi));
		if (!c && fi->proto == IPPROTO_UDP_)
			c = 0xFFFF;
		put_be16(f + csum_field(fi), c);
	}
}

/* ---- large send ------------------------------------------------------------------ */
int hs_frame_segment(const uint8_t *f, uint32_t len, uint32_t mss,
		     void (*emit)(void *ctx, uint8_t *seg, uint32_t n), void *ctx)
{
	struct hs_frame_info fi;
	uint32_t hdr, payload, off, seq, n;
	uint16_t id = 0;
	uint8_t *seg, flags;

	if (!hs_frame_parse(f, len, &fi) || fi.proto != IPPROTO_TCP_ || !mss)
		return -1;
	hdr = fi.l4 + fi.l4_hdr;
	payload = fi.l3_end - hdr;
	seq = be32(f + fi.l4 + 4);
	flags = f[fi.l4 + 13];
	if (fi.ipver == 4)
		id = be16(f + fi.l3 + 4);
	seg = malloc(hdr + mss);
	if (!seg)
		return -1;
	for (off = 0; off < payload || (!payload && !off); off += n) {
		struct hs_frame_info si;
		bool last;

		n = payload - off < mss ? payload - off : mss;
		last = off + n >= payload;
		memcpy(seg, f, hdr);
		memcpy(seg + hdr, f + hdr + off, n);
		if (fi.ipver == 4) {
			put_be16(seg + fi.l3 + 2, (uint16_t)(hdr - fi.l3 + n));
			put_be16(seg + fi.l3 + 4, id++);
		} else {
			put_be16(seg + fi.l3 + 4, (uint16_t)(hdr - fi.l3 - 40 + n));
		}
		put_be32(seg + fi.l4 + 4, seq + off);
		/* FIN and PSH only on the last segment, CWR only on the first */
		seg[fi.l4 + 13] = (uint8_t)(flags & ~((last ? 0 : 0x09) | (off ? 0x80 : 0)));
		hs_frame_parse(seg, hdr + n, &si);
		hs_frame_fill(seg, hdr + n, &si, true, true);
		emit(ctx, seg, hdr + n);
		if (!payload)
			break;
	}
	free(seg);
	return 0;
}

void hs_frame_tag(const uint8_t *f, uint32_t len, uint16_t tci, uint8_t *out)
{
	memcpy(out, f, 12);
	put_be16(out + 12, ETHERTYPE_VLAN);
	put_be16(out + 14, tci);
	memcpy(out + 16, f + 12, len - 12);
}

/* ---- RSS --------------------------------------------------------------------------- */
static uint32_t toeplitz(const uint8_t *key, uint32_t key_len, const uint8_t *in, uint32_t n)
{
	uint32_t hash = 0, window, i, b;

	if (key_len < 4)
		return 0;
	window = be32(key);
	for (i = 0; i < n; i++) {
		for (b = 0; b < 8; b++) {
			if (in[i] & (0x80 >> b))
				hash ^= window;
			window <<= 1;
			/* the next key bit slides in on the right */
			if (i + 4 < key_len && (key[i + 4] & (0x80 >> b)))
				window |= 1;
		}
	}
	return hash;
}

#define RSS_IPV4	0x100u
#define RSS_TCP_IPV4	0x200u
#define RSS_IPV6	0x400u
#define RSS_TCP_IPV6	0x1000u
#define RSS_UDP_IPV4	0x4000u
#define RSS_UDP_IPV6	0x8000u

bool hs_frame_rss(const uint8_t *f, const struct hs_frame_info *fi, uint32_t hash_info,
		  const uint8_t *key, uint32_t key_len, uint32_t *hash)
{
	/* per family: the address-only, TCP and UDP bits and the addresses */
	bool v4 = fi->ipver == 4;
	uint32_t ip = v4 ? RSS_IPV4 : RSS_IPV6, tcp = v4 ? RSS_TCP_IPV4 : RSS_TCP_IPV6;
	uint32_t udp = v4 ? RSS_UDP_IPV4 : RSS_UDP_IPV6, alen = v4 ? 4 : 16, n = 2 * alen;
	uint8_t in[36];
	bool ports;

	if (fi->ipver != 4 && fi->ipver != 6)
		return false;
	ports = (fi->proto == IPPROTO_TCP_ && (hash_info & tcp)) ||
		(fi->proto == IPPROTO_UDP_ && (hash_info & udp));
	if (!ports && !(hash_info & ip))
		return false;
	memcpy(in, f + fi->l3 + (v4 ? 12 : 8), n);	/* source, then destination */
	if (ports) {
		memcpy(in + n, f + fi->l4, 4);
		n += 4;
	}
	*hash = toeplitz(key, key_len, in, n);
	return true;
}
