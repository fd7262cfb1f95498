/* SPDX-License-Identifier: MIT */
/*
 * The VBS isolation personality (--isolation vbs): what hvmm tells a
 * guest in CPUID and the one hypercall such a guest needs,
 * HvCallModifySparseGpaPageHostVisibility (0xDB). Linux 6.1 calls it for
 * every page it shares with the host (VMBus rings, GPADLs, monitor pages,
 * swiotlb bounce buffers: arch/x86/hyperv/ivm.c hv_mark_gpa_visibility);
 * hvmm has no private memory to convert, so it validates, records and
 * succeeds. KVM-free: the dispatcher (hv_hcall.h) drives it.
 */
#ifndef HVMM_HV_ISOL_H
#define HVMM_HV_ISOL_H

#include <stdint.h>

#include "hv_hcall.h"

/* CPUID 0x40000003 EBX bit 22: the partition is isolated (TLFS). */
#define HV_ISOLATION (1U << 22)
/* CPUID 0x4000000C EBX bits 0-3: isolation type (HV_ISOLATION_TYPE_VBS). */
#define HV_LEAF_ISOLATION_CONFIG 0x4000000c
#define HV_ISOLATION_TYPE_VBS 1

/* 0xDB input header (Linux arch/x86/hyperv/ivm.c hv_gpa_range_for_visibility). */
struct hv_gpa_visibility_hdr {
	uint64_t partition_id;
	uint32_t host_visibility;      /* bits 0-1; the rest reserved */
	uint32_t reserved;
} __attribute__((packed));

#define HV_VISIBILITY_MASK 0x3U
#define HV_VISIBILITY_NONE 0           /* private to the guest */
#define HV_VISIBILITY_READ_ONLY 1
#define HV_VISIBILITY_READ_WRITE 3     /* 2 (write-only) is not defined */

/* The per-VM record (__atomic counters; read with __atomic_load_n). */
struct hv_isol {
	uint64_t calls;                /* 0xDB calls from element 0 with a good header */
	uint64_t pages_visible;        /* pages made host-visible */
	uint64_t pages_private;        /* pages made private again */
};

/* Register 0xDB in `t`, recording in `isol`. 0 or -errno. */
int hv_isol_register_hcalls(struct hv_isol *isol, struct hv_hcall_table *t);

#endif
