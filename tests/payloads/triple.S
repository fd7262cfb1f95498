/*
 * Triple-fault test payload: prints a marker, then executes ud2 with no
 * IDT (the boot IDT has limit 0), so #UD escalates to a triple fault.
 */
#include "common.inc"
	.code64
	.section .text
	.globl start
start:
	mov $COM1, %dx
	mov $'T', %al
	out %al, %dx
	ud2
