// SPDX-License-Identifier: MIT
/*
 * Pokes at I/O ports and MMIO nobody claimed, and at the edges of the
 * ones that are claimed: every width, reads and writes, string I/O, and
 * accesses that straddle a device's end. hvmm must answer reads with
 * all-ones, drop writes, and log each address once.
 *
 * Never touched, because they would end the test rather than probe hvmm:
 * PM1a control (0xb004, S5), the reset register (0xcf9), the i8042 command
 * port (0x64: 0xfe resets), port 0x92 writes (fast reset), COM1 (our
 * console) and the LAPIC page at 0xfee00000 (our IPIs).
 */
#include "hostile.h"

static uint8_t buf[PAGE] ALIGNED_PAGE;

/* Unclaimed in hvmm's port map (vmm/vm.c registers devices; KVM has PIC/PIT). */
static const uint16_t ports[] = {
	0x0000, 0x0010, 0x00b2, 0x00e9, 0x0100, 0x01ce, 0x02e8, 0x02f8, 0x03e8,
	0x0402, 0x0510, 0x0511, 0x0cf0, 0x0cf4, 0x0d00, 0x5658, 0xa000, 0xbffc,
};

/* Reads only: the access starts in or next to a claimed range. */
static const uint16_t edges[] = {
	0x005f, 0x0063, 0x006f, 0x0071, 0x007f, 0x0081, 0x0092, 0x03f6, 0x03fe,
	0xafff, 0xb001, 0xb002, 0xb003, 0xb005, 0xb00b, 0x0cf7, 0xfffe, 0xffff,
};

/* In the MMIO hole or past RAM (default 512M); not the LAPIC page itself. */
static const uint64_t mmio[] = {
	0x20000000, 0x3ffff000, 0xbffff000, 0xc0000000, 0xd0000000, 0xe0000000,
	0xfebff000, 0xfec01000, 0xfed00000, 0xfedff000, 0xfee01000, 0xfef00000,
	0xffff0000, 0xfffffff0,
};

static void poke_port(uint16_t p, struct rng *r, bool write)
{
	switch (rng_below(r, 3)) {
	case 0:
		if (write)
			outb(p, (uint8_t)rng_next(r));
		(void)inb(p);
		break;
	case 1:
		if (write)
			outw(p, (uint16_t)rng_next(r));
		(void)inw(p);
		break;
	default:
		if (write)
			outl(p, (uint32_t)rng_next(r));
		(void)inl(p);
		break;
	}
	st.pokes += write ? 2 : 1;
}

static void poke_mmio(uint64_t a, struct rng *r)
{
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)a;
	uint64_t v = rng_next(r);

	(void)*(volatile uint64_t *)p;
	(void)*(volatile uint32_t *)(p + 4);
	(void)*(volatile uint16_t *)(p + 2);
	(void)p[1];
	*(volatile uint64_t *)p = v;
	*(volatile uint32_t *)(p + 4) = (uint32_t)v;
	p[7] = (uint8_t)v;
	st.pokes += 7;
}

static void rep_io(uint16_t port, unsigned int width, uint64_t count, bool out)
{
	void *p = buf;

	if (out)
		__asm__ volatile("cld; rep outsb" : "+S"(p), "+c"(count) : "d"(port) : "memory");
	else if (width == 1)
		__asm__ volatile("cld; rep insb" : "+D"(p), "+c"(count) : "d"(port) : "memory");
	else
		__asm__ volatile("cld; rep insl" : "+D"(p), "+c"(count) : "d"(port) : "memory");
}

static void rep_movsb(void *dst, const void *src, uint64_t n)
{
	__asm__ volatile("cld; rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

void hostile_poke_io(struct rng *r)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ports); i++)
		poke_port(ports[i], r, true);
	for (i = 0; i < ARRAY_SIZE(edges); i++)
		poke_port(edges[i], r, false);
	/* The RTC's two ports with one 16-bit access (index write, then read). */
	outw(0x70, 0x0d0d);
	(void)inw(0x70);
	/* String I/O: one exit, many elements. */
	rep_io(0x2e8, 1, 512, false);
	rep_io(0x2e8, 1, 512, true);
	rep_io(0x3e8, 4, 1024, false);
	st.pokes += 3;
	for (i = 0; i < ARRAY_SIZE(mmio); i++)
		poke_mmio(mmio[i], r);
	/* String moves from and to MMIO: emulated element by element. */
	rep_movsb(buf, (void *)0xd0000100, 32);
	rep_movsb((void *)0xd0000200, buf, 32);
	st.pokes += 2;
}
