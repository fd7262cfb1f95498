// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the guest page-table walker (vmm/x86_walk.c) over
 * random paging registers, GVAs and page tables. The walk must read at
 * most 5 entries, only through the reader, and a translation it reports
 * must be self-consistent (page offset kept, GPA below MAXPHYADDR, a
 * known page size and level); the access check must accept only a
 * successful walk.
 *
 * Input: CR0, CR3, CR4, EFER, GVA (8 bytes each), MAXPHYADDR and access
 * (1 byte each), then guest RAM (RAM_PAGES pages at GPA 0, zero-padded).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "x86_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM_PAGES 8
#define RAM_SIZE (RAM_PAGES * 4096)

static uint8_t ram[RAM_SIZE];
static unsigned int reads;

static int fz_read(void *opaque, uint64_t gpa, unsigned int size, uint64_t *val)
{
	reads++;
	if (size != 4 && size != 8)
		abort();
	if (gpa % size)
		abort(); /* entries are naturally aligned */
	if (gpa >= RAM_SIZE || RAM_SIZE - gpa < size)
		return -1;
	*val = 0;
	memcpy(val, ram + gpa, size);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct x86_walk_regs r;
	struct x86_walk_result w, w2;
	enum x86_walk_status st;
	const size_t hdr = 5 * 8 + 2;
	unsigned int maxphy, access;
	uint64_t gva;

	if (size < hdr)
		return 0;
	memcpy(&r.cr0, data, 8);
	memcpy(&r.cr3, data + 8, 8);
	memcpy(&r.cr4, data + 16, 8);
	memcpy(&r.efer, data + 24, 8);
	memcpy(&gva, data + 32, 8);
	/* Keep CR3 inside the fake RAM most of the time. */
	if (!(data[40] & 0x80))
		r.cr3 &= RAM_SIZE - 1;
	r.maxphyaddr = data[40] & 0x3f;
	access = data[41] & 0x1f;
	memset(ram, 0, sizeof(ram));
	memcpy(ram, data + hdr, size - hdr < RAM_SIZE ? size - hdr : RAM_SIZE);

	reads = 0;
	st = x86_walk(&r, gva, fz_read, NULL, &w);
	if (st != w.status || reads > 5)
		abort();
	maxphy = r.maxphyaddr ? r.maxphyaddr : 52;
	if (st == X86_WALK_OK) {
		if (w.page_size != 1ULL << 12 && w.page_size != 1ULL << 21 &&
		    w.page_size != 1ULL << 22 && w.page_size != 1ULL << 30)
			abort();
		if ((w.gpa & (w.page_size - 1)) != (gva & (w.page_size - 1)))
			abort();
		if (w.mode != X86_WALK_NOPAGING && (w.level < 1 || w.level > 5 || w.gpa >> maxphy))
			abort();
	} else if (st == X86_WALK_NOT_PRESENT || st == X86_WALK_RESERVED ||
		   st == X86_WALK_BAD_TABLE) {
		if (w.level < 1 || w.level > 5)
			abort();
	}
	/* Deterministic: the same walk again gives the same answer. */
	x86_walk(&r, gva, fz_read, NULL, &w2);
	if (memcmp(&w, &w2, sizeof(w)))
		abort();
	st = x86_walk_check(&r, &w, access);
	if (w.status != X86_WALK_OK ? st != w.status
				    : st != X86_WALK_OK && st != X86_WALK_PROTECTION)
		abort();
	return 0;
}
