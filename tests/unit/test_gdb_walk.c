// SPDX-License-Identifier: MIT
/*
 * gdbstub reads through the guest's own page tables (vmm/gdb/gdb_walk.c
 * over vmm/x86_walk.c): a 4-level table in the fake RAM maps two
 * virtual pages to non-contiguous frames; a read across them is stitched
 * page by page, an unmapped page gives an error reply.
 */
#include "gdb_session.h"

#define VBASE 0x7f0000000000ULL
#define PML4 0xa000
#define PDPT 0xb000
#define PD 0xc000
#define PT 0xd000

static void put64(uint64_t gpa, uint64_t v)
{
	memcpy(F.ram + gpa, &v, 8);
}

static struct gdb_target_ops walk_ops;

static void walk_setup(void)
{
	unsigned int i;

	setup(); /* the plain fake; its session is replaced below */
	gdb_session_free(S);
	memset(F.ram + PML4, 0, 4 * 4096);
	put64(PML4 + 8 * ((VBASE >> 39) & 511), PDPT | X86_PTE_P | X86_PTE_RW);
	put64(PDPT, PD | X86_PTE_P | X86_PTE_RW);
	put64(PD, PT | X86_PTE_P | X86_PTE_RW);
	put64(PT + 0, 0x2000 | X86_PTE_P);
	put64(PT + 8, 0x5000 | X86_PTE_P);
	for (i = 0; i < F.vcpus; i++) {
		F.regs[i].cr0 = X86_CR0_PE | X86_CR0_PG;
		F.regs[i].cr3 = PML4;
		F.regs[i].cr4 = X86_CR4_PAE;
		F.regs[i].efer = X86_EFER_LME | X86_EFER_LMA;
	}
	walk_ops = fake_ops;
	walk_ops.translate = fake_walk_translate;
	S = gdb_session_new(&walk_ops, &F);
	ck_assert_ptr_nonnull(S);
}

START_TEST(read_across_pages)
{
	char want[16], pkt[40];

	snprintf(want, sizeof(want), "%02x%02x%02x%02x", F.ram[0x2ffe], F.ram[0x2fff], F.ram[0x5000],
		 F.ram[0x5001]);
	snprintf(pkt, sizeof(pkt), "m%llx,4", VBASE + 0xffe);
	ASK_EQ(pkt, want);
	/* The third page is not present; neither is the low identity. */
	snprintf(pkt, sizeof(pkt), "m%llx,4", VBASE + 0x1ffe);
	ASK_ERR(pkt);
	ASK_ERR("m1000,4");
	/* Non-canonical. */
	ASK_ERR("m800000000000,1");
	/* Software breakpoint through the walk lands in the right frame. */
	snprintf(pkt, sizeof(pkt), "Z0,%llx,1", VBASE + 0x1010);
	ASK_EQ(pkt, "OK");
	ck_assert_uint_eq(F.ram[0x5010], 0xcc);
}
END_TEST

START_TEST(bad_mode_and_nopaging)
{
	struct x86_walk_regs w;
	uint64_t gpa;

	/* Long mode without PAE is a mode the CPU refuses. */
	F.regs[0].cr4 = 0;
	gdb_walk_regs(&F.regs[0], 0, &w);
	ck_assert_int_eq(gdb_walk_translate(&w, VBASE, fake_walk_read, &F, &gpa), -EINVAL);
	ASK_ERR("m1000,1");
	/* Paging off (firmware at reset): GVA = GPA. */
	F.regs[0].cr0 = 0;
	F.regs[0].efer = 0;
	gdb_walk_regs(&F.regs[0], 0, &w);
	ck_assert_int_eq(gdb_walk_translate(&w, 0x1234, fake_walk_read, &F, &gpa), 0);
	ck_assert_uint_eq(gpa, 0x1234);
}
END_TEST

static Suite *gdb_walk_suite(void)
{
	Suite *s = suite_create("gdb_walk");
	TCase *tc = tcase_create("walk");

	tcase_add_checked_fixture(tc, walk_setup, teardown);
	tcase_add_test(tc, read_across_pages);
	tcase_add_test(tc, bad_mode_and_nopaging);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(gdb_walk_suite)
