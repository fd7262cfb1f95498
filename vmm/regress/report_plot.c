// SPDX-License-Identifier: MIT
/*
 * The report's plots: one gnuplot data file and script for all stages,
 * one SVG per main stage (the "svg" terminal is built into every gnuplot,
 * gnuplot-nox included, unlike pngcairo). gnuplot runs as a child with a
 * bounded wait, so a wedged plotter cannot hang the run's ending.
 */
#include "results.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int regress_gnuplot_run(const char *dir, const char *script, int timeout_s)
{
	const char *prog = getenv("HVMM_GNUPLOT");
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	long waited_ms = 0;
	int status, fd;
	pid_t pid;

	if (!prog || !*prog)
		prog = "gnuplot";
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		/* Only async-signal-safe calls up to the exec. */
		if (chdir(dir))
			_exit(126);
		fd = open("gnuplot.log", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd >= 0)
			dup2(fd, 2);
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
		}
		execlp(prog, prog, script, (char *)NULL);
		_exit(127);
	}
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return -errno;
		if (waited_ms >= timeout_s * 1000L) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			return -ETIMEDOUT;
		}
		nanosleep(&tick, NULL);
		waited_ms += 20;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return -ENOENT;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

/* A fixed jitter in [-0.2, 0.2] so that equal times stay visible. */
static double jitter(int i)
{
	return ((i * 0.6180339887) - (int)(i * 0.6180339887) - 0.5) * 0.4;
}

/*
 * stages.dat: for stage s, block 3s = passing boots "x t", 3s+1 = failed
 * boots, 3s+2 = per-cell medians of the passing boots. gnuplot does not
 * count a block without data records, so an empty one gets an undefined
 * point ("NaN NaN") to keep the numbering; empty[] records which they are
 * (gnuplot refuses to plot a block with no valid point).
 */
static int write_data(const struct regress_result *r, FILE *f, bool empty[][3])
{
	for (int s = 0; s < REGRESS_NMAIN_STAGES; s++) {
		const char *st = regress_main_stages[s];

		for (int kind = 0; kind < 2; kind++) {
			empty[s][kind] = true;
			fprintf(f, "# %s %s\n", st, kind ? "failed" : "passed");
			for (int i = 0; i < r->nboots; i++) {
				const struct regress_boot *b = &r->boots[i];
				double t;

				if ((b->verdict == RV_PASS) != !kind || !regress_stage_time(b, st, &t))
					continue;
				fprintf(f, "%.4f %.6f\n", b->cell + jitter(i), t);
				empty[s][kind] = false;
			}
			fputs(empty[s][kind] ? "NaN NaN\n\n\n" : "\n\n", f);
		}
		empty[s][2] = true;
		fprintf(f, "# %s medians\n", st);
		for (int c = 0; c < r->ncells; c++) {
			double *v;
			int n = regress_stage_values(r, c, st, true, &v);

			if (n < 0)
				return n;
			if (n > 0)
				fprintf(f, "%d %.6f\n", c, stats_median(v, n));
			empty[s][2] &= n == 0;
			free(v);
		}
		fputs(empty[s][2] ? "NaN NaN\n\n\n" : "\n\n", f);
	}
	return ferror(f) ? -EIO : 0;
}

static void write_script(const struct regress_result *r, FILE *f, bool empty[][3],
			 bool have[REGRESS_NMAIN_STAGES])
{
	static const char *const style[3] = {
		"with points pt 7 ps 0.6 lc rgb '#3070b0' title 'pass'",
		"with points pt 2 ps 0.9 lc rgb '#d03030' title 'fail'",
		"with points pt 5 ps 1.4 lc rgb '#202020' title 'median (pass)'",
	};

	fprintf(f, "set terminal svg size 900,360 dynamic noenhanced font 'sans,11'\n"
		"set ylabel 'seconds since VM start'\nset grid ytics\nset key outside right\n"
		"set xrange [-0.5:%d.5]\nset yrange [0:*]\nset xtics (", r->ncells - 1);
	/* Cells are labelled by number (the HTML maps #n to the cell id):
	 * ids are long and would need gnuplot string quoting. */
	for (int c = 0; c < r->ncells; c++)
		fprintf(f, "%s\"#%d\" %d", c ? ", " : "", c, c);
	fputs(")\n", f);
	for (int s = 0; s < REGRESS_NMAIN_STAGES; s++) {
		const char *sep = "plot ";

		have[s] = !empty[s][0] || !empty[s][1];
		if (!have[s])
			continue;
		fprintf(f, "set output 'stage-%d.svg'\nset title '%s'\n", s, regress_main_stages[s]);
		for (int k = 0; k < 3; k++) {
			if (empty[s][k])
				continue;
			fprintf(f, "%s'stages.dat' index %d using 1:2 %s", sep, 3 * s + k, style[k]);
			sep = ", ";
		}
		fputs("\nunset output\n", f);
	}
}

int regress_report_plots(const struct regress_result *r, const char *dir,
			 bool have[REGRESS_NMAIN_STAGES])
{
	bool empty[REGRESS_NMAIN_STAGES][3];
	char *path = NULL;
	bool any = false;
	FILE *f;
	int err;

	memset(have, 0, REGRESS_NMAIN_STAGES * sizeof(*have));
	if (r->ncells <= 0)
		return 0;
	if (asprintf(&path, "%s/stages.dat", dir) < 0)
		return -ENOMEM;
	f = fopen(path, "w");
	free(path);
	if (!f)
		return -errno;
	err = write_data(r, f, empty);
	if (fclose(f) && !err)
		err = -errno;
	if (err)
		return err;
	if (asprintf(&path, "%s/stages.gp", dir) < 0)
		return -ENOMEM;
	f = fopen(path, "w");
	free(path);
	if (!f)
		return -errno;
	write_script(r, f, empty, have);
	if (fclose(f))
		return -errno;
	for (int s = 0; s < REGRESS_NMAIN_STAGES; s++)
		any |= have[s];
	if (!any)
		return 0;
	err = regress_gnuplot_run(dir, "stages.gp", REGRESS_GNUPLOT_TIMEOUT);
	if (err)
		memset(have, 0, REGRESS_NMAIN_STAGES * sizeof(*have));
	return err;
}
