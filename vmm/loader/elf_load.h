/* SPDX-License-Identifier: MIT */
/*
 * ELF parsing and segment loading shared by the PVH/ELF64 loader and the
 * Multiboot loader (which loads ELF32 kernels the same way).
 */
#ifndef HVMM_ELF_LOAD_H
#define HVMM_ELF_LOAD_H

#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loader.h"

struct elf_image {
	Elf *elf;
	const uint8_t *img;
	size_t len;
	int cls;          /* ELFCLASS32 or ELFCLASS64 */
	uint64_t entry;   /* e_entry as found in the header */
	size_t phnum;
	/* Set by elf_image_load: [lowest p_paddr, highest p_paddr + p_memsz) */
	uint64_t load_lo, load_hi;
};

/* True if the image starts with the ELF magic. */
bool elf_is_elf(const uint8_t *img, size_t len);

/*
 * Validate the ELF header (class, little endian, ET_EXEC, machine
 * matching the class, program header table inside the file) and open
 * it with libelf. p is only used for messages and may be NULL.
 * Returns 0 or -ENOEXEC; on success elf_image_close() must be called.
 */
int elf_image_open(const struct load_params *p, const uint8_t *img, size_t len,
		   struct elf_image *ei, char *err, size_t errlen);
void elf_image_close(struct elf_image *ei);

/*
 * Find the Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY, name "Xen") in
 * the PT_NOTE segments, or failing that the SHT_NOTE sections.
 * Returns 0 and sets *entry, -ENOENT if there is none, -ENOEXEC if the
 * note is malformed.
 */
int elf_image_pvh_entry(const struct load_params *p, const struct elf_image *ei,
			uint64_t *entry, char *err, size_t errlen);

/*
 * Validate every PT_LOAD segment (sizes, file bounds, overflow, placed in
 * RAM within [KERNEL_LOAD, low_end)) and only then copy them to their
 * p_paddr, zeroing the bss. Returns 0, -ENOEXEC, -E2BIG or -EFAULT.
 */
int elf_image_load(const struct load_params *p, struct elf_image *ei,
		   uint64_t low_end, char *err, size_t errlen);

/*
 * Turn an entry address into the physical address to jump to: inside a
 * segment's physical range it is kept; with virt_ok, inside a segment's
 * virtual range it is translated to the physical one (as GRUB does for
 * e_entry). Anything else, or anything at or above 4 GiB, is -ENOEXEC.
 */
int elf_image_entry(const struct load_params *p, const struct elf_image *ei,
		    uint64_t addr, bool virt_ok, uint64_t *paddr, char *err,
		    size_t errlen);

#endif
