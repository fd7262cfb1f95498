// SPDX-License-Identifier: MIT
/*
 * Guest page-table walker (x86_walk.h). Reserved-bit sets: Intel SDM
 * vol. 3A, tables 4-4..4-6 (32-bit), 4-7..4-11 (PAE), 4-14..4-20
 * (4-/5-level); KVM builds the same masks in arch/x86/kvm/mmu/mmu.c
 * (__reset_rsvds_bits_mask).
 */
#include "x86_walk.h"

#include <string.h>

#define PAGE_4K 0x1000ULL

static uint64_t bits(unsigned int hi, unsigned int lo)
{
	/* Bits hi..lo inclusive; empty when hi < lo. */
	if (hi < lo)
		return 0;
	return (hi >= 63 ? ~0ULL : ((1ULL << (hi + 1)) - 1)) & ~((1ULL << lo) - 1);
}

enum x86_walk_mode x86_walk_mode(const struct x86_walk_regs *r)
{
	bool lma = r->efer & X86_EFER_LMA;

	if (!(r->cr0 & X86_CR0_PG))
		/* EFER.LMA is only ever set with paging on. */
		return lma ? X86_WALK_INVALID : X86_WALK_NOPAGING;
	if (!(r->cr0 & X86_CR0_PE))
		return X86_WALK_INVALID;
	if (lma) {
		if (!(r->cr4 & X86_CR4_PAE))
			return X86_WALK_INVALID;
		return (r->cr4 & X86_CR4_LA57) ? X86_WALK_LONG5 : X86_WALK_LONG4;
	}
	return (r->cr4 & X86_CR4_PAE) ? X86_WALK_PAE : X86_WALK_32BIT;
}

/* Reserved bits of an entry at `level` (PS taken from the entry). */
static uint64_t walk_rsvd(const struct x86_walk_regs *r, enum x86_walk_mode m, unsigned int level,
			  uint64_t e, unsigned int maxphy)
{
	bool ps = e & X86_PTE_PS;
	uint64_t nx = (r->efer & X86_EFER_NXE) ? 0 : X86_PTE_NX;
	unsigned int hi;

	switch (m) {
	case X86_WALK_32BIT:
		if (level == 2 && ps && (r->cr4 & X86_CR4_PSE)) {
			/* PSE-36: bits 20:13 carry PA bits 39:32, up to MAXPHYADDR. */
			hi = maxphy > 40 ? 40 : maxphy;
			return bits(21, 13 + (hi - 32));
		}
		return 0;
	case X86_WALK_PAE:
		if (level == 3) /* PDPTE: no RW/US/A/D/PS/NX */
			return bits(63, maxphy) | bits(8, 5) | bits(2, 1);
		return bits(62, maxphy) | nx | (level == 2 && ps ? bits(20, 13) : 0);
	case X86_WALK_LONG4:
	case X86_WALK_LONG5:
		if (level >= 4)
			return bits(51, maxphy) | nx | X86_PTE_PS;
		if (level == 3 && ps)
			return bits(51, maxphy) | nx | bits(29, 13);
		if (level == 2 && ps)
			return bits(51, maxphy) | nx | bits(20, 13);
		return bits(51, maxphy) | nx;
	default:
		return 0;
	}
}

static bool walk_is_leaf(const struct x86_walk_regs *r, enum x86_walk_mode m, unsigned int level,
			 uint64_t e)
{
	if (level == 1)
		return true;
	if (!(e & X86_PTE_PS))
		return false;
	switch (m) {
	case X86_WALK_32BIT:
		return level == 2 && (r->cr4 & X86_CR4_PSE); /* else PS is ignored */
	case X86_WALK_PAE:
		return level == 2;
	default:
		return level == 2 || level == 3; /* PS at 4/5 is reserved, caught before */
	}
}

static enum x86_walk_status walk_fail(struct x86_walk_result *res, enum x86_walk_status st,
				      unsigned int level, uint64_t e)
{
	res->status = st;
	res->level = level;
	res->entry = e;
	return st;
}

static bool walk_canonical(uint64_t gva, unsigned int vabits)
{
	int64_t s = (int64_t)(gva << (64 - vabits)) >> (64 - vabits);

	return (uint64_t)s == gva;
}

enum x86_walk_status x86_walk(const struct x86_walk_regs *r, uint64_t gva, x86_walk_read_fn read,
			      void *opaque, struct x86_walk_result *res)
{
	enum x86_walk_mode m = x86_walk_mode(r);
	unsigned int maxphy = r->maxphyaddr ? r->maxphyaddr : 52;
	unsigned int level, top, esize, ibits;
	uint64_t addr_mask, table, e = 0;

	memset(res, 0, sizeof(*res));
	res->mode = m;
	res->writable = res->user = true;
	res->page_size = PAGE_4K;
	if (maxphy < 32 || maxphy > 52)
		return walk_fail(res, X86_WALK_BAD_MODE, 0, 0);
	addr_mask = bits(maxphy - 1, 12);
	switch (m) {
	case X86_WALK_INVALID:
		return walk_fail(res, X86_WALK_BAD_MODE, 0, 0);
	case X86_WALK_NOPAGING:
		if (gva >> 32)
			return walk_fail(res, X86_WALK_NON_CANONICAL, 0, 0);
		res->gpa = gva;
		return res->status = X86_WALK_OK;
	case X86_WALK_32BIT:
		top = 2, esize = 4, ibits = 10;
		table = r->cr3 & bits(31, 12);
		if (gva >> 32)
			return walk_fail(res, X86_WALK_NON_CANONICAL, 0, 0);
		break;
	case X86_WALK_PAE:
		top = 3, esize = 8, ibits = 9;
		table = r->cr3 & bits(31, 5);
		if (gva >> 32)
			return walk_fail(res, X86_WALK_NON_CANONICAL, 0, 0);
		break;
	default:
		top = m == X86_WALK_LONG5 ? 5 : 4, esize = 8, ibits = 9;
		table = r->cr3 & addr_mask;
		if (!walk_canonical(gva, m == X86_WALK_LONG5 ? 57 : 48))
			return walk_fail(res, X86_WALK_NON_CANONICAL, 0, 0);
		break;
	}

	/* At most `top` (<= 5) iterations, one read each. */
	for (level = top; level >= 1; level--) {
		unsigned int shift = 12 + ibits * (level - 1);
		uint64_t idx = (gva >> shift) & ((1ULL << ibits) - 1);

		if (m == X86_WALK_PAE && level == 3)
			idx = (gva >> 30) & 3;
		if (read(opaque, table + idx * esize, esize, &e))
			return walk_fail(res, X86_WALK_BAD_TABLE, level, table + idx * esize);
		if (!(e & X86_PTE_P))
			return walk_fail(res, X86_WALK_NOT_PRESENT, level, e);
		if (e & walk_rsvd(r, m, level, e, maxphy))
			return walk_fail(res, X86_WALK_RESERVED, level, e);
		if (!(m == X86_WALK_PAE && level == 3)) {
			res->writable &= !!(e & X86_PTE_RW);
			res->user &= !!(e & X86_PTE_US);
			if (esize == 8 && (r->efer & X86_EFER_NXE) && (e & X86_PTE_NX))
				res->nx = true;
		}
		if (walk_is_leaf(r, m, level, e)) {
			uint64_t size = 1ULL << shift, base;

			if (m == X86_WALK_32BIT)
				base = level == 2 ? (e & bits(31, 22)) | (((e >> 13) & 0xff) << 32)
						  : e & bits(31, 12);
			else
				base = e & addr_mask & ~(size - 1);
			res->level = level;
			res->entry = e;
			res->page_size = size;
			res->gpa = base | (gva & (size - 1));
			return res->status = X86_WALK_OK;
		}
		table = m == X86_WALK_32BIT ? e & bits(31, 12) : e & addr_mask;
	}
	/* Not reached: level 1 is always a leaf. */
	return walk_fail(res, X86_WALK_BAD_MODE, 0, e);
}

enum x86_walk_status x86_walk_check(const struct x86_walk_regs *r, const struct x86_walk_result *w,
				    unsigned int access)
{
	bool write = access & X86_ACC_WRITE, fetch = access & X86_ACC_FETCH;

	if (w->status != X86_WALK_OK)
		return w->status;
	if (fetch && w->nx)
		return X86_WALK_PROTECTION;
	if ((access & X86_ACC_USER) && !(access & X86_ACC_NO_PRIV)) {
		if (!w->user || (write && !w->writable))
			return X86_WALK_PROTECTION;
		return X86_WALK_OK;
	}
	/* Supervisor (or privilege-exempt) access: CR0.WP decides writes. */
	if (write && !w->writable && (r->cr0 & X86_CR0_WP))
		return X86_WALK_PROTECTION;
	if (access & X86_ACC_NO_PRIV)
		return X86_WALK_OK;
	if (fetch && w->user && (r->cr4 & X86_CR4_SMEP))
		return X86_WALK_PROTECTION;
	if (!fetch && w->user && (r->cr4 & X86_CR4_SMAP) && !(access & X86_ACC_SMAP_OFF))
		return X86_WALK_PROTECTION;
	return X86_WALK_OK;
}
