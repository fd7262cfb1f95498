/* SPDX-License-Identifier: MIT */
/*
 * Guest crash reports through the Hyper-V crash MSRs.
 *
 * A guest that sees CPUID 0x40000003 EDX bit 10 (GuestCrashMsrsAvailable)
 * may, when it panics, write five values to HV_X64_MSR_CRASH_P0..P4 and
 * then CRASH_NOTIFY to HV_X64_MSR_CRASH_CTL. KVM turns that guest write
 * into a KVM_REQ_HV_CRASH request and KVM_RUN returns
 * KVM_EXIT_SYSTEM_EVENT / KVM_SYSTEM_EVENT_CRASH (arch/x86/kvm/hyperv.c,
 * kvm_hv_set_msr_pw, and arch/x86/kvm/x86.c, vcpu_enter_guest). hvmm
 * then stops the VM with exit status 7 and prints the parameters and
 * the guest's last console lines.
 *
 * Linux (arch/x86/hyperv/hv_init.c, hyperv_report_panic) writes
 * P0 = the panic/die code, P1 = its guest OS id, P2 = RIP, P3 = RAX,
 * P4 = RSP, from its panic and die notifiers (drivers/hv/vmbus_drv.c),
 * so hv_vmbus must be loaded. Its richer kmsg-page report needs
 * CRASH_CTL to read with CRASH_NOTIFY_MSG, which KVM never shows: a host
 * write of CRASH_CTL keeps only CRASH_NOTIFY (kvm_hv_msr_set_crash_ctl).
 */
#ifndef HVMM_HV_CRASH_H
#define HVMM_HV_CRASH_H

#include <stdint.h>
#include <stdio.h>

#define HV_X64_MSR_CRASH_P0 0x40000100
#define HV_X64_MSR_CRASH_CTL 0x40000105
#define HV_CRASH_CTL_CRASH_NOTIFY (1ULL << 63)
#define HV_CRASH_NPARAMS 5
/*
 * Enough for a Linux panic with its stack trace: Debian's 6.1 kernel
 * printed 28 to 38 lines from "Kernel panic - not syncing" to the end of
 * its dump in the lab, varying with the stale "?" frames on the stack;
 * one CI run at 50 lines lost the headline.
 */
#define HV_CRASH_TAIL_LINES 120

struct vcpu;

/*
 * Make the guest's read of CRASH_CTL say that CRASH_NOTIFY is supported
 * (what the TLFS asks of a hypervisor; Windows checks it, Linux does
 * not). KVM raises the crash exit on the guest's write either way.
 * Partition-wide: once, on any vCPU, before it runs. 0 or -errno.
 */
int hv_crash_enable(struct vcpu *vcpu);

/* On KVM_SYSTEM_EVENT_CRASH: read P0..P4 from `vcpu` and print the report. */
void hv_crash_report(struct vcpu *vcpu);

/*
 * The report itself, to `f`: one line with the parameters (`p` NULL:
 * KVM would not give them) and the console tail. Split out for tests.
 */
void hv_crash_print(FILE *f, unsigned int vcpu_id, const uint64_t *p);

#endif
