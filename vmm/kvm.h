/* SPDX-License-Identifier: MIT */
/*
 * The KVM side of a VM: /dev/kvm, capability checks, the VM fd, memory
 * slots and the in-kernel interrupt controllers and PIT.
 */
#ifndef HVMM_KVM_H
#define HVMM_KVM_H

#include <stdint.h>

#include "vm.h"

/*
 * Open /dev/kvm, check the API version and every capability hvmm relies
 * on (naming the first missing one), create the VM, its RAM slots, the
 * in-kernel irqchip and PIT. On failure returns -errno after printing
 * one line that says what is missing; the caller cleans up with
 * kvm_vm_destroy().
 */
int kvm_vm_create(struct vm *vm);
void kvm_vm_destroy(struct vm *vm);

/* Fetch KVM_GET_SUPPORTED_CPUID into vm->supported_cpuid. */
int kvm_get_supported_cpuid(struct vm *vm);

/*
 * One MSR of a vCPU (fd) that is out of KVM_RUN: KVM_GET_MSRS /
 * KVM_SET_MSRS with a single entry. 0, or -EIO when KVM refuses it.
 */
int kvm_vcpu_get_msr(int vcpu_fd, uint32_t index, uint64_t *val);
int kvm_vcpu_set_msr(int vcpu_fd, uint32_t index, uint64_t val);

#endif
