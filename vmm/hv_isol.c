// SPDX-License-Identifier: MIT
/* HvCallModifySparseGpaPageHostVisibility for --isolation vbs (hv_isol.h). */
#include "hv_isol.h"

#include <string.h>

#include "hyperv.h"
#include "util.h"

/* Highest GFN a 64-bit guest can name (52-bit physical addresses). */
#define HV_GFN_MAX ((1ULL << 40) - 1)

static uint16_t isol_check_hdr(const struct hv_gpa_visibility_hdr *h, uint32_t vp)
{
	uint32_t vis = h->host_visibility & HV_VISIBILITY_MASK;

	if (h->partition_id != HV_PARTITION_ID_SELF) {
		pr_err_rl("vp%u: host visibility: partition 0x%llx is not SELF", vp,
			  (unsigned long long)h->partition_id);
		return HV_STATUS_INVALID_PARTITION_ID;
	}
	if ((h->host_visibility & ~HV_VISIBILITY_MASK) || h->reserved ||
	    vis == 2) {
		pr_err_rl("vp%u: host visibility: bad flags 0x%x/0x%x", vp, h->host_visibility,
			  h->reserved);
		return HV_STATUS_INVALID_PARAMETER;
	}
	return HV_STATUS_SUCCESS;
}

static uint16_t isol_modify(const struct hv_hcall_caller *c, const struct hv_hcall_mem *mem,
			    const void *hdr, size_t hdr_len, const void *elem, uint32_t idx,
			    void *out_elem)
{
	struct hv_isol *isol = c->opaque;
	struct hv_gpa_visibility_hdr h;
	uint64_t gfn;
	uint8_t b;
	uint16_t st;

	memcpy(&h, hdr, sizeof(h));
	memcpy(&gfn, elem, sizeof(gfn));
	(void)hdr_len; /* the dispatcher guarantees sizeof(h) */
	(void)out_elem;
	st = isol_check_hdr(&h, c->vp);
	if (st != HV_STATUS_SUCCESS)
		return st;
	/* Calls are counted at their element 0 (Linux always starts there). */
	if (idx == 0)
		__atomic_fetch_add(&isol->calls, 1, __ATOMIC_RELAXED);
	/* RAM is mapped in whole pages: its first and last byte decide. */
	if (gfn > HV_GFN_MAX || mem->read(mem->opaque, gfn << 12, &b, 1) ||
	    mem->read(mem->opaque, (gfn << 12) + HV_PAGE_SIZE - 1, &b, 1)) {
		pr_err_rl("vp%u: host visibility: GFN 0x%llx is not RAM", c->vp,
			  (unsigned long long)gfn);
		return HV_STATUS_INVALID_PARAMETER;
	}
	if ((h.host_visibility & HV_VISIBILITY_MASK) == HV_VISIBILITY_NONE)
		__atomic_fetch_add(&isol->pages_private, 1, __ATOMIC_RELAXED);
	else
		__atomic_fetch_add(&isol->pages_visible, 1, __ATOMIC_RELAXED);
	return HV_STATUS_SUCCESS;
}

static const struct hv_hcall_desc isol_descs[] = {
	{
		.code = HVCALL_MODIFY_SPARSE_GPA_PAGE_HOST_VISIBILITY,
		.name = "ModifySparseGpaPageHostVisibility",
		.in_size = sizeof(struct hv_gpa_visibility_hdr),
		.rep_in_size = sizeof(uint64_t),
		.rep = isol_modify,
	},
};

int hv_isol_register_hcalls(struct hv_isol *isol, struct hv_hcall_table *t)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(isol_descs); i++) {
		ret = hv_hcall_register(t, &isol_descs[i], isol);
		if (ret)
			return ret;
	}
	return 0;
}
