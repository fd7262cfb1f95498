/* SPDX-License-Identifier: MIT */
/*
 * Kernel loaders. Each takes an image already read into memory, validates
 * every header field it relies on, places the image (and the initrd and
 * command line) into guest RAM and describes how the boot vCPU must be
 * started.
 *
 * Contract for all loaders:
 *  - the image bytes are untrusted: a truncated, malformed or oversized
 *    image returns -ENOEXEC (not this format / malformed) or -E2BIG (does
 *    not fit in guest RAM), with a one-line human reason in `err`;
 *  - nothing is written outside [0, mem->size) and no read goes past
 *    `len` bytes of the image;
 *  - on success `out` is filled and 0 is returned.
 */
#ifndef HVMM_LOADER_H
#define HVMM_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "../e820.h"
#include "../guest_mem.h"

enum boot_mode {
	BOOT_MODE_LINUX64,  /* 64-bit long mode, RSI = zero page */
	BOOT_MODE_PROT32,   /* 32-bit flat protected mode, paging off */
	BOOT_MODE_LONG64,   /* 64-bit long mode, identity-mapped 4 GiB */
};

enum kernel_format {
	KFMT_UNKNOWN,
	KFMT_BZIMAGE,
	KFMT_ELF_PVH,
	KFMT_ELF64,
	KFMT_MULTIBOOT_ELF,
	KFMT_MULTIBOOT_AOUT,
};

struct boot_state {
	enum boot_mode mode;
	enum kernel_format fmt;
	uint64_t rip;
	uint64_t rsp;  /* 0 = leave at reset value */
	uint64_t rax, rbx, rsi;
};

struct load_params {
	const char *kernel_path;   /* for messages only */
	const uint8_t *kernel;
	size_t kernel_len;
	const char *initrd_path;   /* for messages only; NULL = none */
	const uint8_t *initrd;
	size_t initrd_len;
	const char *cmdline;       /* never NULL; "" for none */
	struct guest_mem *mem;
	const struct e820_map *e820;
	uint64_t rsdp_gpa;         /* 0 = no ACPI */
};

/* Identify the image format without loading it. */
enum kernel_format loader_detect(const uint8_t *img, size_t len);
const char *loader_format_name(enum kernel_format fmt);

/* Detect and dispatch to the right loader. */
int loader_load(const struct load_params *p, struct boot_state *out,
		char *err, size_t errlen);

int bzimage_load(const struct load_params *p, struct boot_state *out,
		 char *err, size_t errlen);
int elf_load(const struct load_params *p, struct boot_state *out,
	     char *err, size_t errlen);
int multiboot_load(const struct load_params *p, struct boot_state *out,
		   char *err, size_t errlen);

/*
 * Place an initrd as high as possible below `limit` (exclusive, bytes),
 * page aligned, above the kernel's end `kernel_end`. Returns 0 and sets
 * *gpa, or -E2BIG.
 */
int loader_place_initrd(const struct load_params *p, uint64_t kernel_end,
			uint64_t limit, uint64_t *gpa, char *err, size_t errlen);

#endif
