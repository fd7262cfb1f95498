/* SPDX-License-Identifier: MIT */
/*
 * Integration-component devices on VMBus: shutdown, heartbeat, time sync
 * and KVP. Each is one VMBus channel served by its own device thread
 * (devices/vmbus/channel.c); the wire formats are in icmsg.h.
 *
 * Common shape: when the guest opens the channel the host sends NEGOTIATE
 * and, once the guest has answered, the device is "ready" and sends its
 * service requests, one outstanding at a time. Host requests made before
 * the device is ready (e.g. a shutdown asked for right after VM start)
 * are remembered and sent as soon as it is.
 *
 * Status getters and request functions are thread-safe.
 */
#ifndef HVMM_IC_DEV_H
#define HVMM_IC_DEV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "ic/icmsg.h"
#include "vmbus/vmbus.h"

struct vm;
struct vmbus;
struct vmbus_channel;

enum ic_state { IC_CLOSED, IC_NEGOTIATING, IC_READY, IC_FAILED };

#define IC_KVP_FIRST_MAX 96

struct ic_dev;

/* Per-service behaviour, called on the device thread. */
struct ic_service_ops {
	enum ic_service svc;
	const char *name;
	const char *class_guid;
	void (*ready)(struct ic_dev *ic);                          /* negotiated */
	void (*response)(struct ic_dev *ic, const void *buf, uint32_t len);
	void (*tick)(struct ic_dev *ic);                           /* ~1 s */
	void (*kick)(struct ic_dev *ic);                           /* host request */
};

struct ic_dev {
	const struct ic_service_ops *sops;
	struct vmbus_device_ops dops;
	struct vm *vm;
	struct vmbus_channel *ch;

	pthread_mutex_t lock;          /* everything below */
	enum ic_state state;
	struct ic_negotiated nv;
	uint8_t txid;
	int outstanding;               /* ICMSGTYPE_* awaiting an answer, -1 none */
	bool neg_unsent;               /* NEGOTIATE found the ring full: retry it */
	uint64_t sent_ms;
	uint64_t opens;                /* times the guest opened the channel */

	/* shutdown */
	bool sd_pending;               /* requested, not yet sent */
	uint32_t sd_flags;
	bool sd_sent;
	uint32_t sd_status;            /* guest's answer, valid if sd_answered */
	bool sd_answered;
	/* heartbeat */
	uint64_t hb_seq;
	uint64_t hb_count;
	uint64_t hb_last_ms;
	/* time sync */
	uint64_t ts_count;
	uint64_t ts_last_ms;
	/* kvp: the host walks the guest's auto pool, one index at a time */
	bool kvp_answered;
	int kvp_outcome;               /* enum ic_kvp_outcome, of the last answer */
	uint32_t kvp_status;
	uint32_t kvp_index;            /* index asked for */
	uint32_t kvp_items;            /* items received */
	char kvp_first[IC_KVP_FIRST_MAX]; /* first item as "key=value", ASCII */
};

/* The four services, in the order they are offered (shutdown first). */
extern const struct ic_service_ops ic_shutdown_ops, ic_heartbeat_ops, ic_timesync_ops,
	ic_kvp_ops;

/* Create the device and add its channel to `bus`. NULL on failure. */
struct ic_dev *ic_dev_add(struct vmbus *bus, struct vm *vm, const struct ic_service_ops *ops);
void ic_dev_free(struct ic_dev *ic);

/* Snapshot for status reports. */
struct ic_status {
	enum ic_state state;
	struct ic_negotiated nv;
	uint64_t opens;
	uint64_t hb_count, hb_last_ms, ts_count;
	bool sd_pending, sd_sent, sd_answered;
	uint32_t sd_status;
	bool kvp_answered;
	int kvp_outcome;
	uint32_t kvp_status, kvp_items;
	char kvp_first[IC_KVP_FIRST_MAX];
};
void ic_dev_status(struct ic_dev *ic, struct ic_status *st);
const char *ic_state_name(enum ic_state s);

/*
 * Ask the guest to shut down (IC_SHUTDOWN_POWEROFF or IC_SHUTDOWN_REBOOT,
 * optionally | IC_SHUTDOWN_FORCE). Delivered now if the channel is ready,
 * else as soon as it is. Returns 0, or -EBUSY if one is already pending.
 */
int ic_shutdown_request_host(struct ic_dev *ic, uint32_t flags, const char *source);

/* For the services: send a request payload built in `buf` (device thread). */
int ic_dev_send(struct ic_dev *ic, int msgtype, const void *buf, ssize_t len);
/* Next transaction id (device thread, lock held or not: single writer). */
uint8_t ic_dev_next_txid(struct ic_dev *ic);

#endif
