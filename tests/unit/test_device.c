// SPDX-License-Identifier: MIT
/*
 * The device model (devices/device.h, vmm/platform.c): the walker's order
 * and error handling, the registry section, the dev_* calls on a VM
 * without KVM, and the self-registered RTC built from the configuration.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "device.h"
#include "legacy.h"
#include "platform.h"
#include "uart.h"
#include "unit.h"
#include "util.h"
#include "vm.h"

/* Every init/exit appends "+name " / "-name " here. */
static char walk_log[512];
static const char *fail_name; /* this device's init fails with -EIO */

static void log_event(char sign, const char *name)
{
	size_t n = strlen(walk_log);

	snprintf(walk_log + n, sizeof(walk_log) - n, "%c%s ", sign, name);
}

static int rec_init(const char *name)
{
	log_event('+', name);
	return fail_name && !strcmp(fail_name, name) ? -EIO : 0;
}

#define TEST_DEV(n)                                                    \
	static int n##_init(struct vm *vm) { return rec_init(#n); }    \
	static void n##_exit(struct vm *vm) { log_event('-', #n); }

TEST_DEV(bus)
TEST_DEV(alpha)
TEST_DEV(beta)
TEST_DEV(gamma)
TEST_DEV(virtio)
TEST_DEV(fwcfg)

#define DESC(n, lvl) { .name = #n, .level = (lvl), .init = n##_init, .exit = n##_exit }

/* Deliberately out of order: levels mixed, names unsorted within a level. */
static const struct dev_desc scrambled[] = {
	DESC(fwcfg, DEV_LEVEL_FIRMWARE),
	DESC(gamma, DEV_LEVEL_PLATFORM),
	DESC(virtio, DEV_LEVEL_DEVICE),
	DESC(alpha, DEV_LEVEL_PLATFORM),
	DESC(bus, DEV_LEVEL_BUS),
	DESC(beta, DEV_LEVEL_PLATFORM),
};
#define NR_SCRAMBLED (sizeof(scrambled) / sizeof(scrambled[0]))

static void walk_fixture(void)
{
	walk_log[0] = 0;
	fail_name = NULL;
}

START_TEST(walk_level_then_name_order)
{
	struct dev_walk w;

	ck_assert_int_eq(dev_walk_init(&w, scrambled, NR_SCRAMBLED, NULL), 0);
	ck_assert_str_eq(walk_log, "+bus +alpha +beta +gamma +virtio +fwcfg ");
	ck_assert_uint_eq(w.nr_up, NR_SCRAMBLED);
	dev_walk_exit(&w, NULL);
}
END_TEST

START_TEST(walk_exit_in_reverse)
{
	struct dev_walk w;

	ck_assert_int_eq(dev_walk_init(&w, scrambled, NR_SCRAMBLED, NULL), 0);
	walk_log[0] = 0;
	dev_walk_exit(&w, NULL);
	ck_assert_str_eq(walk_log, "-fwcfg -virtio -gamma -beta -alpha -bus ");
	ck_assert_ptr_null(w.order);
	/* A second exit (an error path after the normal end) does nothing. */
	walk_log[0] = 0;
	dev_walk_exit(&w, NULL);
	ck_assert_str_eq(walk_log, "");
}
END_TEST

/* The walk stops at the failing init; only the earlier ones are exited. */
START_TEST(walk_init_failure_unwinds)
{
	struct dev_walk w;

	fail_name = "gamma";
	ck_assert_int_eq(dev_walk_init(&w, scrambled, NR_SCRAMBLED, NULL), -EIO);
	ck_assert_str_eq(walk_log, "+bus +alpha +beta +gamma -beta -alpha -bus ");
	ck_assert_uint_eq(w.nr_up, 0);
	ck_assert_ptr_null(w.order);
	walk_log[0] = 0;
	dev_walk_exit(&w, NULL);
	ck_assert_str_eq(walk_log, "");
}
END_TEST

START_TEST(walk_first_init_fails)
{
	struct dev_walk w;

	fail_name = "bus";
	ck_assert_int_eq(dev_walk_init(&w, scrambled, NR_SCRAMBLED, NULL), -EIO);
	ck_assert_str_eq(walk_log, "+bus ");
}
END_TEST

/* A device without exit (stateless) is skipped on the way back. */
START_TEST(walk_null_exit)
{
	const struct dev_desc d[] = {
		DESC(alpha, DEV_LEVEL_PLATFORM),
		{ .name = "beta", .level = DEV_LEVEL_PLATFORM, .init = beta_init },
		DESC(gamma, DEV_LEVEL_PLATFORM),
	};
	struct dev_walk w;

	ck_assert_int_eq(dev_walk_init(&w, d, 3, NULL), 0);
	dev_walk_exit(&w, NULL);
	ck_assert_str_eq(walk_log, "+alpha +beta +gamma -gamma -alpha ");
}
END_TEST

/* Bad registrations are refused before any init runs. */
START_TEST(walk_rejects_bad_descriptors)
{
	const struct dev_desc bad_level[] = {
		DESC(alpha, DEV_LEVEL_PLATFORM),
		{ .name = "beta", .level = DEV_LEVEL_COUNT, .init = beta_init },
	};
	const struct dev_desc no_init[] = {
		DESC(alpha, DEV_LEVEL_PLATFORM),
		{ .name = "beta", .level = DEV_LEVEL_PLATFORM },
	};
	const struct dev_desc no_name[] = {
		DESC(alpha, DEV_LEVEL_PLATFORM),
		{ .level = DEV_LEVEL_PLATFORM, .init = beta_init },
	};
	const struct dev_desc twice[] = {
		DESC(alpha, DEV_LEVEL_PLATFORM),
		DESC(beta, DEV_LEVEL_PLATFORM),
		DESC(alpha, DEV_LEVEL_DEVICE),
	};
	struct dev_walk w;

	ck_assert_int_eq(dev_walk_init(&w, bad_level, 2, NULL), -EINVAL);
	ck_assert_int_eq(dev_walk_init(&w, no_init, 2, NULL), -EINVAL);
	ck_assert_int_eq(dev_walk_init(&w, no_name, 2, NULL), -EINVAL);
	ck_assert_int_eq(dev_walk_init(&w, twice, 3, NULL), -EEXIST);
	ck_assert_str_eq(walk_log, "");
	ck_assert_int_eq(dev_walk_init(&w, NULL, 0, NULL), 0);
	dev_walk_exit(&w, NULL);
}
END_TEST

/* Built again after an exit, as on --on-reboot restart. */
START_TEST(walk_rebuild)
{
	struct dev_walk w;

	ck_assert_int_eq(dev_walk_init(&w, scrambled, 2, NULL), 0);
	dev_walk_exit(&w, NULL);
	ck_assert_int_eq(dev_walk_init(&w, scrambled, 2, NULL), 0);
	dev_walk_exit(&w, NULL);
	ck_assert_str_eq(walk_log, "+gamma +fwcfg -fwcfg -gamma +gamma +fwcfg -fwcfg -gamma ");
}
END_TEST

/* Two devices registered the production way, in this test binary's section. */
static int reg_init(struct vm *vm) { return rec_init("reg"); }
DEVICE_REGISTER(test_reg_a, DEV_LEVEL_DEVICE, reg_init, NULL);
DEVICE_REGISTER(test_reg_b, DEV_LEVEL_BUS, reg_init, alpha_exit);

static const struct dev_desc *registered(const char *name)
{
	size_t nr, i;
	const struct dev_desc *d = dev_registered(&nr);

	for (i = 0; i < nr; i++)
		if (!strcmp(d[i].name, name))
			return &d[i];
	return NULL;
}

/* The section is an array the platform can walk (also under ASan). */
START_TEST(registry_section)
{
	const struct dev_desc *a = registered("test_reg_a"), *b = registered("test_reg_b");
	size_t nr;

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(a->level, DEV_LEVEL_DEVICE);
	ck_assert_ptr_eq(a->init, reg_init);
	ck_assert_ptr_null(a->exit);
	ck_assert_int_eq(b->level, DEV_LEVEL_BUS);
	ck_assert_ptr_eq(b->exit, alpha_exit);
	dev_registered(&nr);
	ck_assert_uint_ge(nr, 2);
}
END_TEST

/* ---- dev_* on a VM without KVM ------------------------------------------ */

static struct vm vm;
static struct vm_config cfg;

static void vm_fixture(void)
{
	walk_fixture();
	memset(&vm, 0, sizeof(vm));
	memset(&cfg, 0, sizeof(cfg));
	cfg.ncpus = 4;
	cfg.mem_size = 3 * GiB + GiB;
	cfg.serial = SERIAL_NONE;
	vm.cfg = &cfg;
	vm.ncpus = cfg.ncpus;
	vm.vm_fd = vm.sys_fd = vm.stop_efd = vm.serial_fd = -1;
	vm.mem.low_size = 3 * GiB;
	vm.mem.high_size = GiB;
	iobus_init(&vm.pio, IO_SPACE_PIO);
	iobus_init(&vm.mmio, IO_SPACE_MMIO);
}

static void nop_read(void *opaque, uint64_t off, uint8_t *data, unsigned int len)
{
	memset(data, 0x5a, len);
}

static const struct iodev_ops nop_ops = { .read = nop_read };

START_TEST(dev_calls_reach_the_vm)
{
	uint8_t v = 0;

	ck_assert_ptr_eq(dev_config(&vm), &cfg);
	ck_assert_ptr_eq(dev_guest_mem(&vm), &vm.mem);
	ck_assert_int_eq(dev_console_fd(&vm), -1);
	ck_assert_int_eq(dev_pio_register(&vm, 0x500, 4, &nop_ops, NULL, "p"), 0);
	ck_assert_int_eq(dev_pio_register(&vm, 0x502, 1, &nop_ops, NULL, "q"), -EBUSY);
	ck_assert(iobus_access(&vm.pio, 0x503, &v, 1, false));
	ck_assert_uint_eq(v, 0x5a);
	ck_assert_int_eq(dev_mmio_register(&vm, 0xfe000000, 0x1000, &nop_ops, NULL, "m"), 0);
	ck_assert(iobus_access(&vm.mmio, 0xfe000ffc, &v, 1, false));
	ck_assert(!iobus_access(&vm.mmio, 0xfe001000, &v, 1, false));
	/* No KVM VM behind it: the ioctl's error comes back. */
	ck_assert_int_lt(dev_irq_line(&vm, 4, 1), 0);
	ck_assert_int_lt(dev_guest_clock(&vm, &(uint64_t){ 0 }, &(uint64_t){ 0 }), 0);
}
END_TEST

START_TEST(dev_stop_reasons)
{
	static const struct { enum dev_stop why; enum vm_stop_reason r; } map[] = {
		{ DEV_STOP_POWEROFF, VM_STOP_POWEROFF },
		{ DEV_STOP_RESET, VM_STOP_REBOOT },
		{ DEV_STOP_ERROR, VM_STOP_ERROR },
		{ (enum dev_stop)42, VM_STOP_ERROR },
	};
	unsigned int i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		vm.stop_reason = VM_RUNNING;
		dev_request_stop(&vm, map[i].why);
		ck_assert_int_eq(vm.stop_reason, map[i].r);
		/* The first request wins. */
		dev_request_stop(&vm, DEV_STOP_POWEROFF);
		ck_assert_int_eq(vm.stop_reason, map[i].r);
	}
}
END_TEST

START_TEST(dev_one_console)
{
	struct uart a, b;

	ck_assert_int_eq(dev_set_console(&vm, NULL), -EINVAL);
	ck_assert_int_eq(dev_set_console(&vm, &a), 0);
	ck_assert_int_eq(dev_set_console(&vm, &b), -EBUSY);
	ck_assert_ptr_eq(vm.com1, &a);
}
END_TEST

/*
 * Unit tests link libhvmm.a without --whole-archive: refer to the device
 * files whose registrations platform_rtc_from_config expects in the section.
 */
static const void *const linked_devices[] __attribute__((used)) = {
	(const void *)rtc_read_reg, (const void *)pm_setup, (const void *)i8042_setup,
};

static uint8_t cmos(uint8_t reg)
{
	uint8_t v = reg;

	ck_assert(iobus_access(&vm.pio, 0x70, &v, 1, true));
	ck_assert(iobus_access(&vm.pio, 0x71, &v, 1, false));
	return v;
}

/*
 * The self-registered platform devices linked into this binary (pm, i8042
 * and rtc: their cores are referenced below) come up through the platform
 * walker; the RTC takes the memory size, CPU count and --debug-inject
 * rtc-offset from the configuration in its own init.
 */
START_TEST(platform_rtc_from_config)
{
	struct tm before, after;
	unsigned int hour;
	time_t t;
	uint8_t v;

	cfg.rtc_offset_s = 2 * 3600;
	ck_assert_int_eq(platform_devices_init(&vm), 0);
	ck_assert_ptr_nonnull(registered("rtc"));
	ck_assert_uint_eq(cmos(0x5f), 3);                 /* CPUs - 1 */
	ck_assert_uint_eq(cmos(0x5b) | cmos(0x5c) << 8, 0x4000); /* 1 GiB above 4 GiB, 64 KiB units */
	ck_assert_uint_eq(cmos(0x34) | cmos(0x35) << 8, 0xbf00); /* 3 GiB - 16 MiB, 64 KiB units */
	/* The clock runs two hours ahead of the host (BCD, 24-hour). */
	t = time(NULL) + 2 * 3600;
	gmtime_r(&t, &before);
	v = cmos(0x04);
	t = time(NULL) + 2 * 3600;
	gmtime_r(&t, &after);
	hour = (v >> 4) * 10U + (v & 0xfU);
	ck_assert_msg(hour == (unsigned int)before.tm_hour || hour == (unsigned int)after.tm_hour,
		      "RTC hour %u, expected %d", hour, before.tm_hour);
	/* The PM block and the i8042 are on the bus too. */
	ck_assert(iobus_access(&vm.pio, PM_CNT_PORT, &v, 1, false));
	ck_assert(iobus_access(&vm.pio, 0x64, &v, 1, false));
	ck_assert_str_eq(walk_log, "+reg +reg ");
	walk_log[0] = 0;
	platform_devices_exit(&vm);
	ck_assert_str_eq(walk_log, "-alpha ");
	ck_assert_ptr_null(vm.com1);
	/* And again, as after a guest reboot. */
	ck_assert_int_eq(platform_devices_init(&vm), 0);
	ck_assert_uint_eq(cmos(0x5f), 3);
	platform_devices_exit(&vm);
}
END_TEST

static Suite *device_suite(void)
{
	Suite *s = suite_create("device");
	TCase *walk = tcase_create("walk");
	TCase *plat = tcase_create("platform");

	tcase_add_checked_fixture(walk, walk_fixture, NULL);
	tcase_add_test(walk, walk_level_then_name_order);
	tcase_add_test(walk, walk_exit_in_reverse);
	tcase_add_test(walk, walk_init_failure_unwinds);
	tcase_add_test(walk, walk_first_init_fails);
	tcase_add_test(walk, walk_null_exit);
	tcase_add_test(walk, walk_rejects_bad_descriptors);
	tcase_add_test(walk, walk_rebuild);
	tcase_add_test(walk, registry_section);
	suite_add_tcase(s, walk);

	tcase_add_checked_fixture(plat, vm_fixture, NULL);
	tcase_add_test(plat, dev_calls_reach_the_vm);
	tcase_add_test(plat, dev_stop_reasons);
	tcase_add_test(plat, dev_one_console);
	tcase_add_test(plat, platform_rtc_from_config);
	suite_add_tcase(s, plat);
	return s;
}

UNIT_MAIN(device_suite)
