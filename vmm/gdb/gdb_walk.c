// SPDX-License-Identifier: MIT
/* gdbstub address translation over vmm/x86_walk.c (gdb_walk.h). */
#include <errno.h>

#include "gdb_walk.h"

void gdb_walk_regs(const struct gdb_x86_regs *r, unsigned int maxphyaddr, struct x86_walk_regs *w)
{
	w->cr0 = r->cr0;
	w->cr3 = r->cr3;
	w->cr4 = r->cr4;
	w->efer = r->efer;
	w->maxphyaddr = maxphyaddr;
}

int gdb_walk_translate(const struct x86_walk_regs *regs, uint64_t gva, x86_walk_read_fn read,
		       void *opaque, uint64_t *gpa)
{
	struct x86_walk_result res;

	switch (x86_walk(regs, gva, read, opaque, &res)) {
	case X86_WALK_OK:
		*gpa = res.gpa;
		return 0;
	case X86_WALK_BAD_MODE:
		return -EINVAL;
	default:
		/* gdb only reads: the access rights of the page do not matter. */
		return -EFAULT;
	}
}
