/* SPDX-License-Identifier: MIT */
/*
 * The guest-physical memory map hvmm builds for every guest. One place,
 * so the loaders, the E820 builder, the ACPI builder and the vCPU boot
 * state agree.
 *
 *   0x00000000  real-mode IVT/BDA (left zero)
 *   0x00000500  boot GDT                               BOOT_GDT
 *   0x00001000  identity page tables, 4 GiB in 2 MiB   BOOT_PML4..BOOT_PD
 *   0x00007000  zero page / multiboot info / PVH info  BOOT_INFO
 *   0x00008000  memory map copies for MB/PVH           BOOT_MMAP
 *   0x00020000  kernel command line                    BOOT_CMDLINE
 *   0x0009fc00  EBDA (reserved)
 *   0x000e0000  ACPI tables, RSDP first (reserved)     ACPI_BASE
 *   0x00100000  kernel                                 KERNEL_LOAD
 *   ...         RAM up to min(ram, 3 GiB)
 *   0xc0000000  MMIO hole (IOAPIC, HPET-free, LAPIC)   MMIO_HOLE_START
 *   0x100000000 the rest of RAM
 */
#ifndef HVMM_LAYOUT_H
#define HVMM_LAYOUT_H

#define BOOT_GDT 0x500ULL
#define BOOT_IDT 0x520ULL
#define BOOT_PML4 0x1000ULL
#define BOOT_PDPT 0x2000ULL
#define BOOT_PD 0x3000ULL /* four pages: 0x3000-0x6fff */
#define BOOT_INFO 0x7000ULL
#define BOOT_MMAP 0x8000ULL
#define BOOT_MMAP_SIZE 0x1000ULL
#define BOOT_MODS 0x9000ULL
#define BOOT_STACK 0x1f000ULL /* top of a stack for payloads that want one */
#define BOOT_CMDLINE 0x20000ULL
#define BOOT_CMDLINE_MAX 0x10000ULL

#define EBDA_START 0x9fc00ULL
#define LOWMEM_END 0xa0000ULL
#define ACPI_BASE 0xe0000ULL
#define ACPI_SIZE 0x20000ULL
#define BIOS_END 0x100000ULL

#define KERNEL_LOAD 0x100000ULL

#define MMIO_HOLE_START 0xc0000000ULL
#define MMIO_HOLE_END 0x100000000ULL
#define IOAPIC_BASE 0xfec00000ULL
#define LAPIC_BASE 0xfee00000ULL

/* Minimum guest RAM: room for the low area plus a kernel. */
#define RAM_MIN (16ULL << 20)

#endif
