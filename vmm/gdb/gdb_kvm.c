// SPDX-License-Identifier: MIT
/*
 * gdb registers <-> KVM structures (gdb_kvm.h). FXSAVE layout of
 * struct kvm_fpu: Intel SDM vol. 1, 10.5.1 "FXSAVE Area"; gdb's x87
 * registers: gdb/features/i386/64bit-core.xml, with i387_ext in the low
 * 10 bytes of each 16-byte FXSAVE slot and a full 16-bit tag word that
 * FXSAVE abridges to one bit per register.
 */
#include <string.h>

#include "gdb_kvm.h"

#define TAG_EMPTY 3u

static const struct kvm_segment *seg_of(const struct kvm_sregs *s, unsigned int i)
{
	const struct kvm_segment *segs[6] = { &s->cs, &s->ss, &s->ds, &s->es, &s->fs, &s->gs };

	return segs[i];
}

/* KVM's field for gdb's GPR i (gdb: rax rbx rcx rdx rsi rdi rbp rsp r8..r15).
 * __u64, not uint64_t: they are different types (aliasing). */
static __u64 *gpr_of(struct kvm_regs *r, unsigned int i)
{
	__u64 *gprs[16] = {
		&r->rax, &r->rbx, &r->rcx, &r->rdx, &r->rsi, &r->rdi, &r->rbp, &r->rsp,
		&r->r8,  &r->r9,  &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15,
	};

	return gprs[i];
}

void gdb_kvm_to_gdb(const struct gdb_kvm_state *k, struct gdb_x86_regs *g)
{
	struct kvm_regs r = k->regs;
	unsigned int i, tag = 0;

	memset(g, 0, sizeof(*g));
	for (i = 0; i < 16; i++)
		g->gpr[i] = *gpr_of(&r, i);
	g->rip = k->regs.rip;
	g->eflags = (uint32_t)k->regs.rflags;
	for (i = 0; i < 6; i++)
		g->seg[i] = seg_of(&k->sregs, i)->selector;
	for (i = 0; i < 8; i++) {
		memcpy(g->st[i], k->fpu.fpr[i], 10);
		/* Abridged bit clear = empty; set = valid (zero/special not told apart). */
		if (!(k->fpu.ftwx & (1u << i)))
			tag |= TAG_EMPTY << (2 * i);
	}
	g->fpu[0] = k->fpu.fcw;
	g->fpu[1] = k->fpu.fsw;
	g->fpu[2] = tag;
	g->fpu[3] = 0; /* fiseg: 64-bit FXSAVE keeps no selectors */
	g->fpu[4] = (uint32_t)k->fpu.last_ip;
	g->fpu[5] = 0;
	g->fpu[6] = (uint32_t)k->fpu.last_dp;
	g->fpu[7] = k->fpu.last_opcode;
	memcpy(g->xmm, k->fpu.xmm, sizeof(g->xmm));
	g->mxcsr = k->fpu.mxcsr;
	g->fs_base = k->sregs.fs.base;
	g->cs_base = k->sregs.cs.base;
	g->gs_base = k->sregs.gs.base;
	g->k_gs_base = k->kernel_gs_base;
	g->cr0 = k->sregs.cr0;
	g->cr2 = k->sregs.cr2;
	g->cr3 = k->sregs.cr3;
	g->cr4 = k->sregs.cr4;
	g->cr8 = k->sregs.cr8;
	g->efer = k->sregs.efer;
	memcpy(g->dr, k->dbg.db, sizeof(g->dr));
	g->dr6 = k->dbg.dr6;
	g->dr7 = k->dbg.dr7;
}

void gdb_kvm_from_gdb(const struct gdb_x86_regs *g, struct gdb_kvm_state *k)
{
	struct kvm_segment *segs[6] = { &k->sregs.cs, &k->sregs.ss, &k->sregs.ds,
					&k->sregs.es, &k->sregs.fs, &k->sregs.gs };
	unsigned int i;
	uint8_t ftwx = 0;

	for (i = 0; i < 16; i++)
		*gpr_of(&k->regs, i) = g->gpr[i];
	k->regs.rip = g->rip;
	/* Upper RFLAGS bits are reserved zero; bit 1 is always one. */
	k->regs.rflags = g->eflags | 2u;
	for (i = 0; i < 6; i++)
		segs[i]->selector = (uint16_t)g->seg[i];
	for (i = 0; i < 8; i++) {
		memcpy(k->fpu.fpr[i], g->st[i], 10);
		if (((g->fpu[2] >> (2 * i)) & 3) != TAG_EMPTY)
			ftwx |= (uint8_t)(1u << i);
	}
	k->fpu.fcw = (uint16_t)g->fpu[0];
	k->fpu.fsw = (uint16_t)g->fpu[1];
	k->fpu.ftwx = ftwx;
	k->fpu.last_ip = (k->fpu.last_ip & ~0xffffffffULL) | g->fpu[4];
	k->fpu.last_dp = (k->fpu.last_dp & ~0xffffffffULL) | g->fpu[6];
	k->fpu.last_opcode = (uint16_t)g->fpu[7];
	memcpy(k->fpu.xmm, g->xmm, sizeof(g->xmm));
	k->fpu.mxcsr = g->mxcsr;
	k->sregs.fs.base = g->fs_base;
	k->sregs.gs.base = g->gs_base;
	k->kernel_gs_base = g->k_gs_base;
	k->sregs.cr0 = g->cr0;
	k->sregs.cr2 = g->cr2;
	k->sregs.cr3 = g->cr3;
	k->sregs.cr4 = g->cr4;
	k->sregs.cr8 = g->cr8;
	k->sregs.efer = g->efer;
}

void gdb_kvm_guest_debug(const struct gdb_debug_state *d, const struct gdb_resume *act,
			 bool blockirq, struct kvm_guest_debug *out)
{
	bool step = act->kind == GDB_RESUME_STEP || act->kind == GDB_RESUME_RANGE;
	unsigned int i;

	memset(out, 0, sizeof(*out));
	if (d->sw_bp)
		out->control |= KVM_GUESTDBG_USE_SW_BP;
	if (d->dr7) {
		out->control |= KVM_GUESTDBG_USE_HW_BP;
		for (i = 0; i < GDB_HW_SLOTS; i++)
			out->arch.debugreg[i] = d->dr[i];
		out->arch.debugreg[7] = d->dr7;
	}
	if (step)
		out->control |= KVM_GUESTDBG_SINGLESTEP | (blockirq ? KVM_GUESTDBG_BLOCKIRQ : 0);
	if (out->control)
		out->control |= KVM_GUESTDBG_ENABLE;
}
