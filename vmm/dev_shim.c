// SPDX-License-Identifier: MIT
/*
 * TEMPORARY (branch i8-pci): the device.h calls pci.c uses, on top of
 * struct vm, and the walk over self-registered devices, until the
 * refactor branch's vmm/platform.c is merged. Every definition is weak,
 * so the real ones win at link time; at that merge delete this file and
 * the dev_shim_init()/dev_shim_exit() calls in vm.c.
 */
#include <errno.h>

#include "device.h"
#include "vm.h"

#define WEAK __attribute__((weak))

extern const struct dev_desc __start_hvmm_devices[] WEAK;
extern const struct dev_desc __stop_hvmm_devices[] WEAK;

int dev_shim_init(struct vm *vm);
void dev_shim_exit(struct vm *vm);

WEAK const struct vm_config *dev_config(struct vm *vm)
{
	return vm->cfg;
}

WEAK const struct guest_mem *dev_guest_mem(struct vm *vm)
{
	return &vm->mem;
}

WEAK int dev_pio_register(struct vm *vm, uint16_t base, uint16_t len,
			  const struct iodev_ops *ops, void *opaque, const char *name)
{
	return iobus_register(&vm->pio, base, len, ops, opaque, name);
}

WEAK int dev_mmio_register(struct vm *vm, uint64_t base, uint64_t len,
			   const struct iodev_ops *ops, void *opaque, const char *name)
{
	return iobus_register(&vm->mmio, base, len, ops, opaque, name);
}

WEAK int dev_irq_line(struct vm *vm, unsigned int gsi, int level)
{
	return vm_irq_line(vm, gsi, level);
}

WEAK void dev_request_stop(struct vm *vm, enum dev_stop why)
{
	vm_request_stop(vm, why == DEV_STOP_POWEROFF ? VM_STOP_POWEROFF :
			    why == DEV_STOP_RESET ? VM_STOP_REBOOT : VM_STOP_ERROR);
}

WEAK int dev_set_console(struct vm *vm, struct uart *u)
{
	return -EBUSY;
}

/* Inits by level, in section order (only pci.c registers on this branch). */
WEAK int dev_shim_init(struct vm *vm)
{
	const struct dev_desc *d;
	int lvl, ret;

	for (lvl = 0; lvl < DEV_LEVEL_COUNT; lvl++)
		for (d = __start_hvmm_devices; d < __stop_hvmm_devices; d++) {
			if ((int)d->level != lvl)
				continue;
			ret = d->init(vm);
			if (ret)
				return ret;
		}
	return 0;
}

WEAK void dev_shim_exit(struct vm *vm)
{
	const struct dev_desc *d;

	for (d = __stop_hvmm_devices; d-- > __start_hvmm_devices;)
		if (d->exit)
			d->exit(vm);
}
