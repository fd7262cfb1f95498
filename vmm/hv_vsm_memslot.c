// SPDX-License-Identifier: MIT
/*
 * RAM memslot splitting for VTL0 protections (hv_vsm_memslot.h).
 */
#include "hv_vsm_memslot.h"

#include <errno.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "device.h"
#include "hv_vsm_mem.h"
#include "layout.h"
#include "memslot.h"
#include "util.h"
#include "vcpu.h"
#include "vm.h"

enum seg_kind { SEG_RW, SEG_RO, SEG_HOLE };

struct seg {
	uint64_t start, end; /* GFNs, [start, end) */
	uint8_t kind;
	bool kept;           /* scratch: survives the current change */
	int32_t slot;        /* -1: none (HOLE, or not created yet) */
};

struct region {
	uint64_t gfn0, gfn_end;
	uint8_t *host;       /* host address of gfn0 */
	struct seg *seg;
	unsigned int n;
};

struct hv_vsm_slots {
	pthread_mutex_t lock;
	struct region reg[2];
	unsigned int nreg, max_segs;
	uint32_t *free;      /* stack of free slot numbers */
	unsigned int nfree, pool;
	struct seg *tmp;     /* max_segs entries: the layout being built */
	struct hv_vsm_slots_ops ops;
};

static int region_init(struct hv_vsm_slots *s, unsigned int r, uint64_t gpa, uint64_t size,
		       uint8_t *host, uint32_t slot)
{
	struct region *g = &s->reg[r];

	g->gfn0 = gpa >> 12;
	g->gfn_end = (gpa + size) >> 12;
	g->host = host;
	g->seg = calloc(s->max_segs, sizeof(*g->seg));
	if (!g->seg)
		return -ENOMEM;
	g->seg[0] = (struct seg){ .start = g->gfn0, .end = g->gfn_end, .kind = SEG_RW,
				  .slot = (int32_t)slot };
	g->n = 1;
	return 0;
}

struct hv_vsm_slots *hv_vsm_slots_create(const struct guest_mem *m, uint64_t high_base,
					 uint32_t first_free, uint32_t nr_free,
					 const struct hv_vsm_slots_ops *ops)
{
	struct hv_vsm_slots *s;
	unsigned int i;

	if (!m || !ops || !ops->set || !m->low_size || nr_free > HV_VSM_SLOTS_MAX ||
	    first_free < 2)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	/* Each slot bounds two segments (itself and a hole after it), plus one. */
	s->max_segs = 2 * (nr_free + 2) + 1;
	s->pool = nr_free;
	s->free = calloc(nr_free + 2, sizeof(*s->free));
	s->tmp = calloc(s->max_segs, sizeof(*s->tmp));
	s->ops = *ops;
	if (!s->free || !s->tmp || region_init(s, 0, 0, m->low_size, m->host, 0))
		goto fail;
	s->nreg = 1;
	if (m->high_size) {
		if (region_init(s, 1, high_base, m->high_size, m->host + m->low_size, 1))
			goto fail;
		s->nreg = 2;
	}
	/* Pushed in reverse so that the lowest slot numbers are used first. */
	for (i = nr_free; i-- > 0;)
		s->free[s->nfree++] = first_free + i;
	pthread_mutex_init(&s->lock, NULL);
	return s;
fail:
	free(s->reg[0].seg);
	free(s->reg[1].seg);
	free(s->free);
	free(s->tmp);
	free(s);
	return NULL;
}

void hv_vsm_slots_free(struct hv_vsm_slots *s)
{
	if (!s)
		return;
	pthread_mutex_destroy(&s->lock);
	free(s->reg[0].seg);
	free(s->reg[1].seg);
	free(s->free);
	free(s->tmp);
	free(s);
}

unsigned int hv_vsm_slots_segments(struct hv_vsm_slots *s, unsigned int *slots_used)
{
	unsigned int r, i, n = 0, used = 0;

	pthread_mutex_lock(&s->lock);
	for (r = 0; r < s->nreg; r++) {
		n += s->reg[r].n;
		for (i = 0; i < s->reg[r].n; i++)
			used += s->reg[r].seg[i].slot >= 0;
	}
	pthread_mutex_unlock(&s->lock);
	if (slots_used)
		*slots_used = used;
	return n;
}

/* Append [start, end) of `kind` to tmp, merging with the previous one. */
static int tmp_push(struct hv_vsm_slots *s, unsigned int *n, uint64_t start, uint64_t end,
		    uint8_t kind)
{
	if (start >= end)
		return 0;
	if (*n && s->tmp[*n - 1].kind == kind && s->tmp[*n - 1].end == start) {
		s->tmp[*n - 1].end = end;
		return 0;
	}
	if (*n == s->max_segs)
		return -ENOSPC;
	s->tmp[(*n)++] = (struct seg){ .start = start, .end = end, .kind = kind, .slot = -1 };
	return 0;
}

static int seg_set(struct hv_vsm_slots *s, const struct region *g, const struct seg *e, bool on)
{
	return s->ops.set(s->ops.opaque, (uint32_t)e->slot, e->kind == SEG_RO, e->start << 12,
			  on ? (e->end - e->start) << 12 : 0, g->host + ((e->start - g->gfn0) << 12));
}

/* Take slot `id` out of the free stack (rollback). */
static void free_take(struct hv_vsm_slots *s, int32_t id)
{
	unsigned int i;

	for (i = 0; i < s->nfree; i++) {
		if (s->free[i] == (uint32_t)id) {
			s->free[i] = s->free[--s->nfree];
			return;
		}
	}
}

/* Put region `g` back to its old segments after a failed create (best effort). */
static void slots_rollback(struct hv_vsm_slots *s, struct region *g, unsigned int created)
{
	unsigned int i;

	for (i = 0; i < created; i++) {
		if (s->tmp[i].kept || s->tmp[i].slot < 0)
			continue;
		seg_set(s, g, &s->tmp[i], false);
		s->free[s->nfree++] = (uint32_t)s->tmp[i].slot;
	}
	for (i = 0; i < g->n; i++) {
		if (g->seg[i].kept || g->seg[i].slot < 0)
			continue;
		free_take(s, g->seg[i].slot);
		if (seg_set(s, g, &g->seg[i], true))
			pr_err("vsm: cannot restore RAM slot %d at GFN 0x%llx", g->seg[i].slot,
			       (unsigned long long)g->seg[i].start);
	}
}

/* Delete the old segments that change, create the new ones. 0 or -errno. */
static int slots_swap(struct hv_vsm_slots *s, struct region *g, unsigned int n)
{
	unsigned int i, j;
	int ret;

	/* Delete first: KVM refuses overlapping slots. */
	for (j = 0; j < g->n; j++) {
		if (g->seg[j].kept || g->seg[j].slot < 0)
			continue;
		ret = seg_set(s, g, &g->seg[j], false);
		if (ret) {
			pr_err("vsm: cannot delete RAM slot %d: %s", g->seg[j].slot, strerror(-ret));
			/* Re-creating a slot that still exists unchanged is a no-op in KVM. */
			slots_rollback(s, g, 0);
			return ret;
		}
		s->free[s->nfree++] = (uint32_t)g->seg[j].slot;
	}
	for (i = 0; i < n; i++) {
		if (s->tmp[i].kept || s->tmp[i].kind == SEG_HOLE)
			continue;
		s->tmp[i].slot = (int32_t)s->free[--s->nfree];
		ret = seg_set(s, g, &s->tmp[i], true);
		if (ret) {
			pr_err("vsm: cannot create RAM slot %d at GFN 0x%llx: %s", s->tmp[i].slot,
			       (unsigned long long)s->tmp[i].start, strerror(-ret));
			s->free[s->nfree++] = (uint32_t)s->tmp[i].slot;
			s->tmp[i].slot = -1;
			slots_rollback(s, g, i);
			return ret;
		}
	}
	return 0;
}

static int slots_apply(struct hv_vsm_slots *s, struct region *g, unsigned int n)
{
	unsigned int i, j, need = 0, give = 0;
	int ret = 0;

	/* Segments that do not change keep their slots and are not touched. */
	for (i = 0; i < g->n; i++)
		g->seg[i].kept = false;
	for (i = 0; i < n; i++) {
		s->tmp[i].kept = false;
		for (j = 0; j < g->n; j++) {
			if (g->seg[j].start == s->tmp[i].start && g->seg[j].end == s->tmp[i].end &&
			    g->seg[j].kind == s->tmp[i].kind) {
				s->tmp[i].slot = g->seg[j].slot;
				s->tmp[i].kept = g->seg[j].kept = true;
				break;
			}
		}
		need += !s->tmp[i].kept && s->tmp[i].kind != SEG_HOLE;
	}
	for (j = 0; j < g->n; j++)
		give += !g->seg[j].kept && g->seg[j].slot >= 0;
	if (need > s->nfree + give)
		return -ENOSPC;
	/*
	 * Between a delete and its re-creation the RAM is not mapped: a vCPU
	 * fetching instructions there would fault. Keep them all out of
	 * guest mode meanwhile (vcpu_pause_all with KVM).
	 */
	if ((need || give) && s->ops.pause)
		s->ops.pause(s->ops.opaque, true);
	if (need || give)
		ret = slots_swap(s, g, n);
	if ((need || give) && s->ops.pause)
		s->ops.pause(s->ops.opaque, false);
	if (ret)
		return ret;
	memcpy(g->seg, s->tmp, n * sizeof(*g->seg));
	g->n = n;
	return 0;
}

int hv_vsm_slots_protect(void *opaque, uint64_t gfn, uint64_t n, unsigned int mask)
{
	struct hv_vsm_slots *s = opaque;
	struct region *g = NULL;
	unsigned int r, i, cnt = 0;
	uint8_t kind;
	int ret = 0;

	if (mask == HV_VSM_PROT_ALL)
		kind = SEG_RW;
	else if (mask == (HV_VSM_PROT_READ | HV_VSM_PROT_EXEC))
		kind = SEG_RO;
	else if (mask == 0)
		kind = SEG_HOLE;
	else
		return -EINVAL;
	if (!n || gfn + n < gfn)
		return -EINVAL;
	for (r = 0; r < s->nreg; r++)
		if (gfn >= s->reg[r].gfn0 && gfn + n <= s->reg[r].gfn_end)
			g = &s->reg[r];
	if (!g)
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	for (i = 0; i < g->n && !ret; i++) {
		const struct seg *e = &g->seg[i];

		if (e->end <= gfn || e->start >= gfn + n) {
			ret = tmp_push(s, &cnt, e->start, e->end, e->kind);
			continue;
		}
		ret = tmp_push(s, &cnt, e->start, gfn, e->kind);
		if (!ret && e->start <= gfn)
			ret = tmp_push(s, &cnt, gfn, gfn + n, kind);
		if (!ret)
			ret = tmp_push(s, &cnt, gfn + n, e->end, e->kind);
	}
	if (!ret)
		ret = slots_apply(s, g, cnt);
	pthread_mutex_unlock(&s->lock);
	return ret;
}

/* The KVM glue. */
static int kvm_slot_set(void *opaque, uint32_t slot, bool readonly, uint64_t gpa, uint64_t size,
			void *host)
{
	struct vm *vm = opaque;
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = size && readonly ? KVM_MEM_READONLY : 0,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)host,
	};

	return ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0 ? -errno : 0;
}

static void kvm_slots_pause(void *opaque, bool on)
{
	if (on)
		vcpu_pause_all(opaque);
	else
		vcpu_resume_all(opaque);
}

int hv_vsm_mem_kvm_init(struct hv_vsm *vsm, struct vm *vm)
{
	struct hv_vsm_slots_ops ops = { .set = kvm_slot_set, .pause = kvm_slots_pause, .opaque = vm };
	struct hv_vsm_slots *s;
	int nr, ret;

	_Static_assert(HV_VSM_SLOTS_FIRST >= MEMSLOT_ROM_BASE + DEV_ROM_SLOTS, "slot ranges");
	nr = ioctl(vm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
	if (nr <= HV_VSM_SLOTS_FIRST ||
	    ioctl(vm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM) <= 0) {
		pr_err("--vsm: KVM lacks read-only memslots or spare slots (%d)", nr);
		return -ENOTSUP;
	}
	nr -= HV_VSM_SLOTS_FIRST;
	if (nr > HV_VSM_SLOTS_MAX)
		nr = HV_VSM_SLOTS_MAX;
	ret = hv_vsm_mem_init(vsm, &vm->mem, 0);
	if (ret)
		return ret;
	s = hv_vsm_slots_create(&vm->mem, MMIO_HOLE_END, HV_VSM_SLOTS_FIRST, (uint32_t)nr, &ops);
	if (!s) {
		hv_vsm_mem_destroy(vsm);
		return -ENOMEM;
	}
	vsm->mem_ops.protect = hv_vsm_slots_protect;
	vsm->mem_ops.opaque = s;
	return 0;
}

void hv_vsm_mem_kvm_destroy(struct hv_vsm *vsm)
{
	hv_vsm_slots_free(vsm->mem_ops.opaque);
	vsm->mem_ops.protect = NULL;
	vsm->mem_ops.opaque = NULL;
	hv_vsm_mem_destroy(vsm);
}
