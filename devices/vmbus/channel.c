// SPDX-License-Identifier: MIT
/*
 * VMBus channels: one thread per device, woken by the guest's
 * HvSignalEvent (an eventfd KVM signals without an exit) or by the
 * server. Ring access and signalling rules live here, so devices only
 * see whole packets.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "hyperv.h"
#include "synic.h"
#include "util.h"
#include "vmbus/vmbus_int.h"

#define CHAN_TICK_MS 1000

static void chan_wake(struct vmbus_channel *ch)
{
	uint64_t one = 1;

	if (write(ch->ctl_efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		pr_err_rl("vmbus: %s: wake: %s", ch->ops->name, strerror(errno));
}

void *vmbus_chan_priv(struct vmbus_channel *ch)
{
	return ch->priv;
}

const char *vmbus_chan_name(struct vmbus_channel *ch)
{
	return ch->ops->name;
}

bool vmbus_chan_is_open(struct vmbus_channel *ch)
{
	bool open;

	pthread_mutex_lock(&ch->lock);
	open = ch->dev_open;
	pthread_mutex_unlock(&ch->lock);
	return open;
}

void chan_signal_guest(struct vmbus_channel *ch)
{
	struct vmbus *bus = ch->bus;
	uint32_t vp;
	int ret;

	if (!__atomic_load_n(&ch->port_ready, __ATOMIC_ACQUIRE)) {
		/* The bug class hvmm guards against; only --debug-inject gets here. */
		pthread_mutex_lock(&bus->lock);
		bus->stats.lost_signals++;
		pthread_mutex_unlock(&bus->lock);
		pr_warn("vmbus: %s: signal to the guest lost: event port not set yet",
			ch->ops->name);
		return;
	}
	vp = __atomic_load_n(&ch->target_vp, __ATOMIC_ACQUIRE);
	ret = synic_set_event(bus->hv, vp, HV_VMBUS_SINT, ch->relid);
	if (!ret)
		chan_stats_signalled(ch);
	else
		pr_err_rl("vmbus: %s: signalling VP %u: %s", ch->ops->name, vp, strerror(-ret));
}

bool chan_unstick(struct vmbus_channel *ch)
{
	struct vmbus_ring *send = &ch->rings.send;
	bool need;

	/*
	 * The guest reads when it has been told there is data: if our ring to
	 * it is non-empty and it has not masked interrupts, tell it again.
	 */
	pthread_mutex_lock(&ch->lock);
	need = ch->dev_open && !ch->broken && ring_send_used(send) &&
	       !__atomic_load_n(&send->hdr->interrupt_mask, __ATOMIC_ACQUIRE);
	pthread_mutex_unlock(&ch->lock);
	if (need)
		chan_signal_guest(ch);
	return need;
}

/*
 * A guest that corrupts a ring loses the channel until it closes and
 * reopens it: no more reads, writes, ticks or unstick signals (each would
 * only re-read the garbage and log again).
 */
static void chan_break(struct vmbus_channel *ch, const char *which)
{
	pthread_mutex_lock(&ch->lock);
	ch->broken = true;
	pthread_mutex_unlock(&ch->lock);
	pr_err_rl("vmbus: %s: guest corrupted the %s ring; channel stopped until reopened",
		  ch->ops->name, which);
}

int vmbus_chan_send(struct vmbus_channel *ch, uint64_t trans_id, const void *data, uint32_t len)
{
	struct vmbus_pkt pkt = {
		.type = VM_PKT_DATA_INBAND,
		.trans_id = trans_id,
		.data_len = len,
	};
	int ret;

	if (!ch->dev_open)
		return -EPIPE;
	if (ch->broken)
		return -EIO;
	/* Sampled before and after: an empty ring that fills is stamped now. */
	chan_stats_sample(ch);
	ret = ring_write(&ch->rings.send, &pkt, NULL, data);
	if (ret >= 0)
		chan_stats_sample(ch);
	if (ret == -EIO)
		chan_break(ch, "host->guest");
	if (ret == 1) {
		chan_signal_guest(ch);
		ret = 0;
	}
	return ret;
}

int vmbus_chan_recv(struct vmbus_channel *ch, struct vmbus_pkt *pkt, void *buf, uint32_t len)
{
	int ret;

	if (!ch->dev_open)
		return -EPIPE;
	if (ch->broken)
		return -EIO;
	if (!ch->recv_budget) {
		/* Bounded work per wakeup: the thread serves requests, then calls again. */
		ch->recv_more = true;
		return -EAGAIN;
	}
	ch->recv_budget--;
	ret = ring_read(&ch->rings.recv, pkt, buf, len);
	if (ret == -ENOBUFS) {
		pr_err_rl("vmbus: %s: dropped a %u-byte packet (buffer %u)", ch->ops->name,
			  pkt->hdr_len + pkt->data_len, len);
		if (ring_skip(&ch->rings.recv, pkt) == -EIO)
			ret = -EIO;
	}
	if (ret == -EIO) {
		chan_break(ch, "guest->host");
		return ret;
	}
	if (ret >= 0)
		chan_stats_host_read(ch);
	if (ret >= 0 && pkt->hdr_len) {
		/* Devices want the payload; a type header is not theirs. */
		memmove(buf, (uint8_t *)buf + pkt->hdr_len, pkt->data_len);
		ret = (int)pkt->data_len;
	}
	if (ring_read_done(&ch->rings.recv))
		chan_signal_guest(ch);
	return ret;
}

long vmbus_chan_unread(struct vmbus_channel *ch)
{
	long n = -1;

	pthread_mutex_lock(&ch->lock);
	if (ch->dev_open)
		n = (long)ring_send_used(&ch->rings.send);
	pthread_mutex_unlock(&ch->lock);
	return n;
}

bool vmbus_chan_stopped(struct vmbus_channel *ch)
{
	bool stopped;

	pthread_mutex_lock(&ch->lock);
	stopped = ch->dev_open && ch->broken;
	pthread_mutex_unlock(&ch->lock);
	return stopped;
}

void vmbus_device_kick(struct vmbus_channel *ch)
{
	pthread_mutex_lock(&ch->lock);
	ch->kicked = true;
	pthread_mutex_unlock(&ch->lock);
	chan_wake(ch);
}

void chan_init(struct vmbus_channel *ch)
{
	pthread_mutex_init(&ch->lock, NULL);
	pthread_cond_init(&ch->cond, NULL);
}

void chan_fini(struct vmbus_channel *ch)
{
	pthread_cond_destroy(&ch->cond);
	pthread_mutex_destroy(&ch->lock);
}

int chan_wait_applied(struct vmbus_channel *ch, uint64_t deadline_ms)
{
	int ret = 0;

	if (!ch->thread_started)
		return 0;
	pthread_mutex_lock(&ch->lock);
	/* The device thread broadcasts ch->cond as it clears each request. */
	while ((ch->want_open || ch->want_close) && !ret) {
		uint64_t now = monotonic_ms();
		struct timespec ts;

		if (now >= deadline_ms) {
			ret = -ETIMEDOUT;
			break;
		}
		ts = timespec_after_ms(CLOCK_REALTIME, deadline_ms - now);
		if (pthread_cond_timedwait(&ch->cond, &ch->lock, &ts) == ETIMEDOUT)
			ret = -ETIMEDOUT;
	}
	pthread_mutex_unlock(&ch->lock);
	return ret;
}

void chan_request_open(struct vmbus_channel *ch)
{
	pthread_mutex_lock(&ch->lock);
	ch->want_open = true;
	pthread_mutex_unlock(&ch->lock);
	chan_wake(ch);
}

void chan_close_sync(struct vmbus_channel *ch)
{
	pthread_mutex_lock(&ch->lock);
	ch->want_open = false;
	ch->want_close = true;
	pthread_mutex_unlock(&ch->lock);
	chan_wake(ch);
	pthread_mutex_lock(&ch->lock);
	/* The device must be done with the rings before they are unmapped. */
	while (ch->dev_open || ch->want_close)
		pthread_cond_wait(&ch->cond, &ch->lock);
	pthread_mutex_unlock(&ch->lock);
}

static void chan_drain_efd(int fd)
{
	uint64_t v;

	while (read(fd, &v, sizeof(v)) == sizeof(v))
		;
}

/* One wakeup's worth of guest packets for the device. */
static void chan_run_recv(struct vmbus_channel *ch)
{
	ch->recv_more = false;
	ch->recv_budget = CHAN_RECV_BUDGET;
	if (ch->dev_open && !ch->broken && ch->ops->recv)
		ch->ops->recv(ch);
}

/* Apply server requests; returns false when the thread must exit. */
static bool chan_apply_requests(struct vmbus_channel *ch)
{
	bool open, close, kick, stop;

	pthread_mutex_lock(&ch->lock);
	open = ch->want_open;
	close = ch->want_close;
	kick = ch->kicked;
	stop = ch->stop;
	ch->kicked = false;
	pthread_mutex_unlock(&ch->lock);
	if (close) {
		if (ch->dev_open && ch->ops->close)
			ch->ops->close(ch);
		pthread_mutex_lock(&ch->lock);
		ch->dev_open = false;
		ch->want_close = false;
		pthread_cond_broadcast(&ch->cond);
		pthread_mutex_unlock(&ch->lock);
	}
	if (open) {
		bool was_open = ch->dev_open;

		pthread_mutex_lock(&ch->lock);
		/* Withdrawn meanwhile by a close: the rings may be gone already. */
		open = ch->want_open && !was_open;
		if (open) {
			ch->dev_open = true;
			ch->broken = false;
			memset(&ch->stats, 0, sizeof(ch->stats));
		}
		pthread_mutex_unlock(&ch->lock);
		if (open && ch->ops->open)
			ch->ops->open(ch);
		/* Anything the guest wrote before we looked. */
		if (open)
			chan_run_recv(ch);
		/* Applied only now (chan_wait_applied): the device has run open. */
		pthread_mutex_lock(&ch->lock);
		ch->want_open = false;
		pthread_cond_broadcast(&ch->cond);
		pthread_mutex_unlock(&ch->lock);
	}
	if (kick && ch->ops->kick)
		ch->ops->kick(ch);
	return !stop;
}

static void *chan_thread(void *arg)
{
	struct vmbus_channel *ch = arg;
	uint64_t next_tick = monotonic_ms() + CHAN_TICK_MS;
	char name[16];

	snprintf(name, sizeof(name), "vmbus-%s", ch->ops->name);
	pthread_setname_np(pthread_self(), name);
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = ch->ctl_efd, .events = POLLIN },
			{ .fd = ch->guest_efd, .events = POLLIN },
		};
		uint64_t now = monotonic_ms();
		int timeout = now >= next_tick || ch->recv_more ? 0 : (int)(next_tick - now);

		if (poll(p, 2, timeout) < 0 && errno != EINTR)
			break;
		if (p[0].revents) {
			chan_drain_efd(ch->ctl_efd);
			if (!chan_apply_requests(ch))
				break;
		}
		if (p[1].revents)
			chan_drain_efd(ch->guest_efd);
		/* Requests were served above: a flooding guest cannot starve them. */
		if (p[1].revents || ch->recv_more)
			chan_run_recv(ch);
		if (monotonic_ms() >= next_tick) {
			next_tick = monotonic_ms() + CHAN_TICK_MS;
			if (ch->dev_open && !ch->broken && ch->ops->tick)
				ch->ops->tick(ch);
			if (ch->dev_open)
				chan_stats_sample(ch);
		}
	}
	return NULL;
}

int chan_start(struct vmbus_channel *ch)
{
	int ret;

	ch->guest_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ch->guest_efd < 0)
		return -errno;
	ch->ctl_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ch->ctl_efd < 0)
		return -errno;
	ret = pthread_create(&ch->thread, NULL, chan_thread, ch);
	if (ret)
		return -ret;
	ch->thread_started = true;
	return 0;
}

void chan_stop(struct vmbus_channel *ch)
{
	if (ch->thread_started) {
		pthread_mutex_lock(&ch->lock);
		ch->stop = true;
		pthread_mutex_unlock(&ch->lock);
		chan_wake(ch);
		pthread_join(ch->thread, NULL);
		ch->thread_started = false;
	}
	if (ch->ctl_efd >= 0)
		close(ch->ctl_efd);
	if (ch->guest_efd >= 0)
		close(ch->guest_efd);
	ch->ctl_efd = ch->guest_efd = -1;
}
