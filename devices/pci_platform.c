// SPDX-License-Identifier: MIT
/*
 * The fixed functions of an i440FX/PIIX PC that stock OVMF looks for
 * (docs/pci.md):
 *
 *   00:00.0  i440FX host bridge. SEC, PEI and DXE pick the platform by
 *            its device ID 0x1237 (edk2 OvmfPkg/Include/IndustryStandard/
 *            I440FxPiix4.h INTEL_82441_DEVICE_ID; PlatformInitLib/
 *            Platform.c); any other ID ends in a dead loop.
 *   00:01.0  PIIX3 ISA bridge 8086:7000, class 0x060100. BDS adds COM1
 *            and the PS/2 keyboard to the console only behind it, and
 *            SioBusDxe binds only if its command register keeps the I/O
 *            and memory bits (PlatformBootManagerLib/BdsPlatform.c,
 *            DetectAndPreparePlatformPciDevicePath). PIRQ route registers
 *            0x60-0x63 are plain storage (PciAcpiInitialization writes
 *            them; no INTx is routed on this platform).
 *   00:01.3  PIIX4 power management, 8086:7113, class 0x068000, with the
 *            PM I/O base (PMBA, 0x40) and its enable (PMREGMISC bit 0).
 */
#include <string.h>

#include "legacy.h"
#include "pci.h"
#include "pci_bus.h"
#include "util.h"

#define PIIX4_PMBA_MASK 0xffc0U        /* bits 15:6 (I440FxPiix4.h PIIX4_PMBA_MASK) */
#define PIIX4_PMBA_RTE 0x01U           /* reads 1: "I/O space" indicator */
#define PIIX4_PMREGMISC_PMIOSE 0x01U

static struct pci_dev i440fx, piix3, piix4_pm;

/*
 * The PM block (pm.c) sits at PM_EVT_PORT from reset, so PMBA says so
 * from reset, with PMREGMISC.PMIOSE and the I/O enable already set, as
 * a BIOS leaves them. edk2 reads PMREGMISC first and, with PMIOSE set,
 * skips programming PMBA/PCICMD/PMREGMISC and takes the timer port from
 * PMBA (PlatformInitLib/Platform.c PlatformMiscInitialization,
 * AcpiTimerLib/BaseRomAcpiTimerLib.c and BaseAcpiTimerLib.c: the "set up
 * e.g. by Xen" path): OVMF ends with the same 0xB008 timer port either
 * way, and Linux's PIIX4 quirk sees the block where it really is.
 *
 * The block does not move: a guest that programs another base keeps
 * reading back what it wrote, gets a log line, and the block stays at
 * PM_EVT_PORT (the FADT's address).
 */
static void piix4_pm_cfg_write(struct pci_dev *d, unsigned int off, unsigned int len)
{
	uint32_t base;

	if (off >= PIIX4_PMBA + 4 || off + len <= PIIX4_PMBA)
		return;
	base = (uint32_t)(d->cfg[PIIX4_PMBA] | d->cfg[PIIX4_PMBA + 1] << 8) & PIIX4_PMBA_MASK;
	if (base != PM_EVT_PORT)
		pr_err_rl("piix4-pm: guest set PMBA to 0x%x; the PM block stays at 0x%x",
			  base, PM_EVT_PORT);
}

static void platform_i440fx(void)
{
	pci_dev_init(&i440fx, "i440fx", 0x8086, 0x1237, 0x060000, 0x02);
	i440fx.devfn = PCI_MAKE_DEVFN(0, 0);
	/* No PAM/SMRAM: OVMF's non-SMM build never touches them (ovmf.md A3). */
}

static void platform_piix3(void)
{
	unsigned int i;

	pci_dev_init(&piix3, "piix3", 0x8086, 0x7000, 0x060100, 0x00);
	piix3.devfn = PCI_MAKE_DEVFN(1, 0);
	/* OVMF writes 0x27 (special bits included): it reads back whole. */
	piix3.wmask[PCI_COMMAND] = 0xff;
	piix3.cfg[PCI_COMMAND] = PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	for (i = 0; i < 4; i++) {
		piix3.cfg[PIIX3_PIRQRC + i] = 0x80;  /* routing disabled (reset value) */
		piix3.wmask[PIIX3_PIRQRC + i] = 0x8f;
	}
}

static void platform_piix4_pm(void)
{
	pci_dev_init(&piix4_pm, "piix4-pm", 0x8086, 0x7113, 0x068000, 0x03);
	piix4_pm.devfn = PIIX4_PM_DEVFN;
	piix4_pm.cfg[PCI_COMMAND] = PCI_COMMAND_IO;
	piix4_pm.cfg[PIIX4_PMBA] = (uint8_t)(PM_EVT_PORT | PIIX4_PMBA_RTE);
	piix4_pm.cfg[PIIX4_PMBA + 1] = (uint8_t)(PM_EVT_PORT >> 8);
	piix4_pm.wmask[PIIX4_PMBA] = (uint8_t)PIIX4_PMBA_MASK;
	piix4_pm.wmask[PIIX4_PMBA + 1] = (uint8_t)(PIIX4_PMBA_MASK >> 8);
	piix4_pm.cfg[PIIX4_PMREGMISC] = PIIX4_PMREGMISC_PMIOSE;
	piix4_pm.wmask[PIIX4_PMREGMISC] = PIIX4_PMREGMISC_PMIOSE;
	piix4_pm.cfg_write = piix4_pm_cfg_write;
}

int pci_platform_add(struct pci_bus *b)
{
	int ret;

	platform_i440fx();
	platform_piix3();
	platform_piix4_pm();
	ret = pci_bus_add(b, &i440fx);
	if (!ret)
		ret = pci_bus_add(b, &piix3);
	if (!ret)
		ret = pci_bus_add(b, &piix4_pm);
	return ret;
}
