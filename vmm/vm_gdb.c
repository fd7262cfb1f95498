// SPDX-License-Identifier: MIT
/*
 * The gdbstub on KVM (vm_gdb.h; docs/gdbstub.md sections 2 and 10).
 *
 * KVM facts this relies on (Documentation/virt/kvm/api.rst,
 * KVM_SET_GUEST_DEBUG and KVM_EXIT_DEBUG; arch/x86/kvm/x86.c
 * kvm_arch_vcpu_ioctl_set_guest_debug; arch/x86/kvm/svm/svm.c
 * bp_interception/db_interception, vmx/vmx.c handle_exception_nmi):
 * - with KVM_GUESTDBG_USE_SW_BP every #BP exits with debug.arch.pc the
 *   linear address of the int3 itself (RIP not advanced), so resuming
 *   re-executes it unless gdb removed it;
 * - with USE_HW_BP the debug registers are KVM's (arch.debugreg[0..3],
 *   [7]) and a match exits with exception 1 and the guest-visible DR6;
 * - SINGLESTEP exits after each instruction with DR6.BS; BLOCKIRQ (when
 *   KVM_CAP_SET_GUEST_DEBUG2 lists it) keeps interrupts out of a step;
 * - INJECT_BP / INJECT_DB queue the exception for the guest (its own
 *   int3 or #DB while gdb owns the exits).
 */
#include "vm_gdb.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "gdb/gdb.h"
#include "gdb/gdb_kvm.h"
#include "gdb/gdb_server.h"
#include "gdb/gdb_walk.h"
#include "device.h"
#include "memslot.h"
#include "vcpu.h"
#include "util.h"
#include "vm.h"

#define MSR_KERNEL_GS_BASE 0xc0000102
#define DR6_BS (1ULL << 14)
#define GDB_PARK_POLL_MS 100

struct vm_gdb_vcpu {           /* guarded by vm_gdb.lock unless said */
	bool attn;             /* atomic: look at the state before the next KVM_RUN */
	bool parked;
	bool apply;            /* KVM_SET_GUEST_DEBUG due (new act or new state) */
	struct gdb_resume act;
	struct gdb_debug_state dbg;
};

struct vm_gdb {
	struct vm *vm;
	struct gdb_server *srv;
	bool blockirq;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool running;          /* gdb lets the vCPUs run (their act says how) */
	unsigned int nparked;
	bool stop_pending;     /* a stop not yet reported to the server */
	bool stop_is_int;      /* ... and it is stop_all's SIGINT (a real reason wins) */
	struct gdb_stop stop;
	struct vm_gdb_vcpu *v;
};

static bool vm_gdb_vm_running(const struct vm *vm)
{
	return __atomic_load_n(&vm->stop_reason, __ATOMIC_ACQUIRE) == VM_RUNNING;
}

/* Every vCPU is to look at the state again; kick those in KVM_RUN. */
static void vm_gdb_attn_all(struct vm_gdb *g, bool kick)
{
	unsigned int i;

	for (i = 0; i < g->vm->ncpus; i++) {
		__atomic_store_n(&g->v[i].attn, true, __ATOMIC_RELEASE);
		if (kick)
			vcpu_kick(&g->vm->vcpus[i]);
	}
	pthread_cond_broadcast(&g->cond);
}

/* Under the lock: the stop to report now (every vCPU parked), if any. */
static bool vm_gdb_take_stop(struct vm_gdb *g, struct gdb_stop *st)
{
	if (!g->stop_pending || g->nparked < g->vm->ncpus)
		return false;
	g->stop_pending = false;
	*st = g->stop;
	return true;
}

/* Under the lock: all-stop because of st (a real reason replaces SIGINT). */
static void vm_gdb_request_stop(struct vm_gdb *g, const struct gdb_stop *st, bool is_int)
{
	if (g->running) {
		g->running = false;
		g->stop = *st;
		g->stop_pending = true;
		g->stop_is_int = is_int;
		vm_gdb_attn_all(g, true);
	} else if (g->stop_pending && g->stop_is_int && !is_int) {
		g->stop = *st;
		g->stop_is_int = false;
	}
}

static bool vm_gdb_may_run(const struct vm_gdb *g, const struct vm_gdb_vcpu *v)
{
	return g->running && v->act.kind != GDB_RESUME_STOP;
}

static void vm_gdb_apply(struct vm_gdb *g, struct vcpu *vcpu, const struct gdb_debug_state *d,
			 const struct gdb_resume *act)
{
	struct kvm_guest_debug dbg;

	gdb_kvm_guest_debug(d, act, g->blockirq, &dbg);
	if (ioctl(vcpu->fd, KVM_SET_GUEST_DEBUG, &dbg) < 0)
		pr_err_rl("vcpu%u: KVM_SET_GUEST_DEBUG: %s", vcpu->id, strerror(errno));
}

void vm_gdb_vcpu_point(struct vcpu *vcpu)
{
	struct vm_gdb *g = vcpu->vm->gdb;
	struct vm_gdb_vcpu *v;
	struct gdb_debug_state d;
	struct gdb_resume act;
	struct gdb_stop st;
	bool apply;

	if (!g)
		return;
	v = &g->v[vcpu->id];
	if (!__atomic_load_n(&v->attn, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&g->lock);
	__atomic_store_n(&v->attn, false, __ATOMIC_RELAXED);
	if (!vm_gdb_may_run(g, v)) {
		v->parked = true;
		g->nparked++;
		if (vm_gdb_take_stop(g, &st)) {
			/* The server's lock is never held around our ops: no order issue. */
			gdb_server_report_stop(g->srv, &st);
		}
		while (!vm_gdb_may_run(g, v) && vm_gdb_vm_running(vcpu->vm)) {
			struct timespec ts = timespec_after_ms(CLOCK_REALTIME, GDB_PARK_POLL_MS);

			pthread_cond_timedwait(&g->cond, &g->lock, &ts);
		}
		v->parked = false;
		g->nparked--;
	}
	apply = v->apply;
	v->apply = false;
	d = v->dbg;
	act = v->act;
	pthread_mutex_unlock(&g->lock);
	if (apply)
		vm_gdb_apply(g, vcpu, &d, &act);
}

/*
 * KVM_EXIT_DEBUG: gdb's (a planted int3, a DR slot, a step) parks the VM
 * and reports; the guest's own #BP/#DB goes back to the guest.
 */
int vm_gdb_debug_exit(struct vcpu *vcpu)
{
	struct kvm_debug_exit_arch *a = &vcpu->run->debug.arch;
	struct vm_gdb *g = vcpu->vm->gdb;
	struct vm_gdb_vcpu *v;
	struct kvm_guest_debug dbg;
	struct gdb_stop st;
	bool ours = false;

	if (!g) {
		pr_err_rl("vcpu%u: debug exit without a gdbstub", vcpu->id);
		return -EINVAL;
	}
	v = &g->v[vcpu->id];
	pthread_mutex_lock(&g->lock);
	if (a->exception == 3) {
		ours = gdb_debug_is_sw_bp(&v->dbg, a->pc);
		st = (struct gdb_stop){ .reason = GDB_STOP_SWBREAK, .vcpu = vcpu->id };
	} else if (a->exception == 1) {
		ours = gdb_debug_stop_from_dr6(&v->dbg, vcpu->id, a->dr6, &st);
		/* A range step goes on while RIP stays inside [start, end). */
		if (ours && (a->dr6 & DR6_BS) && v->act.kind == GDB_RESUME_RANGE &&
		    a->pc >= v->act.start && a->pc < v->act.end && g->running) {
			pthread_mutex_unlock(&g->lock);
			return 0;
		}
	}
	if (ours) {
		vm_gdb_request_stop(g, &st, false);
		pthread_mutex_unlock(&g->lock);
		return 0;
	}
	gdb_kvm_guest_debug(&v->dbg, &v->act, g->blockirq, &dbg);
	pthread_mutex_unlock(&g->lock);
	if (a->exception != 1 && a->exception != 3) {
		pr_err_rl("vcpu%u: debug exit for exception %u", vcpu->id, a->exception);
		return 0;
	}
	dbg.control |= KVM_GUESTDBG_ENABLE |
		       (a->exception == 3 ? KVM_GUESTDBG_INJECT_BP : KVM_GUESTDBG_INJECT_DB);
	if (ioctl(vcpu->fd, KVM_SET_GUEST_DEBUG, &dbg) < 0)
		pr_err_rl("vcpu%u: re-injecting #%s: %s", vcpu->id,
			  a->exception == 3 ? "BP" : "DB", strerror(errno));
	return 0;
}

/* ---- target ops, on the stub thread ---- */

static unsigned int vm_gdb_vcpu_count(void *t)
{
	return ((struct vm_gdb *)t)->vm->ncpus;
}

/* Registers only while gdb holds every vCPU (never an ioctl racing KVM_RUN). */
static struct vcpu *vm_gdb_held_vcpu(struct vm_gdb *g, unsigned int id)
{
	bool held;

	if (id >= g->vm->ncpus)
		return NULL;
	pthread_mutex_lock(&g->lock);
	held = !g->running || g->v[id].parked;
	pthread_mutex_unlock(&g->lock);
	return held ? &g->vm->vcpus[id] : NULL;
}

static int vm_gdb_msr(struct vcpu *vcpu, unsigned long req, uint64_t *val)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m = { .hdr.nmsrs = 1, .e = { .index = MSR_KERNEL_GS_BASE, .data = *val } };

	if (ioctl(vcpu->fd, req, &m) != 1)
		return -EIO;
	*val = m.e.data;
	return 0;
}

static int vm_gdb_get_state(struct vcpu *vcpu, struct gdb_kvm_state *k)
{
	memset(k, 0, sizeof(*k));
	if (ioctl(vcpu->fd, KVM_GET_REGS, &k->regs) < 0 ||
	    ioctl(vcpu->fd, KVM_GET_SREGS, &k->sregs) < 0 ||
	    ioctl(vcpu->fd, KVM_GET_FPU, &k->fpu) < 0 ||
	    ioctl(vcpu->fd, KVM_GET_DEBUGREGS, &k->dbg) < 0)
		return -errno;
	return vm_gdb_msr(vcpu, KVM_GET_MSRS, &k->kernel_gs_base);
}

static int vm_gdb_read_regs(void *t, unsigned int id, struct gdb_x86_regs *r)
{
	struct vcpu *vcpu = vm_gdb_held_vcpu(t, id);
	struct gdb_kvm_state k;
	int ret;

	if (!vcpu)
		return -EBUSY;
	ret = vm_gdb_get_state(vcpu, &k);
	if (!ret)
		gdb_kvm_to_gdb(&k, r);
	return ret;
}

/* Write back only the structures gdb changed: KVM_SET_SREGS resets the MMU. */
static int vm_gdb_write_regs(void *t, unsigned int id, const struct gdb_x86_regs *r)
{
	struct vcpu *vcpu = vm_gdb_held_vcpu(t, id);
	struct gdb_kvm_state old, k;
	int ret;

	if (!vcpu)
		return -EBUSY;
	ret = vm_gdb_get_state(vcpu, &old);
	if (ret)
		return ret;
	k = old;
	gdb_kvm_from_gdb(r, &k);
	if (memcmp(&k.regs, &old.regs, sizeof(k.regs)) &&
	    ioctl(vcpu->fd, KVM_SET_REGS, &k.regs) < 0)
		return -errno;
	if (memcmp(&k.sregs, &old.sregs, sizeof(k.sregs)) &&
	    ioctl(vcpu->fd, KVM_SET_SREGS, &k.sregs) < 0)
		return -errno;
	if (memcmp(&k.fpu, &old.fpu, sizeof(k.fpu)) && ioctl(vcpu->fd, KVM_SET_FPU, &k.fpu) < 0)
		return -errno;
	if (k.kernel_gs_base != old.kernel_gs_base)
		return vm_gdb_msr(vcpu, KVM_SET_MSRS, &k.kernel_gs_base);
	return 0;
}

static int vm_gdb_read_phys(void *t, uint64_t gpa, void *buf, size_t len)
{
	struct vm_gdb *g = t;

	if (!gmem_read(&g->vm->mem, gpa, buf, len))
		return 0;
	return memslot_rom_read(gpa, buf, len);
}

/* RAM only: ROM stays ROM (gdb puts hardware breakpoints there, per the map). */
static int vm_gdb_write_phys(void *t, uint64_t gpa, const void *buf, size_t len)
{
	return gmem_write(&((struct vm_gdb *)t)->vm->mem, gpa, buf, len);
}

static int vm_gdb_walk_read(void *opaque, uint64_t gpa, unsigned int size, uint64_t *val)
{
	struct vm_gdb *g = opaque;

	*val = 0;
	return gmem_read(&g->vm->mem, gpa, val, size) ? -EFAULT : 0;
}

static int vm_gdb_translate(void *t, unsigned int id, uint64_t gva, uint64_t *gpa)
{
	struct x86_walk_regs w;
	struct gdb_x86_regs r;
	int ret = vm_gdb_read_regs(t, id, &r);

	if (ret)
		return ret;
	gdb_walk_regs(&r, 0, &w);
	return gdb_walk_translate(&w, gva, vm_gdb_walk_read, t, gpa);
}

static int vm_gdb_set_debug(void *t, const struct gdb_debug_state *d)
{
	struct vm_gdb *g = t;
	unsigned int i;

	pthread_mutex_lock(&g->lock);
	for (i = 0; i < g->vm->ncpus; i++) {
		g->v[i].dbg = *d;
		g->v[i].apply = true;
	}
	/* While running (D or k): kick, so that each vCPU applies it now. */
	vm_gdb_attn_all(g, g->running);
	pthread_mutex_unlock(&g->lock);
	return 0;
}

static int vm_gdb_resume(void *t, const struct gdb_resume *act)
{
	struct vm_gdb *g = t;
	struct gdb_stop st = { .reason = GDB_STOP_SIGNAL, .signal = 5 };
	bool any = false;
	unsigned int i;

	pthread_mutex_lock(&g->lock);
	for (i = 0; i < g->vm->ncpus; i++) {
		g->v[i].act = act[i];
		g->v[i].apply = true;
		any |= act[i].kind != GDB_RESUME_STOP;
	}
	g->stop_pending = false;
	g->running = true;
	vm_gdb_attn_all(g, false);
	/* Nothing to run: stopped again at once, as gdb waits for a reply. */
	if (!any) {
		vm_gdb_request_stop(g, &st, false);
		if (vm_gdb_take_stop(g, &st))
			gdb_server_report_stop(g->srv, &st);
	}
	pthread_mutex_unlock(&g->lock);
	return 0;
}

static int vm_gdb_stop_all(void *t)
{
	struct vm_gdb *g = t;
	struct gdb_stop st = { .reason = GDB_STOP_SIGNAL, .signal = 2 };

	pthread_mutex_lock(&g->lock);
	if (!g->running && !g->stop_pending && g->nparked == g->vm->ncpus) {
		/* Already held (a stop was reported and taken): say so again. */
		gdb_server_report_stop(g->srv, &st);
	} else {
		vm_gdb_request_stop(g, &st, true);
		if (vm_gdb_take_stop(g, &st))
			gdb_server_report_stop(g->srv, &st);
	}
	pthread_mutex_unlock(&g->lock);
	return 0;
}

/* Let every vCPU run without gdb (the core cleared the debug state). */
static void vm_gdb_release(struct vm_gdb *g)
{
	unsigned int i;

	pthread_mutex_lock(&g->lock);
	for (i = 0; i < g->vm->ncpus; i++) {
		g->v[i].act = (struct gdb_resume){ .kind = GDB_RESUME_CONT };
		g->v[i].apply = true;
	}
	g->stop_pending = false;
	g->running = true;
	vm_gdb_attn_all(g, true);
	pthread_mutex_unlock(&g->lock);
}

static void vm_gdb_detach(void *t)
{
	pr_info("gdb detached; the guest runs on");
	vm_gdb_release(t);
}

static void vm_gdb_kill(void *t)
{
	struct vm_gdb *g = t;

	pr_info("gdb killed the VM");
	vm_request_stop(g->vm, VM_STOP_SIGNAL);
	vm_gdb_release(g);
}

static int vm_gdb_mon(void *t, const char *cmd, char *out, size_t cap)
{
	return vm_gdb_monitor(((struct vm_gdb *)t)->vm, cmd, out, cap);
}

static int vm_gdb_memory_map(void *t, struct gdb_region *r, unsigned int max)
{
	const struct guest_mem *m = &((struct vm_gdb *)t)->vm->mem;
	uint64_t rom[DEV_ROM_SLOTS][2];
	unsigned int n = 0, i, nrom, j;
	struct gdb_region tmp;

	if (max && m->low_size)
		r[n++] = (struct gdb_region){ 0, m->low_size, GDB_REGION_RAM };
	nrom = memslot_rom_ranges(rom, DEV_ROM_SLOTS);
	for (i = 0; i < nrom && n < max; i++)
		r[n++] = (struct gdb_region){ rom[i][0], rom[i][1], GDB_REGION_ROM };
	if (n < max && m->high_size)
		r[n++] = (struct gdb_region){ 4ULL << 30, m->high_size, GDB_REGION_RAM };
	/* Sorted by start (few entries). */
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && r[j - 1].start > r[j].start; j--) {
			tmp = r[j];
			r[j] = r[j - 1];
			r[j - 1] = tmp;
		}
	return (int)n;
}

static const struct gdb_target_ops vm_gdb_ops = {
	.vcpu_count = vm_gdb_vcpu_count,
	.read_regs = vm_gdb_read_regs,
	.write_regs = vm_gdb_write_regs,
	.read_phys = vm_gdb_read_phys,
	.write_phys = vm_gdb_write_phys,
	.translate = vm_gdb_translate,
	.set_debug = vm_gdb_set_debug,
	.resume = vm_gdb_resume,
	.stop_all = vm_gdb_stop_all,
	.kill = vm_gdb_kill,
	.detach = vm_gdb_detach,
	.monitor = vm_gdb_mon,
	.memory_map = vm_gdb_memory_map,
};

static void vm_gdb_free(struct vm_gdb *g)
{
	pthread_mutex_destroy(&g->lock);
	pthread_cond_destroy(&g->cond);
	free(g->v);
	free(g);
}

int vm_gdb_start(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	struct vm_gdb *g;
	unsigned int i;
	int caps, ret;

	if (!cfg->gdb)
		return 0;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->v = calloc(vm->ncpus, sizeof(*g->v));
	if (!g->v) {
		free(g);
		return -ENOMEM;
	}
	g->vm = vm;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->cond, NULL);
	caps = ioctl(vm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_SET_GUEST_DEBUG2);
	g->blockirq = caps > 0 && (caps & KVM_GUESTDBG_BLOCKIRQ);
	/*
	 * Every vCPU may run (its act is "continue") unless --gdb-wait: then
	 * it parks at its first point, before any guest code. No attn
	 * without --gdb-wait: the first gdb's stop_all sets it.
	 */
	for (i = 0; i < vm->ncpus; i++)
		g->v[i].act.kind = GDB_RESUME_CONT;
	g->running = !cfg->gdb_wait;
	if (cfg->gdb_wait)
		vm_gdb_attn_all(g, false);
	ret = vcpu_set_exit_handler(KVM_EXIT_DEBUG, vm_gdb_debug_exit);
	if (!ret)
		ret = gdb_server_start(cfg->gdb, &vm_gdb_ops, g, cfg->gdb_wait, &g->srv);
	if (ret) {
		pr_err("--gdb %s: %s", cfg->gdb, strerror(-ret));
		vm_gdb_free(g);
		return ret;
	}
	vm->gdb = g;
	if (gdb_server_port(g->srv))
		pr_info("gdb: listening on port %u%s", gdb_server_port(g->srv),
			cfg->gdb_wait ? "; the vCPUs wait for gdb" : "");
	else
		pr_info("gdb: listening on %s%s", cfg->gdb,
			cfg->gdb_wait ? "; the vCPUs wait for gdb" : "");
	return 0;
}

unsigned int vm_gdb_port(const struct vm *vm)
{
	return vm->gdb ? gdb_server_port(vm->gdb->srv) : 0;
}

void vm_gdb_stop(struct vm *vm, int status)
{
	struct gdb_stop st = { .reason = GDB_STOP_EXITED, .signal = status };
	struct vm_gdb *g = vm->gdb;

	if (!g)
		return;
	gdb_server_report_stop(g->srv, &st);
	gdb_server_stop(g->srv);
	vm->gdb = NULL;
	vm_gdb_free(g);
}
