// SPDX-License-Identifier: MIT
/* Human-readable vCPU state for fault reports. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util.h"
#include "vcpu.h"

static const char *const exit_names[] = {
	[KVM_EXIT_UNKNOWN] = "UNKNOWN", [KVM_EXIT_EXCEPTION] = "EXCEPTION",
	[KVM_EXIT_IO] = "IO", [KVM_EXIT_HYPERCALL] = "HYPERCALL",
	[KVM_EXIT_DEBUG] = "DEBUG", [KVM_EXIT_HLT] = "HLT",
	[KVM_EXIT_MMIO] = "MMIO", [KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
	[KVM_EXIT_SHUTDOWN] = "SHUTDOWN", [KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
	[KVM_EXIT_INTR] = "INTR", [KVM_EXIT_SET_TPR] = "SET_TPR",
	[KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS", [KVM_EXIT_NMI] = "NMI",
	[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR", [KVM_EXIT_OSI] = "OSI",
	[KVM_EXIT_WATCHDOG] = "WATCHDOG", [KVM_EXIT_EPR] = "EPR",
	[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT", [KVM_EXIT_IOAPIC_EOI] = "IOAPIC_EOI",
	[KVM_EXIT_HYPERV] = "HYPERV", [KVM_EXIT_X86_RDMSR] = "X86_RDMSR",
	[KVM_EXIT_X86_WRMSR] = "X86_WRMSR",
};

const char *kvm_exit_name(uint32_t reason)
{
	if (reason < ARRAY_SIZE(exit_names) && exit_names[reason])
		return exit_names[reason];
	return "?";
}

static void print_seg(FILE *f, const char *prefix, const char *name,
		      const struct kvm_segment *s)
{
	fprintf(f, "%s %-4s sel=%04x base=%016llx limit=%08x type=%x p=%u dpl=%u db=%u s=%u "
		"l=%u g=%u\n", prefix, name, s->selector, (unsigned long long)s->base, s->limit,
		s->type, s->present, s->dpl, s->db, s->s, s->l, s->g);
}

int vcpu_print_regs(struct vcpu *vcpu, FILE *f, const char *prefix)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (ioctl(vcpu->fd, KVM_GET_REGS, &r) < 0 || ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0)
		return -errno;
	fprintf(f, "%svcpu%u registers:\n", prefix, vcpu->id);
	fprintf(f, "%s rip=%016llx rsp=%016llx rflags=%016llx\n", prefix,
		(unsigned long long)r.rip, (unsigned long long)r.rsp, (unsigned long long)r.rflags);
	fprintf(f, "%s rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx\n", prefix,
		(unsigned long long)r.rax, (unsigned long long)r.rbx,
		(unsigned long long)r.rcx, (unsigned long long)r.rdx);
	fprintf(f, "%s rsi=%016llx rdi=%016llx rbp=%016llx r8 =%016llx\n", prefix,
		(unsigned long long)r.rsi, (unsigned long long)r.rdi,
		(unsigned long long)r.rbp, (unsigned long long)r.r8);
	fprintf(f, "%s r9 =%016llx r10=%016llx r11=%016llx r12=%016llx\n", prefix,
		(unsigned long long)r.r9, (unsigned long long)r.r10,
		(unsigned long long)r.r11, (unsigned long long)r.r12);
	fprintf(f, "%s r13=%016llx r14=%016llx r15=%016llx\n", prefix,
		(unsigned long long)r.r13, (unsigned long long)r.r14, (unsigned long long)r.r15);
	fprintf(f, "%s cr0=%016llx cr2=%016llx cr3=%016llx cr4=%016llx efer=%016llx\n", prefix,
		(unsigned long long)s.cr0, (unsigned long long)s.cr2,
		(unsigned long long)s.cr3, (unsigned long long)s.cr4, (unsigned long long)s.efer);
	print_seg(f, prefix, "cs", &s.cs);
	print_seg(f, prefix, "ss", &s.ss);
	print_seg(f, prefix, "tr", &s.tr);
	fprintf(f, "%s gdt=%016llx/%04x idt=%016llx/%04x\n", prefix,
		(unsigned long long)s.gdt.base, s.gdt.limit,
		(unsigned long long)s.idt.base, s.idt.limit);
	/* SVM reinitialises the VMCB after a shutdown intercept. */
	if (r.rip == 0xfff0 && s.cs.base == 0xffff0000)
		fprintf(f, "%s (these are reset values: KVM on AMD resets a vCPU after a triple "
			"fault)\n", prefix);
	return 0;
}

void vcpu_dump_regs(struct vcpu *vcpu)
{
	char *text = NULL, *line, *nl;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int ret;

	if (!f) {
		pr_err("vcpu%u: cannot format registers", vcpu->id);
		return;
	}
	ret = vcpu_print_regs(vcpu, f, "");
	if (fclose(f) || ret) {
		pr_err("vcpu%u: cannot read registers", vcpu->id);
		free(text);
		return;
	}
	/* One log line each, through the logger (never waits for stderr). */
	for (line = text; (nl = strchr(line, '\n')); line = nl + 1) {
		*nl = 0;
		pr_err("%s", line);
	}
	free(text);
}
