/* SPDX-License-Identifier: MIT */
/*
 * Hyper-V Integration Component (IC) messages, host side: the payloads
 * carried in VMBus DATA_INBAND packets (what follows the 16-byte
 * vmpacket_descriptor) on the shutdown, time sync, heartbeat and KVP
 * channels, as Linux's hv_utils driver (drivers/hv/hv_util.c, hv_kvp.c,
 * channel_mgmt.c vmbus_prep_negotiate_resp) understands them.
 *
 * Pure code: no KVM, no VMBus rings, no allocation, no global state.
 * Builders write a request into a caller buffer and return its length;
 * parsers validate every byte of a guest response and never read past
 * `len`. The guest is untrusted: any malformed response yields -errno,
 * never a crash.
 *
 * Protocol shape (Linux 5.15 and 6.1 behave the same here):
 *  - The host is always the requester. After the guest opens the
 *    channel the host sends NEGOTIATE; the guest answers in place.
 *    Then the host sends service requests (SHUTDOWN, HEARTBEAT,
 *    TIMESYNC, KVPEXCHANGE), one outstanding request per channel.
 *  - Linux answers by rewriting the request buffer in place and sending
 *    back exactly the number of bytes it received, with icflags =
 *    TRANSACTION|RESPONSE and the same ictransaction_id.
 *  - Request payloads built here are padded to a multiple of 8 bytes
 *    (VMBus packets are 8-byte granular and Linux echoes the padded
 *    length), so a Linux response has exactly the request's length.
 *
 * Error convention for parsers:
 *   -EBADMSG  malformed: too short, size fields inconsistent with len,
 *             counts beyond the payload
 *   -EPROTO   well-formed but not an answer to what was sent: wrong
 *             message type, flags, transaction id, version not offered,
 *             heartbeat sequence mismatch
 *   -ENOTSUP  negotiation refused by the guest (no common version)
 *   -EINVAL   bad arguments from the (host) caller
 * A guest that answers with a failure HRESULT (e.g. shutdown refused,
 * KVP without hv_kvp_daemon) is NOT an error: the parser returns 0 and
 * reports the status.
 *
 * Byte order: the wire is little-endian; hvmm only runs on x86.
 */
#ifndef HVMM_ICMSG_H
#define HVMM_ICMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* ---- Framing (include/linux/hyperv.h) ---------------------------------- */

/* Message-mode pipe header. Linux ignores it; Hyper-V puts DATA (1). */
struct vmbuspipe_hdr {
	uint32_t flags;
	uint32_t msgsize;   /* bytes after this header */
} __attribute__((packed));

#define IC_PIPE_FLAG_DATA 1

struct ic_version {
	uint16_t major;
	uint16_t minor;
} __attribute__((packed));

struct icmsg_hdr {
	struct ic_version icverframe;   /* framework version */
	uint16_t icmsgtype;
	struct ic_version icvermsg;     /* service (message) version */
	uint16_t icmsgsize;             /* body bytes after this header */
	uint32_t status;                /* HRESULT, guest -> host */
	uint8_t ictransaction_id;
	uint8_t icflags;
	uint8_t reserved[2];
} __attribute__((packed));

/* Offset of the message body inside the VMBus packet payload. */
#define ICMSG_HDR_SIZE (sizeof(struct vmbuspipe_hdr) + sizeof(struct icmsg_hdr))

#define ICMSGTYPE_NEGOTIATE	0
#define ICMSGTYPE_HEARTBEAT	1
#define ICMSGTYPE_KVPEXCHANGE	2
#define ICMSGTYPE_SHUTDOWN	3
#define ICMSGTYPE_TIMESYNC	4
#define ICMSGTYPE_VSS		5
#define ICMSGTYPE_FCOPY		7

#define ICMSGHDRFLAG_TRANSACTION 1
#define ICMSGHDRFLAG_REQUEST	 2
#define ICMSGHDRFLAG_RESPONSE	 4

/* HRESULTs Linux puts in icmsg_hdr.status (include/uapi/linux/hyperv.h). */
#define IC_S_OK				0x00000000u
#define IC_E_FAIL			0x80004005u
#define IC_S_CONT			0x80070103u /* KVP: no more items */
#define IC_ERROR_NOT_SUPPORTED		0x80070032u
#define IC_ERROR_MACHINE_LOCKED		0x800704F7u
#define IC_ERROR_DEVICE_NOT_CONNECTED	0x8007048Fu
#define IC_INVALIDARG			0x80070057u
#define IC_GUID_NOTFOUND		0x80041002u
#define IC_ERROR_ALREADY_EXISTS		0x80070050u
#define IC_ERROR_DISK_FULL		0x80070070u

/*
 * Largest request any builder here produces, rounded for a stack
 * buffer: the KVP exchange (2608 bytes). Linux receives shutdown,
 * heartbeat and time sync into one 4 KiB page and KVP into 16 KiB.
 */
#define IC_MAX_REQUEST 4096

/* Version as Linux compares it: major << 16 | minor. */
static inline uint32_t ic_ver32(struct ic_version v)
{
	return (uint32_t)v.major << 16 | v.minor;
}

/*
 * What a parser learns from a well-formed response header. `body`
 * points into the caller's buffer; body_len is icmsgsize, already
 * checked to fit inside the response.
 */
struct ic_resp {
	uint16_t msgtype;
	uint8_t txid;
	uint8_t flags;
	uint32_t status;
	struct ic_version fw, msg;
	const uint8_t *body;
	uint16_t body_len;
};

/*
 * Write pipe header + icmsg header of a host request (flags
 * TRANSACTION|REQUEST, status 0) followed by `body_len` zero bytes, and
 * zero-pad the payload to a multiple of 8. Returns the padded payload
 * length, or -ENOSPC if it does not fit in `cap`, -EINVAL if body_len
 * exceeds what icmsgsize can hold.
 */
ssize_t ic_build_request(void *buf, size_t cap, uint16_t msgtype,
			 struct ic_version fw, struct ic_version msg,
			 size_t body_len, uint8_t txid);

/*
 * Validate a guest response: len >= ICMSG_HDR_SIZE, ICMSG_HDR_SIZE +
 * icmsgsize <= len, icflags has TRANSACTION and RESPONSE but not
 * REQUEST, type and transaction id match. Returns 0 and fills *r, or
 * -EBADMSG / -EPROTO.
 */
int ic_parse_response(const void *buf, size_t len, uint16_t msgtype,
		      uint8_t txid, struct ic_resp *r);

/* ---- Version negotiation (ICMSGTYPE_NEGOTIATE) ------------------------- */

struct icmsg_negotiate {
	uint16_t icframe_vercnt;
	uint16_t icmsg_vercnt;
	uint32_t reserved;
	struct ic_version icversion_data[]; /* framework versions, then msg */
} __attribute__((packed));

/* Linux rejects a request with more versions than this per list. */
#define IC_MAX_VER_COUNT 100

enum ic_service { IC_SVC_SHUTDOWN, IC_SVC_TIMESYNC, IC_SVC_HEARTBEAT,
		  IC_SVC_KVP, IC_SVC_NR };

/* The framework and message versions the host offers for a service. */
struct ic_offer {
	const struct ic_version *fw;
	size_t nfw;
	const struct ic_version *msg;
	size_t nmsg;
};

struct ic_negotiated {
	struct ic_version fw, msg;
};

/*
 * The versions hvmm offers for `svc`: exactly the lists Linux's
 * hv_utils accepts (fw_versions[], sd_/ts_/hb_/kvp_versions[]), so any
 * 5.15/6.1 guest picks its favourite. NULL for an unknown service.
 */
const struct ic_offer *ic_offer_for(enum ic_service svc);

/*
 * Build a NEGOTIATE request offering `o`'s versions (framework version
 * of the header is 3.0, message version 0.0: the real ones are not
 * known yet). Returns the length or -errno (-EINVAL for empty lists or
 * more than IC_MAX_VER_COUNT each, -ENOSPC).
 */
ssize_t ic_negotiate_request(void *buf, size_t cap, const struct ic_offer *o,
			     uint8_t txid);

/*
 * Decode the guest's answer: counts exactly 1/1 and status S_OK, chosen
 * versions among those offered in `o`. Returns 0 and fills *out;
 * -ENOTSUP if the guest found no common version (Linux answers counts
 * 0/0) or answered a failure status; -EBADMSG / -EPROTO otherwise.
 */
int ic_negotiate_parse(const void *buf, size_t len, uint8_t txid,
		       const struct ic_offer *o, struct ic_negotiated *out);

/* ---- Shutdown (ICMSGTYPE_SHUTDOWN) ------------------------------------- */

struct shutdown_msg_data {
	uint32_t reason_code;
	uint32_t timeout_seconds;
	uint32_t flags;
	uint8_t display_message[2048];
} __attribute__((packed));

/*
 * shutdown_msg_data.flags as Linux's shutdown_onchannelcallback acts on
 * them: 0/1 orderly power off, 2/3 orderly reboot, 4/5 hibernate
 * (S_OK only if the guest can hibernate, else E_FAIL); anything else
 * E_FAIL. Bit 0 ("force") is accepted; Linux always forces.
 */
#define IC_SHUTDOWN_POWEROFF	0
#define IC_SHUTDOWN_FORCE	1
#define IC_SHUTDOWN_REBOOT	2
#define IC_SHUTDOWN_HIBERNATE	4

/*
 * Build a SHUTDOWN request for the negotiated versions. Reboot needs
 * message version >= 3.1 and hibernate >= 3.2 (the Hyper-V versions
 * that introduced them; Linux advertises them only from then on):
 * -EOPNOTSUPP otherwise. `message` (may be NULL) is copied into
 * display_message, truncated and NUL-terminated. Linux ignores
 * reason_code, timeout_seconds and the message.
 */
ssize_t ic_shutdown_request(void *buf, size_t cap, const struct ic_negotiated *nv,
			    uint8_t txid, uint32_t flags, uint32_t reason_code,
			    uint32_t timeout_seconds, const char *message);

/*
 * Parse the answer. Returns 0 and the guest's HRESULT in *status
 * (IC_S_OK: the guest will act, after having replied), or -errno.
 */
int ic_shutdown_parse(const void *buf, size_t len, uint8_t txid,
		      uint32_t *status);

/* ---- Heartbeat (ICMSGTYPE_HEARTBEAT) ----------------------------------- */

struct heartbeat_msg_data {
	uint64_t seq_num;
	uint32_t reserved[8];
} __attribute__((packed));

ssize_t ic_heartbeat_request(void *buf, size_t cap, const struct ic_negotiated *nv,
			     uint8_t txid, uint64_t seq);

/*
 * The guest increments seq_num. Returns 0 and *next = sent_seq + 1;
 * -EREMOTEIO if the guest answered a failure status; -EPROTO if the
 * sequence is not sent_seq + 1; -EBADMSG if the body is short.
 */
int ic_heartbeat_parse(const void *buf, size_t len, uint8_t txid,
		       uint64_t sent_seq, uint64_t *next);

/* ---- Time sync (ICMSGTYPE_TIMESYNC) ------------------------------------ */

/* Message versions <= 3.0 */
struct ictimesync_data {
	uint64_t parenttime;
	uint64_t childtime;
	uint64_t roundtriptime;
	uint8_t flags;
} __attribute__((packed));

/* Message versions > 3.0 (4.0) */
struct ictimesync_ref_data {
	uint64_t parenttime;
	uint64_t vmreferencetime;
	uint8_t flags;
	char leapflags;
	char stratum;
	uint8_t reserved[3];
} __attribute__((packed));

/*
 * Flags (Linux include/linux/hyperv.h): PROBE is the absence of both
 * bits. SYNC makes Linux step the clock (do_settimeofday64); SAMPLE
 * only updates the host-time estimate behind the "hyperv" PTP clock.
 */
#define ICTIMESYNCFLAG_PROBE	0
#define ICTIMESYNCFLAG_SYNC	1
#define ICTIMESYNCFLAG_SAMPLE	2

/* 1970-01-01 in 100 ns units since 1601-01-01 (Linux WLTIMEDELTA). */
#define IC_WLTIMEDELTA 116444736000000000ULL

/*
 * Unix time -> 100 ns units since 1601-01-01 UTC (sub-100 ns part
 * truncated). -EINVAL if tv_nsec is out of [0, 1e9), -ERANGE if the time
 * is before 1601 or beyond what 64 bits hold.
 */
int ic_timespec_to_filetime(const struct timespec *ts, uint64_t *ft);
/* And back; always succeeds on a 64-bit time_t. */
void ic_filetime_to_timespec(uint64_t ft, struct timespec *ts);

/*
 * Layout-independent view of a time sample. For message version > 3.0
 * the ref layout is used (parenttime, vmreferencetime, flags, leapflags,
 * stratum); otherwise the old one (parenttime, childtime, roundtriptime,
 * flags). Fields the chosen layout lacks are ignored when building and
 * zeroed when parsing.
 *
 * vmreferencetime is the guest partition reference counter (HV
 * TIME_REF_COUNT, 100 ns units) at the moment parenttime was sampled;
 * Linux adds (now_ref - vmreferencetime) to parenttime.
 */
struct ic_timesync {
	uint64_t parenttime;
	uint64_t childtime;
	uint64_t roundtriptime;
	uint64_t vmreferencetime;
	uint8_t flags;
	uint8_t leapflags;
	uint8_t stratum;
};

/* True if the negotiated message version uses ictimesync_ref_data. */
bool ic_timesync_uses_ref(const struct ic_negotiated *nv);

ssize_t ic_timesync_request(void *buf, size_t cap, const struct ic_negotiated *nv,
			    uint8_t txid, const struct ic_timesync *t);

/*
 * Linux echoes the sample unchanged. Returns 0, the echoed sample in
 * *t and the guest's HRESULT in *status; -EBADMSG if the body is
 * shorter than the negotiated layout.
 */
int ic_timesync_parse(const void *buf, size_t len, uint8_t txid,
		      const struct ic_negotiated *nv, struct ic_timesync *t,
		      uint32_t *status);

/* ---- KVP (ICMSGTYPE_KVPEXCHANGE), include/uapi/linux/hyperv.h ----------
 *
 * Linux answers KVP (negotiation included) only once hv_kvp_daemon has
 * registered; with no daemon the channel stays silent forever. With a
 * daemon that later dies or stalls, pending exchanges get HV_E_FAIL.
 */

#define IC_KVP_MAX_KEY_SIZE	512
#define IC_KVP_MAX_VALUE_SIZE	2048

enum { IC_KVP_OP_GET, IC_KVP_OP_SET, IC_KVP_OP_DELETE, IC_KVP_OP_ENUMERATE,
       IC_KVP_OP_GET_IP_INFO, IC_KVP_OP_SET_IP_INFO };
enum { IC_KVP_POOL_EXTERNAL, IC_KVP_POOL_GUEST, IC_KVP_POOL_AUTO,
       IC_KVP_POOL_AUTO_EXTERNAL, IC_KVP_POOL_AUTO_INTERNAL, IC_KVP_POOL_COUNT };

#define IC_KVP_REG_SZ	1
#define IC_KVP_REG_U32	4
#define IC_KVP_REG_U64	8

struct hv_kvp_hdr {
	uint8_t operation;
	uint8_t pool;
	uint16_t pad;
} __attribute__((packed));

struct hv_kvp_exchg_msg_value {
	uint32_t value_type;
	uint32_t key_size;      /* bytes, UTF-16LE incl. the terminator */
	uint32_t value_size;
	uint8_t key[IC_KVP_MAX_KEY_SIZE];
	uint8_t value[IC_KVP_MAX_VALUE_SIZE];
} __attribute__((packed));

struct hv_kvp_msg_enumerate {
	uint32_t index;
	struct hv_kvp_exchg_msg_value data;
} __attribute__((packed));

/* The wire body of an ENUMERATE exchange: header + enumerate body. */
struct ic_kvp_enumerate_msg {
	struct hv_kvp_hdr hdr;
	struct hv_kvp_msg_enumerate body;
} __attribute__((packed));

ssize_t ic_kvp_enumerate_request(void *buf, size_t cap,
				 const struct ic_negotiated *nv, uint8_t txid,
				 uint8_t pool, uint32_t index);

enum ic_kvp_outcome {
	IC_KVP_ITEM,      /* S_OK: key/value below are valid */
	IC_KVP_NO_MORE,   /* S_CONT: enumeration of this pool is over */
	IC_KVP_FAILED,    /* other HRESULT, e.g. E_FAIL: daemon gone or timed out */
};

struct ic_kvp_result {
	enum ic_kvp_outcome outcome;
	uint32_t status;
	uint32_t value_type;
	const uint8_t *key;     /* into the response buffer, UTF-16LE */
	uint32_t key_size;
	const uint8_t *value;
	uint32_t value_size;
};

/*
 * Parse an ENUMERATE answer. A failure status is an outcome, not an
 * error: returns 0 with r->outcome set. For IC_KVP_ITEM checks that the
 * echoed operation/pool/index match and key_size/value_size fit their
 * arrays and the response. -EBADMSG / -EPROTO otherwise.
 */
int ic_kvp_enumerate_parse(const void *buf, size_t len, uint8_t txid,
			   uint8_t pool, uint32_t index,
			   struct ic_kvp_result *r);

#endif
