// SPDX-License-Identifier: MIT
/*
 * VTL0 memory protections (HvCallModifyVtlProtectionMask) and secure
 * intercepts (hv_vsm_mem.h). Wire formats and the rules the hypervisor
 * applies follow OpenVMM, the reference TLFS implementation:
 * vm/hv1/hvdef/src/lib.rs (ModifyVtlProtectionMask, HvInputVtl,
 * HvMapGpaFlags, HvX64MemoryInterceptMessage) and
 * openhcl/virt_mshv_vtl/src/processor/hardware_cvm/mod.rs
 * (modify_vtl_protection_mask) with lib.rs validate_vtl_gpa_flags().
 */
#include "hv_vsm_mem.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hv_vsm_int.h"
#include "hyperv.h"
#include "util.h"

#define HV_MSG_SLOT_SIZE 256
#define HV_MSG_FLAG_PENDING 0x1
#define HV_CACHE_TYPE_WRITEBACK 6
#define HV_INTERCEPT_ACCESS_READ 0
#define HV_INTERCEPT_ACCESS_WRITE 1

/* HV_INPUT_VTL: bits 0-3 target VTL, bit 4 use it, bits 5-7 reserved. */
#define HV_INPUT_VTL_VALUE 0x0fU
#define HV_INPUT_VTL_USE (1U << 4)
#define HV_INPUT_VTL_RSVD 0xe0U

struct hv_modify_vtl_prot_in {
	uint64_t partition_id;
	uint32_t map_flags;
	uint8_t target_vtl;
	uint8_t reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct hv_modify_vtl_prot_in) == 16, "ModifyVtlProtectionMask header");

/* HvX64InterceptMessageHeader and HvX64MemoryInterceptMessage (hvdef). */
struct hv_x64_intercept_header {
	uint32_t vp_index;
	uint8_t instruction_length_cr8; /* bits 0-3 length, 4-7 CR8 */
	uint8_t access_type;
	uint16_t execution_state;
	struct hv_x64_segment cs;
	uint64_t rip;
	uint64_t rflags;
}; /* naturally aligned: no packing needed */
_Static_assert(sizeof(struct hv_x64_intercept_header) == 0x28, "intercept header");

struct hv_x64_memory_intercept {
	struct hv_x64_intercept_header header;
	uint32_t cache_type;
	uint8_t instruction_byte_count;
	uint8_t memory_access_info; /* bit 0 GVA valid, bit 1 GVA->GPA valid */
	uint8_t tpr_priority;
	uint8_t reserved;
	uint64_t gva;
	uint64_t gpa;
	uint8_t instruction_bytes[16];
};
_Static_assert(sizeof(struct hv_x64_memory_intercept) == 0x50, "memory intercept message");
_Static_assert(offsetof(struct hv_x64_memory_intercept, gva) == 0x30, "GVA offset");

/* HvX64VpExecutionState bits. */
#define HV_EXEC_CR0_PE (1U << 2)
#define HV_EXEC_CR0_AM (1U << 3)
#define HV_EXEC_EFER_LMA (1U << 4)
#define HV_EXEC_DEBUG_ACTIVE (1U << 5)
#define HV_EXEC_INTERRUPTION_PENDING (1U << 6)
#define HV_EXEC_VTL_SHIFT 7
#define HV_EXEC_INTERRUPT_SHADOW (1U << 12)

struct prot_ent {
	uint64_t gfn;
	uint8_t mask; /* HV_MAP_GPA_*, never HV_MAP_GPA_ALL (such pages are not kept) */
};

/* One queued intercept per VP: that VP is the only one that writes it. */
struct prot_intercept {
	bool queued;
	uint8_t access;
	uint64_t gpa;
};

struct hv_vsm_prot {
	pthread_mutex_t lock;
	const struct guest_mem *ram;
	struct prot_ent *ent; /* sorted by gfn */
	unsigned int n, max;
	struct prot_intercept *icpt; /* nr_vps */
	struct hv_vsm_mem_stats st;  /* __atomic */
};

int hv_vsm_mem_init(struct hv_vsm *vsm, const struct guest_mem *ram, unsigned int max_pages)
{
	struct hv_vsm_prot *p;

	if (!vsm || !ram || !vsm->nr_vps)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->max = max_pages ? max_pages : HV_VSM_PROT_MAX_DEFAULT;
	p->ent = calloc(p->max, sizeof(*p->ent));
	p->icpt = calloc(vsm->nr_vps, sizeof(*p->icpt));
	if (!p->ent || !p->icpt) {
		free(p->ent);
		free(p->icpt);
		free(p);
		return -ENOMEM;
	}
	p->ram = ram;
	pthread_mutex_init(&p->lock, NULL);
	vsm->prot = p;
	return 0;
}

void hv_vsm_mem_destroy(struct hv_vsm *vsm)
{
	struct hv_vsm_prot *p = vsm ? vsm->prot : NULL;

	if (!p)
		return;
	pthread_mutex_destroy(&p->lock);
	free(p->ent);
	free(p->icpt);
	free(p);
	vsm->prot = NULL;
}

/* Index of the first entry with gfn >= `gfn` (binary search, under lock). */
static unsigned int prot_find(const struct hv_vsm_prot *p, uint64_t gfn)
{
	unsigned int lo = 0, hi = p->n;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (p->ent[mid].gfn < gfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static unsigned int prot_mask_locked(const struct hv_vsm_prot *p, uint64_t gfn)
{
	unsigned int i = prot_find(p, gfn);

	return i < p->n && p->ent[i].gfn == gfn ? p->ent[i].mask : HV_MAP_GPA_ALL;
}

unsigned int hv_vsm_mem_mask(struct hv_vsm *vsm, uint64_t gfn)
{
	struct hv_vsm_prot *p = vsm->prot;
	unsigned int m;

	if (!p)
		return HV_MAP_GPA_ALL;
	pthread_mutex_lock(&p->lock);
	m = prot_mask_locked(p, gfn);
	pthread_mutex_unlock(&p->lock);
	return m;
}

unsigned int hv_vsm_mem_count(struct hv_vsm *vsm)
{
	struct hv_vsm_prot *p = vsm->prot;
	unsigned int n;

	if (!p)
		return 0;
	pthread_mutex_lock(&p->lock);
	n = p->n;
	pthread_mutex_unlock(&p->lock);
	return n;
}

void hv_vsm_mem_stats(struct hv_vsm *vsm, struct hv_vsm_mem_stats *st)
{
	struct hv_vsm_prot *p = vsm->prot;

	memset(st, 0, sizeof(*st));
	if (!p)
		return;
	st->faults = __atomic_load_n(&p->st.faults, __ATOMIC_RELAXED);
	st->delivered = __atomic_load_n(&p->st.delivered, __ATOMIC_RELAXED);
	st->dropped = __atomic_load_n(&p->st.dropped, __ATOMIC_RELAXED);
	st->busy = __atomic_load_n(&p->st.busy, __ATOMIC_RELAXED);
}

/* Set the map entry of `gfn` to `mask` (HV_MAP_GPA_ALL removes it). */
static void prot_set_locked(struct hv_vsm_prot *p, unsigned int i, uint64_t gfn, unsigned int mask)
{
	bool present = i < p->n && p->ent[i].gfn == gfn;

	if (mask == HV_MAP_GPA_ALL) {
		if (present) {
			memmove(&p->ent[i], &p->ent[i + 1], (p->n - i - 1) * sizeof(p->ent[0]));
			p->n--;
		}
		return;
	}
	if (!present) {
		memmove(&p->ent[i + 1], &p->ent[i], (p->n - i) * sizeof(p->ent[0]));
		p->n++;
		p->ent[i].gfn = gfn;
	}
	p->ent[i].mask = (uint8_t)mask;
}

/*
 * The target VTL of a call (HV_INPUT_VTL), with the rules OpenVMM applies
 * (hvdef HvInputVtl::target_vtl, virt_mshv_vtl target_vtl_no_higher):
 * reserved bits or an unknown VTL -> INVALID_PARAMETER, a VTL above the
 * caller's -> ACCESS_DENIED.
 */
uint16_t hv_vsm_mem_target_vtl(const struct hv_hcall_caller *c, uint8_t input_vtl,
			       uint8_t *target)
{
	uint8_t t = c->vtl;

	if (input_vtl & HV_INPUT_VTL_RSVD)
		return HV_STATUS_INVALID_PARAMETER;
	if (input_vtl & HV_INPUT_VTL_USE)
		t = input_vtl & HV_INPUT_VTL_VALUE;
	if (t >= HV_NUM_VTLS)
		return HV_STATUS_INVALID_PARAMETER;
	if (t > c->vtl)
		return HV_STATUS_ACCESS_DENIED;
	*target = t;
	return HV_STATUS_SUCCESS;
}

/*
 * MapFlags -> the seam's mask, or a status. TLFS-invalid combinations
 * (OpenVMM validate_vtl_gpa_flags with MBEC and shadow stacks off) get
 * INVALID_REGISTER_VALUE like Hyper-V; valid masks KVM cannot enforce
 * (read without execute needs a per-page NX that memslots lack) get
 * INVALID_PARAMETER (docs/vsm.md lists them).
 */
static uint16_t prot_seam_mask(uint32_t flags, unsigned int *seam)
{
	uint32_t rwx = flags & HV_MAP_GPA_ALL;
	bool kx = flags & HV_MAP_GPA_KERNEL_EXECUTABLE, ux = flags & HV_MAP_GPA_USER_EXECUTABLE;

	if (flags & HV_MAP_GPA_ADJUSTABLE)
		return HV_STATUS_INVALID_REGISTER_VALUE;
	if (kx != ux) /* an MBEC split; hvmm reports no MBEC */
		return HV_STATUS_INVALID_REGISTER_VALUE;
	if ((flags & ~HV_MAP_GPA_READABLE & 0x7f) && !(flags & HV_MAP_GPA_READABLE))
		return HV_STATUS_INVALID_REGISTER_VALUE; /* write/exec/... without read */
	if (flags & ~(HV_MAP_GPA_ALL | HV_MAP_GPA_ADJUSTABLE))
		/* shadow stack, HVPT paging writability, undefined bits */
		return HV_STATUS_INVALID_PARAMETER;
	switch (rwx) {
	case 0:
		*seam = 0;
		return HV_STATUS_SUCCESS;
	case HV_MAP_GPA_READABLE | HV_MAP_GPA_KERNEL_EXECUTABLE | HV_MAP_GPA_USER_EXECUTABLE:
		*seam = HV_VSM_PROT_READ | HV_VSM_PROT_EXEC;
		return HV_STATUS_SUCCESS;
	case HV_MAP_GPA_ALL:
		*seam = HV_VSM_PROT_ALL;
		return HV_STATUS_SUCCESS;
	default: /* R, RW: no execute protection on KVM memslots */
		return HV_STATUS_INVALID_PARAMETER;
	}
}

static uint16_t prot_errno_status(int err)
{
	return err == -ENOSPC || err == -ENOMEM ? HV_STATUS_INSUFFICIENT_MEMORY
						 : HV_STATUS_OPERATION_DENIED;
}

static uint16_t prot_apply(struct hv_vsm *vsm, uint64_t gfn, uint32_t flags, unsigned int seam)
{
	struct hv_vsm_prot *p = vsm->prot;
	unsigned int i, old;
	uint16_t status = HV_STATUS_SUCCESS;
	int ret;

	if (!vsm->mem_ops.protect)
		return HV_STATUS_OPERATION_DENIED;
	pthread_mutex_lock(&p->lock);
	i = prot_find(p, gfn);
	old = i < p->n && p->ent[i].gfn == gfn ? p->ent[i].mask : HV_MAP_GPA_ALL;
	if (old == (flags & HV_MAP_GPA_ALL))
		goto out;
	if (old == HV_MAP_GPA_ALL && p->n == p->max) {
		pr_err_rl("vsm: VTL protection map full (%u pages)", p->max);
		status = HV_STATUS_INSUFFICIENT_MEMORY;
		goto out;
	}
	/*
	 * The map changes before the memslots when restricting (a VTL0
	 * access racing with the slot update is then already an intercept)
	 * and either order is safe when lifting: an access to a page whose
	 * slot is gone but whose mask allows it is done on RAM by vcpu.c.
	 */
	prot_set_locked(p, i, gfn, flags & HV_MAP_GPA_ALL);
	ret = vsm->mem_ops.protect(vsm->mem_ops.opaque, gfn, 1, seam);
	if (ret) {
		pr_err_rl("vsm: cannot apply protection 0x%x to GFN 0x%llx: %s", flags,
			  (unsigned long long)gfn, strerror(-ret));
		prot_set_locked(p, prot_find(p, gfn), gfn, old);
		status = prot_errno_status(ret);
	}
out:
	pthread_mutex_unlock(&p->lock);
	return status;
}

static uint16_t vsm_modify_prot(const struct hv_hcall_caller *c, const struct hv_hcall_mem *mem,
				const void *hdr, size_t hdr_len, const void *elem, uint32_t idx,
				void *out_elem)
{
	struct hv_vsm *vsm = c->opaque;
	struct hv_modify_vtl_prot_in in;
	unsigned int seam = 0;
	uint64_t gfn;
	uint16_t st;
	uint8_t target;

	if (hdr_len < sizeof(in) || !vsm->prot)
		return HV_STATUS_INVALID_PARAMETER;
	memcpy(&in, hdr, sizeof(in));
	memcpy(&gfn, elem, sizeof(gfn));
	if (in.partition_id != HV_PARTITION_ID_SELF)
		return HV_STATUS_INVALID_PARTITION_ID;
	if (in.reserved[0] | in.reserved[1] | in.reserved[2])
		return HV_STATUS_INVALID_PARAMETER;
	st = hv_vsm_mem_target_vtl(c, in.target_vtl, &target);
	if (st)
		return st;
	/* The target is the VTL whose protections apply to the VTLs below it. */
	if (target == 0)
		return HV_STATUS_INVALID_PARAMETER;
	if (!(__atomic_load_n(&vsm->enabled_vtls, __ATOMIC_ACQUIRE) & (1U << 1)))
		return HV_STATUS_INVALID_VTL_STATE;
	/* A VTL sets its own protections only once it enabled them (OpenVMM). */
	if (!(__atomic_load_n(&vsm->partition_config, __ATOMIC_ACQUIRE) &
	      HV_VSM_CONFIG_ENABLE_VTL_PROTECTION))
		return HV_STATUS_ACCESS_DENIED;
	st = prot_seam_mask(in.map_flags, &seam);
	if (st) {
		pr_err_rl("vsm: ModifyVtlProtectionMask flags 0x%x refused (status 0x%x)",
			  in.map_flags, st);
		return st;
	}
	if (gfn >> 40 || !gmem_ptr(vsm->prot->ram, gfn << 12, HV_PAGE_SIZE)) {
		pr_err_rl("vsm: ModifyVtlProtectionMask on GFN 0x%llx, not RAM",
			  (unsigned long long)gfn);
		return HV_STATUS_INVALID_PARAMETER;
	}
	return prot_apply(vsm, gfn, in.map_flags, seam);
}

bool hv_vsm_mem_fault(struct hv_vsm *vsm, uint32_t vp, uint64_t gpa, bool write, void *data,
		      unsigned int len)
{
	struct hv_vsm_prot *p = vsm ? vsm->prot : NULL;
	struct prot_intercept *q;
	unsigned int mask;

	if (!p || vp >= vsm->nr_vps)
		return false;
	/* VTL1 is not subject to the protections it sets: vcpu.c does its access on RAM. */
	if (hv_vsm_active_vtl(vsm, vp) != 0)
		return false;
	pthread_mutex_lock(&p->lock);
	mask = prot_mask_locked(p, gpa >> 12);
	pthread_mutex_unlock(&p->lock);
	if (mask & (write ? HV_MAP_GPA_WRITABLE : HV_MAP_GPA_READABLE))
		return false; /* allowed (e.g. a slot being rebuilt) */
	__atomic_fetch_add(&p->st.faults, 1, __ATOMIC_RELAXED);
	if (!write)
		memset(data, 0xff, len);
	q = &p->icpt[vp];
	if (q->queued) {
		/* One per VP: a second fault of the same instruction (split access). */
		__atomic_fetch_add(&p->st.dropped, 1, __ATOMIC_RELAXED);
		return true;
	}
	q->queued = true;
	q->access = write ? HV_INTERCEPT_ACCESS_WRITE : HV_INTERCEPT_ACCESS_READ;
	q->gpa = gpa;
	return true;
}

/* The message for VTL0's state `s` (the access was already completed). */
static void intercept_build(struct hv_x64_memory_intercept *m, uint32_t vp,
			    const struct prot_intercept *q, const struct hv_vtl_state *s)
{
	const struct kvm_sregs *sr = &s->sregs;
	uint16_t es = 0;
	unsigned int cpl = 0;

	memset(m, 0, sizeof(*m));
	if (sr->cr0 & 1)
		cpl = (s->regs.rflags & (1ULL << 17)) ? 3 : sr->ss.dpl & 3; /* VM86: 3 */
	es = (uint16_t)cpl;
	if (sr->cr0 & 1)
		es |= HV_EXEC_CR0_PE;
	if (sr->cr0 & (1ULL << 18))
		es |= HV_EXEC_CR0_AM;
	if (sr->efer & (1ULL << 10))
		es |= HV_EXEC_EFER_LMA;
	if (s->dr7 & 0xff)
		es |= HV_EXEC_DEBUG_ACTIVE;
	if (s->events.exception.injected || s->events.interrupt.injected ||
	    s->events.nmi.injected)
		es |= HV_EXEC_INTERRUPTION_PENDING;
	if (s->events.interrupt.shadow)
		es |= HV_EXEC_INTERRUPT_SHADOW;
	/* VTL field (bits 7-10) is 0: the intercepted VTL. */
	m->header.vp_index = vp;
	/*
	 * Instruction length 0 and no instruction bytes: KVM has already
	 * completed the access as a no-op and RIP is after the instruction
	 * (docs/vsm.md, "What VTL1 sees").
	 */
	m->header.instruction_length_cr8 = 0;
	m->header.access_type = q->access;
	m->header.execution_state = es;
	hv_vsm_seg_to_hv(&m->header.cs, &sr->cs);
	m->header.rip = s->regs.rip;
	m->header.rflags = s->regs.rflags;
	m->cache_type = HV_CACHE_TYPE_WRITEBACK;
	m->memory_access_info = 0; /* KVM's MMIO exit has no GVA */
	m->gpa = q->gpa;
}

/*
 * Post the message into SIMP slot HV_VSM_INTERCEPT_SINT at `simp` with
 * the slot protocol of synic.c: only into a free slot, type written
 * last; a busy slot gets the message-pending flag. 0, -EAGAIN, -EFAULT.
 */
static int intercept_post(const struct hv_hcall_mem *gm, uint64_t simp,
			  const struct hv_x64_memory_intercept *m)
{
	uint64_t slot = simp + HV_VSM_INTERCEPT_SINT * HV_MSG_SLOT_SIZE;
	uint8_t hdr[16] = { 0 }, flags;
	uint32_t type;

	if (gm->read(gm->opaque, slot, &type, sizeof(type)))
		return -EFAULT;
	if (type) {
		if (gm->read(gm->opaque, slot + 5, &flags, 1))
			return -EFAULT;
		flags |= HV_MSG_FLAG_PENDING;
		if (gm->write(gm->opaque, slot + 5, &flags, 1))
			return -EFAULT;
		return -EAGAIN;
	}
	hdr[4] = sizeof(*m); /* payload size; flags, reserved, sender 0 */
	if (gm->write(gm->opaque, slot + 16, m, sizeof(*m)) ||
	    gm->write(gm->opaque, slot + 4, hdr + 4, 12))
		return -EFAULT;
	type = HVMSG_GPA_INTERCEPT;
	/* The VP's vCPU is stopped (we run on its thread): no reader races. */
	return gm->write(gm->opaque, slot, &type, sizeof(type)) ? -EFAULT : 0;
}

int hv_vsm_vtl_state(struct hv_vsm *vsm, uint32_t vp, uint8_t vtl, struct hv_vtl_state *out)
{
	struct hv_vsm_vp *p;
	int ret = 0;

	if (!vsm || vp >= vsm->nr_vps || vtl >= HV_NUM_VTLS || !vsm->vp[vp].ops)
		return -EINVAL;
	p = &vsm->vp[vp];
	pthread_mutex_lock(&vsm->lock);
	if (!(p->enabled_vtls & (1U << vtl)))
		ret = -EINVAL;
	else if (vtl != p->active_vtl)
		*out = p->saved[vtl];
	else if (!hv_vsm_on_vp_thread(vp))
		ret = -EBUSY; /* only its own thread may touch the vCPU */
	else
		ret = p->ops->save(p->cpu, out);
	pthread_mutex_unlock(&vsm->lock);
	return ret;
}

int hv_vsm_raise_sint(struct hv_vsm *vsm, uint32_t vp, unsigned int sint)
{
	if (!vsm || vp >= vsm->nr_vps || !vsm->vp[vp].ops)
		return -EINVAL;
	return vsm->vp[vp].ops->raise_sint(vsm->vp[vp].cpu, sint);
}

/*
 * Deliver `q`: VTL0's state goes into the message (live while VTL0 runs,
 * saved once VTL1 was entered for an earlier, busy-slot attempt), the
 * message into VTL1's SIMP slot 0, then VTL1 is entered (if not yet) and
 * SINT0 raised. 0 delivered, -EAGAIN slot busy, other -errno dropped.
 */
static int intercept_deliver(struct hv_vsm *vsm, uint32_t vp, const struct prot_intercept *q)
{
	static __thread struct hv_vtl_state s0;
	struct hv_x64_memory_intercept m;
	struct hv_vsm_synic syn;
	int ret, post;

	if (hv_vsm_vtl1_synic(vsm, vp, &syn) || !(syn.scontrol & 1) || !(syn.simp & 1)) {
		pr_err_rl("vsm: VP %u: GPA intercept at 0x%llx dropped: VTL1 has no SynIC message page",
			  vp, (unsigned long long)q->gpa);
		return -ENXIO;
	}
	ret = hv_vsm_vtl_state(vsm, vp, 0, &s0);
	if (ret)
		return ret;
	intercept_build(&m, vp, q, &s0);
	post = intercept_post(vsm->gmem, syn.simp & ~0xfffULL, &m);
	if (post == -EFAULT) {
		pr_err_rl("vsm: VP %u: VTL1 SIMP 0x%llx is not RAM", vp,
			  (unsigned long long)syn.simp);
		return post;
	}
	/* Even with a busy slot VTL1 runs: it must free the slot and EOM. */
	if (hv_vsm_active_vtl(vsm, vp) == 0) {
		ret = hv_vsm_enter_vtl1(vsm, vp, HV_VTL_ENTRY_INTERRUPT);
		if (ret) {
			pr_err_rl("vsm: VP %u: cannot enter VTL1 for an intercept: %s", vp,
				  strerror(-ret));
			return ret;
		}
	}
	ret = hv_vsm_raise_sint(vsm, vp, HV_VSM_INTERCEPT_SINT);
	return post ? post : ret;
}

int hv_vsm_mem_pending(struct hv_vsm *vsm, uint32_t vp)
{
	struct hv_vsm_prot *p = vsm ? vsm->prot : NULL;
	struct prot_intercept *q;
	int ret;

	if (!p || vp >= vsm->nr_vps || !p->icpt[vp].queued)
		return 0;
	q = &p->icpt[vp];
	ret = intercept_deliver(vsm, vp, q);
	if (ret == -EAGAIN) {
		/* Retried on this VP's next pass here (hv_vsm_vcpu_pending). */
		__atomic_fetch_add(&p->st.busy, 1, __ATOMIC_RELAXED);
		return 0;
	}
	q->queued = false;
	if (ret) {
		__atomic_fetch_add(&p->st.dropped, 1, __ATOMIC_RELAXED);
		return 0;
	}
	__atomic_fetch_add(&vsm->intercepts, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&p->st.delivered, 1, __ATOMIC_RELAXED);
	return 0;
}

static const struct hv_hcall_desc vsm_mem_hcalls[] = {
	{
		.code = HVCALL_MODIFY_VTL_PROTECTION_MASK,
		.name = "ModifyVtlProtectionMask",
		.in_size = sizeof(struct hv_modify_vtl_prot_in),
		.rep_in_size = sizeof(uint64_t),
		.fast_ok = true, /* 16-byte header + up to 12 GFNs in registers */
		.rep = vsm_modify_prot,
	},
	{
		.code = HVCALL_TRANSLATE_VIRTUAL_ADDRESS,
		.name = "TranslateVirtualAddress",
		.in_size = 32,
		.out_size = 16,
		.fast_ok = true,
		.fast_out_ok = true,
		.simple = hv_vsm_translate,
	},
};

int hv_vsm_mem_register_hcalls(struct hv_vsm *vsm, struct hv_hcall_table *t)
{
	size_t i;
	int ret;

	for (i = 0; i < sizeof(vsm_mem_hcalls) / sizeof(vsm_mem_hcalls[0]); i++) {
		ret = hv_hcall_register(t, &vsm_mem_hcalls[i], vsm);
		if (ret)
			return ret;
	}
	return 0;
}
