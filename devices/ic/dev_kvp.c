// SPDX-License-Identifier: MIT
/*
 * KVP (data exchange) IC: after negotiation the host walks the guest's
 * auto pool (the values hv_kvp_daemon fills in: host name, OS, addresses)
 * one index at a time until the guest answers "no more" (S_CONT). Any
 * other failure status (the daemon has gone, or timed out) ends the walk
 * too; both are normal outcomes, recorded as such. Linux's hv_kvp without
 * hv_kvp_daemon does not even negotiate: it leaves the ring unread until
 * the daemon registers, so the channel stays in negotiation, which is not
 * an error either.
 */
#include <errno.h>
#include <string.h>

#include "ic/ic_dev.h"
#include "util.h"

/* Bounds the walk whatever the guest answers: the auto pool has ~11 items. */
#define KVP_MAX_ITEMS 64

static void kvp_ask(struct ic_dev *ic, uint32_t index)
{
	static __thread uint8_t buf[IC_MAX_REQUEST];
	ssize_t len = ic_kvp_enumerate_request(buf, sizeof(buf), &ic->nv, ic_dev_next_txid(ic),
					       IC_KVP_POOL_AUTO, index);

	pthread_mutex_lock(&ic->lock);
	ic->kvp_index = index;
	pthread_mutex_unlock(&ic->lock);
	ic_dev_send(ic, ICMSGTYPE_KVPEXCHANGE, buf, len);
}

static void kvp_ready(struct ic_dev *ic)
{
	pthread_mutex_lock(&ic->lock);
	ic->kvp_items = 0;
	ic->kvp_first[0] = 0;
	pthread_mutex_unlock(&ic->lock);
	kvp_ask(ic, 0);
}

/* UTF-16LE (size in bytes, NUL-terminated or not) to printable ASCII. */
static size_t kvp_ascii(char *out, size_t cap, const uint8_t *u16, uint32_t size)
{
	size_t n = 0;
	uint32_t i;

	for (i = 0; i + 1 < size && n + 1 < cap; i += 2) {
		unsigned int c = u16[i] | (unsigned int)u16[i + 1] << 8;

		if (!c)
			break;
		out[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	out[n] = 0;
	return n;
}

static void kvp_response(struct ic_dev *ic, const void *buf, uint32_t len)
{
	struct ic_kvp_result r;
	uint32_t index;
	bool more = false;
	int ret;

	pthread_mutex_lock(&ic->lock);
	index = ic->kvp_index;
	pthread_mutex_unlock(&ic->lock);
	ret = ic_kvp_enumerate_parse(buf, len, ic->txid, IC_KVP_POOL_AUTO, index, &r);
	pthread_mutex_lock(&ic->lock);
	ic->outstanding = -1;
	if (!ret) {
		ic->kvp_answered = true;
		ic->kvp_outcome = (int)r.outcome;
		ic->kvp_status = r.status;
		if (r.outcome == IC_KVP_ITEM) {
			if (!ic->kvp_items++) {
				size_t k = kvp_ascii(ic->kvp_first, sizeof(ic->kvp_first), r.key,
						     r.key_size);

				if (k + 2 < sizeof(ic->kvp_first)) {
					ic->kvp_first[k] = '=';
					kvp_ascii(ic->kvp_first + k + 1, sizeof(ic->kvp_first) - k - 1,
						  r.value, r.value_size);
				}
			}
			more = ic->kvp_items < KVP_MAX_ITEMS;
		}
	}
	pthread_mutex_unlock(&ic->lock);
	if (ret) {
		pr_err_rl("ic-kvp: malformed answer: %s", strerror(-ret));
		return;
	}
	if (more) {
		kvp_ask(ic, index + 1);
		return;
	}
	if (r.outcome == IC_KVP_NO_MORE)
		pr_info("ic-kvp: guest pool walked, %u item(s)", index);
	else if (r.outcome == IC_KVP_FAILED)
		pr_info("ic-kvp: guest answered status 0x%x at item %u (daemon gone?); fine",
			r.status, index);
}

const struct ic_service_ops ic_kvp_ops = {
	.svc = IC_SVC_KVP,
	.name = "kvp",
	.class_guid = "a9a0f4e7-5a45-4d96-b827-8a841e8c03e6",
	.ready = kvp_ready,
	.response = kvp_response,
};
