/* SPDX-License-Identifier: MIT */
/*
 * VTL memory protections, secure intercepts and address translation for
 * --vsm on (hv_vsm.h has the big picture, docs/vsm.md "VTL memory
 * protections and intercepts" what KVM can and cannot do).
 *
 *  - HvCallModifyVtlProtectionMask (0x0C): VTL1 restricts VTL0's access to
 *    RAM pages. The VTL0 protection map (GFN -> mask) is bounded; the KVM
 *    side goes through vsm->mem_ops.protect (hv_vsm_memslot.h).
 *  - Secure intercepts: a VTL0 access that violates a mask reaches hvmm as
 *    a KVM MMIO exit; hv_vsm_mem_fault() drops it and queues a GPA
 *    intercept, hv_vsm_mem_pending() delivers it to VTL1 (SIMP slot of
 *    SINT0 + VTL entry with reason "interrupt").
 *  - HvCallTranslateVirtualAddress (0x52): walks a VTL's page tables
 *    (x86_walk.h).
 */
#ifndef HVMM_HV_VSM_MEM_H
#define HVMM_HV_VSM_MEM_H

#include <stdint.h>

#include "guest_mem.h"
#include "hv_vsm.h"

/* HV_MAP_GPA flags (MapFlags of 0x0C; OpenVMM vm/hv1/hvdef HvMapGpaFlags). */
#define HV_MAP_GPA_READABLE (1U << 0)
#define HV_MAP_GPA_WRITABLE (1U << 1)
#define HV_MAP_GPA_KERNEL_EXECUTABLE (1U << 2)
#define HV_MAP_GPA_USER_EXECUTABLE (1U << 3)
#define HV_MAP_GPA_SUPERVISOR_SHADOW_STACK (1U << 4)
#define HV_MAP_GPA_PAGING_WRITABILITY (1U << 5)
#define HV_MAP_GPA_VERIFY_PAGING_WRITABILITY (1U << 6)
#define HV_MAP_GPA_ADJUSTABLE (1U << 15)
#define HV_MAP_GPA_ALL 0xfU

/* The seam's mask (hv_vsm_mem_ops.protect). */
#define HV_VSM_PROT_READ (1U << 0)
#define HV_VSM_PROT_WRITE (1U << 1)
#define HV_VSM_PROT_EXEC (1U << 2)
#define HV_VSM_PROT_ALL 7U

/* HvRegisterVsmPartitionConfig bit 0: EnableVtlProtection. */
#define HV_VSM_CONFIG_ENABLE_VTL_PROTECTION (1ULL << 0)

/* Pages the map holds by default (16 bytes each). */
#define HV_VSM_PROT_MAX_DEFAULT 16384

/*
 * Set up vsm->prot (after hv_vsm_init: needs vsm->nr_vps). `ram` says
 * which GFNs are RAM; at most `max_pages` pages can be restricted at once
 * (0: the default). 0, -EINVAL, -ENOMEM.
 */
int hv_vsm_mem_init(struct hv_vsm *vsm, const struct guest_mem *ram, unsigned int max_pages);
void hv_vsm_mem_destroy(struct hv_vsm *vsm);

/* Register 0x0C and 0x52 with `vsm` as their owner. 0 or -errno. */
int hv_vsm_mem_register_hcalls(struct hv_vsm *vsm, struct hv_hcall_table *t);

/* VTL0's HV_MAP_GPA mask of `gfn` (HV_MAP_GPA_ALL when unrestricted). */
unsigned int hv_vsm_mem_mask(struct hv_vsm *vsm, uint64_t gfn);

/* How many pages are restricted now. */
unsigned int hv_vsm_mem_count(struct hv_vsm *vsm);

/*
 * On VP `vp`'s thread, between KVM_RUN calls, once the MMIO exit that
 * hv_vsm_mem_fault() answered true has been completed in KVM (vcpu.c
 * re-enters KVM_RUN with immediate_exit first): deliver the queued
 * intercept, if any. Also safe to call before every KVM_RUN (retries an
 * intercept whose SIMP slot was busy). 0 or -errno (a failed VTL switch).
 */
int hv_vsm_mem_pending(struct hv_vsm *vsm, uint32_t vp);

/* Counters: intercepts delivered, and dropped (no VTL1 SIMP, queue full). */
struct hv_vsm_mem_stats {
	uint64_t faults, delivered, dropped, busy;
};
void hv_vsm_mem_stats(struct hv_vsm *vsm, struct hv_vsm_mem_stats *st);

/* For hv_vsm_translate.c: the caller's VTL checks shared with 0x0C. */
uint16_t hv_vsm_mem_target_vtl(const struct hv_hcall_caller *c, uint8_t input_vtl,
			       uint8_t *target);

/* HvCallTranslateVirtualAddress (hv_vsm_translate.c), a simple-call handler. */
uint16_t hv_vsm_translate(const struct hv_hcall_caller *c, const struct hv_hcall_mem *mem,
			  const void *in, size_t in_len, void *out);

#endif
