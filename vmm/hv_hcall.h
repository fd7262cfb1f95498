/* SPDX-License-Identifier: MIT */
/*
 * hvmm's own Hyper-V hypercalls: the ABI decoder and dispatcher.
 *
 * Stock KVM answers every hypercall it does not implement (the VSM calls,
 * Get/SetVpRegisters, ModifySparseGpaPageHostVisibility, ...) with
 * HV_STATUS_INVALID_HYPERCALL_CODE inside the kernel (arch/x86/kvm/hyperv.c,
 * kvm_hv_hypercall's default case): they never reach userspace. hvmm
 * therefore owns the guest's hypercall page (hv_hcall_page.h): ordinary
 * codes go on to vmcall/vmmcall and KVM, the codes registered here trap to
 * hvmm, which decodes them with this module.
 *
 * This file knows nothing about KVM: the caller hands in the registers of
 * the 64-bit calling convention (TLFS "Hypercall Interface": RCX control,
 * RDX input GPA or fast input, R8 output GPA or fast input, XMM0-5 for
 * XMM fast input) and guest-memory accessors, and gets back RAX (status
 * in bits 0-15, reps completed in bits 32-43) plus, for fast calls with
 * register output, the updated registers. Unit tests and the fuzzer drive
 * it directly.
 *
 * Rules enforced before any handler runs (TLFS 3.x):
 *  - reserved control bits set            -> HV_STATUS_INVALID_HYPERCALL_INPUT
 *  - rep count on a simple call, or none on a rep call, or start > count
 *                                         -> HV_STATUS_INVALID_HYPERCALL_INPUT
 *  - input/output GPA not 8-byte aligned  -> HV_STATUS_INVALID_ALIGNMENT
 *  - input/output block crossing a page, or not guest RAM, or the two
 *    overlapping                          -> HV_STATUS_INVALID_PARAMETER
 *  - fast form on a call that has none    -> HV_STATUS_INVALID_HYPERCALL_INPUT
 *  - a code with no handler               -> HV_STATUS_INVALID_HYPERCALL_CODE
 * Rep calls run elements from the start index; the first failing element
 * stops the call and its index is the reps-completed count.
 * Also: the nested bit (31) is refused like a reserved bit; a memory block
 * of zero length is not checked (a call without output may pass any R8);
 * a fast call's input (fixed + variable header + reps) must fit the 112
 * bytes of RDX, R8, XMM0-5, and its output (desc->fast_out_ok) the
 * register pairs after the input (hv_hcall.c). 32-bit callers never get
 * here (hv_hcall_page.h: the page sends them to KVM).
 */
#ifndef HVMM_HV_HCALL_H
#define HVMM_HV_HCALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HV_PAGE_SIZE 4096u /* as devices/vmbus/proto.h */

/* Control word (RCX). */
#define HV_HCALL_CODE_MASK 0xffffULL
#define HV_HCALL_FAST (1ULL << 16)
#define HV_HCALL_VARHDR_SHIFT 17          /* 10 bits, 8-byte units */
#define HV_HCALL_VARHDR_MASK 0x3ffULL
#define HV_HCALL_NESTED (1ULL << 31)
#define HV_HCALL_REP_COUNT_SHIFT 32       /* 12 bits */
#define HV_HCALL_REP_START_SHIFT 48       /* 12 bits */
#define HV_HCALL_REP_MASK 0xfffULL
/* Result (RAX). */
#define HV_HCALL_RESULT_REPS_SHIFT 32

/* Status codes beyond those in hyperv.h. */
#define HV_STATUS_ACCESS_DENIED 0x6
#define HV_STATUS_INVALID_PARTITION_STATE 0x7
#define HV_STATUS_OPERATION_DENIED 0x8
#define HV_STATUS_UNKNOWN_PROPERTY 0x9
#define HV_STATUS_INVALID_PARTITION_ID 0xd
#define HV_STATUS_INVALID_VP_INDEX 0xe
#define HV_STATUS_INVALID_VP_STATE 0x15
#define HV_STATUS_INVALID_REGISTER_VALUE 0x50
#define HV_STATUS_INVALID_VTL_STATE 0x51
#define HV_STATUS_VTL_ALREADY_ENABLED 0x86

#define HV_PARTITION_ID_SELF 0xffffffffffffffffULL
#define HV_VP_INDEX_SELF 0xfffffffeU

/* The hypercalls hvmm implements in userspace. */
#define HVCALL_MODIFY_VTL_PROTECTION_MASK 0x000c
#define HVCALL_ENABLE_PARTITION_VTL 0x000d
#define HVCALL_ENABLE_VP_VTL 0x000f
#define HVCALL_VTL_CALL 0x0011
#define HVCALL_VTL_RETURN 0x0012
#define HVCALL_GET_VP_REGISTERS 0x0050
#define HVCALL_SET_VP_REGISTERS 0x0051
#define HVCALL_TRANSLATE_VIRTUAL_ADDRESS 0x0052
#define HVCALL_START_VIRTUAL_PROCESSOR 0x0099
#define HVCALL_GET_VP_INDEX_FROM_APIC_ID 0x009a
#define HVCALL_MODIFY_SPARSE_GPA_PAGE_HOST_VISIBILITY 0x00db

/* Codes below this may trap to hvmm (the hypercall page's bitmap size). */
#define HV_HCALL_TRAP_CODES 256

/* The registers of one call, in and out (64-bit convention). */
struct hv_hcall_regs {
	uint64_t rcx;          /* control */
	uint64_t rdx;          /* input GPA, or fast input qword 0 */
	uint64_t r8;           /* output GPA, or fast input qword 1 */
	uint64_t xmm[6][2];    /* XMM0-5: further fast input / fast output */
	uint64_t rax;          /* out: the result */
};

/* Guest physical memory as the dispatcher sees it. 0 or -EFAULT. */
struct hv_hcall_mem {
	int (*read)(void *opaque, uint64_t gpa, void *dst, size_t len);
	int (*write)(void *opaque, uint64_t gpa, const void *src, size_t len);
	void *opaque;
};

/* Who is calling: passed through to handlers. */
struct hv_hcall_caller {
	uint32_t vp;           /* VP index of the calling vCPU */
	uint8_t vtl;           /* its active VTL */
	void *opaque;          /* set by the dispatcher: the handler's owner
				* (the `opaque` given to hv_hcall_register) */
};

struct hv_hcall_desc;

/*
 * A simple call: `in` holds the fixed input (in_size bytes, plus the
 * variable header if any), `out` out_size zeroed bytes to fill.
 */
typedef uint16_t (*hv_hcall_simple_fn)(const struct hv_hcall_caller *c,
				       const struct hv_hcall_mem *mem,
				       const void *in, size_t in_len, void *out);
/*
 * A rep call, once per element `idx`: `hdr` is the fixed header, `elem`
 * the rep input element, `out_elem` the rep output element (zeroed).
 */
typedef uint16_t (*hv_hcall_rep_fn)(const struct hv_hcall_caller *c,
				    const struct hv_hcall_mem *mem, const void *hdr,
				    size_t hdr_len, const void *elem, uint32_t idx,
				    void *out_elem);
/*
 * A call that controls the vCPU itself (VtlCall, VtlReturn): it gets the
 * raw registers and returns a status; HV_HCALL_NO_RESULT means "do not
 * write RAX" (the caller's registers were switched).
 */
typedef uint32_t (*hv_hcall_raw_fn)(const struct hv_hcall_caller *c,
				    struct hv_hcall_regs *regs);
#define HV_HCALL_NO_RESULT 0x10000U

struct hv_hcall_desc {
	uint16_t code;
	const char *name;
	uint16_t in_size;       /* fixed input (header for rep calls) */
	uint16_t out_size;      /* fixed output (simple calls) */
	uint16_t rep_in_size;   /* 0: simple call */
	uint16_t rep_out_size;
	bool fast_ok;           /* may be issued with the fast bit */
	bool varhdr_ok;         /* may carry a variable header */
	bool fast_out_ok;       /* fast form returns output in XMM registers
				 * (else a fast call with output is refused) */
	hv_hcall_simple_fn simple;
	hv_hcall_rep_fn rep;
	hv_hcall_raw_fn raw;    /* set instead of simple/rep */
};

struct hv_hcall_table {
	const struct hv_hcall_desc *desc[HV_HCALL_TRAP_CODES];
	void *opaque[HV_HCALL_TRAP_CODES];
};

/*
 * Add `d` to `t`; its handler gets `opaque` as caller->opaque (e.g. the
 * struct hv_vsm). -EINVAL (code out of range, no handler), -EBUSY.
 */
int hv_hcall_register(struct hv_hcall_table *t, const struct hv_hcall_desc *d, void *opaque);

/* Does `code` trap to hvmm? (The page's bitmap is built from this.) */
bool hv_hcall_is_trapped(const struct hv_hcall_table *t, uint16_t code);

/*
 * Decode and run one call. Reads inputs through `mem`, calls the handler,
 * writes outputs, and sets regs->rax (unless a raw handler said
 * HV_HCALL_NO_RESULT). Never fails: every bad input is a status.
 * Returns false only for HV_HCALL_NO_RESULT: the caller must then not
 * write the registers back (the handler switched the vCPU's state).
 */
bool hv_hcall_dispatch(const struct hv_hcall_table *t, const struct hv_hcall_caller *c,
		       const struct hv_hcall_mem *mem, struct hv_hcall_regs *regs);

#endif
