// SPDX-License-Identifier: MIT
#include "vmbus/msg.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

int vmbus_guid_parse(const char *s, struct vmbus_guid *g)
{
	/*
	 * Wire byte that each successive text byte pair lands in: the first
	 * three fields are little-endian, the last two are byte strings.
	 */
	static const uint8_t pos[16] = { 3, 2, 1, 0, 5, 4, 7, 6,
					 8, 9, 10, 11, 12, 13, 14, 15 };
	struct vmbus_guid tmp;
	unsigned int i, n = 0;

	/* A NUL fails every check below, so no byte past it is read. */
	for (i = 0; i < VMBUS_GUID_STRLEN; i++) {
		int hi, lo;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return -EINVAL;
			continue;
		}
		hi = hex_digit(s[i]);
		if (hi < 0)
			return -EINVAL;
		lo = hex_digit(s[++i]);
		if (lo < 0)
			return -EINVAL;
		tmp.b[pos[n++]] = (uint8_t)(hi << 4 | lo);
	}
	if (s[VMBUS_GUID_STRLEN])
		return -EINVAL;
	*g = tmp;
	return 0;
}

void vmbus_guid_format(const struct vmbus_guid *g, char *buf)
{
	const uint8_t *b = g->b;

	snprintf(buf, VMBUS_GUID_STRLEN + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9],
		 b[10], b[11], b[12], b[13], b[14], b[15]);
}

/*
 * Per-type facts: the Linux struct size (the minimum length the guest
 * sends) and who sends it. Indexed by type; size 0 = unknown type.
 */
enum { DIR_NONE, DIR_G2H, DIR_H2G, DIR_UNSUPP };

static const struct {
	const char *name;
	uint8_t size;
	uint8_t dir;
} msg_info[CHANNELMSG_COUNT] = {
	[CHANNELMSG_OFFERCHANNEL] = { "OFFERCHANNEL", sizeof(struct vmbus_msg_offer_channel), DIR_H2G },
	[CHANNELMSG_RESCIND_CHANNELOFFER] = { "RESCIND_CHANNELOFFER", sizeof(struct vmbus_msg_relid),
					      DIR_H2G },
	[CHANNELMSG_REQUESTOFFERS] = { "REQUESTOFFERS", sizeof(struct vmbus_channel_message_header),
				       DIR_G2H },
	[CHANNELMSG_ALLOFFERS_DELIVERED] = { "ALLOFFERS_DELIVERED",
					     sizeof(struct vmbus_channel_message_header), DIR_H2G },
	[CHANNELMSG_OPENCHANNEL] = { "OPENCHANNEL", sizeof(struct vmbus_msg_open_channel), DIR_G2H },
	[CHANNELMSG_OPENCHANNEL_RESULT] = { "OPENCHANNEL_RESULT", sizeof(struct vmbus_msg_open_result),
					    DIR_H2G },
	[CHANNELMSG_CLOSECHANNEL] = { "CLOSECHANNEL", sizeof(struct vmbus_msg_relid), DIR_G2H },
	[CHANNELMSG_GPADL_HEADER] = { "GPADL_HEADER", sizeof(struct vmbus_msg_gpadl_header), DIR_G2H },
	[CHANNELMSG_GPADL_BODY] = { "GPADL_BODY", sizeof(struct vmbus_msg_gpadl_body), DIR_G2H },
	[CHANNELMSG_GPADL_CREATED] = { "GPADL_CREATED", sizeof(struct vmbus_msg_gpadl_created),
				       DIR_H2G },
	[CHANNELMSG_GPADL_TEARDOWN] = { "GPADL_TEARDOWN", sizeof(struct vmbus_msg_gpadl_teardown),
					DIR_G2H },
	[CHANNELMSG_GPADL_TORNDOWN] = { "GPADL_TORNDOWN", sizeof(struct vmbus_msg_gpadl_torndown),
					DIR_H2G },
	[CHANNELMSG_RELID_RELEASED] = { "RELID_RELEASED", sizeof(struct vmbus_msg_relid), DIR_G2H },
	[CHANNELMSG_INITIATE_CONTACT] = { "INITIATE_CONTACT", sizeof(struct vmbus_msg_initiate_contact),
					  DIR_G2H },
	[CHANNELMSG_VERSION_RESPONSE] = { "VERSION_RESPONSE", sizeof(struct vmbus_msg_version_response),
					  DIR_H2G },
	[CHANNELMSG_UNLOAD] = { "UNLOAD", sizeof(struct vmbus_channel_message_header), DIR_G2H },
	[CHANNELMSG_UNLOAD_RESPONSE] = { "UNLOAD_RESPONSE", sizeof(struct vmbus_channel_message_header),
					 DIR_H2G },
	[CHANNELMSG_TL_CONNECT_REQUEST] = { "TL_CONNECT_REQUEST",
					    sizeof(struct vmbus_msg_tl_connect_request), DIR_UNSUPP },
	[CHANNELMSG_MODIFYCHANNEL] = { "MODIFYCHANNEL", sizeof(struct vmbus_msg_modify_channel),
				       DIR_G2H },
	/* TL_CONNECT_RESULT's size is not needed: hvmm never sends it. */
	[CHANNELMSG_TL_CONNECT_RESULT] = { "TL_CONNECT_RESULT", 8, DIR_H2G },
	[CHANNELMSG_MODIFYCHANNEL_RESPONSE] = { "MODIFYCHANNEL_RESPONSE",
						sizeof(struct vmbus_msg_modify_channel_response),
						DIR_H2G },
};

const char *vmbus_msg_type_name(uint32_t type)
{
	if (type >= CHANNELMSG_COUNT || !msg_info[type].name)
		return "UNKNOWN";
	return msg_info[type].name;
}

/*
 * GPADL messages end in an array of u64 PFNs; a partial PFN means the
 * guest and host disagree about the format, so it is rejected rather
 * than truncated.
 */
static int decode_pfns(const uint8_t *p, size_t bytes, uint64_t *pfn, uint32_t *npfns)
{
	if (bytes % sizeof(uint64_t))
		return -EBADMSG;
	*npfns = (uint32_t)(bytes / sizeof(uint64_t));
	memcpy(pfn, p, bytes);
	return 0;
}

static int decode_gpadl_header(const uint8_t *p, size_t len, struct vmbus_gmsg *out)
{
	struct vmbus_msg_gpadl_header h;
	struct vmbus_gpa_range r;

	memcpy(&h, p, sizeof(h));
	out->u.gpadl_header.child_relid = h.child_relid;
	out->u.gpadl_header.gpadl = h.gpadl;
	out->u.gpadl_header.range_buflen = h.range_buflen;
	out->u.gpadl_header.rangecount = h.rangecount;
	/*
	 * With no range there is nothing more to read; the GPADL layer
	 * rejects rangecount != 1 with a proper GPADL_CREATED failure.
	 */
	if (h.rangecount == 0)
		return 0;
	if (len < VMBUS_GPADL_HEADER_FIXED)
		return -EBADMSG;
	memcpy(&r, p + sizeof(h), sizeof(r));
	out->u.gpadl_header.byte_count = r.byte_count;
	out->u.gpadl_header.byte_offset = r.byte_offset;
	/* len <= 240 bounds this to VMBUS_GPADL_HEADER_MAX_PFNS. */
	return decode_pfns(p + VMBUS_GPADL_HEADER_FIXED, len - VMBUS_GPADL_HEADER_FIXED,
			   out->u.gpadl_header.pfn, &out->u.gpadl_header.npfns);
}

int vmbus_msg_decode(const void *buf, size_t len, struct vmbus_gmsg *out)
{
	const uint8_t *p = buf;
	struct vmbus_channel_message_header hdr;
	uint32_t type;

	memset(out, 0, sizeof(*out));
	if (len > VMBUS_MSG_MAX)
		return -EMSGSIZE;
	if (len < sizeof(hdr))
		return -EBADMSG;
	memcpy(&hdr, p, sizeof(hdr));
	type = hdr.msgtype;
	if (type >= CHANNELMSG_COUNT || !msg_info[type].size)
		return -ENOMSG;
	if (msg_info[type].dir == DIR_H2G)
		return -EPROTO;
	if (len < msg_info[type].size)
		return -EBADMSG;
	if (msg_info[type].dir == DIR_UNSUPP)
		return -EOPNOTSUPP;
	out->type = type;

	switch (type) {
	case CHANNELMSG_REQUESTOFFERS:
	case CHANNELMSG_UNLOAD:
		return 0;
	case CHANNELMSG_OPENCHANNEL: {
		struct vmbus_msg_open_channel m;

		memcpy(&m, p, sizeof(m));
		out->u.open.child_relid = m.child_relid;
		out->u.open.openid = m.openid;
		out->u.open.gpadl = m.ringbuffer_gpadlhandle;
		out->u.open.target_vp = m.target_vp;
		out->u.open.downstream_offset = m.downstream_ringbuffer_pageoffset;
		memcpy(out->u.open.userdata, m.userdata, sizeof(m.userdata));
		return 0;
	}
	case CHANNELMSG_CLOSECHANNEL:
	case CHANNELMSG_RELID_RELEASED: {
		struct vmbus_msg_relid m;

		memcpy(&m, p, sizeof(m));
		/* close and relid_released alias the same storage layout. */
		if (type == CHANNELMSG_CLOSECHANNEL)
			out->u.close.child_relid = m.child_relid;
		else
			out->u.relid_released.child_relid = m.child_relid;
		return 0;
	}
	case CHANNELMSG_GPADL_HEADER:
		return decode_gpadl_header(p, len, out);
	case CHANNELMSG_GPADL_BODY: {
		struct vmbus_msg_gpadl_body m;

		memcpy(&m, p, sizeof(m));
		out->u.gpadl_body.msgnumber = m.msgnumber;
		out->u.gpadl_body.gpadl = m.gpadl;
		return decode_pfns(p + sizeof(m), len - sizeof(m), out->u.gpadl_body.pfn,
				   &out->u.gpadl_body.npfns);
	}
	case CHANNELMSG_GPADL_TEARDOWN: {
		struct vmbus_msg_gpadl_teardown m;

		memcpy(&m, p, sizeof(m));
		out->u.gpadl_teardown.child_relid = m.child_relid;
		out->u.gpadl_teardown.gpadl = m.gpadl;
		return 0;
	}
	case CHANNELMSG_INITIATE_CONTACT: {
		struct vmbus_msg_initiate_contact m;

		memcpy(&m, p, sizeof(m));
		out->u.initiate.version = m.vmbus_version_requested;
		out->u.initiate.target_vcpu = m.target_vcpu;
		out->u.initiate.interrupt_page = m.interrupt_page;
		out->u.initiate.msg_sint = m.msg_sint;
		out->u.initiate.msg_vtl = m.msg_vtl;
		out->u.initiate.monitor_page1 = m.monitor_page1;
		out->u.initiate.monitor_page2 = m.monitor_page2;
		return 0;
	}
	case CHANNELMSG_MODIFYCHANNEL: {
		struct vmbus_msg_modify_channel m;

		memcpy(&m, p, sizeof(m));
		out->u.modify.child_relid = m.child_relid;
		out->u.modify.target_vp = m.target_vp;
		return 0;
	}
	}
	/* Every G2H type is handled above; keep the compiler and fuzzers honest. */
	out->type = CHANNELMSG_INVALID;
	return -ENOMSG;
}

static void put_hdr(void *buf, uint32_t type)
{
	struct vmbus_channel_message_header h = { .msgtype = type };

	memcpy(buf, &h, sizeof(h));
}

int vmbus_msg_encode(const struct vmbus_hmsg *m, void *buf, size_t buflen)
{
	uint32_t type = m->type;
	size_t size;

	if (type >= CHANNELMSG_COUNT || msg_info[type].dir != DIR_H2G ||
	    type == CHANNELMSG_TL_CONNECT_RESULT)
		return -EINVAL;
	size = msg_info[type].size;
	if (buflen < VMBUS_MSG_WIRE_SIZE(size))
		return -ENOSPC;
	/* Zero first: reserved fields, padding and the round-up tail. */
	memset(buf, 0, VMBUS_MSG_WIRE_SIZE(size));

	switch (type) {
	case CHANNELMSG_OFFERCHANNEL: {
		struct vmbus_msg_offer_channel o = { 0 };

		o.if_type = m->u.offer.if_type;
		o.if_instance = m->u.offer.if_instance;
		o.chn_flags = m->u.offer.chn_flags;
		o.mmio_megabytes = m->u.offer.mmio_megabytes;
		memcpy(o.user_def, m->u.offer.user_def, sizeof(o.user_def));
		o.sub_channel_index = m->u.offer.sub_channel_index;
		o.child_relid = m->u.offer.child_relid;
		o.monitorid = m->u.offer.monitorid;
		o.monitor_flags = m->u.offer.monitor_allocated ? VMBUS_OFFER_MONITOR_ALLOCATED : 0;
		o.interrupt_flags =
			m->u.offer.is_dedicated_interrupt ? VMBUS_OFFER_DEDICATED_INTERRUPT : 0;
		o.connection_id = m->u.offer.connection_id;
		memcpy(buf, &o, sizeof(o));
		break;
	}
	case CHANNELMSG_RESCIND_CHANNELOFFER: {
		struct vmbus_msg_relid r = { .child_relid = m->u.rescind.child_relid };

		memcpy(buf, &r, sizeof(r));
		break;
	}
	case CHANNELMSG_OPENCHANNEL_RESULT: {
		struct vmbus_msg_open_result r = {
			.child_relid = m->u.open_result.child_relid,
			.openid = m->u.open_result.openid,
			.status = m->u.open_result.status,
		};

		memcpy(buf, &r, sizeof(r));
		break;
	}
	case CHANNELMSG_GPADL_CREATED: {
		struct vmbus_msg_gpadl_created r = {
			.child_relid = m->u.gpadl_created.child_relid,
			.gpadl = m->u.gpadl_created.gpadl,
			.creation_status = m->u.gpadl_created.status,
		};

		memcpy(buf, &r, sizeof(r));
		break;
	}
	case CHANNELMSG_GPADL_TORNDOWN: {
		struct vmbus_msg_gpadl_torndown r = { .gpadl = m->u.gpadl_torndown.gpadl };

		memcpy(buf, &r, sizeof(r));
		break;
	}
	case CHANNELMSG_VERSION_RESPONSE: {
		struct vmbus_msg_version_response r = {
			.version_supported = m->u.version_response.version_supported,
			.connection_state = m->u.version_response.connection_state,
			.msg_conn_id = m->u.version_response.msg_conn_id,
		};

		memcpy(buf, &r, sizeof(r));
		break;
	}
	case CHANNELMSG_MODIFYCHANNEL_RESPONSE: {
		struct vmbus_msg_modify_channel_response r = {
			.child_relid = m->u.modify_response.child_relid,
			.status = m->u.modify_response.status,
		};

		memcpy(buf, &r, sizeof(r));
		break;
	}
	default: /* ALLOFFERS_DELIVERED, UNLOAD_RESPONSE: header only */
		break;
	}
	/* Last, so the struct copies above cannot clobber it. */
	put_hdr(buf, type);
	return (int)size;
}
