// SPDX-License-Identifier: MIT
/*
 * Multiboot v1 loader (the GNU Multiboot Specification 0.6.96): ELF32
 * kernels through the shared ELF segment loader, or any image through the
 * header's a.out address fields (flag 16). The kernel is entered in flat
 * 32-bit protected mode with EAX = 0x2BADB002 and EBX = the info block.
 */
#include "loader.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "elf_load.h"
#include "layout.h"
#include "loader_int.h"
#include "util.h"

#define MBI_FLAG_MEM (1u << 0)
#define MBI_FLAG_CMDLINE (1u << 2)
#define MBI_FLAG_MODS (1u << 3)
#define MBI_FLAG_MMAP (1u << 6)
#define MBI_FLAG_LOADER_NAME (1u << 9)

/* Requirement bits (0-15) hvmm honours; any other set bit must fail. */
#define MB_SUPPORTED_REQS (MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO)

#define MB_HDR_BASE_LEN 12
#define MB_HDR_AOUT_LEN 32

#define MB_MODSTR (BOOT_MODS + 0x100)
#define MB_MODSTR_MAX 0xf00
#define MB_LOADER_NAME (BOOT_INFO + 0x200)

struct mb_info {
	uint32_t flags;
	uint32_t mem_lower;
	uint32_t mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count;
	uint32_t mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length;
	uint32_t mmap_addr;
	uint32_t drives_length;
	uint32_t drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
	uint32_t apm_table;
	uint32_t vbe_control_info;
	uint32_t vbe_mode_info;
	uint16_t vbe_mode;
	uint16_t vbe_interface_seg;
	uint16_t vbe_interface_off;
	uint16_t vbe_interface_len;
} __attribute__((packed));

struct mb_module {
	uint32_t mod_start;
	uint32_t mod_end;  /* exclusive, as GRUB reports it */
	uint32_t string;
	uint32_t reserved;
} __attribute__((packed));

/* `size` counts the bytes after itself, so it does not include its own 4. */
struct mb_mmap_entry {
	uint32_t size;
	uint64_t addr;
	uint64_t len;
	uint32_t type;
} __attribute__((packed));

_Static_assert(offsetof(struct mb_info, mmap_length) == 44, "mmap_length");
_Static_assert(offsetof(struct mb_info, boot_loader_name) == 64, "boot_loader_name");
_Static_assert(sizeof(struct mb_info) == 88, "multiboot info");
_Static_assert(sizeof(struct mb_module) == 16, "multiboot module");
_Static_assert(sizeof(struct mb_mmap_entry) == 24, "multiboot mmap entry");
_Static_assert(E820_MAX * sizeof(struct mb_mmap_entry) <= BOOT_MMAP_SIZE,
	       "Multiboot memory map must fit in BOOT_MMAP");
_Static_assert(MB_LOADER_NAME + 16 <= BOOT_MMAP, "loader name inside the info page");

int multiboot_find_header(const uint8_t *img, size_t len, struct mb_header *hdr,
			  size_t *off)
{
	size_t o, end = MIN(len, (size_t)MB_SEARCH_LEN);

	if (!img)
		return -ENOENT;
	for (o = 0; o + MB_HDR_BASE_LEN <= end; o += 4) {
		uint32_t magic = get_le32(img + o), flags, sum;

		if (magic != MB_HEADER_MAGIC)
			continue;
		flags = get_le32(img + o + 4);
		sum = get_le32(img + o + 8);
		if ((uint32_t)(magic + flags + sum) != 0)
			continue;
		/* The whole header must sit in the first 8 KiB too. */
		if ((flags & MB_FLAG_AOUT_KLUDGE) && o + MB_HDR_AOUT_LEN > end)
			continue;
		memset(hdr, 0, sizeof(*hdr));
		hdr->magic = magic;
		hdr->flags = flags;
		hdr->checksum = sum;
		if (flags & MB_FLAG_AOUT_KLUDGE) {
			hdr->header_addr = get_le32(img + o + 12);
			hdr->load_addr = get_le32(img + o + 16);
			hdr->load_end_addr = get_le32(img + o + 20);
			hdr->bss_end_addr = get_le32(img + o + 24);
			hdr->entry_addr = get_le32(img + o + 28);
		}
		*off = o;
		return 0;
	}
	return -ENOENT;
}

/*
 * Load with the a.out kludge fields: the file byte at the header's offset
 * belongs at header_addr, and [load_addr, load_end_addr) is copied from
 * the corresponding file range. All arithmetic in 64 bits on 32-bit
 * values, so nothing wraps.
 */
static int mb_load_aout(const struct load_params *p, const struct mb_header *h,
			size_t hoff, uint64_t low_end, uint64_t *entry,
			uint64_t *kernel_end, char *err, size_t errlen)
{
	uint64_t delta, file_off, load_size, load_end, mem_end;
	uint8_t *dst;

	if (h->load_addr > h->header_addr)
		return loader_fail(p, err, errlen, -ENOEXEC,
				   "Multiboot load_addr 0x%x is above header_addr 0x%x",
				   h->load_addr, h->header_addr);
	delta = (uint64_t)h->header_addr - h->load_addr;
	if (delta > hoff)
		return loader_fail(p, err, errlen, -ENOEXEC,
				   "Multiboot load_addr 0x%x lies before the start of the image",
				   h->load_addr);
	file_off = hoff - delta;
	if (h->load_end_addr) {
		if (h->load_end_addr <= h->load_addr)
			return loader_fail(p, err, errlen, -ENOEXEC,
					   "Multiboot load_end_addr 0x%x is not above load_addr 0x%x",
					   h->load_end_addr, h->load_addr);
		load_size = (uint64_t)h->load_end_addr - h->load_addr;
		if (load_size > p->kernel_len - file_off)
			return loader_fail(p, err, errlen, -ENOEXEC,
					   "Multiboot load range (0x%llx bytes from file offset 0x%llx) runs past the %zu-byte image",
					   (unsigned long long)load_size,
					   (unsigned long long)file_off, p->kernel_len);
	} else {
		load_size = p->kernel_len - file_off;
	}
	load_end = h->load_addr + load_size;
	mem_end = load_end;
	if (h->bss_end_addr) {
		if (h->bss_end_addr < load_end)
			return loader_fail(p, err, errlen, -ENOEXEC,
					   "Multiboot bss_end_addr 0x%x is below the loaded end 0x%llx",
					   h->bss_end_addr, (unsigned long long)load_end);
		mem_end = h->bss_end_addr;
	}
	if (h->load_addr < KERNEL_LOAD)
		return loader_fail(p, err, errlen, -ENOEXEC,
				   "Multiboot load_addr 0x%x is below 1 MiB", h->load_addr);
	if (mem_end > low_end || !gmem_ptr(p->mem, h->load_addr, mem_end - h->load_addr))
		return loader_fail(p, err, errlen, -E2BIG,
				   "Multiboot image [0x%x, 0x%llx) does not fit in guest RAM below 0x%llx",
				   h->load_addr, (unsigned long long)mem_end,
				   (unsigned long long)low_end);
	if (h->entry_addr < h->load_addr || h->entry_addr >= load_end)
		return loader_fail(p, err, errlen, -ENOEXEC,
				   "Multiboot entry_addr 0x%x is outside the loaded image", h->entry_addr);

	dst = gmem_ptr(p->mem, h->load_addr, mem_end - h->load_addr);
	memcpy(dst, p->kernel + file_off, load_size);
	memset(dst + load_size, 0, mem_end - load_end);
	*entry = h->entry_addr;
	*kernel_end = mem_end;
	return 0;
}

static int mb_load_elf(const struct load_params *p, uint64_t low_end,
		       uint64_t *entry, uint64_t *kernel_end, char *err, size_t errlen)
{
	struct elf_image ei;
	int ret;

	ret = elf_image_open(p, p->kernel, p->kernel_len, &ei, err, errlen);
	if (ret)
		return ret;
	ret = elf_image_load(p, &ei, low_end, err, errlen);
	if (!ret)
		ret = elf_image_entry(p, &ei, ei.entry, true, entry, err, errlen);
	if (!ret)
		*kernel_end = ei.load_hi;
	elf_image_close(&ei);
	return ret;
}

/* The E820 map in Multiboot's format at BOOT_MMAP; also sets mem_lower/upper. */
static int mb_put_mmap(const struct load_params *p, const struct e820_map *map,
		       struct mb_info *mbi)
{
	unsigned int i, nr = MIN(map->nr, E820_MAX);

	for (i = 0; i < nr; i++) {
		const struct e820_entry *e = &map->e[i];
		struct mb_mmap_entry me = {
			.size = sizeof(me) - sizeof(me.size),
			.addr = e->addr,
			.len = e->size,
			.type = e->type,
		};

		if (gmem_write(p->mem, BOOT_MMAP + i * sizeof(me), &me, sizeof(me)))
			return -EFAULT;
		/* mem_lower/upper: the RAM at 0 and the RAM from 1 MiB, in KiB. */
		if (e->type == E820_RAM && e->addr == 0)
			mbi->mem_lower = (uint32_t)MIN(e->size, LOWMEM_END) / 1024;
		if (e->type == E820_RAM && e->addr == BIOS_END)
			mbi->mem_upper = (uint32_t)MIN(e->size / 1024, (uint64_t)UINT32_MAX);
	}
	mbi->mmap_addr = (uint32_t)BOOT_MMAP;
	mbi->mmap_length = nr * (uint32_t)sizeof(struct mb_mmap_entry);
	return 0;
}

int multiboot_load(const struct load_params *p, struct boot_state *out,
		   char *err, size_t errlen)
{
	struct mb_info mbi = { 0 };
	struct mb_header h;
	struct e820_map tmp;
	const struct e820_map *map;
	uint64_t low_end, entry = 0, kernel_end = 0, mod_start = 0;
	size_t hoff;
	int ret;

	if (multiboot_find_header(p->kernel, p->kernel_len, &h, &hoff))
		return loader_fail(p, err, errlen, -ENOEXEC,
				   "no valid Multiboot header in the first 8 KiB");
	if ((h.flags & 0xffff) & ~MB_SUPPORTED_REQS)
		return loader_fail(p, err, errlen, -ENOEXEC,
				   "Multiboot header requires unsupported features (flags 0x%x)",
				   h.flags);
	map = loader_e820(p, &tmp);
	if (!map)
		return loader_fail(p, err, errlen, -EINVAL, "cannot build the E820 map");
	low_end = loader_low_end(p, map);

	if (h.flags & MB_FLAG_AOUT_KLUDGE)
		ret = mb_load_aout(p, &h, hoff, low_end, &entry, &kernel_end, err, errlen);
	else if (elf_is_elf(p->kernel, p->kernel_len))
		ret = mb_load_elf(p, low_end, &entry, &kernel_end, err, errlen);
	else
		ret = loader_fail(p, err, errlen, -ENOEXEC,
				  "Multiboot image is not ELF and has no a.out address fields (flag 16)");
	if (ret)
		return ret;

	ret = loader_put_cmdline(p, BOOT_CMDLINE_MAX - 1, err, errlen);
	if (ret)
		return ret;

	/* Module 0 is the initrd, page aligned right after the kernel. */
	if (loader_has_initrd(p)) {
		struct mb_module mod;
		uint64_t mod_end;

		mod_start = ALIGN_UP(kernel_end, 4096ULL);
		if (__builtin_add_overflow(mod_start, (uint64_t)p->initrd_len, &mod_end) ||
		    mod_end > low_end)
			return loader_fail(p, err, errlen, -E2BIG,
					   "initrd %s (%zu bytes) does not fit in guest RAM after the kernel end 0x%llx",
					   loader_basename(p->initrd_path), p->initrd_len,
					   (unsigned long long)kernel_end);
		ret = loader_copy_initrd(p, mod_start, err, errlen);
		if (ret)
			return ret;
		mod = (struct mb_module){
			.mod_start = (uint32_t)mod_start,
			.mod_end = (uint32_t)mod_end,
			.string = (uint32_t)MB_MODSTR,
		};
		if (gmem_write(p->mem, BOOT_MODS, &mod, sizeof(mod)) ||
		    loader_put_string(p->mem, MB_MODSTR, MB_MODSTR_MAX,
				      loader_basename(p->initrd_path)))
			goto fault;
		mbi.mods_count = 1;
	}
	mbi.mods_addr = (uint32_t)BOOT_MODS;
	mbi.cmdline = (uint32_t)BOOT_CMDLINE;
	if (mb_put_mmap(p, map, &mbi) ||
	    loader_put_string(p->mem, MB_LOADER_NAME, 16, "hvmm"))
		goto fault;
	mbi.boot_loader_name = (uint32_t)MB_LOADER_NAME;
	mbi.flags = MBI_FLAG_MEM | MBI_FLAG_CMDLINE | MBI_FLAG_MODS | MBI_FLAG_MMAP |
		    MBI_FLAG_LOADER_NAME;
	if (gmem_write(p->mem, BOOT_INFO, &mbi, sizeof(mbi)))
		goto fault;

	memset(out, 0, sizeof(*out));
	out->mode = BOOT_MODE_PROT32;
	out->fmt = (h.flags & MB_FLAG_AOUT_KLUDGE) ? KFMT_MULTIBOOT_AOUT : KFMT_MULTIBOOT_ELF;
	out->rip = entry;
	out->rax = MB_BOOT_MAGIC;
	out->rbx = BOOT_INFO;
	return 0;

fault:
	return loader_fail(p, err, errlen, -EFAULT, "Multiboot info area is not in guest RAM");
}
