/* SPDX-License-Identifier: MIT */
/*
 * What hvmm puts in fw_cfg for a firmware (OVMF) boot, and the device
 * that exposes it at ports 0x510-0x51b.
 *
 * The fw_cfg device (fw_cfg_dev.c, DEV_LEVEL_FIRMWARE) exists only when
 * the configuration has `firmware` set. Its init fills everything it can
 * derive from the configuration and guest RAM:
 *   - key 0x05 NB_CPUS (u16) = config ncpus;
 *   - etc/e820 from guest RAM (fw_cfg_set_e820);
 *   - the kernel items from config kernel/initrd/cmdline when a kernel is
 *     given (fw_cfg_set_kernel);
 *   - opt/org.tianocore/{IPv4,IPv6}Support and {IPv4,IPv6}PXESupport =
 *     "n": hvmm has no NIC, so OVMF need not start its network stack
 *     (edk2-stable202211 OvmfPkg/NetworkComponents.dsc.inc,
 *     Library/PxeBcPcdProducerLib/PxeBcPcd.c; the boolean syntax is
 *     Library/QemuFwCfgSimpleParserLib/QemuFwCfgSimpleParser.c).
 * The one thing the platform adds itself, after device init, is the ACPI
 * tables, because their DSDT hooks (VMBus) are the platform's:
 *
 *     struct fw_cfg *fw = fw_cfg_get(vm);
 *     if (fw)
 *             ret = acpi_loader_install(fw, &acpi_cfg);  // acpi_loader.h
 *
 * Anything else may be added the same way with fw_cfg_set_file() (e.g.
 * "bootorder") or replaced (fw_cfg_set_kernel() with another cmdline).
 */
#ifndef HVMM_FW_CFG_BOOT_H
#define HVMM_FW_CFG_BOOT_H

#include <stddef.h>
#include <stdint.h>

struct fw_cfg;
struct guest_mem;
struct vm;

#define FW_CFG_E820_FILE "etc/e820"
#define FW_CFG_E820_RAM 1

/* One etc/e820 entry (QEMU's struct e820_entry; OVMF MemDetect.c). */
struct fw_cfg_e820_entry {
	uint64_t address;
	uint64_t length;
	uint32_t type;
} __attribute__((packed));

_Static_assert(sizeof(struct fw_cfg_e820_entry) == 20, "etc/e820 entry size");

/*
 * The e820 table OVMF wants for `mem`: RAM [0, low end) as ONE entry
 * (OVMF's PlatformGetSystemMemorySizeBelow4gb takes the highest end of a
 * type-1 entry below 4 GiB and carves out 640K-1M itself), then RAM above
 * 4 GiB if any. Fills up to `max` entries; returns the count (0..2).
 */
unsigned int fw_cfg_e820_build(const struct guest_mem *mem,
			       struct fw_cfg_e820_entry *out, unsigned int max);
/* fw_cfg_e820_build() published as etc/e820. 0 or -errno. */
int fw_cfg_set_e820(struct fw_cfg *fw, const struct guest_mem *mem);

/*
 * The direct-kernel-boot items OVMF's QemuKernelLoaderFsDxe reads:
 * a bzImage is split like QEMU does, the setup ((setup_sects ?: 4) + 1
 * sectors) in 0x17/0x18 and the rest in 0x08/0x11, so that both the
 * EFI-stub and the legacy loader paths work; anything else goes whole
 * into 0x08/0x11 with setup size 0. The initrd (optional) goes in
 * 0x0b/0x12. The cmdline (NULL = "") goes in 0x14/0x15 NUL-terminated,
 * its size counting the NUL. 0 or -errno.
 */
int fw_cfg_set_kernel(struct fw_cfg *fw, const uint8_t *kernel, size_t kernel_len,
		      const uint8_t *initrd, size_t initrd_len, const char *cmdline);

/* Only the cmdline items (0x14/0x15), as above: to change it later. */
int fw_cfg_set_cmdline(struct fw_cfg *fw, const char *cmdline);

/* NB_CPUS and the opt/org.tianocore network switches. 0 or -errno. */
int fw_cfg_set_defaults(struct fw_cfg *fw, unsigned int ncpus);

/*
 * The VM's fw_cfg, or NULL when there is none (no firmware configured,
 * or before device init / after exit). The platform thread only.
 */
struct fw_cfg *fw_cfg_get(struct vm *vm);

#endif
