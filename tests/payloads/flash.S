/*
 * Flash test payload (firmware/flash.c through the platform): run with
 * --firmware OVMF_CODE_4M.fd --uefi-vars FILE. Entered in long mode with
 * the identity map over 4 GiB, it drives the variable store at 0xFFC00000
 * the way OVMF does (edk2 OvmfPkg/QemuFlashFvbServicesRuntimeDxe/
 * QemuFlash.c) and prints one line per step on COM1:
 *
 *   VARS-PERSISTED  the byte a previous run programmed is there (run 2)
 *   PROBE-FLASH     QemuFlashDetected()'s probe, step for step, says flash
 *                   (else PROBE-NONE/-RAM/-ROM/-OTHER, and it stops)
 *   READ-ALL-OK     the whole 0x84000-byte store read in read-array mode
 *                   (from the read-only memslot: no exits, see --stats)
 *   PROGRAM-OK      0x10 + data: status 0x80 until 0xFF, then the byte
 *   ERASE-OK        0x20 + 0xD0 on a 4 KiB block: 0xFF after 0xFF
 *   ROM-OK          the code's reset vector (0x90 at 0xFFFFFFF0) reads
 *                   back unchanged after a write
 * then powers off; FLASH-BAD on any mismatch.
 */
#include "common.inc"
#define BASE 0xFFC00000
#define VARS_SIZE 0x84000
#define PROG_OFF 0x3f000
#define ERASE_OFF 0x40000
#define MARK 0xa5

.macro PUTS label
	lea \label(%rip), %rsi
	mov $COM1, %dx
81:	lodsb
	test %al, %al
	jz 82f
	out %al, %dx
	jmp 81b
82:
.endm

	.code64
	.section .text
	.globl start
start:
	mov $BASE, %rbx
	cmpb $MARK, PROG_OFF(%rbx)
	jne 1f
	PUTS persisted
	/* QemuFlashDetected(): the first byte of block 0 not 0x00/0x50/0x70 */
1:	xor %ecx, %ecx
2:	movzbl (%rbx,%rcx), %eax
	cmp $0x50, %al
	je 3f
	cmp $0x70, %al
	je 3f
	test %al, %al
	jne 4f
3:	inc %ecx
	cmp $4096, %ecx
	jb 2b
	lea none(%rip), %rsi
	jmp out
4:	lea (%rbx,%rcx), %rdi
	movzbl (%rdi), %r8d		/* OriginalUint8 */
	movb $0x50, (%rdi)		/* CLEAR_STATUS_CMD */
	movzbl (%rdi), %eax
	cmp $0x50, %r8b
	je 5f
	cmp $0x50, %al
	jne 5f
	lea ram(%rip), %rsi
	jmp out
5:	movb $0x70, (%rdi)		/* READ_STATUS_CMD */
	movzbl (%rdi), %eax
	cmp %r8b, %al
	jne 6f
	lea rom(%rip), %rsi
	jmp out
6:	test %al, %al			/* CLEARED_ARRAY_STATUS: flash */
	jz 7f
	lea other(%rip), %rsi
	jmp out
7:	movb $0xff, (%rdi)		/* READ_ARRAY_CMD */
	PUTS flash

	xor %ecx, %ecx
8:	movzbl (%rbx,%rcx), %eax
	inc %ecx
	cmp $VARS_SIZE, %ecx
	jb 8b
	PUTS readall

	lea PROG_OFF(%rbx), %rdi	/* QemuFlashWrite(), one byte */
	movb $0x10, (%rdi)
	movb $MARK, (%rdi)
	movzbl (%rdi), %eax
	cmp $0x80, %al
	jne bad
	movb $0xff, (%rdi)
	movzbl (%rdi), %eax
	cmp $MARK, %al
	jne bad
	PUTS progok

	lea ERASE_OFF(%rbx), %rdi	/* QemuFlashEraseBlock() */
	movb $0x20, (%rdi)
	movb $0xd0, (%rdi)
	movb $0xff, (%rdi)
	movzbl 0x123(%rdi), %eax
	cmp $0xff, %al
	jne bad
	movzbl 0xfff(%rdi), %eax
	cmp $0xff, %al
	jne bad
	PUTS eraseok

	mov $0xfffffff0, %edi
	movzbl (%rdi), %r8d
	movb $0x00, (%rdi)
	movzbl (%rdi), %eax
	cmp %r8b, %al
	jne bad
	cmp $0x90, %al
	jne bad
	lea romok(%rip), %rsi
	jmp out
bad:	lea badmsg(%rip), %rsi
out:
	PRINT_SI_AND_POWEROFF

	.section .rodata
persisted: .asciz "VARS-PERSISTED\n"
none:	.asciz "PROBE-NONE\n"
ram:	.asciz "PROBE-RAM\n"
rom:	.asciz "PROBE-ROM\n"
other:	.asciz "PROBE-OTHER\n"
flash:	.asciz "PROBE-FLASH\n"
readall: .asciz "READ-ALL-OK\n"
progok:	.asciz "PROGRAM-OK\n"
eraseok: .asciz "ERASE-OK\n"
romok:	.asciz "ROM-OK\n"
badmsg:	.asciz "FLASH-BAD\n"
