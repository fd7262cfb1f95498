// SPDX-License-Identifier: MIT
/*
 * The guest's E820 map. Built once per VM from the guest RAM layout and
 * handed, in three different encodings, to whichever kernel boots.
 */
#include "e820.h"

#include <errno.h>
#include <string.h>

#include "layout.h"
#include "util.h"

int e820_add(struct e820_map *map, uint64_t addr, uint64_t size, uint32_t type)
{
	uint64_t end;

	if (!size || __builtin_add_overflow(addr, size, &end))
		return -EINVAL;
	/*
	 * Requiring ascending, disjoint ranges keeps every consumer (the zero
	 * page copy, the Multiboot and PVH conversions, e820_low_ram_end)
	 * trivial; hvmm never needs to sanitize a map the way firmware does.
	 */
	if (map->nr) {
		const struct e820_entry *last = &map->e[map->nr - 1];

		if (addr < last->addr + last->size)
			return -EINVAL;
	}
	if (map->nr >= E820_MAX)
		return -ENOSPC;
	map->e[map->nr].addr = addr;
	map->e[map->nr].size = size;
	map->e[map->nr].type = type;
	map->nr++;
	return 0;
}

int e820_build(struct e820_map *map, const struct guest_mem *mem)
{
	int ret;

	memset(map, 0, sizeof(*map));
	/* The standard map needs RAM past 1 MiB and nothing inside the hole. */
	if (mem->low_size <= BIOS_END || mem->low_size > MMIO_HOLE_START)
		return -EINVAL;
	if (mem->high_size && mem->low_size != MMIO_HOLE_START)
		return -EINVAL;

	ret = e820_add(map, 0, EBDA_START, E820_RAM);
	if (ret)
		return ret;
	/*
	 * EBDA, VGA window, option ROMs, the ACPI tables at ACPI_BASE and the
	 * BIOS area: one reserved range, so no kernel ever allocates there.
	 */
	ret = e820_add(map, EBDA_START, BIOS_END - EBDA_START, E820_RESERVED);
	if (ret)
		return ret;
	ret = e820_add(map, BIOS_END, mem->low_size - BIOS_END, E820_RAM);
	if (ret)
		return ret;
	/*
	 * IOAPIC, HPET-free chipset space and LAPIC up to 4 GiB. Reported even
	 * with little RAM: it keeps guests from placing PCI BARs over the
	 * interrupt controllers' MMIO.
	 */
	ret = e820_add(map, IOAPIC_BASE, MMIO_HOLE_END - IOAPIC_BASE, E820_RESERVED);
	if (ret)
		return ret;
	if (mem->high_size) {
		ret = e820_add(map, MMIO_HOLE_END, mem->high_size, E820_RAM);
		if (ret)
			return ret;
	}
	return 0;
}

uint64_t e820_low_ram_end(const struct e820_map *map)
{
	uint64_t end = 0;
	unsigned int i;

	for (i = 0; i < map->nr && i < E820_MAX; i++) {
		const struct e820_entry *e = &map->e[i];
		uint64_t e_end;

		if (e->type != E820_RAM || e->addr >= MMIO_HOLE_END)
			continue;
		if (__builtin_add_overflow(e->addr, e->size, &e_end))
			e_end = UINT64_MAX;
		end = MAX(end, MIN(e_end, MMIO_HOLE_END));
	}
	return end;
}
