// SPDX-License-Identifier: MIT
/*
 * VTL1: entered at vtl1_entry with the initial context VTL0 gave
 * HvCallEnableVpVtl (its own GDT, IDT, stack, CR0/CR4/EFER/PAT), it sets
 * up its own synthetic MSRs (guest OS id, hypercall page, VP assist page,
 * SynIC: all private to a VTL, TLFS "VSM: Virtual processor state
 * isolation"), then serves VTL0's requests: each entry is a VtlCall
 * (HV_VP_VTL_CONTROL.EntryReason 1) or, after VTL0 wrote the page VTL1
 * protected, a secure intercept (EntryReason 2 and an
 * HvMessageTypeGpaIntercept message in SIMP slot 0).
 *
 * The first entry cannot see an entry reason: VTL1 has no VP assist page
 * until it sets one (OpenVMM virt_whp vp.rs write_vtl2_entry_reason()
 * writes nothing without one).
 */
#include "vtl.h"

#define VTL1_SINT0_VECTOR 0x50 /* never delivered: IF stays 0, the slot is polled */
/*
 * ModifyVtlProtectionMask's TargetVtl names the VTL whose protections
 * (on the VTLs below it) change: VTL1's own. Linux's VTL1 HEKI patches
 * (vsm_restrict_memory: target_vtl.as_uint8 = 1) and OpenVMM virt_whp
 * (modify_vtl_protection_mask: "Target VTL must be 2, or current
 * executing VTL") agree.
 */
#define PROTECT_TARGET_VTL 1

uint8_t vtl1_hcall_page[PAGE] ALIGNED_PAGE;
static struct hv_io vtl1_io[NR_VPS] ALIGNED_PAGE;
static uint8_t vtl1_assist[NR_VPS][PAGE] ALIGNED_PAGE;
static uint8_t vtl1_simp[NR_VPS][PAGE] ALIGNED_PAGE;
static uint8_t vtl1_stack[NR_VPS][16384] __attribute__((aligned(16)));
static struct idt_gate vtl1_idt[IDT_ENTRIES] __attribute__((aligned(16)));
static uint64_t vtl1_gdt[3 + 2 * NR_VPS] __attribute__((aligned(16)));
static uint8_t vtl1_tss[NR_VPS][128] __attribute__((aligned(16)));
static uint64_t vtl1_cr3;
static uint64_t ret_input[NR_VPS]; /* the next VtlReturn's input (bit 0: fast) */

static const char *const pfx[NR_VPS] = { "vp0.vtl1.", "vp1.vtl1." };

static struct hv_vp_assist *assist(unsigned int vp)
{
	return (struct hv_vp_assist *)(void *)vtl1_assist[vp];
}

void vtl1_context(struct hv_vp_context *ctx, unsigned int vp, uint64_t cr3)
{
	unsigned int i;

	if (!vtl1_gdt[1]) {
		vtl1_gdt[1] = 0x00af9b000000ffffULL; /* 0x08: 64-bit code */
		vtl1_gdt[2] = 0x00cf93000000ffffULL; /* 0x10: data */
		for (i = 0; i < NR_VPS; i++) {
			uint64_t b = (uintptr_t)vtl1_tss[i];

			vtl1_gdt[3 + 2 * i] = 0x67 | (b & 0xffffff) << 16 | 0xbULL << 40 |
					      1ULL << 47 | ((b >> 24) & 0xff) << 56;
			vtl1_gdt[4 + 2 * i] = b >> 32;
		}
		idt_fill(vtl1_idt, VTL1_SEL_CODE);
		vtl1_cr3 = cr3;
	}
	memset(ctx, 0, sizeof(*ctx));
	ctx->rip = (uintptr_t)vtl1_entry;
	ctx->rsp = (uintptr_t)(vtl1_stack[vp] + sizeof(vtl1_stack[vp]));
	ctx->rflags = 0x2;
	ctx->cs = hv_seg_flat(VTL1_SEL_CODE, 0xa09b);
	ctx->ds = ctx->es = ctx->fs = ctx->gs = ctx->ss = hv_seg_flat(VTL1_SEL_DATA, 0xc093);
	ctx->tr = (struct hv_seg){ (uintptr_t)vtl1_tss[vp], 0x67, VTL1_SEL_TSS(vp), 0x8b };
	ctx->idtr.limit = sizeof(vtl1_idt) - 1;
	ctx->idtr.base = (uintptr_t)vtl1_idt;
	ctx->gdtr.limit = sizeof(vtl1_gdt) - 1;
	ctx->gdtr.base = (uintptr_t)vtl1_gdt;
	ctx->efer = VTL1_EFER;
	ctx->cr0 = VTL1_CR0;
	ctx->cr3 = cr3;
	ctx->cr4 = VTL1_CR4;
	ctx->msr_cr_pat = VTL1_PAT;
}

/* The private state VTL1 was started with; `synic`: and what it set since. */
static void vtl1_state(struct check *c, unsigned int vp, bool synic)
{
	struct desc_ptr gdtr, idtr;

	store_gdt(&gdtr);
	store_idt(&idtr);
	check_eq(c, "cs", read_cs(), VTL1_SEL_CODE);
	check_eq(c, "tr", store_tr(), VTL1_SEL_TSS(vp));
	check_eq(c, "cr0", read_cr0(), VTL1_CR0);
	check_eq(c, "cr3", read_cr3(), vtl1_cr3);
	check_eq(c, "cr4", read_cr4(), VTL1_CR4);
	check_eq(c, "efer", rdmsr(MSR_EFER), VTL1_EFER);
	check_eq(c, "pat", rdmsr(MSR_PAT), VTL1_PAT);
	check_eq(c, "gdtr", gdtr.base, (uintptr_t)vtl1_gdt);
	check_eq(c, "idtr", idtr.base, (uintptr_t)vtl1_idt);
	check_that(c, "rsp_in_vtl1_stack",
		   read_rsp() > (uintptr_t)vtl1_stack[vp] &&
			   read_rsp() <= (uintptr_t)(vtl1_stack[vp] + sizeof(vtl1_stack[vp])),
		   read_rsp());
	if (!synic)
		return;
	check_eq(c, "sysenter_esp", rdmsr(MSR_SYSENTER_ESP), SYSENTER_ESP(1, vp));
	check_eq(c, "kernel_gs_base", rdmsr(MSR_KERNEL_GS_BASE), KERNEL_GS_BASE(1, vp));
	check_eq(c, "hypercall", rdmsr(HV_MSR_HYPERCALL), (uintptr_t)vtl1_hcall_page | 1);
	check_eq(c, "vp_assist", rdmsr(HV_MSR_VP_ASSIST_PAGE), (uintptr_t)vtl1_assist[vp] | 1);
	check_eq(c, "simp", rdmsr(HV_MSR_SIMP), (uintptr_t)vtl1_simp[vp] | 1);
	check_eq(c, "sint0", rdmsr(HV_MSR_SINT0 + HV_INTERCEPT_SINT), VTL1_SINT0_VECTOR);
	check_eq(c, "scontrol", rdmsr(HV_MSR_SCONTROL) & 1, 1);
}

/* VTL0's saved registers, read through HvCallGetVpRegisters (input VTL 0). */
static void vtl1_read_vtl0(unsigned int vp)
{
	static const uint32_t names[] = { HV_X64_REGISTER_RIP, HV_X64_REGISTER_RSP,
					  HV_X64_REGISTER_CR3, HV_X64_REGISTER_EFER,
					  HV_X64_REGISTER_SYSENTER_ESP,
					  HV_X64_REGISTER_KERNEL_GS_BASE };
	uint64_t v[ARRAY_SIZE(names)], rax, rip, rsp0 = vps[vp].rec->rsp_before;
	struct check c;

	rax = hvc_get_regs(vtl1_hcall_page, &vtl1_io[vp], HV_VP_INDEX_SELF, HV_INPUT_VTL(0), names,
			   ARRAY_SIZE(names), v);
	check_begin(&c, pfx[vp], "get_vtl0_registers");
	check_eq(&c, "status", HV_RESULT_STATUS(rax), 0);
	check_eq(&c, "reps", HV_RESULT_REPS(rax), ARRAY_SIZE(names));
	rip = v[0];
	/* Stopped in its hypercall page's call sequence (or just after it). */
	check_that(&c, "rip_in_vtl0_call",
		   (rip >= (uintptr_t)vtl0_hcall_page && rip < (uintptr_t)vtl0_hcall_page + PAGE) ||
			   rip == (uintptr_t)vtl0_call_ret,
		   rip);
	check_that(&c, "rsp_at_vtl0_call", v[1] == rsp0 - 8 || v[1] == rsp0, v[1]);
	check_eq(&c, "cr3", v[2], vps[vp].vtl0_cr3);
	check_eq(&c, "efer", v[3], VTL0_EFER);
	check_eq(&c, "sysenter_esp", v[4], SYSENTER_ESP(0, vp));
	check_eq(&c, "kernel_gs_base", v[5], KERNEL_GS_BASE(0, vp));
	check_end(&c);
}

/*
 * VTL1 turns VTL protections on before it uses them (TLFS
 * HvRegisterVsmPartitionConfig.EnableVtlProtection; OpenVMM refuses
 * ModifyVtlProtectionMask until then), the default mask full access.
 * Partition-wide: each VP's VTL1 writes the same value.
 */
static void vtl1_enable_protection(unsigned int vp)
{
	uint64_t want = VSM_CONFIG_ENABLE_VTL_PROTECTION | VSM_CONFIG_DEFAULT_MASK(HV_MAP_GPA_ALL);
	uint32_t name = HV_REGISTER_VSM_PARTITION_CONFIG;
	uint64_t rax, v = ~0ULL;
	struct check c;

	check_begin(&c, pfx[vp], "enable_vtl_protection");
	rax = hvc_set_reg(vtl1_hcall_page, &vtl1_io[vp], HV_VP_INDEX_SELF, HV_INPUT_VTL_CURRENT,
			  name, want);
	check_eq(&c, "set_status", HV_RESULT_STATUS(rax), 0);
	rax = hvc_get_regs(vtl1_hcall_page, &vtl1_io[vp], HV_VP_INDEX_SELF, HV_INPUT_VTL_CURRENT,
			   &name, 1, &v);
	check_eq(&c, "get_status", HV_RESULT_STATUS(rax), 0);
	check_eq(&c, "partition_config", v, want);
	check_end(&c);
}

static void ret_normal(unsigned int vp, uint64_t rax, uint64_t rcx)
{
	assist(vp)->vtl_ret_x64rax = rax;
	assist(vp)->vtl_ret_x64rcx = rcx;
	ret_input[vp] = 0;
}

static __attribute__((noreturn)) void vtl1_fatal(unsigned int vp, const char *what)
{
	check1(pfx[vp], what, false, "cannot return to vtl0", 0);
	print_result();
	poweroff();
}

/* The first entry: initial context, then VTL1's own setup. */
static void vtl1_init(unsigned int vp, struct gpr_frame *f)
{
	struct vp_shared *s = &vps[vp];
	uint64_t rax, off, st;
	struct check c;

	check_begin(&c, pfx[vp], "initial_context");
	vtl1_state(&c, vp, false);
	check_end(&c);

	hv_hypercall_enable(vtl1_hcall_page);
	wrmsr(HV_MSR_VP_ASSIST_PAGE, (uintptr_t)vtl1_assist[vp] | 1);
	hv_synic_enable(vtl1_simp[vp], NULL, HV_INTERCEPT_SINT, VTL1_SINT0_VECTOR);
	wrmsr(MSR_SYSENTER_ESP, SYSENTER_ESP(1, vp));
	wrmsr(MSR_KERNEL_GS_BASE, KERNEL_GS_BASE(1, vp));

	off = hvc_vsm_reg(vtl1_hcall_page, &vtl1_io[vp], HV_REGISTER_VSM_CODE_PAGE_OFFSETS, &rax);
	check_begin(&c, pfx[vp], "code_page_offsets");
	check_eq(&c, "status", HV_RESULT_STATUS(rax), 0);
	check_that(&c, "call_ne_return", VSM_CPO_CALL(off) != VSM_CPO_RETURN(off), off);
	if (!check_end(&c))
		vtl1_fatal(vp, "no_vtl_return_offset");
	s->vtl1_ret_target = vtl1_hcall_page + VSM_CPO_RETURN(off);

	st = hvc_vsm_reg(vtl1_hcall_page, &vtl1_io[vp], HV_REGISTER_VSM_VP_STATUS, &rax);
	check_begin(&c, pfx[vp], "vp_status");
	check_eq(&c, "status", HV_RESULT_STATUS(rax), 0);
	check_eq(&c, "active_vtl", VSM_VPS_ACTIVE(st), 1);
	check_eq(&c, "enabled_vtl_set", VSM_VPS_ENABLED(st), 0x3);
	check_end(&c);

	check_begin(&c, pfx[vp], "own_msrs_and_synic");
	vtl1_state(&c, vp, true);
	check_eq(&c, "simp_slot0_free", ((volatile struct hv_msg *)vtl1_simp[vp])->type, 0);
	check_end(&c);

	vtl1_read_vtl0(vp);
	vtl1_enable_protection(vp);
	WR_ONCE(s->vtl1_ready, 1);
	f->r12 = R12_MAGIC(vp, 1);
	ret_normal(vp, RET_RAX(vp), RET_RCX(vp));
}

/*
 * VTL1 enables VTL1 on another VP: once a VP runs VTL1, further
 * EnableVpVtl calls must come from VTL1 (TLFS HvCallEnableVpVtl: "all
 * other calls to enable the VTL must come from equal or greater VTLs").
 */
static void vtl1_enable_vp(unsigned int vp, struct gpr_frame *f, uint32_t reason)
{
	struct vp_shared *s = &vps[vp];
	uint64_t rax;
	struct check c;

	rax = hvc_enable_vp_vtl(vtl1_hcall_page, &vtl1_io[vp], s->enable_vp, 1, s->enable_ctx);
	s->enable_rax = rax;
	check_begin(&c, pfx[vp], "enable_vp_vtl_other_vp");
	check_eq(&c, "entry_reason", reason, HV_VTL_ENTRY_VTL_CALL);
	check_eq(&c, "status", HV_RESULT_STATUS(rax), 0);
	check_end(&c);
	f->r12 = R12_MAGIC(vp, 4);
	ret_normal(vp, RET_RAX(vp), RET_RCX(vp));
}

static void vtl1_protect(unsigned int vp, struct gpr_frame *f, uint32_t reason)
{
	uint64_t rax;
	struct check c;

	check1_eq(pfx[vp], "entry_reason_vtl_call", "entry_reason", reason, HV_VTL_ENTRY_VTL_CALL);
	check_begin(&c, pfx[vp], "private_state_survived");
	vtl1_state(&c, vp, true);
	check_end(&c);

	/* Read and execute, no write (TLFS HV_MAP_GPA_FLAGS). */
	rax = hvc_protect(vtl1_hcall_page, &vtl1_io[vp], PROTECT_TARGET_VTL,
			  HV_MAP_GPA_READABLE | HV_MAP_GPA_KERNEL_EXECUTABLE |
				  HV_MAP_GPA_USER_EXECUTABLE,
			  (uintptr_t)vps[vp].prot_page >> 12);
	check_begin(&c, pfx[vp], "protect_page_read_execute");
	check_eq(&c, "status", HV_RESULT_STATUS(rax), 0);
	check_eq(&c, "reps", HV_RESULT_REPS(rax), 1);
	check_end(&c);

	/* A fast return: RAX/RCX are not loaded from the assist page. */
	f->r12 = R12_MAGIC(vp, 2);
	assist(vp)->vtl_ret_x64rax = RET_POISON;
	assist(vp)->vtl_ret_x64rcx = RET_POISON;
	ret_input[vp] = 1;
}

static void vtl1_intercept(unsigned int vp, struct gpr_frame *f, uint32_t reason)
{
	struct vp_shared *s = &vps[vp];
	volatile struct hv_msg *m = (volatile struct hv_msg *)vtl1_simp[vp] + HV_INTERCEPT_SINT;
	const struct hv_mem_intercept *mi = (const void *)(uintptr_t)m->payload;
	uint64_t word = (uintptr_t)s->prot_page + PROT_OFF, rax, rip = ~0ULL;
	uint32_t name = HV_X64_REGISTER_RIP;
	struct check c;

	check1_eq(pfx[vp], "intercept_entry_reason", "entry_reason", reason,
		  HV_VTL_ENTRY_INTERRUPT);
	check_begin(&c, pfx[vp], "intercept_message");
	check_eq(&c, "type", m->type, HVMSG_GPA_INTERCEPT);
	check_that(&c, "size", m->size >= 0x40 && m->size <= 240, m->size);
	check_eq(&c, "vp_index", mi->vp_index, vp);
	check_eq(&c, "access_type", mi->access_type, HV_INTERCEPT_ACCESS_WRITE);
	check_eq(&c, "gpa", mi->gpa, word);
	check_eq(&c, "exec_state.vtl", (mi->exec_state >> 7) & 0xf, 0);
	if (mi->access_info & 1)
		check_eq(&c, "gva", mi->gva, word);
	check_end(&c);
	/* The TLFS names the intercepted instruction; a host that completed it
	 * (a KVM MMIO exit does) reports the next one. Either is accepted. */
	check1(pfx[vp], "intercept_rip",
	       mi->rip == (uintptr_t)vtl0_write_insn || mi->rip == (uintptr_t)vtl0_write_next,
	       "rip", mi->rip);
	info(pfx[vp], "intercept", "rip_minus_write_insn", mi->rip - (uintptr_t)vtl0_write_insn);
	check1_eq(pfx[vp], "intercept_write_held", "word", *(volatile uint64_t *)word, PROT_OLD);

	/* Free the slot as Linux vmbus_signal_eom() does, EOM always. */
	m->type = 0;
	MB();
	wrmsr(HV_MSR_EOM, 0);

	/* Deny the write: VTL0 resumes after the instruction, whatever the
	 * host did with it, then allow the page (full access). */
	rax = hvc_set_reg(vtl1_hcall_page, &vtl1_io[vp], HV_VP_INDEX_SELF, HV_INPUT_VTL(0),
			  HV_X64_REGISTER_RIP, (uintptr_t)vtl0_write_next);
	check_begin(&c, pfx[vp], "set_vtl0_rip");
	check_eq(&c, "set_status", HV_RESULT_STATUS(rax), 0);
	rax = hvc_get_regs(vtl1_hcall_page, &vtl1_io[vp], HV_VP_INDEX_SELF, HV_INPUT_VTL(0), &name,
			   1, &rip);
	check_eq(&c, "get_status", HV_RESULT_STATUS(rax), 0);
	check_eq(&c, "rip", rip, (uintptr_t)vtl0_write_next);
	check_end(&c);

	rax = hvc_protect(vtl1_hcall_page, &vtl1_io[vp], PROTECT_TARGET_VTL, HV_MAP_GPA_ALL,
			  (uintptr_t)s->prot_page >> 12);
	check1_eq(pfx[vp], "unprotect_page", "status", HV_RESULT_STATUS(rax), 0);

	__atomic_add_fetch(&s->intercepts, 1, __ATOMIC_RELEASE);
	/* VTL0 was stopped mid-code: give it back its own RAX and RCX. */
	ret_normal(vp, f->rax, f->rcx);
}

static void vtl1_translate(unsigned int vp, struct gpr_frame *f, uint32_t reason)
{
	uint64_t pfn = (uintptr_t)vps[vp].prot_page >> 12, rax;
	struct hv_translate_out o;
	struct hv_io *io = &vtl1_io[vp];
	struct check c;

	check_begin(&c, pfx[vp], "translate_vtl0_4k_alias");
	check_eq(&c, "entry_reason", reason, HV_VTL_ENTRY_VTL_CALL);
	rax = hvc_translate(vtl1_hcall_page, io, HV_INPUT_VTL(0), ALIAS_GVA + vp * PAGE, &o);
	check_eq(&c, "status", HV_RESULT_STATUS(rax), 0);
	check_eq(&c, "result", (uint32_t)o.result, HV_TRANSLATE_GVA_SUCCESS);
	check_eq(&c, "gpa_page", o.gpa_page, pfn);
	check_end(&c);

	check_begin(&c, pfx[vp], "translate_vtl0_2m_identity");
	rax = hvc_translate(vtl1_hcall_page, io, HV_INPUT_VTL(0), pfn << 12, &o);
	check_eq(&c, "status", HV_RESULT_STATUS(rax), 0);
	check_eq(&c, "result", (uint32_t)o.result, HV_TRANSLATE_GVA_SUCCESS);
	check_eq(&c, "gpa_page", o.gpa_page, pfn);
	check_end(&c);

	check_begin(&c, pfx[vp], "translate_vtl0_unmapped");
	rax = hvc_translate(vtl1_hcall_page, io, HV_INPUT_VTL(0), UNMAPPED_GVA, &o);
	check_eq(&c, "status", HV_RESULT_STATUS(rax), 0);
	check_eq(&c, "result", (uint32_t)o.result, HV_TRANSLATE_GVA_PAGE_NOT_PRESENT);
	check_end(&c);

	/* VTL1's own tables do not map the alias: the VTL0 walk used VTL0's CR3. */
	check_begin(&c, pfx[vp], "translate_own_vtl_differs");
	rax = hvc_translate(vtl1_hcall_page, io, HV_INPUT_VTL_CURRENT, ALIAS_GVA + vp * PAGE, &o);
	check_eq(&c, "status", HV_RESULT_STATUS(rax), 0);
	check_eq(&c, "result", (uint32_t)o.result, HV_TRANSLATE_GVA_PAGE_NOT_PRESENT);
	check_end(&c);

	f->r12 = R12_MAGIC(vp, 3);
	ret_normal(vp, RET_RAX(vp), RET_RCX(vp));
}

static void vtl1_ping(unsigned int vp, struct gpr_frame *f, uint32_t reason)
{
	struct vp_shared *s = &vps[vp];
	struct check c;

	/* Checked quietly: VTL0 reports the count in its vtl_call_loop check. */
	check_begin(&c, pfx[vp], "ping");
	check_eq(&c, "entry_reason", reason, HV_VTL_ENTRY_VTL_CALL);
	vtl1_state(&c, vp, true);
	if (c.failed)
		__atomic_add_fetch(&s->bad_entries, 1, __ATOMIC_RELAXED);
	f->r12 = R12_MAGIC(vp, s->seq);
	ret_normal(vp, RET_RAX(vp), RET_RCX(vp));
}

static void vtl1_dispatch(unsigned int vp, struct gpr_frame *f)
{
	struct vp_shared *s = &vps[vp];
	uint32_t reason = ((volatile struct hv_vp_assist *)assist(vp))->vtl_entry_reason;

	switch (RD_ONCE(s->cmd)) {
	case CMD_ENABLE_VP:
		vtl1_enable_vp(vp, f, reason);
		break;
	case CMD_PROTECT:
		vtl1_protect(vp, f, reason);
		break;
	case CMD_INTERCEPT:
		vtl1_intercept(vp, f, reason);
		break;
	case CMD_TRANSLATE:
		vtl1_translate(vp, f, reason);
		break;
	case CMD_PING:
		vtl1_ping(vp, f, reason);
		break;
	default:
		check1_eq(pfx[vp], "unexpected_entry", "cmd", s->cmd, 0);
		ret_normal(vp, f->rax, f->rcx);
		break;
	}
}

void vtl1_main(struct gpr_frame *f)
{
	uint64_t vp = rdmsr(HV_MSR_VP_INDEX);
	struct vp_shared *s;

	if (vp >= NR_VPS) {
		check1(pfx[0], "vp_index", false, "vp_index", vp);
		print_result();
		poweroff();
	}
	s = &vps[vp];
	vtl1_init(vp, f);
	for (;;) {
		__atomic_add_fetch(&s->vtl1_seen, 1, __ATOMIC_RELEASE);
		vtl1_return(f, s->vtl1_ret_target, ret_input[vp]);
		vtl1_dispatch(vp, f);
	}
}
