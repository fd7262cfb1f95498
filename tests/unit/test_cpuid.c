// SPDX-License-Identifier: MIT
/*
 * Per-vCPU CPUID topology: leaves 1, 4, 0xB and the AMD ones must all
 * describe the same single-socket, one-thread-per-core machine.
 */
#include <stdlib.h>
#include <string.h>

#include "cpuid.h"
#include "unit.h"
#include "util.h"

#define NENT 14
#define SIG KVM_CPUID_FLAG_SIGNIFCANT_INDEX

/* What a host's KVM_GET_SUPPORTED_CPUID might say, with stale topology. */
static struct kvm_cpuid2 *fake_supported(void)
{
	static const struct kvm_cpuid_entry2 e[NENT] = {
		{ .function = 0, .eax = 0xd, .ebx = 0x756e6547 },
		/* family/model in EAX; EBX: stale APIC id 7, count 16, CLFLUSH 8 */
		{ .function = 1, .eax = 0x000306a9, .ebx = 0x07100800,
		  .ecx = 0x1234, .edx = 0x178bfbff },
		/* leaf 4: L1d, L1i, L2, L3 with host sharing fields set */
		{ .function = 4, .index = 0, .flags = SIG, .eax = 0x1c004121, .ebx = 0x01c0003f },
		{ .function = 4, .index = 1, .flags = SIG, .eax = 0x1c004122, .ebx = 0x01c0003f },
		{ .function = 4, .index = 2, .flags = SIG, .eax = 0x1c004143, .ebx = 0x01c0003f },
		{ .function = 4, .index = 3, .flags = SIG, .eax = 0x1c03c163, .ebx = 0x03c0003f },
		{ .function = 0xb, .index = 0, .flags = SIG, .eax = 1, .ebx = 2, .ecx = 0x100, .edx = 9 },
		{ .function = 0xb, .index = 1, .flags = SIG, .eax = 4, .ebx = 8, .ecx = 0x201, .edx = 9 },
		{ .function = 0xb, .index = 2, .flags = SIG, .eax = 0, .ebx = 0, .ecx = 2, .edx = 9 },
		{ .function = 0x80000001, .ecx = 0x21 },
		{ .function = 0x80000008, .eax = 0x3030, .ecx = 0x0000700f },
		{ .function = 0x8000001e, .eax = 9, .ebx = 0x0105, .ecx = 0x0303 },
		/* SEV and SME advertised by an AMD host: hidden from the guest. */
		{ .function = 0x8000001f, .eax = 0x1000f, .ebx = 0x16f, .ecx = 0x1fd, .edx = 1 },
		/* A leaf-4 terminator (type 0) must be left alone. */
		{ .function = 4, .index = 4, .flags = SIG, .eax = 0xfc000000 },
	};
	struct kvm_cpuid2 *c = malloc(sizeof(*c) + sizeof(e));

	ck_assert_ptr_nonnull(c);
	memset(c, 0, sizeof(*c));
	c->nent = NENT;
	memcpy(c->entries, e, sizeof(e));
	return c;
}

static struct kvm_cpuid_entry2 *get(struct kvm_cpuid2 *c, uint32_t fn, uint32_t idx)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(c, fn, idx);

	ck_assert_msg(e, "leaf 0x%x.%u missing", fn, idx);
	return e;
}

static unsigned int ceil_log2(unsigned int n)
{
	unsigned int b = 0;

	while ((1U << b) < n)
		b++;
	return b;
}

/* All the topology invariants for one vCPU. */
static void check_vcpu(struct kvm_cpuid2 *sup, unsigned int id, unsigned int n)
{
	struct kvm_cpuid2 *c = cpuid_for_vcpu(sup, id, n);
	unsigned int shift = ceil_log2(n), i;
	struct kvm_cpuid_entry2 *e;

	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_ne(c, sup);
	ck_assert_uint_eq(c->nent, NENT);

	e = get(c, 1, 0);
	ck_assert_uint_eq(e->ebx >> 24, id);
	ck_assert_uint_eq(e->ebx & 0xffff, 0x0800);  /* CLFLUSH etc. kept */
	ck_assert_uint_eq(e->eax, 0x000306a9);
	ck_assert_uint_eq(!!(e->edx & (1U << 28)), n > 1);
	ck_assert_uint_eq(e->edx & ~(1U << 28), 0x178bfbff & ~(1U << 28));
	ck_assert(e->ecx & (1U << 31));  /* hypervisor present */
	if (n > 1) {
		/* Logical processor count covers every APIC id. */
		ck_assert_uint_ge((e->ebx >> 16) & 0xff, n);
		ck_assert_uint_eq((e->ebx >> 16) & 0xff, MIN(1U << shift, 0xffU));
	}

	e = get(c, 0xb, 0);
	ck_assert_uint_eq(e->eax & 0x1f, 0);
	ck_assert_uint_eq(e->ebx & 0xffff, 1);
	ck_assert_uint_eq((e->ecx >> 8) & 0xff, 1);  /* SMT */
	ck_assert_uint_eq(e->ecx & 0xff, 0);
	e = get(c, 0xb, 1);
	ck_assert_uint_eq(e->eax & 0x1f, shift);
	ck_assert_uint_eq(e->ebx & 0xffff, n);
	ck_assert_uint_eq((e->ecx >> 8) & 0xff, 2);  /* Core */
	ck_assert_uint_eq(e->ecx & 0xff, 1);
	e = get(c, 0xb, 2);
	ck_assert_uint_eq((e->ecx >> 8) & 0xff, 0);  /* invalid: end of levels */
	ck_assert_uint_eq(e->ecx & 0xff, 2);
	ck_assert_uint_eq(e->ebx, 0);
	for (i = 0; i < 3; i++)
		ck_assert_uint_eq(get(c, 0xb, i)->edx, id);

	/* Leaf 4: cores per package, and only L3 shared by all of them. */
	for (i = 0; i < 4; i++) {
		unsigned int level, sharing;

		e = get(c, 4, i);
		level = (e->eax >> 5) & 7;
		sharing = (e->eax >> 14) & 0xfff;
		ck_assert_uint_eq(e->eax & 0x3fff, sup->entries[2 + i].eax & 0x3fff);
		/* A 6-bit field: saturates at 64 cores. */
		ck_assert_uint_eq(e->eax >> 26, MIN((1U << shift) - 1, 63U));
		ck_assert_uint_eq(sharing, level == 3 ? (1U << shift) - 1 : 0);
		ck_assert_uint_eq(e->ebx, sup->entries[2 + i].ebx);
	}
	ck_assert_uint_eq(get(c, 4, 4)->eax, 0xfc000000);

	e = get(c, 0x80000001, 0);
	ck_assert_uint_eq(!!(e->ecx & 2), n > 1);
	ck_assert_uint_eq(e->ecx & ~2U, 0x21);
	e = get(c, 0x80000008, 0);
	ck_assert_uint_eq(e->ecx & 0xff, n - 1);
	ck_assert_uint_eq((e->ecx >> 12) & 0xf, shift);
	ck_assert_uint_eq(e->ecx & 0x0f00, 0x0000);
	ck_assert_uint_eq(e->eax, 0x3030);
	e = get(c, 0x8000001e, 0);
	ck_assert_uint_eq(e->eax, id);
	ck_assert_uint_eq(e->ebx & 0xff, id);
	ck_assert_uint_eq((e->ebx >> 8) & 0xff, 0);  /* one thread per core */
	ck_assert_uint_eq(e->ecx & 0xff, 0);         /* node 0 */
	free(c);
}

static void check_ncpus(unsigned int n)
{
	struct kvm_cpuid2 *sup = fake_supported(), *orig = fake_supported();
	unsigned int id;

	for (id = 0; id < n; id++)
		check_vcpu(sup, id, n);
	/* The supported set is a template shared by all vCPUs: untouched. */
	ck_assert_mem_eq(sup, orig, sizeof(*sup) + NENT * sizeof(sup->entries[0]));
	free(sup);
	free(orig);
}

START_TEST(topology_1) { check_ncpus(1); } END_TEST
START_TEST(topology_2) { check_ncpus(2); } END_TEST
START_TEST(topology_4) { check_ncpus(4); } END_TEST
START_TEST(topology_5) { check_ncpus(5); } END_TEST
START_TEST(topology_8) { check_ncpus(8); } END_TEST
START_TEST(topology_64) { check_ncpus(64); } END_TEST

/* Even at the API's limit the count must not spill into the APIC id. */
START_TEST(topology_255)
{
	struct kvm_cpuid2 *sup = fake_supported();

	check_vcpu(sup, 0, 255);
	check_vcpu(sup, 254, 255);
	check_vcpu(sup, 130, 200);
	free(sup);
}
END_TEST

START_TEST(core_bits)
{
	ck_assert_uint_eq(cpuid_core_bits(1), 0);
	ck_assert_uint_eq(cpuid_core_bits(2), 1);
	ck_assert_uint_eq(cpuid_core_bits(3), 2);
	ck_assert_uint_eq(cpuid_core_bits(4), 2);
	ck_assert_uint_eq(cpuid_core_bits(5), 3);
	ck_assert_uint_eq(cpuid_core_bits(64), 6);
	ck_assert_uint_eq(cpuid_core_bits(65), 7);
}
END_TEST

START_TEST(sev_hidden)
{
	struct kvm_cpuid2 *sup = fake_supported();
	struct kvm_cpuid2 *c = cpuid_for_vcpu(sup, 0, 2);
	struct kvm_cpuid_entry2 *e;

	ck_assert_ptr_nonnull(c);
	e = get(c, 0x8000001f, 0);
	ck_assert_uint_eq(e->eax | e->ebx | e->ecx | e->edx, 0);
	free(c);
	free(sup);
}
END_TEST

START_TEST(bad_args)
{
	struct kvm_cpuid2 *sup = fake_supported();

	ck_assert_ptr_null(cpuid_for_vcpu(sup, 1, 1));
	ck_assert_ptr_null(cpuid_for_vcpu(sup, 4, 4));
	ck_assert_ptr_null(cpuid_for_vcpu(sup, 0, 0));
	ck_assert_ptr_null(cpuid_for_vcpu(sup, 0, 256));
	ck_assert_ptr_null(cpuid_for_vcpu(NULL, 0, 1));
	free(sup);
}
END_TEST

START_TEST(find_significant_index)
{
	struct kvm_cpuid2 *sup = fake_supported();

	/* Indexed leaves match only their own subleaf. */
	ck_assert_ptr_eq(cpuid_find(sup, 4, 2), &sup->entries[4]);
	ck_assert_ptr_eq(cpuid_find(sup, 0xb, 1), &sup->entries[7]);
	ck_assert_ptr_null(cpuid_find(sup, 0xb, 3));
	ck_assert_ptr_null(cpuid_find(sup, 4, 5));
	/* Unindexed leaves ignore the index. */
	ck_assert_ptr_eq(cpuid_find(sup, 1, 0), &sup->entries[1]);
	ck_assert_ptr_eq(cpuid_find(sup, 1, 7), &sup->entries[1]);
	ck_assert_ptr_eq(cpuid_find(sup, 0x80000008, 3), &sup->entries[10]);
	ck_assert_ptr_null(cpuid_find(sup, 0x40000000, 0));
	free(sup);
}
END_TEST

static Suite *cpuid_suite(void)
{
	Suite *s = suite_create("cpuid");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, topology_1);
	tcase_add_test(tc, topology_2);
	tcase_add_test(tc, topology_4);
	tcase_add_test(tc, topology_5);
	tcase_add_test(tc, topology_8);
	tcase_add_test(tc, topology_64);
	tcase_add_test(tc, topology_255);
	tcase_add_test(tc, core_bits);
	tcase_add_test(tc, sev_hidden);
	tcase_add_test(tc, bad_args);
	tcase_add_test(tc, find_significant_index);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(cpuid_suite)
