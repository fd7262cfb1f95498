// SPDX-License-Identifier: MIT
/*
 * Statistics for hvmm regress: Wilson interval, type-7 quantiles,
 * Mann-Whitney U (exact with ties by dynamic programming over doubled
 * midranks, else normal) and a one-sided Fisher exact test. Definitions
 * in docs/regress.md section 5 and stats.h.
 */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void stats_wilson(int k, int n, double *lo, double *hi)
{
	const double z = STATS_Z95, z2 = z * z;
	double p, denom, centre, half;

	if (n <= 0) {
		*lo = 0;
		*hi = 1;
		return;
	}
	if (k < 0)
		k = 0;
	if (k > n)
		k = n;
	/* Wilson (1927); e.g. Brown, Cai & DasGupta, Stat. Sci. 16 (2001) eq. 4. */
	p = (double)k / n;
	denom = 1 + z2 / n;
	centre = (p + z2 / (2.0 * n)) / denom;
	half = z / denom * sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
	*lo = k == 0 ? 0 : fmax(0, centre - half);
	*hi = k == n ? 1 : fmin(1, centre + half);
}

double stats_quantile_sorted(const double *s, int n, double q)
{
	double h, f;
	int i;

	if (n <= 0)
		return 0;
	if (q <= 0)
		return s[0];
	if (q >= 1)
		return s[n - 1];
	h = (n - 1) * q;
	i = (int)floor(h);
	f = h - i;
	if (i + 1 >= n)
		return s[n - 1];
	return s[i] + f * (s[i + 1] - s[i]);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void stats_summarize(double *x, int n, struct stats_summary *s)
{
	memset(s, 0, sizeof(*s));
	if (n <= 0)
		return;
	qsort(x, n, sizeof(*x), cmp_double);
	s->n = n;
	s->min = x[0];
	s->max = x[n - 1];
	s->median = stats_quantile_sorted(x, n, 0.5);
	s->p90 = stats_quantile_sorted(x, n, 0.9);
	s->p99 = stats_quantile_sorted(x, n, 0.99);
}

double stats_median(const double *x, int n)
{
	double *c, m;

	if (n <= 0)
		return 0;
	c = malloc(n * sizeof(*c));
	if (!c)
		return x[0];	/* cannot happen in practice; stay defined */
	memcpy(c, x, n * sizeof(*c));
	qsort(c, n, sizeof(*c), cmp_double);
	m = stats_quantile_sorted(c, n, 0.5);
	free(c);
	return m;
}

struct mw_item {
	double v;
	int from_a;
};

static int cmp_item(const void *a, const void *b)
{
	return cmp_double(&((const struct mw_item *)a)->v, &((const struct mw_item *)b)->v);
}

/*
 * Exact P(R2 <= r2) and P(R2 >= r2), R2 = twice the rank sum of a random
 * na-subset of the N pooled doubled midranks r2s[]. cnt[j][s] counts the
 * j-subsets of the items seen so far with doubled sum s (doubles: C(50,25)
 * ~ 1.3e14 is exact below 2^53).
 */
static int mw_exact(const int *r2s, int N, int na, int r2, double *p_lo, double *p_hi)
{
	int smax = N * (N + 1);	/* doubled sum of all ranks */
	double *cnt = calloc((size_t)(na + 1) * (smax + 1), sizeof(*cnt));
	double total = 0, lo = 0, hi = 0;

	if (!cnt)
		return -1;
#define CNT(j, s) cnt[(size_t)(j) * (smax + 1) + (s)]
	CNT(0, 0) = 1;
	for (int i = 0; i < N; i++)
		for (int j = (i + 1 < na ? i + 1 : na); j >= 1; j--)
			for (int s = smax; s >= r2s[i]; s--)
				CNT(j, s) += CNT(j - 1, s - r2s[i]);
	for (int s = 0; s <= smax; s++) {
		double c = CNT(na, s);

		total += c;
		if (s <= r2)
			lo += c;
		if (s >= r2)
			hi += c;
	}
#undef CNT
	free(cnt);
	*p_lo = lo / total;
	*p_hi = hi / total;
	return 0;
}

double stats_mann_whitney(const double *a, int na, const double *b, int nb, double *u_out)
{
	int N = na + nb, r2 = 0;
	struct mw_item *it;
	int *r2s;
	double tie = 0, u, mu, sigma2, p = 1;

	if (u_out)
		*u_out = 0;
	if (na <= 0 || nb <= 0)
		return 1;
	it = malloc(N * sizeof(*it));
	r2s = malloc(N * sizeof(*r2s));
	if (!it || !r2s)
		goto out;
	for (int i = 0; i < N; i++) {
		it[i].v = i < na ? a[i] : b[i - na];
		it[i].from_a = i < na;
	}
	qsort(it, N, sizeof(*it), cmp_item);
	/* Doubled midranks: a tie group at ranks i+1..j gets i+1+j. */
	for (int i = 0, j; i < N; i = j) {
		for (j = i + 1; j < N && it[j].v == it[i].v; j++)
			;
		double t = j - i;

		tie += t * t * t - t;
		for (int k = i; k < j; k++) {
			r2s[k] = i + 1 + j;
			if (it[k].from_a)
				r2 += r2s[k];
		}
	}
	u = r2 / 2.0 - na * (na + 1) / 2.0;
	if (u_out)
		*u_out = u;
	if (N <= STATS_MW_EXACT_MAX) {
		double plo, phi;

		if (mw_exact(r2s, N, na, r2, &plo, &phi) == 0) {
			p = fmin(1, 2 * fmin(plo, phi));
			goto out;
		}
	}
	/* Normal approximation, tie-corrected variance (e.g. Lehmann,
	 * Nonparametrics (1975) eq. 1.65), continuity correction 0.5. */
	mu = na * (double)nb / 2;
	sigma2 = na * (double)nb / 12 * ((N + 1) - tie / ((double)N * (N - 1)));
	if (sigma2 <= 0) {
		p = 1;	/* every value tied */
	} else {
		double d = fabs(u - mu) - 0.5;

		p = d <= 0 ? 1 : fmin(1, erfc(d / sqrt(sigma2) / M_SQRT2));
	}
out:
	free(it);
	free(r2s);
	return p;
}

static double log_choose(int n, int k)
{
	return lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0);
}

double stats_fisher_drop(int k_new, int n_new, int k_base, int n_base)
{
	int N = n_new + n_base, K = k_new + k_base, lo;
	double denom, p = 0;

	if (n_new <= 0 || n_base <= 0 || k_new < 0 || k_base < 0 ||
	    k_new > n_new || k_base > n_base)
		return 1;
	/* X = passes in the new sample ~ Hypergeometric(N, K, n_new). */
	denom = log_choose(N, n_new);
	lo = K - n_base > 0 ? K - n_base : 0;
	for (int x = lo; x <= k_new; x++)
		p += exp(log_choose(K, x) + log_choose(N - K, n_new - x) - denom);
	return fmin(1, p);
}
