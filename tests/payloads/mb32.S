/*
 * Multiboot v1 ELF32 test kernel: checks the boot magic, prints "MB-OK",
 * the command line and lower/upper memory from the Multiboot info, then
 * powers off through the ACPI PM1a control register.
 */
#include "common.inc"
	.code32
	.section .text
	.globl start
	.align 4
mb_header:
	.long MB_MAGIC
	.long 0x00000003                  /* page-align modules, want memory info */
	.long -(MB_MAGIC + 0x00000003)
start:
	mov $0x80000, %esp
	mov %ebx, %edi
	cmp $MB_BOOT_MAGIC, %eax
	jne bad
	mov $ok_msg, %esi
	call print
	mov 16(%edi), %esi                /* cmdline */
	call print
	mov $mem_msg, %esi
	call print
	mov 8(%edi), %eax                 /* mem_upper in KiB */
	call print_hex
	mov $nl_msg, %esi
	call print
	jmp off
bad:
	mov $bad_msg, %esi
	call print
off:
	mov $PM1A_CNT, %dx
	mov $S5_SLP_EN, %ax
	out %ax, %dx
1:	hlt
	jmp 1b

print:
	mov $COM1, %dx
2:	lodsb
	test %al, %al
	jz 3f
	out %al, %dx
	jmp 2b
3:	ret

/* Print EAX as 8 hex digits. */
print_hex:
	mov $COM1, %dx
	mov $8, %ecx
4:	rol $4, %eax
	mov %eax, %ebx
	and $0xf, %ebx
	mov hexdigits(%ebx), %bl
	xchg %eax, %ebx
	out %al, %dx
	xchg %eax, %ebx
	loop 4b
	ret

	.section .rodata
hexdigits: .ascii "0123456789abcdef"
ok_msg:	.asciz "MB-OK cmdline="
mem_msg: .asciz " mem_upper=0x"
nl_msg:	.asciz "\n"
bad_msg: .asciz "MB-BAD-MAGIC\n"
