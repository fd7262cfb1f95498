// SPDX-License-Identifier: MIT
/*
 * --report DIR (vmm/regress/report.c, report_plot.c): the page has the
 * matrix, the timings, the timeline with relative bundle links and the
 * --compare marks; with gnuplot one SVG per stage; without gnuplot (or
 * with a wedged one) a report without plots, not a failure.
 */
#include <errno.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "regress_fixture.h"
#include "unit.h"

static char *slurp(const char *path)
{
	char *buf = NULL;
	size_t cap = 0;
	FILE *f = fopen(path, "r");

	ck_assert_msg(f != NULL, "%s missing", path);
	ck_assert_int_ge(getdelim(&buf, &cap, '\0', f), 0);
	fclose(f);
	return buf;
}

static void make_result(struct regress_result *r, const char *bundle)
{
	fx_init(r, 2, 6);
	fx_boot(r, 0, 0, 0, RV_PASS, 10);
	fx_boot(r, 0, 1, 1, RV_PASS, 11);
	fx_boot(r, 1, 0, 2, RV_PASS, 12);
	fx_boot(r, 1, 1, 3, RV_SHUTDOWN_NOT_ACKNOWLEDGED, 40);
	free(r->boots[3].bundle);
	r->boots[3].bundle = fx_strdup(bundle);
	free(r->boots[3].detail);
	r->boots[3].detail = fx_strdup("<script>alert(1)</script>");
}

START_TEST(report_full)
{
	char *dir = fx_tmp("report"), *bdir = fx_tmp("bundles"), *bundle = fx_tmp("bundles/b 1&x");
	char *html, *path;
	struct regress_result r;
	struct regress_comparison c = { 0 };
	struct regress_finding f = { .cell = 1, .stage = 6, .mark = RM_SLOWER };

	ck_assert_int_eq(mkdir(bdir, 0755), 0);
	ck_assert_int_eq(mkdir(bundle, 0755), 0);
	make_result(&r, bundle);
	c.findings = &f;
	c.nfindings = c.nflags = 1;
	c.cells_compared = 2;
	ck_assert_int_eq(regress_report_write(&r, &c, dir), 0);
	ck_assert_int_ge(asprintf(&path, "%s/index.html", dir), 0);
	html = slurp(path);
	ck_assert_ptr_nonnull(strstr(html, "<td class=\"l\">cpus=2</td><td>2</td><td>1</td><td>50.0%</td>"));
	ck_assert_ptr_nonnull(strstr(html, "<td class=\"l slower\">slower</td>"));
	ck_assert_ptr_nonnull(strstr(html, "<a href=\"../bundles/b%201%26x\">"));
	ck_assert_ptr_nonnull(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	ck_assert_ptr_null(strstr(html, "<script>alert"));
	ck_assert_ptr_nonnull(strstr(html, "shutdown_not_acknowledged"));
	if (access("/usr/bin/gnuplot", X_OK) == 0) {
		free(path);
		ck_assert_int_ge(asprintf(&path, "%s/stage-6.svg", dir), 0);
		ck_assert_int_eq(access(path, R_OK), 0);
		ck_assert_ptr_nonnull(strstr(html, "<img src=\"stage-6.svg\" alt=\"exit\">"));
	}
	free(html);
	free(path);
	regress_result_free(&r);
	free(dir);
	free(bdir);
	free(bundle);
}
END_TEST

START_TEST(report_without_gnuplot)
{
	char *dir = fx_tmp("report"), *html, *path;
	struct regress_result r;

	make_result(&r, "relative/bundle");
	setenv("HVMM_GNUPLOT", "/nonexistent/gnuplot", 1);
	ck_assert_int_eq(regress_report_write(&r, NULL, dir), 0);
	ck_assert_int_ge(asprintf(&path, "%s/index.html", dir), 0);
	html = slurp(path);
	ck_assert_ptr_nonnull(strstr(html, "gnuplot is not installed"));
	ck_assert_ptr_null(strstr(html, "<img"));
	/* A bundle that does not resolve is linked as given. */
	ck_assert_ptr_nonnull(strstr(html, "<a href=\"relative/bundle\">"));
	free(html);
	free(path);
	regress_result_free(&r);
	free(dir);
}
END_TEST

START_TEST(gnuplot_bounded_wait)
{
	char *dir = fx_tmp("d"), *prog = fx_tmp("slowplot");
	time_t t0;

	ck_assert_int_eq(mkdir(dir, 0755), 0);
	fx_write(prog, "#!/bin/sh\nexec sleep 30\n");
	ck_assert_int_eq(chmod(prog, 0755), 0);
	setenv("HVMM_GNUPLOT", prog, 1);
	t0 = time(NULL);
	ck_assert_int_eq(regress_gnuplot_run(dir, "x.gp", 1), -ETIMEDOUT);
	ck_assert_int_le(time(NULL) - t0, 5);
	fx_write(prog, "#!/bin/sh\nexit 3\n");
	ck_assert_int_eq(regress_gnuplot_run(dir, "x.gp", 5), -EIO);
	free(dir);
	free(prog);
}
END_TEST

START_TEST(report_unwritable)
{
	struct regress_result r;

	make_result(&r, "b");
	ck_assert_int_lt(regress_report_write(&r, NULL, "/nonexistent/dir/report"), 0);
	regress_result_free(&r);
}
END_TEST

static Suite *regress_report_suite(void)
{
	Suite *s = suite_create("regress_report");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, report_full);
	tcase_add_test(tc, report_without_gnuplot);
	tcase_add_test(tc, gnuplot_bounded_wait);
	tcase_add_test(tc, report_unwritable);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(regress_report_suite)
