// SPDX-License-Identifier: MIT
/*
 * ACPI table layout: RSDP at offset 0, then XSDT, FADT, FACS, DSDT and
 * MADT, each 16-byte aligned (the FACS 64-byte aligned, as the spec
 * requires). There is no RSDT: a revision 2 RSDP with an XSDT is what
 * every 64-bit OS uses, and the RSDT is optional since ACPI 2.0.
 */
#include <errno.h>
#include <string.h>

#include "acpi/acpi_tables.h"
#include "util.h"

uint8_t acpi_sum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *b++);
	return s;
}

void acpi_checksum_set(void *table, size_t len, uint8_t *csum)
{
	*csum = 0;
	*csum = (uint8_t)(0 - acpi_sum(table, len));
}

void acpi_header_init(struct acpi_header *h, const char *sig, uint32_t len,
		      uint8_t revision)
{
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = revision;
	h->checksum = 0;
	memcpy(h->oem_id, ACPI_OEM_ID, 6);
	memcpy(h->oem_table_id, ACPI_OEM_TABLE_ID, 8);
	h->oem_revision = ACPI_OEM_REVISION;
	memcpy(h->creator_id, ACPI_CREATOR_ID, 4);
	h->creator_revision = ACPI_CREATOR_REVISION;
}

static int check_config(const struct acpi_config *cfg)
{
	if (cfg->ncpus < 1 || cfg->ncpus > 255)
		return -EINVAL;
	/* The MADT carries 32-bit APIC addresses. */
	if (cfg->ioapic_addr > UINT32_MAX || cfg->lapic_addr > UINT32_MAX)
		return -EINVAL;
	/* PM1a event and control blocks are mandatory without HW_REDUCED. */
	if (!cfg->pm1a_evt_port || !cfg->pm1a_cnt_port)
		return -EINVAL;
	if (cfg->s5_slp_typ > 7) /* SLP_TYP is a 3-bit field */
		return -EINVAL;
	if (cfg->com1_port && cfg->com1_irq > 15)
		return -EINVAL;
	if (cfg->pci_mmio32_end && (cfg->pci_mmio32_end <= cfg->pci_mmio32_base ||
				    cfg->pci_mmio32_end > (1ULL << 32)))
		return -EINVAL;
	if (cfg->nr_dsdt_hooks > ACPI_MAX_DSDT_HOOKS)
		return -EINVAL;
	for (unsigned int i = 0; i < cfg->nr_dsdt_hooks; i++)
		if (!cfg->dsdt_hooks[i].emit)
			return -EINVAL;
	return 0;
}

/* Reserve `size` bytes at the next `align`-aligned offset. */
static int place(size_t *off, size_t size, size_t align, size_t len,
		 size_t *at)
{
	size_t o = ALIGN_UP(*off, align);

	if (o > len || size > len - o)
		return -ENOSPC;
	*at = o;
	*off = o + size;
	return 0;
}

static void build_facs(uint8_t *out)
{
	struct acpi_facs facs;

	memset(&facs, 0, sizeof(facs));
	memcpy(facs.signature, "FACS", 4);
	facs.length = sizeof(facs);
	/* Version 2 (ACPI 4.0+); no S4BIOS, no 64-bit wake: no sleep states. */
	facs.version = 2;
	memcpy(out, &facs, sizeof(facs));
}

ssize_t acpi_build(uint8_t *buf, size_t len, uint64_t base,
		   const struct acpi_config *cfg)
{
	struct acpi_fadt_addrs addrs;
	struct acpi_rsdp rsdp;
	struct acpi_header xsdt;
	size_t off = 0, rsdp_at, xsdt_at, fadt_at, facs_at, dsdt_at, madt_at;
	uint64_t ent;
	ssize_t n;
	int ret;

	ret = check_config(cfg);
	if (ret)
		return ret;
	memset(buf, 0, len);

	/* Fixed-size tables first, so their addresses are known. */
	if ((ret = place(&off, sizeof(rsdp), 16, len, &rsdp_at)) ||
	    (ret = place(&off, sizeof(xsdt) + 2 * 8, 16, len, &xsdt_at)) ||
	    (ret = place(&off, sizeof(struct acpi_fadt), 16, len, &fadt_at)) ||
	    (ret = place(&off, sizeof(struct acpi_facs), 64, len, &facs_at)))
		return ret;

	/* DSDT and MADT: variable size, the builders report how much. */
	if ((ret = place(&off, 0, 16, len, &dsdt_at)))
		return ret;
	n = acpi_build_dsdt(buf + dsdt_at, len - dsdt_at, cfg);
	if (n < 0)
		return n;
	off = dsdt_at + (size_t)n;
	if ((ret = place(&off, 0, 16, len, &madt_at)))
		return ret;
	n = acpi_build_madt(buf + madt_at, len - madt_at, cfg);
	if (n < 0)
		return n;
	off = madt_at + (size_t)n;

	build_facs(buf + facs_at);
	addrs.facs = base + facs_at;
	addrs.dsdt = base + dsdt_at;
	n = acpi_build_fadt(buf + fadt_at, len - fadt_at, cfg, &addrs);
	if (n < 0)
		return n;

	/* XSDT: 64-bit pointers, unaligned after the 36-byte header. */
	acpi_header_init(&xsdt, "XSDT", sizeof(xsdt) + 2 * 8, 1);
	memcpy(buf + xsdt_at, &xsdt, sizeof(xsdt));
	ent = base + fadt_at;
	memcpy(buf + xsdt_at + sizeof(xsdt), &ent, 8);
	ent = base + madt_at;
	memcpy(buf + xsdt_at + sizeof(xsdt) + 8, &ent, 8);
	acpi_checksum_set(buf + xsdt_at, xsdt.length,
			  buf + xsdt_at + offsetof(struct acpi_header, checksum));

	memset(&rsdp, 0, sizeof(rsdp));
	memcpy(rsdp.signature, "RSD PTR ", 8);
	memcpy(rsdp.oem_id, ACPI_OEM_ID, 6);
	rsdp.revision = 2;
	rsdp.length = sizeof(rsdp);
	rsdp.xsdt_address = base + xsdt_at;
	/* The v1 checksum covers only the first 20 bytes, the rest all. */
	acpi_checksum_set(&rsdp, 20, &rsdp.checksum);
	acpi_checksum_set(&rsdp, sizeof(rsdp), &rsdp.ext_checksum);
	memcpy(buf + rsdp_at, &rsdp, sizeof(rsdp));

	return (ssize_t)off;
}
