// SPDX-License-Identifier: MIT
/*
 * The virtio 1.0 PCI transport driven through its BAR as Linux's
 * virtio_pci_modern and OVMF's Virtio10Dxe drive it, and in the orders a
 * hostile driver might use: feature negotiation, the status state
 * machine, queue configuration locking, MSI-X vectors, masking and
 * pending bits, notifications. The device behind it is a recorder.
 */
#include "unit.h"
#include "util.h"
#include "virtio/blk.h"
#include "virtio/virtio_pci.h"
#include "virtq_fake_driver.h"

#define FEATURES (1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_F_RING_INDIRECT_DESC | \
		  1ULL << VIRTIO_BLK_F_FLUSH)

struct rec {
	unsigned int notify[VPCI_MAX_QUEUES];
	unsigned int fired[VPCI_MAX_VECTORS];
	unsigned int set_calls;
	uint64_t addr[VPCI_MAX_VECTORS];
	uint32_t data[VPCI_MAX_VECTORS];
	bool masked[VPCI_MAX_VECTORS];
};

static struct rec rec;
static struct fake_driver fd;
static struct virtio_pci vp;

static void rec_cfg_read(void *opaque, uint64_t off, uint8_t *data, unsigned int len)
{
	for (unsigned int i = 0; i < len; i++)
		data[i] = (uint8_t)(0xc0 + off + i);
}

static void rec_notify(void *opaque, unsigned int q)
{
	rec.notify[q]++;
}

static void rec_msi_set(void *opaque, unsigned int v, uint64_t addr, uint32_t data, bool masked)
{
	rec.set_calls++;
	rec.addr[v] = addr;
	rec.data[v] = data;
	rec.masked[v] = masked;
}

static void rec_msi_fire(void *opaque, unsigned int v)
{
	ck_assert(!rec.masked[v]); /* never fire a vector the platform was told is masked */
	rec.fired[v]++;
}

static const struct vpci_ops ops = { .cfg_read = rec_cfg_read, .notify = rec_notify };
static const struct vpci_irq_ops irq_ops = { .msi_set = rec_msi_set, .msi_fire = rec_msi_fire };

static void setup(void)
{
	memset(&rec, 0, sizeof(rec));
	ck_assert_int_eq(fd_init(&fd, 16), 0);
	ck_assert_int_eq(vpci_init(&vp, &fd.mem, FEATURES, 1, 256, 2, &ops, NULL, &irq_ops, NULL), 0);
}

static void teardown(void)
{
	vpci_destroy(&vp);
	fd_free(&fd);
}

static uint64_t rd(uint64_t off, unsigned int len)
{
	uint8_t b[8] = { 0 };
	uint64_t v = 0;

	vpci_bar_read(&vp, off, b, len);
	memcpy(&v, b, len);
	return v;
}

static void wr(uint64_t off, unsigned int len, uint64_t v)
{
	uint8_t b[8];

	memcpy(b, &v, 8);
	vpci_bar_write(&vp, off, b, len);
}

static uint8_t status(void)
{
	return (uint8_t)rd(VPCI_STATUS, 1);
}

/* Accept `f` the way Linux's vp_modern_set_features does. */
static void set_features(uint64_t f)
{
	wr(VPCI_GFSELECT, 4, 0);
	wr(VPCI_GF, 4, (uint32_t)f);
	wr(VPCI_GFSELECT, 4, 1);
	wr(VPCI_GF, 4, f >> 32);
}

static void negotiate(uint64_t f)
{
	wr(VPCI_STATUS, 1, 0);
	wr(VPCI_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE);
	wr(VPCI_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	set_features(f);
	wr(VPCI_STATUS, 1, status() | VIRTIO_STATUS_FEATURES_OK);
}

static void setup_queue(uint16_t size)
{
	wr(VPCI_Q_SELECT, 2, 0);
	wr(VPCI_Q_SIZE, 2, size);
	/* Linux writes each address as two 32-bit halves. */
	wr(VPCI_Q_DESCLO, 4, FD_DESC);
	wr(VPCI_Q_DESCHI, 4, 0);
	wr(VPCI_Q_AVAILLO, 8, FD_AVAIL);
	wr(VPCI_Q_USEDLO, 4, FD_USED);
	wr(VPCI_Q_USEDHI, 4, 0);
	wr(VPCI_Q_ENABLE, 2, 1);
}

START_TEST(linux_init_sequence)
{
	ck_assert_uint_eq(rd(VPCI_NUMQ, 2), 1);
	wr(VPCI_DFSELECT, 4, 0);
	ck_assert_uint_eq(rd(VPCI_DF, 4), (uint32_t)FEATURES);
	wr(VPCI_DFSELECT, 4, 1);
	ck_assert_uint_eq(rd(VPCI_DF, 4), FEATURES >> 32);
	wr(VPCI_DFSELECT, 4, 7);
	ck_assert_uint_eq(rd(VPCI_DF, 4), 0);
	negotiate(FEATURES);
	ck_assert_uint_eq(status() & VIRTIO_STATUS_FEATURES_OK, VIRTIO_STATUS_FEATURES_OK);
	wr(VPCI_GFSELECT, 4, 1);
	ck_assert_uint_eq(rd(VPCI_GF, 4), FEATURES >> 32);
	ck_assert_uint_eq(rd(VPCI_Q_SIZE, 2), 256);
	ck_assert_uint_eq(rd(VPCI_Q_NOFF, 2), 0);
	setup_queue(16);
	ck_assert_uint_eq(rd(VPCI_Q_ENABLE, 2), 1);
	ck_assert_uint_eq(rd(VPCI_Q_DESCLO, 8), FD_DESC);
	ck_assert_uint_eq(rd(VPCI_Q_AVAILHI, 4), 0);
	ck_assert_uint_eq(rd(VPCI_Q_USEDLO, 4), FD_USED);
	pthread_mutex_lock(&vp.io_lock);
	ck_assert_ptr_null(vpci_queue_get(&vp, 0)); /* not before DRIVER_OK */
	pthread_mutex_unlock(&vp.io_lock);
	wr(VPCI_NOTIFY_OFF, 2, 0);
	ck_assert_uint_eq(rec.notify[0], 0);
	wr(VPCI_STATUS, 1, status() | VIRTIO_STATUS_DRIVER_OK);
	ck_assert_uint_eq(rec.notify[0], 1); /* kicked at DRIVER_OK */
	wr(VPCI_NOTIFY_OFF, 2, 0);
	ck_assert_uint_eq(rec.notify[0], 2);
	pthread_mutex_lock(&vp.io_lock);
	ck_assert_ptr_nonnull(vpci_queue_get(&vp, 0));
	ck_assert_uint_eq(vpci_queue_get(&vp, 0)->size, 16);
	ck_assert(vpci_queue_get(&vp, 0)->indirect);
	ck_assert_ptr_null(vpci_queue_get(&vp, 1));
	pthread_mutex_unlock(&vp.io_lock);
	/* Device config and ISR regions. */
	ck_assert_uint_eq(rd(VPCI_DEVCFG_OFF + 4, 4), 0xc7c6c5c4);
}
END_TEST

START_TEST(features_not_offered_refused)
{
	negotiate(FEATURES | 1ULL << 13 /* DISCARD */);
	ck_assert_uint_eq(status() & VIRTIO_STATUS_FEATURES_OK, 0);
	/* DRIVER_OK cannot follow. */
	wr(VPCI_STATUS, 1, status() | VIRTIO_STATUS_DRIVER_OK);
	ck_assert_uint_eq(status() & VIRTIO_STATUS_DRIVER_OK, 0);
}
END_TEST

START_TEST(version_1_required)
{
	negotiate(1ULL << VIRTIO_BLK_F_FLUSH);
	ck_assert_uint_eq(status() & VIRTIO_STATUS_FEATURES_OK, 0);
}
END_TEST

START_TEST(features_frozen_after_features_ok)
{
	negotiate(1ULL << VIRTIO_F_VERSION_1);
	set_features(FEATURES | 1ULL << 13);
	wr(VPCI_GFSELECT, 4, 0);
	ck_assert_uint_eq(rd(VPCI_GF, 4), 0);
	wr(VPCI_GFSELECT, 4, 1);
	ck_assert_uint_eq(rd(VPCI_GF, 4), 1);
	/* Indirect was not negotiated: the queue walks without it. */
	setup_queue(16);
	ck_assert(!vp.q[0].vq.indirect);
}
END_TEST

START_TEST(status_bits_never_cleared)
{
	negotiate(FEATURES);
	wr(VPCI_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE); /* clears DRIVER, FEATURES_OK */
	ck_assert_uint_eq(status(), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				    VIRTIO_STATUS_FEATURES_OK);
	wr(VPCI_STATUS, 1, 0xff & ~VIRTIO_STATUS_NEEDS_RESET); /* reserved bits, FAILED, DRIVER_OK */
	ck_assert_uint_eq(status(), 0x8f);
}
END_TEST

/* DRIVER_OK first, before anything else: dropped. */
START_TEST(driver_ok_first)
{
	wr(VPCI_STATUS, 1, VIRTIO_STATUS_DRIVER_OK);
	ck_assert_uint_eq(status(), 0);
	wr(VPCI_STATUS, 1, VIRTIO_STATUS_FEATURES_OK); /* FEATURES_OK with nothing accepted */
	ck_assert_uint_eq(status(), 0);
}
END_TEST

START_TEST(queue_enable_before_features_ok)
{
	wr(VPCI_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	setup_queue(16);
	ck_assert_uint_eq(rd(VPCI_Q_ENABLE, 2), 0);
}
END_TEST

START_TEST(queue_locked_while_enabled)
{
	negotiate(FEATURES);
	setup_queue(16);
	wr(VPCI_Q_SIZE, 2, 32);
	wr(VPCI_Q_DESCLO, 4, 0x9000);
	wr(VPCI_Q_USEDLO, 8, 0x9000);
	wr(VPCI_Q_ENABLE, 2, 0);
	ck_assert_uint_eq(rd(VPCI_Q_SIZE, 2), 16);
	ck_assert_uint_eq(rd(VPCI_Q_DESCLO, 8), FD_DESC);
	ck_assert_uint_eq(rd(VPCI_Q_USEDLO, 8), FD_USED);
	ck_assert_uint_eq(rd(VPCI_Q_ENABLE, 2), 1);
	ck_assert_uint_eq(vp.q[0].vq.size, 16);
}
END_TEST

START_TEST(queue_bad_config_not_enabled)
{
	negotiate(FEATURES);
	setup_queue(12); /* not a power of two */
	ck_assert_uint_eq(rd(VPCI_Q_ENABLE, 2), 0);
	setup_queue(512); /* above the maximum */
	ck_assert_uint_eq(rd(VPCI_Q_ENABLE, 2), 0);
	setup_queue(0);
	ck_assert_uint_eq(rd(VPCI_Q_ENABLE, 2), 0);
	wr(VPCI_Q_SIZE, 2, 16);
	wr(VPCI_Q_DESCLO, 8, 0xfee00000ULL); /* not RAM */
	wr(VPCI_Q_ENABLE, 2, 1);
	ck_assert_uint_eq(rd(VPCI_Q_ENABLE, 2), 0);
	wr(VPCI_Q_DESCLO, 8, FD_DESC + 4); /* misaligned */
	wr(VPCI_Q_ENABLE, 2, 1);
	ck_assert_uint_eq(rd(VPCI_Q_ENABLE, 2), 0);
	setup_queue(16); /* and a correct one still works */
	ck_assert_uint_eq(rd(VPCI_Q_ENABLE, 2), 1);
}
END_TEST

START_TEST(queue_select_out_of_range)
{
	negotiate(FEATURES);
	wr(VPCI_Q_SELECT, 2, 3);
	ck_assert_uint_eq(rd(VPCI_Q_SIZE, 2), 0);
	wr(VPCI_Q_SIZE, 2, 16);
	wr(VPCI_Q_ENABLE, 2, 1);
	wr(VPCI_Q_MSIX, 2, 0);
	ck_assert_uint_eq(rd(VPCI_Q_ENABLE, 2), 0);
	ck_assert_uint_eq(rd(VPCI_Q_MSIX, 2), 0);
	wr(VPCI_Q_SELECT, 2, 0xffff);
	ck_assert_uint_eq(rd(VPCI_Q_SIZE, 2), 0);
	wr(VPCI_NOTIFY_OFF + 3 * VPCI_NOTIFY_MULT, 2, 3);
	wr(VPCI_NOTIFY_OFF + 0xffc, 2, 0);
	ck_assert_uint_eq(rec.notify[0], 0);
}
END_TEST

START_TEST(reset_clears_everything)
{
	negotiate(FEATURES);
	wr(VPCI_MSIX, 2, 0);
	wr(VPCI_Q_MSIX, 2, 1);
	setup_queue(16);
	wr(VPCI_STATUS, 1, status() | VIRTIO_STATUS_DRIVER_OK);
	vpci_needs_reset(&vp);
	ck_assert_uint_eq(status() & VIRTIO_STATUS_NEEDS_RESET, VIRTIO_STATUS_NEEDS_RESET);
	/* A driver's status write keeps the device's NEEDS_RESET. */
	wr(VPCI_STATUS, 1, status() & ~VIRTIO_STATUS_NEEDS_RESET);
	ck_assert_uint_eq(status() & VIRTIO_STATUS_NEEDS_RESET, VIRTIO_STATUS_NEEDS_RESET);
	wr(VPCI_STATUS, 1, 0);
	ck_assert_uint_eq(status(), 0);
	ck_assert_uint_eq(rd(VPCI_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	ck_assert_uint_eq(rd(VPCI_Q_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	ck_assert_uint_eq(rd(VPCI_Q_ENABLE, 2), 0);
	ck_assert_uint_eq(rd(VPCI_Q_SIZE, 2), 256);
	ck_assert_uint_eq(rd(VPCI_Q_DESCLO, 8), 0);
	ck_assert_uint_eq(rd(VPCI_ISR_OFF, 1), 0);
	wr(VPCI_GFSELECT, 4, 0);
	ck_assert_uint_eq(rd(VPCI_GF, 4), 0);
	ck_assert_uint_eq(vp.q[0].vq.size, 0);
	/* And the device comes up again. */
	negotiate(FEATURES);
	setup_queue(8);
	ck_assert_uint_eq(rd(VPCI_Q_ENABLE, 2), 1);
}
END_TEST

START_TEST(vectors_validated)
{
	wr(VPCI_MSIX, 2, 1);
	ck_assert_uint_eq(rd(VPCI_MSIX, 2), 1);
	wr(VPCI_MSIX, 2, 2); /* table has 2 entries */
	ck_assert_uint_eq(rd(VPCI_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	wr(VPCI_Q_MSIX, 2, 0x7ff);
	ck_assert_uint_eq(rd(VPCI_Q_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	wr(VPCI_Q_MSIX, 2, 0);
	ck_assert_uint_eq(rd(VPCI_Q_MSIX, 2), 0);
}
END_TEST

static void program_vector(unsigned int v, uint64_t addr, uint32_t data, bool masked)
{
	uint64_t e = VPCI_MSIX_TABLE_OFF + 16ULL * v;

	wr(e, 4, (uint32_t)addr);
	wr(e + 4, 4, addr >> 32);
	wr(e + 8, 4, data);
	wr(e + 12, 4, masked);
}

static void queue_ready_with_vector(void)
{
	negotiate(FEATURES);
	wr(VPCI_MSIX, 2, 0);
	wr(VPCI_Q_MSIX, 2, 1);
	setup_queue(16);
	wr(VPCI_STATUS, 1, status() | VIRTIO_STATUS_DRIVER_OK);
}

START_TEST(msix_delivery_and_masking)
{
	queue_ready_with_vector();
	/* MSI-X off: nothing is delivered (no INTx either), nothing pending. */
	vpci_queue_interrupt(&vp, 0);
	ck_assert_uint_eq(rec.fired[1], 0);
	ck_assert_uint_eq(rd(VPCI_ISR_OFF, 1), 1); /* ISR set, read clears */
	ck_assert_uint_eq(rd(VPCI_ISR_OFF, 1), 0);

	program_vector(1, 0xfee00000, 0x4041, true);
	vpci_msix_control(&vp, true, false);
	ck_assert(rec.masked[1]);
	vpci_queue_interrupt(&vp, 0);
	ck_assert_uint_eq(rec.fired[1], 0);
	ck_assert_uint_eq(rd(VPCI_MSIX_PBA_OFF, 4), 2); /* pending */
	wr(VPCI_MSIX_TABLE_OFF + 16 + 12, 4, 0); /* unmask: route, then the pending message */
	ck_assert(!rec.masked[1]);
	ck_assert_uint_eq(rec.addr[1], 0xfee00000);
	ck_assert_uint_eq(rec.data[1], 0x4041);
	ck_assert_uint_eq(rec.fired[1], 1);
	ck_assert_uint_eq(rd(VPCI_MSIX_PBA_OFF, 4), 0);
	vpci_queue_interrupt(&vp, 0);
	ck_assert_uint_eq(rec.fired[1], 2);

	/* Function mask holds everything, unmasking releases it. */
	vpci_msix_control(&vp, true, true);
	vpci_queue_interrupt(&vp, 0);
	vpci_queue_interrupt(&vp, 0);
	ck_assert_uint_eq(rec.fired[1], 2);
	vpci_msix_control(&vp, true, false);
	ck_assert_uint_eq(rec.fired[1], 3);

	/* The driver suppresses interrupts: none. */
	fd_avail(&fd)[0] = VIRTQ_AVAIL_F_NO_INTERRUPT;
	vpci_queue_interrupt(&vp, 0);
	ck_assert_uint_eq(rec.fired[1], 3);

	/* NEEDS_RESET goes to the config vector. */
	program_vector(0, 0xfee00000, 0x4042, false);
	vpci_needs_reset(&vp);
	ck_assert_uint_eq(rec.fired[0], 1);
	vpci_needs_reset(&vp);
	ck_assert_uint_eq(rec.fired[0], 1);
	ck_assert_uint_eq(rd(VPCI_ISR_OFF, 1) & 2, 2);
}
END_TEST

START_TEST(msix_table_bad_accesses)
{
	program_vector(0, 0xfee01000, 0x55, true);
	ck_assert_uint_eq(rd(VPCI_MSIX_TABLE_OFF, 8), 0xfee01000);
	ck_assert_uint_eq(rd(VPCI_MSIX_TABLE_OFF + 8, 4), 0x55);
	ck_assert_uint_eq(rd(VPCI_MSIX_TABLE_OFF + 12, 4), 1);
	wr(VPCI_MSIX_TABLE_OFF + 2, 4, 0xffffffff); /* misaligned */
	wr(VPCI_MSIX_TABLE_OFF + 8, 2, 0xffff);     /* narrow */
	wr(VPCI_MSIX_TABLE_OFF + 32, 4, 1);         /* past the 2 entries */
	ck_assert_uint_eq(rd(VPCI_MSIX_TABLE_OFF, 4), 0xfee01000);
	ck_assert_uint_eq(rd(VPCI_MSIX_TABLE_OFF + 8, 4), 0x55);
	ck_assert_uint_eq(rd(VPCI_MSIX_TABLE_OFF + 32, 4), 0);
	wr(VPCI_MSIX_TABLE_OFF + 12, 4, 0xfffffffe); /* reserved control bits */
	ck_assert_uint_eq(rd(VPCI_MSIX_TABLE_OFF + 12, 4), 0);
	wr(VPCI_MSIX_PBA_OFF, 4, 0xff);              /* read-only */
	ck_assert_uint_eq(rd(VPCI_MSIX_PBA_OFF, 4), 0);
}
END_TEST

START_TEST(odd_accesses_defined)
{
	/* Wrong widths and offsets read 0 and change nothing. */
	ck_assert_uint_eq(rd(VPCI_STATUS, 4), 0);
	ck_assert_uint_eq(rd(VPCI_NUMQ, 1), 0);
	ck_assert_uint_eq(rd(0x3f, 1), 0);
	wr(VPCI_STATUS, 2, VIRTIO_STATUS_ACKNOWLEDGE);
	ck_assert_uint_eq(status(), 0);
	wr(VPCI_Q_SIZE, 4, 4);
	ck_assert_uint_eq(rd(VPCI_Q_SIZE, 2), 256);
	wr(VPCI_ISR_OFF, 1, 0xff);
	wr(VPCI_DEVCFG_OFF, 4, 0);
	wr(0x7ff8, 8, ~0ULL);
	ck_assert_uint_eq(rd(0x7ff8, 8), 0);
	ck_assert_uint_eq(rd(VPCI_ISR_OFF + 1, 1), 0);
}
END_TEST

/* Every sequence of writes from a small alphabet: never a crash, always consistent. */
START_TEST(random_write_orders)
{
	static const struct { uint16_t off; uint8_t len; } regs[] = {
		{ VPCI_STATUS, 1 }, { VPCI_GF, 4 }, { VPCI_GFSELECT, 4 }, { VPCI_Q_SELECT, 2 },
		{ VPCI_Q_SIZE, 2 }, { VPCI_Q_ENABLE, 2 }, { VPCI_Q_DESCLO, 8 },
		{ VPCI_Q_AVAILLO, 8 }, { VPCI_Q_USEDLO, 8 }, { VPCI_Q_MSIX, 2 }, { VPCI_MSIX, 2 },
		{ VPCI_NOTIFY_OFF, 2 }, { VPCI_MSIX_TABLE_OFF + 12, 4 },
	};
	static const uint64_t vals[] = { 0, 1, 2, 3, 4, 8, 0xf, 16, 0xff, 0xffff, FD_DESC,
					 FD_AVAIL, FD_USED, 0xffffffff, FEATURES >> 32 };
	uint32_t seed = 12345;

	for (int i = 0; i < 200000; i++) {
		seed = seed * 1103515245 + 12345;
		unsigned int r = seed >> 8;
		wr(regs[r % ARRAY_SIZE(regs)].off, regs[r % ARRAY_SIZE(regs)].len,
		   vals[(r / 16) % ARRAY_SIZE(vals)]);
		if (i % 1000 == 999)
			vpci_queue_interrupt(&vp, 0);
		/* Invariants: DRIVER_OK implies FEATURES_OK; an enabled queue is set up. */
		if (vp.status & VIRTIO_STATUS_DRIVER_OK)
			ck_assert(vp.status & VIRTIO_STATUS_FEATURES_OK);
		if (vp.q[0].enabled)
			ck_assert_uint_eq(vp.q[0].vq.size, vp.q[0].size);
		ck_assert(vp.q[0].msix_vector == VIRTIO_MSI_NO_VECTOR || vp.q[0].msix_vector < 2);
		ck_assert(!(vp.drv_features & ~FEATURES) || !(vp.status & VIRTIO_STATUS_FEATURES_OK));
	}
}
END_TEST

START_TEST(init_rejects_bad_shapes)
{
	struct virtio_pci t;

	ck_assert_int_eq(vpci_init(&t, &fd.mem, FEATURES, 0, 256, 2, &ops, NULL, &irq_ops, NULL), -EINVAL);
	ck_assert_int_eq(vpci_init(&t, &fd.mem, FEATURES, 1, 100, 2, &ops, NULL, &irq_ops, NULL), -EINVAL);
	ck_assert_int_eq(vpci_init(&t, &fd.mem, FEATURES, 1, 256, 99, &ops, NULL, &irq_ops, NULL), -EINVAL);
}
END_TEST

static Suite *vpci_suite(void)
{
	Suite *s = suite_create("virtio_pci");
	TCase *tc = tcase_create("transport");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, linux_init_sequence);
	tcase_add_test(tc, features_not_offered_refused);
	tcase_add_test(tc, version_1_required);
	tcase_add_test(tc, features_frozen_after_features_ok);
	tcase_add_test(tc, status_bits_never_cleared);
	tcase_add_test(tc, driver_ok_first);
	tcase_add_test(tc, queue_enable_before_features_ok);
	tcase_add_test(tc, queue_locked_while_enabled);
	tcase_add_test(tc, queue_bad_config_not_enabled);
	tcase_add_test(tc, queue_select_out_of_range);
	tcase_add_test(tc, reset_clears_everything);
	tcase_add_test(tc, vectors_validated);
	tcase_add_test(tc, msix_delivery_and_masking);
	tcase_add_test(tc, msix_table_bad_accesses);
	tcase_add_test(tc, odd_accesses_defined);
	tcase_add_test(tc, random_write_orders);
	tcase_add_test(tc, init_rejects_bad_shapes);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(vpci_suite)
