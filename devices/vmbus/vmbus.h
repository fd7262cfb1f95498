/* SPDX-License-Identifier: MIT */
/*
 * The VMBus server: the host side of the VMBus control protocol (version
 * negotiation, offers, GPADLs, open/close, unload) and the channels that
 * VMBus devices use, each device in a thread of its own.
 *
 * Ordering guarantee (the bug class hvmm exists to avoid): when the guest
 * opens a channel, both signal paths exist before anything can use them.
 * The guest->host event (KVM_HYPERV_EVENTFD for the channel's connection
 * id) and the host->guest event port (target VP + event flag) are set up
 * while handling OPENCHANNEL, the OPENCHANNEL_RESULT is posted next, and
 * only after it has been delivered is the device told that its channel is
 * open, and only if that open is still current (the guest may have closed
 * it meanwhile: see the state machine in vmbus_int.h). A device may
 * therefore write and signal at once. As a safety net
 * the server re-checks each channel UNSTICK_MS after an open and signals
 * again if the guest's ring state says it should have been signalled.
 * `--debug-inject late-event-port` restores the broken order on purpose.
 */
#ifndef HVMM_VMBUS_H
#define HVMM_VMBUS_H

#include <stdbool.h>
#include <stdint.h>

#include "vmbus/ring.h"

struct aml;
struct guest_mem;
struct hyperv;
struct vmbus;
struct vmbus_channel;

/* DSDT hook (acpi_dsdt_hook) emitting the VMBus ACPI device. */
void vmbus_acpi_emit(struct aml *a, void *opaque);

/*
 * A VMBus device. Every callback runs on the device's own thread, never
 * concurrently with another callback of the same device.
 */
struct vmbus_device_ops {
	const char *name;       /* short, for logs and status: "shutdown" */
	const char *class_guid; /* "0e0b6031-5213-4934-818b-38d90ced39db" */
	/* The channel is open and both signal paths work: may send at once. */
	void (*open)(struct vmbus_channel *ch);
	/* The guest signalled the channel (or the safety net fired). */
	void (*recv)(struct vmbus_channel *ch);
	/* The channel closed (guest close, unload, reconnect). */
	void (*close)(struct vmbus_channel *ch);
	/* About once a second while the channel is open. */
	void (*tick)(struct vmbus_channel *ch);
	/* A host request arrived (vmbus_device_kick); also while closed. */
	void (*kick)(struct vmbus_channel *ch);
};

struct vmbus_stats {
	uint64_t msgs_in, msgs_out, msgs_bad, opens, unstick_signals, lost_signals;
	uint32_t version;   /* negotiated, 0 = not connected */
	/* The host->guest message path, on VP target_vp (where they all go). */
	uint32_t target_vp;
	uint32_t msg_queued;          /* messages not posted yet */
	uint64_t msg_queued_since_ns; /* monotonic: the first has waited since; 0 = none */
	uint64_t eoms;                /* SINT2 acknowledgements (EOM/EOI) seen */
};

/*
 * Create the server for a VM with `ncpus` vCPUs, on its Hyper-V state and
 * guest RAM (both must outlive the server). Devices are added next.
 */
int vmbus_create(struct hyperv *hv, const struct guest_mem *mem, unsigned int ncpus,
		 bool late_event_port, struct vmbus **out);
/* Register a device before vmbus_start(); returns its channel or NULL. */
struct vmbus_channel *vmbus_add_device(struct vmbus *bus, const struct vmbus_device_ops *ops,
				       void *priv);
/* Hook the message connections and start the server and device threads. */
int vmbus_start(struct vmbus *bus);
/* Stop every thread and free everything. */
void vmbus_destroy(struct vmbus *bus);
void vmbus_get_stats(struct vmbus *bus, struct vmbus_stats *st);
/*
 * --debug-inject drop-eom (before vmbus_start): the server ignores the
 * guest's end-of-message, so a message that found the SIMP slot busy,
 * and every one behind it, is never delivered (a lost message).
 */
void vmbus_set_drop_eom(struct vmbus *bus, bool drop);

/*
 * Hot removal and re-adding of a device (any thread; the server thread
 * does the work). Removing rescinds the offer: the guest closes the
 * channel and releases its relid. Adding offers it again, and is refused
 * with -EBUSY until the guest has released the relid. -EALREADY if the
 * device already is in the requested state.
 */
int vmbus_set_present(struct vmbus_channel *ch, bool present);

enum vmbus_presence {
	VMBUS_PRESENT,
	VMBUS_REMOVING,    /* rescind sent, the guest has not released it yet */
	VMBUS_REMOVED,     /* released (or never known to the guest) */
};
enum vmbus_presence vmbus_chan_presence(struct vmbus_channel *ch);

/* ---- for devices, on their own thread ----------------------------------- */

void *vmbus_chan_priv(struct vmbus_channel *ch);
const char *vmbus_chan_name(struct vmbus_channel *ch);
bool vmbus_chan_is_open(struct vmbus_channel *ch);

/*
 * Send one DATA_INBAND packet (payload padded to 8) and signal the guest
 * as the ring rules require. 0, -EAGAIN (ring full: the guest was asked to
 * signal once it has made room; retry on the next recv or tick), -EPIPE
 * (channel not open), -EIO (ring corrupt: the channel is stopped, see
 * below).
 */
int vmbus_chan_send(struct vmbus_channel *ch, uint64_t trans_id, const void *data,
		    uint32_t len);

/*
 * Receive the next packet's payload (after the descriptor and any type
 * header). Returns payload bytes, -EAGAIN (empty, or this wakeup's budget
 * of CHAN_RECV_BUDGET packets is used up: recv is called again once
 * pending host requests are served), -ENOBUFS (dropped: too large), -EIO,
 * -EPIPE.
 *
 * -EIO: the guest corrupted a ring. The channel is stopped (logged once):
 * no recv, tick or further ring access until the guest closes and reopens
 * it; send and recv return -EIO meanwhile.
 */
int vmbus_chan_recv(struct vmbus_channel *ch, struct vmbus_pkt *pkt, void *buf,
		    uint32_t len);

/*
 * Bytes the guest has not yet read from the host->guest ring, or -1 if
 * the channel is not open (any thread; for status and hang reports).
 */
long vmbus_chan_unread(struct vmbus_channel *ch);

/*
 * A channel's state and ring statistics for `status --json` (any
 * thread; docs/regress.md section 2). Times are monotonic_ns(), 0 = none.
 */
struct vmbus_chan_status {
	const char *name;
	uint32_t relid;
	const char *state;          /* "open", "closed", "removing", "removed" */
	bool open;                  /* the rings below are valid */
	bool stopped;               /* a corrupt ring stopped it */
	struct {
		uint32_t unread;        /* bytes the guest has not read */
		uint64_t unread_since;  /* went empty -> non-empty; 0 while empty */
		uint64_t guest_read;    /* the guest's read index last moved */
		uint64_t signals;       /* interrupts hvmm raised for it */
		bool guest_mask;        /* the guest's interrupt_mask */
	} h2g;
	struct {
		uint32_t unread;        /* bytes the host has not read */
		uint64_t host_read;     /* the host last read a packet */
	} g2h;
};
void vmbus_chan_status(struct vmbus_channel *ch, struct vmbus_chan_status *st);

/* True while a corrupt ring keeps the open channel stopped (any thread). */
bool vmbus_chan_stopped(struct vmbus_channel *ch);

/* Ask the device thread to run ops->kick (from any thread). */
void vmbus_device_kick(struct vmbus_channel *ch);

#endif
