// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: sequences of VSM hypercalls from two VPs through the
 * real dispatcher (vmm/hv_hcall.c) into the real VSM emulation
 * (hv_vsm.c, hv_vsm_regs.c, hv_vtl_switch.c), with fake vCPUs whose
 * state the cpu ops copy in and out, and fuzzer-chosen guest RAM. Any
 * order of EnablePartitionVtl, EnableVpVtl, VtlCall, VtlReturn,
 * Get/SetVpRegisters, StartVirtualProcessor, GetVpIndexFromApicId, the
 * target's pending start and the intercept entry must keep the state
 * consistent: each VP runs VTL0 or an enabled VTL1, no access leaves RAM,
 * and RAX is a well-formed result.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -Ivmm -Idevices
 *         fuzz/fuzz_hv_vsm.c vmm/hv_hcall.c vmm/hv_vsm.c vmm/hv_vsm_regs.c
 *         vmm/hv_vtl_switch.c vmm/util.c -o /tmp/fzvsm
 *   /tmp/fzvsm -max_total_time=30
 *
 * Input: a step count k, k steps of STEP bytes (op, VP, then RCX, RDX,
 * R8 and the fake vCPU's RAX), then guest RAM (RAM_SIZE bytes at GPA
 * RAM_BASE, zero-padded).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv_vsm_int.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM_BASE 0x1000ULL
#define RAM_SIZE (2 * HV_PAGE_SIZE)
#define NR_VPS 2
#define STEP (2 + 4 * 8)
#define MAX_STEPS 64

static uint8_t *ram;

static int fz_read(void *opaque, uint64_t gpa, void *dst, size_t len)
{
	(void)opaque;
	if (gpa < RAM_BASE || gpa - RAM_BASE > RAM_SIZE || len > RAM_SIZE - (gpa - RAM_BASE))
		return -EFAULT;
	memcpy(dst, ram + (gpa - RAM_BASE), len);
	return 0;
}

static int fz_write(void *opaque, uint64_t gpa, const void *src, size_t len)
{
	(void)opaque;
	if (gpa < RAM_BASE || gpa - RAM_BASE > RAM_SIZE || len > RAM_SIZE - (gpa - RAM_BASE))
		return -EFAULT;
	memcpy(ram + (gpa - RAM_BASE), src, len);
	return 0;
}

struct fz_cpu {
	struct hv_vtl_state st;
	int fail_load;
};

static int c_save(void *c, struct hv_vtl_state *s)
{
	*s = ((struct fz_cpu *)c)->st;
	return 0;
}

static int c_load(void *c, const struct hv_vtl_state *s)
{
	struct fz_cpu *f = c;

	if (s->nmsrs > ARRAY_SIZE(s->msrs))
		abort();
	if (f->fail_load) {
		f->fail_load = 0;
		return -EINVAL;
	}
	f->st = *s;
	return 0;
}

static int c_raise(void *c, unsigned int sint)
{
	(void)c;
	return sint < 16 ? 0 : -EINVAL;
}

static int c_runnable(void *c)
{
	(void)c;
	return 0;
}

static void c_kick(void *c)
{
	(void)c;
}

static const struct hv_vsm_cpu_ops ops = { c_save, c_load, c_raise, c_runnable, c_kick };

static const uint16_t codes[] = {
	HVCALL_ENABLE_PARTITION_VTL, HVCALL_ENABLE_VP_VTL, HVCALL_VTL_CALL, HVCALL_VTL_RETURN,
	HVCALL_GET_VP_REGISTERS, HVCALL_SET_VP_REGISTERS, HVCALL_START_VIRTUAL_PROCESSOR,
	HVCALL_GET_VP_INDEX_FROM_APIC_ID,
};

static void check_state(struct hv_vsm *vsm)
{
	unsigned int i;

	for (i = 0; i < NR_VPS; i++) {
		uint8_t vtl = hv_vsm_active_vtl(vsm, i);

		if (vtl >= HV_NUM_VTLS || !(vsm->vp[i].enabled_vtls & (1U << vtl)) ||
		    ((vsm->vp[i].enabled_vtls & 2) && !(vsm->enabled_vtls & 2)))
			abort();
	}
}

static void step(struct hv_vsm *vsm, struct hv_hcall_table *t, struct fz_cpu *cpu,
		 const struct hv_hcall_mem *mem, const uint8_t *s)
{
	uint32_t vp = s[1] % NR_VPS;
	struct hv_hcall_caller c = { .vp = vp, .vtl = hv_vsm_active_vtl(vsm, vp) };
	struct hv_hcall_regs r = { 0 };
	uint64_t cr0, cr3, cr4, efer, reps, count;

	memcpy(&r.rcx, s + 2, 8);
	memcpy(&r.rdx, s + 10, 8);
	memcpy(&r.r8, s + 18, 8);
	memcpy(&cpu[vp].st.regs.rax, s + 26, 8);
	switch (s[0] >> 5) {
	case 0: /* the target's thread before KVM_RUN */
		hv_vsm_vcpu_pending(vsm, vp);
		return;
	case 1: /* a secure intercept (hv_vsm_mem.c's path) */
		hv_vsm_enter_vtl1(vsm, vp, s[2]);
		return;
	case 2:
		hv_vsm_paging_regs(vsm, vp, s[2], &cr0, &cr3, &cr4, &efer);
		return;
	case 3: /* KVM refuses the next load, or the caller is not at CPL0 */
		cpu[vp].fail_load = s[2] & 1;
		cpu[vp].st.sregs.cs.dpl = (s[2] >> 1) & 3;
		return;
	}
	/* Mostly a VSM code, with the rest of the control word as given. */
	if (!(s[2] & 0x80))
		r.rcx = (r.rcx & ~HV_HCALL_CODE_MASK) | codes[s[0] % ARRAY_SIZE(codes)];
	/* Point the GPAs into RAM most of the time. */
	if (!(s[10] & 0x80))
		r.rdx = RAM_BASE + (r.rdx % RAM_SIZE & ~7ULL);
	if (!(s[18] & 0x80))
		r.r8 = RAM_BASE + (r.r8 % RAM_SIZE & ~7ULL);
	cpu[vp].st.regs.rcx = r.rcx;
	r.rax = 0xfeedULL << 48;
	count = (r.rcx >> HV_HCALL_REP_COUNT_SHIFT) & HV_HCALL_REP_MASK;
	if (hv_hcall_dispatch(t, &c, mem, &r)) {
		reps = (r.rax >> HV_HCALL_RESULT_REPS_SHIFT) & 0xfff;
		if (r.rax & ~(0xffffULL | (0xfffULL << 32)) || reps > count)
			abort();
	} else if (r.rax != 0xfeedULL << 48) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct hv_x64_segment code = { 0, 0xffffffff, 0x10, 0xa09b };
	static struct fz_cpu cpu[NR_VPS];
	struct hv_hcall_mem mem = { fz_read, fz_write, NULL };
	struct hv_initial_vp_context ctx = {
		.rip = 0x100000, .rsp = 0x80000, .cs = code, .cr0 = 0x80050033, .efer = 0xd01,
	};
	struct hv_hcall_table *t;
	struct hv_vsm vsm;
	size_t off, n;
	unsigned int i;

	if (size < 1)
		return 0;
	n = MIN((size_t)data[0] % MAX_STEPS, (size - 1) / STEP);
	ram = calloc(1, RAM_SIZE);
	t = calloc(1, sizeof(*t));
	if (!ram || !t || hv_vsm_init(&vsm, NR_VPS, &mem, 0x40, 0x60))
		abort();
	off = 1 + n * STEP;
	memcpy(ram, data + off, MIN(size - off, (size_t)RAM_SIZE));
	for (i = 0; i < NR_VPS; i++) {
		memset(&cpu[i], 0, sizeof(cpu[i]));
		hv_vsm_state_from_ctx(&cpu[i].st, &ctx);
		if (hv_vsm_bind_vcpu(&vsm, i, &ops, &cpu[i]))
			abort();
	}
	if (hv_vsm_register_hcalls(&vsm, t))
		abort();
	for (i = 0; i < n; i++) {
		step(&vsm, t, cpu, &mem, data + 1 + i * STEP);
		check_state(&vsm);
	}
	hv_vsm_destroy(&vsm);
	free(t);
	free(ram);
	ram = NULL;
	return 0;
}
