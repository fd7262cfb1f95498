// SPDX-License-Identifier: MIT
/*
 * Guest panics: the crash MSRs are advertised, the report shows the
 * crash parameters and the console tail, and the run gets its own exit
 * status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console_tail.h"
#include "cpuid.h"
#include "hv_crash.h"
#include "hyperv.h"
#include "unit.h"
#include "vm.h"

static void feed(const char *s)
{
	while (*s)
		console_tail_put((uint8_t)*s++);
}

static char out[CONSOLE_TAIL_SIZE + 2];

START_TEST(exit_status_distinct)
{
	static const enum vm_stop_reason r[] = {
		VM_RUNNING, VM_STOP_POWEROFF, VM_STOP_REBOOT, VM_STOP_FAULT,
		VM_STOP_TIMEOUT, VM_STOP_ERROR, VM_STOP_SIGNAL, VM_STOP_PANIC,
	};
	unsigned int i, j;

	ck_assert_int_eq(vm_exit_status(VM_STOP_PANIC), HVMM_EXIT_GUEST_PANIC);
	ck_assert_int_eq(HVMM_EXIT_GUEST_PANIC, 7);
	ck_assert_int_eq(vm_exit_status(VM_STOP_FAULT), 4);
	ck_assert_int_eq(vm_exit_status(VM_STOP_POWEROFF), 0);
	ck_assert_int_eq(vm_exit_status(VM_STOP_REBOOT), 3);
	ck_assert_int_eq(vm_exit_status(VM_STOP_TIMEOUT), 5);
	ck_assert_int_eq(vm_exit_status(VM_STOP_SIGNAL), 6);
	ck_assert_int_eq(vm_exit_status(VM_STOP_ERROR), 1);
	ck_assert_int_eq(vm_exit_status(VM_RUNNING), 2);
	/* Every stop reason has its own status: a panic is never a "fault". */
	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		for (j = i + 1; j < sizeof(r) / sizeof(r[0]); j++)
			ck_assert_int_ne(vm_exit_status(r[i]), vm_exit_status(r[j]));
}
END_TEST

START_TEST(tail_last_lines)
{
	console_tail_reset();
	ck_assert_uint_eq(console_tail_lines(out, sizeof(out), 5), 0);
	ck_assert_str_eq(out, "");
	feed("one\r\ntwo\r\nthree\r\n");
	ck_assert_uint_eq(console_tail_lines(out, sizeof(out), 2), 2);
	ck_assert_str_eq(out, "two\nthree\n");
	ck_assert_uint_eq(console_tail_lines(out, sizeof(out), 9), 3);
	ck_assert_str_eq(out, "one\ntwo\nthree\n");
	ck_assert_uint_eq(console_tail_lines(out, sizeof(out), 0), 0);
	ck_assert_str_eq(out, "");
	/* An unfinished last line is kept; empty lines count; control bytes shown. */
	feed("\nKernel panic - not \x1b[0msyncing");
	ck_assert_uint_eq(console_tail_lines(out, sizeof(out), 3), 3);
	ck_assert_str_eq(out, "three\n\nKernel panic - not ?[0msyncing\n");
	/* A small buffer truncates but stays a terminated string. */
	ck_assert_uint_eq(console_tail_lines(out, 8, 1), 1);
	ck_assert_str_eq(out, "Kernel\n");
}
END_TEST

START_TEST(tail_wraps)
{
	char line[64];
	unsigned int i, n;

	console_tail_reset();
	/* 3000 lines of 10 bytes: far more than the ring holds. */
	for (i = 0; i < 3000; i++) {
		snprintf(line, sizeof(line), "line %04u\n", i);
		feed(line);
	}
	n = console_tail_lines(out, sizeof(out), 3);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(out, "line 2997\nline 2998\nline 2999\n");
	/* Asking for everything never shows the line the ring cut in half. */
	n = console_tail_lines(out, sizeof(out), 100000);
	ck_assert_uint_eq(n, CONSOLE_TAIL_SIZE / 10);
	ck_assert_int_eq(strncmp(out, "line ", 5), 0);
	ck_assert_uint_eq(strlen(out), n * 10);
}
END_TEST

START_TEST(crash_report_text)
{
	static const uint64_t p[HV_CRASH_NPARAMS] = {
		0, 0x8100000006010000ULL, 0xffffffff8109abcdULL, 0x2a, 0xffffc90000013e48ULL,
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	console_tail_reset();
	feed("HVMM-GUEST: panic\r\n[   12.3] Kernel panic - not syncing: sysrq triggered crash\r\n");
	f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	hv_crash_print(f, 1, p);
	hv_crash_print(f, 0, NULL);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "vcpu1: the guest panicked"));
	ck_assert_ptr_nonnull(strstr(buf, "P0=0x0 P1=0x8100000006010000 P2=0xffffffff8109abcd "
				     "P3=0x2a P4=0xffffc90000013e48\n"));
	ck_assert_ptr_nonnull(strstr(buf, "last 2 line(s):\nhvmm: console| HVMM-GUEST: panic\n"
				     "hvmm: console| [   12.3] Kernel panic - not syncing: "
				     "sysrq triggered crash\n"));
	ck_assert_ptr_nonnull(strstr(buf, "parameters: unavailable"));
	free(buf);
}
END_TEST

/*
 * A long panic dump (stale "?" frames vary from boot to boot) must not
 * push the panic's headline out of the report: with 50 lines, one CI run
 * printed only the stack dump.
 */
START_TEST(crash_report_long_dump)
{
	char *buf = NULL;
	size_t len = 0;
	unsigned int i;
	FILE *f;

	console_tail_reset();
	for (i = 0; i < 200; i++)  /* earlier boot messages */
		feed("[    0.5] an earlier kernel message that fills the tail up\r\n");
	feed("[    6.0] Kernel panic - not syncing: sysrq triggered crash\r\n");
	for (i = 0; i < 70; i++)
		feed("[    6.1]  ? exit_to_user_mode_prepare+0x44/0x240\r\n");
	feed("[    6.4] Code: 40 00 48 c7 c2 e0 ff ff ff f7 d8 64 89 02 48 c7 c0 ff ff ff ff eb b7 "
	     "0f 1f 00 80 3d e8 85 16 00 00 74 17 b8 01 00 00 00 0f 05 <48> 3d 00 f0 ff ff 77 58 "
	     "c3 0f 1f 80 00 00 00 00 48 83 ec 28 48 89\r\n[    6.4]  </TASK>\r\n");
	f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	hv_crash_print(f, 0, NULL);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "hvmm: console| [    6.0] Kernel panic - not syncing: "
				     "sysrq triggered crash\n"));
	ck_assert_ptr_nonnull(strstr(buf, "hvmm: console| [    6.4]  </TASK>\n"));
	free(buf);
}
END_TEST

/* KVM's Hyper-V CPUID, as KVM_GET_SUPPORTED_HV_CPUID might give it. */
static struct kvm_cpuid2 *hv_leaves(uint32_t features_edx)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 2 * sizeof(c->entries[0]));

	ck_assert_ptr_nonnull(c);
	c->nent = 2;
	c->entries[0] = (struct kvm_cpuid_entry2){ .function = 0x40000001, .eax = 0x31237648 };
	c->entries[1] = (struct kvm_cpuid_entry2){ .function = 0x40000003, .eax = 0xffffffff,
						   .ebx = 0xffffffff, .edx = features_edx };
	return c;
}

static uint32_t guest_features_edx(uint32_t kvm_edx)
{
	static struct hyperv hv;
	struct kvm_cpuid2 *base = calloc(1, sizeof(*base) + sizeof(base->entries[0]));
	struct kvm_cpuid2 *c;
	struct kvm_cpuid_entry2 *e;
	uint32_t edx;

	ck_assert_ptr_nonnull(base);
	base->nent = 1;
	base->entries[0] = (struct kvm_cpuid_entry2){ .function = 0, .eax = 0xd };
	memset(&hv, 0, sizeof(hv));
	hv.hv_cpuid = hv_leaves(kvm_edx);
	c = hyperv_cpuid(&hv, base);
	ck_assert_ptr_nonnull(c);
	e = cpuid_find(c, 0x40000003, 0);
	ck_assert_ptr_nonnull(e);
	edx = e->edx;
	free(c);
	free(hv.hv_cpuid);
	return edx;
}

/* CPUID 0x40000003 EDX bit 10: GuestCrashMsrsAvailable, when KVM has them. */
START_TEST(crash_msrs_advertised)
{
	ck_assert_uint_eq(guest_features_edx(0xffffffff) & (1U << 10), 1U << 10);
	ck_assert_uint_eq(guest_features_edx(0xffffffff & ~(1U << 10)) & (1U << 10), 0);
}
END_TEST

static Suite *panic_suite(void)
{
	Suite *s = suite_create("panic");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, exit_status_distinct);
	tcase_add_test(tc, tail_last_lines);
	tcase_add_test(tc, tail_wraps);
	tcase_add_test(tc, crash_report_text);
	tcase_add_test(tc, crash_report_long_dump);
	tcase_add_test(tc, crash_msrs_advertised);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(panic_suite)
