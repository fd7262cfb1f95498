/* SPDX-License-Identifier: MIT */
/*
 * The pure part of the gdbstub's KVM glue: struct gdb_x86_regs to and
 * from KVM's register structures, and the kvm_guest_debug a resume
 * needs. No ioctl here: the glue reads KVM_GET_REGS/SREGS/FPU/DEBUGREGS
 * and MSR_KERNEL_GS_BASE on the vCPU thread and hands them over.
 */
#ifndef HVMM_GDB_KVM_H
#define HVMM_GDB_KVM_H

#include <linux/kvm.h>
#include <stdbool.h>

#include "gdb.h"

struct gdb_kvm_state {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_fpu fpu;
	struct kvm_debugregs dbg;
	uint64_t kernel_gs_base; /* MSR 0xc0000102 */
};

void gdb_kvm_to_gdb(const struct gdb_kvm_state *k, struct gdb_x86_regs *g);

/*
 * Apply gdb's values to k (read from the vCPU first, so what gdb cannot
 * express is kept). Segment registers: only the selector changes; the
 * hidden base, limit and attributes stay (gdb has no view of them, and
 * reloading a descriptor behind the guest's back would be a guess).
 * The debug registers are ignored: gdb_kvm_guest_debug() sets them.
 */
void gdb_kvm_from_gdb(const struct gdb_x86_regs *g, struct gdb_kvm_state *k);

/*
 * The KVM_SET_GUEST_DEBUG argument for one vCPU: the debug registers and
 * int3 trapping from d, single-step for a step/range action, with
 * KVM_GUESTDBG_BLOCKIRQ when `blockirq` (KVM_CAP_SET_GUEST_DEBUG2 has
 * it) so a step never lands in an interrupt handler. All zero when gdb
 * wants nothing (the guest owns its debug state again).
 */
void gdb_kvm_guest_debug(const struct gdb_debug_state *d, const struct gdb_resume *act,
			 bool blockirq, struct kvm_guest_debug *out);

#endif
