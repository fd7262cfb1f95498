/* SPDX-License-Identifier: MIT */
/*
 * A scripted virtio driver for the device side of a split virtqueue:
 * rings in a gmem_init() RAM, chains built descriptor by descriptor,
 * as Linux's drivers/virtio/virtio_ring.c lays them out. Shared by
 * tests/unit/test_virtqueue.c, test_virtio_blk.c and
 * fuzz/fuzz_virtio_blk.c; plain functions, no Check.
 */
#ifndef HVMM_VIRTQ_FAKE_DRIVER_H
#define HVMM_VIRTQ_FAKE_DRIVER_H

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "guest_mem.h"
#include "virtio/virtqueue.h"

#define FD_RAM (2ULL << 30) /* mapped lazily: room for a request above BLK_MAX_REQ_BYTES */
#define FD_DESC 0x1000ULL    /* descriptor table */
#define FD_AVAIL 0x3000ULL
#define FD_USED 0x4000ULL
#define FD_INDIRECT 0x8000ULL /* indirect tables */
#define FD_DATA 0x100000ULL  /* buffers */

struct fake_driver {
	struct guest_mem mem;
	uint16_t size;
	uint16_t avail_idx;
	uint16_t used_seen;
};

static inline struct virtq_desc *fd_desc(struct fake_driver *f, unsigned int i)
{
	return (struct virtq_desc *)gmem_ptr(&f->mem, FD_DESC + 16ULL * i, 16);
}

static inline uint16_t *fd_avail(struct fake_driver *f)
{
	return gmem_ptr(&f->mem, FD_AVAIL, 6 + 2ULL * f->size);
}

static inline uint16_t *fd_used(struct fake_driver *f)
{
	return gmem_ptr(&f->mem, FD_USED, 6 + 8ULL * f->size);
}

static inline void *fd_buf(struct fake_driver *f, uint64_t gpa, uint64_t len)
{
	return gmem_ptr(&f->mem, gpa, len);
}

static inline int fd_init(struct fake_driver *f, uint16_t size)
{
	memset(f, 0, sizeof(*f));
	f->size = size;
	return gmem_init(&f->mem, FD_RAM);
}

static inline void fd_free(struct fake_driver *f)
{
	gmem_free(&f->mem);
}

static inline void fd_set_desc(struct fake_driver *f, unsigned int i, uint64_t addr,
			       uint32_t len, uint16_t flags, uint16_t next)
{
	struct virtq_desc d = { .addr = addr, .len = len, .flags = flags, .next = next };

	memcpy(fd_desc(f, i), &d, sizeof(d));
}

/* Make head available and publish the new index. */
static inline void fd_publish(struct fake_driver *f, uint16_t head)
{
	uint16_t *a = fd_avail(f);

	a[2 + f->avail_idx % f->size] = head;
	f->avail_idx++;
	__atomic_store_n(&a[1], f->avail_idx, __ATOMIC_RELEASE);
}

/* The next used element, or -1 if none. */
static inline int fd_take_used(struct fake_driver *f, uint32_t *id, uint32_t *len)
{
	uint16_t *u = fd_used(f);
	struct virtq_used_elem e;

	if (__atomic_load_n(&u[1], __ATOMIC_ACQUIRE) == f->used_seen)
		return -1;
	memcpy(&e, (uint8_t *)(u + 2) + 8 * (f->used_seen % f->size), sizeof(e));
	f->used_seen++;
	*id = e.id;
	*len = e.len;
	return 0;
}

static inline int fd_setup_queue(struct fake_driver *f, struct virtq *q, bool indirect)
{
	return virtq_setup(q, &f->mem, f->size, FD_DESC, FD_AVAIL, FD_USED, indirect);
}

#endif
