// SPDX-License-Identifier: MIT
/*
 * The split virtqueue's device side against a scripted driver: good
 * chains (direct, indirect, zero-length buffers), the used ring, and
 * every malformed chain a hostile driver can write, each with its
 * defined result (a bad chain the device answers, or a broken queue).
 */
#include "unit.h"
#include "util.h"
#include "virtq_fake_driver.h"

#define F VIRTQ_DESC_F_NEXT
#define W VIRTQ_DESC_F_WRITE
#define I VIRTQ_DESC_F_INDIRECT

static struct fake_driver fd;
static struct virtq q;
static struct virtq_chain *c;

static void setup(void)
{
	ck_assert_int_eq(fd_init(&fd, 8), 0);
	ck_assert_int_eq(fd_setup_queue(&fd, &q, true), 0);
	c = calloc(1, sizeof(*c));
	ck_assert_ptr_nonnull(c);
}

static void teardown(void)
{
	free(c);
	fd_free(&fd);
}

START_TEST(setup_validates)
{
	struct virtq t;

	ck_assert_int_eq(virtq_setup(&t, &fd.mem, 0, FD_DESC, FD_AVAIL, FD_USED, false), -EINVAL);
	ck_assert_int_eq(virtq_setup(&t, &fd.mem, 6, FD_DESC, FD_AVAIL, FD_USED, false), -EINVAL);
	ck_assert_int_eq(virtq_setup(&t, &fd.mem, 512, FD_DESC, FD_AVAIL, FD_USED, false), -EINVAL);
	ck_assert_int_eq(virtq_setup(&t, &fd.mem, 8, FD_DESC + 8, FD_AVAIL, FD_USED, false), -EINVAL);
	ck_assert_int_eq(virtq_setup(&t, &fd.mem, 8, FD_DESC, FD_AVAIL + 1, FD_USED, false), -EINVAL);
	ck_assert_int_eq(virtq_setup(&t, &fd.mem, 8, FD_DESC, FD_AVAIL, FD_USED + 2, false), -EINVAL);
	/* Rings that end past RAM, or in the MMIO hole. */
	ck_assert_int_eq(virtq_setup(&t, &fd.mem, 8, FD_RAM - 16, FD_AVAIL, FD_USED, false), -EINVAL);
	ck_assert_int_eq(virtq_setup(&t, &fd.mem, 8, FD_DESC, FD_AVAIL, 0xfee00000ULL, false), -EINVAL);
	ck_assert_int_eq(t.size, 0);
	ck_assert_int_eq(virtq_pop(&t, c), 0);
	ck_assert_int_eq(virtq_setup(&t, &fd.mem, 256, FD_DESC, FD_AVAIL, FD_USED, false), 0);
}
END_TEST

START_TEST(empty_then_chain)
{
	uint32_t id, len;

	ck_assert_int_eq(virtq_pop(&q, c), 0);
	fd_set_desc(&fd, 3, FD_DATA, 16, F, 5);
	fd_set_desc(&fd, 5, FD_DATA + 0x1000, 0, F, 1); /* zero-length: legal, empty */
	fd_set_desc(&fd, 1, FD_DATA + 0x2000, 512, W | F, 2);
	fd_set_desc(&fd, 2, FD_DATA + 0x3000, 1, W, 0);
	fd_publish(&fd, 3);
	ck_assert_int_eq(virtq_pop(&q, c), 1);
	ck_assert_ptr_null(c->bad);
	ck_assert_int_eq(c->head, 3);
	ck_assert_uint_eq(c->nr, 4);
	ck_assert_uint_eq(c->nr_read, 2);
	ck_assert_uint_eq(c->read_len, 16);
	ck_assert_uint_eq(c->write_len, 513);
	ck_assert_ptr_eq(c->seg[0].host, fd_buf(&fd, FD_DATA, 16));
	ck_assert_ptr_null(c->seg[1].host);
	ck_assert(c->seg[2].write);
	ck_assert_uint_eq(c->last.gpa, FD_DATA + 0x3000);
	ck_assert_int_eq(virtq_pop(&q, c), 0);

	ck_assert_int_eq(fd_take_used(&fd, &id, &len), -1);
	virtq_push(&q, 3, 77);
	ck_assert_int_eq(fd_take_used(&fd, &id, &len), 0);
	ck_assert_uint_eq(id, 3);
	ck_assert_uint_eq(len, 77);
	ck_assert(virtq_want_interrupt(&q));
	fd_avail(&fd)[0] = VIRTQ_AVAIL_F_NO_INTERRUPT;
	ck_assert(!virtq_want_interrupt(&q));
}
END_TEST

/* Indices wrap at 2^16 and the ring at its size. */
START_TEST(ring_wraps)
{
	uint32_t id, len;

	q.last_avail = q.used_idx = 65530;
	fd.avail_idx = fd.used_seen = 65530;
	fd_used(&fd)[1] = 65530;
	fd_set_desc(&fd, 0, FD_DATA, 1, W, 0);
	for (int i = 0; i < 20; i++) {
		fd_publish(&fd, 0);
		ck_assert_int_eq(virtq_pop(&q, c), 1);
		virtq_push(&q, c->head, (uint32_t)i);
		ck_assert_int_eq(fd_take_used(&fd, &id, &len), 0);
		ck_assert_uint_eq(len, (uint32_t)i);
	}
	ck_assert_uint_eq(q.last_avail, (uint16_t)(65530 + 20));
}
END_TEST

START_TEST(indirect_chain)
{
	struct virtq_desc *t = fd_buf(&fd, FD_INDIRECT, 3 * 16);
	struct virtq_desc d[3] = {
		{ FD_DATA, 16, F, 2 },
		{ FD_DATA + 0x2000, 1, W, 0 },
		{ FD_DATA + 0x1000, 4096, W | F, 1 },
	};

	memcpy(t, d, sizeof(d));
	/* NEXT on the indirect descriptor itself is ignored (the table replaces the chain). */
	fd_set_desc(&fd, 0, FD_INDIRECT, sizeof(d), I | F, 7);
	fd_publish(&fd, 0);
	ck_assert_int_eq(virtq_pop(&q, c), 1);
	ck_assert_ptr_null(c->bad);
	ck_assert_uint_eq(c->nr, 3);
	ck_assert_uint_eq(c->write_len, 4097);
	ck_assert_uint_eq(c->last.gpa, FD_DATA + 0x2000);
}
END_TEST

static void expect_broken(void)
{
	ck_assert_int_eq(virtq_pop(&q, c), -EIO);
	ck_assert(q.broken);
	/* Broken stays broken, whatever the driver does next. */
	fd_set_desc(&fd, 0, FD_DATA, 1, W, 0);
	fd_publish(&fd, 0);
	ck_assert_int_eq(virtq_pop(&q, c), -EIO);
}

START_TEST(loop_breaks)
{
	fd_set_desc(&fd, 0, FD_DATA, 16, F, 1);
	fd_set_desc(&fd, 1, FD_DATA, 16, F, 0);
	fd_publish(&fd, 0);
	expect_broken();
}
END_TEST

START_TEST(self_loop_breaks)
{
	fd_set_desc(&fd, 4, FD_DATA, 1, W | F, 4);
	fd_publish(&fd, 4);
	expect_broken();
}
END_TEST

START_TEST(head_out_of_range)
{
	fd_publish(&fd, 8);
	expect_broken();
}
END_TEST

START_TEST(next_out_of_range)
{
	fd_set_desc(&fd, 0, FD_DATA, 16, F, 0xffff);
	fd_publish(&fd, 0);
	expect_broken();
}
END_TEST

START_TEST(avail_idx_jump)
{
	__atomic_store_n(&fd_avail(&fd)[1], 9, __ATOMIC_RELEASE); /* 9 > size 8 ahead */
	expect_broken();
}
END_TEST

START_TEST(indirect_bad_length)
{
	fd_set_desc(&fd, 0, FD_INDIRECT, 24, I, 0);
	fd_publish(&fd, 0);
	expect_broken();
}
END_TEST

START_TEST(indirect_zero_length)
{
	fd_set_desc(&fd, 0, FD_INDIRECT, 0, I, 0);
	fd_publish(&fd, 0);
	expect_broken();
}
END_TEST

START_TEST(indirect_huge)
{
	/* 1 GiB of descriptors (and also past RAM): rejected before any walk. */
	fd_set_desc(&fd, 0, FD_INDIRECT, 1u << 30, I, 0);
	fd_publish(&fd, 0);
	expect_broken();
}
END_TEST

START_TEST(indirect_too_many_entries)
{
	fd_set_desc(&fd, 0, FD_INDIRECT, 16 * (VIRTQ_MAX_INDIRECT + 1), I, 0);
	fd_publish(&fd, 0);
	expect_broken();
}
END_TEST

START_TEST(indirect_outside_ram)
{
	fd_set_desc(&fd, 0, FD_RAM - 16, 32, I, 0);
	fd_publish(&fd, 0);
	expect_broken();
}
END_TEST

START_TEST(indirect_nested)
{
	struct virtq_desc *t = fd_buf(&fd, FD_INDIRECT, 32);
	struct virtq_desc d[2] = { { FD_DATA, 16, F, 1 }, { FD_INDIRECT, 32, I, 0 } };

	memcpy(t, d, sizeof(d));
	fd_set_desc(&fd, 0, FD_INDIRECT, sizeof(d), I, 0);
	fd_publish(&fd, 0);
	expect_broken();
}
END_TEST

/* A table whose first entry points at the table itself: no recursion. */
START_TEST(indirect_nested_self)
{
	struct virtq_desc *t = fd_buf(&fd, FD_INDIRECT, 16);
	struct virtq_desc d = { FD_INDIRECT, 16, I, 0 };

	memcpy(t, &d, sizeof(d));
	fd_set_desc(&fd, 0, FD_INDIRECT, 16, I, 0);
	fd_publish(&fd, 0);
	expect_broken();
}
END_TEST

START_TEST(indirect_loop)
{
	struct virtq_desc *t = fd_buf(&fd, FD_INDIRECT, 32);
	struct virtq_desc d[2] = { { FD_DATA, 16, F, 1 }, { FD_DATA, 16, F, 0 } };

	memcpy(t, d, sizeof(d));
	fd_set_desc(&fd, 0, FD_INDIRECT, sizeof(d), I, 0);
	fd_publish(&fd, 0);
	expect_broken();
}
END_TEST

START_TEST(indirect_not_head)
{
	fd_set_desc(&fd, 0, FD_DATA, 16, F, 1);
	fd_set_desc(&fd, 1, FD_INDIRECT, 16, I, 0);
	fd_publish(&fd, 0);
	expect_broken();
}
END_TEST

START_TEST(indirect_not_negotiated)
{
	ck_assert_int_eq(fd_setup_queue(&fd, &q, false), 0);
	fd_set_desc(&fd, 0, FD_INDIRECT, 16, I, 0);
	fd_publish(&fd, 0);
	expect_broken();
}
END_TEST

/* Readable after writable: walkable, so answered through the status byte. */
START_TEST(order_violation_is_bad_chain)
{
	fd_set_desc(&fd, 0, FD_DATA, 16, F, 1);
	fd_set_desc(&fd, 1, FD_DATA + 0x1000, 512, W | F, 2);
	fd_set_desc(&fd, 2, FD_DATA + 0x2000, 16, F, 3);
	fd_set_desc(&fd, 3, FD_DATA + 0x3000, 1, W, 0);
	fd_publish(&fd, 0);
	ck_assert_int_eq(virtq_pop(&q, c), 1);
	ck_assert_ptr_nonnull(c->bad);
	ck_assert(c->last.write);
	ck_assert_uint_eq(c->last.gpa, FD_DATA + 0x3000);
	ck_assert(!q.broken);
}
END_TEST

START_TEST(buffer_outside_ram_is_null)
{
	fd_set_desc(&fd, 0, 0xfee00000ULL, 16, F, 1);
	fd_set_desc(&fd, 1, UINT64_MAX - 4, 16, W, 0); /* wraps */
	fd_publish(&fd, 0);
	ck_assert_int_eq(virtq_pop(&q, c), 1);
	ck_assert_ptr_null(c->bad);
	ck_assert_ptr_null(c->seg[0].host);
	ck_assert_ptr_null(c->seg[1].host);
	ck_assert_ptr_null(c->last.host);
}
END_TEST

/* The longest legal chain: every descriptor of the table once. */
START_TEST(full_length_chain)
{
	for (int i = 0; i < 8; i++)
		fd_set_desc(&fd, (unsigned int)i, FD_DATA, 16, i < 7 ? F : W, (uint16_t)(i + 1));
	fd_publish(&fd, 0);
	ck_assert_int_eq(virtq_pop(&q, c), 1);
	ck_assert_uint_eq(c->nr, 8);
}
END_TEST

static Suite *virtqueue_suite(void)
{
	Suite *s = suite_create("virtqueue");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, setup_validates);
	tcase_add_test(tc, empty_then_chain);
	tcase_add_test(tc, ring_wraps);
	tcase_add_test(tc, indirect_chain);
	tcase_add_test(tc, loop_breaks);
	tcase_add_test(tc, self_loop_breaks);
	tcase_add_test(tc, head_out_of_range);
	tcase_add_test(tc, next_out_of_range);
	tcase_add_test(tc, avail_idx_jump);
	tcase_add_test(tc, indirect_bad_length);
	tcase_add_test(tc, indirect_zero_length);
	tcase_add_test(tc, indirect_huge);
	tcase_add_test(tc, indirect_too_many_entries);
	tcase_add_test(tc, indirect_outside_ram);
	tcase_add_test(tc, indirect_nested);
	tcase_add_test(tc, indirect_nested_self);
	tcase_add_test(tc, indirect_loop);
	tcase_add_test(tc, indirect_not_head);
	tcase_add_test(tc, indirect_not_negotiated);
	tcase_add_test(tc, order_violation_is_bad_chain);
	tcase_add_test(tc, buffer_outside_ram_is_null);
	tcase_add_test(tc, full_length_chain);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(virtqueue_suite)
