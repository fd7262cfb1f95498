// SPDX-License-Identifier: MIT
/*
 * The KVM side of hvmm's owned hypercall page (hv_hcall_page.h): the MSR
 * filter on HV_X64_MSR_HYPERCALL, the page written at the guest's GPA,
 * and the trap from the page's `out` into the dispatcher (hv_hcall.h).
 *
 * Why ordinary hypercalls still work: KVM runs its Hyper-V hypercall
 * handler for vmcall/vmmcall when kvm_hv_hypercall_enabled() holds, which
 * is `vcpu->arch.hyperv_enabled && kvm->arch.hyperv.hv_guest_os_id`
 * (Linux 6.1 arch/x86/kvm/hyperv.h, called from kvm_emulate_hypercall in
 * arch/x86/kvm/x86.c). The hypercall MSR's enable bit is not part of it,
 * so KVM keeps handling SynIC, TLB flushes, IPIs and PostMessage exits
 * while hvmm owns the MSR and KVM's own copy stays 0.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "guest_mem.h"
#include "hv_hcall_page.h"
#include "hv_vsm.h"
#include "hv_vsm_mem.h"
#include "hyperv.h"
#include "kvm.h"
#include "util.h"
#include "vcpu.h"

#define HV_X64_MSR_GUEST_OS_ID 0x40000000
#define HV_X64_MSR_HYPERCALL 0x40000001
#define HV_HYPERCALL_ENABLE 1ULL

_Static_assert(HYPERV_VTLS == HV_NUM_VTLS, "one hypercall MSR per VTL");

static int hcall_gmem_read(void *opaque, uint64_t gpa, void *dst, size_t len)
{
	return gmem_read(opaque, gpa, dst, len) ? -EFAULT : 0;
}

static int hcall_gmem_write(void *opaque, uint64_t gpa, const void *src, size_t len)
{
	return gmem_write(opaque, gpa, src, len) ? -EFAULT : 0;
}

static int hv_msr_exit(struct vcpu *vcpu);

int hyperv_hcall_init(struct hyperv *hv)
{
	static uint8_t deny; /* one MSR, bit 0 clear: exit to userspace */
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_X86_USER_SPACE_MSR,
		.args = { KVM_MSR_EXIT_REASON_FILTER },
	};
	struct kvm_msr_filter f = {
		.flags = KVM_MSR_FILTER_DEFAULT_ALLOW,
		.ranges[0] = {
			.flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
			.nmsrs = 1,
			.base = HV_X64_MSR_HYPERCALL,
			.bitmap = &deny,
		},
	};
	struct vm *vm = hv->vm;

	hv->gmem = (struct hv_hcall_mem){ hcall_gmem_read, hcall_gmem_write, &vm->mem };
	hv->page_amd = hv_hcall_host_amd();
	if (ioctl(vm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_X86_USER_SPACE_MSR) <= 0 ||
	    ioctl(vm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_X86_MSR_FILTER) <= 0) {
		pr_err("KVM lacks KVM_CAP_X86_USER_SPACE_MSR/KVM_CAP_X86_MSR_FILTER: "
		       "hvmm cannot own the hypercall page");
		return -ENOTSUP;
	}
	if (ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap) < 0 ||
	    ioctl(vm->vm_fd, KVM_X86_SET_MSR_FILTER, &f) < 0) {
		int err = errno;

		pr_err("owning HV_X64_MSR_HYPERCALL: %s", strerror(err));
		return -err;
	}
	if (vcpu_set_exit_handler(KVM_EXIT_X86_RDMSR, hv_msr_exit) ||
	    vcpu_set_exit_handler(KVM_EXIT_X86_WRMSR, hv_msr_exit))
		return -EBUSY;
	hv->page_owned = true;
	return 0;
}

void hyperv_set_vsm(struct hyperv *hv, struct hv_vsm *vsm,
		    uint8_t (*active_vtl)(struct hv_vsm *vsm, uint32_t vp))
{
	hv->vsm = vsm;
	hv->active_vtl = active_vtl;
}

static uint8_t hv_vtl_of(struct hyperv *hv, uint32_t vp)
{
	uint8_t vtl = hv->vsm && hv->active_vtl ? hv->active_vtl(hv->vsm, vp) : 0;

	return vtl < HYPERV_VTLS ? vtl : 0;
}

static int hv_guest_os_id(struct vcpu *vcpu, uint64_t *id)
{
	return kvm_vcpu_get_msr(vcpu->fd, HV_X64_MSR_GUEST_OS_ID, id);
}

/*
 * A write to HV_X64_MSR_HYPERCALL, with KVM's rules (6.1
 * arch/x86/kvm/hyperv.c kvm_hv_set_msr_pw): ignored while GUEST_OS_ID is
 * 0; a value without the enable bit is just stored; enabling writes the
 * page at the GPA, and a GPA that is not RAM is a #GP. Returns 0 or 1
 * (#GP).
 */
static int hv_hypercall_msr_write(struct hyperv *hv, struct vcpu *vcpu, uint64_t data)
{
	uint8_t page[HV_PAGE_SIZE];
	uint8_t vtl = hv_vtl_of(hv, vcpu->id);
	uint64_t os_id, gpa = data & ~(uint64_t)(HV_PAGE_SIZE - 1);

	if (hv_guest_os_id(vcpu, &os_id))
		return 1;
	if (!os_id)
		return 0;
	if (data & HV_HYPERCALL_ENABLE) {
		if (!gmem_ptr(&hv->vm->mem, gpa, HV_PAGE_SIZE)) {
			pr_err_rl("vcpu%u: hypercall page at 0x%llx is not RAM", vcpu->id,
				  (unsigned long long)gpa);
			return 1;
		}
		hv_hcall_page_build(page, &hv->hcalls, hv->page_amd);
		if (gmem_write(&hv->vm->mem, gpa, page, sizeof(page)))
			return 1;
	}
	__atomic_store_n(&hv->hcall_msr[vtl], data, __ATOMIC_RELEASE);
	return 0;
}

/* Setting GUEST_OS_ID to 0 disables the page in KVM; hvmm sees it on the next read. */
static int hv_hypercall_msr_read(struct hyperv *hv, struct vcpu *vcpu, uint64_t *data)
{
	uint8_t vtl = hv_vtl_of(hv, vcpu->id);
	uint64_t os_id;

	if (hv_guest_os_id(vcpu, &os_id))
		return 1;
	if (!os_id)
		__atomic_and_fetch(&hv->hcall_msr[vtl], ~HV_HYPERCALL_ENABLE, __ATOMIC_ACQ_REL);
	*data = __atomic_load_n(&hv->hcall_msr[vtl], __ATOMIC_ACQUIRE);
	return 0;
}

static int hv_msr_exit(struct vcpu *vcpu)
{
	struct hyperv *hv = vcpu->vm->hv;
	struct kvm_run *run = vcpu->run;

	__atomic_fetch_add(&hv->msr_exits, 1, __ATOMIC_RELAXED);
	if (run->msr.index != HV_X64_MSR_HYPERCALL) {
		/* Only this MSR is filtered: anything else is KVM's to refuse. */
		run->msr.error = 1;
		return 0;
	}
	if (run->exit_reason == KVM_EXIT_X86_RDMSR) {
		uint64_t v = 0;

		run->msr.error = (uint8_t)hv_hypercall_msr_read(hv, vcpu, &v);
		run->msr.data = v;
	} else
		run->msr.error = (uint8_t)hv_hypercall_msr_write(hv, vcpu, run->msr.data);
	return 0;
}

bool hyperv_is_trap_port(uint16_t port)
{
	return port == HV_HCALL_PORT || port == HV_HCALL_PORT_VTL_CALL ||
	       port == HV_HCALL_PORT_VTL_RETURN;
}

static void regs_from_fpu(struct hv_hcall_regs *h, const struct kvm_fpu *fpu)
{
	unsigned int i;

	for (i = 0; i < 6; i++)
		memcpy(h->xmm[i], fpu->xmm[i], 16);
}

static void regs_to_fpu(const struct hv_hcall_regs *h, struct kvm_fpu *fpu)
{
	unsigned int i;

	for (i = 0; i < 6; i++)
		memcpy(fpu->xmm[i], h->xmm[i], 16);
}

/* CPL0 in 64-bit mode (the page's trap path), else the write is not ours. */
static bool hv_trap_allowed(struct vcpu *vcpu)
{
	struct kvm_sregs s;

	if (ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0)
		return false;
	/* SS.DPL is the CPL on both vendors (KVM's get_cpl), CS.L 64-bit code. */
	return s.ss.dpl == 0 && s.cs.l && (s.efer & (1ULL << 10) /* LMA */);
}

int hyperv_hcall_trap(struct vcpu *vcpu)
{
	struct hyperv *hv = vcpu->vm->hv;
	struct kvm_run *run = vcpu->run;
	struct hv_hcall_caller c = { .vp = vcpu->id };
	struct hv_hcall_regs h = { 0 };
	struct kvm_regs regs;
	struct kvm_fpu fpu;
	bool fast;
	uint16_t code;

	if (!hv || !hv->page_owned || run->io.direction != KVM_EXIT_IO_OUT ||
	    run->io.count != 1 || !hyperv_is_trap_port(run->io.port))
		return -ENOENT;
	c.vtl = hv_vtl_of(hv, vcpu->id);
	if (!(__atomic_load_n(&hv->hcall_msr[c.vtl], __ATOMIC_ACQUIRE) & HV_HYPERCALL_ENABLE) ||
	    !hv_trap_allowed(vcpu)) {
		pr_err_rl("vcpu%u: write to hypercall trap port 0x%x outside a hypercall",
			  vcpu->id, run->io.port);
		return -ENOENT;
	}
	if (ioctl(vcpu->fd, KVM_GET_REGS, &regs) < 0)
		return -errno;
	h.rcx = regs.rcx;
	h.rdx = regs.rdx;
	h.r8 = regs.r8;
	h.rax = regs.rax;
	/* The VTL entries load their code into ECX; force it for a direct `out`. */
	if (run->io.port == HV_HCALL_PORT_VTL_CALL)
		h.rcx = HVCALL_VTL_CALL;
	else if (run->io.port == HV_HCALL_PORT_VTL_RETURN)
		h.rcx = HVCALL_VTL_RETURN;
	fast = h.rcx & HV_HCALL_FAST;
	if (fast) {
		if (ioctl(vcpu->fd, KVM_GET_FPU, &fpu) < 0)
			return -errno;
		regs_from_fpu(&h, &fpu);
	}
	code = (uint16_t)(h.rcx & HV_HCALL_CODE_MASK);
	if (code < HV_HCALL_TRAP_CODES)
		__atomic_fetch_add(&hv->trapped[code], 1, __ATOMIC_RELAXED);
	if (!hv_hcall_dispatch(&hv->hcalls, &c, &hv->gmem, &h))
		return 0; /* the handler switched the vCPU: its registers are new */
	/*
	 * A handler that read the running VTL's state (TranslateVirtualAddress
	 * of the caller's own VTL: hv_vsm_kvm.c's save) completed the `out`
	 * first, so RIP is past it now: writing back the RIP read above would
	 * run the hypercall again, forever. Start from the current registers.
	 */
	if (run->exit_reason != KVM_EXIT_IO && ioctl(vcpu->fd, KVM_GET_REGS, &regs) < 0)
		return -errno;
	regs.rax = h.rax;
	regs.rdx = h.rdx;
	regs.r8 = h.r8;
	if (ioctl(vcpu->fd, KVM_SET_REGS, &regs) < 0)
		return -errno;
	if (fast) {
		regs_to_fpu(&h, &fpu);
		if (ioctl(vcpu->fd, KVM_SET_FPU, &fpu) < 0)
			return -errno;
	}
	return 0;
}

void hyperv_hcall_report(struct hyperv *hv, FILE *out)
{
	unsigned int i;
	bool any = false;

	fprintf(out, "hypercall page: %s, msr exits %llu\n",
		hv->page_owned ? "hvmm" : "kvm",
		(unsigned long long)__atomic_load_n(&hv->msr_exits, __ATOMIC_RELAXED));
	for (i = 0; i < HV_HCALL_TRAP_CODES; i++) {
		uint64_t n = __atomic_load_n(&hv->trapped[i], __ATOMIC_RELAXED);

		if (!n)
			continue;
		fprintf(out, "%s0x%x=%llu", any ? " " : "trapped hypercalls: ", i,
			(unsigned long long)n);
		any = true;
	}
	if (any)
		fputc('\n', out);
	if (hv->isolation == ISOLATION_VBS)
		fprintf(out, "isolation: vbs, host visibility: %llu calls, %llu pages visible, "
			"%llu pages private\n",
			(unsigned long long)__atomic_load_n(&hv->isol.calls, __ATOMIC_RELAXED),
			(unsigned long long)__atomic_load_n(&hv->isol.pages_visible, __ATOMIC_RELAXED),
			(unsigned long long)__atomic_load_n(&hv->isol.pages_private, __ATOMIC_RELAXED));
	else
		fprintf(out, "isolation: none\n");
	if (hv->vsm) {
		struct hv_vsm_mem_stats st;

		hv_vsm_mem_stats(hv->vsm, &st);
		fprintf(out, "vsm: on, vtl calls %llu, vtl returns %llu, intercepts %llu "
			"delivered %llu dropped\n",
			(unsigned long long)__atomic_load_n(&hv->vsm->vtl_calls, __ATOMIC_RELAXED),
			(unsigned long long)__atomic_load_n(&hv->vsm->vtl_returns, __ATOMIC_RELAXED),
			(unsigned long long)st.delivered, (unsigned long long)st.dropped);
	}
}
