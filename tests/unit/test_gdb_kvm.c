// SPDX-License-Identifier: MIT
/*
 * gdb registers <-> KVM structures and the guest-debug argument
 * (vmm/gdb/gdb_kvm.c), without /dev/kvm.
 */
#include <string.h>

#include "gdb/gdb_kvm.h"
#include "unit.h"

static void fill(struct gdb_kvm_state *k)
{
	unsigned int i;

	memset(k, 0, sizeof(*k));
	k->regs = (struct kvm_regs){ .rax = 1, .rbx = 2, .rcx = 3, .rdx = 4, .rsi = 5, .rdi = 6,
				     .rsp = 7, .rbp = 8, .r8 = 9, .r15 = 16, .rip = 0xffffffff81000000ULL,
				     .rflags = 0x246 };
	k->sregs.cs.selector = 0x10;
	k->sregs.cs.base = 0x1234;
	k->sregs.ss.selector = 0x18;
	k->sregs.gs.selector = 0x2b;
	k->sregs.fs.base = 0x7f0000001000ULL;
	k->sregs.gs.base = 0xffff888000000000ULL;
	k->sregs.cr0 = 0x80050033;
	k->sregs.cr2 = 0xdead;
	k->sregs.cr3 = 0x1000;
	k->sregs.cr4 = 0x20;
	k->sregs.cr8 = 1;
	k->sregs.efer = 0xd01;
	for (i = 0; i < 10; i++)
		k->fpu.fpr[3][i] = (uint8_t)(0x40 + i);
	k->fpu.fcw = 0x37f;
	k->fpu.fsw = 0x1800;
	k->fpu.ftwx = 0x08; /* only st3 valid */
	k->fpu.last_opcode = 0x5a;
	k->fpu.last_ip = 0x1122334455667788ULL;
	k->fpu.xmm[15][0] = 0xab;
	k->fpu.mxcsr = 0x1f80;
	k->dbg.db[2] = 0x601000;
	k->dbg.dr6 = 0xffff0ff0;
	k->dbg.dr7 = 0x400;
	k->kernel_gs_base = 0xffff88807fc00000ULL;
}

START_TEST(to_gdb)
{
	struct gdb_kvm_state k;
	struct gdb_x86_regs g;

	fill(&k);
	gdb_kvm_to_gdb(&k, &g);
	/* gdb order: rax rbx rcx rdx rsi rdi rbp rsp */
	ck_assert_uint_eq(g.gpr[0], 1);
	ck_assert_uint_eq(g.gpr[3], 4);
	ck_assert_uint_eq(g.gpr[6], 8);
	ck_assert_uint_eq(g.gpr[7], 7);
	ck_assert_uint_eq(g.gpr[15], 16);
	ck_assert_uint_eq(g.rip, 0xffffffff81000000ULL);
	ck_assert_uint_eq(g.eflags, 0x246);
	ck_assert_uint_eq(g.seg[0], 0x10);
	ck_assert_uint_eq(g.seg[1], 0x18);
	ck_assert_uint_eq(g.seg[5], 0x2b);
	ck_assert_uint_eq(g.fs_base, 0x7f0000001000ULL);
	ck_assert_uint_eq(g.cs_base, 0x1234); /* the hidden base, read-only */
	ck_assert_uint_eq(g.gs_base, 0xffff888000000000ULL);
	ck_assert_uint_eq(g.k_gs_base, 0xffff88807fc00000ULL);
	ck_assert_uint_eq(g.cr0, 0x80050033);
	ck_assert_uint_eq(g.cr2, 0xdead);
	ck_assert_uint_eq(g.cr8, 1);
	ck_assert_uint_eq(g.efer, 0xd01);
	ck_assert_uint_eq(g.st[3][9], 0x49);
	ck_assert_uint_eq(g.fpu[0], 0x37f);
	ck_assert_uint_eq(g.fpu[2], 0xff3f); /* all empty (11) but st3 (00) */
	ck_assert_uint_eq(g.fpu[4], 0x55667788);
	ck_assert_uint_eq(g.fpu[7], 0x5a);
	ck_assert_uint_eq(g.xmm[15][0], 0xab);
	ck_assert_uint_eq(g.mxcsr, 0x1f80);
	ck_assert_uint_eq(g.dr[2], 0x601000);
	ck_assert_uint_eq(g.dr6, 0xffff0ff0);
	ck_assert_uint_eq(g.dr7, 0x400);
}
END_TEST

START_TEST(round_trip)
{
	struct gdb_kvm_state k, k2;
	struct gdb_x86_regs g;

	fill(&k);
	gdb_kvm_to_gdb(&k, &g);
	k2 = k;
	gdb_kvm_from_gdb(&g, &k2);
	ck_assert_mem_eq(&k.regs, &k2.regs, sizeof(k.regs));
	ck_assert_mem_eq(&k.sregs, &k2.sregs, sizeof(k.sregs));
	ck_assert_mem_eq(&k.fpu, &k2.fpu, sizeof(k.fpu));
	ck_assert_uint_eq(k2.kernel_gs_base, k.kernel_gs_base);
	/* Changes reach the right fields; hidden state and DRs stay. */
	g.gpr[7] = 0x8000;
	g.seg[0] = 0x08;
	g.eflags = 0x100;
	g.fpu[2] = 0xffff;
	g.dr7 = 0xffffffff;
	gdb_kvm_from_gdb(&g, &k2);
	ck_assert_uint_eq(k2.regs.rsp, 0x8000);
	ck_assert_uint_eq(k2.regs.rbp, 8);
	ck_assert_uint_eq(k2.regs.rflags, 0x102);
	ck_assert_uint_eq(k2.sregs.cs.selector, 0x08);
	ck_assert_uint_eq(k2.sregs.cs.base, 0x1234);
	ck_assert_uint_eq(k2.fpu.ftwx, 0);
	ck_assert_uint_eq(k2.fpu.last_ip, 0x1122334455667788ULL);
	ck_assert_uint_eq(k2.dbg.dr7, 0x400);
}
END_TEST

START_TEST(guest_debug)
{
	struct gdb_debug_state d = { 0 };
	struct gdb_resume cont = { .kind = GDB_RESUME_CONT }, step = { .kind = GDB_RESUME_STEP },
			  range = { .kind = GDB_RESUME_RANGE, .start = 1, .end = 9 };
	struct kvm_guest_debug g;

	/* Nothing wanted: debugging off, the guest owns #BP/#DB again. */
	gdb_kvm_guest_debug(&d, &cont, true, &g);
	ck_assert_uint_eq(g.control, 0);
	gdb_kvm_guest_debug(&d, &step, true, &g);
	ck_assert_uint_eq(g.control, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP |
					     KVM_GUESTDBG_BLOCKIRQ);
	gdb_kvm_guest_debug(&d, &range, false, &g);
	ck_assert_uint_eq(g.control, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP);
	d.sw_bp = true;
	d.dr[1] = 0x601000;
	d.dr7 = 0x6d8;
	gdb_kvm_guest_debug(&d, &cont, true, &g);
	ck_assert_uint_eq(g.control, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP |
					     KVM_GUESTDBG_USE_HW_BP);
	ck_assert_uint_eq(g.arch.debugreg[1], 0x601000);
	ck_assert_uint_eq(g.arch.debugreg[7], 0x6d8);
}
END_TEST

static Suite *gdb_kvm_suite(void)
{
	Suite *s = suite_create("gdb_kvm");
	TCase *tc = tcase_create("kvm");

	tcase_add_test(tc, to_gdb);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, guest_debug);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(gdb_kvm_suite)
