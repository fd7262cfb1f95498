// SPDX-License-Identifier: MIT
/*
 * hvmm regress end to end without KVM: the scheduler (vmm/regress/sched.c)
 * runs tests/unit/fake-hvmm.py as its "hvmm run", which plays each
 * verdict's story (events, status-json, regs, shutdown) by its --cpus.
 * Checks the verdicts, bundles, the result file, and that a run leaves
 * no child, no zombie and no file descriptor behind.
 */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <signal.h>
#include <stdint.h>

#include "regress/runner.h"
#include "unit.h"
#include "util.h"

static char fake[PATH_MAX], dir[PATH_MAX];

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void setup(void)
{
	char src[] = __FILE__;

	snprintf(fake, sizeof(fake), "%s/fake-hvmm.py", dirname(src));
	ck_assert_msg(!access(fake, X_OK), "%s: %s", fake, strerror(errno));
	snprintf(dir, sizeof(dir), "/tmp/hvmm-test-sched-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/*
 * PATH (under dir), the fake's control commands: polls without a pause,
 * then one full status-json and regs (the snapshot), then nothing that
 * pauses.
 */
static bool ctl_log_is(const char *path)
{
	char p[PATH_MAX + 64], line[128];
	unsigned int polls = 0, full = 0, regs = 0;
	bool ok = true;
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, path);
	f = fopen(p, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (!strcmp(line, "status-json --no-pause\n"))
			polls++;
		else if (!strcmp(line, "status-json\n"))
			ok = ok && !full++ && polls > 0;
		else if (!strcmp(line, "regs\n"))
			ok = ok && full == 1 && !regs++;
		else if (strcmp(line, "shutdown\n"))
			ok = false;
	}
	fclose(f);
	return ok && polls > 0 && full == 1 && regs == 1;
}

/* Run `hvmm regress ARGS... --hvmm fake --out DIR/b --json DIR/r.json -q`. */
static int run(const char *const *args)
{
	char *argv[64], out[PATH_MAX + 8], json[PATH_MAX + 8];
	int n = 0;

	snprintf(out, sizeof(out), "%s/b", dir);
	snprintf(json, sizeof(json), "%s/r.json", dir);
	argv[n++] = "regress";
	argv[n++] = "--hvmm";
	argv[n++] = fake;
	argv[n++] = "--out";
	argv[n++] = out;
	argv[n++] = "--json";
	argv[n++] = json;
	argv[n++] = "-q";
	for (int i = 0; args[i]; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	return regress_main(n, argv);
}

static const struct regress_boot *boot_of(const struct regress_result *r, const char *cell)
{
	for (int i = 0; i < r->nboots; i++)
		if (!strcmp(r->cells[r->boots[i].cell].id, cell))
			return &r->boots[i];
	ck_abort_msg("no boot for %s", cell);
	return NULL;
}

static bool exists(const char *rel)
{
	char p[PATH_MAX * 2];

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	return !access(p, F_OK);
}

START_TEST(every_story_gets_its_verdict)
{
	static const char *const args[] = {
		"--matrix", "cpus=1,3,4,5,6,7,8", "--jobs", "7", "--stall", "1",
		"--shutdown-timeout", "1", "--timeout", "8", "--seed", "3", "--", "--kernel", "k",
		NULL,
	};
	struct regress_result r = { 0 };
	char json[PATH_MAX + 8], err[256];
	int fds = count_fds();
	double t;

	ck_assert_int_eq(run(args), 1);
	ck_assert_int_eq(count_fds(), fds);
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1); /* no child, no zombie */
	ck_assert_int_eq(errno, ECHILD);

	snprintf(json, sizeof(json), "%s/r.json", dir);
	ck_assert_msg(!regress_json_read(json, &r, err, sizeof(err)), "%s", err);
	ck_assert_int_eq(r.nboots, 7);
	ck_assert_int_eq(boot_of(&r, "cpus=1")->verdict, RV_PASS);
	ck_assert_int_eq(boot_of(&r, "cpus=3")->verdict, RV_LOST_VMBUS_SIGNAL);
	ck_assert_msg(!strncmp(boot_of(&r, "cpus=3")->detail, "shutdown: 120 bytes unread", 26),
		      "%s", boot_of(&r, "cpus=3")->detail);
	ck_assert_int_eq(boot_of(&r, "cpus=4")->verdict, RV_LOST_VMBUS_MESSAGE);
	ck_assert_int_eq(boot_of(&r, "cpus=5")->verdict, RV_GUEST_PANIC);
	ck_assert_int_eq(boot_of(&r, "cpus=6")->verdict, RV_VMM_ERROR);
	ck_assert_int_eq(boot_of(&r, "cpus=7")->verdict, RV_SHUTDOWN_NOT_ACKNOWLEDGED);
	ck_assert_int_eq(boot_of(&r, "cpus=8")->verdict, RV_STUCK_BEFORE_VMBUS);
	ck_assert(regress_boot_stage(boot_of(&r, "cpus=1"), "ic_negotiated:shutdown", &t));
	ck_assert(regress_boot_stage(boot_of(&r, "cpus=1"), "exit", &t));
	ck_assert(regress_boot_stage(boot_of(&r, "cpus=3"), "vmbus_open:shutdown", &t));
	/* A pass leaves nothing; a failure its bundle. */
	ck_assert_ptr_null(boot_of(&r, "cpus=1")->bundle);
	ck_assert(!exists("b/cpus=1"));
	ck_assert(exists("b/cpus=3/0/repro.sh") && exists("b/cpus=3/0/regs.txt") &&
		  exists("b/cpus=3/0/status.txt") && exists("b/cpus=3/0/status.json") &&
		  exists("b/cpus=3/0/events.jsonl") && exists("b/cpus=3/0/serial.log") &&
		  exists("b/cpus=3/0/hvmm.err"));
	ck_assert_msg(strstr(boot_of(&r, "cpus=3")->repro, "run --cpus 3 --kernel k --timeout"),
		      "%s", boot_of(&r, "cpus=3")->repro);
	/* The runner's plumbing stays out of the repro. */
	ck_assert(!strstr(boot_of(&r, "cpus=3")->repro, "--events"));
	/*
	 * Watching leaves the vCPUs running (--no-pause, once a second); only
	 * the failure's snapshot pauses them, once, before `regs`.
	 */
	ck_assert(ctl_log_is("b/cpus=3/0/ctl.log"));
	regress_result_free(&r);
}
END_TEST

/*
 * An hvmm that ignores SIGTERM gets the whole grace (2 s) before the
 * SIGKILL, counted from the SIGTERM, not from before the failure
 * snapshot (which takes seconds when hvmm is slow to answer): else the
 * bundle's events lose their end.
 */
START_TEST(sigkill_comes_a_full_grace_after_sigterm)
{
	static const char *const args[] = {
		"--matrix", "cpus=9", "--stall", "1", "--timeout", "20", "--", NULL,
	};
	struct regress_result r = { 0 };
	char path[PATH_MAX + 32], err[256], line[256];
	double t_term = -1;
	FILE *f;

	ck_assert_int_eq(run(args), 1);
	snprintf(path, sizeof(path), "%s/r.json", dir);
	ck_assert_msg(!regress_json_read(path, &r, err, sizeof(err)), "%s", err);
	ck_assert_int_eq(r.boots[0].verdict, RV_LOST_VMBUS_SIGNAL);
	snprintf(path, sizeof(path), "%s/b/cpus=9/0/events.jsonl", dir);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "\"sigterm\""))
			ck_assert_int_eq(sscanf(line, "{\"t\": %lf", &t_term), 1);
	fclose(f);
	ck_assert_msg(t_term >= 0, "the fake never got SIGTERM");
	/* The fake's clock starts after the runner's launch: duration is the later. */
	ck_assert_msg(r.boots[0].duration - t_term >= 1.9, "SIGKILL %.2f s after SIGTERM",
		      r.boots[0].duration - t_term);
	regress_result_free(&r);
}
END_TEST

/* The boots' order, "cell/run" per index, of the last run's result. */
static void boot_order(char *out, size_t len)
{
	struct regress_result r = { 0 };
	char json[PATH_MAX + 8], err[256];
	size_t off = 0;

	snprintf(json, sizeof(json), "%s/r.json", dir);
	ck_assert_msg(!regress_json_read(json, &r, err, sizeof(err)), "%s", err);
	out[0] = 0;
	for (int i = 0; i < r.nboots; i++)
		for (int j = 0; j < r.nboots; j++)
			if (r.boots[j].index == i)
				off += (size_t)snprintf(out + off, len - off, "%d/%d ",
							r.boots[j].cell, r.boots[j].run);
	regress_result_free(&r);
}

/* --seed is decimal: "010" is the seed 10 (strtoull base 0 read it as 8). */
START_TEST(seed_is_decimal)
{
	static const char *const ten[] = {
		"--matrix", "cpus=1,2", "--runs", "3", "--jobs", "6", "--seed", "10", "--", NULL,
	};
	static const char *const oh_ten[] = {
		"--matrix", "cpus=1,2", "--runs", "3", "--jobs", "6", "--seed", "010", "--", NULL,
	};
	static const char *const eight[] = {
		"--matrix", "cpus=1,2", "--runs", "3", "--jobs", "6", "--seed", "8", "--", NULL,
	};
	char a[256], b[256], c[256];

	ck_assert_int_eq(run(ten), 0);
	boot_order(a, sizeof(a));
	ck_assert_int_eq(run(oh_ten), 0);
	boot_order(b, sizeof(b));
	ck_assert_int_eq(run(eight), 0);
	boot_order(c, sizeof(c));
	ck_assert_str_eq(a, b);
	ck_assert_str_ne(a, c); /* else the check above proves nothing */
}
END_TEST

/* A caller that ignores SIGCHLD (inherited by exec) must not make the
 * runner lose its children's statuses and spin until killed. */
START_TEST(an_ignored_sigchld_is_not_inherited_by_the_run)
{
	static const char *const args[] = { "--matrix", "cpus=1", "--timeout", "8", "--", NULL };
	struct regress_result r = { 0 };
	char json[PATH_MAX + 8], err[256];

	signal(SIGCHLD, SIG_IGN);
	ck_assert_int_eq(run(args), 0);
	ck_assert_ptr_eq(signal(SIGCHLD, SIG_DFL), SIG_IGN); /* restored for the caller */
	snprintf(json, sizeof(json), "%s/r.json", dir);
	ck_assert_msg(!regress_json_read(json, &r, err, sizeof(err)), "%s", err);
	ck_assert_int_eq(r.boots[0].verdict, RV_PASS);
	regress_result_free(&r);
}
END_TEST

static bool pid_gone(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	bool gone;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	gone = !fgets(buf, sizeof(buf), f) || !(p = strrchr(buf, ')')) || p[2] == 'Z';
	fclose(f);
	return gone;
}

/* A runner killed outright (SIGKILL, OOM) takes its boots with it. */
START_TEST(a_killed_runner_leaves_no_vm_running)
{
	static const char *const args[] = {
		"--matrix", "cpus=3", "--stall", "100", "--timeout", "30", "--", NULL,
	};
	char ev[PATH_MAX + 32], line[256];
	pid_t runner, vm = 0;
	FILE *f;
	int i;

	runner = fork();
	ck_assert_int_ge(runner, 0);
	if (!runner)
		_exit(run(args));
	snprintf(ev, sizeof(ev), "%s/b/cpus=3/0/events.jsonl", dir);
	for (i = 0; i < 100 && !vm; i++) {
		usleep(100000);
		f = fopen(ev, "r");
		if (f) {
			if (fgets(line, sizeof(line), f) && strstr(line, "\"pid\": "))
				vm = atoi(strstr(line, "\"pid\": ") + 7);
			fclose(f);
		}
	}
	ck_assert_msg(vm > 0, "the fake hvmm never started");
	ck_assert(!pid_gone(vm));
	kill(runner, SIGKILL);
	ck_assert_int_eq(waitpid(runner, NULL, 0), runner);
	for (i = 0; i < 50 && !pid_gone(vm); i++)
		usleep(100000);
	if (!pid_gone(vm))
		kill(vm, SIGKILL);
	ck_assert_msg(i < 50, "the VM (pid %d) outlived its runner", (int)vm);
}
END_TEST

START_TEST(until_fail_and_shards_limit_the_boots)
{
	static const char *const args[] = {
		"--matrix", "cpus=1,6", "--runs", "3", "--jobs", "1", "--seed", "0",
		"--until-fail", "--", NULL,
	};
	static const char *const shard[] = {
		"--matrix", "cpus=1,2", "--runs", "2", "--jobs", "2", "--shard", "2/3", "--", NULL,
	};
	struct regress_result r = { 0 };
	char json[PATH_MAX + 8], err[256];

	snprintf(json, sizeof(json), "%s/r.json", dir);
	/* Seed 0: cpus=1 x3 pass, then the first cpus=6 fails and nothing follows. */
	ck_assert_int_eq(run(args), 1);
	ck_assert(!regress_json_read(json, &r, err, sizeof(err)));
	ck_assert_int_eq(r.nboots, 4);
	regress_result_free(&r);
	/* 4 boots, shard 2/3: indices 1 only... and 4 does not exist: one boot. */
	ck_assert_int_eq(run(shard), 0);
	ck_assert(!regress_json_read(json, &r, err, sizeof(err)));
	ck_assert_int_eq(r.nboots, 1);
	ck_assert_int_eq(r.boots[0].index, 1);
	ck_assert_int_eq(r.shard_k, 2);
	ck_assert_int_eq(r.shard_n, 3);
	regress_result_free(&r);
}
END_TEST

START_TEST(a_missing_binary_is_a_vmm_error_not_a_hang)
{
	static const char *const args[] = { "--runs", "3", "--hvmm", "/nonexistent/hvmm", NULL };
	int fds = count_fds();

	ck_assert_int_eq(run(args), 1);
	ck_assert_int_eq(count_fds(), fds);
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
}
END_TEST

START_TEST(sigint_ends_the_run_cleanly)
{
	/* Two boots stuck before VMBus (timeout 30 s), one pass finished first. */
	static const char *const args[] = {
		"--matrix", "cpus=1,8", "--runs", "1", "--jobs", "2", "--timeout", "30",
		"--seed", "0", "--", NULL,
	};
	struct regress_result r = { 0 };
	char json[PATH_MAX + 8], err[256];
	int fds = count_fds();
	uint64_t t0 = monotonic_ms();
	pid_t killer = fork();

	ck_assert_int_ge(killer, 0);
	if (!killer) {
		sleep(3);
		kill(getppid(), SIGINT);
		_exit(0);
	}
	ck_assert_int_eq(run(args), 1);
	ck_assert_int_eq(waitpid(killer, NULL, 0), killer);
	ck_assert_msg(monotonic_ms() - t0 < 10000, "took %llu ms",
		      (unsigned long long)(monotonic_ms() - t0));
	ck_assert_int_eq(count_fds(), fds);
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1); /* the stuck child was reaped */
	snprintf(json, sizeof(json), "%s/r.json", dir);
	ck_assert_msg(!regress_json_read(json, &r, err, sizeof(err)), "%s", err);
	ck_assert_int_eq(r.nboots, 1); /* the finished boot, written */
	ck_assert_int_eq(r.boots[0].verdict, RV_PASS);
	regress_result_free(&r);
}
END_TEST

START_TEST(usage_errors_exit_2)
{
	static const char *const bad[][4] = {
		{ "--runs", "x", NULL }, { "--jobs", "0", NULL }, { "--matrix", "cpus=a", NULL },
		{ "--shard", "0/2", NULL }, { "--ready", "(", NULL }, { "--config", "/nonexistent", NULL },
		{ "--stall", "-1", NULL }, { "stray", NULL },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_eq(run(bad[i]), 2);
}
END_TEST

START_TEST(config_file_errors_name_the_line)
{
	char cfg[PATH_MAX + 8];
	const char *args[] = { "--config", cfg, NULL };
	FILE *f;

	snprintf(cfg, sizeof(cfg), "%s/c.conf", dir);
	f = fopen(cfg, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "# a matrix\ncpus = 1,2\n\nruns=2\nfirmware=bios\n");
	fclose(f);
	ck_assert_int_eq(run(args), 2);
	f = fopen(cfg, "w");
	fprintf(f, "cpus=1\nruns=1\nstall=1\nrun-arg=--kernel\nrun-arg=k\n");
	fclose(f);
	ck_assert_int_eq(run(args), 0);
}
END_TEST

static Suite *regress_sched_suite(void)
{
	Suite *s = suite_create("regress_sched");
	TCase *tc = tcase_create("fake_hvmm");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, every_story_gets_its_verdict);
	tcase_add_test(tc, sigkill_comes_a_full_grace_after_sigterm);
	tcase_add_test(tc, seed_is_decimal);
	tcase_add_test(tc, an_ignored_sigchld_is_not_inherited_by_the_run);
	tcase_add_test(tc, a_killed_runner_leaves_no_vm_running);
	tcase_add_test(tc, until_fail_and_shards_limit_the_boots);
	tcase_add_test(tc, a_missing_binary_is_a_vmm_error_not_a_hang);
	tcase_add_test(tc, sigint_ends_the_run_cleanly);
	tcase_add_test(tc, usage_errors_exit_2);
	tcase_add_test(tc, config_file_errors_name_the_line);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(regress_sched_suite)
