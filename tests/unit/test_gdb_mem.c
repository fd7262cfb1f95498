// SPDX-License-Identifier: MIT
/*
 * gdbstub memory and breakpoints (vmm/gdb/gdb_mem.c, gdb_break.c) on the
 * fake target: virtual reads across non-contiguous pages, physical mode,
 * MMIO never touched, int3 planting hidden from gdb, debug-register
 * slot accounting and DR7/DR6 encoding.
 */
#include "gdb_session.h"

#define K(x) (FAKE_KBASE + (x))

static void hex_of(const uint8_t *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

START_TEST(read_identity_and_virtual)
{
	char want[64], pkt[64];

	hex_of(F.ram + 0x1000, 4, want);
	ASK_EQ("m1000,4", want);
	snprintf(pkt, sizeof(pkt), "m%llx,4", (unsigned long long)K(0x1000));
	ASK_EQ(pkt, want);
	/* K(0x2ffe..0x3002) spans GPA 0x2ffe-0x2fff and 0x8000-0x8001. */
	hex_of(F.ram + 0x2ffe, 2, want);
	hex_of(F.ram + 0x8000, 2, want + 4);
	snprintf(pkt, sizeof(pkt), "m%llx,4", (unsigned long long)K(0x2ffe));
	ASK_EQ(pkt, want);
	/* Unmapped, outside RAM, MMIO: errors, and MMIO never read. */
	ASK_ERR("m100000000,4");
	ASK_ERR("mfff0,20");
	ASK_ERR("m10000,4");
	ASK_ERR("m20000,4");
	ck_assert_uint_eq(F.n_mmio, 0);
	/* Zero length is fine. */
	ASK_EQ("m1000,0", "");
	/* Physical mode: the kernel address is no longer translated. */
	ASK_EQ("Qqemu.PhyMemMode:1", "OK");
	ASK_EQ("qqemu.PhyMemMode", "1");
	ASK_ERR(pkt);
	hex_of(F.ram + 0x3000, 2, want);
	ASK_EQ("m3000,2", want);
	ASK_EQ("Qqemu.PhyMemMode:0", "OK");
	hex_of(F.ram + 0x2ffe, 2, want);
	hex_of(F.ram + 0x8000, 2, want + 4);
	ASK_EQ(pkt, want);
}
END_TEST

START_TEST(read_is_clamped)
{
	const char *r = ask("m0,10000");

	ck_assert_ptr_nonnull(r);
	ck_assert_uint_gt(strlen(r), 0);
	ck_assert_uint_le(strlen(r), RSP_MAX_PACKET);
	ck_assert_uint_eq(strlen(r) % 2, 0);
}
END_TEST

START_TEST(write_M_and_X)
{
	char pkt[64];
	uint8_t x[] = { 'X', 'f', '0', '0', ',', '4', ':', '$', '#', '}', '*' };

	ASK_EQ("M1000,3:aabbcc", "OK");
	ck_assert_uint_eq(F.ram[0x1000], 0xaa);
	ck_assert_uint_eq(F.ram[0x1002], 0xcc);
	/* X carries binary: every byte that needs escaping. */
	ck_assert_str_eq(ask_n(x, sizeof(x)), "OK");
	ck_assert_mem_eq(F.ram + 0xf00, "$#}*", 4);
	ASK_EQ("X1000,0:", "OK");
	ASK_ERR("X1000,2:a");
	/* Across non-contiguous pages. */
	snprintf(pkt, sizeof(pkt), "M%llx,4:01020304", (unsigned long long)K(0x2ffe));
	ASK_EQ(pkt, "OK");
	ck_assert_uint_eq(F.ram[0x2fff], 2);
	ck_assert_uint_eq(F.ram[0x8000], 3);
	/* A write that would reach MMIO changes nothing at all. */
	F.ram[0xffff] = 0x55;
	ASK_ERR("Mffff,2:0102");
	ck_assert_uint_eq(F.ram[0xffff], 0x55);
	ck_assert_uint_eq(F.n_mmio, 0);
}
END_TEST

START_TEST(sw_breakpoints)
{
	char pkt[64], want[8];
	uint8_t orig = F.ram[0x2000];

	ASK_EQ("Z0,2000,1", "OK");
	ck_assert_uint_eq(F.ram[0x2000], 0xcc);
	ck_assert(gdb_session_sw_bp_at(S, 0x2000));
	ck_assert(!gdb_session_sw_bp_at(S, 0x2001));
	/* gdb sees the original byte. */
	hex_of(&orig, 1, want);
	ASK_EQ("m2000,1", want);
	/* The same address again: refcount, one restore at the last z0. */
	ASK_EQ("Z0,2000,1", "OK");
	ASK_EQ("z0,2000,1", "OK");
	ck_assert_uint_eq(F.ram[0x2000], 0xcc);
	/* A write over it keeps the int3 and saves the new byte. */
	ASK_EQ("M1fff,2:1122", "OK");
	ck_assert_uint_eq(F.ram[0x2000], 0xcc);
	ASK_EQ("m2000,1", "22");
	ASK_EQ("z0,2000,1", "OK");
	ck_assert_uint_eq(F.ram[0x2000], 0x22);
	ASK_ERR("z0,2000,1");
	/* Aliases: two GVAs on one GPA share the saved byte. */
	orig = F.ram[0x1234];
	snprintf(pkt, sizeof(pkt), "Z0,%llx,1", (unsigned long long)K(0x1234));
	ASK_EQ("Z0,1234,1", "OK");
	ASK_EQ(pkt, "OK");
	ASK_EQ("z0,1234,1", "OK");
	ck_assert_uint_eq(F.ram[0x1234], 0xcc);
	pkt[0] = 'z';
	ASK_EQ(pkt, "OK");
	ck_assert_uint_eq(F.ram[0x1234], orig);
	/* Unmapped or MMIO addresses are refused. */
	ASK_ERR("Z0,10000,1");
	ASK_ERR("Z0,100000000,1");
	ASK_ERR("Z0,2000,2");
	/* The resume tells the glue to trap #BP only while some are planted. */
	ASK_EQ("Z0,3000,1", "OK");
	ck_assert_ptr_null(ask("c"));
	ck_assert(F.dbg.sw_bp);
	gdb_session_stopped(S, &(struct gdb_stop){ .reason = GDB_STOP_SWBREAK });
	/* Detach puts every byte back. */
	orig = F.ram[0x3001];
	ASK_EQ("Z0,3001,1", "OK");
	ASK_EQ("D;1", "OK");
	ck_assert_uint_ne(F.ram[0x3000], 0xcc);
	ck_assert_uint_eq(F.ram[0x3001], orig);
	ck_assert(!F.dbg.sw_bp);
}
END_TEST

START_TEST(sw_breakpoint_table_full)
{
	char pkt[32];
	unsigned int i;

	for (i = 0; i < 64; i++) {
		snprintf(pkt, sizeof(pkt), "Z0,%x,1", 0x4000 + i);
		ASK_EQ(pkt, "OK");
	}
	ASK_ERR("Z0,5000,1");
	ASK_EQ("z0,4000,1", "OK");
	ASK_EQ("Z0,5000,1", "OK");
}
END_TEST

START_TEST(hw_slots)
{
	ASK_EQ("Z1,ffffffff81000000,1", "OK");
	ASK_EQ("Z2,601000,8", "OK");
	ASK_EQ("Z4,601010,4", "OK");
	ASK_EQ("Z2,601002,2", "OK");
	/* Out of debug registers: an error, never a lost breakpoint. */
	ASK_ERR("Z2,602000,1");
	ASK_ERR("Z1,400000,1");
	/* The same one again takes no slot. */
	ASK_EQ("Z2,601000,8", "OK");
	/* Read watchpoints: unsupported (empty), not widened. */
	ASK_EQ("Z3,601000,4", "");
	ASK_EQ("z3,601000,4", "");
	/* Alignment and length rules of DR7. */
	ASK_EQ("z2,601002,2", "OK");
	ASK_ERR("Z2,601001,2");
	ASK_ERR("Z2,601004,8");
	ASK_ERR("Z4,601000,3");
	ASK_ERR("Z4,601000,10");
	ASK_ERR("Z1,400000,2");
	ASK_ERR("z1,400000,1");
	ASK_EQ("Z2,601003,1", "OK");
	ck_assert_ptr_null(ask("c"));
	/* slot 0 exec len1, 1 write len8, 2 access len4, 3 write len1; G bits + 0x600 */
	ck_assert_uint_eq(F.dbg.dr[0], 0xffffffff81000000ULL);
	ck_assert_uint_eq(F.dbg.dr[1], 0x601000);
	ck_assert_uint_eq(F.dbg.dr[2], 0x601010);
	ck_assert_uint_eq(F.dbg.dr[3], 0x601003);
	ck_assert_uint_eq(F.dbg.dr7, 0x2 | 0x8 | 0x20 | 0x80 | 0x600 |
				     (0x0ULL << 16) | (0x9ULL << 20) | (0xfULL << 24) | (0x1ULL << 28));
	ck_assert(!F.dbg.sw_bp);
}
END_TEST

START_TEST(dr6_to_stop)
{
	struct gdb_stop st;
	char buf[64];

	ASK_EQ("Z1,401000,1", "OK");
	ASK_EQ("Z2,601000,4", "OK");
	ASK_EQ("Z4,601008,8", "OK");
	ck_assert(gdb_session_stop_from_dr6(S, 1, 0xffff0ff1, &st));
	ck_assert_int_eq(st.reason, GDB_STOP_HWBREAK);
	ck_assert_uint_eq(st.vcpu, 1);
	ck_assert(gdb_session_stop_from_dr6(S, 0, 0xffff0ff2, &st));
	gdb_stop_format(&st, buf, sizeof(buf));
	ck_assert_str_eq(buf, "T05thread:1;watch:601000;");
	ck_assert(gdb_session_stop_from_dr6(S, 0, 0xffff0ff4, &st));
	gdb_stop_format(&st, buf, sizeof(buf));
	ck_assert_str_eq(buf, "T05thread:1;awatch:601008;");
	/* Single step (BS). */
	ck_assert(gdb_session_stop_from_dr6(S, 0, 0xffff4ff0, &st));
	ck_assert_int_eq(st.reason, GDB_STOP_SIGNAL);
	ck_assert_int_eq(st.signal, 5);
	/* A slot we do not use: the guest's own #DB. */
	ck_assert(!gdb_session_stop_from_dr6(S, 0, 0xffff0ff8, &st));
	ASK_EQ("z2,601000,4", "OK");
	ck_assert(!gdb_session_stop_from_dr6(S, 0, 0xffff0ff2, &st));
}
END_TEST

/* The glue's copy of the debug state classifies exits without the session. */
START_TEST(debug_state_copy)
{
	struct gdb_stop st;

	ASK_EQ("Z0,2000,1", "OK");
	ASK_EQ("Z0,ffffffff80001000,1", "OK");
	ASK_EQ("Z1,401000,1", "OK");
	ASK_EQ("Z2,601000,4", "OK");
	ASK_EQ("Z4,601008,8", "OK");
	ck_assert_ptr_null(ask("c"));
	ck_assert_uint_eq(F.dbg.n_sw_bp, 2);
	ck_assert(gdb_debug_is_sw_bp(&F.dbg, 0x2000));
	ck_assert(gdb_debug_is_sw_bp(&F.dbg, 0xffffffff80001000ULL));
	ck_assert(!gdb_debug_is_sw_bp(&F.dbg, 0x2001));
	ck_assert(gdb_debug_stop_from_dr6(&F.dbg, 1, 0x1, &st));
	ck_assert_int_eq(st.reason, GDB_STOP_HWBREAK);
	ck_assert_uint_eq(st.addr, 0x401000);
	ck_assert(gdb_debug_stop_from_dr6(&F.dbg, 1, 0x2, &st));
	ck_assert_int_eq(st.reason, GDB_STOP_WATCH);
	ck_assert_uint_eq(st.addr, 0x601000);
	ck_assert(gdb_debug_stop_from_dr6(&F.dbg, 1, 0x4, &st));
	ck_assert_int_eq(st.reason, GDB_STOP_AWATCH);
	ck_assert_uint_eq(st.vcpu, 1);
	ck_assert(!gdb_debug_stop_from_dr6(&F.dbg, 1, 0x8, &st));
	ck_assert(gdb_debug_stop_from_dr6(&F.dbg, 0, 1ULL << 14, &st));
	ck_assert_int_eq(st.reason, GDB_STOP_SIGNAL);
	/* Same answers as the session's own view. */
	ck_assert(gdb_session_sw_bp_at(S, 0x2000));
	gdb_session_stopped(S, &(struct gdb_stop){ .reason = GDB_STOP_SIGNAL, .signal = 5 });
	ASK_EQ("z0,2000,1", "OK");
	ck_assert(!gdb_session_sw_bp_at(S, 0x2000));
}
END_TEST

static Suite *gdb_mem_suite(void)
{
	Suite *s = suite_create("gdb_mem");
	TCase *tc = tcase_create("mem");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, read_identity_and_virtual);
	tcase_add_test(tc, read_is_clamped);
	tcase_add_test(tc, write_M_and_X);
	tcase_add_test(tc, sw_breakpoints);
	tcase_add_test(tc, sw_breakpoint_table_full);
	tcase_add_test(tc, hw_slots);
	tcase_add_test(tc, dr6_to_stop);
	tcase_add_test(tc, debug_state_copy);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(gdb_mem_suite)
