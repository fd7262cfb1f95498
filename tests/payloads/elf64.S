/*
 * Plain 64-bit ELF test payload: entered in long mode with the identity
 * map; prints "ELF64-OK" and powers off.
 */
#include "common.inc"
	.code64
	.section .text
	.globl start
start:
	lea msg(%rip), %rsi
	mov $COM1, %dx
1:	lodsb
	test %al, %al
	jz 2f
	out %al, %dx
	jmp 1b
2:	mov $PM1A_CNT, %dx
	mov $S5_SLP_EN, %ax
	out %ax, %dx
3:	hlt
	jmp 3b
	.section .rodata
msg:	.asciz "ELF64-OK\n"
