/* SPDX-License-Identifier: MIT */
/*
 * vCPUs: one thread each, running KVM_RUN and decoding exits. Exits that
 * belong to a device are handed to the I/O buses; exit reasons that later
 * subsystems own (Hyper-V, debug) are dispatched through a per-reason
 * handler table so the loop itself never grows.
 */
#ifndef HVMM_VCPU_H
#define HVMM_VCPU_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "loader/loader.h"
#include "vm.h"

#define VCPU_EXIT_REASONS 64

struct vcpu {
	struct vm *vm;
	unsigned int id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool started;
	uint64_t exits[VCPU_EXIT_REASONS];
	uint64_t exits_total;    /* all of them; atomic, for other threads */
};

/*
 * Handler for one KVM exit reason. Returns 0 to keep running; a negative
 * value stops the VM with VM_STOP_ERROR.
 */
typedef int (*vcpu_exit_fn)(struct vcpu *vcpu);

/* Install a handler before vCPUs start. Returns -EINVAL/-EBUSY. */
int vcpu_set_exit_handler(uint32_t reason, vcpu_exit_fn fn);

/* Create the vCPU fd, map kvm_run, set CPUID, MSRs, FPU and LAPIC LVTs. */
int vcpu_init(struct vcpu *vcpu, struct vm *vm, unsigned int id);

/* Put the boot vCPU at the kernel entry point. */
int vcpu_set_boot_state(struct vcpu *vcpu, const struct boot_state *bs);

int vcpu_start(struct vcpu *vcpu);

/* Make KVM_RUN return promptly (for stop). Safe from any thread. */
void vcpu_kick(struct vcpu *vcpu);
/*
 * Keep every vCPU out of guest mode while the caller changes what KVM
 * cannot change atomically (RAM memslots split or merged for VTL
 * protections, hv_vsm_memslot.c): kick them all and wait until none is in
 * a KVM_RUN that may run guest code. Callable from a vCPU thread (in an
 * exit handler) or any other; the caller must not hold a lock that a
 * vCPU thread takes before KVM_RUN. Pairs with vcpu_resume_all().
 */
void vcpu_pause_all(struct vm *vm);
/*
 * The same, bounded (control socket requests): 0 with the vCPUs paused
 * (pair with vcpu_resume_all), -ETIMEDOUT if they were not all out of
 * KVM_RUN within timeout_ms (nothing to resume then).
 */
int vcpu_pause_all_timeout(struct vm *vm, unsigned int timeout_ms);
void vcpu_resume_all(struct vm *vm);
void vcpu_join(struct vcpu *vcpu);
void vcpu_destroy(struct vcpu *vcpu);

/* Print general, segment and control registers to stderr. */
void vcpu_dump_regs(struct vcpu *vcpu);
/*
 * The same registers into f, each line starting with `prefix`. The
 * vCPU must be out of KVM_RUN (its thread, or vcpu_pause_all). 0 or
 * -errno if KVM would not give them.
 */
int vcpu_print_regs(struct vcpu *vcpu, FILE *f, const char *prefix);

/* Install the signal used by vcpu_kick; call once per process. */
int vcpu_signal_setup(void);

const char *kvm_exit_name(uint32_t reason);

#endif
