// SPDX-License-Identifier: MIT
/*
 * Port 0x92, "system control port A" of PC chipsets: bit 1 is the A20
 * gate, bit 0 the fast reset. OVMF's PlatformPei reads it and writes it
 * back with bit 1 set (the access trace in ../shared/reference/ovmf.md
 * A11: read 0, write 0x02). Unclaimed, the read would give all-ones and
 * the write-back would carry bit 0: a fast reset on real hardware. So it
 * is a register: bit 1 is stored (A20 itself is always on under KVM),
 * and bit 0 going from 0 to 1 resets the machine, as QEMU's port92 does
 * (hw/i386/pc.c).
 */
#include <string.h>

#include "device.h"
#include "legacy.h"
#include "util.h"

#define PORT92 0x92
#define PORT92_RESET 0x01
#define PORT92_A20 0x02

static void port92_read(void *opaque, uint64_t off, uint8_t *data, unsigned int len)
{
	struct port92 *p = opaque;

	memset(data, 0, len);
	data[0] = __atomic_load_n(&p->val, __ATOMIC_RELAXED);
}

static void port92_write(void *opaque, uint64_t off, const uint8_t *data, unsigned int len)
{
	struct port92 *p = opaque;
	uint8_t old = __atomic_exchange_n(&p->val, data[0] & PORT92_A20, __ATOMIC_RELAXED);

	/* Only a rising bit 0 resets; the register never holds it. */
	if ((data[0] & PORT92_RESET) && !(old & PORT92_RESET)) {
		pr_info("guest reset through port 0x92");
		dev_request_stop(p->vm, DEV_STOP_RESET);
	}
}

static const struct iodev_ops port92_ops = { .read = port92_read, .write = port92_write };

int port92_setup(struct vm *vm, struct port92 *p)
{
	p->vm = vm;
	p->val = 0;
	return dev_pio_register(vm, PORT92, 1, &port92_ops, p, "port92");
}

/* The VM's port 0x92: lives from init to exit (device.h). */
static struct port92 port92_dev;

static int port92_init(struct vm *vm)
{
	return port92_setup(vm, &port92_dev);
}

DEVICE_REGISTER(port92, DEV_LEVEL_PLATFORM, port92_init, NULL);
