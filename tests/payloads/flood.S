/*
 * Console flood: a 64-bit ELF payload that writes a line to COM1 over and
 * over and never stops (each `out` is one VM exit). The console-stall
 * cases use it to fill a stalled reader's pipe and hvmm's host buffer.
 */
#include "common.inc"
	.code64
	.section .text
	.globl start
start:
	mov $COM1, %dx
1:	lea msg(%rip), %rsi
2:	lodsb
	test %al, %al
	jz 1b
	out %al, %dx
	jmp 2b
	.section .rodata
msg:	.asciz "FLOOD 0123456789abcdefghijklmnopqrstuvwxyz\n"
