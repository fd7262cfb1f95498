/* SPDX-License-Identifier: MIT */
/*
 * Host side of a VMBus channel's ring buffers (section 3.8/3.9).
 *
 * A channel's ring GPADL holds two rings: pages [0, off) are the
 * guest->host ring ("outbound" for Linux; the host's recv ring) and
 * [off, end) the host->guest ring ("inbound"; the host's send ring).
 * The first page of each is a struct hv_ring_buffer_hdr, the rest is the
 * data area. Data pages are separate guest pages, not contiguous in host
 * memory, so every copy is split at page boundaries and wraps at the end
 * of the data area.
 *
 * Trust model: the header and data live in guest memory and may change
 * under our feet at any time.
 *  - The host's own index (read index of the recv ring, write index of
 *    the send ring) is kept privately in `priv` and only ever stored to
 *    the header, never loaded back.
 *  - The guest's index is loaded once per operation into a local,
 *    validated (< data size, multiple of 8), and only that local is used.
 *  - A packet descriptor is copied out before it is validated.
 * A corrupt ring (bad index or descriptor) yields -EIO: the channel is
 * broken and the server should stop using it; nothing outside the
 * ring's pages is ever touched.
 *
 * Memory ordering mirrors Linux ring_buffer.c: the producer publishes
 * data before the write index (release), the consumer loads the write
 * index with acquire and frees space by storing the read index with
 * release; signalling decisions are made after a full barrier.
 *
 * One thread per ring direction; the two rings of a pair are
 * independent.
 */
#ifndef HVMM_VMBUS_RING_H
#define HVMM_VMBUS_RING_H

#include <stdbool.h>
#include <stdint.h>

#include "guest_mem.h"
#include "vmbus/gpadl.h"
#include "vmbus/proto.h"

struct vmbus_ring {
	struct hv_ring_buffer_hdr *hdr;
	uint8_t *const *data; /* npages data pages */
	uint32_t npages;
	uint32_t size;        /* data bytes = npages * 4096 */
	uint32_t priv;        /* host's own index, see above */
	uint32_t signal_base; /* recv: read index at the last ring_read_done() */
	bool pending_set;     /* send: we set pending_send_sz */
};

/* Both rings of an open channel, mapped from its GPADL. */
struct vmbus_ring_pair {
	struct vmbus_ring recv; /* guest -> host */
	struct vmbus_ring send; /* host -> guest */
	uint8_t **pages;        /* all GPADL pages; owned */
};

/*
 * Attach to one ring: a header page and `npages` data pages. The host's
 * index starts at the guest-initialised value in the header (`recv`
 * picks read_index, otherwise write_index). -EINVAL if npages is 0 or
 * larger than GPADL_MAX_PAGES, or the index is out of range/unaligned.
 * Also advertises pending_send_sz support in feature_bits. Used by
 * ring_open() and directly by tests and fuzzers.
 */
int ring_init(struct vmbus_ring *r, void *hdr_page, uint8_t *const *data_pages,
	      uint32_t npages, bool recv);

/*
 * Map a complete GPADL as a channel's ring pair (OPENCHANNEL).
 * -EINVAL unless the GPADL is complete, starts at byte offset 0,
 * downstream_offset >= 2 and npages > downstream_offset + 1 (each ring
 * needs a header page and at least one data page); -EFAULT if a page is
 * not RAM; -ENOMEM. Does not touch g->users.
 */
int ring_open(struct vmbus_ring_pair *rp, const struct guest_mem *mem,
	      const struct gpadl *g, uint32_t downstream_offset);
void ring_close(struct vmbus_ring_pair *rp);

/* One packet's descriptor, decoded (reads) or to encode (writes). */
struct vmbus_pkt {
	uint16_t type;     /* enum vmbus_packet_type */
	uint16_t flags;
	uint64_t trans_id;
	uint32_t hdr_len;  /* type-specific header after the descriptor; 8-multiple */
	uint32_t data_len; /* payload after it (reads: incl. sender's padding) */
};

/* ---- reading the guest -> host ring ---------------------------------- */

/*
 * Copy the next packet's type-specific header and payload (hdr_len +
 * data_len bytes, header first) into buf and fill *pkt. Returns the
 * number of bytes copied, -EAGAIN if the ring is empty, -ENOBUFS if
 * buflen is too small (*pkt is filled; the packet stays in the ring:
 * ring_skip() drops it), -EIO if the ring is corrupt. ring_peek()
 * leaves the packet in place, ring_read() consumes it.
 */
int ring_peek(struct vmbus_ring *r, struct vmbus_pkt *pkt, void *buf, uint32_t buflen);
int ring_read(struct vmbus_ring *r, struct vmbus_pkt *pkt, void *buf, uint32_t buflen);

/* Consume the next packet unread. 0, -EAGAIN (empty) or -EIO. */
int ring_skip(struct vmbus_ring *r, struct vmbus_pkt *pkt);

/*
 * Call after a batch of reads. True if the guest must be signalled: it
 * set pending_send_sz and the free space went from <= it before the
 * batch to > it now (Linux hv_pkt_iter_close, mirrored).
 */
bool ring_read_done(struct vmbus_ring *r);

/* True if no packet is waiting (or the guest's write index is bogus). */
bool ring_recv_empty(struct vmbus_ring *r);

/*
 * Draining without lost wake-ups (section 3.9): the guest only signals
 * when interrupt_mask is 0 and the ring was empty. Pattern:
 *	do { ring_recv_mask(r); drain...; } while (ring_recv_unmask(r));
 * ring_recv_unmask() clears the mask and, after a full barrier, reports
 * whether data arrived meanwhile (then drain again: no signal is coming).
 */
void ring_recv_mask(struct vmbus_ring *r);
bool ring_recv_unmask(struct vmbus_ring *r);

/* ---- writing the host -> guest ring ---------------------------------- */

/*
 * Write one packet: descriptor (offset8 = (16 + hdr_len) / 8), hdr,
 * data padded to 8, and the u64 trailer (old write index << 32).
 * Returns 1 if the guest must be signalled (interrupt_mask == 0 and the
 * ring was empty before this packet), 0 if not, -EAGAIN if there is not
 * strictly more free space than the packet + trailer (pending_send_sz is
 * then set to that size, so the guest signals once it has made room;
 * retry on that signal), -EINVAL if hdr_len is not a multiple of 8 or
 * the packet cannot fit the ring or len8, -EIO if the guest's read
 * index is corrupt. A successful write clears a pending_send_sz it set.
 */
int ring_write(struct vmbus_ring *r, const struct vmbus_pkt *pkt, const void *hdr,
	       const void *data);

/* Bytes the guest has not consumed yet (0 if its read index is bogus). */
uint32_t ring_send_used(struct vmbus_ring *r);
/* Guest->host ring: bytes the guest wrote that the host has not read yet. */
uint32_t ring_recv_used(struct vmbus_ring *r);

#endif
