/* SPDX-License-Identifier: MIT */
/*
 * The CPU state a kernel expects at its entry point: a flat GDT, an
 * identity map of the low 4 GiB for long-mode entries, and segment and
 * control registers for each boot mode (see loader.h).
 */
#ifndef HVMM_X86_BOOT_H
#define HVMM_X86_BOOT_H

#include <linux/kvm.h>
#include <stdbool.h>

#include "guest_mem.h"
#include "loader/loader.h"

/* GDT selectors, matching Linux's __BOOT_CS/__BOOT_DS for the 64-bit entry. */
#define BOOT_SEL_CODE32 0x08
#define BOOT_SEL_CODE64 0x10
#define BOOT_SEL_DATA 0x18
#define BOOT_SEL_TSS 0x20

/* Write the boot GDT and page tables into guest RAM. Returns 0 or -EFAULT. */
int x86_boot_write_tables(const struct guest_mem *mem);

/* Fill sregs (starting from KVM's reset values) and regs for `bs`. */
void x86_boot_sregs(struct kvm_sregs *s, enum boot_mode mode);
void x86_boot_regs(struct kvm_regs *r, const struct boot_state *bs);

#endif
