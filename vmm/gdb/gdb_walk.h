/* SPDX-License-Identifier: MIT */
/*
 * GVA -> GPA for the gdbstub's translate op: the guest's page tables
 * walked in the VMM with vmm/x86_walk.c (every mode: none, 32-bit, PAE,
 * 4- and 5-level), using the paging registers gdb's register view has
 * (CR0/CR3/CR4/EFER of struct gdb_x86_regs). KVM_TRANSLATE is not used:
 * it does not report which level failed and is not available for every
 * mode. The caller splits accesses per page (gdb_mem.c does).
 */
#ifndef HVMM_GDB_WALK_H
#define HVMM_GDB_WALK_H

#include "gdb.h"
#include "x86_walk.h"

/* Paging registers of a vCPU as x86_walk() wants them. */
void gdb_walk_regs(const struct gdb_x86_regs *r, unsigned int maxphyaddr, struct x86_walk_regs *w);

/*
 * Translate gva with `regs`, reading page-table entries through `read`.
 * 0 and *gpa, or -EFAULT (not present, reserved bit, non-canonical,
 * table outside RAM) or -EINVAL (a paging mode the CPU would refuse).
 */
int gdb_walk_translate(const struct x86_walk_regs *regs, uint64_t gva, x86_walk_read_fn read,
		       void *opaque, uint64_t *gpa);

#endif
