/* SPDX-License-Identifier: MIT */
/*
 * The results side of hvmm regress, internal interfaces between
 * summary.c (aggregation, terminal table, regress_finish), results.c
 * (JSON), junit.c, report*.c, merge.c and compare.c. regress.h holds the
 * data model and the entry points the runner calls.
 */
#ifndef HVMM_REGRESS_RESULTS_H
#define HVMM_REGRESS_RESULTS_H

#include "regress.h"
#include "stats.h"

#define REGRESS_FORMAT "hvmm-regress/1"

/* The stages the summary, the report and --compare look at, in boot
 * order. "duration" is not an event: it is the boot's wall time. */
#define REGRESS_NMAIN_STAGES 8
extern const char *const regress_main_stages[REGRESS_NMAIN_STAGES];

/*
 * A stage's time in a boot: the exact name, or for an event without a
 * detail (e.g. "vcpu_entry") its "name:0" key; "duration" gives
 * b->duration. False when the boot never reached it.
 */
bool regress_stage_time(const struct regress_boot *b, const char *stage, double *t);

/* Per-cell (or overall) counts. */
struct regress_tally {
	int boots, passes;
	int verdicts[RV__COUNT];
	double ci_lo, ci_hi;	/* Wilson 95% of passes/boots */
};

/* cell = -1: all boots. */
void regress_tally(const struct regress_result *r, int cell, struct regress_tally *t);

/*
 * The times of stage over the boots of cell (-1: all) in a malloc'd array
 * (*out, NULL when none); returns the count or -ENOMEM. Only passing
 * boots when pass_only (failed boots' timings are not comparable).
 */
int regress_stage_values(const struct regress_result *r, int cell, const char *stage,
			 bool pass_only, double **out);

/* --compare (compare.c) */
enum regress_mark { RM_NONE, RM_FASTER, RM_SLOWER, RM_PASS_DROP };

struct regress_finding {
	int cell;		/* index in the new result */
	int stage;		/* index in regress_main_stages; -1 = pass rate */
	enum regress_mark mark;
	double p;		/* Mann-Whitney or Fisher p */
	double base, now;	/* medians (s) or pass rates */
	int n_base, n_now;
};

struct regress_comparison {
	int nfindings;
	struct regress_finding *findings;
	int nflags;		/* slower or pass-rate drops: exit 1 */
	int cells_compared;
};

/* Thresholds (docs/regress.md section 7). */
#define REGRESS_CMP_ALPHA 0.01
#define REGRESS_CMP_REL 0.10	/* median change of at least 10% ... */
#define REGRESS_CMP_ABS 0.050	/* ... and at least 50 ms */

/* 0 or -ENOMEM; cells match by id, only cells in both are compared. */
int regress_compare(const struct regress_result *base, const struct regress_result *now,
		    struct regress_comparison *c);
void regress_comparison_free(struct regress_comparison *c);
/* The mark of (cell, stage) (stage -1: pass rate), RM_NONE if none. */
enum regress_mark regress_comparison_mark(const struct regress_comparison *c, int cell, int stage);
const char *regress_mark_name(enum regress_mark m);
void regress_comparison_print(const struct regress_result *now,
			      const struct regress_comparison *c, FILE *out);

/* summary.c: the terminal table. */
void regress_summary_print(const struct regress_result *r, FILE *out);

/* junit.c: 0 or -errno. */
int regress_junit_write(const struct regress_result *r, const char *path);
/* Writes s XML-escaped (also invalid UTF-8 and control characters). */
void regress_xml_escape(FILE *f, const char *s);

/* report.c: index.html and plots into dir (created); c may be NULL.
 * 0 or -errno; a missing gnuplot only warns (on stderr). */
int regress_report_write(const struct regress_result *r, const struct regress_comparison *c,
			 const char *dir);

/* report_plot.c: runs `gnuplot script` in dir with a bounded wait
 * ($HVMM_GNUPLOT overrides the program). 0 ok, -ENOENT gnuplot missing,
 * -ETIMEDOUT (killed), -EIO it failed (its stderr is in dir/gnuplot.log). */
int regress_gnuplot_run(const char *dir, const char *script, int timeout_s);
#define REGRESS_GNUPLOT_TIMEOUT 60

/* report_plot.c: the timing distribution of each main stage over the
 * cells, as dir/stage-<i>.svg; have[i] tells which exist. 0, or the
 * error of regress_gnuplot_run, or -errno writing the data. */
int regress_report_plots(const struct regress_result *r, const char *dir,
			 bool have[REGRESS_NMAIN_STAGES]);

#endif
