// SPDX-License-Identifier: MIT
#include "vmbus/ring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/*
 * Accessors for the shared header. The guest writes these words
 * concurrently, so every access is a single __atomic operation and the
 * value loaded is used from a local afterwards.
 */
static inline uint32_t load_relaxed(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline uint32_t load_acquire(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void store_relaxed(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static inline void store_release(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static inline void full_barrier(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/*
 * r->priv is written by the ring's one user (the device thread) but read
 * by others too (ring_send_used for status and the server's safety net),
 * so it is only ever accessed atomically.
 */
static inline uint32_t priv_load(const struct vmbus_ring *r)
{
	return __atomic_load_n(&r->priv, __ATOMIC_ACQUIRE);
}

static inline void priv_store(struct vmbus_ring *r, uint32_t v)
{
	__atomic_store_n(&r->priv, v, __ATOMIC_RELEASE);
}

/* A guest-supplied index is usable only inside the data area and 8-aligned. */
static inline bool index_ok(const struct vmbus_ring *r, uint32_t idx)
{
	return idx < r->size && idx % 8 == 0;
}

/* Bytes between a consumer at `read` and a producer at `write`. */
static inline uint32_t used_bytes(const struct vmbus_ring *r, uint32_t read, uint32_t write)
{
	return write >= read ? write - read : r->size - read + write;
}

/* off < size and n < size, so one subtraction wraps the sum. */
static inline uint32_t wrap_add(const struct vmbus_ring *r, uint32_t off, uint32_t n)
{
	uint32_t x = off + n;

	return x >= r->size ? x - r->size : x;
}

/*
 * Copy `len` (<= size) bytes starting at data offset `off` (< size),
 * one page piece at a time, wrapping at the end of the data area.
 * Returns the offset after the copy.
 */
static uint32_t copy_from_ring(const struct vmbus_ring *r, uint32_t off, void *dst, uint32_t len)
{
	uint8_t *d = dst;

	while (len) {
		uint32_t in = off % HV_PAGE_SIZE;
		uint32_t chunk = MIN(len, HV_PAGE_SIZE - in);

		memcpy(d, r->data[off / HV_PAGE_SIZE] + in, chunk);
		d += chunk;
		len -= chunk;
		off = wrap_add(r, off, chunk);
	}
	return off;
}

static uint32_t copy_to_ring(const struct vmbus_ring *r, uint32_t off, const void *src,
			     uint32_t len)
{
	const uint8_t *s = src;

	while (len) {
		uint32_t in = off % HV_PAGE_SIZE;
		uint32_t chunk = MIN(len, HV_PAGE_SIZE - in);

		memcpy(r->data[off / HV_PAGE_SIZE] + in, s, chunk);
		s += chunk;
		len -= chunk;
		off = wrap_add(r, off, chunk);
	}
	return off;
}

int ring_init(struct vmbus_ring *r, void *hdr_page, uint8_t *const *data_pages,
	      uint32_t npages, bool recv)
{
	struct hv_ring_buffer_hdr *h = hdr_page;
	uint32_t idx;

	memset(r, 0, sizeof(*r));
	if (!npages || npages > GPADL_MAX_PAGES)
		return -EINVAL;
	r->hdr = h;
	r->data = data_pages;
	r->npages = npages;
	r->size = npages * HV_PAGE_SIZE;
	idx = load_relaxed(recv ? &h->read_index : &h->write_index);
	if (!index_ok(r, idx)) {
		memset(r, 0, sizeof(*r));
		return -EINVAL;
	}
	priv_store(r, idx);
	r->signal_base = idx;
	/* Reset the words the host owns; Linux zeroed them already. */
	if (recv)
		store_relaxed(&h->interrupt_mask, 0);
	else
		store_relaxed(&h->pending_send_sz, 0);
	/* Linux only honours our pending_send_sz if this bit is set. */
	__atomic_fetch_or(&h->feature_bits, HV_RING_FEAT_PENDING_SEND_SZ, __ATOMIC_RELAXED);
	return 0;
}

int ring_open(struct vmbus_ring_pair *rp, const struct guest_mem *mem,
	      const struct gpadl *g, uint32_t downstream_offset)
{
	uint32_t off = downstream_offset;
	int ret;

	memset(rp, 0, sizeof(*rp));
	if (!gpadl_complete(g) || g->byte_offset)
		return -EINVAL;
	/* Header + >= 1 data page on each side; written to avoid overflow. */
	if (off < 2 || g->npages < 2 || off >= g->npages - 1)
		return -EINVAL;
	rp->pages = calloc(g->npages, sizeof(*rp->pages));
	if (!rp->pages)
		return -ENOMEM;
	ret = gpadl_map(mem, g, 0, g->npages, rp->pages);
	if (!ret)
		ret = ring_init(&rp->recv, rp->pages[0], rp->pages + 1, off - 1, true);
	if (!ret)
		ret = ring_init(&rp->send, rp->pages[off], rp->pages + off + 1,
				g->npages - off - 1, false);
	if (ret)
		ring_close(rp);
	return ret;
}

void ring_close(struct vmbus_ring_pair *rp)
{
	free(rp->pages);
	memset(rp, 0, sizeof(*rp));
}

/* ---- reader ------------------------------------------------------------ */

enum fetch_mode { FETCH_PEEK, FETCH_READ, FETCH_SKIP };

static int ring_fetch(struct vmbus_ring *r, struct vmbus_pkt *pkt, void *buf, uint32_t buflen,
		      enum fetch_mode mode)
{
	uint32_t read = priv_load(r), write, avail, total, body;
	struct vmpacket_descriptor d;

	/* Pairs with the guest's barrier before it publishes write_index. */
	write = load_acquire(&r->hdr->write_index);
	if (!index_ok(r, write))
		return -EIO;
	avail = used_bytes(r, read, write);
	if (!avail)
		return -EAGAIN;
	/* Producers publish whole packets: a stub is corruption, not "wait". */
	if (avail < sizeof(d) + VMBUS_PKT_TRAILER)
		return -EIO;
	copy_from_ring(r, read, &d, sizeof(d));
	if (d.offset8 < 2 || d.len8 < d.offset8)
		return -EIO;
	total = (uint32_t)d.len8 * 8;
	if (total + VMBUS_PKT_TRAILER > avail)
		return -EIO;

	pkt->type = d.type;
	pkt->flags = d.flags;
	pkt->trans_id = d.trans_id;
	pkt->hdr_len = (uint32_t)d.offset8 * 8 - sizeof(d);
	pkt->data_len = total - (uint32_t)d.offset8 * 8;
	body = total - sizeof(d);

	if (mode != FETCH_SKIP) {
		if (body > buflen)
			return -ENOBUFS;
		copy_from_ring(r, wrap_add(r, read, sizeof(d)), buf, body);
	}
	if (mode != FETCH_PEEK) {
		uint32_t next = wrap_add(r, read, total + VMBUS_PKT_TRAILER);

		priv_store(r, next);
		/* Our copies are done before the guest may reuse the space. */
		store_release(&r->hdr->read_index, next);
	}
	return (int)body;
}

int ring_peek(struct vmbus_ring *r, struct vmbus_pkt *pkt, void *buf, uint32_t buflen)
{
	return ring_fetch(r, pkt, buf, buflen, FETCH_PEEK);
}

int ring_read(struct vmbus_ring *r, struct vmbus_pkt *pkt, void *buf, uint32_t buflen)
{
	return ring_fetch(r, pkt, buf, buflen, FETCH_READ);
}

int ring_skip(struct vmbus_ring *r, struct vmbus_pkt *pkt)
{
	int ret = ring_fetch(r, pkt, NULL, 0, FETCH_SKIP);

	return ret < 0 ? ret : 0;
}

bool ring_read_done(struct vmbus_ring *r)
{
	uint32_t pending, write, freed, free_now;

	freed = used_bytes(r, r->signal_base, priv_load(r));
	r->signal_base = priv_load(r);
	/* Our read_index store must be visible before we look at pending. */
	full_barrier();
	pending = load_relaxed(&r->hdr->pending_send_sz);
	if (!pending || !freed)
		return false;
	write = load_relaxed(&r->hdr->write_index);
	if (!index_ok(r, write))
		return false; /* the next read reports the corruption */
	free_now = r->size - used_bytes(r, priv_load(r), write);
	if (free_now <= pending)
		return false;
	/* Free space before this batch was free_now - freed: did we cross? */
	return freed >= free_now || free_now - freed <= pending;
}

bool ring_recv_empty(struct vmbus_ring *r)
{
	uint32_t write = load_acquire(&r->hdr->write_index);

	/* Bogus counts as empty so drain loops terminate; reads say -EIO. */
	return !index_ok(r, write) || write == priv_load(r);
}

void ring_recv_mask(struct vmbus_ring *r)
{
	store_relaxed(&r->hdr->interrupt_mask, 1);
	full_barrier();
}

bool ring_recv_unmask(struct vmbus_ring *r)
{
	store_relaxed(&r->hdr->interrupt_mask, 0);
	/*
	 * The guest checks interrupt_mask after publishing write_index;
	 * we check write_index after clearing the mask. With a full barrier
	 * on both sides at least one of us sees the other's store.
	 */
	full_barrier();
	return !ring_recv_empty(r);
}

/* ---- writer ------------------------------------------------------------ */

int ring_write(struct vmbus_ring *r, const struct vmbus_pkt *pkt, const void *hdr,
	       const void *data)
{
	static const uint8_t zero[8];
	uint32_t old = priv_load(r), read, off, len, total, pad;
	struct vmpacket_descriptor d;
	uint64_t len64, trailer;
	int tries;

	if (pkt->hdr_len % 8)
		return -EINVAL;
	len64 = sizeof(d) + (uint64_t)pkt->hdr_len + ALIGN_UP((uint64_t)pkt->data_len, 8);
	/* len8 is a u16, and a packet must leave the ring not completely full. */
	if (len64 / 8 > UINT16_MAX || len64 + VMBUS_PKT_TRAILER >= r->size)
		return -EINVAL;
	len = (uint32_t)len64;
	total = len + VMBUS_PKT_TRAILER;
	pad = len - sizeof(d) - pkt->hdr_len - pkt->data_len;

	for (tries = 0;; tries++) {
		/* Acquire: the guest's copies out finish before we overwrite. */
		read = load_acquire(&r->hdr->read_index);
		if (!index_ok(r, read))
			return -EIO;
		/* Strictly greater: a full ring would look empty (write == read). */
		if (r->size - used_bytes(r, read, old) > total)
			break;
		if (tries)
			return -EAGAIN;
		/*
		 * Ask for a signal once there is room, then look again: the
		 * guest may have freed space before it could see our request,
		 * in which case no signal will come.
		 */
		store_relaxed(&r->hdr->pending_send_sz, total);
		r->pending_set = true;
		full_barrier();
	}
	if (r->pending_set) {
		store_relaxed(&r->hdr->pending_send_sz, 0);
		r->pending_set = false;
	}

	d.type = pkt->type;
	d.offset8 = (uint16_t)((sizeof(d) + pkt->hdr_len) / 8);
	d.len8 = (uint16_t)(len / 8);
	d.flags = pkt->flags;
	d.trans_id = pkt->trans_id;
	trailer = (uint64_t)old << 32;

	off = copy_to_ring(r, old, &d, sizeof(d));
	off = copy_to_ring(r, off, hdr, pkt->hdr_len);
	off = copy_to_ring(r, off, data, pkt->data_len);
	off = copy_to_ring(r, off, zero, pad);
	off = copy_to_ring(r, off, &trailer, sizeof(trailer));
	/* Publish the packet only after its bytes. */
	store_release(&r->hdr->write_index, off);
	priv_store(r, off);

	/* Pairs with the guest's barrier between read_index and interrupt_mask. */
	full_barrier();
	if (load_relaxed(&r->hdr->interrupt_mask))
		return 0;
	return load_relaxed(&r->hdr->read_index) == old;
}

uint32_t ring_send_used(struct vmbus_ring *r)
{
	uint32_t read = load_acquire(&r->hdr->read_index);

	return index_ok(r, read) ? used_bytes(r, read, priv_load(r)) : 0;
}

uint32_t ring_recv_used(struct vmbus_ring *r)
{
	uint32_t write = load_acquire(&r->hdr->write_index);

	return index_ok(r, write) ? used_bytes(r, priv_load(r), write) : 0;
}
