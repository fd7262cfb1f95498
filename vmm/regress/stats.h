/* SPDX-License-Identifier: MIT */
/*
 * Statistics for hvmm regress (docs/regress.md section 5): pure functions
 * on plain arrays, no allocation visible to the caller, no global state.
 */
#ifndef HVMM_REGRESS_STATS_H
#define HVMM_REGRESS_STATS_H

#define STATS_Z95 1.959964	/* two-sided 95% normal quantile */

/*
 * Wilson score interval (95%) for k successes out of n trials. n == 0
 * gives [0, 1] (nothing is known); k is clamped to [0, n].
 */
void stats_wilson(int k, int n, double *lo, double *hi);

/*
 * Quantile q in [0, 1] of n >= 1 sorted values by linear interpolation
 * between closest ranks (Hyndman & Fan type 7, the default of R's
 * quantile() and numpy.percentile): h = (n - 1) q,
 * Q = x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h]).
 */
double stats_quantile_sorted(const double *sorted, int n, double q);

struct stats_summary {
	int n;
	double min, median, p90, p99, max;	/* all 0 when n == 0 */
};

/* Sorts x in place (n >= 0) and fills s with the type-7 quantiles. */
void stats_summarize(double *x, int n, struct stats_summary *s);

/* Median of n values (not modified; n >= 1); 0 for n == 0. */
double stats_median(const double *x, int n);

/*
 * Mann-Whitney U test, two-sided p-value for "a and b come from the same
 * distribution". Exact conditional permutation distribution of the rank
 * sum (midranks for ties, so exact also with ties) when na + nb <=
 * STATS_MW_EXACT_MAX, else the normal approximation with tie correction
 * and continuity correction. p = min(1, 2 min(P(U <= u), P(U >= u))).
 * Returns 1 when either sample is empty. *u (optional) gets U of a.
 */
#define STATS_MW_EXACT_MAX 50
double stats_mann_whitney(const double *a, int na, const double *b, int nb, double *u);

/*
 * Fisher's exact test, one-sided, for "the new pass rate is lower than
 * the baseline's": k_new of n_new against k_base of n_base. With the
 * margins fixed, the new sample's passes are hypergeometric; p =
 * P(X <= k_new). Returns 1 for empty samples.
 */
double stats_fisher_drop(int k_new, int n_new, int k_base, int n_base);

#endif
