// SPDX-License-Identifier: MIT
/*
 * ELF kernels: PVH (Xen's direct-boot ABI, which Linux vmlinux and many
 * unikernels implement) and plain 64-bit ELF payloads entered in long
 * mode. The segment loader here is shared with the Multiboot loader.
 *
 * libelf does the table parsing, but the image is untrusted, so the ELF
 * header is checked by hand first and every program header value is
 * range-checked before anything touches guest RAM.
 */
#include "elf_load.h"

#include <errno.h>
#include <string.h>

#include "layout.h"
#include "loader_int.h"
#include "util.h"

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define HVM_START_MAGIC 0x336ec578u

/* Xen public/arch-x86/hvm/start_info.h, version 1. */
struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;
	uint32_t memmap_entries;
	uint32_t reserved;
} __attribute__((packed));

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
} __attribute__((packed));

struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;  /* XEN_HVM_MEMMAP_TYPE_* share the E820 numbering */
	uint32_t reserved;
} __attribute__((packed));

_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info v1");
_Static_assert(offsetof(struct hvm_start_info, memmap_paddr) == 40, "memmap_paddr");
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "hvm_modlist_entry");
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "hvm_memmap_table_entry");
_Static_assert(E820_MAX * sizeof(struct hvm_memmap_table_entry) <= BOOT_MMAP_SIZE,
	       "PVH memory map must fit in BOOT_MMAP");

/* Module strings live in the BOOT_MODS page after the module list. */
#define PVH_MODSTR (BOOT_MODS + 0x100)
#define PVH_MODSTR_MAX 0xf00

bool elf_is_elf(const uint8_t *img, size_t len)
{
	return img && len >= SELFMAG && !memcmp(img, ELFMAG, SELFMAG);
}

int elf_image_open(const struct load_params *p, const uint8_t *img, size_t len,
		   struct elf_image *ei, char *err, size_t errlen)
{
	uint64_t phoff, phentsize, phnum, phdr_sz;
	uint16_t type, machine;
	const char *why;

	memset(ei, 0, sizeof(*ei));
	if (!elf_is_elf(img, len) || len < EI_NIDENT)
		return loader_fail(p, err, errlen, -ENOEXEC, "not an ELF image");
	ei->cls = img[EI_CLASS];
	if (ei->cls != ELFCLASS32 && ei->cls != ELFCLASS64)
		return loader_fail(p, err, errlen, -ENOEXEC, "bad ELF class %d", ei->cls);
	if (img[EI_DATA] != ELFDATA2LSB)
		return loader_fail(p, err, errlen, -ENOEXEC, "ELF image is not little endian");
	if (img[EI_VERSION] != EV_CURRENT)
		return loader_fail(p, err, errlen, -ENOEXEC, "bad ELF version %d", img[EI_VERSION]);

	/* Raw header fields; both layouts share the first 24 bytes. */
	if (ei->cls == ELFCLASS64) {
		if (len < sizeof(Elf64_Ehdr))
			goto truncated;
		phoff = get_le64(img + offsetof(Elf64_Ehdr, e_phoff));
		phentsize = get_le16(img + offsetof(Elf64_Ehdr, e_phentsize));
		phnum = get_le16(img + offsetof(Elf64_Ehdr, e_phnum));
		ei->entry = get_le64(img + offsetof(Elf64_Ehdr, e_entry));
		phdr_sz = sizeof(Elf64_Phdr);
	} else {
		if (len < sizeof(Elf32_Ehdr))
			goto truncated;
		phoff = get_le32(img + offsetof(Elf32_Ehdr, e_phoff));
		phentsize = get_le16(img + offsetof(Elf32_Ehdr, e_phentsize));
		phnum = get_le16(img + offsetof(Elf32_Ehdr, e_phnum));
		ei->entry = get_le32(img + offsetof(Elf32_Ehdr, e_entry));
		phdr_sz = sizeof(Elf32_Phdr);
	}
	type = get_le16(img + offsetof(Elf64_Ehdr, e_type));
	machine = get_le16(img + offsetof(Elf64_Ehdr, e_machine));
	if (type != ET_EXEC)
		return loader_fail(p, err, errlen, -ENOEXEC,
				   "ELF type %u is not an executable (ET_EXEC)", type);
	if (machine != (ei->cls == ELFCLASS64 ? EM_X86_64 : EM_386))
		return loader_fail(p, err, errlen, -ENOEXEC,
				   "ELF%d machine %u is not %s", ei->cls == ELFCLASS64 ? 64 : 32,
				   machine, ei->cls == ELFCLASS64 ? "x86-64" : "i386");
	/* PN_XNUM (count in section 0) is never used by kernels: refuse it. */
	if (!phnum || phnum >= PN_XNUM)
		return loader_fail(p, err, errlen, -ENOEXEC,
				   "ELF image has no usable program headers (e_phnum %llu)",
				   (unsigned long long)phnum);
	if (phentsize != phdr_sz)
		return loader_fail(p, err, errlen, -ENOEXEC,
				   "bad ELF program header size %llu", (unsigned long long)phentsize);
	/* phnum * phentsize < 2^32: no overflow possible in the product. */
	if (phoff > len || len - phoff < phnum * phentsize)
		goto truncated;
	ei->phnum = phnum;

	if (elf_version(EV_CURRENT) == EV_NONE) {
		why = elf_errmsg(-1);
		goto libelf_fail;
	}
	/*
	 * elf_memory() takes a non-const pointer but only reads a native
	 * byte order image (little endian was checked above), so the cast
	 * does not expose the caller's buffer to writes.
	 */
	ei->elf = elf_memory((char *)img, len);
	if (!ei->elf || elf_kind(ei->elf) != ELF_K_ELF) {
		why = elf_errmsg(-1);
		goto libelf_fail;
	}
	ei->img = img;
	ei->len = len;
	return 0;

truncated:
	return loader_fail(p, err, errlen, -ENOEXEC,
			   "ELF image truncated (%zu bytes) or program header table out of bounds",
			   len);
libelf_fail:
	elf_image_close(ei);
	return loader_fail(p, err, errlen, -ENOEXEC, "malformed ELF image: %s",
			   why ? why : "unknown libelf error");
}

void elf_image_close(struct elf_image *ei)
{
	if (ei->elf)
		elf_end(ei->elf);
	ei->elf = NULL;
}

/* Search one note blob. 0 = found, -ENOENT = not here, -ENOEXEC = bad. */
static int pvh_in_notes(Elf_Data *data, uint64_t *entry)
{
	GElf_Nhdr nh;
	size_t off = 0, next, name_off, desc_off;

	while (data && off < data->d_size &&
	       (next = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
		const uint8_t *buf = data->d_buf;

		off = next;
		if (nh.n_type != XEN_ELFNOTE_PHYS32_ENTRY || nh.n_namesz != 4 ||
		    memcmp(buf + name_off, "Xen", 4))
			continue;
		/* Linux emits a pointer-sized value: 8 bytes in a 64-bit vmlinux. */
		if (nh.n_descsz == 4)
			*entry = get_le32(buf + desc_off);
		else if (nh.n_descsz == 8)
			*entry = get_le64(buf + desc_off);
		else
			return -ENOEXEC;
		return 0;
	}
	return -ENOENT;
}

int elf_image_pvh_entry(const struct load_params *p, const struct elf_image *ei,
			uint64_t *entry, char *err, size_t errlen)
{
	Elf_Scn *scn = NULL;
	size_t i;
	int ret = -ENOENT;

	for (i = 0; i < ei->phnum && ret == -ENOENT; i++) {
		GElf_Phdr ph;
		Elf_Data *d;

		if (!gelf_getphdr(ei->elf, (int)i, &ph) || ph.p_type != PT_NOTE)
			continue;
		if (ph.p_offset > ei->len || ei->len - ph.p_offset < ph.p_filesz)
			return loader_fail(p, err, errlen, -ENOEXEC,
					   "ELF note segment %zu lies outside the file", i);
		d = elf_getdata_rawchunk(ei->elf, (int64_t)ph.p_offset, ph.p_filesz,
					 ELF_T_NHDR);
		ret = pvh_in_notes(d, entry);
	}
	/* Some linkers drop PT_NOTE; the sections still carry the note. */
	while (ret == -ENOENT && (scn = elf_nextscn(ei->elf, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		ret = pvh_in_notes(elf_getdata(scn, NULL), entry);
	}
	if (ret == -ENOEXEC)
		return loader_fail(p, err, errlen, -ENOEXEC,
				   "malformed Xen PVH entry note");
	if (!ret && *entry >= MMIO_HOLE_END)
		return loader_fail(p, err, errlen, -ENOEXEC,
				   "PVH entry 0x%llx is not a 32-bit address",
				   (unsigned long long)*entry);
	return ret;
}

/* Check one PT_LOAD; on success *end is its physical end. */
static int check_segment(const struct load_params *p, const struct elf_image *ei,
			 size_t i, const GElf_Phdr *ph, uint64_t low_end,
			 uint64_t *end, char *err, size_t errlen)
{
	if (ph->p_filesz > ph->p_memsz)
		return loader_fail(p, err, errlen, -ENOEXEC,
				   "ELF segment %zu: file size 0x%llx exceeds memory size 0x%llx",
				   i, (unsigned long long)ph->p_filesz,
				   (unsigned long long)ph->p_memsz);
	if (ph->p_offset > ei->len || ei->len - ph->p_offset < ph->p_filesz)
		return loader_fail(p, err, errlen, -ENOEXEC,
				   "ELF segment %zu: file range 0x%llx+0x%llx lies outside the %zu-byte image",
				   i, (unsigned long long)ph->p_offset,
				   (unsigned long long)ph->p_filesz, ei->len);
	if (__builtin_add_overflow(ph->p_paddr, ph->p_memsz, end))
		return loader_fail(p, err, errlen, -ENOEXEC,
				   "ELF segment %zu: address range overflows", i);
	/* The first MiB holds hvmm's boot structures and ACPI tables. */
	if (ph->p_paddr < KERNEL_LOAD)
		return loader_fail(p, err, errlen, -ENOEXEC,
				   "ELF segment %zu at 0x%llx is below 1 MiB",
				   i, (unsigned long long)ph->p_paddr);
	if (*end > low_end || !gmem_ptr(p->mem, ph->p_paddr, ph->p_memsz))
		return loader_fail(p, err, errlen, -E2BIG,
				   "ELF segment %zu [0x%llx, 0x%llx) does not fit in guest RAM below 0x%llx",
				   i, (unsigned long long)ph->p_paddr,
				   (unsigned long long)*end, (unsigned long long)low_end);
	return 0;
}

int elf_image_load(const struct load_params *p, struct elf_image *ei,
		   uint64_t low_end, char *err, size_t errlen)
{
	uint64_t lo = UINT64_MAX, hi = 0, end = 0;
	size_t i;
	int ret, pass;

	/* Pass 0 validates everything, pass 1 copies: no half-loaded guest. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < ei->phnum; i++) {
			GElf_Phdr ph;
			uint8_t *dst;

			if (!gelf_getphdr(ei->elf, (int)i, &ph))
				return loader_fail(p, err, errlen, -ENOEXEC,
						   "cannot read ELF program header %zu: %s",
						   i, elf_errmsg(-1));
			if (ph.p_type != PT_LOAD || !ph.p_memsz)
				continue;
			if (pass == 0) {
				ret = check_segment(p, ei, i, &ph, low_end, &end, err, errlen);
				if (ret)
					return ret;
				lo = MIN(lo, ph.p_paddr);
				hi = MAX(hi, end);
				continue;
			}
			dst = gmem_ptr(p->mem, ph.p_paddr, ph.p_memsz);
			if (!dst)
				return loader_fail(p, err, errlen, -EFAULT,
						   "ELF segment %zu vanished from guest RAM", i);
			if (ph.p_filesz)
				memcpy(dst, ei->img + ph.p_offset, ph.p_filesz);
			/* RAM may be reused across reboots: clear the bss. */
			memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
		}
		if (pass == 0 && !hi)
			return loader_fail(p, err, errlen, -ENOEXEC,
					   "ELF image has no loadable segments");
	}
	ei->load_lo = lo;
	ei->load_hi = hi;
	return 0;
}

int elf_image_entry(const struct load_params *p, const struct elf_image *ei,
		    uint64_t addr, bool virt_ok, uint64_t *paddr, char *err,
		    size_t errlen)
{
	size_t i;
	int virt;

	/* Physical ranges first: an identity-linked kernel needs no lookup. */
	for (virt = 0; virt < (virt_ok ? 2 : 1); virt++) {
		for (i = 0; i < ei->phnum; i++) {
			GElf_Phdr ph;
			uint64_t base;

			if (!gelf_getphdr(ei->elf, (int)i, &ph) ||
			    ph.p_type != PT_LOAD || !ph.p_memsz)
				continue;
			base = virt ? ph.p_vaddr : ph.p_paddr;
			if (addr < base || addr - base >= ph.p_memsz)
				continue;
			/* check_segment() bounded p_paddr + p_memsz. */
			*paddr = ph.p_paddr + (addr - base);
			if (*paddr >= MMIO_HOLE_END)
				break;
			return 0;
		}
	}
	return loader_fail(p, err, errlen, -ENOEXEC,
			   "entry point 0x%llx is not inside a loaded segment below 4 GiB",
			   (unsigned long long)addr);
}

/* Fill hvm_start_info, the memory map and the module list. */
static int pvh_setup(const struct load_params *p, const struct e820_map *map,
		     uint64_t initrd_gpa, char *err, size_t errlen)
{
	struct hvm_start_info si = {
		.magic = HVM_START_MAGIC,
		.version = 1,
		.cmdline_paddr = BOOT_CMDLINE,
		.rsdp_paddr = p->rsdp_gpa,
		.memmap_paddr = BOOT_MMAP,
		.memmap_entries = MIN(map->nr, E820_MAX),
	};
	unsigned int i;

	for (i = 0; i < si.memmap_entries; i++) {
		struct hvm_memmap_table_entry me = {
			.addr = map->e[i].addr,
			.size = map->e[i].size,
			.type = map->e[i].type,
		};

		if (gmem_write(p->mem, BOOT_MMAP + i * sizeof(me), &me, sizeof(me)))
			goto fault;
	}
	if (loader_has_initrd(p)) {
		struct hvm_modlist_entry mod = {
			.paddr = initrd_gpa,
			.size = p->initrd_len,
			.cmdline_paddr = PVH_MODSTR,
		};

		if (gmem_write(p->mem, BOOT_MODS, &mod, sizeof(mod)) ||
		    loader_put_string(p->mem, PVH_MODSTR, PVH_MODSTR_MAX,
				      loader_basename(p->initrd_path)))
			goto fault;
		si.nr_modules = 1;
		si.modlist_paddr = BOOT_MODS;
	}
	if (gmem_write(p->mem, BOOT_INFO, &si, sizeof(si)))
		goto fault;
	return 0;

fault:
	return loader_fail(p, err, errlen, -EFAULT, "PVH boot area is not in guest RAM");
}

int elf_load(const struct load_params *p, struct boot_state *out,
	     char *err, size_t errlen)
{
	struct e820_map tmp;
	const struct e820_map *map;
	struct elf_image ei;
	uint64_t pvh = 0, entry, low_end, initrd_gpa = 0;
	bool has_pvh;
	int ret;

	ret = elf_image_open(p, p->kernel, p->kernel_len, &ei, err, errlen);
	if (ret)
		return ret;
	ret = elf_image_pvh_entry(p, &ei, &pvh, err, errlen);
	if (ret && ret != -ENOENT)
		goto out;
	has_pvh = !ret;
	if (!has_pvh && ei.cls == ELFCLASS32) {
		ret = loader_fail(p, err, errlen, -ENOEXEC,
				  "32-bit ELF without Multiboot or PVH entry");
		goto out;
	}
	/* Nothing tells a bare ELF64 payload where an initrd would be. */
	if (!has_pvh && loader_has_initrd(p)) {
		ret = loader_fail(p, err, errlen, -EINVAL,
				  "a 64-bit ELF kernel without a PVH note cannot take an initrd");
		goto out;
	}
	map = loader_e820(p, &tmp);
	if (!map) {
		ret = loader_fail(p, err, errlen, -EINVAL, "cannot build the E820 map");
		goto out;
	}
	low_end = loader_low_end(p, map);

	ret = elf_image_load(p, &ei, low_end, err, errlen);
	if (ret)
		goto out;
	/* The PVH note holds a physical address; e_entry may be virtual. */
	ret = elf_image_entry(p, &ei, has_pvh ? pvh : ei.entry, !has_pvh, &entry,
			      err, errlen);
	if (ret)
		goto out;
	ret = loader_put_cmdline(p, BOOT_CMDLINE_MAX - 1, err, errlen);
	if (ret)
		goto out;

	memset(out, 0, sizeof(*out));
	out->rip = entry;
	if (!has_pvh) {
		out->mode = BOOT_MODE_LONG64;
		out->fmt = KFMT_ELF64;
		out->rsp = BOOT_STACK;
		out->rsi = 0;
		goto out;
	}

	if (loader_has_initrd(p)) {
		ret = loader_place_initrd(p, ei.load_hi, low_end, &initrd_gpa, err, errlen);
		if (!ret)
			ret = loader_copy_initrd(p, initrd_gpa, err, errlen);
		if (ret)
			goto out;
	}
	ret = pvh_setup(p, map, initrd_gpa, err, errlen);
	if (ret)
		goto out;
	out->mode = BOOT_MODE_PROT32;
	out->fmt = KFMT_ELF_PVH;
	out->rbx = BOOT_INFO;
out:
	elf_image_close(&ei);
	return ret;
}
