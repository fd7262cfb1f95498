/*
 * Entry of the test guests (tests/guest/lib/guest.h) and the exception
 * stubs.
 *
 * hvmm enters a plain ELF64 in 64-bit mode with paging on its identity
 * map (vmm/x86_boot.c: CR3 = 0x1000, GDT at 0x500, interrupts off).
 */
	.code64
	.section .text.start, "ax"
	.globl start
start:
	cli
	lea boot_stack_top(%rip), %rsp
	xor %ebp, %ebp
	/* .bss is zero in the ELF image hvmm loads; clear it anyway. */
	lea __bss_start(%rip), %rdi
	lea _end(%rip), %rcx
	sub %rdi, %rcx
	xor %eax, %eax
	rep stosb
	call guest_main
1:	hlt
	jmp 1b

/*
 * One 16-byte stub per vector 0-31 and one (32) for all others; vectors
 * with an error code (SDM vol. 3, table 6-1: 8, 10-14, 17, 21, 29, 30)
 * have it pushed by the CPU, the others push 0. trap_common saves every
 * GPR (struct trap_frame) so that trap_handle() may resume.
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
	push %rax
	push %rcx
	push %rdx
	push %rbx
	push %rbp
	push %rsi
	push %rdi
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, %rdi
	mov %rsp, %rbx
	and $-16, %rsp
	cld
	call trap_handle
	mov %rbx, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rdi
	pop %rsi
	pop %rbp
	pop %rbx
	pop %rdx
	pop %rcx
	pop %rax
	add $16, %rsp		/* vector, error code */
	iretq

	.section .bss
	.balign 16
	.space 16384
boot_stack_top:
	.section .note.GNU-stack, "", @progbits
