/*
 * Entry of the hostile test guest, and the real-mode trampoline that
 * brings the second vCPU to long mode.
 *
 * The BSP arrives in 64-bit mode with paging on hvmm's identity map
 * (vmm/x86_boot.c: CR3 = 0x1000, GDT at 0x500, interrupts off).
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

	.code64
	.section .text.start, "ax"
	.globl start
start:
	cli
	lea bsp_stack_top(%rip), %rsp
	xor %ebp, %ebp
	/* .bss is zero in the ELF image hvmm loads; clear it anyway. */
	lea __bss_start(%rip), %rdi
	lea _end(%rip), %rcx
	sub %rdi, %rcx
	xor %eax, %eax
	rep stosb
	call hostile_main
1:	hlt
	jmp 1b

/*
 * Exception stubs: without an IDT any fault is a triple fault whose
 * registers KVM on AMD has already reset. With one, a fault in this
 * guest is reported (vector, error code, RIP) and told apart from a
 * triple fault the lab causes. Vectors with an error code (SDM vol. 3,
 * table 6-1): 8, 10-14, 17, 21, 29, 30.
 */
.macro TRAP vec
	.balign 16
	.if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	push $0
	.endif
	push $\vec
	jmp trap_common
.endm
	.balign 16
	.globl trap_stubs
trap_stubs:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32
	TRAP \v
	.endr
trap_common:
	mov %rsp, %rdi
	and $-16, %rsp
	call trap_report
3:	cli
	hlt
	jmp 3b

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

	.section .bss
	.balign 16
	.space 16384
bsp_stack_top:
	.section .note.GNU-stack, "", @progbits
