/* SPDX-License-Identifier: MIT */
/*
 * Shared fixture for the VSM memory tests (test_hv_vsm_mem.c,
 * test_hv_vsm_translate.c): 16 MiB of guest RAM, the real dispatcher and
 * VSM state on 2 fake vCPUs (VP 0 and 1 in long mode, VTL1 enabled with a
 * SynIC message page and a VP assist page), and a fake protection seam.
 */
#ifndef HVMM_TEST_VSM_MEM_FIXTURE_H
#define HVMM_TEST_VSM_MEM_FIXTURE_H

#include <errno.h>
#include <string.h>

#include "guest_mem.h"
#include "hv_vsm_int.h"
#include "hv_vsm_mem.h"
#include "layout.h"
#include "unit.h"
#include "util.h"
#include "x86_walk.h"

#define IN_GPA 0x10000ULL
#define OUT_GPA 0x11000ULL
#define SIMP_GPA 0x20000ULL
#define ASSIST_GPA 0x21000ULL
#define PML4_GPA 0x30000ULL
#define NOT_RAM_GFN 0xc0000ULL /* the MMIO hole */

struct fake_cpu {
	struct hv_vtl_state live;
	unsigned int sints, loads;
};

static struct guest_mem ram;
static struct hv_hcall_mem hmem;
static struct hv_vsm vsm;
static struct hv_hcall_table table;
static struct fake_cpu cpu[2];

/* Seam calls recorded. */
static struct { uint64_t gfn, n; unsigned int mask; } seam[64];
static unsigned int nseam;
static int seam_err;

static int fake_protect(void *opaque, uint64_t gfn, uint64_t n, unsigned int mask)
{
	if (nseam < 64)
		seam[nseam] = (typeof(seam[0])){ gfn, n, mask };
	nseam++;
	return seam_err;
}

static int mem_read(void *o, uint64_t gpa, void *dst, size_t len)
{
	return gmem_read(o, gpa, dst, len);
}

static int mem_write(void *o, uint64_t gpa, const void *src, size_t len)
{
	return gmem_write(o, gpa, src, len);
}

static int f_save(void *c, struct hv_vtl_state *s)
{
	*s = ((struct fake_cpu *)c)->live;
	return 0;
}

static int f_load(void *c, const struct hv_vtl_state *s)
{
	((struct fake_cpu *)c)->live = *s;
	((struct fake_cpu *)c)->loads++;
	return 0;
}

static int f_raise(void *c, unsigned int sint)
{
	((struct fake_cpu *)c)->sints |= 1U << sint;
	return 0;
}

static int f_runnable(void *c)
{
	return 0;
}

static void f_kick(void *c)
{
}

static const struct hv_vsm_cpu_ops ops = {
	.save = f_save, .load = f_load, .raise_sint = f_raise,
	.set_runnable = f_runnable, .kick = f_kick,
};

/* A 64-bit kernel-mode state: CS 0x10, long mode with paging at PML4_GPA. */
static void long_mode_state(struct hv_vtl_state *s, uint64_t rip)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	s->regs.rip = rip;
	s->regs.rflags = 0x202;
	s->sregs.cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP;
	s->sregs.cr3 = PML4_GPA;
	s->sregs.cr4 = X86_CR4_PAE;
	s->sregs.efer = X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE;
	s->sregs.cs = (struct kvm_segment){ .selector = 0x10, .type = 0xb, .present = 1,
					    .s = 1, .l = 1, .limit = 0xffffffff, .g = 1 };
	s->sregs.ss = (struct kvm_segment){ .selector = 0x18, .type = 3, .present = 1, .s = 1 };
	s->nmsrs = HV_VSM_NR_PRIVATE_MSRS;
	for (i = 0; i < HV_VSM_NR_PRIVATE_MSRS; i++)
		s->msrs[i].index = hv_vsm_private_msrs[i];
}

static void setup(void)
{
	unsigned int i;

	log_level = LOG_ERR - 1;
	ck_assert_int_eq(gmem_init(&ram, RAM_MIN), 0);
	hmem = (struct hv_hcall_mem){ .read = mem_read, .write = mem_write, .opaque = &ram };
	ck_assert_int_eq(hv_vsm_init(&vsm, 2, &hmem, 0x100, 0x110), 0);
	memset(cpu, 0, sizeof(cpu));
	for (i = 0; i < 2; i++) {
		long_mode_state(&cpu[i].live, 0x401000 + i);
		ck_assert_int_eq(hv_vsm_bind_vcpu(&vsm, i, &ops, &cpu[i]), 0);
		/* VTL1 enabled on the VP, with its SynIC message page and assist page. */
		vsm.vp[i].enabled_vtls = 3;
		long_mode_state(&vsm.vp[i].saved[1], 0x500000);
		hv_vsm_state_msr(&vsm.vp[i].saved[1], MSR_HV_VP_ASSIST_PAGE)->data = ASSIST_GPA | 1;
		vsm.vp[i].synic1 = (struct hv_vsm_synic){ .scontrol = 1, .simp = SIMP_GPA | 1 };
	}
	vsm.enabled_vtls = 3;
	vsm.partition_config = HV_VSM_CONFIG_ENABLE_VTL_PROTECTION;
	ck_assert_int_eq(hv_vsm_mem_init(&vsm, &ram, 0), 0);
	vsm.mem_ops = (struct hv_vsm_mem_ops){ .protect = fake_protect };
	memset(&table, 0, sizeof(table));
	ck_assert_int_eq(hv_vsm_mem_register_hcalls(&vsm, &table), 0);
	nseam = 0;
	seam_err = 0;
}

static void teardown(void)
{
	hv_vsm_mem_destroy(&vsm);
	hv_vsm_destroy(&vsm);
	gmem_free(&ram);
}

/* One call from VP 0 in `vtl`; returns RAX. */
static uint64_t hcall(uint8_t vtl, uint16_t code, unsigned int reps, unsigned int start,
		      const void *in, size_t in_len, void *out, size_t out_len)
{
	struct hv_hcall_caller c = { .vp = 0, .vtl = vtl };
	struct hv_hcall_regs r = { 0 };

	ck_assert_int_eq(gmem_write(&ram, IN_GPA, in, in_len), 0);
	r.rcx = code | (uint64_t)reps << HV_HCALL_REP_COUNT_SHIFT |
		(uint64_t)start << HV_HCALL_REP_START_SHIFT;
	r.rdx = IN_GPA;
	r.r8 = OUT_GPA;
	hv_hcall_dispatch(&table, &c, &hmem, &r);
	if (out)
		ck_assert_int_eq(gmem_read(&ram, OUT_GPA, out, out_len), 0);
	return r.rax;
}

#define STATUS(rax) ((uint16_t)(rax))
#define REPS(rax) ((unsigned int)((rax) >> 32) & 0xfff)

struct prot_call {
	uint64_t partition;
	uint32_t flags;
	uint8_t vtl;
	uint8_t rsvd[3];
	uint64_t gfn[8];
};

#define VTL_USE(v) (0x10 | (v))

static uint64_t protect(uint8_t caller_vtl, uint32_t flags, uint8_t input_vtl, unsigned int n,
			const uint64_t *gfns)
{
	struct prot_call p = { .partition = HV_PARTITION_ID_SELF, .flags = flags,
			       .vtl = input_vtl };

	memcpy(p.gfn, gfns, n * 8);
	return hcall(caller_vtl, HVCALL_MODIFY_VTL_PROTECTION_MASK, n, 0, &p, 16 + n * 8, NULL, 0);
}

#endif
