// SPDX-License-Identifier: MIT
/*
 * DSDT: Scope(\_SB) with the fixed devices hvmm always has plus whatever
 * the registered hooks emit, and the \_S5 sleep-state package. Revision
 * 2, so AML integers are 64 bits wide.
 *
 * Equivalent ASL:
 *
 *   DefinitionBlock ("", "DSDT", 2, "HVMM  ", "HVMMVM  ", 1) {
 *     Scope (\_SB) {
 *       Device (COM1) {
 *         Name (_HID, EisaId ("PNP0501"))
 *         Name (_UID, 1)
 *         Name (_CRS, ResourceTemplate () {
 *           IO (Decode16, port, port, 1, 8)
 *           IRQNoFlags () { irq }
 *         })
 *       }
 *       Device (PCI0) {                  (when cfg->pci_mmio32_end)
 *         Name (_HID, EisaId ("PNP0A03"))
 *         Name (_UID, 0)
 *         Name (_BBN, 0)
 *         Name (_CRS, ResourceTemplate () {
 *           WordBusNumber (ResourceProducer, ..., 0, 0, 0, 0, 1)
 *           IO (Decode16, 0xCF8, 0xCF8, 1, 8)
 *           WordIO (ResourceProducer, ..., 0x0000, 0x0CF7, ...)
 *           WordIO (ResourceProducer, ..., 0x0D00, 0xFFFF, ...)
 *           QWordMemory (ResourceProducer, ..., mmio32 window)
 *         })
 *       }
 *       ... hooks ...
 *     }
 *     Name (\_S5, Package () { typ, typ, 0, 0 })
 *   }
 */
#include <errno.h>
#include <string.h>

#include "acpi/acpi_tables.h"
#include "acpi/aml.h"

static void emit_com1(struct aml *a, const struct acpi_config *cfg)
{
	aml_device_begin(a, "COM1");
	aml_name_eisaid(a, "_HID", "PNP0501");
	aml_name_integer(a, "_UID", 1);
	aml_name(a, "_CRS");
	aml_restemplate_begin(a);
	aml_res_io(a, cfg->com1_port, 8);
	aml_res_irq_noflags(a, cfg->com1_irq);
	aml_restemplate_end(a);
	aml_device_end(a);
}

/*
 * The root bridge, bus 0 only: Linux scans exactly the buses in _CRS's
 * bus range, so it never walks the 255 empty ones. The I/O windows
 * leave out the config ports, as QEMU's i440FX DSDT does.
 */
static void emit_pci0(struct aml *a, const struct acpi_config *cfg)
{
	aml_device_begin(a, "PCI0");
	aml_name_eisaid(a, "_HID", "PNP0A03");
	aml_name_integer(a, "_UID", 0);
	aml_name_integer(a, "_BBN", 0);
	aml_name(a, "_CRS");
	aml_restemplate_begin(a);
	aml_res_word_bus(a, 0, 0);
	aml_res_io(a, 0xcf8, 8);
	aml_res_word_io(a, 0x0000, 0x0cf7);
	aml_res_word_io(a, 0x0d00, 0xffff);
	aml_res_qword_memory(a, cfg->pci_mmio32_base,
			     cfg->pci_mmio32_end - cfg->pci_mmio32_base, true);
	aml_restemplate_end(a);
	aml_device_end(a);
}

static void emit_body(struct aml *a, const struct acpi_config *cfg)
{
	/*
	 * \_S5: SLP_TYPa, SLP_TYPb, then two reserved entries. Linux
	 * writes SLP_TYPa | SLP_EN to PM1a_CNT to power off.
	 */
	const uint64_t s5[4] = { cfg->s5_slp_typ, cfg->s5_slp_typ, 0, 0 };

	aml_scope_begin(a, "\\_SB");
	if (cfg->com1_port)
		emit_com1(a, cfg);
	if (cfg->pci_mmio32_end)
		emit_pci0(a, cfg);
	for (unsigned int i = 0; i < cfg->nr_dsdt_hooks; i++)
		cfg->dsdt_hooks[i].emit(a, cfg->dsdt_hooks[i].opaque);
	aml_scope_end(a);

	aml_name(a, "\\_S5");
	aml_package_integers(a, s5, 4);
}

ssize_t acpi_build_dsdt(uint8_t *out, size_t room,
			const struct acpi_config *cfg)
{
	struct acpi_header h;
	struct aml a;
	size_t size;
	ssize_t ret;

	aml_init(&a);
	emit_body(&a, cfg);
	ret = aml_finish(&a);
	if (ret)
		goto out;
	size = sizeof(h) + a.len;
	if (room < size || size > UINT32_MAX) {
		ret = -ENOSPC;
		goto out;
	}
	acpi_header_init(&h, "DSDT", (uint32_t)size, 2);
	memcpy(out, &h, sizeof(h));
	memcpy(out + sizeof(h), a.buf, a.len);
	acpi_checksum_set(out, size, out + offsetof(struct acpi_header, checksum));
	ret = (ssize_t)size;
out:
	aml_free(&a);
	return ret;
}
