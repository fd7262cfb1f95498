// SPDX-License-Identifier: MIT
/*
 * hvmm's log and a stderr whose reader stalls (issue 7): stderr (fd 2)
 * is a pipe that nobody reads, in the forked child that runs each test.
 * No log call may wait for it past a bound: not while a VM runs (the
 * async log), not before or after (direct writes).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "util.h"

#define LOG_THREADS 4
#define LINES_PER_THREAD 4000 /* ~80 bytes each: 1.3 MB, 10x pipe + buffer */
/* A call that "returns promptly": far below LOG_DIRECT_WAIT_MS, far above a slow CPU. */
#define PROMPT_MS 500

static int saved_stderr = -1;
static int pipefd[2] = { -1, -1 };

/* fd 2 becomes the write end of a fresh pipe; the test holds the read end. */
static void stall_setup(void)
{
	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(pipe2(pipefd, O_CLOEXEC), 0);
	saved_stderr = dup(STDERR_FILENO);
	ck_assert_int_ge(saved_stderr, 0);
	ck_assert_int_eq(dup2(pipefd[1], STDERR_FILENO), STDERR_FILENO);
	log_level = LOG_INFO;
}

/* Put stderr back and close the pipe's write ends: its reader sees EOF. */
static void stall_restore(void)
{
	if (saved_stderr >= 0) {
		dup2(saved_stderr, STDERR_FILENO);
		close(saved_stderr);
		saved_stderr = -1;
	}
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	pipefd[1] = -1;
}

static void stall_teardown(void)
{
	log_async_stop(0);
	stall_restore();
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	pipefd[0] = -1;
}

struct logger {
	pthread_t thread;
	unsigned int id;
	uint64_t max_ms;
};

static void *logger_thread(void *arg)
{
	struct logger *l = arg;
	unsigned int i;

	for (i = 0; i < LINES_PER_THREAD; i++) {
		uint64_t t0 = monotonic_ms(), dt;

		pr_info("t%u n%u ..................................................", l->id, i);
		dt = monotonic_ms() - t0;
		if (dt > l->max_ms)
			l->max_ms = dt;
	}
	return NULL;
}

/* Run LOG_THREADS loggers to the end; the longest single call, in ms. */
static uint64_t log_flood(void)
{
	struct logger l[LOG_THREADS];
	uint64_t max = 0;
	unsigned int i;

	memset(l, 0, sizeof(l));
	for (i = 0; i < LOG_THREADS; i++) {
		l[i].id = i;
		ck_assert_int_eq(pthread_create(&l[i].thread, NULL, logger_thread, &l[i]), 0);
	}
	for (i = 0; i < LOG_THREADS; i++) {
		pthread_join(l[i].thread, NULL);
		max = MAX(max, l[i].max_ms);
	}
	return max;
}

struct reader {
	pthread_t thread;
	int fd;
	char *buf;
	size_t len, cap;
};

/* Read the pipe to EOF (the resumed reader). */
static void *reader_thread(void *arg)
{
	struct reader *r = arg;

	for (;;) {
		ssize_t n;

		if (r->cap - r->len < 65536) {
			r->cap = r->cap ? r->cap * 2 : 1 << 20;
			r->buf = realloc(r->buf, r->cap + 1);
			if (!r->buf)
				return NULL;
		}
		n = read(r->fd, r->buf + r->len, r->cap - r->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		r->len += (size_t)n;
	}
	if (r->buf)
		r->buf[r->len] = 0;
	return NULL;
}

/* What the pipe holds now, without waiting (a reader that stalled for good). */
static char *read_held(void)
{
	static char held[1 << 20];
	size_t len = 0;
	ssize_t n;

	fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
	while (len < sizeof(held) - 1 &&
	       (n = read(pipefd[0], held + len, sizeof(held) - 1 - len)) > 0)
		len += (size_t)n;
	held[len] = 0;
	return held;
}

struct tally {
	unsigned long lines;        /* the loggers' lines, whole */
	unsigned long long dropped; /* from the "log line(s) dropped" notice */
	bool notice;
};

/*
 * Every line must be whole: one of the loggers' lines (each thread's in
 * order, none twice) or the drop notice. Fails the test otherwise.
 */
static struct tally check_lines(char *text)
{
	int next[LOG_THREADS] = { 0 };
	struct tally t = { 0 };
	char *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned int id, n;
		int end = 0;

		if (sscanf(line, "hvmm: info: t%u n%u %*[.]%n", &id, &n, &end) == 2 &&
		    line[end] == 0 && id < LOG_THREADS) {
			ck_assert_msg((int)n >= next[id], "line out of order or twice: %s", line);
			next[id] = (int)n + 1;
			t.lines++;
		} else if (sscanf(line, "hvmm: warning: %llu log line(s) dropped %n", &t.dropped,
				  &end) == 1 && end) {
			ck_assert_msg(!t.notice, "two drop notices");
			t.notice = true;
		} else {
			ck_abort_msg("not a whole log line: '%.200s'", line);
		}
	}
	return t;
}

/*
 * A VM runs (async log), stderr stalls: every call returns promptly, the
 * lines that do not fit are dropped and counted; when the reader resumes
 * it gets whole lines and the notice, and lines + dropped adds up.
 */
START_TEST(async_stalled_reader_never_blocks)
{
	struct reader r = { .fd = pipefd[0] };
	struct tally t;
	uint64_t max;

	ck_assert_int_eq(log_async_start(), 0);
	max = log_flood();
	ck_assert_msg(max < PROMPT_MS, "a log call waited %llu ms for stderr",
		      (unsigned long long)max);
	/* The reader resumes; the queue drains, then the notice. */
	ck_assert_int_eq(pthread_create(&r.thread, NULL, reader_thread, &r), 0);
	log_async_stop(5000);
	stall_restore();
	pthread_join(r.thread, NULL);
	ck_assert_ptr_nonnull(r.buf);
	t = check_lines(r.buf);
	free(r.buf);
	ck_assert_msg(t.notice, "no drop notice");
	ck_assert_uint_gt(t.dropped, 0);
	ck_assert_uint_gt(t.lines, 0);
	ck_assert_uint_eq(t.lines + t.dropped, LOG_THREADS * LINES_PER_THREAD);
}
END_TEST

/*
 * The reader never resumes: stopping is bounded (flush gives up, the
 * notice waits at most LOG_DIRECT_WAIT_MS), later direct lines do not
 * wait again, and what the pipe holds is whole lines.
 */
START_TEST(async_stop_bounded_reader_never_resumes)
{
	uint64_t t0, dt;

	ck_assert_int_eq(log_async_start(), 0);
	ck_assert_uint_lt(log_flood(), PROMPT_MS);
	t0 = monotonic_ms();
	log_async_stop(2000);
	dt = monotonic_ms() - t0;
	ck_assert_msg(dt < 2000 + LOG_DIRECT_WAIT_MS, "log_async_stop took %llu ms",
		      (unsigned long long)dt);
	t0 = monotonic_ms();
	pr_err("after the run");
	ck_assert_uint_lt(monotonic_ms() - t0, PROMPT_MS);
	check_lines(read_held());
}
END_TEST

/*
 * No VM runs (usage and load errors): a line is written before the call
 * returns, and a stalled stderr costs one bounded wait, not a hang.
 */
START_TEST(direct_sync_and_bounded)
{
	char buf[256];
	uint64_t t0, dt;
	ssize_t n;

	pr_err("usage: one line");
	fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
	n = read(pipefd[0], buf, sizeof(buf) - 1);
	ck_assert_int_gt(n, 0);
	buf[n] = 0;
	ck_assert_str_eq(buf, "hvmm: error: usage: one line\n");

	/* Fill the pipe, then one line waits about LOG_DIRECT_WAIT_MS. */
	fcntl(pipefd[1], F_SETFL, O_NONBLOCK);
	memset(buf, 'x', sizeof(buf));
	while (write(pipefd[1], buf, sizeof(buf)) > 0)
		;
	fcntl(pipefd[1], F_SETFL, 0);
	t0 = monotonic_ms();
	pr_err("stalled");
	dt = monotonic_ms() - t0;
	ck_assert_uint_ge(dt, LOG_DIRECT_WAIT_MS - 50);
	ck_assert_uint_lt(dt, LOG_DIRECT_WAIT_MS + PROMPT_MS);
	/* Known stalled: the next one does not wait. */
	t0 = monotonic_ms();
	pr_err("stalled again");
	ck_assert_uint_lt(monotonic_ms() - t0, PROMPT_MS);
	/* The reader resumes: lines get through again, whole. */
	while (read(pipefd[0], buf, sizeof(buf)) > 0)
		;
	pr_err("resumed");
	n = read(pipefd[0], buf, sizeof(buf) - 1);
	ck_assert_int_gt(n, 0);
	buf[n] = 0;
	ck_assert_str_eq(buf, "hvmm: error: resumed\n");
}
END_TEST

/* pr_err_rl still limits through the async log: a burst of 10, no more. */
START_TEST(ratelimited_through_async)
{
	struct reader r = { .fd = pipefd[0] };
	int i, lines = 0;
	char *p;

	ck_assert_int_eq(pthread_create(&r.thread, NULL, reader_thread, &r), 0);
	ck_assert_int_eq(log_async_start(), 0);
	for (i = 0; i < 100; i++)
		pr_err_rl("guest did a bad thing %d", i);
	log_async_stop(5000);
	stall_restore();
	pthread_join(r.thread, NULL);
	ck_assert_ptr_nonnull(r.buf);
	for (p = r.buf; (p = strstr(p, "hvmm: error: guest did a bad thing ")); p++)
		lines++;
	ck_assert_int_eq(lines, 10);
	ck_assert_ptr_null(strstr(r.buf, "dropped"));
	free(r.buf);
}
END_TEST

/* Reports through log_file() and over-long lines arrive as whole lines. */
START_TEST(log_file_and_long_lines)
{
	struct reader r = { .fd = pipefd[0] };
	char big[3000];

	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	ck_assert_int_eq(pthread_create(&r.thread, NULL, reader_thread, &r), 0);
	ck_assert_int_eq(log_async_start(), 0);
	fprintf(log_file(), "hvmm: stats: a %d\nhvmm: stats: b %d\n", 1, 2);
	pr_err("%s", big);
	fprintf(log_file(), "vmbus: last\n");
	log_async_stop(5000);
	stall_restore();
	pthread_join(r.thread, NULL);
	ck_assert_ptr_nonnull(r.buf);
	ck_assert_ptr_nonnull(strstr(r.buf, "hvmm: stats: a 1\nhvmm: stats: b 2\nhvmm: error: yyy"));
	/* Truncated to the line buffer, and still ends in a newline. */
	ck_assert_ptr_nonnull(strstr(r.buf, "yyy\nvmbus: last\n"));
	free(r.buf);
}
END_TEST

static Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("stalled_stderr");

	tcase_add_checked_fixture(tc, stall_setup, stall_teardown);
	/* Sanitizers slow the floods; a hang (the bug) still times out. */
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, async_stalled_reader_never_blocks);
	tcase_add_test(tc, async_stop_bounded_reader_never_resumes);
	tcase_add_test(tc, direct_sync_and_bounded);
	tcase_add_test(tc, ratelimited_through_async);
	tcase_add_test(tc, log_file_and_long_lines);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(log_suite)
