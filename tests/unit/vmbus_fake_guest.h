/* SPDX-License-Identifier: MIT */
/*
 * A scripted guest for the real VMBus server, channels and devices,
 * without KVM: shared by tests/unit/test_vmbus_server.c and
 * fuzz/fuzz_vmbus_server.c.
 *
 * What stands in for KVM (the seam, hyperv_init_stub):
 *  - guest RAM is a gmem_init() mapping; VP 0.. have SynIC, SIMP and SIEFP
 *    enabled, so synic_post_msg/synic_set_event run unchanged on it;
 *  - HvPostMessage is a direct call of the handler the server registered;
 *  - the guest frees the SINT2 message slot by clearing its type and, if
 *    the host set the pending flag, "writes EOM": one write to the VP's
 *    ack eventfd, which the server polls as it does KVM's resample fd;
 *  - KVM_HYPERV_EVENTFD is a table conn_id -> eventfd here, and
 *    HvSignalEvent writes the mapped eventfd, as KVM would.
 *
 * Every step is a plain function returning 0 or -errno so that a fuzzer
 * can use it without Check; tests assert on the results.
 */
#ifndef HVMM_VMBUS_FAKE_GUEST_H
#define HVMM_VMBUS_FAKE_GUEST_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "hyperv.h"
#include "ic/ic_dev.h"
#include "layout.h"
#include "synic.h"
#include "util.h"
#include "vm.h"
#include "vmbus/proto.h"
#include "vmbus/vmbus_int.h"

#define FG_SIMP 0x1000ULL
#define FG_SIEFP 0x2000ULL
#define FG_RING_BASE 0x100000ULL    /* relid r: FG_RING_BASE + r * FG_RING_STRIDE */
#define FG_RING_STRIDE 0x10000ULL
#define FG_RING_PAGES 8             /* 1 + 3 guest->host, 1 + 3 host->guest */
#define FG_RING_DOWN 4              /* downstream offset (pages) */
#define FG_MAX_CONN 64
#define FG_MAX_REC 4
#define FG_TIMEOUT_MS 5000          /* any single wait; tests stay bounded */
#define FG_RAM (64ULL << 20)        /* mapped lazily: untouched pages cost nothing */

/* A device that records what the channel layer tells it. */
struct fg_rec {
	unsigned long opens, closes, recvs, pkts; /* __atomic */
	struct vmbus_channel *ch;
};

struct fg {
	struct vm vm;
	struct hyperv hv;
	struct hyperv_kvm_ops kops;
	struct vmbus *bus;
	unsigned int nrec;
	struct fg_rec rec[FG_MAX_REC];
	struct ic_dev *ic;           /* the heartbeat IC, after the recorders */
	pthread_mutex_t lock;        /* efd[] */
	int efd[FG_MAX_CONN];        /* KVM_HYPERV_EVENTFD table */
	/* Guest-side views of each channel's rings (the guest's own indices). */
	uint8_t *pages[VMBUS_MAX_CHANNELS + 1][FG_RING_PAGES];
	struct vmbus_ring gprod[VMBUS_MAX_CHANNELS + 1]; /* guest -> host */
	struct vmbus_ring gcons[VMBUS_MAX_CHANNELS + 1]; /* host -> guest */
	uint32_t version;
};

/* ---- the recording device -------------------------------------------- */

static inline void fg_rec_open(struct vmbus_channel *ch)
{
	struct fg_rec *r = vmbus_chan_priv(ch);
	static const char hello[8] = "hello";

	__atomic_fetch_add(&r->opens, 1, __ATOMIC_RELAXED);
	/* Like an IC: speak at once; touches the host->guest ring. */
	vmbus_chan_send(ch, 1, hello, sizeof(hello));
}

static inline void fg_rec_recv(struct vmbus_channel *ch)
{
	struct fg_rec *r = vmbus_chan_priv(ch);
	uint8_t buf[512];
	struct vmbus_pkt pkt;
	int n;

	__atomic_fetch_add(&r->recvs, 1, __ATOMIC_RELAXED);
	while ((n = vmbus_chan_recv(ch, &pkt, buf, sizeof(buf))) != -EAGAIN && n != -EPIPE &&
	       n != -EIO) {
		if (n < 0)
			continue;
		__atomic_fetch_add(&r->pkts, 1, __ATOMIC_RELAXED);
		vmbus_chan_send(ch, pkt.trans_id, buf, (uint32_t)n); /* echo */
	}
}

static inline void fg_rec_close(struct vmbus_channel *ch)
{
	struct fg_rec *r = vmbus_chan_priv(ch);

	__atomic_fetch_add(&r->closes, 1, __ATOMIC_RELAXED);
}

static const struct vmbus_device_ops fg_rec_ops = {
	.name = "rec", .class_guid = "11111111-2222-3333-4444-555555555555",
	.open = fg_rec_open, .recv = fg_rec_recv, .close = fg_rec_close,
};

static inline unsigned long fg_get(const unsigned long *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* ---- the KVM stand-ins ----------------------------------------------- */

static inline int fg_set_event_fd(void *opaque, uint32_t conn_id, int fd)
{
	struct fg *g = opaque;
	int ret = 0;

	if (conn_id >= FG_MAX_CONN)
		return -EINVAL;
	pthread_mutex_lock(&g->lock);
	if (fd < 0)
		g->efd[conn_id] = -1;
	else if (g->efd[conn_id] >= 0)
		ret = -EEXIST;
	else
		g->efd[conn_id] = fd;
	pthread_mutex_unlock(&g->lock);
	return ret;
}

/* HvSignalEvent on a channel's connection id. */
static inline void fg_signal(struct fg *g, uint32_t relid)
{
	uint32_t conn = VMBUS_CONN_ID_BASE + relid;
	uint64_t one = 1;

	if (conn >= FG_MAX_CONN)
		return;
	pthread_mutex_lock(&g->lock);
	if (g->efd[conn] >= 0 && write(g->efd[conn], &one, sizeof(one)) < 0)
		(void)0; /* counter full: the device is signalled anyway */
	pthread_mutex_unlock(&g->lock);
}

/* HvPostMessage to the VMBus message connection; returns the HV status. */
static inline int fg_post_once(struct fg *g, const void *msg, uint32_t len)
{
	unsigned int i;

	for (i = 0; i < g->hv.nr_handlers; i++)
		if (g->hv.handlers[i].conn_id == VMBUS_MESSAGE_CONNECTION_ID)
			return g->hv.handlers[i].fn(g->hv.handlers[i].opaque, 0, 1, msg, len);
	return HV_STATUS_INVALID_CONNECTION_ID;
}

/* As Linux's vmbus_post_msg: retry (bounded) while the host's queue is full. */
static inline int fg_post(struct fg *g, const void *msg, uint32_t len)
{
	int ret, tries = 0;

	while ((ret = fg_post_once(g, msg, len)) == HV_STATUS_INSUFFICIENT_BUFFERS &&
	       ++tries < FG_TIMEOUT_MS * 10)
		usleep(100);
	return ret;
}

static inline uint8_t *fg_slot(struct fg *g)
{
	return gmem_ptr(&g->vm.mem, FG_SIMP + HV_VMBUS_SINT * 256, 256);
}

/*
 * Take the message in the SINT2 slot, if any: copy it out, free the slot
 * and EOM if the host asked. Returns its VMBus message type (0: empty).
 */
static inline uint32_t fg_take(struct fg *g, void *out, uint32_t outlen)
{
	uint8_t *slot = fg_slot(g);
	uint32_t type = __atomic_load_n((uint32_t *)slot, __ATOMIC_ACQUIRE), vtype;
	uint8_t len, flags;
	uint64_t one = 1;

	if (!type)
		return 0;
	len = slot[4];
	if (len > 240)
		len = 240;
	memcpy(&vtype, slot + 16, 4);
	if (out)
		memcpy(out, slot + 16, MIN(outlen, (uint32_t)len));
	__atomic_store_n((uint32_t *)slot, 0, __ATOMIC_RELEASE);
	/* Linux vmbus_signal_eom: EOM only when the pending flag is set. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	flags = __atomic_load_n(slot + 5, __ATOMIC_ACQUIRE);
	if (flags & 1) {
		if (write(g->hv.vp[0].ack_efd, &one, sizeof(one)) < 0)
			(void)0;
	}
	return vtype ? vtype : 0xffffffffu;
}

/* Wait up to timeout_ms for a message; its type, or 0 on timeout. */
static inline uint32_t fg_wait(struct fg *g, void *out, uint32_t outlen, int timeout_ms)
{
	uint64_t end = monotonic_ms() + (uint64_t)timeout_ms;
	uint32_t t;

	while (!(t = fg_take(g, out, outlen)) && monotonic_ms() < end)
		usleep(100);
	return t;
}

/* ---- guest messages ---------------------------------------------------- */

static inline int fg_initiate(struct fg *g, uint32_t version)
{
	struct vmbus_msg_initiate_contact m = { .header.msgtype = CHANNELMSG_INITIATE_CONTACT };

	m.vmbus_version_requested = version;
	m.target_vcpu = 0;
	if (version >= VERSION_WIN10_V5)
		m.msg_sint = HV_VMBUS_SINT;
	g->version = version;
	return fg_post(g, &m, sizeof(m));
}

static inline int fg_hdr_only(struct fg *g, uint32_t type)
{
	struct vmbus_channel_message_header m = { .msgtype = type };

	return fg_post(g, &m, sizeof(m));
}

static inline int fg_relid_msg(struct fg *g, uint32_t type, uint32_t relid)
{
	struct vmbus_msg_relid m = { .header.msgtype = type, .child_relid = relid };

	return fg_post(g, &m, sizeof(m));
}

static inline uint32_t fg_gpadl_handle(uint32_t relid)
{
	return 0xe1e10000u + relid;
}

/*
 * A GPADL of npages contiguous pages from gpa: one GPADL_HEADER, then as
 * many GPADL_BODY messages as the PFNs need, as Linux sends them.
 */
static inline int fg_gpadl_range(struct fg *g, uint32_t relid, uint32_t handle, uint64_t gpa,
				 uint32_t npages)
{
	uint8_t buf[VMBUS_MSG_MAX] = { 0 };
	struct vmbus_msg_gpadl_header *h = (void *)buf;
	struct vmbus_msg_gpadl_body *b = (void *)buf;
	struct vmbus_gpa_range *r = (void *)(h + 1);
	uint8_t *pfns = (uint8_t *)(r + 1); /* 4-byte aligned only: memcpy */
	uint32_t i, n, done, msgno = 0;
	uint64_t pfn;
	int ret;

	h->header.msgtype = CHANNELMSG_GPADL_HEADER;
	h->child_relid = relid;
	h->gpadl = handle;
	h->rangecount = 1;
	h->range_buflen = (uint16_t)(sizeof(*r) + npages * 8);
	r->byte_count = npages * 4096;
	n = MIN(npages, VMBUS_GPADL_HEADER_MAX_PFNS);
	for (i = 0; i < n; i++) {
		pfn = gpa / 4096 + i;
		memcpy(pfns + 8 * i, &pfn, 8);
	}
	ret = fg_post(g, buf, (uint32_t)(sizeof(*h) + sizeof(*r) + n * 8));
	for (done = n; !ret && done < npages; done += n) {
		memset(buf, 0, sizeof(buf));
		b->header.msgtype = CHANNELMSG_GPADL_BODY;
		b->msgnumber = ++msgno;
		b->gpadl = handle;
		n = MIN(npages - done, VMBUS_GPADL_BODY_MAX_PFNS);
		for (i = 0; i < n; i++) {
			pfn = gpa / 4096 + done + i;
			memcpy((uint8_t *)(b + 1) + 8 * i, &pfn, 8);
		}
		ret = fg_post(g, buf, (uint32_t)(sizeof(*b) + n * 8));
	}
	return ret;
}

/* The GPADL with all FG_RING_PAGES pages of relid's rings. */
static inline int fg_gpadl(struct fg *g, uint32_t relid)
{
	return fg_gpadl_range(g, relid, fg_gpadl_handle(relid),
			      FG_RING_BASE + relid * FG_RING_STRIDE, FG_RING_PAGES);
}

static inline int fg_teardown(struct fg *g, uint32_t relid)
{
	struct vmbus_msg_gpadl_teardown m = { .header.msgtype = CHANNELMSG_GPADL_TEARDOWN };

	m.child_relid = relid;
	m.gpadl = fg_gpadl_handle(relid);
	return fg_post(g, &m, sizeof(m));
}

/*
 * (Re)derive the guest's ring views from the ring headers as they are,
 * the way a guest sets its rings up before OPENCHANNEL; the pages are
 * never cleared under a running device.
 */
static inline void fg_ring_views(struct fg *g, uint32_t relid)
{
	uint8_t **p = g->pages[relid];

	ring_init(&g->gprod[relid], p[0], p + 1, FG_RING_DOWN - 1, false);
	ring_init(&g->gcons[relid], p[FG_RING_DOWN], p + FG_RING_DOWN + 1,
		  FG_RING_PAGES - FG_RING_DOWN - 1, true);
}

/* OPENCHANNEL with any GPADL and ring split. */
static inline int fg_open_raw(struct fg *g, uint32_t relid, uint32_t openid, uint32_t handle,
			      uint32_t down)
{
	struct vmbus_msg_open_channel m = { .header.msgtype = CHANNELMSG_OPENCHANNEL };

	m.child_relid = relid;
	m.openid = openid;
	m.ringbuffer_gpadlhandle = handle;
	m.target_vp = 0;
	m.downstream_ringbuffer_pageoffset = down;
	return fg_post(g, &m, sizeof(m));
}

/* Open relid on its usual rings, the guest's views set up first. */
static inline int fg_open(struct fg *g, uint32_t relid, uint32_t openid)
{
	if (relid && relid <= VMBUS_MAX_CHANNELS)
		fg_ring_views(g, relid);
	return fg_open_raw(g, relid, openid, fg_gpadl_handle(relid), FG_RING_DOWN);
}

static inline int fg_modify(struct fg *g, uint32_t relid, uint32_t vp)
{
	struct vmbus_msg_modify_channel m = { .header.msgtype = CHANNELMSG_MODIFYCHANNEL };

	m.child_relid = relid;
	m.target_vp = vp;
	return fg_post(g, &m, sizeof(m));
}

/* ---- guest ring traffic ------------------------------------------------- */

/* Write one packet to relid's guest->host ring; signal as Linux would. */
static inline int fg_ring_write(struct fg *g, uint32_t relid, const void *data, uint32_t len,
				bool signal)
{
	struct vmbus_pkt pkt = { .type = VM_PKT_DATA_INBAND, .trans_id = 7, .data_len = len };
	int ret;

	if (!relid || relid > VMBUS_MAX_CHANNELS || !g->gprod[relid].hdr)
		return -EINVAL;
	ret = ring_write(&g->gprod[relid], &pkt, NULL, data);
	if (ret == 1 || (ret == 0 && signal))
		fg_signal(g, relid);
	return ret < 0 ? ret : 0;
}

/* Read one packet the host sent on relid; payload bytes or -errno. */
static inline int fg_ring_read(struct fg *g, uint32_t relid, void *buf, uint32_t len)
{
	struct vmbus_pkt pkt;
	int ret;

	if (!relid || relid > VMBUS_MAX_CHANNELS || !g->gcons[relid].hdr)
		return -EINVAL;
	ret = ring_read(&g->gcons[relid], &pkt, buf, len);
	if (ret >= 0 && ring_read_done(&g->gcons[relid]))
		fg_signal(g, relid);
	return ret;
}

/* ---- set-up ------------------------------------------------------------- */

/* nrec recording devices (relids 1..nrec), then one heartbeat IC. */
/* late_event_port: the server's --debug-inject late-event-port mode. */
static inline int fg_setup_opts(struct fg *g, unsigned int nrec, bool late_event_port)
{
	unsigned int i, r;
	int ret;

	memset(g, 0, sizeof(*g));
	pthread_mutex_init(&g->lock, NULL);
	for (i = 0; i < FG_MAX_CONN; i++)
		g->efd[i] = -1;
	g->vm.ncpus = 2;
	g->vm.sys_fd = g->vm.vm_fd = -1;
	ret = gmem_init(&g->vm.mem, FG_RAM);
	if (ret)
		return ret;
	g->kops = (struct hyperv_kvm_ops){ .set_event_fd = fg_set_event_fd, .opaque = g };
	ret = hyperv_init_stub(&g->vm, &g->hv, &g->kops);
	if (ret)
		return ret;
	g->vm.hv = &g->hv;
	for (i = 0; i < g->vm.ncpus; i++) {
		g->hv.vp[i].scontrol = 1;
		g->hv.vp[i].simp = FG_SIMP + i * 0x4000 + 1;
		g->hv.vp[i].siefp = FG_SIEFP + i * 0x4000 + 1;
	}
	for (r = 1; r <= VMBUS_MAX_CHANNELS; r++)
		for (i = 0; i < FG_RING_PAGES; i++)
			g->pages[r][i] = gmem_ptr(&g->vm.mem, FG_RING_BASE + r * FG_RING_STRIDE +
						  i * 4096ULL, 4096);
	ret = vmbus_create(g->vm.hv, &g->vm.mem, g->vm.ncpus, late_event_port, &g->bus);
	if (ret)
		return ret;
	g->vm.vmbus = g->bus;
	g->nrec = MIN(nrec, FG_MAX_REC);
	for (i = 0; i < g->nrec; i++) {
		g->rec[i].ch = vmbus_add_device(g->bus, &fg_rec_ops, &g->rec[i]);
		if (!g->rec[i].ch)
			return -ENOMEM;
	}
	g->ic = ic_dev_add(g->bus, &g->vm, &ic_heartbeat_ops);
	if (!g->ic)
		return -ENOMEM;
	return vmbus_start(g->bus);
}

static inline int fg_setup(struct fg *g, unsigned int nrec)
{
	return fg_setup_opts(g, nrec, false);
}

static inline void fg_teardown_all(struct fg *g)
{
	vmbus_destroy(g->bus);
	ic_dev_free(g->ic);
	hyperv_destroy(&g->hv);
	gmem_free(&g->vm.mem);
	pthread_mutex_destroy(&g->lock);
}

/* Status as the control socket would ask for it, on every channel. */
static inline void fg_status(struct fg *g)
{
	unsigned int i;

	for (i = 0; i < g->bus->nr_channels; i++) {
		(void)vmbus_chan_unread(&g->bus->chan[i]);
		(void)vmbus_chan_presence(&g->bus->chan[i]);
		(void)vmbus_chan_is_open(&g->bus->chan[i]);
		(void)vmbus_chan_stopped(&g->bus->chan[i]);
	}
}

/* ---- steps: one vocabulary for scripted tests and the fuzzer ----------- */

enum fg_op {
	FG_INITIATE, FG_REQUEST_OFFERS, FG_GPADL, FG_OPEN, FG_CLOSE, FG_TEARDOWN,
	FG_UNLOAD, FG_RELEASE, FG_MODIFY, FG_EOM, FG_DRAIN, FG_REMOVE, FG_ADD, FG_KICK,
	FG_WRITE, FG_READ, FG_SIGNAL, FG_CORRUPT, FG_SYNC, FG_NR_OPS
};

/*
 * Run one step on relid `relid` (ignored where meaningless) with a free
 * argument `arg`. Messages the guest takes are dropped; tests that check
 * them use fg_take/fg_wait directly.
 */
static inline void fg_step(struct fg *g, enum fg_op op, uint32_t relid, uint32_t arg)
{
	struct vmbus_channel *ch = relid && relid <= g->bus->nr_channels ?
				   &g->bus->chan[relid - 1] : NULL;
	uint8_t buf[256];

	switch (op) {
	case FG_INITIATE:
		fg_initiate(g, arg & 1 ? VERSION_WIN10_V5_3 : VERSION_WIN10_V4_1);
		break;
	case FG_REQUEST_OFFERS:
		fg_hdr_only(g, CHANNELMSG_REQUESTOFFERS);
		break;
	case FG_GPADL:
		fg_gpadl(g, relid);
		break;
	case FG_OPEN:
		fg_open(g, relid, arg);
		break;
	case FG_CLOSE:
		fg_relid_msg(g, CHANNELMSG_CLOSECHANNEL, relid);
		break;
	case FG_TEARDOWN:
		fg_teardown(g, relid);
		break;
	case FG_UNLOAD:
		fg_hdr_only(g, CHANNELMSG_UNLOAD);
		break;
	case FG_RELEASE:
		fg_relid_msg(g, CHANNELMSG_RELID_RELEASED, relid);
		break;
	case FG_MODIFY:
		fg_modify(g, relid, arg % 3);
		break;
	case FG_EOM:
		fg_take(g, NULL, 0);
		break;
	case FG_DRAIN:
		/* Take until the server, synced after each EOM, has nothing left. */
		for (int n = 0; n < 4 * VMBUS_OUTQ_LEN; n++)
			if (vmbus_sync(g->bus, FG_TIMEOUT_MS) || !fg_take(g, NULL, 0))
				break;
		break;
	case FG_REMOVE:
	case FG_ADD:
		if (ch)
			vmbus_set_present(ch, op == FG_ADD);
		break;
	case FG_KICK:
		if (ch)
			vmbus_device_kick(ch);
		break;
	case FG_WRITE:
		memset(buf, (int)arg, sizeof(buf));
		fg_ring_write(g, relid, buf, 8 + arg % 200, arg & 0x100);
		break;
	case FG_READ:
		fg_ring_read(g, relid, buf, sizeof(buf));
		break;
	case FG_SIGNAL:
		fg_signal(g, relid);
		break;
	case FG_CORRUPT:
		/* A hostile index in one of the four ring index words. */
		if (relid && relid <= VMBUS_MAX_CHANNELS) {
			uint8_t *hdr = g->pages[relid][arg & 1 ? FG_RING_DOWN : 0];

			__atomic_store_n((uint32_t *)hdr + ((arg >> 1) & 1), arg >> 2,
					 __ATOMIC_RELEASE);
		}
		break;
	case FG_SYNC:
	case FG_NR_OPS:
		break;
	}
	fg_status(g);
}

#endif
