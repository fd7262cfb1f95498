// SPDX-License-Identifier: MIT
/*
 * The hostile steps, run in a seeded order by hostile_run(). Each step
 * may leave the VMBus connection in any state: the next one reconnects
 * when it needs to. Nothing here waits without a deadline, and no
 * failure of the host to answer is fatal here; only main.c's final check
 * decides whether hvmm survived.
 *
 * Message layouts: devices/vmbus/proto.h. The hostile sequences are the
 * ones issue 7 names: malformed, out of order (OPENCHANNEL then
 * CLOSECHANNEL/GPADL_TEARDOWN/UNLOAD/INITIATE_CONTACT while the result
 * is still undelivered because the SINT2 slot is busy), floods, ring
 * corruption, unknown connection ids, unclaimed ports and MMIO.
 */
#include "hostile.h"

#define QUIET_MS 40   /* a drain ends after this long without a message */
#define DRAIN_MS 1500 /* and never takes longer than this */
#define CONNECT_MS 3000

static uint8_t ring_a[8 * PAGE] ALIGNED_PAGE;
static uint8_t ring_b[8 * PAGE] ALIGNED_PAGE;
static uint8_t junk[4 * PAGE] ALIGNED_PAGE;
static uint32_t next_handle = GPADL_HANDLE_BASE;

static uint32_t new_handle(void)
{
	/* The AP aims at the same window of handles. */
	uint32_t h = next_handle++;

	if (next_handle == GPADL_HANDLE_BASE + 64)
		next_handle = GPADL_HANDLE_BASE;
	return h;
}

static uint64_t pfn_of(const void *p)
{
	return (uintptr_t)p >> 12;
}

static void drain(struct vp *vp)
{
	vmbus_drain(vp, QUIET_MS, DRAIN_MS);
}

/* Connected at 5.3 with the offers known; false if the host would not. */
static bool reconnect(struct vp *vp)
{
	return !vmbus_connect(vp, CONNECT_MS) && !vmbus_offers(vp, CONNECT_MS);
}

static void ring_reset(struct ring_set *rs, uint8_t *pages, uint32_t npages, uint32_t down)
{
	memset(pages, 0, npages * PAGE);
	rs->pages = pages;
	rs->npages = npages;
	rs->down = down;
	rs->gpadl = new_handle();
}

/* ---- bad hypercall inputs ---------------------------------------------------- */

static void raw_post(struct vp *vp, uint64_t control, uint64_t gpa)
{
	hv_hcall(control, gpa, 0);
	st.hcalls_bad++;
}

static void step_hypercalls(struct vp *vp, struct rng *r)
{
	static const uint32_t conns[] = { 0, 2, 3, 5, 0x10, 0x7fff, 0xffffff, 0x1000001 };
	static const uint16_t codes[] = { 0x0000, 0x0001, 0x005b, 0x005e, 0x0069, 0x00ff, 0x7fff };
	uint64_t in = (uintptr_t)vp->in;
	unsigned int i;

	vp->in->conn_id = 1;
	vp->in->msg_type = 1;
	vp->in->size = 8;
	*(uint32_t *)vp->in->payload = CHANNELMSG_REQUESTOFFERS;
	raw_post(vp, HVCALL_POST_MESSAGE, in + 4);                 /* misaligned */
	raw_post(vp, HVCALL_POST_MESSAGE, in + PAGE - 16);         /* crosses a page */
	raw_post(vp, HVCALL_POST_MESSAGE, 0xd0000000);             /* MMIO hole */
	raw_post(vp, HVCALL_POST_MESSAGE, 0xfee00000);             /* the LAPIC */
	raw_post(vp, HVCALL_POST_MESSAGE, 1ULL << 40);             /* beyond RAM */
	raw_post(vp, HVCALL_POST_MESSAGE, 0xfffffffffffff000ULL); /* wraps */
	raw_post(vp, HVCALL_POST_MESSAGE | HV_HYPERCALL_FAST, in); /* no fast form */
	raw_post(vp, HVCALL_POST_MESSAGE | HV_HYPERCALL_REP_COUNT(3), in);
	raw_post(vp, HVCALL_POST_MESSAGE | (5ULL << 17), in); /* variable header size */
	for (i = 0; i < 4; i++) {
		vp->in->size = i == 0 ? 241 : i == 1 ? 0xffffffff : i == 2 ? 256 : 0;
		raw_post(vp, HVCALL_POST_MESSAGE, in);
	}
	vp->in->size = 8;
	vp->in->msg_type = 0;
	raw_post(vp, HVCALL_POST_MESSAGE, in);
	vp->in->msg_type = 0x80000001;
	raw_post(vp, HVCALL_POST_MESSAGE, in);
	vp->in->msg_type = 1;
	for (i = 0; i < ARRAY_SIZE(conns); i++) {
		vp->in->conn_id = conns[i];
		raw_post(vp, HVCALL_POST_MESSAGE, in);
	}
	for (i = 0; i < ARRAY_SIZE(codes); i++)
		raw_post(vp, codes[i] | (rng_below(r, 2) ? HV_HYPERCALL_FAST : 0), in);
	/* Slow HvSignalEvent: the input is read from memory. */
	*(uint64_t *)vp->in = 0x7777;
	raw_post(vp, HVCALL_SIGNAL_EVENT, in);
	raw_post(vp, HVCALL_SIGNAL_EVENT, 0xd0000000);
	drain(vp);
}

/* ---- malformed messages ------------------------------------------------------- */

static const struct {
	uint32_t type, size;
} g2h[] = {
#define G2H_ENTRY(t, n) { t, n },
	VMBUS_G2H_MSG_SIZES(G2H_ENTRY)
#undef G2H_ENTRY
	{ CHANNELMSG_TL_CONNECT_REQUEST, 40 },
};

static void fill(struct rng *r, uint8_t *b, uint32_t n)
{
	while (n--)
		*b++ = (uint8_t)rng_next(r);
}

static void step_malformed(struct vp *vp, struct rng *r)
{
	static const uint32_t odd_types[] = { 0, 1, 2, 4, 6, 10, 12, 15, 17, 18, 19, 20,
					      23, 24, 25, 26, 1000, 0x80000000, 0xffffffff };
	uint8_t m[240];
	unsigned int i, n;

	if (!reconnect(vp))
		return;
	for (i = 0; i < ARRAY_SIZE(g2h); i++) {
		uint32_t conn = g2h[i].type == CHANNELMSG_INITIATE_CONTACT ? 4 : 1;

		if (g2h[i].type == CHANNELMSG_UNLOAD || g2h[i].type == CHANNELMSG_INITIATE_CONTACT)
			continue; /* a short one is harmless, a long one resets: below */
		fill(r, m, sizeof(m));
		*(uint32_t *)m = g2h[i].type;
		hv_post(vp, conn, m, g2h[i].size - 1);           /* one byte short */
		hv_post(vp, conn, m, 4 + rng_below(r, 4));       /* header cut */
		fill(r, m + 4, sizeof(m) - 4);
		hv_post(vp, conn, m, 240);                       /* long, random tail */
		drain(vp);
	}
	for (i = 0; i < ARRAY_SIZE(odd_types); i++) {
		fill(r, m, sizeof(m));
		*(uint32_t *)m = odd_types[i];
		hv_post(vp, 1 + 3 * rng_below(r, 2), m, 8 + rng_below(r, 233));
	}
	for (i = 0; i < 8; i++)
		hv_post(vp, 1, m, i); /* shorter than a header */
	drain(vp);
	/* Seeded fuzz: random type (mostly real ones), length and bytes. */
	n = 96 + rng_below(r, 96);
	for (i = 0; i < n; i++) {
		uint32_t len = rng_below(r, 241);

		fill(r, m, sizeof(m));
		if (len >= 4)
			*(uint32_t *)m = rng_below(r, 8) ? rng_below(r, CHANNELMSG_COUNT + 1)
							 : (uint32_t)rng_next(r);
		hv_post(vp, rng_below(r, 2) ? 1 : 4, m, len);
		if (i % 16 == 15)
			drain(vp);
	}
	drain(vp);
}

/* ---- bad relids, bad INITIATE_CONTACTs ------------------------------------------ */

static void step_relids(struct vp *vp, struct rng *r)
{
	static const uint32_t relids[] = { 0, 5, 16, 17, 0xffff, 0x80000000, 0xffffffff };
	uint64_t pfn = pfn_of(junk);
	unsigned int i;

	if (!reconnect(vp))
		return;
	for (i = 0; i < ARRAY_SIZE(relids); i++) {
		uint32_t rel = relids[i], h = new_handle();

		post_open(vp, rel, h, 0, 2);
		post_relid(vp, CHANNELMSG_CLOSECHANNEL, rel);
		post_gpadl_header(vp, rel, h, 16, 1, PAGE, 0, &pfn, 1);
		post_open(vp, rel, h, rng_below(r, 2) ? 0 : 99, 1);
		post_modify(vp, rel, rng_below(r, 2) ? 0 : 99);
		post_relid(vp, CHANNELMSG_RELID_RELEASED, rel);
		post_teardown(vp, rel, h);
		drain(vp);
	}
	/* A valid relid with a bad vCPU, twice-opened, closed when not open. */
	post_modify(vp, shutdown_ic.relid, 77);
	post_relid(vp, CHANNELMSG_CLOSECHANNEL, shutdown_ic.relid);
	post_relid(vp, CHANNELMSG_RELID_RELEASED, shutdown_ic.relid);
	drain(vp);
	/* INITIATE_CONTACT nobody supports: the server must refuse, not reset badly. */
	post_initiate(vp, 0xdead, 0, 2);
	post_initiate(vp, VMBUS_VERSION(5, 4), 0, 2);
	post_initiate(vp, VERSION_WIN10_V5_3, 99, 2);
	post_initiate(vp, VERSION_WIN10_V5_3, 0, 5);
	post_initiate(vp, VERSION_WS2008, 0, 2);
	post_initiate(vp, VERSION_WIN10_V5_3, 0xffffffff, 0xff);
	drain(vp);
}

/* ---- GPADL abuse ------------------------------------------------------------------ */

static void step_gpadl(struct vp *vp, struct rng *r)
{
	uint64_t pfn[VMBUS_GPADL_BODY_MAX_PFNS];
	uint32_t relid, h, h2, i;
	struct ring_set rs;

	if (!reconnect(vp))
		return;
	relid = shutdown_ic.relid;
	for (i = 0; i < ARRAY_SIZE(pfn); i++)
		pfn[i] = pfn_of(junk) + (i & 3);
	/* Range descriptions that cannot be right. */
	post_gpadl_header(vp, relid, new_handle(), 16, 0, PAGE, 0, pfn, 1);      /* no range */
	post_gpadl_header(vp, relid, new_handle(), 16, 2, PAGE, 0, pfn, 1);      /* 2 ranges */
	post_gpadl_header(vp, relid, new_handle(), 16, 0xffff, PAGE, 0, pfn, 1);
	post_gpadl_header(vp, relid, new_handle(), 0, 1, PAGE, 0, pfn, 1);       /* no PFNs */
	post_gpadl_header(vp, relid, new_handle(), 12, 1, PAGE, 0, pfn, 1);      /* half a PFN */
	post_gpadl_header(vp, relid, new_handle(), 16, 1, PAGE, PAGE, pfn, 1);   /* offset >= page */
	post_gpadl_header(vp, relid, new_handle(), 16, 1, 0, 0, pfn, 1);         /* no bytes */
	post_gpadl_header(vp, relid, new_handle(), 16, 1, PAGE + 1, 0, pfn, 1);  /* > pages */
	post_gpadl_header(vp, relid, new_handle(), 24, 1, 2 * PAGE, 0, pfn, 3);  /* more PFNs */
	post_gpadl_header(vp, relid, new_handle(), 16, 1, 0xffffffff, 0xfff, pfn, 1);
	drain(vp);
	/* A huge GPADL fed by bodies, overfed, then used half-built. */
	h = new_handle();
	post_gpadl_header(vp, relid, h, 0xfff8, 1, 0xfff0 / 8 * PAGE, 0, pfn, 26);
	for (i = 0; i < 4; i++)
		post_gpadl_body(vp, h, i + 1, pfn, VMBUS_GPADL_BODY_MAX_PFNS);
	post_open(vp, relid, h, 0, 2);
	post_gpadl_body(vp, h, 99, pfn, VMBUS_GPADL_BODY_MAX_PFNS);
	post_teardown(vp, relid, h);
	h = new_handle();
	post_gpadl_header(vp, relid, h, 8 + 8 * 30, 1, 30 * PAGE, 0, pfn, 26);
	post_gpadl_body(vp, h, 1, pfn, 28); /* 4 needed, 28 given: dropped whole */
	post_gpadl_body(vp, h, 2, pfn, 4);  /* for a GPADL that is gone */
	post_gpadl_body(vp, 0x12345678, 1, pfn, 1);
	post_teardown(vp, relid, 0x12345678);
	drain(vp);
	/* PFNs outside RAM, then an OPEN that would map them. */
	{
		static const uint64_t bad[] = { 0xd0000, 0xfee00, 0xfffff, 1ULL << 40, 1ULL << 52,
						~0ULL };

		for (i = 0; i < ARRAY_SIZE(bad); i++) {
			uint64_t p4[4] = { pfn_of(junk), bad[i], pfn_of(junk) + 1, bad[i] };

			h = new_handle();
			post_gpadl_header(vp, relid, h, 8 + 32, 1, 4 * PAGE, 0, p4, 4);
			post_open(vp, relid, h, 0, 2);
			post_teardown(vp, relid, h);
		}
		drain(vp);
	}
	/* A complete GPADL: duplicate handle, bad open offsets, double teardown. */
	h = new_handle();
	post_gpadl_header(vp, relid, h, 8 + 32, 1, 4 * PAGE, 0, pfn, 4);
	post_gpadl_header(vp, relid, h, 8 + 32, 1, 4 * PAGE, 0, pfn, 4);
	post_gpadl_body(vp, h, 1, pfn, 1);
	for (i = 0; i < 5; i++)
		post_open(vp, relid, h, 0, i == 4 ? 0xffffffff : i == 3 ? 4 : i);
	post_teardown(vp, relid, h);
	post_teardown(vp, relid, h);
	drain(vp);
	/* A ring whose every page is the same page: headers and data alias. */
	h = new_handle();
	for (i = 0; i < 4; i++)
		pfn[i] = pfn_of(junk);
	post_gpadl_header(vp, relid, h, 8 + 32, 1, 4 * PAGE, 0, pfn, 4);
	post_open(vp, relid, h, 0, 2);
	vmbus_drain(vp, 100, DRAIN_MS);
	hv_signal(shutdown_ic.conn_id);
	post_relid(vp, CHANNELMSG_CLOSECHANNEL, relid);
	post_teardown(vp, relid, h);
	drain(vp);
	/* Overlapping GPADLs: two channels share one set of ring pages. */
	if (heartbeat_ic.found) {
		ring_reset(&rs, ring_b, 8, 4);
		h2 = new_handle();
		for (i = 0; i < 8; i++)
			pfn[i] = pfn_of(ring_b) + i;
		post_gpadl_header(vp, relid, rs.gpadl, 8 + 64, 1, 8 * PAGE, 0, pfn, 8);
		post_gpadl_header(vp, heartbeat_ic.relid, h2, 8 + 64, 1, 8 * PAGE, 0, pfn, 8);
		post_open(vp, relid, rs.gpadl, 0, 4);
		post_open(vp, heartbeat_ic.relid, h2, 0, 4);
		vmbus_drain(vp, 100, DRAIN_MS);
		for (i = 0; i < 40; i++) {
			uint8_t pkt[64];

			fill(r, pkt, sizeof(pkt));
			if (ring_put(&rs, pkt, 8 + rng_below(r, 56), i) < 0)
				st.ring_full++;
			else
				st.ring_pkts++;
			hv_signal(i & 1 ? heartbeat_ic.conn_id : shutdown_ic.conn_id);
		}
		post_relid(vp, CHANNELMSG_CLOSECHANNEL, heartbeat_ic.relid);
		post_teardown(vp, relid, rs.gpadl); /* closes the shutdown IC first */
		post_teardown(vp, heartbeat_ic.relid, h2);
		drain(vp);
	}
	/* Fill the GPADL table until the server says no; a reconnect empties it. */
	for (i = 0; i < 80; i++) {
		post_gpadl_header(vp, relid, 0x70000000 + i, 8 + 8 * 26, 1, 26 * PAGE, 0, pfn, 26);
		if (i % 16 == 15)
			drain(vp);
	}
	drain(vp);
}

/* ---- out of order: the result of an OPEN still undelivered ------------------------- */

enum ooo_kind { OOO_CLOSE, OOO_TEARDOWN, OOO_UNLOAD, OOO_INITIATE, OOO_REOPEN, OOO_MODIFY,
		OOO_NR };
static const char *const ooo_names[OOO_NR] = {
	"open+close", "open+teardown", "open+unload", "open+initiate", "open+close+open",
	"open+modify+close+release",
};

/* Take messages, but EOM only when `eom` (else hvmm's 20 ms poll must do). */
static void release_slot(struct vp *vp, bool eom)
{
	uint64_t end = hv_now_ms() + DRAIN_MS, quiet = hv_now_ms() + QUIET_MS, now;
	unsigned int spins = 0;

	for (;;) {
		if (slot_busy(vp)) {
			if (eom)
				slot_take(vp, NULL, NULL);
			else
				slot_free_no_eom(vp);
			quiet = hv_now_ms() + QUIET_MS;
			continue;
		}
		if (++spins % 512 == 0 && ((now = hv_now_ms()) >= end || now >= quiet))
			return;
		cpu_relax();
	}
}

static bool slot_is_busy(void *vp)
{
	return slot_busy(vp);
}

static void ooo_one(struct vp *vp, struct rng *r, enum ooo_kind k)
{
	struct ring_set rs;
	uint32_t relid;

	if (!reconnect(vp))
		return;
	relid = shutdown_ic.relid;
	ring_reset(&rs, ring_a, 4, 2);
	if (vmbus_gpadl(vp, relid, &rs, CONNECT_MS))
		return;
	/* Occupy the slot: the offers come back one at a time, the first stays. */
	post_hdr(vp, CHANNELMSG_REQUESTOFFERS);
	spin_wait(slot_is_busy, vp, 1000);
	post_open(vp, relid, rs.gpadl, 0, 2);
	switch (k) {
	case OOO_CLOSE:
		post_relid(vp, CHANNELMSG_CLOSECHANNEL, relid);
		break;
	case OOO_TEARDOWN:
		post_teardown(vp, relid, rs.gpadl);
		break;
	case OOO_UNLOAD:
		post_hdr(vp, CHANNELMSG_UNLOAD);
		break;
	case OOO_INITIATE:
		post_initiate(vp, VERSION_WIN10_V5_3, 0, 2);
		break;
	case OOO_REOPEN:
		post_relid(vp, CHANNELMSG_CLOSECHANNEL, relid);
		post_open(vp, relid, rs.gpadl, 0, 2);
		break;
	case OOO_MODIFY:
		post_modify(vp, relid, 0);
		post_relid(vp, CHANNELMSG_CLOSECHANNEL, relid);
		post_relid(vp, CHANNELMSG_RELID_RELEASED, relid);
		break;
	default:
		break;
	}
	/* Let the server handle all of it while the result still waits. */
	delay_ms(150);
	release_slot(vp, rng_below(r, 4) != 0);
	post_relid(vp, CHANNELMSG_CLOSECHANNEL, relid);
	post_teardown(vp, relid, rs.gpadl);
	drain(vp);
}

static void step_out_of_order(struct vp *vp, struct rng *r)
{
	unsigned int i, order[OOO_NR];

	for (i = 0; i < OOO_NR; i++)
		order[i] = i;
	for (i = OOO_NR - 1; i > 0; i--) {
		unsigned int j = rng_below(r, i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < OOO_NR; i++) {
		con_puts("HOSTILE:   ");
		con_puts(ooo_names[order[i]]);
		con_puts("\n");
		ooo_one(vp, r, (enum ooo_kind)order[i]);
	}
}

/* ---- floods --------------------------------------------------------------------- */

static void step_flood(struct vp *vp, struct rng *r)
{
	unsigned int i, full = 0;

	if (!reconnect(vp))
		return;
	/* Answers pile up behind a slot nobody frees; questions behind them. */
	for (i = 0; i < 200; i++)
		if (post_teardown(vp, shutdown_ic.relid, 0x60000000 + rng_below(r, 1000)) ==
		    HV_STATUS_INSUFFICIENT_BUFFERS)
			full++;
	for (i = 0; i < 60; i++)
		post_hdr(vp, CHANNELMSG_REQUESTOFFERS);
	for (i = 0; i < 60; i++)
		post_modify(vp, shutdown_ic.relid, rng_below(r, 2));
	con_puts("HOSTILE:   input queue full");
	con_kv("times", full);
	con_puts("\n");
	drain(vp);
}

/* ---- a ring: flooded, corrupted, closed under load --------------------------------- */

static void step_ring(struct vp *vp, struct rng *r)
{
	struct hv_ring_buffer_hdr *out = (void *)ring_a, *in = (void *)(ring_a + 4 * PAGE);
	uint32_t relid, i, size = 3 * PAGE;
	struct ring_set rs;
	uint8_t pkt[200];

	if (!reconnect(vp))
		return;
	relid = shutdown_ic.relid;
	ring_reset(&rs, ring_a, 8, 4);
	if (vmbus_gpadl(vp, relid, &rs, CONNECT_MS) || vmbus_open(vp, relid, &rs, CONNECT_MS))
		return;
	/* As fast as possible, signalling after every packet. */
	for (i = 0; i < 300; i++) {
		uint32_t len = 8 + rng_below(r, sizeof(pkt) - 8);

		fill(r, pkt, len);
		/* Often a plausible IC header, so the device parses further. */
		if (rng_below(r, 2)) {
			*(uint32_t *)pkt = 1;                 /* pipe flags: data */
			*(uint32_t *)(pkt + 4) = len - 8;     /* pipe msgsize */
			*(uint16_t *)(pkt + 12) = (uint16_t)rng_below(r, 8); /* icmsgtype */
		}
		if (ring_put(&rs, pkt, len, i) < 0)
			st.ring_full++;
		else
			st.ring_pkts++;
		hv_signal(shutdown_ic.conn_id);
	}
	/* Corrupt indices: write index out of range, misaligned, then bad descriptors. */
	WR_ONCE(out->write_index, size + 8);
	hv_signal(shutdown_ic.conn_id);
	WR_ONCE(out->write_index, 3);
	hv_signal(shutdown_ic.conn_id);
	for (i = 0; i < 12; i++) {
		uint32_t w = RD_ONCE(out->read_index) % size & ~7u;
		struct vmpacket_descriptor d = { .type = (uint16_t)rng_next(r) };
		uint8_t *data = ring_a + PAGE;

		switch (i % 4) {
		case 0: d.offset8 = 0; d.len8 = 4; break;
		case 1: d.offset8 = 9; d.len8 = 3; break;
		case 2: d.offset8 = 2; d.len8 = 0xffff; break;
		default: d.offset8 = 2; d.len8 = (uint16_t)(size / 8 - 1); break;
		}
		memcpy(data + w, &d, sizeof(d));
		WR_ONCE(out->write_index, (w + 16 + 8 * (i % 3 + 1)) % size);
		hv_signal(shutdown_ic.conn_id);
	}
	/* The host's own ring: read index nonsense, huge pending size. */
	WR_ONCE(in->read_index, 0xfffffff8);
	WR_ONCE(in->pending_send_sz, 0xffffffff);
	WR_ONCE(in->interrupt_mask, 0x12345678);
	hv_signal(shutdown_ic.conn_id);
	/* Close while still producing: the close must not wait for us. */
	WR_ONCE(out->write_index, RD_ONCE(out->read_index));
	post_relid(vp, CHANNELMSG_CLOSECHANNEL, relid);
	for (i = 0; i < 50; i++) {
		fill(r, pkt, 64);
		ring_put(&rs, pkt, 64, i);
		hv_signal(shutdown_ic.conn_id);
	}
	post_teardown(vp, relid, rs.gpadl);
	drain(vp);
}

/* ---- events on connection ids nobody registered -------------------------------------- */

static void step_signals(struct vp *vp, struct rng *r)
{
	static const uint64_t ids[] = { 0, 1, 2, 3, 4, 0x10, 0x11, 0x14, 0x15, 0x20, 0x7fff,
					0xffffff, 0x1000011, 0xffffffff,
					0x11 | 1ULL << 32, 0x11 | 0xffffULL << 32, ~0ULL };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ids); i++)
		hv_signal(ids[i]);
	for (i = 0; i < 40; i++)
		hv_signal(rng_next(r) & (rng_below(r, 2) ? 0xff : 0xffffffffffffULL));
	(void)vp;
}

/* ---- SynIC games: the host's slot disappears under it -------------------------------- */

static void step_synic(struct vp *vp, struct rng *r)
{

	if (!reconnect(vp))
		return;
	/* SynIC off with answers pending: the host must wait, not lose its mind. */
	post_hdr(vp, CHANNELMSG_REQUESTOFFERS);
	wrmsr(HV_MSR_SCONTROL, 0);
	post_hdr(vp, CHANNELMSG_REQUESTOFFERS);
	delay_ms(80);
	wrmsr(HV_MSR_SCONTROL, 1);
	drain(vp);
	/* Message page moved outside RAM, to MMIO, to a junk page, then disabled. */
	post_hdr(vp, CHANNELMSG_REQUESTOFFERS);
	wrmsr(HV_MSR_SIMP, 0xd0000000 | 1);
	post_hdr(vp, CHANNELMSG_REQUESTOFFERS);
	wrmsr(HV_MSR_SIEFP, 0xd0001000 | 1);
	hv_signal(shutdown_ic.conn_id);
	delay_ms(80);
	wrmsr(HV_MSR_SIMP, (uintptr_t)(junk + 2 * PAGE) | 1);
	post_hdr(vp, CHANNELMSG_REQUESTOFFERS);
	wrmsr(HV_MSR_SIMP, (uintptr_t)(junk + 2 * PAGE));
	wrmsr(HV_MSR_SINT0 + 2, 0x40 | HV_SINT_MASKED);
	post_hdr(vp, CHANNELMSG_REQUESTOFFERS);
	delay_ms(80);
	hv_vp_synic_enable(vp);
	(void)r;
	drain(vp);
}

/* ---- open and close in a loop (with the AP closing the same channel) ---------------- */

static void step_open_close(struct vp *vp, struct rng *r)
{
	unsigned int i;

	for (i = 0; i < 6; i++) {
		struct ring_set rs;

		if (!reconnect(vp))
			continue;
		ring_reset(&rs, ring_a, 4, 2);
		if (vmbus_gpadl(vp, shutdown_ic.relid, &rs, CONNECT_MS))
			continue;
		vmbus_open(vp, shutdown_ic.relid, &rs, rng_below(r, 2) ? CONNECT_MS : 1);
		post_relid(vp, CHANNELMSG_CLOSECHANNEL, shutdown_ic.relid);
		if (rng_below(r, 2))
			post_hdr(vp, CHANNELMSG_UNLOAD);
		post_teardown(vp, shutdown_ic.relid, rs.gpadl);
		drain(vp);
	}
}

static void step_io(struct vp *vp, struct rng *r)
{
	hostile_poke_io(r);
	(void)vp;
}

static const struct {
	const char *name;
	void (*fn)(struct vp *vp, struct rng *r);
} steps[] = {
	{ "bad hypercall inputs", step_hypercalls },
	{ "malformed messages", step_malformed },
	{ "bad relids and versions", step_relids },
	{ "GPADL abuse", step_gpadl },
	{ "out-of-order open (slot busy)", step_out_of_order },
	{ "message floods", step_flood },
	{ "ring flood and corruption", step_ring },
	{ "signals on unknown connections", step_signals },
	{ "SynIC pages moved", step_synic },
	{ "open/close loop", step_open_close },
	{ "unclaimed ports and MMIO", step_io },
};

/* only=N on the command line runs just step N (1-based, table order). */
void hostile_run(struct vp *vp, struct rng *r)
{
	unsigned int i, n = ARRAY_SIZE(steps), order[ARRAY_SIZE(steps)];
	uint64_t only = cmdline_u64("only", 0);

	for (i = 0; i < ARRAY_SIZE(steps); i++)
		order[i] = i;
	for (i = ARRAY_SIZE(steps) - 1; i > 0; i--) {
		unsigned int j = rng_below(r, i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	if (only && only <= ARRAY_SIZE(steps)) {
		order[0] = (unsigned int)only - 1;
		n = 1;
	}
	for (i = 0; i < n; i++) {
		con_puts("HOSTILE: step ");
		con_puts(steps[order[i]].name);
		con_kv("t_ms", hv_now_ms());
		con_puts("\n");
		steps[order[i]].fn(vp, r);
		st.steps++;
	}
}
