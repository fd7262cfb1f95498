// SPDX-License-Identifier: MIT
/*
 * Per-channel ring statistics for diagnosing a hung boot (vmbus_int.h,
 * struct chan_stats): whether host data waits in the ring to the guest,
 * since when, whether the guest still reads it, and whether hvmm
 * signalled. A lost signal looks like: unread > 0 for seconds, no new
 * signal, no guest read (docs/regress.md, lost_vmbus_signal).
 */
#include <string.h>

#include "util.h"
#include "vmbus/vmbus_int.h"

/* Under ch->lock with the rings mapped (dev_open). */
static void chan_stats_sample_locked(struct vmbus_channel *ch, uint64_t now)
{
	struct chan_stats *s = &ch->stats;
	struct vmbus_ring *send = &ch->rings.send;
	uint32_t read = __atomic_load_n(&send->hdr->read_index, __ATOMIC_ACQUIRE);
	uint32_t used = ring_send_used(send);

	if (s->h2g_sampled && read != s->h2g_read_index)
		s->h2g_guest_read = now;
	s->h2g_read_index = read;
	s->h2g_sampled = true;
	if (!used)
		s->h2g_unread_since = 0;
	else if (!s->h2g_unread_since)
		s->h2g_unread_since = now;
}

void chan_stats_sample(struct vmbus_channel *ch)
{
	pthread_mutex_lock(&ch->lock);
	if (ch->dev_open && !ch->broken)
		chan_stats_sample_locked(ch, monotonic_ns());
	pthread_mutex_unlock(&ch->lock);
}

void chan_stats_signalled(struct vmbus_channel *ch)
{
	pthread_mutex_lock(&ch->lock);
	ch->stats.h2g_signals++;
	pthread_mutex_unlock(&ch->lock);
}

void chan_stats_host_read(struct vmbus_channel *ch)
{
	pthread_mutex_lock(&ch->lock);
	ch->stats.g2h_host_read = monotonic_ns();
	pthread_mutex_unlock(&ch->lock);
}

static const char *chan_presence_name(enum vmbus_presence p)
{
	switch (p) {
	case VMBUS_REMOVING: return "removing";
	case VMBUS_REMOVED: return "removed";
	default: return "closed";
	}
}

void vmbus_chan_status(struct vmbus_channel *ch, struct vmbus_chan_status *st)
{
	enum vmbus_presence p = vmbus_chan_presence(ch);

	memset(st, 0, sizeof(*st));
	st->name = ch->ops->name;
	st->relid = ch->relid;
	pthread_mutex_lock(&ch->lock);
	st->open = ch->dev_open;
	st->stopped = ch->dev_open && ch->broken;
	st->state = st->open ? "open" : chan_presence_name(p);
	if (st->open && !ch->broken) {
		chan_stats_sample_locked(ch, monotonic_ns());
		st->h2g.unread = ring_send_used(&ch->rings.send);
		st->h2g.guest_mask = __atomic_load_n(&ch->rings.send.hdr->interrupt_mask,
						     __ATOMIC_ACQUIRE) != 0;
		st->g2h.unread = ring_recv_used(&ch->rings.recv);
	}
	st->h2g.unread_since = ch->stats.h2g_unread_since;
	st->h2g.guest_read = ch->stats.h2g_guest_read;
	st->h2g.signals = ch->stats.h2g_signals;
	st->g2h.host_read = ch->stats.g2h_host_read;
	pthread_mutex_unlock(&ch->lock);
}
