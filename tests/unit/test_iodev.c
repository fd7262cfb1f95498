// SPDX-License-Identifier: MIT
/* The port-I/O / MMIO bus: registration rules, lookup and unclaimed accesses. */
#include <errno.h>
#include <string.h>

#include "iodev.h"
#include "unit.h"
#include "util.h"

/* Records the last access a device saw, so tests can check offsets. */
struct probe {
	unsigned int reads, writes;
	uint64_t last_off;
	unsigned int last_len;
	uint8_t last_data[8];
	uint8_t fill;  /* byte a read returns */
};

static void probe_read(void *opaque, uint64_t off, uint8_t *data, unsigned int len)
{
	struct probe *p = opaque;

	p->reads++;
	p->last_off = off;
	p->last_len = len;
	memset(data, p->fill, len);
}

static void probe_write(void *opaque, uint64_t off, const uint8_t *data, unsigned int len)
{
	struct probe *p = opaque;

	p->writes++;
	p->last_off = off;
	p->last_len = len;
	memcpy(p->last_data, data, len);
}

static const struct iodev_ops probe_ops = { .read = probe_read, .write = probe_write };
static const struct iodev_ops write_only_ops = { .write = probe_write };

/* Number of distinct addresses remembered as already reported. */
static unsigned int unclaimed_slots_used(const struct io_bus *bus)
{
	unsigned int i, n = 0;

	for (i = 0; i < IOBUS_UNCLAIMED_SLOTS; i++)
		n += bus->unclaimed[i] != 0;
	return n;
}

/* Unclaimed accesses log at LOG_INFO; keep test output quiet. */
static void quiet(void)
{
	log_level = LOG_ERR;
}

START_TEST(register_and_overlap)
{
	static struct io_bus bus;
	struct probe p = { 0 };

	iobus_init(&bus, IO_SPACE_PIO);
	ck_assert_int_eq(iobus_register(&bus, 0x100, 0x10, &probe_ops, &p, "a"), 0);
	/* Same base, inside, covering, and straddling either end all overlap. */
	ck_assert_int_eq(iobus_register(&bus, 0x100, 1, &probe_ops, &p, "b"), -EBUSY);
	ck_assert_int_eq(iobus_register(&bus, 0x108, 2, &probe_ops, &p, "b"), -EBUSY);
	ck_assert_int_eq(iobus_register(&bus, 0xf0, 0x100, &probe_ops, &p, "b"), -EBUSY);
	ck_assert_int_eq(iobus_register(&bus, 0xff, 2, &probe_ops, &p, "b"), -EBUSY);
	ck_assert_int_eq(iobus_register(&bus, 0x10f, 2, &probe_ops, &p, "b"), -EBUSY);
	ck_assert_uint_eq(bus.nr, 1);
	/* Adjacent on both sides is fine. */
	ck_assert_int_eq(iobus_register(&bus, 0x110, 4, &probe_ops, &p, "after"), 0);
	ck_assert_int_eq(iobus_register(&bus, 0xf0, 0x10, &probe_ops, &p, "before"), 0);
	ck_assert_uint_eq(bus.nr, 3);
	/* Sorted by base regardless of registration order. */
	ck_assert_uint_eq(bus.devs[0].base, 0xf0);
	ck_assert_uint_eq(bus.devs[1].base, 0x100);
	ck_assert_uint_eq(bus.devs[2].base, 0x110);
}
END_TEST

START_TEST(register_invalid)
{
	static struct io_bus bus;
	struct probe p = { 0 };

	iobus_init(&bus, IO_SPACE_MMIO);
	ck_assert_int_eq(iobus_register(&bus, 0x1000, 0, &probe_ops, &p, "empty"), -EINVAL);
	ck_assert_int_eq(iobus_register(&bus, UINT64_MAX, 2, &probe_ops, &p, "wrap"), -EINVAL);
	ck_assert_int_eq(iobus_register(&bus, UINT64_MAX - 3, 8, &probe_ops, &p, "wrap"),
			 -EINVAL);
	ck_assert_int_eq(iobus_register(&bus, 0x1000, 4, NULL, &p, "noops"), -EINVAL);
	ck_assert_uint_eq(bus.nr, 0);
	/* Ending exactly at the top of the address space does not wrap. */
	ck_assert_int_eq(iobus_register(&bus, UINT64_MAX - 3, 4, &probe_ops, &p, "top"), 0);
	ck_assert_int_eq(iobus_register(&bus, UINT64_MAX, 1, &probe_ops, &p, "top2"), -EBUSY);
	ck_assert(iobus_access(&bus, UINT64_MAX, p.last_data, 1, false));
	ck_assert_uint_eq(p.last_off, 3);
}
END_TEST

START_TEST(register_full)
{
	static struct io_bus bus;
	struct probe p = { 0 };
	unsigned int i;

	iobus_init(&bus, IO_SPACE_PIO);
	for (i = 0; i < IOBUS_MAX_DEVS; i++)
		ck_assert_int_eq(iobus_register(&bus, i * 0x10, 8, &probe_ops, &p, "d"), 0);
	ck_assert_int_eq(iobus_register(&bus, 0x10000, 8, &probe_ops, &p, "one too many"),
			 -ENOSPC);
	ck_assert_uint_eq(bus.nr, IOBUS_MAX_DEVS);
}
END_TEST

/* Register in a scrambled order, then find every device at every edge. */
START_TEST(lookup_many)
{
	static struct io_bus bus;
	static struct probe p[IOBUS_MAX_DEVS];
	unsigned int i, k;
	uint8_t data[4];

	quiet();
	iobus_init(&bus, IO_SPACE_MMIO);
	for (k = 0; k < IOBUS_MAX_DEVS; k++) {
		i = (k * 37) % IOBUS_MAX_DEVS;  /* 37 is coprime to 64: a permutation */
		p[i].fill = (uint8_t)i;
		ck_assert_int_eq(iobus_register(&bus, 0x10000 + i * 0x100, 0x20 + i,
						&probe_ops, &p[i], "d"), 0);
	}
	for (i = 1; i < bus.nr; i++)
		ck_assert_uint_lt(bus.devs[i - 1].base, bus.devs[i].base);
	for (i = 0; i < IOBUS_MAX_DEVS; i++) {
		uint64_t base = 0x10000 + i * 0x100, len = 0x20 + i;

		ck_assert(iobus_access(&bus, base, data, 1, false));
		ck_assert_uint_eq(data[0], i);
		ck_assert_uint_eq(p[i].last_off, 0);
		ck_assert(iobus_access(&bus, base + len - 1, data, 1, false));
		ck_assert_uint_eq(data[0], i);
		ck_assert_uint_eq(p[i].last_off, len - 1);
		ck_assert_uint_eq(p[i].reads, 2);
		/* The gaps between devices belong to nobody. */
		ck_assert(!iobus_access(&bus, base + len, data, 1, false));
		ck_assert(!iobus_access(&bus, base - 1, data, 1, false));
	}
}
END_TEST

START_TEST(offsets_and_data)
{
	static struct io_bus bus;
	struct probe p = { .fill = 0x5a };
	uint8_t in[4] = { 1, 2, 3, 4 }, out[4] = { 0 };

	iobus_init(&bus, IO_SPACE_PIO);
	ck_assert_int_eq(iobus_register(&bus, 0x3f8, 8, &probe_ops, &p, "uart"), 0);
	ck_assert(iobus_access(&bus, 0x3fa, in, 2, true));
	ck_assert_uint_eq(p.writes, 1);
	ck_assert_uint_eq(p.last_off, 2);
	ck_assert_uint_eq(p.last_len, 2);
	ck_assert_mem_eq(p.last_data, in, 2);
	ck_assert(iobus_access(&bus, 0x3fc, out, 4, false));
	ck_assert_uint_eq(p.reads, 1);
	ck_assert_uint_eq(p.last_off, 4);
	ck_assert_uint_eq(p.last_len, 4);
	ck_assert_uint_eq(out[0], 0x5a);
	ck_assert_uint_eq(out[3], 0x5a);
}
END_TEST

START_TEST(straddle_is_unclaimed)
{
	static struct io_bus bus;
	struct probe p = { .fill = 0 };
	uint8_t data[8];

	quiet();
	iobus_init(&bus, IO_SPACE_PIO);
	ck_assert_int_eq(iobus_register(&bus, 0x600, 4, &probe_ops, &p, "pm"), 0);
	/* Ends one byte past the device. */
	memset(data, 0, sizeof(data));
	ck_assert(!iobus_access(&bus, 0x602, data, 4, false));
	ck_assert_uint_eq(data[0], 0xff);
	ck_assert_uint_eq(data[3], 0xff);
	/* Longer than the device itself. */
	ck_assert(!iobus_access(&bus, 0x600, data, 8, false));
	ck_assert(!iobus_access(&bus, 0x603, data, 2, true));
	ck_assert_uint_eq(p.reads, 0);
	ck_assert_uint_eq(p.writes, 0);
	/* Exactly up to the end is claimed. */
	ck_assert(iobus_access(&bus, 0x602, data, 2, false));
	ck_assert(iobus_access(&bus, 0x600, data, 4, false));
	ck_assert_uint_eq(p.reads, 2);
	ck_assert_uint_eq(bus.unclaimed_count, 3);
}
END_TEST

START_TEST(unclaimed_counted_and_logged_once)
{
	static struct io_bus bus;
	uint8_t data[4] = { 0 };
	unsigned int i;

	quiet();
	iobus_init(&bus, IO_SPACE_PIO);
	ck_assert(!iobus_access(&bus, 0x80, data, 1, false));
	ck_assert_uint_eq(data[0], 0xff);
	ck_assert_uint_eq(bus.unclaimed_count, 1);
	ck_assert_uint_eq(unclaimed_slots_used(&bus), 1);
	/* Same address again, read or write: counted, not remembered twice. */
	for (i = 0; i < 5; i++)
		ck_assert(!iobus_access(&bus, 0x80, data, 1, i & 1));
	ck_assert_uint_eq(bus.unclaimed_count, 6);
	ck_assert_uint_eq(unclaimed_slots_used(&bus), 1);
	/* A write leaves the buffer alone. */
	data[0] = 0x12;
	ck_assert(!iobus_access(&bus, 0x81, data, 1, true));
	ck_assert_uint_eq(data[0], 0x12);
	ck_assert_uint_eq(unclaimed_slots_used(&bus), 2);
	/* Address 0 must be storable even though 0 marks a free slot. */
	ck_assert(!iobus_access(&bus, 0, data, 4, false));
	ck_assert(!iobus_access(&bus, 0, data, 4, false));
	ck_assert_uint_eq(unclaimed_slots_used(&bus), 3);
	ck_assert_uint_eq(bus.unclaimed_count, 9);
	ck_assert_uint_eq(data[0] & data[1] & data[2] & data[3], 0xff);
}
END_TEST

/* Once the remembered set is full, more addresses are still counted. */
START_TEST(unclaimed_table_full)
{
	static struct io_bus bus;
	uint8_t data[1];
	unsigned int i;

	quiet();
	iobus_init(&bus, IO_SPACE_MMIO);
	for (i = 0; i < IOBUS_UNCLAIMED_SLOTS + 10; i++)
		ck_assert(!iobus_access(&bus, 0x1000 + i, data, 1, false));
	ck_assert_uint_eq(unclaimed_slots_used(&bus), IOBUS_UNCLAIMED_SLOTS);
	ck_assert_uint_eq(bus.unclaimed_count, IOBUS_UNCLAIMED_SLOTS + 10);
	ck_assert(!iobus_access(&bus, 0x1000, data, 1, false));
	ck_assert_uint_eq(bus.unclaimed_count, IOBUS_UNCLAIMED_SLOTS + 11);
}
END_TEST

START_TEST(no_read_op_reads_ones)
{
	static struct io_bus bus;
	struct probe p = { 0 };
	uint8_t data[2] = { 0, 0 };

	iobus_init(&bus, IO_SPACE_PIO);
	ck_assert_int_eq(iobus_register(&bus, 0xcf9, 1, &write_only_ops, &p, "reset"), 0);
	ck_assert(iobus_access(&bus, 0xcf9, data, 1, false));
	ck_assert_uint_eq(data[0], 0xff);
	ck_assert_uint_eq(data[1], 0);
	/* Claimed, so not counted as unclaimed. */
	ck_assert_uint_eq(bus.unclaimed_count, 0);
	data[0] = 6;
	ck_assert(iobus_access(&bus, 0xcf9, data, 1, true));
	ck_assert_uint_eq(p.writes, 1);
	ck_assert_uint_eq(p.last_data[0], 6);
}
END_TEST

static Suite *iodev_suite(void)
{
	Suite *s = suite_create("iodev");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, register_and_overlap);
	tcase_add_test(tc, register_invalid);
	tcase_add_test(tc, register_full);
	tcase_add_test(tc, lookup_many);
	tcase_add_test(tc, offsets_and_data);
	tcase_add_test(tc, straddle_is_unclaimed);
	tcase_add_test(tc, unclaimed_counted_and_logged_once);
	tcase_add_test(tc, unclaimed_table_full);
	tcase_add_test(tc, no_read_op_reads_ones);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(iodev_suite)
