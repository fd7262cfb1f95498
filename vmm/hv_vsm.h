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

/* More HV_REGISTER_NAME values (OpenVMM vm/hv1/hvdef HvX64RegisterName). */
#define HV_X64_REGISTER_RSP 0x00020004
#define HV_X64_REGISTER_RIP 0x00020010
#define HV_X64_REGISTER_RFLAGS 0x00020011
#define HV_X64_REGISTER_CR0 0x00040000
#define HV_X64_REGISTER_CR3 0x00040002
#define HV_X64_REGISTER_CR4 0x00040003
#define HV_X64_REGISTER_DR7 0x00050005
#define HV_X64_REGISTER_ES 0x00060000   /* ES CS SS DS FS GS LDTR TR: +0..+7 */
#define HV_X64_REGISTER_TR 0x00060007
#define HV_X64_REGISTER_IDTR 0x00070000
#define HV_X64_REGISTER_GDTR 0x00070001
#define HV_X64_REGISTER_EFER 0x00080001
#define HV_X64_REGISTER_KERNEL_GS_BASE 0x00080002
#define HV_X64_REGISTER_PAT 0x00080004
#define HV_X64_REGISTER_SYSENTER_CS 0x00080005
#define HV_X64_REGISTER_SYSENTER_EIP 0x00080006
#define HV_X64_REGISTER_SYSENTER_ESP 0x00080007
#define HV_X64_REGISTER_STAR 0x00080008
#define HV_X64_REGISTER_LSTAR 0x00080009
#define HV_X64_REGISTER_CSTAR 0x0008000a
#define HV_X64_REGISTER_SFMASK 0x0008000b
#define HV_X64_REGISTER_TSC_AUX 0x0008007b

/* CPUID 0x40000003.EBX (privileges 32-63): OpenVMM HvPartitionPrivilege. */
#define HV_ACCESS_VSM (1U << 16)
#define HV_ACCESS_VP_REGISTERS (1U << 17)

/* The MSRs that are private to a VTL (TLFS "VTL state"), swapped on a switch. */
#define MSR_HV_VP_ASSIST_PAGE 0x40000073
#define MSR_HV_SCONTROL 0x40000080
#define MSR_HV_SIEFP 0x40000082
#define MSR_HV_SIMP 0x40000083
#define MSR_HV_SINT0 0x40000090
#define HV_VSM_NR_PRIVATE_MSRS 30
extern const uint32_t hv_vsm_private_msrs[HV_VSM_NR_PRIVATE_MSRS];

/* HV_X64_SEGMENT_REGISTER / HV_X64_TABLE_REGISTER, 16 bytes each (TLFS). */
struct hv_x64_segment {
	uint64_t base;
	uint32_t limit;
	uint16_t selector;
	uint16_t attributes;   /* type:4 s:1 dpl:2 p:1 rsvd:4 avl:1 l:1 db:1 g:1 */
};

struct hv_x64_table {
	uint16_t pad[3];
	uint16_t limit;
	uint64_t base;
};

/* HV_INITIAL_VP_CONTEXT (x64), 224 bytes: EnableVpVtl, StartVirtualProcessor. */
struct hv_initial_vp_context {
	uint64_t rip, rsp, rflags;
	struct hv_x64_segment cs, ds, es, fs, gs, ss, tr, ldtr;
	struct hv_x64_table idtr, gdtr;
	uint64_t efer, cr0, cr3, cr4, msr_cr_pat;
};

/* A VTL's SynIC page registers, as the guest last wrote them. */
struct hv_vsm_synic {
	uint64_t scontrol, simp, siefp;
};

/* VP assist page, HV_VP_VTL_CONTROL at offset 8 (Linux hv_vp_assist_page). */
#define HV_VP_ASSIST_ENTRY_REASON 8
#define HV_VP_ASSIST_RET_RAX 16
#define HV_VP_ASSIST_RET_RCX 24
#define HV_VTL_ENTRY_RESERVED 0
#define HV_VTL_ENTRY_VTL_CALL 1
#define HV_VTL_ENTRY_INTERRUPT 2

/* Secure intercept delivered to VTL1 (TLFS HvMessageTypeGpaIntercept). */
#define HVMSG_GPA_INTERCEPT 0x80000001U
#define HV_VSM_INTERCEPT_SINT 0

/*
 * The private state of one VTL of one VP, in KVM's formats. CR2, the
 * GPRs except RSP, FPU/XSAVE, MTRRs, DR0-3/DR6 and the LAPIC (so CR8,
 * its TPR) stay shared (docs/vsm.md says why the LAPIC is not swapped);
 * msrs[] holds the hv_vsm_private_msrs[] the vCPU has, by index.
 */
struct hv_vtl_state {
	struct kvm_regs regs;          /* only rip, rsp, rflags are private */
	struct kvm_sregs sregs;        /* cr2 and apic_base are shared */
	struct kvm_vcpu_events events;
	uint64_t dr7;
	uint32_t nmsrs;
	struct kvm_msr_entry msrs[40]; /* looked up by index (hv_vsm_state_msr) */
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

/*
 * Register the VSM hypercalls of hv_vsm.c and hv_vtl_switch.c (0x0d 0x0f
 * 0x11 0x12 0x50 0x51 0x99 0x9a; hv_vsm_mem.c registers 0x0c and 0x52).
 *
 * Rules (docs/vsm.md): partition id must be HV_PARTITION_ID_SELF
 * (HV_STATUS_INVALID_PARTITION_ID); a VP index beyond the VM or not SELF
 * -> HV_STATUS_INVALID_VP_INDEX; a target VTL above the caller's ->
 * HV_STATUS_ACCESS_DENIED; reserved bits -> HV_STATUS_INVALID_PARAMETER.
 * x64 registers: of a VTL that is not running, its saved state; of the
 * caller's own running VTL, the live vCPU (on the caller's thread); of
 * the VTL another VP runs -> HV_STATUS_INVALID_VP_STATE (its state lives
 * in that vCPU, which only its thread may touch).
 */
int hv_vsm_register_hcalls(struct hv_vsm *vsm, struct hv_hcall_table *t);

/* The VTL VP `vp` runs now (for hv_hcall_caller.vtl and SynIC exits). */
uint8_t hv_vsm_active_vtl(struct hv_vsm *vsm, uint32_t vp);

/*
 * On VP `vp`'s thread before each KVM_RUN: apply a queued
 * StartVirtualProcessor (load the context, KVM_SET_MP_STATE runnable).
 * Cheap when nothing is queued (one atomic load). Always 0.
 */
int hv_vsm_vcpu_pending(struct hv_vsm *vsm, uint32_t vp);

/*
 * Switch VP `vp` (on its own thread) into VTL1 with `reason`, saving
 * VTL0's state; used by VtlCall and by secure intercepts. 0, -EINVAL (not
 * in VTL0, or VTL1 not enabled on the VP), or the cpu ops' error (then
 * VTL0 keeps running). The save completes the exit's pending instruction
 * first (hv_vsm_kvm.c), so VTL0 later resumes after it.
 */
int hv_vsm_enter_vtl1(struct hv_vsm *vsm, uint32_t vp, uint32_t reason);

/*
 * VTL `vtl`'s paging registers on VP `vp`, live or saved. 0, -EINVAL (VTL
 * not enabled there), -EBUSY (`vtl` runs on another VP's vCPU, which only
 * its thread may read).
 */
int hv_vsm_paging_regs(struct hv_vsm *vsm, uint32_t vp, uint8_t vtl, uint64_t *cr0,
		       uint64_t *cr3, uint64_t *cr4, uint64_t *efer);

/*
 * SynIC MSR exits (hyperv.c): while VTL1 runs on `vp`, its SynIC page
 * registers are VTL1's, not VMBus's (VTL0's hv->vp[]): this returns the
 * record to update (written only by vp's thread, read with __atomic), or
 * NULL when VTL0 runs.
 */
struct hv_vsm_synic *hv_vsm_synic_exit_target(struct hv_vsm *vsm, uint32_t vp);

/* VTL1's SynIC registers on `vp` (for intercept messages). 0 or -EINVAL. */
int hv_vsm_vtl1_synic(struct hv_vsm *vsm, uint32_t vp, struct hv_vsm_synic *out);

/*
 * VTL `vtl`'s private state on VP `vp`: the live vCPU state (through the
 * cpu ops' save) if `vtl` is active, else the saved copy. On the VP's own
 * thread only. 0, -EINVAL (bad VP or VTL not enabled on it), or the save
 * error. Added for hv_vsm_mem.c (secure intercepts, translate);
 * defined there, on hv_vsm_int.h.
 */
int hv_vsm_vtl_state(struct hv_vsm *vsm, uint32_t vp, uint8_t vtl, struct hv_vtl_state *out);

/* Raise SINT `sint` on VP `vp` (its cpu ops' raise_sint). 0 or -errno. */
int hv_vsm_raise_sint(struct hv_vsm *vsm, uint32_t vp, unsigned int sint);

/*
 * A VTL0 access to `gpa` hit KVM (a write to a read-only slot, or any
 * access to an unmapped page). Returns true if it violated a VTL1
 * protection: the access is dropped (reads return 0xff bytes) and a
 * secure intercept is queued for VTL1; false if the GPA is not protected.
 */
bool hv_vsm_mem_fault(struct hv_vsm *vsm, uint32_t vp, uint64_t gpa, bool write,
		      void *data, unsigned int len);

/*
 * --vsm on (hv_vsm_kvm.c): after the vCPUs and hyperv_setup_routes, before
 * the vCPUs run: the VSM state, its hypercalls and SINT routes, the
 * vCPUs bound. 0 (also without --vsm) or -errno. Teardown after join.
 */
struct vm;
int hv_vsm_kvm_setup(struct vm *vm);
void hv_vsm_kvm_teardown(struct vm *vm);

#endif
