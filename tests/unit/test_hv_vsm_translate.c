// SPDX-License-Identifier: MIT
/*
 * HvCallTranslateVirtualAddress (vmm/hv_vsm_translate.c) from VTL1 about
 * VTL0 through the real dispatcher: page tables in guest RAM, access
 * validation, VTL protections, malformed inputs, the fast form.
 */
#include "vsm_mem_fixture.h"

#define GVA 0xffff800000200000ULL /* PML4 256, PDPT 0, PD 1, PT 0.. */
#define PDPT_GPA 0x31000ULL
#define PD_GPA 0x32000ULL
#define PT_GPA 0x33000ULL

#define VR (1ULL << 0)
#define VW (1ULL << 1)
#define VX (1ULL << 2)
#define EXEMPT (1ULL << 3)
#define SET_BITS (1ULL << 4)
#define SUPERVISOR (1ULL << 6)
#define USER (1ULL << 7)
#define IN_VTL(v) ((uint64_t)(0x10 | (v)) << 56)

struct tr_in {
	uint64_t partition;
	uint32_t vp, rsvd;
	uint64_t flags, gva_page;
};

struct tr_out {
	uint32_t result;
	uint8_t cache, flags;
	uint16_t rsvd;
	uint64_t gpa_page;
};

static void put64(uint64_t gpa, uint64_t v)
{
	ck_assert_int_eq(gmem_write(&ram, gpa, &v, 8), 0);
}

static void tr_setup(void)
{
	setup();
	put64(PML4_GPA + 256 * 8, PDPT_GPA | 7);
	put64(PDPT_GPA, PD_GPA | 7);
	put64(PD_GPA + 8, PT_GPA | 7);
	put64(PT_GPA + 0 * 8, 0x101000 | 3);                 /* RW supervisor */
	put64(PT_GPA + 1 * 8, 0x102000 | 1);                 /* RO supervisor */
	put64(PT_GPA + 2 * 8, 0x103000);                     /* not present */
	put64(PT_GPA + 3 * 8, 0x104000 | 7 | X86_PTE_NX);    /* user RW NX */
	put64(PT_GPA + 4 * 8, (NOT_RAM_GFN << 12) | 3);      /* MMIO */
	put64(PML4_GPA + 257 * 8, PDPT_GPA | 7 | X86_PTE_PS); /* PS is reserved there */
	/* VP 0 calls from VTL1; VTL0's state is then the saved copy. */
	ck_assert_int_eq(hv_vsm_enter_vtl1(&vsm, 0, HV_VTL_ENTRY_VTL_CALL), 0);
}

static uint64_t translate(uint8_t vtl, uint32_t vp, uint64_t flags, uint64_t gva,
			  struct tr_out *out)
{
	struct tr_in in = { .partition = HV_PARTITION_ID_SELF, .vp = vp, .flags = flags,
			    .gva_page = gva >> 12 };

	memset(out, 0xaa, sizeof(*out));
	return hcall(vtl, HVCALL_TRANSLATE_VIRTUAL_ADDRESS, 0, 0, &in, sizeof(in), out,
		     sizeof(*out));
}

START_TEST(translate_ok)
{
	struct tr_out o;

	ck_assert_uint_eq(STATUS(translate(1, 0, VR | IN_VTL(0), GVA, &o)), 0);
	ck_assert_uint_eq(o.result, 0);
	ck_assert_uint_eq(o.cache, 6);
	ck_assert_uint_eq(o.gpa_page, 0x101);
	/* HV_VP_INDEX_SELF, and the caller's own VTL by default (VTL1 has the same CR3). */
	ck_assert_uint_eq(STATUS(translate(1, HV_VP_INDEX_SELF, VR | VW, GVA, &o)), 0);
	ck_assert_uint_eq(o.result, 0);
	ck_assert_uint_eq(o.gpa_page, 0x101);
	/* Another VP's VTL1, which is not running: its saved state. */
	ck_assert_uint_eq(STATUS(translate(1, 1, VR | IN_VTL(1), GVA + 0x1000, &o)), 0);
	ck_assert_uint_eq(o.result, 0);
	ck_assert_uint_eq(o.gpa_page, 0x102);
}
END_TEST

START_TEST(translate_failures)
{
	struct tr_out o;

	translate(1, 0, VR | IN_VTL(0), GVA + 0x2000, &o);
	ck_assert_uint_eq(o.result, 1); /* page not present */
	ck_assert_uint_eq(o.gpa_page, 0);
	translate(1, 0, VR | VW | IN_VTL(0), GVA + 0x1000, &o);
	ck_assert_uint_eq(o.result, 2); /* write to a read-only page with CR0.WP */
	translate(1, 0, VR | USER | IN_VTL(0), GVA, &o);
	ck_assert_uint_eq(o.result, 2); /* user access to a supervisor page */
	translate(1, 0, VR | USER | EXEMPT | IN_VTL(0), GVA, &o);
	ck_assert_uint_eq(o.result, 0);
	translate(1, 0, VX | USER | IN_VTL(0), GVA + 0x3000, &o);
	ck_assert_uint_eq(o.result, 2); /* NX */
	translate(1, 0, VR | USER | IN_VTL(0), GVA + 0x3000, &o);
	ck_assert_uint_eq(o.result, 0);
	translate(1, 0, VR | IN_VTL(0), GVA + 0x4000, &o);
	ck_assert_uint_eq(o.result, 4); /* GPA not RAM */
	translate(1, 0, VR | IN_VTL(0), 0xffff808000000000ULL, &o);
	ck_assert_uint_eq(o.result, 3); /* reserved bit */
	translate(1, 0, VR | IN_VTL(0), 0x0000900000000000ULL, &o);
	ck_assert_uint_eq(o.result, 1); /* non-canonical: no translation */
}
END_TEST

START_TEST(translate_vtl_protections)
{
	uint64_t g = 0x101;
	struct tr_out o;

	ck_assert_uint_eq(STATUS(protect(1, 0xd, 0, 1, &g)), 0);
	translate(1, 0, VR | IN_VTL(0), GVA, &o);
	ck_assert_uint_eq(o.result, 0);
	translate(1, 0, VR | VW | IN_VTL(0), GVA, &o);
	ck_assert_uint_eq(o.result, 6); /* GPA no write access */
	ck_assert_uint_eq(o.gpa_page, 0x101);
	ck_assert_uint_eq(STATUS(protect(1, 0, 0, 1, &g)), 0);
	translate(1, 0, VR | IN_VTL(0), GVA, &o);
	ck_assert_uint_eq(o.result, 5); /* GPA no read access */
	/* VTL1's own view is not restricted. */
	translate(1, 0, VR | VW, GVA, &o);
	ck_assert_uint_eq(o.result, 0);
}
END_TEST

START_TEST(translate_malformed)
{
	struct tr_in in = { .partition = 7, .flags = VR };
	struct tr_out o;

	ck_assert_uint_eq(STATUS(hcall(1, HVCALL_TRANSLATE_VIRTUAL_ADDRESS, 0, 0, &in, 32, NULL, 0)),
			  HV_STATUS_INVALID_PARTITION_ID);
	in.partition = HV_PARTITION_ID_SELF;
	in.rsvd = 1;
	ck_assert_uint_eq(STATUS(hcall(1, HVCALL_TRANSLATE_VIRTUAL_ADDRESS, 0, 0, &in, 32, NULL, 0)),
			  HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(STATUS(translate(1, 2, VR, GVA, &o)), HV_STATUS_INVALID_VP_INDEX);
	ck_assert_uint_eq(STATUS(translate(1, 0, VR | (1ULL << 20), GVA, &o)),
			  HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(STATUS(translate(1, 0, VR | SET_BITS, GVA, &o)),
			  HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(STATUS(translate(1, 0, VR | USER | SUPERVISOR, GVA, &o)),
			  HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(STATUS(translate(1, 0, VR | (3ULL << 8), GVA, &o)),
			  HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(STATUS(translate(1, 0, VR | (0x20ULL << 56), GVA, &o)),
			  HV_STATUS_INVALID_PARAMETER);
	/* gva_page beyond 52 bits. */
	in = (struct tr_in){ .partition = HV_PARTITION_ID_SELF, .flags = VR, .gva_page = 1ULL << 52 };
	ck_assert_uint_eq(STATUS(hcall(1, HVCALL_TRANSLATE_VIRTUAL_ADDRESS, 0, 0, &in, 32, NULL, 0)),
			  HV_STATUS_INVALID_PARAMETER);
	/* VTL0 asking about VTL1. */
	ck_assert_uint_eq(STATUS(translate(0, 0, VR | IN_VTL(1), GVA, &o)), HV_STATUS_ACCESS_DENIED);
	/* VP 1's running VTL0, asked from VP 0's thread: its state is in VP 1's vCPU. */
	hv_vsm_vcpu_pending(&vsm, 0); /* this thread is VP 0's now */
	ck_assert_uint_eq(STATUS(translate(1, 1, VR | IN_VTL(0), GVA, &o)),
			  HV_STATUS_INVALID_VP_STATE);
	/* VTL1 not enabled on VP 1. */
	vsm.vp[1].enabled_vtls = 1;
	ck_assert_uint_eq(STATUS(translate(1, 1, VR | IN_VTL(1), GVA, &o)),
			  HV_STATUS_INVALID_VTL_STATE);
}
END_TEST

/* Fast form: input in RDX, R8, XMM0; output in the next pair, XMM1. */
START_TEST(translate_fast)
{
	struct hv_hcall_caller c = { .vp = 0, .vtl = 1 };
	struct hv_hcall_regs r = { 0 };

	r.rcx = HVCALL_TRANSLATE_VIRTUAL_ADDRESS | HV_HCALL_FAST;
	r.rdx = HV_PARTITION_ID_SELF;
	r.r8 = 0;
	r.xmm[0][0] = VR | IN_VTL(0);
	r.xmm[0][1] = GVA >> 12;
	hv_hcall_dispatch(&table, &c, &hmem, &r);
	ck_assert_uint_eq(STATUS(r.rax), 0);
	ck_assert_uint_eq(r.xmm[1][0] & 0xffffffff, 0);
	ck_assert_uint_eq((r.xmm[1][0] >> 32) & 0xff, 6);
	ck_assert_uint_eq(r.xmm[1][1], 0x101);
}
END_TEST

static Suite *hv_vsm_translate_suite(void)
{
	Suite *s = suite_create("hv_vsm_translate");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, tr_setup, teardown);
	tcase_add_test(tc, translate_ok);
	tcase_add_test(tc, translate_failures);
	tcase_add_test(tc, translate_vtl_protections);
	tcase_add_test(tc, translate_malformed);
	tcase_add_test(tc, translate_fast);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(hv_vsm_translate_suite)
