/*
 * The real-mode trampoline that brings the hostile guest's second vCPU to
 * long mode (the entry point and exception stubs are tests/guest/lib's).
 *
 * An AP starts, after INIT-SIPI-SIPI with vector 0x80, in real mode at
 * 0x8000:0000. ap_start() (ap.c) copies tramp_start..tramp_end to
 * TRAMP_BASE and fills tramp_cr3/tramp_stack/tramp_entry first. The
 * trampoline loads its own GDT, enters protected mode, enables PAE,
 * loads the BSP's CR3, sets EFER.LME, enables paging and jumps to 64-bit
 * code, which calls tramp_entry on tramp_stack (Intel SDM vol. 3,
 * 9.8.5 "Initializing IA-32e Mode").
 */
#define TRAMP_BASE 0x80000
#define T(x) (TRAMP_BASE + (x) - tramp_start)

	.section .rodata
	.balign 16
	.globl tramp_start, tramp_end, tramp_cr3, tramp_stack, tramp_entry
tramp_start:
	.code16
	cli
	mov %cs, %ax
	mov %ax, %ds
	lgdtl (tramp_gdtr - tramp_start)
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $0x08, $T(tramp_pm32)

	.code32
tramp_pm32:
	mov $0x18, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %cr4, %eax
	or $0x20, %eax			/* PAE */
	mov %eax, %cr4
	mov T(tramp_cr3), %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx		/* EFER */
	rdmsr
	or $0x100, %eax			/* LME */
	wrmsr
	mov %cr0, %eax
	or $0x80000000, %eax		/* PG */
	mov %eax, %cr0
	ljmp $0x10, $T(tramp_lm64)

	.code64
tramp_lm64:
	mov $0x18, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov T(tramp_stack), %rsp
	mov T(tramp_entry), %rax
	xor %ebp, %ebp
	call *%rax
2:	cli
	hlt
	jmp 2b

	.balign 8
tramp_gdt:
	.quad 0
	.quad 0x00cf9b000000ffff	/* 0x08: 32-bit code */
	.quad 0x00af9b000000ffff	/* 0x10: 64-bit code */
	.quad 0x00cf93000000ffff	/* 0x18: data */
tramp_gdtr:
	.word tramp_gdtr - tramp_gdt - 1
	.long T(tramp_gdt)
	.balign 8
tramp_cr3:	.quad 0
tramp_stack:	.quad 0
tramp_entry:	.quad 0
tramp_end:

	.section .note.GNU-stack, "", @progbits
