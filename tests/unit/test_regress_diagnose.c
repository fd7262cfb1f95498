// SPDX-License-Identifier: MIT
/*
 * hvmm regress: the hang classifier (vmm/regress/diagnose.c) against
 * recorded event streams and status-json snapshots, one or more per
 * verdict of docs/regress.md section 3, and healthy boots that must not
 * be flagged.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "regress/runner.h"
#include "unit.h"

static const struct diag_cfg cfg_direct = {
	.timeout = 360, .shutdown_timeout = 30, .stall = 5, .serial_timeout = 60,
};

static struct diag d;
static char detail[256];

/* A healthy direct-kernel boot to the ready event (times from a lab boot). */
static const char *const boot_to_ready[] = {
	"{\"t\":0.000012,\"ev\":\"start\",\"cpus\":1,\"firmware\":\"direct\"}",
	"{\"t\":0.004,\"ev\":\"vcpu_entry\",\"vcpu\":0}",
	"{\"t\":0.9,\"ev\":\"serial\"}",
	"{\"t\":8.2,\"ev\":\"vmbus_contact\",\"version\":\"5.3\",\"vp\":0,\"sint\":2}",
	"{\"t\":8.3,\"ev\":\"vmbus_offer\",\"relid\":1,\"name\":\"shutdown\"}",
	"{\"t\":8.9,\"ev\":\"vmbus_open\",\"relid\":1,\"name\":\"shutdown\"}",
	"{\"t\":9.0,\"ev\":\"ic_negotiated\",\"name\":\"shutdown\",\"fw\":\"3.0\",\"msg\":\"3.2\"}",
	"{\"t\":9.0,\"ev\":\"ready\",\"by\":\"shutdown_ic\"}",
	NULL,
};

/* --debug-inject late-event-port: the shutdown channel opens, nothing after. */
static const char *const boot_late_event_port[] = {
	"{\"t\":0.00001,\"ev\":\"start\",\"cpus\":1,\"inject\":[\"late-event-port\"]}",
	"{\"t\":0.003,\"ev\":\"vcpu_entry\",\"vcpu\":0}",
	"{\"t\":1.1,\"ev\":\"serial\"}",
	"{\"t\":8.0,\"ev\":\"vmbus_contact\",\"version\":\"5.3\",\"vp\":0,\"sint\":2}",
	"{\"t\":8.1,\"ev\":\"vmbus_offer\",\"relid\":1,\"name\":\"shutdown\"}",
	"{\"t\":9.1,\"ev\":\"vmbus_open\",\"relid\":1,\"name\":\"shutdown\"}",
	NULL,
};

static void feed(const char *const *lines)
{
	for (int i = 0; lines[i]; i++)
		ck_assert_msg(!diag_feed_event(&d, lines[i]), "%s", lines[i]);
}

static void status(const char *json)
{
	struct diag_status st;
	char err[128];

	ck_assert_msg(!diag_status_parse(json, &st, err, sizeof(err)), "%s", err);
	diag_feed_status(&d, &st);
}

/* A status-json with the shutdown channel's h2g ring in the given state. */
static void ring_status(double t, int unread, const char *since, const char *read_t, int signals,
			const char *mask)
{
	char buf[1024];

	snprintf(buf, sizeof(buf),
		 "ok\n{\"t\":%.3f,\"vcpus\":[{\"id\":0,\"exits\":%d,\"halted\":true}],"
		 "\"synic\":[{\"vp\":0,\"msg_queued\":0,\"msg_queued_since\":null}],"
		 "\"vmbus\":{\"state\":\"connected\",\"version\":\"5.3\",\"channels\":["
		 "{\"name\":\"heartbeat\",\"relid\":2,\"state\":\"open\",\"h2g\":{\"unread\":0,"
		 "\"unread_since\":null,\"guest_read_t\":8.0,\"signals\":3,\"guest_mask\":false}},"
		 "{\"name\":\"shutdown\",\"relid\":1,\"state\":\"open\",\"h2g\":{\"unread\":%d,"
		 "\"unread_since\":%s,\"guest_read_t\":%s,\"signals\":%d,\"guest_mask\":%s},"
		 "\"g2h\":{\"unread\":0,\"host_read_t\":9.0}}]}}\n",
		 t, (int)(t * 1000), unread, since, read_t, signals, mask);
	status(buf);
}

static int classify(double now)
{
	return diag_classify(&d, now, NULL, detail, sizeof(detail));
}

static int classify_exit(double now, int st, int sig)
{
	struct diag_exit ex = { .exited = true, .status = st, .sig = sig };

	return diag_classify(&d, now, &ex, detail, sizeof(detail));
}

static void setup(void)
{
	diag_init(&d, &cfg_direct);
	detail[0] = 0;
}

static void teardown(void)
{
	diag_free(&d);
}

START_TEST(healthy_boot_passes_and_records_stages)
{
	double t;
	struct regress_boot b = { 0 };

	feed(boot_to_ready);
	ring_status(9.5, 0, "null", "9.0", 1, "false");
	ck_assert_int_eq(classify(10), -1);
	ck_assert(d.ready);
	d.shutdown_sent = 10;
	ck_assert_int_eq(classify(12), -1);
	ck_assert_int_eq(classify_exit(13, 0, 0), RV_PASS);
	ck_assert_str_eq(detail, "");
	b.stages = d.stages;
	b.nstages = d.nstages;
	ck_assert(regress_boot_stage(&b, "ic_negotiated:shutdown", &t));
	ck_assert(t == 9.0);
	ck_assert(regress_boot_stage(&b, "vcpu_entry:0", &t) && t == 0.004);
	ck_assert(regress_boot_stage(&b, "vmbus_open", &t) && t == 8.9);
	ck_assert(!regress_boot_stage(&b, "panic", NULL));
}
END_TEST

START_TEST(late_event_port_is_a_lost_signal_naming_shutdown)
{
	feed(boot_late_event_port);
	/* The negotiate packet lands in the ring at 9.2 and is never signalled. */
	ring_status(10.0, 120, "9.2", "null", 0, "false");
	ck_assert_int_eq(classify(11), -1);
	ring_status(13.0, 120, "9.2", "null", 0, "false");
	ck_assert_int_eq(classify(14), -1); /* 3.8 s: under --stall */
	ring_status(14.3, 120, "9.2", "null", 0, "false");
	ck_assert_int_eq(classify(15.3), RV_LOST_VMBUS_SIGNAL);
	ck_assert_msg(!strcmp(detail, "shutdown: 120 bytes unread for 5.1 s, no signal since open"),
		      "%s", detail);
}
END_TEST

START_TEST(every_ic_stuck_names_shutdown_first)
{
	/* late-event-port loses every channel's first signal; heartbeat is offered first. */
	static const char *const fmt =
		"{\"t\":%.1f,\"vmbus\":{\"channels\":["
		"{\"name\":\"heartbeat\",\"h2g\":{\"unread\":64,\"unread_since\":8.5,"
		"\"guest_read_t\":null,\"signals\":0,\"guest_mask\":false}},"
		"{\"name\":\"kvp\",\"h2g\":{\"unread\":0,\"unread_since\":null,"
		"\"guest_read_t\":null,\"signals\":0,\"guest_mask\":false}},"
		"{\"name\":\"shutdown\",\"h2g\":{\"unread\":120,\"unread_since\":9.2,"
		"\"guest_read_t\":null,\"signals\":0,\"guest_mask\":false}},"
		"{\"name\":\"timesync\",\"h2g\":{\"unread\":56,\"unread_since\":9.0,"
		"\"guest_read_t\":null,\"signals\":0,\"guest_mask\":false}}]}}";
	char buf[1024];

	feed(boot_late_event_port);
	snprintf(buf, sizeof(buf), fmt, 13.6);
	status(buf);
	/* heartbeat is stuck, the shutdown IC's data unread too: wait to name it. */
	ck_assert_int_eq(classify(14), -1);
	snprintf(buf, sizeof(buf), fmt, 14.5);
	status(buf);
	ck_assert_int_eq(classify(15), RV_LOST_VMBUS_SIGNAL);
	ck_assert_msg(!strcmp(detail, "shutdown: 120 bytes unread for 5.3 s, no signal since open;"
			      " also heartbeat, timesync"), "%s", detail);
}
END_TEST

START_TEST(healthy_slow_boot_is_not_flagged)
{
	feed(boot_late_event_port); /* a slow guest: no ready yet */
	/* Data waits long, but the guest keeps reading it (read index moves). */
	for (double t = 10; t < 60; t += 1) {
		char rt[32];

		snprintf(rt, sizeof(rt), "%.3f", t - 0.5);
		ring_status(t, 120, "9.2", rt, 1, "false");
		ck_assert_int_eq(classify(t + 1), -1);
	}
	/* Data that just arrived is not stuck, however old the last read. */
	ring_status(61, 40, "59.0", "20.0", 2, "false");
	ck_assert_int_eq(classify(62), -1);
	/* A guest that masked the ring's interrupt polls it: not a lost signal. */
	ring_status(70, 40, "59.0", "20.0", 2, "true");
	ck_assert_int_eq(classify(71), -1);
	ck_assert_int_eq(classify(300), -1);
}
END_TEST

START_TEST(new_signals_restart_the_stall_clock)
{
	feed(boot_late_event_port);
	ring_status(10, 120, "9.2", "null", 1, "false");
	ring_status(14, 120, "9.2", "null", 2, "false"); /* hvmm signalled again at ~14 */
	ring_status(18, 120, "9.2", "null", 2, "false");
	ck_assert_int_eq(classify(19), -1);
	ring_status(19.5, 120, "9.2", "null", 2, "false");
	ck_assert_int_eq(classify(20), RV_LOST_VMBUS_SIGNAL);
	ck_assert_msg(strstr(detail, "no new signal for 5.5 s (2 signals)"), "%s", detail);
}
END_TEST

START_TEST(queued_message_is_a_lost_message)
{
	feed(boot_late_event_port);
	status("{\"t\":6.0,\"vcpus\":[{\"id\":0,\"exits\":5}],"
	       "\"synic\":[{\"vp\":0,\"msg_queued\":2,\"msg_queued_since\":2.5}],"
	       "\"vmbus\":{\"channels\":[]}}");
	ck_assert_int_eq(classify(7), -1);
	status("{\"t\":8.0,\"vcpus\":[{\"id\":0,\"exits\":5}],"
	       "\"synic\":[{\"vp\":0,\"msg_queued\":2,\"msg_queued_since\":2.5}],"
	       "\"vmbus\":{\"channels\":[]}}");
	ck_assert_int_eq(classify(9), RV_LOST_VMBUS_MESSAGE);
	ck_assert_msg(strstr(detail, "VP 0: 2 message(s) queued for 5.5 s"), "%s", detail);
}
END_TEST

START_TEST(panics_and_faults)
{
	feed(boot_to_ready);
	ck_assert(!diag_feed_event(&d, "{\"t\":9.5,\"ev\":\"panic\",\"p\":[\"0x1e\",\"0x0\","
					"\"0x0\",\"0x0\",\"0x0\"]}"));
	ck_assert_int_eq(classify(10), RV_GUEST_PANIC);
	ck_assert_str_eq(detail, "crash MSRs: P0=0x1e");
	diag_free(&d);
	setup();
	feed(boot_to_ready);
	d.console_panic = true;
	ck_assert_int_eq(classify(10), RV_GUEST_PANIC);
	diag_free(&d);
	setup();
	ck_assert(!diag_feed_event(&d, "{\"t\":0.2,\"ev\":\"fault\",\"what\":\"triple fault\","
					"\"vcpu\":1}"));
	ck_assert_int_eq(classify(1), RV_TRIPLE_FAULT);
	ck_assert_str_eq(detail, "triple fault on vCPU 1");
}
END_TEST

START_TEST(exit_statuses)
{
	feed(boot_late_event_port);
	ck_assert_int_eq(classify_exit(3, 4, 0), RV_TRIPLE_FAULT);
	ck_assert_int_eq(classify_exit(3, 7, 0), RV_GUEST_PANIC);
	ck_assert_int_eq(classify_exit(3, 1, 0), RV_VMM_ERROR);
	ck_assert_str_eq(detail, "hvmm exited with status 1");
	ck_assert_int_eq(classify_exit(3, 0, 11), RV_VMM_ERROR);
	ck_assert_msg(strstr(detail, "signal 11"), "%s", detail);
	/* Powered off on its own before ready: how far it got. */
	ck_assert_int_eq(classify_exit(3, 0, 0), RV_SHUTDOWN_IC_NEVER_NEGOTIATED);
	ck_assert_int_eq(classify_exit(400, 5, 0), RV_SHUTDOWN_IC_NEVER_NEGOTIATED);
}
END_TEST

START_TEST(stage_verdicts_at_the_timeout)
{
	static const char *const only_start[] = {
		"{\"t\":0.0,\"ev\":\"start\"}", "{\"t\":0.01,\"ev\":\"vcpu_entry\",\"vcpu\":0}", NULL,
	};
	static const char *const to_serial[] = { "{\"t\":1.0,\"ev\":\"serial\"}", NULL };
	struct diag_cfg uefi = cfg_direct;

	feed(only_start);
	ck_assert_int_eq(classify(59), -1);
	ck_assert_int_eq(classify(61), RV_NO_SERIAL_OUTPUT);
	feed(to_serial);
	ck_assert_int_eq(classify(300), -1);
	ck_assert_int_eq(classify(361), RV_STUCK_BEFORE_VMBUS);
	diag_free(&d);

	uefi.uefi = true;
	diag_init(&d, &uefi);
	feed(only_start);
	feed(to_serial);
	ck_assert_int_eq(classify(361), RV_STUCK_IN_FIRMWARE);
	d.kernel_output = true; /* the kernel printed: past the firmware */
	ck_assert_int_eq(classify(361), RV_STUCK_BEFORE_VMBUS);
	diag_free(&d);

	setup();
	feed(boot_late_event_port);
	ck_assert_int_eq(classify(361), RV_SHUTDOWN_IC_NEVER_NEGOTIATED);
	ck_assert_msg(strstr(detail, "channel open"), "%s", detail);
	diag_free(&d);

	setup();
	feed(boot_to_ready);
	ck_assert_int_eq(classify(361), RV_TIMEOUT); /* ready, the runner never asked */
}
END_TEST

START_TEST(shutdown_not_acknowledged)
{
	feed(boot_to_ready);
	d.shutdown_sent = 10;
	ck_assert_int_eq(classify(39), -1);
	ck_assert_int_eq(classify(41), RV_SHUTDOWN_NOT_ACKNOWLEDGED);
	ck_assert_msg(strstr(detail, "never acknowledged"), "%s", detail);
	ck_assert(!diag_feed_event(&d, "{\"t\":10.1,\"ev\":\"shutdown_ack\",\"status\":0}"));
	ck_assert_int_eq(classify(41), RV_SHUTDOWN_NOT_ACKNOWLEDGED);
	ck_assert_msg(strstr(detail, "acknowledged but no power-off"), "%s", detail);
}
END_TEST

START_TEST(bad_input_is_refused_not_fatal)
{
	static const char *const bad[] = {
		"", "{", "[]", "null", "{\"t\":1}", "{\"ev\":\"serial\"}",
		"{\"t\":\"1\",\"ev\":\"serial\"}", "{\"t\":-1,\"ev\":\"serial\"}",
		"{\"t\":1,\"ev\":5}", "{\"t\":1,\"ev\":\"a\",\"ev\":\"b\"}",
	};
	struct diag_status st;
	char err[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(diag_feed_event(&d, bad[i]) == -EINVAL, "accepted '%s'", bad[i]);
	ck_assert_int_eq(d.nstages, 0);
	/* Odd but valid: unknown fields and wrong-typed details are ignored. */
	ck_assert(!diag_feed_event(&d, "{\"t\":1,\"ev\":\"vmbus_open\",\"name\":[1],\"x\":{}}"));
	ck_assert_int_eq(d.nstages, 1);
	ck_assert_int_eq(diag_status_parse("ok\nnot json", &st, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(diag_status_parse("{\"vcpus\":[]}", &st, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(diag_status_parse("{\"t\":1,\"vcpus\":7,\"vmbus\":{\"channels\":"
					   "[{\"h2g\":5},{\"name\":9,\"h2g\":{}}]}}", &st, err,
					   sizeof(err)), 0);
	ck_assert_int_eq(st.nchannels, 1);
	ck_assert_str_eq(st.ch[0].name, "?");
	ck_assert(st.ch[0].unread_since < 0);
}
END_TEST

START_TEST(the_documented_status_example_parses)
{
	/* docs/regress.md section 2, verbatim. */
	static const char doc[] =
		"{\"t\": 12.5,\n"
		" \"vcpus\": [{\"id\": 0, \"exits\": 123456, \"halted\": false}],\n"
		" \"synic\": [{\"vp\": 0, \"scontrol\": 1, \"simp\": \"0x...\", \"sint2_masked\": false}],\n"
		" \"vmbus\": {\"state\": \"connected\", \"version\": \"5.3\",\n"
		"           \"channels\": [{\"name\": \"shutdown\", \"relid\": 1, \"state\": \"open\",\n"
		"                         \"h2g\": {\"unread\": 120, \"unread_since\": 9.1,\n"
		"                                 \"guest_read_t\": 8.9, \"signals\": 1,\n"
		"                                 \"guest_mask\": false},\n"
		"                         \"g2h\": {\"unread\": 0, \"host_read_t\": 9.0}}]}}\n";
	struct diag_status st;
	char err[128];

	ck_assert_int_eq(diag_status_parse(doc, &st, err, sizeof(err)), 0);
	ck_assert(st.t == 12.5);
	ck_assert_int_eq(st.exits, 123456);
	ck_assert_int_eq(st.nchannels, 1);
	ck_assert_str_eq(st.ch[0].name, "shutdown");
	ck_assert_int_eq(st.ch[0].unread, 120);
	ck_assert(st.ch[0].unread_since == 9.1 && st.ch[0].guest_read_t == 8.9);
	ck_assert_int_eq(st.ch[0].signals, 1);
	ck_assert_int_eq(st.nvps, 0);
}
END_TEST

static Suite *regress_diagnose_suite(void)
{
	Suite *s = suite_create("regress_diagnose");
	TCase *tc = tcase_create("verdicts");

	tcase_set_timeout(tc, 10);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, healthy_boot_passes_and_records_stages);
	tcase_add_test(tc, late_event_port_is_a_lost_signal_naming_shutdown);
	tcase_add_test(tc, every_ic_stuck_names_shutdown_first);
	tcase_add_test(tc, healthy_slow_boot_is_not_flagged);
	tcase_add_test(tc, new_signals_restart_the_stall_clock);
	tcase_add_test(tc, queued_message_is_a_lost_message);
	tcase_add_test(tc, panics_and_faults);
	tcase_add_test(tc, exit_statuses);
	tcase_add_test(tc, stage_verdicts_at_the_timeout);
	tcase_add_test(tc, shutdown_not_acknowledged);
	tcase_add_test(tc, bad_input_is_refused_not_fatal);
	tcase_add_test(tc, the_documented_status_example_parses);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(regress_diagnose_suite)
