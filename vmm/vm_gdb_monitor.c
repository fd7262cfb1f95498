// SPDX-License-Identifier: MIT
/*
 * `monitor CMD` for what only the VMM knows (issue 11 item 5;
 * docs/gdbstub.md section 8). The core answers help, breakpoints, phys
 * and kaslr itself and hands everything else here, on the stub thread,
 * with every vCPU parked (so KVM_GET_MSRS and the exit counters are
 * stable).
 *
 * Hyper-V MSR numbers: the TLFS and Linux's
 * arch/x86/include/asm/hyperv-tlfs.h / include/asm-generic/hyperv-tlfs.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "hyperv.h"
#include "vcpu.h"
#include "vm.h"
#include "vm_gdb.h"
#include "vm_vmbus.h"

struct mon_msr {
	uint32_t index;
	const char *name;
};

/* Per-VP SynIC state. */
static const struct mon_msr synic_msrs[] = {
	{ 0x40000080, "SCONTROL" }, { 0x40000081, "SVERSION" }, { 0x40000082, "SIEFP" },
	{ 0x40000083, "SIMP" },     { 0x40000090, "SINT0" },    { 0x40000091, "SINT1" },
	{ 0x40000092, "SINT2" },    { 0x40000093, "SINT3" },    { 0x40000094, "SINT4" },
	{ 0x40000095, "SINT5" },    { 0x40000096, "SINT6" },    { 0x40000097, "SINT7" },
	{ 0x40000098, "SINT8" },    { 0x40000099, "SINT9" },    { 0x4000009a, "SINT10" },
	{ 0x4000009b, "SINT11" },   { 0x4000009c, "SINT12" },   { 0x4000009d, "SINT13" },
	{ 0x4000009e, "SINT14" },   { 0x4000009f, "SINT15" },   { 0x400000b0, "STIMER0_CONFIG" },
	{ 0x400000b1, "STIMER0_COUNT" }, { 0x400000b2, "STIMER1_CONFIG" },
	{ 0x400000b3, "STIMER1_COUNT" },
};

/* Partition-wide and per-VP enlightenment MSRs (the hypercall MSR is hvmm's). */
static const struct mon_msr hv_msrs[] = {
	{ 0x40000000, "GUEST_OS_ID" }, { 0x40000002, "VP_INDEX" },
	{ 0x40000021, "REFERENCE_TSC" }, { 0x40000022, "TSC_FREQUENCY" },
	{ 0x40000023, "APIC_FREQUENCY" }, { 0x40000073, "VP_ASSIST_PAGE" },
	{ 0x40000100, "CRASH_P0" }, { 0x40000101, "CRASH_P1" }, { 0x40000102, "CRASH_P2" },
	{ 0x40000103, "CRASH_P3" }, { 0x40000104, "CRASH_P4" }, { 0x40000105, "CRASH_CTL" },
};

/* One MSR per ioctl: KVM stops at the first it refuses, and we say which. */
static void mon_print_msrs(struct vm *vm, FILE *f, const struct mon_msr *t, size_t n)
{
	unsigned int c;
	size_t i;

	for (c = 0; c < vm->ncpus; c++) {
		fprintf(f, "vp %u:\n", c);
		for (i = 0; i < n; i++) {
			struct {
				struct kvm_msrs hdr;
				struct kvm_msr_entry e;
			} m = { .hdr.nmsrs = 1, .e.index = t[i].index };

			if (ioctl(vm->vcpus[c].fd, KVM_GET_MSRS, &m) == 1)
				fprintf(f, "  %-15s 0x%016" PRIx64 "\n", t[i].name, (uint64_t)m.e.data);
			else
				fprintf(f, "  %-15s (not available)\n", t[i].name);
		}
	}
}

static void mon_exits(struct vm *vm, FILE *f)
{
	unsigned int c, r;

	for (c = 0; c < vm->ncpus; c++) {
		struct vcpu *v = &vm->vcpus[c];

		fprintf(f, "vcpu %u: %" PRIu64 " exits\n", c,
			__atomic_load_n(&v->exits_total, __ATOMIC_RELAXED));
		for (r = 0; r < VCPU_EXIT_REASONS; r++)
			if (v->exits[r])
				fprintf(f, "  %-16s %" PRIu64 "\n", kvm_exit_name(r), v->exits[r]);
	}
}

static const char mon_help[] =
	"vmbus      VMBus connection, channels and their ring state\n"
	"synic      SynIC and synthetic timer MSRs per VP\n"
	"hv-msrs    Hyper-V enlightenment and crash MSRs per VP\n"
	"hcalls     hypercalls hvmm served, per code\n"
	"exits      KVM exits per vCPU and reason\n";

int vm_gdb_monitor(struct vm *vm, const char *cmd, char *out, size_t cap)
{
	FILE *f;

	if (!cap)
		return -ENOSPC;
	f = fmemopen(out, cap, "w");
	if (!f)
		return -errno;
	if (!strcmp(cmd, "help")) {
		fputs(mon_help, f);
	} else if (!strcmp(cmd, "exits")) {
		mon_exits(vm, f);
	} else if (!vm->hv && (!strcmp(cmd, "vmbus") || !strcmp(cmd, "synic") ||
			       !strcmp(cmd, "hv-msrs") || !strcmp(cmd, "hcalls"))) {
		fputs("Hyper-V is off (--hyperv off)\n", f);
	} else if (!strcmp(cmd, "vmbus")) {
		vm_vmbus_report(vm, f);
	} else if (!strcmp(cmd, "synic")) {
		mon_print_msrs(vm, f, synic_msrs, sizeof(synic_msrs) / sizeof(synic_msrs[0]));
	} else if (!strcmp(cmd, "hv-msrs")) {
		fprintf(f, "HYPERCALL (hvmm's) 0x%016" PRIx64 "\n",
			__atomic_load_n(&vm->hv->hcall_msr[0], __ATOMIC_RELAXED));
		mon_print_msrs(vm, f, hv_msrs, sizeof(hv_msrs) / sizeof(hv_msrs[0]));
	} else if (!strcmp(cmd, "hcalls")) {
		hyperv_hcall_report(vm->hv, f);
	} else {
		fprintf(f, "unknown monitor command '%s'; try 'monitor help'\n", cmd);
	}
	/* fmemopen keeps the buffer NUL-terminated; a full one is cut short. */
	fclose(f);
	out[cap - 1] = 0;
	return 0;
}
