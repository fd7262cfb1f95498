// SPDX-License-Identifier: MIT
/* The part every integration component shares: negotiation and framing. */
#include "ic/ic_dev.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "util.h"
#include "vmbus/vmbus.h"

/* Linux receives IC packets into one page (KVP: four); more is garbage. */
#define IC_RECV_MAX (4 * 4096)

uint8_t ic_dev_next_txid(struct ic_dev *ic)
{
	return ++ic->txid;
}

int ic_dev_send(struct ic_dev *ic, int msgtype, const void *buf, ssize_t len)
{
	int ret;

	if (len < 0)
		return (int)len;
	ret = vmbus_chan_send(ic->ch, ic->txid, buf, (uint32_t)len);
	if (ret) {
		pr_err_rl("ic-%s: sending message type %d: %s", ic->sops->name, msgtype,
			  strerror(-ret));
		return ret;
	}
	pthread_mutex_lock(&ic->lock);
	ic->outstanding = msgtype;
	ic->sent_ms = monotonic_ms();
	pthread_mutex_unlock(&ic->lock);
	return 0;
}

/*
 * Send NEGOTIATE if it is still owed. A guest may open with its ring
 * already full; ring_write then asked it (pending_send_sz) to signal once
 * there is room, and that signal (recv) or the next tick retries here.
 */
static void ic_negotiate_try(struct ic_dev *ic)
{
	uint8_t buf[512];
	ssize_t len;
	int ret;

	if (!ic->neg_unsent)
		return;
	len = ic_negotiate_request(buf, sizeof(buf), ic_offer_for(ic->sops->svc),
				   ic_dev_next_txid(ic));
	ret = ic_dev_send(ic, ICMSGTYPE_NEGOTIATE, buf, len);
	if (ret == -EAGAIN)
		return;
	pthread_mutex_lock(&ic->lock);
	ic->neg_unsent = false;
	if (ret)
		ic->state = IC_FAILED;
	pthread_mutex_unlock(&ic->lock);
}

static void ic_open(struct vmbus_channel *ch)
{
	struct ic_dev *ic = vmbus_chan_priv(ch);

	pthread_mutex_lock(&ic->lock);
	ic->state = IC_NEGOTIATING;
	ic->outstanding = -1;
	ic->opens++;
	ic->neg_unsent = true;
	pthread_mutex_unlock(&ic->lock);
	/* The host speaks first: this packet is the one a lost signal strands. */
	ic_negotiate_try(ic);
}

static void ic_close(struct vmbus_channel *ch)
{
	struct ic_dev *ic = vmbus_chan_priv(ch);

	pthread_mutex_lock(&ic->lock);
	ic->state = IC_CLOSED;
	ic->outstanding = -1;
	ic->neg_unsent = false;
	/* A shutdown sent but unanswered is sent again after a reopen. */
	if (ic->sd_sent && !ic->sd_answered) {
		ic->sd_pending = true;
		ic->sd_sent = false;
	}
	pthread_mutex_unlock(&ic->lock);
}

static void ic_negotiated(struct ic_dev *ic, const void *buf, uint32_t len)
{
	struct ic_negotiated nv;
	int ret = ic_negotiate_parse(buf, len, ic->txid, ic_offer_for(ic->sops->svc), &nv);

	pthread_mutex_lock(&ic->lock);
	ic->outstanding = -1;
	if (ret) {
		ic->state = IC_FAILED;
		pthread_mutex_unlock(&ic->lock);
		pr_err_rl("ic-%s: version negotiation failed: %s", ic->sops->name, strerror(-ret));
		return;
	}
	ic->nv = nv;
	ic->state = IC_READY;
	pthread_mutex_unlock(&ic->lock);
	pr_info("ic-%s: negotiated framework %u.%u, message %u.%u", ic->sops->name,
		nv.fw.major, nv.fw.minor, nv.msg.major, nv.msg.minor);
	events_ic_negotiated(ic->sops->name, (uint32_t)nv.fw.major << 16 | nv.fw.minor,
			     (uint32_t)nv.msg.major << 16 | nv.msg.minor);
	/* OpenVMM's readiness: the guest can now be asked to shut down. */
	if (ic->sops->svc == IC_SVC_SHUTDOWN)
		events_ready("shutdown_ic");
	if (ic->sops->ready)
		ic->sops->ready(ic);
}

static void ic_recv(struct vmbus_channel *ch)
{
	struct ic_dev *ic = vmbus_chan_priv(ch);
	static __thread uint8_t buf[IC_RECV_MAX];
	struct vmbus_pkt pkt;
	int n, outstanding;

	ic_negotiate_try(ic);
	for (;;) {
		n = vmbus_chan_recv(ch, &pkt, buf, sizeof(buf));
		if (n == -ENOBUFS)
			continue;
		if (n < 0)
			break;
		if (pkt.type != VM_PKT_DATA_INBAND)
			continue; /* completions etc.: ICs use none */
		pthread_mutex_lock(&ic->lock);
		outstanding = ic->outstanding;
		pthread_mutex_unlock(&ic->lock);
		if (outstanding == ICMSGTYPE_NEGOTIATE)
			ic_negotiated(ic, buf, (uint32_t)n);
		else if (outstanding >= 0 && ic->sops->response)
			ic->sops->response(ic, buf, (uint32_t)n);
		else
			pr_err_rl("ic-%s: unsolicited %d-byte packet dropped", ic->sops->name, n);
	}
}

static void ic_tick(struct vmbus_channel *ch)
{
	struct ic_dev *ic = vmbus_chan_priv(ch);

	ic_negotiate_try(ic);
	if (ic->state == IC_READY && ic->sops->tick)
		ic->sops->tick(ic);
}

static void ic_kick(struct vmbus_channel *ch)
{
	struct ic_dev *ic = vmbus_chan_priv(ch);

	if (ic->state == IC_READY && ic->sops->kick)
		ic->sops->kick(ic);
}

struct ic_dev *ic_dev_add(struct vmbus *bus, struct vm *vm, const struct ic_service_ops *ops)
{
	struct ic_dev *ic = calloc(1, sizeof(*ic));

	if (!ic)
		return NULL;
	pthread_mutex_init(&ic->lock, NULL);
	ic->sops = ops;
	ic->vm = vm;
	ic->outstanding = -1;
	ic->dops = (struct vmbus_device_ops){
		.name = ops->name, .class_guid = ops->class_guid, .open = ic_open,
		.recv = ic_recv, .close = ic_close, .tick = ic_tick, .kick = ic_kick,
	};
	ic->ch = vmbus_add_device(bus, &ic->dops, ic);
	if (!ic->ch) {
		ic_dev_free(ic);
		return NULL;
	}
	return ic;
}

void ic_dev_free(struct ic_dev *ic)
{
	if (!ic)
		return;
	pthread_mutex_destroy(&ic->lock);
	free(ic);
}

void ic_dev_status(struct ic_dev *ic, struct ic_status *st)
{
	pthread_mutex_lock(&ic->lock);
	*st = (struct ic_status){
		.state = ic->state, .nv = ic->nv, .opens = ic->opens,
		.hb_count = ic->hb_count, .hb_last_ms = ic->hb_last_ms,
		.ts_count = ic->ts_count, .sd_pending = ic->sd_pending,
		.sd_sent = ic->sd_sent, .sd_answered = ic->sd_answered,
		.sd_status = ic->sd_status, .kvp_answered = ic->kvp_answered,
		.kvp_outcome = ic->kvp_outcome, .kvp_status = ic->kvp_status,
		.kvp_items = ic->kvp_items,
	};
	memcpy(st->kvp_first, ic->kvp_first, sizeof(st->kvp_first));
	pthread_mutex_unlock(&ic->lock);
}

const char *ic_state_name(enum ic_state s)
{
	switch (s) {
	case IC_CLOSED: return "closed";
	case IC_NEGOTIATING: return "negotiating";
	case IC_READY: return "ready";
	default: return "failed";
	}
}
