// SPDX-License-Identifier: MIT
/*
 * --compare BASELINE.json (docs/regress.md section 7): per cell present
 * in both results, per main stage, a Mann-Whitney test on the passing
 * boots' times plus a noise threshold on the median change; per cell a
 * one-sided Fisher test for a drop in the pass rate.
 */
#include "results.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *regress_mark_name(enum regress_mark m)
{
	switch (m) {
	case RM_FASTER: return "faster";
	case RM_SLOWER: return "slower";
	case RM_PASS_DROP: return "pass rate dropped";
	default: return "";
	}
}

static int add_finding(struct regress_comparison *c, const struct regress_finding *f)
{
	struct regress_finding *n = realloc(c->findings, (c->nfindings + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	c->findings = n;
	c->findings[c->nfindings++] = *f;
	if (f->mark != RM_FASTER)
		c->nflags++;
	return 0;
}

static int find_cell(const struct regress_result *r, const char *id)
{
	for (int i = 0; i < r->ncells; i++)
		if (!strcmp(r->cells[i].id, id))
			return i;
	return -1;
}

/* One stage of one cell: 0, or -ENOMEM. */
static int compare_stage(const struct regress_result *base, int bc, const struct regress_result *now,
			 int nc, int s, struct regress_comparison *c)
{
	struct regress_finding f = { .cell = nc, .stage = s };
	double *a = NULL, *b = NULL, delta;
	int na, nb, err = 0;

	na = regress_stage_values(base, bc, regress_main_stages[s], true, &a);
	nb = regress_stage_values(now, nc, regress_main_stages[s], true, &b);
	if (na < 0 || nb < 0) {
		err = -ENOMEM;
		goto out;
	}
	if (!na || !nb)
		goto out;
	f.n_base = na;
	f.n_now = nb;
	f.base = stats_median(a, na);
	f.now = stats_median(b, nb);
	f.p = stats_mann_whitney(b, nb, a, na, NULL);
	delta = f.now - f.base;
	/* Significant AND large enough to matter: small shifts in a very
	 * stable stage are real but not regressions worth a red build. */
	if (f.p < REGRESS_CMP_ALPHA && fabs(delta) >= REGRESS_CMP_ABS &&
	    fabs(delta) >= REGRESS_CMP_REL * fabs(f.base)) {
		f.mark = delta > 0 ? RM_SLOWER : RM_FASTER;
		err = add_finding(c, &f);
	}
out:
	free(a);
	free(b);
	return err;
}

int regress_compare(const struct regress_result *base, const struct regress_result *now,
		    struct regress_comparison *c)
{
	memset(c, 0, sizeof(*c));
	for (int nc = 0; nc < now->ncells; nc++) {
		int bc = find_cell(base, now->cells[nc].id), err;
		struct regress_tally tb, tn;
		struct regress_finding f = { .cell = nc, .stage = -1 };

		if (bc < 0)
			continue;
		c->cells_compared++;
		regress_tally(base, bc, &tb);
		regress_tally(now, nc, &tn);
		if (tb.boots && tn.boots) {
			f.p = stats_fisher_drop(tn.passes, tn.boots, tb.passes, tb.boots);
			f.base = (double)tb.passes / tb.boots;
			f.now = (double)tn.passes / tn.boots;
			f.n_base = tb.boots;
			f.n_now = tn.boots;
			f.mark = RM_PASS_DROP;
			if (f.p < REGRESS_CMP_ALPHA && (err = add_finding(c, &f)))
				goto fail;
		}
		for (int s = 0; s < REGRESS_NMAIN_STAGES; s++)
			if ((err = compare_stage(base, bc, now, nc, s, c)))
				goto fail;
		continue;
fail:
		regress_comparison_free(c);
		return err;
	}
	return 0;
}

void regress_comparison_free(struct regress_comparison *c)
{
	free(c->findings);
	memset(c, 0, sizeof(*c));
}

enum regress_mark regress_comparison_mark(const struct regress_comparison *c, int cell, int stage)
{
	if (!c)
		return RM_NONE;
	for (int i = 0; i < c->nfindings; i++)
		if (c->findings[i].cell == cell && c->findings[i].stage == stage)
			return c->findings[i].mark;
	return RM_NONE;
}

void regress_comparison_print(const struct regress_result *now,
			      const struct regress_comparison *c, FILE *out)
{
	fprintf(out, "\ncompare: %d cell(s) in both results, %d regression(s)\n",
		c->cells_compared, c->nflags);
	for (int i = 0; i < c->nfindings; i++) {
		const struct regress_finding *f = &c->findings[i];
		const char *cell = now->cells[f->cell].id;

		if (f->stage < 0)
			fprintf(out, "  FLAG %s: pass rate %.1f%% (%d boots) -> %.1f%% (%d boots), Fisher p=%.2g\n",
				cell, 100 * f->base, f->n_base, 100 * f->now, f->n_now, f->p);
		else
			fprintf(out, "  %s %s %s: median %.3f s (%d) -> %.3f s (%d), %s, Mann-Whitney p=%.2g\n",
				f->mark == RM_SLOWER ? "FLAG" : "info", cell,
				regress_main_stages[f->stage], f->base, f->n_base, f->now, f->n_now,
				regress_mark_name(f->mark), f->p);
	}
}
