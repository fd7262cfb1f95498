// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: a hostile guest's view of one channel's two rings.
 * The fuzzer controls both ring headers, the guest->host data, and a
 * script interleaving host operations (read, peek, skip, drain loops,
 * writes, signalling checks) with "guest" stores to its header words and
 * guest packet writes, the way a concurrently running guest could change
 * them between host steps.
 *
 * Build and run (libFuzzer runtime: Debian package libclang-rt-14-dev):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -Ivmm -Idevices
 *         fuzz/fuzz_vmbus_ring.c devices/vmbus/ring.c devices/vmbus/gpadl.c
 *         vmm/guest_mem.c -o /tmp/fzvring
 *   /tmp/fzvring -max_total_time=30
 *
 * Every data page is its own exactly-sized heap allocation, so any copy
 * that fails to split at a page boundary or to wrap is an ASan report.
 * Host invariants are checked after each step (abort on violation):
 * the host's own indices stay inside the ring and 8-aligned, a
 * successful write never makes the ring completely full, and a read
 * never reports more than the caller's buffer.
 *
 * Input layout:
 *   [0]      recv data pages - 1 (low 2 bits), send data pages - 1 (bits 2-3)
 *   [1]      guest->host data length / 64
 *   [2..17]  recv header: write, read, interrupt_mask, pending_send_sz (LE u32)
 *   [18..33] send header: same
 *   then the data bytes, then the op script.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "vmbus/ring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PAGES 4

struct side {
	uint8_t *hdr;
	uint8_t *pages[MAX_PAGES];
	uint32_t npages;
	struct vmbus_ring r;
};

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static bool side_init(struct side *s, uint32_t npages, const uint8_t *hdr16, bool recv)
{
	uint32_t i;

	memset(s, 0, sizeof(*s));
	s->npages = npages;
	s->hdr = calloc(1, HV_PAGE_SIZE);
	for (i = 0; i < npages; i++)
		s->pages[i] = calloc(1, HV_PAGE_SIZE);
	memcpy(s->hdr, hdr16, 16);
	return ring_init(&s->r, s->hdr, s->pages, npages, recv) == 0;
}

static void side_free(struct side *s)
{
	uint32_t i;

	free(s->hdr);
	for (i = 0; i < s->npages; i++)
		free(s->pages[i]);
}

static void check(const struct vmbus_ring *r)
{
	if (r->priv >= r->size || r->priv % 8 || r->signal_base >= r->size)
		abort();
}

/* A guest store to one of its header words, from 5 script bytes. */
static void guest_store(struct side *s, const uint8_t *p)
{
	uint32_t *w = (uint32_t *)s->hdr + (p[0] & 3);

	__atomic_store_n(w, get32(p + 1), __ATOMIC_RELAXED);
}

/*
 * What a (careless) guest writer does: descriptor at its write index,
 * then write_index += len8 * 8 + 8, with no regard for free space. Lets
 * the fuzzer reach well-formed packets quickly; it still picks the
 * descriptor fields, so malformed ones stay reachable.
 */
static void guest_packet(struct side *s, uint8_t offset8, uint16_t len8)
{
	struct hv_ring_buffer_hdr *h = (struct hv_ring_buffer_hdr *)s->hdr;
	struct vmpacket_descriptor d = { VM_PKT_DATA_INBAND, offset8, len8, 0, len8 };
	uint32_t size = s->npages * HV_PAGE_SIZE;
	uint32_t w = h->write_index % size & ~7u;
	uint32_t i;

	for (i = 0; i < sizeof(d); i++)
		s->pages[(w + i) % size / HV_PAGE_SIZE][(w + i) % HV_PAGE_SIZE] = ((uint8_t *)&d)[i];
	__atomic_store_n(&h->write_index, (w + len8 * 8u + 8) % size, __ATOMIC_RELEASE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[MAX_PAGES * HV_PAGE_SIZE];
	static uint8_t payload[MAX_PAGES * HV_PAGE_SIZE + 64];
	struct side rx, tx;
	size_t pos, dlen, i;
	bool ok_rx, ok_tx;

	if (size < 34)
		return 0;
	ok_rx = side_init(&rx, (data[0] & 3) + 1, data + 2, true);
	ok_tx = side_init(&tx, ((data[0] >> 2) & 3) + 1, data + 18, false);
	/* Guest->host data, laid out across the scattered pages. */
	dlen = MIN((size_t)data[1] * 64, size - 34);
	dlen = MIN(dlen, (size_t)rx.npages * HV_PAGE_SIZE);
	for (i = 0; i < dlen; i++)
		rx.pages[i / HV_PAGE_SIZE][i % HV_PAGE_SIZE] = data[34 + i];
	pos = 34 + dlen;
	if (!ok_rx || !ok_tx)
		goto out;

	/* Each op is one byte plus, for some, operands; stop at the end. */
	while (pos < size) {
		uint8_t op = data[pos++];
		size_t left = size - pos;
		struct vmbus_pkt pkt;
		uint32_t blen = (uint32_t)(op >> 4) * 256 + (op & 8 ? 7 : 0);
		int ret;

		switch (op & 7) {
		case 0: /* read with a buffer of varying size */
			ret = ring_read(&rx.r, &pkt, buf, blen);
			if (ret > (int)blen || (ret >= 0 && (uint32_t)ret != pkt.hdr_len + pkt.data_len))
				abort();
			break;
		case 1:
			ret = ring_peek(&rx.r, &pkt, buf, blen);
			if (ret > (int)blen)
				abort();
			break;
		case 2: /* drain the way the server should: stop on -EIO */
			do {
				ring_recv_mask(&rx.r);
				while ((ret = ring_read(&rx.r, &pkt, buf, sizeof(buf))) >= 0 ||
				       ret == -ENOBUFS)
					if (ret == -ENOBUFS)
						ring_skip(&rx.r, &pkt);
			} while (ret != -EIO && ring_recv_unmask(&rx.r));
			ring_read_done(&rx.r);
			break;
		case 3:
			ring_skip(&rx.r, &pkt);
			ring_read_done(&rx.r);
			break;
		case 4: /* guest stores to the recv ring header */
		case 5: /* ... or the send ring header */
			if (left < 5)
				goto out;
			guest_store((op & 7) == 4 ? &rx : &tx, data + pos);
			pos += 5;
			break;
		case 6: { /* host write: 2 bytes of length, 1 of header length */
			uint32_t plen, used_before, used_after, priv = tx.r.priv;

			if (left < 3)
				goto out;
			plen = (data[pos] | data[pos + 1] << 8) % (sizeof(payload) + 64);
			pkt = (struct vmbus_pkt){
				.type = VM_PKT_DATA_INBAND,
				.trans_id = pos,
				.hdr_len = (data[pos + 2] % 4) * 8,
				.data_len = plen,
			};
			pos += 3;
			used_before = ring_send_used(&tx.r);
			ret = ring_write(&tx.r, &pkt, payload, payload);
			used_after = ring_send_used(&tx.r);
			if (ret >= 0 && (used_after >= tx.r.size || used_after == 0))
				abort();
			/* A failed write changes nothing the guest can see but pending_send_sz. */
			if (ret < 0 && (tx.r.priv != priv || used_after != used_before))
				abort();
			if (ret == -EAGAIN && !tx.r.pending_set)
				abort();
			break;
		}
		case 7: /* guest publishes a packet with fuzzer-chosen offset8/len8 */
			if (left < 3)
				goto out;
			guest_packet(&rx, data[pos], (uint16_t)(data[pos + 1] | (data[pos + 2] & 3) << 8));
			pos += 3;
			ring_recv_empty(&rx.r);
			ring_send_used(&tx.r);
			break;
		}
		check(&rx.r);
		check(&tx.r);
	}
out:
	side_free(&rx);
	side_free(&tx);
	return 0;
}
