// SPDX-License-Identifier: MIT
#include "kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "irq_routing.h"
#include "layout.h"
#include "memslot.h"
#include "util.h"

struct kvm_cap_req {
	int cap;
	const char *name;
};

#define CAP(x) { x, #x }
/* Everything here is used unconditionally; a host without one cannot run hvmm. */
static const struct kvm_cap_req required_caps[] = {
	CAP(KVM_CAP_USER_MEMORY),
	CAP(KVM_CAP_IRQCHIP),
	CAP(KVM_CAP_HLT),
	CAP(KVM_CAP_PIT2),
	CAP(KVM_CAP_EXT_CPUID),
	CAP(KVM_CAP_SET_TSS_ADDR),
	CAP(KVM_CAP_IMMEDIATE_EXIT),
	CAP(KVM_CAP_IRQ_ROUTING),
	CAP(KVM_CAP_IRQFD),
	CAP(KVM_CAP_IOEVENTFD),
	CAP(KVM_CAP_MP_STATE),
};
#undef CAP

#define CPUID_1_ECX_TSC_DEADLINE (1U << 24)

/*
 * Where KVM keeps its private real-mode TSS (3 pages) and EPT identity
 * map (1 page) on Intel hosts (older kernels always, newer ones at least
 * without unrestricted guest): KVM makes them
 * private memslots (arch/x86/kvm/vmx/vmx.c, vmx_set_tss_addr), and a
 * user memslot that overlaps one fails with EEXIST (virt/kvm/kvm_main.c),
 * so they must stay clear of a firmware image, which ends at 4 GiB and
 * starts at 0xFFC00000 for OVMF's 4 MiB layout (firmware/firmware.h).
 * QEMU's choice, just below 0xFF000000, leaves room for 16 MiB of
 * firmware (target/i386/kvm/kvm.c, kvm_arch_init: identity_base =
 * 0xfeffc000, TSS one page above; QEMU also reserves the 16 KiB in the
 * E820 map).
 */
#define KVM_IDENTITY_MAP_ADDR 0xfeffc000ULL
#define KVM_TSS_ADDR (KVM_IDENTITY_MAP_ADDR + 0x1000)

static int kvm_open_dev(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		int err = errno;

		if (err == ENOENT)
			pr_err("/dev/kvm does not exist: load kvm-intel or kvm-amd, "
			       "or run through scripts/kvm-lab");
		else
			pr_err("cannot open /dev/kvm: %s", strerror(err));
		return -err;
	}
	return fd;
}

static int kvm_check_caps(struct vm *vm)
{
	unsigned int i;
	int ret;

	ret = ioctl(vm->sys_fd, KVM_GET_API_VERSION, 0);
	if (ret != KVM_API_VERSION) {
		pr_err("KVM API version %d, hvmm needs %d", ret, KVM_API_VERSION);
		return -EINVAL;
	}
	for (i = 0; i < ARRAY_SIZE(required_caps); i++) {
		if (ioctl(vm->sys_fd, KVM_CHECK_EXTENSION, required_caps[i].cap) <= 0) {
			pr_err("KVM lacks the capability %s, which hvmm requires",
			       required_caps[i].name);
			return -ENOTSUP;
		}
	}
	ret = ioctl(vm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (ret <= 0)
		ret = ioctl(vm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	if (ret > 0 && vm->ncpus > (unsigned int)ret) {
		pr_err("%u vCPUs requested, KVM allows at most %d", vm->ncpus, ret);
		return -EINVAL;
	}
	return 0;
}

static int kvm_set_slot(struct vm *vm, uint32_t slot, uint64_t gpa,
			uint64_t size, void *host)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)host,
	};

	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
		int err = errno;

		pr_err("KVM_SET_USER_MEMORY_REGION(slot %u, %llu MiB): %s", slot,
		       (unsigned long long)(size >> 20), strerror(err));
		return -err;
	}
	return 0;
}

int kvm_get_supported_cpuid(struct vm *vm)
{
	unsigned int n = 128;
	struct kvm_cpuid2 *c;

	for (;;) {
		c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
		if (!c)
			return -ENOMEM;
		c->nent = n;
		if (ioctl(vm->sys_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
			break;
		free(c);
		if (errno != E2BIG || n >= 4096) {
			pr_err("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
			return -errno;
		}
		n *= 2;
	}
	/*
	 * KVM never reports the TSC-deadline timer here (api.rst): userspace
	 * adds it when the capability exists. Linux then skips calibrating
	 * the LAPIC timer against the PIT, which is slow and, on an emulated
	 * host, unreliable enough to disable the LAPIC timer altogether.
	 */
	if (ioctl(vm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER) > 0) {
		for (n = 0; n < c->nent; n++)
			if (c->entries[n].function == 1)
				c->entries[n].ecx |= CPUID_1_ECX_TSC_DEADLINE;
	}
	vm->supported_cpuid = c;
	return 0;
}

int kvm_vm_create(struct vm *vm)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	uint64_t map_addr = KVM_IDENTITY_MAP_ADDR;
	int ret;

	vm->vm_fd = -1;
	memslot_reset(vm); /* a new VM has no ROM slots */
	vm->sys_fd = kvm_open_dev();
	if (vm->sys_fd < 0)
		return vm->sys_fd;
	ret = kvm_check_caps(vm);
	if (ret)
		return ret;
	vm->vcpu_mmap_size = ioctl(vm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->vcpu_mmap_size <= 0) {
		pr_err("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
		return -EINVAL;
	}
	vm->vm_fd = ioctl(vm->sys_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		ret = -errno;
		pr_err("KVM_CREATE_VM: %s", strerror(errno));
		return ret;
	}
	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, KVM_TSS_ADDR) < 0 ||
	    ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &map_addr) < 0) {
		ret = -errno;
		pr_err("KVM_SET_TSS_ADDR: %s", strerror(errno));
		return ret;
	}
	ret = kvm_set_slot(vm, 0, 0, vm->mem.low_size, vm->mem.host);
	if (!ret && vm->mem.high_size)
		ret = kvm_set_slot(vm, 1, MMIO_HOLE_END, vm->mem.high_size,
				   vm->mem.host + vm->mem.low_size);
	if (ret)
		return ret;
	/* PIC + IOAPIC + LAPICs in the kernel: no exits for EOIs or timers. */
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		ret = -errno;
		pr_err("KVM_CREATE_IRQCHIP: %s", strerror(errno));
		return ret;
	}
	vm->irq = irq_routing_create(vm->vm_fd, NULL);
	if (!vm->irq)
		return -ENOMEM;
	if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
		ret = -errno;
		pr_err("KVM_CREATE_PIT2: %s", strerror(errno));
		return ret;
	}
	return kvm_get_supported_cpuid(vm);
}

void kvm_vm_destroy(struct vm *vm)
{
	free(vm->supported_cpuid);
	vm->supported_cpuid = NULL;
	irq_routing_free(vm->irq);
	vm->irq = NULL;
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->sys_fd >= 0)
		close(vm->sys_fd);
	vm->vm_fd = vm->sys_fd = -1;
}

/* struct kvm_msrs ends in a flexible array: room for one entry. */
union kvm_one_msr {
	struct kvm_msrs hdr;
	uint8_t raw[sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)];
};

int kvm_vcpu_get_msr(int vcpu_fd, uint32_t index, uint64_t *val)
{
	union kvm_one_msr m;

	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = 1;
	m.hdr.entries[0].index = index;
	if (ioctl(vcpu_fd, KVM_GET_MSRS, &m) != 1)
		return -EIO;
	*val = m.hdr.entries[0].data;
	return 0;
}

int kvm_vcpu_set_msr(int vcpu_fd, uint32_t index, uint64_t val)
{
	union kvm_one_msr m;

	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = 1;
	m.hdr.entries[0].index = index;
	m.hdr.entries[0].data = val;
	return ioctl(vcpu_fd, KVM_SET_MSRS, &m) == 1 ? 0 : -EIO;
}
