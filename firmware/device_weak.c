// SPDX-License-Identifier: MIT
/*
 * TEMPORARY, for branch i8-fwcfg only: weak stand-ins for the platform
 * calls of devices/device.h that fw_cfg_dev.c uses, so ./hvmm links
 * before the refactor branch (vmm/platform.c) is merged. The platform's
 * strong definitions replace these at link time; delete this file when
 * merging. Nothing calls them here: without the platform no device init
 * runs.
 */
#include <errno.h>

#include "device.h"

__attribute__((weak)) const struct vm_config *dev_config(struct vm *vm)
{
	static const struct vm_config none;

	(void)vm;
	return &none;
}

__attribute__((weak)) const struct guest_mem *dev_guest_mem(struct vm *vm)
{
	(void)vm;
	return NULL;
}

__attribute__((weak)) int dev_pio_register(struct vm *vm, uint16_t base, uint16_t len,
					   const struct iodev_ops *ops, void *opaque,
					   const char *name)
{
	(void)vm, (void)base, (void)len, (void)ops, (void)opaque, (void)name;
	return -ENOSYS;
}
