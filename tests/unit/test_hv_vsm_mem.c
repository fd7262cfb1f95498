// SPDX-License-Identifier: MIT
/*
 * VTL memory protections (HvCallModifyVtlProtectionMask) and secure
 * intercepts (vmm/hv_vsm_mem.c) through the real dispatcher (hv_hcall.c)
 * and VSM state (hv_vsm.c), with fake vCPUs and a fake protection seam
 * (vsm_mem_fixture.h).
 */
#include "vsm_mem_fixture.h"

START_TEST(registered)
{
	ck_assert(hv_hcall_is_trapped(&table, HVCALL_MODIFY_VTL_PROTECTION_MASK));
	ck_assert(hv_hcall_is_trapped(&table, HVCALL_TRANSLATE_VIRTUAL_ADDRESS));
	ck_assert_int_eq(hv_vsm_mem_register_hcalls(&vsm, &table), -EBUSY);
}
END_TEST

START_TEST(protect_and_lift)
{
	uint64_t g[3] = { 0x100, 0x101, 0x102 };
	uint64_t rax;

	/* No access for 0x100, read+execute for 0x101 and 0x102 (current VTL = 1). */
	rax = protect(1, 0, 0, 1, g);
	ck_assert_uint_eq(STATUS(rax), HV_STATUS_SUCCESS);
	rax = protect(1, 0xd, VTL_USE(1), 2, g + 1);
	ck_assert_uint_eq(STATUS(rax), HV_STATUS_SUCCESS);
	ck_assert_uint_eq(REPS(rax), 2);
	ck_assert_uint_eq(nseam, 3);
	ck_assert(seam[0].gfn == 0x100 && seam[0].n == 1 && seam[0].mask == 0);
	ck_assert(seam[1].gfn == 0x101 && seam[1].mask == (HV_VSM_PROT_READ | HV_VSM_PROT_EXEC));
	ck_assert(seam[2].gfn == 0x102);
	ck_assert_uint_eq(hv_vsm_mem_mask(&vsm, 0x100), 0);
	ck_assert_uint_eq(hv_vsm_mem_mask(&vsm, 0x101), 0xd);
	ck_assert_uint_eq(hv_vsm_mem_mask(&vsm, 0x103), HV_MAP_GPA_ALL);
	ck_assert_uint_eq(hv_vsm_mem_count(&vsm), 3);
	/* The same mask again: no seam call. */
	rax = protect(1, 0xd, 0, 1, g + 1);
	ck_assert_uint_eq(STATUS(rax), HV_STATUS_SUCCESS);
	ck_assert_uint_eq(nseam, 3);
	/* Lift in another order: 0x101 first, then 0x100 to RX, then all. */
	rax = protect(1, 0xf, 0, 1, g + 1);
	ck_assert_uint_eq(STATUS(rax), HV_STATUS_SUCCESS);
	ck_assert(seam[3].gfn == 0x101 && seam[3].mask == HV_VSM_PROT_ALL);
	rax = protect(1, 0xd, 0, 1, g);
	ck_assert_uint_eq(hv_vsm_mem_mask(&vsm, 0x100), 0xd);
	rax = protect(1, 0xf, 0, 3, g);
	ck_assert_uint_eq(STATUS(rax), HV_STATUS_SUCCESS);
	ck_assert_uint_eq(hv_vsm_mem_count(&vsm), 0);
	/* 0x101 was already unrestricted: 5 + 2 calls. */
	ck_assert_uint_eq(nseam, 7);
}
END_TEST

START_TEST(protect_malformed)
{
	struct prot_call p = { .partition = 1, .flags = 0, .vtl = 0, .gfn = { 0x100 } };
	uint64_t g = 0x100;

	ck_assert_uint_eq(STATUS(hcall(1, HVCALL_MODIFY_VTL_PROTECTION_MASK, 1, 0, &p, 24, NULL, 0)),
			  HV_STATUS_INVALID_PARTITION_ID);
	p.partition = HV_PARTITION_ID_SELF;
	p.rsvd[2] = 1;
	ck_assert_uint_eq(STATUS(hcall(1, HVCALL_MODIFY_VTL_PROTECTION_MASK, 1, 0, &p, 24, NULL, 0)),
			  HV_STATUS_INVALID_PARAMETER);
	/* HV_INPUT_VTL reserved bits, unknown VTL. */
	ck_assert_uint_eq(STATUS(protect(1, 0, 0x20 | 1, 1, &g)), HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(STATUS(protect(1, 0, VTL_USE(2), 1, &g)), HV_STATUS_INVALID_PARAMETER);
	/* From VTL0: its own VTL is not a valid target, VTL1 is above it. */
	ck_assert_uint_eq(STATUS(protect(0, 0, 0, 1, &g)), HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(STATUS(protect(0, 0, VTL_USE(1), 1, &g)), HV_STATUS_ACCESS_DENIED);
	/* VTL1 naming VTL0 as the target. */
	ck_assert_uint_eq(STATUS(protect(1, 0, VTL_USE(0), 1, &g)), HV_STATUS_INVALID_PARAMETER);
	/* Protections not enabled in HvRegisterVsmPartitionConfig. */
	vsm.partition_config = 0;
	ck_assert_uint_eq(STATUS(protect(1, 0, 0, 1, &g)), HV_STATUS_ACCESS_DENIED);
	vsm.partition_config = HV_VSM_CONFIG_ENABLE_VTL_PROTECTION;
	/* VTL1 not enabled for the partition. */
	vsm.enabled_vtls = 1;
	ck_assert_uint_eq(STATUS(protect(1, 0, 0, 1, &g)), HV_STATUS_INVALID_VTL_STATE);
	vsm.enabled_vtls = 3;
	ck_assert_uint_eq(nseam, 0);
	ck_assert_uint_eq(hv_vsm_mem_count(&vsm), 0);
}
END_TEST

START_TEST(protect_masks)
{
	static const struct { uint32_t flags; uint16_t status; } cases[] = {
		{ 0x1, HV_STATUS_INVALID_PARAMETER },      /* R: needs NX */
		{ 0x3, HV_STATUS_INVALID_PARAMETER },      /* RW: needs NX */
		{ 0x2, HV_STATUS_INVALID_REGISTER_VALUE }, /* W without R */
		{ 0xc, HV_STATUS_INVALID_REGISTER_VALUE }, /* X without R */
		{ 0x5, HV_STATUS_INVALID_REGISTER_VALUE }, /* MBEC: KX only */
		{ 0x9, HV_STATUS_INVALID_REGISTER_VALUE }, /* MBEC: UX only */
		{ 0xf | HV_MAP_GPA_ADJUSTABLE, HV_STATUS_INVALID_REGISTER_VALUE },
		{ 0xf | HV_MAP_GPA_SUPERVISOR_SHADOW_STACK, HV_STATUS_INVALID_PARAMETER },
		{ 0xd | HV_MAP_GPA_PAGING_WRITABILITY, HV_STATUS_INVALID_PARAMETER },
		{ 0xf | (1U << 20), HV_STATUS_INVALID_PARAMETER },
	};
	uint64_t g = 0x100;
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(STATUS(protect(1, cases[i].flags, 0, 1, &g)) == cases[i].status,
			      "flags 0x%x", cases[i].flags);
	ck_assert_uint_eq(nseam, 0);
}
END_TEST

START_TEST(protect_partial)
{
	uint64_t g[4] = { 0x100, 0x101, NOT_RAM_GFN, 0x102 };
	struct prot_call p = { .partition = HV_PARTITION_ID_SELF, .flags = 0xd };
	uint64_t rax;

	/* Element 2 is not RAM: 2 reps done, the fourth never runs. */
	rax = protect(1, 0xd, 0, 4, g);
	ck_assert_uint_eq(STATUS(rax), HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(REPS(rax), 2);
	ck_assert_uint_eq(hv_vsm_mem_count(&vsm), 2);
	ck_assert_uint_eq(hv_vsm_mem_mask(&vsm, 0x102), HV_MAP_GPA_ALL);
	/* A GFN whose GPA would not fit 52 bits. */
	g[0] = 1ULL << 41;
	ck_assert_uint_eq(STATUS(protect(1, 0xd, 0, 1, g)), HV_STATUS_INVALID_PARAMETER);
	/* The guest restarts at the failed index with the start field. */
	p.gfn[0] = 0x100, p.gfn[1] = 0x101, p.gfn[2] = 0x103, p.gfn[3] = 0x102;
	rax = hcall(1, HVCALL_MODIFY_VTL_PROTECTION_MASK, 4, 2, &p, 48, NULL, 0);
	ck_assert_uint_eq(STATUS(rax), HV_STATUS_SUCCESS);
	ck_assert_uint_eq(REPS(rax), 4);
	ck_assert_uint_eq(hv_vsm_mem_count(&vsm), 4);
}
END_TEST

START_TEST(protect_map_full)
{
	uint64_t g[3] = { 0x100, 0x101, 0x102 };
	uint64_t rax;

	hv_vsm_mem_destroy(&vsm);
	ck_assert_int_eq(hv_vsm_mem_init(&vsm, &ram, 2), 0);
	rax = protect(1, 0, 0, 3, g);
	ck_assert_uint_eq(STATUS(rax), HV_STATUS_INSUFFICIENT_MEMORY);
	ck_assert_uint_eq(REPS(rax), 2);
	ck_assert_uint_eq(nseam, 2);
	/* Changing a page already in the map still works; lifting frees room. */
	ck_assert_uint_eq(STATUS(protect(1, 0xd, 0, 1, g)), HV_STATUS_SUCCESS);
	ck_assert_uint_eq(STATUS(protect(1, 0xf, 0, 1, g + 1)), HV_STATUS_SUCCESS);
	ck_assert_uint_eq(STATUS(protect(1, 0, 0, 1, g + 2)), HV_STATUS_SUCCESS);
	ck_assert_uint_eq(hv_vsm_mem_count(&vsm), 2);
}
END_TEST

START_TEST(protect_seam_fails)
{
	uint64_t g = 0x100;

	seam_err = -ENOSPC;
	ck_assert_uint_eq(STATUS(protect(1, 0, 0, 1, &g)), HV_STATUS_INSUFFICIENT_MEMORY);
	ck_assert_uint_eq(hv_vsm_mem_mask(&vsm, 0x100), HV_MAP_GPA_ALL);
	seam_err = 0;
	ck_assert_uint_eq(STATUS(protect(1, 0, 0, 1, &g)), HV_STATUS_SUCCESS);
	/* A failed lift keeps the page protected. */
	seam_err = -EIO;
	ck_assert_uint_eq(STATUS(protect(1, 0xf, 0, 1, &g)), HV_STATUS_OPERATION_DENIED);
	ck_assert_uint_eq(hv_vsm_mem_mask(&vsm, 0x100), 0);
	/* No seam at all. */
	vsm.mem_ops.protect = NULL;
	ck_assert_uint_eq(STATUS(protect(1, 0xd, 0, 1, &g)), HV_STATUS_OPERATION_DENIED);
}
END_TEST

static uint8_t data[8];

START_TEST(fault_paths)
{
	uint64_t g[2] = { 0x100, 0x101 };
	struct hv_vsm_mem_stats st;

	ck_assert_uint_eq(STATUS(protect(1, 0, 0, 1, g)), 0);
	ck_assert_uint_eq(STATUS(protect(1, 0xd, 0, 1, g + 1)), 0);
	/* Allowed accesses (a slot being rebuilt) and unprotected pages: vcpu.c does them. */
	ck_assert(!hv_vsm_mem_fault(&vsm, 0, 0x101000, false, data, 4));
	ck_assert(!hv_vsm_mem_fault(&vsm, 0, 0x102000, true, data, 4));
	/* A write to a read-only page: dropped, queued. */
	ck_assert(hv_vsm_mem_fault(&vsm, 0, 0x101008, true, data, 4));
	/* A read of a no-access page, same VP while one is queued: 0xff, counted as dropped. */
	memset(data, 0, sizeof(data));
	ck_assert(hv_vsm_mem_fault(&vsm, 0, 0x100010, false, data, 8));
	ck_assert_uint_eq(data[0] & data[7], 0xff);
	hv_vsm_mem_stats(&vsm, &st);
	ck_assert_uint_eq(st.faults, 2);
	ck_assert_uint_eq(st.dropped, 1);
	/* VTL1 is not bound by the protections it sets. */
	vsm.vp[1].active_vtl = 1;
	ck_assert(!hv_vsm_mem_fault(&vsm, 1, 0x100000, true, data, 4));
	vsm.vp[1].active_vtl = 0;
	ck_assert(hv_vsm_mem_fault(&vsm, 1, 0x100000, true, data, 4));
	/* Bad VP, no VSM memory state. */
	ck_assert(!hv_vsm_mem_fault(&vsm, 2, 0x100000, true, data, 4));
	ck_assert(!hv_vsm_mem_fault(NULL, 0, 0x100000, true, data, 4));
}
END_TEST

static uint8_t slot[256] __attribute__((aligned(8)));

static void read_slot(void)
{
	ck_assert_int_eq(gmem_read(&ram, SIMP_GPA, slot, sizeof(slot)), 0);
}

#define U32(off) (*(uint32_t *)(slot + (off)))
#define U64(off) (*(uint64_t *)(slot + (off)))
#define PL 16 /* payload offset */

START_TEST(intercept_message)
{
	uint64_t g = 0x101;
	uint32_t reason = 0;
	struct hv_vsm_mem_stats st;

	ck_assert_uint_eq(STATUS(protect(1, 0xd, 0, 1, &g)), 0);
	cpu[0].live.regs.rip = 0x401234;
	cpu[0].live.regs.rflags = 0x246;
	ck_assert(hv_vsm_mem_fault(&vsm, 0, 0x101ff8, true, data, 8));
	ck_assert_int_eq(hv_vsm_mem_pending(&vsm, 0), 0);
	read_slot();
	/* HV_MESSAGE header. */
	ck_assert_uint_eq(U32(0), HVMSG_GPA_INTERCEPT);
	ck_assert_uint_eq(slot[4], 0x50);
	ck_assert_uint_eq(slot[5], 0);
	ck_assert_uint_eq(U64(8), 0);
	/* HvX64InterceptMessageHeader. */
	ck_assert_uint_eq(U32(PL + 0), 0);           /* VP index */
	ck_assert_uint_eq(slot[PL + 4], 0);          /* instruction length: completed by KVM */
	ck_assert_uint_eq(slot[PL + 5], 1);          /* write */
	ck_assert_uint_eq(*(uint16_t *)(slot + PL + 6), 0x4 | 0x10); /* CPL0, CR0.PE, EFER.LMA, VTL0 */
	ck_assert_uint_eq(U64(PL + 8), 0);           /* CS base */
	ck_assert_uint_eq(U32(PL + 16), 0xffffffff); /* CS limit */
	ck_assert_uint_eq(*(uint16_t *)(slot + PL + 20), 0x10);
	ck_assert_uint_eq(*(uint16_t *)(slot + PL + 22), 0xa09b);
	ck_assert_uint_eq(U64(PL + 24), 0x401234);
	ck_assert_uint_eq(U64(PL + 32), 0x246);
	/* HvX64MemoryInterceptMessage. */
	ck_assert_uint_eq(U32(PL + 0x28), 6);        /* write-back */
	ck_assert_uint_eq(slot[PL + 0x2c], 0);       /* no instruction bytes */
	ck_assert_uint_eq(slot[PL + 0x2d], 0);       /* GVA not valid */
	ck_assert_uint_eq(U64(PL + 0x30), 0);
	ck_assert_uint_eq(U64(PL + 0x38), 0x101ff8);
	/* VTL1 entered with reason "interrupt", SINT0 raised. */
	ck_assert_uint_eq(hv_vsm_active_vtl(&vsm, 0), 1);
	ck_assert_uint_eq(cpu[0].live.regs.rip, 0x500000);
	ck_assert_uint_eq(cpu[0].sints, 1U << HV_VSM_INTERCEPT_SINT);
	ck_assert_int_eq(gmem_read(&ram, ASSIST_GPA + 8, &reason, 4), 0);
	ck_assert_uint_eq(reason, HV_VTL_ENTRY_INTERRUPT);
	ck_assert_uint_eq(vsm.intercepts, 1);
	hv_vsm_mem_stats(&vsm, &st);
	ck_assert_uint_eq(st.delivered, 1);
	/* Nothing queued any more. */
	cpu[0].sints = 0;
	ck_assert_int_eq(hv_vsm_mem_pending(&vsm, 0), 0);
	ck_assert_uint_eq(cpu[0].sints, 0);
}
END_TEST

START_TEST(intercept_busy_slot)
{
	uint64_t g = 0x100;
	uint32_t busy = 1, zero = 0;
	struct hv_vsm_mem_stats st;
	unsigned int loads;

	ck_assert_uint_eq(STATUS(protect(1, 0, 0, 1, &g)), 0);
	ck_assert_int_eq(gmem_write(&ram, SIMP_GPA, &busy, 4), 0);
	cpu[0].live.regs.rip = 0x401234;
	ck_assert(hv_vsm_mem_fault(&vsm, 0, 0x100000, false, data, 1));
	ck_assert_int_eq(hv_vsm_mem_pending(&vsm, 0), 0);
	read_slot();
	/* Slot kept, message pending flagged, VTL1 entered to drain it. */
	ck_assert_uint_eq(U32(0), 1);
	ck_assert_uint_eq(slot[5] & 1, 1);
	ck_assert_uint_eq(hv_vsm_active_vtl(&vsm, 0), 1);
	ck_assert_uint_eq(cpu[0].sints, 1);
	hv_vsm_mem_stats(&vsm, &st);
	ck_assert_uint_eq(st.busy, 1);
	ck_assert_uint_eq(st.delivered, 0);
	/* VTL1 frees the slot; the retry delivers without a second switch. */
	ck_assert_int_eq(gmem_write(&ram, SIMP_GPA, &zero, 4), 0);
	loads = cpu[0].loads;
	cpu[0].sints = 0;
	ck_assert_int_eq(hv_vsm_mem_pending(&vsm, 0), 0);
	read_slot();
	ck_assert_uint_eq(U32(0), HVMSG_GPA_INTERCEPT);
	ck_assert_uint_eq(slot[5], 0);
	ck_assert_uint_eq(slot[PL + 5], 0);          /* read */
	ck_assert_uint_eq(U64(PL + 24), 0x401234);   /* VTL0's RIP, from its saved state */
	ck_assert_uint_eq(cpu[0].loads, loads);
	ck_assert_uint_eq(cpu[0].sints, 1);
	hv_vsm_mem_stats(&vsm, &st);
	ck_assert_uint_eq(st.delivered, 1);
}
END_TEST

START_TEST(intercept_no_message_page)
{
	uint64_t g = 0x100;
	struct hv_vsm_mem_stats st;

	ck_assert_uint_eq(STATUS(protect(1, 0, 0, 1, &g)), 0);
	/* VTL1's SIMP disabled: dropped, VTL0 keeps running. */
	vsm.vp[0].synic1.simp = SIMP_GPA;
	ck_assert(hv_vsm_mem_fault(&vsm, 0, 0x100000, true, data, 1));
	ck_assert_int_eq(hv_vsm_mem_pending(&vsm, 0), 0);
	ck_assert_uint_eq(hv_vsm_active_vtl(&vsm, 0), 0);
	ck_assert_uint_eq(cpu[0].sints, 0);
	/* SIMP outside RAM: the same. */
	vsm.vp[0].synic1.simp = (NOT_RAM_GFN << 12) | 1;
	ck_assert(hv_vsm_mem_fault(&vsm, 0, 0x100000, true, data, 1));
	ck_assert_int_eq(hv_vsm_mem_pending(&vsm, 0), 0);
	ck_assert_uint_eq(hv_vsm_active_vtl(&vsm, 0), 0);
	hv_vsm_mem_stats(&vsm, &st);
	ck_assert_uint_eq(st.dropped, 2);
	ck_assert_uint_eq(st.delivered, 0);
}
END_TEST

static Suite *hv_vsm_mem_suite(void)
{
	Suite *s = suite_create("hv_vsm_mem");
	TCase *tc = tcase_create("protect");
	TCase *ti = tcase_create("intercept");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, registered);
	tcase_add_test(tc, protect_and_lift);
	tcase_add_test(tc, protect_malformed);
	tcase_add_test(tc, protect_masks);
	tcase_add_test(tc, protect_partial);
	tcase_add_test(tc, protect_map_full);
	tcase_add_test(tc, protect_seam_fails);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(ti, setup, teardown);
	tcase_add_test(ti, fault_paths);
	tcase_add_test(ti, intercept_message);
	tcase_add_test(ti, intercept_busy_slot);
	tcase_add_test(ti, intercept_no_message_page);
	suite_add_tcase(s, ti);
	return s;
}

UNIT_MAIN(hv_vsm_mem_suite)
