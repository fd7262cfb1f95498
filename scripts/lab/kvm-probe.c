// SPDX-License-Identifier: MIT
/*
 * Does /dev/kvm run an ordinary guest at hardware speed? Existence is not
 * enough: some hosts expose a /dev/kvm backed by a software scheme (seen
 * here: a "kvm-pvm" module) that enters real and long mode but takes
 * seconds for what hardware does in milliseconds, so a Linux boot never
 * finishes. The probe runs a 64-bit guest that copies 8 MiB with paging
 * on and then writes a port, and requires the whole run to finish within
 * PROBE_BUDGET_MS.
 *
 * Exit 0 = usable; 1 = not usable (reason on stderr).
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PROBE_BUDGET_MS 1500
#define MEM_SIZE (64u << 20)

static int fail(const char *what)
{
	fprintf(stderr, "kvm-probe: %s\n", what);
	return 1;
}

static void on_alarm(int sig)
{
	static const char msg[] = "kvm-probe: /dev/kvm is far too slow to boot a guest\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int main(void)
{
	static const unsigned char code[] = {
		0x48, 0xc7, 0xc6, 0x00, 0x00, 0x00, 0x01, /* mov rsi, 16 MiB */
		0x48, 0xc7, 0xc7, 0x00, 0x00, 0x00, 0x02, /* mov rdi, 32 MiB */
		0x48, 0xc7, 0xc1, 0x00, 0x00, 0x80, 0x00, /* mov rcx, 8 MiB */
		0xf3, 0xa4,                               /* rep movsb */
		0xb0, 0x42, 0xe6, 0x10, 0xf4,             /* mov al,0x42; out 0x10,al; hlt */
	};
	static const uint64_t gdt[] = { 0, 0, 0x00af9b000000ffffULL, 0x00cf93000000ffffULL };
	struct kvm_segment cs = { .limit = 0xffffffff, .selector = 0x10, .type = 11,
				  .present = 1, .s = 1, .l = 1, .g = 1 };
	struct kvm_segment ds = { .limit = 0xffffffff, .selector = 0x18, .type = 3,
				  .present = 1, .s = 1, .db = 1, .g = 1 };
	struct kvm_userspace_memory_region mr = { 0 };
	struct kvm_regs regs = { .rip = 0x100000, .rflags = 2 };
	struct kvm_sregs s;
	struct kvm_run *run;
	uint64_t *pml4, *pdpt, *pd, t0;
	uint8_t *mem;
	int kvm, vm, vcpu, sz, i;

	signal(SIGALRM, on_alarm);
	alarm(5);
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return fail("cannot open /dev/kvm");
	if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		return fail("unexpected KVM API version");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return fail("KVM_CREATE_VM failed");
	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return fail("mmap failed");
	mr.memory_size = MEM_SIZE;
	mr.userspace_addr = (unsigned long)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &mr) < 0)
		return fail("KVM_SET_USER_MEMORY_REGION failed");
	ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000);
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	sz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vcpu < 0 || sz <= 0)
		return fail("KVM_CREATE_VCPU failed");
	run = mmap(NULL, (size_t)sz, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		return fail("cannot map kvm_run");

	pml4 = (uint64_t *)(mem + 0x1000);
	pdpt = (uint64_t *)(mem + 0x2000);
	pd = (uint64_t *)(mem + 0x3000);
	pml4[0] = 0x2000 | 3;
	pdpt[0] = 0x3000 | 3;
	for (i = 0; i < 512; i++)
		pd[i] = ((uint64_t)i << 21) | 0x83;
	memcpy(mem + 0x500, gdt, sizeof(gdt));
	memcpy(mem + 0x100000, code, sizeof(code));

	if (ioctl(vcpu, KVM_GET_SREGS, &s) < 0)
		return fail("KVM_GET_SREGS failed");
	s.cs = cs;
	s.ds = s.es = s.fs = s.gs = s.ss = ds;
	s.gdt.base = 0x500;
	s.gdt.limit = sizeof(gdt) - 1;
	s.cr3 = 0x1000;
	s.cr4 = 0x20;        /* PAE */
	s.cr0 = 0x80000011;  /* PG | ET | PE */
	s.efer = 0x500;      /* LMA | LME */
	if (ioctl(vcpu, KVM_SET_SREGS, &s) < 0)
		return fail("KVM_SET_SREGS failed (long mode refused)");
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		return fail("KVM_SET_REGS failed");
	t0 = now_ms();
	if (ioctl(vcpu, KVM_RUN, 0) < 0)
		return fail("KVM_RUN failed");
	if (run->exit_reason != KVM_EXIT_IO || run->io.port != 0x10 ||
	    ((uint8_t *)run)[run->io.data_offset] != 0x42)
		return fail("a 64-bit test guest did not run correctly");
	if (now_ms() - t0 > PROBE_BUDGET_MS) {
		fprintf(stderr, "kvm-probe: /dev/kvm works but copying 8 MiB took %llu ms "
			"(hardware: a few ms); not usable for real guests\n",
			(unsigned long long)(now_ms() - t0));
		return 1;
	}
	return 0;
}
