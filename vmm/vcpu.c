// SPDX-License-Identifier: MIT
#include "vcpu.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cpuid.h"
#include "events.h"
#include "hv_crash.h"
#include "hv_vsm.h"
#include "hv_vsm_mem.h"
#include "hyperv.h"
#include "util.h"
#include "vm_gdb.h"
#include "x86_boot.h"

#define VCPU_KICK_SIGNAL SIGUSR1

#define MSR_IA32_TSC 0x10
#define MSR_IA32_SYSENTER_CS 0x174
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176
#define MSR_IA32_MISC_ENABLE 0x1a0
#define MSR_IA32_MISC_ENABLE_FAST_STRING (1ULL << 0)
#define MSR_MTRR_DEF_TYPE 0x2ff
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SYSCALL_MASK 0xc0000084
#define MSR_KERNEL_GS_BASE 0xc0000102

#define APIC_LVT0 0x350
#define APIC_LVT1 0x360
#define APIC_MODE_NMI 0x4
#define APIC_MODE_EXTINT 0x7

static vcpu_exit_fn exit_handlers[VCPU_EXIT_REASONS];

/*
 * Held for reading around every KVM_RUN that may run guest code, for
 * writing by vcpu_pause_all(). Writer-preferring, so that vCPUs kicked out
 * of KVM_RUN wait instead of re-entering. One VM per process.
 */
static pthread_rwlock_t run_lock = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
/*
 * Pauses requested and not yet resumed (vcpu_pause_all_timeout): a
 * kicked vCPU waits here instead of re-entering KVM_RUN, so that it
 * cannot take the read lock again between two rounds of kicks (under a
 * slow, nested KVM a round can end before every vCPU has left KVM_RUN).
 */
static unsigned int pause_req;
static pthread_mutex_t pause_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pause_cond = PTHREAD_COND_INITIALIZER;

int vcpu_set_exit_handler(uint32_t reason, vcpu_exit_fn fn)
{
	if (reason >= VCPU_EXIT_REASONS || !fn)
		return -EINVAL;
	if (exit_handlers[reason] && exit_handlers[reason] != fn)
		return -EBUSY;
	exit_handlers[reason] = fn;
	return 0;
}

static void vcpu_kick_handler(int sig)
{
	(void)sig;
}

int vcpu_signal_setup(void)
{
	struct sigaction sa = { .sa_handler = vcpu_kick_handler };

	/* No SA_RESTART: KVM_RUN must return -EINTR. */
	sigemptyset(&sa.sa_mask);
	return sigaction(VCPU_KICK_SIGNAL, &sa, NULL) ? -errno : 0;
}

static int vcpu_set_msrs(struct vcpu *vcpu)
{
	static const struct { uint32_t index; uint64_t data; } boot_msrs[] = {
		{ MSR_IA32_SYSENTER_CS, 0 }, { MSR_IA32_SYSENTER_ESP, 0 },
		{ MSR_IA32_SYSENTER_EIP, 0 }, { MSR_STAR, 0 }, { MSR_CSTAR, 0 },
		{ MSR_KERNEL_GS_BASE, 0 }, { MSR_SYSCALL_MASK, 0 }, { MSR_LSTAR, 0 },
		{ MSR_IA32_TSC, 0 },
		{ MSR_IA32_MISC_ENABLE, MSR_IA32_MISC_ENABLE_FAST_STRING },
		/*
		 * Last: MTRRs enabled, default write-back, so that a kernel
		 * started directly maps RAM cacheable. Firmware programs the
		 * MTRRs itself and expects them off at reset (edk2's MtrrLib
		 * asserts MTRRdefType == 0 in OvmfPkg's PlatformPei): skipped.
		 */
		{ MSR_MTRR_DEF_TYPE, (1ULL << 11) | 6 },
	};
	unsigned int n = ARRAY_SIZE(boot_msrs) - (vcpu->vm->cfg->firmware ? 1 : 0);
	union {
		struct kvm_msrs hdr;
		uint8_t raw[sizeof(struct kvm_msrs) +
			    ARRAY_SIZE(boot_msrs) * sizeof(struct kvm_msr_entry)];
	} m;
	unsigned int i;
	int ret;

	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = n;
	for (i = 0; i < n; i++) {
		m.hdr.entries[i].index = boot_msrs[i].index;
		m.hdr.entries[i].data = boot_msrs[i].data;
	}
	ret = ioctl(vcpu->fd, KVM_SET_MSRS, &m);
	if (ret < 0)
		return -errno;
	if (ret != (int)n)
		pr_warn("vcpu%u: KVM accepted only %d of %u boot MSRs (MSR 0x%x refused)",
			vcpu->id, ret, n, m.hdr.entries[ret].index);
	return 0;
}

static int vcpu_set_fpu(struct vcpu *vcpu)
{
	struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };

	return ioctl(vcpu->fd, KVM_SET_FPU, &fpu) ? -errno : 0;
}

static void lapic_set_lvt_mode(struct kvm_lapic_state *l, unsigned int reg,
			       unsigned int mode)
{
	uint32_t v;

	memcpy(&v, &l->regs[reg], sizeof(v));
	v = (v & ~0x700U) | (mode << 8);
	memcpy(&l->regs[reg], &v, sizeof(v));
}

/* LINT0 = ExtINT (the PIC), LINT1 = NMI, as firmware leaves them. */
static int vcpu_setup_lapic(struct vcpu *vcpu)
{
	struct kvm_lapic_state l;

	if (ioctl(vcpu->fd, KVM_GET_LAPIC, &l) < 0)
		return -errno;
	lapic_set_lvt_mode(&l, APIC_LVT0, APIC_MODE_EXTINT);
	lapic_set_lvt_mode(&l, APIC_LVT1, APIC_MODE_NMI);
	return ioctl(vcpu->fd, KVM_SET_LAPIC, &l) ? -errno : 0;
}

int vcpu_init(struct vcpu *vcpu, struct vm *vm, unsigned int id)
{
	struct kvm_cpuid2 *cpuid;
	int ret;

	memset(vcpu, 0, sizeof(*vcpu));
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (vcpu->fd < 0) {
		ret = -errno;
		pr_err("KVM_CREATE_VCPU %u: %s", id, strerror(errno));
		return ret;
	}
	vcpu->run = mmap(NULL, (size_t)vm->vcpu_mmap_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		vcpu->run = NULL;
		return -errno;
	}
	cpuid = cpuid_for_vcpu(vm->supported_cpuid, id, vm->ncpus);
	if (cpuid && vm->hv)
		cpuid = hyperv_cpuid(vm->hv, cpuid);
	if (!cpuid)
		return -ENOMEM;
	ret = ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid) ? -errno : 0;
	free(cpuid);
	if (ret) {
		pr_err("vcpu%u: KVM_SET_CPUID2: %s", id, strerror(-ret));
		return ret;
	}
	if (vm->hv) {
		ret = hyperv_vcpu_init(vm->hv, vcpu);
		if (ret)
			return ret;
	}
	ret = vcpu_set_msrs(vcpu);
	if (!ret)
		ret = vcpu_set_fpu(vcpu);
	if (!ret)
		ret = vcpu_setup_lapic(vcpu);
	if (ret)
		pr_err("vcpu%u: initial state: %s", id, strerror(-ret));
	return ret;
}

int vcpu_set_boot_state(struct vcpu *vcpu, const struct boot_state *bs)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	x86_boot_sregs(&sregs, bs->mode);
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs) < 0)
		return -errno;
	x86_boot_regs(&regs, bs);
	if (ioctl(vcpu->fd, KVM_SET_REGS, &regs) < 0)
		return -errno;
	return 0;
}

static int vcpu_handle_io(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	uint32_t i;

	if (run->io.data_offset + (uint64_t)run->io.size * run->io.count >
	    (uint64_t)vcpu->vm->vcpu_mmap_size)
		return -EINVAL;
	if (hyperv_is_trap_port(run->io.port)) {
		int ret = hyperv_hcall_trap(vcpu);

		if (ret != -ENOENT)
			return ret;
	}
	if (log_level >= LOG_DEBUG)
		pr_debug("vcpu%u: %s port 0x%x size %u count %u first 0x%x", vcpu->id,
			 run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in", run->io.port,
			 run->io.size, run->io.count, data[0]);
	for (i = 0; i < run->io.count; i++) {
		iobus_access(&vcpu->vm->pio, run->io.port, data, run->io.size,
			     run->io.direction == KVM_EXIT_IO_OUT);
		data += run->io.size;
	}
	return 0;
}

static struct hv_vsm *vcpu_vsm(struct vcpu *vcpu)
{
	return vcpu->vm->hv ? vcpu->vm->hv->vsm : NULL;
}

/*
 * One MMIO access. With --vsm it may be VTL0 touching a page VTL1
 * protected (true: dropped, intercept queued), or guest RAM whose
 * memslot is being split or merged (hv_vsm_memslot.h): done on RAM.
 */
static bool vcpu_mmio_access(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct hv_vsm *vsm = vcpu_vsm(vcpu);
	uint64_t gpa = run->mmio.phys_addr;
	uint8_t *ram;

	if (vsm) {
		if (hv_vsm_mem_fault(vsm, vcpu->id, gpa, run->mmio.is_write, run->mmio.data,
				     run->mmio.len))
			return true;
		ram = gmem_ptr(&vcpu->vm->mem, gpa, run->mmio.len);
		if (ram) {
			if (run->mmio.is_write)
				memcpy(ram, run->mmio.data, run->mmio.len);
			else
				memcpy(run->mmio.data, ram, run->mmio.len);
			return false;
		}
	}
	iobus_access(&vcpu->vm->mmio, gpa, run->mmio.data, run->mmio.len, run->mmio.is_write);
	return false;
}

/* Bounds the fragments of one instruction (a rep string op exits per element). */
#define VCPU_MMIO_COMPLETE_MAX 65536

static int vcpu_handle_exit(struct vcpu *vcpu);

/*
 * A VTL0 access was dropped for a VTL1 protection. KVM has not finished
 * the instruction yet: RIP and a read's destination are updated only
 * when KVM_RUN is entered again (Documentation/virt/kvm/api.rst,
 * KVM_EXIT_MMIO: "the corresponding operations are complete (and guest
 * state is consistent) only after userspace has re-entered the kernel
 * with KVM_RUN"). Re-enter with immediate_exit so that KVM completes it
 * without running the guest (-EINTR), then switch to VTL1.
 */
static int vcpu_vsm_intercept(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	unsigned int i;
	int ret;

	for (i = 0; i < VCPU_MMIO_COMPLETE_MAX; i++) {
		__atomic_store_n(&run->immediate_exit, 1, __ATOMIC_RELEASE);
		ret = ioctl(vcpu->fd, KVM_RUN, 0);
		__atomic_store_n(&run->immediate_exit, 0, __ATOMIC_RELEASE);
		if (ret < 0 && (errno == EINTR || errno == EAGAIN))
			return hv_vsm_mem_pending(vcpu_vsm(vcpu), vcpu->id);
		if (ret < 0)
			return -errno;
		/* Another fragment of the same instruction (split or rep access). */
		if (run->exit_reason != KVM_EXIT_MMIO) {
			ret = vcpu_handle_exit(vcpu);
			if (ret)
				return ret;
			continue;
		}
		if (run->mmio.len > sizeof(run->mmio.data))
			return -EINVAL;
		vcpu_mmio_access(vcpu);
	}
	pr_err("vcpu%u: an MMIO instruction did not complete", vcpu->id);
	return -EIO;
}

static int vcpu_handle_mmio(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	if (run->mmio.len > sizeof(run->mmio.data))
		return -EINVAL;
	if (vcpu_mmio_access(vcpu))
		return vcpu_vsm_intercept(vcpu);
	return 0;
}

static void vcpu_fault(struct vcpu *vcpu, const char *what)
{
	struct vm *vm = vcpu->vm;

	/* Only the first fault dumps, so the registers match the reason. */
	if (__atomic_load_n(&vm->stop_reason, __ATOMIC_ACQUIRE) == VM_RUNNING) {
		pr_err("vcpu%u: %s", vcpu->id, what);
		events_fault(what, vcpu->id);
		vcpu_dump_regs(vcpu);
	}
	vm_request_stop(vm, VM_STOP_FAULT);
}

static void vcpu_handle_system_event(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;

	switch (vcpu->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		vm_request_stop(vm, VM_STOP_POWEROFF);
		break;
	case KVM_SYSTEM_EVENT_RESET:
		vm_request_stop(vm, VM_STOP_REBOOT);
		break;
	case KVM_SYSTEM_EVENT_CRASH:
		/*
		 * The guest's crash notification (hv_crash.h). Linux sends it
		 * from its panic notifiers, before panic=-1 reboots, so this
		 * stop comes first and the reboot never happens. Report only
		 * if this is the stop that counts.
		 */
		if (__atomic_load_n(&vm->stop_reason, __ATOMIC_ACQUIRE) == VM_RUNNING)
			hv_crash_report(vcpu);
		vm_request_stop(vm, VM_STOP_PANIC);
		break;
	default:
		vcpu_fault(vcpu, "guest crash (system event)");
		break;
	}
}

static int vcpu_handle_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	char what[96];

	if (run->exit_reason < VCPU_EXIT_REASONS)
		vcpu->exits[run->exit_reason]++;
	/* Read by the control socket's status (a guest that is alive moves it). */
	__atomic_store_n(&vcpu->exits_total, vcpu->exits_total + 1, __ATOMIC_RELAXED);
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return vcpu_handle_io(vcpu);
	case KVM_EXIT_MMIO:
		return vcpu_handle_mmio(vcpu);
	case KVM_EXIT_INTR:
	case KVM_EXIT_HLT:
		return 0;
	case KVM_EXIT_SHUTDOWN:
		vcpu_fault(vcpu, "triple fault (KVM_EXIT_SHUTDOWN)");
		return 0;
	case KVM_EXIT_SYSTEM_EVENT:
		vcpu_handle_system_event(vcpu);
		return 0;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(what, sizeof(what), "VM entry failed, hardware reason 0x%llx",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		vcpu_fault(vcpu, what);
		return 0;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(what, sizeof(what), "KVM internal error, suberror %u",
			 run->internal.suberror);
		vcpu_fault(vcpu, what);
		return 0;
	}
	if (run->exit_reason < VCPU_EXIT_REASONS && exit_handlers[run->exit_reason])
		return exit_handlers[run->exit_reason](vcpu);
	snprintf(what, sizeof(what), "unhandled KVM exit %u (%s)", run->exit_reason,
		 kvm_exit_name(run->exit_reason));
	vcpu_fault(vcpu, what);
	return 0;
}

/*
 * --debug-inject boot-delay=MS: the boot vCPU waits before its first
 * entry, so every later stage shifts (for the runner's timing
 * comparisons). A stop request ends the wait early.
 */
static void vcpu_boot_delay(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	uint64_t end;

	if (vcpu->id || !vm->cfg->boot_delay_ms)
		return;
	end = monotonic_ms() + vm->cfg->boot_delay_ms;
	while (monotonic_ms() < end &&
	       __atomic_load_n(&vm->stop_reason, __ATOMIC_ACQUIRE) == VM_RUNNING)
		usleep((useconds_t)MIN(10000ULL, (end - monotonic_ms()) * 1000ULL));
}

/* Before each KVM_RUN: wait while a pause is requested (see pause_req). */
static void vcpu_pause_point(void)
{
	if (!__atomic_load_n(&pause_req, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&pause_lock);
	while (pause_req)
		pthread_cond_wait(&pause_cond, &pause_lock);
	pthread_mutex_unlock(&pause_lock);
}

static void pause_req_add(int delta)
{
	pthread_mutex_lock(&pause_lock);
	__atomic_store_n(&pause_req, pause_req + (unsigned int)delta, __ATOMIC_RELEASE);
	if (!pause_req)
		pthread_cond_broadcast(&pause_cond);
	pthread_mutex_unlock(&pause_lock);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	struct vm *vm = vcpu->vm;
	bool entered = false;
	char name[16];
	int ret, err;

	snprintf(name, sizeof(name), "vcpu%u", vcpu->id);
	pthread_setname_np(pthread_self(), name);
	vcpu_boot_delay(vcpu);
	while (__atomic_load_n(&vm->stop_reason, __ATOMIC_ACQUIRE) == VM_RUNNING) {
		/*
		 * --vsm: a StartVirtualProcessor queued for this VP (hv_vsm.h),
		 * a secure intercept whose SIMP slot was busy (hv_vsm_mem.h).
		 */
		if (vcpu_vsm(vcpu)) {
			hv_vsm_vcpu_pending(vcpu_vsm(vcpu), vcpu->id);
			hv_vsm_mem_pending(vcpu_vsm(vcpu), vcpu->id);
		}
		if (!entered) {
			entered = true;
			events_vcpu_entry(vcpu->id);
		}
		vm_gdb_vcpu_point(vcpu);
		vcpu_pause_point();
		pthread_rwlock_rdlock(&run_lock);
		ret = ioctl(vcpu->fd, KVM_RUN, 0);
		err = errno;
		pthread_rwlock_unlock(&run_lock);
		if (ret < 0) {
			if (err == EINTR || err == EAGAIN) {
				vcpu->run->immediate_exit = 0;
				continue;
			}
			pr_err("vcpu%u: KVM_RUN: %s", vcpu->id, strerror(err));
			events_fault("KVM_RUN failed", vcpu->id);
			vm_request_stop(vm, VM_STOP_ERROR);
			break;
		}
		if (vcpu_handle_exit(vcpu) < 0) {
			pr_err("vcpu%u: failed to handle %s exit", vcpu->id,
			       kvm_exit_name(vcpu->run->exit_reason));
			vm_request_stop(vm, VM_STOP_ERROR);
		}
	}
	return NULL;
}

int vcpu_start(struct vcpu *vcpu)
{
	int ret = pthread_create(&vcpu->thread, NULL, vcpu_thread, vcpu);

	if (ret)
		return -ret;
	vcpu->started = true;
	return 0;
}

void vcpu_kick(struct vcpu *vcpu)
{
	if (!vcpu->started)
		return;
	__atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_RELEASE);
	pthread_kill(vcpu->thread, VCPU_KICK_SIGNAL);
}

/* How long one round of kicks waits for the lock before kicking again. */
#define VCPU_PAUSE_ROUND_MS 5

int vcpu_pause_all_timeout(struct vm *vm, unsigned int timeout_ms)
{
	uint64_t deadline = monotonic_ms() + timeout_ms;
	unsigned int i;
	int ret;

	/*
	 * Kicked vCPUs leave KVM_RUN and then wait at the pause point (and
	 * the writer-preferring lock). One kick is not enough: a vCPU that
	 * took its EINTR before pause_req was visible clears immediate_exit
	 * and may enter KVM_RUN again and sit there (an idle guest halts
	 * there) for good. So kick again each round until the write lock is
	 * ours.
	 */
	pause_req_add(1);
	for (;;) {
		struct timespec ts = timespec_after_ms(CLOCK_REALTIME, VCPU_PAUSE_ROUND_MS);

		for (i = 0; i < vm->ncpus; i++)
			vcpu_kick(&vm->vcpus[i]);
		ret = pthread_rwlock_timedwrlock(&run_lock, &ts);
		if (!ret)
			return 0;
		if (ret != ETIMEDOUT || monotonic_ms() >= deadline) {
			pause_req_add(-1);
			return ret == ETIMEDOUT ? -ETIMEDOUT : -ret;
		}
	}
}

void vcpu_pause_all(struct vm *vm)
{
	/* Callers here cannot fail: keep kicking, but say so if it takes long. */
	while (vcpu_pause_all_timeout(vm, 1000) == -ETIMEDOUT)
		pr_warn("pausing the vCPUs takes more than a second; still trying");
}

void vcpu_resume_all(struct vm *vm)
{
	pthread_rwlock_unlock(&run_lock);
	pause_req_add(-1);
}

void vcpu_join(struct vcpu *vcpu)
{
	if (vcpu->started)
		pthread_join(vcpu->thread, NULL);
	vcpu->started = false;
}

void vcpu_destroy(struct vcpu *vcpu)
{
	if (vcpu->run)
		munmap(vcpu->run, (size_t)vcpu->vm->vcpu_mmap_size);
	if (vcpu->fd > 0)
		close(vcpu->fd);
	vcpu->run = NULL;
	vcpu->fd = -1;
}
