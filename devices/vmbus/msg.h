/* SPDX-License-Identifier: MIT */
/*
 * VMBus channel messages: decoding what a guest posts (HvPostMessage on
 * the message connection) and encoding what the host sends back through
 * SIMP slot 2.
 *
 * Decoding is the only place that looks at raw guest bytes: it checks
 * the length against the Linux struct of the message type and copies
 * every field into a host-private tagged struct, so later stages never
 * touch guest memory and never see a truncated message.
 *
 * Decode errors, distinct so the server can count and log them:
 *   -EBADMSG     shorter than the message type requires, or a GPADL
 *                PFN array that is not a whole number of u64s
 *   -EMSGSIZE    longer than VMBUS_MSG_MAX (240)
 *   -ENOMSG      unknown or reserved message type
 *   -EPROTO      a host->guest type (OFFERCHANNEL, ...) sent by the guest
 *   -EOPNOTSUPP  TL_CONNECT_REQUEST (hv_sock), not implemented
 * Bytes beyond the struct size are ignored, except for GPADL messages
 * where they are PFNs.
 */
#ifndef HVMM_VMBUS_MSG_H
#define HVMM_VMBUS_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "vmbus/proto.h"

/* A decoded guest -> host message; only the member for `type` is valid. */
struct vmbus_gmsg {
	uint32_t type; /* enum vmbus_msg_type */
	union {
		/* REQUESTOFFERS, UNLOAD: no body */
		struct {
			uint32_t child_relid;
			uint32_t openid;
			uint32_t gpadl;
			uint32_t target_vp;
			uint32_t downstream_offset; /* pages */
			uint8_t userdata[VMBUS_OFFER_USER_DEF];
		} open;
		struct {
			uint32_t child_relid;
		} close, relid_released;
		struct {
			uint32_t child_relid;
			uint32_t gpadl;
			uint16_t range_buflen;
			uint16_t rangecount;
			/* First range; zero if rangecount == 0. */
			uint32_t byte_count;
			uint32_t byte_offset;
			/* PFNs carried by this message (<= 26). */
			uint32_t npfns;
			uint64_t pfn[VMBUS_GPADL_HEADER_MAX_PFNS];
		} gpadl_header;
		struct {
			uint32_t msgnumber;
			uint32_t gpadl;
			uint32_t npfns; /* <= 28 */
			uint64_t pfn[VMBUS_GPADL_BODY_MAX_PFNS];
		} gpadl_body;
		struct {
			uint32_t child_relid;
			uint32_t gpadl;
		} gpadl_teardown;
		struct {
			uint32_t version;
			uint32_t target_vcpu;
			uint64_t interrupt_page; /* < 5.0 */
			uint8_t msg_sint;        /* >= 5.0: same bytes as above */
			uint8_t msg_vtl;
			uint64_t monitor_page1;
			uint64_t monitor_page2;
		} initiate;
		struct {
			uint32_t child_relid;
			uint32_t target_vp;
		} modify;
	} u;
};

/* Decode `len` bytes posted by the guest. 0 or a negative error above. */
int vmbus_msg_decode(const void *buf, size_t len, struct vmbus_gmsg *out);

/* A host -> guest message to encode; only the member for `type` is used. */
struct vmbus_hmsg {
	uint32_t type; /* enum vmbus_msg_type */
	union {
		/* ALLOFFERS_DELIVERED, UNLOAD_RESPONSE: no body */
		struct {
			struct vmbus_guid if_type;
			struct vmbus_guid if_instance;
			uint16_t chn_flags;
			uint16_t mmio_megabytes;
			uint8_t user_def[VMBUS_OFFER_USER_DEF];
			uint16_t sub_channel_index;
			uint32_t child_relid;
			uint8_t monitorid;
			uint8_t monitor_allocated;      /* 0/1 */
			uint8_t is_dedicated_interrupt; /* 0/1 */
			uint32_t connection_id;
		} offer;
		struct {
			uint32_t child_relid;
		} rescind;
		struct {
			uint32_t child_relid;
			uint32_t openid;
			uint32_t status;
		} open_result;
		struct {
			uint32_t child_relid;
			uint32_t gpadl;
			uint32_t status;
		} gpadl_created;
		struct {
			uint32_t gpadl;
		} gpadl_torndown;
		struct {
			uint8_t version_supported;
			uint8_t connection_state;
			uint32_t msg_conn_id;
		} version_response;
		struct {
			uint32_t child_relid;
			uint32_t status;
		} modify_response;
	} u;
};

/*
 * Encode `m` into buf. Returns the exact Linux struct size (196 for an
 * offer, 8 for header-only messages, ...), -EINVAL for a type the host
 * does not send, or -ENOSPC if buflen < VMBUS_MSG_WIRE_SIZE(that size).
 * The buffer is zero-filled up to VMBUS_MSG_WIRE_SIZE, which is the
 * SynIC payload_size to post (section 3.1: rounded up to 8).
 */
int vmbus_msg_encode(const struct vmbus_hmsg *m, void *buf, size_t buflen);

#define VMBUS_MSG_WIRE_SIZE(len) (((len) + 7u) & ~(size_t)7u)

/*
 * GUID text form (8-4-4-4-12 hex, either case, nothing before or after)
 * to wire bytes. Returns 0 or -EINVAL.
 */
int vmbus_guid_parse(const char *s, struct vmbus_guid *g);

/* Lower-case text form; buf must hold VMBUS_GUID_STRLEN + 1 bytes. */
void vmbus_guid_format(const struct vmbus_guid *g, char *buf);

/* "OFFERCHANNEL", ... or "UNKNOWN"; for logs. Never NULL. */
const char *vmbus_msg_type_name(uint32_t type);

#endif
