// SPDX-License-Identifier: MIT
/*
 * KVP (data exchange) IC: after negotiation the host asks for the first
 * item of the guest pool. A failure status in the answer (the guest's
 * daemon has nothing, or went away mid-transaction) is a normal outcome
 * and recorded as such. Linux's hv_kvp without hv_kvp_daemon does not
 * even negotiate: it leaves the ring unread until the daemon registers,
 * so the channel stays in negotiation, which is not an error either.
 */
#include <errno.h>
#include <string.h>

#include "ic/ic_dev.h"
#include "util.h"

static void kvp_ready(struct ic_dev *ic)
{
	static __thread uint8_t buf[IC_MAX_REQUEST];
	ssize_t len = ic_kvp_enumerate_request(buf, sizeof(buf), &ic->nv, ic_dev_next_txid(ic),
					       IC_KVP_POOL_AUTO, 0);

	ic_dev_send(ic, ICMSGTYPE_KVPEXCHANGE, buf, len);
}

static void kvp_response(struct ic_dev *ic, const void *buf, uint32_t len)
{
	struct ic_kvp_result r;
	int ret = ic_kvp_enumerate_parse(buf, len, ic->txid, IC_KVP_POOL_AUTO, 0, &r);

	pthread_mutex_lock(&ic->lock);
	ic->outstanding = -1;
	if (!ret) {
		ic->kvp_answered = true;
		ic->kvp_outcome = (int)r.outcome;
		ic->kvp_status = r.status;
	}
	pthread_mutex_unlock(&ic->lock);
	if (ret)
		pr_err_rl("ic-kvp: malformed answer: %s", strerror(-ret));
	else if (r.outcome == IC_KVP_FAILED)
		pr_info("ic-kvp: guest answered status 0x%x (no KVP daemon); fine", r.status);
}

const struct ic_service_ops ic_kvp_ops = {
	.svc = IC_SVC_KVP,
	.name = "kvp",
	.class_guid = "a9a0f4e7-5a45-4d96-b827-8a841e8c03e6",
	.ready = kvp_ready,
	.response = kvp_response,
};
