// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for the fw_cfg core (firmware/fw_cfg.c): a hostile
 * guest with arbitrary RAM contents and an arbitrary sequence of port
 * accesses, DMA descriptors and host-side file updates.
 *
 * Guest RAM is a fake guest_mem over one exactly-sized heap buffer: 64
 * KiB "low" RAM at 0 and 4 KiB "high" RAM at 4 GiB, so ASan sees any
 * access gmem_ptr's bounds did not cover, on both sides of the hole.
 * The input's first bytes fill low RAM (so descriptors found there are
 * arbitrary); the rest is a script of steps [op, ...arguments].
 * Checked after every step:
 *  - fw_cfg_dma() returns -EFAULT or the control value it wrote back,
 *    which is 0 or ERROR;
 *  - the directory is well formed: count, each entry's key selects a
 *    file of the listed size, names NUL-terminated and sorted;
 *  - the read-only file's content never changes.
 *
 * Build and run: make fuzz (FUZZ_SECONDS each), or
 *   make build/fuzz/fuzz_fw_cfg_dma && build/fuzz/fuzz_fw_cfg_dma -max_total_time=60
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw_cfg.h"
#include "guest_mem.h"
#include "layout.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define LOW (64u << 10)
#define HIGH (4u << 10)

static const uint8_t ro_content[] = "read-only content, never written";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_level = -1; /* bad descriptors log on purpose */
	return 0;
}

struct in {
	const uint8_t *p;
	size_t n;
};

static uint8_t u8(struct in *in)
{
	uint8_t v = 0;

	if (in->n) {
		v = *in->p++;
		in->n--;
	}
	return v;
}

static void take(struct in *in, void *dst, size_t len)
{
	for (size_t i = 0; i < len; i++)
		((uint8_t *)dst)[i] = u8(in);
}

/* Addresses near the interesting edges: RAM ends, the hole, 2^64. */
static uint64_t addr(struct in *in)
{
	static const uint64_t base[] = {
		0, LOW - 64, LOW, MMIO_HOLE_END - 16, MMIO_HOLE_END,
		MMIO_HOLE_END + HIGH - 64, 0xfffffffffffffff0ULL, 0x1000,
	};
	uint8_t sel = u8(in);
	uint64_t off = u8(in) | (uint64_t)u8(in) << 8;

	return base[sel & 7] + ((sel & 8) ? off : (off & 0x3f));
}

static void check_dir(struct fw_cfg *fw)
{
	static uint8_t dir[4 + FW_CFG_MAX_FILES * FW_CFG_DIR_ENTRY_SIZE];
	static uint8_t body[4096];
	const char *prev = NULL;
	long n = fw_cfg_get_item(fw, FW_CFG_FILE_DIR, dir, sizeof(dir));
	uint32_t count;

	if (n < 4)
		abort();
	memcpy(&count, dir, 4);
	count = be32toh(count);
	if ((size_t)n != 4 + (size_t)count * FW_CFG_DIR_ENTRY_SIZE)
		abort();
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *e = dir + 4 + (size_t)i * FW_CFG_DIR_ENTRY_SIZE;
		const char *name = (const char *)e + 8;
		uint32_t fsize;
		uint16_t key;

		memcpy(&fsize, e, 4);
		memcpy(&key, e + 4, 2);
		if (!memchr(name, 0, FW_CFG_NAME_SIZE) || (prev && strcmp(prev, name) >= 0))
			abort();
		if (fw_cfg_get_item(fw, be16toh(key), body, sizeof(body)) != (long)be32toh(fsize))
			abort();
		if (!strcmp(name, "ro") && memcmp(body, ro_content, sizeof(ro_content)))
			abort();
		prev = name;
	}
}

static void step(struct fw_cfg *fw, struct guest_mem *m, struct in *in)
{
	uint8_t op = u8(in), buf[16];
	uint64_t a;
	int ret;

	switch (op % 6) {
	case 0: { /* select: mostly keys that exist */
		uint16_t key = (op & 0x80) ? (uint16_t)(u8(in) | u8(in) << 8) : (u8(in) & 0x3f);

		key = htole16(key);
		fw_cfg_io_write(fw, FW_CFG_PORT_SEL, (uint8_t *)&key, 2);
		break;
	}
	case 1: /* port read anywhere in (and just past) the window */
		fw_cfg_io_read(fw, u8(in) % (FW_CFG_PORT_LEN + 2), buf, 1u << (u8(in) & 3));
		break;
	case 2: { /* port write, any width, any offset */
		unsigned int len = 1u << (u8(in) & 3);

		take(in, buf, len);
		fw_cfg_io_write(fw, u8(in) % (FW_CFG_PORT_LEN + 2), buf, len);
		break;
	}
	case 3: /* a descriptor from the input, at an edgy address */
		a = addr(in);
		take(in, buf, 16);
		if (op & 0x40) { /* bias toward valid control words */
			buf[0] = buf[1] = 0;
			buf[2] &= 0x7f;
			buf[3] &= 0x1e;
		}
		if (op & 0x20) { /* and toward buffers that end at a RAM edge */
			uint64_t baddr = htobe64(addr(in));
			uint32_t blen = htobe32(u8(in));

			memcpy(buf + 4, &blen, 4);
			memcpy(buf + 8, &baddr, 8);
		}
		gmem_write(m, a, buf, 16);
		ret = fw_cfg_dma(fw, a);
		if (ret == -EFAULT) {
			if (gmem_ptr(m, a, 16))
				abort();
		} else {
			uint32_t ctl;

			if (ret != 0 && ret != FW_CFG_DMA_CTL_ERROR)
				abort();
			if (gmem_read(m, a, &ctl, 4) || be32toh(ctl) != (uint32_t)ret)
				abort();
		}
		break;
	case 4: { /* kick through the ports with a raw address */
		uint64_t be = htobe64(addr(in));

		fw_cfg_io_write(fw, FW_CFG_PORT_DMA, (uint8_t *)&be, 4);
		fw_cfg_io_write(fw, FW_CFG_PORT_DMA + 4, (uint8_t *)&be + 4, 4);
		break;
	}
	case 5: { /* the host adds or resizes a file meanwhile */
		char name[8];
		size_t len = u8(in);

		snprintf(name, sizeof(name), "f%u", u8(in) & 7);
		take(in, buf, MIN(len, sizeof(buf)));
		ret = fw_cfg_set_file(fw, name, len <= sizeof(buf) ? buf : ro_content,
				      MIN(len, sizeof(ro_content)), op & 0x40);
		if (ret < FW_CFG_FILE_FIRST)
			abort();
		break;
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	struct guest_mem m;
	struct fw_cfg *fw;
	uint8_t *ram = calloc(1, LOW + HIGH);
	uint8_t rw[64] = { 0 };
	unsigned int steps = 0;

	if (!ram)
		return 0;
	m = (struct guest_mem){ .host = ram, .size = LOW + HIGH, .low_size = LOW,
				.high_size = HIGH };
	take(&in, ram, MIN((size_t)LOW, (size_t)u8(&in) * 16));
	fw = fw_cfg_new(&m);
	if (!fw)
		abort();
	if (fw_cfg_set_file(fw, "ro", ro_content, sizeof(ro_content), false) < 0 ||
	    fw_cfg_set_file(fw, "rw", rw, sizeof(rw), true) < 0 ||
	    fw_cfg_set_file(fw, "empty", NULL, 0, true) < 0 ||
	    fw_cfg_set_u16(fw, FW_CFG_NB_CPUS, 2) || fw_cfg_set_item(fw, FW_CFG_KERNEL_DATA, rw, 3))
		abort();
	while (in.n && steps++ < 512) {
		step(fw, &m, &in);
		check_dir(fw);
	}
	fw_cfg_free(fw);
	free(ram);
	return 0;
}
