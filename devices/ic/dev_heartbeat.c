// SPDX-License-Identifier: MIT
/* Heartbeat IC: a sequence number the guest increments, once a second. */
#include <errno.h>
#include <string.h>

#include "ic/ic_dev.h"
#include "util.h"

static void hb_send(struct ic_dev *ic)
{
	uint8_t buf[256];
	uint64_t seq;
	ssize_t len;

	pthread_mutex_lock(&ic->lock);
	if (ic->outstanding >= 0) {
		pthread_mutex_unlock(&ic->lock);
		return;
	}
	seq = ic->hb_seq;
	pthread_mutex_unlock(&ic->lock);
	len = ic_heartbeat_request(buf, sizeof(buf), &ic->nv, ic_dev_next_txid(ic), seq);
	ic_dev_send(ic, ICMSGTYPE_HEARTBEAT, buf, len);
}

static void hb_response(struct ic_dev *ic, const void *buf, uint32_t len)
{
	uint64_t next;
	int ret;

	pthread_mutex_lock(&ic->lock);
	ret = ic_heartbeat_parse(buf, len, ic->txid, ic->hb_seq, &next);
	ic->outstanding = -1;
	if (!ret) {
		ic->hb_seq = next;
		ic->hb_count++;
		ic->hb_last_ms = monotonic_ms();
	}
	pthread_mutex_unlock(&ic->lock);
	if (ret)
		pr_err_rl("ic-heartbeat: bad answer: %s", strerror(-ret));
}

const struct ic_service_ops ic_heartbeat_ops = {
	.svc = IC_SVC_HEARTBEAT,
	.name = "heartbeat",
	.class_guid = "57164f39-9115-4e78-ab55-382f3bd5422d",
	.ready = hb_send,
	.response = hb_response,
	.tick = hb_send,
};
