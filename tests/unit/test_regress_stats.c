// SPDX-License-Identifier: MIT
/*
 * vmm/regress/stats.c against known values. References:
 *  - Wilson: Newcombe, Stat. Med. 17 (1998) 857, table I (method 3):
 *    81/263 etc.; here 8/10 -> [0.4902, 0.9433], 0/10 -> [0, 0.2775],
 *    95/100 -> [0.8882, 0.9785] (z = 1.959964, closed form).
 *  - Quantiles: R quantile(1:10, c(.5,.9,.99)) (type 7) = 5.5, 9.1, 9.91.
 *  - Mann-Whitney exact: R wilcox.test(1:3, 4:6)$p.value = 0.1,
 *    wilcox.test(1:5, 6:10)$p.value = 2/252 = 0.007937; with ties the
 *    exact conditional distribution is checked against brute-force
 *    enumeration of all C(N, m) splits; the normal approximation
 *    (N > 50) for 0:29 vs 30:59: z = 449.5 / sqrt(900/12 * 61) = 6.6456,
 *    p = 3.0199e-11.
 *  - Fisher: the tea-tasting table (Fisher 1935), 3 of 4 right: one-sided
 *    p = 17/70 = 0.242857; 0/10 vs 10/10: 1/C(20,10) = 5.4125e-6;
 *    5/10 vs 5/10: (1 + C(10,5)^2 / C(20,10)) / 2 = 0.671859.
 */
#include <math.h>
#include <stdlib.h>

#include "regress/stats.h"
#include "unit.h"

#define EPS 1e-4

static void check_wilson(int k, int n, double lo, double hi)
{
	double l, h;

	stats_wilson(k, n, &l, &h);
	ck_assert_double_eq_tol(l, lo, EPS);
	ck_assert_double_eq_tol(h, hi, EPS);
}

START_TEST(wilson_known)
{
	check_wilson(8, 10, 0.4902, 0.9433);
	check_wilson(0, 10, 0.0, 0.2775);
	check_wilson(10, 10, 0.7225, 1.0);
	check_wilson(95, 100, 0.8882, 0.9785);
	check_wilson(0, 0, 0.0, 1.0);		/* nothing known */
	check_wilson(12, 10, 0.7225, 1.0);	/* k clamped to n */
}
END_TEST

START_TEST(quantiles_type7)
{
	double x[10] = { 10, 3, 1, 9, 2, 8, 4, 7, 5, 6 }, one = 4.5;
	struct stats_summary s;

	stats_summarize(x, 10, &s);
	ck_assert_int_eq(s.n, 10);
	ck_assert_double_eq_tol(s.min, 1, 1e-12);
	ck_assert_double_eq_tol(s.median, 5.5, 1e-12);
	ck_assert_double_eq_tol(s.p90, 9.1, 1e-12);
	ck_assert_double_eq_tol(s.p99, 9.91, 1e-12);
	ck_assert_double_eq_tol(s.max, 10, 1e-12);
	stats_summarize(&one, 1, &s);
	ck_assert(s.min == 4.5 && s.median == 4.5 && s.p99 == 4.5 && s.max == 4.5);
	stats_summarize(NULL, 0, &s);
	ck_assert_int_eq(s.n, 0);
	ck_assert_double_eq_tol(stats_median((double[]){ 3, 1, 2, 10 }, 4), 2.5, 1e-12);
}
END_TEST

START_TEST(mw_exact_known)
{
	double a[5] = { 1, 2, 3, 4, 5 }, b[5] = { 6, 7, 8, 9, 10 }, u;

	ck_assert_double_eq_tol(stats_mann_whitney(a, 3, (double[]){ 4, 5, 6 }, 3, &u), 0.1, 1e-12);
	ck_assert_double_eq_tol(u, 0, 1e-12);
	ck_assert_double_eq_tol(stats_mann_whitney(a, 5, b, 5, NULL), 2.0 / 252, 1e-12);
	/* Symmetric: swapping the samples gives the same two-sided p. */
	ck_assert_double_eq_tol(stats_mann_whitney(b, 5, a, 5, &u), 2.0 / 252, 1e-12);
	ck_assert_double_eq_tol(u, 25, 1e-12);
	ck_assert_double_eq_tol(stats_mann_whitney(a, 3, a, 3, NULL), 1, 1e-12);
	ck_assert_double_eq_tol(stats_mann_whitney(a, 0, b, 5, NULL), 1, 1e-12);
}
END_TEST

/* Brute force: all splits of the pooled doubled midranks. */
static double brute_p(const double *a, int na, const double *b, int nb)
{
	int N = na + nb, r2[32], obs = 0;
	double pool[32], lo = 0, hi = 0, tot = 0;

	for (int i = 0; i < N; i++)
		pool[i] = i < na ? a[i] : b[i - na];
	for (int i = 0; i < N; i++) {
		int less = 0, eq = 0;

		for (int j = 0; j < N; j++) {
			less += pool[j] < pool[i];
			eq += pool[j] == pool[i];
		}
		r2[i] = 2 * less + eq + 1;	/* twice the midrank */
		if (i < na)
			obs += r2[i];
	}
	for (unsigned m = 0; m < (1u << N); m++) {
		int s = 0;

		if (__builtin_popcount(m) != na)
			continue;
		for (int i = 0; i < N; i++)
			if (m & (1u << i))
				s += r2[i];
		tot++;
		lo += s <= obs;
		hi += s >= obs;
	}
	return fmin(1, 2 * fmin(lo / tot, hi / tot));
}

START_TEST(mw_exact_ties)
{
	static const double a1[] = { 1, 2, 2, 3, 3, 3 }, b1[] = { 3, 3, 4, 4, 5, 2, 6 };
	static const double a2[] = { 0.5, 0.5, 0.5, 0.5 }, b2[] = { 0.5, 0.5, 0.6, 0.6, 0.6 };
	static const double a3[] = { 1, 1, 1 }, b3[] = { 1, 1, 1, 1 };

	ck_assert_double_eq_tol(stats_mann_whitney(a1, 6, b1, 7, NULL), brute_p(a1, 6, b1, 7), 1e-12);
	ck_assert_double_eq_tol(stats_mann_whitney(a2, 4, b2, 5, NULL), brute_p(a2, 4, b2, 5), 1e-12);
	/* All tied: no evidence at all. */
	ck_assert_double_eq_tol(stats_mann_whitney(a3, 3, b3, 4, NULL), 1, 1e-12);
	/* a2/b2: the three 0.6 all in b happens in C(6,4)/C(9,4) of the
	 * splits (one-sided 15/126): far from significant. */
	ck_assert(stats_mann_whitney(a2, 4, b2, 5, NULL) > 0.05);
}
END_TEST

START_TEST(mw_normal_approx)
{
	double a[30], b[30], c[25], d[25];

	for (int i = 0; i < 30; i++) {
		a[i] = i;
		b[i] = 30 + i;
	}
	ck_assert_double_eq_tol(stats_mann_whitney(a, 30, b, 30, NULL) / 3.0199e-11, 1, 1e-3);
	/* At N = 50 (still exact) the normal approximation is close. */
	for (int i = 0; i < 25; i++) {
		c[i] = i * 2;
		d[i] = i * 2 + 7;
	}
	double ex = stats_mann_whitney(c, 25, d, 25, NULL);
	double u = 0;

	stats_mann_whitney(c, 25, d, 25, &u);
	double z = (fabs(u - 312.5) - 0.5) / sqrt(625.0 / 12 * 51);

	ck_assert_double_eq_tol(ex, erfc(z / M_SQRT2), 0.01);
}
END_TEST

START_TEST(fisher_known)
{
	ck_assert_double_eq_tol(stats_fisher_drop(1, 4, 3, 4), 17.0 / 70, 1e-9);
	ck_assert_double_eq_tol(stats_fisher_drop(0, 10, 10, 10), 5.412544e-6, 1e-10);
	ck_assert_double_eq_tol(stats_fisher_drop(5, 10, 5, 10), 0.6718591, 1e-6);
	/* An improvement is no drop. */
	ck_assert(stats_fisher_drop(10, 10, 0, 10) > 0.99);
	ck_assert_double_eq_tol(stats_fisher_drop(3, 0, 3, 4), 1, 1e-12);
	ck_assert_double_eq_tol(stats_fisher_drop(5, 4, 3, 4), 1, 1e-12);	/* k > n */
}
END_TEST

static Suite *regress_stats_suite(void)
{
	Suite *s = suite_create("regress_stats");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, wilson_known);
	tcase_add_test(tc, quantiles_type7);
	tcase_add_test(tc, mw_exact_known);
	tcase_add_test(tc, mw_exact_ties);
	tcase_add_test(tc, mw_normal_approx);
	tcase_add_test(tc, fisher_known);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(regress_stats_suite)
