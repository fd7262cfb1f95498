/* SPDX-License-Identifier: MIT */
/*
 * Split virtqueues (virtio 1.x, section 2.6 "Split Virtqueues"), device
 * side. The descriptor table, the driver ("avail") ring and the device
 * ("used") ring live in guest RAM; every value read from them is guest
 * controlled and validated here before anything uses it. Layouts follow
 * Linux's include/uapi/linux/virtio_ring.h.
 *
 * What a chain may look like (anything else is a bad chain):
 *  - a head index < queue size; `next` indices < the table's length;
 *  - at most `size` descriptors in the ring table, or `n` in an indirect
 *    table of n entries: a longer walk has met a loop;
 *  - VIRTQ_DESC_F_INDIRECT only on the head descriptor (as QEMU's
 *    virtqueue_split_pop), only if negotiated, with a length that is a
 *    non-zero multiple of 16 and at most VIRTQ_MAX_INDIRECT entries, the
 *    table wholly in RAM, and no INDIRECT flag inside it;
 *  - every device-writable descriptor after every device-readable one.
 *
 * A data descriptor whose buffer is not in RAM does not break the chain:
 * its segment has host == NULL and the device decides (virtio-blk
 * answers IOERR). A walk that cannot finish (loop, index out of range,
 * bad indirect table) or an avail index that runs more than `size` ahead
 * breaks the queue: virtq_pop() returns -EIO from then on and the
 * transport sets DEVICE_NEEDS_RESET.
 *
 * Threads: one thread at a time per queue (the device thread); the
 * transport sets the queue up and resets it under its own locks.
 */
#ifndef HVMM_VIRTQUEUE_H
#define HVMM_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>

struct guest_mem;

#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_DESC_F_INDIRECT 4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

#define VIRTQ_MAX_SIZE 256       /* largest queue the device offers */
#define VIRTQ_MAX_INDIRECT 256   /* entries in one indirect table */
#define VIRTQ_MAX_SEGS 256       /* so a chain never has more segments */

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
_Static_assert(sizeof(struct virtq_desc) == 16, "virtq_desc layout");

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};
_Static_assert(sizeof(struct virtq_used_elem) == 8, "virtq_used_elem layout");

struct virtq {
	const struct guest_mem *mem;
	uint16_t size;              /* 0: not set up */
	bool indirect;              /* VIRTIO_F_RING_INDIRECT_DESC negotiated */
	struct virtq_desc *desc;    /* host pointers, validated by virtq_setup */
	uint16_t *avail;            /* flags, idx, ring[size] */
	uint16_t *used;             /* flags, idx, then elems */
	uint16_t last_avail;        /* next avail entry to take */
	uint16_t used_idx;          /* our copy of used->idx */
	bool broken;
};

/* One buffer of a chain. host is NULL if [gpa, gpa+len) is not RAM. */
struct virtq_seg {
	uint64_t gpa;
	void *host;
	uint32_t len;
	bool write;
};

struct virtq_chain {
	uint16_t head;
	/*
	 * Set when the chain was walked to its end but breaks a rule (order,
	 * too many segments): the device must not use the segments and
	 * answers an error through `last`, if it can.
	 */
	const char *bad;
	struct virtq_seg last;      /* the chain's final descriptor */
	unsigned int nr;            /* segments, readable ones first */
	unsigned int nr_read;       /* how many are device-readable */
	uint64_t read_len, write_len;
	struct virtq_seg seg[VIRTQ_MAX_SEGS]; /* last: virtq_pop clears only what precedes */
};

/*
 * Set q up for `size` entries at the given guest addresses. Validates
 * size (power of two, 1..VIRTQ_MAX_SIZE), alignment (16/2/4) and that
 * the three areas are wholly in RAM. 0 or -EINVAL (q left unset).
 */
int virtq_setup(struct virtq *q, const struct guest_mem *m, uint16_t size,
		uint64_t desc, uint64_t avail, uint64_t used, bool indirect);
void virtq_reset(struct virtq *q);

/*
 * Take the next available chain into *c. Returns 1 (a chain), 0 (none
 * available), -EIO (the queue is broken; logged once per break).
 */
int virtq_pop(struct virtq *q, struct virtq_chain *c);

/* Put chain `head` in the used ring with `len` bytes written. */
void virtq_push(struct virtq *q, uint16_t head, uint32_t len);

/* Whether the driver wants an interrupt now (VIRTQ_AVAIL_F_NO_INTERRUPT). */
bool virtq_want_interrupt(const struct virtq *q);

/* Mark q broken (a device-level error that leaves no status to write). */
void virtq_break(struct virtq *q, const char *why);

#endif
