// SPDX-License-Identifier: MIT
/*
 * Linux bzImage loader, x86 boot protocol with the 64-bit entry point
 * (Documentation/arch/x86/boot.rst). hvmm skips the real-mode setup code
 * entirely: it builds the zero page itself, copies the protected-mode
 * kernel to 1 MiB and enters it at startup_64 (load address + 0x200)
 * in long mode with RSI pointing at the zero page.
 */
#include "loader.h"

#include <asm/bootparam.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "layout.h"
#include "loader_int.h"
#include "util.h"

/* The UAPI header is the ABI; make sure it is the layout we rely on. */
_Static_assert(sizeof(struct boot_params) == 4096, "zero page size");
_Static_assert(offsetof(struct boot_params, acpi_rsdp_addr) == 0x070, "acpi_rsdp_addr");
_Static_assert(offsetof(struct boot_params, ext_ramdisk_image) == 0x0c0, "ext_ramdisk_image");
_Static_assert(offsetof(struct boot_params, ext_ramdisk_size) == 0x0c4, "ext_ramdisk_size");
_Static_assert(offsetof(struct boot_params, ext_cmd_line_ptr) == 0x0c8, "ext_cmd_line_ptr");
_Static_assert(offsetof(struct boot_params, e820_entries) == 0x1e8, "e820_entries");
_Static_assert(offsetof(struct boot_params, hdr) == 0x1f1, "setup header");
_Static_assert(offsetof(struct boot_params, e820_table) == 0x2d0, "e820_table");
_Static_assert(offsetof(struct setup_header, boot_flag) == 0x1fe - 0x1f1, "boot_flag");
_Static_assert(offsetof(struct setup_header, header) == 0x202 - 0x1f1, "HdrS");
_Static_assert(offsetof(struct setup_header, type_of_loader) == 0x210 - 0x1f1, "type_of_loader");
_Static_assert(offsetof(struct setup_header, heap_end_ptr) == 0x224 - 0x1f1, "heap_end_ptr");
_Static_assert(offsetof(struct setup_header, cmd_line_ptr) == 0x228 - 0x1f1, "cmd_line_ptr");
_Static_assert(offsetof(struct setup_header, initrd_addr_max) == 0x22c - 0x1f1, "initrd_addr_max");
_Static_assert(offsetof(struct setup_header, xloadflags) == 0x236 - 0x1f1, "xloadflags");
_Static_assert(offsetof(struct setup_header, init_size) == 0x260 - 0x1f1, "init_size");
_Static_assert(sizeof(struct boot_e820_entry) == sizeof(struct e820_entry), "e820 entry");
_Static_assert(E820_MAX <= E820_MAX_ENTRIES_ZEROPAGE, "zero page e820 table");

#define HDR_OFF 0x1f1
#define HDR_MIN_END (HDR_OFF + offsetof(struct setup_header, init_size) + 4)
#define LINUX_LOADER_ID 0xff     /* "undefined" boot loader */
#define LINUX_HEAP_END 0xfe00    /* heap_end_ptr: setup code's heap, 64 KiB - 512 */
#define LINUX_ENTRY64_OFF 0x200  /* startup_64 sits 512 bytes into the kernel */

struct bz_layout {
	size_t hdr_end;     /* file offset just past the setup header */
	size_t setup_size;  /* real-mode part: (setup_sects + 1) * 512 */
	size_t pm_len;      /* protected-mode kernel bytes */
	uint64_t kernel_end;
};

/* Validate the setup header; fills *hdr (zero-extended) and *lay. */
static int bz_parse(const struct load_params *p, struct setup_header *hdr,
		    struct bz_layout *lay, char *err, size_t errlen)
{
	const uint8_t *img = p->kernel;
	size_t len = p->kernel_len;
	unsigned int sects;
	uint64_t align, run_start, run_end;

	if (!img || len < 0x206 || get_le16(img + 0x1fe) != 0xAA55 ||
	    memcmp(img + 0x202, "HdrS", 4))
		return loader_fail(p, err, errlen, -ENOEXEC,
				   "not a bzImage (no boot signature or HdrS header)");
	/* The short jump at 0x200 skips exactly the setup header. */
	lay->hdr_end = 0x202 + (size_t)img[0x201];
	lay->hdr_end = MIN(lay->hdr_end, HDR_OFF + sizeof(*hdr));
	lay->hdr_end = MIN(lay->hdr_end, len);
	memset(hdr, 0, sizeof(*hdr));
	memcpy(hdr, img + HDR_OFF, lay->hdr_end - HDR_OFF);

	if (hdr->version < 0x0206)
		return loader_fail(p, err, errlen, -ENOEXEC,
				   "boot protocol %u.%02u is too old (need 2.06+)",
				   hdr->version >> 8, hdr->version & 0xff);
	/* A 2.12+ header must actually contain the fields 2.12 defines. */
	if (hdr->version >= 0x020c && lay->hdr_end < HDR_MIN_END)
		return loader_fail(p, err, errlen, -ENOEXEC,
				   "setup header ends at 0x%zx, before the 2.12 fields", lay->hdr_end);
	if (hdr->version < 0x020c || !(hdr->xloadflags & XLF_KERNEL_64))
		return loader_fail(p, err, errlen, -ENOEXEC,
				   "kernel has no 64-bit entry point (boot protocol %u.%02u, xloadflags 0x%x; need 2.12+ with XLF_KERNEL_64)",
				   hdr->version >> 8, hdr->version & 0xff, hdr->xloadflags);
	if (!(hdr->loadflags & LOADED_HIGH))
		return loader_fail(p, err, errlen, -ENOEXEC,
				   "kernel is not loaded high (zImage) and is not supported");

	sects = hdr->setup_sects ? hdr->setup_sects : 4;
	lay->setup_size = ((size_t)sects + 1) * 512;
	if (lay->setup_size >= len)
		return loader_fail(p, err, errlen, -ENOEXEC,
				   "setup_sects %u puts the kernel past the end of the %zu-byte image",
				   hdr->setup_sects, len);
	lay->pm_len = len - lay->setup_size;
	/* syssize counts 16-byte units; a shorter file was truncated. */
	if ((uint64_t)hdr->syssize * 16 > lay->pm_len)
		return loader_fail(p, err, errlen, -ENOEXEC,
				   "kernel truncated: header says %llu bytes of kernel, image has %zu",
				   (unsigned long long)hdr->syssize * 16, lay->pm_len);
	if ((uint64_t)hdr->payload_offset + hdr->payload_length > lay->pm_len)
		return loader_fail(p, err, errlen, -ENOEXEC,
				   "compressed payload 0x%x+0x%x lies outside the kernel",
				   hdr->payload_offset, hdr->payload_length);

	/*
	 * Where the kernel will run: a relocatable kernel moves itself up to
	 * its alignment, a fixed one to pref_address. init_size counts from
	 * there, so reserve up to the later of that and the copied image.
	 */
	if (hdr->relocatable_kernel) {
		align = hdr->kernel_alignment;
		if (!align || (align & (align - 1)) || align > GiB)
			return loader_fail(p, err, errlen, -ENOEXEC,
					   "bad kernel_alignment 0x%llx", (unsigned long long)align);
		run_start = ALIGN_UP(KERNEL_LOAD, align);
	} else {
		run_start = hdr->pref_address ? hdr->pref_address : KERNEL_LOAD;
		if (run_start < KERNEL_LOAD || run_start >= MMIO_HOLE_START)
			return loader_fail(p, err, errlen, -ENOEXEC,
					   "non-relocatable kernel wants to run at 0x%llx",
					   (unsigned long long)run_start);
	}
	run_end = run_start + MAX((uint64_t)hdr->init_size, lay->pm_len);
	lay->kernel_end = MAX(KERNEL_LOAD + lay->pm_len, run_end);
	return 0;
}

/* Build the zero page in *bp from the file's header and our layout. */
static void bz_zero_page(const struct load_params *p, const struct bz_layout *lay,
			 const struct e820_map *map, uint64_t initrd_gpa,
			 struct boot_params *bp)
{
	unsigned int i, nr = MIN(map->nr, E820_MAX);
	uint16_t version;

	memset(bp, 0, sizeof(*bp));
	/* Copy the header as the kernel wrote it, then fill in our part. */
	memcpy(&bp->hdr, p->kernel + HDR_OFF, lay->hdr_end - HDR_OFF);
	version = bp->hdr.version;
	/*
	 * Fields the loader owns must not keep whatever the file carried:
	 * a stray setup_data pointer or ramdisk would be followed by the
	 * kernel, a non-zero subarch would make it boot as something else.
	 */
	bp->hdr.ramdisk_image = 0;
	bp->hdr.ramdisk_size = 0;
	bp->hdr.setup_data = 0;
	bp->hdr.hardware_subarch = 0; /* X86_SUBARCH_PC */
	bp->hdr.hardware_subarch_data = 0;
	bp->hdr.ext_loader_ver = 0;
	bp->hdr.ext_loader_type = 0;
	bp->hdr.type_of_loader = LINUX_LOADER_ID;
	bp->hdr.loadflags |= CAN_USE_HEAP;
	bp->hdr.heap_end_ptr = LINUX_HEAP_END;
	bp->hdr.cmd_line_ptr = (uint32_t)BOOT_CMDLINE;
	bp->ext_cmd_line_ptr = (uint32_t)(BOOT_CMDLINE >> 32);
	if (loader_has_initrd(p)) {
		bp->hdr.ramdisk_image = (uint32_t)initrd_gpa;
		bp->hdr.ramdisk_size = (uint32_t)p->initrd_len;
		bp->ext_ramdisk_image = (uint32_t)(initrd_gpa >> 32);
		bp->ext_ramdisk_size = (uint32_t)((uint64_t)p->initrd_len >> 32);
	}
	for (i = 0; i < nr; i++) {
		bp->e820_table[i].addr = map->e[i].addr;
		bp->e820_table[i].size = map->e[i].size;
		bp->e820_table[i].type = map->e[i].type;
	}
	bp->e820_entries = (uint8_t)nr;
	/* Older kernels find the RSDP by scanning 0xe0000-0xfffff instead. */
	if (p->rsdp_gpa && version >= 0x020e)
		bp->acpi_rsdp_addr = p->rsdp_gpa;
	/* screen_info stays zero: no VGA, output goes to the serial port. */
}

int bzimage_load(const struct load_params *p, struct boot_state *out,
		 char *err, size_t errlen)
{
	struct boot_params *bp;
	struct setup_header hdr;
	struct bz_layout lay = { 0 };
	struct e820_map tmp;
	const struct e820_map *map;
	uint64_t low_end, limit, initrd_gpa = 0;
	int ret;

	ret = bz_parse(p, &hdr, &lay, err, errlen);
	if (ret)
		return ret;
	map = loader_e820(p, &tmp);
	if (!map)
		return loader_fail(p, err, errlen, -EINVAL, "cannot build the E820 map");
	low_end = loader_low_end(p, map);
	if (lay.kernel_end > low_end || !gmem_ptr(p->mem, KERNEL_LOAD, lay.kernel_end - KERNEL_LOAD))
		return loader_fail(p, err, errlen, -E2BIG,
				   "kernel needs RAM up to 0x%llx (init_size 0x%x) but low guest RAM ends at 0x%llx",
				   (unsigned long long)lay.kernel_end, hdr.init_size,
				   (unsigned long long)low_end);

	ret = loader_put_cmdline(p, hdr.cmdline_size, err, errlen);
	if (ret)
		return ret;
	if (loader_has_initrd(p)) {
		/* initrd_addr_max is the highest address the last byte may use. */
		limit = MIN((uint64_t)hdr.initrd_addr_max + 1, low_end);
		ret = loader_place_initrd(p, lay.kernel_end, limit, &initrd_gpa, err, errlen);
		if (!ret)
			ret = loader_copy_initrd(p, initrd_gpa, err, errlen);
		if (ret)
			return ret;
	}
	if (gmem_write(p->mem, KERNEL_LOAD, p->kernel + lay.setup_size, lay.pm_len))
		return loader_fail(p, err, errlen, -E2BIG, "kernel does not fit in guest RAM");

	/* Built in place: BOOT_INFO is page aligned and bounds-checked here. */
	bp = gmem_ptr(p->mem, BOOT_INFO, sizeof(*bp));
	if (!bp)
		return loader_fail(p, err, errlen, -EFAULT, "zero page is not in guest RAM");
	bz_zero_page(p, &lay, map, initrd_gpa, bp);

	memset(out, 0, sizeof(*out));
	out->mode = BOOT_MODE_LINUX64;
	out->fmt = KFMT_BZIMAGE;
	out->rip = KERNEL_LOAD + LINUX_ENTRY64_OFF;
	out->rsi = BOOT_INFO;
	return 0;
}
