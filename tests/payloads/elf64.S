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
	PRINT_SI_AND_POWEROFF
	.section .rodata
msg:	.asciz "ELF64-OK\n"
