// SPDX-License-Identifier: MIT
/*
 * The hypercall ABI decoder and dispatcher (hv_hcall.h has the contract).
 *
 * Only the 64-bit calling convention reaches this file: hvmm's hypercall
 * page (hv_hcall_page.h) sends callers that are not in 64-bit mode
 * straight to vmcall/vmmcall, where KVM decodes the 32-bit convention
 * (EDX:EAX control, EBX:ECX input, EDI:ESI output) itself and answers
 * every code it does not implement with HV_STATUS_INVALID_HYPERCALL_CODE.
 * So a 32-bit guest gets KVM's hypercalls and none of hvmm's.
 *
 * Fast calls: the input is the byte stream RDX, R8, XMM0 low, XMM0 high,
 * ..., XMM5 high (TLFS "XMM Fast Hypercall Input", at most 112 bytes).
 * Register output ("XMM Fast Hypercall Output", desc->fast_out_ok) goes
 * to the register pairs after those the input used, starting at the next
 * 16-byte boundary of that stream (RDX:R8 is pair 0, XMM0 pair 1, ...).
 */
#include "hv_hcall.h"

#include <errno.h>
#include <string.h>

#include "hyperv.h"
#include "util.h"

#define HV_HCALL_RSVD_MASK (~(HV_HCALL_CODE_MASK | HV_HCALL_FAST | \
			      (HV_HCALL_VARHDR_MASK << HV_HCALL_VARHDR_SHIFT) | \
			      (HV_HCALL_REP_MASK << HV_HCALL_REP_COUNT_SHIFT) | \
			      (HV_HCALL_REP_MASK << HV_HCALL_REP_START_SHIFT)))
#define HV_HCALL_FAST_PAIRS 7                  /* RDX:R8 and XMM0-5 */
#define HV_HCALL_FAST_BYTES (HV_HCALL_FAST_PAIRS * 16)

int hv_hcall_register(struct hv_hcall_table *t, const struct hv_hcall_desc *d, void *opaque)
{
	bool rep = d && d->rep_in_size;

	if (!t || !d || d->code >= HV_HCALL_TRAP_CODES)
		return -EINVAL;
	/* A raw handler, or exactly the one that matches the call's kind. */
	if (!d->raw && (rep ? !d->rep : !d->simple))
		return -EINVAL;
	if (d->in_size > HV_PAGE_SIZE || d->out_size > HV_PAGE_SIZE ||
	    d->rep_in_size > HV_PAGE_SIZE || d->rep_out_size > HV_PAGE_SIZE)
		return -EINVAL;
	if (t->desc[d->code])
		return -EBUSY;
	t->desc[d->code] = d;
	t->opaque[d->code] = opaque;
	return 0;
}

bool hv_hcall_is_trapped(const struct hv_hcall_table *t, uint16_t code)
{
	return t && code < HV_HCALL_TRAP_CODES && t->desc[code];
}

/* One decoded control word. */
struct hv_hcall_ctl {
	uint16_t code;
	bool fast;
	uint32_t varhdr;       /* bytes */
	uint32_t rep_count, rep_start;
};

static void hcall_decode(uint64_t rcx, struct hv_hcall_ctl *ctl)
{
	ctl->code = (uint16_t)(rcx & HV_HCALL_CODE_MASK);
	ctl->fast = rcx & HV_HCALL_FAST;
	ctl->varhdr = (uint32_t)((rcx >> HV_HCALL_VARHDR_SHIFT) & HV_HCALL_VARHDR_MASK) * 8;
	ctl->rep_count = (uint32_t)((rcx >> HV_HCALL_REP_COUNT_SHIFT) & HV_HCALL_REP_MASK);
	ctl->rep_start = (uint32_t)((rcx >> HV_HCALL_REP_START_SHIFT) & HV_HCALL_REP_MASK);
}

static uint64_t hcall_result(uint16_t status, uint32_t reps)
{
	return status | ((uint64_t)reps << HV_HCALL_RESULT_REPS_SHIFT);
}

/*
 * A memory block of `len` bytes at `gpa`: aligned, inside one page and
 * readable (so RAM; writes go through the same accessor). An empty
 * block needs nothing, so calls without output may pass any R8.
 */
static uint16_t hcall_check_block(const struct hv_hcall_mem *mem, uint64_t gpa, size_t len,
				  void *buf)
{
	if (!len)
		return HV_STATUS_SUCCESS;
	if (gpa & 7)
		return HV_STATUS_INVALID_ALIGNMENT;
	if ((gpa & (HV_PAGE_SIZE - 1)) + len > HV_PAGE_SIZE)
		return HV_STATUS_INVALID_PARAMETER;
	if (mem->read(mem->opaque, gpa, buf, len))
		return HV_STATUS_INVALID_PARAMETER;
	return HV_STATUS_SUCCESS;
}

/* The fast-call register stream, in and out. */
static void fast_to_bytes(const struct hv_hcall_regs *r, uint8_t *b)
{
	memcpy(b, &r->rdx, 8);
	memcpy(b + 8, &r->r8, 8);
	memcpy(b + 16, r->xmm, sizeof(r->xmm));
}

static void fast_from_bytes(struct hv_hcall_regs *r, const uint8_t *b, size_t from, size_t len)
{
	uint8_t all[HV_HCALL_FAST_BYTES];

	fast_to_bytes(r, all);
	memcpy(all + from, b, len);
	memcpy(&r->rdx, all, 8);
	memcpy(&r->r8, all + 8, 8);
	memcpy(r->xmm, all + 16, sizeof(r->xmm));
}

/* Everything about a call's layout, checked against its descriptor. */
struct hv_hcall_io {
	size_t hdr_len;        /* fixed input + variable header */
	size_t in_len;         /* hdr_len + rep_count * rep_in_size */
	size_t out_len;        /* out_size, or rep_count * rep_out_size */
	size_t fast_out_at;    /* fast output offset in the register stream */
};

static uint16_t hcall_layout(const struct hv_hcall_desc *d, const struct hv_hcall_ctl *ctl,
			     struct hv_hcall_io *io)
{
	bool rep = d->rep_in_size != 0;

	if (ctl->fast && !d->fast_ok)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	if (ctl->varhdr && !d->varhdr_ok)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	if (rep ? (!ctl->rep_count || ctl->rep_start > ctl->rep_count) :
		  (ctl->rep_count || ctl->rep_start))
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	io->hdr_len = (size_t)d->in_size + ctl->varhdr;
	io->in_len = io->hdr_len + (size_t)ctl->rep_count * d->rep_in_size;
	io->out_len = rep ? (size_t)ctl->rep_count * d->rep_out_size : d->out_size;
	io->fast_out_at = ALIGN_UP(io->in_len, (size_t)16);
	if (!ctl->fast)
		return HV_STATUS_SUCCESS;
	if (io->in_len > HV_HCALL_FAST_BYTES)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	if (io->out_len && (!d->fast_out_ok ||
			    io->fast_out_at + io->out_len > HV_HCALL_FAST_BYTES))
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	return HV_STATUS_SUCCESS;
}

/*
 * Run a rep call's elements from the start index. Returns the status and
 * the index reached: the count on success, else the failing element.
 */
static uint16_t hcall_run_rep(const struct hv_hcall_desc *d, const struct hv_hcall_caller *c,
			      const struct hv_hcall_mem *mem, const struct hv_hcall_ctl *ctl,
			      const struct hv_hcall_io *io, const uint8_t *in, uint8_t *out,
			      uint32_t *reps)
{
	uint32_t i;

	for (i = ctl->rep_start; i < ctl->rep_count; i++) {
		uint16_t st = d->rep(c, mem, in, io->hdr_len,
				     in + io->hdr_len + (size_t)i * d->rep_in_size, i,
				     out + (size_t)i * d->rep_out_size);

		if (st != HV_STATUS_SUCCESS) {
			*reps = i;
			return st;
		}
	}
	*reps = ctl->rep_count;
	return HV_STATUS_SUCCESS;
}

/* Write the output of a memory-form call, elements [from, to) for rep calls. */
static uint16_t hcall_put_out(const struct hv_hcall_mem *mem, uint64_t gpa, const uint8_t *out,
			      size_t from, size_t to)
{
	if (to <= from)
		return HV_STATUS_SUCCESS;
	return mem->write(mem->opaque, gpa + from, out + from, to - from) ?
	       HV_STATUS_INVALID_PARAMETER : HV_STATUS_SUCCESS;
}

static void hcall_run(const struct hv_hcall_desc *d, const struct hv_hcall_caller *c,
		      const struct hv_hcall_mem *mem, const struct hv_hcall_ctl *ctl,
		      struct hv_hcall_regs *regs)
{
	/* Blocks are at most a page; the fast stream is 112 bytes. */
	uint8_t in[HV_PAGE_SIZE], out[HV_PAGE_SIZE];
	struct hv_hcall_io io;
	uint32_t reps = 0;
	uint16_t st;

	st = hcall_layout(d, ctl, &io);
	if (st == HV_STATUS_SUCCESS && !ctl->fast &&
	    (io.in_len > HV_PAGE_SIZE || io.out_len > HV_PAGE_SIZE))
		st = HV_STATUS_INVALID_PARAMETER;
	if (st == HV_STATUS_SUCCESS && ctl->fast) {
		memset(in, 0, HV_HCALL_FAST_BYTES);
		fast_to_bytes(regs, in);
	} else if (st == HV_STATUS_SUCCESS) {
		st = hcall_check_block(mem, regs->rdx, io.in_len, in);
		/* Output must be RAM before the call has any effect. */
		if (st == HV_STATUS_SUCCESS)
			st = hcall_check_block(mem, regs->r8, io.out_len, out);
		/* TLFS: input and output lists may not overlap. */
		if (st == HV_STATUS_SUCCESS && io.in_len && io.out_len &&
		    regs->rdx < regs->r8 + io.out_len && regs->r8 < regs->rdx + io.in_len)
			st = HV_STATUS_INVALID_PARAMETER;
	}
	if (st != HV_STATUS_SUCCESS) {
		regs->rax = hcall_result(st, 0);
		return;
	}
	memset(out, 0, io.out_len);
	if (d->rep_in_size) {
		st = hcall_run_rep(d, c, mem, ctl, &io, in, out, &reps);
	} else {
		st = d->simple(c, mem, in, io.hdr_len, out);
	}
	/* Rep output up to the element that failed; simple output on success. */
	if (ctl->fast && io.out_len) {
		size_t n = d->rep_in_size ? (size_t)reps * d->rep_out_size :
			   (st == HV_STATUS_SUCCESS ? io.out_len : 0);

		if (n)
			fast_from_bytes(regs, out, io.fast_out_at, n);
	} else if (io.out_len) {
		uint16_t wst;

		if (d->rep_in_size)
			wst = hcall_put_out(mem, regs->r8, out,
					    (size_t)ctl->rep_start * d->rep_out_size,
					    (size_t)reps * d->rep_out_size);
		else
			wst = st == HV_STATUS_SUCCESS ?
			      hcall_put_out(mem, regs->r8, out, 0, io.out_len) : st;
		if (st == HV_STATUS_SUCCESS)
			st = wst;
	}
	regs->rax = hcall_result(st, reps);
}

bool hv_hcall_dispatch(const struct hv_hcall_table *t, const struct hv_hcall_caller *c,
		       const struct hv_hcall_mem *mem, struct hv_hcall_regs *regs)
{
	struct hv_hcall_caller call = *c;
	const struct hv_hcall_desc *d;
	struct hv_hcall_ctl ctl;
	uint32_t ret;

	hcall_decode(regs->rcx, &ctl);
	/* Nested (bit 31) is for an L1 hypervisor's own hypercalls: not ours. */
	if (regs->rcx & (HV_HCALL_RSVD_MASK | HV_HCALL_NESTED)) {
		regs->rax = hcall_result(HV_STATUS_INVALID_HYPERCALL_INPUT, 0);
		return true;
	}
	d = hv_hcall_is_trapped(t, ctl.code) ? t->desc[ctl.code] : NULL;
	if (!d) {
		pr_err_rl("vp%u: hypercall 0x%x has no handler", c->vp, ctl.code);
		regs->rax = hcall_result(HV_STATUS_INVALID_HYPERCALL_CODE, 0);
		return true;
	}
	call.opaque = t->opaque[ctl.code];
	if (!d->raw) {
		hcall_run(d, &call, mem, &ctl, regs);
		return true;
	}
	/* Raw calls (VtlCall, VtlReturn) decode their own input. */
	if ((ctl.fast && !d->fast_ok) || (ctl.varhdr && !d->varhdr_ok) ||
	    ctl.rep_count || ctl.rep_start) {
		regs->rax = hcall_result(HV_STATUS_INVALID_HYPERCALL_INPUT, 0);
		return true;
	}
	ret = d->raw(&call, regs);
	if (ret == HV_HCALL_NO_RESULT)
		return false;
	regs->rax = hcall_result((uint16_t)ret, 0);
	return true;
}
