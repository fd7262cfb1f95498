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

enum chan_state {
	CHAN_OFFERED,   /* closed; may be opened */
	CHAN_OPEN,      /* rings mapped, device running */
};

struct vmbus_channel {
	struct vmbus *bus;
	const struct vmbus_device_ops *ops;
	void *priv;
	uint32_t relid;
	uint32_t conn_id;
	struct vmbus_guid class_id, instance_id;

	pthread_t thread;
	int guest_efd;       /* signalled by the guest's HvSignalEvent (in KVM) */
	int ctl_efd;         /* server -> device thread */

	pthread_mutex_t lock;
	pthread_cond_t cond;
	enum chan_state state;      /* under lock */
	bool want_open, want_close; /* server requests, under lock */
	bool dev_open;              /* device thread's view, under lock */
	bool kicked;                /* under lock */
	bool stop;                  /* under lock */

	/* Valid while open; written by the server before the device sees them. */
	struct vmbus_ring_pair rings;
	uint32_t gpadl;
	uint32_t target_vp;
	bool port_ready;            /* atomic: host->guest event port set */
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
	struct vmbus_channel *opened; /* once delivered: tell this device */
};

struct vmbus {
	struct vm *vm;
	struct hyperv *hv;
	bool late_event_port;

	pthread_t thread;
	int msg_efd;                /* vCPU handlers -> server */
	int stop_efd;
	bool started;

	pthread_mutex_t lock;       /* protects inq and stats */
	struct vmbus_gmsg inq[VMBUS_INQ_LEN];
	unsigned int inq_head, inq_count;
	struct vmbus_stats stats;

	/* Server thread only. */
	struct vmbus_outmsg outq[VMBUS_OUTQ_LEN];
	unsigned int outq_head, outq_count;
	uint32_t version;
	uint32_t target_vp;         /* where control messages go */
	struct gpadl_table gpadls;

	unsigned int nr_channels;
	struct vmbus_channel chan[VMBUS_MAX_CHANNELS];
};

/* channel.c */
int chan_start(struct vmbus_channel *ch);
void chan_stop(struct vmbus_channel *ch);
/* Ask the device thread to open/close, and wait until it has (close). */
void chan_request_open(struct vmbus_channel *ch);
void chan_close_sync(struct vmbus_channel *ch);
/* Signal the guest for this channel, if its event port is set. */
void chan_signal_guest(struct vmbus_channel *ch);
/* Safety net: signal if the rings say the guest should have been. */
bool chan_unstick(struct vmbus_channel *ch);

#endif
