// SPDX-License-Identifier: MIT
#include "hv_crash.h"

#include <errno.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>

#include "console_tail.h"
#include "events.h"
#include "util.h"
#include "vcpu.h"

/* struct kvm_msrs ends in a flexible array: give it room for the parameters. */
union hv_crash_msrs {
	struct kvm_msrs hdr;
	uint8_t raw[sizeof(struct kvm_msrs) + HV_CRASH_NPARAMS * sizeof(struct kvm_msr_entry)];
};

int hv_crash_enable(struct vcpu *vcpu)
{
	union hv_crash_msrs m;

	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = 1;
	m.hdr.entries[0].index = HV_X64_MSR_CRASH_CTL;
	m.hdr.entries[0].data = HV_CRASH_CTL_CRASH_NOTIFY;
	if (ioctl(vcpu->fd, KVM_SET_MSRS, &m) != 1)
		return errno ? -errno : -EINVAL;
	return 0;
}

void hv_crash_print(FILE *f, unsigned int vcpu_id, const uint64_t *p)
{
	char tail[CONSOLE_TAIL_SIZE + 1];
	unsigned int n = console_tail_lines(tail, sizeof(tail), HV_CRASH_TAIL_LINES);
	char *line, *nl;

	fprintf(f, "hvmm: error: vcpu%u: the guest panicked (Hyper-V crash notification)\n",
		vcpu_id);
	if (p)
		fprintf(f, "hvmm: guest crash parameters: P0=0x%llx P1=0x%llx P2=0x%llx "
			"P3=0x%llx P4=0x%llx\n", (unsigned long long)p[0],
			(unsigned long long)p[1], (unsigned long long)p[2],
			(unsigned long long)p[3], (unsigned long long)p[4]);
	else
		fprintf(f, "hvmm: guest crash parameters: unavailable (KVM_GET_MSRS failed)\n");
	fprintf(f, "hvmm: guest console, last %u line(s):\n", n);
	for (line = tail; (nl = strchr(line, '\n')); line = nl + 1) {
		*nl = 0;
		fprintf(f, "hvmm: console| %s\n", line);
	}
	fflush(f);
}

void hv_crash_report(struct vcpu *vcpu)
{
	union hv_crash_msrs m;
	uint64_t p[HV_CRASH_NPARAMS];
	unsigned int i;
	int ret;

	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = HV_CRASH_NPARAMS;
	for (i = 0; i < HV_CRASH_NPARAMS; i++)
		m.hdr.entries[i].index = HV_X64_MSR_CRASH_P0 + i;
	ret = ioctl(vcpu->fd, KVM_GET_MSRS, &m);
	for (i = 0; i < HV_CRASH_NPARAMS; i++)
		p[i] = m.hdr.entries[i].data;
	if (ret != HV_CRASH_NPARAMS)
		pr_err("vcpu%u: KVM_GET_MSRS for the crash parameters: %s", vcpu->id,
		       ret < 0 ? strerror(errno) : "refused");
	events_panic(ret == HV_CRASH_NPARAMS ? p : NULL);
	hv_crash_print(log_file(), vcpu->id, ret == HV_CRASH_NPARAMS ? p : NULL);
}
