// SPDX-License-Identifier: MIT
/*
 * The gdbstub's KVM glue (vmm/vm_gdb.c) without KVM: two fake vCPU
 * threads run the glue's park point in a loop and raise debug exits when
 * told, a raw client drives the stub over TCP. Checks the all-stop
 * protocol end to end: --gdb-wait, a step on one vCPU while the other
 * continues, Ctrl-C, a guest #BP that is not gdb's, a planted int3, a
 * range step, detach, and the VM's exit reaching gdb as W. Also in
 * `make unit-tsan`: the parking is the glue's concurrency.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gdb_raw.h"
#include "util.h"
#include "vcpu.h"
#include "vm.h"
#include "vm_gdb.h"

#define NCPUS 2
#define DR6_BS (1ULL << 14)

static struct vm vm;
static struct vm_config cfg;
static struct vcpu vcpus[NCPUS];
static struct kvm_run runs[NCPUS];
static pthread_t threads[NCPUS];
static bool wait_mode = true; /* --gdb-wait */

/* A debug exit for a fake vCPU thread to raise (under exit_lock). */
static pthread_mutex_t exit_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kvm_debug_exit_arch exit_req[NCPUS];
static bool exit_pending[NCPUS];
static unsigned int exits_done[NCPUS];

static void *fake_vcpu(void *arg)
{
	struct vcpu *v = arg;

	while (__atomic_load_n(&vm.stop_reason, __ATOMIC_ACQUIRE) == VM_RUNNING) {
		bool go;

		vm_gdb_vcpu_point(v);
		pthread_mutex_lock(&exit_lock);
		go = exit_pending[v->id];
		if (go) {
			v->run->exit_reason = KVM_EXIT_DEBUG;
			v->run->debug.arch = exit_req[v->id];
			exit_pending[v->id] = false;
		}
		pthread_mutex_unlock(&exit_lock);
		if (go) {
			ck_assert_int_eq(vm_gdb_debug_exit(v), 0);
			pthread_mutex_lock(&exit_lock);
			exits_done[v->id]++;
			pthread_mutex_unlock(&exit_lock);
		}
		usleep(500); /* "guest code" */
	}
	return NULL;
}

/* Raise a debug exit on vCPU id and wait (bounded) until it was handled. */
static void debug_exit(unsigned int id, uint32_t exception, uint64_t pc, uint64_t dr6)
{
	unsigned int before, now, i;

	pthread_mutex_lock(&exit_lock);
	before = exits_done[id];
	exit_req[id] = (struct kvm_debug_exit_arch){ .exception = exception, .pc = pc, .dr6 = dr6 };
	exit_pending[id] = true;
	pthread_mutex_unlock(&exit_lock);
	for (i = 0, now = before; i < 2000 && now == before; i++) {
		usleep(1000);
		pthread_mutex_lock(&exit_lock);
		now = exits_done[id];
		pthread_mutex_unlock(&exit_lock);
	}
	ck_assert_msg(now != before, "vCPU %u never took its debug exit", id);
}

/* Nothing arrives on fd within ms (gdb is still waiting). */
static void no_reply(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	ck_assert_int_eq(poll(&p, 1, ms), 0);
}

static void setup(void)
{
	unsigned int i;

	log_level = LOG_ERR - 1; /* the fake vCPUs' ioctls fail (fd -1): expected */
	memset(&vm, 0, sizeof(vm));
	memset(vcpus, 0, sizeof(vcpus));
	memset(exit_pending, 0, sizeof(exit_pending));
	cfg = (struct vm_config){ .gdb = "tcp:127.0.0.1:0", .gdb_wait = wait_mode, .ncpus = NCPUS };
	vm.cfg = &cfg;
	vm.ncpus = NCPUS;
	vm.vcpus = vcpus;
	vm.sys_fd = -1;
	vm.vm_fd = -1;
	vm.stop_reason = VM_RUNNING;
	ck_assert_int_eq(gmem_init(&vm.mem, 16 << 20), 0);
	for (i = 0; i < NCPUS; i++)
		vcpus[i] = (struct vcpu){ .vm = &vm, .id = i, .fd = -1, .run = &runs[i] };
	ck_assert_int_eq(vm_gdb_start(&vm), 0);
	ck_assert_uint_ne(vm_gdb_port(&vm), 0);
	for (i = 0; i < NCPUS; i++)
		ck_assert_int_eq(pthread_create(&threads[i], NULL, fake_vcpu, &vcpus[i]), 0);
}

/* The VM ends: the vCPU threads leave, gdb (if waiting) gets W. */
static void vm_end(void)
{
	unsigned int i;

	vm_request_stop(&vm, VM_STOP_POWEROFF);
	for (i = 0; i < NCPUS; i++)
		pthread_join(threads[i], NULL);
	vm_gdb_stop(&vm, vm_exit_status(VM_STOP_POWEROFF));
}

static void setup_nowait(void)
{
	wait_mode = false;
	setup();
	wait_mode = true;
}

static void teardown(void)
{
	if (vm.gdb)
		vm_end();
	gmem_free(&vm.mem);
}

START_TEST(all_stop)
{
	int fd = connect_port(vm_gdb_port(&vm));

	/* --gdb-wait: both held before their first instruction. */
	ck_assert_str_eq(raw_ask(fd, "?"), "T05thread:1;");
	ck_assert_str_eq(raw_ask(fd, "qfThreadInfo"), "m1,2");

	/* Step thread 2, continue thread 1: the step's end stops both. */
	raw_send(fd, "vCont;s:2;c");
	no_reply(fd, 100);
	debug_exit(1, 1, 0x2002, DR6_BS);
	ck_assert_str_eq(raw_reply(fd, false), "T05thread:2;");

	/* Ctrl-C while both run. */
	raw_send(fd, "c");
	no_reply(fd, 100);
	ck_assert_int_eq(write(fd, "\x03", 1), 1);
	ck_assert_str_eq(raw_reply(fd, false), "T02thread:1;");

	/* The guest's own int3 is not gdb's: re-injected, nobody stops. */
	raw_send(fd, "c");
	debug_exit(0, 3, 0x5000, 0);
	no_reply(fd, 200);
	ck_assert_int_eq(write(fd, "\x03", 1), 1);
	ck_assert_str_eq(raw_reply(fd, false), "T02thread:1;");

	/* A planted int3 (physical mode: no page tables here) is. */
	ck_assert_str_eq(raw_ask(fd, "Qqemu.PhyMemMode:1"), "OK");
	ck_assert_str_eq(raw_ask(fd, "Z0,1000,1"), "OK");
	ck_assert_uint_eq(((uint8_t *)gmem_ptr(&vm.mem, 0x1000, 1))[0], 0xcc);
	raw_send(fd, "c");
	debug_exit(1, 3, 0x1000, 0);
	ck_assert_str_eq(raw_reply(fd, false), "T05thread:2;swbreak:;");
	ck_assert_str_eq(raw_ask(fd, "z0,1000,1"), "OK");

	/* A range step goes on inside [0x3000, 0x3010) and stops outside. */
	raw_send(fd, "vCont;r3000,3010:1;c");
	debug_exit(0, 1, 0x3004, DR6_BS);
	no_reply(fd, 200);
	debug_exit(0, 1, 0x3010, DR6_BS);
	ck_assert_str_eq(raw_reply(fd, false), "T05thread:1;");

	/* Detach: both run on without gdb; a second gdb stops them again. */
	ck_assert_str_eq(raw_ask(fd, "D"), "OK");
	close(fd);
	usleep(50 * 1000);
	fd = connect_port(vm_gdb_port(&vm));
	ck_assert_str_eq(raw_ask(fd, "?"), "T02thread:1;");

	/* The VM ends while gdb waits in `c`: W with hvmm's exit status. */
	raw_send(fd, "c");
	vm_end();
	ck_assert_str_eq(raw_reply(fd, false), "W00");
	close(fd);
}
END_TEST

/* A gdb that vanishes mid-session leaves the vCPUs running. */
START_TEST(hangup_releases)
{
	int fd = connect_port(vm_gdb_port(&vm));
	unsigned int before, after;

	ck_assert_str_eq(raw_ask(fd, "?"), "T05thread:1;");
	close(fd);
	usleep(100 * 1000);
	/* Running again: a debug exit that is not gdb's is handled at once. */
	pthread_mutex_lock(&exit_lock);
	before = exits_done[0];
	pthread_mutex_unlock(&exit_lock);
	debug_exit(0, 3, 0x5000, 0);
	pthread_mutex_lock(&exit_lock);
	after = exits_done[0];
	pthread_mutex_unlock(&exit_lock);
	ck_assert_uint_eq(after, before + 1);
}
END_TEST

/* Without --gdb-wait the vCPUs run from the start; gdb's attach stops them. */
START_TEST(attach_running)
{
	int fd;

	debug_exit(1, 3, 0x5000, 0); /* handled: vCPU 1 runs */
	fd = connect_port(vm_gdb_port(&vm));
	ck_assert_str_eq(raw_ask(fd, "?"), "T02thread:1;");
	ck_assert_str_eq(raw_ask(fd, "D"), "OK");
	close(fd);
	debug_exit(0, 3, 0x5000, 0); /* and runs again after detach */
}
END_TEST

/* A bad --gdb address is refused; nothing is left behind. */
START_TEST(bad_spec)
{
	struct vm v2 = { .cfg = &cfg, .ncpus = 1, .sys_fd = -1 };
	struct vm_config c2 = { .gdb = "tcp:nonsense" };

	v2.cfg = &c2;
	ck_assert_int_eq(vm_gdb_start(&v2), -EINVAL);
	ck_assert_ptr_null(v2.gdb);
	vm_gdb_stop(&v2, 0); /* no-op */
}
END_TEST

static Suite *vm_gdb_suite(void)
{
	Suite *s = suite_create("vm_gdb");
	TCase *tc = tcase_create("glue");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, all_stop);
	tcase_add_test(tc, hangup_releases);
	tcase_add_test(tc, bad_spec);
	suite_add_tcase(s, tc);
	tc = tcase_create("nowait");
	tcase_add_checked_fixture(tc, setup_nowait, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, attach_running);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(vm_gdb_suite)
