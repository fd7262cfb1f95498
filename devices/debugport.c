// SPDX-License-Identifier: MIT
/*
 * Port 0x80, where firmware writes POST codes and Linux's outb_p() does
 * its I/O delay. Claiming it keeps it out of the unclaimed-port log;
 * writes are dropped, reads return all-ones like an empty bus. Stateless.
 */
#include "device.h"

static const struct iodev_ops debugport_ops = { 0 };

static int debugport_init(struct vm *vm)
{
	return dev_pio_register(vm, 0x80, 1, &debugport_ops, NULL, "debugport");
}

DEVICE_REGISTER(debugport, DEV_LEVEL_PLATFORM, debugport_init, NULL);
