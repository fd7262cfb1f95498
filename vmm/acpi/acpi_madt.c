// SPDX-License-Identifier: MIT
/*
 * MADT (ACPI 6.5 section 5.2.12). This is the only place processors are
 * declared: Linux enumerates and boots CPUs from the MADT's Local APIC
 * entries; Processor/ACPI0007 objects in the DSDT only feed the ACPI
 * processor driver (C/P-states, hotplug), which a VM does not need.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "acpi/acpi_tables.h"

/*
 * Overrides describe ISA IRQs only. An SCI above 15 is a plain GSI, and
 * without an override Linux programs it level/active-low (the PCI
 * convention), so a device using one must drive it that way.
 */
static bool sci_is_isa(const struct acpi_config *cfg)
{
	return cfg->sci_irq && cfg->sci_irq < 16;
}

static size_t madt_size(const struct acpi_config *cfg)
{
	size_t n = sizeof(struct acpi_madt);

	n += cfg->ncpus * sizeof(struct madt_lapic);
	n += sizeof(struct madt_ioapic);
	n += (sci_is_isa(cfg) ? 2 : 1) * sizeof(struct madt_iso);
	n += sizeof(struct madt_lapic_nmi);
	return n;
}

static void put_iso(uint8_t **p, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	struct madt_iso iso = {
		.type = MADT_ISO,
		.length = sizeof(iso),
		.bus = 0,
		.source = irq,
		.gsi = gsi,
		.flags = flags,
	};

	memcpy(*p, &iso, sizeof(iso));
	*p += sizeof(iso);
}

ssize_t acpi_build_madt(uint8_t *out, size_t room,
			const struct acpi_config *cfg)
{
	size_t size = madt_size(cfg);
	struct acpi_madt m;
	uint8_t *p = out;

	if (room < size)
		return -ENOSPC;

	memset(&m, 0, sizeof(m));
	/* Revision 5 (ACPI 6.2+): no entry types newer than that used. */
	acpi_header_init(&m.h, "APIC", (uint32_t)size, 5);
	m.lapic_addr = (uint32_t)cfg->lapic_addr;
	/* Dual 8259s are present (KVM's PIC); the OS must mask them. */
	m.flags = MADT_PCAT_COMPAT;
	memcpy(p, &m, sizeof(m));
	p += sizeof(m);

	for (unsigned int i = 0; i < cfg->ncpus; i++) {
		struct madt_lapic l = {
			.type = MADT_LAPIC,
			.length = sizeof(l),
			.acpi_uid = (uint8_t)i,
			.apic_id = (uint8_t)i,
			.flags = 1, /* enabled */
		};

		memcpy(p, &l, sizeof(l));
		p += sizeof(l);
	}

	/*
	 * IOAPIC ID = ncpus, the first ID after the vCPUs' APIC IDs: old
	 * (32-bit) Linux insists IOAPIC IDs not clash with them. 64-bit
	 * Linux uses the value only as a name, and KVM's IOAPIC ignores it.
	 */
	struct madt_ioapic io = {
		.type = MADT_IOAPIC,
		.length = sizeof(io),
		.ioapic_id = (uint8_t)cfg->ncpus,
		.address = (uint32_t)cfg->ioapic_addr,
		.gsi_base = 0,
	};
	memcpy(p, &io, sizeof(io));
	p += sizeof(io);

	/* The PIT drives IOAPIC pin 2, not 0 (the 8259 cascade sits there). */
	put_iso(&p, 0, 2, 0 /* bus default: edge, active high */);
	/*
	 * The SCI is level-triggered, active high, like on PIIX4/QEMU.
	 * Without this ISO Linux would program it level/active-low and
	 * see an idle (low) line as a stuck interrupt.
	 */
	if (sci_is_isa(cfg))
		put_iso(&p, cfg->sci_irq, cfg->sci_irq,
			MPS_POLARITY_HIGH | MPS_TRIGGER_LEVEL);

	/* NMIs arrive on LINT1 of every processor, as on real PCs. */
	struct madt_lapic_nmi nmi = {
		.type = MADT_LAPIC_NMI,
		.length = sizeof(nmi),
		.acpi_uid = 0xff,
		.flags = 0,
		.lint = 1,
	};
	memcpy(p, &nmi, sizeof(nmi));
	p += sizeof(nmi);

	acpi_checksum_set(out, size, out + offsetof(struct acpi_header, checksum));
	return (ssize_t)size;
}
