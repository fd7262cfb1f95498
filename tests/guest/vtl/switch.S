/*
 * The VTL guest's register-level code: VTL calls and returns through the
 * hypercall page, VTL1's entry, the write VTL1 intercepts, and the #UD
 * probe. The 64-bit VTL call/return convention (TLFS "VSM: VTL call",
 * "VTL return"; the code page sequences at HvRegisterVsmCodePageOffsets):
 * call page + offset with RCX = the input (0 for a call; bit 0 = fast for
 * a return), as Linux __mshv_vtl_return_call() (arch/x86/hyperv/
 * mshv_vtl_asm.S) does with `xor %ecx, %ecx; call`. Every GPR but RSP is
 * shared between the VTLs, so each side saves what it needs on its own,
 * private, stack.
 */
#include "vtl.h"

/* Store every GPR but RAX (and RSP) into the register frame at RAX. */
.macro STORE_GPRS_BUT_RAX
	mov %rcx, 8(%rax)
	mov %rdx, 16(%rax)
	mov %rbx, 24(%rax)
	mov %rbp, 32(%rax)
	mov %rsi, 40(%rax)
	mov %rdi, 48(%rax)
	mov %r8, 56(%rax)
	mov %r9, 64(%rax)
	mov %r10, 72(%rax)
	mov %r11, 80(%rax)
	mov %r12, 88(%rax)
	mov %r13, 96(%rax)
	mov %r14, 104(%rax)
	mov %r15, 112(%rax)
.endm

	.code64
	.text

/* void vtl0_call(struct call_rec *rec, const void *target) */
	.globl vtl0_call, vtl0_call_ret
vtl0_call:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	push %rdi
	mov %rsp, REC_RSP_BEFORE(%rdi)
	mov $SENT_RBX, %ebx		/* VTL1 must leave these alone */
	mov $SENT_R13, %r13d
	xor %r12d, %r12d		/* VTL1 sets this one */
	xor %ecx, %ecx			/* VtlCall input: 0 */
	call *%rsi
vtl0_call_ret:
	push %rax
	mov 8(%rsp), %rax		/* rec */
	lea 8(%rsp), %rdx
	mov %rdx, REC_RSP_AFTER(%rax)
	mov %rcx, REC_RCX(%rax)
	mov %rbx, REC_RBX(%rax)
	mov %r12, REC_R12(%rax)
	mov %r13, REC_R13(%rax)
	pop %rcx
	mov %rcx, REC_RAX(%rax)
	pop %rdi
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret

/* void vtl0_prot_write(uint64_t *p, uint64_t val, struct gpr_frame *out) */
	.globl vtl0_prot_write, vtl0_write_insn, vtl0_write_next
vtl0_prot_write:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	push %rdx
	mov $WSENT(0), %eax
	mov $WSENT(1), %ecx
	mov $WSENT(2), %edx
	mov $WSENT(3), %ebx
	mov $WSENT(4), %ebp
	mov $WSENT(7), %r8d
	mov $WSENT(8), %r9d
	mov $WSENT(9), %r10d
	mov $WSENT(10), %r11d
	mov $WSENT(11), %r12d
	mov $WSENT(12), %r13d
	mov $WSENT(13), %r14d
	mov $WSENT(14), %r15d
vtl0_write_insn:
	mov %rsi, (%rdi)
vtl0_write_next:
	push %rax
	mov 8(%rsp), %rax		/* out */
	STORE_GPRS_BUT_RAX
	pop %rcx
	mov %rcx, 0(%rax)
	add $8, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret

/*
 * uint64_t vtl_return_probe(const void *target): a VtlReturn from VTL0,
 * which the TLFS does not allow. A #UD (what OpenVMM's hv1_hypercall
 * raises for it) resumes at 1: through guest_trap() with PROBE_UD.
 */
	.globl vtl_return_probe
vtl_return_probe:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, probe_fixup_rsp(%rip)
	lea 1f(%rip), %rax
	mov %rax, probe_fixup_rip(%rip)
	xor %ecx, %ecx
	call *%rdi
	jmp 2f
1:	movabs $PROBE_UD, %rax
2:	movq $0, probe_fixup_rip(%rip)
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret

/*
 * VTL1's entry point, with the initial context's RSP: keep VTL0's GPRs
 * (struct gpr_frame, rax lowest) on this stack and hand them to C.
 */
	.globl vtl1_entry
vtl1_entry:
	push %r15
	push %r14
	push %r13
	push %r12
	push %r11
	push %r10
	push %r9
	push %r8
	push %rdi
	push %rsi
	push %rbp
	push %rbx
	push %rdx
	push %rcx
	push %rax
	mov %rsp, %rdi
	sub $8, %rsp			/* 15 pushes: realign for the call */
	cld
	call vtl1_main
1:	cli
	hlt
	jmp 1b

/* void vtl1_return(struct gpr_frame *f, const void *target, uint64_t input) */
	.globl vtl1_return
vtl1_return:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	push %rdi
	push %rsi
	push %rdx			/* 0: input, 8: target, 16: frame */
	mov %rdi, %rax
	mov 16(%rax), %rdx
	mov 24(%rax), %rbx
	mov 32(%rax), %rbp
	mov 40(%rax), %rsi
	mov 56(%rax), %r8
	mov 64(%rax), %r9
	mov 72(%rax), %r10
	mov 80(%rax), %r11
	mov 88(%rax), %r12
	mov 96(%rax), %r13
	mov 104(%rax), %r14
	mov 112(%rax), %r15
	mov 48(%rax), %rdi
	mov (%rsp), %rcx
	call *8(%rsp)
	/* The next entry into VTL1 resumes here, with VTL0's GPRs. */
	push %rax
	mov 24(%rsp), %rax		/* frame */
	STORE_GPRS_BUT_RAX
	pop %rcx
	mov %rcx, 0(%rax)
	add $24, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	cld
	ret

/* The second VP, started in VTL0 by HvCallStartVirtualProcessor. */
	.globl vp1_entry
vp1_entry:
	cld
	call vp1_main
1:	cli
	hlt
	jmp 1b

/* void gdt_load(const struct desc_ptr *gdtr, uint16_t cs, uint16_t ds) */
	.globl gdt_load
gdt_load:
	lgdt (%rdi)
	mov %edx, %ds
	mov %edx, %es
	mov %edx, %ss
	mov %edx, %fs
	mov %edx, %gs
	movzwl %si, %esi
	push %rsi
	lea 1f(%rip), %rax
	push %rax
	lretq
1:	ret

	.data
	.balign 8
	.globl probe_fixup_rip, probe_fixup_rsp
probe_fixup_rip:	.quad 0
probe_fixup_rsp:	.quad 0

	.section .note.GNU-stack, "", @progbits
