/* SPDX-License-Identifier: MIT */
/*
 * hvmm regress, the runner side: options (cli.c), the matrix and boot
 * order (matrix.c), the hang classifier (diagnose.c), the control-socket
 * client (client.c), the scheduler (sched.c) and failure bundles
 * (bundle.c). docs/regress.md "Runner" is the user-facing description.
 */
#ifndef HVMM_REGRESS_RUNNER_H
#define HVMM_REGRESS_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "regress.h"

#define REGRESS_MAX_VALUES 32

/* ---- matrix.c ---- */

/* An axis of the matrix: a name from regress_axis_names and its values. */
struct regress_axis {
	const char *name;                       /* static: an entry of the known axes */
	int nvalues;
	char *values[REGRESS_MAX_VALUES];
};

struct regress_matrix {
	int naxes;
	struct regress_axis axes[REGRESS_MAX_AXES];
};

/*
 * Add "AXIS=V1,V2,..." (a --matrix argument or a config line) to m. An
 * axis given twice takes the later values. Values are checked for the
 * axes that have a closed set (firmware, isolation) or a form (cpus: 1..
 * 288, mem: a size). 0 or -EINVAL with a message in err.
 */
int regress_matrix_add(struct regress_matrix *m, const char *spec, char *err, size_t errlen);
void regress_matrix_free(struct regress_matrix *m);

/*
 * The cells of m (cartesian product, first axis slowest), each with id
 * "name=value,..." in axis order. An empty matrix has one cell with no
 * axes and id "default". 0 or -ENOMEM / -E2BIG (over 4096 cells).
 */
int regress_matrix_cells(const struct regress_matrix *m, struct regress_cell **cells, int *ncells);

/* One boot to run: the cell, its run number and its unsharded index. */
struct regress_plan_boot {
	int cell, run, index;
};

/*
 * The whole run's boots: ncells x runs, cell-major, then shuffled by a
 * generator seeded with `seed` (seed 0: no shuffle), so that index i is
 * the i-th boot of the unsharded run; then only those with
 * i mod shard_n == shard_k - 1 are kept. *out is malloc'ed.
 */
int regress_plan(int ncells, int runs, unsigned long long seed, int shard_k, int shard_n,
		 struct regress_plan_boot **out, int *nout);

/* ---- cli.c ---- */

struct regress_opts {
	struct regress_matrix matrix;
	int runs;
	double timeout, shutdown_timeout, stall, serial_timeout;
	char *ready_regex;        /* NULL: the shutdown IC's ready event */
	int jobs;
	bool until_fail, keep_passing, quiet;
	unsigned long long seed;
	int shard_k, shard_n;
	char *out_dir;            /* NULL: a temporary directory, removed at the end */
	char *hvmm;               /* the binary the children run */
	struct regress_outputs outputs;
	int nextra;
	char **extra;             /* hvmm run options after "--" (borrowed) */
};

/* ---- diagnose.c: a pure classifier ---- */

#define DIAG_MAX_CHANNELS 32
#define DIAG_MAX_VPS 64

struct diag_ring {
	char name[32];
	int relid;
	long long unread;
	double unread_since;      /* < 0: null */
	double guest_read_t;      /* < 0: null */
	long long signals;
	bool guest_mask;
};

/* The parts of one status-json snapshot that the rules use. */
struct diag_status {
	double t;
	int nchannels;
	struct diag_ring ch[DIAG_MAX_CHANNELS];
	int nvps;
	struct {
		int vp;
		long long msg_queued;
		double msg_queued_since;  /* < 0: null */
	} vp[DIAG_MAX_VPS];
	unsigned long long exits;  /* all vCPUs */
};

/* Parse a status-json reply (the "ok" line, if any, skipped). 0 or -EINVAL. */
int diag_status_parse(const char *text, struct diag_status *st, char *err, size_t errlen);

struct diag_cfg {
	double timeout, shutdown_timeout, stall, serial_timeout;
	bool uefi;
};

/* What the classifier knows about a boot; fed, never does I/O. */
struct diag {
	struct diag_cfg cfg;
	/* stages: first t per event name or "ev:detail" (owned) */
	int nstages, capstages;
	struct regress_stage *stages;
	char panic_detail[128], fault_detail[128];
	bool panic, fault, exit_ev;
	/* the runner's own observations, seconds since launch */
	bool ready;               /* ready event or --ready regex */
	double shutdown_sent;     /* < 0: not yet */
	bool console_panic;       /* panic text on the serial console */
	bool kernel_output;       /* the kernel printed (for stuck_in_firmware) */
	/* the status history: the latest, and per channel when signals last moved */
	bool have_status;
	struct diag_status last;
	double sig_changed[DIAG_MAX_CHANNELS];  /* status t of the last change */
	long long sig_seen[DIAG_MAX_CHANNELS];
	char sig_name[DIAG_MAX_CHANNELS][32];
	int nsig;
};

void diag_init(struct diag *d, const struct diag_cfg *cfg);
void diag_free(struct diag *d);
/* One event line (JSON). Bad lines are ignored with -EINVAL (not fatal). */
int diag_feed_event(struct diag *d, const char *line);
void diag_feed_status(struct diag *d, const struct diag_status *st);

/* The child's end: exited with `status`, or killed by `sig` (not by us). */
struct diag_exit {
	bool exited;
	int status;               /* exit status, valid if !signaled */
	int sig;                  /* > 0: killed by that signal */
};

/*
 * The verdict at `now` (seconds since launch), or -1 to keep going. ex
 * NULL while the child runs. *detail gets one line (may be empty).
 */
int diag_classify(const struct diag *d, double now, const struct diag_exit *ex,
		  char *detail, size_t detlen);

/* ---- client.c ---- */

/* One bounded request on the control socket: 0 and *reply (malloc'ed) or -errno. */
int regress_ctl(const char *sock, const char *cmd, unsigned int timeout_ms, char **reply);

/* ---- bundle.c ---- */

/* Text rendering of a status snapshot's VMBus/SynIC/ring state. */
int bundle_render_status(const char *status_json, FILE *f);
/* A shell-quoted command line: malloc'ed. */
char *bundle_shell_join(char *const *argv);
/* Write repro.sh into dir (mode 0755). 0 or -errno. */
int bundle_write_repro(const char *dir, const char *cmd);
/* rm -r of a boot directory (bounded depth: files and one level). */
void bundle_remove_dir(const char *dir);
/* mkdir -p. 0 or -errno. */
int bundle_mkdirs(const char *path);

/* ---- sched.c ---- */

/* Run every planned boot; fills r->boots. 0, or 2 on a setup error. */
int regress_sched_run(const struct regress_opts *o, struct regress_result *r,
		      const struct regress_plan_boot *plan, int nplan);

#endif
