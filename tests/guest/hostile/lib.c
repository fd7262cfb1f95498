// SPDX-License-Identifier: MIT
/* The little libc the hostile guest needs: COM1, the command line, S5. */
#include "hostile.h"

#define COM1 0x3f8
#define PM1A_CNT 0xb004  /* PM_CNT_PORT in devices/legacy.h */
#define S5_SLP_EN ((5 << 10) | (1 << 13)) /* as tests/payloads/common.inc */
#define CMDLINE_GPA 0x20000 /* BOOT_CMDLINE in vmm/layout.h, also for ELF64 */

/* gcc may emit calls to these even in freestanding code. */
void *memset(void *d, int c, size_t n)
{
	uint8_t *p = d;

	while (n--)
		*p++ = (uint8_t)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *p = d;
	const uint8_t *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *p = a, *q = b;

	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

/* Both vCPUs print; a line is printed whole under this lock. */
static volatile int con_lock;

static void putc_raw(char c)
{
	outb(COM1, (uint8_t)c);
}

bool flag_set(void *flag)
{
	return __atomic_load_n((int *)flag, __ATOMIC_ACQUIRE) != 0;
}

void spin_lock(volatile int *l)
{
	while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
}

void spin_unlock(volatile int *l)
{
	__atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

static void puts_raw(const char *s)
{
	while (*s)
		putc_raw(*s++);
}

void con_puts(const char *s)
{
	spin_lock(&con_lock);
	puts_raw(s);
	spin_unlock(&con_lock);
}

void con_puts_nolock(const char *s)
{
	puts_raw(s);
}

void con_putu(uint64_t v)
{
	char buf[24];
	int i = sizeof(buf) - 1;

	buf[i] = 0;
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	con_puts(buf + i);
}

static const char *fmt_hex(char *end, uint64_t v)
{
	*--end = 0;
	do {
		*--end = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	*--end = 'x';
	*--end = '0';
	return end;
}

void con_puthex(uint64_t v)
{
	char buf[20];

	con_puts(fmt_hex(buf + sizeof(buf), v));
}

void con_puthex_nolock(uint64_t v)
{
	char buf[20];

	puts_raw(fmt_hex(buf + sizeof(buf), v));
}

void con_kv(const char *k, uint64_t v)
{
	con_puts(" ");
	con_puts(k);
	con_puts("=");
	con_putu(v);
}

/* Value of "key=N" (decimal or 0x hex) on hvmm's command line. */
uint64_t cmdline_u64(const char *key, uint64_t dflt)
{
	const char *s = (const char *)CMDLINE_GPA;
	size_t klen = 0, i;

	while (key[klen])
		klen++;
	for (i = 0; i < 4096 && s[i]; i++) {
		uint64_t v = 0, base = 10;
		const char *p;

		if ((i && s[i - 1] != ' ') || memcmp(s + i, key, klen) || s[i + klen] != '=')
			continue;
		p = s + i + klen + 1;
		if (p[0] == '0' && p[1] == 'x') {
			base = 16;
			p += 2;
		}
		for (;; p++) {
			uint64_t d;

			if (*p >= '0' && *p <= '9')
				d = (uint64_t)(*p - '0');
			else if (base == 16 && *p >= 'a' && *p <= 'f')
				d = (uint64_t)(*p - 'a' + 10);
			else
				break;
			v = v * base + d;
		}
		return v;
	}
	return dflt;
}

void poweroff(void)
{
	outw(PM1A_CNT, S5_SLP_EN);
	for (;;)
		__asm__ volatile("cli; hlt");
}

uint64_t rng_next(struct rng *r)
{
	uint64_t x = r->s ? r->s : 0x9e3779b97f4a7c15ULL;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* ---- exceptions ----------------------------------------------------------- */

/* 64-bit interrupt gate (SDM vol. 3, 6.14.1). */
struct idt_gate {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, rsvd;
} __attribute__((packed));

#define TRAP_STUB_SIZE 16 /* start.S aligns every stub to 16 bytes */
#define TRAP_OTHER 32     /* stub 32 stands for every vector above 31 */
#define CODE64_SEL 0x10   /* hvmm's boot GDT and the trampoline's agree */

extern const uint8_t trap_stubs[];
static struct idt_gate idt[256] __attribute__((aligned(16)));

void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uintptr_t)idt };
	static volatile int built;
	unsigned int v;

	for (v = 0; v < 256 && !built; v++) {
		uintptr_t a = (uintptr_t)trap_stubs + (v < TRAP_OTHER ? v : TRAP_OTHER) * TRAP_STUB_SIZE;

		idt[v] = (struct idt_gate){ (uint16_t)a, CODE64_SEL, 0, 0x8e, (uint16_t)(a >> 16),
					    (uint32_t)(a >> 32), 0 };
	}
	built = 1; /* the BSP builds it before it starts the AP */
	__asm__ volatile("lidt %0" ::"m"(idtr));
}

/* frame: vector, error code, then the CPU's RIP, CS, RFLAGS, RSP, SS. */
void trap_report(const uint64_t *frame);
void trap_report(const uint64_t *frame)
{
	uint64_t cr2;

	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	/* Do not wait for a console lock the faulting CPU may hold. */
	con_puts_nolock("HOSTILE: FAIL exception vec=");
	con_puthex_nolock(frame[0]);
	con_puts_nolock(" err=");
	con_puthex_nolock(frame[1]);
	con_puts_nolock(" rip=");
	con_puthex_nolock(frame[2]);
	con_puts_nolock(" rsp=");
	con_puthex_nolock(frame[5]);
	con_puts_nolock(" cr2=");
	con_puthex_nolock(cr2);
	con_puts_nolock("\n");
	poweroff();
}
