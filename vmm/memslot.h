/* SPDX-License-Identifier: MIT */
/*
 * ROM memslots (dev_rom_map() in device.h): KVM_MEM_READONLY slots that
 * devices map and unmap at run time, next to the RAM slots kvm.c creates.
 */
#ifndef HVMM_MEMSLOT_H
#define HVMM_MEMSLOT_H

#include <stddef.h>
#include <stdint.h>

#include "vm.h"

/* KVM slot numbers: RAM uses 0 and 1 (kvm.c); ROM slot `id` is this + id. */
#define MEMSLOT_ROM_BASE 16

/*
 * Forget every ROM slot: a new VM (fresh KVM VM fd) has none. kvm.c calls
 * it when it creates a VM; not thread-safe against dev_rom_map().
 */
void memslot_reset(struct vm *vm);

/*
 * Read [gpa, gpa+len) from one mapped ROM slot (the firmware flash), for
 * the gdbstub. 0, or -EFAULT if no slot holds all of it.
 */
int memslot_rom_read(uint64_t gpa, void *buf, size_t len);

/* The mapped ROM slots as [start, size] pairs, at most max; how many. */
unsigned int memslot_rom_ranges(uint64_t (*out)[2], unsigned int max);

#endif
