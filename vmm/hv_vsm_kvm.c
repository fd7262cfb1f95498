// SPDX-License-Identifier: MIT
/*
 * --vsm on: the KVM side of the VSM emulation (hv_vsm.h's cpu ops for a
 * real vCPU) and its wiring into the VM: the VSM calls registered in the
 * owned hypercall page's table, the VTL lookup handed to the trap path
 * (hyperv_set_vsm), one extra SINT route per VP for VTL1's intercept
 * SINT, and the vCPUs bound.
 *
 * Completing the trapping instruction: at a KVM_EXIT_IO (the page's
 * `out`) or KVM_EXIT_MMIO (a secure intercept) KVM has not finished the
 * instruction: it does so on the next KVM_RUN, and only if RIP did not
 * change (arch/x86/kvm/x86.c complete_fast_pio_out compares the linear
 * RIP; complete_emulated_mmio re-enters the emulator on whatever state
 * is loaded). The KVM API (Documentation/virt/kvm/api.rst, kvm_run
 * "immediate_exit") says to re-enter KVM_RUN with immediate_exit set to
 * complete pending operations without running guest code. save() does
 * that first, so the state it returns is the instruction's after-state:
 * a VTL that is switched away resumes after its `out`.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "hv_hcall_page.h"
#include "hv_vsm.h"
#include "hv_vsm_mem.h"
#include "hv_vsm_memslot.h"
#include "hyperv.h"
#include "irq_routing.h"
#include "util.h"
#include "vcpu.h"

struct hv_vsm_kvm_cpu {
	struct vcpu *vcpu;
	uint32_t nmsrs;                       /* the private MSRs KVM has */
	uint32_t msrs[HV_VSM_NR_PRIVATE_MSRS];
};

struct hv_vsm_kvm {
	struct hv_vsm vsm;
	struct hv_vsm_kvm_cpu cpu[];
};

typedef union {
	struct kvm_msrs hdr;
	uint8_t raw[sizeof(struct kvm_msrs) + HV_VSM_NR_PRIVATE_MSRS * sizeof(struct kvm_msr_entry)];
} msr_buf;

/* Finish the instruction of the last IO/MMIO exit (see above). */
static int complete_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	int ret = 0;

	if (run->exit_reason != KVM_EXIT_IO && run->exit_reason != KVM_EXIT_MMIO)
		return 0;
	__atomic_store_n(&run->immediate_exit, 1, __ATOMIC_RELEASE);
	if (ioctl(vcpu->fd, KVM_RUN, 0) == 0 || errno != EINTR)
		ret = -EIO; /* it ran guest code, or failed: the state is not what we think */
	/*
	 * Cleared even if a kick set it meanwhile: kicks are for a stop or
	 * a queued StartVirtualProcessor, which the vCPU loop checks before
	 * every KVM_RUN anyway.
	 */
	__atomic_store_n(&run->immediate_exit, 0, __ATOMIC_RELEASE);
	run->exit_reason = KVM_EXIT_INTR; /* completed: a second save does not re-run */
	if (ret)
		pr_err_rl("vcpu%u: completing the exit before a VTL switch failed", vcpu->id);
	return ret;
}

static int kvm_save(void *opaque, struct hv_vtl_state *s)
{
	struct hv_vsm_kvm_cpu *c = opaque;
	struct vcpu *v = c->vcpu;
	struct kvm_debugregs dbg;
	msr_buf m;
	uint32_t i;
	int ret;

	ret = complete_exit(v);
	if (ret)
		return ret;
	memset(s, 0, sizeof(*s));
	if (ioctl(v->fd, KVM_GET_REGS, &s->regs) < 0 || ioctl(v->fd, KVM_GET_SREGS, &s->sregs) < 0 ||
	    ioctl(v->fd, KVM_GET_VCPU_EVENTS, &s->events) < 0 ||
	    ioctl(v->fd, KVM_GET_DEBUGREGS, &dbg) < 0)
		return -errno;
	s->dr7 = dbg.dr7;
	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = c->nmsrs;
	for (i = 0; i < c->nmsrs; i++)
		m.hdr.entries[i].index = c->msrs[i];
	if (ioctl(v->fd, KVM_GET_MSRS, &m) != (int)c->nmsrs)
		return -EIO;
	s->nmsrs = c->nmsrs;
	memcpy(s->msrs, m.hdr.entries, c->nmsrs * sizeof(s->msrs[0]));
	return 0;
}

static int kvm_load(void *opaque, const struct hv_vtl_state *s)
{
	struct hv_vsm_kvm_cpu *c = opaque;
	struct vcpu *v = c->vcpu;
	struct kvm_vcpu_events ev = s->events;
	struct kvm_debugregs dbg;
	msr_buf m;
	uint32_t n = s->nmsrs < HV_VSM_NR_PRIVATE_MSRS ? s->nmsrs : HV_VSM_NR_PRIVATE_MSRS;

	/* Control registers and EFER first: the MSRs and RIP are checked against them. */
	if (ioctl(v->fd, KVM_SET_SREGS, &s->sregs) < 0)
		return -errno;
	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = n;
	memcpy(m.hdr.entries, s->msrs, n * sizeof(s->msrs[0]));
	if (ioctl(v->fd, KVM_SET_MSRS, &m) != (int)n)
		return -EINVAL;
	if (ioctl(v->fd, KVM_SET_REGS, &s->regs) < 0 || ioctl(v->fd, KVM_GET_DEBUGREGS, &dbg) < 0)
		return -errno;
	dbg.dr7 = s->dr7; /* DR0-3 and DR6 are shared */
	dbg.flags = 0;
	if (ioctl(v->fd, KVM_SET_DEBUGREGS, &dbg) < 0)
		return -errno;
	/* Pending exception/interrupt/NMI and the interrupt shadow; not SIPI or SMM. */
	ev.flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW;
	if (ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev) < 0)
		return -errno;
	return 0;
}

/*
 * KVM_IRQ_LINE on a KVM_IRQ_ROUTING_HV_SINT route runs kvm_hv_set_sint
 * (arch/x86/kvm/hyperv.c) on level 1: the SINT of the vCPU's live SynIC,
 * i.e. the running VTL's. SINT2 uses hyperv.c's route, SINT0 ours.
 */
static int kvm_raise_sint(void *opaque, unsigned int sint)
{
	struct hv_vsm_kvm_cpu *c = opaque;
	struct kvm_irq_level l = { .level = 1 };

	if (sint == HV_VSM_INTERCEPT_SINT)
		l.irq = IRQ_VSM_SINT_GSI_BASE + c->vcpu->id;
	else if (sint == HV_VMBUS_SINT)
		l.irq = IRQ_SINT_GSI_BASE + c->vcpu->id;
	else
		return -EINVAL;
	return ioctl(c->vcpu->vm->vm_fd, KVM_IRQ_LINE, &l) < 0 ? -errno : 0;
}

static int kvm_set_runnable(void *opaque)
{
	struct hv_vsm_kvm_cpu *c = opaque;
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };

	return ioctl(c->vcpu->fd, KVM_SET_MP_STATE, &mp) < 0 ? -errno : 0;
}

static void kvm_kick(void *opaque)
{
	vcpu_kick(((struct hv_vsm_kvm_cpu *)opaque)->vcpu);
}

static const struct hv_vsm_cpu_ops kvm_ops = {
	.save = kvm_save,
	.load = kvm_load,
	.raise_sint = kvm_raise_sint,
	.set_runnable = kvm_set_runnable,
	.kick = kvm_kick,
};

/* Which private MSRs this vCPU has (KVM lacks TSC_AUX without RDTSCP, say). */
static void probe_msrs(struct hv_vsm_kvm_cpu *c)
{
	msr_buf m;
	unsigned int i;

	c->nmsrs = 0;
	for (i = 0; i < HV_VSM_NR_PRIVATE_MSRS; i++) {
		memset(&m, 0, sizeof(m));
		m.hdr.nmsrs = 1;
		m.hdr.entries[0].index = hv_vsm_private_msrs[i];
		if (ioctl(c->vcpu->fd, KVM_GET_MSRS, &m) == 1)
			c->msrs[c->nmsrs++] = hv_vsm_private_msrs[i];
		else
			pr_warn("vsm: vcpu%u has no MSR 0x%x: it is not swapped", c->vcpu->id,
				hv_vsm_private_msrs[i]);
	}
}

int hv_vsm_kvm_setup(struct vm *vm)
{
	const struct hv_hcall_page_offsets *o = hv_hcall_page_offsets();
	struct hyperv *hv = vm->hv;
	struct hv_vsm_kvm *k;
	unsigned int i;
	int ret;

	if (!vm->cfg->vsm)
		return 0;
	if (!hv || !hv->page_owned) {
		pr_err("--vsm on needs hvmm's own hypercall page, which KVM refused");
		return -ENOTSUP;
	}
	k = calloc(1, sizeof(*k) + vm->ncpus * sizeof(k->cpu[0]));
	if (!k)
		return -ENOMEM;
	ret = hv_vsm_init(&k->vsm, vm->ncpus, &hv->gmem, o->vtl_call, o->vtl_return);
	if (ret) {
		free(k);
		return ret;
	}
	hyperv_set_vsm(hv, &k->vsm, hv_vsm_active_vtl);
	for (i = 0; i < vm->ncpus && !ret; i++) {
		k->cpu[i].vcpu = &vm->vcpus[i];
		probe_msrs(&k->cpu[i]);
		ret = hv_vsm_bind_vcpu(&k->vsm, i, &kvm_ops, &k->cpu[i]);
		if (!ret)
			ret = irq_route_sint_add(vm->irq, IRQ_VSM_SINT_GSI_BASE + i, i,
						 HV_VSM_INTERCEPT_SINT);
	}
	if (!ret)
		ret = irq_routing_commit(vm->irq);
	if (!ret)
		ret = hv_vsm_register_hcalls(&k->vsm, &hv->hcalls);
	/* VTL0 protections on the RAM memslots, 0x0C and 0x52 (hv_vsm_memslot.h). */
	if (!ret)
		ret = hv_vsm_mem_kvm_init(&k->vsm, vm);
	if (!ret)
		ret = hv_vsm_mem_register_hcalls(&k->vsm, &hv->hcalls);
	if (ret)
		pr_err("--vsm on: setup failed: %s", strerror(-ret));
	else
		pr_info("VSM: VTL0 and VTL1 emulated, VTL call/return at page offsets 0x%x/0x%x",
			o->vtl_call, o->vtl_return);
	return ret;
}

void hv_vsm_kvm_teardown(struct vm *vm)
{
	struct hv_vsm *vsm = vm->hv ? vm->hv->vsm : NULL;

	if (!vsm)
		return;
	hyperv_set_vsm(vm->hv, NULL, NULL);
	hv_vsm_mem_kvm_destroy(vsm);
	hv_vsm_destroy(vsm);
	free((struct hv_vsm_kvm *)vsm); /* vsm is its first member */
}
