// SPDX-License-Identifier: MIT
/*
 * The gdbstub server (vmm/gdb/gdb_server.c): address parsing, the stub
 * thread with a "VM" thread that reports stops the way vCPU threads
 * will, Debian's gdb attaching twice over TCP, an abrupt disconnect that
 * must leave the VM clean and running, and unix sockets.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gdb/gdb_server.h"
#include "gdb_raw.h"
#include "gdb_session.h"

/* ---- the fake VM thread ------------------------------------------------------ */

enum vm_cmd { VM_IDLE, VM_RESUME, VM_STOP_ALL, VM_QUIT };

static pthread_mutex_t vm_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t vm_cond = PTHREAD_COND_INITIALIZER;
static enum vm_cmd vm_cmd;
static struct gdb_server *srv;

static void vm_post(enum vm_cmd c)
{
	pthread_mutex_lock(&vm_lock);
	vm_cmd = c;
	pthread_cond_signal(&vm_cond);
	pthread_mutex_unlock(&vm_lock);
}

static int vm_resume(void *t, const struct gdb_resume *act)
{
	fake_resume(t, act);
	vm_post(VM_RESUME);
	return 0;
}

static int vm_stop_all(void *t)
{
	fake_stop_all(t);
	vm_post(VM_STOP_ALL);
	return 0;
}

/* A resume: step, or run into the int3 at 0x2000, or run until stopped. */
static void *vm_thread(void *arg)
{
	for (;;) {
		struct gdb_stop st = { .reason = GDB_STOP_SIGNAL, .signal = 5 };
		struct gdb_server *sv;
		enum vm_cmd c;
		unsigned int i;

		pthread_mutex_lock(&vm_lock);
		while (vm_cmd == VM_IDLE)
			pthread_cond_wait(&vm_cond, &vm_lock);
		c = vm_cmd;
		vm_cmd = VM_IDLE;
		sv = srv; /* set under vm_lock by start_server() */
		pthread_mutex_unlock(&vm_lock);
		if (c == VM_QUIT)
			return NULL;
		if (c == VM_STOP_ALL) {
			st.signal = 2;
			gdb_server_report_stop(sv, &st);
			continue;
		}
		for (i = 0; i < F.vcpus && F.act[i].kind != GDB_RESUME_STEP; i++)
			;
		if (i < F.vcpus) {
			F.regs[i].rip += 2;
			st.vcpu = i;
			gdb_server_report_stop(sv, &st);
		} else if (F.ram[0x2000] == 0xcc) {
			F.regs[0].rip = 0x2000;
			st.reason = GDB_STOP_SWBREAK;
			gdb_server_report_stop(sv, &st);
		} /* else: runs until stop_all */
	}
}

static void vm_detach(void *t)
{
	pthread_mutex_lock(&vm_lock);
	fake_detach(t);
	pthread_mutex_unlock(&vm_lock);
}

/* Wait (bounded) until the stub has detached n times in all. */
static bool wait_detaches(unsigned int n)
{
	unsigned int i, got = 0;

	for (i = 0; i < 500 && got < n; i++) {
		pthread_mutex_lock(&vm_lock);
		got = F.n_detach;
		pthread_mutex_unlock(&vm_lock);
		if (got < n)
			usleep(10 * 1000);
	}
	return got >= n;
}

static pthread_t vm;
static struct gdb_target_ops vm_ops;

static int start_server(const char *spec, bool stopped)
{
	struct gdb_server *sv = NULL;
	int err = gdb_server_start(spec, &vm_ops, &F, stopped, &sv);

	pthread_mutex_lock(&vm_lock);
	srv = sv;
	pthread_mutex_unlock(&vm_lock);
	return err;
}

static void server_setup(void)
{
	setup();
	vm_ops = fake_ops;
	vm_ops.resume = vm_resume;
	vm_ops.stop_all = vm_stop_all;
	vm_ops.detach = vm_detach;
	vm_cmd = VM_IDLE;
	ck_assert_int_eq(pthread_create(&vm, NULL, vm_thread, NULL), 0);
}

static void server_teardown(void)
{
	gdb_server_stop(srv);
	start_server("unix:", true); /* fails: clears srv under the lock */
	vm_post(VM_QUIT);
	pthread_join(vm, NULL);
	teardown();
}

/* ---- helpers ------------------------------------------------------------------ */

static char *gdb_batch(const char *const *cmds, unsigned int n)
{
	static char out[32768];
	const char *argv[48];
	char target[64];
	int pfd[2], argc = 0, status;
	unsigned int i;
	size_t len = 0;
	ssize_t k;
	pid_t pid;

	snprintf(target, sizeof(target), "target remote 127.0.0.1:%u", gdb_server_port(srv));
	argv[argc++] = "gdb";
	argv[argc++] = "-nx";
	argv[argc++] = "-batch";
	for (i = 0; i < n && argc < 45; i++) {
		argv[argc++] = "-ex";
		argv[argc++] = cmds[i] ? cmds[i] : target;
	}
	argv[argc] = NULL;
	ck_assert_int_eq(pipe(pfd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		execvp("gdb", (char **)argv);
		_exit(127);
	}
	close(pfd[1]);
	while ((k = read(pfd[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += (size_t)k;
	out[len] = 0;
	close(pfd[0]);
	waitpid(pid, &status, 0);
	if (getenv("HVMM_GDB_REAL_VERBOSE"))
		fprintf(stderr, "%s", out);
	return out;
}

/* ---- tests -------------------------------------------------------------------- */

START_TEST(addr_parse)
{
	static const char *const bad[] = { "", "tcp:", "tcp:host:", "tcp:70000", "tcp:12ab",
					   "tcp:-1", "udp:1", "unix:", "tcp::1234", "1234",
					   "tcp:no.such.host.invalid:1", "tcp: 1", "tcp:1 " };
	struct gdb_addr a;
	char longpath[200] = "unix:";
	unsigned int i;

	ck_assert_int_eq(gdb_addr_parse("tcp:1234", &a), 0);
	ck_assert_int_eq(a.family, AF_INET);
	ck_assert_uint_eq(ntohs(((struct sockaddr_in *)&a.sa)->sin_port), 1234);
	/* Loopback unless the host is given. */
	ck_assert_uint_eq(ntohl(((struct sockaddr_in *)&a.sa)->sin_addr.s_addr), INADDR_LOOPBACK);
	ck_assert_int_eq(gdb_addr_parse("tcp:localhost:7", &a), 0);
	ck_assert_uint_eq(ntohl(((struct sockaddr_in *)&a.sa)->sin_addr.s_addr), INADDR_LOOPBACK);
	ck_assert_int_eq(gdb_addr_parse("tcp:0.0.0.0:99", &a), 0);
	ck_assert_uint_eq(((struct sockaddr_in *)&a.sa)->sin_addr.s_addr, 0);
	ck_assert_int_eq(gdb_addr_parse("tcp:::1:5", &a), 0);
	ck_assert_int_eq(a.family, AF_INET6);
	ck_assert_int_eq(gdb_addr_parse("unix:/tmp/gdb.sock", &a), 0);
	ck_assert_int_eq(a.family, AF_UNIX);
	ck_assert_str_eq(((struct sockaddr_un *)&a.sa)->sun_path, "/tmp/gdb.sock");
	memset(longpath + 5, 'x', 150);
	ck_assert_int_eq(gdb_addr_parse(longpath, &a), -EINVAL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(gdb_addr_parse(bad[i], &a) == -EINVAL, "accepted '%s'", bad[i]);
	ck_assert_int_eq(start_server("tcp:x", true), -EINVAL);
	ck_assert_ptr_null(srv);
}
END_TEST

START_TEST(gdb_twice_and_hangup)
{
	static const char *const first[] = { NULL, "break *0x2000", "continue", "p/x $pc",
					     "stepi", "p/x $pc", "detach" };
	static const char *const second[] = { NULL, "p/x $pc", "info threads", "detach" };
	struct gdb_addr a;
	char *out;
	int fd;

	if (system("command -v gdb >/dev/null 2>&1"))
		return;
	ck_assert_int_eq(start_server("tcp:127.0.0.1:0", true), 0);
	ck_assert_uint_ne(gdb_server_port(srv), 0);
	out = gdb_batch(first, sizeof(first) / sizeof(first[0]));
	ck_assert_msg(strstr(out, "Breakpoint 1, 0x0000000000002000") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "$1 = 0x2000") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "$2 = 0x2002") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "detached") != NULL, "%s", out);

	/* The VM runs now. A client that plants an int3 and vanishes. */
	ck_assert_int_eq(gdb_addr_parse("tcp:127.0.0.1:1", &a), 0);
	((struct sockaddr_in *)&a.sa)->sin_port = htons((uint16_t)gdb_server_port(srv));
	fd = connect_to(&a);
	ck_assert_str_eq(raw_ask(fd, "?"), "T02thread:1;"); /* attach stopped the VM */
	ck_assert_str_eq(raw_ask(fd, "Z0,3000,1"), "OK");
	close(fd);
	ck_assert(wait_detaches(2));
	ck_assert_uint_eq(F.ram[0x3000], (uint8_t)(0x3000 * 7 + 3)); /* int3 removed */

	/* A second gdb attaches to the running VM later. */
	out = gdb_batch(second, sizeof(second) / sizeof(second[0]));
	ck_assert_msg(strstr(out, "$1 = 0x2002") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "Thread 2") != NULL, "%s", out);
	ck_assert(wait_detaches(3));
}
END_TEST

START_TEST(unix_socket)
{
	char spec[96];
	struct gdb_addr a;
	struct stat st;
	int fd;

	snprintf(spec, sizeof(spec), "unix:/tmp/hvmm-gdb-test-%d.sock", (int)getpid());
	ck_assert_int_eq(gdb_addr_parse(spec, &a), 0);
	/* A regular file at the path is never removed. */
	fd = open(spec + 5, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(start_server(spec, true), -EADDRINUSE);
	ck_assert_int_eq(stat(spec + 5, &st), 0);
	unlink(spec + 5);
	ck_assert_int_eq(start_server(spec, true), 0);
	ck_assert_uint_eq(gdb_server_port(srv), 0);
	fd = connect_to(&a);
	ck_assert_str_eq(raw_ask(fd, "qC"), "QC1");
	ck_assert_str_eq(raw_ask(fd, "D"), "OK");
	close(fd);
	gdb_server_stop(srv);
	start_server("unix:", true); /* fails: clears srv under the lock */
	ck_assert_int_ne(stat(spec + 5, &st), 0); /* unlinked on stop */
	/* A stale socket file (nobody listening) is replaced. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a.sa, a.len), 0);
	close(fd);
	ck_assert_int_eq(start_server(spec, true), 0);
}
END_TEST

START_TEST(stop_without_gdb)
{
	struct gdb_stop st = { .reason = GDB_STOP_HWBREAK, .vcpu = 1 };
	struct gdb_addr a;
	int fd;

	ck_assert_int_eq(start_server("tcp:127.0.0.1:0", false), 0);
	/* The glue parks the VM for a reason while nobody is attached. */
	gdb_server_report_stop(srv, &st);
	usleep(100 * 1000);
	ck_assert_int_eq(gdb_addr_parse("tcp:127.0.0.1:1", &a), 0);
	((struct sockaddr_in *)&a.sa)->sin_port = htons((uint16_t)gdb_server_port(srv));
	fd = connect_to(&a);
	ck_assert_str_eq(raw_ask(fd, "?"), "T05thread:2;hwbreak:;");
	close(fd);
}
END_TEST

/*
 * The VM ends while gdb waits in `c`: the glue reports GDB_STOP_EXITED
 * and stops the server at once; gdb must still get its W packet (the
 * stop is handled before the quit when both are pending).
 */
START_TEST(exit_reaches_gdb)
{
	struct gdb_stop st = { .reason = GDB_STOP_EXITED, .signal = 0 };
	int fd;

	ck_assert_int_eq(start_server("tcp:127.0.0.1:0", true), 0);
	fd = connect_port(gdb_server_port(srv));
	ck_assert_str_eq(raw_ask(fd, "qC"), "QC1");
	raw_send(fd, "c");
	usleep(50 * 1000); /* the fake VM thread resumed: nothing stops it */
	gdb_server_report_stop(srv, &st);
	gdb_server_stop(srv);
	start_server("unix:", true); /* fails: clears srv under the lock */
	ck_assert_str_eq(raw_reply(fd, false), "W00");
	close(fd);
}
END_TEST

static Suite *gdb_server_suite(void)
{
	Suite *s = suite_create("gdb_server");
	TCase *tc = tcase_create("server");

	tcase_add_checked_fixture(tc, server_setup, server_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, addr_parse);
	tcase_add_test(tc, gdb_twice_and_hangup);
	tcase_add_test(tc, unix_socket);
	tcase_add_test(tc, stop_without_gdb);
	tcase_add_test(tc, exit_reaches_gdb);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(gdb_server_suite)
