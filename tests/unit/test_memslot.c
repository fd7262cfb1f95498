// SPDX-License-Identifier: MIT
/*
 * dev_rom_map() (vmm/memslot.c) without /dev/kvm: the checks made before
 * KVM is asked, and a KVM that cannot do read-only memory. The memslot
 * calls themselves run in the lab (tests/integration/cases/61-flash.sh).
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "device.h"
#include "memslot.h"
#include "unit.h"
#include "util.h"
#include "vm.h"

static struct vm vm;
static void *page;

static void setup(void)
{
	log_level = LOG_ERR - 1;
	memset(&vm, 0, sizeof(vm));
	vm.sys_fd = -1; /* every KVM ioctl fails with EBADF */
	vm.vm_fd = -1;
	memslot_reset(&vm);
	page = mmap(NULL, 2 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(page, MAP_FAILED);
}

static void teardown(void)
{
	munmap(page, 2 * 4096);
}

START_TEST(bad_arguments)
{
	ck_assert_int_eq(dev_rom_map(&vm, DEV_ROM_SLOTS, 0xffc00000, 4096, page, true), -EINVAL);
	ck_assert_int_eq(dev_rom_map(&vm, DEV_ROM_SLOTS, 0xffc00000, 4096, page, false), -EINVAL);
	ck_assert_int_eq(dev_rom_map(&vm, 0, 0xffc00001, 4096, page, true), -EINVAL);
	ck_assert_int_eq(dev_rom_map(&vm, 0, 0xffc00000, 4095, page, true), -EINVAL);
	ck_assert_int_eq(dev_rom_map(&vm, 0, 0xffc00000, 0, page, true), -EINVAL);
	ck_assert_int_eq(dev_rom_map(&vm, 0, 0xffc00000, 4096, (char *)page + 1, true), -EINVAL);
	ck_assert_int_eq(dev_rom_map(&vm, 0, ~0xfffULL, 8192, page, true), -EINVAL); /* wraps */
}
END_TEST

/* The gdbstub's ROM view: nothing mapped, nothing to read or list. */
START_TEST(rom_read_unmapped)
{
	uint64_t r[DEV_ROM_SLOTS][2];
	uint8_t b[4];

	ck_assert_int_eq(memslot_rom_read(0xfffffff0, b, sizeof(b)), -EFAULT);
	ck_assert_uint_eq(memslot_rom_ranges(r, DEV_ROM_SLOTS), 0);
}
END_TEST

/* Removing a slot that is not there asks nothing of KVM. */
START_TEST(remove_absent)
{
	ck_assert_int_eq(dev_rom_map(&vm, 0, 0, 0, NULL, false), 0);
	ck_assert_int_eq(dev_rom_map(&vm, DEV_ROM_SLOTS - 1, 0xffc00000, 4096, page, false), 0);
}
END_TEST

/* No KVM_CAP_READONLY_MEM (here: no KVM at all): -ENOTSUP, never a writable slot. */
START_TEST(no_readonly_memory)
{
	ck_assert_int_eq(dev_rom_map(&vm, DEV_ROM_ID_FW_CODE, 0xffc84000, 4096, page, true),
			 -ENOTSUP);
	ck_assert_int_eq(dev_rom_map(&vm, DEV_ROM_ID_FW_VARS, 0xffc00000, 8192, page, true),
			 -ENOTSUP);
}
END_TEST

static Suite *memslot_suite(void)
{
	Suite *s = suite_create("memslot");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, bad_arguments);
	tcase_add_test(tc, remove_absent);
	tcase_add_test(tc, rom_read_unmapped);
	tcase_add_test(tc, no_readonly_memory);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(memslot_suite)
