// SPDX-License-Identifier: MIT
/*
 * vmm/x86_walk.c over hand-built page tables in a 64 KiB fake guest
 * memory: every paging mode and page size, and every failure (not
 * present, reserved bits, non-canonical, table outside RAM, bad mode),
 * plus the access checks (U/S, CR0.WP, NX, SMEP, SMAP).
 */
#include <string.h>

#include "unit.h"
#include "x86_walk.h"

#define MEM_SIZE 0x10000
static uint8_t mem[MEM_SIZE];
static unsigned int nreads;

static int fake_read(void *opaque, uint64_t gpa, unsigned int size, uint64_t *val)
{
	(void)opaque;
	nreads++;
	if (size != 4 && size != 8)
		return -1;
	if (gpa >= MEM_SIZE || gpa + size > MEM_SIZE)
		return -1;
	*val = 0;
	memcpy(val, mem + gpa, size);
	return 0;
}

static void put64(uint64_t gpa, uint64_t v)
{
	memcpy(mem + gpa, &v, 8);
}

static void put32(uint64_t gpa, uint32_t v)
{
	memcpy(mem + gpa, &v, 4);
}

static void setup(void)
{
	memset(mem, 0, sizeof(mem));
	nreads = 0;
}

#define P X86_PTE_P
#define RW X86_PTE_RW
#define US X86_PTE_US
#define PS X86_PTE_PS
#define NX X86_PTE_NX

static const struct x86_walk_regs long4 = {
	.cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP, .cr3 = 0x1000,
	.cr4 = X86_CR4_PAE, .efer = X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE,
	.maxphyaddr = 40,
};

static enum x86_walk_status walk(const struct x86_walk_regs *r, uint64_t gva,
				 struct x86_walk_result *res)
{
	return x86_walk(r, gva, fake_read, NULL, res);
}

START_TEST(modes)
{
	struct x86_walk_regs r = { 0 };

	ck_assert_int_eq(x86_walk_mode(&r), X86_WALK_NOPAGING);
	r.cr0 = X86_CR0_PE | X86_CR0_PG;
	ck_assert_int_eq(x86_walk_mode(&r), X86_WALK_32BIT);
	r.cr4 = X86_CR4_PAE;
	ck_assert_int_eq(x86_walk_mode(&r), X86_WALK_PAE);
	r.efer = X86_EFER_LMA;
	ck_assert_int_eq(x86_walk_mode(&r), X86_WALK_LONG4);
	r.cr4 |= X86_CR4_LA57;
	ck_assert_int_eq(x86_walk_mode(&r), X86_WALK_LONG5);
	r.cr4 = 0; /* LMA without PAE */
	ck_assert_int_eq(x86_walk_mode(&r), X86_WALK_INVALID);
	r.cr0 = X86_CR0_PE; /* LMA without PG */
	ck_assert_int_eq(x86_walk_mode(&r), X86_WALK_INVALID);
	r.cr0 = X86_CR0_PG; /* PG without PE */
	r.efer = 0;
	ck_assert_int_eq(x86_walk_mode(&r), X86_WALK_INVALID);
}
END_TEST

START_TEST(no_paging)
{
	struct x86_walk_regs r = { 0 };
	struct x86_walk_result res;

	ck_assert_int_eq(walk(&r, 0xb8123, &res), X86_WALK_OK);
	ck_assert_uint_eq(res.gpa, 0xb8123);
	ck_assert(res.writable && res.user && !res.nx);
	ck_assert_uint_eq(nreads, 0);
	ck_assert_int_eq(walk(&r, 1ULL << 32, &res), X86_WALK_NON_CANONICAL);
	r.efer = X86_EFER_LMA;
	ck_assert_int_eq(walk(&r, 0, &res), X86_WALK_BAD_MODE);
}
END_TEST

START_TEST(bit32)
{
	struct x86_walk_regs r = { .cr0 = X86_CR0_PE | X86_CR0_PG, .cr3 = 0x2000, .maxphyaddr = 36 };
	struct x86_walk_result res;
	uint32_t gva = 0x00401234; /* PDE 1, PTE 1 */

	put32(0x2000 + 1 * 4, 0x3000 | P | RW | US);
	put32(0x3000 + 1 * 4, 0x00abc000 | P | US);
	ck_assert_int_eq(walk(&r, gva, &res), X86_WALK_OK);
	ck_assert_uint_eq(res.gpa, 0x00abc234);
	ck_assert_uint_eq(res.level, 1);
	ck_assert_uint_eq(res.page_size, 0x1000);
	ck_assert(!res.writable && res.user && !res.nx);
	ck_assert_uint_eq(nreads, 2);

	/* Not present at each level. */
	put32(0x3000 + 1 * 4, 0x00abc000);
	ck_assert_int_eq(walk(&r, gva, &res), X86_WALK_NOT_PRESENT);
	ck_assert_uint_eq(res.level, 1);
	put32(0x2000 + 1 * 4, 0);
	ck_assert_int_eq(walk(&r, gva, &res), X86_WALK_NOT_PRESENT);
	ck_assert_uint_eq(res.level, 2);

	/* PS without CR4.PSE is ignored: still a page-table pointer. */
	put32(0x2000 + 1 * 4, 0x3000 | P | RW | PS);
	put32(0x3000 + 1 * 4, 0x00abc000 | P | RW);
	ck_assert_int_eq(walk(&r, gva, &res), X86_WALK_OK);
	ck_assert_uint_eq(res.gpa, 0x00abc234);

	/* PSE 4 MiB page, with PSE-36 high bits (PA bits 35:32 = 0x5). */
	r.cr4 = X86_CR4_PSE;
	put32(0x2000 + 1 * 4, 0x00c00000 | (0x5 << 13) | P | RW | PS);
	ck_assert_int_eq(walk(&r, gva, &res), X86_WALK_OK);
	ck_assert_uint_eq(res.gpa, 0x500c01234ULL);
	ck_assert_uint_eq(res.level, 2);
	ck_assert_uint_eq(res.page_size, 4 << 20);
	/* PA bit 36 with MAXPHYADDR 36 is reserved, and bit 21 always. */
	put32(0x2000 + 1 * 4, 0x00c00000 | (0x10 << 13) | P | RW | PS);
	ck_assert_int_eq(walk(&r, gva, &res), X86_WALK_RESERVED);
	ck_assert_uint_eq(res.level, 2);
	put32(0x2000 + 1 * 4, 0x00c00000 | (1 << 21) | P | RW | PS);
	ck_assert_int_eq(walk(&r, gva, &res), X86_WALK_RESERVED);

	/* A 64-bit GVA in a 32-bit mode. */
	ck_assert_int_eq(walk(&r, 1ULL << 32, &res), X86_WALK_NON_CANONICAL);
	/* Table outside RAM. */
	r.cr3 = 0x80000000;
	ck_assert_int_eq(walk(&r, gva, &res), X86_WALK_BAD_TABLE);
	ck_assert_uint_eq(res.level, 2);
}
END_TEST

START_TEST(pae)
{
	struct x86_walk_regs r = { .cr0 = X86_CR0_PE | X86_CR0_PG, .cr3 = 0x2020,
				   .cr4 = X86_CR4_PAE, .efer = X86_EFER_NXE, .maxphyaddr = 36 };
	struct x86_walk_result res;
	uint32_t gva = 0xc0203456; /* PDPTE 3, PDE 1, PTE 3 */

	put64(0x2020 + 3 * 8, 0x3000 | P);
	put64(0x3000 + 1 * 8, 0x4000 | P | RW);
	put64(0x4000 + 3 * 8, 0x123456000ULL | P | RW | NX);
	ck_assert_int_eq(walk(&r, gva, &res), X86_WALK_OK);
	ck_assert_uint_eq(res.gpa, 0x123456456ULL);
	ck_assert(res.writable && !res.user && res.nx);
	ck_assert_uint_eq(res.level, 1);

	/* NX is reserved without EFER.NXE. */
	r.efer = 0;
	ck_assert_int_eq(walk(&r, gva, &res), X86_WALK_RESERVED);
	ck_assert_uint_eq(res.level, 1);
	r.efer = X86_EFER_NXE;

	/* 2 MiB page; bits 20:13 reserved. */
	put64(0x3000 + 1 * 8, 0x7fe00000ULL | P | RW | US | PS);
	ck_assert_int_eq(walk(&r, gva, &res), X86_WALK_OK);
	ck_assert_uint_eq(res.gpa, 0x7fe03456ULL);
	ck_assert_uint_eq(res.page_size, 2 << 20);
	ck_assert_uint_eq(res.level, 2);
	ck_assert(res.user && res.writable && !res.nx);
	put64(0x3000 + 1 * 8, 0x7fe00000ULL | (1 << 13) | P | PS);
	ck_assert_int_eq(walk(&r, gva, &res), X86_WALK_RESERVED);

	/* PDPTE: RW is reserved there, as is anything above MAXPHYADDR. */
	put64(0x2020 + 3 * 8, 0x3000 | P | RW);
	ck_assert_int_eq(walk(&r, gva, &res), X86_WALK_RESERVED);
	ck_assert_uint_eq(res.level, 3);
	put64(0x2020 + 3 * 8, (1ULL << 36) | 0x3000 | P);
	ck_assert_int_eq(walk(&r, gva, &res), X86_WALK_RESERVED);
	put64(0x2020 + 3 * 8, 0x3000);
	ck_assert_int_eq(walk(&r, gva, &res), X86_WALK_NOT_PRESENT);
	ck_assert_uint_eq(res.level, 3);
}
END_TEST

/* 4-level: PML4 at 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000. */
static uint64_t build_long4(uint64_t gva)
{
	put64(0x1000 + ((gva >> 39) & 511) * 8, 0x2000 | P | RW | US);
	put64(0x2000 + ((gva >> 30) & 511) * 8, 0x3000 | P | RW | US);
	put64(0x3000 + ((gva >> 21) & 511) * 8, 0x4000 | P | RW | US);
	put64(0x4000 + ((gva >> 12) & 511) * 8, 0xfedcb000ULL | P | RW | US);
	return gva;
}

START_TEST(long4_pages)
{
	struct x86_walk_result res;
	uint64_t gva = build_long4(0xffff800012345678ULL);

	ck_assert_int_eq(walk(&long4, gva, &res), X86_WALK_OK);
	ck_assert_uint_eq(res.gpa, 0xfedcb678ULL);
	ck_assert_uint_eq(res.level, 1);
	ck_assert(res.writable && res.user && !res.nx);
	ck_assert_uint_eq(nreads, 4);

	/* Rights accumulate: RW clear at the PDPTE, NX at the PML4E. */
	put64(0x2000 + ((gva >> 30) & 511) * 8, 0x3000 | P | US);
	put64(0x1000 + ((gva >> 39) & 511) * 8, 0x2000 | P | RW | US | NX);
	ck_assert_int_eq(walk(&long4, gva, &res), X86_WALK_OK);
	ck_assert(!res.writable && res.user && res.nx);

	/* 2 MiB page. */
	put64(0x3000 + ((gva >> 21) & 511) * 8, 0x40000000ULL | P | RW | PS);
	ck_assert_int_eq(walk(&long4, gva, &res), X86_WALK_OK);
	ck_assert_uint_eq(res.gpa, 0x40000000ULL | (gva & 0x1fffff));
	ck_assert_uint_eq(res.level, 2);
	ck_assert(!res.user);

	/* 1 GiB page; PAT (bit 12) is not an address bit. */
	put64(0x2000 + ((gva >> 30) & 511) * 8, 0x80000000ULL | (1 << 12) | P | RW | US | PS);
	ck_assert_int_eq(walk(&long4, gva, &res), X86_WALK_OK);
	ck_assert_uint_eq(res.gpa, 0x80000000ULL | (gva & 0x3fffffff));
	ck_assert_uint_eq(res.page_size, 1ULL << 30);
	ck_assert_uint_eq(res.level, 3);
	/* ... but bit 13 is reserved in a 1 GiB entry. */
	put64(0x2000 + ((gva >> 30) & 511) * 8, 0x80000000ULL | (1 << 13) | P | PS);
	ck_assert_int_eq(walk(&long4, gva, &res), X86_WALK_RESERVED);
	ck_assert_uint_eq(res.level, 3);
}
END_TEST

START_TEST(long4_errors)
{
	struct x86_walk_regs r = long4;
	struct x86_walk_result res;
	uint64_t gva = build_long4(0x00007f0000201000ULL);

	ck_assert_int_eq(walk(&r, gva, &res), X86_WALK_OK);
	/* Non-canonical: no read at all. */
	nreads = 0;
	ck_assert_int_eq(walk(&r, 0x0000800000000000ULL, &res), X86_WALK_NON_CANONICAL);
	ck_assert_int_eq(walk(&r, 0xfff0800000000000ULL, &res), X86_WALK_NON_CANONICAL);
	ck_assert_uint_eq(nreads, 0);
	/* PS in a PML4E is reserved. */
	put64(0x1000 + ((gva >> 39) & 511) * 8, 0x2000 | P | RW | PS);
	ck_assert_int_eq(walk(&r, gva, &res), X86_WALK_RESERVED);
	ck_assert_uint_eq(res.level, 4);
	/* Address bits above MAXPHYADDR are reserved. */
	put64(0x1000 + ((gva >> 39) & 511) * 8, (1ULL << 40) | 0x2000 | P);
	ck_assert_int_eq(walk(&r, gva, &res), X86_WALK_RESERVED);
	/* NX without EFER.NXE. */
	put64(0x1000 + ((gva >> 39) & 511) * 8, 0x2000 | P | NX);
	r.efer &= ~X86_EFER_NXE;
	ck_assert_int_eq(walk(&r, gva, &res), X86_WALK_RESERVED);
	r.efer |= X86_EFER_NXE;
	/* A PTE pointing outside RAM: the table read fails at level 1. */
	put64(0x1000 + ((gva >> 39) & 511) * 8, 0x2000 | P);
	put64(0x3000 + ((gva >> 21) & 511) * 8, 0x7ffff000ULL | P);
	ck_assert_int_eq(walk(&r, gva, &res), X86_WALK_BAD_TABLE);
	ck_assert_uint_eq(res.level, 1);
	/* Not present at the PT. */
	put64(0x3000 + ((gva >> 21) & 511) * 8, 0x4000 | P);
	put64(0x4000 + ((gva >> 12) & 511) * 8, 0xfedcb000ULL);
	ck_assert_int_eq(walk(&r, gva, &res), X86_WALK_NOT_PRESENT);
	ck_assert_uint_eq(res.level, 1);
	/* Bad MAXPHYADDR from the caller. */
	r.maxphyaddr = 60;
	ck_assert_int_eq(walk(&r, gva, &res), X86_WALK_BAD_MODE);
}
END_TEST

START_TEST(long5)
{
	struct x86_walk_regs r = long4;
	struct x86_walk_result res;
	uint64_t gva = 0xff12345678901000ULL; /* canonical with 57 bits, not with 48 */

	r.cr4 |= X86_CR4_LA57;
	r.cr3 = 0x5000;
	put64(0x5000 + ((gva >> 48) & 511) * 8, 0x1000 | P | RW);
	build_long4(gva);
	ck_assert_int_eq(walk(&r, gva, &res), X86_WALK_OK);
	ck_assert_uint_eq(res.gpa, 0xfedcb000ULL);
	ck_assert_uint_eq(nreads, 5);
	ck_assert(!res.user);
	ck_assert_int_eq(walk(&long4, gva, &res), X86_WALK_NON_CANONICAL);
	ck_assert_int_eq(walk(&r, 0xfe00000000000000ULL, &res), X86_WALK_NON_CANONICAL);
	put64(0x5000 + ((gva >> 48) & 511) * 8, 0x1000 | P | PS);
	ck_assert_int_eq(walk(&r, gva, &res), X86_WALK_RESERVED);
	ck_assert_uint_eq(res.level, 5);
	put64(0x5000 + ((gva >> 48) & 511) * 8, 0);
	ck_assert_int_eq(walk(&r, gva, &res), X86_WALK_NOT_PRESENT);
	ck_assert_uint_eq(res.level, 5);
}
END_TEST

START_TEST(access_checks)
{
	struct x86_walk_regs r = long4;
	struct x86_walk_result w = { .status = X86_WALK_OK, .writable = false, .user = true };

	/* User page, read-only. */
	ck_assert_int_eq(x86_walk_check(&r, &w, X86_ACC_USER), X86_WALK_OK);
	ck_assert_int_eq(x86_walk_check(&r, &w, X86_ACC_USER | X86_ACC_WRITE), X86_WALK_PROTECTION);
	/* Supervisor write: CR0.WP decides. */
	ck_assert_int_eq(x86_walk_check(&r, &w, X86_ACC_WRITE), X86_WALK_PROTECTION);
	r.cr0 &= ~X86_CR0_WP;
	ck_assert_int_eq(x86_walk_check(&r, &w, X86_ACC_WRITE), X86_WALK_OK);
	/* SMEP / SMAP on a user page. */
	r.cr4 |= X86_CR4_SMEP | X86_CR4_SMAP;
	ck_assert_int_eq(x86_walk_check(&r, &w, X86_ACC_FETCH), X86_WALK_PROTECTION);
	ck_assert_int_eq(x86_walk_check(&r, &w, 0), X86_WALK_PROTECTION);
	ck_assert_int_eq(x86_walk_check(&r, &w, X86_ACC_SMAP_OFF), X86_WALK_OK);
	ck_assert_int_eq(x86_walk_check(&r, &w, X86_ACC_NO_PRIV | X86_ACC_FETCH), X86_WALK_OK);
	/* Supervisor page from user mode, unless privilege-exempt. */
	w.user = false;
	ck_assert_int_eq(x86_walk_check(&r, &w, X86_ACC_USER), X86_WALK_PROTECTION);
	ck_assert_int_eq(x86_walk_check(&r, &w, X86_ACC_USER | X86_ACC_NO_PRIV), X86_WALK_OK);
	/* NX forbids fetch in every mode. */
	w.nx = true;
	ck_assert_int_eq(x86_walk_check(&r, &w, X86_ACC_FETCH | X86_ACC_NO_PRIV), X86_WALK_PROTECTION);
	/* A failed walk stays failed. */
	w.status = X86_WALK_NOT_PRESENT;
	ck_assert_int_eq(x86_walk_check(&r, &w, 0), X86_WALK_NOT_PRESENT);
}
END_TEST

/* A self-referencing table (PML4E pointing at the PML4) ends after 4 reads. */
START_TEST(bounded_on_loops)
{
	struct x86_walk_result res;
	unsigned int i;

	for (i = 0; i < 512; i++)
		put64(0x1000 + i * 8, 0x1000 | P | RW);
	ck_assert_int_eq(walk(&long4, 0x1234, &res), X86_WALK_OK);
	ck_assert_uint_eq(res.gpa, 0x1234);
	ck_assert_uint_eq(nreads, 4);
}
END_TEST

static Suite *x86_walk_suite(void)
{
	Suite *s = suite_create("x86_walk");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, modes);
	tcase_add_test(tc, no_paging);
	tcase_add_test(tc, bit32);
	tcase_add_test(tc, pae);
	tcase_add_test(tc, long4_pages);
	tcase_add_test(tc, long4_errors);
	tcase_add_test(tc, long5);
	tcase_add_test(tc, access_checks);
	tcase_add_test(tc, bounded_on_loops);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(x86_walk_suite)
