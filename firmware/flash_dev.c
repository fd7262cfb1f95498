// SPDX-License-Identifier: MIT
/*
 * The firmware device: with --firmware/--uefi it maps the image as ROM
 * ending at 4 GiB and the UEFI variable store below it as a CFI flash
 * (flash.h), the way QEMU's pc machine maps OVMF as pflash
 * (../shared/reference/ovmf.md A2, A8).
 *
 * The store is an MMIO range (every write, and reads outside read-array
 * mode, come to flash.c) under a read-only memslot over the same bytes
 * while the flash is in read-array mode, so OVMF's reads of its variables
 * (~256 KiB at boot, ovmf.md A8) cost no exits; flash.c removes the slot
 * for the commands (QemuFlashDetected's status read must trap).
 *
 * Durability: the store is the vars file mapped MAP_SHARED, so each
 * programmed byte is in the file (the page cache) at once and survives
 * hvmm being killed; it is forced to disk (msync) when the VM ends or is
 * rebuilt (exit below). A host crash can lose what the kernel had not yet
 * written back (normally at most ~30 s of variable writes).
 */
#if __has_include("platform.h") /* until the device-model branch (vmm/platform.c) is merged */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "device.h"
#include "firmware.h"
#include "flash.h"
#include "util.h"

static struct flash_dev {
	struct vm *vm;
	struct firmware fw;
	struct flash flash;
	bool open;
	bool have_flash;
} fdev;

static int flash_dev_romd(void *opaque, bool present)
{
	struct flash_dev *d = opaque;

	return dev_rom_map(d->vm, DEV_ROM_ID_FW_VARS, d->fw.vars.gpa, d->fw.vars.size,
			   d->fw.vars.host, present);
}

static const struct iodev_ops flash_dev_ops = {
	.read = flash_read,
	.write = flash_write,
};

static void flash_dev_exit(struct vm *vm)
{
	/*
	 * The memslots are left alone: they go with the VM, and unmapping
	 * their memory with no vCPU running is safe (KVM's MMU notifier
	 * drops the mappings).
	 */
	if (fdev.have_flash)
		flash_destroy(&fdev.flash);
	if (fdev.open)
		firmware_close(&fdev.fw); /* msync first */
	memset(&fdev, 0, sizeof(fdev));
}

static int flash_dev_init(struct vm *vm)
{
	const struct vm_config *cfg = dev_config(vm);
	struct fw_open_opts o = { .code = cfg->firmware };
	char path[PATH_MAX], err[512];
	struct firmware *fw = &fdev.fw;
	bool dflt;
	int ret;

	if (!cfg->firmware)
		return 0;
	fdev.vm = vm;
	o.vars = firmware_vars_path(cfg, path, sizeof(path), &dflt, err, sizeof(err));
	if (!o.vars && err[0]) {
		pr_err("%s", err);
		return -EINVAL;
	}
	o.mkdir_vars = dflt;
	ret = firmware_open(fw, &o, err, sizeof(err));
	if (ret) {
		pr_err("%s", err);
		return ret;
	}
	fdev.open = true;
	ret = dev_rom_map(vm, DEV_ROM_ID_FW_CODE, fw->code.gpa, fw->code.size, fw->code.host,
			  true);
	if (ret)
		goto fail;
	if (fw->vars.size) {
		ret = flash_init(&fdev.flash, fw->vars.host, fw->vars.size, flash_dev_romd, &fdev);
		if (ret)
			goto fail;
		fdev.have_flash = true;
		ret = dev_rom_map(vm, DEV_ROM_ID_FW_VARS, fw->vars.gpa, fw->vars.size,
				  fw->vars.host, true);
		if (!ret)
			ret = dev_mmio_register(vm, fw->vars.gpa, fw->vars.size, &flash_dev_ops,
						&fdev.flash, "flash");
		if (ret)
			goto fail;
	}
	pr_info("firmware %s at 0x%llx; UEFI variables %s%s", cfg->firmware,
		(unsigned long long)fw->code.gpa,
		fw->vars_persistent ? "in " : (fw->vars.size ? "volatile" : "emulated by OVMF"),
		fw->vars_persistent ? fw->vars_path : "");
	return 0;
fail:
	flash_dev_exit(vm);
	return ret;
}

DEVICE_REGISTER(flash, DEV_LEVEL_FIRMWARE, flash_dev_init, flash_dev_exit);
#endif
