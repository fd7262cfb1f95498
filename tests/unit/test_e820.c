// SPDX-License-Identifier: MIT
/* E820 map construction and e820_add's ordering rules. */
#include <errno.h>
#include <string.h>

#include "e820.h"
#include "layout.h"
#include "unit.h"
#include "util.h"

/* e820_build only looks at the sizes, so no RAM needs to be mapped. */
static struct guest_mem fake_mem(uint64_t size)
{
	struct guest_mem m = { 0 };

	m.size = size;
	m.low_size = MIN(size, MMIO_HOLE_START);
	m.high_size = size - m.low_size;
	return m;
}

static void check_entry(const struct e820_map *map, unsigned int i,
			uint64_t addr, uint64_t size, uint32_t type)
{
	ck_assert_uint_lt(i, map->nr);
	ck_assert_uint_eq(map->e[i].addr, addr);
	ck_assert_uint_eq(map->e[i].size, size);
	ck_assert_uint_eq(map->e[i].type, type);
}

static void check_low_part(const struct e820_map *map, uint64_t low)
{
	check_entry(map, 0, 0, EBDA_START, E820_RAM);
	check_entry(map, 1, EBDA_START, BIOS_END - EBDA_START, E820_RESERVED);
	check_entry(map, 2, BIOS_END, low - BIOS_END, E820_RAM);
	check_entry(map, 3, IOAPIC_BASE, MMIO_HOLE_END - IOAPIC_BASE, E820_RESERVED);
	/* The ACPI tables must land in a reserved range. */
	ck_assert(ACPI_BASE >= map->e[1].addr &&
		  ACPI_BASE + ACPI_SIZE <= map->e[1].addr + map->e[1].size);
}

START_TEST(map_512m)
{
	struct guest_mem m = fake_mem(512 * MiB);
	struct e820_map map;

	ck_assert_int_eq(e820_build(&map, &m), 0);
	ck_assert_uint_eq(map.nr, 4);
	check_low_part(&map, 512 * MiB);
	ck_assert_uint_eq(e820_low_ram_end(&map), 512 * MiB);
}
END_TEST

START_TEST(map_3g_exactly)
{
	struct guest_mem m = fake_mem(3 * GiB);
	struct e820_map map;

	ck_assert_int_eq(e820_build(&map, &m), 0);
	ck_assert_uint_eq(map.nr, 4);
	check_low_part(&map, MMIO_HOLE_START);
	ck_assert_uint_eq(e820_low_ram_end(&map), MMIO_HOLE_START);
}
END_TEST

START_TEST(map_4g_split)
{
	struct guest_mem m = fake_mem(4 * GiB);
	struct e820_map map;
	uint64_t ram = 0;
	unsigned int i;

	ck_assert_int_eq(e820_build(&map, &m), 0);
	ck_assert_uint_eq(map.nr, 5);
	check_low_part(&map, MMIO_HOLE_START);
	check_entry(&map, 4, MMIO_HOLE_END, GiB, E820_RAM);
	ck_assert_uint_eq(e820_low_ram_end(&map), MMIO_HOLE_START);
	/* The RAM ranges add up to exactly the guest's RAM minus the EBDA..1M gap. */
	for (i = 0; i < map.nr; i++)
		if (map.e[i].type == E820_RAM)
			ram += map.e[i].size;
	ck_assert_uint_eq(ram, 4 * GiB - (BIOS_END - EBDA_START));
}
END_TEST

START_TEST(map_bad_mem)
{
	struct guest_mem m = fake_mem(512 * KiB);
	struct e820_map map;

	ck_assert_int_eq(e820_build(&map, &m), -EINVAL);
	m = fake_mem(4 * GiB);
	m.low_size = 2 * GiB; /* high RAM without a full low part: inconsistent */
	ck_assert_int_eq(e820_build(&map, &m), -EINVAL);
}
END_TEST

START_TEST(add_order_rules)
{
	struct e820_map map = { 0 };

	ck_assert_int_eq(e820_add(&map, 0x1000, 0x1000, E820_RAM), 0);
	/* Adjacent is fine. */
	ck_assert_int_eq(e820_add(&map, 0x2000, 0x1000, E820_RESERVED), 0);
	/* Overlapping the previous entry. */
	ck_assert_int_eq(e820_add(&map, 0x2fff, 0x10, E820_RAM), -EINVAL);
	/* Out of order. */
	ck_assert_int_eq(e820_add(&map, 0x0, 0x1000, E820_RAM), -EINVAL);
	/* Empty and wrapping ranges. */
	ck_assert_int_eq(e820_add(&map, 0x10000, 0, E820_RAM), -EINVAL);
	ck_assert_int_eq(e820_add(&map, UINT64_MAX - 10, 0x100, E820_RAM), -EINVAL);
	ck_assert_uint_eq(map.nr, 2);
	/* Gaps between entries are fine. */
	ck_assert_int_eq(e820_add(&map, 0x100000000ULL, 0x1000, E820_ACPI), 0);
	ck_assert_uint_eq(map.nr, 3);
	check_entry(&map, 2, 0x100000000ULL, 0x1000, E820_ACPI);
}
END_TEST

START_TEST(add_table_full)
{
	struct e820_map map = { 0 };
	unsigned int i;

	for (i = 0; i < E820_MAX; i++)
		ck_assert_int_eq(e820_add(&map, i * 0x2000ULL, 0x1000, E820_RAM), 0);
	ck_assert_int_eq(e820_add(&map, E820_MAX * 0x2000ULL, 0x1000, E820_RAM), -ENOSPC);
	ck_assert_uint_eq(map.nr, E820_MAX);
}
END_TEST

START_TEST(low_ram_end_rules)
{
	struct e820_map map = { 0 };

	ck_assert_uint_eq(e820_low_ram_end(&map), 0);
	ck_assert_int_eq(e820_add(&map, 0, 0x9f000, E820_RAM), 0);
	ck_assert_int_eq(e820_add(&map, 0x100000, 0x1000000, E820_RESERVED), 0);
	/* Reserved ranges do not count. */
	ck_assert_uint_eq(e820_low_ram_end(&map), 0x9f000);
	/* RAM straddling 4 GiB is clipped there; RAM above it is ignored. */
	ck_assert_int_eq(e820_add(&map, 0xf0000000ULL, 0x20000000ULL, E820_RAM), 0);
	ck_assert_int_eq(e820_add(&map, 0x200000000ULL, GiB, E820_RAM), 0);
	ck_assert_uint_eq(e820_low_ram_end(&map), MMIO_HOLE_END);
}
END_TEST

static Suite *e820_suite(void)
{
	Suite *s = suite_create("e820");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, map_512m);
	tcase_add_test(tc, map_3g_exactly);
	tcase_add_test(tc, map_4g_split);
	tcase_add_test(tc, map_bad_mem);
	tcase_add_test(tc, add_order_rules);
	tcase_add_test(tc, add_table_full);
	tcase_add_test(tc, low_ram_end_rules);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(e820_suite)
