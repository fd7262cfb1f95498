// SPDX-License-Identifier: MIT
/*
 * FADT (ACPI 6.5 section 5.2.9), revision 6.
 *
 * A full (not hardware-reduced) fixed-feature model, because Linux on
 * x86 wants the PM1 blocks for an S5 power-off and an SCI for the fixed
 * power button, and hardware-reduced mode would need a GED device and
 * more AML instead. What the I/O devices behind it must do:
 *
 *  - SMI_CMD is 0: there is no legacy mode, the platform is always in
 *    ACPI mode. ACPICA then does not even read PM1_CNT.SCI_EN to find
 *    out, but other OSes do, so PM1a_CNT must read back with SCI_EN
 *    (bit 0) set.
 *  - PM1a_EVT (4 bytes): PM1_STS at +0 (write-1-to-clear; PWRBTN_STS
 *    bit 8, WAK_STS bit 15), PM1_EN at +2 (PWRBTN_EN bit 8). Raising
 *    PWRBTN_STS with PWRBTN_EN set asserts the SCI (level, active high).
 *  - PM1a_CNT (2 bytes): writing SLP_EN (bit 13) with SLP_TYP (bits
 *    10-12) equal to the \_S5 value powers the VM off.
 *  - The reset register is a byte-wide I/O port: writing reset_value
 *    resets the VM. Linux tries it first on reboot.
 *  - No PM timer: every read would be a VM exit, and Linux clocks from
 *    kvmclock/TSC anyway. ACPI 5.0A made the timer optional.
 *  - No GPE blocks: nothing raises general-purpose events.
 */
#include <errno.h>
#include <string.h>

#include "acpi/acpi_tables.h"

static struct acpi_gas io_gas(uint16_t port, unsigned int bytes,
			      uint8_t access)
{
	struct acpi_gas g = {
		.space_id = ACPI_GAS_IO,
		.bit_width = (uint8_t)(bytes * 8),
		.access_size = access,
		.address = port,
	};
	return g;
}

ssize_t acpi_build_fadt(uint8_t *out, size_t room,
			const struct acpi_config *cfg,
			const struct acpi_fadt_addrs *addrs)
{
	struct acpi_fadt f;

	if (room < sizeof(f))
		return -ENOSPC;
	memset(&f, 0, sizeof(f));
	acpi_header_init(&f.h, "FACP", sizeof(f), 6);
	f.minor_version = 5; /* ACPI 6.5 */

	/*
	 * ACPICA warns when a 32-bit pointer and its X_ twin disagree, so
	 * set both while the address fits and only the X_ one otherwise.
	 */
	if (addrs->facs <= UINT32_MAX)
		f.firmware_ctrl = (uint32_t)addrs->facs;
	if (addrs->dsdt <= UINT32_MAX)
		f.dsdt = (uint32_t)addrs->dsdt;
	f.x_firmware_ctrl = addrs->facs;
	f.x_dsdt = addrs->dsdt;

	f.preferred_pm_profile = 0; /* unspecified */
	f.sci_int = cfg->sci_irq;
	f.smi_cmd = 0;              /* always in ACPI mode, see above */

	f.pm1a_evt_blk = cfg->pm1a_evt_port;
	f.pm1_evt_len = 4;
	f.pm1a_cnt_blk = cfg->pm1a_cnt_port;
	f.pm1_cnt_len = 2;
	/*
	 * The X_ copies must match the legacy fields in address and width
	 * or ACPICA complains. PM1 registers are 16 bits wide each.
	 */
	f.x_pm1a_evt_blk = io_gas(cfg->pm1a_evt_port, 4, ACPI_ACCESS_WORD);
	f.x_pm1a_cnt_blk = io_gas(cfg->pm1a_cnt_port, 2, ACPI_ACCESS_WORD);
	/* A 24-bit timer: TMR_VAL_EXT (flags bit 8) stays clear. */
	if (cfg->pm_tmr_port) {
		f.pm_tmr_blk = cfg->pm_tmr_port;
		f.pm_tmr_len = 4;
		f.x_pm_tmr_blk = io_gas(cfg->pm_tmr_port, 4, ACPI_ACCESS_DWORD);
	}

	/*
	 * No C2/C3: latencies above 100/1000 us tell the OS they do not
	 * exist; idle is HLT (C1).
	 */
	f.p_lvl2_lat = 101;
	f.p_lvl3_lat = 1001;

	/*
	 * No i8042 (bit 1 clear), so Linux skips probing a keyboard
	 * controller; no VGA; no legacy (PnP BIOS) devices. MSI is fine.
	 */
	f.iapc_boot_arch = FADT_BOOT_VGA_NOT_PRESENT;

	/*
	 * WBINVD works and C1 is HLT. The power button is a fixed feature
	 * (PWR_BUTTON clear) so the VMM can request a clean shutdown via
	 * PM1_STS.PWRBTN_STS; there is no sleep button and no RTC wake
	 * status in PM1.
	 */
	f.flags = FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_SLP_BUTTON |
		  FADT_F_FIX_RTC;
	if (cfg->reset_port) {
		f.flags |= FADT_F_RESET_REG_SUP;
		f.reset_reg = io_gas(cfg->reset_port, 1, ACPI_ACCESS_BYTE);
		f.reset_value = cfg->reset_value;
	}

	acpi_checksum_set(&f, sizeof(f), &f.h.checksum);
	memcpy(out, &f, sizeof(f));
	return sizeof(f);
}
