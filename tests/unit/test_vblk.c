// SPDX-License-Identifier: MIT
/*
 * A whole virtio-blk device with its thread: the test is the driver
 * (Linux's order: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK,
 * queue, MSI-X, DRIVER_OK), notifies through the BAR as a vCPU would,
 * and waits, bounded, for the MSI-X message the device thread sends
 * (an eventfd here, a KVM irqfd in a VM). Runs under TSan (TSAN_UNITS).
 */
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "unit.h"
#include "util.h"
#include "virtio/vblk.h"
#include "virtq_fake_driver.h"

#define F VIRTQ_DESC_F_NEXT
#define W VIRTQ_DESC_F_WRITE
#define WAIT_MS 5000

static struct fake_driver fd;
static struct vblk b;
static char path[64];
static int irq_efd[VBLK_NR_VECTORS];
static int routed[VBLK_NR_VECTORS]; /* under the transport's lock */

static void t_msi_set(void *opaque, unsigned int v, uint64_t addr, uint32_t data, bool masked)
{
	routed[v] = !masked;
}

static void t_msi_fire(void *opaque, unsigned int v)
{
	uint64_t one = 1;

	ck_assert(routed[v]);
	ck_assert_int_eq(write(irq_efd[v], &one, 8), 8);
}

static const struct vpci_irq_ops t_irq = { .msi_set = t_msi_set, .msi_fire = t_msi_fire };

static void wr(uint64_t off, unsigned int len, uint64_t v)
{
	vpci_bar_write(&b.vp, off, (uint8_t *)&v, len);
}

static uint64_t rd(uint64_t off, unsigned int len)
{
	uint64_t v = 0;

	vpci_bar_read(&b.vp, off, (uint8_t *)&v, len);
	return v;
}

static void setup(void)
{
	uint8_t sec[512];
	int f;

	ck_assert_int_eq(fd_init(&fd, 64), 0);
	strcpy(path, "/tmp/hvmm-vblk-XXXXXX");
	f = mkstemp(path);
	ck_assert_int_ge(f, 0);
	for (int s = 0; s < 128; s++) {
		memset(sec, s, sizeof(sec));
		ck_assert_int_eq(write(f, sec, sizeof(sec)), 512);
	}
	close(f);
	for (int v = 0; v < VBLK_NR_VECTORS; v++) {
		irq_efd[v] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		routed[v] = 0;
	}
	ck_assert_int_eq(vblk_init(&b, &fd.mem, path, false, &t_irq, NULL), 0);
	ck_assert_int_eq(vblk_start(&b), 0);
}

static void teardown(void)
{
	vblk_stop(&b);
	vblk_destroy(&b);
	for (int v = 0; v < VBLK_NR_VECTORS; v++)
		close(irq_efd[v]);
	unlink(path);
	fd_free(&fd);
}

static void driver_init(void)
{
	uint64_t f;

	wr(VPCI_STATUS, 1, 0);
	ck_assert_uint_eq(rd(VPCI_STATUS, 1), 0);
	wr(VPCI_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE);
	wr(VPCI_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(VPCI_DFSELECT, 4, 0);
	f = rd(VPCI_DF, 4);
	wr(VPCI_DFSELECT, 4, 1);
	f |= rd(VPCI_DF, 4) << 32;
	ck_assert(f & (1ULL << VIRTIO_F_VERSION_1));
	wr(VPCI_GFSELECT, 4, 0);
	wr(VPCI_GF, 4, (uint32_t)f);
	wr(VPCI_GFSELECT, 4, 1);
	wr(VPCI_GF, 4, f >> 32);
	wr(VPCI_STATUS, 1, 0xb);
	ck_assert_uint_eq(rd(VPCI_STATUS, 1), 0xb);
	/* MSI-X: vector 0 config, vector 1 the queue; program, enable, unmask. */
	for (unsigned int v = 0; v < 2; v++) {
		wr(VPCI_MSIX_TABLE_OFF + 16 * v, 4, 0xfee00000);
		wr(VPCI_MSIX_TABLE_OFF + 16 * v + 8, 4, 0x40 + v);
	}
	vpci_msix_control(&b.vp, true, false);
	for (unsigned int v = 0; v < 2; v++)
		wr(VPCI_MSIX_TABLE_OFF + 16 * v + 12, 4, 0);
	wr(VPCI_MSIX, 2, 0);
	wr(VPCI_Q_SELECT, 2, 0);
	wr(VPCI_Q_SIZE, 2, fd.size);
	wr(VPCI_Q_MSIX, 2, 1);
	ck_assert_uint_eq(rd(VPCI_Q_MSIX, 2), 1);
	wr(VPCI_Q_DESCLO, 8, FD_DESC);
	wr(VPCI_Q_AVAILLO, 8, FD_AVAIL);
	wr(VPCI_Q_USEDLO, 8, FD_USED);
	wr(VPCI_Q_ENABLE, 2, 1);
	wr(VPCI_STATUS, 1, 0xf);
}

/* Wait for vector v's message; false after WAIT_MS. */
static bool wait_irq(unsigned int v)
{
	struct pollfd p = { .fd = irq_efd[v], .events = POLLIN };
	uint64_t n;

	if (poll(&p, 1, WAIT_MS) != 1)
		return false;
	return read(irq_efd[v], &n, 8) == 8;
}

/* Request i reads sector `sector` into its own buffer (descriptors 3i..3i+2). */
static void post_read(unsigned int i, uint64_t sector)
{
	uint64_t hdr = FD_DATA + 0x40 * i, buf = FD_DATA + 0x10000 + 0x200 * (uint64_t)i;
	uint32_t type = VIRTIO_BLK_T_IN;

	memcpy(fd_buf(&fd, hdr, 4), &type, 4);
	memcpy(fd_buf(&fd, hdr + 8, 8), &sector, 8);
	*(uint8_t *)fd_buf(&fd, hdr + 0x20, 1) = 0xee;
	fd_set_desc(&fd, 3 * i, hdr, 16, F, (uint16_t)(3 * i + 1));
	fd_set_desc(&fd, 3 * i + 1, buf, 512, W | F, (uint16_t)(3 * i + 2));
	fd_set_desc(&fd, 3 * i + 2, hdr + 0x20, 1, W, 0);
	fd_publish(&fd, (uint16_t)(3 * i));
}

START_TEST(reads_through_the_thread)
{
	uint32_t id, len;
	unsigned int got = 0;

	driver_init();
	for (unsigned int round = 0; round < 50; round++) {
		for (unsigned int i = 0; i < 20; i++)
			post_read(i, (round + i) % 128);
		wr(VPCI_NOTIFY_OFF, 2, 0);
		for (unsigned int seen = 0; seen < 20;) {
			if (fd_take_used(&fd, &id, &len) == 0) {
				unsigned int i = id / 3;

				ck_assert_uint_eq(len, 513);
				ck_assert_uint_eq(*(uint8_t *)fd_buf(&fd, FD_DATA + 0x40 * i + 0x20, 1),
						  VIRTIO_BLK_S_OK);
				ck_assert_uint_eq(*(uint8_t *)fd_buf(&fd, FD_DATA + 0x10000 + 0x200 * i, 1),
						  (round + i) % 128);
				seen++;
				got++;
				continue;
			}
			ck_assert_msg(wait_irq(1), "no interrupt within %d ms", WAIT_MS);
		}
	}
	ck_assert_uint_eq(got, 1000);
}
END_TEST

/* A broken queue: NEEDS_RESET and a config interrupt; a reset brings it back. */
START_TEST(broken_queue_needs_reset)
{
	uint32_t id, len;

	driver_init();
	fd_set_desc(&fd, 0, FD_DATA, 16, F, 0); /* loops */
	fd_publish(&fd, 0);
	wr(VPCI_NOTIFY_OFF, 2, 0);
	ck_assert(wait_irq(0));
	ck_assert_uint_eq(rd(VPCI_STATUS, 1) & VIRTIO_STATUS_NEEDS_RESET, VIRTIO_STATUS_NEEDS_RESET);
	fd.avail_idx = fd.used_seen = 0;
	memset(fd_avail(&fd), 0, 6 + 2 * 64);
	memset(fd_used(&fd), 0, 6 + 8 * 64);
	driver_init();
	post_read(0, 7);
	wr(VPCI_NOTIFY_OFF, 2, 0);
	ck_assert(wait_irq(1));
	ck_assert_int_eq(fd_take_used(&fd, &id, &len), 0);
	ck_assert_uint_eq(*(uint8_t *)fd_buf(&fd, FD_DATA + 0x10000, 1), 7);
}
END_TEST

/* Resets racing the device thread: never a crash, the thread stops in time. */
START_TEST(reset_while_busy)
{
	for (int k = 0; k < 200; k++) {
		fd.avail_idx = fd.used_seen = 0;
		memset(fd_avail(&fd), 0, 6 + 2 * 64);
		memset(fd_used(&fd), 0, 6 + 8 * 64);
		driver_init();
		for (unsigned int i = 0; i < 20; i++)
			post_read(i, i);
		wr(VPCI_NOTIFY_OFF, 2, 0);
		wr(VPCI_STATUS, 1, 0);
		ck_assert_uint_eq(rd(VPCI_STATUS, 1), 0);
	}
	uint64_t t0 = monotonic_ms();
	vblk_stop(&b);
	ck_assert_uint_lt(monotonic_ms() - t0, VBLK_STOP_WAIT_MS);
	ck_assert(!b.left_behind);
}
END_TEST

START_TEST(open_failure)
{
	struct vblk x;

	ck_assert_int_eq(vblk_init(&x, &fd.mem, "/nonexistent/x.img", false, &t_irq, NULL), -ENOENT);
}
END_TEST

static Suite *vblk_suite(void)
{
	Suite *s = suite_create("vblk");
	TCase *tc = tcase_create("device");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, reads_through_the_thread);
	tcase_add_test(tc, broken_queue_needs_reset);
	tcase_add_test(tc, reset_while_busy);
	tcase_add_test(tc, open_failure);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(vblk_suite)
