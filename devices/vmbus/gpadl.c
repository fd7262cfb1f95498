// SPDX-License-Identifier: MIT
#include "vmbus/gpadl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void gpadl_table_init(struct gpadl_table *t)
{
	memset(t, 0, sizeof(*t));
}

static void gpadl_free(struct gpadl *g)
{
	free(g->pfns);
	free(g);
}

void gpadl_table_reset(struct gpadl_table *t)
{
	unsigned int i;

	for (i = 0; i < t->count; i++)
		gpadl_free(t->slot[i]);
	gpadl_table_init(t);
}

static int find_index(const struct gpadl_table *t, uint32_t handle)
{
	unsigned int i;

	for (i = 0; i < t->count; i++)
		if (t->slot[i]->handle == handle)
			return (int)i;
	return -1;
}

struct gpadl *gpadl_find(struct gpadl_table *t, uint32_t handle)
{
	int i = find_index(t, handle);

	return i < 0 ? NULL : t->slot[i];
}

/* Order of slots does not matter: move the last one into the hole. */
static void remove_at(struct gpadl_table *t, unsigned int i)
{
	struct gpadl *g = t->slot[i];

	t->pages -= g->npages;
	t->slot[i] = t->slot[--t->count];
	t->slot[t->count] = NULL;
	gpadl_free(g);
}

int gpadl_header(struct gpadl_table *t, const struct vmbus_gmsg *m)
{
	uint32_t npages, off, count;
	uint64_t span;
	struct gpadl *g;

	if (find_index(t, m->u.gpadl_header.gpadl) >= 0)
		return -EEXIST;
	if (m->u.gpadl_header.rangecount != 1)
		return -EOPNOTSUPP;
	/*
	 * With one range, range_buflen is the gpa_range header plus its
	 * PFNs; it is the only place the total PFN count is announced.
	 */
	if (m->u.gpadl_header.range_buflen < sizeof(struct vmbus_gpa_range) ||
	    m->u.gpadl_header.range_buflen % sizeof(uint64_t))
		return -EINVAL;
	npages = (m->u.gpadl_header.range_buflen - sizeof(struct vmbus_gpa_range)) /
		 sizeof(uint64_t);
	off = m->u.gpadl_header.byte_offset;
	count = m->u.gpadl_header.byte_count;
	/* u16 range_buflen caps npages at 8190, well under GPADL_MAX_PAGES. */
	if (npages == 0 || npages > GPADL_MAX_PAGES)
		return npages ? -E2BIG : -EINVAL;
	/* The bytes described must lie within the pages supplied. */
	span = (uint64_t)off + count;
	if (off >= HV_PAGE_SIZE || count == 0 || span > (uint64_t)npages * HV_PAGE_SIZE)
		return -EINVAL;
	if (m->u.gpadl_header.npfns > npages)
		return -EINVAL;
	if (t->count >= GPADL_TABLE_MAX || t->pages + npages > GPADL_TABLE_MAX_PAGES)
		return -ENOSPC;

	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->pfns = calloc(npages, sizeof(*g->pfns));
	if (!g->pfns) {
		free(g);
		return -ENOMEM;
	}
	g->handle = m->u.gpadl_header.gpadl;
	g->child_relid = m->u.gpadl_header.child_relid;
	g->byte_offset = off;
	g->byte_count = count;
	g->npages = npages;
	g->nfilled = m->u.gpadl_header.npfns;
	memcpy(g->pfns, m->u.gpadl_header.pfn, g->nfilled * sizeof(*g->pfns));
	t->slot[t->count++] = g;
	t->pages += npages;
	return gpadl_complete(g);
}

int gpadl_body(struct gpadl_table *t, const struct vmbus_gmsg *m, uint32_t *child_relid)
{
	int i = find_index(t, m->u.gpadl_body.gpadl);
	uint32_t n = m->u.gpadl_body.npfns;
	struct gpadl *g;

	if (i < 0)
		return -ENOENT;
	g = t->slot[i];
	*child_relid = g->child_relid;
	if (gpadl_complete(g))
		return -EALREADY;
	if (n > g->npages - g->nfilled) {
		/* The guest's idea of the GPADL is not ours: drop it whole. */
		remove_at(t, (unsigned int)i);
		return -E2BIG;
	}
	memcpy(g->pfns + g->nfilled, m->u.gpadl_body.pfn, n * sizeof(*g->pfns));
	g->nfilled += n;
	return gpadl_complete(g);
}

int gpadl_teardown(struct gpadl_table *t, uint32_t handle)
{
	int i = find_index(t, handle);

	if (i < 0)
		return -ENOENT;
	if (t->slot[i]->users)
		return -EBUSY;
	remove_at(t, (unsigned int)i);
	return 0;
}

int gpadl_map(const struct guest_mem *mem, const struct gpadl *g, uint32_t first,
	      uint32_t n, uint8_t **pages)
{
	uint32_t i;

	if (!gpadl_complete(g) || first > g->npages || n > g->npages - first)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		uint64_t pfn = g->pfns[first + i];

		/* pfn << 12 must not wrap into a valid low address. */
		if (pfn >> (64 - HV_PAGE_SHIFT))
			return -EFAULT;
		pages[i] = gmem_ptr(mem, pfn << HV_PAGE_SHIFT, HV_PAGE_SIZE);
		if (!pages[i])
			return -EFAULT;
	}
	return 0;
}
