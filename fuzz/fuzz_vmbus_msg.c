// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: a guest's stream of VMBus channel messages, fed to
 * the message decoder and, when they decode, to the GPADL assembler,
 * teardown, mapping and ring opening, as the server would.
 *
 * Build and run (libFuzzer runtime: Debian package libclang-rt-14-dev):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -Ivmm -Idevices
 *         fuzz/fuzz_vmbus_msg.c devices/vmbus/msg.c devices/vmbus/gpadl.c
 *         devices/vmbus/ring.c vmm/guest_mem.c -o /tmp/fzvmsg
 *   /tmp/fzvmsg -max_total_time=30
 *
 * Input: one flags byte, then a sequence of [len byte][len bytes]
 * records, each one message (len may exceed 240 to hit the size check).
 * Flag bit 0 folds decoded PFNs into guest RAM, so that random inputs
 * also reach GPADL mapping and ring opening; without it PFNs are raw. Every message is copied
 * into an exactly-sized heap buffer so ASan catches any overread. The
 * table's invariants are checked after every step; everything is freed
 * at the end so LeakSanitizer checks the error paths.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest_mem.h"
#include "util.h"
#include "vmbus/gpadl.h"
#include "vmbus/msg.h"
#include "vmbus/ring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Guest RAM for mapping: 16 MiB, PFNs 0..0xfff. Reserved, never touched much. */
static struct guest_mem mem;

static void check_table(const struct gpadl_table *t)
{
	uint64_t pages = 0;
	unsigned int i, j;

	if (t->count > GPADL_TABLE_MAX || t->pages > GPADL_TABLE_MAX_PAGES)
		abort();
	for (i = 0; i < t->count; i++) {
		const struct gpadl *g = t->slot[i];

		if (!g || !g->npages || g->npages > GPADL_MAX_PAGES || g->nfilled > g->npages)
			abort();
		if (g->byte_offset >= HV_PAGE_SIZE ||
		    (uint64_t)g->byte_offset + g->byte_count > (uint64_t)g->npages * HV_PAGE_SIZE)
			abort();
		for (j = i + 1; j < t->count; j++)
			if (t->slot[j]->handle == g->handle)
				abort();
		pages += g->npages;
	}
	if (pages != t->pages)
		abort();
}

/* Every host message encodes to at most 240 bytes, with a valid size. */
static void check_encode(uint32_t type)
{
	struct vmbus_hmsg m;
	uint8_t buf[VMBUS_MSG_MAX];
	int n;

	memset(&m, 0xa5, sizeof(m));
	m.type = type;
	n = vmbus_msg_encode(&m, buf, sizeof(buf));
	if (n != -EINVAL && (n < 8 || VMBUS_MSG_WIRE_SIZE((size_t)n) > VMBUS_MSG_MAX))
		abort();
}

static void fold_pfns(struct vmbus_gmsg *m)
{
	uint64_t ram_pages = mem.size / HV_PAGE_SIZE;
	uint32_t i;

	if (m->type == CHANNELMSG_GPADL_HEADER)
		for (i = 0; i < m->u.gpadl_header.npfns; i++)
			m->u.gpadl_header.pfn[i] %= ram_pages;
	if (m->type == CHANNELMSG_GPADL_BODY)
		for (i = 0; i < m->u.gpadl_body.npfns; i++)
			m->u.gpadl_body.pfn[i] %= ram_pages;
}

static void handle(struct gpadl_table *t, const struct vmbus_gmsg *m)
{
	struct vmbus_ring_pair rp;
	uint8_t *pages[64];
	struct gpadl *g;
	uint32_t relid;
	int ret;

	switch (m->type) {
	case CHANNELMSG_GPADL_HEADER:
		ret = gpadl_header(t, m);
		if (ret > 1)
			abort();
		break;
	case CHANNELMSG_GPADL_BODY:
		ret = gpadl_body(t, m, &relid);
		if (ret > 1)
			abort();
		break;
	case CHANNELMSG_GPADL_TEARDOWN:
		gpadl_teardown(t, m->u.gpadl_teardown.gpadl);
		break;
	case CHANNELMSG_OPENCHANNEL:
		g = gpadl_find(t, m->u.open.gpadl);
		if (!g || !gpadl_complete(g))
			break;
		gpadl_map(&mem, g, m->u.open.target_vp % (g->npages + 1),
			  MIN(g->npages, (uint32_t)(sizeof(pages) / sizeof(pages[0]))), pages);
		if (ring_open(&rp, &mem, g, m->u.open.downstream_offset) == 0) {
			struct vmbus_pkt pkt;
			uint8_t buf[64];

			g->users++;
			/* Guest RAM is zero or fuzzer-written: just exercise the paths. */
			(void)ring_read(&rp.recv, &pkt, buf, sizeof(buf));
			ring_close(&rp);
			g->users--;
		}
		break;
	case CHANNELMSG_UNLOAD:
	case CHANNELMSG_INITIATE_CONTACT:
		gpadl_table_reset(t);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gpadl_table t;
	size_t pos = 1;
	bool fold;

	if (!mem.host && gmem_init(&mem, 16ULL << 20))
		abort();
	if (!size)
		return 0;
	fold = data[0] & 1;
	gpadl_table_init(&t);
	while (pos < size) {
		size_t len = data[pos++];
		struct vmbus_gmsg m;
		uint8_t *msg;
		int ret;

		/* Lengths above 240 are scaled up to reach the oversize path too. */
		if (len > 240)
			len = 240 + (len - 240) * 16;
		len = MIN(len, size - pos);
		msg = malloc(len ? len : 1);
		if (!msg)
			abort();
		memcpy(msg, data + pos, len);
		pos += len;
		ret = vmbus_msg_decode(msg, len, &m);
		free(msg);
		if (ret == 0) {
			if (m.type == CHANNELMSG_INVALID || !strcmp(vmbus_msg_type_name(m.type), "UNKNOWN"))
				abort();
			if (fold)
				fold_pfns(&m);
			handle(&t, &m);
		} else if (ret != -EBADMSG && ret != -EMSGSIZE && ret != -ENOMSG &&
			   ret != -EPROTO && ret != -EOPNOTSUPP) {
			abort();
		}
		check_table(&t);
		check_encode(len % (CHANNELMSG_COUNT + 2));
	}
	gpadl_table_reset(&t);
	return 0;
}
