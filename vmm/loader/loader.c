// SPDX-License-Identifier: MIT
/*
 * Format detection, dispatch, and the helpers every loader shares
 * (error strings, command line, initrd placement).
 */
#include "loader.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "elf_load.h"
#include "layout.h"
#include "loader_int.h"
#include "util.h"

int loader_fail(const struct load_params *p, char *err, size_t errlen, int rc,
		const char *fmt, ...)
{
	va_list ap;
	size_t n = 0;
	char *c;

	if (!err || !errlen)
		return rc;
	err[0] = 0;
	if (p && p->kernel_path) {
		int w = snprintf(err, errlen, "%s: ", p->kernel_path);

		n = w < 0 ? 0 : MIN((size_t)w, errlen - 1);
	}
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - n, fmt, ap);
	va_end(ap);
	/* Callers print err as one log line; a path could carry a newline. */
	for (c = err; *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	return rc;
}

const struct e820_map *loader_e820(const struct load_params *p, struct e820_map *tmp)
{
	if (p->e820)
		return p->e820;
	if (e820_build(tmp, p->mem))
		return NULL;
	return tmp;
}

uint64_t loader_low_end(const struct load_params *p, const struct e820_map *map)
{
	/* A caller-supplied map could claim more than the RAM really mapped. */
	return MIN(e820_low_ram_end(map), p->mem->low_size);
}

int loader_put_string(const struct guest_mem *mem, uint64_t gpa, size_t max,
		      const char *s)
{
	size_t n = strnlen(s, max ? max - 1 : 0);
	uint8_t *dst;

	if (!max)
		return -EFAULT;
	dst = gmem_ptr(mem, gpa, n + 1);
	if (!dst)
		return -EFAULT;
	memcpy(dst, s, n);
	dst[n] = 0;
	return 0;
}

int loader_put_cmdline(const struct load_params *p, uint64_t max_len,
		       char *err, size_t errlen)
{
	size_t n = strlen(p->cmdline);

	max_len = MIN(max_len, BOOT_CMDLINE_MAX - 1);
	/* Truncating a command line silently would boot the wrong system. */
	if (n > max_len)
		return loader_fail(p, err, errlen, -E2BIG,
				   "command line is %zu bytes, the kernel accepts at most %llu",
				   n, (unsigned long long)max_len);
	if (gmem_write(p->mem, BOOT_CMDLINE, p->cmdline, n + 1))
		return loader_fail(p, err, errlen, -EFAULT,
				   "command line area is not in guest RAM");
	return 0;
}

const char *loader_basename(const char *path)
{
	const char *s;

	if (!path || !*path)
		return "initrd";
	s = strrchr(path, '/');
	return s && s[1] ? s + 1 : path;
}

bool loader_has_initrd(const struct load_params *p)
{
	return p->initrd && p->initrd_len;
}

int loader_copy_initrd(const struct load_params *p, uint64_t gpa,
		       char *err, size_t errlen)
{
	if (gmem_write(p->mem, gpa, p->initrd, p->initrd_len))
		return loader_fail(p, err, errlen, -E2BIG,
				   "initrd does not fit in guest RAM at 0x%llx",
				   (unsigned long long)gpa);
	return 0;
}

int loader_place_initrd(const struct load_params *p, uint64_t kernel_end,
			uint64_t limit, uint64_t *gpa, char *err, size_t errlen)
{
	uint64_t size = p->initrd_len, lo, start;
	const char *name = loader_basename(p->initrd_path);

	/* Never trust a limit beyond the RAM that is actually there. */
	limit = MIN(limit, p->mem->low_size);
	lo = ALIGN_UP(kernel_end, 4096ULL);
	if (lo < kernel_end || size > limit || lo > limit)
		goto too_big;
	/* Highest page-aligned start: leaves low RAM free for the kernel. */
	start = ALIGN_DOWN(limit - size, 4096ULL);
	if (start < lo || !gmem_ptr(p->mem, start, size))
		goto too_big;
	*gpa = start;
	return 0;

too_big:
	return loader_fail(NULL, err, errlen, -E2BIG,
			   "initrd %s (%llu bytes) does not fit in guest RAM between the kernel end 0x%llx and 0x%llx",
			   name, (unsigned long long)size,
			   (unsigned long long)kernel_end, (unsigned long long)limit);
}

static bool is_bzimage(const uint8_t *img, size_t len)
{
	return len >= 0x206 && get_le16(img + 0x1fe) == 0xAA55 &&
	       !memcmp(img + 0x202, "HdrS", 4);
}

enum kernel_format loader_detect(const uint8_t *img, size_t len)
{
	struct mb_header mb;
	struct elf_image ei;
	enum kernel_format fmt = KFMT_UNKNOWN;
	bool has_mb;
	uint64_t entry;

	if (!img)
		return KFMT_UNKNOWN;
	if (is_bzimage(img, len))
		return KFMT_BZIMAGE;
	has_mb = multiboot_find_header(img, len, &mb, &(size_t){ 0 }) == 0;
	if (!elf_is_elf(img, len)) {
		if (has_mb && (mb.flags & MB_FLAG_AOUT_KLUDGE))
			return KFMT_MULTIBOOT_AOUT;
		return KFMT_UNKNOWN;
	}
	if (elf_image_open(NULL, img, len, &ei, NULL, 0))
		return KFMT_UNKNOWN;
	/*
	 * A 32-bit Multiboot kernel is booted as such even if it also has a
	 * PVH note: Multiboot is what its author tested with GRUB. 64-bit
	 * images prefer PVH (Linux vmlinux); a 64-bit image whose Multiboot
	 * header carries a.out addresses expects a 32-bit entry there.
	 */
	if (ei.cls == ELFCLASS32 && has_mb)
		fmt = (mb.flags & MB_FLAG_AOUT_KLUDGE) ? KFMT_MULTIBOOT_AOUT
						       : KFMT_MULTIBOOT_ELF;
	else if (!elf_image_pvh_entry(NULL, &ei, &entry, NULL, 0))
		fmt = KFMT_ELF_PVH;
	else if (ei.cls == ELFCLASS64 && has_mb && (mb.flags & MB_FLAG_AOUT_KLUDGE))
		fmt = KFMT_MULTIBOOT_AOUT;
	else if (ei.cls == ELFCLASS64)
		fmt = KFMT_ELF64;
	elf_image_close(&ei);
	return fmt;
}

const char *loader_format_name(enum kernel_format fmt)
{
	switch (fmt) {
	case KFMT_BZIMAGE:
		return "bzImage";
	case KFMT_ELF_PVH:
		return "ELF (PVH)";
	case KFMT_ELF64:
		return "ELF64";
	case KFMT_MULTIBOOT_ELF:
		return "Multiboot ELF";
	case KFMT_MULTIBOOT_AOUT:
		return "Multiboot a.out";
	case KFMT_UNKNOWN:
		break;
	}
	return "unknown";
}

int loader_load(const struct load_params *p, struct boot_state *out,
		char *err, size_t errlen)
{
	struct mb_header mb;
	size_t off;

	if (err && errlen)
		err[0] = 0;
	if (!p || !out || !p->mem || !p->mem->host || !p->cmdline ||
	    (!p->kernel && p->kernel_len) || (!p->initrd && p->initrd_len))
		return loader_fail(p, err, errlen, -EINVAL, "invalid load parameters");

	memset(out, 0, sizeof(*out));
	switch (loader_detect(p->kernel, p->kernel_len)) {
	case KFMT_BZIMAGE:
		return bzimage_load(p, out, err, errlen);
	case KFMT_ELF_PVH:
	case KFMT_ELF64:
		return elf_load(p, out, err, errlen);
	case KFMT_MULTIBOOT_ELF:
	case KFMT_MULTIBOOT_AOUT:
		return multiboot_load(p, out, err, errlen);
	case KFMT_UNKNOWN:
		break;
	}

	/* Say why, as precisely as the image allows. */
	if (p->kernel && elf_is_elf(p->kernel, p->kernel_len)) {
		int ret = elf_load(p, out, err, errlen);

		/* Unreachable unless detection and loading disagree. */
		return ret ? ret : loader_fail(p, err, errlen, -ENOEXEC,
					       "unrecognised ELF image");
	}
	if (p->kernel && !multiboot_find_header(p->kernel, p->kernel_len, &mb, &off))
		return loader_fail(p, err, errlen, -ENOEXEC,
				   "Multiboot header at 0x%zx lacks the a.out address fields (flag 16) a non-ELF image needs",
				   off);
	return loader_fail(p, err, errlen, -ENOEXEC,
			   "not a kernel image (no bzImage, ELF or Multiboot header)");
}
