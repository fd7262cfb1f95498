/*
 * Multiboot v1 "a.out kludge" test kernel: a flat binary whose header
 * carries the load addresses (flag bit 16). Prints "AOUT-OK" and powers off.
 */
#include "common.inc"
#define LOAD 0x200000
#define MB_FLAGS 0x00010002
	.code32
	.section .text
	.globl start
hdr:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
	.long LOAD + (hdr - hdr)          /* header_addr */
	.long LOAD                        /* load_addr */
	.long 0                           /* load_end_addr: whole file */
	.long 0                           /* bss_end_addr: none */
	.long LOAD + (start - hdr)        /* entry_addr */
start:
	cmp $MB_BOOT_MAGIC, %eax
	jne 4f
	mov $(LOAD + (msg - hdr)), %esi
	PRINT_SI_AND_POWEROFF
4:	hlt
	jmp 4b
msg:	.asciz "AOUT-OK\n"
