/* SPDX-License-Identifier: MIT */
/*
 * Shared by the loader unit tests: a guest RAM fixture and builders for
 * synthetic kernel images (bzImage, ELF32/ELF64 with optional PVH note
 * and Multiboot header, Multiboot a.out), so no binary blobs are needed.
 */
#ifndef HVMM_LOADER_TEST_H
#define HVMM_LOADER_TEST_H

#include <asm/bootparam.h>
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "layout.h"
#include "loader/loader.h"
#include "unit.h"
#include "util.h"

#define RAM (64 * MiB)
#define PAYLOAD_LEN 4096
#define INIT_SIZE 0x400000u
#define RSDP 0xe0000ULL

struct img {
	uint8_t *buf;
	size_t len;
};

static struct guest_mem mem;  /* one per runner: each test_*.c is its own binary */
static struct e820_map map;
static char err[512];

static inline void setup_ram(uint64_t size)
{
	ck_assert_int_eq(gmem_init(&mem, size), 0);
	ck_assert_int_eq(e820_build(&map, &mem), 0);
	err[0] = 0;
}

static inline void teardown_ram(void)
{
	gmem_free(&mem);
}

static inline void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static inline void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
/* Guest structures are packed: read them without alignment assumptions. */
static inline uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline uint8_t *gpa(uint64_t addr, uint64_t len)
{
	uint8_t *p = gmem_ptr(&mem, addr, len);

	ck_assert_ptr_nonnull(p);
	return p;
}

static inline struct load_params params(const struct img *k, const uint8_t *initrd, size_t ilen)
{
	struct load_params p = {
		.kernel_path = "test-kernel",
		.kernel = k->buf,
		.kernel_len = k->len,
		.initrd_path = initrd ? "/some/dir/initrd.img" : NULL,
		.initrd = initrd,
		.initrd_len = ilen,
		.cmdline = "console=ttyS0 quiet",
		.mem = &mem,
		.e820 = &map,
		.rsdp_gpa = RSDP,
	};
	return p;
}

/* An error must come with a one-line reason. */
static inline void check_err_line(void)
{
	ck_assert_msg(err[0], "error without a reason");
	ck_assert_msg(!strchr(err, '\n'), "multi-line error: %s", err);
}

static inline int load_expect_fail(const struct load_params *p)
{
	struct boot_state bs;
	int ret = loader_load(p, &bs, err, sizeof(err));

	ck_assert_msg(ret < 0, "load unexpectedly succeeded");
	check_err_line();
	if (getenv("TEST_LOADER_VERBOSE"))
		printf("  rc %d: %s\n", ret, err);
	return ret;
}

/* ---- synthetic bzImage ---- */

#define SETUP_SECTS 4

static inline struct img mk_bzimage(void)
{
	struct img im;
	size_t setup = (SETUP_SECTS + 1) * 512, i;
	uint8_t *b;

	im.len = setup + PAYLOAD_LEN;
	b = im.buf = calloc(1, im.len);
	ck_assert_ptr_nonnull(b);
	b[0x1f1] = SETUP_SECTS;
	put32(b + 0x1f4, PAYLOAD_LEN / 16);      /* syssize */
	put16(b + 0x1fa, 0xffff);                /* vid_mode: normal */
	put16(b + 0x1fe, 0xaa55);
	b[0x200] = 0xeb;                         /* jmp short past the header */
	b[0x201] = 0x6a;
	memcpy(b + 0x202, "HdrS", 4);
	put16(b + 0x206, 0x020f);
	b[0x211] = LOADED_HIGH;
	put32(b + 0x214, 0x100000);              /* code32_start */
	put32(b + 0x22c, 0x7fffffff);            /* initrd_addr_max */
	put32(b + 0x230, 0x200000);              /* kernel_alignment */
	b[0x234] = 1;                            /* relocatable */
	put16(b + 0x236, XLF_KERNEL_64);
	put32(b + 0x238, 2047);                  /* cmdline_size */
	put32(b + 0x248, 0x100);                 /* payload_offset */
	put32(b + 0x24c, 0x800);                 /* payload_length */
	put32(b + 0x260, INIT_SIZE);
	for (i = setup; i < im.len; i++)
		b[i] = (uint8_t)(i * 7 + 3);
	return im;
}

/* ---- synthetic ELF ---- */

#define E_PHOFF 64
#define E_NOTE 0x100
#define E_CODE 0x200
#define E_PADDR 0x200000ULL
#define E_VADDR 0xffffffff80200000ULL
#define CODE_LEN 0x300
#define BSS_LEN 0x2000
#define PVH_ENTRY (E_PADDR + 0x40)

struct elf_opts {
	int cls;            /* 32 or 64 */
	int pvh_desc;       /* 0 = no note, else its size (4 or 8) */
	bool note_as_section;
	bool multiboot;     /* Multiboot header at the start of the code */
	uint32_t mb_flags;
};

static inline void put_mb_header(uint8_t *at, uint32_t flags)
{
	put32(at, 0x1BADB002);
	put32(at + 4, flags);
	put32(at + 8, (uint32_t)-(0x1BADB002u + flags));
}

static inline struct img mk_elf(const struct elf_opts *o)
{
	size_t shoff = E_CODE + CODE_LEN, i;
	struct img im;
	uint8_t *b, *n;
	bool sec = o->pvh_desc && o->note_as_section;

	im.len = sec ? shoff + 2 * sizeof(Elf64_Shdr) : E_CODE + CODE_LEN;
	b = im.buf = calloc(1, im.len);
	ck_assert_ptr_nonnull(b);
	for (i = E_CODE; i < E_CODE + CODE_LEN; i++)
		b[i] = (uint8_t)(i * 13 + 1);
	if (o->multiboot)
		put_mb_header(b + E_CODE, o->mb_flags);
	/* The note, as a 4-byte aligned Nhdr + "Xen\0" + entry. */
	n = b + E_NOTE;
	put32(n, 4);
	put32(n + 4, (uint32_t)o->pvh_desc);
	put32(n + 8, 18);
	memcpy(n + 12, "Xen", 4);
	memcpy(n + 16, &(uint64_t){ PVH_ENTRY }, 8);

	if (o->cls == 64) {
		Elf64_Ehdr *eh = (Elf64_Ehdr *)b;
		Elf64_Phdr *ph = (Elf64_Phdr *)(b + E_PHOFF);

		memcpy(eh->e_ident, ELFMAG, SELFMAG);
		eh->e_ident[EI_CLASS] = ELFCLASS64;
		eh->e_ident[EI_DATA] = ELFDATA2LSB;
		eh->e_ident[EI_VERSION] = EV_CURRENT;
		eh->e_type = ET_EXEC;
		eh->e_machine = EM_X86_64;
		eh->e_version = EV_CURRENT;
		eh->e_entry = E_VADDR + 0x80;
		eh->e_phoff = E_PHOFF;
		eh->e_ehsize = sizeof(*eh);
		eh->e_phentsize = sizeof(*ph);
		eh->e_phnum = o->pvh_desc && !sec ? 2 : 1;
		ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = E_CODE,
				      .p_vaddr = E_VADDR, .p_paddr = E_PADDR,
				      .p_filesz = CODE_LEN, .p_memsz = CODE_LEN + BSS_LEN,
				      .p_flags = PF_R | PF_X, .p_align = 0x1000 };
		ph[1] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = E_NOTE,
				      .p_filesz = 16 + (uint64_t)o->pvh_desc, .p_align = 4 };
		if (sec) {
			Elf64_Shdr *sh = (Elf64_Shdr *)(b + shoff);

			eh->e_shoff = shoff;
			eh->e_shentsize = sizeof(*sh);
			eh->e_shnum = 2;
			sh[1] = (Elf64_Shdr){ .sh_type = SHT_NOTE, .sh_offset = E_NOTE,
					      .sh_size = 16 + (uint64_t)o->pvh_desc,
					      .sh_addralign = 4 };
		}
	} else {
		Elf32_Ehdr *eh = (Elf32_Ehdr *)b;
		Elf32_Phdr *ph = (Elf32_Phdr *)(b + E_PHOFF);

		memcpy(eh->e_ident, ELFMAG, SELFMAG);
		eh->e_ident[EI_CLASS] = ELFCLASS32;
		eh->e_ident[EI_DATA] = ELFDATA2LSB;
		eh->e_ident[EI_VERSION] = EV_CURRENT;
		eh->e_type = ET_EXEC;
		eh->e_machine = EM_386;
		eh->e_version = EV_CURRENT;
		eh->e_entry = (uint32_t)E_PADDR + 0x80;
		eh->e_phoff = E_PHOFF;
		eh->e_ehsize = sizeof(*eh);
		eh->e_phentsize = sizeof(*ph);
		eh->e_phnum = o->pvh_desc ? 2 : 1;
		ph[0] = (Elf32_Phdr){ .p_type = PT_LOAD, .p_offset = E_CODE,
				      .p_vaddr = (uint32_t)E_PADDR, .p_paddr = (uint32_t)E_PADDR,
				      .p_filesz = CODE_LEN, .p_memsz = CODE_LEN + BSS_LEN,
				      .p_flags = PF_R | PF_X, .p_align = 0x1000 };
		ph[1] = (Elf32_Phdr){ .p_type = PT_NOTE, .p_offset = E_NOTE,
				      .p_filesz = 16 + (uint32_t)o->pvh_desc, .p_align = 4 };
	}
	return im;
}

static inline Elf64_Phdr *ph64(const struct img *im)
{
	return (Elf64_Phdr *)(im->buf + E_PHOFF);
}

static inline void check_segment_loaded(const struct img *k)
{
	const uint8_t *g = gpa(E_PADDR, CODE_LEN + BSS_LEN);
	size_t i;

	ck_assert(!memcmp(g, k->buf + E_CODE, CODE_LEN));
	for (i = CODE_LEN; i < CODE_LEN + BSS_LEN; i++)
		ck_assert_uint_eq(g[i], 0);
}

#define AOUT_HOFF 0x20
#define AOUT_LOAD 0x400000u
#define AOUT_LEN 0x1800u
#define AOUT_BSS_END (AOUT_LOAD + AOUT_LEN + 0x3000u)

static inline struct img mk_aout(void)
{
	struct img im = { calloc(1, AOUT_LEN), AOUT_LEN };
	uint8_t *h = im.buf + AOUT_HOFF;
	size_t i;

	ck_assert_ptr_nonnull(im.buf);
	for (i = 0; i < im.len; i++)
		im.buf[i] = (uint8_t)(i * 5 + 9);
	put_mb_header(h, 0x10003);
	put32(h + 12, AOUT_LOAD + AOUT_HOFF);    /* header_addr */
	put32(h + 16, AOUT_LOAD);                /* load_addr */
	put32(h + 20, AOUT_LOAD + AOUT_LEN);     /* load_end_addr */
	put32(h + 24, AOUT_BSS_END);             /* bss_end_addr */
	put32(h + 28, AOUT_LOAD + 0x100);        /* entry_addr */
	return im;
}

#endif
