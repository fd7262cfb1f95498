// SPDX-License-Identifier: MIT
/*
 * hvmm's hypercall page (hv_hcall_page.h): the exact bytes, the offsets
 * and bitmap, and the 64-bit path run natively.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "hv_hcall.h"
#include "hv_hcall_page.h"
#include "hyperv.h"
#include "unit.h"
#include "util.h"

#define C_REP 0x03
#define DB HVCALL_MODIFY_SPARSE_GPA_PAGE_HOST_VISIBILITY

static uint16_t h_dummy(const struct hv_hcall_caller *c, const struct hv_hcall_mem *m,
			const void *hdr, size_t hdr_len, const void *elem, uint32_t idx,
			void *out_elem)
{
	return 0;
}

static const struct hv_hcall_desc d_rep = {
	.code = C_REP, .name = "rep", .in_size = 8, .rep_in_size = 8, .rep = h_dummy,
};
static const struct hv_hcall_desc d_db = {
	.code = DB, .name = "db", .in_size = 16, .rep_in_size = 8, .rep = h_dummy,
};
static const struct hv_hcall_desc d_ff = {
	.code = 0xff, .name = "last", .in_size = 16, .rep_in_size = 8, .rep = h_dummy,
};

static struct hv_hcall_table table;

static void setup(void)
{
	memset(&table, 0, sizeof(table));
	ck_assert_int_eq(hv_hcall_register(&table, &d_rep, NULL), 0);
	ck_assert_int_eq(hv_hcall_register(&table, &d_db, NULL), 0);
	ck_assert_int_eq(hv_hcall_register(&table, &d_ff, NULL), 0);
}

static uint64_t ctl(uint16_t code, uint32_t count, uint32_t start)
{
	return code | ((uint64_t)count << HV_HCALL_REP_COUNT_SHIFT) |
	       ((uint64_t)start << HV_HCALL_REP_START_SHIFT);
}

START_TEST(page_bytes)
{
	static const uint8_t entry[] = {
		0x50, 0x31, 0xc0, 0x48, 0x85, 0xc0, 0x58, 0x75, 0x17,
		0xf7, 0xc1, 0x00, 0xff, 0x00, 0x00, 0x75, 0x0f,
		0x0f, 0xb6, 0xc1, 0x0f, 0xa3, 0x05, 0xe5, 0x00, 0x00, 0x00,
		0x73, 0x03, 0xe6, HV_HCALL_PORT, 0xc3,
		0x0f, 0x01, 0xd9, 0xc3,
	};
	static const uint8_t vtl_call[] = {
		0x48, 0x89, 0xc8, 0xb9, 0x11, 0, 0, 0, 0xe6, HV_HCALL_PORT_VTL_CALL, 0xc3,
	};
	static const uint8_t vtl_ret[] = {
		0x48, 0x89, 0xc8, 0xb9, 0x12, 0, 0, 0, 0xe6, HV_HCALL_PORT_VTL_RETURN, 0xc3,
	};
	const struct hv_hcall_page_offsets *o = hv_hcall_page_offsets();
	uint8_t page[HV_PAGE_SIZE];
	unsigned int i;

	hv_hcall_page_build(page, &table, true);
	ck_assert_int_eq(memcmp(page, entry, sizeof(entry)), 0);
	hv_hcall_page_build(page, &table, false);
	ck_assert_uint_eq(page[0x22], 0xc1); /* vmcall on Intel */
	ck_assert_uint_eq(o->entry, 0);
	ck_assert_uint_eq(o->vtl_call, HV_HCALL_PAGE_VTL_CALL);
	ck_assert_uint_eq(o->vtl_return, HV_HCALL_PAGE_VTL_RETURN);
	ck_assert_uint_eq(o->bitmap, HV_HCALL_PAGE_BITMAP);
	/* Both offsets fit HvRegisterVsmCodePageOffsets' 12-bit fields. */
	ck_assert_uint_lt(o->vtl_return, 0x1000);
	ck_assert_int_eq(memcmp(page + o->vtl_call, vtl_call, sizeof(vtl_call)), 0);
	ck_assert_int_eq(memcmp(page + o->vtl_return, vtl_ret, sizeof(vtl_ret)), 0);
	/* No sequence runs into another, and the bitmap is after them all. */
	ck_assert_uint_le(0x24, o->vtl_call);
	ck_assert_uint_le(o->vtl_call + sizeof(vtl_call), o->vtl_return);
	ck_assert_uint_le(o->vtl_return + sizeof(vtl_ret), o->bitmap);
	/* bt's rip-relative displacement points at the bitmap. */
	ck_assert_uint_eq(0x1b + 0xe5, o->bitmap);
	for (i = 0; i < HV_HCALL_TRAP_CODES; i++)
		ck_assert_uint_eq(!!(page[o->bitmap + i / 8] & (1U << (i % 8))),
				  hv_hcall_is_trapped(&table, (uint16_t)i));
	ck_assert(page[o->bitmap + DB / 8] & (1U << (DB % 8)));
	for (i = o->bitmap + HV_HCALL_TRAP_CODES / 8; i < HV_PAGE_SIZE; i++)
		ck_assert_uint_eq(page[i], 0xcc);
}
END_TEST

/*
 * Run the page's 64-bit path natively: in user mode the trap's `out`
 * faults (SIGSEGV) and a ud2 put where vmcall was raises SIGILL, so the
 * signal and RIP say which way the page went, RAX what it sent.
 */
static sigjmp_buf page_jmp;
static volatile int page_sig;
static volatile uint64_t page_rip, page_rax, page_cs;

static void page_sighandler(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;

	page_sig = sig;
	page_rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
	page_rax = (uint64_t)uc->uc_mcontext.gregs[REG_RAX];
	page_cs = (uint64_t)uc->uc_mcontext.gregs[REG_CSGSFS] & 0xffff;
	siglongjmp(page_jmp, 1);
}

static void run_page(uint8_t *page, uint64_t rcx)
{
	uint64_t rax = 0x1122334455667788ULL;

	page_sig = 0;
	if (sigsetjmp(page_jmp, 1))
		return;
	/* Below the red zone, where the compiler may keep locals. */
	__asm__ volatile("sub $256, %%rsp\n\tcall *%[fn]\n\tadd $256, %%rsp"
			 : "+c"(rcx), "+a"(rax) : [fn] "r"(page)
			 : "rdx", "r8", "r9", "r10", "r11", "memory", "cc");
}

/*
 * A 32-bit caller: far-call the page through Linux's compat code segment
 * (0x23) on a stack below 4 GiB; the signal handler runs in 64-bit mode
 * and siglongjmp restores the 64-bit stack. (Under ASan, siglongjmp off
 * that stack prints a "stack type: default" warning: expected.)
 */
#define USER32_CS 0x23

static void run_page32(uint8_t *page, uint8_t *stack_top, uint64_t rax, uint64_t rcx)
{
	static struct { uint32_t off; uint16_t sel; } __attribute__((packed)) fp;

	fp.off = (uint32_t)(uintptr_t)page;
	fp.sel = USER32_CS;
	page_sig = 0;
	if (sigsetjmp(page_jmp, 1))
		return;
	__asm__ volatile("mov %[stk], %%rsp\n\tlcall *(%[fp])"
			 : "+a"(rax), "+c"(rcx) : [stk] "r"(stack_top), [fp] "r"(&fp)
			 : "rdx", "memory", "cc");
	__builtin_unreachable(); /* the page always faults */
}

/* The stack also takes the signal frame (with the XSAVE area): 64 KiB. */
#define LOW_STACK (64 * 1024)

static void *map_low(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);

	ck_assert_ptr_ne(p, MAP_FAILED);
	return p;
}

START_TEST(page_runs_32bit)
{
	struct sigaction sa = { .sa_sigaction = page_sighandler, .sa_flags = SA_SIGINFO };
	uint8_t *page = map_low(HV_PAGE_SIZE), *stack = map_low(LOW_STACK);
	uint64_t base = (uint64_t)page;

	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGSEGV, &sa, NULL), 0);
	ck_assert_int_eq(sigaction(SIGILL, &sa, NULL), 0);
	hv_hcall_page_build(page, &table, true);
	page[0x20] = 0x0f; /* ud2 for vmmcall */
	page[0x21] = 0x0b;
	/* ECX = a trapped code: a 32-bit caller still goes to vmmcall. */
	run_page32(page, stack + LOW_STACK - 64, 0x55aa00ff, DB);
	if (page_sig == SIGSEGV && (page_rip < base || page_rip >= base + HV_PAGE_SIZE)) {
		/* No 32-bit compat segment here (ia32_emulation off): nothing to run. */
		fprintf(stderr, "page_runs_32bit: no 32-bit user mode on this host, skipped\n");
		return;
	}
	ck_assert_int_eq(page_sig, SIGILL);
	ck_assert_uint_eq(page_cs, USER32_CS);
	ck_assert_uint_eq(page_rip - base, 0x20);
	ck_assert_uint_eq(page_rax & 0xffffffff, 0x55aa00ff); /* EAX restored */
	munmap(page, HV_PAGE_SIZE);
	munmap(stack, LOW_STACK);
}
END_TEST

START_TEST(page_runs)
{
	struct sigaction sa = { .sa_sigaction = page_sighandler, .sa_flags = SA_SIGINFO };
	uint8_t *page = mmap(NULL, HV_PAGE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t base;

	ck_assert_ptr_ne(page, MAP_FAILED);
	base = (uint64_t)page;
	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGSEGV, &sa, NULL), 0);
	ck_assert_int_eq(sigaction(SIGILL, &sa, NULL), 0);
	hv_hcall_page_build(page, &table, true);
	page[0x20] = 0x0f; /* ud2 for vmmcall */
	page[0x21] = 0x0b;

	run_page(page, DB);
	ck_assert_int_eq(page_sig, SIGSEGV);
	ck_assert_uint_eq(page_rip - base, 0x1d);
	ck_assert_uint_eq(page_rax, DB);
	run_page(page, ctl(C_REP, 5, 2) | HV_HCALL_FAST);
	ck_assert_int_eq(page_sig, SIGSEGV);
	ck_assert_uint_eq(page_rip - base, 0x1d);
	/* Not registered, or >= 256 with a registered low byte: to KVM. */
	run_page(page, HVCALL_POST_MESSAGE);
	ck_assert_int_eq(page_sig, SIGILL);
	ck_assert_uint_eq(page_rip - base, 0x20);
	run_page(page, 0x100 | DB);
	ck_assert_int_eq(page_sig, SIGILL);
	ck_assert_uint_eq(page_rip - base, 0x20);
	ck_assert_uint_eq(page_rax, 0x1122334455667788ULL); /* RAX restored */
	run_page(page, 0x0);
	ck_assert_int_eq(page_sig, SIGILL);
	/* The VTL entries trap with the code in ECX, RCX handed over in RAX. */
	run_page(page + HV_HCALL_PAGE_VTL_CALL, 0xabcdef);
	ck_assert_int_eq(page_sig, SIGSEGV);
	ck_assert_uint_eq(page_rip - base, HV_HCALL_PAGE_VTL_CALL + 8);
	ck_assert_uint_eq(page_rax, 0xabcdef);
	munmap(page, HV_PAGE_SIZE);
}
END_TEST

static Suite *hv_hcall_page_suite(void)
{
	Suite *s = suite_create("hv_hcall_page");
	TCase *tc = tcase_create("page");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, page_bytes);
	tcase_add_test(tc, page_runs);
	tcase_add_test(tc, page_runs_32bit);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(hv_hcall_page_suite)
