/* SPDX-License-Identifier: MIT */
/*
 * The hostile test guest: a freestanding 64-bit kernel that hvmm loads as
 * a plain ELF64 (entered in long mode on hvmm's 4 GiB identity map, see
 * vmm/x86_boot.c) and that talks to hvmm's VMBus server through the real
 * Hyper-V interfaces, then attacks it. See docs/hostile-guest.md.
 *
 * Wire formats come from hvmm's own devices/vmbus/proto.h (which follows
 * Linux include/linux/hyperv.h); the Hyper-V MSR and hypercall numbers
 * follow Linux include/hyperv/hvgdk_mini.h and KVM arch/x86/kvm/hyperv.c.
 *
 * Every wait is bounded (hv_now_ms() deadlines), so the guest always ends
 * by printing a verdict and powering off.
 */
#ifndef HOSTILE_H
#define HOSTILE_H

#include "guest.h"
#include "hv.h"
#include "vmbus/proto.h"

/* ---- Hyper-V MSRs and hypercalls beyond lib/hv.h (hvgdk_mini.h) ----------- */
#define HVCALL_POST_MESSAGE 0x005c
#define HVCALL_SIGNAL_EVENT 0x005d
#define HV_STATUS_NR 0x80 /* status histogram buckets; larger codes share the last */

/* HvPostMessage input (TLFS), the first bytes of a page. */
struct hv_post_in {
	uint32_t conn_id;
	uint32_t rsvd;
	uint32_t msg_type; /* 1 = VMBus channel message */
	uint32_t size;
	uint8_t payload[240];
} __attribute__((packed));

/* Per-vCPU SynIC state; each vCPU owns its pages. */
struct vp {
	unsigned int id;
	struct hv_msg *simp; /* page of 16 slots */
	uint8_t *siefp;
	struct hv_post_in *in; /* HvPostMessage input page */
};

/* ---- counters, printed at the end ---------------------------------------- */
struct stats {
	uint64_t posts, signals, hcalls_bad, msgs_rx, eoms, pokes, ring_pkts, ring_full;
	uint64_t waits_timed_out, steps;
	uint64_t status[HV_STATUS_NR];
	uint64_t ap_iters, ap_posts, ap_signals, ap_msgs;
};
extern struct stats st;

/* ---- main.c ------------------------------------------------------------- */
/* Load (building it once) the IDT that reports faults instead of triple-faulting. */
void idt_load(void);

/* xorshift64*: every hostile choice comes from a seeded generator. */
struct rng {
	uint64_t s;
};
uint64_t rng_next(struct rng *r);
static inline uint32_t rng_below(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)(rng_next(r) % n) : 0;
}

/* ---- hv.c: Hyper-V plumbing ------------------------------------------------ */
void hv_partition_init(void);
void hv_vp_synic_enable(struct vp *vp);
/* Raw hypercall through the hypercall page; returns the 16-bit status. */
uint16_t hv_hcall(uint64_t control, uint64_t in_gpa, uint64_t out_gpa);
/* HvPostMessage of `len` bytes (len may lie: it goes in as given). */
uint16_t hv_post(struct vp *vp, uint32_t conn, const void *msg, uint32_t len);
/* HvSignalEvent, fast form: the input is the connection id (+ flag << 32). */
uint16_t hv_signal(uint64_t param);
/* The SINT2 slot: a message waiting? copy it out, free the slot, EOM. */
bool slot_busy(struct vp *vp);
int slot_take(struct vp *vp, void *buf, uint32_t *len);
/* Free the slot without the EOM a well-behaved guest owes. */
void slot_free_no_eom(struct vp *vp);
/* Wait up to ms for a message of `type` (0 = any), consuming others. */
int vmbus_wait(struct vp *vp, uint32_t type, void *buf, uint32_t ms);
/* Consume messages until none arrived for quiet_ms (at most max_ms). */
unsigned int vmbus_drain(struct vp *vp, uint32_t quiet_ms, uint32_t max_ms);

/* ---- vmbus.c: a well-behaved client ---------------------------------------- */
struct chan_info {
	uint32_t relid, conn_id;
	bool found;
};
struct ring_set {
	uint8_t *pages; /* npages contiguous identity-mapped pages */
	uint32_t npages, down; /* downstream (host -> guest) ring page offset */
	uint32_t gpadl;
};
extern struct chan_info shutdown_ic, heartbeat_ic;
/* GPADL handles come from a window of 64 that the BSP and the AP share. */
#define GPADL_HANDLE_BASE 0xe1e10000u
/* Each returns 0 or the name of the step that failed. */
const char *vmbus_connect(struct vp *vp, uint32_t ms);
const char *vmbus_offers(struct vp *vp, uint32_t ms);
const char *vmbus_gpadl(struct vp *vp, uint32_t relid, struct ring_set *rs, uint32_t ms);
const char *vmbus_open(struct vp *vp, uint32_t relid, struct ring_set *rs, uint32_t ms);
const char *vmbus_expect_negotiate(struct ring_set *rs, uint32_t ms);
/* Messages as the server decodes them. */
uint16_t post_initiate(struct vp *vp, uint32_t version, uint32_t vcpu, uint8_t sint);
uint16_t post_hdr(struct vp *vp, uint32_t type);
uint16_t post_relid(struct vp *vp, uint32_t type, uint32_t relid);
uint16_t post_gpadl_header(struct vp *vp, uint32_t relid, uint32_t handle, uint16_t range_buflen,
			   uint16_t rangecount, uint32_t byte_count, uint32_t byte_offset,
			   const uint64_t *pfn, uint32_t npfn);
uint16_t post_gpadl_body(struct vp *vp, uint32_t handle, uint32_t msgno, const uint64_t *pfn,
			 uint32_t npfn);
uint16_t post_teardown(struct vp *vp, uint32_t relid, uint32_t handle);
uint16_t post_open(struct vp *vp, uint32_t relid, uint32_t handle, uint32_t vcpu, uint32_t down);
uint16_t post_modify(struct vp *vp, uint32_t relid, uint32_t vcpu);
/* Write one inband packet into the guest -> host ring; -1 when full. */
int ring_put(struct ring_set *rs, const void *data, uint32_t len, uint64_t trans);

/* ---- attack.c, io.c, ap.c --------------------------------------------------- */
extern struct rng seed_rng;
void hostile_run(struct vp *vp, struct rng *r);
void hostile_poke_io(struct rng *r);
bool ap_start(void);
void ap_go(uint64_t seed);
void ap_stop(void);
extern volatile int ap_alive, ap_done;

#endif
