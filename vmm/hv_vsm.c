// SPDX-License-Identifier: MIT
/*
 * VSM partition and VP state, the enable calls (HvCallEnablePartitionVtl
 * 0x0d, HvCallEnableVpVtl 0x0f), AP start-up (HvCallStartVirtualProcessor
 * 0x99, HvCallGetVpIndexFromApicId 0x9a) and the registration of every
 * hypercall this part implements. Layouts: TLFS, cross-checked with
 * OpenVMM vm/hv1/hvdef/src/lib.rs (EnablePartitionVtl, EnableVpVtlX64,
 * StartVirtualProcessorX64, GetVpIndexFromApicId).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hv_vsm_int.h"
#include "hyperv.h"
#include "util.h"

struct hv_enable_partition_vtl_in {
	uint64_t partition_id;
	uint8_t target_vtl;
	uint8_t flags;           /* bit 0 EnableMbec, 1 SSS, 2 HW HVPT: none supported */
	uint16_t rsvd0;
	uint32_t rsvd1;
};

/* EnableVpVtl and StartVirtualProcessor share this layout (x64). */
struct hv_vp_context_in {
	uint64_t partition_id;
	uint32_t vp_index;
	uint8_t target_vtl;
	uint8_t rsvd[3];
	struct hv_initial_vp_context ctx;
};

struct hv_vp_index_from_apic_id_in {
	uint64_t partition_id;
	uint8_t target_vtl;
	uint8_t rsvd[7];
};

_Static_assert(sizeof(struct hv_initial_vp_context) == 224, "HV_INITIAL_VP_CONTEXT");
_Static_assert(sizeof(struct hv_vp_context_in) == 240, "EnableVpVtl input");
_Static_assert(sizeof(struct hv_enable_partition_vtl_in) == 16, "EnablePartitionVtl input");

/* The VP whose vCPU thread this is (set by hv_vsm_vcpu_pending), or -1. */
static __thread int hv_vsm_thread_vp = -1;

bool hv_vsm_on_vp_thread(uint32_t vp)
{
	/* -1: not a vCPU thread (unit tests drive the fake vCPUs directly). */
	return hv_vsm_thread_vp < 0 || (uint32_t)hv_vsm_thread_vp == vp;
}

static bool rsvd_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

int hv_vsm_init(struct hv_vsm *vsm, unsigned int nr_vps, const struct hv_hcall_mem *gmem,
		uint32_t call_offset, uint32_t return_offset)
{
	unsigned int i;

	/* HvRegisterVsmCodePageOffsets has 12 bits for each. */
	if (!nr_vps || nr_vps > VM_MAX_CPUS || !gmem || call_offset >= HV_PAGE_SIZE ||
	    return_offset >= HV_PAGE_SIZE)
		return -EINVAL;
	memset(vsm, 0, sizeof(*vsm));
	vsm->vp = calloc(nr_vps, sizeof(*vsm->vp));
	if (!vsm->vp)
		return -ENOMEM;
	pthread_mutex_init(&vsm->lock, NULL);
	vsm->nr_vps = nr_vps;
	vsm->gmem = gmem;
	vsm->call_offset = call_offset;
	vsm->return_offset = return_offset;
	vsm->enabled_vtls = 1;
	for (i = 0; i < nr_vps; i++)
		vsm->vp[i].enabled_vtls = 1;
	vsm->vp[0].started = true; /* the BSP runs from reset; APs wait for a start */
	return 0;
}

void hv_vsm_destroy(struct hv_vsm *vsm)
{
	if (!vsm->vp)
		return;
	pthread_mutex_destroy(&vsm->lock);
	free(vsm->vp);
	vsm->vp = NULL;
}

int hv_vsm_bind_vcpu(struct hv_vsm *vsm, uint32_t vp, const struct hv_vsm_cpu_ops *ops, void *cpu)
{
	if (vp >= vsm->nr_vps || !ops || !ops->save || !ops->load || !ops->raise_sint ||
	    !ops->set_runnable || !ops->kick)
		return -EINVAL;
	pthread_mutex_lock(&vsm->lock);
	vsm->vp[vp].ops = ops;
	vsm->vp[vp].cpu = cpu;
	pthread_mutex_unlock(&vsm->lock);
	return 0;
}

uint8_t hv_vsm_active_vtl(struct hv_vsm *vsm, uint32_t vp)
{
	if (!vsm || vp >= vsm->nr_vps)
		return 0;
	return __atomic_load_n(&vsm->vp[vp].active_vtl, __ATOMIC_ACQUIRE);
}

struct hv_vsm_synic *hv_vsm_synic_exit_target(struct hv_vsm *vsm, uint32_t vp)
{
	if (hv_vsm_active_vtl(vsm, vp) != 1)
		return NULL;
	return &vsm->vp[vp].synic1;
}

int hv_vsm_vtl1_synic(struct hv_vsm *vsm, uint32_t vp, struct hv_vsm_synic *out)
{
	struct hv_vsm_synic *s;

	if (!vsm || vp >= vsm->nr_vps)
		return -EINVAL;
	s = &vsm->vp[vp].synic1;
	out->scontrol = __atomic_load_n(&s->scontrol, __ATOMIC_ACQUIRE);
	out->simp = __atomic_load_n(&s->simp, __ATOMIC_ACQUIRE);
	out->siefp = __atomic_load_n(&s->siefp, __ATOMIC_ACQUIRE);
	return 0;
}

int hv_vsm_paging_regs(struct hv_vsm *vsm, uint32_t vp, uint8_t vtl, uint64_t *cr0,
		       uint64_t *cr3, uint64_t *cr4, uint64_t *efer)
{
	static __thread struct hv_vtl_state live;
	const struct kvm_sregs *s;
	struct hv_vsm_vp *p;
	int ret = 0;

	if (vp >= vsm->nr_vps || vtl >= HV_NUM_VTLS || !vsm->vp[vp].ops)
		return -EINVAL;
	p = &vsm->vp[vp];
	pthread_mutex_lock(&vsm->lock);
	if (!(p->enabled_vtls & (1U << vtl))) {
		ret = -EINVAL;
	} else if (vtl == p->active_vtl) {
		/* The running VTL's registers are in its vCPU, which only its thread may touch. */
		if (!hv_vsm_on_vp_thread(vp))
			ret = -EBUSY;
		else
			ret = p->ops->save(p->cpu, &live);
		s = &live.sregs;
	} else {
		s = &p->saved[vtl].sregs;
	}
	if (!ret) {
		*cr0 = s->cr0;
		*cr3 = s->cr3;
		*cr4 = s->cr4;
		*efer = s->efer;
	}
	pthread_mutex_unlock(&vsm->lock);
	return ret;
}

/*
 * A queued StartVirtualProcessor: the target VP now starts in its VTL at
 * the given context. Runs on the VP's own thread, so the vCPU is ours.
 */
static int vp_start_locked(struct hv_vsm *vsm, struct hv_vsm_vp *p, uint32_t vp)
{
	static __thread struct hv_vtl_state live;
	int ret;

	ret = p->ops->save(p->cpu, &live);
	if (ret)
		return ret;
	hv_vsm_state_from_ctx(&p->saved[p->start_vtl], &p->start_ctx);
	ret = hv_vsm_switch_locked(vsm, p, &live, p->start_vtl);
	if (ret)
		return ret;
	ret = p->ops->set_runnable(p->cpu);
	if (ret)
		pr_err_rl("vsm: VP %u: KVM_SET_MP_STATE: %s", vp, strerror(-ret));
	return ret;
}

int hv_vsm_vcpu_pending(struct hv_vsm *vsm, uint32_t vp)
{
	struct hv_vsm_vp *p;
	int ret = 0;

	if (!vsm || vp >= vsm->nr_vps)
		return -EINVAL;
	hv_vsm_thread_vp = (int)vp;
	p = &vsm->vp[vp];
	if (!__atomic_load_n(&p->pending, __ATOMIC_ACQUIRE))
		return 0;
	pthread_mutex_lock(&vsm->lock);
	if (p->pending && p->ops) {
		/*
		 * A context KVM refuses leaves the VP un-started: the call
		 * already succeeded, so this is logged, not failed.
		 */
		if (vp_start_locked(vsm, p, vp))
			pr_err_rl("vsm: VP %u: StartVirtualProcessor context refused by KVM", vp);
		__atomic_store_n(&p->pending, 0, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&vsm->lock);
	return ret;
}

static struct hv_vsm *caller_vsm(const struct hv_hcall_caller *c)
{
	struct hv_vsm *vsm = c->opaque;

	return vsm && c->vp < vsm->nr_vps ? vsm : NULL;
}

static uint16_t hv_enable_partition_vtl(const struct hv_hcall_caller *c,
					const struct hv_hcall_mem *mem, const void *in,
					size_t in_len, void *out)
{
	struct hv_vsm *vsm = caller_vsm(c);
	struct hv_enable_partition_vtl_in a;
	uint16_t st = HV_STATUS_SUCCESS;

	(void)mem;
	(void)out;
	if (!vsm || in_len < sizeof(a))
		return HV_STATUS_INVALID_PARAMETER;
	memcpy(&a, in, sizeof(a));
	if (a.partition_id != HV_PARTITION_ID_SELF)
		return HV_STATUS_INVALID_PARTITION_ID;
	if (a.rsvd0 || a.rsvd1 || a.target_vtl != 1 || a.flags) {
		pr_err_rl("vsm: EnablePartitionVtl(vtl %u, flags 0x%x) refused%s", a.target_vtl,
			  a.flags, a.flags & 1 ? ": no MBEC on KVM" : "");
		return HV_STATUS_INVALID_PARAMETER;
	}
	pthread_mutex_lock(&vsm->lock);
	if (vsm->enabled_vtls & 2)
		st = HV_STATUS_VTL_ALREADY_ENABLED;
	else
		vsm->enabled_vtls |= 2;
	pthread_mutex_unlock(&vsm->lock);
	return st;
}

/* Does any VP have VTL1? (Lock held.) */
static bool vtl1_on_any_vp(struct hv_vsm *vsm)
{
	unsigned int i;

	for (i = 0; i < vsm->nr_vps; i++)
		if (vsm->vp[i].enabled_vtls & 2)
			return true;
	return false;
}

/* Common checks of EnableVpVtl and StartVirtualProcessor; the target VP or a status. */
static uint16_t vp_context_check(struct hv_vsm *vsm, const struct hv_hcall_caller *c,
				 const struct hv_vp_context_in *a, bool self_ok, uint32_t *vp)
{
	if (a->partition_id != HV_PARTITION_ID_SELF)
		return HV_STATUS_INVALID_PARTITION_ID;
	if (!rsvd_zero(a->rsvd, sizeof(a->rsvd)) || a->target_vtl >= HV_NUM_VTLS)
		return HV_STATUS_INVALID_PARAMETER;
	*vp = a->vp_index == HV_VP_INDEX_SELF && self_ok ? c->vp : a->vp_index;
	if (*vp >= vsm->nr_vps)
		return HV_STATUS_INVALID_VP_INDEX;
	return HV_STATUS_SUCCESS;
}

/*
 * TLFS HvCallEnableVpVtl: "a VTL can only be enabled by a higher VTL,
 * except that the highest VTL enabled can enable a higher target VTL".
 * With two VTLs: VTL1 may enable VTL1 on any VP; VTL0 only while it is
 * the highest VTL running anywhere, i.e. before any VP has VTL1 (the
 * loader bootstrapping its first VP). Later VPs get VTL1 from VTL1.
 */
static uint16_t hv_enable_vp_vtl(const struct hv_hcall_caller *c, const struct hv_hcall_mem *mem,
				 const void *in, size_t in_len, void *out)
{
	struct hv_vsm *vsm = caller_vsm(c);
	struct hv_vp_context_in a;
	struct hv_vsm_vp *p;
	uint8_t caller_vtl;
	uint16_t st;
	uint32_t vp;

	(void)mem;
	(void)out;
	if (!vsm || in_len < sizeof(a))
		return HV_STATUS_INVALID_PARAMETER;
	memcpy(&a, in, sizeof(a));
	st = vp_context_check(vsm, c, &a, true, &vp);
	if (st)
		return st;
	if (a.target_vtl != 1)
		return HV_STATUS_INVALID_PARAMETER;
	caller_vtl = hv_vsm_active_vtl(vsm, c->vp);
	p = &vsm->vp[vp];
	pthread_mutex_lock(&vsm->lock);
	if (!(vsm->enabled_vtls & 2))
		st = HV_STATUS_INVALID_VTL_STATE;
	else if (p->enabled_vtls & 2)
		st = HV_STATUS_VTL_ALREADY_ENABLED;
	else if (caller_vtl < 1 && vtl1_on_any_vp(vsm))
		st = HV_STATUS_ACCESS_DENIED;
	if (!st) {
		hv_vsm_state_from_ctx(&p->saved[1], &a.ctx);
		memset(&p->synic1, 0, sizeof(p->synic1));
		p->vina[1] = 0;
		p->enabled_vtls |= 2;
	}
	pthread_mutex_unlock(&vsm->lock);
	if (st)
		pr_err_rl("vsm: VP %u VTL%u: EnableVpVtl(VP %u) refused: status 0x%x", c->vp,
			  caller_vtl, vp, st);
	return st;
}

#define HV_PARTITION_CONFIG_DENY_LOWER_VTL_STARTUP (1ULL << 6)

static uint16_t hv_start_virtual_processor(const struct hv_hcall_caller *c,
					   const struct hv_hcall_mem *mem, const void *in,
					   size_t in_len, void *out)
{
	struct hv_vsm *vsm = caller_vsm(c);
	struct hv_vp_context_in a;
	struct hv_vsm_vp *p;
	uint8_t caller_vtl;
	uint16_t st;
	uint32_t vp;

	(void)mem;
	(void)out;
	if (!vsm || in_len < sizeof(a))
		return HV_STATUS_INVALID_PARAMETER;
	memcpy(&a, in, sizeof(a));
	st = vp_context_check(vsm, c, &a, false, &vp);
	if (st)
		return st;
	if (vp == c->vp)
		return HV_STATUS_INVALID_PARAMETER;
	caller_vtl = hv_vsm_active_vtl(vsm, c->vp);
	if (a.target_vtl > caller_vtl)
		return HV_STATUS_ACCESS_DENIED;
	p = &vsm->vp[vp];
	pthread_mutex_lock(&vsm->lock);
	if (caller_vtl == 0 && (vsm->partition_config & HV_PARTITION_CONFIG_DENY_LOWER_VTL_STARTUP))
		st = HV_STATUS_ACCESS_DENIED;
	else if (!p->ops || p->started || (a.target_vtl == 1 && !(p->enabled_vtls & 2)))
		st = HV_STATUS_INVALID_VP_STATE;
	if (!st) {
		p->start_vtl = a.target_vtl;
		p->start_ctx = a.ctx;
		p->started = true;
		__atomic_store_n(&p->pending, 1, __ATOMIC_RELEASE);
		p->ops->kick(p->cpu);
	}
	pthread_mutex_unlock(&vsm->lock);
	if (st)
		pr_err_rl("vsm: VP %u: StartVirtualProcessor(VP %u, VTL%u) refused: status 0x%x",
			  c->vp, vp, a.target_vtl, st);
	return st;
}

/* hvmm gives VP n the APIC ID n (cpuid.c), and KVM's VP index is the vCPU id. */
static uint16_t hv_vp_index_from_apic_id(const struct hv_hcall_caller *c,
					 const struct hv_hcall_mem *mem, const void *hdr,
					 size_t hdr_len, const void *elem, uint32_t idx,
					 void *out_elem)
{
	struct hv_vsm *vsm = caller_vsm(c);
	struct hv_vp_index_from_apic_id_in a;
	uint32_t apic_id;
	uint16_t st = HV_STATUS_SUCCESS;

	(void)mem;
	(void)idx;
	if (!vsm || hdr_len < sizeof(a))
		return HV_STATUS_INVALID_PARAMETER;
	memcpy(&a, hdr, sizeof(a));
	memcpy(&apic_id, elem, sizeof(apic_id));
	if (a.partition_id != HV_PARTITION_ID_SELF)
		return HV_STATUS_INVALID_PARTITION_ID;
	if (!rsvd_zero(a.rsvd, sizeof(a.rsvd)) || a.target_vtl >= HV_NUM_VTLS)
		return HV_STATUS_INVALID_PARAMETER;
	if (a.target_vtl > hv_vsm_active_vtl(vsm, c->vp))
		return HV_STATUS_ACCESS_DENIED;
	if (apic_id >= vsm->nr_vps)
		return HV_STATUS_INVALID_PARAMETER;
	pthread_mutex_lock(&vsm->lock);
	if (!(vsm->vp[apic_id].enabled_vtls & (1U << a.target_vtl)))
		st = HV_STATUS_INVALID_PARAMETER;
	pthread_mutex_unlock(&vsm->lock);
	if (!st)
		memcpy(out_elem, &apic_id, sizeof(apic_id));
	return st;
}

static const struct hv_hcall_desc hv_vsm_hcalls[] = {
	{ .code = HVCALL_ENABLE_PARTITION_VTL, .name = "EnablePartitionVtl",
	  .in_size = sizeof(struct hv_enable_partition_vtl_in), .fast_ok = true,
	  .simple = hv_enable_partition_vtl },
	{ .code = HVCALL_ENABLE_VP_VTL, .name = "EnableVpVtl",
	  .in_size = sizeof(struct hv_vp_context_in), .simple = hv_enable_vp_vtl },
	{ .code = HVCALL_VTL_CALL, .name = "VtlCall", .raw = hv_vtl_call },
	{ .code = HVCALL_VTL_RETURN, .name = "VtlReturn", .raw = hv_vtl_return },
	{ .code = HVCALL_GET_VP_REGISTERS, .name = "GetVpRegisters", .in_size = 16,
	  .rep_in_size = 4, .rep_out_size = 16, .rep = hv_vsm_get_vp_registers },
	{ .code = HVCALL_SET_VP_REGISTERS, .name = "SetVpRegisters", .in_size = 16,
	  .rep_in_size = 32, .rep = hv_vsm_set_vp_registers },
	{ .code = HVCALL_START_VIRTUAL_PROCESSOR, .name = "StartVirtualProcessor",
	  .in_size = sizeof(struct hv_vp_context_in), .simple = hv_start_virtual_processor },
	{ .code = HVCALL_GET_VP_INDEX_FROM_APIC_ID, .name = "GetVpIndexFromApicId",
	  .in_size = sizeof(struct hv_vp_index_from_apic_id_in), .rep_in_size = 4,
	  .rep_out_size = 4, .rep = hv_vp_index_from_apic_id },
};

const struct hv_hcall_desc *hv_vsm_hcall_desc(uint16_t code)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(hv_vsm_hcalls); i++)
		if (hv_vsm_hcalls[i].code == code)
			return &hv_vsm_hcalls[i];
	return NULL;
}

int hv_vsm_register_hcalls(struct hv_vsm *vsm, struct hv_hcall_table *t)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(hv_vsm_hcalls); i++) {
		ret = hv_hcall_register(t, &hv_vsm_hcalls[i], vsm);
		if (ret)
			return ret;
	}
	return 0;
}
