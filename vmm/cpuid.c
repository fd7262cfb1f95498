// SPDX-License-Identifier: MIT
#include "cpuid.h"

#include <stdlib.h>
#include <string.h>

#define CPUID_1_EDX_HTT (1U << 28)
#define CPUID_1_ECX_HYPERVISOR (1U << 31)
#define CPUID_80000001_ECX_CMP_LEGACY (1U << 1)
#define TOPO_LEVEL_SMT 1
#define TOPO_LEVEL_CORE 2

struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *c, uint32_t fn, uint32_t idx)
{
	uint32_t i;

	for (i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function != fn)
			continue;
		if ((e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) && e->index != idx)
			continue;
		return e;
	}
	return NULL;
}

unsigned int cpuid_core_bits(unsigned int ncpus)
{
	unsigned int bits = 0;

	while ((1U << bits) < ncpus)
		bits++;
	return bits;
}

static void cpuid_patch_topology_leaf(struct kvm_cpuid_entry2 *e, unsigned int id,
				      unsigned int ncpus)
{
	unsigned int bits = cpuid_core_bits(ncpus);

	switch (e->index) {
	case 0:
		e->eax = 0;
		e->ebx = 1;
		e->ecx = (TOPO_LEVEL_SMT << 8) | 0;
		break;
	case 1:
		e->eax = bits;
		e->ebx = ncpus;
		e->ecx = (TOPO_LEVEL_CORE << 8) | 1;
		break;
	default:
		e->eax = 0;
		e->ebx = 0;
		e->ecx = e->index;
		break;
	}
	e->edx = id;
}

static void cpuid_patch(struct kvm_cpuid_entry2 *e, unsigned int id, unsigned int ncpus)
{
	unsigned int bits = cpuid_core_bits(ncpus);

	switch (e->function) {
	case 1: {
		/* EBX[23:16] is 8 bits: above 128 vCPUs 1 << bits would spill into the APIC id. */
		unsigned int count = ncpus > 1 ? (1U << bits) : 1U;

		if (count > 0xff)
			count = 0xff;
		e->ebx = (e->ebx & 0x0000ffffU) | (id << 24) | (count << 16);
		if (ncpus > 1)
			e->edx |= CPUID_1_EDX_HTT;
		else
			e->edx &= ~CPUID_1_EDX_HTT;
		e->ecx |= CPUID_1_ECX_HYPERVISOR;
		break;
	}
	case 4:
		/* Cores per package (minus one) and, for the LLC, all of them share it. */
		if ((e->eax & 0x1f) == 0)
			break;
		e->eax &= 0x3fffU;
		e->eax |= ((1U << bits) - 1) << 26;
		if (((e->eax >> 5) & 7) == 3)
			e->eax |= ((1U << bits) - 1) << 14;
		break;
	case 0xb:
	case 0x1f:
		cpuid_patch_topology_leaf(e, id, ncpus);
		break;
	case 0x80000001:
		if (ncpus > 1)
			e->ecx |= CPUID_80000001_ECX_CMP_LEGACY;
		else
			e->ecx &= ~CPUID_80000001_ECX_CMP_LEGACY;
		break;
	case 0x80000008:
		e->ecx = (e->ecx & ~0xf0ffU) | (bits << 12) | (ncpus - 1);
		break;
	case 0x8000001f:
		/*
		 * AMD memory encryption (SEV): hvmm runs no encrypted guests.
		 * OVMF's reset vector reads MSR 0xC0010131 (SEV_STATUS) when
		 * EAX bit 1 is set (edk2 OvmfPkg/ResetVector/Ia32/AmdSev.asm),
		 * and Linux probes SEV/SME from this leaf: zero it, as QEMU
		 * does for a guest without SEV.
		 */
		e->eax = e->ebx = e->ecx = e->edx = 0;
		break;
	case 0x8000001e:
		e->eax = id;
		e->ebx = id & 0xff; /* one thread per core */
		e->ecx = 0;         /* node 0 */
		break;
	}
}

struct kvm_cpuid2 *cpuid_for_vcpu(const struct kvm_cpuid2 *supported,
				  unsigned int id, unsigned int ncpus)
{
	size_t sz;
	struct kvm_cpuid2 *c;
	uint32_t i;

	if (!supported || !ncpus || id >= ncpus || ncpus > 255)
		return NULL;
	sz = sizeof(*c) + supported->nent * sizeof(c->entries[0]);
	c = malloc(sz);
	if (!c)
		return NULL;
	memcpy(c, supported, sz);
	for (i = 0; i < c->nent; i++)
		cpuid_patch(&c->entries[i], id, ncpus);
	return c;
}
