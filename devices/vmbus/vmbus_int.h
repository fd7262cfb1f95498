/* SPDX-License-Identifier: MIT */
/* Internals shared by the VMBus server (server.c) and channels (channel.c). */
#ifndef HVMM_VMBUS_INT_H
#define HVMM_VMBUS_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vmbus/gpadl.h"
#include "vmbus/msg.h"
#include "vmbus/ring.h"
#include "vmbus/vmbus.h"

#define VMBUS_MAX_CHANNELS 16
#define VMBUS_INQ_LEN 64
#define VMBUS_OUTQ_LEN 64
#define VMBUS_CONN_ID_BASE 0x10 /* channel connection id = base + relid */
#define VMBUS_UNSTICK_MS 100
/* Guest packets a device reads per wakeup before control requests are served. */
#define CHAN_RECV_BUDGET 64

/*
 * A channel's life, driven by the server thread only (see docs/vmbus.md):
 *
 *   OFFERED --OPENCHANNEL ok--> OPENING --its OPENCHANNEL_RESULT delivered--> OPEN
 *      ^                           |                                           |
 *      +------ CLOSECHANNEL, teardown of the ring GPADL, UNLOAD, -------------+
 *              INITIATE_CONTACT, hot removal, vmbus_destroy
 *
 * Every successful open takes a new open_gen; the queued OPENCHANNEL_RESULT
 * carries it, and its delivery tells the device only if the channel is
 * still OPENING with that same generation. A result delivered after the
 * open it answers was undone (or dropped with the queue on a reset) tells
 * no one, so the device thread never sees rings that are not mapped.
 */
/*
 * Ring statistics for hang diagnosis (chan_stats.c), under ch->lock,
 * reset at each open. Times are monotonic_ns(), 0 = never/none. The
 * guest's progress is what the host observes: the guest's read index is
 * sampled on each host send, each tick and each status request.
 */
struct chan_stats {
	uint64_t h2g_unread_since;  /* the host->guest ring went non-empty */
	uint64_t h2g_guest_read;    /* the guest's read index last moved */
	uint32_t h2g_read_index;    /* ... as last sampled */
	bool h2g_sampled;
	uint64_t h2g_signals;       /* interrupts raised for this channel */
	uint64_t g2h_host_read;     /* the host last consumed a packet */
};

enum chan_state {
	CHAN_OFFERED,   /* closed; may be opened */
	CHAN_OPENING,   /* rings mapped, result queued; the device is not told yet */
	CHAN_OPEN,      /* result delivered, device running */
};

struct vmbus_channel {
	struct vmbus *bus;
	const struct vmbus_device_ops *ops;
	void *priv;
	uint32_t relid;
	uint32_t conn_id;
	struct vmbus_guid class_id, instance_id;

	pthread_t thread;
	bool thread_started; /* chan_start created it: chan_stop may join */
	int guest_efd;       /* signalled by the guest's HvSignalEvent (in KVM) */
	int ctl_efd;         /* server -> device thread */

	pthread_mutex_t lock;       /* initialised by vmbus_add_device */
	pthread_cond_t cond;
	enum chan_state state;      /* server thread only */
	uint32_t open_gen;          /* server thread only: bumped by each open */
	bool want_open, want_close; /* server requests, under lock */
	bool dev_open;              /* device thread's view, under lock */
	bool broken;                /* a corrupt ring stopped it: under lock */
	bool kicked;                /* under lock */
	bool stop;                  /* under lock */
	/* Device thread only. */
	unsigned int recv_budget;   /* vmbus_chan_recv calls left this wakeup */
	bool recv_more;             /* budget ran out: call ops->recv again */

	/* Valid while open; written by the server before the device sees them. */
	struct vmbus_ring_pair rings;
	uint32_t gpadl;
	uint32_t target_vp;
	bool port_ready;            /* atomic: host->guest event port set */
	struct chan_stats stats;    /* under lock */
	uint64_t unstick_at_ms;     /* server thread only */

	/*
	 * Hot removal, under bus->lock: the host asks (want_absent), the
	 * server rescinds the offer (removed) and the guest gives the relid
	 * back (released); only then may the device be offered again.
	 */
	bool want_absent, removed, released;
};

/* An outgoing control message, posted in queue order. */
struct vmbus_outmsg {
	uint8_t buf[VMBUS_MSG_MAX];
	uint32_t len;
	struct vmbus_channel *opened; /* OPENCHANNEL_RESULT: its channel, */
	uint32_t open_gen;            /* and the open it answers */
};

struct vmbus {
	struct hyperv *hv;
	const struct guest_mem *mem; /* guest RAM the rings and GPADLs live in */
	unsigned int ncpus;          /* valid target VPs are 0..ncpus-1 */
	bool late_event_port;
	bool drop_eom;              /* --debug-inject drop-eom (vmbus_set_drop_eom) */

	pthread_t thread;
	int msg_efd;                /* vCPU handlers -> server */
	int stop_efd;
	bool started;

	pthread_mutex_t lock;       /* protects inq, stats and sync */
	struct vmbus_gmsg inq[VMBUS_INQ_LEN];
	unsigned int inq_head, inq_count;
	struct vmbus_stats stats;
	pthread_cond_t sync_cond;   /* vmbus_sync: requests and rounds done */
	uint64_t sync_req, sync_done;

	/* Server thread only. */
	struct vmbus_outmsg outq[VMBUS_OUTQ_LEN];
	unsigned int outq_head, outq_count;
	bool eom_wait;              /* the head found the SIMP slot busy: wait for EOM */
	uint32_t version;
	uint32_t target_vp;         /* where control messages go */
	struct gpadl_table gpadls;

	unsigned int nr_channels;
	struct vmbus_channel chan[VMBUS_MAX_CHANNELS];
};

/*
 * For tests and fuzzers: wait until the server thread has handled every
 * guest message and host request made before the call, and every device
 * thread has applied the open/close it was told. 0 or -ETIMEDOUT.
 */
int vmbus_sync(struct vmbus *bus, int timeout_ms);

/* outq.c: server thread only */
/* Queue a message; `opened`: an OPENCHANNEL_RESULT for that channel. */
void vmbus_send(struct vmbus *bus, const struct vmbus_hmsg *m, struct vmbus_channel *opened);
/* Post queued messages in order; stops at the first that cannot go yet. */
void vmbus_flush(struct vmbus *bus);
/* The target VP's ack eventfd `fd` fired: count the EOMs, allow a retry. */
void vmbus_on_eom(struct vmbus *bus, int fd);

/* channel.c */
void chan_init(struct vmbus_channel *ch);   /* locks; at vmbus_add_device */
void chan_fini(struct vmbus_channel *ch);
/* Eventfds and thread; chan_stop undoes whatever part of it succeeded. */
int chan_start(struct vmbus_channel *ch);
void chan_stop(struct vmbus_channel *ch);
/*
 * Ask the device thread to open/close, and wait until it has (close).
 * Open only while the rings are mapped (state OPENING); after close_sync
 * returns the device no longer touches them.
 */
void chan_request_open(struct vmbus_channel *ch);
void chan_close_sync(struct vmbus_channel *ch);
/* Wait until the device thread has applied pending open/close requests. */
int chan_wait_applied(struct vmbus_channel *ch, uint64_t deadline_ms);
/* Signal the guest for this channel, if its event port is set. */
void chan_signal_guest(struct vmbus_channel *ch);
/* Safety net: signal if the rings say the guest should have been. */
bool chan_unstick(struct vmbus_channel *ch);

/* chan_stats.c: each takes ch->lock; only while the device has the rings. */
/* Sample the host->guest ring (call before and after each host write). */
void chan_stats_sample(struct vmbus_channel *ch);
void chan_stats_signalled(struct vmbus_channel *ch);
void chan_stats_host_read(struct vmbus_channel *ch);

#endif
