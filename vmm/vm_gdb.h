/* SPDX-License-Identifier: MIT */
/*
 * The gdbstub's KVM glue (docs/gdbstub.md, sections 2 and 10): the
 * struct gdb_target_ops of a running VM, vCPU parking for all-stop, and
 * KVM_EXIT_DEBUG handling. The stub thread (gdb_server.c) calls the ops;
 * vCPU threads only park, unpark, classify their own debug exits and
 * report a stop once every vCPU is parked. No vCPU thread ever waits for
 * the socket or for the stub thread's locks.
 *
 * Parking: the stub side sets a per-vCPU `attn` flag and kicks; a vCPU
 * checks the flag before each KVM_RUN (vm_gdb_vcpu_point) and, when gdb
 * holds it, waits on a condition variable. Kicks are the VMM's own
 * (vcpu_kick: signal + immediate_exit), so a vCPU halted in the kernel
 * leaves KVM_RUN too.
 */
#ifndef HVMM_VM_GDB_H
#define HVMM_VM_GDB_H

#include <stddef.h>

struct vm;
struct vcpu;

/*
 * --gdb SPEC: start the stub for vm (after the vCPUs are initialised and
 * before they start). With cfg->gdb_wait every vCPU parks before its
 * first instruction until gdb resumes it. 0 or -errno (bad SPEC, bind).
 */
int vm_gdb_start(struct vm *vm);

/*
 * The VM ended with exit status `status`: tell an attached gdb (W
 * packet), then stop the stub. Call after every vCPU thread is joined.
 */
void vm_gdb_stop(struct vm *vm, int status);

/*
 * On the vCPU thread, before each KVM_RUN: park while gdb holds this
 * vCPU, then apply its debug state (KVM_SET_GUEST_DEBUG). Costs one
 * atomic load when nothing is pending.
 */
void vm_gdb_vcpu_point(struct vcpu *vcpu);

/*
 * The KVM_EXIT_DEBUG handler (installed by vm_gdb_start; a vcpu_exit_fn).
 * Returns 0; -EINVAL without a stub.
 */
int vm_gdb_debug_exit(struct vcpu *vcpu);

/* The TCP port the stub listens on (for tcp:...:0), or 0. */
unsigned int vm_gdb_port(const struct vm *vm);

/*
 * `monitor CMD` for the VMM's own state (vm_gdb_monitor.c), with every
 * vCPU parked: text into out (always NUL-terminated, cut at cap). 0 or
 * -errno.
 */
int vm_gdb_monitor(struct vm *vm, const char *cmd, char *out, size_t cap);

#endif
