// SPDX-License-Identifier: MIT
/*
 * virtio-blk requests end to end on a split virtqueue: a scripted driver
 * builds chains in guest RAM the way Linux's virtblk_add_req does
 * (header, data, status), blk_serve() does the I/O on a temporary raw
 * image, and the test reads the status byte, the used length and the
 * image. Then every malformed request, each with its defined result.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "util.h"
#include "virtio/blk.h"
#include "virtq_fake_driver.h"

#define F VIRTQ_DESC_F_NEXT
#define W VIRTQ_DESC_F_WRITE
#define I VIRTQ_DESC_F_INDIRECT

#define HDR FD_DATA
#define BUF (FD_DATA + 0x1000)
#define STATUS (FD_DATA + 0x800)
#define IMG_SECTORS 64

static struct fake_driver fd;
static struct virtq q;
static struct virtq_chain *c;
static struct blk_disk disk;
static char path[64];

static void make_image(size_t bytes)
{
	int f;
	uint8_t sec[512];

	strcpy(path, "/tmp/hvmm-blk-XXXXXX");
	f = mkstemp(path);
	ck_assert_int_ge(f, 0);
	/* Sector s is filled with byte s, so reads show where they came from. */
	for (size_t s = 0; s * 512 < bytes; s++) {
		size_t n = MIN(sizeof(sec), bytes - s * 512);

		memset(sec, (int)s, sizeof(sec));
		ck_assert_int_eq(write(f, sec, n), (ssize_t)n);
	}
	close(f);
}

static void open_disk(bool ro)
{
	ck_assert_int_eq(blk_open(&disk, path, ro), 0);
}

static void setup(void)
{
	ck_assert_int_eq(fd_init(&fd, 16), 0);
	ck_assert_int_eq(fd_setup_queue(&fd, &q, true), 0);
	c = calloc(1, sizeof(*c));
	ck_assert_ptr_nonnull(c);
	make_image(IMG_SECTORS * 512);
	open_disk(false);
}

static void teardown(void)
{
	blk_close(&disk);
	unlink(path);
	free(c);
	fd_free(&fd);
}

static void put_hdr(uint32_t type, uint64_t sector)
{
	uint8_t *h = fd_buf(&fd, HDR, 16);

	memset(h, 0, 16);
	memcpy(h, &type, 4);
	memcpy(h + 8, &sector, 8);
}

/* Header, one data buffer (len bytes, `wr` = device-writable), status. */
static void req3(uint32_t type, uint64_t sector, uint32_t len, bool wr)
{
	put_hdr(type, sector);
	*(uint8_t *)fd_buf(&fd, STATUS, 1) = 0xee;
	fd_set_desc(&fd, 0, HDR, 16, F, 1);
	fd_set_desc(&fd, 1, BUF, len, (uint16_t)(F | (wr ? W : 0)), 2);
	fd_set_desc(&fd, 2, STATUS, 1, W, 0);
	fd_publish(&fd, 0);
}

/* Header and status only (FLUSH, or requests without data). */
static void req2(uint32_t type, uint64_t sector)
{
	put_hdr(type, sector);
	*(uint8_t *)fd_buf(&fd, STATUS, 1) = 0xee;
	fd_set_desc(&fd, 0, HDR, 16, F, 2);
	fd_set_desc(&fd, 2, STATUS, 1, W, 0);
	fd_publish(&fd, 0);
}

/* Serve one request; return its status byte, *used its used length. */
static int serve(uint32_t *used)
{
	uint32_t id, len;

	ck_assert_int_eq(blk_serve(&disk, &q, c, 8), 1);
	ck_assert_int_eq(fd_take_used(&fd, &id, &len), 0);
	ck_assert_uint_eq(id, 0);
	if (used)
		*used = len;
	return *(uint8_t *)fd_buf(&fd, STATUS, 1);
}

static void read_image(uint64_t off, void *buf, size_t len)
{
	int f = open(path, O_RDONLY);

	ck_assert_int_ge(f, 0);
	ck_assert_int_eq(pread(f, buf, len, (off_t)off), (ssize_t)len);
	close(f);
}

START_TEST(read_sectors)
{
	uint8_t *b = fd_buf(&fd, BUF, 1024);
	uint32_t used;

	req3(VIRTIO_BLK_T_IN, 5, 1024, true);
	ck_assert_int_eq(serve(&used), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(used, 1025);
	ck_assert_uint_eq(b[0], 5);
	ck_assert_uint_eq(b[1023], 6);
}
END_TEST

START_TEST(write_then_read_back)
{
	uint8_t *b = fd_buf(&fd, BUF, 512), img[512];
	uint32_t used;

	memset(b, 0xab, 512);
	req3(VIRTIO_BLK_T_OUT, IMG_SECTORS - 1, 512, false);
	ck_assert_int_eq(serve(&used), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(used, 1);
	read_image((IMG_SECTORS - 1) * 512, img, 512);
	ck_assert_uint_eq(img[0], 0xab);
	ck_assert_uint_eq(img[511], 0xab);
}
END_TEST

/* Any layout (1.0 has no framing): header split, data in the status descriptor. */
START_TEST(any_layout)
{
	uint8_t *b = fd_buf(&fd, BUF, 1024);
	uint32_t used;

	put_hdr(VIRTIO_BLK_T_IN, 2);
	memset(b, 0, 1024);
	fd_set_desc(&fd, 0, HDR, 7, F, 1);
	fd_set_desc(&fd, 1, HDR + 7, 9, F, 2);
	fd_set_desc(&fd, 2, BUF, 513, W, 0); /* 512 data bytes + the status byte */
	fd_publish(&fd, 0);
	ck_assert_int_eq(blk_serve(&disk, &q, c, 8), 1);
	ck_assert_int_eq(fd_take_used(&fd, &(uint32_t){ 0 }, &used), 0);
	ck_assert_uint_eq(used, 513);
	ck_assert_uint_eq(b[0], 2);
	ck_assert_uint_eq(b[511], 2);
	ck_assert_uint_eq(b[512], VIRTIO_BLK_S_OK);
}
END_TEST

START_TEST(indirect_request)
{
	struct virtq_desc t[3] = {
		{ HDR, 16, F, 1 }, { BUF, 512, W | F, 2 }, { STATUS, 1, W, 0 },
	};
	uint8_t *b = fd_buf(&fd, BUF, 512);

	put_hdr(VIRTIO_BLK_T_IN, 9);
	memcpy(fd_buf(&fd, FD_INDIRECT, sizeof(t)), t, sizeof(t));
	fd_set_desc(&fd, 4, FD_INDIRECT, sizeof(t), I, 0);
	fd_publish(&fd, 4);
	ck_assert_int_eq(blk_serve(&disk, &q, c, 8), 1);
	ck_assert_uint_eq(*(uint8_t *)fd_buf(&fd, STATUS, 1), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(b[100], 9);
}
END_TEST

START_TEST(flush_ok)
{
	uint32_t used;

	req2(VIRTIO_BLK_T_FLUSH, 0);
	ck_assert_int_eq(serve(&used), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(used, 1);
}
END_TEST

START_TEST(get_id)
{
	char *b = fd_buf(&fd, BUF, 20);
	const char *base = strrchr(path, '/') + 1;
	uint32_t used;

	memset(b, 'x', 20);
	req3(VIRTIO_BLK_T_GET_ID, 0, 20, true);
	ck_assert_int_eq(serve(&used), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(used, 21);
	ck_assert_mem_eq(b, base, strlen(base));
	ck_assert_int_eq(b[strlen(base)], 0);
}
END_TEST

START_TEST(unsupported_type)
{
	req3(11 /* DISCARD, not offered */, 0, 512, false);
	ck_assert_int_eq(serve(NULL), VIRTIO_BLK_S_UNSUPP);
}
END_TEST

START_TEST(out_of_range)
{
	uint32_t used;

	req3(VIRTIO_BLK_T_IN, IMG_SECTORS - 1, 1024, true); /* last sector + one past */
	ck_assert_int_eq(serve(&used), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(used, 1);
	req3(VIRTIO_BLK_T_OUT, UINT64_MAX, 512, false); /* sector * 512 overflows */
	ck_assert_int_eq(serve(NULL), VIRTIO_BLK_S_IOERR);
	req3(VIRTIO_BLK_T_IN, IMG_SECTORS, 0, true); /* empty, at the end: fine */
	ck_assert_int_eq(serve(NULL), VIRTIO_BLK_S_OK);
}
END_TEST

/* A write just past the end must not grow the image. */
START_TEST(write_past_end)
{
	struct stat st;

	memset(fd_buf(&fd, BUF, 512), 0x66, 512);
	req3(VIRTIO_BLK_T_OUT, IMG_SECTORS, 512, false);
	ck_assert_int_eq(serve(NULL), VIRTIO_BLK_S_IOERR);
	req3(VIRTIO_BLK_T_OUT, IMG_SECTORS - 1, 1024, false);
	ck_assert_int_eq(serve(NULL), VIRTIO_BLK_S_IOERR);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, IMG_SECTORS * 512);
}
END_TEST

START_TEST(not_sector_multiple)
{
	req3(VIRTIO_BLK_T_IN, 0, 100, true);
	ck_assert_int_eq(serve(NULL), VIRTIO_BLK_S_IOERR);
}
END_TEST

/* Buffer in RAM, sectors on the (sparse) disk: only the per-request limit refuses it. */
START_TEST(too_large)
{
	blk_close(&disk);
	ck_assert_int_eq(truncate(path, 2 * (off_t)BLK_MAX_REQ_BYTES), 0);
	open_disk(false);
	ck_assert_ptr_nonnull(fd_buf(&fd, BUF, BLK_MAX_REQ_BYTES + 512ULL));
	req3(VIRTIO_BLK_T_IN, 0, BLK_MAX_REQ_BYTES + 512, true);
	ck_assert_int_eq(serve(NULL), VIRTIO_BLK_S_IOERR);
}
END_TEST

START_TEST(short_header)
{
	*(uint8_t *)fd_buf(&fd, STATUS, 1) = 0xee;
	fd_set_desc(&fd, 0, HDR, 8, F, 2);
	fd_set_desc(&fd, 2, STATUS, 1, W, 0);
	fd_publish(&fd, 0);
	ck_assert_int_eq(serve(NULL), VIRTIO_BLK_S_IOERR);
}
END_TEST

START_TEST(data_outside_ram)
{
	req3(VIRTIO_BLK_T_IN, 0, 512, true);
	fd_set_desc(&fd, 1, 0xfee00000ULL, 512, F | W, 2);
	ck_assert_int_eq(serve(NULL), VIRTIO_BLK_S_IOERR);
	req3(VIRTIO_BLK_T_OUT, 0, 512, false);
	fd_set_desc(&fd, 1, FD_RAM - 256, 512, F, 2); /* straddles the end of RAM */
	ck_assert_int_eq(serve(NULL), VIRTIO_BLK_S_IOERR);
}
END_TEST

START_TEST(header_outside_ram)
{
	*(uint8_t *)fd_buf(&fd, STATUS, 1) = 0xee;
	fd_set_desc(&fd, 0, 0xfee00000ULL, 16, F, 2);
	fd_set_desc(&fd, 2, STATUS, 1, W, 0);
	fd_publish(&fd, 0);
	ck_assert_int_eq(serve(NULL), VIRTIO_BLK_S_IOERR);
}
END_TEST

/* A bad (but walkable) chain: answered IOERR, no I/O done. */
START_TEST(bad_chain_answered)
{
	uint8_t img[512];

	memset(fd_buf(&fd, BUF, 512), 0x77, 512);
	put_hdr(VIRTIO_BLK_T_OUT, 0);
	fd_set_desc(&fd, 0, HDR, 16, F, 1);
	fd_set_desc(&fd, 1, BUF + 0x1000, 16, W | F, 3);
	fd_set_desc(&fd, 3, BUF, 512, F, 2); /* readable after writable */
	fd_set_desc(&fd, 2, STATUS, 1, W, 0);
	fd_publish(&fd, 0);
	ck_assert_int_eq(serve(NULL), VIRTIO_BLK_S_IOERR);
	read_image(0, img, sizeof(img));
	ck_assert_uint_eq(img[0], 0);
}
END_TEST

static void expect_broken(void)
{
	uint32_t id, len;

	ck_assert_int_eq(blk_serve(&disk, &q, c, 8), 0);
	ck_assert(q.broken);
	ck_assert_int_eq(fd_take_used(&fd, &id, &len), -1);
}

START_TEST(status_not_writable)
{
	req3(VIRTIO_BLK_T_IN, 0, 512, true);
	fd_set_desc(&fd, 2, STATUS, 1, 0, 0);
	/* Now: readable header, writable data, readable status: also an order violation. */
	expect_broken();
}
END_TEST

START_TEST(status_zero_length)
{
	req3(VIRTIO_BLK_T_IN, 0, 512, true);
	fd_set_desc(&fd, 2, STATUS, 0, W, 0);
	expect_broken();
}
END_TEST

START_TEST(status_outside_ram)
{
	req3(VIRTIO_BLK_T_IN, 0, 512, true);
	fd_set_desc(&fd, 2, 0xfee00000ULL, 1, W, 0);
	expect_broken();
}
END_TEST

START_TEST(only_readable)
{
	put_hdr(VIRTIO_BLK_T_FLUSH, 0);
	fd_set_desc(&fd, 0, HDR, 16, 0, 0);
	fd_publish(&fd, 0);
	expect_broken();
}
END_TEST

START_TEST(loop_breaks_queue)
{
	req3(VIRTIO_BLK_T_IN, 0, 512, true);
	fd_set_desc(&fd, 2, STATUS, 1, W | F, 0);
	expect_broken();
}
END_TEST

START_TEST(huge_indirect)
{
	fd_set_desc(&fd, 0, FD_INDIRECT, 0xfffffff0u, I, 0);
	fd_publish(&fd, 0);
	expect_broken();
}
END_TEST

START_TEST(readonly_disk)
{
	uint8_t img[512];

	blk_close(&disk);
	open_disk(true);
	ck_assert(blk_features(&disk) & (1ULL << VIRTIO_BLK_F_RO));
	memset(fd_buf(&fd, BUF, 512), 0x55, 512);
	req3(VIRTIO_BLK_T_OUT, 1, 512, false);
	ck_assert_int_eq(serve(NULL), VIRTIO_BLK_S_IOERR);
	read_image(512, img, sizeof(img));
	ck_assert_uint_eq(img[0], 1);
	req3(VIRTIO_BLK_T_IN, 1, 512, true);
	ck_assert_int_eq(serve(NULL), VIRTIO_BLK_S_OK);
	req2(VIRTIO_BLK_T_FLUSH, 0);
	ck_assert_int_eq(serve(NULL), VIRTIO_BLK_S_OK);
}
END_TEST

START_TEST(config_and_features)
{
	uint8_t cfg[BLK_CFG_LEN + 8];
	uint64_t cap;
	uint32_t v;
	uint64_t f = blk_features(&disk);

	blk_cfg_read(&disk, 0, cfg, sizeof(cfg));
	memcpy(&cap, cfg + BLK_CFG_CAPACITY, 8);
	ck_assert_uint_eq(cap, IMG_SECTORS);
	memcpy(&v, cfg + BLK_CFG_BLK_SIZE, 4);
	ck_assert_uint_eq(v, 512);
	memcpy(&v, cfg + BLK_CFG_SEG_MAX, 4);
	ck_assert_uint_eq(v, BLK_SEG_MAX);
	ck_assert_uint_eq(cfg[BLK_CFG_LEN + 3], 0);
	ck_assert(f & (1ULL << VIRTIO_F_VERSION_1));
	ck_assert(f & (1ULL << VIRTIO_BLK_F_FLUSH));
	ck_assert(!(f & (1ULL << VIRTIO_BLK_F_RO)));
	/* Nothing not implemented: only these bits. */
	ck_assert_uint_eq(f & ~(1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_F_RING_INDIRECT_DESC |
				1ULL << VIRTIO_BLK_F_FLUSH | 1ULL << VIRTIO_BLK_F_BLK_SIZE |
				1ULL << VIRTIO_BLK_F_SEG_MAX), 0);
}
END_TEST

/* A file whose size is not a multiple of 512: the tail is not used. */
START_TEST(odd_size_rounds_down)
{
	blk_close(&disk);
	unlink(path);
	make_image(3 * 512 + 100);
	open_disk(false);
	ck_assert_uint_eq(disk.sectors, 3);
	req3(VIRTIO_BLK_T_IN, 3, 512, true);
	ck_assert_int_eq(serve(NULL), VIRTIO_BLK_S_IOERR);
}
END_TEST

START_TEST(open_errors)
{
	struct blk_disk d2;

	ck_assert_int_eq(blk_open(&d2, "/nonexistent/disk.img", false), -ENOENT);
	ck_assert_int_eq(blk_open(&d2, "/dev/null", false), -EINVAL);
	ck_assert_int_eq(blk_open(&d2, "/tmp", true), -EINVAL);
	/* The image is locked by `disk`: a second writer is refused. */
	ck_assert_int_eq(blk_open(&d2, path, false), -EWOULDBLOCK);
}
END_TEST

/* Several requests in one serve call, each answered in order. */
START_TEST(batch)
{
	uint32_t id, len;

	for (int i = 0; i < 4; i++) {
		uint64_t hdr = HDR + 0x100 * (uint64_t)i;
		uint32_t type = VIRTIO_BLK_T_IN;
		uint64_t sector = (uint64_t)i;

		memcpy(fd_buf(&fd, hdr, 4), &type, 4);
		memcpy(fd_buf(&fd, hdr + 8, 8), &sector, 8);
		fd_set_desc(&fd, (unsigned int)(3 * i), hdr, 16, F, (uint16_t)(3 * i + 1));
		fd_set_desc(&fd, (unsigned int)(3 * i + 1), BUF + 0x1000 * (uint64_t)i, 512, W | F,
			    (uint16_t)(3 * i + 2));
		fd_set_desc(&fd, (unsigned int)(3 * i + 2), hdr + 0x20, 1, W, 0);
		fd_publish(&fd, (uint16_t)(3 * i));
	}
	ck_assert_int_eq(blk_serve(&disk, &q, c, 3), 3); /* the budget holds */
	ck_assert_int_eq(blk_serve(&disk, &q, c, 8), 1);
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(fd_take_used(&fd, &id, &len), 0);
		ck_assert_uint_eq(id, (uint32_t)(3 * i));
		ck_assert_uint_eq(len, 513);
		ck_assert_uint_eq(*(uint8_t *)fd_buf(&fd, BUF + 0x1000 * (uint64_t)i, 1), i);
	}
}
END_TEST

static Suite *blk_suite(void)
{
	Suite *s = suite_create("virtio_blk");
	TCase *tc = tcase_create("requests");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, read_sectors);
	tcase_add_test(tc, write_then_read_back);
	tcase_add_test(tc, any_layout);
	tcase_add_test(tc, indirect_request);
	tcase_add_test(tc, flush_ok);
	tcase_add_test(tc, get_id);
	tcase_add_test(tc, unsupported_type);
	tcase_add_test(tc, out_of_range);
	tcase_add_test(tc, write_past_end);
	tcase_add_test(tc, not_sector_multiple);
	tcase_add_test(tc, too_large);
	tcase_add_test(tc, short_header);
	tcase_add_test(tc, data_outside_ram);
	tcase_add_test(tc, header_outside_ram);
	tcase_add_test(tc, bad_chain_answered);
	tcase_add_test(tc, status_not_writable);
	tcase_add_test(tc, status_zero_length);
	tcase_add_test(tc, status_outside_ram);
	tcase_add_test(tc, only_readable);
	tcase_add_test(tc, loop_breaks_queue);
	tcase_add_test(tc, huge_indirect);
	tcase_add_test(tc, readonly_disk);
	tcase_add_test(tc, config_and_features);
	tcase_add_test(tc, odd_size_rounds_down);
	tcase_add_test(tc, open_errors);
	tcase_add_test(tc, batch);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(blk_suite)
