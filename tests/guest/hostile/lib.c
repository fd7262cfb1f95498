// SPDX-License-Identifier: MIT
/* The little libc the hostile guest needs: COM1, the command line, S5. */
#include "hostile.h"

#define COM1 0x3f8
#define PM1A_CNT 0x604
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

void spin_lock(volatile int *l)
{
	while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
}

void spin_unlock(volatile int *l)
{
	__atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

void con_puts(const char *s)
{
	spin_lock(&con_lock);
	while (*s)
		putc_raw(*s++);
	spin_unlock(&con_lock);
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

void con_puthex(uint64_t v)
{
	char buf[20];
	int i = sizeof(buf) - 1;

	buf[i] = 0;
	do {
		buf[--i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	buf[--i] = 'x';
	buf[--i] = '0';
	con_puts(buf + i);
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
