// SPDX-License-Identifier: MIT
/*
 * PCI bus 0 (devices/pci.c, pci_platform.c): configuration mechanism #1,
 * config-space semantics, BAR sizing and dispatch, the PIIX reset
 * register, the platform functions OVMF probes, and the ACPI PM timer.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "legacy.h"
#include "pci.h"
#include "pci_bus.h"
#include "unit.h"
#include "util.h"
#include "vm.h"

#define MMIO32_BASE 0x80000000ULL   /* pci_mmio32_base(512 MiB) */
#define MMIO64_BASE 0x100000000ULL

static struct pci_bus bus;
static unsigned int resets;

static void count_reset(void *opaque)
{
	resets++;
}

static void bus_fixture(void)
{
	pci_bus_init(&bus, MMIO32_BASE, MMIO64_BASE, 1ULL << 40);
	bus.reset = count_reset;
	resets = 0;
	ck_assert_int_eq(pci_platform_add(&bus), 0);
	log_level = LOG_ERR - 1;  /* the PMBA test logs on purpose */
}

static void bus_teardown(void)
{
	pci_bus_destroy(&bus);
}

/* Port accesses relative to 0xCF8, as the iobus hands them to pci.c. */
static void pout(unsigned int off, uint32_t v, unsigned int len)
{
	uint8_t d[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	pci_conf_ops.write(&bus, off, d, len);
}

static uint32_t pin(unsigned int off, unsigned int len)
{
	uint8_t d[4] = { 0 };

	pci_conf_ops.read(&bus, off, d, len);
	return d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24;
}

static uint32_t addr(unsigned int busnr, unsigned int devfn, unsigned int reg)
{
	return PCI_CONF_ENABLE | busnr << 16 | devfn << 8 | (reg & 0xfc);
}

/* Config read/write of `len` bytes at `reg`, the way Linux does it. */
static uint32_t cfg_rd(unsigned int devfn, unsigned int reg, unsigned int len)
{
	pout(0, addr(0, devfn, reg), 4);
	return pin(4 + (reg & 3), len);
}

static void cfg_wr(unsigned int devfn, unsigned int reg, uint32_t v, unsigned int len)
{
	pout(0, addr(0, devfn, reg), 4);
	pout(4 + (reg & 3), v, len);
}

/* A test function: records the last BAR access. */
struct probe {
	uint64_t off;
	unsigned int len, hits;
	uint32_t last_write;
	unsigned int hook_off, hook_len, hook_calls;
};

static struct probe probe;

static void probe_read(void *opaque, uint64_t off, uint8_t *data, unsigned int len)
{
	struct probe *p = opaque;

	p->off = off;
	p->len = len;
	p->hits++;
	memset(data, 0x5a, len);
}

static void probe_write(void *opaque, uint64_t off, const uint8_t *data, unsigned int len)
{
	struct probe *p = opaque;

	p->off = off;
	p->len = len;
	p->hits++;
	p->last_write = data[0];
}

static const struct iodev_ops probe_ops = { .read = probe_read, .write = probe_write };

static void probe_hook(struct pci_dev *d, unsigned int off, unsigned int len)
{
	probe.hook_off = off;
	probe.hook_len = len;
	probe.hook_calls++;
}

static struct pci_dev tdev;

/* BAR0 I/O 32 B, BAR1 mem32 4 KiB, BAR2+3 mem64 16 KiB, BAR4+5 mem64 8 GiB prefetchable. */
static unsigned int add_test_dev(void)
{
	memset(&probe, 0, sizeof(probe));
	pci_dev_init(&tdev, "test", 0x1af4, 0x1042, 0x018000, 1);
	ck_assert_int_eq(pci_set_bar(&tdev, 0, PCI_BAR_IO, 32, &probe_ops, &probe), 0);
	ck_assert_int_eq(pci_set_bar(&tdev, 1, PCI_BAR_MEM32, 4096, &probe_ops, &probe), 0);
	ck_assert_int_eq(pci_set_bar(&tdev, 2, PCI_BAR_MEM64, 0x4000, &probe_ops, &probe), 0);
	ck_assert_int_eq(pci_set_bar(&tdev, 4, PCI_BAR_MEM64, 8ULL << 30, &probe_ops, &probe), 0);
	tdev.bar[4].prefetchable = true;
	ck_assert_int_eq(pci_bus_add(&bus, &tdev), 0);
	ck_assert_int_eq(tdev.devfn, PCI_MAKE_DEVFN(2, 0));
	return (unsigned int)tdev.devfn;
}

static bool bar_rw(enum io_space sp, uint64_t a, bool write)
{
	uint8_t d[4] = { 0x11, 0, 0, 0 };

	return pci_bus_bar_access(&bus, sp, a, d, 2, write);
}

START_TEST(config_address_register)
{
	pout(0, 0x80000000U, 4);
	ck_assert_uint_eq(pin(0, 4), 0x80000000U);
	/* Reserved bits 30:24 and type bits 1:0 are not kept. */
	pout(0, 0xffffffffU, 4);
	ck_assert_uint_eq(pin(0, 4), 0x80fffffcU);
	/* Byte and word accesses to 0xCF8/0xCFA are not CONFIG_ADDRESS. */
	pout(0, 0x00, 1);
	pout(2, 0x0000, 2);
	ck_assert_uint_eq(pin(0, 4), 0x80fffffcU);
	ck_assert_uint_eq(pin(0, 1), 0xff);
	ck_assert_uint_eq(pin(2, 2), 0xffff);
}
END_TEST

START_TEST(config_data_widths)
{
	/* i440FX at 00:00.0: 8086:1237. */
	pout(0, addr(0, 0, 0), 4);
	ck_assert_uint_eq(pin(4, 4), 0x12378086U);
	ck_assert_uint_eq(pin(4, 2), 0x8086);
	ck_assert_uint_eq(pin(6, 2), 0x1237);  /* what OVMF's SEC reads at 0xCFE */
	ck_assert_uint_eq(pin(5, 2), 0x3780);  /* unaligned word inside the dword */
	ck_assert_uint_eq(pin(4, 1), 0x86);
	ck_assert_uint_eq(pin(5, 1), 0x80);
	ck_assert_uint_eq(pin(6, 1), 0x37);
	ck_assert_uint_eq(pin(7, 1), 0x12);
	/* A dword at 0xCFD would leave the data port: nothing decodes it. */
	ck_assert_uint_eq(pin(5, 4), 0xffffffffU);
	/* Class code and revision: 0x060000, rev 2. */
	ck_assert_uint_eq(cfg_rd(0, PCI_CLASS_REVISION, 4), 0x06000002U);
	/* Interrupt line (0x3C) at 0xCFC, pin (0x3D) at 0xCFD, per byte. */
	cfg_wr(0, PCI_INTERRUPT_LINE, 0x0b, 1);
	ck_assert_uint_eq(cfg_rd(0, PCI_INTERRUPT_LINE, 1), 0x0b);
	ck_assert_uint_eq(cfg_rd(0, PCI_INTERRUPT_LINE, 2), 0x000b);
	cfg_wr(0, PCI_INTERRUPT_PIN, 0x04, 1);   /* read-only */
	ck_assert_uint_eq(cfg_rd(0, PCI_INTERRUPT_PIN, 1), 0);
	/* Word write at 0xCFE lands on register bytes 2-3 (0x3E/0x3F): read-only here. */
	cfg_wr(0, 0x3e, 0xffff, 2);
	ck_assert_uint_eq(cfg_rd(0, 0x3c, 4), 0x0000000bU);
}
END_TEST

START_TEST(config_disabled_and_absent)
{
	/* Enable bit clear: reads all-ones, writes go nowhere. */
	pout(0, addr(0, 0, PCI_COMMAND) & ~PCI_CONF_ENABLE, 4);
	ck_assert_uint_eq(pin(4, 4), 0xffffffffU);
	pout(4, PCI_COMMAND_MEMORY, 2);
	ck_assert_uint_eq(cfg_rd(0, PCI_COMMAND, 2), 0);
	/* Absent functions and other buses read all-ones at every width. */
	ck_assert_uint_eq(cfg_rd(PCI_MAKE_DEVFN(2, 0), 0, 4), 0xffffffffU);
	ck_assert_uint_eq(cfg_rd(PCI_MAKE_DEVFN(31, 7), 0x3c, 1), 0xff);
	ck_assert_uint_eq(cfg_rd(PCI_MAKE_DEVFN(1, 1), 0, 2), 0xffff);
	pout(0, addr(1, 0, 0), 4);
	ck_assert_uint_eq(pin(4, 4), 0xffffffffU);
	/* Writes to an absent function are dropped without effect. */
	cfg_wr(PCI_MAKE_DEVFN(5, 0), PCI_COMMAND, 0xffff, 2);
	ck_assert_uint_eq(cfg_rd(PCI_MAKE_DEVFN(5, 0), PCI_COMMAND, 2), 0xffff);
}
END_TEST

START_TEST(bar_sizing)
{
	unsigned int df = add_test_dev();

	ck_assert_uint_eq(cfg_rd(df, PCI_BASE_ADDRESS_0, 4), PCI_BASE_ADDRESS_SPACE_IO);
	ck_assert_uint_eq(cfg_rd(df, PCI_BASE_ADDRESS_2, 4), PCI_BASE_ADDRESS_MEM_TYPE_64);
	ck_assert_uint_eq(cfg_rd(df, PCI_BASE_ADDRESS_4, 4),
			  PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH);
	for (unsigned int r = PCI_BASE_ADDRESS_0; r <= PCI_BASE_ADDRESS_5; r += 4)
		cfg_wr(df, r, 0xffffffffU, 4);
	ck_assert_uint_eq(cfg_rd(df, PCI_BASE_ADDRESS_0, 4), 0xffffffe1U);  /* 32 B I/O */
	ck_assert_uint_eq(cfg_rd(df, PCI_BASE_ADDRESS_1, 4), 0xfffff000U);  /* 4 KiB */
	ck_assert_uint_eq(cfg_rd(df, PCI_BASE_ADDRESS_2, 4), 0xffffc004U);  /* 16 KiB, 64-bit */
	ck_assert_uint_eq(cfg_rd(df, PCI_BASE_ADDRESS_3, 4), 0xffffffffU);
	ck_assert_uint_eq(cfg_rd(df, PCI_BASE_ADDRESS_4, 4), 0x0000000cU);  /* 8 GiB */
	ck_assert_uint_eq(cfg_rd(df, PCI_BASE_ADDRESS_5, 4), 0xfffffffeU);
	/* ROM BAR: OVMF writes 0xFFFFFFFE; 0 means no ROM. */
	cfg_wr(df, PCI_ROM_ADDRESS, 0xfffffffeU, 4);
	ck_assert_uint_eq(cfg_rd(df, PCI_ROM_ADDRESS, 4), 0);
	/* The platform functions have no BARs at all. */
	cfg_wr(0, PCI_BASE_ADDRESS_0, 0xffffffffU, 4);
	ck_assert_uint_eq(cfg_rd(0, PCI_BASE_ADDRESS_0, 4), 0);
}
END_TEST

START_TEST(bar_bad_descriptions)
{
	struct pci_dev d;

	pci_dev_init(&d, "bad", 1, 2, 0, 0);
	ck_assert_int_eq(pci_set_bar(&d, 0, PCI_BAR_IO, 24, &probe_ops, NULL), -EINVAL);
	ck_assert_int_eq(pci_set_bar(&d, 0, PCI_BAR_IO, 512, &probe_ops, NULL), -EINVAL);
	ck_assert_int_eq(pci_set_bar(&d, 0, PCI_BAR_MEM32, 8, &probe_ops, NULL), -EINVAL);
	ck_assert_int_eq(pci_set_bar(&d, 5, PCI_BAR_MEM64, 4096, &probe_ops, NULL), -EINVAL);
	ck_assert_int_eq(pci_set_bar(&d, 6, PCI_BAR_MEM32, 4096, &probe_ops, NULL), -EINVAL);
	ck_assert_int_eq(pci_set_bar(&d, 0, PCI_BAR_MEM32, 4096, NULL, NULL), -EINVAL);
	ck_assert_int_eq(pci_set_bar(&d, 0, PCI_BAR_MEM64, 4096, &probe_ops, NULL), 0);
	ck_assert_int_eq(pci_set_bar(&d, 1, PCI_BAR_MEM32, 4096, &probe_ops, NULL), -EINVAL);
	/* A BAR array filled by hand is checked again by the bus. */
	d.bar[1] = (struct pci_bar){ .kind = PCI_BAR_IO, .size = 3, .ops = &probe_ops };
	ck_assert_int_eq(pci_bus_add(&bus, &d), -EINVAL);
}
END_TEST

START_TEST(capability_list)
{
	struct pci_dev d;
	unsigned int off, n = 0;
	const uint8_t ids[3] = { PCI_CAP_ID_MSIX, PCI_CAP_ID_VNDR, PCI_CAP_ID_VNDR };
	int o;

	pci_dev_init(&d, "caps", 0x1af4, 0x1042, 0x018000, 1);
	ck_assert_int_eq(pci_add_cap(&d, PCI_CAP_ID_MSIX, 12), 0x40);
	ck_assert_int_eq(pci_add_cap(&d, PCI_CAP_ID_VNDR, 14), 0x4c);
	ck_assert_int_eq(pci_add_cap(&d, PCI_CAP_ID_VNDR, 16), 0x5c);  /* dword aligned */
	ck_assert_int_eq(pci_add_cap(&d, PCI_CAP_ID_VNDR, 1), -EINVAL);
	ck_assert_int_eq(pci_bus_add(&bus, &d), 0);
	ck_assert_uint_eq(cfg_rd((unsigned int)d.devfn, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST,
			  PCI_STATUS_CAP_LIST);
	/* Walk it as an OS does. */
	for (off = cfg_rd((unsigned int)d.devfn, PCI_CAPABILITY_LIST, 1); off;
	     off = cfg_rd((unsigned int)d.devfn, off + 1, 1)) {
		ck_assert_uint_lt(n, 3);
		ck_assert_uint_eq(cfg_rd((unsigned int)d.devfn, off, 1), ids[n]);
		n++;
	}
	ck_assert_uint_eq(n, 3);
	/* The list is read-only to the guest. */
	cfg_wr((unsigned int)d.devfn, PCI_CAPABILITY_LIST, 0, 1);
	ck_assert_uint_eq(cfg_rd((unsigned int)d.devfn, PCI_CAPABILITY_LIST, 1), 0x40);
	/* The space runs out at 256 bytes. */
	pci_dev_init(&d, "full", 1, 2, 0, 0);
	do {
		o = pci_add_cap(&d, PCI_CAP_ID_VNDR, 64);
	} while (o > 0);
	ck_assert_int_eq(o, -ENOSPC);
}
END_TEST

START_TEST(write_masks)
{
	unsigned int df = add_test_dev();

	/* IDs, class, header type: read-only. */
	cfg_wr(df, PCI_VENDOR_ID, 0, 4);
	ck_assert_uint_eq(cfg_rd(df, PCI_VENDOR_ID, 4), 0x10421af4U);
	cfg_wr(df, PCI_CLASS_REVISION, 0, 4);
	ck_assert_uint_eq(cfg_rd(df, PCI_CLASS_REVISION, 4), 0x01800001U);
	cfg_wr(df, PCI_HEADER_TYPE, 0xff, 1);
	ck_assert_uint_eq(cfg_rd(df, PCI_HEADER_TYPE, 1), 0);
	/* Command: only the implemented bits stick. */
	cfg_wr(df, PCI_COMMAND, 0xffff, 2);
	ck_assert_uint_eq(cfg_rd(df, PCI_COMMAND, 2), 0x0547);
	/* Status: error bits are write-one-to-clear, the rest read-only. */
	tdev.cfg[PCI_STATUS + 1] = (PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_SIG_SYSTEM_ERROR) >> 8;
	cfg_wr(df, PCI_STATUS, 0, 2);
	ck_assert_uint_eq(cfg_rd(df, PCI_STATUS, 2),
			  PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_SIG_SYSTEM_ERROR);
	cfg_wr(df, PCI_STATUS, PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_CAP_LIST, 2);
	ck_assert_uint_eq(cfg_rd(df, PCI_STATUS, 2), PCI_STATUS_SIG_SYSTEM_ERROR);
	/* The dword write to 0x04 carries command and status together. */
	cfg_wr(df, PCI_COMMAND, 0xffff0000U, 4);
	ck_assert_uint_eq(cfg_rd(df, PCI_COMMAND, 4), 0);
}
END_TEST

START_TEST(config_write_hook)
{
	unsigned int df = add_test_dev();

	tdev.cfg_write = probe_hook;
	cfg_wr(df, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	ck_assert_uint_eq(probe.hook_calls, 1);
	ck_assert_uint_eq(probe.hook_off, PCI_COMMAND);
	ck_assert_uint_eq(probe.hook_len, 2);
	cfg_wr(df, 0x43, 0x80, 1);
	ck_assert_uint_eq(probe.hook_off, 0x43);
	ck_assert_uint_eq(probe.hook_len, 1);
	/* Reads and writes to absent functions never reach it. */
	cfg_rd(df, 0, 4);
	cfg_wr(PCI_MAKE_DEVFN(9, 0), 4, 1, 2);
	ck_assert_uint_eq(probe.hook_calls, 2);
}
END_TEST

START_TEST(command_decode)
{
	unsigned int df = add_test_dev();
	uint64_t base;

	cfg_wr(df, PCI_BASE_ADDRESS_0, 0xc040, 4);
	cfg_wr(df, PCI_BASE_ADDRESS_1, (uint32_t)MMIO32_BASE + 0x1000, 4);
	/* Decode off after reset. */
	ck_assert(!bar_rw(IO_SPACE_PIO, 0xc040, false));
	ck_assert(!bar_rw(IO_SPACE_MMIO, MMIO32_BASE + 0x1000, false));
	ck_assert(!pci_bar_active(&tdev, 1, &base));
	ck_assert_uint_eq(base, MMIO32_BASE + 0x1000);
	/* Memory on: the memory BAR answers, at its own offset. */
	cfg_wr(df, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	ck_assert(bar_rw(IO_SPACE_MMIO, MMIO32_BASE + 0x1ffe, false));
	ck_assert_uint_eq(probe.off, 0xffe);
	ck_assert_uint_eq(probe.len, 2);
	ck_assert(!bar_rw(IO_SPACE_MMIO, MMIO32_BASE + 0x1fff, false)); /* straddles the end */
	ck_assert(!bar_rw(IO_SPACE_PIO, 0xc040, false));
	/* I/O on too. */
	cfg_wr(df, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_IO, 2);
	ck_assert(bar_rw(IO_SPACE_PIO, 0xc05e, true));
	ck_assert_uint_eq(probe.off, 0x1e);
	ck_assert_uint_eq(probe.last_write, 0x11);
	ck_assert(!bar_rw(IO_SPACE_PIO, 0xc060, false));
	/* Both off again. */
	cfg_wr(df, PCI_COMMAND, 0, 2);
	ck_assert(!bar_rw(IO_SPACE_PIO, 0xc040, false));
	ck_assert(!bar_rw(IO_SPACE_MMIO, MMIO32_BASE + 0x1000, false));
}
END_TEST

START_TEST(bar_moves_at_runtime)
{
	unsigned int df = add_test_dev();
	uint8_t d[4];

	cfg_wr(df, PCI_BASE_ADDRESS_2, (uint32_t)MMIO32_BASE + 0x10000, 4);
	cfg_wr(df, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	ck_assert(bar_rw(IO_SPACE_MMIO, MMIO32_BASE + 0x10010, false));
	ck_assert_uint_eq(probe.off, 0x10);
	/* 64-bit BAR moved above 4 GiB, into the 64-bit window. */
	cfg_wr(df, PCI_BASE_ADDRESS_3, 0x2, 4);
	cfg_wr(df, PCI_BASE_ADDRESS_2, 0x40000000, 4);
	ck_assert(!bar_rw(IO_SPACE_MMIO, MMIO32_BASE + 0x10010, false));
	ck_assert(bar_rw(IO_SPACE_MMIO, 0x240000020ULL, false));
	ck_assert_uint_eq(probe.off, 0x20);
	/* Unclaimed reads in a window are all-ones. */
	memset(d, 0, sizeof(d));
	ck_assert(!pci_bus_bar_access(&bus, IO_SPACE_MMIO, MMIO32_BASE + 0x10010, d, 4, false));
	ck_assert_uint_eq(d[0] & d[1] & d[2] & d[3], 0xff);
	/* Outside every window (sizing value, RAM, above the window): no decode. */
	cfg_wr(df, PCI_BASE_ADDRESS_3, 0, 4);
	cfg_wr(df, PCI_BASE_ADDRESS_2, 0xfffff000U, 4);
	ck_assert(!pci_bar_active(&tdev, 2, NULL));
	cfg_wr(df, PCI_BASE_ADDRESS_2, 0x10000000U, 4);
	ck_assert(!pci_bar_active(&tdev, 2, NULL));
	cfg_wr(df, PCI_BASE_ADDRESS_3, 0x100, 4);   /* 1 TiB: past this bus's 64-bit end */
	ck_assert(!pci_bar_active(&tdev, 2, NULL));
	/* An I/O BAR below the PCI I/O window does not decode either. */
	cfg_wr(df, PCI_BASE_ADDRESS_0, 0xb000, 4);
	cfg_wr(df, PCI_COMMAND, PCI_COMMAND_IO, 2);
	ck_assert(!pci_bar_active(&tdev, 0, NULL));
	ck_assert(!bar_rw(IO_SPACE_PIO, 0xb000, false));
}
END_TEST

START_TEST(slots_and_functions)
{
	static struct pci_dev a, b, c, dup;

	pci_dev_init(&a, "a", 1, 1, 0, 0);
	pci_dev_init(&b, "b", 1, 2, 0, 0);
	ck_assert_int_eq(pci_bus_add(&bus, &a), 0);
	ck_assert_int_eq(pci_bus_add(&bus, &b), 0);
	ck_assert_int_eq(a.devfn, PCI_MAKE_DEVFN(2, 0));
	ck_assert_int_eq(b.devfn, PCI_MAKE_DEVFN(3, 0));
	pci_dev_init(&dup, "dup", 1, 3, 0, 0);
	dup.devfn = PCI_MAKE_DEVFN(1, 3);
	ck_assert_int_eq(pci_bus_add(&bus, &dup), -EBUSY);
	dup.devfn = 256;
	ck_assert_int_eq(pci_bus_add(&bus, &dup), -EINVAL);
	/* A second function makes fn 0 multi-function. */
	ck_assert_uint_eq(cfg_rd(a.devfn, PCI_HEADER_TYPE, 1), 0);
	pci_dev_init(&c, "c", 1, 4, 0, 0);
	c.devfn = PCI_MAKE_DEVFN(2, 5);
	ck_assert_int_eq(pci_bus_add(&bus, &c), 0);
	ck_assert_uint_eq(cfg_rd(a.devfn, PCI_HEADER_TYPE, 1), PCI_HDR_MULTI_FUNCTION);
	ck_assert_uint_eq(cfg_rd((unsigned int)c.devfn, PCI_VENDOR_ID, 4), 0x00040001U);
}
END_TEST

START_TEST(reset_register)
{
	/* Linux's reboot=pci: 0x02 first (type), then 0x06 (go). */
	pout(PCI_RCR_OFF, 0x02, 1);
	ck_assert_uint_eq(resets, 0);
	ck_assert_uint_eq(pin(PCI_RCR_OFF, 1), 0x02);
	pout(PCI_RCR_OFF, PM_RESET_VALUE, 1);   /* the FADT value, OVMF's ResetCold */
	ck_assert_uint_eq(resets, 1);
	/* Bit 2 alone (soft reset) resets as well, as in QEMU. */
	pout(PCI_RCR_OFF, 0x04, 1);
	ck_assert_uint_eq(resets, 2);
	/* A word at 0xCF9 is not the register. */
	pout(PCI_RCR_OFF, 0x0606, 2);
	ck_assert_uint_eq(resets, 2);
	/* CONFIG_ADDRESS is untouched by RC writes. */
	pout(0, 0x80000800U, 4);
	pout(PCI_RCR_OFF, 0x02, 1);
	ck_assert_uint_eq(pin(0, 4), 0x80000800U);
}
END_TEST

START_TEST(platform_functions)
{
	const unsigned int isa = PCI_MAKE_DEVFN(1, 0), pm = PIIX4_PM_DEVFN;

	ck_assert_uint_eq(cfg_rd(isa, PCI_VENDOR_ID, 4), 0x70008086U);
	ck_assert_uint_eq(cfg_rd(isa, PCI_CLASS_REVISION, 4) >> 8, 0x060100);
	ck_assert_uint_eq(cfg_rd(isa, PCI_HEADER_TYPE, 1), PCI_HDR_MULTI_FUNCTION);
	ck_assert_uint_eq(cfg_rd(pm, PCI_VENDOR_ID, 4), 0x71138086U);
	ck_assert_uint_eq(cfg_rd(pm, PCI_CLASS_REVISION, 4) >> 8, 0x068000);
	/* SioBusDxe needs (cmd & 3) == 3 after BDS writes it; OVMF writes 0x27. */
	cfg_wr(isa, PCI_COMMAND, 0x27, 2);
	ck_assert_uint_eq(cfg_rd(isa, PCI_COMMAND, 2), 0x27);
	/* PIRQ routing registers: reset 0x80 (disabled), then what OVMF writes. */
	ck_assert_uint_eq(cfg_rd(isa, PIIX3_PIRQRC, 4), 0x80808080U);
	cfg_wr(isa, PIIX3_PIRQRC, 0x0b0b0a0aU, 4);
	ck_assert_uint_eq(cfg_rd(isa, PIIX3_PIRQRC, 4), 0x0b0b0a0aU);
	/* Functions 1, 2, 4-7 of slot 1 are absent. */
	ck_assert_uint_eq(cfg_rd(PCI_MAKE_DEVFN(1, 1), 0, 2), 0xffff);
	ck_assert_uint_eq(cfg_rd(PCI_MAKE_DEVFN(1, 7), 0, 2), 0xffff);
}
END_TEST

START_TEST(pmba_pmregmisc)
{
	const unsigned int pm = PIIX4_PM_DEVFN;
	uint32_t v;

	/* Enabled from reset at the fixed block, so OVMF keeps it there. */
	ck_assert_uint_eq(cfg_rd(pm, PIIX4_PMREGMISC, 1) & 1, 1);
	ck_assert_uint_eq(cfg_rd(pm, PIIX4_PMBA, 4), PM_EVT_PORT | 1);
	ck_assert_uint_eq(cfg_rd(pm, PCI_COMMAND, 2) & PCI_COMMAND_IO, PCI_COMMAND_IO);
	/* PlatformMiscInitialization's PciAndThenOr32(PMBA, ~MASK, 0xB000). */
	v = cfg_rd(pm, PIIX4_PMBA, 4);
	cfg_wr(pm, PIIX4_PMBA, (v & ~0xffc0U) | 0xb000, 4);
	ck_assert_uint_eq(cfg_rd(pm, PIIX4_PMBA, 4), 0xb001);
	/* The timer port OVMF derives: (PMBA & ~RTE) + 8. */
	ck_assert_uint_eq((cfg_rd(pm, PIIX4_PMBA, 4) & ~1U) + 8, PM_TMR_PORT);
	/* Only bits 15:6 are writable; bit 0 reads 1. */
	cfg_wr(pm, PIIX4_PMBA, 0xffffffffU, 4);
	ck_assert_uint_eq(cfg_rd(pm, PIIX4_PMBA, 4), 0xffc1);
	cfg_wr(pm, PIIX4_PMBA, 0, 4);
	ck_assert_uint_eq(cfg_rd(pm, PIIX4_PMBA, 4), 0x0001);
	/* PMREGMISC: bit 0 only. */
	cfg_wr(pm, PIIX4_PMREGMISC, 0, 1);
	ck_assert_uint_eq(cfg_rd(pm, PIIX4_PMREGMISC, 1), 0);
	cfg_wr(pm, PIIX4_PMREGMISC, 0xff, 1);
	ck_assert_uint_eq(cfg_rd(pm, PIIX4_PMREGMISC, 1), 1);
}
END_TEST

START_TEST(mmio32_window_rule)
{
	/* OVMF's Uc32Base: 4 GiB - largest power of two <= the gap. */
	ck_assert_uint_eq(pci_mmio32_base(512ULL << 20), 0x80000000ULL);
	ck_assert_uint_eq(pci_mmio32_base(3ULL << 30), 0xc0000000ULL);
	ck_assert_uint_eq(pci_mmio32_base(0x90000000ULL), 0xc0000000ULL);
	ck_assert_uint_eq(pci_mmio32_base(0xe0000000ULL), 0xe0000000ULL);
	ck_assert_uint_eq(pci_mmio32_base(16ULL << 20), 0x80000000ULL);
}
END_TEST

/* ---- the PM timer (devices/pm.c) ---- */

START_TEST(pm_timer_math)
{
	/* 10 ms is 35795.45 ticks. */
	uint32_t a = pm_timer_at(1, 0), b = pm_timer_at(1, 10000000);

	ck_assert_uint_eq(a, PM_TMR_HZ);
	ck_assert_uint_eq(b - a, 35795);
	/* 24 bits: wraps after 2^24 / 3579545 = 4.69 s. */
	ck_assert_uint_eq(pm_timer_at(5, 0), (5U * PM_TMR_HZ) & 0xffffffU);
	ck_assert_uint_le(pm_timer_at(5, 0), 0xffffffU);
	ck_assert_uint_lt(pm_timer_at(4, 690000000), pm_timer_at(4, 680000000));
	/* No overflow after years of host uptime: still exact. */
	ck_assert_uint_eq(pm_timer_at(100000000, 0),
			  (uint32_t)((100000000ULL * PM_TMR_HZ) & 0xffffff));
	/* Steady inside a second: 999983 ns is 3579.48 ticks. */
	for (uint32_t ns = 0; ns + 999983 < 1000000000; ns += 999983) {
		uint32_t d = (pm_timer_at(7, ns + 999983) - pm_timer_at(7, ns)) & 0xffffff;

		ck_assert_uint_ge(d, 3579);
		ck_assert_uint_le(d, 3580);
	}
}
END_TEST

static struct vm pvm;

static uint32_t tmr_in(void)
{
	uint8_t d[4] = { 0 };

	ck_assert(iobus_access(&pvm.pio, PM_TMR_PORT, d, 4, false));
	return d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

START_TEST(pm_timer_port_rate)
{
	static struct pm pm;
	const struct timespec ten_ms = { 0, 10000000 };
	double t0, t1;
	uint32_t r0, r1, ticks;
	uint8_t b;

	memset(&pvm, 0, sizeof(pvm));
	pvm.stop_efd = -1;
	iobus_init(&pvm.pio, IO_SPACE_PIO);
	ck_assert_int_eq(pm_setup(&pvm, &pm), 0);
	t0 = now_s();
	r0 = tmr_in();
	nanosleep(&ten_ms, NULL);
	r1 = tmr_in();
	t1 = now_s();
	ck_assert_uint_eq(r0 >> 24, 0);
	ck_assert_uint_eq(r1 >> 24, 0);
	ticks = (r1 - r0) & 0xffffff;
	/* At least 10 ms of ticks, at most the measured interval's worth. */
	ck_assert_uint_ge(ticks, 35795);
	ck_assert_uint_le(ticks, (uint32_t)((t1 - t0) * PM_TMR_HZ) + 2);
	/* Writes are ignored; byte reads see the same counter. */
	b = 0;
	iobus_access(&pvm.pio, PM_TMR_PORT + 3, &b, 1, false);
	ck_assert_uint_eq(b, 0);
	/* The reset register is not in the PM block any more (pci.c has 0xCF9). */
	ck_assert(!iobus_access(&pvm.pio, PM_RESET_PORT, &b, 1, true));
}
END_TEST

static Suite *pci_suite(void)
{
	Suite *s = suite_create("pci");
	TCase *cfg = tcase_create("config");
	TCase *bars = tcase_create("bars");
	TCase *plat = tcase_create("platform");
	TCase *tmr = tcase_create("pm-timer");

	tcase_add_checked_fixture(cfg, bus_fixture, bus_teardown);
	tcase_add_test(cfg, config_address_register);
	tcase_add_test(cfg, config_data_widths);
	tcase_add_test(cfg, config_disabled_and_absent);
	tcase_add_test(cfg, capability_list);
	tcase_add_test(cfg, write_masks);
	tcase_add_test(cfg, config_write_hook);
	tcase_add_test(cfg, slots_and_functions);
	suite_add_tcase(s, cfg);

	tcase_add_checked_fixture(bars, bus_fixture, bus_teardown);
	tcase_add_test(bars, bar_sizing);
	tcase_add_test(bars, bar_bad_descriptions);
	tcase_add_test(bars, command_decode);
	tcase_add_test(bars, bar_moves_at_runtime);
	suite_add_tcase(s, bars);

	tcase_add_checked_fixture(plat, bus_fixture, bus_teardown);
	tcase_add_test(plat, reset_register);
	tcase_add_test(plat, platform_functions);
	tcase_add_test(plat, pmba_pmregmisc);
	tcase_add_test(plat, mmio32_window_rule);
	suite_add_tcase(s, plat);

	tcase_add_test(tmr, pm_timer_math);
	tcase_add_test(tmr, pm_timer_port_rate);
	suite_add_tcase(s, tmr);
	return s;
}

UNIT_MAIN(pci_suite)
