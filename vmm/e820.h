/* SPDX-License-Identifier: MIT */
/*
 * The guest's physical memory map as firmware would report it (E820).
 * Linux gets it in the zero page, Multiboot and PVH kernels get copies
 * in their own formats; all are derived from this one map.
 */
#ifndef HVMM_E820_H
#define HVMM_E820_H

#include <stdint.h>

#include "guest_mem.h"

#define E820_RAM 1
#define E820_RESERVED 2
#define E820_ACPI 3

/* Linux's zero page holds at most 128 entries (E820_MAX_ENTRIES_ZEROPAGE). */
#define E820_MAX 128

struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __attribute__((packed));

struct e820_map {
	unsigned int nr;
	struct e820_entry e[E820_MAX];
};

/*
 * Append a range. Entries must be added in ascending, non-overlapping
 * order. Returns 0, -EINVAL (empty, overlapping or out of order range),
 * -ENOSPC (table full).
 */
int e820_add(struct e820_map *map, uint64_t addr, uint64_t size, uint32_t type);

/*
 * Build hvmm's standard map for `mem`: low RAM below the EBDA, the EBDA
 * and BIOS/ACPI area reserved, RAM from 1 MiB to the MMIO hole, the
 * IOAPIC/LAPIC window reserved, and RAM above 4 GiB. Returns 0 or -errno.
 */
int e820_build(struct e820_map *map, const struct guest_mem *mem);

/* Highest RAM address + 1 below 4 GiB, i.e. the end of usable low RAM. */
uint64_t e820_low_ram_end(const struct e820_map *map);

#endif
