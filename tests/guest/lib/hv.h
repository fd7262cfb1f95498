/* SPDX-License-Identifier: MIT */
/*
 * Hyper-V plumbing of the test guests, written against the TLFS only.
 * MSR and hypercall numbers follow Linux include/hyperv/hvgdk_mini.h
 * (HV_X64_MSR_*, HVCALL_*) and the TLFS; the 64-bit hypercall convention
 * (RCX control, RDX input GPA, R8 output GPA, RAX result) is Linux
 * hv_do_hypercall() (arch/x86/include/asm/mshyperv.h).
 */
#ifndef GUEST_HV_H
#define GUEST_HV_H

#include "guest.h"

/* Synthetic MSRs (hvgdk_mini.h). */
#define HV_MSR_GUEST_OS_ID 0x40000000
#define HV_MSR_HYPERCALL 0x40000001
#define HV_MSR_VP_INDEX 0x40000002
#define HV_MSR_TIME_REF_COUNT 0x40000020 /* 100 ns units */
#define HV_MSR_VP_ASSIST_PAGE 0x40000073
#define HV_MSR_SCONTROL 0x40000080
#define HV_MSR_SIEFP 0x40000082
#define HV_MSR_SIMP 0x40000083
#define HV_MSR_EOM 0x40000084
#define HV_MSR_SINT0 0x40000090
#define HV_SINT_MASKED (1ULL << 16)

/* CPUID leaves (TLFS "Feature Discovery"). */
#define HV_CPUID_FEATURES 0x40000003

/* Hypercall control (RCX) and result (RAX) (TLFS "Hypercall Interface"). */
#define HV_HYPERCALL_FAST (1ULL << 16)
#define HV_HYPERCALL_REP_COUNT(n) ((uint64_t)(n) << 32)
#define HV_RESULT_STATUS(rax) ((uint16_t)(rax))
#define HV_RESULT_REPS(rax) ((uint32_t)((rax) >> 32) & 0xfff)

#define HV_STATUS_SUCCESS 0
#define HV_STATUS_INSUFFICIENT_BUFFERS 0x13

/* SynIC message slot (TLFS HV_MESSAGE), 256 bytes per SINT. */
struct hv_msg {
	uint32_t type; /* 0 = slot free */
	uint8_t size;
	uint8_t flags; /* bit 0: message pending (host wants an EOM) */
	uint8_t rsvd[2];
	uint64_t sender;
	uint8_t payload[240];
} __attribute__((packed, aligned(8))); /* slots are 256-byte aligned */
_Static_assert(sizeof(struct hv_msg) == 256, "hv_msg");

/* "Microsoft Hv" at CPUID 0x40000000. */
bool hv_detect(void);
/*
 * Guest OS id, then the hypercall page at `page` (the order of Linux
 * hyperv_init(), arch/x86/hyperv/hv_init.c: the hypervisor ignores the
 * hypercall MSR while the id is 0).
 */
void hv_hypercall_enable(void *page);
/* Call through the hypercall page at `page`; returns RAX. */
uint64_t hv_hypercall(const void *page, uint64_t control, uint64_t in_gpa, uint64_t out_gpa);
/*
 * SIMP (and SIEFP unless NULL), SINT `sint` with `vector`, then SCONTROL:
 * the order of Linux hv_synic_enable_regs() (drivers/hv/hv.c).
 */
void hv_synic_enable(void *simp, void *siefp, unsigned int sint, uint8_t vector);

/* Start the clock of hv_now_ms(). */
void hv_clock_start(void);
/* Milliseconds since hv_clock_start(); never stalls (see hv.c). */
uint64_t hv_now_ms(void);
/* Spin until done(arg) or ms pass (reading the clock every 512 spins). */
bool spin_wait(bool (*done)(void *arg), void *arg, uint32_t ms);
void delay_ms(uint32_t ms);

#endif
