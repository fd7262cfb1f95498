/* SPDX-License-Identifier: MIT */
/*
 * VMBus wire formats, host side: the channel messages exchanged through
 * SynIC message slot 2 (HvPostMessage in, SIMP slot out), the ring
 * buffer header that shares a page with the guest, and the packet
 * descriptor found inside the rings.
 *
 * Layouts follow Linux include/linux/hyperv.h, which is what the guest
 * driver uses; every struct carries _Static_asserts on its size and on
 * the offsets the guest depends on, so a typo cannot silently shift a
 * field. All integers are little-endian (x86 only).
 *
 * The message structs are packed and only ever memcpy'd to/from
 * buffers. The ring header is NOT packed: it lives in guest memory and
 * is accessed with __atomic builtins, which need naturally aligned
 * members (it is naturally aligned anyway).
 */
#ifndef HVMM_VMBUS_PROTO_H
#define HVMM_VMBUS_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define VMBUS_PACKED __attribute__((packed))

#define HV_PAGE_SIZE 4096u
#define HV_PAGE_SHIFT 12

/* ---- connection ids and SINT (section 3.1) ------------------------- */

#define VMBUS_MESSAGE_CONNECTION_ID 1   /* protocol < 5.0 */
#define VMBUS_EVENT_CONNECTION_ID 2     /* WS2008 signal */
#define VMBUS_MONITOR_CONNECTION_ID 3
#define VMBUS_MESSAGE_CONNECTION_ID_4 4 /* InitiateContact for >= 5.0 */
#define VMBUS_MESSAGE_SINT 2

/* Largest SynIC message payload; every channel message must fit. */
#define VMBUS_MSG_MAX 240u

/* ---- protocol versions: major << 16 | minor ------------------------ */

#define VMBUS_VERSION(maj, min) (((uint32_t)(maj) << 16) | (uint32_t)(min))
#define VERSION_WS2008 VMBUS_VERSION(0, 13)
#define VERSION_WIN7 VMBUS_VERSION(1, 1)
#define VERSION_WIN8 VMBUS_VERSION(2, 4)
#define VERSION_WIN8_1 VMBUS_VERSION(3, 0)
#define VERSION_WIN10 VMBUS_VERSION(4, 0)
#define VERSION_WIN10_V4_1 VMBUS_VERSION(4, 1)
#define VERSION_WIN10_V5 VMBUS_VERSION(5, 0)
#define VERSION_WIN10_V5_1 VMBUS_VERSION(5, 1)
#define VERSION_WIN10_V5_2 VMBUS_VERSION(5, 2)
#define VERSION_WIN10_V5_3 VMBUS_VERSION(5, 3)

/* ---- GUIDs ---------------------------------------------------------- */

/*
 * A GUID as it appears on the wire (Linux guid_t): the first three
 * fields of the text form are little-endian, the last 8 bytes are in
 * text order. "0e0b6031-5213-4934-818b-38d90ced39db" is
 * 31 60 0b 0e  13 52  34 49  81 8b 38 d9 0c ed 39 db.
 */
struct vmbus_guid {
	uint8_t b[16];
};
_Static_assert(sizeof(struct vmbus_guid) == 16, "guid");

#define VMBUS_GUID_STRLEN 36 /* without the NUL */

/* Text form <-> wire bytes: vmbus_guid_parse()/vmbus_guid_format() in msg.h. */

/* ---- channel messages (section 3.3) --------------------------------- */

enum vmbus_msg_type {
	CHANNELMSG_INVALID = 0,
	CHANNELMSG_OFFERCHANNEL = 1,
	CHANNELMSG_RESCIND_CHANNELOFFER = 2,
	CHANNELMSG_REQUESTOFFERS = 3,
	CHANNELMSG_ALLOFFERS_DELIVERED = 4,
	CHANNELMSG_OPENCHANNEL = 5,
	CHANNELMSG_OPENCHANNEL_RESULT = 6,
	CHANNELMSG_CLOSECHANNEL = 7,
	CHANNELMSG_GPADL_HEADER = 8,
	CHANNELMSG_GPADL_BODY = 9,
	CHANNELMSG_GPADL_CREATED = 10,
	CHANNELMSG_GPADL_TEARDOWN = 11,
	CHANNELMSG_GPADL_TORNDOWN = 12,
	CHANNELMSG_RELID_RELEASED = 13,
	CHANNELMSG_INITIATE_CONTACT = 14,
	CHANNELMSG_VERSION_RESPONSE = 15,
	CHANNELMSG_UNLOAD = 16,
	CHANNELMSG_UNLOAD_RESPONSE = 17,
	/* 18-20 reserved */
	CHANNELMSG_TL_CONNECT_REQUEST = 21,
	CHANNELMSG_MODIFYCHANNEL = 22,
	CHANNELMSG_TL_CONNECT_RESULT = 23,
	CHANNELMSG_MODIFYCHANNEL_RESPONSE = 24,
	CHANNELMSG_COUNT
};

struct vmbus_channel_message_header {
	uint32_t msgtype;
	uint32_t padding;
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_channel_message_header) == 8, "hdr");

/* chn_flags of an offer. */
#define VMBUS_CHANNEL_ENUMERATE_DEVICE_INTERFACE 0x1
#define VMBUS_CHANNEL_SERVER_SUPPORTS_TRANSFER_PAGES 0x2
#define VMBUS_CHANNEL_SERVER_SUPPORTS_GPADLS 0x4
#define VMBUS_CHANNEL_NAMED_PIPE_MODE 0x10
#define VMBUS_CHANNEL_LOOPBACK_OFFER 0x100
#define VMBUS_CHANNEL_PARENT_OFFER 0x200
#define VMBUS_CHANNEL_REQUEST_MONITORED_NOTIFICATION 0x400
#define VMBUS_CHANNEL_TLNPI_PROVIDER_OFFER 0x2000

#define VMBUS_OFFER_USER_DEF 120

/*
 * OFFERCHANNEL, host -> guest. Linux's bitfields are spelled as plain
 * integers so the layout does not depend on compiler bitfield rules:
 * monitor_flags bit 0 = monitor_allocated, interrupt_flags bit 0 =
 * is_dedicated_interrupt.
 */
struct vmbus_msg_offer_channel {
	struct vmbus_channel_message_header header;
	struct vmbus_guid if_type;
	struct vmbus_guid if_instance;
	uint64_t reserved1;
	uint64_t reserved2;
	uint16_t chn_flags;
	uint16_t mmio_megabytes;
	uint8_t user_def[VMBUS_OFFER_USER_DEF];
	uint16_t sub_channel_index;
	uint16_t reserved3;
	uint32_t child_relid;
	uint8_t monitorid;
	uint8_t monitor_flags;
	uint16_t interrupt_flags;
	uint32_t connection_id;
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_offer_channel) == 196, "offer");
_Static_assert(offsetof(struct vmbus_msg_offer_channel, if_instance) == 24, "offer");
_Static_assert(offsetof(struct vmbus_msg_offer_channel, chn_flags) == 56, "offer");
_Static_assert(offsetof(struct vmbus_msg_offer_channel, user_def) == 60, "offer");
_Static_assert(offsetof(struct vmbus_msg_offer_channel, sub_channel_index) == 180, "offer");
_Static_assert(offsetof(struct vmbus_msg_offer_channel, child_relid) == 184, "offer");
_Static_assert(offsetof(struct vmbus_msg_offer_channel, monitorid) == 188, "offer");
_Static_assert(offsetof(struct vmbus_msg_offer_channel, interrupt_flags) == 190, "offer");
_Static_assert(offsetof(struct vmbus_msg_offer_channel, connection_id) == 192, "offer");

#define VMBUS_OFFER_MONITOR_ALLOCATED 0x1
#define VMBUS_OFFER_DEDICATED_INTERRUPT 0x1

/* RESCIND_CHANNELOFFER (H->G), CLOSECHANNEL and RELID_RELEASED (G->H). */
struct vmbus_msg_relid {
	struct vmbus_channel_message_header header;
	uint32_t child_relid;
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_relid) == 12, "relid msg");

/* REQUESTOFFERS, ALLOFFERS_DELIVERED, UNLOAD, UNLOAD_RESPONSE: header only. */

struct vmbus_msg_open_channel {
	struct vmbus_channel_message_header header;
	uint32_t child_relid;
	uint32_t openid;
	uint32_t ringbuffer_gpadlhandle;
	uint32_t target_vp;
	uint32_t downstream_ringbuffer_pageoffset;
	uint8_t userdata[VMBUS_OFFER_USER_DEF];
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_open_channel) == 148, "open");
_Static_assert(offsetof(struct vmbus_msg_open_channel, downstream_ringbuffer_pageoffset) == 24,
	       "open");

struct vmbus_msg_open_result {
	struct vmbus_channel_message_header header;
	uint32_t child_relid;
	uint32_t openid;
	uint32_t status;
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_open_result) == 20, "open result");

/* One GPA range; in GPADL_HEADER it is followed by its PFNs. */
struct vmbus_gpa_range {
	uint32_t byte_count;
	uint32_t byte_offset;
	/* uint64_t pfn_array[]; */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_gpa_range) == 8, "gpa range");

struct vmbus_msg_gpadl_header {
	struct vmbus_channel_message_header header;
	uint32_t child_relid;
	uint32_t gpadl;
	uint16_t range_buflen; /* bytes of range[] incl. PFNs, all messages */
	uint16_t rangecount;
	/* struct vmbus_gpa_range range[]; */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_gpadl_header) == 20, "gpadl header");

/* Header + the one range descriptor hvmm supports; PFNs follow. */
#define VMBUS_GPADL_HEADER_FIXED \
	(sizeof(struct vmbus_msg_gpadl_header) + sizeof(struct vmbus_gpa_range))
#define VMBUS_GPADL_HEADER_MAX_PFNS ((VMBUS_MSG_MAX - VMBUS_GPADL_HEADER_FIXED) / 8)
_Static_assert(VMBUS_GPADL_HEADER_MAX_PFNS == 26, "Linux packs 26 PFNs in a header");

struct vmbus_msg_gpadl_body {
	struct vmbus_channel_message_header header;
	uint32_t msgnumber;
	uint32_t gpadl;
	/* uint64_t pfn[]; */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_gpadl_body) == 16, "gpadl body");

#define VMBUS_GPADL_BODY_MAX_PFNS \
	((VMBUS_MSG_MAX - sizeof(struct vmbus_msg_gpadl_body)) / 8)
_Static_assert(VMBUS_GPADL_BODY_MAX_PFNS == 28, "Linux packs 28 PFNs in a body");

struct vmbus_msg_gpadl_created {
	struct vmbus_channel_message_header header;
	uint32_t child_relid;
	uint32_t gpadl;
	uint32_t creation_status;
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_gpadl_created) == 20, "gpadl created");

struct vmbus_msg_gpadl_teardown {
	struct vmbus_channel_message_header header;
	uint32_t child_relid;
	uint32_t gpadl;
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_gpadl_teardown) == 16, "gpadl teardown");

struct vmbus_msg_gpadl_torndown {
	struct vmbus_channel_message_header header;
	uint32_t gpadl;
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_gpadl_torndown) == 12, "gpadl torndown");

/*
 * INITIATE_CONTACT. Before 5.0 the union is the GPA of the interrupt
 * page; from 5.0 on it carries the SINT and VTL the host must use for
 * its messages.
 */
struct vmbus_msg_initiate_contact {
	struct vmbus_channel_message_header header;
	uint32_t vmbus_version_requested;
	uint32_t target_vcpu;
	union {
		uint64_t interrupt_page;
		struct {
			uint8_t msg_sint;
			uint8_t msg_vtl;
			uint8_t reserved[6];
		} VMBUS_PACKED;
	} VMBUS_PACKED;
	uint64_t monitor_page1;
	uint64_t monitor_page2;
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_initiate_contact) == 40, "initiate contact");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, interrupt_page) == 16, "ic");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, msg_sint) == 16, "ic");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, msg_vtl) == 17, "ic");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, monitor_page1) == 24, "ic");

/*
 * VERSION_RESPONSE. Linux drops host messages shorter than its struct,
 * so msg_conn_id is always sent even for versions < 5.0.
 */
struct vmbus_msg_version_response {
	struct vmbus_channel_message_header header;
	uint8_t version_supported;
	uint8_t connection_state;
	uint16_t padding;
	uint32_t msg_conn_id;
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_version_response) == 16, "version response");

/* MODIFYCHANNEL (G->H, >= 4.1). */
struct vmbus_msg_modify_channel {
	struct vmbus_channel_message_header header;
	uint32_t child_relid;
	uint32_t target_vp;
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_modify_channel) == 16, "modify");

/* MODIFYCHANNEL_RESPONSE (H->G, Linux waits for it from 5.3 on). */
struct vmbus_msg_modify_channel_response {
	struct vmbus_channel_message_header header;
	uint32_t child_relid;
	uint32_t status;
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_modify_channel_response) == 16, "modify response");

/* TL_CONNECT_REQUEST (hv_sock); recognised but not supported by hvmm. */
struct vmbus_msg_tl_connect_request {
	struct vmbus_channel_message_header header;
	struct vmbus_guid guest_endpoint_id;
	struct vmbus_guid host_service_id;
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_tl_connect_request) == 40, "tl connect");

/* ---- ring buffers (section 3.8) ------------------------------------- */

/*
 * The first page of each ring. write_index/read_index are byte offsets
 * into the data area, which starts at the next page. Not packed: see
 * the file comment.
 */
struct hv_ring_buffer_hdr {
	uint32_t write_index;     /* producer-owned */
	uint32_t read_index;      /* consumer-owned */
	uint32_t interrupt_mask;  /* consumer: 1 = do not signal me */
	uint32_t pending_send_sz; /* producer: bytes it waits for */
	uint32_t reserved1[12];
	uint32_t feature_bits;    /* bit 0: pending_send_sz supported */
	uint8_t reserved2[HV_PAGE_SIZE - 68];
};
_Static_assert(sizeof(struct hv_ring_buffer_hdr) == HV_PAGE_SIZE, "ring header");
_Static_assert(offsetof(struct hv_ring_buffer_hdr, read_index) == 4, "ring header");
_Static_assert(offsetof(struct hv_ring_buffer_hdr, interrupt_mask) == 8, "ring header");
_Static_assert(offsetof(struct hv_ring_buffer_hdr, pending_send_sz) == 12, "ring header");
_Static_assert(offsetof(struct hv_ring_buffer_hdr, feature_bits) == 64, "ring header");

#define HV_RING_FEAT_PENDING_SEND_SZ 0x1

struct vmpacket_descriptor {
	uint16_t type;
	uint16_t offset8; /* (descriptor + type-specific header) / 8 */
	uint16_t len8;    /* whole packet / 8, trailer excluded */
	uint16_t flags;
	uint64_t trans_id;
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmpacket_descriptor) == 16, "packet descriptor");

/* Every packet is followed by this u64: its start write index << 32. */
#define VMBUS_PKT_TRAILER 8u

enum vmbus_packet_type {
	VM_PKT_INVALID = 0x0,
	VM_PKT_SYNCH = 0x1,
	VM_PKT_ADD_XFER_PAGESET = 0x2,
	VM_PKT_RM_XFER_PAGESET = 0x3,
	VM_PKT_ESTABLISH_GPADL = 0x4,
	VM_PKT_TEARDOWN_GPADL = 0x5,
	VM_PKT_DATA_INBAND = 0x6,
	VM_PKT_DATA_USING_XFER_PAGES = 0x7,
	VM_PKT_DATA_USING_GPADL = 0x8,
	VM_PKT_DATA_USING_GPA_DIRECT = 0x9,
	VM_PKT_CANCEL_REQUEST = 0xa,
	VM_PKT_COMP = 0xb,
	VM_PKT_DATA_USING_ADDITIONAL_PKT = 0xc,
	VM_PKT_ADDITIONAL_DATA = 0xd,
};

#define VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED 1

/*
 * Guest->host control messages and the size of Linux's struct for each
 * (include/linux/hyperv.h, struct vmbus_channel_*), as X(type, size):
 * what the decoder's length checks and the hostile tests are built on.
 */
#define VMBUS_G2H_MSG_SIZES(X)                                             \
	X(CHANNELMSG_REQUESTOFFERS, 8) X(CHANNELMSG_OPENCHANNEL, 148)      \
	X(CHANNELMSG_CLOSECHANNEL, 12) X(CHANNELMSG_GPADL_HEADER, 20)      \
	X(CHANNELMSG_GPADL_BODY, 16) X(CHANNELMSG_GPADL_TEARDOWN, 16)      \
	X(CHANNELMSG_RELID_RELEASED, 12) X(CHANNELMSG_INITIATE_CONTACT, 40) \
	X(CHANNELMSG_UNLOAD, 8) X(CHANNELMSG_MODIFYCHANNEL, 16)

#endif
