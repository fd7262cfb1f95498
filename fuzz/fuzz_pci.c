// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: arbitrary guest port and window traffic against PCI
 * bus 0 (devices/pci.c with the platform functions and one function
 * with every BAR kind and a capability list). Each 8-byte record is one
 * access: CONFIG_ADDRESS/CONFIG_DATA/reset-register at any offset and
 * width, or a BAR-window access anywhere. Nothing may read or write
 * outside a config space (ASan), and what must not change does not: the
 * IDs and class of every function, the capability list, the
 * multi-function bit, a dispatched access always inside its BAR.
 *
 *   make build/fuzz/fuzz_pci && build/fuzz/fuzz_pci -max_total_time=30
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "pci.h"
#include "pci_bus.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* pci.c's VM glue is not exercised here; these only satisfy the linker. */
const struct guest_mem *dev_guest_mem(struct vm *vm)
{
	abort();
}

int dev_pio_register(struct vm *vm, uint16_t base, uint16_t len,
		     const struct iodev_ops *ops, void *opaque, const char *name)
{
	abort();
}

int dev_mmio_register(struct vm *vm, uint64_t base, uint64_t len,
		      const struct iodev_ops *ops, void *opaque, const char *name)
{
	abort();
}

void dev_request_stop(struct vm *vm, enum dev_stop why)
{
	abort();
}

static uint64_t bar_size[PCI_NUM_BARS] = { 64, 4096, 0x4000, 0, 1ULL << 33, 0 };

static void bar_access(void *opaque, uint64_t off, uint8_t *data, unsigned int len)
{
	uintptr_t idx = (uintptr_t)opaque;

	if (off + len > bar_size[idx])
		abort();
	memset(data, 0x5a, len);
}

static void bar_write(void *opaque, uint64_t off, const uint8_t *data, unsigned int len)
{
	bar_access(opaque, off, (uint8_t *)data, len);
}

static const struct iodev_ops bar_ops = { .read = bar_access, .write = bar_write };

static void reset(void *opaque)
{
}

static uint32_t le(const uint8_t *p, unsigned int n)
{
	uint32_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pci_dev dev;
	static const unsigned int width[4] = { 1, 2, 4, 8 };
	struct pci_bus bus;
	uint8_t saved[0x10], buf[8];
	size_t i;

	log_level = LOG_ERR - 1;
	pci_bus_init(&bus, 0x80000000ULL, 0x100000000ULL, 1ULL << 40);
	bus.reset = reset;
	if (pci_platform_add(&bus))
		abort();
	pci_dev_init(&dev, "fuzz", 0x1af4, 0x1042, 0x018000, 1);
	pci_set_bar(&dev, 0, PCI_BAR_IO, 64, &bar_ops, (void *)0);
	pci_set_bar(&dev, 1, PCI_BAR_MEM32, 4096, &bar_ops, (void *)1);
	pci_set_bar(&dev, 2, PCI_BAR_MEM64, 0x4000, &bar_ops, (void *)2);
	pci_set_bar(&dev, 4, PCI_BAR_MEM64, 1ULL << 33, &bar_ops, (void *)4);
	pci_add_cap(&dev, PCI_CAP_ID_MSIX, 12);
	pci_add_cap(&dev, PCI_CAP_ID_VNDR, 16);
	if (pci_bus_add(&bus, &dev))
		abort();
	memcpy(saved, dev.cfg, sizeof(saved));

	for (i = 0; i + 8 <= size; i += 8) {
		const uint8_t *r = data + i;
		unsigned int len = width[r[1] & 3];
		uint32_t v = le(r + 4, 4);

		switch (r[0] & 3) {
		case 0:  /* port range 0xCF8-0xCFF, as the iobus would hand it */
			if ((r[2] & 7) + len > PCI_CONF_PORTS || len > 4)
				break;
			memcpy(buf, r + 4, 4);
			if (r[1] & 4)
				pci_conf_ops.write(&bus, r[2] & 7, buf, len);
			else
				pci_conf_ops.read(&bus, r[2] & 7, buf, len);
			break;
		case 1:  /* a well-formed config cycle to a chosen function/register */
			memset(buf, 0, sizeof(buf));
			buf[0] = (uint8_t)(r[3] & 0xfc);
			buf[1] = r[2];          /* devfn */
			buf[3] = 0x80;          /* enable, bus 0 */
			pci_conf_ops.write(&bus, 0, buf, 4);
			if (len > 4 || (r[3] & 3) + len > 4)
				break;
			memcpy(buf, r + 4, 4);
			if (r[1] & 4)
				pci_conf_ops.write(&bus, 4 + (r[3] & 3), buf, len);
			else
				pci_conf_ops.read(&bus, 4 + (r[3] & 3), buf, len);
			break;
		default: /* a window access: I/O, 32-bit or 64-bit memory */
		{
			enum io_space sp = (r[0] & 4) ? IO_SPACE_PIO : IO_SPACE_MMIO;
			uint64_t a = sp == IO_SPACE_PIO ? 0xc000 + (v & 0x3fff) :
				     (r[0] & 8) ? 0x100000000ULL + ((uint64_t)v << 4) :
						  0x80000000ULL + (v & 0x7bffffff);

			pci_bus_bar_access(&bus, sp, a, buf, sp == IO_SPACE_PIO && len > 4 ? 4 : len,
					   r[1] & 4);
			break;
		}
		}
	}
	/* Read-only identity and the capability chain survive any traffic. */
	if (memcmp(saved, dev.cfg, 4) || memcmp(saved + 8, dev.cfg + 8, 4) ||
	    dev.cfg[PCI_CAPABILITY_LIST] != 0x40 || dev.cfg[0x40] != PCI_CAP_ID_MSIX ||
	    dev.cfg[0x41] != 0x4c || dev.cfg[0x4c] != PCI_CAP_ID_VNDR || dev.cfg[0x4d] != 0 ||
	    !(dev.cfg[PCI_STATUS] & PCI_STATUS_CAP_LIST))
		abort();
	if (pci_cfg_read(&dev, PCI_ROM_ADDRESS, 4) != 0)
		abort();
	if (le(bus.devs[0]->cfg, 4) != 0x12378086U ||
	    !(bus.devs[PCI_MAKE_DEVFN(1, 0)]->cfg[PCI_HEADER_TYPE] & PCI_HDR_MULTI_FUNCTION) ||
	    le(bus.devs[PIIX4_PM_DEVFN]->cfg, 4) != 0x71138086U)
		abort();
	pci_bus_destroy(&bus);
	return 0;
}
