/* SPDX-License-Identifier: MIT */
/*
 * A guest page-table walker: GVA -> GPA with the paging registers of one
 * vCPU, for every x86 mode (no paging, 32-bit with PSE, PAE, 4-level and
 * 5-level long mode, with 4 KiB, 2/4 MiB and 1 GiB pages). KVM-free: the
 * caller hands in CR0/CR3/CR4/EFER and a reader of guest physical memory,
 * so HvCallTranslateVirtualAddress (hv_vsm_mem.c) and later the gdbstub
 * share it.
 *
 * The walk never trusts guest data: it reads at most one entry per level
 * (at most 5 reads), every read goes through the reader (which must fail
 * for a GPA outside RAM), and the result says which level faulted and
 * why. Reserved-bit rules follow the Intel SDM vol. 3 chapter 4 / AMD APM
 * vol. 2 chapter 5 tables; MAXPHYADDR comes from the caller.
 */
#ifndef HVMM_X86_WALK_H
#define HVMM_X86_WALK_H

#include <stdbool.h>
#include <stdint.h>

#define X86_CR0_PE (1ULL << 0)
#define X86_CR0_WP (1ULL << 16)
#define X86_CR0_AM (1ULL << 18)
#define X86_CR0_PG (1ULL << 31)
#define X86_CR4_PSE (1ULL << 4)
#define X86_CR4_PAE (1ULL << 5)
#define X86_CR4_LA57 (1ULL << 12)
#define X86_CR4_SMEP (1ULL << 20)
#define X86_CR4_SMAP (1ULL << 21)
#define X86_EFER_LME (1ULL << 8)
#define X86_EFER_LMA (1ULL << 10)
#define X86_EFER_NXE (1ULL << 11)

/* Page-table entry bits. */
#define X86_PTE_P (1ULL << 0)
#define X86_PTE_RW (1ULL << 1)
#define X86_PTE_US (1ULL << 2)
#define X86_PTE_PS (1ULL << 7)
#define X86_PTE_NX (1ULL << 63)

enum x86_walk_mode {
	X86_WALK_NOPAGING,  /* CR0.PG = 0: GPA = GVA (low 32 bits outside long mode) */
	X86_WALK_32BIT,     /* 2 levels, 4-byte entries, 4 MiB pages with CR4.PSE */
	X86_WALK_PAE,       /* 3 levels (4 PDPTEs), 2 MiB pages */
	X86_WALK_LONG4,     /* 4 levels, 48-bit canonical, 2 MiB / 1 GiB pages */
	X86_WALK_LONG5,     /* 5 levels (CR4.LA57), 57-bit canonical */
	X86_WALK_INVALID,   /* a register combination the CPU refuses */
};

enum x86_walk_status {
	X86_WALK_OK = 0,
	X86_WALK_NOT_PRESENT,   /* P = 0 at `level` */
	X86_WALK_RESERVED,      /* a reserved bit set in the entry at `level` */
	X86_WALK_NON_CANONICAL, /* the GVA is not canonical for the mode */
	X86_WALK_BAD_TABLE,     /* the entry at `level` is not in guest RAM (reader failed) */
	X86_WALK_BAD_MODE,      /* e.g. CR0.PG with EFER.LMA but no CR4.PAE */
	X86_WALK_PROTECTION,    /* x86_walk_check(): the access is not allowed */
};

struct x86_walk_regs {
	uint64_t cr0, cr3, cr4, efer;
	unsigned int maxphyaddr; /* physical address bits; 0 means 52 */
};

/*
 * Read `size` (4 or 8) bytes of guest physical memory at `gpa` into *val
 * (zero-extended). 0, or nonzero if the GPA is not readable RAM.
 */
typedef int (*x86_walk_read_fn)(void *opaque, uint64_t gpa, unsigned int size, uint64_t *val);

struct x86_walk_result {
	enum x86_walk_status status;
	enum x86_walk_mode mode;
	uint64_t gpa;          /* the translation (status OK) */
	uint64_t page_size;    /* 4 KiB, 2 MiB, 4 MiB or 1 GiB */
	unsigned int level;    /* 1 = PTE ... 5 = PML5E: leaf, or where it faulted */
	uint64_t entry;        /* that entry's value */
	/* Effective rights, accumulated over the levels walked (status OK). */
	bool writable, user, nx;
};

enum x86_walk_mode x86_walk_mode(const struct x86_walk_regs *r);

/*
 * Translate `gva`. Returns res->status; on failure res->level and
 * res->entry say where. Without paging the rights are all granted.
 */
enum x86_walk_status x86_walk(const struct x86_walk_regs *r, uint64_t gva, x86_walk_read_fn read,
			      void *opaque, struct x86_walk_result *res);

/* Access kinds for x86_walk_check(). */
#define X86_ACC_WRITE (1U << 0)
#define X86_ACC_FETCH (1U << 1)
#define X86_ACC_USER (1U << 2)      /* CPL 3 (else supervisor) */
#define X86_ACC_NO_PRIV (1U << 3)   /* skip U/S, SMEP, SMAP (privilege exempt) */
#define X86_ACC_SMAP_OFF (1U << 4)  /* supervisor data access with EFLAGS.AC=1 */

/*
 * Does a successful walk allow `access`? X86_WALK_OK or
 * X86_WALK_PROTECTION (user/supervisor, CR0.WP, NX, SMEP, SMAP).
 */
enum x86_walk_status x86_walk_check(const struct x86_walk_regs *r, const struct x86_walk_result *w,
				    unsigned int access);

#endif
