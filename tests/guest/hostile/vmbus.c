// SPDX-License-Identifier: MIT
/*
 * A well-behaved VMBus client, as far as the hostile guest needs one:
 * connect (vmbus_negotiate_version(), drivers/hv/connection.c), ask for the
 * offers (vmbus_request_offers(), drivers/hv/channel_mgmt.c), create a
 * GPADL for a ring and open a channel (__vmbus_establish_gpadl() and
 * __vmbus_open(), drivers/hv/channel.c), plus the raw message builders
 * the attacks reuse. Message layouts: devices/vmbus/proto.h.
 */
#include "hostile.h"

/* Linux uses connection id 4 for INITIATE_CONTACT from 5.0 on and then
 * the msg_conn_id of the VERSION_RESPONSE (hvmm answers 1). */
#define CONN_INITIATE VMBUS_MESSAGE_CONNECTION_ID_4
#define CONN_MSG VMBUS_MESSAGE_CONNECTION_ID

struct chan_info shutdown_ic, heartbeat_ic;

/* Wire bytes of the IC class GUIDs (see proto.h on GUID byte order). */
static const uint8_t guid_shutdown[16] = { 0x31, 0x60, 0x0b, 0x0e, 0x13, 0x52, 0x34, 0x49,
					   0x81, 0x8b, 0x38, 0xd9, 0x0c, 0xed, 0x39, 0xdb };
static const uint8_t guid_heartbeat[16] = { 0x39, 0x4f, 0x16, 0x57, 0x15, 0x91, 0x78, 0x4e,
					    0xab, 0x55, 0x38, 0x2f, 0x3b, 0xd5, 0x42, 0x2d };

uint16_t post_initiate(struct vp *vp, uint32_t version, uint32_t vcpu, uint8_t sint)
{
	struct vmbus_msg_initiate_contact m = { .header.msgtype = CHANNELMSG_INITIATE_CONTACT };

	m.vmbus_version_requested = version;
	m.target_vcpu = vcpu;
	m.msg_sint = sint;
	return hv_post(vp, CONN_INITIATE, &m, sizeof(m));
}

uint16_t post_hdr(struct vp *vp, uint32_t type)
{
	struct vmbus_channel_message_header m = { .msgtype = type };

	return hv_post(vp, CONN_MSG, &m, sizeof(m));
}

uint16_t post_relid(struct vp *vp, uint32_t type, uint32_t relid)
{
	struct vmbus_msg_relid m = { .header.msgtype = type, .child_relid = relid };

	return hv_post(vp, CONN_MSG, &m, sizeof(m));
}

uint16_t post_gpadl_header(struct vp *vp, uint32_t relid, uint32_t handle, uint16_t range_buflen,
			   uint16_t rangecount, uint32_t byte_count, uint32_t byte_offset,
			   const uint64_t *pfn, uint32_t npfn)
{
	uint8_t buf[240];
	struct vmbus_msg_gpadl_header h = { .header.msgtype = CHANNELMSG_GPADL_HEADER };
	struct vmbus_gpa_range r = { .byte_count = byte_count, .byte_offset = byte_offset };
	uint32_t len = sizeof(h) + sizeof(r);

	h.child_relid = relid;
	h.gpadl = handle;
	h.range_buflen = range_buflen;
	h.rangecount = rangecount;
	if (npfn > VMBUS_GPADL_HEADER_MAX_PFNS)
		npfn = VMBUS_GPADL_HEADER_MAX_PFNS;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), &r, sizeof(r));
	memcpy(buf + len, pfn, npfn * 8);
	return hv_post(vp, CONN_MSG, buf, len + npfn * 8);
}

uint16_t post_gpadl_body(struct vp *vp, uint32_t handle, uint32_t msgno, const uint64_t *pfn,
			 uint32_t npfn)
{
	uint8_t buf[240];
	struct vmbus_msg_gpadl_body b = { .header.msgtype = CHANNELMSG_GPADL_BODY };

	b.msgnumber = msgno;
	b.gpadl = handle;
	if (npfn > VMBUS_GPADL_BODY_MAX_PFNS)
		npfn = VMBUS_GPADL_BODY_MAX_PFNS;
	memcpy(buf, &b, sizeof(b));
	memcpy(buf + sizeof(b), pfn, npfn * 8);
	return hv_post(vp, CONN_MSG, buf, sizeof(b) + npfn * 8);
}

uint16_t post_teardown(struct vp *vp, uint32_t relid, uint32_t handle)
{
	struct vmbus_msg_gpadl_teardown m = { .header.msgtype = CHANNELMSG_GPADL_TEARDOWN };

	m.child_relid = relid;
	m.gpadl = handle;
	return hv_post(vp, CONN_MSG, &m, sizeof(m));
}

uint16_t post_open(struct vp *vp, uint32_t relid, uint32_t handle, uint32_t vcpu, uint32_t down)
{
	struct vmbus_msg_open_channel m = { .header.msgtype = CHANNELMSG_OPENCHANNEL };

	m.child_relid = relid;
	m.openid = relid;
	m.ringbuffer_gpadlhandle = handle;
	m.target_vp = vcpu;
	m.downstream_ringbuffer_pageoffset = down;
	return hv_post(vp, CONN_MSG, &m, sizeof(m));
}

uint16_t post_modify(struct vp *vp, uint32_t relid, uint32_t vcpu)
{
	struct vmbus_msg_modify_channel m = { .header.msgtype = CHANNELMSG_MODIFYCHANNEL };

	m.child_relid = relid;
	m.target_vp = vcpu;
	return hv_post(vp, CONN_MSG, &m, sizeof(m));
}

/* Post, retrying while the host's input queue is full (as Linux does). */
static uint16_t post_retry(struct vp *vp, uint16_t (*fn)(struct vp *), uint64_t end)
{
	uint16_t s;

	while ((s = fn(vp)) == HV_STATUS_INSUFFICIENT_BUFFERS && hv_now_ms() < end)
		vmbus_wait(vp, 0xffffffff, NULL, 5); /* drain a little meanwhile */
	return s;
}

static uint16_t do_initiate(struct vp *vp)
{
	return post_initiate(vp, VERSION_WIN10_V5_3, 0, 2);
}

const char *vmbus_connect(struct vp *vp, uint32_t ms)
{
	struct vmbus_msg_version_response r;
	uint8_t buf[240];
	uint64_t end = hv_now_ms() + ms;

	/* Stale answers of an earlier connection must not be taken for ours. */
	vmbus_drain(vp, 30, ms / 4);
	if (post_retry(vp, do_initiate, end))
		return "post INITIATE_CONTACT";
	while (hv_now_ms() < end) {
		if (!vmbus_wait(vp, CHANNELMSG_VERSION_RESPONSE, buf, (uint32_t)(end - hv_now_ms())))
			break;
		memcpy(&r, buf, sizeof(r));
		if (r.version_supported)
			return NULL;
	}
	return "VERSION_RESPONSE (5.3 accepted)";
}

static uint16_t do_request_offers(struct vp *vp)
{
	return post_hdr(vp, CHANNELMSG_REQUESTOFFERS);
}

const char *vmbus_offers(struct vp *vp, uint32_t ms)
{
	uint64_t end = hv_now_ms() + ms;
	uint8_t buf[240];

	shutdown_ic.found = heartbeat_ic.found = false;
	if (post_retry(vp, do_request_offers, end))
		return "post REQUESTOFFERS";
	while (hv_now_ms() < end) {
		struct vmbus_msg_offer_channel o;
		int t = vmbus_wait(vp, 0, buf, (uint32_t)(end - hv_now_ms()));

		if (t == CHANNELMSG_ALLOFFERS_DELIVERED)
			return shutdown_ic.found ? NULL : "shutdown IC offer";
		if (t != CHANNELMSG_OFFERCHANNEL)
			continue;
		memcpy(&o, buf, sizeof(o));
		if (!memcmp(o.if_type.b, guid_shutdown, 16))
			shutdown_ic = (struct chan_info){ o.child_relid, o.connection_id, true };
		else if (!memcmp(o.if_type.b, guid_heartbeat, 16))
			heartbeat_ic = (struct chan_info){ o.child_relid, o.connection_id, true };
	}
	return "ALLOFFERS_DELIVERED";
}

const char *vmbus_gpadl(struct vp *vp, uint32_t relid, struct ring_set *rs, uint32_t ms)
{
	uint64_t pfn[VMBUS_GPADL_HEADER_MAX_PFNS], end = hv_now_ms() + ms;
	uint8_t buf[240];
	uint32_t i;

	for (i = 0; i < rs->npages && i < ARRAY_SIZE(pfn); i++)
		pfn[i] = ((uintptr_t)rs->pages >> 12) + i;
	if (post_gpadl_header(vp, relid, rs->gpadl, (uint16_t)(8 + 8 * i), 1, i * PAGE, 0, pfn, i))
		return "post GPADL_HEADER";
	while (hv_now_ms() < end) {
		struct vmbus_msg_gpadl_created c;

		if (!vmbus_wait(vp, CHANNELMSG_GPADL_CREATED, buf, (uint32_t)(end - hv_now_ms())))
			break;
		memcpy(&c, buf, sizeof(c));
		if (c.gpadl == rs->gpadl)
			return c.creation_status ? "GPADL_CREATED status 0" : NULL;
	}
	return "GPADL_CREATED";
}

const char *vmbus_open(struct vp *vp, uint32_t relid, struct ring_set *rs, uint32_t ms)
{
	uint64_t end = hv_now_ms() + ms;
	uint8_t buf[240];

	if (post_open(vp, relid, rs->gpadl, 0, rs->down))
		return "post OPENCHANNEL";
	while (hv_now_ms() < end) {
		struct vmbus_msg_open_result r;

		if (!vmbus_wait(vp, CHANNELMSG_OPENCHANNEL_RESULT, buf, (uint32_t)(end - hv_now_ms())))
			break;
		memcpy(&r, buf, sizeof(r));
		if (r.child_relid == relid)
			return r.status ? "OPENCHANNEL_RESULT status 0" : NULL;
	}
	return "OPENCHANNEL_RESULT";
}

/* The host -> guest ring: header at page `down`, data after it. */
const char *vmbus_expect_negotiate(struct ring_set *rs, uint32_t ms)
{
	struct hv_ring_buffer_hdr *h = (void *)(rs->pages + rs->down * PAGE);
	uint8_t *data = (uint8_t *)h + PAGE;
	uint32_t size = (rs->npages - rs->down - 1) * PAGE;
	uint64_t end = hv_now_ms() + ms;
	unsigned int spins = 0;

	while (RD_ONCE(h->write_index) == RD_ONCE(h->read_index)) {
		if (++spins % 512 == 0 && hv_now_ms() >= end)
			return "NEGOTIATE packet in the ring";
		cpu_relax();
	}
	{
		uint32_t r = RD_ONCE(h->read_index);
		struct vmpacket_descriptor d;
		uint16_t icmsgtype;

		if (r >= size || r + 16 + 8 + 6 > size)
			return "ring read index sane";
		memcpy(&d, data + r, sizeof(d));
		/* Payload: vmbuspipe_hdr (8) + icmsg_hdr, icmsgtype at +4 (devices/ic/icmsg.h). */
		memcpy(&icmsgtype, data + r + d.offset8 * 8 + 8 + 4, 2);
		if (d.type != VM_PKT_DATA_INBAND || icmsgtype != 0)
			return "first packet is an IC NEGOTIATE";
	}
	return NULL;
}

int ring_put(struct ring_set *rs, const void *data, uint32_t len, uint64_t trans)
{
	struct hv_ring_buffer_hdr *h = (void *)rs->pages;
	uint8_t *ring = rs->pages + PAGE;
	uint32_t size = (rs->down - 1) * PAGE;
	uint32_t w = RD_ONCE(h->write_index), r = RD_ONCE(h->read_index);
	uint32_t plen = (len + 7) & ~7u, total = 16 + plen + 8, used, i, off;
	struct vmpacket_descriptor d = {
		.type = VM_PKT_DATA_INBAND, .offset8 = 2, .len8 = (uint16_t)((16 + plen) / 8),
		.flags = 1, .trans_id = trans,
	};
	uint64_t trailer = (uint64_t)w << 32;
	uint8_t pkt[16 + 256 + 8];

	if (w >= size || r >= size || plen > 256)
		return -1;
	used = w >= r ? w - r : size - r + w;
	if (size - used <= total)
		return -1;
	memset(pkt, 0, sizeof(pkt));
	memcpy(pkt, &d, 16);
	memcpy(pkt + 16, data, len);
	memcpy(pkt + 16 + plen, &trailer, 8);
	for (i = 0, off = w; i < total; i++) {
		ring[off] = pkt[i];
		off = off + 1 == size ? 0 : off + 1;
	}
	WR_ONCE(h->write_index, off);
	return 0;
}
