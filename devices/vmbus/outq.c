// SPDX-License-Identifier: MIT
/*
 * The server's outgoing control messages: queued in order, posted into
 * the target VP's SIMP slot with the busy-slot protocol (synic.h), and
 * retried on the VP's EOM. Also the message path's statistics and the
 * drop-eom fault switch (vmbus.h).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "hyperv.h"
#include "synic.h"
#include "util.h"
#include "vmbus/vmbus_int.h"

#define VMBUS_MSG_TYPE 1 /* SynIC message type for VMBus control messages */

void vmbus_send(struct vmbus *bus, const struct vmbus_hmsg *m,
		       struct vmbus_channel *opened)
{
	struct vmbus_outmsg *o;
	int len;

	if (bus->outq_count == VMBUS_OUTQ_LEN) {
		pr_err_rl("vmbus: outgoing queue full, dropping %s", vmbus_msg_type_name(m->type));
		return;
	}
	o = &bus->outq[(bus->outq_head + bus->outq_count) % VMBUS_OUTQ_LEN];
	len = vmbus_msg_encode(m, o->buf, sizeof(o->buf));
	if (len < 0) {
		pr_err("vmbus: cannot encode %s: %s", vmbus_msg_type_name(m->type), strerror(-len));
		return;
	}
	o->len = (uint32_t)VMBUS_MSG_WIRE_SIZE((uint32_t)len);
	o->opened = opened;
	o->open_gen = opened ? opened->open_gen : 0;
	bus->outq_count++;
}

/*
 * An OPENCHANNEL_RESULT reached the guest. Only now may the device start
 * talking, and only if the open it answers is still the channel's current
 * one: the guest may have closed it, torn its ring GPADL down, unloaded,
 * reconnected, or the host removed the device while the result waited
 * for a free message slot.
 */
static void vmbus_open_delivered(struct vmbus *bus, struct vmbus_channel *ch, uint32_t gen)
{
	if (ch->open_gen != gen)
		return; /* a stale result: that open was undone */
	if (bus->late_event_port) {
		if (ch->state == CHAN_OPEN)
			__atomic_store_n(&ch->port_ready, true, __ATOMIC_RELEASE);
		return;
	}
	if (ch->state != CHAN_OPENING)
		return;
	ch->state = CHAN_OPEN;
	ch->unstick_at_ms = monotonic_ms() + VMBUS_UNSTICK_MS;
	chan_request_open(ch);
}

/*
 * The message path for status (vmbus_stats): how many messages wait and
 * since when the first of them has (the last delivery, or the moment the
 * queue filled), so a message that is never delivered shows.
 */
static void vmbus_outq_stats(struct vmbus *bus, bool delivered)
{
	pthread_mutex_lock(&bus->lock);
	bus->stats.msg_queued = bus->outq_count;
	bus->stats.target_vp = bus->target_vp;
	if (!bus->outq_count)
		bus->stats.msg_queued_since_ns = 0;
	else if (delivered || !bus->stats.msg_queued_since_ns)
		bus->stats.msg_queued_since_ns = monotonic_ns();
	pthread_mutex_unlock(&bus->lock);
}

/* Post queued messages in order; stop at the first that cannot go yet. */
void vmbus_flush(struct vmbus *bus)
{
	bool delivered = false;

	/* --debug-inject drop-eom: only an EOM (ignored) would retry a busy slot. */
	if (bus->drop_eom && bus->eom_wait)
		return vmbus_outq_stats(bus, false);
	while (bus->outq_count) {
		struct vmbus_outmsg *o = &bus->outq[bus->outq_head];
		int ret = synic_post_msg(bus->hv, bus->target_vp, HV_VMBUS_SINT, VMBUS_MSG_TYPE,
					 o->buf, o->len);

		if (ret == -EAGAIN || ret == -ENXIO) {
			/* Retried on the VP's EOM, or on the next tick. */
			bus->eom_wait = ret == -EAGAIN;
			break;
		}
		delivered = true;
		if (ret)
			pr_err_rl("vmbus: posting a message to VP %u failed: %s", bus->target_vp,
				  strerror(-ret));
		else {
			pthread_mutex_lock(&bus->lock);
			bus->stats.msgs_out++;
			pthread_mutex_unlock(&bus->lock);
		}
		if (!ret && o->opened)
			vmbus_open_delivered(bus, o->opened, o->open_gen);
		bus->outq_head = (bus->outq_head + 1) % VMBUS_OUTQ_LEN;
		bus->outq_count--;
	}
	vmbus_outq_stats(bus, delivered);
}

/* The target VP acknowledged SINT2 (EOM, or the EOI of its interrupt). */
void vmbus_on_eom(struct vmbus *bus, int fd)
{
	uint64_t v, n = 0;

	while (read(fd, &v, sizeof(v)) == sizeof(v))
		n += v;
	pthread_mutex_lock(&bus->lock);
	bus->stats.eoms += n;
	pthread_mutex_unlock(&bus->lock);
	/* --debug-inject drop-eom: seen and counted, but it retries nothing. */
	if (!bus->drop_eom)
		bus->eom_wait = false;
}

void vmbus_set_drop_eom(struct vmbus *bus, bool drop)
{
	bus->drop_eom = drop;
}
