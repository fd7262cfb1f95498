// SPDX-License-Identifier: MIT
/*
 * IC framing, version negotiation, shutdown and heartbeat. See icmsg.h
 * for the contracts; ic_timesync.c and ic_kvp.c hold the other two
 * services.
 *
 * Every access to a guest buffer goes through memcpy into a local
 * struct: the payload sits at an arbitrary offset in the ring copy, so
 * casting would be both unaligned and easy to get out of bounds.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "icmsg.h"
#include "icmsg_internal.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "IC wire structs are little-endian and copied verbatim");
_Static_assert(sizeof(struct vmbuspipe_hdr) == 8, "pipe hdr");
_Static_assert(sizeof(struct icmsg_hdr) == 20, "icmsg hdr");
_Static_assert(offsetof(struct icmsg_hdr, icmsgtype) == 4, "icmsgtype");
_Static_assert(offsetof(struct icmsg_hdr, icvermsg) == 6, "icvermsg");
_Static_assert(offsetof(struct icmsg_hdr, icmsgsize) == 10, "icmsgsize");
_Static_assert(offsetof(struct icmsg_hdr, status) == 12, "status");
_Static_assert(offsetof(struct icmsg_hdr, ictransaction_id) == 16, "txid");
_Static_assert(offsetof(struct icmsg_hdr, icflags) == 17, "icflags");
_Static_assert(ICMSG_HDR_SIZE == 28, "body offset");
_Static_assert(sizeof(struct icmsg_negotiate) == 8, "negotiate");
_Static_assert(sizeof(struct shutdown_msg_data) == 2060, "shutdown");
_Static_assert(sizeof(struct heartbeat_msg_data) == 40, "heartbeat");

#define V(maj, min) { .major = (maj), .minor = (min) }

/*
 * Exactly what Linux accepts (5.15 and 6.1 are identical here):
 * fw_versions[] = { UTIL_FW_VERSION 3.0, UTIL_WS2K8_FW_VERSION 1.0 } in
 * hv_util.c and hv_kvp.c; sd_versions[], ts_versions[], hb_versions[]
 * in hv_util.c; kvp_versions[] (WIN8 4.0, WIN7 3.0, WS2008 1.0) in
 * hv_kvp.c. Order does not matter to Linux, which walks its own
 * preference list; we keep newest first.
 */
static const struct ic_version fw_versions[] = { V(3, 0), V(1, 0) };
static const struct ic_version sd_versions[] = { V(3, 2), V(3, 1), V(3, 0), V(1, 0) };
static const struct ic_version ts_versions[] = { V(4, 0), V(3, 0), V(1, 0) };
static const struct ic_version hb_versions[] = { V(3, 0), V(1, 0) };
static const struct ic_version kvp_versions[] = { V(4, 0), V(3, 0), V(1, 0) };

#define OFFER(m) { fw_versions, sizeof(fw_versions) / sizeof(fw_versions[0]), \
		   m, sizeof(m) / sizeof(m[0]) }

static const struct ic_offer offers[IC_SVC_NR] = {
	[IC_SVC_SHUTDOWN] = OFFER(sd_versions),
	[IC_SVC_TIMESYNC] = OFFER(ts_versions),
	[IC_SVC_HEARTBEAT] = OFFER(hb_versions),
	[IC_SVC_KVP] = OFFER(kvp_versions),
};

const struct ic_offer *ic_offer_for(enum ic_service svc)
{
	if ((unsigned int)svc >= IC_SVC_NR)
		return NULL;
	return &offers[svc];
}

/* ---- Framing ----------------------------------------------------------- */

ssize_t ic_build_request(void *buf, size_t cap, uint16_t msgtype,
			 struct ic_version fw, struct ic_version msg,
			 size_t body_len, uint8_t txid)
{
	struct vmbuspipe_hdr pipe;
	struct icmsg_hdr h;
	size_t len;

	if (!buf || body_len > UINT16_MAX)
		return -EINVAL;
	/* Pad so the guest's echo (len8-granular) has our exact length. */
	len = (ICMSG_HDR_SIZE + body_len + 7) & ~(size_t)7;
	if (len > cap)
		return -ENOSPC;

	memset(buf, 0, len);
	pipe.flags = IC_PIPE_FLAG_DATA;
	pipe.msgsize = (uint32_t)(len - sizeof(pipe));
	memset(&h, 0, sizeof(h));
	h.icverframe = fw;
	h.icmsgtype = msgtype;
	h.icvermsg = msg;
	h.icmsgsize = (uint16_t)body_len;
	h.status = IC_S_OK;
	h.ictransaction_id = txid;
	h.icflags = ICMSGHDRFLAG_TRANSACTION | ICMSGHDRFLAG_REQUEST;
	memcpy(buf, &pipe, sizeof(pipe));
	memcpy((uint8_t *)buf + sizeof(pipe), &h, sizeof(h));
	return (ssize_t)len;
}

int ic_parse_response(const void *buf, size_t len, uint16_t msgtype,
		      uint8_t txid, struct ic_resp *r)
{
	const uint8_t want = ICMSGHDRFLAG_TRANSACTION | ICMSGHDRFLAG_RESPONSE;
	const uint8_t mask = want | ICMSGHDRFLAG_REQUEST;
	struct icmsg_hdr h;

	if (!buf || !r)
		return -EINVAL;
	if (len < ICMSG_HDR_SIZE)
		return -EBADMSG;
	memcpy(&h, (const uint8_t *)buf + sizeof(struct vmbuspipe_hdr), sizeof(h));
	if (h.icmsgsize > len - ICMSG_HDR_SIZE)
		return -EBADMSG;
	if ((h.icflags & mask) != want)
		return -EPROTO;
	if (h.icmsgtype != msgtype || h.ictransaction_id != txid)
		return -EPROTO;

	r->msgtype = h.icmsgtype;
	r->txid = h.ictransaction_id;
	r->flags = h.icflags;
	r->status = h.status;
	r->fw = h.icverframe;
	r->msg = h.icvermsg;
	r->body = (const uint8_t *)buf + ICMSG_HDR_SIZE;
	r->body_len = h.icmsgsize;
	return 0;
}

ssize_t ic_build_service_request(void *buf, size_t cap, uint16_t msgtype,
				 const struct ic_negotiated *nv,
				 const void *body, size_t body_len, uint8_t txid)
{
	ssize_t n;

	if (!nv || !body)
		return -EINVAL;
	n = ic_build_request(buf, cap, msgtype, nv->fw, nv->msg, body_len, txid);
	if (n < 0)
		return n;
	memcpy((uint8_t *)buf + ICMSG_HDR_SIZE, body, body_len);
	return n;
}

/* ---- Negotiation ------------------------------------------------------- */

static bool offered(const struct ic_version *list, size_t n, struct ic_version v)
{
	for (size_t i = 0; i < n; i++)
		if (list[i].major == v.major && list[i].minor == v.minor)
			return true;
	return false;
}

ssize_t ic_negotiate_request(void *buf, size_t cap, const struct ic_offer *o,
			     uint8_t txid)
{
	const struct ic_version fw = V(3, 0), none = V(0, 0);
	struct icmsg_negotiate neg;
	size_t body, off;
	ssize_t n;

	if (!o || !o->fw || !o->msg || !o->nfw || !o->nmsg ||
	    o->nfw > IC_MAX_VER_COUNT || o->nmsg > IC_MAX_VER_COUNT)
		return -EINVAL;
	/*
	 * Linux writes its answer into icversion_data[0] and [1] whatever
	 * our counts were; with at least one of each, both slots are
	 * inside the buffer it echoes back.
	 */
	body = sizeof(neg) + (o->nfw + o->nmsg) * sizeof(struct ic_version);
	n = ic_build_request(buf, cap, ICMSGTYPE_NEGOTIATE, fw, none, body, txid);
	if (n < 0)
		return n;

	memset(&neg, 0, sizeof(neg));
	neg.icframe_vercnt = (uint16_t)o->nfw;
	neg.icmsg_vercnt = (uint16_t)o->nmsg;
	off = ICMSG_HDR_SIZE;
	memcpy((uint8_t *)buf + off, &neg, sizeof(neg));
	off += sizeof(neg);
	memcpy((uint8_t *)buf + off, o->fw, o->nfw * sizeof(struct ic_version));
	off += o->nfw * sizeof(struct ic_version);
	memcpy((uint8_t *)buf + off, o->msg, o->nmsg * sizeof(struct ic_version));
	return n;
}

int ic_negotiate_parse(const void *buf, size_t len, uint8_t txid,
		       const struct ic_offer *o, struct ic_negotiated *out)
{
	struct icmsg_negotiate neg;
	struct ic_version v[2];
	struct ic_resp r;
	size_t need;
	int ret;

	if (!o || !out)
		return -EINVAL;
	ret = ic_parse_response(buf, len, ICMSGTYPE_NEGOTIATE, txid, &r);
	if (ret)
		return ret;
	if (r.body_len < sizeof(neg))
		return -EBADMSG;
	memcpy(&neg, r.body, sizeof(neg));

	/*
	 * Linux's refusal: counts 0/0 (icversion_data then holds junk).
	 * Other guests may flag it in status instead.
	 */
	if (r.status != IC_S_OK ||
	    (neg.icframe_vercnt == 0 && neg.icmsg_vercnt == 0))
		return -ENOTSUP;
	need = sizeof(neg) + ((size_t)neg.icframe_vercnt + neg.icmsg_vercnt) *
	       sizeof(struct ic_version);
	if (need > r.body_len)
		return -EBADMSG;
	/* A chosen version is exactly one of each. */
	if (neg.icframe_vercnt != 1 || neg.icmsg_vercnt != 1)
		return -EBADMSG;

	memcpy(v, r.body + sizeof(neg), sizeof(v));
	if (!offered(o->fw, o->nfw, v[0]) || !offered(o->msg, o->nmsg, v[1]))
		return -EPROTO;
	out->fw = v[0];
	out->msg = v[1];
	return 0;
}

/* ---- Shutdown ---------------------------------------------------------- */

ssize_t ic_shutdown_request(void *buf, size_t cap, const struct ic_negotiated *nv,
			    uint8_t txid, uint32_t flags, uint32_t reason_code,
			    uint32_t timeout_seconds, const char *message)
{
	struct shutdown_msg_data sd;
	uint32_t need;

	if (!nv)
		return -EINVAL;
	switch (flags & ~(uint32_t)IC_SHUTDOWN_FORCE) {
	case IC_SHUTDOWN_POWEROFF:
		need = 0;
		break;
	case IC_SHUTDOWN_REBOOT:
		need = 3 << 16 | 1;
		break;
	case IC_SHUTDOWN_HIBERNATE:
		need = 3 << 16 | 2;
		break;
	default:
		return -EINVAL;
	}
	if (ic_ver32(nv->msg) < need)
		return -EOPNOTSUPP;

	memset(&sd, 0, sizeof(sd));
	sd.reason_code = reason_code;
	sd.timeout_seconds = timeout_seconds;
	sd.flags = flags;
	if (message) {
		size_t n = strnlen(message, sizeof(sd.display_message) - 1);

		memcpy(sd.display_message, message, n);
	}
	/*
	 * The whole struct must be sent: Linux drops (without answering) a
	 * shutdown packet shorter than ICMSG_HDR + 2060.
	 */
	return ic_build_service_request(buf, cap, ICMSGTYPE_SHUTDOWN, nv,
					&sd, sizeof(sd), txid);
}

int ic_shutdown_parse(const void *buf, size_t len, uint8_t txid,
		      uint32_t *status)
{
	struct ic_resp r;
	int ret;

	if (!status)
		return -EINVAL;
	ret = ic_parse_response(buf, len, ICMSGTYPE_SHUTDOWN, txid, &r);
	if (ret)
		return ret;
	*status = r.status;
	return 0;
}

/* ---- Heartbeat --------------------------------------------------------- */

ssize_t ic_heartbeat_request(void *buf, size_t cap, const struct ic_negotiated *nv,
			     uint8_t txid, uint64_t seq)
{
	struct heartbeat_msg_data hb;

	memset(&hb, 0, sizeof(hb));
	hb.seq_num = seq;
	/* Full 40 bytes: older hardened kernels check for all of them, newer ones only for seq_num. */
	return ic_build_service_request(buf, cap, ICMSGTYPE_HEARTBEAT, nv,
					&hb, sizeof(hb), txid);
}

int ic_heartbeat_parse(const void *buf, size_t len, uint8_t txid,
		       uint64_t sent_seq, uint64_t *next)
{
	struct ic_resp r;
	uint64_t seq;
	int ret;

	if (!next)
		return -EINVAL;
	ret = ic_parse_response(buf, len, ICMSGTYPE_HEARTBEAT, txid, &r);
	if (ret)
		return ret;
	if (r.status != IC_S_OK)
		return -EREMOTEIO;
	if (r.body_len < sizeof(seq))
		return -EBADMSG;
	memcpy(&seq, r.body, sizeof(seq));
	/* Unsigned wrap matches the guest's seq_num += 1. */
	if (seq != sent_seq + 1)
		return -EPROTO;
	*next = seq;
	return 0;
}
