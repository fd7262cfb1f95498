// SPDX-License-Identifier: MIT
#include "x86_boot.h"

#include <errno.h>
#include <string.h>

#include "layout.h"

#define X86_CR0_PE (1ULL << 0)
#define X86_CR0_ET (1ULL << 4)
#define X86_CR0_PG (1ULL << 31)
#define X86_CR4_PAE (1ULL << 5)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)

#define PTE_P (1ULL << 0)
#define PTE_RW (1ULL << 1)
#define PTE_PS (1ULL << 7)

static const uint64_t boot_gdt[] = {
	0,
	0x00cf9b000000ffffULL, /* 0x08: 32-bit code, flat */
	0x00af9b000000ffffULL, /* 0x10: 64-bit code */
	0x00cf93000000ffffULL, /* 0x18: data, flat */
	0x00008b0000000067ULL, /* 0x20: 32-bit busy TSS, as VMX entry demands a usable TR */
};

int x86_boot_write_tables(const struct guest_mem *mem)
{
	uint64_t *pml4 = gmem_ptr(mem, BOOT_PML4, 4096);
	uint64_t *pdpt = gmem_ptr(mem, BOOT_PDPT, 4096);
	uint64_t *pd = gmem_ptr(mem, BOOT_PD, 4 * 4096);
	unsigned int i;

	if (!pml4 || !pdpt || !pd)
		return -EFAULT;
	if (gmem_write(mem, BOOT_GDT, boot_gdt, sizeof(boot_gdt)))
		return -EFAULT;
	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	pml4[0] = BOOT_PDPT | PTE_P | PTE_RW;
	for (i = 0; i < 4; i++)
		pdpt[i] = (BOOT_PD + i * 4096ULL) | PTE_P | PTE_RW;
	/* 4 GiB identity map in 2 MiB pages, enough for any boot-time address. */
	for (i = 0; i < 4 * 512; i++)
		pd[i] = ((uint64_t)i << 21) | PTE_P | PTE_RW | PTE_PS;
	return 0;
}

static void seg_flat(struct kvm_segment *s, uint16_t sel, uint8_t type, int l, int db)
{
	*s = (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
		.present = 1, .dpl = 0, .db = (uint8_t)db, .s = 1, .l = (uint8_t)l,
		.g = 1,
	};
}

void x86_boot_sregs(struct kvm_sregs *s, enum boot_mode mode)
{
	bool lm = mode != BOOT_MODE_PROT32;

	seg_flat(&s->cs, lm ? BOOT_SEL_CODE64 : BOOT_SEL_CODE32, 0xb, lm, !lm);
	seg_flat(&s->ds, BOOT_SEL_DATA, 0x3, 0, 1);
	s->es = s->fs = s->gs = s->ss = s->ds;
	s->tr = (struct kvm_segment){
		.base = 0, .limit = 0x67, .selector = BOOT_SEL_TSS, .type = 0xb,
		.present = 1,
	};
	s->gdt.base = BOOT_GDT;
	s->gdt.limit = sizeof(boot_gdt) - 1;
	s->idt.base = 0;
	s->idt.limit = 0;
	s->cr0 = X86_CR0_PE | X86_CR0_ET;
	s->cr4 = 0;
	s->efer = 0;
	if (lm) {
		s->cr3 = BOOT_PML4;
		s->cr4 |= X86_CR4_PAE;
		s->cr0 |= X86_CR0_PG;
		s->efer |= EFER_LME | EFER_LMA;
	}
}

void x86_boot_regs(struct kvm_regs *r, const struct boot_state *bs)
{
	memset(r, 0, sizeof(*r));
	r->rflags = 0x2;
	r->rip = bs->rip;
	r->rsp = bs->rsp;
	r->rax = bs->rax;
	r->rbx = bs->rbx;
	r->rsi = bs->rsi;
}
