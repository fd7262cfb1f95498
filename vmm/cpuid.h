/* SPDX-License-Identifier: MIT */
/*
 * Per-vCPU CPUID: KVM's supported set with a coherent topology, one
 * core per vCPU in a single socket, APIC ID = vCPU index. Linux derives
 * its CPU numbering and cache sharing from leaves 1, 4, 0xB and, on AMD,
 * 0x80000008/0x8000001E, so they must all agree.
 */
#ifndef HVMM_CPUID_H
#define HVMM_CPUID_H

#include <linux/kvm.h>
#include <stdint.h>

/* Find an entry; NULL if absent. */
struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *c, uint32_t fn, uint32_t idx);

/*
 * Return a malloc'ed copy of `supported` patched for vCPU `id` of
 * `ncpus`, or NULL on allocation failure / bad arguments.
 */
struct kvm_cpuid2 *cpuid_for_vcpu(const struct kvm_cpuid2 *supported,
				  unsigned int id, unsigned int ncpus);

/* Number of APIC-ID bits reserved for the core level (ceil(log2(n))). */
unsigned int cpuid_core_bits(unsigned int ncpus);

#endif
