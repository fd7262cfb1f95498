// SPDX-License-Identifier: MIT
/* device.h's MSI calls on the VM's routing table (irq_routing.h). */
#include <errno.h>

#include "device.h"
#include "irq_routing.h"
#include "vm.h"

int dev_msi_alloc(struct vm *vm, int *efd)
{
	if (!vm->irq)
		return -ENODEV;
	return irq_msi_alloc(vm->irq, efd);
}

int dev_msi_set(struct vm *vm, unsigned int id, uint64_t addr, uint32_t data, bool masked)
{
	if (!vm->irq)
		return -ENODEV;
	return irq_msi_set(vm->irq, id, addr, data, masked);
}
