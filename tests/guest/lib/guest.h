/* SPDX-License-Identifier: MIT */
/*
 * The little runtime shared by hvmm's freestanding test guests
 * (tests/guest/hostile, tests/guest/vtl): CPU helpers, COM1 output, the
 * command line, ACPI S5, and exceptions reported (or recovered) instead
 * of triple faults.
 *
 * The guests are plain ELF64 kernels that hvmm enters in 64-bit long mode
 * on its 4 GiB identity map with interrupts off (vmm/x86_boot.c) and CR4
 * without OSFXSR: they are built without SSE. lib/entry.S provides
 * `start`, which clears .bss and calls guest_main() on a 16 KiB stack.
 *
 * Each guest defines:
 *   void guest_main(void);                    never returns
 *   bool guest_trap(struct trap_frame *f);    every exception: fix the
 *        frame and return true to resume at f->rip, or return false to
 *        power off (print the report first, e.g. with trap_print()).
 */
#ifndef GUEST_LIB_H
#define GUEST_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE 4096u
#define ALIGNED_PAGE __attribute__((aligned(4096)))

#define RD_ONCE(x) __atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define WR_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELEASE)
#define MB() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- CPU ------------------------------------------------------------------- */
static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

#define DEFINE_READ_CR(n)                                                  \
	static inline uint64_t read_cr##n(void)                            \
	{                                                                  \
		uint64_t v;                                                \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));          \
		return v;                                                  \
	}
DEFINE_READ_CR(0)
DEFINE_READ_CR(2)
DEFINE_READ_CR(3)
DEFINE_READ_CR(4)

static inline void write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" ::"r"(v) : "memory");
}

/* GDTR/IDTR as sgdt/sidt store them. */
struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static inline void store_gdt(struct desc_ptr *d)
{
	__asm__ volatile("sgdt %0" : "=m"(*d));
}

static inline void store_idt(struct desc_ptr *d)
{
	__asm__ volatile("sidt %0" : "=m"(*d));
}

static inline uint16_t read_cs(void)
{
	uint16_t v;

	__asm__ volatile("mov %%cs, %0" : "=r"(v));
	return v;
}

static inline uint16_t store_tr(void)
{
	uint16_t v;

	__asm__ volatile("str %0" : "=r"(v));
	return v;
}

static inline uint64_t read_rsp(void)
{
	uint64_t v;

	__asm__ volatile("mov %%rsp, %0" : "=r"(v));
	return v;
}

/* Architectural MSRs (Intel SDM vol. 4). */
#define MSR_SYSENTER_ESP 0x175
#define MSR_PAT 0x277
#define MSR_EFER 0xc0000080
#define MSR_KERNEL_GS_BASE 0xc0000102

/* ---- lib.c: memory, console, command line, power --------------------------- */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void spin_lock(volatile int *l);
void spin_unlock(volatile int *l);
/* done() for spin_wait(): a non-zero int. */
bool flag_set(void *flag);

/* COM1; each call prints under a lock shared by every CPU. */
void con_puts(const char *s);
void con_putu(uint64_t v);
void con_puthex(uint64_t v);
/* " k=v" (decimal). */
void con_kv(const char *k, uint64_t v);
/* For the exception path: the faulting CPU may hold the console lock. */
void con_puts_nolock(const char *s);
void con_puthex_nolock(uint64_t v);

/* A line built in memory and printed with one locked con_puts(): lines of
 * concurrent CPUs never interleave. Overlong text is cut, never overrun. */
struct line {
	char buf[240];
	unsigned int n;
};
void line_str(struct line *l, const char *s);
void line_hex(struct line *l, uint64_t v);
void line_dec(struct line *l, uint64_t v);
/* Appends "\n" and prints; the line is empty again afterwards. */
void line_put(struct line *l);

/* Value of "key=N" (decimal or 0x hex) on hvmm's command line. */
uint64_t cmdline_u64(const char *key, uint64_t dflt);
/* ACPI S5 through PM1a control, as tests/payloads/common.inc. */
__attribute__((noreturn)) void poweroff(void);

/* ---- trap.c + entry.S: exceptions ------------------------------------------ */
/* What entry.S pushes: the GPRs, the vector and error code, the CPU's frame. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rdi, rsi, rbp, rbx, rdx, rcx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* 64-bit interrupt gate (SDM vol. 3, 6.14.1). */
struct idt_gate {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, rsvd;
} __attribute__((packed));

#define IDT_ENTRIES 256
/* Point every vector of `idt` at entry.S's stubs through code selector `cs`. */
void idt_fill(struct idt_gate *idt, uint16_t cs);
void idt_lidt(const struct idt_gate *idt);
/* "vec=.. err=.. rip=.. rsp=.. cr2=.." without the console lock. */
void trap_print(const struct trap_frame *f);

void guest_main(void);
bool guest_trap(struct trap_frame *f);

#endif
