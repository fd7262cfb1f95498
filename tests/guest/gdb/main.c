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
 *   gdbtest_ap_spin      the second vCPU's spin loop (cpus=2), with
 *                        gdbtest_ap_spins counting its rounds
 *
 * Command line: rounds=N (default 10) bumps of the counter; spin=N (0)
 * spins up to N million pauses or until gdbtest_release is set, for
 * Ctrl-C tests; cpus=2 (match --cpus) spins on the second vCPU too. The
 * last line is
 *   GDBTEST-RESULT pass|fail sum=S counter=C released=R aps=A
 * and the guest powers off.
 */
#include "guest.h"
#include "smp.h"

#define SPIN_UNIT 1000000ULL

volatile uint64_t gdbtest_counter;
volatile int gdbtest_release;
static struct idt_gate idt[IDT_ENTRIES] ALIGNED_PAGE;
static uint8_t ap_stack[16384] __attribute__((aligned(16)));
static volatile int ap_alive, ap_done;
static uint64_t ap_millions;
volatile uint64_t gdbtest_ap_spins;

#define AP_WAIT_SPINS 50000000ULL /* bounds every wait for the AP */

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

/* The second vCPU: a loop of its own for `info threads` and backtraces. */
__attribute__((noinline)) void gdbtest_ap_spin(void);
__attribute__((noinline)) void gdbtest_ap_spin(void)
{
	uint64_t i;

	for (i = 0; i < ap_millions * SPIN_UNIT && !RD_ONCE(gdbtest_release); i++) {
		gdbtest_ap_spins = i;
		cpu_relax();
	}
}

static void ap_main(void)
{
	idt_lidt(idt);
	WR_ONCE(ap_alive, 1);
	gdbtest_ap_spin();
	WR_ONCE(ap_done, 1);
	for (;;)
		__asm__ volatile("cli; hlt");
}

static bool wait_flag(volatile int *flag)
{
	uint64_t i;

	for (i = 0; i < AP_WAIT_SPINS && !RD_ONCE(*flag); i++)
		cpu_relax();
	return RD_ONCE(*flag) != 0;
}

void guest_main(void)
{
	uint64_t rounds = cmdline_u64("rounds", 10), spins = cmdline_u64("spin", 0);
	uint64_t cpus = cmdline_u64("cpus", 1), aps = 0, sum, r, want = 0;
	struct line l = { .n = 0 };
	bool ok;

	idt_fill(idt, read_cs());
	idt_lidt(idt);
	con_puts("GDBTEST start\n");
	if (cpus >= 2) {
		ap_millions = spins;
		smp_start_ap(ap_main, ap_stack + sizeof(ap_stack));
		aps = wait_flag(&ap_alive);
	}
	sum = gdbtest_compute(10);
	for (r = 1; r <= rounds; r++)
		gdbtest_bump(r);
	if (spins)
		spin(spins);
	if (aps && !wait_flag(&ap_done))
		aps = 0;
	for (r = 0; r < 10; r++)
		want += r * r;
	ok = sum == want && gdbtest_counter == rounds && aps == (cpus >= 2);
	line_str(&l, ok ? "GDBTEST-RESULT pass" : "GDBTEST-RESULT fail");
	line_str(&l, " sum=");
	line_dec(&l, sum);
	line_str(&l, " counter=");
	line_dec(&l, gdbtest_counter);
	line_str(&l, " released=");
	line_dec(&l, (uint64_t)RD_ONCE(gdbtest_release));
	line_str(&l, " aps=");
	line_dec(&l, aps);
	line_put(&l);
	poweroff();
}
