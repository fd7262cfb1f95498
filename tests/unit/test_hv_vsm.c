// SPDX-License-Identifier: MIT
/*
 * The VSM emulation (hv_vsm.c, hv_vsm_regs.c, hv_vtl_switch.c) without
 * KVM: two fake vCPUs whose "state" is a struct hv_vtl_state the cpu
 * ops copy in and out, and 64 KiB of fake guest memory. Every call goes
 * through the real dispatcher (hv_hcall_dispatch) with its input in that
 * memory, as it comes from the hypercall page's trap.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "guest_mem.h"
#include "layout.h"
#include "hv_vsm_int.h"
#include "hyperv.h"
#include "unit.h"
#include "vcpu.h"
#include "vm.h"
#include "util.h"

#define MEM_SIZE 0x10000
#define NR_VPS 2
#define CALL_OFF 0x40
#define RET_OFF 0x60
#define MSR_LSTAR 0xc0000082
#define MSR_PAT 0x277

struct fake_cpu {
	struct hv_vtl_state st;
	int saves, loads, fail_load, runnable, kicks;
	unsigned int sints[16];
};

static uint8_t mem_buf[MEM_SIZE];
static struct fake_cpu cpu[NR_VPS];
static struct hv_vsm vsm;
static struct hv_hcall_table tbl;

static int mem_read(void *o, uint64_t gpa, void *dst, size_t len)
{
	(void)o;
	if (gpa > MEM_SIZE || len > MEM_SIZE - gpa)
		return -EFAULT;
	memcpy(dst, mem_buf + gpa, len);
	return 0;
}

static int mem_write(void *o, uint64_t gpa, const void *src, size_t len)
{
	(void)o;
	if (gpa > MEM_SIZE || len > MEM_SIZE - gpa)
		return -EFAULT;
	memcpy(mem_buf + gpa, src, len);
	return 0;
}

static const struct hv_hcall_mem gmem = { mem_read, mem_write, NULL };

static int f_save(void *c, struct hv_vtl_state *s)
{
	struct fake_cpu *f = c;

	f->saves++;
	*s = f->st;
	return 0;
}

static int f_load(void *c, const struct hv_vtl_state *s)
{
	struct fake_cpu *f = c;

	if (f->fail_load) {
		f->fail_load--;
		return -EINVAL;
	}
	f->loads++;
	f->st = *s;
	return 0;
}

static int f_raise(void *c, unsigned int sint)
{
	((struct fake_cpu *)c)->sints[sint & 15]++;
	return 0;
}

static int f_runnable(void *c)
{
	((struct fake_cpu *)c)->runnable++;
	return 0;
}

static void f_kick(void *c)
{
	__atomic_fetch_add(&((struct fake_cpu *)c)->kicks, 1, __ATOMIC_RELAXED);
}

static const struct hv_vsm_cpu_ops fops = { f_save, f_load, f_raise, f_runnable, f_kick };

/* A 64-bit CPL0 context: flat segments, paging on. */
static struct hv_initial_vp_context ctx64(uint64_t rip, uint64_t rsp, uint64_t cr3)
{
	struct hv_x64_segment code = { 0, 0xffffffff, 0x10, 0xa09b };
	struct hv_x64_segment data = { 0, 0xffffffff, 0x18, 0xc093 };
	struct hv_initial_vp_context c = {
		.rip = rip, .rsp = rsp, .rflags = 2, .cs = code, .ds = data, .es = data,
		.fs = data, .gs = data, .ss = data, .tr = { 0, 0x67, 0x28, 0x8b },
		.gdtr = { .limit = 0x2f, .base = 0x1000 }, .idtr = { .limit = 0xfff, .base = 0x2000 },
		.efer = 0xd01, .cr0 = 0x80050033, .cr3 = cr3, .cr4 = 0x6a0,
		.msr_cr_pat = 0x0007040600070406ULL,
	};
	return c;
}

static void setup(void)
{
	struct hv_initial_vp_context c = ctx64(0x100000, 0x80000, 0x5000);
	unsigned int i;

	memset(mem_buf, 0, sizeof(mem_buf));
	memset(cpu, 0, sizeof(cpu));
	ck_assert_int_eq(hv_vsm_init(&vsm, NR_VPS, &gmem, CALL_OFF, RET_OFF), 0);
	for (i = 0; i < NR_VPS; i++) {
		hv_vsm_state_from_ctx(&cpu[i].st, &c);
		hv_vsm_state_msr(&cpu[i].st, MSR_LSTAR)->data = 0xffffffff81000000ULL + i;
		ck_assert_int_eq(hv_vsm_bind_vcpu(&vsm, i, &fops, &cpu[i]), 0);
	}
	memset(&tbl, 0, sizeof(tbl));
	ck_assert_int_eq(hv_vsm_register_hcalls(&vsm, &tbl), 0);
}

static void teardown(void)
{
	hv_vsm_destroy(&vsm);
}

static struct hv_hcall_caller caller(uint32_t vp)
{
	return (struct hv_hcall_caller){ .vp = vp, .vtl = hv_vsm_active_vtl(&vsm, vp),
					 .opaque = &vsm };
}

/* Per calling VP, so that two threads never share a buffer. */
#define IN_GPA (0x8000 + 0x2000 * vp)
#define OUT_GPA (0x9000 + 0x2000 * vp)

/* One call through the real dispatcher; false if the handler switched the vCPU. */
static bool dispatch(uint32_t vp, struct hv_hcall_regs *r)
{
	struct hv_hcall_caller c = caller(vp);

	return hv_hcall_dispatch(&tbl, &c, &gmem, r);
}

static uint16_t simple(uint32_t vp, uint16_t code, const void *in, size_t len)
{
	const struct hv_hcall_desc *d = hv_vsm_hcall_desc(code);
	struct hv_hcall_regs r = { .rcx = code, .rdx = IN_GPA, .r8 = OUT_GPA };

	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(d->in_size, len);
	mem_write(NULL, IN_GPA, in, len);
	ck_assert(dispatch(vp, &r));
	ck_assert_uint_eq(r.rax >> 16, 0);
	return (uint16_t)r.rax;
}

/* A rep call: returns the status, *done the reps completed. */
static uint16_t rep(uint32_t vp, uint16_t code, const void *hdr, const void *elems,
		    unsigned int n, void *outs, unsigned int *done)
{
	const struct hv_hcall_desc *d = hv_vsm_hcall_desc(code);
	struct hv_hcall_regs r = { .rcx = code | (uint64_t)n << HV_HCALL_REP_COUNT_SHIFT,
				   .rdx = IN_GPA, .r8 = OUT_GPA };

	ck_assert_ptr_nonnull(d);
	mem_write(NULL, IN_GPA, hdr, d->in_size);
	mem_write(NULL, IN_GPA + d->in_size, elems, (size_t)n * d->rep_in_size);
	ck_assert(dispatch(vp, &r));
	*done = (unsigned int)(r.rax >> HV_HCALL_RESULT_REPS_SHIFT) & 0xfff;
	if (outs)
		mem_read(NULL, OUT_GPA, outs, (size_t)*done * d->rep_out_size);
	return (uint16_t)r.rax;
}

/* VtlCall/VtlReturn as the page's sequence makes them: RAX = the caller's RCX. */
static uint32_t raw(uint32_t vp, uint16_t code, uint64_t rax)
{
	struct hv_hcall_regs r = { .rcx = code, .rax = rax };

	cpu[vp].st.regs.rax = rax;
	cpu[vp].st.regs.rcx = code;
	return dispatch(vp, &r) ? (uint16_t)r.rax : HV_HCALL_NO_RESULT;
}

struct enable_vp_in {
	uint64_t partition_id;
	uint32_t vp_index;
	uint8_t target_vtl, rsvd[3];
	struct hv_initial_vp_context ctx;
};

static uint16_t enable_partition(uint64_t pid, uint8_t vtl, uint8_t flags)
{
	struct { uint64_t pid; uint8_t vtl, flags; uint16_t r0; uint32_t r1; } in = { pid, vtl, flags, 0, 0 };

	return simple(0, HVCALL_ENABLE_PARTITION_VTL, &in, sizeof(in));
}

static uint16_t enable_vp(uint32_t caller_vp, uint32_t vp, uint64_t rip)
{
	struct enable_vp_in in = { HV_PARTITION_ID_SELF, vp, 1, { 0 }, ctx64(rip, 0x9000, 0x7000) };

	return simple(caller_vp, HVCALL_ENABLE_VP_VTL, &in, sizeof(in));
}

static bool ud_injected(unsigned int vp)
{
	return cpu[vp].st.events.exception.injected && cpu[vp].st.events.exception.nr == 6;
}

/* VTL1 enabled on VP 0 and entered once. */
static void enter_vtl1(void)
{
	ck_assert_uint_eq(enable_partition(HV_PARTITION_ID_SELF, 1, 0), 0);
	ck_assert_uint_eq(enable_vp(0, 0, 0x200000), 0);
	ck_assert_uint_eq(raw(0, HVCALL_VTL_CALL, 0), HV_HCALL_NO_RESULT);
	ck_assert_uint_eq(hv_vsm_active_vtl(&vsm, 0), 1);
}

START_TEST(vtl_call_before_enable_is_ud)
{
	ck_assert_uint_eq(raw(0, HVCALL_VTL_CALL, 0), HV_HCALL_NO_RESULT);
	ck_assert(ud_injected(0));
	ck_assert_uint_eq(hv_vsm_active_vtl(&vsm, 0), 0);
	ck_assert_uint_eq(cpu[0].st.regs.rip, 0x100000);
	/* Partition enabled, VP not yet: still #UD. */
	memset(&cpu[0].st.events, 0, sizeof(cpu[0].st.events));
	ck_assert_uint_eq(enable_partition(HV_PARTITION_ID_SELF, 1, 0), 0);
	ck_assert_uint_eq(raw(0, HVCALL_VTL_CALL, 0), HV_HCALL_NO_RESULT);
	ck_assert(ud_injected(0));
	ck_assert_uint_eq(hv_vsm_active_vtl(&vsm, 0), 0);
}
END_TEST

START_TEST(enable_partition_rules)
{
	ck_assert_uint_eq(enable_partition(1, 1, 0), HV_STATUS_INVALID_PARTITION_ID);
	ck_assert_uint_eq(enable_partition(HV_PARTITION_ID_SELF, 0, 0), HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(enable_partition(HV_PARTITION_ID_SELF, 2, 0), HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(enable_partition(HV_PARTITION_ID_SELF, 1, 1), HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(enable_partition(HV_PARTITION_ID_SELF, 1, 0x80), HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(vsm.enabled_vtls, 1);
	ck_assert_uint_eq(enable_partition(HV_PARTITION_ID_SELF, 1, 0), 0);
	ck_assert_uint_eq(enable_partition(HV_PARTITION_ID_SELF, 1, 0), HV_STATUS_VTL_ALREADY_ENABLED);
}
END_TEST

START_TEST(enable_vp_rules)
{
	struct enable_vp_in in = { HV_PARTITION_ID_SELF, 0, 1, { 0 }, ctx64(1, 2, 3) };

	ck_assert_uint_eq(enable_vp(0, 0, 0x200000), HV_STATUS_INVALID_VTL_STATE);
	ck_assert_uint_eq(enable_partition(HV_PARTITION_ID_SELF, 1, 0), 0);
	ck_assert_uint_eq(enable_vp(0, 2, 0x200000), HV_STATUS_INVALID_VP_INDEX);
	in.rsvd[1] = 1;
	ck_assert_uint_eq(simple(0, HVCALL_ENABLE_VP_VTL, &in, sizeof(in)), HV_STATUS_INVALID_PARAMETER);
	in.rsvd[1] = 0;
	in.target_vtl = 0;
	ck_assert_uint_eq(simple(0, HVCALL_ENABLE_VP_VTL, &in, sizeof(in)), HV_STATUS_INVALID_PARAMETER);
	in.target_vtl = 1;
	in.partition_id = 0;
	ck_assert_uint_eq(simple(0, HVCALL_ENABLE_VP_VTL, &in, sizeof(in)), HV_STATUS_INVALID_PARTITION_ID);
	ck_assert_uint_eq(enable_vp(0, HV_VP_INDEX_SELF, 0x200000), 0);
	ck_assert_uint_eq(enable_vp(0, 0, 0x200000), HV_STATUS_VTL_ALREADY_ENABLED);
	/* VTL0 is no longer the highest VTL: VP 1 gets VTL1 from VTL1 only. */
	ck_assert_uint_eq(enable_vp(1, 1, 0x300000), HV_STATUS_ACCESS_DENIED);
	ck_assert_uint_eq(raw(0, HVCALL_VTL_CALL, 0), HV_HCALL_NO_RESULT);
	ck_assert_uint_eq(enable_vp(0, 1, 0x300000), 0);
	ck_assert_uint_eq(enable_vp(0, 1, 0x300000), HV_STATUS_VTL_ALREADY_ENABLED);
}
END_TEST

START_TEST(vtl_return_from_vtl0_is_ud)
{
	ck_assert_uint_eq(raw(0, HVCALL_VTL_RETURN, 0), HV_HCALL_NO_RESULT);
	ck_assert(ud_injected(0));
	ck_assert_uint_eq(hv_vsm_active_vtl(&vsm, 0), 0);
	ck_assert_uint_eq(vsm.vtl_returns, 0);
}
END_TEST

START_TEST(vtl_call_from_vtl1_is_ud)
{
	enter_vtl1();
	ck_assert_uint_eq(raw(0, HVCALL_VTL_CALL, 0), HV_HCALL_NO_RESULT);
	ck_assert(ud_injected(0));
	ck_assert_uint_eq(hv_vsm_active_vtl(&vsm, 0), 1);
	ck_assert_uint_eq(vsm.vtl_calls, 1);
}
END_TEST

START_TEST(vtl_call_bad_caller_is_ud)
{
	ck_assert_uint_eq(enable_partition(HV_PARTITION_ID_SELF, 1, 0), 0);
	ck_assert_uint_eq(enable_vp(0, 0, 0x200000), 0);
	ck_assert_uint_eq(raw(0, HVCALL_VTL_CALL, 5), HV_HCALL_NO_RESULT); /* input must be 0 */
	ck_assert(ud_injected(0));
	memset(&cpu[0].st.events, 0, sizeof(cpu[0].st.events));
	cpu[0].st.sregs.cs.dpl = 3; /* CPL3 */
	ck_assert_uint_eq(raw(0, HVCALL_VTL_CALL, 0), HV_HCALL_NO_RESULT);
	ck_assert(ud_injected(0));
	ck_assert_uint_eq(hv_vsm_active_vtl(&vsm, 0), 0);
}
END_TEST

START_TEST(switch_round_trip)
{
	struct hv_vtl_state *s = &cpu[0].st;
	uint64_t v[2] = { 0xaaaa, 0xcccc }, reason = 0;

	s->regs.rbx = 0x1111;
	s->regs.r15 = 0x1515;
	s->sregs.cr2 = 0x2222;
	s->dr7 = 0x401;
	ck_assert_uint_eq(enable_partition(HV_PARTITION_ID_SELF, 1, 0), 0);
	ck_assert_uint_eq(enable_vp(0, 0, 0x200000), 0);
	ck_assert_uint_eq(raw(0, HVCALL_VTL_CALL, 0), HV_HCALL_NO_RESULT);
	/* VTL1 at its initial context, its own MSRs; shared registers kept. */
	ck_assert_uint_eq(s->regs.rip, 0x200000);
	ck_assert_uint_eq(s->regs.rsp, 0x9000);
	ck_assert_uint_eq(s->sregs.cr3, 0x7000);
	ck_assert_uint_eq(s->dr7, 0x400);
	ck_assert_uint_eq(hv_vsm_state_msr(s, MSR_LSTAR)->data, 0);
	ck_assert_uint_eq(s->regs.rbx, 0x1111);
	ck_assert_uint_eq(s->regs.r15, 0x1515);
	ck_assert_uint_eq(s->regs.rcx, HVCALL_VTL_CALL);
	ck_assert_uint_eq(s->sregs.cr2, 0x2222);
	/* VTL1 sets up its assist page, leaves RAX/RCX for VTL0, changes a GPR. */
	hv_vsm_state_msr(s, MSR_HV_VP_ASSIST_PAGE)->data = 0x3000 | 1;
	mem_write(NULL, 0x3000 + HV_VP_ASSIST_RET_RAX, v, sizeof(v));
	s->regs.rip = 0x200100;
	s->regs.rbx = 0x7777;
	s->sregs.cr2 = 0x3333;
	ck_assert_uint_eq(raw(0, HVCALL_VTL_RETURN, 0), HV_HCALL_NO_RESULT);
	ck_assert_uint_eq(hv_vsm_active_vtl(&vsm, 0), 0);
	ck_assert_uint_eq(s->regs.rip, 0x100000);
	ck_assert_uint_eq(s->regs.rsp, 0x80000);
	ck_assert_uint_eq(s->sregs.cr3, 0x5000);
	ck_assert_uint_eq(s->dr7, 0x401);
	ck_assert_uint_eq(hv_vsm_state_msr(s, MSR_LSTAR)->data, 0xffffffff81000000ULL);
	ck_assert_uint_eq(hv_vsm_state_msr(s, MSR_HV_VP_ASSIST_PAGE)->data, 0);
	ck_assert_uint_eq(s->regs.rax, 0xaaaa);
	ck_assert_uint_eq(s->regs.rcx, 0xcccc);
	ck_assert_uint_eq(s->regs.rbx, 0x7777);
	ck_assert_uint_eq(s->sregs.cr2, 0x3333);
	/* Second call: VTL1 resumes where it returned, told why. */
	ck_assert_uint_eq(raw(0, HVCALL_VTL_CALL, 0), HV_HCALL_NO_RESULT);
	ck_assert_uint_eq(s->regs.rip, 0x200100);
	ck_assert_uint_eq(hv_vsm_state_msr(s, MSR_HV_VP_ASSIST_PAGE)->data, 0x3001);
	mem_read(NULL, 0x3000 + HV_VP_ASSIST_ENTRY_REASON, &reason, 4);
	ck_assert_uint_eq(reason, HV_VTL_ENTRY_VTL_CALL);
	ck_assert_uint_eq(vsm.vtl_calls, 2);
	ck_assert_uint_eq(vsm.vtl_returns, 1);
}
END_TEST

START_TEST(fast_return_keeps_rax_rcx)
{
	uint64_t v[2] = { 0xaaaa, 0xcccc };

	enter_vtl1();
	hv_vsm_state_msr(&cpu[0].st, MSR_HV_VP_ASSIST_PAGE)->data = 0x3000 | 1;
	mem_write(NULL, 0x3000 + HV_VP_ASSIST_RET_RAX, v, sizeof(v));
	ck_assert_uint_eq(raw(0, HVCALL_VTL_RETURN, 1), HV_HCALL_NO_RESULT);
	ck_assert_uint_eq(hv_vsm_active_vtl(&vsm, 0), 0);
	ck_assert_uint_eq(cpu[0].st.regs.rax, 1);
	ck_assert_uint_eq(cpu[0].st.regs.rcx, HVCALL_VTL_RETURN);
	/* Reserved input bits: #UD, still in VTL1. */
	ck_assert_uint_eq(raw(0, HVCALL_VTL_CALL, 0), HV_HCALL_NO_RESULT);
	ck_assert_uint_eq(raw(0, HVCALL_VTL_RETURN, 2), HV_HCALL_NO_RESULT);
	ck_assert(ud_injected(0));
	ck_assert_uint_eq(hv_vsm_active_vtl(&vsm, 0), 1);
}
END_TEST

START_TEST(failed_load_stays)
{
	ck_assert_uint_eq(enable_partition(HV_PARTITION_ID_SELF, 1, 0), 0);
	ck_assert_uint_eq(enable_vp(0, 0, 0x200000), 0);
	cpu[0].fail_load = 1;
	ck_assert_uint_eq(raw(0, HVCALL_VTL_CALL, 0), HV_HCALL_NO_RESULT);
	ck_assert_uint_eq(hv_vsm_active_vtl(&vsm, 0), 0);
	ck_assert_uint_eq(cpu[0].st.regs.rip, 0x100000);
	ck_assert_uint_eq(cpu[0].st.regs.rax, HV_STATUS_INVALID_VTL_STATE);
	ck_assert_uint_eq(vsm.vtl_calls, 0);
}
END_TEST

START_TEST(enter_vtl1_for_intercepts)
{
	uint32_t reason = 0;

	ck_assert_int_eq(hv_vsm_enter_vtl1(&vsm, 0, HV_VTL_ENTRY_INTERRUPT), -EINVAL);
	enter_vtl1();
	hv_vsm_state_msr(&cpu[0].st, MSR_HV_VP_ASSIST_PAGE)->data = 0x4000 | 1;
	ck_assert_int_eq(hv_vsm_enter_vtl1(&vsm, 0, HV_VTL_ENTRY_INTERRUPT), -EINVAL);
	ck_assert_uint_eq(raw(0, HVCALL_VTL_RETURN, 1), HV_HCALL_NO_RESULT);
	ck_assert_int_eq(hv_vsm_enter_vtl1(&vsm, 0, HV_VTL_ENTRY_INTERRUPT), 0);
	ck_assert_uint_eq(hv_vsm_active_vtl(&vsm, 0), 1);
	mem_read(NULL, 0x4000 + HV_VP_ASSIST_ENTRY_REASON, &reason, 4);
	ck_assert_uint_eq(reason, HV_VTL_ENTRY_INTERRUPT);
	ck_assert_int_eq(hv_vsm_enter_vtl1(&vsm, 7, 1), -EINVAL);
}
END_TEST

struct regs_hdr {
	uint64_t pid;
	uint32_t vp;
	uint8_t vtl, rsvd[3];
};

#define VTL(n) (0x10 | (n))

static uint64_t last_hi; /* the second qword of the last get1 */

static uint16_t get1(uint32_t caller_vp, struct regs_hdr h, uint32_t name, uint64_t *v)
{
	uint64_t out[2] = { 0, 0 };
	unsigned int done;
	uint16_t st = rep(caller_vp, HVCALL_GET_VP_REGISTERS, &h, &name, 1, out, &done);

	*v = out[0];
	last_hi = out[1];
	return st;
}

static uint16_t set1(uint32_t caller_vp, struct regs_hdr h, uint32_t name, uint64_t v)
{
	struct { uint32_t name, r0; uint64_t r1, v[2]; } a = { name, 0, 0, { v, 0 } };
	unsigned int done;

	return rep(caller_vp, HVCALL_SET_VP_REGISTERS, &h, &a, 1, NULL, &done);
}

START_TEST(get_set_header_rules)
{
	struct regs_hdr h = { HV_PARTITION_ID_SELF, HV_VP_INDEX_SELF, 0, { 0 } };
	struct regs_hdr bad;
	uint64_t v;

	bad = h, bad.pid = 0;
	ck_assert_uint_eq(get1(0, bad, HV_REGISTER_VSM_VP_STATUS, &v), HV_STATUS_INVALID_PARTITION_ID);
	bad = h, bad.vp = NR_VPS;
	ck_assert_uint_eq(get1(0, bad, HV_REGISTER_VSM_VP_STATUS, &v), HV_STATUS_INVALID_VP_INDEX);
	bad = h, bad.vtl = VTL(1);
	ck_assert_uint_eq(get1(0, bad, HV_REGISTER_VSM_VP_STATUS, &v), HV_STATUS_ACCESS_DENIED);
	bad = h, bad.vtl = VTL(2);
	ck_assert_uint_eq(get1(0, bad, HV_REGISTER_VSM_VP_STATUS, &v), HV_STATUS_INVALID_PARAMETER);
	bad = h, bad.vtl = 0x20;
	ck_assert_uint_eq(get1(0, bad, HV_REGISTER_VSM_VP_STATUS, &v), HV_STATUS_INVALID_PARAMETER);
	bad = h, bad.rsvd[2] = 1;
	ck_assert_uint_eq(get1(0, bad, HV_REGISTER_VSM_VP_STATUS, &v), HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(get1(0, h, 0x00ab0000, &v), HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(set1(0, h, 0x00ab0000, 0), HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(get1(0, h, HV_REGISTER_VSM_VP_STATUS, &v), 0);
	ck_assert_uint_eq(v, 1ULL << 16); /* VTL0 active, VTL0 enabled */
}
END_TEST

START_TEST(get_rep_partial)
{
	struct regs_hdr h = { HV_PARTITION_ID_SELF, HV_VP_INDEX_SELF, 0, { 0 } };
	uint32_t names[3] = { HV_REGISTER_VSM_CODE_PAGE_OFFSETS, 0xdead, HV_REGISTER_VSM_VP_STATUS };
	struct { uint32_t name, r0; uint64_t r1, v[2]; } a[2] = {
		{ HV_REGISTER_VSM_VINA, 0, 0, { 0x1f0, 0 } }, { HV_REGISTER_VSM_VINA, 0, 1, { 0, 0 } },
	};
	uint64_t out[3][2];
	unsigned int done;

	memset(out, 0, sizeof(out));
	ck_assert_uint_eq(rep(0, HVCALL_GET_VP_REGISTERS, &h, names, 3, out, &done),
			  HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(done, 1);
	ck_assert_uint_eq(out[0][0], CALL_OFF | RET_OFF << 12);
	/* Set: the second element has a reserved field set; the first landed. */
	ck_assert_uint_eq(rep(0, HVCALL_SET_VP_REGISTERS, &h, a, 2, NULL, &done),
			  HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(done, 1);
	ck_assert_uint_eq(vsm.vp[0].vina[0], 0x1f0);
	ck_assert_uint_eq(set1(0, h, HV_REGISTER_VSM_VINA, 1ULL << 11), HV_STATUS_INVALID_PARAMETER);
}
END_TEST

START_TEST(vsm_registers)
{
	struct regs_hdr h = { HV_PARTITION_ID_SELF, HV_VP_INDEX_SELF, 0, { 0 } };
	uint64_t v;

	ck_assert_uint_eq(get1(0, h, HV_REGISTER_VSM_CAPABILITIES, &v), 0);
	ck_assert_uint_eq(v & 0x1ffff, 1); /* Dr6Shared, no MBEC */
	ck_assert_uint_eq(set1(0, h, HV_REGISTER_VSM_CAPABILITIES, 0), HV_STATUS_ACCESS_DENIED);
	ck_assert_uint_eq(get1(0, h, HV_REGISTER_VSM_PARTITION_CONFIG, &v), HV_STATUS_ACCESS_DENIED);
	enter_vtl1();
	ck_assert_uint_eq(get1(0, h, HV_REGISTER_VSM_PARTITION_STATUS, &v), 0);
	ck_assert_uint_eq(v, 3 | 1ULL << 16);
	ck_assert_uint_eq(get1(0, h, HV_REGISTER_VSM_VP_STATUS, &v), 0);
	ck_assert_uint_eq(v, 1 | 3ULL << 16);
	ck_assert_uint_eq(set1(0, h, HV_REGISTER_VSM_PARTITION_CONFIG, 1 | 0xf << 1), 0);
	ck_assert_uint_eq(get1(0, h, HV_REGISTER_VSM_PARTITION_CONFIG, &v), 0);
	ck_assert_uint_eq(v, 0x1f);
	ck_assert_uint_eq(set1(0, h, HV_REGISTER_VSM_PARTITION_CONFIG, 1 | 1 << 1),
			  HV_STATUS_INVALID_PARAMETER); /* default mask R only */
	ck_assert_uint_eq(set1(0, h, HV_REGISTER_VSM_PARTITION_CONFIG, 1 << 7),
			  HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(set1(0, h, HV_REGISTER_VSM_VP_SECURE_CONFIG_VTL0, 1),
			  HV_STATUS_INVALID_PARAMETER); /* MBEC */
	ck_assert_uint_eq(set1(0, h, HV_REGISTER_VSM_VP_SECURE_CONFIG_VTL0, 2), 0);
	h.vtl = VTL(0);
	ck_assert_uint_eq(get1(0, h, HV_REGISTER_VSM_VP_SECURE_CONFIG_VTL0, &v),
			  HV_STATUS_ACCESS_DENIED);
}
END_TEST

START_TEST(x64_registers_of_vtls)
{
	struct regs_hdr h = { HV_PARTITION_ID_SELF, HV_VP_INDEX_SELF, VTL(0), { 0 } };
	uint64_t v;

	/* VTL0's own running registers: read and written live. */
	ck_assert_uint_eq(get1(0, h, HV_X64_REGISTER_CR3, &v), 0);
	ck_assert_uint_eq(v, 0x5000);
	ck_assert_uint_eq(set1(0, h, HV_X64_REGISTER_SYSENTER_ESP, 0x5ee0), 0);
	ck_assert_uint_eq(hv_vsm_state_msr(&cpu[0].st, 0x175)->data, 0x5ee0);
	/* KVM refusing the live load: the old state goes back, a status says so. */
	cpu[0].fail_load = 1;
	ck_assert_uint_eq(set1(0, h, HV_X64_REGISTER_SYSENTER_ESP, 0x1234),
			  HV_STATUS_INVALID_REGISTER_VALUE);
	ck_assert_uint_eq(hv_vsm_state_msr(&cpu[0].st, 0x175)->data, 0x5ee0);
	enter_vtl1();
	ck_assert_uint_eq(get1(0, h, HV_X64_REGISTER_RIP, &v), 0);
	ck_assert_uint_eq(v, 0x100000);
	ck_assert_uint_eq(get1(0, h, HV_X64_REGISTER_CR3, &v), 0);
	ck_assert_uint_eq(v, 0x5000);
	ck_assert_uint_eq(get1(0, h, HV_X64_REGISTER_LSTAR, &v), 0);
	ck_assert_uint_eq(v, 0xffffffff81000000ULL);
	ck_assert_uint_eq(get1(0, h, HV_X64_REGISTER_ES + 1, &v), 0); /* CS */
	ck_assert_uint_eq(v, 0); /* base */
	ck_assert_uint_eq(last_hi, 0xffffffffULL | 0x10ULL << 32 | 0xa09bULL << 48);
	ck_assert_uint_eq(set1(0, h, HV_X64_REGISTER_RIP, 0x100004), 0);
	ck_assert_uint_eq(set1(0, h, HV_X64_REGISTER_RIP, 0x800000000000ULL),
			  HV_STATUS_INVALID_REGISTER_VALUE);
	ck_assert_uint_eq(set1(0, h, HV_X64_REGISTER_CR0, 1ULL << 40),
			  HV_STATUS_INVALID_REGISTER_VALUE);
	ck_assert_uint_eq(set1(0, h, HV_X64_REGISTER_LSTAR, 0x1234), 0);
	/* VTL1's own live registers, and VP 1's running VTL0. */
	h.vtl = VTL(1);
	ck_assert_uint_eq(get1(0, h, HV_X64_REGISTER_CR3, &v), 0);
	ck_assert_uint_eq(v, 0x7000);
	h.vtl = VTL(0);
	h.vp = 1;
	ck_assert_uint_eq(get1(0, h, HV_X64_REGISTER_RIP, &v), HV_STATUS_INVALID_VP_STATE);
	h.vtl = VTL(1);
	ck_assert_uint_eq(get1(0, h, HV_X64_REGISTER_RIP, &v), HV_STATUS_INVALID_VTL_STATE);
	ck_assert_uint_eq(raw(0, HVCALL_VTL_RETURN, 1), HV_HCALL_NO_RESULT);
	ck_assert_uint_eq(cpu[0].st.regs.rip, 0x100004);
	ck_assert_uint_eq(hv_vsm_state_msr(&cpu[0].st, MSR_LSTAR)->data, 0x1234);
}
END_TEST

struct start_in {
	uint64_t pid;
	uint32_t vp;
	uint8_t vtl, rsvd[3];
	struct hv_initial_vp_context ctx;
};

static uint16_t start_vp(uint32_t caller_vp, uint32_t vp, uint8_t vtl)
{
	struct start_in in = { HV_PARTITION_ID_SELF, vp, vtl, { 0 }, ctx64(0x400000, 0xa000, 0x6000) };

	return simple(caller_vp, HVCALL_START_VIRTUAL_PROCESSOR, &in, sizeof(in));
}

START_TEST(start_virtual_processor)
{
	ck_assert_uint_eq(start_vp(0, 0, 0), HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(start_vp(0, 5, 0), HV_STATUS_INVALID_VP_INDEX);
	ck_assert_uint_eq(start_vp(0, 1, 1), HV_STATUS_ACCESS_DENIED);
	ck_assert_uint_eq(start_vp(0, 1, 0), 0);
	ck_assert_uint_eq(__atomic_load_n(&cpu[1].kicks, __ATOMIC_RELAXED), 1);
	ck_assert_uint_eq(cpu[1].runnable, 0);
	ck_assert_uint_eq(start_vp(0, 1, 0), HV_STATUS_INVALID_VP_STATE);
	/* The target's thread applies it before its next KVM_RUN. */
	ck_assert_int_eq(hv_vsm_vcpu_pending(&vsm, 1), 0);
	ck_assert_uint_eq(cpu[1].runnable, 1);
	ck_assert_uint_eq(cpu[1].st.regs.rip, 0x400000);
	ck_assert_uint_eq(cpu[1].st.sregs.cr3, 0x6000);
	ck_assert_uint_eq(hv_vsm_state_msr(&cpu[1].st, MSR_LSTAR)->data, 0);
	ck_assert_int_eq(hv_vsm_vcpu_pending(&vsm, 1), 0);
	ck_assert_uint_eq(cpu[1].runnable, 1);
}
END_TEST

START_TEST(start_vp_deny_lower_vtl)
{
	struct regs_hdr h = { HV_PARTITION_ID_SELF, HV_VP_INDEX_SELF, 0, { 0 } };

	enter_vtl1();
	ck_assert_uint_eq(set1(0, h, HV_REGISTER_VSM_PARTITION_CONFIG, 1 << 6), 0);
	ck_assert_uint_eq(start_vp(0, 1, 1), HV_STATUS_INVALID_VP_STATE); /* no VTL1 on VP 1 */
	ck_assert_uint_eq(raw(0, HVCALL_VTL_RETURN, 1), HV_HCALL_NO_RESULT);
	ck_assert_uint_eq(start_vp(0, 1, 0), HV_STATUS_ACCESS_DENIED);
	ck_assert_uint_eq(raw(0, HVCALL_VTL_CALL, 0), HV_HCALL_NO_RESULT);
	ck_assert_uint_eq(enable_vp(0, 1, 0x300000), 0);
	ck_assert_uint_eq(start_vp(0, 1, 1), 0);
	ck_assert_int_eq(hv_vsm_vcpu_pending(&vsm, 1), 0);
	ck_assert_uint_eq(hv_vsm_active_vtl(&vsm, 1), 1);
	ck_assert_uint_eq(cpu[1].st.regs.rip, 0x400000);
}
END_TEST

START_TEST(vp_index_from_apic_id)
{
	struct { uint64_t pid; uint8_t vtl, rsvd[7]; } h = { HV_PARTITION_ID_SELF, 0, { 0 } };
	uint32_t ids[2] = { 1, 0 }, out[2] = { 9, 9 };
	unsigned int done;

	ck_assert_uint_eq(rep(0, HVCALL_GET_VP_INDEX_FROM_APIC_ID, &h, ids, 2, out, &done), 0);
	ck_assert_uint_eq(out[0], 1);
	ck_assert_uint_eq(out[1], 0);
	ids[1] = 64;
	ck_assert_uint_eq(rep(0, HVCALL_GET_VP_INDEX_FROM_APIC_ID, &h, ids, 2, out, &done),
			  HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(done, 1);
	h.vtl = 1;
	ck_assert_uint_eq(rep(0, HVCALL_GET_VP_INDEX_FROM_APIC_ID, &h, ids, 1, out, &done),
			  HV_STATUS_ACCESS_DENIED);
	h.vtl = 0;
	h.rsvd[6] = 1;
	ck_assert_uint_eq(rep(0, HVCALL_GET_VP_INDEX_FROM_APIC_ID, &h, ids, 1, out, &done),
			  HV_STATUS_INVALID_PARAMETER);
}
END_TEST

START_TEST(paging_regs_live_and_saved)
{
	uint64_t cr0, cr3, cr4, efer;

	ck_assert_int_eq(hv_vsm_paging_regs(&vsm, 0, 1, &cr0, &cr3, &cr4, &efer), -EINVAL);
	ck_assert_int_eq(hv_vsm_paging_regs(&vsm, 0, 0, &cr0, &cr3, &cr4, &efer), 0);
	ck_assert_uint_eq(cr3, 0x5000);
	enter_vtl1();
	ck_assert_int_eq(hv_vsm_paging_regs(&vsm, 0, 0, &cr0, &cr3, &cr4, &efer), 0);
	ck_assert_uint_eq(cr3, 0x5000);
	ck_assert_int_eq(hv_vsm_paging_regs(&vsm, 0, 1, &cr0, &cr3, &cr4, &efer), 0);
	ck_assert_uint_eq(cr3, 0x7000);
	ck_assert_uint_eq(efer, 0xd01);
}
END_TEST

START_TEST(return_reraises_vmbus_sint)
{
	enter_vtl1();
	ck_assert_uint_eq(raw(0, HVCALL_VTL_RETURN, 1), HV_HCALL_NO_RESULT);
	ck_assert_uint_eq(cpu[0].sints[2], 0); /* VTL0 SynIC off */
	hv_vsm_state_msr(&cpu[0].st, MSR_HV_SCONTROL)->data = 1;
	ck_assert_uint_eq(raw(0, HVCALL_VTL_CALL, 0), HV_HCALL_NO_RESULT);
	ck_assert_uint_eq(hv_vsm_state_msr(&cpu[0].st, MSR_HV_SCONTROL)->data, 0);
	ck_assert_ptr_nonnull(hv_vsm_synic_exit_target(&vsm, 0));
	ck_assert_uint_eq(raw(0, HVCALL_VTL_RETURN, 1), HV_HCALL_NO_RESULT);
	ck_assert_uint_eq(cpu[0].sints[2], 1);
	ck_assert_ptr_null(hv_vsm_synic_exit_target(&vsm, 0));
}
END_TEST

static int stub_event_fd(void *opaque, uint32_t conn_id, int fd)
{
	(void)opaque;
	(void)conn_id;
	(void)fd;
	return 0;
}

/* A SynIC MSR exit of `vcpu` as KVM reports it (SIMP written). */
static void synic_exit(struct vcpu *v, uint64_t simp)
{
	v->run->exit_reason = KVM_EXIT_HYPERV;
	v->run->hyperv.type = KVM_EXIT_HYPERV_SYNIC;
	v->run->hyperv.u.synic.msr = 0x40000083; /* SIMP */
	v->run->hyperv.u.synic.control = 1;
	v->run->hyperv.u.synic.msg_page = simp;
	v->run->hyperv.u.synic.evt_page = 0;
	ck_assert_int_eq(hyperv_handle_exit(v), 0);
}

/*
 * hyperv.c's SynIC exits with --vsm: VTL1's SIMP must not replace VTL0's
 * in hv->vp[] (where VMBus posts), and VTL1's new page is cleared too.
 */
START_TEST(synic_exits_follow_the_vtl)
{
	static const struct hyperv_kvm_ops kops = { stub_event_fd, NULL };
	static struct hyperv hv;
	static struct vm vm;
	struct kvm_run run;
	struct vcpu v = { .vm = &vm, .id = 0, .run = &run };
	struct hv_vsm_synic s1;
	uint8_t junk = 0xaa, b = 0;

	memset(&vm, 0, sizeof(vm));
	memset(&run, 0, sizeof(run));
	vm.ncpus = NR_VPS;
	vm.sys_fd = vm.vm_fd = -1;
	ck_assert_int_eq(gmem_init(&vm.mem, RAM_MIN), 0);
	ck_assert_int_eq(hyperv_init_stub(&vm, &hv, &kops), 0);
	vm.hv = &hv;
	hyperv_set_vsm(&hv, &vsm, hv_vsm_active_vtl);
	synic_exit(&v, 0x5001);
	ck_assert_uint_eq(hv.vp[0].simp, 0x5001);
	enter_vtl1();
	gmem_write(&vm.mem, 0x7010, &junk, 1);
	synic_exit(&v, 0x7001);
	ck_assert_uint_eq(hv.vp[0].simp, 0x5001);
	ck_assert_int_eq(hv_vsm_vtl1_synic(&vsm, 0, &s1), 0);
	ck_assert_uint_eq(s1.simp, 0x7001);
	ck_assert_uint_eq(s1.scontrol, 1);
	gmem_read(&vm.mem, 0x7010, &b, 1);
	ck_assert_uint_eq(b, 0);
	ck_assert_uint_eq(raw(0, HVCALL_VTL_RETURN, 1), HV_HCALL_NO_RESULT);
	synic_exit(&v, 0x8001);
	ck_assert_uint_eq(hv.vp[0].simp, 0x8001);
	ck_assert_int_eq(hv_vsm_vtl1_synic(&vsm, 0, &s1), 0);
	ck_assert_uint_eq(s1.simp, 0x7001);
	hyperv_destroy(&hv);
	gmem_free(&vm.mem);
}
END_TEST

/*
 * VP 1's "vCPU thread" waits in its pending hook and reads VP 0's
 * registers while VP 0 switches VTLs back and forth and then starts VP 1:
 * the lock and the atomics keep it race-free (run under TSan too).
 */
static void *vp1_thread(void *arg)
{
	struct regs_hdr h = { HV_PARTITION_ID_SELF, 0, VTL(0), { 0 } };
	uint32_t name = HV_X64_REGISTER_RIP;
	uint64_t out[2];
	unsigned int i, done;
	uint16_t st;

	(void)arg;
	for (i = 0; i < 200000 && !cpu[1].runnable; i++) {
		hv_vsm_vcpu_pending(&vsm, 1);
		st = rep(1, HVCALL_GET_VP_REGISTERS, &h, &name, 1, out, &done);
		/* VP 0's VTL0 is saved (0x100000) or running (refused). */
		if (st == 0 && out[0] != 0x100000)
			return (void *)1;
		if (st != 0 && st != HV_STATUS_INVALID_VP_STATE)
			return (void *)2;
	}
	return cpu[1].runnable == 1 && cpu[1].st.regs.rip == 0x400000 ? NULL : (void *)3;
}

START_TEST(threads_switch_and_start)
{
	pthread_t t;
	void *ret;
	int i;

	enter_vtl1();
	ck_assert_int_eq(pthread_create(&t, NULL, vp1_thread, NULL), 0);
	for (i = 0; i < 300; i++) {
		ck_assert_uint_eq(raw(0, HVCALL_VTL_RETURN, 1), HV_HCALL_NO_RESULT);
		ck_assert_uint_eq(raw(0, HVCALL_VTL_CALL, 0), HV_HCALL_NO_RESULT);
	}
	ck_assert_uint_eq(start_vp(0, 1, 0), 0);
	ck_assert_int_eq(pthread_join(t, &ret), 0);
	ck_assert_ptr_null(ret);
	ck_assert_uint_eq(hv_vsm_active_vtl(&vsm, 0), 1);
}
END_TEST

static Suite *vsm_suite(void)
{
	Suite *s = suite_create("hv_vsm");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, vtl_call_before_enable_is_ud);
	tcase_add_test(tc, enable_partition_rules);
	tcase_add_test(tc, enable_vp_rules);
	tcase_add_test(tc, vtl_return_from_vtl0_is_ud);
	tcase_add_test(tc, vtl_call_from_vtl1_is_ud);
	tcase_add_test(tc, vtl_call_bad_caller_is_ud);
	tcase_add_test(tc, switch_round_trip);
	tcase_add_test(tc, fast_return_keeps_rax_rcx);
	tcase_add_test(tc, failed_load_stays);
	tcase_add_test(tc, enter_vtl1_for_intercepts);
	tcase_add_test(tc, get_set_header_rules);
	tcase_add_test(tc, get_rep_partial);
	tcase_add_test(tc, vsm_registers);
	tcase_add_test(tc, x64_registers_of_vtls);
	tcase_add_test(tc, start_virtual_processor);
	tcase_add_test(tc, start_vp_deny_lower_vtl);
	tcase_add_test(tc, vp_index_from_apic_id);
	tcase_add_test(tc, paging_regs_live_and_saved);
	tcase_add_test(tc, return_reraises_vmbus_sint);
	tcase_add_test(tc, threads_switch_and_start);
	tcase_add_test(tc, synic_exits_follow_the_vtl);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(vsm_suite)
