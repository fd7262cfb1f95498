// SPDX-License-Identifier: MIT
/*
 * The gdbstub test guest (docs/gdbstub.md, issue 11): a bare-metal ELF64
 * with symbols for scripted gdb sessions. Every name below is part of the
 * contract with those scripts (tests/integration gdb cases):
 *
 *   gdbtest_compute(n)   a function with locals to break on, `finish`
 *                        from and `next` through; returns the sum of
 *                        i * i for i < n, kept in the local `acc`
 *   gdbtest_counter      a global written once per gdbtest_bump() call,
 *                        for `watch` (hardware watchpoint) tests
 *   gdbtest_release      spin mode waits for it (gdb: set var ... = 1)
 *
 * Command line: rounds=N (default 10) bumps of the counter; spin=N (0)
 * spins up to N million pauses or until gdbtest_release is set, for
 * Ctrl-C tests. The last line is
 *   GDBTEST-RESULT pass|fail sum=S counter=C released=R
 * and the guest powers off.
 */
#include "guest.h"

#define SPIN_UNIT 1000000ULL

volatile uint64_t gdbtest_counter;
volatile int gdbtest_release;
static struct idt_gate idt[IDT_ENTRIES] ALIGNED_PAGE;

bool guest_trap(struct trap_frame *f)
{
	con_puts_nolock("GDBTEST exception ");
	trap_print(f);
	con_puts_nolock("\nGDBTEST-RESULT fail exception\n");
	return false;
}

/* noinline and volatile locals: gdb can stop here and print `acc` at -O2. */
__attribute__((noinline)) uint64_t gdbtest_compute(unsigned int n);
__attribute__((noinline)) uint64_t gdbtest_compute(unsigned int n)
{
	volatile uint64_t acc = 0;
	volatile unsigned int i;

	for (i = 0; i < n; i++)
		acc += (uint64_t)i * i;
	return acc;
}

__attribute__((noinline)) void gdbtest_bump(uint64_t v);
__attribute__((noinline)) void gdbtest_bump(uint64_t v)
{
	gdbtest_counter = v; /* the write a watchpoint stops at */
}

static uint64_t spin(uint64_t millions)
{
	uint64_t i;

	for (i = 0; i < millions * SPIN_UNIT && !RD_ONCE(gdbtest_release); i++)
		cpu_relax();
	return i;
}

void guest_main(void)
{
	uint64_t rounds = cmdline_u64("rounds", 10), spins = cmdline_u64("spin", 0);
	uint64_t sum, r, want = 0;
	struct line l = { .n = 0 };
	bool ok;

	idt_fill(idt, read_cs());
	idt_lidt(idt);
	con_puts("GDBTEST start\n");
	sum = gdbtest_compute(10);
	for (r = 1; r <= rounds; r++)
		gdbtest_bump(r);
	if (spins)
		spin(spins);
	for (r = 0; r < 10; r++)
		want += r * r;
	ok = sum == want && gdbtest_counter == rounds;
	line_str(&l, ok ? "GDBTEST-RESULT pass" : "GDBTEST-RESULT fail");
	line_str(&l, " sum=");
	line_dec(&l, sum);
	line_str(&l, " counter=");
	line_dec(&l, gdbtest_counter);
	line_str(&l, " released=");
	line_dec(&l, (uint64_t)RD_ONCE(gdbtest_release));
	line_put(&l);
	poweroff();
}
