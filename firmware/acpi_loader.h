/* SPDX-License-Identifier: MIT */
/*
 * hvmm's ACPI tables for a firmware boot, as QEMU hands its own to OVMF:
 * two fw_cfg blobs and a script that tells the firmware where to put
 * them and how to relocate them ("etc/table-loader"). Since
 * edk2-stable202108 this script is OVMF's only source of ACPI tables.
 *
 * Format: edk2 OvmfPkg/Include/IndustryStandard/QemuLoader.h; consumer:
 * OvmfPkg/AcpiPlatformDxe/QemuFwCfgAcpi.c (edk2-stable202211), which
 *   - ALLOCATEs each named blob (align <= 4096; below 4 GiB when any
 *     ADD_POINTER into it is narrower than 8 bytes) and reads it in;
 *   - ADD_POINTER: adds the pointee blob's base to the little-endian
 *     pointer at pointer_file+offset, whose value must be < pointee size;
 *   - ADD_CHECKSUM: stores 0 - sum(file[start..start+length)) at
 *     file[result_offset] (the result byte is inside the range, so the
 *     blob carries 0 there);
 *   - then, for each ADD_POINTER, installs the table its pointee address
 *     holds (a FACS, or a header whose length fits and whose checksum is
 *     0), skipping RSDT/XSDT: it builds its own RSDP/RSDT/XSDT. So every
 *     table must be the pointee of some ADD_POINTER.
 *
 * The blobs are acpi_build()'s output at base 0, parsed, not re-made:
 *   etc/acpi/rsdp    the RSDP (align 16, FSEG zone)
 *   etc/acpi/tables  the whole build at base 0 with the RSDP bytes zeroed
 *                    (align 64, HIGH zone): every table keeps its offset,
 *                    so each pointer field already holds its pointee's
 *                    offset in this blob, and the FACS stays 64-aligned.
 * The commands: the two ALLOCATEs, one ADD_POINTER per pointer field
 * (RSDP.RSDT/XSDT, every RSDT/XSDT entry, the FADT's FIRMWARE_CTRL, DSDT,
 * X_FIRMWARE_CTRL and X_DSDT when nonzero), then one ADD_CHECKSUM per
 * table that has a checksum and two for the RSDP (first 20 bytes, then
 * the extended one). Tables acpi_build adds to the XSDT later need no
 * change here.
 */
#ifndef HVMM_ACPI_LOADER_H
#define HVMM_ACPI_LOADER_H

#include <stddef.h>
#include <stdint.h>

struct acpi_config;
struct fw_cfg;

#define ACPI_LOADER_FILE "etc/table-loader"
#define ACPI_LOADER_RSDP_FILE "etc/acpi/rsdp"
#define ACPI_LOADER_TABLES_FILE "etc/acpi/tables"

#define QEMU_LOADER_FNAME_SIZE 56

enum qemu_loader_cmd {
	QEMU_LOADER_ALLOCATE = 1,
	QEMU_LOADER_ADD_POINTER = 2,
	QEMU_LOADER_ADD_CHECKSUM = 3,
	QEMU_LOADER_WRITE_POINTER = 4,
};

enum qemu_loader_zone {
	QEMU_LOADER_ZONE_HIGH = 1,
	QEMU_LOADER_ZONE_FSEG = 2,
};

struct qemu_loader_entry {
	uint32_t type;
	union {
		struct {
			char file[QEMU_LOADER_FNAME_SIZE];
			uint32_t align;
			uint8_t zone;
		} __attribute__((packed)) alloc;
		struct {
			char pointer_file[QEMU_LOADER_FNAME_SIZE];
			char pointee_file[QEMU_LOADER_FNAME_SIZE];
			uint32_t offset;
			uint8_t size;
		} __attribute__((packed)) pointer;
		struct {
			char file[QEMU_LOADER_FNAME_SIZE];
			uint32_t result_offset;
			uint32_t start;
			uint32_t length;
		} __attribute__((packed)) checksum;
		uint8_t pad[124];
	};
} __attribute__((packed));

_Static_assert(sizeof(struct qemu_loader_entry) == 128, "QEMU_LOADER_ENTRY size");

struct acpi_loader_blobs {
	uint8_t *rsdp;
	size_t rsdp_len;
	uint8_t *tables;
	size_t tables_len;
	struct qemu_loader_entry *cmds;
	size_t nr_cmds;
};

/*
 * Build the tables for `cfg` (acpi_build) and turn them into the blobs
 * and commands above. 0 or -errno (-EINVAL if acpi_build's output does
 * not parse, which is a bug). Free with acpi_loader_free().
 */
int acpi_loader_build(const struct acpi_config *cfg, struct acpi_loader_blobs *out);
void acpi_loader_free(struct acpi_loader_blobs *b);

/*
 * acpi_loader_build() and publish the result as the three fw_cfg files
 * (replacing them if present). This is the call that gives a
 * firmware-booted guest its ACPI tables. 0, -ENODEV (fw NULL: no fw_cfg
 * device), or -errno.
 */
int acpi_loader_install(struct fw_cfg *fw, const struct acpi_config *cfg);

#endif
