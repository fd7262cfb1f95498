/* SPDX-License-Identifier: MIT */
/*
 * GPADLs (guest physical address descriptor lists): the page lists a
 * guest hands the host with GPADL_HEADER + GPADL_BODY... messages,
 * named by a guest-chosen 32-bit handle, later referenced by
 * OPENCHANNEL (ring buffers) or device protocols.
 *
 * Contract with the VMBus server:
 *  - Every message is first decoded by vmbus_msg_decode(); this module
 *    only sees host-private copies.
 *  - gpadl_header()/gpadl_body() return 1 when the GPADL just became
 *    complete (send GPADL_CREATED(status 0) now), 0 when more bodies are
 *    expected, or a negative error. An error from gpadl_header() means
 *    no GPADL was created; answer GPADL_CREATED with a non-zero status.
 *    An error from gpadl_body() on an incomplete GPADL drops that GPADL
 *    (its child_relid is reported so the server can answer the same way).
 *  - `users` counts open channels mapping the GPADL; the server bumps it
 *    on OPENCHANNEL and drops it on CLOSECHANNEL. Teardown is refused
 *    (-EBUSY) while it is non-zero, so ring pointers never outlive it.
 *  - Only one range per GPADL is supported (what Linux sends); others
 *    are rejected with -EOPNOTSUPP.
 * Not thread-safe: one connection's messages are handled in order by one
 * thread.
 */
#ifndef HVMM_VMBUS_GPADL_H
#define HVMM_VMBUS_GPADL_H

#include <stdbool.h>
#include <stdint.h>

#include "guest_mem.h"
#include "vmbus/msg.h"

/* 65536 pages = 256 MiB: more than any Linux VMBus buffer (netvsc 16 MiB). */
#define GPADL_MAX_PAGES 65536u
/* GPADLs per connection; Linux uses 1-3 per channel. */
#define GPADL_TABLE_MAX 256u
/* Pages across all GPADLs of a connection: bounds host memory for PFNs (8 MiB). */
#define GPADL_TABLE_MAX_PAGES (1024u * 1024u)

struct gpadl {
	uint32_t handle;
	uint32_t child_relid;
	uint32_t byte_offset; /* into the first page */
	uint32_t byte_count;
	uint32_t npages;      /* PFNs announced by the header */
	uint32_t nfilled;     /* PFNs received so far */
	uint32_t users;       /* open channels using it, see above */
	uint64_t *pfns;       /* npages entries */
};

struct gpadl_table {
	struct gpadl *slot[GPADL_TABLE_MAX];
	unsigned int count;
	uint64_t pages; /* sum of npages */
};

static inline bool gpadl_complete(const struct gpadl *g)
{
	return g->nfilled == g->npages;
}

void gpadl_table_init(struct gpadl_table *t);

/* Drop every GPADL, in use or not (UNLOAD, new INITIATE_CONTACT). */
void gpadl_table_reset(struct gpadl_table *t);

/*
 * Start a GPADL from a decoded GPADL_HEADER. Errors: -EEXIST handle in
 * use, -EOPNOTSUPP rangecount != 1, -EINVAL inconsistent range_buflen /
 * byte_offset / byte_count or more PFNs than announced, -E2BIG more
 * than GPADL_MAX_PAGES, -ENOSPC table or page budget exhausted,
 * -ENOMEM.
 */
int gpadl_header(struct gpadl_table *t, const struct vmbus_gmsg *m);

/*
 * Append the PFNs of a decoded GPADL_BODY, in arrival order (Linux does
 * not number bodies reliably). Errors: -ENOENT unknown handle,
 * -EALREADY GPADL already complete (left untouched), -E2BIG more PFNs
 * than announced (GPADL dropped). *child_relid is set whenever the
 * handle was known, so the server can answer GPADL_CREATED.
 */
int gpadl_body(struct gpadl_table *t, const struct vmbus_gmsg *m, uint32_t *child_relid);

/* The GPADL with this handle, complete or not, or NULL. */
struct gpadl *gpadl_find(struct gpadl_table *t, uint32_t handle);

/* Forget a GPADL (GPADL_TEARDOWN). 0, -ENOENT, or -EBUSY if in use. */
int gpadl_teardown(struct gpadl_table *t, uint32_t handle);

/*
 * Host pointers for pages [first, first + n) of a complete GPADL, each
 * one whole 4 KiB page of guest RAM. -EINVAL if incomplete or out of
 * bounds, -EFAULT if any PFN is not RAM. The pointers stay valid as long
 * as guest RAM is mapped; they are not contiguous with each other.
 */
int gpadl_map(const struct guest_mem *mem, const struct gpadl *g, uint32_t first,
	      uint32_t n, uint8_t **pages);

#endif
