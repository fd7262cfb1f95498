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

static const char *const script64[] = {
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

/*
 * Run gdb -batch with `script` (a NULL entry is "target remote" to our
 * port) against a session on the fake target; the session's last input
 * result goes to *rc. Returns gdb's output, or NULL if gdb is missing.
 */
static char *run_gdb(const char *const *script, size_t n, int *rc)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	char out_path[] = "/tmp/hvmm-gdb-real-XXXXXX", target[64];
	const char *argv[3 + 2 * 32 + 1];
	struct gdb_target_ops ops = fake_ops;
	struct pollfd pfd;
	time_t end = time(NULL) + 40;
	int lfd, ofd, status, argc = 0;
	unsigned int i, port;
	pid_t pid;
	char *out;

	*rc = 0;
	if (system("command -v gdb >/dev/null 2>&1")) {
		fprintf(stderr, "test_gdb_real: no gdb installed, skipped\n");
		return NULL;
	}
	ck_assert_uint_le(n, 32);
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
	snprintf(target, sizeof(target), "target remote 127.0.0.1:%u", port);
	for (i = 0; i < n; i++) {
		argv[argc++] = "-ex";
		argv[argc++] = script[i] ? script[i] : target;
	}
	argv[argc] = NULL;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		dup2(ofd, 1);
		dup2(ofd, 2);
		execvp("gdb", (char **)argv);
		_exit(127);
	}

	pfd = (struct pollfd){ .fd = lfd, .events = POLLIN };
	ck_assert_int_eq(poll(&pfd, 1, 20000), 1);
	sock = accept(lfd, NULL, NULL);
	ck_assert_int_ge(sock, 0);
	ops.tx = sock_tx;
	gdb_session_free(S);
	S = gdb_session_new(&ops, &F);
	while (*rc == 0 && time(NULL) < end) {
		uint8_t buf[4096];
		ssize_t k;

		pfd = (struct pollfd){ .fd = sock, .events = POLLIN };
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		k = read(sock, buf, sizeof(buf));
		if (k <= 0)
			break;
		*rc = gdb_session_input(S, buf, (size_t)k);
		if (gdb_session_running(S))
			vm_run();
	}
	close(sock);
	close(lfd);
	close(ofd);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	out = read_file(out_path);
	unlink(out_path);
	if (getenv("HVMM_GDB_REAL_VERBOSE"))
		fprintf(stderr, "%s", out);
	return out;
}

#define SCRIPT_LEN(a) (sizeof(a) / sizeof((a)[0]))

START_TEST(real_gdb_session)
{
	int rc;
	char *out = run_gdb(script64, SCRIPT_LEN(script64), &rc);

	if (!out)
		return;
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

/* Attach at the reset vector: real mode gets the i8086 description. */
static const char *const script16[] = {
	NULL,
	"show architecture",
	"p/x $eip",
	"p/x $cs",
	"p/x $eax",
	"p/x $cr0",
	"p/x $cs_base + $eip",
	"stepi",
	"p/x $eip",
	"detach",
};

START_TEST(real_gdb_real_mode)
{
	int rc;
	char *out;

	F.regs[0].cr0 = 0x60000010; /* reset value: PE clear */
	F.regs[0].rip = 0xfff0;
	F.regs[0].seg[0] = 0xf000;
	F.regs[0].cs_base = 0xffff0000;
	F.regs[0].gpr[0] = 0x1122334455667788ULL;
	out = run_gdb(script16, SCRIPT_LEN(script16), &rc);
	if (!out)
		return;
	ck_assert_msg(rc == 1, "session did not end with detach; gdb said:\n%s", out);
	ck_assert_msg(strstr(out, "(currently \"i8086\")") != NULL, "arch: %s", out);
	ck_assert_msg(strstr(out, "$1 = 0xfff0") != NULL, "eip: %s", out);
	ck_assert_msg(strstr(out, "$2 = 0xf000") != NULL, "cs: %s", out);
	ck_assert_msg(strstr(out, "$3 = 0x55667788") != NULL, "eax: %s", out);
	ck_assert_msg(strstr(out, "$4 = 0x60000010") != NULL, "cr0: %s", out);
	ck_assert_msg(strstr(out, "$5 = 0xfffffff0") != NULL, "reset vector: %s", out);
	ck_assert_msg(strstr(out, "$6 = 0xfff2") != NULL, "stepi: %s", out);
	/* The step wrote nothing back beyond what it changed. */
	ck_assert_uint_eq(F.regs[0].gpr[0], 0x1122334455667788ULL);
}
END_TEST

static Suite *gdb_real_suite(void)
{
	Suite *s = suite_create("gdb_real");
	TCase *tc = tcase_create("real");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, real_gdb_session);
	tcase_add_test(tc, real_gdb_real_mode);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(gdb_real_suite)
