// SPDX-License-Identifier: MIT
/* GPADL assembly from GPADL_HEADER/BODY messages, the per-connection table, mapping. */
#include <errno.h>
#include <string.h>

#include "guest_mem.h"
#include "unit.h"
#include "util.h"
#include "vmbus/gpadl.h"

static struct guest_mem mem;
static struct gpadl_table tab;

static void setup(void)
{
	ck_assert_int_eq(gmem_init(&mem, 64 * MiB), 0);
	gpadl_table_init(&tab);
}

static void teardown(void)
{
	gpadl_table_reset(&tab);
	gmem_free(&mem);
}

/* PFN of page i of a test GPADL: spread out, not contiguous. */
static uint64_t pfn_of(uint32_t handle, uint32_t i)
{
	return 0x100 + (handle & 0x1f) * 0x40 + i * 3;
}

/* A decoded GPADL_HEADER announcing `npages` and carrying the first `inmsg`. */
static void mk_header(struct vmbus_gmsg *m, uint32_t handle, uint32_t npages, uint32_t inmsg)
{
	uint32_t i;

	memset(m, 0, sizeof(*m));
	m->type = CHANNELMSG_GPADL_HEADER;
	m->u.gpadl_header.child_relid = 7;
	m->u.gpadl_header.gpadl = handle;
	m->u.gpadl_header.rangecount = 1;
	m->u.gpadl_header.range_buflen = (uint16_t)(8 + 8 * npages);
	m->u.gpadl_header.byte_count = npages * 4096;
	m->u.gpadl_header.npfns = inmsg;
	for (i = 0; i < inmsg; i++)
		m->u.gpadl_header.pfn[i] = pfn_of(handle, i);
}

static void mk_body(struct vmbus_gmsg *m, uint32_t handle, uint32_t first, uint32_t n)
{
	uint32_t i;

	memset(m, 0, sizeof(*m));
	m->type = CHANNELMSG_GPADL_BODY;
	m->u.gpadl_body.gpadl = handle;
	m->u.gpadl_body.npfns = n;
	for (i = 0; i < n; i++)
		m->u.gpadl_body.pfn[i] = pfn_of(handle, first + i);
}

/* Feed a GPADL the way Linux splits it: 26 PFNs in the header, 28 per body. */
static int linux_gpadl(uint32_t handle, uint32_t npages, unsigned int *nmsgs)
{
	struct vmbus_gmsg m;
	uint32_t done, relid;
	int ret;

	mk_header(&m, handle, npages, MIN(npages, 26u));
	ret = gpadl_header(&tab, &m);
	*nmsgs = 1;
	for (done = MIN(npages, 26u); ret == 0 && done < npages; done += 28) {
		mk_body(&m, handle, done, MIN(npages - done, 28u));
		ret = gpadl_body(&tab, &m, &relid);
		ck_assert_uint_eq(relid, 7);
		++*nmsgs;
	}
	return ret;
}

START_TEST(header_only)
{
	struct vmbus_gmsg m;
	struct gpadl *g;

	mk_header(&m, 0xe1e10, 8, 8);
	ck_assert_int_eq(gpadl_header(&tab, &m), 1);
	g = gpadl_find(&tab, 0xe1e10);
	ck_assert_ptr_nonnull(g);
	ck_assert(gpadl_complete(g));
	ck_assert_uint_eq(g->npages, 8);
	ck_assert_uint_eq(g->child_relid, 7);
	ck_assert_uint_eq(g->pfns[7], pfn_of(0xe1e10, 7));
	ck_assert_ptr_null(gpadl_find(&tab, 0xe1e11));
}
END_TEST

START_TEST(header_and_bodies)
{
	static const uint32_t sizes[] = { 26, 27, 54, 55, 256, 4096, 8190 };
	unsigned int i, n;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		uint32_t h = 0xe1e10 + i;
		struct gpadl *g;
		uint32_t p;

		ck_assert_int_eq(linux_gpadl(h, sizes[i], &n), 1);
		ck_assert_uint_eq(n, sizes[i] <= 26 ? 1 : 1 + (sizes[i] - 26 + 27) / 28);
		g = gpadl_find(&tab, h);
		ck_assert(gpadl_complete(g));
		for (p = 0; p < sizes[i]; p++)
			ck_assert_uint_eq(g->pfns[p], pfn_of(h, p));
	}
	ck_assert_uint_eq(tab.count, ARRAY_SIZE(sizes));
}
END_TEST

START_TEST(odd_splits)
{
	struct vmbus_gmsg m;
	uint32_t relid = 0;

	/* Header with no PFNs at all, then 1-PFN bodies and an empty one. */
	mk_header(&m, 5, 3, 0);
	ck_assert_int_eq(gpadl_header(&tab, &m), 0);
	mk_body(&m, 5, 0, 0);
	ck_assert_int_eq(gpadl_body(&tab, &m, &relid), 0);
	mk_body(&m, 5, 0, 1);
	ck_assert_int_eq(gpadl_body(&tab, &m, &relid), 0);
	mk_body(&m, 5, 1, 2);
	ck_assert_int_eq(gpadl_body(&tab, &m, &relid), 1);
	ck_assert_uint_eq(gpadl_find(&tab, 5)->pfns[2], pfn_of(5, 2));
	/* More bodies after completion: refused, GPADL untouched. */
	ck_assert_int_eq(gpadl_body(&tab, &m, &relid), -EALREADY);
	ck_assert_ptr_nonnull(gpadl_find(&tab, 5));
	ck_assert(gpadl_complete(gpadl_find(&tab, 5)));
}
END_TEST

START_TEST(duplicate_handle)
{
	struct vmbus_gmsg m;

	mk_header(&m, 9, 4, 4);
	ck_assert_int_eq(gpadl_header(&tab, &m), 1);
	ck_assert_int_eq(gpadl_header(&tab, &m), -EEXIST);
	/* Also while the first one is still incomplete. */
	mk_header(&m, 10, 40, 26);
	ck_assert_int_eq(gpadl_header(&tab, &m), 0);
	ck_assert_int_eq(gpadl_header(&tab, &m), -EEXIST);
	ck_assert_uint_eq(tab.count, 2);
}
END_TEST

START_TEST(bad_headers)
{
	struct vmbus_gmsg m;

	mk_header(&m, 1, 4, 4);
	m.u.gpadl_header.rangecount = 0;
	ck_assert_int_eq(gpadl_header(&tab, &m), -EOPNOTSUPP);
	m.u.gpadl_header.rangecount = 2;
	ck_assert_int_eq(gpadl_header(&tab, &m), -EOPNOTSUPP);

	mk_header(&m, 1, 4, 4);
	m.u.gpadl_header.range_buflen = 7; /* shorter than the range descriptor */
	ck_assert_int_eq(gpadl_header(&tab, &m), -EINVAL);
	m.u.gpadl_header.range_buflen = 8; /* zero pages */
	ck_assert_int_eq(gpadl_header(&tab, &m), -EINVAL);
	m.u.gpadl_header.range_buflen = 8 + 4 * 8 + 4; /* half a PFN */
	ck_assert_int_eq(gpadl_header(&tab, &m), -EINVAL);

	mk_header(&m, 1, 4, 4);
	m.u.gpadl_header.byte_offset = 4096;
	ck_assert_int_eq(gpadl_header(&tab, &m), -EINVAL);
	m.u.gpadl_header.byte_offset = 1; /* 4 pages + 1 byte do not fit 4 PFNs */
	ck_assert_int_eq(gpadl_header(&tab, &m), -EINVAL);
	m.u.gpadl_header.byte_offset = 0;
	m.u.gpadl_header.byte_count = 0;
	ck_assert_int_eq(gpadl_header(&tab, &m), -EINVAL);
	m.u.gpadl_header.byte_count = 0xffffffffu;
	ck_assert_int_eq(gpadl_header(&tab, &m), -EINVAL);
	/* Offset + count inside the pages is fine. */
	m.u.gpadl_header.byte_offset = 100;
	m.u.gpadl_header.byte_count = 4 * 4096 - 100;
	ck_assert_int_eq(gpadl_header(&tab, &m), 1);

	/* More PFNs in the header than announced. */
	mk_header(&m, 2, 4, 5);
	ck_assert_int_eq(gpadl_header(&tab, &m), -EINVAL);
	ck_assert_ptr_null(gpadl_find(&tab, 2));
	ck_assert_uint_eq(tab.count, 1);
}
END_TEST

START_TEST(too_many_pfns)
{
	struct vmbus_gmsg m;
	uint32_t relid = 0;

	/* A body overshooting the announced count drops the whole GPADL. */
	mk_header(&m, 3, 30, 26);
	ck_assert_int_eq(gpadl_header(&tab, &m), 0);
	mk_body(&m, 3, 26, 5);
	ck_assert_int_eq(gpadl_body(&tab, &m, &relid), -E2BIG);
	ck_assert_uint_eq(relid, 7);
	ck_assert_ptr_null(gpadl_find(&tab, 3));
	ck_assert_uint_eq(tab.count, 0);
	ck_assert_uint_eq(tab.pages, 0);
	/* Its later bodies are for an unknown handle. */
	mk_body(&m, 3, 26, 4);
	ck_assert_int_eq(gpadl_body(&tab, &m, &relid), -ENOENT);
}
END_TEST

START_TEST(body_without_header)
{
	struct vmbus_gmsg m;
	uint32_t relid = 0xabc;

	mk_body(&m, 0xe1e10, 0, 28);
	ck_assert_int_eq(gpadl_body(&tab, &m, &relid), -ENOENT);
	ck_assert_uint_eq(relid, 0xabc);
	ck_assert_uint_eq(tab.count, 0);
}
END_TEST

START_TEST(table_limits)
{
	struct vmbus_gmsg m;
	unsigned int i;

	for (i = 0; i < GPADL_TABLE_MAX; i++) {
		mk_header(&m, 100 + i, 1, 1);
		ck_assert_int_eq(gpadl_header(&tab, &m), 1);
	}
	mk_header(&m, 99, 1, 1);
	ck_assert_int_eq(gpadl_header(&tab, &m), -ENOSPC);
	/* Teardown frees a slot. */
	ck_assert_int_eq(gpadl_teardown(&tab, 100), 0);
	ck_assert_int_eq(gpadl_header(&tab, &m), 1);
	gpadl_table_reset(&tab);
	ck_assert_uint_eq(tab.count, 0);
	ck_assert_uint_eq(tab.pages, 0);

	/* The page budget: 8190-page GPADLs until it runs out. */
	for (i = 0; i < GPADL_TABLE_MAX_PAGES / 8190; i++) {
		mk_header(&m, i, 8190, 0);
		ck_assert_int_eq(gpadl_header(&tab, &m), 0);
	}
	mk_header(&m, i, 8190, 0);
	ck_assert_int_eq(gpadl_header(&tab, &m), -ENOSPC);
	ck_assert_uint_le(tab.pages, GPADL_TABLE_MAX_PAGES);
}
END_TEST

START_TEST(teardown_rules)
{
	struct vmbus_gmsg m;
	struct gpadl *g;

	mk_header(&m, 1, 4, 4);
	ck_assert_int_eq(gpadl_header(&tab, &m), 1);
	mk_header(&m, 2, 40, 26); /* incomplete */
	ck_assert_int_eq(gpadl_header(&tab, &m), 0);
	ck_assert_uint_eq(tab.pages, 44);

	g = gpadl_find(&tab, 1);
	g->users = 1;
	ck_assert_int_eq(gpadl_teardown(&tab, 1), -EBUSY);
	g->users = 0;
	ck_assert_int_eq(gpadl_teardown(&tab, 1), 0);
	ck_assert_int_eq(gpadl_teardown(&tab, 1), -ENOENT);
	ck_assert_int_eq(gpadl_teardown(&tab, 2), 0);
	ck_assert_uint_eq(tab.count, 0);
	ck_assert_uint_eq(tab.pages, 0);
	/* The handle can be reused afterwards. */
	mk_header(&m, 1, 4, 4);
	ck_assert_int_eq(gpadl_header(&tab, &m), 1);
}
END_TEST

START_TEST(map_pages)
{
	struct vmbus_gmsg m;
	struct gpadl *g;
	uint8_t *pages[8];
	unsigned int n;

	ck_assert_int_eq(linux_gpadl(0x40, 8, &n), 1);
	g = gpadl_find(&tab, 0x40);
	ck_assert_int_eq(gpadl_map(&mem, g, 0, 8, pages), 0);
	ck_assert_ptr_eq(pages[3], gmem_ptr(&mem, pfn_of(0x40, 3) << 12, 4096));
	ck_assert_int_eq(gpadl_map(&mem, g, 6, 2, pages), 0);
	ck_assert_ptr_eq(pages[0], gmem_ptr(&mem, pfn_of(0x40, 6) << 12, 4096));
	/* Out of bounds requests. */
	ck_assert_int_eq(gpadl_map(&mem, g, 7, 2, pages), -EINVAL);
	ck_assert_int_eq(gpadl_map(&mem, g, 9, 0, pages), -EINVAL);
	ck_assert_int_eq(gpadl_map(&mem, g, 0xffffffffu, 2, pages), -EINVAL);

	/* Outside RAM (64 MiB = PFN 0x4000), in the MMIO hole, and wrapping. */
	g->pfns[5] = 0x4000;
	ck_assert_int_eq(gpadl_map(&mem, g, 0, 8, pages), -EFAULT);
	g->pfns[5] = 0xfee00;
	ck_assert_int_eq(gpadl_map(&mem, g, 0, 8, pages), -EFAULT);
	g->pfns[5] = 1ULL << 52; /* << 12 wraps to GPA 0 */
	ck_assert_int_eq(gpadl_map(&mem, g, 0, 8, pages), -EFAULT);
	g->pfns[5] = 0xffffffffffffffffULL;
	ck_assert_int_eq(gpadl_map(&mem, g, 0, 8, pages), -EFAULT);
	/* The last RAM page is fine. */
	g->pfns[5] = 0x3fff;
	ck_assert_int_eq(gpadl_map(&mem, g, 0, 8, pages), 0);

	/* Incomplete GPADLs cannot be mapped. */
	mk_header(&m, 0x41, 40, 26);
	ck_assert_int_eq(gpadl_header(&tab, &m), 0);
	ck_assert_int_eq(gpadl_map(&mem, gpadl_find(&tab, 0x41), 0, 1, pages), -EINVAL);
}
END_TEST

static Suite *vmbus_gpadl_suite(void)
{
	Suite *s = suite_create("vmbus_gpadl");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, header_only);
	tcase_add_test(tc, header_and_bodies);
	tcase_add_test(tc, odd_splits);
	tcase_add_test(tc, duplicate_handle);
	tcase_add_test(tc, bad_headers);
	tcase_add_test(tc, too_many_pfns);
	tcase_add_test(tc, body_without_header);
	tcase_add_test(tc, table_limits);
	tcase_add_test(tc, teardown_rules);
	tcase_add_test(tc, map_pages);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(vmbus_gpadl_suite)
