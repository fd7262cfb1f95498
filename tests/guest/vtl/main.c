// SPDX-License-Identifier: MIT
/*
 * The VTL test guest's VTL0 boot code (docs/vtl-guest.md): discovers VSM,
 * checks the VSM registers, enables VTL1 for the partition and for each
 * VP (HvCallEnableVpVtl with VTL1's own initial context), checks the
 * calls VTL0 may not make, has VTL1 enable VTL1 on the second VP and
 * starts it with HvCallStartVirtualProcessor (no INIT/SIPI), runs the
 * per-VP checks
 * (vtl0.c, vtl1.c) on both VPs at once, prints the verdict and powers
 * off. Every wait is bounded, so a broken host costs FAIL lines, not a
 * hang.
 *
 * Command line: cpus=N (default 1; 2 runs the second VP too, match --cpus).
 */
#include "vtl.h"

#define VP1_START_MS 5000
#define VP1_DONE_MS 40000

static volatile int vp1_alive, vp1_go, vp1_done;

bool guest_trap(struct trap_frame *f)
{
	/* vtl_return_probe(): the #UD the TLFS prescribes is the expected result. */
	if (f->vector == 6 && probe_fixup_rip) {
		f->rip = probe_fixup_rip;
		f->rsp = probe_fixup_rsp;
		return true;
	}
	/* Do not wait for a console lock the faulting CPU may hold. */
	con_puts_nolock("VTL-CHECK exception FAIL vtl=");
	con_puthex_nolock(f->cs == VTL1_SEL_CODE);
	con_puts_nolock(" vp=");
	con_puthex_nolock(rdmsr(HV_MSR_VP_INDEX));
	con_puts_nolock(" ");
	trap_print(f);
	con_puts_nolock("\nVTL-RESULT fail exception\n");
	return false;
}

static __attribute__((noreturn)) void finish(void)
{
	print_result();
	poweroff();
}

static uint64_t vsm_reg(uint32_t name, uint64_t *rax)
{
	return hvc_vsm_reg(vtl0_hcall_page, &vtl0_io[0], name, rax);
}

/* --vsm off: the privilege is not offered and the calls are refused. */
static __attribute__((noreturn)) void vsm_off(uint32_t ebx)
{
	uint64_t rax;

	info("", "vsm_off", "cpuid_40000003_ebx", ebx);
	check1("", "vsm_off.not_offered", !(ebx & HV_ACCESS_VSM), "ebx", ebx);
	rax = hvc_enable_partition_vtl(vtl0_hcall_page, &vtl0_io[0], 1);
	check1("", "vsm_off.enable_partition_vtl_refused", HV_RESULT_STATUS(rax) != 0, "status",
	       HV_RESULT_STATUS(rax));
	if (checks_failed())
		finish();
	con_puts("VTL-RESULT skip\n");
	poweroff();
}

/* VSM registers before anything is enabled; *off: HvRegisterVsmCodePageOffsets. */
static bool discovery(uint64_t *off)
{
	uint64_t rax, v;
	struct check c;

	v = vsm_reg(HV_REGISTER_VSM_PARTITION_STATUS, &rax);
	check_begin(&c, "", "partition_status");
	check_eq(&c, "status", HV_RESULT_STATUS(rax), 0);
	check_eq(&c, "enabled_vtl_set", VSM_PST_ENABLED(v), 0x1);
	check_eq(&c, "maximum_vtl", VSM_PST_MAX_VTL(v), 1);
	check_end(&c);

	v = vsm_reg(HV_REGISTER_VSM_VP_STATUS, &rax);
	check_begin(&c, "", "vp_status");
	check_eq(&c, "status", HV_RESULT_STATUS(rax), 0);
	check_eq(&c, "active_vtl", VSM_VPS_ACTIVE(v), 0);
	check_eq(&c, "enabled_vtl_set", VSM_VPS_ENABLED(v), 0x1);
	check_end(&c);

	v = vsm_reg(HV_REGISTER_VSM_CAPABILITIES, &rax);
	check1_eq("", "capabilities", "status", HV_RESULT_STATUS(rax), 0);
	info("", "capabilities", "value", v);

	v = vsm_reg(HV_REGISTER_VSM_CODE_PAGE_OFFSETS, &rax);
	check_begin(&c, "", "code_page_offsets");
	check_eq(&c, "status", HV_RESULT_STATUS(rax), 0);
	check_that(&c, "call_ne_return", VSM_CPO_CALL(v) != VSM_CPO_RETURN(v), v);
	info("", "code_page_offsets", "value", v);
	*off = v;
	return check_end(&c);
}

/* Enable VTL1 for the partition and VP0, and the calls VTL0 may not make. */
static bool enable(uint64_t vtl1_cr3, uint64_t ret_off)
{
	struct hv_vp_context ctx;
	struct hv_io *io = &vtl0_io[0];
	uint32_t name = HV_X64_REGISTER_RIP;
	uint64_t rax, v;
	struct check c;
	bool ok;

	rax = hvc_enable_partition_vtl(vtl0_hcall_page, io, 1);
	ok = check1_eq("", "enable_partition_vtl", "status", HV_RESULT_STATUS(rax), 0);
	v = vsm_reg(HV_REGISTER_VSM_PARTITION_STATUS, &rax);
	check1_eq("", "partition_status_after", "enabled_vtl_set", VSM_PST_ENABLED(v), 0x3);

	vtl1_context(&ctx, 0, vtl1_cr3);
	rax = hvc_enable_vp_vtl(vtl0_hcall_page, io, 0, 1, &ctx);
	ok = check1_eq("", "enable_vp_vtl", "status", HV_RESULT_STATUS(rax), 0) && ok;
	v = vsm_reg(HV_REGISTER_VSM_VP_STATUS, &rax);
	check_begin(&c, "", "vp_status_after");
	check_eq(&c, "status", HV_RESULT_STATUS(rax), 0);
	check_eq(&c, "active_vtl", VSM_VPS_ACTIVE(v), 0);
	check_eq(&c, "enabled_vtl_set", VSM_VPS_ENABLED(v), 0x3);
	check_end(&c);

	/* TLFS HvCallEnableVpVtl: "will fail ... a VTL that is already enabled". */
	rax = hvc_enable_vp_vtl(vtl0_hcall_page, io, 0, 1, &ctx);
	check1_eq("", "enable_vp_vtl_twice", "status", HV_RESULT_STATUS(rax),
		  HV_STATUS_VTL_ALREADY_ENABLED);

	/* VTL0 has no lower VTL to return to: #UD (OpenVMM hv1_hypercall
	 * HvVtlReturn) or at least a failure, never a switch. */
	v = vtl_return_probe(vtl0_hcall_page + ret_off);
	info("", "vtl_return_from_vtl0", "rax", v);
	check1("", "vtl_return_from_vtl0_fails", v == PROBE_UD || HV_RESULT_STATUS(v) != 0, "rax",
	       v);

	/* "A VTL can only place protections on a lower VTL." */
	rax = hvc_protect(vtl0_hcall_page, io, HV_INPUT_VTL_CURRENT, HV_MAP_GPA_READABLE,
			  (uintptr_t)vps[0].prot_page >> 12);
	check1("", "protect_from_vtl0_refused", HV_RESULT_STATUS(rax) != 0, "status",
	       HV_RESULT_STATUS(rax));

	rax = hvc_get_regs(vtl0_hcall_page, io, HV_VP_INDEX_SELF, HV_INPUT_VTL(1), &name, 1, &v);
	check1("", "get_vtl1_registers_from_vtl0_refused", HV_RESULT_STATUS(rax) != 0, "status",
	       HV_RESULT_STATUS(rax));
	return ok;
}

/*
 * VP1: VTL1 enabled with its own context by VP0's VTL1 (VTL0 may not any
 * more, now that VP0 runs VTL1), then started in VTL0 by VTL0.
 */
static bool start_vp1(uint64_t vtl1_cr3)
{
	static struct hv_vp_context ctx1;
	struct hv_vp_context ctx;
	struct call_rec rec;
	uint64_t rax;
	bool ran;

	vtl1_context(&ctx1, 1, vtl1_cr3);
	rax = hvc_enable_vp_vtl(vtl0_hcall_page, &vtl0_io[0], 1, 1, &ctx1);
	check1("", "enable_vp_vtl_vp1_from_vtl0_refused", HV_RESULT_STATUS(rax) != 0, "status",
	       HV_RESULT_STATUS(rax));

	vps[0].enable_vp = 1;
	vps[0].enable_ctx = &ctx1;
	vps[0].enable_rax = ~0ULL;
	ran = vtl_call(0, CMD_ENABLE_VP, &rec);
	check_normal_return(0, "enable_vp1_round_trip", ran, &rec, 4);
	if (HV_RESULT_STATUS(vps[0].enable_rax))
		return false; /* VTL1 reported it */

	vtl0_context(&ctx, 1);
	rax = hvc_start_vp(vtl0_hcall_page, &vtl0_io[0], 1, 0, &ctx);
	if (!check1_eq("", "start_virtual_processor_vp1", "status", HV_RESULT_STATUS(rax), 0))
		return false;
	return check1("", "vp1_running", spin_wait(flag_set, (void *)&vp1_alive, VP1_START_MS),
		      "waited_ms", VP1_START_MS);
}

void vp1_main(void)
{
	vtl0_cpu_setup(1);
	check1_eq("vp1.", "vp_index", "vp_index", rdmsr(HV_MSR_VP_INDEX), 1);
	WR_ONCE(vp1_alive, 1);
	if (spin_wait(flag_set, (void *)&vp1_go, VP1_START_MS) && vtl0_vp_init(1))
		vtl0_run_vp(1);
	WR_ONCE(vp1_done, 1);
	for (;;)
		__asm__ volatile("cli; hlt");
}

void guest_main(void)
{
	uint64_t cpus = cmdline_u64("cpus", 1), boot_cr3 = read_cr3(), off;
	uint32_t a, b, c, d;
	unsigned int i;
	bool vp1 = false;

	if (cpus < 1 || cpus > NR_VPS)
		cpus = cpus < 1 ? 1 : NR_VPS;
	con_puts("VTL-INFO start");
	con_kv("cpus", cpus);
	con_puts("\n");
	if (!check1("", "hyperv_present", hv_detect(), "cpuid_40000000", 0))
		finish();
	hv_hypercall_enable(vtl0_hcall_page);
	hv_clock_start();
	cpuid(HV_CPUID_FEATURES, &a, &b, &c, &d);
	if (!(b & HV_ACCESS_VSM))
		vsm_off(b);
	info("", "cpuid_40000003", "eax", a);
	info("", "cpuid_40000003", "ebx", b);
	check1("", "vsm_offered", (b & HV_ACCESS_VP_REGISTERS) != 0, "ebx", b);

	vtl0_cpu_setup(0);
	if (!discovery(&off))
		finish();
	for (i = 0; i < NR_VPS; i++)
		vps[i].vtl0_call_target = vtl0_hcall_page + VSM_CPO_CALL(off);
	if (!enable(boot_cr3, VSM_CPO_RETURN(off)))
		finish();
	if (!vtl0_vp_init(0))
		finish();
	if (cpus > 1)
		vp1 = start_vp1(boot_cr3);
	if (vp1)
		WR_ONCE(vp1_go, 1);
	vtl0_run_vp(0);
	if (vp1)
		check1("", "vp1_done", spin_wait(flag_set, (void *)&vp1_done, VP1_DONE_MS),
		       "waited_ms", VP1_DONE_MS);
	finish();
}
