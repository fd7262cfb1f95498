// SPDX-License-Identifier: MIT
/*
 * The fw_cfg content of a firmware boot: e820, kernel items, defaults.
 * fw_cfg_boot.h has the contract; no device model here, so tests use it
 * directly.
 */
#include <errno.h>
#include <string.h>

#include "fw_cfg.h"
#include "fw_cfg_boot.h"
#include "guest_mem.h"
#include "layout.h"

unsigned int fw_cfg_e820_build(const struct guest_mem *mem,
			       struct fw_cfg_e820_entry *out, unsigned int max)
{
	unsigned int n = 0;

	if (mem->low_size && n < max)
		out[n++] = (struct fw_cfg_e820_entry){ 0, mem->low_size, FW_CFG_E820_RAM };
	if (mem->high_size && n < max)
		out[n++] = (struct fw_cfg_e820_entry){ MMIO_HOLE_END, mem->high_size,
						       FW_CFG_E820_RAM };
	return n;
}

int fw_cfg_set_e820(struct fw_cfg *fw, const struct guest_mem *mem)
{
	struct fw_cfg_e820_entry e[2];
	unsigned int n = fw_cfg_e820_build(mem, e, 2);
	int ret = fw_cfg_set_file(fw, FW_CFG_E820_FILE, e, n * sizeof(e[0]), false);

	return ret < 0 ? ret : 0;
}

/* Linux boot protocol (Documentation/arch/x86/boot.rst): setup_sects at
 * 0x1f1, "HdrS" at 0x202; setup_sects 0 means 4. */
static size_t bzimage_setup_len(const uint8_t *k, size_t len)
{
	size_t sects;

	if (len < 0x206 || memcmp(k + 0x202, "HdrS", 4))
		return 0;
	sects = k[0x1f1] ? k[0x1f1] : 4;
	return (sects + 1) * 512 < len ? (sects + 1) * 512 : 0;
}

int fw_cfg_set_kernel(struct fw_cfg *fw, const uint8_t *kernel, size_t kernel_len,
		      const uint8_t *initrd, size_t initrd_len, const char *cmdline)
{
	size_t setup = bzimage_setup_len(kernel, kernel_len);
	int ret;

	if (kernel_len - setup > FW_CFG_MAX_ITEM_SIZE || initrd_len > FW_CFG_MAX_ITEM_SIZE)
		return -EINVAL;
	if ((ret = fw_cfg_set_u32(fw, FW_CFG_SETUP_SIZE, (uint32_t)setup)) ||
	    (ret = fw_cfg_set_item(fw, FW_CFG_SETUP_DATA, kernel, setup)) ||
	    (ret = fw_cfg_set_u32(fw, FW_CFG_KERNEL_SIZE, (uint32_t)(kernel_len - setup))) ||
	    (ret = fw_cfg_set_item(fw, FW_CFG_KERNEL_DATA, kernel + setup, kernel_len - setup)) ||
	    (ret = fw_cfg_set_u32(fw, FW_CFG_INITRD_SIZE, (uint32_t)initrd_len)) ||
	    (ret = fw_cfg_set_item(fw, FW_CFG_INITRD_DATA, initrd, initrd_len)))
		return ret;
	return fw_cfg_set_cmdline(fw, cmdline);
}

int fw_cfg_set_cmdline(struct fw_cfg *fw, const char *cmdline)
{
	const char *cl = cmdline ? cmdline : "";
	size_t len = strlen(cl) + 1;
	int ret;

	if (len > FW_CFG_MAX_ITEM_SIZE)
		return -EINVAL;
	ret = fw_cfg_set_u32(fw, FW_CFG_CMDLINE_SIZE, (uint32_t)len);
	return ret ? ret : fw_cfg_set_item(fw, FW_CFG_CMDLINE_DATA, cl, len);
}

int fw_cfg_set_defaults(struct fw_cfg *fw, unsigned int ncpus)
{
	static const char *const off[] = {
		"opt/org.tianocore/IPv4Support",
		"opt/org.tianocore/IPv6Support",
		"opt/org.tianocore/IPv4PXESupport",
		"opt/org.tianocore/IPv6PXESupport",
	};
	int ret;

	if (ncpus > UINT16_MAX)
		return -EINVAL;
	ret = fw_cfg_set_u16(fw, FW_CFG_NB_CPUS, (uint16_t)ncpus);
	for (size_t i = 0; !ret && i < sizeof(off) / sizeof(off[0]); i++) {
		int key = fw_cfg_set_file_str(fw, off[i], "n");

		ret = key < 0 ? key : 0;
	}
	return ret;
}
