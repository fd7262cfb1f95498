// SPDX-License-Identifier: MIT
/*
 * Port 0x80, where firmware writes POST codes and Linux's outb_p() does
 * its I/O delay. Claiming it keeps it out of the unclaimed-port log;
 * writes are dropped, reads return all-ones like an empty bus.
 */
#include "legacy.h"
#include "vm.h"

static const struct iodev_ops debugport_ops = { 0 };

int debugport_setup(struct vm *vm)
{
	return iobus_register(&vm->pio, 0x80, 1, &debugport_ops, NULL, "debugport");
}
