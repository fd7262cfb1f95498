// SPDX-License-Identifier: MIT
/*
 * HvCallGetVpRegisters (0x50) and HvCallSetVpRegisters (0x51): the VSM
 * registers (TLFS "VSM registers", OpenVMM hvdef HvRegisterVsm*) and the
 * private x64 registers of a VTL that is not running.
 *
 * Header {u64 partition id, u32 VP index, HV_INPUT_VTL, u8 rsvd[3]}; rep
 * elements: u32 names in, 16-byte HV_REGISTER_VALUEs out (Get), or
 * {u32 name, u32 rsvd, u64 rsvd, value} (Set). The dispatcher stops at
 * the first failing element and reports it as the reps completed.
 *
 * Running VTLs: the registers of the VTL a vCPU runs now live in that
 * vCPU, which only its own thread may touch. The caller's own running
 * VTL is read (and written) live through the cpu ops, on its own thread;
 * the VTL another VP runs is refused (hv_vsm.h), not queued, so no VP
 * ever waits for another.
 */
#include <string.h>

#include "hv_vsm_int.h"
#include "util.h"

#define HV_INPUT_VTL_TARGET_MASK 0xf
#define HV_INPUT_VTL_USE_TARGET (1U << 4)
#define HV_INPUT_VTL_RSVD 0xe0

#define HV_VINA_RSVD (~0x7ffULL)             /* vector:8 enabled autoreset autoeoi */
#define HV_SECURE_CONFIG_MBEC 1ULL
#define HV_SECURE_CONFIG_TLB_LOCKED 2ULL
#define HV_PARTITION_CONFIG_ENABLE_PROT 1ULL
#define HV_PARTITION_CONFIG_DEFAULT_MASK (0xfULL << 1)
#define HV_PARTITION_CONFIG_DENY_LOWER (1ULL << 6)
#define HV_PARTITION_CONFIG_OK (HV_PARTITION_CONFIG_ENABLE_PROT | \
				HV_PARTITION_CONFIG_DEFAULT_MASK | HV_PARTITION_CONFIG_DENY_LOWER)
#define HV_PROT_RWX 0x7ULL
#define HV_CAP_DR6_SHARED 1ULL
#define HV_CAP_DENY_LOWER_VTL_STARTUP (1ULL << 17)

struct hv_vp_regs_hdr {
	uint64_t partition_id;
	uint32_t vp_index;
	uint8_t input_vtl;
	uint8_t rsvd[3];
};

struct hv_reg_assoc {
	uint32_t name;
	uint32_t rsvd0;
	uint64_t rsvd1;
	uint64_t value[2];
};

/* Who asks about which VP's which VTL. */
struct reg_target {
	struct hv_vsm *vsm;
	struct hv_vsm_vp *p;
	uint32_t vp;
	uint8_t vtl;
	uint8_t caller_vtl;
	bool self;
};

static uint16_t reg_target_get(const struct hv_hcall_caller *c, const void *hdr, size_t hdr_len,
			       struct reg_target *t)
{
	struct hv_vsm *vsm = c->opaque;
	struct hv_vp_regs_hdr h;

	if (!vsm || c->vp >= vsm->nr_vps || hdr_len < sizeof(h))
		return HV_STATUS_INVALID_PARAMETER;
	memcpy(&h, hdr, sizeof(h));
	if (h.partition_id != HV_PARTITION_ID_SELF)
		return HV_STATUS_INVALID_PARTITION_ID;
	if (h.rsvd[0] || h.rsvd[1] || h.rsvd[2] || (h.input_vtl & HV_INPUT_VTL_RSVD))
		return HV_STATUS_INVALID_PARAMETER;
	t->vsm = vsm;
	t->vp = h.vp_index == HV_VP_INDEX_SELF ? c->vp : h.vp_index;
	if (t->vp >= vsm->nr_vps)
		return HV_STATUS_INVALID_VP_INDEX;
	t->p = &vsm->vp[t->vp];
	t->self = t->vp == c->vp;
	t->caller_vtl = hv_vsm_active_vtl(vsm, c->vp);
	t->vtl = h.input_vtl & HV_INPUT_VTL_USE_TARGET ? h.input_vtl & HV_INPUT_VTL_TARGET_MASK :
							 t->caller_vtl;
	if (t->vtl >= HV_NUM_VTLS)
		return HV_STATUS_INVALID_PARAMETER;
	if (t->vtl > t->caller_vtl)
		return HV_STATUS_ACCESS_DENIED;
	return HV_STATUS_SUCCESS;
}

/*
 * The private state of t's VTL: the saved copy, or for the caller's own
 * running VTL the live vCPU (*live set; a Set must load it back). The
 * VTL another VP runs is refused. Lock held.
 */
static uint16_t vtl_state(struct reg_target *t, struct hv_vtl_state **s, bool *live)
{
	static __thread struct hv_vtl_state cur;

	*live = false;
	if (!(t->p->enabled_vtls & (1U << t->vtl)) || !t->p->ops)
		return HV_STATUS_INVALID_VTL_STATE;
	if (t->vtl != t->p->active_vtl) {
		*s = &t->p->saved[t->vtl];
		return HV_STATUS_SUCCESS;
	}
	if (!t->self || !hv_vsm_on_vp_thread(t->vp))
		return HV_STATUS_INVALID_VP_STATE;
	/* The KVM side completes the trapping `out` first (hv_vsm_kvm.c). */
	if (t->p->ops->save(t->p->cpu, &cur))
		return HV_STATUS_INVALID_VP_STATE;
	*s = &cur;
	*live = true;
	return HV_STATUS_SUCCESS;
}

/* x64 registers kept in a struct hv_vtl_state as MSRs. */
static const struct { uint32_t name, msr; } msr_regs[] = {
	{ HV_X64_REGISTER_KERNEL_GS_BASE, 0xc0000102 },
	{ HV_X64_REGISTER_PAT, 0x277 },
	{ HV_X64_REGISTER_SYSENTER_CS, 0x174 },
	{ HV_X64_REGISTER_SYSENTER_EIP, 0x176 },
	{ HV_X64_REGISTER_SYSENTER_ESP, 0x175 },
	{ HV_X64_REGISTER_STAR, 0xc0000081 },
	{ HV_X64_REGISTER_LSTAR, 0xc0000082 },
	{ HV_X64_REGISTER_CSTAR, 0xc0000083 },
	{ HV_X64_REGISTER_SFMASK, 0xc0000084 },
	{ HV_X64_REGISTER_TSC_AUX, 0xc0000103 },
};

static struct kvm_segment *seg_reg(struct kvm_sregs *s, uint32_t name)
{
	struct kvm_segment *segs[] = { &s->es, &s->cs, &s->ss, &s->ds, &s->fs, &s->gs,
				       &s->ldt, &s->tr };

	if (name < HV_X64_REGISTER_ES || name > HV_X64_REGISTER_TR)
		return NULL;
	return segs[name - HV_X64_REGISTER_ES];
}

/* Where a 64-bit x64 register lives in `s`, or NULL (not one of ours). */
static uint64_t *x64_reg(struct hv_vtl_state *s, uint32_t name)
{
	struct kvm_msr_entry *m;
	unsigned int i;

	switch (name) {
	case HV_X64_REGISTER_RIP: return (uint64_t *)&s->regs.rip;
	case HV_X64_REGISTER_RSP: return (uint64_t *)&s->regs.rsp;
	case HV_X64_REGISTER_RFLAGS: return (uint64_t *)&s->regs.rflags;
	case HV_X64_REGISTER_CR0: return (uint64_t *)&s->sregs.cr0;
	case HV_X64_REGISTER_CR3: return (uint64_t *)&s->sregs.cr3;
	case HV_X64_REGISTER_CR4: return (uint64_t *)&s->sregs.cr4;
	case HV_X64_REGISTER_EFER: return (uint64_t *)&s->sregs.efer;
	case HV_X64_REGISTER_DR7: return &s->dr7;
	}
	for (i = 0; i < ARRAY_SIZE(msr_regs); i++) {
		if (msr_regs[i].name != name)
			continue;
		m = hv_vsm_state_msr(s, msr_regs[i].msr);
		return m ? (uint64_t *)&m->data : NULL;
	}
	return NULL;
}

static bool is_x64_reg(uint32_t name)
{
	unsigned int i;

	switch (name) {
	case HV_X64_REGISTER_RIP: case HV_X64_REGISTER_RSP: case HV_X64_REGISTER_RFLAGS:
	case HV_X64_REGISTER_CR0: case HV_X64_REGISTER_CR3: case HV_X64_REGISTER_CR4:
	case HV_X64_REGISTER_EFER: case HV_X64_REGISTER_DR7:
	case HV_X64_REGISTER_IDTR: case HV_X64_REGISTER_GDTR:
		return true;
	}
	if (name >= HV_X64_REGISTER_ES && name <= HV_X64_REGISTER_TR)
		return true;
	for (i = 0; i < ARRAY_SIZE(msr_regs); i++)
		if (msr_regs[i].name == name)
			return true;
	return false;
}

static uint16_t x64_get(struct reg_target *t, uint32_t name, uint64_t v[2])
{
	struct hv_vtl_state *s = NULL;
	struct kvm_segment *seg;
	struct kvm_dtable *dt;
	uint64_t *r;
	bool live;
	uint16_t st = vtl_state(t, &s, &live);

	if (st)
		return st;
	if ((seg = seg_reg(&s->sregs, name))) {
		hv_vsm_seg_to_hv((struct hv_x64_segment *)v, seg);
		return HV_STATUS_SUCCESS;
	}
	if (name == HV_X64_REGISTER_IDTR || name == HV_X64_REGISTER_GDTR) {
		struct hv_x64_table tab = { .pad = { 0 } };

		dt = name == HV_X64_REGISTER_IDTR ? &s->sregs.idt : &s->sregs.gdt;
		tab.limit = dt->limit;
		tab.base = dt->base;
		memcpy(v, &tab, sizeof(tab));
		return HV_STATUS_SUCCESS;
	}
	r = x64_reg(s, name);
	if (!r)
		return HV_STATUS_INVALID_PARAMETER; /* an MSR this vCPU does not have */
	v[0] = *r;
	return HV_STATUS_SUCCESS;
}

static bool canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

/*
 * Values KVM would refuse at the next switch (KVM_SET_SREGS/REGS) are
 * refused here, so that a bad Set cannot wedge the VP's next VTL entry.
 */
static bool x64_value_ok(uint32_t name, uint64_t v)
{
	switch (name) {
	case HV_X64_REGISTER_RIP:
	case HV_X64_REGISTER_RSP:
		return canonical(v);
	case HV_X64_REGISTER_CR0:
	case HV_X64_REGISTER_CR4:
	case HV_X64_REGISTER_DR7:
		return (v >> 32) == 0;
	case HV_X64_REGISTER_RFLAGS:
		return (v >> 22) == 0;
	}
	return true;
}

static uint16_t x64_put(struct hv_vtl_state *s, uint32_t name, const uint64_t v[2])
{
	struct kvm_segment *seg;
	uint64_t *r;

	if ((seg = seg_reg(&s->sregs, name))) {
		struct hv_x64_segment h;

		memcpy(&h, v, sizeof(h));
		hv_vsm_seg_from_hv(seg, &h);
		return HV_STATUS_SUCCESS;
	}
	if (name == HV_X64_REGISTER_IDTR || name == HV_X64_REGISTER_GDTR) {
		struct hv_x64_table tab;
		struct kvm_dtable *dt = name == HV_X64_REGISTER_IDTR ? &s->sregs.idt :
								       &s->sregs.gdt;

		memcpy(&tab, v, sizeof(tab));
		if (!canonical(tab.base))
			return HV_STATUS_INVALID_REGISTER_VALUE;
		dt->limit = tab.limit;
		dt->base = tab.base;
		return HV_STATUS_SUCCESS;
	}
	r = x64_reg(s, name);
	if (!r)
		return HV_STATUS_INVALID_PARAMETER;
	if (!x64_value_ok(name, v[0]))
		return HV_STATUS_INVALID_REGISTER_VALUE;
	*r = name == HV_X64_REGISTER_RFLAGS ? v[0] | 2 : v[0];
	return HV_STATUS_SUCCESS;
}

/* A live Set that KVM refuses changes nothing: the old state goes back. */
static uint16_t x64_set(struct reg_target *t, uint32_t name, const uint64_t v[2])
{
	static __thread struct hv_vtl_state orig;
	struct hv_vtl_state *s = NULL;
	bool live;
	uint16_t st = vtl_state(t, &s, &live);

	if (st)
		return st;
	if (live)
		orig = *s;
	st = x64_put(s, name, v);
	if (!st && live && t->p->ops->load(t->p->cpu, s)) {
		t->p->ops->load(t->p->cpu, &orig);
		st = HV_STATUS_INVALID_REGISTER_VALUE;
	}
	return st;
}

/* A VSM register: 0 done, else a status; v[0] in/out. Lock held. */
static uint16_t vsm_reg(struct reg_target *t, uint32_t name, uint64_t *v, bool set)
{
	struct hv_vsm *vsm = t->vsm;
	struct hv_vsm_vp *p = t->p;

	switch (name) {
	case HV_REGISTER_VSM_CODE_PAGE_OFFSETS:
		if (set)
			return HV_STATUS_ACCESS_DENIED;
		*v = (uint64_t)vsm->call_offset | (uint64_t)vsm->return_offset << 12;
		return HV_STATUS_SUCCESS;
	case HV_REGISTER_VSM_VP_STATUS:
		if (set)
			return HV_STATUS_ACCESS_DENIED;
		*v = (uint64_t)__atomic_load_n(&p->active_vtl, __ATOMIC_ACQUIRE) |
		     (uint64_t)p->enabled_vtls << 16;
		return HV_STATUS_SUCCESS;
	case HV_REGISTER_VSM_PARTITION_STATUS:
		if (set)
			return HV_STATUS_ACCESS_DENIED;
		/* EnabledVtlSet:16, MaximumVtl:4 = 1, MbecEnabledVtlSet:16 = 0 */
		*v = (uint64_t)vsm->enabled_vtls | (uint64_t)(HV_NUM_VTLS - 1) << 16;
		return HV_STATUS_SUCCESS;
	case HV_REGISTER_VSM_CAPABILITIES:
		if (set)
			return HV_STATUS_ACCESS_DENIED;
		/* DR6 is never swapped; MbecVtlMask 0; DenyLowerVtlStartup honoured. */
		*v = HV_CAP_DR6_SHARED | HV_CAP_DENY_LOWER_VTL_STARTUP;
		return HV_STATUS_SUCCESS;
	case HV_REGISTER_VSM_VINA:
		if (!(p->enabled_vtls & (1U << t->vtl)))
			return HV_STATUS_INVALID_VTL_STATE;
		if (!set) {
			*v = p->vina[t->vtl];
			return HV_STATUS_SUCCESS;
		}
		if (*v & HV_VINA_RSVD)
			return HV_STATUS_INVALID_PARAMETER;
		p->vina[t->vtl] = *v; /* stored; never asserted (docs/vsm.md) */
		return HV_STATUS_SUCCESS;
	case HV_REGISTER_VSM_PARTITION_CONFIG:
		/* VTL1's register: VTL0 has none. */
		if (t->vtl < 1)
			return HV_STATUS_ACCESS_DENIED;
		if (!set) {
			*v = vsm->partition_config;
			return HV_STATUS_SUCCESS;
		}
		/*
		 * A default protection other than RWX would have to apply to
		 * every VTL0 page at once: refused, not faked.
		 */
		if ((*v & ~HV_PARTITION_CONFIG_OK) ||
		    ((*v & HV_PARTITION_CONFIG_ENABLE_PROT) &&
		     (((*v & HV_PARTITION_CONFIG_DEFAULT_MASK) >> 1) & HV_PROT_RWX) != HV_PROT_RWX))
			return HV_STATUS_INVALID_PARAMETER;
		vsm->partition_config = *v;
		return HV_STATUS_SUCCESS;
	case HV_REGISTER_VSM_VP_SECURE_CONFIG_VTL0:
		if (t->vtl < 1)
			return HV_STATUS_ACCESS_DENIED;
		if (!set) {
			*v = p->secure_config_vtl0;
			return HV_STATUS_SUCCESS;
		}
		if (*v & ~HV_SECURE_CONFIG_TLB_LOCKED) /* MbecEnabled: no MBEC */
			return HV_STATUS_INVALID_PARAMETER;
		p->secure_config_vtl0 = *v;
		return HV_STATUS_SUCCESS;
	}
	return HV_STATUS_UNKNOWN_PROPERTY; /* not a VSM register */
}

static uint16_t reg_access(struct reg_target *t, uint32_t name, uint64_t v[2], bool set)
{
	uint16_t st;

	pthread_mutex_lock(&t->vsm->lock);
	st = vsm_reg(t, name, &v[0], set);
	if (st == HV_STATUS_UNKNOWN_PROPERTY) {
		if (is_x64_reg(name))
			st = set ? x64_set(t, name, v) : x64_get(t, name, v);
		else
			st = HV_STATUS_INVALID_PARAMETER; /* unknown name (as OpenVMM) */
	}
	pthread_mutex_unlock(&t->vsm->lock);
	if (st)
		pr_err_rl("vsm: %s VP %u VTL%u register 0x%x: status 0x%x", set ? "set" : "get",
			  t->vp, t->vtl, name, st);
	return st;
}

uint16_t hv_vsm_get_vp_registers(const struct hv_hcall_caller *c, const struct hv_hcall_mem *mem,
				 const void *hdr, size_t hdr_len, const void *elem, uint32_t idx,
				 void *out_elem)
{
	struct reg_target t;
	uint64_t v[2] = { 0, 0 };
	uint32_t name;
	uint16_t st;

	(void)mem;
	(void)idx;
	st = reg_target_get(c, hdr, hdr_len, &t);
	if (st)
		return st;
	memcpy(&name, elem, sizeof(name));
	st = reg_access(&t, name, v, false);
	if (!st)
		memcpy(out_elem, v, sizeof(v));
	return st;
}

uint16_t hv_vsm_set_vp_registers(const struct hv_hcall_caller *c, const struct hv_hcall_mem *mem,
				 const void *hdr, size_t hdr_len, const void *elem, uint32_t idx,
				 void *out_elem)
{
	struct hv_reg_assoc a;
	struct reg_target t;
	uint16_t st;

	(void)mem;
	(void)idx;
	(void)out_elem;
	st = reg_target_get(c, hdr, hdr_len, &t);
	if (st)
		return st;
	memcpy(&a, elem, sizeof(a));
	if (a.rsvd0 || a.rsvd1)
		return HV_STATUS_INVALID_PARAMETER;
	return reg_access(&t, a.name, a.value, true);
}
