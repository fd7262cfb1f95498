// SPDX-License-Identifier: MIT
/*
 * VTL switches: HvCallVtlCall (0x11), HvCallVtlReturn (0x12) and the VTL1
 * entry that secure intercepts share (hv_vsm_enter_vtl1).
 *
 * One KVM vCPU per VP runs whichever VTL is active. A switch saves the
 * vCPU's state, keeps it as the old VTL's private state, and loads the
 * new VTL's private state merged with the shared part of the live state
 * (hv_vsm_state_merge): GPRs except RSP, CR2, CR8 (the TPR lives in the
 * LAPIC, which is shared), APIC base, DR0-3/DR6, FPU/XSAVE and the MTRRs
 * are never touched. Everything in hv_vsm_private_msrs[] is private.
 *
 * Guest-visible rules (TLFS "Virtual Secure Mode", OpenVMM
 * vm/hv1/hv1_hypercall/src/imp.rs VtlCall/VtlReturn): a VtlCall needs VTL0,
 * CPL0 in protected mode, VTL1 enabled on the VP, the control word to be
 * the bare code and the input (RAX) 0; a VtlReturn needs VTL1, the bare
 * code and RAX 0 or 1 (bit 0: fast return). Anything else raises #UD in
 * the caller and changes nothing else.
 */
#include <errno.h>
#include <string.h>

#include "hv_vsm_int.h"
#include "util.h"

#define MSR_IA32_SYSENTER_CS 0x174
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176
#define MSR_IA32_CR_PAT 0x277
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SYSCALL_MASK 0xc0000084
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_TSC_AUX 0xc0000103

#define HV_SINT_MASKED (1ULL << 16)
#define X86_CR0_PE 1ULL
#define UD_VECTOR 6
#define HV_VMBUS_SINT_NR 2 /* hyperv.h HV_VMBUS_SINT */

/*
 * Private per TLFS. Not here, and why (docs/vsm.md): HV_X64_MSR_HYPERCALL
 * and GUEST_OS_ID are partition-wide in KVM (struct kvm_hv, hyperv.c), so
 * swapping them on one vCPU would change every VP; the synthetic timers
 * keep running across a switch; EOM is write-only.
 */
const uint32_t hv_vsm_private_msrs[HV_VSM_NR_PRIVATE_MSRS] = {
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK, MSR_KERNEL_GS_BASE,
	MSR_TSC_AUX, MSR_IA32_CR_PAT, MSR_HV_VP_ASSIST_PAGE,
	MSR_HV_SCONTROL, MSR_HV_SIEFP, MSR_HV_SIMP,
	MSR_HV_SINT0 + 0, MSR_HV_SINT0 + 1, MSR_HV_SINT0 + 2, MSR_HV_SINT0 + 3,
	MSR_HV_SINT0 + 4, MSR_HV_SINT0 + 5, MSR_HV_SINT0 + 6, MSR_HV_SINT0 + 7,
	MSR_HV_SINT0 + 8, MSR_HV_SINT0 + 9, MSR_HV_SINT0 + 10, MSR_HV_SINT0 + 11,
	MSR_HV_SINT0 + 12, MSR_HV_SINT0 + 13, MSR_HV_SINT0 + 14, MSR_HV_SINT0 + 15,
};

struct kvm_msr_entry *hv_vsm_state_msr(struct hv_vtl_state *s, uint32_t index)
{
	uint32_t i;

	for (i = 0; i < s->nmsrs && i < ARRAY_SIZE(s->msrs); i++)
		if (s->msrs[i].index == index)
			return &s->msrs[i];
	return NULL;
}

/* The reset value of a private MSR in a VTL that never ran. */
static uint64_t msr_reset_value(uint32_t index)
{
	if (index >= MSR_HV_SINT0 && index < MSR_HV_SINT0 + 16)
		return HV_SINT_MASKED;
	if (index == MSR_IA32_CR_PAT)
		return 0x0007040600070406ULL;
	return 0;
}

void hv_vsm_seg_from_hv(struct kvm_segment *k, const struct hv_x64_segment *h)
{
	uint16_t a = h->attributes;

	memset(k, 0, sizeof(*k));
	k->base = h->base;
	k->limit = h->limit;
	k->selector = h->selector;
	k->type = a & 0xf;
	k->s = (a >> 4) & 1;
	k->dpl = (a >> 5) & 3;
	k->present = (a >> 7) & 1;
	k->avl = (a >> 12) & 1;
	k->l = (a >> 13) & 1;
	k->db = (a >> 14) & 1;
	k->g = (a >> 15) & 1;
	k->unusable = !k->present;
}

void hv_vsm_seg_to_hv(struct hv_x64_segment *h, const struct kvm_segment *k)
{
	h->base = k->base;
	h->limit = k->limit;
	h->selector = k->selector;
	h->attributes = (uint16_t)((k->type & 0xf) | (k->s & 1) << 4 | (k->dpl & 3) << 5 |
				   (k->present & 1) << 7 | (k->avl & 1) << 12 |
				   (k->l & 1) << 13 | (k->db & 1) << 14 | (k->g & 1) << 15);
}

/*
 * A VTL that has not run yet: the initial context, every private MSR at
 * its reset value, no pending events, DR7 at reset.
 */
void hv_vsm_state_from_ctx(struct hv_vtl_state *s, const struct hv_initial_vp_context *ctx)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	s->regs.rip = ctx->rip;
	s->regs.rsp = ctx->rsp;
	s->regs.rflags = ctx->rflags | 2; /* bit 1 is always set */
	hv_vsm_seg_from_hv(&s->sregs.cs, &ctx->cs);
	hv_vsm_seg_from_hv(&s->sregs.ds, &ctx->ds);
	hv_vsm_seg_from_hv(&s->sregs.es, &ctx->es);
	hv_vsm_seg_from_hv(&s->sregs.fs, &ctx->fs);
	hv_vsm_seg_from_hv(&s->sregs.gs, &ctx->gs);
	hv_vsm_seg_from_hv(&s->sregs.ss, &ctx->ss);
	hv_vsm_seg_from_hv(&s->sregs.tr, &ctx->tr);
	hv_vsm_seg_from_hv(&s->sregs.ldt, &ctx->ldtr);
	s->sregs.idt.base = ctx->idtr.base;
	s->sregs.idt.limit = ctx->idtr.limit;
	s->sregs.gdt.base = ctx->gdtr.base;
	s->sregs.gdt.limit = ctx->gdtr.limit;
	s->sregs.efer = ctx->efer;
	s->sregs.cr0 = ctx->cr0;
	s->sregs.cr3 = ctx->cr3;
	s->sregs.cr4 = ctx->cr4;
	s->dr7 = 0x400;
	s->nmsrs = HV_VSM_NR_PRIVATE_MSRS;
	for (i = 0; i < HV_VSM_NR_PRIVATE_MSRS; i++) {
		s->msrs[i].index = hv_vsm_private_msrs[i];
		s->msrs[i].data = msr_reset_value(hv_vsm_private_msrs[i]);
	}
	hv_vsm_state_msr(s, MSR_IA32_CR_PAT)->data = ctx->msr_cr_pat;
}

/*
 * What to load: `to`'s private state, `live`'s shared state. The MSR
 * list is the live one (the MSRs the vCPU really has: KVM may lack
 * TSC_AUX, say), each with `to`'s value.
 */
static void hv_vsm_state_merge(struct hv_vtl_state *out, const struct hv_vtl_state *to,
			       const struct hv_vtl_state *live)
{
	struct hv_vtl_state tmp = *to;
	uint32_t i;

	*out = *to;
	out->regs = live->regs;
	out->regs.rip = to->regs.rip;
	out->regs.rsp = to->regs.rsp;
	out->regs.rflags = to->regs.rflags;
	out->sregs.cr2 = live->sregs.cr2;
	out->sregs.cr8 = live->sregs.cr8;
	out->sregs.apic_base = live->sregs.apic_base;
	memcpy(out->sregs.interrupt_bitmap, live->sregs.interrupt_bitmap,
	       sizeof(out->sregs.interrupt_bitmap));
	out->nmsrs = live->nmsrs < ARRAY_SIZE(out->msrs) ? live->nmsrs : ARRAY_SIZE(out->msrs);
	for (i = 0; i < out->nmsrs; i++) {
		struct kvm_msr_entry *m = hv_vsm_state_msr(&tmp, live->msrs[i].index);

		out->msrs[i].index = live->msrs[i].index;
		out->msrs[i].reserved = 0;
		out->msrs[i].data = m ? m->data : msr_reset_value(live->msrs[i].index);
	}
}

int hv_vsm_switch_locked(struct hv_vsm *vsm, struct hv_vsm_vp *p, const struct hv_vtl_state *live,
			 uint8_t vtl)
{
	static __thread struct hv_vtl_state next; /* ~3 KiB: not on the vCPU stack */
	uint8_t from = p->active_vtl;
	int ret;

	hv_vsm_state_merge(&next, &p->saved[vtl], live);
	ret = p->ops->load(p->cpu, &next);
	if (ret) {
		pr_err_rl("vsm: VP %u: loading VTL%u failed (%s); staying in VTL%u",
			  (unsigned int)(p - vsm->vp), vtl, strerror(-ret), from);
		/* The load may have stopped halfway: put the old VTL back whole. */
		p->ops->load(p->cpu, live);
		return ret;
	}
	if (from != vtl)
		p->saved[from] = *live;
	p->saved[vtl] = next; /* stale while live; keeps the MSR list the vCPU has */
	__atomic_store_n(&p->active_vtl, vtl, __ATOMIC_RELEASE);
	return 0;
}

/* The guest-physical address of the VP assist page in `s`, or 0 if disabled. */
static uint64_t assist_page(struct hv_vtl_state *s)
{
	struct kvm_msr_entry *m = hv_vsm_state_msr(s, MSR_HV_VP_ASSIST_PAGE);

	return m && (m->data & 1) ? m->data & ~0xfffULL : 0;
}

static void write_entry_reason(struct hv_vsm *vsm, struct hv_vsm_vp *p, uint32_t reason)
{
	uint64_t gpa = assist_page(&p->saved[1]);

	/* No assist page: VTL1 did not ask to be told (TLFS), nothing to write. */
	if (gpa && vsm->gmem->write(vsm->gmem->opaque, gpa + HV_VP_ASSIST_ENTRY_REASON,
				    &reason, sizeof(reason)))
		pr_err_rl("vsm: VP %u: VTL1 VP assist page 0x%llx is not RAM",
			  (unsigned int)(p - vsm->vp), (unsigned long long)gpa);
}

/* #UD in the calling VTL (its state is `live`, just saved). */
static uint32_t inject_ud(struct hv_vsm_vp *p, struct hv_vtl_state *live)
{
	live->events.exception.injected = 1;
	live->events.exception.nr = UD_VECTOR;
	live->events.exception.has_error_code = 0;
	live->events.exception.error_code = 0;
	if (p->ops->load(p->cpu, live))
		return HV_STATUS_INVALID_VP_STATE;
	return HV_HCALL_NO_RESULT;
}

/*
 * Once the caller's state is saved the handler owns its registers (the
 * KVM side may have completed the trapping instruction: hv_vsm_kvm.c),
 * so a status goes into RAX through the cpu ops, never through the
 * dispatcher's register write-back.
 */
static uint32_t finish_status(struct hv_vsm_vp *p, struct hv_vtl_state *live, uint16_t st)
{
	live->regs.rax = st;
	p->ops->load(p->cpu, live);
	return HV_HCALL_NO_RESULT;
}

static struct hv_vsm_vp *caller_vp(const struct hv_hcall_caller *c)
{
	struct hv_vsm *vsm = c->opaque;

	if (!vsm || c->vp >= vsm->nr_vps || !vsm->vp[c->vp].ops)
		return NULL;
	return &vsm->vp[c->vp];
}

static int enter_vtl1_locked(struct hv_vsm *vsm, struct hv_vsm_vp *p, struct hv_vtl_state *live,
			     uint32_t reason)
{
	int ret = hv_vsm_switch_locked(vsm, p, live, 1);

	if (!ret)
		write_entry_reason(vsm, p, reason);
	return ret;
}

int hv_vsm_enter_vtl1(struct hv_vsm *vsm, uint32_t vp, uint32_t reason)
{
	static __thread struct hv_vtl_state live;
	struct hv_vsm_vp *p;
	int ret;

	if (vp >= vsm->nr_vps || !vsm->vp[vp].ops)
		return -EINVAL;
	p = &vsm->vp[vp];
	pthread_mutex_lock(&vsm->lock);
	if (p->active_vtl != 0 || !(p->enabled_vtls & 2)) {
		ret = -EINVAL;
		goto out;
	}
	ret = p->ops->save(p->cpu, &live);
	if (!ret)
		ret = enter_vtl1_locked(vsm, p, &live, reason);
out:
	pthread_mutex_unlock(&vsm->lock);
	return ret;
}

uint32_t hv_vtl_call(const struct hv_hcall_caller *c, struct hv_hcall_regs *regs)
{
	static __thread struct hv_vtl_state live;
	struct hv_vsm *vsm = c->opaque;
	struct hv_vsm_vp *p = caller_vp(c);
	uint32_t ret = HV_HCALL_NO_RESULT;

	if (!p)
		return HV_STATUS_INVALID_VP_INDEX;
	pthread_mutex_lock(&vsm->lock);
	if (p->ops->save(p->cpu, &live)) {
		ret = HV_STATUS_INVALID_VP_STATE;
		goto out;
	}
	if (p->active_vtl != 0 || !(p->enabled_vtls & 2) || regs->rcx != HVCALL_VTL_CALL ||
	    live.regs.rax != 0 || !(live.sregs.cr0 & X86_CR0_PE) || live.sregs.cs.dpl != 0) {
		pr_err_rl("vsm: VP %u: VtlCall refused (VTL%u, VTL1 %s, control 0x%llx, rax 0x%llx): #UD",
			  c->vp, p->active_vtl, p->enabled_vtls & 2 ? "enabled" : "not enabled",
			  (unsigned long long)regs->rcx, (unsigned long long)live.regs.rax);
		ret = inject_ud(p, &live);
		goto out;
	}
	if (enter_vtl1_locked(vsm, p, &live, HV_VTL_ENTRY_VTL_CALL))
		ret = finish_status(p, &live, HV_STATUS_INVALID_VTL_STATE);
	else
		__atomic_fetch_add(&vsm->vtl_calls, 1, __ATOMIC_RELAXED);
out:
	pthread_mutex_unlock(&vsm->lock);
	return ret;
}

uint32_t hv_vtl_return(const struct hv_hcall_caller *c, struct hv_hcall_regs *regs)
{
	static __thread struct hv_vtl_state live;
	struct hv_vsm *vsm = c->opaque;
	struct hv_vsm_vp *p = caller_vp(c);
	uint32_t ret = HV_HCALL_NO_RESULT;
	struct kvm_msr_entry *sc;
	uint64_t gpa, rax_rcx[2];

	if (!p)
		return HV_STATUS_INVALID_VP_INDEX;
	pthread_mutex_lock(&vsm->lock);
	if (p->ops->save(p->cpu, &live)) {
		ret = HV_STATUS_INVALID_VP_STATE;
		goto out;
	}
	if (p->active_vtl != 1 || regs->rcx != HVCALL_VTL_RETURN || (live.regs.rax & ~1ULL)) {
		pr_err_rl("vsm: VP %u: VtlReturn refused (VTL%u, control 0x%llx, rax 0x%llx): #UD",
			  c->vp, p->active_vtl, (unsigned long long)regs->rcx,
			  (unsigned long long)live.regs.rax);
		ret = inject_ud(p, &live);
		goto out;
	}
	/*
	 * RAX and RCX are shared and the return sequence used them: unless
	 * VTL1 asked for a fast return, VTL0 gets the values VTL1 left in
	 * its assist page's VtlReturnX64Rax/Rcx (TLFS HV_VP_VTL_CONTROL).
	 */
	gpa = assist_page(&live);
	if (!(live.regs.rax & 1) && gpa) {
		if (vsm->gmem->read(vsm->gmem->opaque, gpa + HV_VP_ASSIST_RET_RAX, rax_rcx,
				    sizeof(rax_rcx)) == 0) {
			live.regs.rax = rax_rcx[0];
			live.regs.rcx = rax_rcx[1];
		} else {
			pr_err_rl("vsm: VP %u: VTL1 VP assist page 0x%llx is not RAM", c->vp,
				  (unsigned long long)gpa);
		}
	}
	if (hv_vsm_switch_locked(vsm, p, &live, 0)) {
		live.regs.rcx = HVCALL_VTL_RETURN; /* VTL1 keeps running: its own RCX */
		ret = finish_status(p, &live, HV_STATUS_INVALID_VTL_STATE);
		goto out;
	}
	__atomic_fetch_add(&vsm->vtl_returns, 1, __ATOMIC_RELAXED);
	/*
	 * While VTL1 ran, KVM's SynIC was VTL1's: a VMBus SINT raised then
	 * met VTL1's SINT2 (most likely masked) and was dropped. Raise it
	 * again for VTL0; a spurious SINT costs VMBus one empty scan.
	 */
	sc = hv_vsm_state_msr(&p->saved[0], MSR_HV_SCONTROL);
	if (sc && (sc->data & 1))
		p->ops->raise_sint(p->cpu, HV_VMBUS_SINT_NR);
out:
	pthread_mutex_unlock(&vsm->lock);
	return ret;
}
