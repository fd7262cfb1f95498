/* SPDX-License-Identifier: MIT */
/*
 * Binary layouts of the ACPI tables hvmm generates (ACPI 6.5 chapter 5),
 * shared by the builders in vmm/acpi/ and the unit test. All fields are
 * little-endian; hvmm only runs on x86 hosts, so plain stores are fine.
 */
#ifndef HVMM_ACPI_TABLES_H
#define HVMM_ACPI_TABLES_H

#include <stddef.h>
#include <stdint.h>

#include "acpi/acpi.h"

#define ACPI_OEM_ID "HVMM  "         /* 6 chars */
#define ACPI_OEM_TABLE_ID "HVMMVM  " /* 8 chars */
#define ACPI_CREATOR_ID "HVMM"
#define ACPI_OEM_REVISION 1
#define ACPI_CREATOR_REVISION 1

struct acpi_rsdp {
	char signature[8];      /* "RSD PTR " */
	uint8_t checksum;       /* over the first 20 bytes */
	char oem_id[6];
	uint8_t revision;       /* 2: ACPI 2.0+, has the XSDT fields */
	uint32_t rsdt_address;
	uint32_t length;        /* 36 */
	uint64_t xsdt_address;
	uint8_t ext_checksum;   /* over all 36 bytes */
	uint8_t reserved[3];
} __attribute__((packed));

struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __attribute__((packed));

/* Generic Address Structure (ACPI 6.5 section 5.2.3.2). */
struct acpi_gas {
	uint8_t space_id;       /* 0 memory, 1 system I/O */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;    /* 1 byte, 2 word, 3 dword, 4 qword */
	uint64_t address;
} __attribute__((packed));

#define ACPI_GAS_IO 1
#define ACPI_ACCESS_BYTE 1
#define ACPI_ACCESS_WORD 2
#define ACPI_ACCESS_DWORD 3

/* FADT, revision 6 (ACPI 6.x), 276 bytes. */
struct acpi_fadt {
	struct acpi_header h;
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t reserved0;
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint8_t acpi_disable;
	uint8_t s4bios_req;
	uint8_t pstate_cnt;
	uint32_t pm1a_evt_blk;
	uint32_t pm1b_evt_blk;
	uint32_t pm1a_cnt_blk;
	uint32_t pm1b_cnt_blk;
	uint32_t pm2_cnt_blk;
	uint32_t pm_tmr_blk;
	uint32_t gpe0_blk;
	uint32_t gpe1_blk;
	uint8_t pm1_evt_len;
	uint8_t pm1_cnt_len;
	uint8_t pm2_cnt_len;
	uint8_t pm_tmr_len;
	uint8_t gpe0_blk_len;
	uint8_t gpe1_blk_len;
	uint8_t gpe1_base;
	uint8_t cst_cnt;
	uint16_t p_lvl2_lat;
	uint16_t p_lvl3_lat;
	uint16_t flush_size;
	uint16_t flush_stride;
	uint8_t duty_offset;
	uint8_t duty_width;
	uint8_t day_alrm;
	uint8_t mon_alrm;
	uint8_t century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt_blk;
	struct acpi_gas x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk;
	struct acpi_gas x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk;
	struct acpi_gas x_pm_tmr_blk;
	struct acpi_gas x_gpe0_blk;
	struct acpi_gas x_gpe1_blk;
	struct acpi_gas sleep_control_reg;
	struct acpi_gas sleep_status_reg;
	uint64_t hypervisor_vendor_id;
} __attribute__((packed));

/* FADT flags (ACPI 6.5 table 5.10). */
#define FADT_F_WBINVD (1u << 0)
#define FADT_F_PROC_C1 (1u << 2)
#define FADT_F_PWR_BUTTON (1u << 4) /* set: no fixed power button */
#define FADT_F_SLP_BUTTON (1u << 5) /* set: no fixed sleep button */
#define FADT_F_FIX_RTC (1u << 6)    /* set: no RTC wake in PM1 */
#define FADT_F_RESET_REG_SUP (1u << 10)
#define FADT_F_HW_REDUCED_ACPI (1u << 20)

/* IA-PC boot architecture flags (ACPI 6.5 table 5.11). */
#define FADT_BOOT_LEGACY_DEVICES (1u << 0)
#define FADT_BOOT_8042 (1u << 1)
#define FADT_BOOT_VGA_NOT_PRESENT (1u << 2)
#define FADT_BOOT_MSI_NOT_SUPPORTED (1u << 3)

/* FACS: no checksum, 64 bytes, 64-byte aligned. */
struct acpi_facs {
	char signature[4];
	uint32_t length;
	uint32_t hardware_signature;
	uint32_t firmware_waking_vector;
	uint32_t global_lock;
	uint32_t flags;
	uint64_t x_firmware_waking_vector;
	uint8_t version;
	uint8_t reserved0[3];
	uint32_t ospm_flags;
	uint8_t reserved1[24];
} __attribute__((packed));

struct acpi_madt {
	struct acpi_header h;
	uint32_t lapic_addr;
	uint32_t flags;
} __attribute__((packed));

#define MADT_PCAT_COMPAT (1u << 0)

enum {
	MADT_LAPIC = 0,
	MADT_IOAPIC = 1,
	MADT_ISO = 2,
	MADT_LAPIC_NMI = 4,
};

struct madt_lapic {
	uint8_t type;
	uint8_t length;         /* 8 */
	uint8_t acpi_uid;
	uint8_t apic_id;
	uint32_t flags;         /* bit 0: enabled */
} __attribute__((packed));

struct madt_ioapic {
	uint8_t type;
	uint8_t length;         /* 12 */
	uint8_t ioapic_id;
	uint8_t reserved;
	uint32_t address;
	uint32_t gsi_base;
} __attribute__((packed));

/* Interrupt Source Override. */
struct madt_iso {
	uint8_t type;
	uint8_t length;         /* 10 */
	uint8_t bus;            /* 0: ISA */
	uint8_t source;
	uint32_t gsi;
	uint16_t flags;
} __attribute__((packed));

/* MPS INTI flags used by ISO and NMI entries. */
#define MPS_POLARITY_HIGH 0x1
#define MPS_POLARITY_LOW 0x3
#define MPS_TRIGGER_EDGE (0x1 << 2)
#define MPS_TRIGGER_LEVEL (0x3 << 2)

struct madt_lapic_nmi {
	uint8_t type;
	uint8_t length;         /* 6 */
	uint8_t acpi_uid;       /* 0xff: all processors */
	uint16_t flags;
	uint8_t lint;
} __attribute__((packed));

_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP size");
_Static_assert(sizeof(struct acpi_header) == 36, "SDT header size");
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS size");
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT size");
_Static_assert(offsetof(struct acpi_fadt, reset_reg) == 116, "FADT layout");
_Static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "FADT layout");
_Static_assert(sizeof(struct acpi_facs) == 64, "FACS size");
_Static_assert(sizeof(struct acpi_madt) == 44, "MADT size");
_Static_assert(sizeof(struct madt_lapic) == 8, "MADT LAPIC size");
_Static_assert(sizeof(struct madt_ioapic) == 12, "MADT IOAPIC size");
_Static_assert(sizeof(struct madt_iso) == 10, "MADT ISO size");
_Static_assert(sizeof(struct madt_lapic_nmi) == 6, "MADT NMI size");

/* Helpers shared by the table builders (acpi.c). */
void acpi_header_init(struct acpi_header *h, const char *sig, uint32_t len,
		      uint8_t revision);
/* Sets the checksum byte so the `len` bytes sum to zero. */
void acpi_checksum_set(void *table, size_t len, uint8_t *csum);
uint8_t acpi_sum(const void *p, size_t len);

/*
 * Builders: each writes its table at `out` (which has `room` bytes) and
 * returns its length, or -ENOSPC / -ENOMEM. The checksum is final.
 */
struct acpi_fadt_addrs {
	uint64_t facs;
	uint64_t dsdt;
};
ssize_t acpi_build_fadt(uint8_t *out, size_t room,
			const struct acpi_config *cfg,
			const struct acpi_fadt_addrs *addrs);
ssize_t acpi_build_madt(uint8_t *out, size_t room,
			const struct acpi_config *cfg);
ssize_t acpi_build_dsdt(uint8_t *out, size_t room,
			const struct acpi_config *cfg);

#endif
