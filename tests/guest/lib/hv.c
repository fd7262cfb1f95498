// SPDX-License-Identifier: MIT
/*
 * Guest OS id, hypercall page, SynIC registers and a clock that cannot
 * stall. Order and values follow Linux: hyperv_init()
 * (arch/x86/hyperv/hv_init.c) writes the guest OS id, then the hypercall
 * page MSR; hv_synic_enable_regs() (drivers/hv/hv.c) writes SIMP, SIEFP,
 * the SINT, then SCONTROL.
 */
#include "hv.h"

/* Linux's HV_LINUX_VENDOR_ID (0x8100) in bits 63:48; any non-zero id works. */
#define GUEST_OS_ID (0x8100ULL << 48 | 0x060100)

bool hv_detect(void)
{
	uint32_t a, b, c, d;

	cpuid(0x40000000, &a, &b, &c, &d);
	/* "Microsoft Hv" */
	return b == 0x7263694d && c == 0x666f736f && d == 0x76482074;
}

void hv_hypercall_enable(void *page)
{
	wrmsr(HV_MSR_GUEST_OS_ID, GUEST_OS_ID);
	wrmsr(HV_MSR_HYPERCALL, (uint64_t)(uintptr_t)page | 1);
}

uint64_t hv_hypercall(const void *page, uint64_t control, uint64_t in_gpa, uint64_t out_gpa)
{
	/* As Linux hv_do_hypercall(): control in rcx, input rdx, output r8. */
	register uint64_t r8 __asm__("r8") = out_gpa;
	uint64_t status;

	__asm__ volatile("call *%[page]"
			 : "=a"(status), "+c"(control), "+d"(in_gpa), "+r"(r8)
			 : [page] "r"(page)
			 : "cc", "memory", "r9", "r10", "r11");
	return status;
}

void hv_synic_enable(void *simp, void *siefp, unsigned int sint, uint8_t vector)
{
	wrmsr(HV_MSR_SIMP, (uint64_t)(uintptr_t)simp | 1);
	if (siefp)
		wrmsr(HV_MSR_SIEFP, (uint64_t)(uintptr_t)siefp | 1);
	wrmsr(HV_MSR_SINT0 + sint, vector);
	wrmsr(HV_MSR_SCONTROL, 1);
}

/*
 * Milliseconds since hv_clock_start(), from the partition reference
 * counter. Every wait loop reads it only once per 512 spins or more, each
 * read a VM exit of at least ~10 us even natively, so 200 reads take more
 * than a millisecond anywhere: counting reads gives a second clock that
 * runs slower than real time but cannot stop. Taking the larger of the
 * two keeps every wait bounded even if the reference counter stalled.
 */
#define READS_PER_MS 200
static volatile uint64_t ref_base;
static uint64_t clock_reads;

void hv_clock_start(void)
{
	ref_base = rdmsr(HV_MSR_TIME_REF_COUNT);
}

uint64_t hv_now_ms(void)
{
	uint64_t real = (rdmsr(HV_MSR_TIME_REF_COUNT) - ref_base) / 10000;
	uint64_t spun = __atomic_add_fetch(&clock_reads, 1, __ATOMIC_RELAXED) / READS_PER_MS;

	return real > spun ? real : spun;
}

bool spin_wait(bool (*done)(void *arg), void *arg, uint32_t ms)
{
	uint64_t end = hv_now_ms() + ms;
	unsigned int spins = 0;

	while (!(done && done(arg))) {
		/* The clock is a VM exit: look at it only every 512 spins. */
		if (++spins % 512 == 0 && hv_now_ms() >= end)
			return done && done(arg);
		cpu_relax();
	}
	return true;
}

void delay_ms(uint32_t ms)
{
	spin_wait(NULL, NULL, ms);
}
