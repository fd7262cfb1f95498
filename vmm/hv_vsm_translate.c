// SPDX-License-Identifier: MIT
/*
 * HvCallTranslateVirtualAddress (0x52): a VTL walks the page tables of a
 * VTL at or below its own on some VP. Layouts from OpenVMM
 * vm/hv1/hvdef/src/lib.rs (TranslateVirtualAddressX64 with its reserved
 * u32, TranslateGvaControlFlagsX64, TranslateGvaResultCode,
 * TranslateVirtualAddressOutput). The walk is x86_walk.c.
 */
#include <errno.h>
#include <string.h>

#include "hv_vsm_mem.h"
#include "hyperv.h"
#include "util.h"
#include "x86_walk.h"

/* Control flags. */
#define HV_TRANSLATE_VALIDATE_READ (1ULL << 0)
#define HV_TRANSLATE_VALIDATE_WRITE (1ULL << 1)
#define HV_TRANSLATE_VALIDATE_EXECUTE (1ULL << 2)
#define HV_TRANSLATE_PRIVILEGE_EXEMPT (1ULL << 3)
#define HV_TRANSLATE_SET_PAGE_TABLE_BITS (1ULL << 4)
#define HV_TRANSLATE_TLB_FLUSH_INHIBIT (1ULL << 5)
#define HV_TRANSLATE_SUPERVISOR_ACCESS (1ULL << 6)
#define HV_TRANSLATE_USER_ACCESS (1ULL << 7)
#define HV_TRANSLATE_ENFORCE_SMAP (1ULL << 8)
#define HV_TRANSLATE_OVERRIDE_SMAP (1ULL << 9)
#define HV_TRANSLATE_SHADOW_STACK (1ULL << 10)
#define HV_TRANSLATE_RESERVED 0x00fffffffffff800ULL /* bits 11-55 */
#define HV_TRANSLATE_INPUT_VTL_SHIFT 56
/* What hvmm implements; the rest of bits 0-10 is refused (docs/vsm.md). */
#define HV_TRANSLATE_SUPPORTED                                                          \
	(HV_TRANSLATE_VALIDATE_READ | HV_TRANSLATE_VALIDATE_WRITE |                     \
	 HV_TRANSLATE_VALIDATE_EXECUTE | HV_TRANSLATE_PRIVILEGE_EXEMPT |               \
	 HV_TRANSLATE_SUPERVISOR_ACCESS | HV_TRANSLATE_USER_ACCESS |                   \
	 HV_TRANSLATE_ENFORCE_SMAP | HV_TRANSLATE_OVERRIDE_SMAP)

/* Result codes. */
#define HV_TRANSLATE_GVA_SUCCESS 0
#define HV_TRANSLATE_GVA_PAGE_NOT_PRESENT 1
#define HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION 2
#define HV_TRANSLATE_GVA_INVALID_PAGE_TABLE_FLAGS 3
#define HV_TRANSLATE_GVA_GPA_UNMAPPED 4
#define HV_TRANSLATE_GVA_GPA_NO_READ_ACCESS 5
#define HV_TRANSLATE_GVA_GPA_NO_WRITE_ACCESS 6

#define HV_CACHE_TYPE_WRITEBACK 6

struct hv_translate_in {
	uint64_t partition_id;
	uint32_t vp_index;
	uint32_t reserved;
	uint64_t control_flags;
	uint64_t gva_page;
} __attribute__((packed));
_Static_assert(sizeof(struct hv_translate_in) == 32, "TranslateVirtualAddress input");

struct hv_translate_out {
	uint32_t result_code;
	uint8_t cache_type;
	uint8_t flags;   /* bit 0 overlay page */
	uint16_t reserved;
	uint64_t gpa_page;
} __attribute__((packed));
_Static_assert(sizeof(struct hv_translate_out) == 16, "TranslateVirtualAddress output");

static int translate_read(void *opaque, uint64_t gpa, unsigned int size, uint64_t *val)
{
	const struct hv_hcall_mem *m = opaque;

	*val = 0;
	return m->read(m->opaque, gpa, val, size);
}

static uint32_t translate_code(enum x86_walk_status st)
{
	switch (st) {
	case X86_WALK_OK:
		return HV_TRANSLATE_GVA_SUCCESS;
	case X86_WALK_PROTECTION:
		return HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION;
	case X86_WALK_BAD_TABLE:
		return HV_TRANSLATE_GVA_GPA_UNMAPPED; /* a table outside RAM */
	case X86_WALK_RESERVED:
	case X86_WALK_BAD_MODE:
		return HV_TRANSLATE_GVA_INVALID_PAGE_TABLE_FLAGS;
	default: /* not present, or no such address (non-canonical) */
		return HV_TRANSLATE_GVA_PAGE_NOT_PRESENT;
	}
}

/* The access kinds for x86_walk_check(), from the flags and the VTL's state. */
static int translate_access(struct hv_vsm *vsm, uint32_t vp, uint8_t vtl, uint64_t flags,
			    unsigned int *acc)
{
	struct hv_vtl_state s;
	bool user;
	int ret;

	*acc = 0;
	if (flags & HV_TRANSLATE_VALIDATE_WRITE)
		*acc |= X86_ACC_WRITE;
	if (flags & HV_TRANSLATE_VALIDATE_EXECUTE)
		*acc |= X86_ACC_FETCH;
	if (flags & HV_TRANSLATE_PRIVILEGE_EXEMPT) {
		*acc |= X86_ACC_NO_PRIV;
		return 0;
	}
	ret = hv_vsm_vtl_state(vsm, vp, vtl, &s);
	if (ret)
		return ret;
	if (flags & HV_TRANSLATE_USER_ACCESS)
		user = true;
	else if (flags & HV_TRANSLATE_SUPERVISOR_ACCESS)
		user = false;
	else
		user = (s.sregs.cr0 & X86_CR0_PE) && s.sregs.ss.dpl == 3;
	if (user)
		*acc |= X86_ACC_USER;
	/* SMAP: the flags override EFLAGS.AC (hvdef TranslateGvaControlFlagsX64). */
	if (flags & HV_TRANSLATE_OVERRIDE_SMAP)
		*acc |= X86_ACC_SMAP_OFF;
	else if (!(flags & HV_TRANSLATE_ENFORCE_SMAP) && (s.regs.rflags & (1ULL << 18)))
		*acc |= X86_ACC_SMAP_OFF;
	return 0;
}

uint16_t hv_vsm_translate(const struct hv_hcall_caller *c, const struct hv_hcall_mem *mem,
			  const void *inp, size_t in_len, void *outp)
{
	struct hv_vsm *vsm = c->opaque;
	struct hv_translate_out out = { 0 };
	struct x86_walk_regs regs = { 0 };
	struct x86_walk_result w;
	struct hv_translate_in in;
	enum x86_walk_status st;
	unsigned int acc, mask;
	uint32_t vp;
	uint16_t status;
	uint8_t vtl;
	int ret;

	if (in_len < sizeof(in))
		return HV_STATUS_INVALID_PARAMETER;
	memcpy(&in, inp, sizeof(in));
	if (in.partition_id != HV_PARTITION_ID_SELF)
		return HV_STATUS_INVALID_PARTITION_ID;
	vp = in.vp_index == HV_VP_INDEX_SELF ? c->vp : in.vp_index;
	if (vp >= vsm->nr_vps)
		return HV_STATUS_INVALID_VP_INDEX;
	if (in.reserved || (in.control_flags & HV_TRANSLATE_RESERVED) || in.gva_page >> 52)
		return HV_STATUS_INVALID_PARAMETER;
	if ((in.control_flags & (HV_TRANSLATE_SUPERVISOR_ACCESS | HV_TRANSLATE_USER_ACCESS)) ==
		    (HV_TRANSLATE_SUPERVISOR_ACCESS | HV_TRANSLATE_USER_ACCESS) ||
	    (in.control_flags & (HV_TRANSLATE_ENFORCE_SMAP | HV_TRANSLATE_OVERRIDE_SMAP)) ==
		    (HV_TRANSLATE_ENFORCE_SMAP | HV_TRANSLATE_OVERRIDE_SMAP))
		return HV_STATUS_INVALID_PARAMETER;
	if (in.control_flags & 0x7ff & ~HV_TRANSLATE_SUPPORTED) {
		/* Setting A/D bits, TLB locks, shadow stacks: not implemented. */
		pr_err_rl("vsm: TranslateVirtualAddress flags 0x%llx not supported",
			  (unsigned long long)in.control_flags);
		return HV_STATUS_INVALID_PARAMETER;
	}
	status = hv_vsm_mem_target_vtl(c, (uint8_t)(in.control_flags >> HV_TRANSLATE_INPUT_VTL_SHIFT),
				       &vtl);
	if (status)
		return status;
	ret = hv_vsm_paging_regs(vsm, vp, vtl, &regs.cr0, &regs.cr3, &regs.cr4, &regs.efer);
	if (!ret)
		ret = translate_access(vsm, vp, vtl, in.control_flags, &acc);
	if (ret == -EBUSY) /* the running VTL of another VP: its state is in that vCPU */
		return HV_STATUS_INVALID_VP_STATE;
	if (ret)
		return HV_STATUS_INVALID_VTL_STATE;
	x86_walk(&regs, in.gva_page << 12, translate_read, (void *)mem, &w);
	st = x86_walk_check(&regs, &w, acc);
	out.result_code = translate_code(st);
	if (st == X86_WALK_OK) {
		uint64_t gfn = w.gpa >> 12;
		uint8_t byte;

		mask = vtl == 0 ? hv_vsm_mem_mask(vsm, gfn) : HV_MAP_GPA_ALL;
		if (mem->read(mem->opaque, gfn << 12, &byte, 1))
			out.result_code = HV_TRANSLATE_GVA_GPA_UNMAPPED;
		else if ((in.control_flags & HV_TRANSLATE_VALIDATE_READ) &&
			 !(mask & HV_MAP_GPA_READABLE))
			out.result_code = HV_TRANSLATE_GVA_GPA_NO_READ_ACCESS;
		else if ((in.control_flags & HV_TRANSLATE_VALIDATE_WRITE) &&
			 !(mask & HV_MAP_GPA_WRITABLE))
			out.result_code = HV_TRANSLATE_GVA_GPA_NO_WRITE_ACCESS;
		else
			out.cache_type = HV_CACHE_TYPE_WRITEBACK;
		out.gpa_page = gfn;
	}
	memcpy(outp, &out, sizeof(out));
	return HV_STATUS_SUCCESS;
}
