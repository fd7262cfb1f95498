/* SPDX-License-Identifier: MIT */
/*
 * Inside the VSM emulation: the per-VP state shared by hv_vsm.c (enable
 * calls, registers) and hv_vtl_switch.c (the switch itself). Not for
 * other users: they go through hv_vsm.h.
 *
 * Locking: vsm->lock guards every field below except `ops`/`cpu` (set
 * before the vCPUs run) and `active_vtl`/`pending`, which the owner
 * thread writes under the lock and anyone may read with __atomic loads.
 * A VTL switch holds the lock from the save of the old VTL to the load
 * of the new one, so saved[] is never seen half-written.
 */
#ifndef HVMM_HV_VSM_INT_H
#define HVMM_HV_VSM_INT_H

#include "hv_vsm.h"
#include "hyperv.h" /* HV_STATUS_* */

struct hv_vsm_vp {
	const struct hv_vsm_cpu_ops *ops;
	void *cpu;
	uint8_t active_vtl;
	uint16_t enabled_vtls;          /* bit n: VTL n enabled on this VP */
	bool started;                   /* VP 0, or started by StartVirtualProcessor */
	/* The private state of the VTL that is not running (saved[active] is stale). */
	struct hv_vtl_state saved[HV_NUM_VTLS];
	uint64_t vina[HV_NUM_VTLS];
	uint64_t secure_config_vtl0;    /* HvRegisterVsmVpSecureConfigVtl0 (VTL1's) */
	struct hv_vsm_synic synic1;     /* VTL1's SynIC page registers */
	/* A StartVirtualProcessor for this VP's thread: hv_vsm_vcpu_pending. */
	int pending;
	uint8_t start_vtl;
	struct hv_initial_vp_context start_ctx;
};

/* Status-or-raw result of the switch handlers: inject #UD (TLFS). */
#define HV_VSM_UD (-1000)

/* hv_vtl_switch.c */
void hv_vsm_state_from_ctx(struct hv_vtl_state *s, const struct hv_initial_vp_context *ctx);
struct kvm_msr_entry *hv_vsm_state_msr(struct hv_vtl_state *s, uint32_t index);
void hv_vsm_seg_from_hv(struct kvm_segment *k, const struct hv_x64_segment *h);
void hv_vsm_seg_to_hv(struct hv_x64_segment *h, const struct kvm_segment *k);
/*
 * Make VTL `vtl` run on `p`: load saved[vtl] merged with the shared part
 * of `live` (the state just saved), keep `live` as the old VTL's. With
 * vtl == active, just loads saved[vtl] (StartVirtualProcessor). Lock held.
 */
int hv_vsm_switch_locked(struct hv_vsm *vsm, struct hv_vsm_vp *p, const struct hv_vtl_state *live,
			 uint8_t vtl);
uint32_t hv_vtl_call(const struct hv_hcall_caller *c, struct hv_hcall_regs *regs);
uint32_t hv_vtl_return(const struct hv_hcall_caller *c, struct hv_hcall_regs *regs);

/* hv_vsm.c */
const struct hv_hcall_desc *hv_vsm_hcall_desc(uint16_t code); /* tests, fuzzer */
bool hv_vsm_on_vp_thread(uint32_t vp); /* may this thread touch vp's vCPU? */
/* Get/SetVpRegisters (hv_vsm_regs.c). */
uint16_t hv_vsm_get_vp_registers(const struct hv_hcall_caller *c, const struct hv_hcall_mem *mem,
				 const void *hdr, size_t hdr_len, const void *elem, uint32_t idx,
				 void *out_elem);
uint16_t hv_vsm_set_vp_registers(const struct hv_hcall_caller *c, const struct hv_hcall_mem *mem,
				 const void *hdr, size_t hdr_len, const void *elem, uint32_t idx,
				 void *out_elem);

#endif
