// SPDX-License-Identifier: MIT
/*
 * The events stream (vmm/events.h, docs/regress.md section 1): every
 * kind parsed back with jansson and its fields checked, escaping,
 * monotonic timestamps across threads, bad specs, and a file that fails
 * or stops reading (the emitter must never block).
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "events.h"
#include "unit.h"
#include "util.h"
#include "vm.h"

static char path[64];
static char err[256];

static void open_tmp(void)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/hvmm-events-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(events_open(path, err, sizeof(err)), 0);
	ck_assert(events_on());
}

/* Read the file back: every line must parse as an object; returns them. */
static json_t *read_lines(void)
{
	FILE *f = fopen(path, "r");
	json_t *all = json_array();
	char line[4096];
	double last_t = -1;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		json_error_t je;
		json_t *o = json_loads(line, 0, &je);

		ck_assert_msg(o, "line does not parse: %s (%s)", line, je.text);
		ck_assert(json_is_object(o));
		ck_assert_msg(line[strlen(line) - 1] == '\n', "line not terminated");
		ck_assert(json_is_number(json_object_get(o, "t")));
		ck_assert(json_is_string(json_object_get(o, "ev")));
		ck_assert_msg(json_number_value(json_object_get(o, "t")) >= last_t,
			      "t went backwards at %s", line);
		last_t = json_number_value(json_object_get(o, "t"));
		json_array_append_new(all, o);
	}
	fclose(f);
	unlink(path);
	return all;
}

static json_t *find(json_t *all, const char *ev)
{
	size_t i;
	json_t *o;

	json_array_foreach(all, i, o)
		if (!strcmp(json_string_value(json_object_get(o, "ev")), ev))
			return o;
	ck_abort_msg("no '%s' event", ev);
	return NULL;
}

static const char *str(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	ck_assert_msg(json_is_string(v), "field %s is not a string", k);
	return json_string_value(v);
}

static json_int_t num(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	ck_assert_msg(json_is_integer(v), "field %s is not an integer", k);
	return json_integer_value(v);
}

START_TEST(every_kind)
{
	struct vm_config cfg = {
		.ncpus = 2, .mem_size = 512ULL << 20, .kernel = "/k/vm\"linuz\n",
		.late_event_port = true, .drop_eom = true, .boot_delay_ms = 250,
		.isolation = ISOLATION_VBS,
	};
	const uint64_t p[5] = { 0x1, 0xdead, 0, 0xffffffffffffffffULL, 5 };
	json_t *all, *o, *a;
	size_t i;

	open_tmp();
	events_start(&cfg);
	events_vcpu_entry(1);
	events_vcpu_entry(0);
	events_fw_cfg("kernel");
	events_fw_cfg("kernel");       /* only the first read of an item */
	events_fw_cfg("table-loader");
	events_serial();
	events_serial();               /* only the first byte */
	events_vmbus_contact(0x50003, 1, 2);
	events_vmbus_chan("vmbus_offer", 1, "shutdown");
	events_vmbus_gpadl(1, 0xe1e10, 6);
	events_vmbus_chan("vmbus_open", 1, "shutdown");
	events_ic_negotiated("shutdown", 0x30000, 0x30002);
	events_ready("shutdown_ic");
	events_shutdown_request("ctl", false);
	events_shutdown_ack(0);
	events_panic(p);
	events_fault("triple fault (KVM_EXIT_SHUTDOWN)", 1);
	events_vmbus_chan("vmbus_close", 1, "shutdown");
	events_exit(HVMM_EXIT_GUEST_PANIC);
	events_close(EVENTS_FLUSH_MS);
	ck_assert(!events_on());
	all = read_lines();
	ck_assert_uint_eq(json_array_size(all), 18);
	ck_assert_str_eq(str(json_array_get(all, 0), "ev"), "start");
	ck_assert_str_eq(str(json_array_get(all, 17), "ev"), "exit");

	o = find(all, "start");
	ck_assert_int_eq(num(o, "cpus"), 2);
	ck_assert_int_eq(num(o, "mem_mib"), 512);
	ck_assert_int_eq(num(o, "pid"), getpid());
	ck_assert_str_eq(str(o, "firmware"), "direct");
	ck_assert_str_eq(str(o, "isolation"), "vbs");
	ck_assert_str_eq(str(o, "kernel"), "/k/vm\"linuz\n"); /* escaped and back */
	ck_assert(json_is_false(json_object_get(o, "vsm")));
	ck_assert_uint_eq(strlen(str(o, "wall")), 24);
	ck_assert(str(o, "wall")[23] == 'Z');
	a = json_object_get(o, "inject");
	ck_assert_uint_eq(json_array_size(a), 3);
	ck_assert_str_eq(json_string_value(json_array_get(a, 0)), "late-event-port");
	ck_assert_str_eq(json_string_value(json_array_get(a, 1)), "drop-eom");
	ck_assert_str_eq(json_string_value(json_array_get(a, 2)), "boot-delay=250");

	ck_assert_int_eq(num(json_array_get(all, 1), "vcpu"), 1);
	ck_assert_int_eq(num(json_array_get(all, 2), "vcpu"), 0);
	ck_assert_str_eq(str(json_array_get(all, 3), "item"), "kernel");
	ck_assert_str_eq(str(json_array_get(all, 4), "item"), "table-loader");
	ck_assert_str_eq(str(json_array_get(all, 5), "ev"), "serial");
	o = find(all, "vmbus_contact");
	ck_assert_str_eq(str(o, "version"), "5.3");
	ck_assert_int_eq(num(o, "vp"), 1);
	ck_assert_int_eq(num(o, "sint"), 2);
	o = find(all, "vmbus_offer");
	ck_assert_int_eq(num(o, "relid"), 1);
	ck_assert_str_eq(str(o, "name"), "shutdown");
	o = find(all, "vmbus_gpadl");
	ck_assert_int_eq(num(o, "relid"), 1);
	ck_assert_int_eq(num(o, "gpadl"), 0xe1e10);
	ck_assert_int_eq(num(o, "pages"), 6);
	ck_assert_str_eq(str(find(all, "vmbus_open"), "name"), "shutdown");
	ck_assert_int_eq(num(find(all, "vmbus_close"), "relid"), 1);
	o = find(all, "ic_negotiated");
	ck_assert_str_eq(str(o, "name"), "shutdown");
	ck_assert_str_eq(str(o, "fw"), "3.0");
	ck_assert_str_eq(str(o, "msg"), "3.2");
	ck_assert_str_eq(str(find(all, "ready"), "by"), "shutdown_ic");
	o = find(all, "shutdown_request");
	ck_assert_str_eq(str(o, "source"), "ctl");
	ck_assert(json_is_false(json_object_get(o, "reboot")));
	ck_assert_int_eq(num(find(all, "shutdown_ack"), "status"), 0);
	a = json_object_get(find(all, "panic"), "p");
	ck_assert_uint_eq(json_array_size(a), 5);
	ck_assert_str_eq(json_string_value(json_array_get(a, 1)), "0xdead");
	ck_assert_str_eq(json_string_value(json_array_get(a, 3)), "0xffffffffffffffff");
	o = find(all, "fault");
	ck_assert_str_eq(str(o, "what"), "triple fault (KVM_EXIT_SHUTDOWN)");
	ck_assert_int_eq(num(o, "vcpu"), 1);
	o = find(all, "exit");
	ck_assert_str_eq(str(o, "reason"), "panic");
	ck_assert_int_eq(num(o, "status"), 7);
	/* t has microsecond precision: at most 6 decimals in the text. */
	json_array_foreach(all, i, o)
		ck_assert(json_number_value(json_object_get(o, "t")) < 60);
	json_decref(all);
}
END_TEST

START_TEST(exit_reasons)
{
	ck_assert_str_eq(events_exit_reason(HVMM_EXIT_POWEROFF), "poweroff");
	ck_assert_str_eq(events_exit_reason(HVMM_EXIT_ERROR), "error");
	ck_assert_str_eq(events_exit_reason(HVMM_EXIT_USAGE), "error");
	ck_assert_str_eq(events_exit_reason(HVMM_EXIT_REBOOT), "reboot");
	ck_assert_str_eq(events_exit_reason(HVMM_EXIT_GUEST_FAULT), "fault");
	ck_assert_str_eq(events_exit_reason(HVMM_EXIT_TIMEOUT), "timeout");
	ck_assert_str_eq(events_exit_reason(HVMM_EXIT_SIGNAL), "signal");
	ck_assert_str_eq(events_exit_reason(HVMM_EXIT_GUEST_PANIC), "panic");
}
END_TEST

START_TEST(escaping)
{
	char buf[64];
	json_t *all, *o;
	size_t n;

	n = ev_json_str(buf, sizeof(buf), "a\"b\\c\x01\x7f\xff\t");
	ck_assert_str_eq(buf, "\"a\\\"b\\\\c\\u0001\\u007f\\u00ff\\t\"");
	ck_assert_uint_eq(n, strlen(buf));
	/* Cut: NUL-terminated, the needed length returned. */
	n = ev_json_str(buf, 4, "abcdef");
	ck_assert_uint_eq(n, 8);
	ck_assert_uint_eq(strlen(buf), 3);

	open_tmp();
	events_fault("bad \"what\"\n\x02", 3);
	events_vmbus_chan("vmbus_offer", 2, NULL); /* null, still valid JSON */
	events_close(EVENTS_FLUSH_MS);
	all = read_lines();
	ck_assert_uint_eq(json_array_size(all), 2);
	o = json_array_get(all, 0);
	ck_assert_str_eq(str(o, "what"), "bad \"what\"\n\x02");
	ck_assert(json_is_null(json_object_get(json_array_get(all, 1), "name")));
	json_decref(all);
}
END_TEST

START_TEST(too_long_line_dropped)
{
	char big[EVENTS_LINE_MAX + 10];
	struct events_stats st;
	json_t *all;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	open_tmp();
	events_fault(big, 0);
	events_ready("shutdown_ic");
	events_get_stats(&st);
	ck_assert_uint_eq(st.dropped, 1);
	ck_assert_uint_eq(st.lines, 1);
	events_close(EVENTS_FLUSH_MS);
	all = read_lines();
	ck_assert_uint_eq(json_array_size(all), 1);
	json_decref(all);
}
END_TEST

#define THREADS 4
#define PER_THREAD 300

static void *emitter(void *arg)
{
	unsigned int id = (unsigned int)(uintptr_t)arg, i;

	for (i = 0; i < PER_THREAD; i++)
		events_vcpu_entry(id * 1000 + i);
	return NULL;
}

/* Every thread emits: no line torn or lost (unless counted), t in order. */
START_TEST(threads)
{
	pthread_t th[THREADS];
	struct events_stats st;
	json_t *all;
	unsigned int i;

	open_tmp();
	for (i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, emitter, (void *)(uintptr_t)i), 0);
	for (i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	events_get_stats(&st);
	ck_assert_uint_eq(st.lines + st.dropped, THREADS * PER_THREAD);
	events_close(EVENTS_FLUSH_MS);
	all = read_lines(); /* checks parsing and monotonic t */
	ck_assert_uint_eq(json_array_size(all), st.lines);
	ck_assert_uint_gt(st.lines, 0);
	json_decref(all);
}
END_TEST

START_TEST(bad_specs)
{
	ck_assert_int_eq(events_open("fd:x", err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "fd:N"));
	ck_assert_int_eq(events_open("fd:", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(events_open("fd:-1", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(events_open("fd:987654", err, sizeof(err)), -EBADF);
	ck_assert_int_eq(events_open("", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(events_open("/nonexistent-dir/x", err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent-dir/x"));
	ck_assert(!events_on());
	/* Off: every hook is a no-op. */
	events_serial();
	events_exit(0);
	open_tmp();
	ck_assert_int_eq(events_open(path, err, sizeof(err)), -EBUSY);
	events_close(EVENTS_FLUSH_MS);
	unlink(path);
}
END_TEST

/* A full disk: the first write fails, the file is given up, emitters go on. */
START_TEST(write_error_gives_up)
{
	struct events_stats st;
	int fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
	char spec[32];
	unsigned int i;

	ck_assert_int_ge(fd, 0);
	snprintf(spec, sizeof(spec), "fd:%d", fd);
	ck_assert_int_eq(events_open(spec, err, sizeof(err)), 0);
	for (i = 0; i < 50; i++) {
		events_ready("shutdown_ic");
		usleep(1000);
	}
	events_get_stats(&st);
	ck_assert_uint_eq(st.errors, 1);
	ck_assert(st.dead);
	ck_assert_uint_gt(st.dropped, 0);
	events_close(EVENTS_FLUSH_MS);
	/* events_close closed the fd it was given. */
	ck_assert_int_lt(fcntl(fd, F_GETFD), 0);
}
END_TEST

/* A reader that never reads: emitting never blocks, close is bounded. */
START_TEST(stalled_reader)
{
	struct events_stats st;
	int p[2];
	char spec[32];
	uint64_t t0;
	unsigned int i;

	ck_assert_int_eq(pipe(p), 0);
	snprintf(spec, sizeof(spec), "fd:%d", p[1]);
	ck_assert_int_eq(events_open(spec, err, sizeof(err)), 0);
	t0 = monotonic_ms();
	for (i = 0; i < 20000; i++)
		events_vmbus_chan("vmbus_offer", i, "a-channel-name-for-bulk");
	ck_assert_uint_lt(monotonic_ms() - t0, 2000);
	events_get_stats(&st);
	ck_assert_uint_gt(st.dropped, 0);
	ck_assert_uint_eq(st.lines + st.dropped, 20000);
	t0 = monotonic_ms();
	events_close(200);
	ck_assert_uint_lt(monotonic_ms() - t0, 1500);
	close(p[0]);
}
END_TEST

/* A reader that goes away: EPIPE (SIGPIPE ignored as in hvmm) gives up. */
START_TEST(closed_reader)
{
	struct events_stats st;
	int p[2];
	char spec[32];
	unsigned int i;

	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(pipe(p), 0);
	close(p[0]);
	snprintf(spec, sizeof(spec), "fd:%d", p[1]);
	ck_assert_int_eq(events_open(spec, err, sizeof(err)), 0);
	for (i = 0; i < 20; i++) {
		events_serial();
		events_ready("x");
		usleep(2000);
	}
	events_get_stats(&st);
	ck_assert_uint_eq(st.errors, 1);
	ck_assert(st.dead);
	events_close(EVENTS_FLUSH_MS);
}
END_TEST

static Suite *events_suite(void)
{
	Suite *s = suite_create("events");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, every_kind);
	tcase_add_test(tc, exit_reasons);
	tcase_add_test(tc, escaping);
	tcase_add_test(tc, too_long_line_dropped);
	tcase_add_test(tc, threads);
	tcase_add_test(tc, bad_specs);
	tcase_add_test(tc, write_error_gives_up);
	tcase_add_test(tc, stalled_reader);
	tcase_add_test(tc, closed_reader);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(events_suite)
