// SPDX-License-Identifier: MIT
/*
 * VMBus ring buffers, host side, against a test-local model of the
 * Linux guest side: data pages deliberately scattered (reverse order,
 * gaps) so every copy that crosses a page or wraps is exercised.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "guest_mem.h"
#include "unit.h"
#include "util.h"
#include "vmbus/ring.h"

#define MAXPAGES 160

/* One ring with a header page and scattered data pages. */
struct fake {
	struct hv_ring_buffer_hdr *hdr;
	uint8_t *pool;              /* 2 * npages pages */
	uint8_t *pages[MAXPAGES];
	uint32_t npages, size;
	struct vmbus_ring r;
};

static struct fake F;

static void fake_free(struct fake *f);

/* (Re)initialise `f`, which must be zeroed or previously initialised. */
static void fake_init(struct fake *f, uint32_t npages, bool recv)
{
	uint32_t i;

	if (f->hdr)
		fake_free(f);
	f->hdr = aligned_alloc(4096, 4096);
	f->pool = aligned_alloc(4096, 2 * npages * 4096);
	ck_assert(f->hdr && f->pool);
	memset(f->hdr, 0, 4096);
	/* Poison, so reads of bytes never written show up in comparisons. */
	memset(f->pool, 0x5a, 2 * npages * 4096);
	for (i = 0; i < npages; i++)
		f->pages[i] = f->pool + (2 * (npages - 1 - i) + 1) * 4096;
	f->npages = npages;
	f->size = npages * 4096;
	ck_assert_int_eq(ring_init(&f->r, f->hdr, f->pages, npages, recv), 0);
}

static void fake_free(struct fake *f)
{
	free(f->hdr);
	free(f->pool);
	memset(f, 0, sizeof(*f));
}

static void teardown(void)
{
	fake_free(&F);
}

/* Byte `off` of the data area, as the guest sees it (mapped twice in Linux). */
static uint8_t *gb(struct fake *f, uint32_t off)
{
	off %= f->size;
	return &f->pages[off / 4096][off % 4096];
}

static void gput(struct fake *f, uint32_t off, const void *src, uint32_t len)
{
	const uint8_t *s = src;
	uint32_t i;

	for (i = 0; i < len; i++)
		*gb(f, off + i) = s[i];
}

static void gget(struct fake *f, uint32_t off, void *dst, uint32_t len)
{
	uint8_t *d = dst;
	uint32_t i;

	for (i = 0; i < len; i++)
		d[i] = *gb(f, off + i);
}

static uint32_t g_used(struct fake *f)
{
	return (f->hdr->write_index - f->hdr->read_index + f->size) % f->size;
}

/*
 * Guest writer (Linux hv_ringbuffer_write): descriptor with the given
 * offset8/len8, payload after offset8 * 8, trailer, then write_index.
 * Returns false if it does not fit (free must be > packet + trailer).
 */
static bool guest_write_raw(struct fake *f, uint16_t type, uint16_t offset8, uint16_t len8,
			    uint64_t tid, const void *payload, uint32_t plen)
{
	struct vmpacket_descriptor d = { type, offset8, len8, 0, tid };
	uint32_t w = f->hdr->write_index;
	uint64_t trailer = (uint64_t)w << 32;

	if (f->size - g_used(f) <= (uint32_t)len8 * 8 + 8)
		return false;
	gput(f, w, &d, sizeof(d));
	gput(f, w + offset8 * 8, payload, plen);
	gput(f, w + len8 * 8, &trailer, 8);
	__atomic_store_n(&f->hdr->write_index, (w + len8 * 8 + 8) % f->size, __ATOMIC_RELEASE);
	return true;
}

static bool guest_write(struct fake *f, uint64_t tid, const void *payload, uint32_t plen)
{
	return guest_write_raw(f, VM_PKT_DATA_INBAND, 2, (uint16_t)(2 + (plen + 7) / 8), tid,
			       payload, plen);
}

/* Guest reader (Linux hv_pkt_iter_first + close); checks the trailer. */
static int guest_read(struct fake *f, struct vmpacket_descriptor *d, void *payload)
{
	uint32_t r = f->hdr->read_index;
	uint64_t trailer;

	if (!g_used(f))
		return -EAGAIN;
	gget(f, r, d, sizeof(*d));
	ck_assert_uint_ge(d->offset8, 2);
	ck_assert_uint_ge(d->len8, d->offset8);
	gget(f, r + d->offset8 * 8, payload, (d->len8 - d->offset8) * 8u);
	gget(f, r + d->len8 * 8, &trailer, 8);
	ck_assert_uint_eq(trailer, (uint64_t)r << 32);
	f->hdr->read_index = (r + d->len8 * 8 + 8) % f->size;
	return (d->len8 - d->offset8) * 8;
}

static void fill(uint8_t *buf, uint32_t len, uint32_t seed)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(seed * 31 + i * 7 + 1);
}

START_TEST(empty)
{
	struct vmbus_pkt pkt;
	uint8_t buf[64];

	fake_init(&F, 2, true);
	ck_assert(ring_recv_empty(&F.r));
	ck_assert_int_eq(ring_read(&F.r, &pkt, buf, sizeof(buf)), -EAGAIN);
	ck_assert_int_eq(ring_peek(&F.r, &pkt, buf, sizeof(buf)), -EAGAIN);
	ck_assert_int_eq(ring_skip(&F.r, &pkt), -EAGAIN);
	ck_assert(!ring_read_done(&F.r));
	/* ring_init advertised pending_send_sz support. */
	ck_assert_uint_eq(F.hdr->feature_bits & HV_RING_FEAT_PENDING_SEND_SZ, 1);
}
END_TEST

START_TEST(read_basic)
{
	struct vmbus_pkt pkt;
	uint8_t in[20], out[64];

	fake_init(&F, 2, true);
	fill(in, sizeof(in), 1);
	ck_assert(guest_write(&F, 0x1234, in, sizeof(in)));
	ck_assert(!ring_recv_empty(&F.r));
	/* Peek twice: nothing consumed. */
	ck_assert_int_eq(ring_peek(&F.r, &pkt, out, sizeof(out)), 24);
	ck_assert_int_eq(ring_peek(&F.r, &pkt, out, sizeof(out)), 24);
	ck_assert_uint_eq(F.hdr->read_index, 0);
	ck_assert_int_eq(ring_read(&F.r, &pkt, out, sizeof(out)), 24);
	ck_assert_uint_eq(pkt.type, VM_PKT_DATA_INBAND);
	ck_assert_uint_eq(pkt.trans_id, 0x1234);
	ck_assert_uint_eq(pkt.hdr_len, 0);
	ck_assert_uint_eq(pkt.data_len, 24);
	ck_assert_mem_eq(out, in, sizeof(in));
	ck_assert_uint_eq(F.hdr->read_index, 16 + 24 + 8);
	ck_assert_int_eq(ring_read(&F.r, &pkt, out, sizeof(out)), -EAGAIN);
	ck_assert(ring_recv_empty(&F.r));

	/* A type-specific header (GPA_DIRECT style) comes first in buf. */
	ck_assert(guest_write_raw(&F, VM_PKT_DATA_USING_GPA_DIRECT, 4, 7, 9, in, 20));
	ck_assert_int_eq(ring_read(&F.r, &pkt, out, sizeof(out)), 40);
	ck_assert_uint_eq(pkt.hdr_len, 16);
	ck_assert_uint_eq(pkt.data_len, 24);
	ck_assert_mem_eq(out + 16, in, sizeof(in));
}
END_TEST

/* Host reads packet `n` of the read_wraparound sequence and checks it. */
static void host_expect(struct fake *f, uint32_t n)
{
	static uint8_t want[3000], out[3000];
	uint32_t len = (n * 977) % 2900 + 1;
	struct vmbus_pkt pkt;

	fill(want, len, n);
	ck_assert_int_eq(ring_read(&f->r, &pkt, out, sizeof(out)), (int)ALIGN_UP(len, 8));
	ck_assert_uint_eq(pkt.trans_id, n);
	ck_assert_uint_eq(pkt.data_len, ALIGN_UP(len, 8));
	ck_assert_mem_eq(out, want, len);
}

START_TEST(read_wraparound)
{
	static uint8_t in[3000];
	struct vmbus_pkt pkt;
	uint32_t i, got = 0;

	/* 2 scattered data pages; sizes chosen so packets straddle pages and wrap. */
	fake_init(&F, 2, true);
	for (i = 0; i < 2000; i++) {
		uint32_t len = (i * 977) % 2900 + 1;

		fill(in, len, i);
		/* Full: the host drains in order until the guest can write. */
		while (!guest_write(&F, i, in, len))
			host_expect(&F, got++);
	}
	while (got < 2000)
		host_expect(&F, got++);
	ck_assert_int_eq(ring_read(&F.r, &pkt, in, sizeof(in)), -EAGAIN);
	ck_assert_uint_eq(F.hdr->read_index, F.hdr->write_index);
}
END_TEST

START_TEST(write_wraparound)
{
	static uint8_t in[3000], out[3000];
	struct vmpacket_descriptor d;
	struct vmbus_pkt pkt = { .type = VM_PKT_DATA_INBAND, .flags = 1 };
	uint32_t i, got = 0;

	fake_init(&F, 2, false);
	for (i = 0; i < 2000; i++) {
		uint32_t len = (i * 613) % 2900 + 1;
		int ret;

		fill(in, len, i);
		pkt.trans_id = i;
		pkt.data_len = len;
		while ((ret = ring_write(&F.r, &pkt, NULL, in)) == -EAGAIN) {
			uint32_t glen = (got * 613) % 2900 + 1;

			/* The host asked to be told when packet + trailer fits. */
			ck_assert_uint_eq(F.hdr->pending_send_sz, 16 + ALIGN_UP(len, 8) + 8);
			ck_assert_int_eq(guest_read(&F, &d, out), (int)ALIGN_UP(glen, 8));
			fill(in, glen, got);
			ck_assert_mem_eq(out, in, glen);
			/* Padding is zero. */
			for (uint32_t p = glen; p < ALIGN_UP(glen, 8); p++)
				ck_assert_uint_eq(out[p], 0);
			ck_assert_uint_eq(d.trans_id, got);
			ck_assert_uint_eq(d.flags, 1);
			got++;
			fill(in, len, i);
		}
		ck_assert_int_ge(ret, 0);
		ck_assert_uint_eq(F.hdr->pending_send_sz, 0);
		ck_assert_uint_eq(F.hdr->write_index, F.r.priv);
	}
	while (guest_read(&F, &d, out) >= 0) {
		uint32_t glen = (got * 613) % 2900 + 1;

		fill(in, glen, got);
		ck_assert_mem_eq(out, in, glen);
		ck_assert_uint_eq(d.trans_id, got);
		got++;
	}
	ck_assert_uint_eq(got, 2000);
}
END_TEST

START_TEST(write_full_boundary)
{
	static uint8_t data[4096];
	struct vmbus_pkt pkt = { .type = VM_PKT_DATA_INBAND };
	struct vmpacket_descriptor d;

	fake_init(&F, 1, false); /* 4096 data bytes */
	/* A packet the ring can never hold (packet + trailer >= size). */
	pkt.data_len = 4096 - 16 - 8;
	ck_assert_int_eq(ring_write(&F.r, &pkt, NULL, data), -EINVAL);
	/* 2048 with trailer: free 4096 > 2048. */
	pkt.data_len = 2048 - 16 - 8;
	ck_assert_int_eq(ring_write(&F.r, &pkt, NULL, data), 1);
	ck_assert_uint_eq(ring_send_used(&F.r), 2048);
	/* Free == packet + trailer is full: -EAGAIN, pending set. */
	ck_assert_int_eq(ring_write(&F.r, &pkt, NULL, data), -EAGAIN);
	ck_assert_uint_eq(F.hdr->pending_send_sz, 2048);
	ck_assert_uint_eq(F.hdr->write_index, 2048);
	/* 8 bytes less fits, leaving exactly 8 free: never completely full. */
	pkt.data_len = 2040 - 16 - 8;
	ck_assert_int_eq(ring_write(&F.r, &pkt, NULL, data), 0);
	ck_assert_uint_eq(F.hdr->pending_send_sz, 0);
	ck_assert_uint_eq(ring_send_used(&F.r), 4088);
	ck_assert_uint_ne(F.hdr->write_index, F.hdr->read_index);
	/* Even the smallest packet does not fit now. */
	pkt.data_len = 0;
	ck_assert_int_eq(ring_write(&F.r, &pkt, NULL, NULL), -EAGAIN);
	ck_assert_uint_eq(F.hdr->pending_send_sz, 24);
	/* Guest drains one; the retry succeeds and clears pending_send_sz. */
	ck_assert_int_eq(guest_read(&F, &d, data), 2048 - 24);
	ck_assert_int_eq(ring_write(&F.r, &pkt, NULL, NULL), 0);
	ck_assert_uint_eq(F.hdr->pending_send_sz, 0);
}
END_TEST

START_TEST(write_bad_args)
{
	static uint8_t big[600 * 1024];
	struct vmbus_pkt pkt = { .type = VM_PKT_COMP, .hdr_len = 4 };
	uint64_t hdr = 0;

	fake_init(&F, 2, false);
	ck_assert_int_eq(ring_write(&F.r, &pkt, &hdr, NULL), -EINVAL);
	pkt.hdr_len = 8;
	ck_assert_int_eq(ring_write(&F.r, &pkt, &hdr, NULL), 1);
	/* len8 is 16 bits: > 512 KiB cannot be described whatever the ring size. */
	fake_init(&F, MAXPAGES, false);
	pkt.hdr_len = 0;
	pkt.data_len = sizeof(big);
	ck_assert_int_eq(ring_write(&F.r, &pkt, NULL, big), -EINVAL);
	pkt.data_len = 0xffffffffu;
	ck_assert_int_eq(ring_write(&F.r, &pkt, NULL, big), -EINVAL);
	pkt.hdr_len = 0xfffffff8u;
	ck_assert_int_eq(ring_write(&F.r, &pkt, NULL, big), -EINVAL);
	ck_assert_uint_eq(F.hdr->write_index, 0);
}
END_TEST

START_TEST(bogus_indices)
{
	struct vmbus_pkt pkt = { .type = VM_PKT_DATA_INBAND, .data_len = 8 };
	uint8_t buf[64] = { 0 };
	struct fake s = { 0 };
	struct vmbus_ring r;

	fake_init(&F, 2, true);
	F.hdr->write_index = 8192; /* == size */
	ck_assert_int_eq(ring_read(&F.r, &pkt, buf, sizeof(buf)), -EIO);
	ck_assert(ring_recv_empty(&F.r)); /* so drain loops end */
	ck_assert(!ring_recv_unmask(&F.r));
	F.hdr->write_index = 0xfffffff8u;
	ck_assert_int_eq(ring_read(&F.r, &pkt, buf, sizeof(buf)), -EIO);
	F.hdr->write_index = 12; /* misaligned */
	ck_assert_int_eq(ring_skip(&F.r, &pkt), -EIO);
	F.hdr->write_index = 16; /* less than a descriptor + trailer */
	ck_assert_int_eq(ring_read(&F.r, &pkt, buf, sizeof(buf)), -EIO);
	ck_assert_uint_eq(F.r.priv, 0);
	ck_assert_uint_eq(F.hdr->read_index, 0);
	/* The host never trusts its own index in shared memory. */
	F.hdr->write_index = 0;
	F.hdr->read_index = 0xdead;
	ck_assert_int_eq(ring_read(&F.r, &pkt, buf, sizeof(buf)), -EAGAIN);

	fake_init(&s, 2, false);
	s.hdr->read_index = 8192;
	ck_assert_int_eq(ring_write(&s.r, &pkt, NULL, buf), -EIO);
	s.hdr->read_index = 4;
	ck_assert_int_eq(ring_write(&s.r, &pkt, NULL, buf), -EIO);
	ck_assert_uint_eq(ring_send_used(&s.r), 0);
	ck_assert_uint_eq(s.hdr->write_index, 0);
	s.hdr->write_index = 0xbeef; /* ignored: host keeps its own */
	s.hdr->read_index = 0;
	ck_assert_int_eq(ring_write(&s.r, &pkt, NULL, buf), 1);
	ck_assert_uint_eq(s.hdr->write_index, 32);
	fake_free(&s);

	/* ring_init refuses bad starting indices and sizes. */
	F.hdr->read_index = 8192;
	ck_assert_int_eq(ring_init(&r, F.hdr, F.pages, 2, true), -EINVAL);
	F.hdr->read_index = 4;
	ck_assert_int_eq(ring_init(&r, F.hdr, F.pages, 2, true), -EINVAL);
	F.hdr->read_index = 4096;
	ck_assert_int_eq(ring_init(&r, F.hdr, F.pages, 2, true), 0);
	ck_assert_uint_eq(r.priv, 4096);
	ck_assert_int_eq(ring_init(&r, F.hdr, F.pages, 0, true), -EINVAL);
	ck_assert_int_eq(ring_init(&r, F.hdr, F.pages, GPADL_MAX_PAGES + 1, true), -EINVAL);
}
END_TEST

START_TEST(bogus_descriptors)
{
	struct vmbus_pkt pkt;
	uint8_t in[64] = { 1, 2, 3 }, buf[256];

	fake_init(&F, 2, true);
	/* offset8 < 2: the descriptor overlaps its own payload. */
	ck_assert(guest_write_raw(&F, VM_PKT_DATA_INBAND, 1, 4, 0, in, 8));
	ck_assert_int_eq(ring_read(&F.r, &pkt, buf, sizeof(buf)), -EIO);
	ck_assert_int_eq(ring_skip(&F.r, &pkt), -EIO);
	ck_assert_uint_eq(F.hdr->read_index, 0);

	fake_init(&F, 2, true);
	/* len8 < offset8. */
	ck_assert(guest_write_raw(&F, VM_PKT_DATA_INBAND, 4, 3, 0, in, 0));
	ck_assert_int_eq(ring_read(&F.r, &pkt, buf, sizeof(buf)), -EIO);

	fake_init(&F, 2, true);
	/* len8 larger than what was published. */
	ck_assert(guest_write_raw(&F, VM_PKT_DATA_INBAND, 2, 4, 0, in, 16));
	F.hdr->write_index = 16 + 16 + 8 - 8; /* one u64 short */
	ck_assert_int_eq(ring_read(&F.r, &pkt, buf, sizeof(buf)), -EIO);
	F.hdr->write_index = 40; /* exactly the packet + trailer */
	ck_assert_int_eq(ring_read(&F.r, &pkt, buf, sizeof(buf)), 16);

	fake_init(&F, 2, true);
	/* A maximal len8 claims more than the whole ring. */
	ck_assert(guest_write_raw(&F, VM_PKT_DATA_INBAND, 2, 2, 0, in, 0));
	{
		struct vmpacket_descriptor d = { 6, 2, 0xffff, 0, 0 };

		gput(&F, 0, &d, sizeof(d));
	}
	ck_assert_int_eq(ring_read(&F.r, &pkt, buf, sizeof(buf)), -EIO);
	/* offset8 beyond len8 at the maximum. */
	{
		struct vmpacket_descriptor d = { 6, 0xffff, 2, 0, 0 };

		gput(&F, 0, &d, sizeof(d));
	}
	ck_assert_int_eq(ring_read(&F.r, &pkt, buf, sizeof(buf)), -EIO);
}
END_TEST

START_TEST(small_buffer)
{
	struct vmbus_pkt pkt;
	uint8_t in[100], buf[128];

	fake_init(&F, 2, true);
	fill(in, sizeof(in), 3);
	ck_assert(guest_write(&F, 1, in, sizeof(in)));
	ck_assert(guest_write(&F, 2, in, 8));
	ck_assert_int_eq(ring_read(&F.r, &pkt, buf, 103), -ENOBUFS);
	/* The descriptor is reported so the caller knows what it missed. */
	ck_assert_uint_eq(pkt.data_len, 104);
	ck_assert_uint_eq(pkt.trans_id, 1);
	ck_assert_uint_eq(F.hdr->read_index, 0);
	ck_assert_int_eq(ring_read(&F.r, &pkt, NULL, 0), -ENOBUFS);
	ck_assert_int_eq(ring_skip(&F.r, &pkt), 0);
	ck_assert_uint_eq(pkt.trans_id, 1);
	ck_assert_int_eq(ring_read(&F.r, &pkt, buf, 8), 8);
	ck_assert_uint_eq(pkt.trans_id, 2);
	ck_assert_mem_eq(buf, in, 8);
	/* Exactly the payload size is enough. */
	ck_assert(guest_write(&F, 3, in, sizeof(in)));
	ck_assert_int_eq(ring_read(&F.r, &pkt, buf, 104), 104);
}
END_TEST

START_TEST(signal_on_write)
{
	struct vmbus_pkt pkt = { .type = VM_PKT_DATA_INBAND, .data_len = 16 };
	struct vmpacket_descriptor d;
	uint8_t data[16] = { 0 }, out[64];

	fake_init(&F, 2, false);
	/* Empty -> non-empty with interrupts enabled: signal. */
	ck_assert_int_eq(ring_write(&F.r, &pkt, NULL, data), 1);
	/* Guest has not read yet: it will find this packet too. */
	ck_assert_int_eq(ring_write(&F.r, &pkt, NULL, data), 0);
	ck_assert_int_eq(guest_read(&F, &d, out), 16);
	/* Still one unread packet: no signal. */
	ck_assert_int_eq(ring_write(&F.r, &pkt, NULL, data), 0);
	ck_assert_int_eq(guest_read(&F, &d, out), 16);
	ck_assert_int_eq(guest_read(&F, &d, out), 16);
	ck_assert_int_eq(ring_write(&F.r, &pkt, NULL, data), 1);
	/* A batched guest reader masks interrupts while it drains. */
	ck_assert_int_eq(guest_read(&F, &d, out), 16);
	F.hdr->interrupt_mask = 1;
	ck_assert_int_eq(ring_write(&F.r, &pkt, NULL, data), 0);
	ck_assert_int_eq(guest_read(&F, &d, out), 16);
	ck_assert_int_eq(ring_write(&F.r, &pkt, NULL, data), 0);
	F.hdr->interrupt_mask = 0;
	ck_assert_int_eq(guest_read(&F, &d, out), 16);
	ck_assert_int_eq(ring_write(&F.r, &pkt, NULL, data), 1);
}
END_TEST

START_TEST(signal_on_read_done)
{
	struct vmbus_pkt pkt;
	uint8_t in[1000], buf[1024];
	uint32_t free_before, free_after;

	/* Each packet: 16 + 1000 + 8 = 1024 bytes in a 8192-byte ring. */
	fake_init(&F, 2, true);
	fill(in, sizeof(in), 0);
	for (int i = 0; i < 7; i++)
		ck_assert(guest_write(&F, (uint64_t)i, in, sizeof(in)));
	ck_assert(!guest_write(&F, 7, in, sizeof(in))); /* 1024 free, need > 1032 */
	free_before = 8192 - 7 * 1024;

	/* No pending_send_sz: never signal. */
	ck_assert_int_eq(ring_read(&F.r, &pkt, buf, sizeof(buf)), 1000);
	ck_assert(!ring_read_done(&F.r));
	free_before += 1024;

	/* Pending met by this batch (free crosses it): signal, once. */
	F.hdr->pending_send_sz = 1032 + 1024;
	ck_assert_uint_le(free_before, F.hdr->pending_send_sz);
	ck_assert_int_eq(ring_read(&F.r, &pkt, buf, sizeof(buf)), 1000);
	free_after = free_before + 1024;
	ck_assert_uint_gt(free_after, F.hdr->pending_send_sz);
	ck_assert(ring_read_done(&F.r));
	ck_assert(!ring_read_done(&F.r)); /* nothing read since */

	/* Free space was already above pending before the batch: no signal. */
	F.hdr->pending_send_sz = 1032;
	ck_assert_int_eq(ring_read(&F.r, &pkt, buf, sizeof(buf)), 1000);
	ck_assert(!ring_read_done(&F.r));

	/* Still not enough after the batch: no signal. */
	F.hdr->pending_send_sz = 8000;
	ck_assert_int_eq(ring_read(&F.r, &pkt, buf, sizeof(buf)), 1000);
	ck_assert(!ring_read_done(&F.r));

	/* Several reads in one batch count together. */
	F.hdr->pending_send_sz = 7000;
	ck_assert_int_eq(ring_read(&F.r, &pkt, buf, sizeof(buf)), 1000);
	ck_assert_int_eq(ring_read(&F.r, &pkt, buf, sizeof(buf)), 1000);
	ck_assert(ring_read_done(&F.r));
	/* Bogus write index: no signal, no crash. */
	ck_assert(guest_write(&F, 8, in, sizeof(in)));
	ck_assert_int_eq(ring_read(&F.r, &pkt, buf, sizeof(buf)), 1000);
	F.hdr->write_index = 0xffffff00u;
	ck_assert(!ring_read_done(&F.r));
}
END_TEST

START_TEST(mask_drain_unmask)
{
	struct vmbus_pkt pkt;
	uint8_t in[8] = { 0 }, buf[64];
	int rounds = 0, got = 0;

	fake_init(&F, 2, true);
	ck_assert(guest_write(&F, 1, in, 8));
	do {
		ring_recv_mask(&F.r);
		ck_assert_uint_eq(F.hdr->interrupt_mask, 1);
		while (ring_read(&F.r, &pkt, buf, sizeof(buf)) >= 0)
			got++;
		/* A packet lands while masked: the guest does not signal it. */
		if (rounds++ == 0)
			ck_assert(guest_write(&F, 2, in, 8));
	} while (ring_recv_unmask(&F.r));
	ck_assert_int_eq(rounds, 2);
	ck_assert_int_eq(got, 2);
	ck_assert_uint_eq(F.hdr->interrupt_mask, 0);
	ck_assert(!ring_recv_unmask(&F.r));
}
END_TEST

START_TEST(open_over_gpadl)
{
	static const uint64_t pfns[8] = { 0x900, 0x123, 0x800, 0x7ff, 0x200, 0x3fff, 0x10, 0x11 };
	struct vmbus_pkt pkt = { .type = VM_PKT_DATA_INBAND, .trans_id = 77 };
	struct guest_mem mem;
	struct gpadl_table tab;
	struct vmbus_gmsg m = { .type = CHANNELMSG_GPADL_HEADER };
	struct vmbus_ring_pair rp;
	struct vmpacket_descriptor d;
	uint8_t data[5000], chk[5000];
	struct gpadl *g;
	uint32_t off;

	ck_assert_int_eq(gmem_init(&mem, 64 * MiB), 0);
	gpadl_table_init(&tab);
	m.u.gpadl_header.gpadl = 1;
	m.u.gpadl_header.rangecount = 1;
	m.u.gpadl_header.range_buflen = 8 + 8 * 8;
	m.u.gpadl_header.byte_count = 8 * 4096;
	m.u.gpadl_header.npfns = 8;
	memcpy(m.u.gpadl_header.pfn, pfns, sizeof(pfns));
	ck_assert_int_eq(gpadl_header(&tab, &m), 1);
	g = gpadl_find(&tab, 1);

	for (off = 0; off < 10; off++) {
		int want = (off >= 2 && off <= 6) ? 0 : -EINVAL;

		ck_assert_int_eq(ring_open(&rp, &mem, g, off), want);
		ring_close(&rp);
	}
	ck_assert_int_eq(ring_open(&rp, &mem, g, 0xffffffffu), -EINVAL);

	/* Linux's layout for hv_utils: 4 + 4 pages. */
	ck_assert_int_eq(ring_open(&rp, &mem, g, 4), 0);
	ck_assert_uint_eq(rp.recv.size, 3 * 4096);
	ck_assert_uint_eq(rp.send.size, 3 * 4096);
	ck_assert_ptr_eq(rp.recv.hdr, gmem_ptr(&mem, 0x900ULL << 12, 4096));
	ck_assert_ptr_eq(rp.send.hdr, gmem_ptr(&mem, 0x200ULL << 12, 4096));
	/* A 5000-byte payload spans scattered guest pages 0x3fff and 0x10. */
	fill(data, sizeof(data), 9);
	pkt.data_len = sizeof(data);
	ck_assert_int_eq(ring_write(&rp.send, &pkt, NULL, data), 1);
	ck_assert_int_eq(gmem_read(&mem, 0x3fffULL << 12, &d, sizeof(d)), 0);
	ck_assert_uint_eq(d.trans_id, 77);
	ck_assert_uint_eq(d.len8, (16 + 5000) / 8);
	ck_assert_int_eq(gmem_read(&mem, (0x3fffULL << 12) + 16, chk, 4080), 0);
	ck_assert_int_eq(gmem_read(&mem, 0x10ULL << 12, chk + 4080, 920), 0);
	ck_assert_mem_eq(chk, data, sizeof(data));
	ring_close(&rp);

	/* Failure cases: PFN outside RAM, byte offset, incomplete GPADL. */
	g->pfns[7] = 0x4000;
	ck_assert_int_eq(ring_open(&rp, &mem, g, 4), -EFAULT);
	ck_assert_ptr_null(rp.pages);
	g->pfns[7] = 0x11;
	g->byte_offset = 8;
	ck_assert_int_eq(ring_open(&rp, &mem, g, 4), -EINVAL);
	g->byte_offset = 0;
	g->nfilled = 7;
	ck_assert_int_eq(ring_open(&rp, &mem, g, 4), -EINVAL);
	g->nfilled = 8;
	/* A guest-initialised bogus index is refused at open. */
	((struct hv_ring_buffer_hdr *)gmem_ptr(&mem, 0x200ULL << 12, 4096))->write_index = 5;
	ck_assert_int_eq(ring_open(&rp, &mem, g, 4), -EINVAL);

	gpadl_table_reset(&tab);
	gmem_free(&mem);
}
END_TEST

static Suite *vmbus_ring_suite(void)
{
	Suite *s = suite_create("vmbus_ring");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, empty);
	tcase_add_test(tc, read_basic);
	tcase_add_test(tc, read_wraparound);
	tcase_add_test(tc, write_wraparound);
	tcase_add_test(tc, write_full_boundary);
	tcase_add_test(tc, write_bad_args);
	tcase_add_test(tc, bogus_indices);
	tcase_add_test(tc, bogus_descriptors);
	tcase_add_test(tc, small_buffer);
	tcase_add_test(tc, signal_on_write);
	tcase_add_test(tc, signal_on_read_done);
	tcase_add_test(tc, mask_drain_unmask);
	tcase_add_test(tc, open_over_gpadl);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(vmbus_ring_suite)
