// SPDX-License-Identifier: MIT
/*
 * The end of a run: the summary table, regress_finish's outputs and exit
 * status, --compare (compare.c) and `hvmm regress merge` (merge.c).
 */
#include <errno.h>
#include <unistd.h>

#include "regress_fixture.h"
#include "unit.h"

/* 2 cells x n boots around 12 s (sd 0.3 s), cell 1 shifted by shift. */
static void fx_sample(struct regress_result *r, int n, uint64_t seed, double shift, int fails)
{
	fx_init(r, 2, 2 * n);
	for (int c = 0; c < 2; c++)
		for (int i = 0; i < n; i++)
			fx_boot(r, c, i, c * n + i, i < fails && c == 1 ? RV_TIMEOUT : RV_PASS,
				fx_normal(&seed, 12 + (c ? shift : 0), 0.3));
}

static char *capture_summary(const struct regress_result *r)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	regress_summary_print(r, f);
	fclose(f);
	return buf;
}

START_TEST(summary_table)
{
	struct regress_result r;
	char *out;

	fx_init(&r, 2, 12);
	for (int i = 0; i < 10; i++)
		fx_boot(&r, 0, i, i, i < 8 ? RV_PASS : RV_GUEST_PANIC, 10 + i);
	fx_boot(&r, 1, 0, 10, RV_PASS, 5);
	out = capture_summary(&r);
	/* 8 of 10: 80.0% [49.0%, 94.3%] (Wilson); overall 9 of 11. */
	ck_assert_msg(strstr(out, "cpus=1") && strstr(out, "80.0%") && strstr(out, "[ 49.0%,  94.3%]"), "%s", out);
	ck_assert_msg(strstr(out, "pass 8, guest_panic 2"), "%s", out);
	ck_assert_msg(strstr(out, "all") && strstr(out, "81.8%"), "%s", out);
	/* Stage quantiles over the 8 passing boots: exit 10..17, median 13.5. */
	ck_assert_msg(strstr(out, "  exit                          8    10.000    13.500"), "%s", out);
	ck_assert_msg(strstr(out, "ic_negotiated:shutdown"), "%s", out);
	free(out);
	regress_result_free(&r);
}
END_TEST

START_TEST(finish_status_and_outputs)
{
	struct regress_result r, back;
	char *json = fx_tmp("out.json"), *junit = fx_tmp("out.xml"), err[256];
	struct regress_outputs o = { .json = json, .junit = junit, .quiet = true };
	FILE *term = fopen("/dev/null", "w");

	fx_sample(&r, 5, 1, 0, 0);
	ck_assert_int_eq(regress_finish(&r, &o, term), 0);
	ck_assert_int_eq(regress_json_read(json, &back, err, sizeof(err)), 0);
	ck_assert_int_eq(back.nboots, 10);
	regress_result_free(&back);
	ck_assert_int_eq(access(junit, R_OK), 0);
	r.boots[3].verdict = RV_TRIPLE_FAULT;
	ck_assert_int_eq(regress_finish(&r, &o, term), 1);
	/* An output that cannot be written: 2. */
	o.json = "/nonexistent/dir/out.json";
	ck_assert_int_eq(regress_finish(&r, &o, term), 2);
	o.json = NULL;
	o.compare = "/nonexistent/base.json";
	ck_assert_int_eq(regress_finish(&r, &o, term), 2);
	fclose(term);
	regress_result_free(&r);
	free(json);
	free(junit);
}
END_TEST

START_TEST(stage_alias)
{
	struct regress_boot b = { 0 };
	struct regress_stage st[1] = { { (char *)"vcpu_entry:0", 0.25 } };
	double t;

	b.stages = st;
	b.nstages = 1;
	b.duration = 3;
	ck_assert(regress_stage_time(&b, "vcpu_entry", &t) && t == 0.25);
	ck_assert(regress_stage_time(&b, "duration", &t) && t == 3);
	ck_assert(!regress_stage_time(&b, "serial", &t));
}
END_TEST

/* compare: base and new from the same distribution, different draws. */
START_TEST(compare_unchanged)
{
	struct regress_result base, now;
	struct regress_comparison c;

	fx_sample(&base, 30, 11, 0, 0);
	fx_sample(&now, 30, 12345, 0, 0);
	ck_assert_int_eq(regress_compare(&base, &now, &c), 0);
	ck_assert_int_eq(c.cells_compared, 2);
	ck_assert_msg(c.nflags == 0, "%d flags", c.nflags);
	regress_comparison_free(&c);
	regress_result_free(&base);
	regress_result_free(&now);
}
END_TEST

START_TEST(compare_slower_and_faster)
{
	struct regress_result base, now;
	struct regress_comparison c;

	fx_sample(&base, 20, 11, 0, 0);
	fx_sample(&now, 20, 99, 2.0, 0);	/* cell 1: 2 s later everywhere */
	ck_assert_int_eq(regress_compare(&base, &now, &c), 0);
	ck_assert_int_gt(c.nflags, 0);
	ck_assert_int_eq(regress_comparison_mark(&c, 1, 6), RM_SLOWER);	/* exit */
	ck_assert_int_eq(regress_comparison_mark(&c, 0, 6), RM_NONE);
	/* vcpu_entry moves by 2 ms only: below the noise threshold. */
	ck_assert_int_eq(regress_comparison_mark(&c, 1, 0), RM_NONE);
	regress_comparison_free(&c);
	/* The other way round it is "faster": information, not a flag. */
	ck_assert_int_eq(regress_compare(&now, &base, &c), 0);
	ck_assert_int_eq(c.nflags, 0);
	ck_assert_int_eq(regress_comparison_mark(&c, 1, 6), RM_FASTER);
	regress_comparison_free(&c);
	regress_result_free(&base);
	regress_result_free(&now);
}
END_TEST

START_TEST(compare_small_ties)
{
	struct regress_result base, now;
	struct regress_comparison c;

	/* 3 vs 3 identical times: exact p = 1, and even a complete shift of
	 * 3 vs 3 has p = 0.1 >= 0.01: too few boots to flag anything. */
	fx_init(&base, 1, 3);
	fx_init(&now, 1, 3);
	for (int i = 0; i < 3; i++) {
		fx_boot(&base, 0, i, i, RV_PASS, 10);
		fx_boot(&now, 0, i, i, RV_PASS, i == 0 ? 10 : 20);
	}
	ck_assert_int_eq(regress_compare(&base, &now, &c), 0);
	ck_assert_int_eq(c.nfindings, 0);
	regress_comparison_free(&c);
	regress_result_free(&base);
	regress_result_free(&now);
}
END_TEST

START_TEST(compare_pass_drop)
{
	struct regress_result base, now;
	struct regress_comparison c;

	fx_sample(&base, 20, 11, 0, 0);
	fx_sample(&now, 20, 12, 0, 10);		/* cell 1: 10 of 20 fail */
	ck_assert_int_eq(regress_compare(&base, &now, &c), 0);
	ck_assert_int_eq(regress_comparison_mark(&c, 1, -1), RM_PASS_DROP);
	ck_assert_int_eq(regress_comparison_mark(&c, 0, -1), RM_NONE);
	ck_assert_int_ge(c.nflags, 1);
	regress_comparison_free(&c);
	/* One failure in 20 is no significant drop. */
	regress_result_free(&now);
	fx_sample(&now, 20, 12, 0, 1);
	ck_assert_int_eq(regress_compare(&base, &now, &c), 0);
	ck_assert_int_eq(regress_comparison_mark(&c, 1, -1), RM_NONE);
	regress_comparison_free(&c);
	regress_result_free(&base);
	regress_result_free(&now);
}
END_TEST

START_TEST(finish_compare_exit)
{
	struct regress_result base, now;
	char *bpath = fx_tmp("base.json");
	struct regress_outputs o = { .compare = bpath, .quiet = true };
	FILE *term = fopen("/dev/null", "w");

	fx_sample(&base, 20, 11, 0, 0);
	ck_assert_int_eq(regress_json_write(&base, bpath), 0);
	fx_sample(&now, 20, 5, 0, 0);
	ck_assert_int_eq(regress_finish(&now, &o, term), 0);
	regress_result_free(&now);
	fx_sample(&now, 20, 5, 1.5, 0);
	ck_assert_int_eq(regress_finish(&now, &o, term), 1);
	fclose(term);
	regress_result_free(&base);
	regress_result_free(&now);
	free(bpath);
}
END_TEST

/* Shards: the 2 x 6 boots split by index parity into 1/2 and 2/2. */
static void write_shards(const char *p1, const char *p2)
{
	struct regress_result all, s[2];

	fx_sample(&all, 6, 3, 0, 2);
	for (int k = 0; k < 2; k++) {
		fx_init(&s[k], 2, 12);
		s[k].shard_k = k + 1;
		s[k].shard_n = 2;
		for (int i = 0; i < all.nboots; i++)
			if (all.boots[i].index % 2 == k)
				fx_boot(&s[k], all.boots[i].cell, all.boots[i].run, all.boots[i].index,
					all.boots[i].verdict, all.boots[i].duration - 0.2);
	}
	ck_assert_int_eq(regress_json_write(&s[0], p1), 0);
	ck_assert_int_eq(regress_json_write(&s[1], p2), 0);
	regress_result_free(&s[0]);
	regress_result_free(&s[1]);
	regress_result_free(&all);
}

static int merge(int n, const char *const *args)
{
	char *argv[16];

	argv[0] = (char *)"merge";
	for (int i = 0; i < n; i++)
		argv[i + 1] = (char *)args[i];
	argv[n + 1] = NULL;
	return regress_merge_main(n + 1, argv);
}

START_TEST(merge_shards)
{
	char *p1 = fx_tmp("s1.json"), *p2 = fx_tmp("s2.json"), *out = fx_tmp("m.json"), err[256];
	struct regress_result m;

	write_shards(p1, p2);
	/* Two boots of cell 1 failed: exit 1, and the merged file has all 12. */
	ck_assert_int_eq(merge(5, (const char *[]){ p2, p1, "--json", out, "-q" }), 1);
	ck_assert_int_eq(regress_json_read(out, &m, err, sizeof(err)), 0);
	ck_assert_int_eq(m.nboots, 12);
	ck_assert_int_eq(m.shard_k, 1);
	ck_assert_int_eq(m.shard_n, 1);
	for (int i = 0; i < 12; i++)
		ck_assert_int_eq(m.boots[i].index, i);
	regress_result_free(&m);
	/* A shard twice, overlapping indices, a missing shard (warning only). */
	ck_assert_int_eq(merge(3, (const char *[]){ p1, p1, "-q" }), 2);
	ck_assert_int_eq(merge(2, (const char *[]){ p1, "-q" }), 1);
	/* Usage errors. */
	ck_assert_int_eq(merge(1, (const char *[]){ "-q" }), 2);
	ck_assert_int_eq(merge(2, (const char *[]){ p1, "--bogus" }), 2);
	ck_assert_int_eq(merge(2, (const char *[]){ p1, "--json" }), 2);
	ck_assert_int_eq(merge(1, (const char *[]){ "/nonexistent.json" }), 2);
	free(p1);
	free(p2);
	free(out);
}
END_TEST

START_TEST(merge_disagree)
{
	char *p1 = fx_tmp("s1.json"), *p2 = fx_tmp("s2.json"), err[256];
	struct regress_result s;

	write_shards(p1, p2);
	ck_assert_int_eq(regress_json_read(p2, &s, err, sizeof(err)), 0);
	s.seed = 43;
	ck_assert_int_eq(regress_json_write(&s, p2), 0);
	ck_assert_int_eq(merge(3, (const char *[]){ p1, p2, "-q" }), 2);
	s.seed = 42;
	free(s.cells[1].value[0]);
	free(s.cells[1].id);
	s.cells[1].value[0] = fx_strdup("8");
	s.cells[1].id = fx_strdup("cpus=8");
	ck_assert_int_eq(regress_json_write(&s, p2), 0);
	ck_assert_int_eq(merge(3, (const char *[]){ p1, p2, "-q" }), 2);
	/* Same shard number, but overlapping boots: index twice. */
	free(s.cells[1].value[0]);
	free(s.cells[1].id);
	s.cells[1].value[0] = fx_strdup("2");
	s.cells[1].id = fx_strdup("cpus=2");
	s.shard_k = 2;
	s.boots[0].index = 0;	/* shard 1/2 has index 0 */
	ck_assert_int_eq(regress_json_write(&s, p2), 0);
	ck_assert_int_eq(merge(3, (const char *[]){ p1, p2, "-q" }), 2);
	regress_result_free(&s);
	free(p1);
	free(p2);
}
END_TEST

static Suite *regress_finish_suite(void)
{
	Suite *s = suite_create("regress_finish");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, summary_table);
	tcase_add_test(tc, finish_status_and_outputs);
	tcase_add_test(tc, stage_alias);
	tcase_add_test(tc, compare_unchanged);
	tcase_add_test(tc, compare_slower_and_faster);
	tcase_add_test(tc, compare_small_ties);
	tcase_add_test(tc, compare_pass_drop);
	tcase_add_test(tc, finish_compare_exit);
	tcase_add_test(tc, merge_shards);
	tcase_add_test(tc, merge_disagree);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(regress_finish_suite)
