// SPDX-License-Identifier: MIT
/*
 * The gdbstub core against the real Debian gdb (skipped if `gdb` is not
 * installed): gdb connects over TCP to a session on the fake target
 * (gdb_fake.h), and the test plays a tiny VM: a continue stops at the
 * planted int3 or the armed write watchpoint, a step moves RIP. This
 * proves that gdb accepts our target.xml and 'g' layout, memory, Z0/Z2,
 * the stop replies, threads and detach, which the packet-level tests
 * cannot.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gdb_session.h"

#define BP_ADDR 0x2000
#define WATCH_ADDR 0x3000

static int sock = -1;

static int sock_tx(void *t, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(sock, p, len);

		if (n <= 0)
			return -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The fake VM runs until something gdb armed happens. */
static void vm_run(void)
{
	struct gdb_stop st = { .reason = GDB_STOP_SIGNAL, .signal = 5 };
	unsigned int i;

	for (i = 0; i < F.vcpus; i++) {
		if (F.act[i].kind == GDB_RESUME_STEP || F.act[i].kind == GDB_RESUME_RANGE) {
			F.regs[i].rip += 2;
			st.vcpu = i;
			gdb_session_stopped(S, &st);
			return;
		}
	}
	for (i = 0; i < GDB_HW_SLOTS; i++) {
		if ((F.dbg.dr7 >> (2 * i) & 3) && (F.dbg.dr7 >> (16 + 4 * i) & 3) == 1) {
			uint64_t dr6 = 1ULL << i;

			F.ram[F.dbg.dr[i]]++; /* the guest writes the watched byte */
			F.regs[0].rip += 3;
			ck_assert(gdb_session_stop_from_dr6(S, 0, dr6, &st));
			gdb_session_stopped(S, &st);
			return;
		}
	}
	if (gdb_session_sw_bp_at(S, BP_ADDR) && F.ram[BP_ADDR] == 0xcc) {
		F.regs[0].rip = BP_ADDR;
		st.reason = GDB_STOP_SWBREAK;
		gdb_session_stopped(S, &st);
		return;
	}
	st.reason = GDB_STOP_EXITED;
	st.signal = 0;
	gdb_session_stopped(S, &st);
}

static const char *const script[] = {
	"set remotetimeout 10",
	NULL, /* target remote 127.0.0.1:PORT */
	"info registers rip",
	"p/x $cr3",
	"p/x $cr0",
	"p $cs",
	"x/4xb 0x1000",
	"info threads",
	"break *0x2000",
	"continue",
	"p/x $pc",
	"stepi",
	"p/x $pc",
	"delete",
	"watch *(char *)0x3000",
	"continue",
	"delete",
	"thread 2",
	"p/x $rip",
	"detach",
};

static char *read_file(const char *path)
{
	static char buf[65536];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	return buf;
}

START_TEST(real_gdb_session)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	char out_path[] = "/tmp/hvmm-gdb-real-XXXXXX", target[64];
	char *argv[3 + 2 * (sizeof(script) / sizeof(script[0])) + 1];
	struct gdb_target_ops ops = fake_ops;
	struct pollfd pfd;
	time_t end = time(NULL) + 40;
	int lfd, ofd, status, argc = 0, rc = 0;
	unsigned int i, port;
	pid_t pid;
	char *out;

	if (system("command -v gdb >/dev/null 2>&1")) {
		fprintf(stderr, "test_gdb_real: no gdb installed, skipped\n");
		return;
	}
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(lfd, 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(lfd, 1), 0);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&a, &alen), 0);
	port = ntohs(a.sin_port);
	ofd = mkstemp(out_path);
	ck_assert_int_ge(ofd, 0);

	argv[argc++] = "gdb";
	argv[argc++] = "-nx";
	argv[argc++] = "-batch";
	for (i = 0; i < sizeof(script) / sizeof(script[0]); i++) {
		argv[argc++] = "-ex";
		if (script[i]) {
			argv[argc++] = (char *)script[i];
			continue;
		}
		snprintf(target, sizeof(target), "target remote 127.0.0.1:%u", port);
		argv[argc++] = target;
	}
	argv[argc] = NULL;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		dup2(ofd, 1);
		dup2(ofd, 2);
		execvp("gdb", argv);
		_exit(127);
	}

	pfd = (struct pollfd){ .fd = lfd, .events = POLLIN };
	ck_assert_int_eq(poll(&pfd, 1, 20000), 1);
	sock = accept(lfd, NULL, NULL);
	ck_assert_int_ge(sock, 0);
	ops.tx = sock_tx;
	gdb_session_free(S);
	S = gdb_session_new(&ops, &F);
	while (rc == 0 && time(NULL) < end) {
		uint8_t buf[4096];
		ssize_t n;

		pfd = (struct pollfd){ .fd = sock, .events = POLLIN };
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		n = read(sock, buf, sizeof(buf));
		if (n <= 0)
			break;
		rc = gdb_session_input(S, buf, (size_t)n);
		if (gdb_session_running(S))
			vm_run();
	}
	close(sock);
	close(lfd);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	out = read_file(out_path);
	unlink(out_path);
	if (getenv("HVMM_GDB_REAL_VERBOSE"))
		fprintf(stderr, "%s", out);
	ck_assert_msg(rc == 1, "session did not end with detach; gdb said:\n%s", out);
	ck_assert_msg(strstr(out, "rip            0x200000") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "$1 = 0x1000") != NULL, "cr3: %s", out);
	ck_assert_msg(strstr(out, "$2 = 0x80050033") != NULL, "cr0: %s", out);
	ck_assert_msg(strstr(out, "$3 = 16") != NULL, "cs: %s", out);
	ck_assert_msg(strstr(out, "0x1000:\t0x03\t0x0a\t0x11\t0x18") != NULL, "x/4xb: %s", out);
	ck_assert_msg(strstr(out, "Thread 2") != NULL, "threads: %s", out);
	ck_assert_msg(strstr(out, "Breakpoint 1, 0x0000000000002000") != NULL, "break: %s", out);
	ck_assert_msg(strstr(out, "$4 = 0x2000") != NULL, "pc at bp: %s", out);
	ck_assert_msg(strstr(out, "$5 = 0x2002") != NULL, "pc after stepi: %s", out);
	ck_assert_msg(strstr(out, "Hardware watchpoint 2") != NULL, "watch: %s", out);
	ck_assert_msg(strstr(out, "New value = 4") != NULL, "watch hit: %s", out);
	ck_assert_msg(strstr(out, "$6 = 0x200001") != NULL, "thread 2 rip: %s", out);
	ck_assert_int_eq(F.ram[BP_ADDR], (uint8_t)(BP_ADDR * 7 + 3)); /* int3 gone */
	ck_assert_uint_eq(F.n_detach, 1);
}
END_TEST

static Suite *gdb_real_suite(void)
{
	Suite *s = suite_create("gdb_real");
	TCase *tc = tcase_create("real");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, real_gdb_session);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(gdb_real_suite)
