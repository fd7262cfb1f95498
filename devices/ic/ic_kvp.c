// SPDX-License-Identifier: MIT
/*
 * KVP (data exchange) IC: ENUMERATE requests and their answers.
 *
 * Linux's hv_kvp.c forwards every exchange to the hv_kvp_daemon and
 * answers from the daemon's reply; if the daemon does not answer in
 * HV_UTIL_TIMEOUT (30 s) or goes away mid-transaction, the kernel
 * answers HV_E_FAIL (kvp_timeout_func, kvp_on_reset). An empty or
 * exhausted pool comes back as HV_S_CONT. Both are outcomes here.
 *
 * Without a daemon that ever registered, Linux does not read the KVP
 * ring at all (hv_kvp_onchannelcallback returns while state <
 * HVUTIL_READY), so not even NEGOTIATE is answered: the host only sees
 * silence, which the channel device must time out.
 *
 * The guest rewrites the request in place and echoes our length, so
 * the request carries the full hv_kvp_msg_enumerate (2580-byte body):
 * that is where a successful answer's key and value land.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "icmsg.h"
#include "icmsg_internal.h"

_Static_assert(sizeof(struct hv_kvp_hdr) == 4, "kvp hdr");
_Static_assert(sizeof(struct hv_kvp_exchg_msg_value) == 2572, "kvp value");
_Static_assert(sizeof(struct ic_kvp_enumerate_msg) == 2580, "kvp enumerate");
_Static_assert(offsetof(struct ic_kvp_enumerate_msg, body.data.key) == 20, "key");
_Static_assert(ICMSG_HDR_SIZE + sizeof(struct ic_kvp_enumerate_msg) <= IC_MAX_REQUEST,
	       "IC_MAX_REQUEST too small");

ssize_t ic_kvp_enumerate_request(void *buf, size_t cap,
				 const struct ic_negotiated *nv, uint8_t txid,
				 uint8_t pool, uint32_t index)
{
	struct ic_kvp_enumerate_msg m;

	if (pool >= IC_KVP_POOL_COUNT)
		return -EINVAL;
	memset(&m, 0, sizeof(m));
	m.hdr.operation = IC_KVP_OP_ENUMERATE;
	m.hdr.pool = pool;
	m.body.index = index;
	return ic_build_service_request(buf, cap, ICMSGTYPE_KVPEXCHANGE, nv,
					&m, sizeof(m), txid);
}

int ic_kvp_enumerate_parse(const void *buf, size_t len, uint8_t txid,
			   uint8_t pool, uint32_t index,
			   struct ic_kvp_result *r)
{
	struct ic_kvp_enumerate_msg m;
	struct ic_resp resp;
	int ret;

	if (!r)
		return -EINVAL;
	ret = ic_parse_response(buf, len, ICMSGTYPE_KVPEXCHANGE, txid, &resp);
	if (ret)
		return ret;

	memset(r, 0, sizeof(*r));
	r->status = resp.status;
	if (resp.status == IC_S_CONT) {
		r->outcome = IC_KVP_NO_MORE;
		return 0;
	}
	if (resp.status != IC_S_OK) {
		r->outcome = IC_KVP_FAILED;
		return 0;
	}

	/* Success: the body must hold a complete enumerate message. */
	if (resp.body_len < sizeof(m))
		return -EBADMSG;
	memcpy(&m, resp.body, sizeof(m));
	/* Linux leaves operation, pool and index as we sent them. */
	if (m.hdr.operation != IC_KVP_OP_ENUMERATE || m.hdr.pool != pool ||
	    m.body.index != index)
		return -EPROTO;
	if (m.body.data.key_size > IC_KVP_MAX_KEY_SIZE ||
	    m.body.data.value_size > IC_KVP_MAX_VALUE_SIZE)
		return -EBADMSG;

	r->outcome = IC_KVP_ITEM;
	r->value_type = m.body.data.value_type;
	r->key = resp.body + offsetof(struct ic_kvp_enumerate_msg, body.data.key);
	r->key_size = m.body.data.key_size;
	r->value = resp.body + offsetof(struct ic_kvp_enumerate_msg, body.data.value);
	r->value_size = m.body.data.value_size;
	return 0;
}
