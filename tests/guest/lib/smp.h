/* SPDX-License-Identifier: MIT */
/*
 * Starting the second CPU of a test guest (smp.c, smp_tramp.S): the same
 * INIT-SIPI-SIPI bring-up as tests/guest/hostile's, as a library call.
 * The AP runs entry() in 64-bit mode on the BSP's page tables and GDT
 * layout of the trampoline, interrupts off, with no IDT until entry()
 * loads one (idt_lidt()).
 */
#ifndef GUEST_LIB_SMP_H
#define GUEST_LIB_SMP_H

#include "guest.h"

/* Physical page the trampoline is copied to (below 1 MiB, free RAM). */
#define SMP_TRAMP_BASE 0x80000ULL

/*
 * Wake every other CPU into entry() on stack_top (one AP: they would
 * share the stack). Returns at once; the caller waits for a sign of life
 * from entry() with a bound.
 */
void smp_start_ap(void (*entry)(void), void *stack_top);

#endif
