// SPDX-License-Identifier: MIT
/*
 * Split virtqueue, device side (contract in virtqueue.h). Ring layout
 * and flags: Linux include/uapi/linux/virtio_ring.h; walk rules: virtio
 * 1.x section 2.6.5 (the chain), 2.6.5.3 (indirect descriptors), QEMU's
 * virtqueue_split_pop for what a device rejects. Guest and host are both
 * little-endian x86, so ring fields are used as they are.
 */
#include "virtqueue.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "guest_mem.h"
#include "util.h"

#define AVAIL_FLAGS 0
#define AVAIL_IDX 1
#define AVAIL_RING 2
#define USED_FLAGS 0
#define USED_IDX 1

static bool is_pow2(unsigned int v)
{
	return v && !(v & (v - 1));
}

int virtq_setup(struct virtq *q, const struct guest_mem *m, uint16_t size,
		uint64_t desc, uint64_t avail, uint64_t used, bool indirect)
{
	void *d, *a, *u;

	virtq_reset(q);
	if (!is_pow2(size) || size > VIRTQ_MAX_SIZE)
		return -EINVAL;
	if (desc % 16 || avail % 2 || used % 4)
		return -EINVAL;
	/* Section 2.6: desc 16*size, avail 6+2*size, used 6+8*size (with the event words). */
	d = gmem_ptr(m, desc, 16ULL * size);
	a = gmem_ptr(m, avail, 6 + 2ULL * size);
	u = gmem_ptr(m, used, 6 + 8ULL * size);
	if (!d || !a || !u)
		return -EINVAL;
	q->mem = m;
	q->size = size;
	q->indirect = indirect;
	q->desc = d;
	q->avail = a;
	q->used = u;
	return 0;
}

void virtq_reset(struct virtq *q)
{
	memset(q, 0, sizeof(*q));
}

void virtq_break(struct virtq *q, const char *why)
{
	if (!q->broken)
		pr_err_rl("virtq: queue broken: %s", why);
	q->broken = true;
}

/* One descriptor, read once: the guest may change it under us. */
static struct virtq_desc desc_read(const struct virtq_desc *table, unsigned int i)
{
	struct virtq_desc d;

	memcpy(&d, (const void *)&table[i], sizeof(d));
	return d;
}

/*
 * Append one data descriptor. Returns 0 or a reason the chain is bad
 * (but still walkable: the device may still answer through its status).
 */
static const char *chain_add(struct virtq *q, struct virtq_chain *c, const struct virtq_desc *d)
{
	struct virtq_seg *s;
	bool w = d->flags & VIRTQ_DESC_F_WRITE;

	c->last.gpa = d->addr;
	c->last.len = d->len;
	c->last.write = w;
	c->last.host = d->len ? gmem_ptr(q->mem, d->addr, d->len) : NULL;
	if (c->nr == VIRTQ_MAX_SEGS)
		return "too many segments";
	if (!w && c->nr > c->nr_read)
		return "readable descriptor after a writable one";
	s = &c->seg[c->nr++];
	/* Zero-length buffers have no host address; they are legal and empty. */
	*s = c->last;
	if (w)
		c->write_len += d->len;
	else {
		c->nr_read++;
		c->read_len += d->len;
	}
	return NULL;
}

/*
 * Walk the chain at `i` in `table` (n entries). Returns NULL, or why the
 * walk could not finish (the queue breaks). *bad collects why a finished
 * chain is still malformed.
 */
static const char *chain_walk(struct virtq *q, struct virtq_chain *c, const struct virtq_desc *table,
			      unsigned int n, unsigned int i, bool nested, const char **bad)
{
	unsigned int steps;
	struct virtq_desc d;

	for (steps = 0;; steps++) {
		const char *why;

		if (i >= n)
			return "descriptor index out of range";
		if (steps >= n)
			return "descriptor chain loops";
		d = desc_read(table, i);
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			const struct virtq_desc *t;
			unsigned int tn;

			if (nested)
				return "nested indirect descriptor";
			if (!q->indirect)
				return "indirect descriptor not negotiated";
			if (steps)
				return "indirect descriptor inside a chain";
			if (!d.len || d.len % sizeof(d) || d.len / sizeof(d) > VIRTQ_MAX_INDIRECT)
				return "bad indirect table length";
			tn = d.len / sizeof(d);
			t = gmem_ptr(q->mem, d.addr, d.len);
			if (!t)
				return "indirect table outside RAM";
			/* The table replaces the chain; NEXT on its descriptor is ignored. */
			return chain_walk(q, c, t, tn, 0, true, bad);
		}
		why = chain_add(q, c, &d);
		if (why && !*bad)
			*bad = why;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return NULL;
		i = d.next;
	}
}

int virtq_pop(struct virtq *q, struct virtq_chain *c)
{
	uint16_t avail_idx, head;
	const char *why, *bad = NULL;

	if (!q->size)
		return 0;
	if (q->broken)
		return -EIO;
	/* Acquire: the ring entry and descriptors the driver wrote before idx. */
	avail_idx = __atomic_load_n(&q->avail[AVAIL_IDX], __ATOMIC_ACQUIRE);
	if (avail_idx == q->last_avail)
		return 0;
	if ((uint16_t)(avail_idx - q->last_avail) > q->size) {
		virtq_break(q, "avail index ran more than the queue size ahead");
		return -EIO;
	}
	head = __atomic_load_n(&q->avail[AVAIL_RING + q->last_avail % q->size], __ATOMIC_RELAXED);
	q->last_avail++;
	memset(c, 0, offsetof(struct virtq_chain, seg));
	c->head = head;
	why = chain_walk(q, c, q->desc, q->size, head, false, &bad);
	if (why) {
		virtq_break(q, why);
		return -EIO;
	}
	if (bad) {
		pr_err_rl("virtq: bad chain at head %u: %s", head, bad);
		c->bad = bad;
	}
	return 1;
}

void virtq_push(struct virtq *q, uint16_t head, uint32_t len)
{
	struct virtq_used_elem *e;

	if (!q->size)
		return;
	e = (struct virtq_used_elem *)(q->used + 2) + q->used_idx % q->size;
	__atomic_store_n(&e->id, head, __ATOMIC_RELAXED);
	__atomic_store_n(&e->len, len, __ATOMIC_RELAXED);
	q->used_idx++;
	/* Release: the element (and the data written into the buffers) before idx. */
	__atomic_store_n(&q->used[USED_IDX], q->used_idx, __ATOMIC_RELEASE);
}

bool virtq_want_interrupt(const struct virtq *q)
{
	if (!q->size)
		return false;
	/* Section 2.6.7: read the flags only after the used idx is visible. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return !(__atomic_load_n(&q->avail[AVAIL_FLAGS], __ATOMIC_RELAXED) &
		 VIRTQ_AVAIL_F_NO_INTERRUPT);
}
