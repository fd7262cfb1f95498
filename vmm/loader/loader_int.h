/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the kernel loaders; not part of the loader API.
 */
#ifndef HVMM_LOADER_INT_H
#define HVMM_LOADER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loader.h"

/*
 * Format a one-line reason into err (prefixed with the kernel path when
 * known; newlines are flattened) and return rc, so that error paths read
 * `return loader_fail(p, err, errlen, -ENOEXEC, "...", ...);`.
 * p, err may be NULL.
 */
int loader_fail(const struct load_params *p, char *err, size_t errlen, int rc,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * The E820 map to hand to the guest: p->e820, or the standard map for
 * p->mem built into *tmp when the caller passed none. NULL if neither
 * is usable.
 */
const struct e820_map *loader_e820(const struct load_params *p, struct e820_map *tmp);

/* End of the RAM that loaders may use below 4 GiB (E820 and gmem agree). */
uint64_t loader_low_end(const struct load_params *p, const struct e820_map *map);

/*
 * Copy p->cmdline to BOOT_CMDLINE. max_len is the longest string the
 * kernel accepts, excluding the NUL. Returns 0, -E2BIG or -EFAULT.
 */
int loader_put_cmdline(const struct load_params *p, uint64_t max_len,
		       char *err, size_t errlen);

/*
 * Copy a string of at most max bytes (NUL included, truncated to fit) to
 * gpa. Returns 0 or -EFAULT.
 */
int loader_put_string(const struct guest_mem *mem, uint64_t gpa, size_t max,
		      const char *s);

/* The last path component, or "initrd" for NULL. */
const char *loader_basename(const char *path);

/* True if p carries a non-empty initrd. */
bool loader_has_initrd(const struct load_params *p);

/* Copy the initrd to guest RAM at gpa (already placed and checked). */
int loader_copy_initrd(const struct load_params *p, uint64_t gpa,
		       char *err, size_t errlen);

/* Multiboot v1 header as found in the image (all fields little endian). */
struct mb_header {
	uint32_t magic;
	uint32_t flags;
	uint32_t checksum;
	/* Valid only with MB_FLAG_AOUT_KLUDGE (the image must hold them). */
	uint32_t header_addr;
	uint32_t load_addr;
	uint32_t load_end_addr;
	uint32_t bss_end_addr;
	uint32_t entry_addr;
};

#define MB_HEADER_MAGIC 0x1BADB002u
#define MB_BOOT_MAGIC 0x2BADB002u
#define MB_SEARCH_LEN 8192
#define MB_FLAG_PAGE_ALIGN (1u << 0)
#define MB_FLAG_MEMORY_INFO (1u << 1)
#define MB_FLAG_VIDEO_MODE (1u << 2)
#define MB_FLAG_AOUT_KLUDGE (1u << 16)

/*
 * Find the Multiboot v1 header: 4-byte aligned within the first 8 KiB,
 * valid checksum. With the a.out flag set the address fields must be in
 * the image too. Returns 0 and fills *hdr and *off, or -ENOENT.
 */
int multiboot_find_header(const uint8_t *img, size_t len, struct mb_header *hdr,
			  size_t *off);

static inline uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

#endif
