// SPDX-License-Identifier: MIT
/* The little libc of the test guests: memory, COM1, the command line, S5. */
#include "guest.h"

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

/* Every CPU prints; a con_puts() is printed whole under this lock. */
static volatile int con_lock;

static void puts_raw(const char *s)
{
	while (*s)
		outb(COM1, (uint8_t)*s++);
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

static const char *fmt_dec(char *end, uint64_t v)
{
	*--end = 0;
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
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

void con_putu(uint64_t v)
{
	char buf[24];

	con_puts(fmt_dec(buf + sizeof(buf), v));
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

void line_str(struct line *l, const char *s)
{
	/* Keep room for "\n" and the terminator. */
	while (*s && l->n < sizeof(l->buf) - 2)
		l->buf[l->n++] = *s++;
	l->buf[l->n] = 0;
}

void line_hex(struct line *l, uint64_t v)
{
	char buf[20];

	line_str(l, fmt_hex(buf + sizeof(buf), v));
}

void line_dec(struct line *l, uint64_t v)
{
	char buf[24];

	line_str(l, fmt_dec(buf + sizeof(buf), v));
}

void line_put(struct line *l)
{
	l->buf[l->n++] = '\n';
	l->buf[l->n] = 0;
	con_puts(l->buf);
	l->n = 0;
	l->buf[0] = 0;
}

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
