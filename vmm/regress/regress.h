/* SPDX-License-Identifier: MIT */
/*
 * hvmm regress: the data model shared by the runner (cli, matrix, sched,
 * client, diagnose: they produce boots) and the results side (stats,
 * results JSON, JUnit, HTML report, merge, compare: they consume them).
 * docs/regress.md is the user-facing contract; this header is the
 * in-process one. Strings are heap-owned by the struct that holds them and
 * freed by regress_result_free().
 */
#ifndef HVMM_REGRESS_H
#define HVMM_REGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Verdicts, docs/regress.md section 3. The order is the display order. */
enum regress_verdict {
	RV_PASS,
	RV_LOST_VMBUS_SIGNAL,
	RV_LOST_VMBUS_MESSAGE,
	RV_GUEST_PANIC,
	RV_TRIPLE_FAULT,
	RV_VMM_ERROR,
	RV_NO_SERIAL_OUTPUT,
	RV_STUCK_IN_FIRMWARE,
	RV_STUCK_BEFORE_VMBUS,
	RV_SHUTDOWN_IC_NEVER_NEGOTIATED,
	RV_SHUTDOWN_NOT_ACKNOWLEDGED,
	RV_TIMEOUT,
	RV__COUNT
};

/* "pass", "lost_vmbus_signal", ...; NULL for an out-of-range value. */
const char *regress_verdict_id(enum regress_verdict v);
/* The verdict for an id; -1 when unknown. */
int regress_verdict_parse(const char *id);

#define REGRESS_MAX_AXES 8

/* One axis value per axis, in the run's axis order. id is
 * "name=value,name=value" in that order (the cell's stable name). */
struct regress_cell {
	char *id;
	int naxes;
	char *axis[REGRESS_MAX_AXES];   /* axis names */
	char *value[REGRESS_MAX_AXES];  /* this cell's values */
};

/* A stage: the first time (seconds since the VM started, from the events)
 * an event was seen in a boot. Names are the event name, or "ev:detail"
 * for per-vCPU/per-channel events ("vcpu_entry:1", "ic_negotiated:kvp"). */
struct regress_stage {
	char *name;
	double t;
};

struct regress_boot {
	int cell;                 /* index into regress_result.cells */
	int run;                  /* 0..runs-1 within its cell */
	int index;                /* position in the whole unsharded run */
	enum regress_verdict verdict;
	char *detail;             /* one line; "" for a pass */
	double duration;          /* wall seconds, launch to hvmm's exit */
	int nstages;
	struct regress_stage *stages;  /* in order of first appearance */
	char *bundle;             /* failure bundle directory, or NULL */
	char *repro;              /* shell command that reruns this boot alone */
};

struct regress_result {
	char *format;             /* "hvmm-regress/1" */
	unsigned long long seed;
	int shard_k, shard_n;     /* 1-based K of N; 1/1 unsharded */
	char *started;            /* ISO 8601 UTC */
	char *host;
	char *hvmm;               /* hvmm version string */
	int ncells;
	struct regress_cell *cells;
	int nboots;
	struct regress_boot *boots;
};

/* Stages per boot a result may hold (64 vCPUs' entries, channels, ...). */
#define REGRESS_MAX_STAGES 512
/* The longest axis name or value, stage name (docs/regress.md section 4). */
#define REGRESS_MAX_NAME 512
/*
 * The one rule for axis names and values and stage names, checked where a
 * run takes them (matrix.c) and where a result file is read (results.c),
 * so that every result hvmm writes reads back: 1..REGRESS_MAX_NAME
 * printable ASCII characters without blanks, quotes, '=', ',', '<', '>',
 * '&' or backslashes (they would break the cell id and every output
 * format's quoting).
 */
bool regress_name_ok(const char *s);

void regress_result_free(struct regress_result *r);
/* Stage lookup; returns false when the boot never reached it. */
bool regress_boot_stage(const struct regress_boot *b, const char *name, double *t);

/* --- results side (stats.c, results.c, junit.c, report*.c, merge.c, compare.c) --- */

/* results.c: docs/regress.md section 4, through jansson. Return 0 or
 * -errno; on a format error -EINVAL with a message in err. */
int regress_json_write(const struct regress_result *r, const char *path);
int regress_json_read(const char *path, struct regress_result *r, char *err, size_t errlen);

/* What to write at the end of a run or a merge. NULL = not asked for. */
struct regress_outputs {
	const char *json;
	const char *junit;
	const char *report;       /* directory */
	const char *compare;      /* baseline result file */
	bool quiet;               /* no summary table on the terminal */
};

/*
 * Prints the summary table to term, writes the asked-for outputs and runs
 * the comparison. Returns the exit status the command should end with:
 * 0 all boots passed and no regression, 1 a failure or a significant
 * regression, 2 an output could not be written or the baseline is unusable
 * (with a message on stderr).
 */
int regress_finish(const struct regress_result *r, const struct regress_outputs *o, FILE *term);

/* merge.c: `hvmm regress merge A.json B.json ... [--json F] [--junit F]
 * [--report DIR] [--compare BASE]`; argv[0] is "merge". Exit status as
 * regress_finish; 2 for shards that disagree (seed, axes, cells, an index
 * seen twice). */
int regress_merge_main(int argc, char **argv);

/* --- runner side (cli.c) --- */

/* `hvmm regress ...`; argv[0] is "regress". Exit status 0/1/2 as the
 * issue says. */
int regress_main(int argc, char **argv);

#endif
