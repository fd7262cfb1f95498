/* SPDX-License-Identifier: MIT */
/*
 * ACPI tables generated at VM start: RSDP, XSDT, FADT (with FACS and
 * DSDT), MADT. The DSDT is emitted with the AML writer in aml.h;
 * devices add their own objects through `dsdt_hooks`, so later devices
 * (VMBus) need no change here.
 */
#ifndef HVMM_ACPI_H
#define HVMM_ACPI_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct aml;

#define ACPI_MAX_DSDT_HOOKS 8

struct acpi_dsdt_hook {
	/* Emits objects inside Scope(\_SB). */
	void (*emit)(struct aml *aml, void *opaque);
	void *opaque;
};

struct acpi_config {
	unsigned int ncpus;          /* 1..255, APIC IDs 0..ncpus-1 */
	uint64_t ioapic_addr;
	uint64_t lapic_addr;
	uint8_t sci_irq;
	uint16_t pm1a_evt_port;      /* PM1a event block: 4 bytes */
	uint16_t pm1a_cnt_port;      /* PM1a control block: 2 bytes */
	uint16_t pm_tmr_port;        /* PM timer, 4 bytes, 24-bit; 0 = none */
	uint16_t reset_port;         /* FADT reset register (system I/O) */
	uint8_t reset_value;
	uint8_t s5_slp_typ;          /* SLP_TYP value for \_S5 */
	uint16_t com1_port;          /* 0 = no COM1 device in the DSDT */
	uint8_t com1_irq;
	/*
	 * PCI root bridge \_SB.PCI0 (bus 0 only) with this 32-bit MMIO
	 * window [base, end); end 0 = no PCI0 in the DSDT.
	 */
	uint32_t pci_mmio32_base;
	uint64_t pci_mmio32_end;
	unsigned int nr_dsdt_hooks;
	struct acpi_dsdt_hook dsdt_hooks[ACPI_MAX_DSDT_HOOKS];
};

/*
 * Build all tables into `buf` (`len` bytes), which the caller places at
 * guest-physical `base`. The RSDP is at offset 0, so the guest finds it
 * by the BIOS-area scan when base is in 0xe0000-0xfffff. Every table
 * carries a correct checksum. Returns the number of bytes used, or
 * -ENOSPC / -EINVAL.
 */
ssize_t acpi_build(uint8_t *buf, size_t len, uint64_t base,
		   const struct acpi_config *cfg);

#endif
