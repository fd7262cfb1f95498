// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: arbitrary registers and guest memory through the
 * hypercall dispatcher (vmm/hv_hcall.c) with a table holding the real
 * HvCallModifySparseGpaPageHostVisibility (vmm/hv_isol.c) and dummy
 * simple, rep and raw calls. The dispatcher must never touch memory
 * outside what the fake accessors allow, must hand handlers exactly the
 * lengths its contract promises, and must return a well-formed RAX.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -Ivmm -Idevices
 *         fuzz/fuzz_hv_hcall.c vmm/hv_hcall.c vmm/hv_isol.c vmm/util.c
 *         -o /tmp/fzhc && /tmp/fzhc -max_total_time=30
 *
 * Input: RCX, RDX, R8 (8 bytes each), XMM0-5 (96 bytes), then the
 * contents of guest RAM (RAM_PAGES pages at RAM_BASE, zero-padded).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv_hcall.h"
#include "hv_isol.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM_BASE 0x1000ULL
#define RAM_PAGES 3
#define RAM_SIZE (RAM_PAGES * HV_PAGE_SIZE)

static uint8_t *ram;

static int fz_read(void *opaque, uint64_t gpa, void *dst, size_t len)
{
	if (gpa < RAM_BASE || gpa - RAM_BASE > RAM_SIZE || len > RAM_SIZE - (gpa - RAM_BASE))
		return -EFAULT;
	memcpy(dst, ram + (gpa - RAM_BASE), len);
	return 0;
}

static int fz_write(void *opaque, uint64_t gpa, const void *src, size_t len)
{
	if (gpa < RAM_BASE || gpa - RAM_BASE > RAM_SIZE || len > RAM_SIZE - (gpa - RAM_BASE))
		return -EFAULT;
	memcpy(ram + (gpa - RAM_BASE), src, len);
	return 0;
}

/* What the dispatcher decoded, for the handlers to check against. */
static uint64_t cur_rcx;

static size_t want_hdr(uint16_t in_size)
{
	return in_size + ((cur_rcx >> HV_HCALL_VARHDR_SHIFT) & HV_HCALL_VARHDR_MASK) * 8;
}

static uint16_t fz_simple(const struct hv_hcall_caller *c, const struct hv_hcall_mem *m,
			  const void *in, size_t in_len, void *out)
{
	const uint8_t *p = in;
	uint8_t x = 0;
	size_t i;

	if (in_len != want_hdr(24))
		abort();
	for (i = 0; i < in_len; i++)
		x ^= p[i];
	memset(out, x, 16);
	return x & 1 ? 0x5 : 0;
}

static uint16_t fz_rep(const struct hv_hcall_caller *c, const struct hv_hcall_mem *m,
		       const void *hdr, size_t hdr_len, const void *elem, uint32_t idx,
		       void *out_elem)
{
	uint64_t e[2];
	uint32_t count = (uint32_t)((cur_rcx >> HV_HCALL_REP_COUNT_SHIFT) & HV_HCALL_REP_MASK);

	if (hdr_len != want_hdr(8) || idx >= count)
		abort();
	memcpy(e, elem, 16);
	memcpy(out_elem, &e[1], 8);
	return e[0] == 0x42 ? 0x5 : 0;
}

static uint32_t fz_raw(const struct hv_hcall_caller *c, struct hv_hcall_regs *r)
{
	r->r8 ^= r->rdx;
	return r->rdx & 1 ? HV_HCALL_NO_RESULT : (uint32_t)(r->rdx & 0xff);
}

static const struct hv_hcall_desc descs[] = {
	{ .code = 0x01, .name = "simple", .in_size = 24, .out_size = 16, .fast_ok = true,
	  .varhdr_ok = true, .fast_out_ok = true, .simple = fz_simple },
	{ .code = 0x02, .name = "simple-mem", .in_size = 24, .out_size = 16,
	  .simple = fz_simple },
	{ .code = 0x03, .name = "rep", .in_size = 8, .rep_in_size = 16, .rep_out_size = 8,
	  .fast_ok = true, .varhdr_ok = true, .fast_out_ok = true, .rep = fz_rep },
	{ .code = 0x11, .name = "raw", .raw = fz_raw },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hv_hcall_table t;
	static struct hv_isol isol;
	static bool ready;
	struct hv_hcall_mem mem = { fz_read, fz_write, NULL };
	struct hv_hcall_caller c = { .vp = 0 };
	struct hv_hcall_regs r = { 0 };
	const size_t nregs = 24 + sizeof(r.xmm);
	unsigned int i;
	uint64_t reps, count;

	if (!ready) {
		for (i = 0; i < ARRAY_SIZE(descs); i++)
			if (hv_hcall_register(&t, &descs[i], NULL))
				abort();
		if (hv_isol_register_hcalls(&isol, &t))
			abort();
		ready = true;
	}
	if (size < nregs)
		return 0;
	memcpy(&r.rcx, data, 8);
	memcpy(&r.rdx, data + 8, 8);
	memcpy(&r.r8, data + 16, 8);
	memcpy(r.xmm, data + 24, sizeof(r.xmm));
	/* Steer the code into the table most of the time. */
	if (!(data[2] & 0x80)) {
		static const uint16_t codes[] = { 0x01, 0x02, 0x03, 0x11, 0xdb };

		r.rcx = (r.rcx & ~HV_HCALL_CODE_MASK) | codes[data[3] % ARRAY_SIZE(codes)];
	}
	ram = calloc(1, RAM_SIZE);
	if (!ram)
		return 0;
	memcpy(ram, data + nregs, MIN(size - nregs, (size_t)RAM_SIZE));
	cur_rcx = r.rcx;
	r.rax = 0xfeedULL << 48;
	if (hv_hcall_dispatch(&t, &c, &mem, &r)) {
		/* Status in bits 0-15, reps in 32-43, nothing else. */
		reps = (r.rax >> HV_HCALL_RESULT_REPS_SHIFT) & 0xfff;
		count = (cur_rcx >> HV_HCALL_REP_COUNT_SHIFT) & HV_HCALL_REP_MASK;
		if (r.rax & ~(0xffffULL | (0xfffULL << 32)) || reps > count)
			abort();
	} else if (r.rax != 0xfeedULL << 48) {
		abort();
	}
	free(ram);
	ram = NULL;
	return 0;
}
