// SPDX-License-Identifier: MIT
/*
 * AP bring-up through the xAPIC (Intel SDM vol. 3, 9.4.4 "MP
 * Initialization Example"; Linux wakeup_secondary_cpu_via_init()): the
 * trampoline smp_tramp.S is copied to SMP_TRAMP_BASE, then INIT and two
 * SIPIs go to all CPUs but self. KVM needs no delays between them.
 */
#include "smp.h"

#define LAPIC_BASE 0xfee00000ULL
#define LAPIC_SVR 0xf0
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define ICR_BUSY (1u << 12)
#define ICR_ALL_BUT_SELF (3u << 18)
#define ICR_INIT 0x4500u /* INIT, level, assert */
#define ICR_SIPI 0x4600u
#define SIPI_VECTOR (SMP_TRAMP_BASE >> 12)

extern const uint8_t smp_tramp_start[], smp_tramp_end[], smp_tramp_cr3[], smp_tramp_stack[],
	smp_tramp_entry[];

static void lapic_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)(LAPIC_BASE + reg) = v;
}

static uint32_t lapic_read(uint32_t reg)
{
	return *(volatile uint32_t *)(uintptr_t)(LAPIC_BASE + reg);
}

static void icr_send(uint32_t lo)
{
	unsigned int i;

	lapic_write(LAPIC_ICR_HI, 0);
	lapic_write(LAPIC_ICR_LO, lo);
	for (i = 0; i < 1000 && (lapic_read(LAPIC_ICR_LO) & ICR_BUSY); i++)
		cpu_relax();
}

static void tramp_put(const uint8_t *field, uint64_t v)
{
	memcpy((void *)(uintptr_t)(SMP_TRAMP_BASE + (uintptr_t)(field - smp_tramp_start)), &v, 8);
}

void smp_start_ap(void (*entry)(void), void *stack_top)
{
	memcpy((void *)(uintptr_t)SMP_TRAMP_BASE, smp_tramp_start,
	       (size_t)(smp_tramp_end - smp_tramp_start));
	tramp_put(smp_tramp_cr3, read_cr3());
	tramp_put(smp_tramp_stack, (uintptr_t)stack_top);
	tramp_put(smp_tramp_entry, (uintptr_t)entry);
	MB();
	lapic_write(LAPIC_SVR, 0x1ff); /* software-enable this APIC */
	icr_send(ICR_ALL_BUT_SELF | ICR_INIT);
	icr_send(ICR_ALL_BUT_SELF | ICR_SIPI | SIPI_VECTOR);
	icr_send(ICR_ALL_BUT_SELF | ICR_SIPI | SIPI_VECTOR);
}
