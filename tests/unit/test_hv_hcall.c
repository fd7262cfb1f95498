// SPDX-License-Identifier: MIT
/*
 * The hypercall dispatcher (hv_hcall.h) against every rule of its
 * contract, HvCallModifySparseGpaPageHostVisibility and the CPUID of
 * --isolation (hv_isol.h). The page bytes: test_hv_hcall_page.c.
 */
#include <errno.h>
#include <string.h>

#include "cpuid.h"
#include "hv_hcall.h"
#include "hv_isol.h"
#include "hyperv.h"
#include "unit.h"
#include "util.h"
#include "vm.h"

/* Guest RAM: four pages at RAM_BASE; everything else is not RAM. */
#define RAM_BASE 0x10000ULL
#define RAM_SIZE (4 * HV_PAGE_SIZE)
#define IN_GPA RAM_BASE
#define OUT_GPA (RAM_BASE + HV_PAGE_SIZE)
#define NOT_RAM 0x80000ULL

static uint8_t ram[RAM_SIZE];
static unsigned int writes;

static int fake_read(void *opaque, uint64_t gpa, void *dst, size_t len)
{
	if (gpa < RAM_BASE || gpa - RAM_BASE > RAM_SIZE || len > RAM_SIZE - (gpa - RAM_BASE))
		return -EFAULT;
	memcpy(dst, ram + (gpa - RAM_BASE), len);
	return 0;
}

static int fake_write(void *opaque, uint64_t gpa, const void *src, size_t len)
{
	if (gpa < RAM_BASE || gpa - RAM_BASE > RAM_SIZE || len > RAM_SIZE - (gpa - RAM_BASE))
		return -EFAULT;
	memcpy(ram + (gpa - RAM_BASE), src, len);
	writes++;
	return 0;
}

static const struct hv_hcall_mem mem = { fake_read, fake_write, NULL };

static uint64_t rd64(uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, ram + (gpa - RAM_BASE), 8);
	return v;
}

static void wr64(uint64_t gpa, uint64_t v)
{
	memcpy(ram + (gpa - RAM_BASE), &v, 8);
}

/* ---- test handlers ------------------------------------------------- */

#define C_SIMPLE 0x01   /* 16 in, 8 out: out = in0 + in1; fast, varhdr, fast out */
#define C_PLAIN 0x02    /* 8 in, no out, nothing optional */
#define C_REP 0x03      /* 8-byte header, 8 in / 8 out per rep: out = elem * 2 + hdr */
#define C_RAW 0x11
#define BAD_VALUE 0xbadULL

static unsigned int calls;
static size_t last_in_len;
static uint64_t last_in[16];
static void *last_opaque;
static uint32_t rep_seen[16];
static unsigned int nrep_seen;
static int owner_tag;

static uint16_t h_simple(const struct hv_hcall_caller *c, const struct hv_hcall_mem *m,
			 const void *in, size_t in_len, void *out)
{
	uint64_t sum;

	calls++;
	last_in_len = in_len;
	last_opaque = c->opaque;
	memcpy(last_in, in, MIN(in_len, sizeof(last_in)));
	if (last_in[0] == BAD_VALUE)
		return HV_STATUS_INVALID_PARAMETER;
	sum = last_in[0] + last_in[1];
	memcpy(out, &sum, 8);
	return HV_STATUS_SUCCESS;
}

static uint16_t h_rep(const struct hv_hcall_caller *c, const struct hv_hcall_mem *m,
		      const void *hdr, size_t hdr_len, const void *elem, uint32_t idx,
		      void *out_elem)
{
	uint64_t h, e, o;

	calls++;
	if (nrep_seen < ARRAY_SIZE(rep_seen))
		rep_seen[nrep_seen++] = idx;
	memcpy(&h, hdr, 8);
	memcpy(&e, elem, 8);
	if (e == BAD_VALUE)
		return HV_STATUS_INVALID_PARAMETER;
	o = e * 2 + h;
	memcpy(out_elem, &o, 8);
	return HV_STATUS_SUCCESS;
}

static uint32_t h_raw(const struct hv_hcall_caller *c, struct hv_hcall_regs *r)
{
	calls++;
	if (r->rdx == 1)
		return HV_HCALL_NO_RESULT;
	r->r8 = 0x77;
	return HV_STATUS_ACCESS_DENIED;
}

static const struct hv_hcall_desc d_simple = {
	.code = C_SIMPLE, .name = "simple", .in_size = 16, .out_size = 8,
	.fast_ok = true, .varhdr_ok = true, .fast_out_ok = true, .simple = h_simple,
};
static const struct hv_hcall_desc d_plain = {
	.code = C_PLAIN, .name = "plain", .in_size = 8, .simple = h_simple,
};
static const struct hv_hcall_desc d_rep = {
	.code = C_REP, .name = "rep", .in_size = 8, .rep_in_size = 8, .rep_out_size = 8,
	.fast_ok = true, .fast_out_ok = true, .rep = h_rep,
};
static const struct hv_hcall_desc d_raw = {
	.code = C_RAW, .name = "raw", .raw = h_raw,
};

static struct hv_hcall_table table;
static struct hv_isol isol;

static void setup(void)
{
	memset(&table, 0, sizeof(table));
	memset(&isol, 0, sizeof(isol));
	memset(ram, 0, sizeof(ram));
	calls = nrep_seen = writes = 0;
	last_in_len = 0;
	last_opaque = NULL;
	ck_assert_int_eq(hv_hcall_register(&table, &d_simple, &owner_tag), 0);
	ck_assert_int_eq(hv_hcall_register(&table, &d_plain, NULL), 0);
	ck_assert_int_eq(hv_hcall_register(&table, &d_rep, NULL), 0);
	ck_assert_int_eq(hv_hcall_register(&table, &d_raw, NULL), 0);
	ck_assert_int_eq(hv_isol_register_hcalls(&isol, &table), 0);
}

static uint64_t ctl(uint16_t code, uint32_t count, uint32_t start)
{
	return code | ((uint64_t)count << HV_HCALL_REP_COUNT_SHIFT) |
	       ((uint64_t)start << HV_HCALL_REP_START_SHIFT);
}

/* Dispatch a memory-form call; returns RAX. */
static uint64_t call(uint64_t rcx, uint64_t in, uint64_t out)
{
	struct hv_hcall_caller c = { .vp = 0 };
	struct hv_hcall_regs r = { .rcx = rcx, .rdx = in, .r8 = out, .rax = 0xdeadbeef };

	ck_assert(hv_hcall_dispatch(&table, &c, &mem, &r));
	return r.rax;
}

#define STATUS(rax) ((uint16_t)((rax) & 0xffff))
#define REPS(rax) ((uint32_t)(((rax) >> 32) & 0xfff))

/* ---- registration -------------------------------------------------- */

START_TEST(register_rules)
{
	struct hv_hcall_table t = { 0 };
	struct hv_hcall_desc d = d_simple;

	d.code = HV_HCALL_TRAP_CODES;
	ck_assert_int_eq(hv_hcall_register(&t, &d, NULL), -EINVAL);
	d = d_simple;
	d.simple = NULL;
	ck_assert_int_eq(hv_hcall_register(&t, &d, NULL), -EINVAL);
	d = d_rep;
	d.rep = NULL;
	d.simple = h_simple; /* a rep call needs the rep handler */
	ck_assert_int_eq(hv_hcall_register(&t, &d, NULL), -EINVAL);
	ck_assert_int_eq(hv_hcall_register(&t, NULL, NULL), -EINVAL);
	ck_assert(!hv_hcall_is_trapped(&t, C_SIMPLE));
	ck_assert_int_eq(hv_hcall_register(&t, &d_simple, NULL), 0);
	ck_assert_int_eq(hv_hcall_register(&t, &d_simple, NULL), -EBUSY);
	ck_assert(hv_hcall_is_trapped(&t, C_SIMPLE));
	ck_assert(!hv_hcall_is_trapped(&t, C_SIMPLE + 0x100));
	ck_assert(!hv_hcall_is_trapped(&t, 0xffff));
}
END_TEST

/* ---- simple calls through memory ----------------------------------- */

START_TEST(simple_ok)
{
	uint64_t rax;

	wr64(IN_GPA, 40);
	wr64(IN_GPA + 8, 2);
	rax = call(C_SIMPLE, IN_GPA, OUT_GPA);
	ck_assert_uint_eq(rax, 0);
	ck_assert_uint_eq(rd64(OUT_GPA), 42);
	ck_assert_uint_eq(last_in_len, 16);
	ck_assert_ptr_eq(last_opaque, &owner_tag);
}
END_TEST

START_TEST(simple_failure_writes_no_output)
{
	wr64(IN_GPA, BAD_VALUE);
	wr64(OUT_GPA, 0x5555);
	ck_assert_uint_eq(call(C_SIMPLE, IN_GPA, OUT_GPA), HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(rd64(OUT_GPA), 0x5555);
	ck_assert_uint_eq(writes, 0);
}
END_TEST

START_TEST(reserved_bits)
{
	static const unsigned int bits[] = { 27, 28, 29, 30, 31, 44, 45, 46, 47, 60, 61, 62, 63 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bits); i++)
		ck_assert_uint_eq(call(C_SIMPLE | (1ULL << bits[i]), IN_GPA, OUT_GPA),
				  HV_STATUS_INVALID_HYPERCALL_INPUT);
	ck_assert_uint_eq(calls, 0);
}
END_TEST

START_TEST(unknown_code)
{
	ck_assert_uint_eq(call(0x04, IN_GPA, OUT_GPA), HV_STATUS_INVALID_HYPERCALL_CODE);
	ck_assert_uint_eq(call(0xff, IN_GPA, OUT_GPA), HV_STATUS_INVALID_HYPERCALL_CODE);
	/* Codes >= 256 never trap, whatever their low byte. */
	ck_assert_uint_eq(call(0x100 | C_SIMPLE, IN_GPA, OUT_GPA),
			  HV_STATUS_INVALID_HYPERCALL_CODE);
	ck_assert_uint_eq(call(0xffff, IN_GPA, OUT_GPA), HV_STATUS_INVALID_HYPERCALL_CODE);
	ck_assert_uint_eq(calls, 0);
}
END_TEST

START_TEST(misaligned)
{
	unsigned int off;

	for (off = 1; off < 8; off++) {
		ck_assert_uint_eq(call(C_SIMPLE, IN_GPA + off, OUT_GPA), HV_STATUS_INVALID_ALIGNMENT);
		ck_assert_uint_eq(call(C_SIMPLE, IN_GPA, OUT_GPA + off), HV_STATUS_INVALID_ALIGNMENT);
	}
	ck_assert_uint_eq(calls, 0);
}
END_TEST

START_TEST(page_crossing)
{
	/* 16 input bytes from 8 before a page end cross it; 8 output bytes fit. */
	ck_assert_uint_eq(call(C_SIMPLE, IN_GPA + HV_PAGE_SIZE - 8, OUT_GPA),
			  HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(call(C_SIMPLE, IN_GPA + HV_PAGE_SIZE - 16, OUT_GPA + HV_PAGE_SIZE - 8),
			  0);
	ck_assert_uint_eq(calls, 1);
	/* A variable header counts: 16 + 8 bytes from 16 before the end. */
	ck_assert_uint_eq(call(C_SIMPLE | (1ULL << HV_HCALL_VARHDR_SHIFT),
			       IN_GPA + HV_PAGE_SIZE - 16, OUT_GPA), HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(calls, 1);
}
END_TEST

START_TEST(not_ram)
{
	ck_assert_uint_eq(call(C_SIMPLE, NOT_RAM, OUT_GPA), HV_STATUS_INVALID_PARAMETER);
	/* Output outside RAM: refused before the handler has any effect. */
	ck_assert_uint_eq(call(C_SIMPLE, IN_GPA, NOT_RAM), HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(call(C_SIMPLE, IN_GPA, ~7ULL), HV_STATUS_INVALID_PARAMETER);
	/* The last RAM page ends RAM: a block there is fine, one after is not. */
	ck_assert_uint_eq(call(C_SIMPLE, RAM_BASE + RAM_SIZE, OUT_GPA),
			  HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(calls, 0);
	ck_assert_uint_eq(call(C_SIMPLE, RAM_BASE + RAM_SIZE - 16, OUT_GPA), 0);
	/* No output: R8 is not looked at. */
	ck_assert_uint_eq(call(C_PLAIN, IN_GPA, NOT_RAM + 3), 0);
}
END_TEST

START_TEST(overlap)
{
	/* 16 bytes in, 8 out: any shared byte is refused. */
	ck_assert_uint_eq(call(C_SIMPLE, IN_GPA, IN_GPA), HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(call(C_SIMPLE, IN_GPA, IN_GPA + 8), HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(call(C_SIMPLE, IN_GPA + 8, IN_GPA + 16), HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(calls, 0);
	/* Adjacent is fine, on either side. */
	ck_assert_uint_eq(call(C_SIMPLE, IN_GPA, IN_GPA + 16), 0);
	ck_assert_uint_eq(call(C_SIMPLE, IN_GPA + 8, IN_GPA), 0);
	ck_assert_uint_eq(calls, 2);
}
END_TEST

START_TEST(varhdr)
{
	uint64_t rax;

	wr64(IN_GPA, 1);
	wr64(IN_GPA + 8, 2);
	wr64(IN_GPA + 16, 0xabc);
	rax = call(C_SIMPLE | (2ULL << HV_HCALL_VARHDR_SHIFT), IN_GPA, OUT_GPA);
	ck_assert_uint_eq(rax, 0);
	ck_assert_uint_eq(last_in_len, 32);
	ck_assert_uint_eq(last_in[2], 0xabc);
	/* Not allowed on a call without one. */
	ck_assert_uint_eq(call(C_PLAIN | (1ULL << HV_HCALL_VARHDR_SHIFT), IN_GPA, OUT_GPA),
			  HV_STATUS_INVALID_HYPERCALL_INPUT);
	/* The largest header (1023 qwords) cannot fit a page. */
	ck_assert_uint_eq(call(C_SIMPLE | (HV_HCALL_VARHDR_MASK << HV_HCALL_VARHDR_SHIFT),
			       IN_GPA, OUT_GPA), HV_STATUS_INVALID_PARAMETER);
}
END_TEST

START_TEST(rep_fields_on_simple)
{
	ck_assert_uint_eq(call(ctl(C_SIMPLE, 1, 0), IN_GPA, OUT_GPA),
			  HV_STATUS_INVALID_HYPERCALL_INPUT);
	ck_assert_uint_eq(call(ctl(C_SIMPLE, 0, 1), IN_GPA, OUT_GPA),
			  HV_STATUS_INVALID_HYPERCALL_INPUT);
	ck_assert_uint_eq(calls, 0);
}
END_TEST

/* ---- rep calls ----------------------------------------------------- */

START_TEST(rep_counts)
{
	uint64_t rax;

	ck_assert_uint_eq(call(ctl(C_REP, 0, 0), IN_GPA, OUT_GPA),
			  HV_STATUS_INVALID_HYPERCALL_INPUT);
	ck_assert_uint_eq(call(ctl(C_REP, 3, 4), IN_GPA, OUT_GPA),
			  HV_STATUS_INVALID_HYPERCALL_INPUT);
	ck_assert_uint_eq(call(ctl(C_REP, 1, 0xfff), IN_GPA, OUT_GPA),
			  HV_STATUS_INVALID_HYPERCALL_INPUT);
	ck_assert_uint_eq(calls, 0);
	/* start == count: nothing left to do, all reps complete. */
	rax = call(ctl(C_REP, 3, 3), IN_GPA, OUT_GPA);
	ck_assert_uint_eq(STATUS(rax), 0);
	ck_assert_uint_eq(REPS(rax), 3);
	ck_assert_uint_eq(calls, 0);
	/* 8 + 1000 * 8 bytes do not fit a page. */
	ck_assert_uint_eq(call(ctl(C_REP, 1000, 0), IN_GPA, OUT_GPA), HV_STATUS_INVALID_PARAMETER);
	/* 8 + 511 * 8 fit exactly; 512 output elements fit, input does not. */
	ck_assert_uint_eq(STATUS(call(ctl(C_REP, 511, 0), IN_GPA, OUT_GPA)), 0);
	ck_assert_uint_eq(call(ctl(C_REP, 512, 0), IN_GPA, OUT_GPA), HV_STATUS_INVALID_PARAMETER);
}
END_TEST

START_TEST(rep_from_start_index)
{
	uint64_t rax;
	unsigned int i;

	wr64(IN_GPA, 100);
	for (i = 0; i < 5; i++) {
		wr64(IN_GPA + 8 + 8 * i, i + 1);
		wr64(OUT_GPA + 8 * i, 0x5555);
	}
	rax = call(ctl(C_REP, 5, 2), IN_GPA, OUT_GPA);
	ck_assert_uint_eq(STATUS(rax), 0);
	ck_assert_uint_eq(REPS(rax), 5);
	ck_assert_uint_eq(nrep_seen, 3);
	ck_assert_uint_eq(rep_seen[0], 2);
	ck_assert_uint_eq(rep_seen[2], 4);
	/* Elements before the start index are not the call's to write. */
	ck_assert_uint_eq(rd64(OUT_GPA), 0x5555);
	ck_assert_uint_eq(rd64(OUT_GPA + 8), 0x5555);
	ck_assert_uint_eq(rd64(OUT_GPA + 16), 3 * 2 + 100);
	ck_assert_uint_eq(rd64(OUT_GPA + 32), 5 * 2 + 100);
}
END_TEST

START_TEST(rep_partial_completion)
{
	uint64_t rax;
	unsigned int i;

	wr64(IN_GPA, 0);
	for (i = 0; i < 6; i++) {
		wr64(IN_GPA + 8 + 8 * i, i == 3 ? BAD_VALUE : i + 1);
		wr64(OUT_GPA + 8 * i, 0x5555);
	}
	rax = call(ctl(C_REP, 6, 1), IN_GPA, OUT_GPA);
	ck_assert_uint_eq(STATUS(rax), HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(REPS(rax), 3);  /* the index of the failing element */
	ck_assert_uint_eq(nrep_seen, 3); /* 1, 2, 3; never 4 */
	ck_assert_uint_eq(rd64(OUT_GPA + 8), 4);
	ck_assert_uint_eq(rd64(OUT_GPA + 16), 6);
	ck_assert_uint_eq(rd64(OUT_GPA + 24), 0x5555);
	/* The guest retries from the failed element once it fixed it. */
	wr64(IN_GPA + 8 + 24, 9);
	nrep_seen = 0;
	rax = call(ctl(C_REP, 6, REPS(rax)), IN_GPA, OUT_GPA);
	ck_assert_uint_eq(rax, 6ULL << 32);
	ck_assert_uint_eq(rep_seen[0], 3);
	ck_assert_uint_eq(rd64(OUT_GPA + 24), 18);
}
END_TEST

/* ---- fast calls ---------------------------------------------------- */

static struct hv_hcall_regs fast_regs(uint64_t rcx)
{
	struct hv_hcall_regs r = { .rcx = rcx | HV_HCALL_FAST, .rax = 0xdeadbeef };
	unsigned int i;

	for (i = 0; i < 6; i++) {
		r.xmm[i][0] = 0x1000 + 2 * i;
		r.xmm[i][1] = 0x1001 + 2 * i;
	}
	return r;
}

static uint64_t fast_call(struct hv_hcall_regs *r)
{
	struct hv_hcall_caller c = { .vp = 1 };

	ck_assert(hv_hcall_dispatch(&table, &c, &mem, r));
	return r->rax;
}

START_TEST(fast_simple)
{
	struct hv_hcall_regs r = fast_regs(C_SIMPLE);

	r.rdx = 40;
	r.r8 = 2;
	ck_assert_uint_eq(fast_call(&r), 0);
	/* Input was RDX:R8 (pair 0): the output goes to the next pair, XMM0. */
	ck_assert_uint_eq(r.xmm[0][0], 42);
	ck_assert_uint_eq(r.xmm[0][1], 0x1001);
	ck_assert_uint_eq(r.rdx, 40);
	ck_assert_uint_eq(writes, 0);
}
END_TEST

START_TEST(fast_varhdr_uses_xmm)
{
	struct hv_hcall_regs r = fast_regs(C_SIMPLE | (3ULL << HV_HCALL_VARHDR_SHIFT));

	r.rdx = 1;
	r.r8 = 2;
	/* 16 + 24 = 40 input bytes: RDX, R8, XMM0, XMM1 low; output in XMM2. */
	ck_assert_uint_eq(fast_call(&r), 0);
	ck_assert_uint_eq(last_in_len, 40);
	ck_assert_uint_eq(last_in[2], 0x1000);
	ck_assert_uint_eq(last_in[3], 0x1001);
	ck_assert_uint_eq(last_in[4], 0x1002);
	ck_assert_uint_eq(r.xmm[1][1], 0x1003);
	ck_assert_uint_eq(r.xmm[2][0], 3);
}
END_TEST

START_TEST(fast_limits)
{
	struct hv_hcall_regs r;

	/* On a call with no fast form. */
	r = fast_regs(C_PLAIN);
	ck_assert_uint_eq(fast_call(&r), HV_STATUS_INVALID_HYPERCALL_INPUT);
	/* Input beyond RDX, R8, XMM0-5 (112 bytes): 16 + 13 * 8. */
	r = fast_regs(C_SIMPLE | (13ULL << HV_HCALL_VARHDR_SHIFT));
	ck_assert_uint_eq(fast_call(&r), HV_STATUS_INVALID_HYPERCALL_INPUT);
	/* 96 input bytes leave one pair, but 16 + 11 * 8 = 104 leave none for output. */
	r = fast_regs(C_SIMPLE | (10ULL << HV_HCALL_VARHDR_SHIFT));
	r.rdx = 5;
	r.r8 = 6;
	ck_assert_uint_eq(fast_call(&r), 0);
	ck_assert_uint_eq(r.xmm[5][0], 11);
	r = fast_regs(C_SIMPLE | (11ULL << HV_HCALL_VARHDR_SHIFT));
	ck_assert_uint_eq(fast_call(&r), HV_STATUS_INVALID_HYPERCALL_INPUT);
	ck_assert_uint_eq(calls, 1);
}
END_TEST

START_TEST(fast_rep_partial)
{
	struct hv_hcall_regs r = fast_regs(ctl(C_REP, 3, 0));

	/* header RDX, elements R8, XMM0 low, XMM0 high; output from XMM1. */
	r.rdx = 10;
	r.r8 = 1;
	r.xmm[0][1] = BAD_VALUE;
	r.xmm[1][0] = r.xmm[1][1] = 0x5555;
	ck_assert_uint_eq(fast_call(&r), HV_STATUS_INVALID_PARAMETER | (2ULL << 32));
	ck_assert_uint_eq(r.xmm[1][0], 12);
	ck_assert_uint_eq(r.xmm[1][1], 0x1000 * 2 + 10);
	ck_assert_uint_eq(r.xmm[2][0], 0x1004); /* element 2 failed: not written */
}
END_TEST

/* ---- raw handlers -------------------------------------------------- */

START_TEST(raw_calls)
{
	struct hv_hcall_caller c = { .vp = 0 };
	struct hv_hcall_regs r = { .rcx = C_RAW, .rdx = 1, .rax = 0x1234 };

	ck_assert(!hv_hcall_dispatch(&table, &c, &mem, &r));
	ck_assert_uint_eq(r.rax, 0x1234); /* NO_RESULT: untouched */
	r.rdx = 0;
	ck_assert(hv_hcall_dispatch(&table, &c, &mem, &r));
	ck_assert_uint_eq(r.rax, HV_STATUS_ACCESS_DENIED);
	ck_assert_uint_eq(r.r8, 0x77);
	ck_assert_uint_eq(calls, 2);
	ck_assert_uint_eq(call(C_RAW | HV_HCALL_FAST, 0, 0), HV_STATUS_INVALID_HYPERCALL_INPUT);
	ck_assert_uint_eq(call(ctl(C_RAW, 1, 0), 0, 0), HV_STATUS_INVALID_HYPERCALL_INPUT);
	ck_assert_uint_eq(call(C_RAW | (1ULL << HV_HCALL_VARHDR_SHIFT), 0, 0),
			  HV_STATUS_INVALID_HYPERCALL_INPUT);
	ck_assert_uint_eq(call(C_RAW | (1ULL << 40), 0, 0) & 0xffff, 0x3);
	ck_assert_uint_eq(calls, 2);
}
END_TEST

/* ---- 0xDB ModifySparseGpaPageHostVisibility ----------------------- */

static void put_vis(uint64_t partition, uint32_t vis, uint32_t rsvd, const uint64_t *gfn,
		    unsigned int n)
{
	struct hv_gpa_visibility_hdr h = { partition, vis, rsvd };
	unsigned int i;

	memcpy(ram, &h, sizeof(h));
	for (i = 0; i < n; i++)
		wr64(IN_GPA + sizeof(h) + 8 * i, gfn[i]);
}

#define DB HVCALL_MODIFY_SPARSE_GPA_PAGE_HOST_VISIBILITY
#define GFN(n) ((RAM_BASE >> 12) + (n))

START_TEST(vis_ok)
{
	const uint64_t gfns[] = { GFN(1), GFN(2), GFN(3) };

	put_vis(HV_PARTITION_ID_SELF, HV_VISIBILITY_READ_WRITE, 0, gfns, 3);
	ck_assert_uint_eq(call(ctl(DB, 3, 0), IN_GPA, 0), 3ULL << 32);
	put_vis(HV_PARTITION_ID_SELF, HV_VISIBILITY_READ_ONLY, 0, gfns, 1);
	ck_assert_uint_eq(call(ctl(DB, 1, 0), IN_GPA, 0), 1ULL << 32);
	put_vis(HV_PARTITION_ID_SELF, HV_VISIBILITY_NONE, 0, gfns, 2);
	ck_assert_uint_eq(call(ctl(DB, 2, 0), IN_GPA, 0), 2ULL << 32);
	ck_assert_uint_eq(isol.calls, 3);
	ck_assert_uint_eq(isol.pages_visible, 4);
	ck_assert_uint_eq(isol.pages_private, 2);
}
END_TEST

START_TEST(vis_bad_header)
{
	const uint64_t gfns[] = { GFN(1) };

	put_vis(0, HV_VISIBILITY_READ_WRITE, 0, gfns, 1);
	ck_assert_uint_eq(call(ctl(DB, 1, 0), IN_GPA, 0), HV_STATUS_INVALID_PARTITION_ID);
	put_vis(HV_PARTITION_ID_SELF, 2, 0, gfns, 1);
	ck_assert_uint_eq(call(ctl(DB, 1, 0), IN_GPA, 0), HV_STATUS_INVALID_PARAMETER);
	put_vis(HV_PARTITION_ID_SELF, HV_VISIBILITY_READ_WRITE | 4, 0, gfns, 1);
	ck_assert_uint_eq(call(ctl(DB, 1, 0), IN_GPA, 0), HV_STATUS_INVALID_PARAMETER);
	put_vis(HV_PARTITION_ID_SELF, HV_VISIBILITY_READ_WRITE, 1, gfns, 1);
	ck_assert_uint_eq(call(ctl(DB, 1, 0), IN_GPA, 0), HV_STATUS_INVALID_PARAMETER);
	/* Only the rep form exists, and no fast form. */
	put_vis(HV_PARTITION_ID_SELF, HV_VISIBILITY_READ_WRITE, 0, gfns, 1);
	ck_assert_uint_eq(call(DB, IN_GPA, 0), HV_STATUS_INVALID_HYPERCALL_INPUT);
	ck_assert_uint_eq(call(ctl(DB, 1, 0) | HV_HCALL_FAST, IN_GPA, 0),
			  HV_STATUS_INVALID_HYPERCALL_INPUT);
	ck_assert_uint_eq(isol.calls + isol.pages_visible + isol.pages_private, 0);
}
END_TEST

START_TEST(vis_not_ram)
{
	const uint64_t gfns[] = { GFN(0), NOT_RAM >> 12, GFN(1), ~0ULL, GFN(4) };

	put_vis(HV_PARTITION_ID_SELF, HV_VISIBILITY_READ_WRITE, 0, gfns, 5);
	ck_assert_uint_eq(call(ctl(DB, 5, 0), IN_GPA, 0), HV_STATUS_INVALID_PARAMETER | (1ULL << 32));
	ck_assert_uint_eq(call(ctl(DB, 5, 2), IN_GPA, 0), HV_STATUS_INVALID_PARAMETER | (3ULL << 32));
	ck_assert_uint_eq(call(ctl(DB, 5, 4), IN_GPA, 0), HV_STATUS_INVALID_PARAMETER | (4ULL << 32));
	ck_assert_uint_eq(isol.pages_visible, 2);
	ck_assert_uint_eq(isol.calls, 1);
}
END_TEST

/* The CPUID leaves of each --isolation mode (hyperv_cpuid). */
static void check_isolation_cpuid(enum isolation_mode mode)
{
	struct vm vm = { 0 };
	struct hyperv hv;
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + sizeof(c->entries[0]));
	struct kvm_cpuid_entry2 *e;
	bool vbs = mode == ISOLATION_VBS;

	ck_assert_int_eq(hyperv_init_stub(&vm, &hv, NULL), 0);
	hv.hv_cpuid = calloc(1, sizeof(*hv.hv_cpuid)); /* KVM offers nothing */
	hv.isolation = mode;
	ck_assert_ptr_nonnull(c);
	c->nent = 1;
	c = hyperv_cpuid(&hv, c);
	ck_assert_ptr_nonnull(c);
	e = cpuid_find(c, 0x40000000, 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->eax, vbs ? 0x4000000c : 0x4000000a);
	e = cpuid_find(c, 0x40000003, 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(!!(e->ebx & HV_ISOLATION), vbs);
	e = cpuid_find(c, HV_LEAF_ISOLATION_CONFIG, 0);
	if (vbs) {
		ck_assert_ptr_nonnull(e);
		ck_assert_uint_eq(e->eax, 0); /* no paravisor */
		ck_assert_uint_eq(e->ebx, HV_ISOLATION_TYPE_VBS); /* no shared GPA boundary */
	} else {
		ck_assert_ptr_null(e);
	}
	free(c);
	hyperv_destroy(&hv);
}

START_TEST(isolation_cpuid)
{
	check_isolation_cpuid(ISOLATION_NONE);
	check_isolation_cpuid(ISOLATION_VBS);
}
END_TEST

static Suite *hv_hcall_suite(void)
{
	Suite *s = suite_create("hv_hcall");
	TCase *tc = tcase_create("dispatch");
	TCase *tv = tcase_create("host_visibility");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_checked_fixture(tv, setup, NULL);
	tcase_add_test(tc, register_rules);
	tcase_add_test(tc, simple_ok);
	tcase_add_test(tc, simple_failure_writes_no_output);
	tcase_add_test(tc, reserved_bits);
	tcase_add_test(tc, unknown_code);
	tcase_add_test(tc, misaligned);
	tcase_add_test(tc, page_crossing);
	tcase_add_test(tc, not_ram);
	tcase_add_test(tc, overlap);
	tcase_add_test(tc, varhdr);
	tcase_add_test(tc, rep_fields_on_simple);
	tcase_add_test(tc, rep_counts);
	tcase_add_test(tc, rep_from_start_index);
	tcase_add_test(tc, rep_partial_completion);
	tcase_add_test(tc, fast_simple);
	tcase_add_test(tc, fast_varhdr_uses_xmm);
	tcase_add_test(tc, fast_limits);
	tcase_add_test(tc, fast_rep_partial);
	tcase_add_test(tc, raw_calls);
	tcase_add_test(tv, vis_ok);
	tcase_add_test(tv, vis_bad_header);
	tcase_add_test(tv, vis_not_ram);
	tcase_add_test(tv, isolation_cpuid);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tv);
	return s;
}

UNIT_MAIN(hv_hcall_suite)
