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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmbus/proto.h"

#define PAGE 4096u
#define ALIGNED_PAGE __attribute__((aligned(4096)))

/* ---- Hyper-V MSRs (Linux hvgdk_mini.h) ---------------------------------- */
#define HV_MSR_GUEST_OS_ID 0x40000000
#define HV_MSR_HYPERCALL 0x40000001
#define HV_MSR_VP_INDEX 0x40000002
#define HV_MSR_TIME_REF_COUNT 0x40000020 /* 100 ns units */
#define HV_MSR_SCONTROL 0x40000080
#define HV_MSR_SIEFP 0x40000082
#define HV_MSR_SIMP 0x40000083
#define HV_MSR_EOM 0x40000084
#define HV_MSR_SINT0 0x40000090
#define HV_SINT_MASKED (1ULL << 16)

/* Hypercall codes and input bits (TLFS; Linux hvgdk_mini.h). */
#define HVCALL_POST_MESSAGE 0x005c
#define HVCALL_SIGNAL_EVENT 0x005d
#define HV_HYPERCALL_FAST (1ULL << 16)
#define HV_HYPERCALL_REP_COUNT(n) ((uint64_t)(n) << 32)

#define HV_STATUS_SUCCESS 0
#define HV_STATUS_INSUFFICIENT_BUFFERS 0x13
#define HV_STATUS_NR 0x80 /* status histogram buckets; larger codes share the last */

/* SynIC message slot (TLFS struct hv_message), 256 bytes per SINT. */
struct hv_msg {
	uint32_t type; /* 0 = slot free */
	uint8_t size;
	uint8_t flags; /* bit 0: message pending (host wants an EOM) */
	uint8_t rsvd[2];
	uint64_t sender;
	uint8_t payload[240];
} __attribute__((packed, aligned(8))); /* slots are 256-byte aligned */
_Static_assert(sizeof(struct hv_msg) == 256, "hv_msg");

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

/* ---- lib.c --------------------------------------------------------------- */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void con_puts(const char *s);
void con_putu(uint64_t v);
void con_puthex(uint64_t v);
/* For the exception path: the faulting CPU may hold the console lock. */
void con_puts_nolock(const char *s);
void con_puthex_nolock(uint64_t v);
/* Load (building it once) the IDT that reports faults instead of triple-faulting. */
void idt_load(void);
/* "key=value" words on a line: con_kv("x", 3) prints " x=3". */
void con_kv(const char *k, uint64_t v);
void spin_lock(volatile int *l);
void spin_unlock(volatile int *l);
uint64_t cmdline_u64(const char *key, uint64_t dflt);
__attribute__((noreturn)) void poweroff(void);

/* xorshift64*: every hostile choice comes from a seeded generator. */
struct rng {
	uint64_t s;
};
uint64_t rng_next(struct rng *r);
static inline uint32_t rng_below(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)(rng_next(r) % n) : 0;
}

/* ---- cpu.h-ish inlines ----------------------------------------------------- */
static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

#define RD_ONCE(x) __atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define WR_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELEASE)
#define MB() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- hv.c: Hyper-V plumbing ------------------------------------------------ */
bool hv_detect(void);
void hv_partition_init(void);
void hv_synic_enable(struct vp *vp);
uint64_t hv_now_ms(void);
/* Spin until done(arg) or ms pass (reading the clock every 512 spins). */
bool spin_wait(bool (*done)(void *arg), void *arg, uint32_t ms);
void delay_ms(uint32_t ms);
bool flag_set(void *flag); /* done() for a volatile int */
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
