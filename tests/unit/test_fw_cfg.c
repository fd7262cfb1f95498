// SPDX-License-Identifier: MIT
/*
 * fw_cfg core (firmware/fw_cfg.c) and the boot content helpers
 * (firmware/fw_cfg_boot.c), driven through the port interface the way
 * OVMF's QemuFwCfgLib does (edk2 OvmfPkg/Library/QemuFwCfgLib), over a
 * small guest_mem. Every malformed DMA case checks the result fw_cfg.h
 * defines for it.
 */
#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "unit.h"
#include "fw_cfg.h"
#include "fw_cfg_boot.h"
#include "guest_mem.h"
#include "layout.h"
#include "util.h"

#define RAM (16ULL << 20)
#define DESC 0x1000ULL   /* where tests put DMA descriptors */
#define BUF 0x2000ULL    /* and DMA buffers */

static struct guest_mem mem;
static struct fw_cfg *fw;

static void setup(void)
{
	ck_assert_int_eq(gmem_init(&mem, RAM), 0);
	fw = fw_cfg_new(&mem);
	ck_assert_ptr_nonnull(fw);
}

static void teardown(void)
{
	fw_cfg_free(fw);
	gmem_free(&mem);
}

/* ------------------------------------------------ OVMF-style port I/O */

static void sel(uint16_t key)
{
	uint16_t v = htole16(key);

	fw_cfg_io_write(fw, FW_CFG_PORT_SEL, (uint8_t *)&v, 2);
}

/* IoReadFifo8: one byte at a time from the data port. */
static void rd(void *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fw_cfg_io_read(fw, FW_CFG_PORT_DATA, (uint8_t *)buf + i, 1);
}

static uint32_t rd32(void)
{
	uint32_t v;

	rd(&v, 4);
	return v;
}

static void put_desc(uint64_t gpa, uint32_t ctl, uint32_t len, uint64_t addr)
{
	uint8_t d[16];
	uint32_t c = htobe32(ctl), l = htobe32(len);
	uint64_t a = htobe64(addr);

	memcpy(d, &c, 4);
	memcpy(d + 4, &l, 4);
	memcpy(d + 8, &a, 8);
	ck_assert_int_eq(gmem_write(&mem, gpa, d, 16), 0);
}

static uint32_t desc_ctl(uint64_t gpa)
{
	uint32_t c;

	ck_assert_int_eq(gmem_read(&mem, gpa, &c, 4), 0);
	return be32toh(c);
}

/* InternalQemuFwCfgDmaBytes: two 32-bit big-endian writes, low last. */
static void kick(uint64_t gpa)
{
	uint32_t hi = htobe32((uint32_t)(gpa >> 32)), lo = htobe32((uint32_t)gpa);

	fw_cfg_io_write(fw, FW_CFG_PORT_DMA, (uint8_t *)&hi, 4);
	fw_cfg_io_write(fw, FW_CFG_PORT_DMA + 4, (uint8_t *)&lo, 4);
}

/* One DMA op through the ports; returns the control written back. */
static uint32_t dma(uint32_t ctl, uint32_t len, uint64_t addr)
{
	put_desc(DESC, ctl, len, addr);
	kick(DESC);
	return desc_ctl(DESC);
}

static const uint8_t *ram(uint64_t gpa, uint64_t len)
{
	const uint8_t *p = gmem_ptr(&mem, gpa, len);

	ck_assert_ptr_nonnull(p);
	return p;
}

/* QemuFwCfgFindFile: linear scan of the directory, exact compare. */
static int find_file(const char *name, uint32_t *size)
{
	uint32_t count;

	sel(FW_CFG_FILE_DIR);
	count = be32toh(rd32());
	for (uint32_t i = 0; i < count; i++) {
		uint32_t fsize;
		uint16_t fsel, res;
		char fname[FW_CFG_NAME_SIZE];

		rd(&fsize, 4);
		rd(&fsel, 2);
		rd(&res, 2);
		rd(fname, sizeof(fname));
		ck_assert_uint_eq(res, 0);
		ck_assert_int_eq(fname[FW_CFG_NAME_SIZE - 1], 0);
		if (!strcmp(fname, name)) {
			*size = be32toh(fsize);
			return be16toh(fsel);
		}
	}
	return -1;
}

static void fill_pattern(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + 1);
}

START_TEST(probe_like_ovmf)
{
	static const uint8_t e820[40] = { 1, 2, 3 };
	uint32_t size = 0;
	int key;

	ck_assert_int_ge(fw_cfg_set_file(fw, FW_CFG_E820_FILE, e820, sizeof(e820), false), 0);
	ck_assert_int_ge(fw_cfg_set_file_str(fw, "etc/other", "x"), 0);
	sel(FW_CFG_SIGNATURE);
	ck_assert_uint_eq(rd32(), 0x554D4551); /* SIGNATURE_32('Q','E','M','U') */
	sel(FW_CFG_ID);
	ck_assert_uint_eq(le32toh(rd32()), FW_CFG_ID_TRADITIONAL | FW_CFG_ID_DMA);
	key = find_file(FW_CFG_E820_FILE, &size);
	ck_assert_int_ge(key, FW_CFG_FILE_FIRST);
	ck_assert_uint_eq(size, sizeof(e820));
	ck_assert_int_eq(find_file("etc/absent", &size), -1);
	/* Then read it by DMA, as QemuFwCfgReadBytes does with DMA. */
	sel((uint16_t)key);
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_READ, size, BUF), 0);
	ck_assert_mem_eq(ram(BUF, size), e820, sizeof(e820));
}
END_TEST

START_TEST(directory_sorted_keys_stable)
{
	uint8_t dir[4 + 3 * 64];
	uint8_t big[100] = { 0 };
	uint32_t size;

	ck_assert_int_eq(fw_cfg_set_file_str(fw, "b", "bb"), 0x20);
	ck_assert_int_eq(fw_cfg_set_file_str(fw, "a", "a"), 0x21);
	ck_assert_int_eq(fw_cfg_set_file_str(fw, "c", "ccc"), 0x22);
	ck_assert_int_eq(fw_cfg_get_item(fw, FW_CFG_FILE_DIR, dir, sizeof(dir)), sizeof(dir));
	ck_assert_uint_eq(be32toh(*(uint32_t *)dir), 3);
	ck_assert_str_eq((char *)dir + 4 + 8, "a");
	ck_assert_str_eq((char *)dir + 4 + 64 + 8, "b");
	ck_assert_str_eq((char *)dir + 4 + 128 + 8, "c");
	ck_assert_uint_eq(be16toh(*(uint16_t *)(dir + 4 + 4)), 0x21);
	/* Replacing keeps the key and updates the size in the directory. */
	ck_assert_int_eq(fw_cfg_set_file(fw, "b", big, sizeof(big), false), 0x20);
	ck_assert_int_eq(find_file("b", &size), 0x20);
	ck_assert_uint_eq(size, sizeof(big));
	ck_assert_int_eq(fw_cfg_find_file(fw, "c"), 0x22);
	ck_assert_int_eq(fw_cfg_find_file(fw, "d"), -ENOENT);
}
END_TEST

START_TEST(set_rules)
{
	char name[FW_CFG_NAME_SIZE + 1];
	uint8_t b = 0;

	ck_assert_int_eq(fw_cfg_set_item(fw, FW_CFG_SIGNATURE, &b, 1), -EINVAL);
	ck_assert_int_eq(fw_cfg_set_item(fw, FW_CFG_ID, &b, 1), -EINVAL);
	ck_assert_int_eq(fw_cfg_set_item(fw, FW_CFG_FILE_DIR, &b, 1), -EINVAL);
	ck_assert_int_eq(fw_cfg_set_item(fw, FW_CFG_FILE_FIRST, &b, 1), -EINVAL);
	ck_assert_int_eq(fw_cfg_set_file(fw, "", &b, 1, false), -EINVAL);
	memset(name, 'x', FW_CFG_NAME_SIZE);
	name[FW_CFG_NAME_SIZE] = 0;
	ck_assert_int_eq(fw_cfg_set_file(fw, name, &b, 1, false), -EINVAL);
	name[FW_CFG_NAME_SIZE - 1] = 0; /* 55 chars: the longest allowed */
	ck_assert_int_eq(fw_cfg_set_file(fw, name, &b, 1, false), FW_CFG_FILE_FIRST);
	for (int i = 1; i < FW_CFG_MAX_FILES; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		ck_assert_int_eq(fw_cfg_set_file(fw, name, &b, 1, false), FW_CFG_FILE_FIRST + i);
	}
	ck_assert_int_eq(fw_cfg_set_file(fw, "one-too-many", &b, 1, false), -ENOSPC);
	ck_assert_int_eq(fw_cfg_get_item(fw, 0x7777, &b, 1), -ENOENT);
}
END_TEST

START_TEST(data_port_end_and_unknown)
{
	uint8_t out[6], wide[4];

	ck_assert_int_eq(fw_cfg_set_item(fw, 0x0e, "\x01\x02\x03", 3), 0);
	sel(0x0e);
	memset(out, 0xaa, sizeof(out));
	rd(out, 5);
	ck_assert_mem_eq(out, "\x01\x02\x03\x00\x00", 5);
	sel(0x0e); /* re-selecting rewinds */
	rd(out, 1);
	ck_assert_uint_eq(out[0], 1);
	/* A wider read returns consecutive bytes. */
	fw_cfg_io_read(fw, FW_CFG_PORT_DATA, wide, 4);
	ck_assert_mem_eq(wide, "\x02\x03\x00\x00", 4);
	sel(0x1234); /* no such item */
	memset(out, 0xaa, sizeof(out));
	rd(out, 4);
	ck_assert_mem_eq(out, "\0\0\0\0", 4);
	/* Data-port writes are ignored. */
	sel(0x0e);
	fw_cfg_io_write(fw, FW_CFG_PORT_DATA, (const uint8_t *)"\x55", 1);
	rd(out, 1);
	ck_assert_uint_eq(out[0], 1);
}
END_TEST

START_TEST(selector_and_register_reads)
{
	uint8_t b = FW_CFG_ID, sig[8], w[4];

	/* An 8-bit selector write selects the zero-extended byte. */
	fw_cfg_io_write(fw, FW_CFG_PORT_SEL, &b, 1);
	ck_assert_uint_eq(le32toh(rd32()), 3);
	/* Selector and the gap read 0; the DMA register reads "QEMU CFG". */
	fw_cfg_io_read(fw, FW_CFG_PORT_SEL, w, 1);
	ck_assert_uint_eq(w[0], 0);
	fw_cfg_io_read(fw, 2, w, 2);
	ck_assert_mem_eq(w, "\0\0", 2);
	fw_cfg_io_read(fw, FW_CFG_PORT_DMA, sig, 4);
	fw_cfg_io_read(fw, FW_CFG_PORT_DMA + 4, sig + 4, 4);
	ck_assert_mem_eq(sig, FW_CFG_DMA_SIGNATURE, 8);
	for (int i = 0; i < 8; i++) {
		fw_cfg_io_read(fw, FW_CFG_PORT_DMA + (uint64_t)i, &b, 1);
		ck_assert_uint_eq(b, (uint8_t)FW_CFG_DMA_SIGNATURE[i]);
	}
	/* Outside the 12-byte window: 0. */
	fw_cfg_io_read(fw, FW_CFG_PORT_LEN, &b, 1);
	ck_assert_uint_eq(b, 0);
}
END_TEST

/* ------------------------------------------------------------- DMA */

static uint8_t item[256];

static void add_pattern_item(bool writable)
{
	fill_pattern(item, sizeof(item));
	ck_assert_int_eq(fw_cfg_set_file(fw, "test/item", item, sizeof(item), writable), 0x20);
}

START_TEST(dma_read_skip_continue)
{
	uint8_t two[2];

	add_pattern_item(false);
	sel(0x20);
	rd(two, 2); /* data port and DMA share the offset */
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_READ, 10, BUF), 0);
	ck_assert_mem_eq(ram(BUF, 10), item + 2, 10);
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_SKIP, 100, 0xdeadbeef0000ULL), 0);
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_READ, 4, BUF), 0);
	ck_assert_mem_eq(ram(BUF, 4), item + 112, 4);
	/* A read across the end: the rest is zero-filled, not an error. */
	memset(gmem_ptr(&mem, BUF, 300), 0xaa, 300);
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_READ, 300, BUF), 0);
	ck_assert_mem_eq(ram(BUF, 140), item + 116, 140);
	for (int i = 140; i < 300; i++)
		ck_assert_uint_eq(ram(BUF, 300)[i], 0);
	/* SKIP past the end stops at the end. */
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_SKIP, 0xffffffffu, 0), 0);
	rd(two, 1);
	ck_assert_uint_eq(two[0], 0);
	/* Length 0 and no-op control succeed. */
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_READ, 0, 0xffffffffffff0000ULL), 0);
	ck_assert_uint_eq(dma(0, 0, 0), 0);
}
END_TEST

START_TEST(dma_select_bit)
{
	add_pattern_item(false);
	sel(FW_CFG_SIGNATURE);
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ | (0x20u << 16), 8, BUF), 0);
	ck_assert_mem_eq(ram(BUF, 8), item, 8);
	/* SELECT rewinds even to the same key; a bare SELECT just selects. */
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_SELECT | (0x20u << 16), 0, 0), 0);
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_READ, 1, BUF), 0);
	ck_assert_uint_eq(ram(BUF, 1)[0], item[0]);
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_SKIP | (0x20u << 16), 5, 0), 0);
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_READ, 1, BUF), 0);
	ck_assert_uint_eq(ram(BUF, 1)[0], item[5]);
}
END_TEST

START_TEST(dma_select_unknown_key)
{
	memset(gmem_ptr(&mem, BUF, 8), 0xaa, 8);
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ | (0x7fffu << 16), 8, BUF), 0);
	ck_assert_mem_eq(ram(BUF, 8), "\0\0\0\0\0\0\0\0", 8);
	/* Nothing to write into: ERROR. */
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_WRITE, 1, BUF), FW_CFG_DMA_CTL_ERROR);
}
END_TEST

START_TEST(dma_write)
{
	uint8_t now[256];

	add_pattern_item(true);
	sel(0x20);
	ck_assert_int_eq(gmem_write(&mem, BUF, "WXYZ", 4), 0);
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_SKIP, 10, 0), 0);
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_WRITE, 4, BUF), 0);
	ck_assert_int_eq(fw_cfg_get_item(fw, 0x20, now, sizeof(now)), 256);
	ck_assert_mem_eq(now + 10, "WXYZ", 4);
	ck_assert_mem_eq(now, item, 10);
	ck_assert_mem_eq(now + 14, item + 14, 256 - 14);
	/* The offset moved on: the next byte read is item[14]. */
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_READ, 1, BUF + 100), 0);
	ck_assert_uint_eq(ram(BUF + 100, 1)[0], item[14]);
	/* Past the end: ERROR, nothing written. */
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_WRITE, 256, BUF), FW_CFG_DMA_CTL_ERROR);
	ck_assert_int_eq(fw_cfg_get_item(fw, 0x20, now, sizeof(now)), 256);
	ck_assert_mem_eq(now + 15, item + 15, 256 - 15);
}
END_TEST

START_TEST(dma_write_read_only)
{
	uint8_t now[256];

	add_pattern_item(false);
	sel(0x20);
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_WRITE, 4, BUF), FW_CFG_DMA_CTL_ERROR);
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_WRITE, 0, BUF), FW_CFG_DMA_CTL_ERROR);
	fw_cfg_get_item(fw, 0x20, now, sizeof(now));
	ck_assert_mem_eq(now, item, sizeof(item));
	/* Numbered items are read-only too. */
	sel(FW_CFG_SIGNATURE);
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_WRITE, 4, BUF), FW_CFG_DMA_CTL_ERROR);
	sel(FW_CFG_SIGNATURE);
	ck_assert_uint_eq(rd32(), 0x554D4551);
}
END_TEST

START_TEST(dma_descriptor_outside_ram)
{
	ck_assert_int_eq(fw_cfg_dma(fw, RAM), -EFAULT);
	ck_assert_int_eq(fw_cfg_dma(fw, RAM - 8), -EFAULT);   /* straddles the end */
	ck_assert_int_eq(fw_cfg_dma(fw, 0xfffffffffffffff8ULL), -EFAULT); /* wraps */
	ck_assert_int_eq(fw_cfg_dma(fw, MMIO_HOLE_START), -EFAULT);
	/* Through the port: nothing happens, nothing crashes. */
	kick(RAM - 8);
	/* A fw_cfg without guest memory rejects everything. */
	{
		struct fw_cfg *none = fw_cfg_new(NULL);

		ck_assert_ptr_nonnull(none);
		ck_assert_int_eq(fw_cfg_dma(none, DESC), -EFAULT);
		fw_cfg_free(none);
	}
}
END_TEST

START_TEST(dma_buffer_outside_ram)
{
	uint8_t b;

	add_pattern_item(true);
	sel(0x20);
	/* Length runs past the end of RAM. */
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_READ, 0x2000, RAM - 0x1000), FW_CFG_DMA_CTL_ERROR);
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_READ, 0xffffffffu, BUF), FW_CFG_DMA_CTL_ERROR);
	/* address + length wraps around 2^64. */
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_READ, 0x20, 0xfffffffffffffff0ULL), FW_CFG_DMA_CTL_ERROR);
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_WRITE, 0x20, 0xfffffffffffffff0ULL), FW_CFG_DMA_CTL_ERROR);
	/* In the MMIO hole. */
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_READ, 4, MMIO_HOLE_START), FW_CFG_DMA_CTL_ERROR);
	/* None of them moved the offset. */
	rd(&b, 1);
	ck_assert_uint_eq(b, item[0]);
}
END_TEST

START_TEST(dma_bad_control)
{
	uint8_t b;

	add_pattern_item(true);
	sel(0x20);
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_READ | 0x20, 1, BUF), FW_CFG_DMA_CTL_ERROR);
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_READ | 0x8000, 1, BUF), FW_CFG_DMA_CTL_ERROR);
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_READ | FW_CFG_DMA_CTL_ERROR, 1, BUF),
			  FW_CFG_DMA_CTL_ERROR);
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_READ | FW_CFG_DMA_CTL_WRITE, 1, BUF),
			  FW_CFG_DMA_CTL_ERROR);
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_READ | FW_CFG_DMA_CTL_SKIP, 1, BUF),
			  FW_CFG_DMA_CTL_ERROR);
	/* A rejected SELECT does not select. */
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_SELECT | 0x40 | (1u << 16), 0, 0),
			  FW_CFG_DMA_CTL_ERROR);
	rd(&b, 1);
	ck_assert_uint_eq(b, item[0]);
}
END_TEST

START_TEST(dma_register_widths)
{
	uint64_t be = htobe64(DESC);
	uint8_t *p = (uint8_t *)&be;

	add_pattern_item(false);
	sel(0x20);
	/* Byte by byte: the last byte triggers. */
	put_desc(DESC, FW_CFG_DMA_CTL_READ, 2, BUF);
	for (int i = 0; i < 8; i++)
		fw_cfg_io_write(fw, FW_CFG_PORT_DMA + (uint64_t)i, p + i, 1);
	ck_assert_uint_eq(desc_ctl(DESC), 0);
	ck_assert_mem_eq(ram(BUF, 2), item, 2);
	/* The register cleared itself: the low half alone is enough now. */
	put_desc(DESC, FW_CFG_DMA_CTL_READ, 2, BUF);
	fw_cfg_io_write(fw, FW_CFG_PORT_DMA + 4, p + 4, 4);
	ck_assert_uint_eq(desc_ctl(DESC), 0);
	ck_assert_mem_eq(ram(BUF, 2), item + 2, 2);
	/* 16-bit halves; the high half alone does not trigger. */
	put_desc(DESC, FW_CFG_DMA_CTL_READ, 2, BUF);
	fw_cfg_io_write(fw, FW_CFG_PORT_DMA, p, 4);
	ck_assert_uint_eq(desc_ctl(DESC), FW_CFG_DMA_CTL_READ);
	fw_cfg_io_write(fw, FW_CFG_PORT_DMA + 4, p + 4, 2);
	ck_assert_uint_eq(desc_ctl(DESC), FW_CFG_DMA_CTL_READ);
	fw_cfg_io_write(fw, FW_CFG_PORT_DMA + 6, p + 6, 2);
	ck_assert_uint_eq(desc_ctl(DESC), 0);
	ck_assert_mem_eq(ram(BUF, 2), item + 4, 2);
	/* One 64-bit access. */
	put_desc(DESC, FW_CFG_DMA_CTL_READ, 2, BUF);
	fw_cfg_io_write(fw, FW_CFG_PORT_DMA, p, 8);
	ck_assert_uint_eq(desc_ctl(DESC), 0);
	ck_assert_mem_eq(ram(BUF, 2), item + 6, 2);
}
END_TEST

/* Two vCPU threads, one lock: each runs whole select+DMA sequences
 * through its own descriptor while the host adds files. */
struct reader_arg {
	uint64_t desc, buf;
	int bad;
};

static void *reader(void *opaque)
{
	struct reader_arg *a = opaque;

	for (int i = 0; i < 2000; i++) {
		put_desc(a->desc, FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ | (0x20u << 16),
			 sizeof(item), a->buf);
		fw_cfg_dma(fw, a->desc);
		if (memcmp(gmem_ptr(&mem, a->buf, sizeof(item)), item, sizeof(item)))
			a->bad++;
	}
	return NULL;
}

START_TEST(concurrent_dma)
{
	struct reader_arg a[2] = { { DESC, BUF, 0 }, { DESC + 16, BUF + 0x1000, 0 } };
	pthread_t t[2];
	char name[32];

	add_pattern_item(false);
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, reader, &a[i]), 0);
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "etc/x%d", i);
		ck_assert_int_ge(fw_cfg_set_file_str(fw, name, "y"), 0);
	}
	for (int i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(a[i].bad, 0);
	}
}
END_TEST

/* --------------------------------------------------- boot content */

START_TEST(e820_layout)
{
	struct guest_mem low = { .size = 512 * MiB, .low_size = 512 * MiB };
	struct guest_mem split = { .size = 4 * GiB, .low_size = MMIO_HOLE_START,
				   .high_size = 4 * GiB - MMIO_HOLE_START };
	struct fw_cfg_e820_entry e[2], got[3];

	ck_assert_uint_eq(fw_cfg_e820_build(&low, e, 2), 1);
	ck_assert_uint_eq(e[0].address, 0);
	ck_assert_uint_eq(e[0].length, 512 * MiB);
	ck_assert_uint_eq(e[0].type, 1);
	ck_assert_uint_eq(fw_cfg_e820_build(&split, e, 2), 2);
	ck_assert_uint_eq(e[0].length, MMIO_HOLE_START);
	ck_assert_uint_eq(e[1].address, 4 * GiB);
	ck_assert_uint_eq(e[1].length, 4 * GiB - MMIO_HOLE_START);
	ck_assert_uint_eq(e[1].type, 1);
	ck_assert_uint_eq(fw_cfg_e820_build(&split, e, 1), 1);
	/* Published as packed 20-byte entries. */
	ck_assert_int_eq(fw_cfg_set_e820(fw, &split), 0);
	ck_assert_int_eq(fw_cfg_get_item(fw, (uint16_t)fw_cfg_find_file(fw, "etc/e820"),
					 got, sizeof(got)), 40);
	ck_assert_mem_eq(got, e, 40);
	ck_assert_uint_eq(got[1].address, 4 * GiB);
	ck_assert_uint_eq(((uint8_t *)got)[20 + 0], 0);
	ck_assert_uint_eq(((uint8_t *)got)[20 + 4], 1); /* 4 GiB, little-endian */
}
END_TEST

static uint32_t item_u32(uint16_t key)
{
	uint32_t v = 0;

	ck_assert_int_eq(fw_cfg_get_item(fw, key, &v, 4), 4);
	return le32toh(v);
}

START_TEST(kernel_items)
{
	static uint8_t bz[8192], blob[8192];
	const uint8_t initrd[5] = "INITR";
	char cl[32];

	fill_pattern(bz, sizeof(bz));
	bz[0x1f1] = 2; /* setup_sects: (2 + 1) * 512 bytes of setup */
	memcpy(bz + 0x202, "HdrS", 4);
	ck_assert_int_eq(fw_cfg_set_kernel(fw, bz, sizeof(bz), initrd, 5, "console=ttyS0"), 0);
	ck_assert_uint_eq(item_u32(FW_CFG_SETUP_SIZE), 1536);
	ck_assert_uint_eq(item_u32(FW_CFG_KERNEL_SIZE), sizeof(bz) - 1536);
	ck_assert_int_eq(fw_cfg_get_item(fw, FW_CFG_SETUP_DATA, blob, sizeof(blob)), 1536);
	ck_assert_mem_eq(blob, bz, 1536);
	ck_assert_int_eq(fw_cfg_get_item(fw, FW_CFG_KERNEL_DATA, blob, sizeof(blob)),
			 sizeof(bz) - 1536);
	ck_assert_mem_eq(blob, bz + 1536, sizeof(bz) - 1536);
	ck_assert_uint_eq(item_u32(FW_CFG_INITRD_SIZE), 5);
	ck_assert_uint_eq(item_u32(FW_CFG_CMDLINE_SIZE), 14); /* with the NUL */
	ck_assert_int_eq(fw_cfg_get_item(fw, FW_CFG_CMDLINE_DATA, cl, sizeof(cl)), 14);
	ck_assert_mem_eq(cl, "console=ttyS0", 14);

	/* setup_sects 0 means 4; not a bzImage: whole, setup size 0. */
	bz[0x1f1] = 0;
	ck_assert_int_eq(fw_cfg_set_kernel(fw, bz, sizeof(bz), NULL, 0, NULL), 0);
	ck_assert_uint_eq(item_u32(FW_CFG_SETUP_SIZE), 5 * 512);
	memset(bz + 0x202, 0, 4);
	ck_assert_int_eq(fw_cfg_set_kernel(fw, bz, sizeof(bz), NULL, 0, NULL), 0);
	ck_assert_uint_eq(item_u32(FW_CFG_SETUP_SIZE), 0);
	ck_assert_uint_eq(item_u32(FW_CFG_KERNEL_SIZE), sizeof(bz));
	ck_assert_uint_eq(item_u32(FW_CFG_INITRD_SIZE), 0);
	ck_assert_uint_eq(item_u32(FW_CFG_CMDLINE_SIZE), 1);
	ck_assert_int_eq(fw_cfg_get_item(fw, FW_CFG_CMDLINE_DATA, cl, sizeof(cl)), 1);
	ck_assert_uint_eq(cl[0], 0);
	/* The cmdline alone can be replaced afterwards. */
	ck_assert_int_eq(fw_cfg_set_cmdline(fw, "quiet"), 0);
	ck_assert_uint_eq(item_u32(FW_CFG_CMDLINE_SIZE), 6);
	ck_assert_int_eq(fw_cfg_get_item(fw, FW_CFG_CMDLINE_DATA, cl, sizeof(cl)), 6);
	ck_assert_str_eq(cl, "quiet");
	ck_assert_uint_eq(item_u32(FW_CFG_KERNEL_SIZE), sizeof(bz));
}
END_TEST

START_TEST(defaults)
{
	static const char *const net[] = {
		"opt/org.tianocore/IPv4Support", "opt/org.tianocore/IPv6Support",
		"opt/org.tianocore/IPv4PXESupport", "opt/org.tianocore/IPv6PXESupport",
	};
	uint16_t n = 0;
	char v[4];

	ck_assert_int_eq(fw_cfg_set_defaults(fw, 4), 0);
	ck_assert_int_eq(fw_cfg_get_item(fw, FW_CFG_NB_CPUS, &n, sizeof(n)), 2);
	ck_assert_uint_eq(le16toh(n), 4);
	for (size_t i = 0; i < ARRAY_SIZE(net); i++) {
		int key = fw_cfg_find_file(fw, net[i]);

		ck_assert_int_ge(key, FW_CFG_FILE_FIRST);
		ck_assert_int_eq(fw_cfg_get_item(fw, (uint16_t)key, v, sizeof(v)), 1);
		ck_assert_uint_eq(v[0], 'n');
	}
	ck_assert_int_eq(fw_cfg_set_defaults(fw, 70000), -EINVAL);
}
END_TEST

static Suite *fw_cfg_suite(void)
{
	Suite *s = suite_create("fw_cfg");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, probe_like_ovmf);
	tcase_add_test(tc, directory_sorted_keys_stable);
	tcase_add_test(tc, set_rules);
	tcase_add_test(tc, data_port_end_and_unknown);
	tcase_add_test(tc, selector_and_register_reads);
	tcase_add_test(tc, dma_read_skip_continue);
	tcase_add_test(tc, dma_select_bit);
	tcase_add_test(tc, dma_select_unknown_key);
	tcase_add_test(tc, dma_write);
	tcase_add_test(tc, dma_write_read_only);
	tcase_add_test(tc, dma_descriptor_outside_ram);
	tcase_add_test(tc, dma_buffer_outside_ram);
	tcase_add_test(tc, dma_bad_control);
	tcase_add_test(tc, dma_register_widths);
	tcase_add_test(tc, concurrent_dma);
	tcase_add_test(tc, e820_layout);
	tcase_add_test(tc, kernel_items);
	tcase_add_test(tc, defaults);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(fw_cfg_suite)
