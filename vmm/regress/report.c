// SPDX-License-Identifier: MIT
/*
 * --report DIR: DIR/index.html with the matrix (pass rate, Wilson CI,
 * verdicts), per-cell stage timing tables, one timing distribution plot
 * per stage (report_plot.c), a per-boot stage timeline table with links
 * to failure bundles (relative to DIR) and the marks of --compare. A
 * page script sets <body data-plots="ok N/N"> once every plot loaded
 * (scripts/report-check reads it through headless chromium).
 */
#include "results.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define esc regress_xml_escape	/* HTML needs the same five escapes */

static const char page_head[] =
	"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	"<title>hvmm regress report</title>\n<style>\n"
	"body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;margin:.5em 0 1.5em}\n"
	"td,th{border:1px solid #bbb;padding:2px 6px;text-align:right}td.l,th.l{text-align:left}\n"
	".fail{background:#fdd}.pass{background:#dfd}.slower,.drop{background:#f99;font-weight:bold}\n"
	".faster{background:#9df}img{display:block;margin:.5em 0}\n</style>\n"
	"<script>\nwindow.addEventListener('load', function () {\n"
	"  var im = document.images, ok = 0;\n"
	"  for (var i = 0; i < im.length; i++) if (im[i].complete && im[i].naturalWidth > 0) ok++;\n"
	"  document.body.setAttribute('data-plots', (ok == im.length ? 'ok ' : 'missing ') + ok + '/' + im.length);\n"
	"});\n</script></head>\n<body data-plots=\"loading\">\n";

/* The path of to relative to the directory from; both absolute and
 * canonical (realpath). Malloc'd, NULL on no memory. */
static char *rel_path(const char *from, const char *to)
{
	size_t i = 0, common = 0, len;
	const char *p, *rest;
	char *out = NULL;
	int ups = 0;
	FILE *m;

	while (from[i] && from[i] == to[i])
		if (from[i++] == '/')
			common = i;
	if ((!from[i] && (to[i] == '/' || !to[i])) || (!to[i] && from[i] == '/'))
		common = i;	/* one is a prefix of the other, at a '/' */
	for (p = from + common; *p; p++)
		ups += *p != '/' && (p == from + common || p[-1] == '/');
	for (rest = to + common; *rest == '/'; rest++)
		;
	m = open_memstream(&out, &len);
	if (!m)
		return NULL;
	for (int u = 0; u < ups; u++)
		fputs(u + 1 < ups || *rest ? "../" : "..", m);
	fputs(*rest || ups ? rest : ".", m);
	fclose(m);
	return out;
}

/* href for a bundle directory: relative to the report dir when both
 * resolve, percent-encoded (bundle names are ours, but stay safe). */
static void write_href(FILE *f, const char *dir_abs, const char *bundle)
{
	char b_abs[PATH_MAX], *rel = NULL;

	if (dir_abs && realpath(bundle, b_abs))
		rel = rel_path(dir_abs, b_abs);
	for (const char *p = rel ? rel : bundle; *p; p++) {
		unsigned char c = *p;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("/-._~", c))
			fputc(c, f);
		else
			fprintf(f, "%%%02X", c);
	}
	free(rel);
}

static const char *mark_class(enum regress_mark m)
{
	return m == RM_SLOWER ? "slower" : m == RM_FASTER ? "faster" : m == RM_PASS_DROP ? "drop" : "";
}

static void write_matrix(FILE *f, const struct regress_result *r, const struct regress_comparison *c)
{
	struct regress_tally t;

	fputs("<h2>Matrix</h2>\n<table><tr><th>#</th><th class=\"l\">cell</th><th>boots</th>"
	      "<th>passed</th><th>pass rate</th><th>95% CI (Wilson)</th><th class=\"l\">verdicts</th>"
	      "<th class=\"l\">compare</th></tr>\n", f);
	for (int i = 0; i <= r->ncells; i++) {
		int cell = i < r->ncells ? i : -1;
		enum regress_mark m = cell >= 0 ? regress_comparison_mark(c, cell, -1) : RM_NONE;
		const char *sep = "";

		regress_tally(r, cell, &t);
		fprintf(f, "<tr class=\"%s\"><td>", t.passes == t.boots ? "pass" : "fail");
		if (cell >= 0)
			fprintf(f, "#%d", cell);
		fputs("</td><td class=\"l\">", f);
		esc(f, cell >= 0 ? r->cells[cell].id : "all cells");
		fprintf(f, "</td><td>%d</td><td>%d</td><td>%.1f%%</td><td>[%.1f%%, %.1f%%]</td><td class=\"l\">",
			t.boots, t.passes, t.boots ? 100.0 * t.passes / t.boots : 0.0,
			100 * t.ci_lo, 100 * t.ci_hi);
		for (int v = 0; v < RV__COUNT; v++) {
			if (t.verdicts[v])
				fprintf(f, "%s%s&nbsp;%d", sep, regress_verdict_id(v), t.verdicts[v]);
			if (t.verdicts[v])
				sep = ", ";
		}
		fprintf(f, "</td><td class=\"l %s\">%s</td></tr>\n", mark_class(m), regress_mark_name(m));
	}
	fputs("</table>\n", f);
}

static void write_timings(FILE *f, const struct regress_result *r, const struct regress_comparison *c)
{
	fputs("<h2>Stage times (s since VM start, passing boots, type-7 quantiles)</h2>\n"
	      "<table><tr><th>#</th><th class=\"l\">stage</th><th>n</th><th>min</th><th>median</th>"
	      "<th>p90</th><th>p99</th><th>max</th><th class=\"l\">compare</th></tr>\n", f);
	for (int cell = 0; cell < r->ncells; cell++) {
		for (int s = 0; s < REGRESS_NMAIN_STAGES; s++) {
			enum regress_mark m = regress_comparison_mark(c, cell, s);
			struct stats_summary st;
			double *v;
			int n = regress_stage_values(r, cell, regress_main_stages[s], true, &v);

			if (n <= 0)
				continue;
			stats_summarize(v, n, &st);
			free(v);
			fprintf(f, "<tr><td>#%d</td><td class=\"l\">%s</td><td>%d</td><td>%.3f</td>"
				"<td>%.3f</td><td>%.3f</td><td>%.3f</td><td>%.3f</td>"
				"<td class=\"l %s\">%s</td></tr>\n", cell, regress_main_stages[s], st.n,
				st.min, st.median, st.p90, st.p99, st.max, mark_class(m), regress_mark_name(m));
		}
	}
	fputs("</table>\n", f);
}

static void write_plots(FILE *f, const bool have[REGRESS_NMAIN_STAGES], int err)
{
	fputs("<h2>Timing distributions per stage and cell</h2>\n", f);
	if (err)
		fprintf(f, "<p>No plots: %s.</p>\n",
			err == -ENOENT ? "gnuplot is not installed" : "gnuplot failed (see gnuplot.log)");
	for (int s = 0; s < REGRESS_NMAIN_STAGES; s++)
		if (have[s])
			fprintf(f, "<img src=\"stage-%d.svg\" alt=\"%s\">\n", s, regress_main_stages[s]);
}

static void write_timeline(FILE *f, const struct regress_result *r, const char *dir_abs)
{
	fputs("<h2>Boots: stage timeline (s since VM start)</h2>\n<table><tr><th>index</th>"
	      "<th>#</th><th>run</th><th class=\"l\">verdict</th>", f);
	for (int s = 0; s < REGRESS_NMAIN_STAGES; s++)
		fprintf(f, "<th>%s</th>", regress_main_stages[s]);
	fputs("<th class=\"l\">bundle</th><th class=\"l\">detail</th></tr>\n", f);
	for (int i = 0; i < r->nboots; i++) {
		const struct regress_boot *b = &r->boots[i];

		fprintf(f, "<tr class=\"%s\"><td>%d</td><td>#%d</td><td>%d</td><td class=\"l\">%s</td>",
			b->verdict == RV_PASS ? "pass" : "fail", b->index, b->cell, b->run,
			regress_verdict_id(b->verdict));
		for (int s = 0; s < REGRESS_NMAIN_STAGES; s++) {
			double t;

			if (regress_stage_time(b, regress_main_stages[s], &t))
				fprintf(f, "<td>%.3f</td>", t);
			else
				fputs("<td>-</td>", f);
		}
		fputs("<td class=\"l\">", f);
		if (b->bundle) {
			fputs("<a href=\"", f);
			write_href(f, dir_abs, b->bundle);
			fputs("\">", f);
			esc(f, b->bundle);
			fputs("</a>", f);
		}
		fputs("</td><td class=\"l\">", f);
		esc(f, b->detail);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

int regress_report_write(const struct regress_result *r, const struct regress_comparison *c,
			 const char *dir)
{
	bool have[REGRESS_NMAIN_STAGES];
	char dir_abs[PATH_MAX], *path = NULL;
	int perr, err = 0;
	FILE *f;

	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	perr = regress_report_plots(r, dir, have);
	if (perr == -ENOENT)
		fprintf(stderr, "hvmm regress: warning: gnuplot not found, report without plots\n");
	else if (perr)
		fprintf(stderr, "hvmm regress: warning: plots failed (%s), see %s/gnuplot.log\n",
			strerror(-perr), dir);
	if (asprintf(&path, "%s/index.html", dir) < 0)
		return -ENOMEM;
	f = fopen(path, "w");
	free(path);
	if (!f)
		return -errno;
	fputs(page_head, f);
	fputs("<h1>hvmm regress</h1>\n<p>seed ", f);
	fprintf(f, "%llu, shard %d/%d, started ", r->seed, r->shard_k, r->shard_n);
	esc(f, r->started);
	fputs(" on ", f);
	esc(f, r->host);
	fputs(", hvmm ", f);
	esc(f, r->hvmm);
	fputs("</p>\n", f);
	if (c)
		fprintf(f, "<p>Compared with a baseline: %d cell(s) in both, %d regression(s).</p>\n",
			c->cells_compared, c->nflags);
	write_matrix(f, r, c);
	write_timings(f, r, c);
	write_plots(f, have, perr);
	write_timeline(f, r, realpath(dir, dir_abs) ? dir_abs : NULL);
	fputs("</body></html>\n", f);
	if (ferror(f))
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}
