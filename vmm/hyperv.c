// SPDX-License-Identifier: MIT
#include "hyperv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cpuid.h"
#include "guest_mem.h"
#include "hv_crash.h"
#include "hv_vsm.h"
#include "irq_routing.h"
#include "util.h"
#include "vcpu.h"

#define HV_LEAF_VENDOR 0x40000000
#define HV_LEAF_INTERFACE 0x40000001
#define HV_LEAF_VERSION 0x40000002
#define HV_LEAF_FEATURES 0x40000003
#define HV_LEAF_HINTS 0x40000004
#define HV_LEAF_LAST 0x4000000a
/* --isolation vbs adds up to HV_LEAF_ISOLATION_CONFIG (hv_isol.h). */
#define HV_LEAF_LAST_ISOL HV_LEAF_ISOLATION_CONFIG

/* 0x40000003.EAX: partition privileges we expose (if KVM supports them). */
#define HV_MSR_VP_RUNTIME (1U << 0)
#define HV_MSR_TIME_REF_COUNT (1U << 1)
#define HV_MSR_SYNIC (1U << 2)
#define HV_MSR_SYNTIMER (1U << 3)
#define HV_MSR_APIC_ACCESS (1U << 4)
#define HV_MSR_HYPERCALL (1U << 5)
#define HV_MSR_VP_INDEX (1U << 6)
#define HV_MSR_RESET (1U << 7)
#define HV_MSR_REFERENCE_TSC (1U << 9)
#define HV_ACCESS_FREQUENCY_MSRS (1U << 11)
/* 0x40000003.EBX */
#define HV_POST_MESSAGES (1U << 4)
#define HV_SIGNAL_EVENTS (1U << 5)
/* 0x40000003.EDX */
#define HV_FREQUENCY_MSRS_AVAILABLE (1U << 8)
#define HV_GUEST_CRASH_MSR_AVAILABLE (1U << 10)
#define HV_STIMER_DIRECT_MODE_AVAILABLE (1U << 19)
/* 0x40000004.EAX */
#define HV_REMOTE_TLB_FLUSH_RECOMMENDED (1U << 2)
#define HV_APIC_ACCESS_RECOMMENDED (1U << 3)
#define HV_RELAXED_TIMING_RECOMMENDED (1U << 5)
#define HV_DEPRECATING_AEOI_RECOMMENDED (1U << 9)
#define HV_CLUSTER_IPI_RECOMMENDED (1U << 10)
#define HV_EX_PROCESSOR_MASKS_RECOMMENDED (1U << 11)

#define HV_FEATURES_EAX (HV_MSR_VP_RUNTIME | HV_MSR_TIME_REF_COUNT | HV_MSR_SYNIC | \
			 HV_MSR_SYNTIMER | HV_MSR_APIC_ACCESS | HV_MSR_HYPERCALL | \
			 HV_MSR_VP_INDEX | HV_MSR_RESET | HV_MSR_REFERENCE_TSC | \
			 HV_ACCESS_FREQUENCY_MSRS)
#define HV_FEATURES_EBX (HV_POST_MESSAGES | HV_SIGNAL_EVENTS)
#define HV_FEATURES_EDX (HV_FREQUENCY_MSRS_AVAILABLE | HV_GUEST_CRASH_MSR_AVAILABLE | \
			 HV_STIMER_DIRECT_MODE_AVAILABLE)
#define HV_HINTS_EAX (HV_REMOTE_TLB_FLUSH_RECOMMENDED | HV_APIC_ACCESS_RECOMMENDED | \
		      HV_CLUSTER_IPI_RECOMMENDED | HV_EX_PROCESSOR_MASKS_RECOMMENDED)

#define HV_X64_MSR_SCONTROL 0x40000080
#define HV_X64_MSR_SIEFP 0x40000082
#define HV_X64_MSR_SIMP 0x40000083
#define HV_SYNIC_ENABLE 1ULL
#define HV_PAGE_MASK (~0xfffULL)

/* First GSI after the 24 IOAPIC pins; GSI 24 + n raises SINT2 on VP n. */
#define HV_SINT_GSI_BASE IRQ_SINT_GSI_BASE

struct hv_cap_req {
	int cap;
	const char *name;
};

int hyperv_init(struct vm *vm, struct hyperv *hv)
{
	static const struct hv_cap_req caps[] = {
		{ KVM_CAP_HYPERV, "KVM_CAP_HYPERV" },
		{ KVM_CAP_HYPERV_SYNIC2, "KVM_CAP_HYPERV_SYNIC2" },
		{ KVM_CAP_HYPERV_EVENTFD, "KVM_CAP_HYPERV_EVENTFD" },
		{ KVM_CAP_SYS_HYPERV_CPUID, "KVM_CAP_SYS_HYPERV_CPUID" },
		{ KVM_CAP_HYPERV_VP_INDEX, "KVM_CAP_HYPERV_VP_INDEX" },
		{ KVM_CAP_HYPERV_TIME, "KVM_CAP_HYPERV_TIME" },
	};
	unsigned int i, n = 64;
	struct kvm_cpuid2 *c;

	memset(hv, 0, sizeof(*hv));
	hv->vm = vm;
	for (i = 0; i < VM_MAX_CPUS; i++)
		hv->vp[i].sint_efd = hv->vp[i].ack_efd = -1;
	for (i = 0; i < ARRAY_SIZE(caps); i++) {
		if (ioctl(vm->sys_fd, KVM_CHECK_EXTENSION, caps[i].cap) <= 0) {
			pr_err("KVM lacks %s, needed for --hyperv on (use --hyperv off)",
			       caps[i].name);
			return -ENOTSUP;
		}
	}
	c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
	if (!c)
		return -ENOMEM;
	c->nent = n;
	if (ioctl(vm->sys_fd, KVM_GET_SUPPORTED_HV_CPUID, c) < 0) {
		int err = errno;

		pr_err("KVM_GET_SUPPORTED_HV_CPUID: %s", strerror(err));
		free(c);
		return -err;
	}
	hv->hv_cpuid = c;
	hv->isolation = vm->cfg->isolation;
	if (hyperv_hcall_init(hv)) {
		/* Ordinary Hyper-V works without it; VBS needs 0xDB. */
		if (hv->isolation != ISOLATION_NONE)
			return -ENOTSUP;
		pr_warn("the hypercall page stays KVM's: no hvmm hypercalls");
	}
	if (hv->isolation == ISOLATION_VBS)
		return hv_isol_register_hcalls(&hv->isol, &hv->hcalls);
	return 0;
}

int hyperv_init_stub(struct vm *vm, struct hyperv *hv, const struct hyperv_kvm_ops *ops)
{
	unsigned int i;

	memset(hv, 0, sizeof(*hv));
	hv->vm = vm;
	hv->kops = ops;
	for (i = 0; i < VM_MAX_CPUS; i++)
		hv->vp[i].sint_efd = hv->vp[i].ack_efd = -1;
	for (i = 0; i < vm->ncpus && i < VM_MAX_CPUS; i++) {
		hv->vp[i].sint_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		hv->vp[i].ack_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (hv->vp[i].sint_efd < 0 || hv->vp[i].ack_efd < 0) {
			int err = -errno;

			hyperv_destroy(hv);
			return err;
		}
	}
	return 0;
}

void hyperv_destroy(struct hyperv *hv)
{
	unsigned int i;

	for (i = 0; i < VM_MAX_CPUS; i++) {
		if (hv->vp[i].sint_efd >= 0)
			close(hv->vp[i].sint_efd);
		if (hv->vp[i].ack_efd >= 0)
			close(hv->vp[i].ack_efd);
		hv->vp[i].sint_efd = hv->vp[i].ack_efd = -1;
	}
	free(hv->hv_cpuid);
	hv->hv_cpuid = NULL;
}

static void hv_set_leaf(struct kvm_cpuid_entry2 *e, uint32_t fn, uint32_t a, uint32_t b,
			uint32_t c, uint32_t d)
{
	*e = (struct kvm_cpuid_entry2){ .function = fn, .eax = a, .ebx = b, .ecx = c, .edx = d };
}

static uint32_t hv_leaf_last(const struct hyperv *hv)
{
	return hv->isolation == ISOLATION_NONE ? HV_LEAF_LAST : HV_LEAF_LAST_ISOL;
}

static void hv_fill_leaf(struct hyperv *hv, struct kvm_cpuid_entry2 *e, uint32_t fn)
{
	struct kvm_cpuid_entry2 *k = cpuid_find(hv->hv_cpuid, fn, 0);
	struct kvm_cpuid_entry2 zero = { .function = fn };

	if (!k)
		k = &zero;
	switch (fn) {
	case HV_LEAF_VENDOR:
		/* "Microsoft Hv": Linux's ms_hyperv_platform() insists on it. */
		hv_set_leaf(e, fn, hv_leaf_last(hv), 0x7263694d, 0x666f736f, 0x76482074);
		break;
	case HV_LEAF_INTERFACE:
		hv_set_leaf(e, fn, 0x31237648 /* "Hv#1" */, 0, 0, 0);
		break;
	case HV_LEAF_VERSION:
		hv_set_leaf(e, fn, 17763, 0x000a0000, 0, 0); /* 10.0 build 17763 */
		break;
	case HV_LEAF_FEATURES:
		/*
		 * Never CpuManagement (Linux would think it is the root
		 * partition and skip VMBus), nor partition-id or extended
		 * hypercalls, which KVM does not implement. VSM access and
		 * AccessVpRegisters only with --vsm on: hvmm implements them
		 * (hv_vsm.h; bit positions from OpenVMM hvdef
		 * HvPartitionPrivilege, EBX = privilege bits 32-63).
		 */
		hv_set_leaf(e, fn, k->eax & HV_FEATURES_EAX,
			    (k->ebx & HV_FEATURES_EBX) |
			    (hv->isolation == ISOLATION_VBS ? HV_ISOLATION : 0) |
			    (hv->vm && hv->vm->cfg && hv->vm->cfg->vsm ?
			     HV_ACCESS_VSM | HV_ACCESS_VP_REGISTERS : 0), 0,
			    k->edx & HV_FEATURES_EDX);
		break;
	case HV_LEAF_ISOLATION_CONFIG:
		/*
		 * EAX bit 0 paravisor_present = 0; EBX bits 0-3 the isolation
		 * type, bit 5 shared_gpa_boundary_active = 0 (VBS shares
		 * nothing above a boundary). Linux 6.1 reads both words in
		 * ms_hyperv_init_platform (arch/x86/kernel/cpu/mshyperv.c)
		 * when 0x40000003.EBX bit 22 is set, and prints them.
		 */
		hv_set_leaf(e, fn, 0, hv->isolation == ISOLATION_VBS ? HV_ISOLATION_TYPE_VBS : 0,
			    0, 0);
		break;
	case HV_LEAF_HINTS:
		/* Without AutoEOI Linux EOIs SINTs normally, keeping APICv/AVIC usable. */
		hv_set_leaf(e, fn, (k->eax & HV_HINTS_EAX) | HV_RELAXED_TIMING_RECOMMENDED |
			    HV_DEPRECATING_AEOI_RECOMMENDED, 0xffffffff /* no spin notify */, 0, 0);
		break;
	default:
		hv_set_leaf(e, fn, k->eax, k->ebx, k->ecx, k->edx);
		break;
	}
}

struct kvm_cpuid2 *hyperv_cpuid(struct hyperv *hv, struct kvm_cpuid2 *c)
{
	unsigned int nleaves = hv_leaf_last(hv) - HV_LEAF_VENDOR + 1, i, n = 0;
	struct kvm_cpuid2 *out;

	out = calloc(1, sizeof(*out) + (c->nent + nleaves) * sizeof(out->entries[0]));
	if (!out) {
		free(c);
		return NULL;
	}
	/* Drop KVM's own leaves: if Linux sees "KVMKVMKVM" it ignores Hyper-V. */
	for (i = 0; i < c->nent; i++)
		if ((c->entries[i].function & 0xf0000000) != 0x40000000)
			out->entries[n++] = c->entries[i];
	for (i = 0; i < nleaves; i++)
		hv_fill_leaf(hv, &out->entries[n++], HV_LEAF_VENDOR + i);
	out->nent = n;
	free(c);
	return out;
}

int hyperv_vcpu_init(struct hyperv *hv, struct vcpu *vcpu)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_HYPERV_SYNIC2 };

	/* SYNIC2: KVM leaves the message/event pages alone; hvmm clears them. */
	if (ioctl(vcpu->fd, KVM_ENABLE_CAP, &cap) < 0) {
		pr_err("vcpu%u: enabling SynIC: %s", vcpu->id, strerror(errno));
		return -errno;
	}
	/* Guest crash reports: CRASH_CTL is partition-wide, so once. */
	if (vcpu->id == 0 && hv_crash_enable(vcpu))
		pr_warn("KVM refused HV_X64_MSR_CRASH_CTL; guest panics may not be reported");
	return 0;
}

/*
 * One SINT2 route per VP in the VM's routing table (irq_routing.h keeps
 * the irqchip's default routes and any MSI routes beside them, since
 * KVM_SET_GSI_ROUTING replaces the whole table), then an irqfd with a
 * resample fd per VP.
 */
int hyperv_setup_routes(struct hyperv *hv)
{
	struct vm *vm = hv->vm;
	unsigned int i;
	int ret;

	for (i = 0; i < vm->ncpus; i++) {
		hv->vp[i].sint_gsi = (int)(HV_SINT_GSI_BASE + i);
		ret = irq_route_sint_add(vm->irq, HV_SINT_GSI_BASE + i, i, HV_VMBUS_SINT);
		if (ret)
			return ret;
	}
	ret = irq_routing_commit(vm->irq);
	if (ret)
		return ret;
	for (i = 0; i < vm->ncpus; i++) {
		struct hv_vp *vp = &hv->vp[i];

		vp->sint_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		vp->ack_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vp->sint_efd < 0 || vp->ack_efd < 0)
			return -errno;
		ret = irq_irqfd_add(vm->irq, (uint32_t)vp->sint_gsi, vp->sint_efd, vp->ack_efd);
		if (ret) {
			pr_err("KVM_IRQFD for SINT2 of VP %u failed", i);
			return ret;
		}
	}
	return 0;
}

int hyperv_set_msg_handler(struct hyperv *hv, uint32_t conn_id, hv_msg_handler_fn fn,
			   void *opaque)
{
	unsigned int i;

	for (i = 0; i < hv->nr_handlers; i++)
		if (hv->handlers[i].conn_id == conn_id)
			return -EBUSY;
	if (hv->nr_handlers == HV_MSG_HANDLERS_MAX)
		return -ENOSPC;
	hv->handlers[hv->nr_handlers].conn_id = conn_id;
	hv->handlers[hv->nr_handlers].fn = fn;
	hv->handlers[hv->nr_handlers].opaque = opaque;
	hv->nr_handlers++;
	return 0;
}

int hyperv_set_event_fd(struct hyperv *hv, uint32_t conn_id, int fd)
{
	struct kvm_hyperv_eventfd e = {
		.conn_id = conn_id,
		.fd = fd < 0 ? 0 : fd,
		.flags = fd < 0 ? KVM_HYPERV_EVENTFD_DEASSIGN : 0,
	};

	if (hv->kops)
		return hv->kops->set_event_fd(hv->kops->opaque, conn_id, fd);
	if (ioctl(hv->vm->vm_fd, KVM_HYPERV_EVENTFD, &e) < 0)
		return -errno;
	return 0;
}

/* The guest just enabled a SynIC page: with SYNIC2 clearing it is ours. */
static void hv_clear_page(struct hyperv *hv, uint64_t old, uint64_t val)
{
	void *p;

	if (!(val & HV_SYNIC_ENABLE) || (old == val))
		return;
	p = gmem_ptr(&hv->vm->mem, val & HV_PAGE_MASK, 4096);
	if (p)
		memset(p, 0, 4096);
	else
		pr_err_rl("guest put a SynIC page outside RAM (0x%llx)",
			  (unsigned long long)(val & HV_PAGE_MASK));
}

/*
 * The SynIC is per vCPU in KVM; with --vsm it belongs to the running VTL.
 * While VTL1 runs, its SynIC writes go to VTL1's record (hv_vsm.h), never
 * to hv->vp[], which is VTL0's and where VMBus posts.
 */
static void hv_handle_synic(struct hyperv *hv, struct vcpu *vcpu)
{
	struct kvm_hyperv_exit *e = &vcpu->run->hyperv;
	struct hv_vsm_synic *v1 = hv->vsm ? hv_vsm_synic_exit_target(hv->vsm, vcpu->id) : NULL;
	struct hv_vp *vp = &hv->vp[vcpu->id];
	uint64_t *simp = v1 ? &v1->simp : &vp->simp;
	uint64_t *siefp = v1 ? &v1->siefp : &vp->siefp;
	uint64_t *scontrol = v1 ? &v1->scontrol : &vp->scontrol;

	__atomic_fetch_add(&hv->synic_exits, 1, __ATOMIC_RELAXED);
	switch (e->u.synic.msr) {
	case HV_X64_MSR_SIMP:
		hv_clear_page(hv, __atomic_load_n(simp, __ATOMIC_ACQUIRE), e->u.synic.msg_page);
		break;
	case HV_X64_MSR_SIEFP:
		hv_clear_page(hv, __atomic_load_n(siefp, __ATOMIC_ACQUIRE), e->u.synic.evt_page);
		break;
	default:
		break;
	}
	__atomic_store_n(simp, e->u.synic.msg_page, __ATOMIC_RELEASE);
	__atomic_store_n(siefp, e->u.synic.evt_page, __ATOMIC_RELEASE);
	__atomic_store_n(scontrol, e->u.synic.control, __ATOMIC_RELEASE);
}

/* HvPostMessage input block (TLFS), 8-byte aligned in guest memory. */
struct hv_post_message_input {
	uint32_t connection_id;
	uint32_t reserved;
	uint32_t message_type;
	uint32_t payload_size;
	uint8_t payload[HV_MESSAGE_PAYLOAD_MAX];
} __attribute__((packed));

static uint16_t hv_post_message(struct hyperv *hv, struct vcpu *vcpu, uint64_t control,
				uint64_t gpa)
{
	struct hv_post_message_input in;
	unsigned int i;

	if (control & (1ULL << 16)) /* fast form is not defined for PostMessage */
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	if (gpa & 7)
		return HV_STATUS_INVALID_ALIGNMENT;
	if ((gpa & 0xfff) + sizeof(in) > 4096)
		return HV_STATUS_INVALID_PARAMETER;
	if (gmem_read(&hv->vm->mem, gpa, &in, sizeof(in)))
		return HV_STATUS_INVALID_PARAMETER;
	if (in.payload_size > HV_MESSAGE_PAYLOAD_MAX || in.message_type == 0)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	in.connection_id &= 0xffffff;
	for (i = 0; i < hv->nr_handlers; i++)
		if (hv->handlers[i].conn_id == in.connection_id)
			return hv->handlers[i].fn(hv->handlers[i].opaque, vcpu->id,
						  in.message_type, in.payload, in.payload_size);
	return HV_STATUS_INVALID_CONNECTION_ID;
}

static void hv_handle_hcall(struct hyperv *hv, struct vcpu *vcpu)
{
	struct kvm_hyperv_exit *e = &vcpu->run->hyperv;
	uint64_t control = e->u.hcall.input;
	uint16_t code = control & 0xffff, status;

	__atomic_fetch_add(&hv->hypercalls, 1, __ATOMIC_RELAXED);
	switch (code) {
	case HVCALL_POST_MESSAGE:
		status = hv_post_message(hv, vcpu, control, e->u.hcall.params[0]);
		break;
	case HVCALL_SIGNAL_EVENT:
		/* Registered connections never exit; anything else has no port. */
		status = HV_STATUS_INVALID_PORT_ID;
		break;
	default:
		pr_err_rl("vcpu%u: unsupported hypercall 0x%x", vcpu->id, code);
		status = HV_STATUS_INVALID_HYPERCALL_CODE;
		break;
	}
	e->u.hcall.result = status;
}

int hyperv_handle_exit(struct vcpu *vcpu)
{
	struct hyperv *hv = vcpu->vm->hv;

	if (!hv)
		return -EINVAL;
	switch (vcpu->run->hyperv.type) {
	case KVM_EXIT_HYPERV_SYNIC:
		hv_handle_synic(hv, vcpu);
		return 0;
	case KVM_EXIT_HYPERV_HCALL:
		hv_handle_hcall(hv, vcpu);
		return 0;
	default:
		pr_err_rl("vcpu%u: unexpected Hyper-V exit type %u", vcpu->id,
			  vcpu->run->hyperv.type);
		return 0;
	}
}
