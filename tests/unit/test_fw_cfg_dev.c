// SPDX-License-Identifier: MIT
/*
 * The fw_cfg device (firmware/fw_cfg_dev.c) against a fake platform: this
 * file defines the dev_* calls it uses (device.h), so the device's init
 * and exit run as the platform would run them, without a VM. Checks that
 * it exists only with a firmware configured, claims 0x510-0x51b, and
 * fills fw_cfg from the configuration (CPUs, e820, kernel files).
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "device.h"
#include "fw_cfg.h"
#include "fw_cfg_boot.h"
#include "guest_mem.h"
#include "util.h"

extern const struct dev_desc __start_hvmm_devices[], __stop_hvmm_devices[];

static struct vm_config cfg;
static struct guest_mem mem;
static struct {
	int calls;
	uint16_t base, len;
	const struct iodev_ops *ops;
	void *opaque;
} pio;
static int pio_ret;
static int fake_vm; /* the device must treat struct vm as opaque */
#define VM ((struct vm *)&fake_vm)

const struct vm_config *dev_config(struct vm *vm)
{
	ck_assert_ptr_eq(vm, VM);
	return &cfg;
}

const struct guest_mem *dev_guest_mem(struct vm *vm)
{
	ck_assert_ptr_eq(vm, VM);
	return &mem;
}

int dev_pio_register(struct vm *vm, uint16_t base, uint16_t len,
		     const struct iodev_ops *ops, void *opaque, const char *name)
{
	ck_assert_ptr_eq(vm, VM);
	pio.calls++;
	pio.base = base;
	pio.len = len;
	pio.ops = ops;
	pio.opaque = opaque;
	return pio_ret;
}

static const struct dev_desc *fw_cfg_desc(void)
{
	for (const struct dev_desc *d = __start_hvmm_devices; d < __stop_hvmm_devices; d++)
		if (!strcmp(d->name, "fw_cfg"))
			return d;
	return NULL;
}

static char kpath[64] = "", ipath[64] = "";

static void write_tmp(char *path, const char *tmpl, const void *data, size_t len)
{
	int fd;

	snprintf(path, 64, "%s", tmpl);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void setup(void)
{
	memset(&cfg, 0, sizeof(cfg));
	memset(&pio, 0, sizeof(pio));
	pio_ret = 0;
	cfg.ncpus = 3;
	ck_assert_int_eq(gmem_init(&mem, 32 * MiB), 0);
}

static void teardown(void)
{
	gmem_free(&mem);
	if (kpath[0])
		unlink(kpath);
	if (ipath[0])
		unlink(ipath);
	kpath[0] = ipath[0] = 0;
}

/* Read an item through the registered port ops, as a guest would. */
static void port_read(uint16_t key, void *buf, size_t n)
{
	uint16_t k = htole16(key);

	pio.ops->write(pio.opaque, FW_CFG_PORT_SEL, (uint8_t *)&k, 2);
	for (size_t i = 0; i < n; i++)
		pio.ops->read(pio.opaque, FW_CFG_PORT_DATA, (uint8_t *)buf + i, 1);
}

START_TEST(registered_at_firmware_level)
{
	const struct dev_desc *d = fw_cfg_desc();

	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(d->level, DEV_LEVEL_FIRMWARE);
	ck_assert_ptr_nonnull(d->exit);
}
END_TEST

START_TEST(absent_without_firmware)
{
	const struct dev_desc *d = fw_cfg_desc();

	ck_assert_int_eq(d->init(VM), 0);
	ck_assert_int_eq(pio.calls, 0);
	ck_assert_ptr_null(fw_cfg_get(VM));
	d->exit(VM);
}
END_TEST

START_TEST(filled_from_config)
{
	const struct dev_desc *d = fw_cfg_desc();
	struct fw_cfg_e820_entry e[2];
	uint8_t kernel[3000], sig[4], got[3000];
	uint32_t v32;
	uint16_t v16;
	struct fw_cfg *fw;
	int key;

	memset(kernel, 0x4b, sizeof(kernel)); /* no "HdrS": not split */
	write_tmp(kpath, "/tmp/hvmm-fwcfg-kXXXXXX", kernel, sizeof(kernel));
	write_tmp(ipath, "/tmp/hvmm-fwcfg-iXXXXXX", "initrd!", 7);
	cfg.firmware = "/nonexistent/OVMF.fd"; /* only its presence matters here */
	cfg.kernel = kpath;
	cfg.initrd = ipath;
	cfg.cmdline = "root=/dev/vda";
	ck_assert_int_eq(d->init(VM), 0);
	ck_assert_int_eq(pio.calls, 1);
	ck_assert_uint_eq(pio.base, 0x510);
	ck_assert_uint_eq(pio.len, 12);
	fw = fw_cfg_get(VM);
	ck_assert_ptr_nonnull(fw);
	ck_assert_ptr_eq(pio.opaque, fw);

	port_read(FW_CFG_SIGNATURE, sig, 4);
	ck_assert_mem_eq(sig, "QEMU", 4);
	port_read(FW_CFG_NB_CPUS, &v16, 2);
	ck_assert_uint_eq(le16toh(v16), 3);
	key = fw_cfg_find_file(fw, "etc/e820");
	ck_assert_int_ge(key, FW_CFG_FILE_FIRST);
	ck_assert_int_eq(fw_cfg_get_item(fw, (uint16_t)key, e, sizeof(e)), 20);
	ck_assert_uint_eq(e[0].address, 0);
	ck_assert_uint_eq(e[0].length, 32 * MiB);
	port_read(FW_CFG_KERNEL_SIZE, &v32, 4);
	ck_assert_uint_eq(le32toh(v32), sizeof(kernel));
	port_read(FW_CFG_KERNEL_DATA, got, sizeof(kernel));
	ck_assert_mem_eq(got, kernel, sizeof(kernel));
	port_read(FW_CFG_INITRD_SIZE, &v32, 4);
	ck_assert_uint_eq(le32toh(v32), 7);
	port_read(FW_CFG_CMDLINE_DATA, got, 14);
	ck_assert_mem_eq(got, "root=/dev/vda", 14);
	ck_assert_int_ge(fw_cfg_find_file(fw, "opt/org.tianocore/IPv4Support"), FW_CFG_FILE_FIRST);

	d->exit(VM);
	ck_assert_ptr_null(fw_cfg_get(VM));
}
END_TEST

START_TEST(init_failures)
{
	const struct dev_desc *d = fw_cfg_desc();

	cfg.firmware = "/nonexistent/OVMF.fd";
	cfg.kernel = "/nonexistent/vmlinuz";
	ck_assert_int_eq(d->init(VM), -ENOENT);
	ck_assert_ptr_null(fw_cfg_get(VM));
	ck_assert_int_eq(pio.calls, 0);
	/* The ports taken: the init fails with the platform's error. */
	cfg.kernel = NULL;
	pio_ret = -EBUSY;
	ck_assert_int_eq(d->init(VM), -EBUSY);
	ck_assert_ptr_null(fw_cfg_get(VM));
}
END_TEST

static Suite *fw_cfg_dev_suite(void)
{
	Suite *s = suite_create("fw_cfg_dev");
	TCase *tc = tcase_create("device");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, registered_at_firmware_level);
	tcase_add_test(tc, absent_without_firmware);
	tcase_add_test(tc, filled_from_config);
	tcase_add_test(tc, init_failures);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(fw_cfg_dev_suite)
