// SPDX-License-Identifier: MIT
/*
 * Aggregation over a regress result (pass counts, Wilson intervals, stage
 * timings), the terminal summary table, and regress_finish(): the one
 * place where a run or a merge ends (docs/regress.md sections 5-7).
 */
#include "results.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const regress_main_stages[REGRESS_NMAIN_STAGES] = {
	"vcpu_entry", "serial", "vmbus_contact", "ic_negotiated:shutdown",
	"ready", "shutdown_request", "exit", "duration",
};

bool regress_stage_time(const struct regress_boot *b, const char *stage, double *t)
{
	char alt[96];

	if (!strcmp(stage, "duration")) {
		*t = b->duration;
		return true;
	}
	if (regress_boot_stage(b, stage, t))
		return true;
	/* Per-vCPU events may be keyed "vcpu_entry:0" for the first vCPU. */
	if (!strchr(stage, ':') && snprintf(alt, sizeof(alt), "%s:0", stage) < (int)sizeof(alt))
		return regress_boot_stage(b, alt, t);
	return false;
}

void regress_tally(const struct regress_result *r, int cell, struct regress_tally *t)
{
	memset(t, 0, sizeof(*t));
	for (int i = 0; i < r->nboots; i++) {
		const struct regress_boot *b = &r->boots[i];

		if (cell >= 0 && b->cell != cell)
			continue;
		t->boots++;
		if ((unsigned)b->verdict < RV__COUNT)
			t->verdicts[b->verdict]++;
		if (b->verdict == RV_PASS)
			t->passes++;
	}
	stats_wilson(t->passes, t->boots, &t->ci_lo, &t->ci_hi);
}

int regress_stage_values(const struct regress_result *r, int cell, const char *stage,
			 bool pass_only, double **out)
{
	double *v = NULL, t;
	int n = 0;

	*out = NULL;
	for (int i = 0; i < r->nboots; i++) {
		const struct regress_boot *b = &r->boots[i];

		if ((cell >= 0 && b->cell != cell) || (pass_only && b->verdict != RV_PASS))
			continue;
		if (!regress_stage_time(b, stage, &t))
			continue;
		if (!v) {
			v = malloc(r->nboots * sizeof(*v));
			if (!v)
				return -ENOMEM;
		}
		v[n++] = t;
	}
	*out = v;
	return n;
}

static void print_verdicts(const struct regress_tally *t, FILE *out)
{
	const char *sep = "";

	for (int v = 0; v < RV__COUNT; v++) {
		if (!t->verdicts[v])
			continue;
		fprintf(out, "%s%s %d", sep, regress_verdict_id(v), t->verdicts[v]);
		sep = ", ";
	}
	fputc('\n', out);
}

static void print_tally_row(const char *name, const struct regress_tally *t, FILE *out)
{
	fprintf(out, "%-44s %6d %6d %6.1f%%  [%5.1f%%, %5.1f%%]  ", name, t->boots, t->passes,
		t->boots ? 100.0 * t->passes / t->boots : 0.0, 100 * t->ci_lo, 100 * t->ci_hi);
	print_verdicts(t, out);
}

static void print_stage_rows(const struct regress_result *r, int cell, FILE *out)
{
	for (int s = 0; s < REGRESS_NMAIN_STAGES; s++) {
		struct stats_summary st;
		double *v;
		int n = regress_stage_values(r, cell, regress_main_stages[s], true, &v);

		if (n <= 0)
			continue;
		stats_summarize(v, n, &st);
		free(v);
		fprintf(out, "  %-24s %6d %9.3f %9.3f %9.3f %9.3f %9.3f\n", regress_main_stages[s],
			st.n, st.min, st.median, st.p90, st.p99, st.max);
	}
}

void regress_summary_print(const struct regress_result *r, FILE *out)
{
	struct regress_tally t;

	fprintf(out, "%-44s %6s %6s %7s  %-17s  %s\n", "cell", "boots", "pass", "rate",
		"95% CI (Wilson)", "verdicts");
	for (int c = 0; c < r->ncells; c++) {
		regress_tally(r, c, &t);
		print_tally_row(r->cells[c].id, &t, out);
	}
	regress_tally(r, -1, &t);
	print_tally_row("all", &t, out);

	fprintf(out, "\nstage times in s since VM start, passing boots (type-7 quantiles)\n");
	fprintf(out, "  %-24s %6s %9s %9s %9s %9s %9s\n", "stage", "n", "min", "median", "p90",
		"p99", "max");
	for (int c = 0; c < r->ncells; c++) {
		fprintf(out, "%s\n", r->cells[c].id);
		print_stage_rows(r, c, out);
	}
}

/* Reads and compares against the baseline; 0, 1 (flags) or 2. */
static int finish_compare(const struct regress_result *r, const char *path,
			  struct regress_comparison *c, FILE *term)
{
	struct regress_result base = { 0 };
	char err[256] = "";
	int ret = regress_json_read(path, &base, err, sizeof(err));

	if (ret) {
		fprintf(stderr, "hvmm regress: baseline %s: %s\n", path, err[0] ? err : strerror(-ret));
		return 2;
	}
	ret = regress_compare(&base, r, c);
	regress_result_free(&base);
	if (ret) {
		fprintf(stderr, "hvmm regress: compare: %s\n", strerror(-ret));
		return 2;
	}
	regress_comparison_print(r, c, term);
	return c->nflags ? 1 : 0;
}

static int output_error(const char *what, const char *path, int err)
{
	fprintf(stderr, "hvmm regress: cannot write %s %s: %s\n", what, path, strerror(-err));
	return 2;
}

int regress_finish(const struct regress_result *r, const struct regress_outputs *o, FILE *term)
{
	struct regress_comparison cmp = { 0 };
	struct regress_tally all;
	int status, cst = 0, err;
	bool have_cmp = false;

	regress_tally(r, -1, &all);
	status = all.passes == all.boots ? 0 : 1;
	if (!o->quiet)
		regress_summary_print(r, term);
	if (o->json && (err = regress_json_write(r, o->json)))
		return output_error("result file", o->json, err);
	if (o->compare) {
		cst = finish_compare(r, o->compare, &cmp, term);
		if (cst == 2)
			return 2;
		have_cmp = true;
	}
	if (o->junit && (err = regress_junit_write(r, o->junit))) {
		regress_comparison_free(&cmp);
		return output_error("JUnit file", o->junit, err);
	}
	if (o->report && (err = regress_report_write(r, have_cmp ? &cmp : NULL, o->report))) {
		regress_comparison_free(&cmp);
		return output_error("report in", o->report, err);
	}
	regress_comparison_free(&cmp);
	return status || cst ? 1 : 0;
}
