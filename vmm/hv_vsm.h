/* SPDX-License-Identifier: MIT */
/*
 * Virtual Secure Mode (--vsm on): VTL0 and VTL1 emulated in userspace on
 * one KVM vCPU per VP, for test guests that drive the TLFS VSM interface.
 *
 * Upstream KVM has no VSM (see docs/vsm.md): hvmm keeps the private state
 * of the inactive VTL of each VP in memory and swaps it into the vCPU on
 * every VTL call, return and secure intercept. This is a protocol
 * emulator, not a security boundary: both VTLs see the same guest
 * physical address space, and what KVM cannot do (execute protection,
 * MBEC, a separate VTL1 address space) is refused with a TLFS status.
 *
 * Threading: all switches of a VP happen on that VP's vCPU thread. Calls
 * that target another VP (EnableVpVtl, StartVirtualProcessor, register
 * access) take vsm->lock and, where the target vCPU must change, queue
 * the change for its thread (hv_vsm_vcpu_pending) and kick it.
 *
 * Parts: hv_vsm.c (partition/VP state, enable calls, VSM registers and
 * Get/SetVpRegisters), hv_vtl_switch.c (VtlCall/VtlReturn and the state
 * swap), hv_vsm_mem.c (ModifyVtlProtectionMask, secure intercepts,
 * TranslateVirtualAddress), hv_vsm_kvm.c (the KVM side of the seam below).
 */
#ifndef HVMM_HV_VSM_H
#define HVMM_HV_VSM_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "hv_hcall.h"

#define HV_NUM_VTLS 2

/* HV_REGISTER_NAME values (TLFS, hvgdk_mini.h). */
#define HV_REGISTER_VSM_CODE_PAGE_OFFSETS 0x000d0002
#define HV_REGISTER_VSM_VP_STATUS 0x000d0003
#define HV_REGISTER_VSM_PARTITION_STATUS 0x000d0004
#define HV_REGISTER_VSM_VINA 0x000d0005
#define HV_REGISTER_VSM_CAPABILITIES 0x000d0006
#define HV_REGISTER_VSM_PARTITION_CONFIG 0x000d0007
#define HV_REGISTER_VSM_VP_SECURE_CONFIG_VTL0 0x000d0010

/* VP assist page, HV_VP_VTL_CONTROL at offset 8 (Linux hv_vp_assist_page). */
#define HV_VTL_ENTRY_RESERVED 0
#define HV_VTL_ENTRY_VTL_CALL 1
#define HV_VTL_ENTRY_INTERRUPT 2

/* Secure intercept delivered to VTL1 (TLFS HvMessageTypeGpaIntercept). */
#define HVMSG_GPA_INTERCEPT 0x80000001U
#define HV_VSM_INTERCEPT_SINT 0

/*
 * The private state of one VTL of one VP, in KVM's formats. CR2, the
 * GPRs except RSP, FPU/XSAVE, MTRRs, DR0-3/DR6 and the LAPIC stay shared
 * (docs/vsm.md says why the LAPIC is not swapped).
 */
struct hv_vtl_state {
	struct kvm_regs regs;          /* only rip, rsp, rflags are private */
	struct kvm_sregs sregs;        /* cr2 and apic_base are shared */
	struct kvm_vcpu_events events;
	uint64_t dr7;
	uint32_t nmsrs;
	struct kvm_msr_entry msrs[40]; /* hv_vsm_private_msrs[] order */
};

/*
 * The KVM side of a VTL switch for one vCPU; tests supply fakes. All run
 * on the vCPU's own thread, between KVM_RUN calls. 0 or -errno.
 */
struct hv_vsm_cpu_ops {
	int (*save)(void *cpu, struct hv_vtl_state *s);
	int (*load)(void *cpu, const struct hv_vtl_state *s);
	/* Raise SINT `sint` of this VP now (KVM_IRQ_LINE on its HV_SINT route). */
	int (*raise_sint)(void *cpu, unsigned int sint);
	/* Make a halted/un-started vCPU runnable (KVM_SET_MP_STATE). */
	int (*set_runnable)(void *cpu);
	/* Wake the vCPU's thread so that it runs hv_vsm_vcpu_pending(). */
	void (*kick)(void *cpu);
};

/*
 * Memory protection seam (hv_vsm_mem.c): apply `mask` (bit 0 read, 1
 * write, 2 execute) to VTL0's view of [gfn, gfn + n). 0 or -errno.
 */
struct hv_vsm_mem_ops {
	int (*protect)(void *opaque, uint64_t gfn, uint64_t n, unsigned int mask);
	void *opaque;
};

struct hv_vsm_vp;   /* per-VP state, hv_vsm.c */
struct hv_vsm_prot; /* the VTL0 protection map, hv_vsm_mem.c */

struct hv_vsm {
	pthread_mutex_t lock;
	unsigned int nr_vps;
	uint16_t enabled_vtls;         /* partition: bit n = VTL n enabled */
	uint64_t partition_config;     /* HvRegisterVsmPartitionConfig */
	struct hv_vsm_vp *vp;          /* nr_vps entries */
	struct hv_vsm_prot *prot;
	struct hv_vsm_mem_ops mem_ops;
	const struct hv_hcall_mem *gmem; /* guest memory (assist/SIMP pages) */
	uint32_t call_offset, return_offset; /* in the hypercall page */
	uint64_t vtl_calls, vtl_returns, intercepts; /* __atomic counters */
};

int hv_vsm_init(struct hv_vsm *vsm, unsigned int nr_vps, const struct hv_hcall_mem *gmem,
		uint32_t call_offset, uint32_t return_offset);
void hv_vsm_destroy(struct hv_vsm *vsm);

/* Bind VP `vp`'s vCPU (before it runs). */
int hv_vsm_bind_vcpu(struct hv_vsm *vsm, uint32_t vp, const struct hv_vsm_cpu_ops *ops,
		     void *cpu);

/* Register every VSM hypercall (0x0c 0x0d 0x0f 0x11 0x12 0x50-0x52 0x99 0x9a). */
int hv_vsm_register_hcalls(struct hv_vsm *vsm, struct hv_hcall_table *t);

/* The VTL VP `vp` runs now (for hv_hcall_caller.vtl and SynIC exits). */
uint8_t hv_vsm_active_vtl(struct hv_vsm *vsm, uint32_t vp);

/* On VP `vp`'s thread before each KVM_RUN: apply queued changes. */
int hv_vsm_vcpu_pending(struct hv_vsm *vsm, uint32_t vp);

/*
 * Switch VP `vp` (on its own thread) into VTL1 with `reason`, saving
 * VTL0's state; used by VtlCall and by secure intercepts.
 */
int hv_vsm_enter_vtl1(struct hv_vsm *vsm, uint32_t vp, uint32_t reason);

/* VTL `vtl`'s paging registers on VP `vp`, live or saved. 0 or -EINVAL. */
int hv_vsm_paging_regs(struct hv_vsm *vsm, uint32_t vp, uint8_t vtl, uint64_t *cr0,
		       uint64_t *cr3, uint64_t *cr4, uint64_t *efer);

/*
 * A VTL0 access to `gpa` hit KVM (a write to a read-only slot, or any
 * access to an unmapped page). Returns true if it violated a VTL1
 * protection: the access is dropped (reads return 0xff bytes) and a
 * secure intercept is queued for VTL1; false if the GPA is not protected.
 */
bool hv_vsm_mem_fault(struct hv_vsm *vsm, uint32_t vp, uint64_t gpa, bool write,
		      void *data, unsigned int len);

#endif
