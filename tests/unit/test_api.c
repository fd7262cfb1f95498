// SPDX-License-Identifier: MIT
/*
 * The control socket, driven by hostile and clumsy clients: some close
 * before reading, trickle bytes, say nothing, send garbage or endless
 * lines, or come in crowds; and `hvmm ctl`'s client code against fake
 * servers that answer in tiny pieces or never. The VM is a bare struct vm
 * (no KVM, no VMBus) with a COM1 whose output is discarded.
 *
 * SIGPIPE keeps its default action here, as in a process that forgot to
 * ignore it: a reply written with plain write() to a client that went
 * away kills the test runner.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "api.h"
#include "uart.h"
#include "unit.h"
#include "util.h"
#include "vm.h"

#define TIMEOUT_MS 1000
#define MAX_CLIENTS 4

static struct vm vm;
static struct uart com1;
static struct api *api;
static char dir[64], sock_path[128];

static void setup(void)
{
	const struct api_limits lim = { .client_timeout_ms = TIMEOUT_MS,
					.max_clients = MAX_CLIENTS };

	memset(&vm, 0, sizeof(vm));
	vm.ncpus = 1;
	vm.mem.size = 64 << 20;
	vm.sys_fd = vm.vm_fd = vm.stop_efd = -1;
	ck_assert_int_eq(uart_init(&com1, -1, NULL, NULL), 0);
	vm.com1 = &com1;
	strcpy(dir, "/tmp/hvmm-api-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sock_path, sizeof(sock_path), "%s/sock", dir);
	ck_assert_int_eq(api_start_limits(&vm, sock_path, &lim, &api), 0);
}

static void teardown(void)
{
	api_stop(api);
	api = NULL;
	uart_destroy(&com1);
	rmdir(dir);
}

/* A client socket; blocking, but every wait in it is bounded. */
static int cl_connect(void)
{
	struct timeval tv = { .tv_sec = 3 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	strcpy(sa.sun_path, sock_path);
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), 0);
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "connect: %s",
		      strerror(errno));
	return fd;
}

static void cl_send(int fd, const void *buf, size_t len)
{
	ck_assert_int_eq(send(fd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* Read until EOF (or a reset, or the 3 s receive timeout): the reply. */
static size_t cl_recv_all(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t n;

	while (len < cap - 1 && (n = recv(fd, buf + len, cap - 1 - len, 0)) > 0)
		len += (size_t)n;
	buf[len] = 0;
	return len;
}

/* One complete request through hvmm ctl's own client code. */
static char *request(const char *cmd)
{
	char *reply = NULL;
	size_t len;
	int ret = api_request(sock_path, cmd, 3000, &reply, &len);

	ck_assert_msg(ret == 0, "request '%s': %s", cmd, strerror(-ret));
	ck_assert_ptr_nonnull(reply);
	return reply;
}

static void assert_serving(void)
{
	char *r = request("status\n");

	ck_assert_msg(api_reply_ok(r, strlen(r)), "status: %s", r);
	free(r);
}

START_TEST(status_reply)
{
	char *r = request("status\n");

	ck_assert(api_reply_ok(r, strlen(r)));
	ck_assert_ptr_nonnull(strstr(r, "vm: running, 1 vCPU(s), 64 MiB, hyperv off\n"));
	ck_assert_ptr_nonnull(strstr(r, "serial: 0 bytes out, 0 dropped\n"));
	ck_assert_ptr_nonnull(strstr(r, "vmbus: off\n"));
	free(r);
	r = request("frobnicate\n");
	ck_assert_str_eq(r, "error: unknown command 'frobnicate' (status, status-json, regs, "
			 "shutdown, remove, add)\n");
	free(r);
	r = request("shutdown --force\n");
	ck_assert(api_reply_ok(r, strlen(r)));
	free(r);
	ck_assert_int_eq(__atomic_load_n(&vm.stop_reason, __ATOMIC_ACQUIRE), VM_STOP_SIGNAL);
	r = request("status\n");
	ck_assert_ptr_nonnull(strstr(r, "vm: stopping"));
	free(r);
}
END_TEST

/* The machine-readable status (docs/regress.md section 2) without VMBus. */
START_TEST(status_json_reply)
{
	const char *const cmds[] = { "status-json\n", "status --json\n" };
	json_error_t je;
	json_t *o;
	char *r;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		r = request(cmds[i]);
		ck_assert_msg(api_reply_ok(r, strlen(r)), "%s: %s", cmds[i], r);
		ck_assert_msg(strchr(r + 3, '\n') == r + strlen(r) - 1, "not one line: %s", r);
		o = json_loads(r + 3, 0, &je);
		ck_assert_msg(o, "%s: %s", je.text, r);
		ck_assert(json_is_real(json_object_get(o, "t")));
		ck_assert_str_eq(json_string_value(json_object_get(o, "vm")), "running");
		ck_assert_uint_eq(json_array_size(json_object_get(o, "vcpus")), 0);
		ck_assert_uint_eq(json_array_size(json_object_get(o, "synic")), 0);
		ck_assert_str_eq(json_string_value(json_object_get(json_object_get(o, "vmbus"),
								   "state")), "off");
		ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(o, "events"),
								    "dropped")), 0);
		json_decref(o);
		free(r);
	}
	r = request("status --yaml\n");
	ck_assert_str_eq(r, "error: unknown status option '--yaml' (--json)\n");
	free(r);
	r = request("status-json --no-pause\n");
	ck_assert_msg(api_reply_ok(r, strlen(r)), "%s", r);
	free(r);
	r = request("status-json --yaml\n");
	ck_assert_str_eq(r, "error: unknown status-json option '--yaml' (--no-pause)\n");
	free(r);
	/* No vCPUs to pause: an error, never a hang. */
	r = request("regs\n");
	ck_assert_ptr_nonnull(strstr(r, "error: "));
	free(r);
}
END_TEST

/*
 * Defect 2: a client sends `status` and is gone before the reply. With
 * its read side shut down the reply write fails with EPIPE every time;
 * the plain closers race the reply. hvmm must survive and keep serving.
 */
START_TEST(client_gone_before_reply)
{
	int i;

	for (i = 0; i < 5; i++) {
		struct pollfd p;
		int fd = cl_connect();

		cl_send(fd, "status\n", 7);
		ck_assert_int_eq(shutdown(fd, SHUT_RD), 0);
		/* Hung up (both directions down) once the server tried and closed. */
		p = (struct pollfd){ .fd = fd, .events = 0 };
		ck_assert_int_eq(poll(&p, 1, 3000), 1);
		ck_assert(p.revents & POLLHUP);
		close(fd);
	}
	for (i = 0; i < 50; i++) {
		int fd = cl_connect();

		cl_send(fd, "status\n", 7);
		close(fd);
	}
	assert_serving();
}
END_TEST

/* A slow but complete line within the deadline is served. */
START_TEST(trickle_within_deadline)
{
	const char *cmd = "status\n";
	char buf[4096];
	int fd = cl_connect();
	size_t i;

	for (i = 0; i < strlen(cmd); i++) {
		cl_send(fd, cmd + i, 1);
		usleep(TIMEOUT_MS * 1000 / 20);
	}
	cl_recv_all(fd, buf, sizeof(buf));
	ck_assert_msg(api_reply_ok(buf, strlen(buf)), "reply: %s", buf);
	close(fd);
}
END_TEST

/* The deadline covers the whole request, not each read. */
START_TEST(trickle_past_deadline_dropped)
{
	uint64_t t0 = monotonic_ms();
	char buf[4096];
	int fd = cl_connect(), i;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	/* A byte every TIMEOUT_MS / 4: each read is quick, the line never ends. */
	for (i = 0; i < 12 && poll(&p, 1, TIMEOUT_MS / 4) == 0; i++)
		cl_send(fd, "s", 1);
	cl_recv_all(fd, buf, sizeof(buf));
	ck_assert_str_eq(buf, "error: timed out waiting for a command\n");
	ck_assert_uint_lt(monotonic_ms() - t0, TIMEOUT_MS + 500);
	close(fd);
	assert_serving();
}
END_TEST

/* A client that connects and says nothing does not hold up the others. */
START_TEST(silent_client_does_not_block)
{
	int silent = cl_connect(), i;

	for (i = 0; i < 3; i++) {
		uint64_t t0 = monotonic_ms();

		assert_serving();
		ck_assert_uint_lt(monotonic_ms() - t0, 300);
	}
	close(silent);
}
END_TEST

START_TEST(garbage_rejected)
{
	static const char junk[] = "\x01\x02\xff\xfe status\n";
	char buf[4096];
	int fd = cl_connect();

	cl_send(fd, junk, sizeof(junk) - 1);
	cl_recv_all(fd, buf, sizeof(buf));
	ck_assert_str_eq(buf, "error: malformed command: non-printable byte 0x01\n");
	close(fd);
	/* NUL bytes are not a way to cut a command short either. */
	fd = cl_connect();
	cl_send(fd, "status\0junk\n", 12);
	cl_recv_all(fd, buf, sizeof(buf));
	ck_assert_str_eq(buf, "error: malformed command: non-printable byte 0x00\n");
	close(fd);
	assert_serving();
}
END_TEST

/* More than 4 KiB without a newline: a clear error, and the reply arrives whole. */
START_TEST(long_line_rejected)
{
	static char big[8192];
	char buf[4096];
	uint64_t t0 = monotonic_ms();
	int fd = cl_connect();

	memset(big, 'a', sizeof(big));
	cl_send(fd, big, sizeof(big));
	cl_recv_all(fd, buf, sizeof(buf));
	ck_assert_str_eq(buf, "error: command line too long (at most 255 bytes)\n");
	ck_assert_uint_lt(monotonic_ms() - t0, TIMEOUT_MS + 500);
	close(fd);
	assert_serving();
}
END_TEST

/* Over the cap: a polite refusal; under it, everyone is served. */
START_TEST(client_cap)
{
	int fds[MAX_CLIENTS + 6], ok = 0, refused = 0;
	char buf[4096];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fds); i++)
		fds[i] = cl_connect();
	usleep(200 * 1000); /* all accepted: MAX_CLIENTS in slots, the rest refused */
	for (i = 0; i < ARRAY_SIZE(fds); i++) {
		send(fds[i], "status\n", 7, MSG_NOSIGNAL); /* refused ones: EPIPE */
		cl_recv_all(fds[i], buf, sizeof(buf));
		if (api_reply_ok(buf, strlen(buf)))
			ok++;
		else if (!strcmp(buf, "error: too many control clients (at most 4); try again\n"))
			refused++;
		else
			ck_abort_msg("client %u: unexpected reply '%s'", i, buf);
		close(fds[i]);
	}
	ck_assert_int_eq(ok, MAX_CLIENTS);
	ck_assert_int_eq(refused, (int)ARRAY_SIZE(fds) - MAX_CLIENTS);
	assert_serving();
}
END_TEST

static void *requester(void *arg)
{
	int i, *good = arg;

	for (i = 0; i < 20; i++) {
		char *reply = NULL;
		size_t len;

		if (!api_request(sock_path, "status\n", 3000, &reply, &len) &&
		    api_reply_ok(reply, len))
			(*good)++;
		free(reply);
	}
	return NULL;
}

START_TEST(concurrent_clients)
{
	pthread_t t[MAX_CLIENTS];
	int good[MAX_CLIENTS] = { 0 }, silent = cl_connect();
	unsigned int i;

	/* One slot taken by a silent client; the others share the rest. */
	for (i = 0; i < MAX_CLIENTS - 1; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, requester, &good[i]), 0);
	for (i = 0; i < MAX_CLIENTS - 1; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(good[i], 20);
	}
	close(silent);
}
END_TEST

/* api_stop never waits for a client, whatever state it is in. */
START_TEST(stop_with_clients_connected)
{
	int fds[3], i;
	uint64_t t0;

	fds[0] = cl_connect();             /* says nothing */
	fds[1] = cl_connect();
	cl_send(fds[1], "sta", 3);         /* half a line */
	fds[2] = cl_connect();
	cl_send(fds[2], "status\n", 7);    /* never reads its reply */
	usleep(100 * 1000);
	t0 = monotonic_ms();
	api_stop(api);
	api = NULL;
	ck_assert_uint_lt(monotonic_ms() - t0, 200);
	ck_assert_int_ne(access(sock_path, F_OK), 0);
	for (i = 0; i < 3; i++)
		close(fds[i]);
}
END_TEST

/* ---- hvmm ctl's client against fake servers ---- */

struct fake {
	int listen_fd;
	const char *reply;   /* NULL: never answer */
	pthread_t thread;
	int stop_efd[2];     /* pipe: the test says "done" */
};

static struct fake fake;

static void *fake_thread(void *arg)
{
	struct fake *f = arg;
	char line[256];
	int fd = accept(f->listen_fd, NULL, NULL);
	struct pollfd p = { .fd = f->stop_efd[0], .events = POLLIN };
	size_t i;

	if (fd < 0)
		return NULL;
	if (read(fd, line, sizeof(line)) <= 0 || !f->reply) {
		poll(&p, 1, 10000); /* silent until the test is done */
	} else {
		for (i = 0; f->reply[i]; i++) {
			if (send(fd, f->reply + i, 1, MSG_NOSIGNAL) != 1)
				break;
			usleep(2000);
		}
	}
	close(fd);
	return NULL;
}

static void fake_start(const char *reply)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	strcpy(dir, "/tmp/hvmm-ctl-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sock_path, sizeof(sock_path), "%s/sock", dir);
	strcpy(sa.sun_path, sock_path);
	fake.reply = reply;
	fake.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fake.listen_fd, 0);
	ck_assert_int_eq(bind(fake.listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fake.listen_fd, 4), 0);
	ck_assert_int_eq(pipe(fake.stop_efd), 0);
	ck_assert_int_eq(pthread_create(&fake.thread, NULL, fake_thread, &fake), 0);
}

static void fake_stop(void)
{
	ck_assert_int_eq(write(fake.stop_efd[1], "x", 1), 1);
	shutdown(fake.listen_fd, SHUT_RDWR);
	pthread_join(fake.thread, NULL);
	close(fake.listen_fd);
	close(fake.stop_efd[0]);
	close(fake.stop_efd[1]);
	unlink(sock_path);
	rmdir(dir);
}

/* hvmm ctl as a command: its exit status, with stdout thrown away. */
static int ctl(const char *timeout_s, const char *cmd)
{
	char *argv[] = { "ctl", "--timeout", (char *)timeout_s, sock_path, (char *)cmd, NULL };

	ck_assert_ptr_nonnull(freopen("/dev/null", "w", stdout));
	return api_client(5, argv);
}

/* A reply in 1-byte pieces: the verdict waits for the whole first line. */
START_TEST(ctl_reply_in_pieces)
{
	char *reply = NULL;
	size_t len;

	fake_start("ok\nvm: running\n");
	ck_assert_int_eq(api_request(sock_path, "status\n", 3000, &reply, &len), 0);
	ck_assert_str_eq(reply, "ok\nvm: running\n");
	ck_assert(api_reply_ok(reply, len));
	free(reply);
	fake_stop();
	fake_start("ok\nvm: running\n");
	ck_assert_int_eq(ctl("5", "status"), 0);
	fake_stop();
}
END_TEST

START_TEST(ctl_first_line_decides)
{
	ck_assert(api_reply_ok("ok\n", 3));
	ck_assert(api_reply_ok("ok\nmore\n", 8));
	ck_assert(!api_reply_ok("okay\n", 5));
	ck_assert(!api_reply_ok("ok", 2));
	ck_assert(!api_reply_ok("o", 1));
	ck_assert(!api_reply_ok("error: ok\n", 10));
	ck_assert(!api_reply_ok(NULL, 0));
	fake_start("error: no\n");
	ck_assert_int_eq(ctl("5", "status"), HVMM_EXIT_ERROR);
	fake_stop();
	fake_start("okay\n");
	ck_assert_int_eq(ctl("5", "status"), HVMM_EXIT_ERROR);
	fake_stop();
}
END_TEST

/* A server that accepts and never answers: bounded by the timeout. */
START_TEST(ctl_server_never_answers)
{
	char *reply = NULL;
	size_t len;
	uint64_t t0 = monotonic_ms();

	fake_start(NULL);
	ck_assert_int_eq(api_request(sock_path, "status\n", 300, &reply, &len), -ETIMEDOUT);
	ck_assert_uint_lt(monotonic_ms() - t0, 1000);
	free(reply);
	fake_stop();
	fake_start(NULL);
	t0 = monotonic_ms();
	ck_assert_int_eq(ctl("1", "status"), HVMM_EXIT_TIMEOUT);
	ck_assert_uint_lt(monotonic_ms() - t0, 2000);
	fake_stop();
}
END_TEST

START_TEST(ctl_usage)
{
	char *bad_timeout[] = { "ctl", "--timeout", "0", "/x", "status", NULL };
	char *no_cmd[] = { "ctl", "/x", NULL };

	ck_assert_int_eq(api_client(5, bad_timeout), HVMM_EXIT_USAGE);
	ck_assert_int_eq(api_client(2, no_cmd), HVMM_EXIT_USAGE);
}
END_TEST

static Suite *api_suite(void)
{
	Suite *s = suite_create("api");
	TCase *tc = tcase_create("server");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 15);
	tcase_add_test(tc, status_reply);
	tcase_add_test(tc, status_json_reply);
	tcase_add_test(tc, client_gone_before_reply);
	tcase_add_test(tc, trickle_within_deadline);
	tcase_add_test(tc, trickle_past_deadline_dropped);
	tcase_add_test(tc, silent_client_does_not_block);
	tcase_add_test(tc, garbage_rejected);
	tcase_add_test(tc, long_line_rejected);
	tcase_add_test(tc, client_cap);
	tcase_add_test(tc, concurrent_clients);
	tcase_add_test(tc, stop_with_clients_connected);
	suite_add_tcase(s, tc);

	tc = tcase_create("ctl");
	tcase_set_timeout(tc, 15);
	tcase_add_test(tc, ctl_reply_in_pieces);
	tcase_add_test(tc, ctl_first_line_decides);
	tcase_add_test(tc, ctl_server_never_answers);
	tcase_add_test(tc, ctl_usage);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(api_suite)
