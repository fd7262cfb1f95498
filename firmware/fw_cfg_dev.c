// SPDX-License-Identifier: MIT
/*
 * The fw_cfg device: the core (fw_cfg.c) on ports 0x510-0x51b, filled
 * from the configuration (fw_cfg_boot.h says with what). Only with
 * --firmware: a direct kernel boot has no use for it, and a guest that
 * finds no "QEMU" signature simply does without.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "events.h"
#include "fw_cfg.h"
#include "fw_cfg_boot.h"
#include "util.h"

/* One VM per process (device.h): its fw_cfg, between init and exit. */
/*
 * The `fw_cfg` event (docs/regress.md): the firmware's first read of an
 * item, named as the runner's stages want them: the data keys by what
 * they hold, files without their "etc/" directory ("table-loader").
 */
static void fw_cfg_read_event(uint16_t key, const char *name)
{
	char buf[16];

	if (!events_on())
		return;
	if (name[0]) {
		events_fw_cfg(!strncmp(name, "etc/", 4) ? name + 4 : name);
		return;
	}
	switch (key) {
	case FW_CFG_SIGNATURE: events_fw_cfg("signature"); return;
	case FW_CFG_KERNEL_DATA: events_fw_cfg("kernel"); return;
	case FW_CFG_INITRD_DATA: events_fw_cfg("initrd"); return;
	case FW_CFG_CMDLINE_DATA: events_fw_cfg("cmdline"); return;
	case FW_CFG_SETUP_DATA: events_fw_cfg("setup"); return;
	case FW_CFG_FILE_DIR: events_fw_cfg("file-dir"); return;
	default:
		snprintf(buf, sizeof(buf), "key-0x%02x", key);
		events_fw_cfg(buf);
	}
}

static struct fw_cfg *fw_cfg_dev;

struct fw_cfg *fw_cfg_get(struct vm *vm)
{
	(void)vm;
	return fw_cfg_dev;
}

static void fw_cfg_pio_read(void *opaque, uint64_t off, uint8_t *data, unsigned int len)
{
	fw_cfg_io_read(opaque, off, data, len);
}

static void fw_cfg_pio_write(void *opaque, uint64_t off, const uint8_t *data,
			     unsigned int len)
{
	fw_cfg_io_write(opaque, off, data, len);
}

static const struct iodev_ops fw_cfg_pio_ops = {
	.read = fw_cfg_pio_read,
	.write = fw_cfg_pio_write,
};

static int fw_cfg_load_kernel(struct fw_cfg *fw, const struct vm_config *cfg)
{
	uint8_t *kernel = NULL, *initrd = NULL;
	size_t klen = 0, ilen = 0;
	int ret;

	if (!cfg->kernel)
		return 0;
	ret = read_file(cfg->kernel, &kernel, &klen);
	if (ret) {
		pr_err("fw_cfg: cannot read kernel %s: %s", cfg->kernel, strerror(-ret));
		return ret;
	}
	if (cfg->initrd) {
		ret = read_file(cfg->initrd, &initrd, &ilen);
		if (ret) {
			pr_err("fw_cfg: cannot read initrd %s: %s", cfg->initrd, strerror(-ret));
			goto out;
		}
	}
	ret = fw_cfg_set_kernel(fw, kernel, klen, initrd, ilen, cfg->cmdline);
out:
	free(initrd);
	free(kernel);
	return ret;
}

static int fw_cfg_dev_init(struct vm *vm)
{
	const struct vm_config *cfg = dev_config(vm);
	const struct guest_mem *mem = dev_guest_mem(vm);
	struct fw_cfg *fw;
	int ret;

	if (!cfg->firmware)
		return 0;
	fw = fw_cfg_new(mem);
	if (!fw)
		return -ENOMEM;
	fw_cfg_set_read_hook(fw, fw_cfg_read_event);
	ret = fw_cfg_set_defaults(fw, cfg->ncpus);
	if (!ret)
		ret = fw_cfg_set_e820(fw, mem);
	if (!ret)
		ret = fw_cfg_load_kernel(fw, cfg);
	if (!ret)
		ret = dev_pio_register(vm, FW_CFG_PORT_BASE, FW_CFG_PORT_LEN,
				       &fw_cfg_pio_ops, fw, "fw_cfg");
	if (ret) {
		fw_cfg_free(fw);
		return ret;
	}
	fw_cfg_dev = fw;
	return 0;
}

static void fw_cfg_dev_exit(struct vm *vm)
{
	(void)vm;
	fw_cfg_free(fw_cfg_dev);
	fw_cfg_dev = NULL;
}

DEVICE_REGISTER(fw_cfg, DEV_LEVEL_FIRMWARE, fw_cfg_dev_init, fw_cfg_dev_exit);
