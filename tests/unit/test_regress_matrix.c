// SPDX-License-Identifier: MIT
/*
 * hvmm regress: matrix axes and cells (vmm/regress/matrix.c), the seeded
 * boot order and the deterministic shards (docs/regress.md "Runner").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "regress/runner.h"
#include "unit.h"

static char err[256];

static void add_ok(struct regress_matrix *m, const char *spec)
{
	ck_assert_msg(!regress_matrix_add(m, spec, err, sizeof(err)), "%s: %s", spec, err);
}

static void add_bad(const char *spec, const char *msg_part)
{
	struct regress_matrix m = { 0 };

	err[0] = 0;
	ck_assert_int_eq(regress_matrix_add(&m, spec, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, msg_part), "'%s' gave '%s'", spec, err);
	ck_assert_int_eq(m.naxes, 0); /* no half-filled axis left */
	regress_matrix_free(&m);
}

START_TEST(cells_are_the_product_in_axis_order)
{
	struct regress_matrix m = { 0 };
	struct regress_result r = { 0 };

	add_ok(&m, "cpus=1,2");
	add_ok(&m, "firmware=direct,uefi");
	add_ok(&m, "isolation=none");
	ck_assert_int_eq(regress_matrix_cells(&m, &r.cells, &r.ncells), 0);
	ck_assert_int_eq(r.ncells, 4);
	ck_assert_str_eq(r.cells[0].id, "cpus=1,firmware=direct,isolation=none");
	ck_assert_str_eq(r.cells[1].id, "cpus=1,firmware=uefi,isolation=none");
	ck_assert_str_eq(r.cells[2].id, "cpus=2,firmware=direct,isolation=none");
	ck_assert_str_eq(r.cells[3].id, "cpus=2,firmware=uefi,isolation=none");
	ck_assert_int_eq(r.cells[3].naxes, 3);
	ck_assert_str_eq(r.cells[3].axis[1], "firmware");
	ck_assert_str_eq(r.cells[3].value[1], "uefi");
	regress_result_free(&r);
	regress_matrix_free(&m);
}
END_TEST

START_TEST(an_axis_given_again_takes_the_later_values)
{
	struct regress_matrix m = { 0 };
	struct regress_result r = { 0 };

	add_ok(&m, "cpus=1,2");
	add_ok(&m, "mem=512M");
	add_ok(&m, "cpus=4");
	ck_assert_int_eq(regress_matrix_cells(&m, &r.cells, &r.ncells), 0);
	ck_assert_int_eq(r.ncells, 1);
	ck_assert_str_eq(r.cells[0].id, "cpus=4,mem=512M");
	regress_result_free(&r);
	regress_matrix_free(&m);
}
END_TEST

START_TEST(no_axes_is_one_default_cell)
{
	struct regress_matrix m = { 0 };
	struct regress_result r = { 0 };

	ck_assert_int_eq(regress_matrix_cells(&m, &r.cells, &r.ncells), 0);
	ck_assert_int_eq(r.ncells, 1);
	ck_assert_str_eq(r.cells[0].id, "default");
	ck_assert_int_eq(r.cells[0].naxes, 0);
	regress_result_free(&r);
}
END_TEST

START_TEST(bad_axes_are_refused_with_a_reason)
{
	add_bad("cpus", "AXIS=V1");
	add_bad("=1", "AXIS=V1");
	add_bad("colour=red", "unknown axis 'colour'");
	add_bad("cpus=0", "1..64");
	add_bad("cpus=1x", "1..64");
	add_bad("cpus=65", "1..64"); /* hvmm run's own limit (VM_MAX_CPUS) */
	add_bad("cpus=1,,2", "empty value");
	add_bad("cpus=", "empty value");
	add_bad("cpus=1,1", "given twice");
	add_bad("firmware=bios", "direct or uefi");
	add_bad("isolation=snp", "none or vbs");
	add_bad("mem=lots", "not a size");
	add_bad("kernel=a=b", "without blanks");
	/* What a result file could not read back (results.c): refused here. */
	add_bad("kernel=/images/my kernel", "without blanks");
	add_bad("initrd=/x/\"q\"", "without blanks");
	add_bad("disk=a&b", "without blanks");
}
END_TEST

/* The longest value a result file takes is accepted, one more is not. */
START_TEST(long_paths_up_to_the_result_limit)
{
	struct regress_matrix m = { 0 };
	char spec[REGRESS_MAX_NAME + 16];

	memset(spec, 'k', sizeof(spec));
	memcpy(spec, "kernel=/", 8);
	spec[7 + REGRESS_MAX_NAME] = 0;
	add_ok(&m, spec);
	regress_matrix_free(&m);
	spec[7 + REGRESS_MAX_NAME] = 'k';
	spec[8 + REGRESS_MAX_NAME] = 0;
	add_bad(spec, "1..512");
}
END_TEST

START_TEST(too_large_a_matrix_is_refused)
{
	struct regress_matrix m = { 0 };
	struct regress_result r = { 0 };

	add_ok(&m, "cpus=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16");
	add_ok(&m, "mem=16M,32M,64M,128M,256M,512M,1G,2G,4G,8G,16G,32G,64G,128G,256G,512G");
	add_ok(&m, "kernel=a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q");
	ck_assert_int_eq(regress_matrix_cells(&m, &r.cells, &r.ncells), -E2BIG);
	regress_matrix_free(&m);
}
END_TEST

/* Every (cell, run) exactly once, indices 0..n-1 in order. */
static void check_permutation(const struct regress_plan_boot *p, int n, int ncells, int runs)
{
	char *seen = calloc((size_t)ncells * runs, 1);

	ck_assert_int_eq(n, ncells * runs);
	for (int i = 0; i < n; i++) {
		ck_assert_int_eq(p[i].index, i);
		ck_assert(p[i].cell >= 0 && p[i].cell < ncells && p[i].run >= 0 && p[i].run < runs);
		ck_assert(!seen[p[i].cell * runs + p[i].run]);
		seen[p[i].cell * runs + p[i].run] = 1;
	}
	free(seen);
}

START_TEST(seed_zero_is_matrix_order)
{
	struct regress_plan_boot *p;
	int n;

	ck_assert_int_eq(regress_plan(3, 2, 0, 1, 1, &p, &n), 0);
	check_permutation(p, n, 3, 2);
	for (int i = 0; i < n; i++) {
		ck_assert_int_eq(p[i].cell, i / 2);
		ck_assert_int_eq(p[i].run, i % 2);
	}
	free(p);
}
END_TEST

START_TEST(a_seed_gives_one_order_and_another_seed_another)
{
	struct regress_plan_boot *a, *b, *c;
	int na, nb, nc, same_ab = 1, same_ac = 1;

	ck_assert_int_eq(regress_plan(10, 10, 42, 1, 1, &a, &na), 0);
	ck_assert_int_eq(regress_plan(10, 10, 42, 1, 1, &b, &nb), 0);
	ck_assert_int_eq(regress_plan(10, 10, 43, 1, 1, &c, &nc), 0);
	check_permutation(a, na, 10, 10);
	check_permutation(c, nc, 10, 10);
	for (int i = 0; i < na; i++) {
		same_ab &= a[i].cell == b[i].cell && a[i].run == b[i].run;
		same_ac &= a[i].cell == c[i].cell && a[i].run == c[i].run;
	}
	ck_assert(same_ab);
	ck_assert(!same_ac);
	free(a);
	free(b);
	free(c);
}
END_TEST

START_TEST(shards_partition_the_run)
{
	struct regress_plan_boot *all, *sh[3];
	int nall, nsh[3], total = 0;

	ck_assert_int_eq(regress_plan(4, 5, 7, 1, 1, &all, &nall), 0);
	for (int k = 0; k < 3; k++) {
		ck_assert_int_eq(regress_plan(4, 5, 7, k + 1, 3, &sh[k], &nsh[k]), 0);
		total += nsh[k];
		for (int i = 0; i < nsh[k]; i++) {
			const struct regress_plan_boot *b = &sh[k][i];

			/* boot index i belongs to shard (i mod N) + 1, same boot as unsharded */
			ck_assert_int_eq(b->index % 3, k);
			ck_assert_int_eq(b->cell, all[b->index].cell);
			ck_assert_int_eq(b->run, all[b->index].run);
		}
		free(sh[k]);
	}
	ck_assert_int_eq(total, nall);
	ck_assert_int_eq(nsh[0], 7); /* 20 boots: 7, 7, 6 */
	ck_assert_int_eq(nsh[2], 6);
	free(all);
}
END_TEST

START_TEST(bad_plans_are_refused)
{
	struct regress_plan_boot *p;
	int n;

	ck_assert_int_eq(regress_plan(1, 1, 1, 2, 1, &p, &n), -EINVAL);
	ck_assert_int_eq(regress_plan(1, 1, 1, 0, 1, &p, &n), -EINVAL);
	ck_assert_int_eq(regress_plan(0, 1, 1, 1, 1, &p, &n), -EINVAL);
	ck_assert_int_eq(regress_plan(1, 0, 1, 1, 1, &p, &n), -EINVAL);
}
END_TEST

static Suite *regress_matrix_suite(void)
{
	Suite *s = suite_create("regress_matrix");
	TCase *tc = tcase_create("matrix");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, cells_are_the_product_in_axis_order);
	tcase_add_test(tc, an_axis_given_again_takes_the_later_values);
	tcase_add_test(tc, no_axes_is_one_default_cell);
	tcase_add_test(tc, bad_axes_are_refused_with_a_reason);
	tcase_add_test(tc, long_paths_up_to_the_result_limit);
	tcase_add_test(tc, too_large_a_matrix_is_refused);
	suite_add_tcase(s, tc);
	tc = tcase_create("plan");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, seed_zero_is_matrix_order);
	tcase_add_test(tc, a_seed_gives_one_order_and_another_seed_another);
	tcase_add_test(tc, shards_partition_the_run);
	tcase_add_test(tc, bad_plans_are_refused);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(regress_matrix_suite)
