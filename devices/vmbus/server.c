// SPDX-License-Identifier: MIT
/*
 * VMBus control protocol, host side. vCPU threads only decode posted
 * messages and queue them; this file's thread handles them in order and
 * posts the answers through the SynIC with the busy-slot protocol.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "events.h"
#include "hyperv.h"
#include "synic.h"
#include "util.h"
#include "vmbus/vmbus_int.h"

/* Newest first; Linux 5.15/6.1 try 5.3 down to 2.4. */
static const uint32_t supported_versions[] = {
	VERSION_WIN10_V5_3, VERSION_WIN10_V5_2, VERSION_WIN10_V5_1, VERSION_WIN10_V5,
	VERSION_WIN10_V4_1, VERSION_WIN10, VERSION_WIN8_1, VERSION_WIN8,
};

static void efd_signal(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		pr_err_rl("vmbus: eventfd write: %s", strerror(errno));
}

static void efd_drain(int fd)
{
	uint64_t v;

	while (read(fd, &v, sizeof(v)) == sizeof(v))
		;
}

/* ---- vCPU side: HvPostMessage on the VMBus message connections ---------- */

static uint16_t vmbus_on_post(void *opaque, uint32_t vp, uint32_t msg_type,
			      const void *msg, uint32_t len)
{
	struct vmbus *bus = opaque;
	struct vmbus_gmsg m;
	int ret = vmbus_msg_decode(msg, len, &m);

	(void)vp;
	(void)msg_type;
	if (ret) {
		pthread_mutex_lock(&bus->lock);
		bus->stats.msgs_bad++;
		pthread_mutex_unlock(&bus->lock);
		pr_err_rl("vmbus: dropped a malformed guest message (%s, %u bytes): %s",
			  len >= 4 ? vmbus_msg_type_name(*(const uint32_t *)msg) : "?", len,
			  strerror(-ret));
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	}
	pthread_mutex_lock(&bus->lock);
	if (bus->inq_count == VMBUS_INQ_LEN) {
		pthread_mutex_unlock(&bus->lock);
		/* Linux retries on this status. */
		return HV_STATUS_INSUFFICIENT_BUFFERS;
	}
	bus->inq[(bus->inq_head + bus->inq_count) % VMBUS_INQ_LEN] = m;
	bus->inq_count++;
	bus->stats.msgs_in++;
	pthread_mutex_unlock(&bus->lock);
	efd_signal(bus->msg_efd);
	return HV_STATUS_SUCCESS;
}

/* ---- control protocol ------------------------------------------------- */

static struct vmbus_channel *vmbus_chan_by_relid(struct vmbus *bus, uint32_t relid)
{
	if (relid == 0 || relid > bus->nr_channels)
		return NULL;
	return &bus->chan[relid - 1];
}

/* Undo an open in any state; afterwards nothing touches the rings. */
static void vmbus_close_channel(struct vmbus *bus, struct vmbus_channel *ch)
{
	struct gpadl *g;

	if (ch->state == CHAN_OFFERED)
		return;
	/* Also when OPENING: with --debug-inject late-event-port it was told. */
	chan_close_sync(ch);
	events_vmbus_chan("vmbus_close", ch->relid, ch->ops->name);
	hyperv_set_event_fd(bus->hv, ch->conn_id, -1);
	__atomic_store_n(&ch->port_ready, false, __ATOMIC_RELEASE);
	ring_close(&ch->rings);
	g = gpadl_find(&bus->gpadls, ch->gpadl);
	if (g && g->users)
		g->users--;
	ch->unstick_at_ms = 0;
	ch->state = CHAN_OFFERED;
}

/* INITIATE_CONTACT or UNLOAD: forget the connection's channels and GPADLs. */
static void vmbus_reset(struct vmbus *bus)
{
	unsigned int i;

	for (i = 0; i < bus->nr_channels; i++) {
		vmbus_close_channel(bus, &bus->chan[i]);
		/* A new connection knows nothing of rescinded relids. */
		pthread_mutex_lock(&bus->lock);
		if (bus->chan[i].removed)
			bus->chan[i].released = true;
		pthread_mutex_unlock(&bus->lock);
	}
	gpadl_table_reset(&bus->gpadls);
	/*
	 * Messages not yet delivered belong to the old connection and go.
	 * Open results among them are stale anyway: every channel was just
	 * closed, so their generation no longer matches.
	 */
	bus->outq_count = 0;
	bus->eom_wait = false;
	bus->version = 0;
}

static bool version_supported(uint32_t v)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(supported_versions); i++)
		if (supported_versions[i] == v)
			return true;
	return false;
}

static void vmbus_initiate(struct vmbus *bus, const struct vmbus_gmsg *m)
{
	struct vmbus_hmsg r = { .type = CHANNELMSG_VERSION_RESPONSE };
	uint32_t v = m->u.initiate.version;
	bool ok = version_supported(v) && m->u.initiate.target_vcpu < bus->ncpus;

	/* 5.x names its message SINT; hvmm routes VMBus on SINT2 only. */
	if (ok && v >= VERSION_WIN10_V5 && m->u.initiate.msg_sint != HV_VMBUS_SINT)
		ok = false;
	vmbus_reset(bus);
	if (m->u.initiate.target_vcpu < bus->ncpus)
		bus->target_vp = m->u.initiate.target_vcpu;
	r.u.version_response.version_supported = ok;
	r.u.version_response.msg_conn_id = VMBUS_MESSAGE_CONNECTION_ID;
	if (ok) {
		bus->version = v;
		pr_info_rl("vmbus: guest connected with protocol %u.%u", v >> 16, v & 0xffff);
		events_vmbus_contact(v, bus->target_vp, v >= VERSION_WIN10_V5 ?
				     m->u.initiate.msg_sint : HV_VMBUS_SINT);
	}
	pthread_mutex_lock(&bus->lock);
	bus->stats.version = bus->version;
	pthread_mutex_unlock(&bus->lock);
	vmbus_send(bus, &r, NULL);
}

static void vmbus_offer(struct vmbus *bus, struct vmbus_channel *ch)
{
	struct vmbus_hmsg r = { .type = CHANNELMSG_OFFERCHANNEL };

	r.u.offer.if_type = ch->class_id;
	r.u.offer.if_instance = ch->instance_id;
	r.u.offer.child_relid = ch->relid;
	r.u.offer.connection_id = ch->conn_id;
	/* No monitor page: the guest signals with HvSignalEvent, handled in KVM. */
	r.u.offer.monitor_allocated = 0;
	r.u.offer.is_dedicated_interrupt = 1;
	vmbus_send(bus, &r, NULL);
	events_vmbus_chan("vmbus_offer", ch->relid, ch->ops->name);
}

static void vmbus_request_offers(struct vmbus *bus)
{
	struct vmbus_hmsg r = { .type = CHANNELMSG_ALLOFFERS_DELIVERED };
	unsigned int i;

	for (i = 0; i < bus->nr_channels; i++)
		if (!bus->chan[i].removed)
			vmbus_offer(bus, &bus->chan[i]);
	vmbus_send(bus, &r, NULL);
}

static void vmbus_gpadl_created(struct vmbus *bus, uint32_t relid, uint32_t handle,
				uint32_t status)
{
	struct vmbus_hmsg r = { .type = CHANNELMSG_GPADL_CREATED };

	r.u.gpadl_created.child_relid = relid;
	r.u.gpadl_created.gpadl = handle;
	r.u.gpadl_created.status = status;
	vmbus_send(bus, &r, NULL);
}

static void vmbus_gpadl_msg(struct vmbus *bus, const struct vmbus_gmsg *m)
{
	uint32_t relid = 0, handle;
	int ret;

	if (m->type == CHANNELMSG_GPADL_HEADER) {
		handle = m->u.gpadl_header.gpadl;
		relid = m->u.gpadl_header.child_relid;
		ret = gpadl_header(&bus->gpadls, m);
	} else {
		handle = m->u.gpadl_body.gpadl;
		ret = gpadl_body(&bus->gpadls, m, &relid);
	}
	if (ret == 1) {
		struct gpadl *g = gpadl_find(&bus->gpadls, handle);

		events_vmbus_gpadl(relid, handle, g ? g->npages : 0);
		vmbus_gpadl_created(bus, relid, handle, 0);
	}
	else if (ret < 0) {
		pr_err_rl("vmbus: GPADL 0x%x rejected: %s", handle, strerror(-ret));
		if (ret != -ENOENT && ret != -EALREADY)
			vmbus_gpadl_created(bus, relid, handle, 1);
	}
}

static void vmbus_gpadl_teardown(struct vmbus *bus, const struct vmbus_gmsg *m)
{
	struct vmbus_hmsg r = { .type = CHANNELMSG_GPADL_TORNDOWN };
	uint32_t handle = m->u.gpadl_teardown.gpadl;
	int ret = gpadl_teardown(&bus->gpadls, handle);
	unsigned int i;

	if (ret == -EBUSY) {
		/*
		 * Still the ring of an open channel: close it first, as Hyper-V
		 * would. The channel is the one using the GPADL, whatever relid
		 * the guest named.
		 */
		for (i = 0; i < bus->nr_channels; i++)
			if (bus->chan[i].state != CHAN_OFFERED && bus->chan[i].gpadl == handle)
				vmbus_close_channel(bus, &bus->chan[i]);
		ret = gpadl_teardown(&bus->gpadls, handle);
	}
	if (ret)
		pr_err_rl("vmbus: teardown of GPADL 0x%x: %s", m->u.gpadl_teardown.gpadl,
			  strerror(-ret));
	/* Linux waits for the answer whatever happened. */
	r.u.gpadl_torndown.gpadl = m->u.gpadl_teardown.gpadl;
	vmbus_send(bus, &r, NULL);
}

static int vmbus_open_rings(struct vmbus *bus, struct vmbus_channel *ch,
			    const struct vmbus_gmsg *m)
{
	struct gpadl *g = gpadl_find(&bus->gpadls, m->u.open.gpadl);
	int ret;

	if (ch->removed)
		return -ENOENT;
	if (ch->state != CHAN_OFFERED)
		return -EBUSY;
	if (!g || !gpadl_complete(g) || m->u.open.target_vp >= bus->ncpus)
		return -EINVAL;
	ret = ring_open(&ch->rings, bus->mem, g, m->u.open.downstream_offset);
	if (ret)
		return ret;
	g->users++;
	ch->gpadl = m->u.open.gpadl;
	__atomic_store_n(&ch->target_vp, m->u.open.target_vp, __ATOMIC_RELEASE);
	/* Guest -> host: HvSignalEvent(conn_id) now wakes the device thread in KVM. */
	ret = hyperv_set_event_fd(bus->hv, ch->conn_id, ch->guest_efd);
	if (ret && ret != -EEXIST) {
		ring_close(&ch->rings);
		g->users--;
		return ret;
	}
	/* Host -> guest: the event port exists before anyone can signal. */
	if (!bus->late_event_port)
		__atomic_store_n(&ch->port_ready, true, __ATOMIC_RELEASE);
	ch->open_gen++;
	ch->state = CHAN_OPENING;
	return 0;
}

static void vmbus_open(struct vmbus *bus, const struct vmbus_gmsg *m)
{
	struct vmbus_hmsg r = { .type = CHANNELMSG_OPENCHANNEL_RESULT };
	struct vmbus_channel *ch = vmbus_chan_by_relid(bus, m->u.open.child_relid);
	int ret = ch ? vmbus_open_rings(bus, ch, m) : -ENOENT;

	r.u.open_result.child_relid = m->u.open.child_relid;
	r.u.open_result.openid = m->u.open.openid;
	r.u.open_result.status = ret ? 1 : 0;
	if (ret) {
		pr_err_rl("vmbus: open of channel %u refused: %s", m->u.open.child_relid,
			  strerror(-ret));
		vmbus_send(bus, &r, NULL);
		return;
	}
	pthread_mutex_lock(&bus->lock);
	bus->stats.opens++;
	pthread_mutex_unlock(&bus->lock);
	events_vmbus_chan("vmbus_open", ch->relid, ch->ops->name);
	if (bus->late_event_port) {
		/*
		 * Injected bug: the device starts before its event port
		 * exists. Waiting until it has run its open makes the loss
		 * certain: otherwise, with one CPU, this thread could deliver
		 * the result (and set the port) before the device thread ran.
		 */
		ch->state = CHAN_OPEN;
		chan_request_open(ch);
		if (chan_wait_applied(ch, monotonic_ms() + 1000))
			pr_warn("vmbus: late-event-port: %s did not open within 1 s", ch->ops->name);
		vmbus_send(bus, &r, ch);
		return;
	}
	vmbus_send(bus, &r, ch);
}

static void vmbus_modify(struct vmbus *bus, const struct vmbus_gmsg *m)
{
	struct vmbus_hmsg r = { .type = CHANNELMSG_MODIFYCHANNEL_RESPONSE };
	struct vmbus_channel *ch = vmbus_chan_by_relid(bus, m->u.modify.child_relid);
	bool ok = ch && m->u.modify.target_vp < bus->ncpus;

	if (ok)
		__atomic_store_n(&ch->target_vp, m->u.modify.target_vp, __ATOMIC_RELEASE);
	if (bus->version >= VERSION_WIN10_V5_3) {
		r.u.modify_response.child_relid = m->u.modify.child_relid;
		r.u.modify_response.status = ok ? 0 : 1;
		vmbus_send(bus, &r, NULL);
	}
}

/* ---- hot removal ---------------------------------------------------- */

static void vmbus_relid_released(struct vmbus *bus, uint32_t relid)
{
	struct vmbus_channel *ch = vmbus_chan_by_relid(bus, relid);

	/* Linux also releases the relids of channels it closed on unload. */
	if (!ch || !ch->removed)
		return;
	pthread_mutex_lock(&bus->lock);
	ch->released = true;
	pthread_mutex_unlock(&bus->lock);
	pr_info_rl("vmbus: guest released channel %u (%s)", relid, ch->ops->name);
}

/* Carry out host requests to remove or re-add devices, in the server thread. */
static void vmbus_apply_presence(struct vmbus *bus)
{
	unsigned int i;

	for (i = 0; i < bus->nr_channels; i++) {
		struct vmbus_channel *ch = &bus->chan[i];
		struct vmbus_hmsg r = { .type = CHANNELMSG_RESCIND_CHANNELOFFER };
		bool absent;

		pthread_mutex_lock(&bus->lock);
		absent = ch->want_absent;
		pthread_mutex_unlock(&bus->lock);
		if (absent == ch->removed)
			continue;
		if (absent) {
			/* The device stops touching the rings before the guest hears. */
			vmbus_close_channel(bus, ch);
			if (bus->version) {
				r.u.rescind.child_relid = ch->relid;
				vmbus_send(bus, &r, NULL);
			}
			pr_info("vmbus: %s removed%s", ch->ops->name,
				bus->version ? "; offer rescinded" : "");
		} else if (bus->version) {
			vmbus_offer(bus, ch);
			pr_info("vmbus: %s offered again", ch->ops->name);
		}
		pthread_mutex_lock(&bus->lock);
		ch->removed = absent;
		ch->released = absent && !bus->version;
		pthread_mutex_unlock(&bus->lock);
	}
}

int vmbus_set_present(struct vmbus_channel *ch, bool present)
{
	struct vmbus *bus = ch->bus;
	int ret = 0;

	pthread_mutex_lock(&bus->lock);
	if (ch->want_absent == !present)
		ret = -EALREADY;
	else if (present && (!ch->removed || !ch->released))
		ret = -EBUSY; /* the guest still holds the relid (or removal is pending) */
	else
		ch->want_absent = !present;
	pthread_mutex_unlock(&bus->lock);
	if (!ret)
		efd_signal(bus->msg_efd);
	return ret;
}

enum vmbus_presence vmbus_chan_presence(struct vmbus_channel *ch)
{
	enum vmbus_presence p;

	pthread_mutex_lock(&ch->bus->lock);
	p = !ch->removed && !ch->want_absent ? VMBUS_PRESENT :
	    ch->removed && ch->released ? VMBUS_REMOVED : VMBUS_REMOVING;
	pthread_mutex_unlock(&ch->bus->lock);
	return p;
}

static void vmbus_handle(struct vmbus *bus, const struct vmbus_gmsg *m)
{
	struct vmbus_hmsg r = { 0 };
	struct vmbus_channel *ch;

	if (m->type != CHANNELMSG_INITIATE_CONTACT && !bus->version) {
		pr_err_rl("vmbus: %s before a version was negotiated; ignored",
			  vmbus_msg_type_name(m->type));
		return;
	}
	switch (m->type) {
	case CHANNELMSG_INITIATE_CONTACT:
		vmbus_initiate(bus, m);
		break;
	case CHANNELMSG_REQUESTOFFERS:
		vmbus_request_offers(bus);
		break;
	case CHANNELMSG_GPADL_HEADER:
	case CHANNELMSG_GPADL_BODY:
		vmbus_gpadl_msg(bus, m);
		break;
	case CHANNELMSG_GPADL_TEARDOWN:
		vmbus_gpadl_teardown(bus, m);
		break;
	case CHANNELMSG_OPENCHANNEL:
		vmbus_open(bus, m);
		break;
	case CHANNELMSG_CLOSECHANNEL:
		ch = vmbus_chan_by_relid(bus, m->u.close.child_relid);
		if (ch)
			vmbus_close_channel(bus, ch);
		break;
	case CHANNELMSG_MODIFYCHANNEL:
		vmbus_modify(bus, m);
		break;
	case CHANNELMSG_RELID_RELEASED:
		vmbus_relid_released(bus, m->u.relid_released.child_relid);
		break;
	case CHANNELMSG_UNLOAD:
		vmbus_reset(bus);
		r.type = CHANNELMSG_UNLOAD_RESPONSE;
		vmbus_send(bus, &r, NULL);
		pr_info_rl("vmbus: guest unloaded the VMBus driver");
		break;
	default:
		pr_err_rl("vmbus: unexpected %s from the guest", vmbus_msg_type_name(m->type));
		break;
	}
}

static void vmbus_check_unstick(struct vmbus *bus, uint64_t now)
{
	unsigned int i;

	for (i = 0; i < bus->nr_channels; i++) {
		struct vmbus_channel *ch = &bus->chan[i];

		if (!ch->unstick_at_ms || now < ch->unstick_at_ms || ch->state != CHAN_OPEN)
			continue;
		ch->unstick_at_ms = 0;
		if (chan_unstick(ch)) {
			pthread_mutex_lock(&bus->lock);
			bus->stats.unstick_signals++;
			pthread_mutex_unlock(&bus->lock);
		}
	}
}

static int vmbus_next_timeout(struct vmbus *bus, uint64_t now)
{
	int timeout = -1;
	unsigned int i;

	/* A VP without SynIC pages yet gets no EOM: poll for it. */
	if (bus->outq_count && !(bus->drop_eom && bus->eom_wait))
		timeout = 20;
	for (i = 0; i < bus->nr_channels; i++) {
		uint64_t at = bus->chan[i].unstick_at_ms;

		if (at) {
			int t = at > now ? (int)(at - now) : 0;

			timeout = timeout < 0 ? t : MIN(timeout, t);
		}
	}
	return timeout;
}

static void *vmbus_thread(void *arg)
{
	struct vmbus *bus = arg;

	pthread_setname_np(pthread_self(), "vmbus");
	for (;;) {
		struct pollfd p[3] = {
			{ .fd = bus->stop_efd, .events = POLLIN },
			{ .fd = bus->msg_efd, .events = POLLIN },
			{ .fd = bus->hv->vp[bus->target_vp].ack_efd, .events = POLLIN },
		};
		uint64_t now = monotonic_ms(), sync_req;

		if (poll(p, 3, vmbus_next_timeout(bus, now)) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			break;
		if (p[1].revents)
			efd_drain(bus->msg_efd);
		/* Whatever vmbus_sync() asked for so far was queued before this round. */
		pthread_mutex_lock(&bus->lock);
		sync_req = bus->sync_req;
		pthread_mutex_unlock(&bus->lock);
		if (p[2].revents)
			vmbus_on_eom(bus, p[2].fd);
		for (;;) {
			struct vmbus_gmsg m;

			pthread_mutex_lock(&bus->lock);
			if (!bus->inq_count) {
				pthread_mutex_unlock(&bus->lock);
				break;
			}
			m = bus->inq[bus->inq_head];
			bus->inq_head = (bus->inq_head + 1) % VMBUS_INQ_LEN;
			bus->inq_count--;
			pthread_mutex_unlock(&bus->lock);
			vmbus_handle(bus, &m);
			vmbus_flush(bus);
		}
		vmbus_apply_presence(bus);
		vmbus_flush(bus);
		vmbus_check_unstick(bus, monotonic_ms());
		pthread_mutex_lock(&bus->lock);
		bus->sync_done = sync_req;
		pthread_cond_broadcast(&bus->sync_cond);
		pthread_mutex_unlock(&bus->lock);
	}
	return NULL;
}

int vmbus_sync(struct vmbus *bus, int timeout_ms)
{
	uint64_t deadline = monotonic_ms() + (uint64_t)timeout_ms, req;
	struct timespec ts = timespec_after_ms(CLOCK_REALTIME, (uint64_t)timeout_ms);
	unsigned int i;
	int ret = 0;

	pthread_mutex_lock(&bus->lock);
	req = ++bus->sync_req;
	pthread_mutex_unlock(&bus->lock);
	efd_signal(bus->msg_efd);
	pthread_mutex_lock(&bus->lock);
	while (bus->sync_done < req && !ret)
		ret = pthread_cond_timedwait(&bus->sync_cond, &bus->lock, &ts);
	pthread_mutex_unlock(&bus->lock);
	if (ret)
		return -ETIMEDOUT;
	for (i = 0; i < bus->nr_channels; i++)
		if (chan_wait_applied(&bus->chan[i], deadline))
			return -ETIMEDOUT;
	return 0;
}

/* ---- lifecycle --------------------------------------------------------- */

int vmbus_create(struct hyperv *hv, const struct guest_mem *mem, unsigned int ncpus,
		 bool late_event_port, struct vmbus **out)
{
	struct vmbus *bus = calloc(1, sizeof(*bus));

	if (!bus)
		return -ENOMEM;
	bus->hv = hv;
	bus->mem = mem;
	bus->ncpus = ncpus;
	bus->late_event_port = late_event_port;
	pthread_mutex_init(&bus->lock, NULL);
	pthread_cond_init(&bus->sync_cond, NULL);
	gpadl_table_init(&bus->gpadls);
	bus->msg_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	bus->stop_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (bus->msg_efd < 0 || bus->stop_efd < 0) {
		vmbus_destroy(bus);
		return -errno;
	}
	*out = bus;
	return 0;
}

struct vmbus_channel *vmbus_add_device(struct vmbus *bus, const struct vmbus_device_ops *ops,
				       void *priv)
{
	struct vmbus_channel *ch;

	if (bus->started || bus->nr_channels == VMBUS_MAX_CHANNELS)
		return NULL;
	ch = &bus->chan[bus->nr_channels];
	memset(ch, 0, sizeof(*ch));
	if (vmbus_guid_parse(ops->class_guid, &ch->class_id))
		return NULL;
	ch->bus = bus;
	ch->ops = ops;
	ch->priv = priv;
	ch->relid = bus->nr_channels + 1;
	ch->conn_id = VMBUS_CONN_ID_BASE + ch->relid;
	/* A stable instance id per slot: the class id with the relid mixed in. */
	ch->instance_id = ch->class_id;
	ch->instance_id.b[15] ^= (uint8_t)(0x5a + ch->relid);
	ch->instance_id.b[0] ^= 0xa5;
	ch->guest_efd = ch->ctl_efd = -1;
	chan_init(ch);
	bus->nr_channels++;
	return ch;
}

int vmbus_start(struct vmbus *bus)
{
	unsigned int i;
	int ret;

	ret = hyperv_set_msg_handler(bus->hv, VMBUS_MESSAGE_CONNECTION_ID, vmbus_on_post, bus);
	if (!ret)
		ret = hyperv_set_msg_handler(bus->hv, VMBUS_MESSAGE_CONNECTION_ID_4, vmbus_on_post, bus);
	if (ret)
		return ret;
	for (i = 0; i < bus->nr_channels; i++) {
		ret = chan_start(&bus->chan[i]);
		if (ret)
			return ret;
	}
	ret = pthread_create(&bus->thread, NULL, vmbus_thread, bus);
	if (ret)
		return -ret;
	bus->started = true;
	return 0;
}

void vmbus_destroy(struct vmbus *bus)
{
	unsigned int i;

	if (!bus)
		return;
	if (bus->started) {
		efd_signal(bus->stop_efd);
		pthread_join(bus->thread, NULL);
	}
	for (i = 0; i < bus->nr_channels; i++) {
		/* A channel whose thread never started has nothing to close. */
		if (bus->chan[i].thread_started)
			vmbus_close_channel(bus, &bus->chan[i]);
		else
			ring_close(&bus->chan[i].rings);
		chan_stop(&bus->chan[i]);
		chan_fini(&bus->chan[i]);
	}
	gpadl_table_reset(&bus->gpadls);
	if (bus->msg_efd >= 0)
		close(bus->msg_efd);
	if (bus->stop_efd >= 0)
		close(bus->stop_efd);
	pthread_cond_destroy(&bus->sync_cond);
	pthread_mutex_destroy(&bus->lock);
	free(bus);
}

void vmbus_get_stats(struct vmbus *bus, struct vmbus_stats *st)
{
	pthread_mutex_lock(&bus->lock);
	*st = bus->stats;
	pthread_mutex_unlock(&bus->lock);
}
