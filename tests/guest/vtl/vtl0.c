// SPDX-License-Identifier: MIT
/*
 * VTL0: its own GDT, IDT and page tables (so that VTL1's, which differ,
 * show whether the host swapped them), the per-VP sequence of VTL calls,
 * the protected write and the checks of what must and must not survive
 * a VTL switch (TLFS "VSM: Virtual processor state isolation": RSP,
 * control registers, descriptor tables, SYSENTER/SYSCALL MSRs, EFER, PAT
 * are private; the other GPRs are shared).
 */
#include "vtl.h"

#define PTE_P 0x1ULL
#define PTE_RW 0x2ULL
#define PTE_PS 0x80ULL

uint8_t vtl0_hcall_page[PAGE] ALIGNED_PAGE;
struct hv_io vtl0_io[NR_VPS] ALIGNED_PAGE;
struct vp_shared vps[NR_VPS];

static uint64_t pml4[512] ALIGNED_PAGE, pdpt[512] ALIGNED_PAGE, pd[4][512] ALIGNED_PAGE;
static uint64_t alias_pdpt[512] ALIGNED_PAGE, alias_pd[512] ALIGNED_PAGE, alias_pt[512] ALIGNED_PAGE;
static uint8_t prot_pages[NR_VPS][PAGE] ALIGNED_PAGE;
static uint8_t vtl0_assist[NR_VPS][PAGE] ALIGNED_PAGE;
static struct idt_gate vtl0_idt[IDT_ENTRIES] __attribute__((aligned(16)));
static uint64_t vtl0_gdt[4 + 2 * NR_VPS] __attribute__((aligned(16)));
static uint8_t vtl0_tss[NR_VPS][128] __attribute__((aligned(16)));
static uint8_t vp1_stack[16384] __attribute__((aligned(16)));

static uint64_t cr0_set[NR_VPS], cr4_set[NR_VPS];

static const char *const pfx[NR_VPS] = { "vp0.", "vp1." };

/* A 16-byte 64-bit TSS descriptor, busy (SDM vol. 3, 7.2.3). */
static void tss_desc(uint64_t *d, uint64_t base)
{
	d[0] = 0x67 | (base & 0xffffff) << 16 | 0xbULL << 40 | 1ULL << 47 |
	       ((base >> 24) & 0xff) << 56;
	d[1] = base >> 32;
}

/* Run once, on VP0, before anything else: the tables both VPs use. */
static void vtl0_tables(void)
{
	unsigned int i, j;

	vtl0_gdt[1] = 0x00cf9b000000ffffULL; /* 0x08: 32-bit code, as hvmm's */
	vtl0_gdt[2] = 0x00af9b000000ffffULL; /* 0x10: 64-bit code */
	vtl0_gdt[3] = 0x00cf93000000ffffULL; /* 0x18: data */
	for (i = 0; i < NR_VPS; i++)
		tss_desc(&vtl0_gdt[4 + 2 * i], (uintptr_t)vtl0_tss[i]);
	idt_fill(vtl0_idt, VTL0_SEL_CODE);

	/* Identity map of 4 GiB in 2 MiB pages, as the boot map... */
	pml4[0] = (uintptr_t)pdpt | PTE_P | PTE_RW;
	for (i = 0; i < 4; i++) {
		pdpt[i] = (uintptr_t)pd[i] | PTE_P | PTE_RW;
		for (j = 0; j < 512; j++)
			pd[i][j] = ((uint64_t)(i * 512 + j) << 21) | PTE_P | PTE_RW | PTE_PS;
	}
	/* ...plus a 4 KiB alias of each VP's protected page at ALIAS_GVA, a
	 * GVA that only VTL0's tables map (TranslateVirtualAddress checks). */
	pml4[1] = (uintptr_t)alias_pdpt | PTE_P | PTE_RW;
	alias_pdpt[0] = (uintptr_t)alias_pd | PTE_P | PTE_RW;
	alias_pd[0] = (uintptr_t)alias_pt | PTE_P | PTE_RW;
	for (i = 0; i < NR_VPS; i++) {
		alias_pt[i] = (uintptr_t)prot_pages[i] | PTE_P | PTE_RW;
		vps[i].prot_page = prot_pages[i];
	}
}

void vtl0_cpu_setup(unsigned int vp)
{
	struct desc_ptr gdtr = { sizeof(vtl0_gdt) - 1, (uintptr_t)vtl0_gdt };

	if (vp == 0)
		vtl0_tables();
	gdt_load(&gdtr, VTL0_SEL_CODE, VTL0_SEL_DATA);
	idt_lidt(vtl0_idt);
	write_cr3((uintptr_t)pml4);
	wrmsr(HV_MSR_VP_ASSIST_PAGE, (uintptr_t)vtl0_assist[vp] | 1);
	wrmsr(MSR_SYSENTER_ESP, SYSENTER_ESP(0, vp));
	wrmsr(MSR_KERNEL_GS_BASE, KERNEL_GS_BASE(0, vp));
	vps[vp].vtl0_cr3 = (uintptr_t)pml4;
	cr0_set[vp] = read_cr0();
	cr4_set[vp] = read_cr4();
}

/* As Linux hv_vtl_bringup_vcpu() (arch/x86/hyperv/hv_vtl.c). */
void vtl0_context(struct hv_vp_context *ctx, unsigned int vp)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->rip = (uintptr_t)vp1_entry;
	ctx->rsp = (uintptr_t)(vp1_stack + sizeof(vp1_stack));
	ctx->rflags = 0x2;
	ctx->cs = hv_seg_flat(VTL0_SEL_CODE, 0xa09b);
	ctx->ds = ctx->es = ctx->fs = ctx->gs = ctx->ss = hv_seg_flat(VTL0_SEL_DATA, 0xc093);
	ctx->tr = (struct hv_seg){ (uintptr_t)vtl0_tss[vp], 0x67, VTL0_SEL_TSS(vp), 0x8b };
	ctx->idtr.limit = sizeof(vtl0_idt) - 1;
	ctx->idtr.base = (uintptr_t)vtl0_idt;
	ctx->gdtr.limit = sizeof(vtl0_gdt) - 1;
	ctx->gdtr.base = (uintptr_t)vtl0_gdt;
	ctx->efer = rdmsr(MSR_EFER);
	ctx->cr0 = read_cr0();
	ctx->cr3 = (uintptr_t)pml4;
	ctx->cr4 = read_cr4();
	ctx->msr_cr_pat = rdmsr(MSR_PAT);
}

/* VTL0's private state, as this VP set it up. */
static bool vtl0_state_check(unsigned int vp, const char *name, uint64_t pat)
{
	struct desc_ptr gdtr, idtr;
	struct check c;

	store_gdt(&gdtr);
	store_idt(&idtr);
	check_begin(&c, pfx[vp], name);
	check_eq(&c, "cs", read_cs(), VTL0_SEL_CODE);
	check_eq(&c, "cr3", read_cr3(), (uintptr_t)pml4);
	check_eq(&c, "cr0", read_cr0(), cr0_set[vp]);
	check_eq(&c, "cr4", read_cr4(), cr4_set[vp]);
	check_eq(&c, "efer", rdmsr(MSR_EFER), VTL0_EFER);
	check_eq(&c, "pat", rdmsr(MSR_PAT), pat);
	check_eq(&c, "gdtr", gdtr.base, (uintptr_t)vtl0_gdt);
	check_eq(&c, "idtr", idtr.base, (uintptr_t)vtl0_idt);
	check_eq(&c, "sysenter_esp", rdmsr(MSR_SYSENTER_ESP), SYSENTER_ESP(0, vp));
	check_eq(&c, "kernel_gs_base", rdmsr(MSR_KERNEL_GS_BASE), KERNEL_GS_BASE(0, vp));
	check_eq(&c, "vp_assist", rdmsr(HV_MSR_VP_ASSIST_PAGE), (uintptr_t)vtl0_assist[vp] | 1);
	return check_end(&c);
}

bool vtl_call(unsigned int vp, enum vtl_cmd cmd, struct call_rec *rec)
{
	struct vp_shared *s = &vps[vp];
	uint32_t seen = RD_ONCE(s->vtl1_seen);

	memset(rec, 0, sizeof(*rec));
	s->rec = rec;
	s->cmd = cmd;
	WR_ONCE(s->seq, s->seq + 1);
	vtl0_call(rec, s->vtl0_call_target);
	return RD_ONCE(s->vtl1_seen) != seen;
}

void check_normal_return(unsigned int vp, const char *name, bool ran, const struct call_rec *rec,
			 uint32_t n)
{
	struct check c;

	check_begin(&c, pfx[vp], name);
	check_that(&c, "vtl1_ran", ran, 0);
	check_eq(&c, "rax(vtl_ret_x64rax)", rec->rax, RET_RAX(vp));
	check_eq(&c, "rcx(vtl_ret_x64rcx)", rec->rcx, RET_RCX(vp));
	check_eq(&c, "r12(set by vtl1)", rec->r12, R12_MAGIC(vp, n));
	check_eq(&c, "rbx", rec->rbx, SENT_RBX);
	check_eq(&c, "r13", rec->r13, SENT_R13);
	check_eq(&c, "rsp", rec->rsp_after, rec->rsp_before);
	check_end(&c);
}

/* The write VTL1 protected, and the GPRs around it. */
static void intercept_checks(unsigned int vp)
{
	struct vp_shared *s = &vps[vp];
	volatile uint64_t *word = (volatile uint64_t *)(s->prot_page + PROT_OFF);
	struct gpr_frame out, want;
	uint32_t before;
	struct check c;
	unsigned int i;

	s->cmd = CMD_INTERCEPT;
	WR_ONCE(s->seq, s->seq + 1);
	before = RD_ONCE(s->intercepts);
	vtl0_prot_write((uint64_t *)word, PROT_NEW1, &out);
	check1_eq(pfx[vp], "intercept_taken", "vtl1_intercepts", RD_ONCE(s->intercepts) - before, 1);
	check1_eq(pfx[vp], "first_write_did_not_land", "word", *word, PROT_OLD);

	for (i = 0; i < sizeof(want) / 8; i++)
		((uint64_t *)&want)[i] = WSENT(i);
	want.rdi = (uintptr_t)word;
	want.rsi = PROT_NEW1;
	check_begin(&c, pfx[vp], "gprs_across_intercept");
	for (i = 0; i < sizeof(want) / 8; i++)
		check_eq(&c, "gpr", ((uint64_t *)&out)[i], ((uint64_t *)&want)[i]);
	check_end(&c);
	vtl0_state_check(vp, "vtl0_state_after_intercept", rdmsr(MSR_PAT));

	before = RD_ONCE(s->intercepts);
	vtl0_prot_write((uint64_t *)word, PROT_NEW2, &out);
	check_begin(&c, pfx[vp], "second_write_lands");
	check_eq(&c, "word", *word, PROT_NEW2);
	check_eq(&c, "vtl1_intercepts", RD_ONCE(s->intercepts) - before, 0);
	check_end(&c);
}

#define PING_ROUNDS 16

static uint64_t pat_set[NR_VPS];

bool vtl0_vp_init(unsigned int vp)
{
	struct vp_shared *s = &vps[vp];
	struct call_rec rec;
	bool ran;

	pat_set[vp] = rdmsr(MSR_PAT);
	*(volatile uint64_t *)(s->prot_page + PROT_OFF) = PROT_OLD;
	ran = vtl_call(vp, CMD_INIT, &rec);
	check1(pfx[vp], "vtl_call_enters_vtl1", ran && RD_ONCE(s->vtl1_ready), "vtl1_seen",
	       RD_ONCE(s->vtl1_seen));
	if (!ran)
		return false; /* the rest would only repeat this failure */
	check_normal_return(vp, "vtl_return_restores", ran, &rec, 1);
	vtl0_state_check(vp, "vtl0_private_state", pat_set[vp]);
	return true;
}

void vtl0_run_vp(unsigned int vp)
{
	struct vp_shared *s = &vps[vp];
	uint64_t pat = pat_set[vp];
	struct call_rec rec;
	struct check c;
	unsigned int i;
	bool ran;

	/* 2: VTL1 write-protects the page and returns fast. */
	ran = vtl_call(vp, CMD_PROTECT, &rec);
	check_begin(&c, pfx[vp], "fast_return");
	check_that(&c, "vtl1_ran", ran, 0);
	check_that(&c, "rax_not_from_assist_page", rec.rax != RET_POISON, rec.rax);
	check_that(&c, "rcx_not_from_assist_page", rec.rcx != RET_POISON, rec.rcx);
	check_eq(&c, "r12(set by vtl1)", rec.r12, R12_MAGIC(vp, 2));
	check_eq(&c, "rsp", rec.rsp_after, rec.rsp_before);
	check_end(&c);

	/* 3: VTL0 writes it: a secure intercept into VTL1. */
	intercept_checks(vp);

	/* 4: VTL1 translates VTL0 GVAs. */
	ran = vtl_call(vp, CMD_TRANSLATE, &rec);
	check_normal_return(vp, "translate_round_trip", ran, &rec, 3);

	/* 5: many round trips, VTL1 checking its own state on each. */
	check_begin(&c, pfx[vp], "vtl_call_loop");
	for (i = 0; i < PING_ROUNDS && !c.failed; i++) {
		ran = vtl_call(vp, CMD_PING, &rec);
		check_that(&c, "vtl1_ran", ran, i);
		check_eq(&c, "r12", rec.r12, R12_MAGIC(vp, s->seq));
		check_eq(&c, "rax", rec.rax, RET_RAX(vp));
		check_eq(&c, "rcx", rec.rcx, RET_RCX(vp));
		check_eq(&c, "rsp", rec.rsp_after, rec.rsp_before);
	}
	check_eq(&c, "vtl1_bad_entries", RD_ONCE(s->bad_entries), 0);
	check_end(&c);
	vtl0_state_check(vp, "vtl0_private_state_at_end", pat);
}
