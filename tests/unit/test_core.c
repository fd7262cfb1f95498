// SPDX-License-Identifier: MIT
/* Guest RAM layout and bounds checks, size parsing and rate limiting. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "guest_mem.h"
#include "layout.h"
#include "unit.h"
#include "util.h"

START_TEST(gmem_bad_sizes)
{
	struct guest_mem m;

	ck_assert_int_eq(gmem_init(&m, 0), -EINVAL);
	ck_assert_int_eq(gmem_init(&m, 14 * MiB), -EINVAL);
	ck_assert_int_eq(gmem_init(&m, 16 * MiB - 2 * MiB), -EINVAL);
	ck_assert_int_eq(gmem_init(&m, 17 * MiB), -EINVAL);
	ck_assert_int_eq(gmem_init(&m, 64 * MiB + 4096), -EINVAL);
	ck_assert_int_eq(gmem_init(&m, UINT64_MAX - (2 * MiB - 1)), -EINVAL);
	ck_assert_ptr_null(m.host);
	ck_assert_ptr_null(gmem_ptr(&m, 0, 1));
	/* The minimum itself is fine. */
	ck_assert_int_eq(gmem_init(&m, RAM_MIN), 0);
	ck_assert_uint_eq(m.low_size, RAM_MIN);
	gmem_free(&m);
	ck_assert_ptr_null(m.host);
}
END_TEST

START_TEST(gmem_layout)
{
	struct guest_mem m;

	ck_assert_int_eq(gmem_init(&m, 512 * MiB), 0);
	ck_assert_uint_eq(m.size, 512 * MiB);
	ck_assert_uint_eq(m.low_size, 512 * MiB);
	ck_assert_uint_eq(m.high_size, 0);
	gmem_free(&m);

	ck_assert_int_eq(gmem_init(&m, 3 * GiB), 0);
	ck_assert_uint_eq(m.low_size, 3 * GiB);
	ck_assert_uint_eq(m.high_size, 0);
	gmem_free(&m);

	ck_assert_int_eq(gmem_init(&m, 4 * GiB), 0);
	ck_assert_uint_eq(m.size, 4 * GiB);
	ck_assert_uint_eq(m.low_size, MMIO_HOLE_START);
	ck_assert_uint_eq(m.high_size, GiB);
	gmem_free(&m);
}
END_TEST

START_TEST(gmem_bounds_low_only)
{
	struct guest_mem m;
	uint8_t *p;

	ck_assert_int_eq(gmem_init(&m, 512 * MiB), 0);
	p = gmem_ptr(&m, 0, 512 * MiB);
	ck_assert_ptr_eq(p, m.host);
	ck_assert_ptr_eq(gmem_ptr(&m, 512 * MiB - 1, 1), m.host + 512 * MiB - 1);
	ck_assert_ptr_null(gmem_ptr(&m, 512 * MiB, 1));
	ck_assert_ptr_null(gmem_ptr(&m, 512 * MiB - 1, 2));
	ck_assert_ptr_null(gmem_ptr(&m, 0, 512 * MiB + 1));
	/* No high RAM: nothing above 4 GiB; wrapping ranges refused. */
	ck_assert_ptr_null(gmem_ptr(&m, MMIO_HOLE_END, 1));
	ck_assert_ptr_null(gmem_ptr(&m, UINT64_MAX, 1));
	ck_assert_ptr_null(gmem_ptr(&m, UINT64_MAX - 10, 100));
	ck_assert_ptr_null(gmem_ptr(&m, 4096, UINT64_MAX));
	gmem_free(&m);
}
END_TEST

START_TEST(gmem_bounds_split)
{
	struct guest_mem m;
	uint8_t *hi;
	uint8_t buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, back[8];

	ck_assert_int_eq(gmem_init(&m, 4 * GiB), 0);
	/* Last low byte ok, first hole byte not, crossing into the hole not. */
	ck_assert_ptr_eq(gmem_ptr(&m, MMIO_HOLE_START - 1, 1), m.host + MMIO_HOLE_START - 1);
	ck_assert_ptr_null(gmem_ptr(&m, MMIO_HOLE_START, 1));
	ck_assert_ptr_null(gmem_ptr(&m, MMIO_HOLE_START - 4, 8));
	ck_assert_ptr_null(gmem_ptr(&m, IOAPIC_BASE, 4));
	ck_assert_ptr_null(gmem_ptr(&m, LAPIC_BASE, 4));
	ck_assert_ptr_null(gmem_ptr(&m, MMIO_HOLE_END - 1, 1));
	/* Crossing the whole hole from low RAM into high RAM is not one region. */
	ck_assert_ptr_null(gmem_ptr(&m, MMIO_HOLE_START - 4, MMIO_HOLE_END - MMIO_HOLE_START + 8));
	/* High RAM follows low RAM in the host mapping. */
	hi = gmem_ptr(&m, MMIO_HOLE_END, 1);
	ck_assert_ptr_eq(hi, m.host + MMIO_HOLE_START);
	ck_assert_ptr_eq(gmem_ptr(&m, MMIO_HOLE_END + GiB - 1, 1), m.host + 4 * GiB - 1);
	ck_assert_ptr_nonnull(gmem_ptr(&m, MMIO_HOLE_END, GiB));
	ck_assert_ptr_null(gmem_ptr(&m, MMIO_HOLE_END + GiB, 1));
	ck_assert_ptr_null(gmem_ptr(&m, MMIO_HOLE_END + GiB - 1, 2));
	ck_assert_ptr_null(gmem_ptr(&m, MMIO_HOLE_END, GiB + 1));
	ck_assert_ptr_null(gmem_ptr(&m, UINT64_MAX - 1, 4));
	ck_assert_ptr_null(gmem_ptr(&m, MMIO_HOLE_END, UINT64_MAX - MMIO_HOLE_END + 1));
	/* Round trip through the copy helpers, and their refusal. */
	ck_assert_int_eq(gmem_write(&m, MMIO_HOLE_END + 100, buf, sizeof(buf)), 0);
	ck_assert_mem_eq(hi + 100, buf, sizeof(buf));
	ck_assert_int_eq(gmem_read(&m, MMIO_HOLE_END + 100, back, sizeof(back)), 0);
	ck_assert_mem_eq(back, buf, sizeof(buf));
	ck_assert_int_eq(gmem_write(&m, MMIO_HOLE_START - 4, buf, sizeof(buf)), -EFAULT);
	ck_assert_int_eq(gmem_read(&m, MMIO_HOLE_START, back, 1), -EFAULT);
	/* RAM starts zeroed. */
	ck_assert_uint_eq(*(uint8_t *)gmem_ptr(&m, MMIO_HOLE_START - 1, 1), 0);
	gmem_free(&m);
}
END_TEST

static uint64_t size_ok(const char *s)
{
	uint64_t v = 0xdeadbeef;

	ck_assert_msg(parse_size(s, &v) == 0, "'%s' rejected", s);
	return v;
}

static void size_bad(const char *s)
{
	uint64_t v = 0xdeadbeef;

	ck_assert_msg(parse_size(s, &v) == -EINVAL, "'%s' accepted", s);
	ck_assert_uint_eq(v, 0xdeadbeef);
}

START_TEST(sizes)
{
	ck_assert_uint_eq(size_ok("512M"), 512 * MiB);
	ck_assert_uint_eq(size_ok("2G"), 2 * GiB);
	ck_assert_uint_eq(size_ok("4096"), 4096);
	ck_assert_uint_eq(size_ok("64K"), 64 * KiB);
	ck_assert_uint_eq(size_ok("64k"), 64 * KiB);
	ck_assert_uint_eq(size_ok("1GiB"), GiB);
	ck_assert_uint_eq(size_ok("1gb"), GiB);
	ck_assert_uint_eq(size_ok("3T"), 3 * 1024 * GiB);
	ck_assert_uint_eq(size_ok("0"), 0);
	ck_assert_uint_eq(size_ok("16777215T"), 16777215ULL * 1024 * GiB);
	ck_assert_uint_eq(size_ok("18446744073709551615"), UINT64_MAX);

	size_bad("");
	size_bad(NULL);
	size_bad("12X");
	size_bad("-1");
	size_bad("-1G");
	size_bad("M");
	size_bad("1 G");
	size_bad("1GG");
	size_bad("1Gx");
	size_bad("1iB");
	size_bad("99999999999T");
	size_bad("16777216T");
	size_bad("18446744073709551616");
	/* strtoull would skip the blanks and negate the "-1". */
	size_bad(" -1");
	size_bad(" 512M");
	size_bad("+512M");
}
END_TEST

START_TEST(ratelimit_burst)
{
	struct ratelimit rl = RATELIMIT_INIT(3600 * 1000, 3);
	int i;

	for (i = 0; i < 3; i++)
		ck_assert(ratelimit_ok(&rl));
	for (i = 0; i < 5; i++)
		ck_assert(!ratelimit_ok(&rl));
	ck_assert_uint_eq(rl.missed, 5);
}
END_TEST

START_TEST(ratelimit_refill)
{
	struct ratelimit rl = RATELIMIT_INIT(20, 2);
	struct timespec ts = { .tv_nsec = 50 * 1000 * 1000 };

	ck_assert(ratelimit_ok(&rl));
	ck_assert(ratelimit_ok(&rl));
	ck_assert(!ratelimit_ok(&rl));
	/* 50 ms is at least two 20 ms intervals, but the bucket holds 2. */
	nanosleep(&ts, NULL);
	ck_assert(ratelimit_ok(&rl));
	ck_assert(ratelimit_ok(&rl));
	ck_assert(!ratelimit_ok(&rl));
	ck_assert_uint_eq(rl.missed, 2);
}
END_TEST

static Suite *core_suite(void)
{
	Suite *s = suite_create("core");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, gmem_bad_sizes);
	tcase_add_test(tc, gmem_layout);
	tcase_add_test(tc, gmem_bounds_low_only);
	tcase_add_test(tc, gmem_bounds_split);
	tcase_add_test(tc, sizes);
	tcase_add_test(tc, ratelimit_burst);
	tcase_add_test(tc, ratelimit_refill);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(core_suite)
