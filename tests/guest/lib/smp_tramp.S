/*
 * Real-mode trampoline for smp_start_ap() (tests/guest/lib/smp.h): an AP
 * woken by INIT-SIPI-SIPI with vector SMP_TRAMP_BASE >> 12 starts here in
 * real mode at SMP_TRAMP_BASE, loads its own GDT, enters protected mode,
 * enables PAE, loads the BSP's CR3, sets EFER.LME, enables paging and
 * calls smp_tramp_entry on smp_tramp_stack in 64-bit mode (Intel SDM
 * vol. 3, 9.8.5 "Initializing IA-32e Mode"). smp.c copies the block to
 * SMP_TRAMP_BASE and fills the three quadwords at its end first.
 */
#define SMP_TRAMP_BASE 0x80000
#define T(x) (SMP_TRAMP_BASE + (x) - smp_tramp_start)

	.section .rodata
	.balign 16
	.globl smp_tramp_start, smp_tramp_end, smp_tramp_cr3, smp_tramp_stack, smp_tramp_entry
smp_tramp_start:
	.code16
	cli
	mov %cs, %ax
	mov %ax, %ds
	lgdtl (smp_gdtr - smp_tramp_start)
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $0x08, $T(smp_pm32)

	.code32
smp_pm32:
	mov $0x18, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %cr4, %eax
	or $0x20, %eax			/* PAE */
	mov %eax, %cr4
	mov T(smp_tramp_cr3), %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx		/* EFER */
	rdmsr
	or $0x100, %eax			/* LME */
	wrmsr
	mov %cr0, %eax
	or $0x80000000, %eax		/* PG */
	mov %eax, %cr0
	ljmp $0x10, $T(smp_lm64)

	.code64
smp_lm64:
	mov $0x18, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov T(smp_tramp_stack), %rsp
	mov T(smp_tramp_entry), %rax
	xor %ebp, %ebp
	call *%rax
1:	cli
	hlt
	jmp 1b

	.balign 8
smp_gdt:
	.quad 0
	.quad 0x00cf9b000000ffff	/* 0x08: 32-bit code */
	.quad 0x00af9b000000ffff	/* 0x10: 64-bit code */
	.quad 0x00cf93000000ffff	/* 0x18: data */
smp_gdtr:
	.word smp_gdtr - smp_gdt - 1
	.long T(smp_gdt)
	.balign 8
smp_tramp_cr3:		.quad 0
smp_tramp_stack:	.quad 0
smp_tramp_entry:	.quad 0
smp_tramp_end:

	.section .note.GNU-stack, "", @progbits
