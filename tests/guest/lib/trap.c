// SPDX-License-Identifier: MIT
/*
 * Exceptions: without an IDT any fault is a triple fault whose registers
 * KVM on AMD has already reset. With one, a fault of the guest itself is
 * reported (vector, error code, RIP) and told apart from a triple fault
 * the host or the lab causes; a guest may also recover from a fault it
 * provoked on purpose (guest_trap()).
 */
#include "guest.h"

#define TRAP_STUB_SIZE 16 /* entry.S aligns every stub to 16 bytes */
#define TRAP_OTHER 32     /* stub 32 stands for every vector above 31 */

extern const uint8_t trap_stubs[];

void idt_fill(struct idt_gate *idt, uint16_t cs)
{
	unsigned int v;

	for (v = 0; v < IDT_ENTRIES; v++) {
		uintptr_t a = (uintptr_t)trap_stubs + (v < TRAP_OTHER ? v : TRAP_OTHER) * TRAP_STUB_SIZE;

		idt[v] = (struct idt_gate){ (uint16_t)a, cs, 0, 0x8e, (uint16_t)(a >> 16),
					    (uint32_t)(a >> 32), 0 };
	}
}

void idt_lidt(const struct idt_gate *idt)
{
	struct desc_ptr idtr = { IDT_ENTRIES * sizeof(*idt) - 1, (uintptr_t)idt };

	__asm__ volatile("lidt %0" ::"m"(idtr));
}

void trap_print(const struct trap_frame *f)
{
	con_puts_nolock("vec=");
	con_puthex_nolock(f->vector);
	con_puts_nolock(" err=");
	con_puthex_nolock(f->error);
	con_puts_nolock(" rip=");
	con_puthex_nolock(f->rip);
	con_puts_nolock(" rsp=");
	con_puthex_nolock(f->rsp);
	con_puts_nolock(" cr2=");
	con_puthex_nolock(read_cr2());
}

/* Called by entry.S; returns only to resume at f->rip. */
void trap_handle(struct trap_frame *f);
void trap_handle(struct trap_frame *f)
{
	if (!guest_trap(f))
		poweroff();
}
