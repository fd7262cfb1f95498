// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: arbitrary bytes as a hostile virtio driver.
 *
 * Byte 0 picks the mode and the queue shape; the rest is copied into
 * guest RAM from GPA 0 (descriptor table at 0, driver ring at 0x1000,
 * device ring at 0x2000, buffers after), so descriptors, ring indices,
 * request headers and buffer addresses are all the fuzzer's:
 *   - bit 7 clear: the virtio-blk queue is served (virtq_pop + blk_handle
 *     + virtq_push) against a scratch raw image, as the device thread does;
 *   - bit 7 set: the bytes after the RAM image are a script of BAR writes
 *     and reads (offset, width, value) for the virtio PCI transport, with
 *     queue notifications served the same way.
 * Invariants: nothing reads or writes outside RAM or the input (ASan),
 * the used index only moves by the number of completed requests, and an
 * enabled queue is always one virtq_setup accepted.
 *
 *   make build/fuzz/fuzz_virtio_blk && build/fuzz/fuzz_virtio_blk -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guest_mem.h"
#include "virtio/blk.h"
#include "virtio/virtio_pci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM (16ULL << 20)
#define IMAGE_MAX 0x10000 /* bytes of RAM the input may fill */
#define FUZZ_VECTORS 2

static struct guest_mem mem;
static struct blk_disk disk;
static struct virtq_chain chain;
static struct virtio_pci vp;
static unsigned int kicks;

static void f_cfg_read(void *o, uint64_t off, uint8_t *d, unsigned int len)
{
	blk_cfg_read(&disk, off, d, len);
}

static void f_notify(void *o, unsigned int q)
{
	kicks++;
}

static void f_msi_set(void *o, unsigned int v, uint64_t a, uint32_t d, bool masked)
{
}

static void f_msi_fire(void *o, unsigned int v)
{
	if (v >= FUZZ_VECTORS)
		abort();
}

static const struct vpci_ops f_ops = { .cfg_read = f_cfg_read, .notify = f_notify };
static const struct vpci_irq_ops f_irq = { .msi_set = f_msi_set, .msi_fire = f_msi_fire };

static int init_once(void)
{
	char path[] = "/tmp/hvmm-fuzz-blk-XXXXXX";
	int fd;

	if (gmem_init(&mem, RAM))
		return -1;
	fd = mkstemp(path);
	if (fd < 0 || ftruncate(fd, 64 * 512))
		return -1;
	close(fd);
	if (blk_open(&disk, path, false))
		return -1;
	unlink(path);
	return 0;
}

/* Serve q as the device thread does; check the used index moved by exactly n. */
static void serve(struct virtq *q)
{
	uint16_t before = q->used_idx;
	int n = blk_serve(&disk, q, &chain, q->size);

	if (n < 0 || (uint16_t)(q->used_idx - before) != n)
		abort();
}

static void run_queue(uint8_t shape)
{
	struct virtq q;
	uint16_t size = (uint16_t)(1u << (shape & 7)); /* 1..128 */

	if (virtq_setup(&q, &mem, size, 0, 0x1000, 0x2000, shape & 8))
		abort(); /* these rings are always valid */
	serve(&q);
}

static uint64_t take(const uint8_t **p, const uint8_t *end, unsigned int n)
{
	uint64_t v = 0;

	n = (unsigned int)(end - *p < n ? end - *p : n);
	memcpy(&v, *p, n);
	*p += n;
	return v;
}

static void run_transport(const uint8_t *p, const uint8_t *end)
{
	static const unsigned int widths[] = { 1, 2, 4, 8 };

	if (vpci_init(&vp, &mem, blk_features(&disk), 1, 128, FUZZ_VECTORS, &f_ops, NULL,
		      &f_irq, NULL))
		abort();
	while (p < end) {
		uint8_t op = (uint8_t)take(&p, end, 1);
		uint64_t off = take(&p, end, 2) % VPCI_BAR_SIZE;
		unsigned int len = widths[op & 3];
		uint64_t val = take(&p, end, len);

		off &= ~(uint64_t)(len - 1);
		if (op & 0x80) {
			uint8_t b[8];

			vpci_bar_read(&vp, off, b, len);
		} else if (op & 0x40) {
			vpci_msix_control(&vp, op & 0x20, op & 0x10);
		} else {
			vpci_bar_write(&vp, off, (uint8_t *)&val, len);
		}
		if (vp.q[0].enabled && vp.q[0].vq.size != vp.q[0].size)
			abort();
		if (kicks) {
			struct virtq *q;

			kicks = 0;
			pthread_mutex_lock(&vp.io_lock);
			q = vpci_queue_get(&vp, 0);
			if (q) {
				serve(q);
				vpci_queue_interrupt(&vp, 0);
				if (q->broken)
					vpci_needs_reset(&vp);
			}
			pthread_mutex_unlock(&vp.io_lock);
		}
	}
	vpci_destroy(&vp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	size_t img;

	if (!ready) {
		if (init_once())
			abort();
		ready = 1;
	}
	if (size < 1)
		return 0;
	memset(mem.host, 0, IMAGE_MAX);
	img = size - 1 < IMAGE_MAX ? size - 1 : IMAGE_MAX;
	if (data[0] & 0x80) {
		/* Half the bytes for RAM, half for the register script. */
		img /= 2;
		memcpy(mem.host, data + 1, img);
		run_transport(data + 1 + img, data + size);
	} else {
		memcpy(mem.host, data + 1, img);
		run_queue(data[0]);
	}
	return 0;
}
