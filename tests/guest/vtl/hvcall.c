// SPDX-License-Identifier: MIT
/*
 * Typed VSM hypercalls through a given hypercall page (each VTL has its
 * own), with input and output in the caller's pages. Layouts: TLFS
 * hypercall pages (HvCallGetVpRegisters, HvCallSetVpRegisters,
 * HvCallEnablePartitionVtl, HvCallEnableVpVtl, HvCallStartVirtualProcessor,
 * HvCallModifyVtlProtectionMask, HvCallTranslateVirtualAddress); Linux
 * hv_vtl_bringup_vcpu() (arch/x86/hyperv/hv_vtl.c) for EnableVpVtl and
 * StartVirtualProcessor sharing one input.
 */
#include "vtl.h"

static uint64_t gpa(const void *p)
{
	return (uint64_t)(uintptr_t)p; /* identity-mapped */
}

uint64_t hvc_get_regs(const void *page, struct hv_io *io, uint32_t vp, uint8_t input_vtl,
		      const uint32_t *names, unsigned int n, uint64_t *vals)
{
	struct hv_vp_regs_hdr *h = (void *)io->in;
	uint32_t *nm = (uint32_t *)(h + 1);
	const uint64_t *out = (const uint64_t *)(const void *)io->out;
	uint64_t rax;
	unsigned int i;

	memset(io->in, 0, 64);
	h->partition_id = HV_PARTITION_ID_SELF;
	h->vp_index = vp;
	h->input_vtl = input_vtl;
	for (i = 0; i < n; i++)
		nm[i] = names[i];
	memset(io->out, 0xa5, 16 * n);
	rax = hv_hypercall(page, HVCALL_GET_VP_REGISTERS | HV_HYPERCALL_REP_COUNT(n), gpa(io->in),
			   gpa(io->out));
	/* HV_REGISTER_VALUE: 16 bytes, the low 8 carry every register used here. */
	for (i = 0; i < n; i++)
		vals[i] = out[2 * i];
	return rax;
}

uint64_t hvc_set_reg(const void *page, struct hv_io *io, uint32_t vp, uint8_t input_vtl,
		     uint32_t name, uint64_t val)
{
	struct hv_vp_regs_hdr *h = (void *)io->in;
	struct hv_set_reg *r = (void *)(h + 1);

	memset(io->in, 0, sizeof(*h) + sizeof(*r));
	h->partition_id = HV_PARTITION_ID_SELF;
	h->vp_index = vp;
	h->input_vtl = input_vtl;
	r->name = name;
	r->lo = val;
	return hv_hypercall(page, HVCALL_SET_VP_REGISTERS | HV_HYPERCALL_REP_COUNT(1), gpa(io->in),
			    0);
}

uint64_t hvc_enable_partition_vtl(const void *page, struct hv_io *io, uint8_t vtl)
{
	struct hv_enable_partition_vtl *in = (void *)io->in;

	memset(in, 0, sizeof(*in));
	in->partition_id = HV_PARTITION_ID_SELF;
	in->target_vtl = vtl;
	return hv_hypercall(page, HVCALL_ENABLE_PARTITION_VTL, gpa(in), 0);
}

static uint64_t vp_ctx_call(const void *page, struct hv_io *io, uint16_t code, uint32_t vp,
			    uint8_t vtl, const struct hv_vp_context *ctx)
{
	struct hv_enable_vp_vtl *in = (void *)io->in;

	memset(in, 0, sizeof(*in));
	in->partition_id = HV_PARTITION_ID_SELF;
	in->vp_index = vp;
	in->target_vtl = vtl;
	in->ctx = *ctx;
	return hv_hypercall(page, code, gpa(in), 0);
}

uint64_t hvc_enable_vp_vtl(const void *page, struct hv_io *io, uint32_t vp, uint8_t vtl,
			   const struct hv_vp_context *ctx)
{
	return vp_ctx_call(page, io, HVCALL_ENABLE_VP_VTL, vp, vtl, ctx);
}

uint64_t hvc_start_vp(const void *page, struct hv_io *io, uint32_t vp, uint8_t vtl,
		      const struct hv_vp_context *ctx)
{
	return vp_ctx_call(page, io, HVCALL_START_VIRTUAL_PROCESSOR, vp, vtl, ctx);
}

uint64_t hvc_protect(const void *page, struct hv_io *io, uint8_t target_vtl, uint32_t flags,
		     uint64_t gpa_page)
{
	struct hv_protect_hdr *h = (void *)io->in;
	uint64_t *list = (uint64_t *)(h + 1);

	memset(h, 0, sizeof(*h));
	h->partition_id = HV_PARTITION_ID_SELF;
	h->map_flags = flags;
	h->target_vtl = target_vtl;
	list[0] = gpa_page;
	return hv_hypercall(page, HVCALL_MODIFY_VTL_PROTECTION_MASK | HV_HYPERCALL_REP_COUNT(1),
			    gpa(io->in), 0);
}

uint64_t hvc_translate(const void *page, struct hv_io *io, uint8_t input_vtl, uint64_t gva,
		       struct hv_translate_out *out)
{
	struct hv_translate_in *in = (void *)io->in;
	struct hv_translate_out *o = (void *)io->out;
	uint64_t rax;

	memset(in, 0, sizeof(*in));
	in->partition_id = HV_PARTITION_ID_SELF;
	in->vp_index = HV_VP_INDEX_SELF;
	in->control_flags = HV_TRANSLATE_GVA_VALIDATE_READ | HV_TRANSLATE_GVA_PRIVILEGE_EXEMPT |
			    HV_TRANSLATE_GVA_INPUT_VTL(input_vtl);
	in->gva_page = gva >> 12;
	memset(o, 0xa5, sizeof(*o));
	rax = hv_hypercall(page, HVCALL_TRANSLATE_VIRTUAL_ADDRESS, gpa(in), gpa(o));
	*out = *o;
	return rax;
}

uint64_t hvc_vsm_reg(const void *page, struct hv_io *io, uint32_t name, uint64_t *rax)
{
	uint64_t v = ~0ULL;

	*rax = hvc_get_regs(page, io, HV_VP_INDEX_SELF, HV_INPUT_VTL_CURRENT, &name, 1, &v);
	return HV_RESULT_STATUS(*rax) ? ~0ULL : v;
}
