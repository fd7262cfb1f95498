// SPDX-License-Identifier: MIT
/*
 * `monitor kaslr`: where a Linux x86-64 kernel's text really is, so gdb
 * can load vmlinux's symbols with the slide (`symbol-file vmlinux -o`).
 *
 * Without symbols: the kernel image is mapped at __START_KERNEL_map
 * (0xffffffff80000000) + its offset, and once the kernel runs,
 * cleanup_highmap() (arch/x86/mm/init_64.c) clears the 2 MiB mappings
 * below _text; so the first present 2 MiB page of that 1 GiB window is
 * _text rounded down to 2 MiB, and the offset is its distance from the
 * link-time _text (0xffffffff81000000, CONFIG_PHYSICAL_START 16 MiB;
 * KASLR slides are multiples of CONFIG_PHYSICAL_ALIGN, 2 MiB at least).
 * Before cleanup_highmap() the window starts mapped at its base: that
 * is reported as "not yet known" rather than as a wrong offset.
 */
#include <stdio.h>

#include "gdb_int.h"

#define KERNEL_MAP 0xffffffff80000000ULL
#define KERNEL_MAP_SIZE (1ULL << 30) /* KERNEL_IMAGE_SIZE with KASLR */
#define LINK_TEXT 0xffffffff81000000ULL
#define PMD_SIZE (2ULL << 20)

void gdb_kaslr_describe(struct gdb_session *s, char *out, size_t cap)
{
	uint64_t va, gpa;

	if (!s->ops->translate) {
		snprintf(out, cap, "kaslr: the VMM gives no address translation\n");
		return;
	}
	for (va = KERNEL_MAP; va < KERNEL_MAP + KERNEL_MAP_SIZE; va += PMD_SIZE)
		if (!s->ops->translate(s->t, s->g_vcpu, va, &gpa))
			break;
	if (va >= KERNEL_MAP + KERNEL_MAP_SIZE) {
		snprintf(out, cap, "kaslr: no kernel mapping at %#llx (not a Linux x86-64 kernel, or "
				   "not running yet)\n", KERNEL_MAP);
		return;
	}
	if (va == KERNEL_MAP || va < LINK_TEXT) {
		snprintf(out, cap, "kaslr: kernel mapping not yet trimmed (early boot); "
				   "try again after start_kernel\n");
		return;
	}
	snprintf(out, cap,
		 "kernel _text at %#llx (physical %#llx), KASLR offset %#llx\n"
		 "  symbol-file -o %#llx vmlinux\n",
		 (unsigned long long)va, (unsigned long long)gpa,
		 (unsigned long long)(va - LINK_TEXT), (unsigned long long)(va - LINK_TEXT));
}
