// SPDX-License-Identifier: MIT
/*
 * RAM memslot splitting for VTL protections (vmm/hv_vsm_memslot.c) with
 * a fake KVM_SET_USER_MEMORY_REGION that keeps KVM's slot table and its
 * rules (no overlap, delete by slot, identical re-creation is a no-op):
 * after every change the slots must describe exactly the protections
 * asked for, with the right host addresses, merged and with no slot
 * leaked; failures (slot pool empty, KVM refusing a call) change nothing.
 */
#include <errno.h>
#include <string.h>

#include "hv_vsm_mem.h"
#include "hv_vsm_memslot.h"
#include "unit.h"
#include "util.h"

#define LOW_PAGES 64
#define HIGH_PAGES 16
#define HIGH_GFN (0x100000000ULL >> 12)
#define FIRST 32
#define NSLOTS 2048

static struct { bool on, ro; uint64_t gpa, size, host; } kslot[NSLOTS];
static unsigned int ncalls, fail_at; /* fail the fail_at-th call (1-based), 0: never */
static uint8_t model_low[LOW_PAGES], model_high[HIGH_PAGES]; /* 0 RW, 1 RO, 2 hole */
static struct guest_mem gm;
static struct hv_vsm_slots *sl;
#define HOST_BASE 0x7f0000000000ULL

static bool paused;
static unsigned int npause;

/* vCPUs kept out of guest mode: every slot change must happen inside. */
static void fake_pause(void *opaque, bool on)
{
	ck_assert(paused != on);
	paused = on;
	npause += on;
}

static int fake_set(void *opaque, uint32_t slot, bool ro, uint64_t gpa, uint64_t size, void *host)
{
	unsigned int i;

	ck_assert_uint_lt(slot, NSLOTS);
	ck_assert_msg(paused, "slot %u changed while vCPUs may run", slot);
	if (++ncalls == fail_at)
		return -EIO;
	if (!size) {
		ck_assert_msg(kslot[slot].on, "deleting absent slot %u", slot);
		kslot[slot].on = false;
		return 0;
	}
	if (kslot[slot].on) {
		/* Same slot, same everything: KVM returns 0 (rollback re-creation). */
		if (kslot[slot].gpa == gpa && kslot[slot].size == size && kslot[slot].ro == ro)
			return 0;
		return -EINVAL;
	}
	for (i = 0; i < NSLOTS; i++)
		if (kslot[i].on && gpa < kslot[i].gpa + kslot[i].size && kslot[i].gpa < gpa + size)
			return -EEXIST;
	kslot[slot].on = true;
	kslot[slot].ro = ro;
	kslot[slot].gpa = gpa;
	kslot[slot].size = size;
	kslot[slot].host = (uint64_t)(uintptr_t)host;
	return 0;
}

static const struct hv_vsm_slots_ops fops = { .set = fake_set, .pause = fake_pause };

static void create(uint32_t nr_free)
{
	memset(kslot, 0, sizeof(kslot));
	memset(model_low, 0, sizeof(model_low));
	memset(model_high, 0, sizeof(model_high));
	ncalls = fail_at = npause = 0;
	paused = false;
	/* kvm.c's two RAM slots. */
	kslot[0] = (typeof(kslot[0])){ true, false, 0, LOW_PAGES << 12, HOST_BASE };
	kslot[1] = (typeof(kslot[0])){ true, false, HIGH_GFN << 12, HIGH_PAGES << 12,
				       HOST_BASE + (LOW_PAGES << 12) };
	gm = (struct guest_mem){ .host = (uint8_t *)(uintptr_t)HOST_BASE,
				 .size = (LOW_PAGES + HIGH_PAGES) << 12,
				 .low_size = LOW_PAGES << 12, .high_size = HIGH_PAGES << 12 };
	sl = hv_vsm_slots_create(&gm, HIGH_GFN << 12, FIRST, nr_free, &fops);
	ck_assert_ptr_nonnull(sl);
}

static void setup(void)
{
	log_level = LOG_ERR - 1;
	create(64);
}

static void teardown(void)
{
	hv_vsm_slots_free(sl);
}

/* The kind KVM gives `gfn` now, checking the host address of its slot. */
static int kvm_kind(uint64_t gfn)
{
	unsigned int i, found = 0;
	int kind = 2;

	for (i = 0; i < NSLOTS; i++) {
		if (!kslot[i].on || gfn < kslot[i].gpa >> 12 ||
		    gfn >= (kslot[i].gpa + kslot[i].size) >> 12)
			continue;
		found++;
		kind = kslot[i].ro;
		uint64_t host = kslot[i].host + ((gfn << 12) - kslot[i].gpa);
		uint64_t want = gfn >= HIGH_GFN ? HOST_BASE + ((LOW_PAGES + gfn - HIGH_GFN) << 12)
						: HOST_BASE + (gfn << 12);
		ck_assert_uint_eq(host, want);
	}
	ck_assert_uint_le(found, 1);
	ck_assert(!paused); /* every pause was ended */
	return kind;
}

static unsigned int runs(const uint8_t *m, unsigned int n, unsigned int *non_hole)
{
	unsigned int i, r = 0;

	for (i = 0; i < n; i++) {
		if (i == 0 || m[i] != m[i - 1]) {
			r++;
			*non_hole += m[i] != 2;
		}
	}
	return r;
}

/* KVM's slots, the model and the segment count all agree; no slot leaked. */
static void check(void)
{
	unsigned int i, used = 0, want_used = 0, on = 0, segs;

	for (i = 0; i < LOW_PAGES; i++)
		ck_assert_msg(kvm_kind(i) == model_low[i], "low gfn %u", i);
	for (i = 0; i < HIGH_PAGES; i++)
		ck_assert_msg(kvm_kind(HIGH_GFN + i) == model_high[i], "high gfn %u", i);
	segs = runs(model_low, LOW_PAGES, &want_used) + runs(model_high, HIGH_PAGES, &want_used);
	ck_assert_uint_eq(hv_vsm_slots_segments(sl, &used), segs);
	ck_assert_uint_eq(used, want_used);
	for (i = 0; i < NSLOTS; i++)
		on += kslot[i].on;
	ck_assert_uint_eq(on, want_used);
}

static const unsigned int kind_mask[3] = { HV_VSM_PROT_ALL, HV_VSM_PROT_READ | HV_VSM_PROT_EXEC, 0 };

static int prot(uint64_t gfn, uint64_t n, unsigned int kind)
{
	int ret = hv_vsm_slots_protect(sl, gfn, n, kind_mask[kind]);
	uint64_t i;

	if (!ret) {
		for (i = gfn; i < gfn + n; i++) {
			if (i >= HIGH_GFN)
				model_high[i - HIGH_GFN] = (uint8_t)kind;
			else
				model_low[i] = (uint8_t)kind;
		}
	}
	return ret;
}

START_TEST(split_and_merge)
{
	check();
	ck_assert_int_eq(prot(10, 1, 1), 0);
	check();
	ck_assert_int_eq(prot(11, 1, 2), 0);
	check();
	ck_assert_int_eq(prot(0, 1, 1), 0);   /* at the start */
	ck_assert_int_eq(prot(63, 1, 2), 0);  /* at the end */
	ck_assert_int_eq(prot(12, 1, 1), 0);  /* next to a hole */
	check();
	/* Lift in another order than set. */
	ck_assert_int_eq(prot(11, 1, 0), 0);
	check();
	ck_assert_int_eq(prot(0, 1, 0), 0);
	ck_assert_int_eq(prot(63, 1, 0), 0);
	ck_assert_int_eq(prot(12, 1, 0), 0);
	ck_assert_int_eq(prot(10, 1, 0), 0);
	check();
	ck_assert_uint_eq(hv_vsm_slots_segments(sl, NULL), 2);
	/* No change, no pause of the vCPUs. */
	npause = 0;
	ck_assert_int_eq(prot(5, 1, 0), 0);
	ck_assert_uint_eq(npause, 0);
	/* The high region, and a range. */
	ck_assert_int_eq(prot(HIGH_GFN + 3, 4, 1), 0);
	check();
	ck_assert_int_eq(prot(HIGH_GFN + 4, 1, 0), 0);
	check();
}
END_TEST

START_TEST(random_sequences)
{
	uint32_t x = 12345;
	unsigned int i;

	for (i = 0; i < 600; i++) {
		x = x * 1103515245 + 12345;
		uint64_t gfn = (x >> 8) % LOW_PAGES;
		unsigned int kind = (x >> 20) % 3;

		ck_assert_int_eq(prot(gfn, 1, kind), 0);
		check();
	}
	for (i = 0; i < LOW_PAGES; i++)
		ck_assert_int_eq(prot(i, 1, 0), 0);
	check();
}
END_TEST

START_TEST(pool_exhausted)
{
	unsigned int i;
	int ret = 0;

	hv_vsm_slots_free(sl);
	create(3);
	/* RO at 1, 3, 5: each needs its slot and the RW piece after it. */
	for (i = 1; i < LOW_PAGES && !ret; i += 2) {
		ret = prot(i, 1, 1);
		check();
	}
	ck_assert_int_eq(ret, -ENOSPC);
	/* Holes need no slot, merging gives them back. */
	ck_assert_int_eq(prot(1, 1, 2), 0);
	check();
	ck_assert_int_eq(prot(1, 1, 0), 0);
	ck_assert_int_eq(prot(3, 1, 0), 0);
	check();
}
END_TEST

START_TEST(kvm_refuses)
{
	unsigned int n;

	/* Splitting slot 0 takes 4 calls (1 delete, 3 creates): fail each in turn. */
	for (n = 1; n <= 4; n++) {
		ncalls = 0;
		fail_at = n;
		ck_assert_int_eq(prot(20, 1, 1), -EIO);
		fail_at = 0;
		check();
	}
	ck_assert_int_eq(prot(20, 1, 1), 0);
	check();
	/* A hole after it: 1 delete, 1 create. */
	for (n = 1; n <= 2; n++) {
		ncalls = 0;
		fail_at = n;
		ck_assert_int_eq(prot(21, 1, 2), -EIO);
		fail_at = 0;
		check();
	}
	ck_assert_int_eq(prot(21, 1, 2), 0);
	check();
}
END_TEST

START_TEST(bad_requests)
{
	ck_assert_int_eq(hv_vsm_slots_protect(sl, 1, 1, HV_VSM_PROT_READ), -EINVAL);
	ck_assert_int_eq(hv_vsm_slots_protect(sl, 1, 1, HV_VSM_PROT_READ | HV_VSM_PROT_WRITE),
			 -EINVAL);
	ck_assert_int_eq(hv_vsm_slots_protect(sl, 1, 0, 0), -EINVAL);
	ck_assert_int_eq(hv_vsm_slots_protect(sl, LOW_PAGES - 1, 2, 0), -EINVAL);
	ck_assert_int_eq(hv_vsm_slots_protect(sl, LOW_PAGES, 1, 0), -EINVAL);
	ck_assert_int_eq(hv_vsm_slots_protect(sl, ~0ULL, 2, 0), -EINVAL);
	ck_assert_uint_eq(ncalls, 0);
	check();
	ck_assert_ptr_null(hv_vsm_slots_create(&gm, 0, 1, 4, &fops));
	ck_assert_ptr_null(hv_vsm_slots_create(&gm, 0, FIRST, HV_VSM_SLOTS_MAX + 1, &fops));
}
END_TEST

static Suite *hv_vsm_memslot_suite(void)
{
	Suite *s = suite_create("hv_vsm_memslot");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, split_and_merge);
	tcase_add_test(tc, random_sequences);
	tcase_add_test(tc, pool_exhausted);
	tcase_add_test(tc, kvm_refuses);
	tcase_add_test(tc, bad_requests);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(hv_vsm_memslot_suite)
