// SPDX-License-Identifier: MIT
/*
 * Kernel loaders on synthetic images built here (bzImage, ELF64 with and
 * without a PVH note, ELF32 Multiboot, Multiboot a.out), their corrupted
 * and truncated variants, and the real Debian kernel when present.
 */
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

static struct guest_mem mem;
static struct e820_map map;
static char err[512];

static void setup_ram(uint64_t size)
{
	ck_assert_int_eq(gmem_init(&mem, size), 0);
	ck_assert_int_eq(e820_build(&map, &mem), 0);
	err[0] = 0;
}

static void teardown_ram(void)
{
	gmem_free(&mem);
}

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static uint8_t *gpa(uint64_t addr, uint64_t len)
{
	uint8_t *p = gmem_ptr(&mem, addr, len);

	ck_assert_ptr_nonnull(p);
	return p;
}

static struct load_params params(const struct img *k, const uint8_t *initrd, size_t ilen)
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
static void check_err_line(void)
{
	ck_assert_msg(err[0], "error without a reason");
	ck_assert_msg(!strchr(err, '\n'), "multi-line error: %s", err);
}

static int load_expect_fail(const struct load_params *p)
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

static struct img mk_bzimage(void)
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

START_TEST(bz_basic)
{
	struct img k = mk_bzimage();
	static uint8_t initrd[10000];
	struct load_params p;
	struct boot_state bs;
	struct boot_params *bp;
	uint64_t rd, kend = 0x200000 + INIT_SIZE;
	unsigned int i;

	setup_ram(RAM);
	for (i = 0; i < sizeof(initrd); i++)
		initrd[i] = (uint8_t)(i ^ 0x5a);
	p = params(&k, initrd, sizeof(initrd));
	ck_assert_int_eq(loader_detect(k.buf, k.len), KFMT_BZIMAGE);
	ck_assert_int_eq(loader_load(&p, &bs, err, sizeof(err)), 0);
	ck_assert_int_eq(bs.mode, BOOT_MODE_LINUX64);
	ck_assert_int_eq(bs.fmt, KFMT_BZIMAGE);
	ck_assert_uint_eq(bs.rip, KERNEL_LOAD + 0x200);
	ck_assert_uint_eq(bs.rsi, BOOT_INFO);

	bp = (struct boot_params *)gpa(BOOT_INFO, sizeof(*bp));
	ck_assert_uint_eq(bp->hdr.boot_flag, 0xaa55);
	ck_assert_uint_eq(bp->hdr.header, 0x53726448);
	ck_assert_uint_eq(bp->hdr.version, 0x020f);
	ck_assert_uint_eq(bp->hdr.setup_sects, SETUP_SECTS);
	ck_assert_uint_eq(bp->hdr.type_of_loader, 0xff);
	ck_assert_uint_eq(bp->hdr.loadflags, LOADED_HIGH | CAN_USE_HEAP);
	ck_assert_uint_eq(bp->hdr.heap_end_ptr, 0xfe00);
	ck_assert_uint_eq(bp->hdr.init_size, INIT_SIZE);
	ck_assert_uint_eq(bp->hdr.cmd_line_ptr, BOOT_CMDLINE);
	ck_assert_uint_eq(bp->ext_cmd_line_ptr, 0);
	ck_assert_str_eq((char *)gpa(BOOT_CMDLINE, 32), "console=ttyS0 quiet");
	ck_assert_uint_eq(bp->acpi_rsdp_addr, RSDP);
	ck_assert_uint_eq(bp->screen_info.orig_video_isVGA, 0);

	/* e820 copy */
	ck_assert_uint_eq(bp->e820_entries, map.nr);
	for (i = 0; i < map.nr; i++) {
		ck_assert_uint_eq(bp->e820_table[i].addr, map.e[i].addr);
		ck_assert_uint_eq(bp->e820_table[i].size, map.e[i].size);
		ck_assert_uint_eq(bp->e820_table[i].type, map.e[i].type);
	}

	/* protected-mode code at 1 MiB */
	ck_assert(!memcmp(gpa(KERNEL_LOAD, PAYLOAD_LEN), k.buf + (SETUP_SECTS + 1) * 512,
			  PAYLOAD_LEN));

	/* initrd: page aligned, as high as possible, above the kernel */
	rd = bp->hdr.ramdisk_image | (uint64_t)bp->ext_ramdisk_image << 32;
	ck_assert_uint_eq(bp->hdr.ramdisk_size, sizeof(initrd));
	ck_assert_uint_eq(bp->ext_ramdisk_size, 0);
	ck_assert_uint_eq(rd % 4096, 0);
	ck_assert_uint_ge(rd, kend);
	ck_assert_uint_le(rd + sizeof(initrd), RAM);
	ck_assert_uint_gt(rd + sizeof(initrd) + 4096, RAM);
	ck_assert(!memcmp(gpa(rd, sizeof(initrd)), initrd, sizeof(initrd)));
	teardown_ram();
	free(k.buf);
}
END_TEST

START_TEST(bz_initrd_addr_max_and_no_rsdp)
{
	struct img k = mk_bzimage();
	static uint8_t initrd[8192];
	struct load_params p;
	struct boot_state bs;
	struct boot_params *bp;

	setup_ram(1 * GiB);
	put32(k.buf + 0x22c, 0x37ffffff);
	put16(k.buf + 0x206, 0x020d); /* 2.13: no acpi_rsdp_addr */
	p = params(&k, initrd, sizeof(initrd));
	p.e820 = NULL; /* the loader builds the standard map itself */
	ck_assert_int_eq(bzimage_load(&p, &bs, err, sizeof(err)), 0);
	bp = (struct boot_params *)gpa(BOOT_INFO, sizeof(*bp));
	ck_assert_uint_le(bp->hdr.ramdisk_image + sizeof(initrd), 0x38000000u);
	ck_assert_uint_eq(bp->hdr.ramdisk_image, 0x38000000u - sizeof(initrd));
	ck_assert_uint_eq(bp->acpi_rsdp_addr, 0);
	ck_assert_uint_eq(bp->e820_entries, 4);
	teardown_ram();
	free(k.buf);
}
END_TEST

START_TEST(bz_header_errors)
{
	struct img k = mk_bzimage();
	struct load_params p;
	struct boot_state bs;

	setup_ram(RAM);
	p = params(&k, NULL, 0);

	put16(k.buf + 0x206, 0x0205);
	ck_assert_int_eq(load_expect_fail(&p), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "too old"));
	put16(k.buf + 0x206, 0x020b); /* 2.11: no 64-bit entry */
	ck_assert_int_eq(load_expect_fail(&p), -ENOEXEC);
	put16(k.buf + 0x206, 0x020f);
	put16(k.buf + 0x236, 0);      /* no XLF_KERNEL_64 */
	ck_assert_int_eq(load_expect_fail(&p), -ENOEXEC);
	put16(k.buf + 0x236, XLF_KERNEL_64);

	k.buf[0x1f1] = 200;           /* setup beyond the file */
	ck_assert_int_eq(load_expect_fail(&p), -ENOEXEC);
	k.buf[0x1f1] = 0;             /* 0 means 4: still loads */
	ck_assert_int_eq(loader_load(&p, &bs, err, sizeof(err)), 0);
	k.buf[0x1f1] = 8;             /* kernel shorter than syssize claims */
	ck_assert_int_eq(load_expect_fail(&p), -ENOEXEC);
	k.buf[0x1f1] = SETUP_SECTS;

	k.buf[0x211] = 0;             /* zImage */
	ck_assert_int_eq(load_expect_fail(&p), -ENOEXEC);
	k.buf[0x211] = LOADED_HIGH;
	put32(k.buf + 0x230, 0x3000); /* alignment not a power of two */
	ck_assert_int_eq(load_expect_fail(&p), -ENOEXEC);
	put32(k.buf + 0x230, 0x200000);
	put32(k.buf + 0x24c, 0x10000); /* payload outside the kernel */
	ck_assert_int_eq(load_expect_fail(&p), -ENOEXEC);
	put32(k.buf + 0x24c, 0x800);
	k.buf[0x201] = 0x10;          /* header too short for 2.12 fields */
	ck_assert_int_eq(load_expect_fail(&p), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "setup header ends"));
	k.buf[0x201] = 0x6a;

	put32(k.buf + 0x260, 0x7f000000); /* init_size beyond RAM */
	ck_assert_int_eq(load_expect_fail(&p), -E2BIG);
	put32(k.buf + 0x260, INIT_SIZE);
	ck_assert_int_eq(loader_load(&p, &bs, err, sizeof(err)), 0);
	teardown_ram();
	free(k.buf);
}
END_TEST

START_TEST(bz_cmdline_too_long)
{
	struct img k = mk_bzimage();
	struct load_params p;

	setup_ram(RAM);
	put32(k.buf + 0x238, 8);
	p = params(&k, NULL, 0);
	p.cmdline = "123456789";
	ck_assert_int_eq(load_expect_fail(&p), -E2BIG);
	ck_assert_ptr_nonnull(strstr(err, "command line"));
	p.cmdline = "12345678";
	ck_assert_int_eq(loader_load(&p, &(struct boot_state){ 0 }, err, sizeof(err)), 0);
	teardown_ram();
	free(k.buf);
}
END_TEST

START_TEST(bz_initrd_too_big)
{
	struct img k = mk_bzimage();
	struct load_params p;
	size_t big = 60 * MiB;
	uint8_t *initrd = calloc(1, big);

	setup_ram(RAM);
	ck_assert_ptr_nonnull(initrd);
	p = params(&k, initrd, big);
	ck_assert_int_eq(load_expect_fail(&p), -E2BIG);
	ck_assert_ptr_nonnull(strstr(err, "initrd.img"));
	/* Fits in RAM but not below initrd_addr_max. */
	put32(k.buf + 0x22c, 0x5fffff);
	p.initrd_len = 4096;
	ck_assert_int_eq(load_expect_fail(&p), -E2BIG);
	teardown_ram();
	free(initrd);
	free(k.buf);
}
END_TEST

START_TEST(place_initrd_direct)
{
	struct img k = { NULL, 0 };
	static uint8_t rd[0x1234];
	struct load_params p;
	uint64_t at;

	setup_ram(RAM);
	p = params(&k, rd, sizeof(rd));
	ck_assert_int_eq(loader_place_initrd(&p, 0x300000, 0x2000000, &at, err, sizeof(err)), 0);
	ck_assert_uint_eq(at, ALIGN_DOWN(0x2000000ULL - sizeof(rd), 4096ULL));
	/* A limit beyond RAM is clamped to RAM. */
	ck_assert_int_eq(loader_place_initrd(&p, 0x300000, 8 * GiB, &at, err, sizeof(err)), 0);
	ck_assert_uint_le(at + sizeof(rd), RAM);
	/* No room between the kernel end and the limit. */
	ck_assert_int_eq(loader_place_initrd(&p, 0x1fff000, 0x2000000, &at, err, sizeof(err)),
			 -E2BIG);
	check_err_line();
	ck_assert_int_eq(loader_place_initrd(&p, UINT64_MAX - 5, 0x2000000, &at, err,
					     sizeof(err)), -E2BIG);
	teardown_ram();
}
END_TEST

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

static void put_mb_header(uint8_t *at, uint32_t flags)
{
	put32(at, 0x1BADB002);
	put32(at + 4, flags);
	put32(at + 8, (uint32_t)-(0x1BADB002u + flags));
}

static struct img mk_elf(const struct elf_opts *o)
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

static Elf64_Phdr *ph64(const struct img *im)
{
	return (Elf64_Phdr *)(im->buf + E_PHOFF);
}

static void check_segment_loaded(const struct img *k)
{
	const uint8_t *g = gpa(E_PADDR, CODE_LEN + BSS_LEN);
	size_t i;

	ck_assert(!memcmp(g, k->buf + E_CODE, CODE_LEN));
	for (i = CODE_LEN; i < CODE_LEN + BSS_LEN; i++)
		ck_assert_uint_eq(g[i], 0);
}

START_TEST(elf64_plain)
{
	struct img k = mk_elf(&(struct elf_opts){ .cls = 64 });
	static uint8_t rd[16];
	struct load_params p;
	struct boot_state bs;

	setup_ram(RAM);
	memset(mem.host, 0xcc, RAM); /* the bss must be cleared, not assumed */
	p = params(&k, NULL, 0);
	ck_assert_int_eq(loader_detect(k.buf, k.len), KFMT_ELF64);
	ck_assert_int_eq(loader_load(&p, &bs, err, sizeof(err)), 0);
	ck_assert_int_eq(bs.mode, BOOT_MODE_LONG64);
	ck_assert_int_eq(bs.fmt, KFMT_ELF64);
	/* e_entry is virtual: translated through the segment. */
	ck_assert_uint_eq(bs.rip, E_PADDR + 0x80);
	ck_assert_uint_eq(bs.rsp, BOOT_STACK);
	ck_assert_uint_eq(bs.rsi, 0);
	check_segment_loaded(&k);

	/* No protocol carries an initrd to a bare ELF64. */
	p = params(&k, rd, sizeof(rd));
	ck_assert_int_eq(load_expect_fail(&p), -EINVAL);
	teardown_ram();
	free(k.buf);
}
END_TEST

static void check_pvh(const struct img *k, const uint8_t *rd, size_t rdlen)
{
	struct load_params p = params(k, rd, rdlen);
	struct boot_state bs;
	const uint8_t *si, *mm, *mod;
	uint64_t mod_pa;
	unsigned int i;

	ck_assert_int_eq(loader_detect(k->buf, k->len), KFMT_ELF_PVH);
	ck_assert_int_eq(loader_load(&p, &bs, err, sizeof(err)), 0);
	ck_assert_int_eq(bs.mode, BOOT_MODE_PROT32);
	ck_assert_int_eq(bs.fmt, KFMT_ELF_PVH);
	ck_assert_uint_eq(bs.rip, PVH_ENTRY);
	ck_assert_uint_eq(bs.rbx, BOOT_INFO);
	check_segment_loaded(k);

	si = gpa(BOOT_INFO, 56);
	ck_assert_uint_eq(*(const uint32_t *)si, 0x336ec578);
	ck_assert_uint_eq(*(const uint32_t *)(si + 4), 1);
	ck_assert_uint_eq(*(const uint32_t *)(si + 12), 1);              /* nr_modules */
	ck_assert_uint_eq(*(const uint64_t *)(si + 16), BOOT_MODS);
	ck_assert_uint_eq(*(const uint64_t *)(si + 24), BOOT_CMDLINE);
	ck_assert_uint_eq(*(const uint64_t *)(si + 32), RSDP);
	ck_assert_uint_eq(*(const uint64_t *)(si + 40), BOOT_MMAP);
	ck_assert_uint_eq(*(const uint32_t *)(si + 48), map.nr);
	ck_assert_str_eq((char *)gpa(BOOT_CMDLINE, 20), "console=ttyS0 quiet");
	mm = gpa(BOOT_MMAP, map.nr * 24);
	for (i = 0; i < map.nr; i++) {
		ck_assert_uint_eq(*(const uint64_t *)(mm + i * 24), map.e[i].addr);
		ck_assert_uint_eq(*(const uint64_t *)(mm + i * 24 + 8), map.e[i].size);
		ck_assert_uint_eq(*(const uint32_t *)(mm + i * 24 + 16), map.e[i].type);
	}
	mod = gpa(BOOT_MODS, 32);
	mod_pa = *(const uint64_t *)mod;
	ck_assert_uint_eq(*(const uint64_t *)(mod + 8), rdlen);
	ck_assert_uint_eq(mod_pa % 4096, 0);
	ck_assert_uint_ge(mod_pa, E_PADDR + CODE_LEN + BSS_LEN);
	ck_assert(!memcmp(gpa(mod_pa, rdlen), rd, rdlen));
	ck_assert_str_eq((char *)gpa(*(const uint64_t *)(mod + 16), 16), "initrd.img");
}

START_TEST(elf_pvh_variants)
{
	static const struct elf_opts v[] = {
		{ .cls = 64, .pvh_desc = 8 },
		{ .cls = 64, .pvh_desc = 4 },
		{ .cls = 64, .pvh_desc = 8, .note_as_section = true },
		{ .cls = 32, .pvh_desc = 4 },
	};
	static uint8_t rd[5000];
	unsigned int i;

	memset(rd, 0xa5, sizeof(rd));
	for (i = 0; i < ARRAY_SIZE(v); i++) {
		struct img k = mk_elf(&v[i]);

		setup_ram(RAM);
		check_pvh(&k, rd, sizeof(rd));
		teardown_ram();
		free(k.buf);
	}
}
END_TEST

START_TEST(elf_corruption)
{
	struct img k = mk_elf(&(struct elf_opts){ .cls = 64, .pvh_desc = 8 });
	struct load_params p;
	Elf64_Ehdr *eh = (Elf64_Ehdr *)k.buf;
	Elf64_Phdr *ph = ph64(&k), good = *ph;

	setup_ram(RAM);
	p = params(&k, NULL, 0);
	ck_assert_int_eq(loader_load(&p, &(struct boot_state){ 0 }, err, sizeof(err)), 0);

	ph->p_paddr = 0x7ffff000ULL;                 /* beyond 64 MiB */
	ck_assert_int_eq(load_expect_fail(&p), -E2BIG);
	ph->p_paddr = 0xc0001000ULL;                 /* in the MMIO hole */
	ck_assert_int_eq(load_expect_fail(&p), -E2BIG);
	ph->p_paddr = 0x80000;                       /* below 1 MiB */
	ck_assert_int_eq(load_expect_fail(&p), -ENOEXEC);
	ph->p_paddr = UINT64_MAX - 0x100;            /* wraps */
	ck_assert_int_eq(load_expect_fail(&p), -ENOEXEC);
	*ph = good;
	ph->p_offset = UINT64_MAX - 10;              /* offset + filesz overflows */
	ck_assert_int_eq(load_expect_fail(&p), -ENOEXEC);
	ph->p_offset = k.len - 0x10;                 /* runs past the file */
	ck_assert_int_eq(load_expect_fail(&p), -ENOEXEC);
	*ph = good;
	ph->p_filesz = ph->p_memsz + 1;
	ck_assert_int_eq(load_expect_fail(&p), -ENOEXEC);
	*ph = good;
	ph->p_memsz = 0x10000000000ULL;              /* 1 TiB of bss */
	ck_assert_int_eq(load_expect_fail(&p), -E2BIG);
	*ph = good;

	memcpy(k.buf + E_NOTE + 16, &(uint64_t){ 0x100 }, 8); /* PVH entry outside */
	ck_assert_int_eq(load_expect_fail(&p), -ENOEXEC);
	memcpy(k.buf + E_NOTE + 16, &(uint64_t){ 1ULL << 32 }, 8);
	ck_assert_int_eq(load_expect_fail(&p), -ENOEXEC);
	memcpy(k.buf + E_NOTE + 16, &(uint64_t){ PVH_ENTRY }, 8);
	put32(k.buf + E_NOTE + 4, 2);                /* odd descriptor size */
	ph[1].p_filesz = 20;
	ck_assert_int_eq(load_expect_fail(&p), -ENOEXEC);
	put32(k.buf + E_NOTE + 4, 8);
	ph[1].p_filesz = 24;
	ph[1].p_offset = k.len;                      /* note outside the file */
	ck_assert_int_eq(load_expect_fail(&p), -ENOEXEC);
	ph[1].p_offset = E_NOTE;

	eh->e_machine = EM_386;
	ck_assert_int_eq(load_expect_fail(&p), -ENOEXEC);
	eh->e_machine = EM_X86_64;
	eh->e_type = ET_DYN;
	ck_assert_int_eq(load_expect_fail(&p), -ENOEXEC);
	eh->e_type = ET_EXEC;
	eh->e_phentsize = 40;
	ck_assert_int_eq(load_expect_fail(&p), -ENOEXEC);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phoff = k.len - 8;
	ck_assert_int_eq(load_expect_fail(&p), -ENOEXEC);
	eh->e_phoff = E_PHOFF;
	eh->e_ident[EI_DATA] = ELFDATA2MSB;
	ck_assert_int_eq(load_expect_fail(&p), -ENOEXEC);
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	ck_assert_int_eq(loader_load(&p, &(struct boot_state){ 0 }, err, sizeof(err)), 0);
	teardown_ram();
	free(k.buf);
}
END_TEST

START_TEST(elf64_entry_outside)
{
	struct img k = mk_elf(&(struct elf_opts){ .cls = 64 });
	struct load_params p;

	setup_ram(RAM);
	((Elf64_Ehdr *)k.buf)->e_entry = 0x12345678;
	p = params(&k, NULL, 0);
	ck_assert_int_eq(load_expect_fail(&p), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "entry"));
	teardown_ram();
	free(k.buf);
}
END_TEST

START_TEST(elf32_without_entry_protocol)
{
	struct img k = mk_elf(&(struct elf_opts){ .cls = 32 });
	struct load_params p;

	setup_ram(RAM);
	p = params(&k, NULL, 0);
	ck_assert_int_eq(loader_detect(k.buf, k.len), KFMT_UNKNOWN);
	ck_assert_int_eq(load_expect_fail(&p), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "32-bit ELF without Multiboot or PVH entry"));
	teardown_ram();
	free(k.buf);
}
END_TEST

/* ---- Multiboot ---- */

static void check_mb_info(const uint8_t *rd, size_t rdlen, uint64_t kernel_end)
{
	const uint8_t *mbi = gpa(BOOT_INFO, 88), *mods, *mm;
	uint32_t mod_start, mod_end, i;

	ck_assert_uint_eq(*(const uint32_t *)mbi & 0x4d, 0x4d); /* MEM|CMDLINE|MODS|MMAP */
	ck_assert_uint_eq(*(const uint32_t *)(mbi + 4), 639);
	ck_assert_uint_eq(*(const uint32_t *)(mbi + 8), (RAM - MiB) / KiB);
	ck_assert_uint_eq(*(const uint32_t *)(mbi + 16), BOOT_CMDLINE);
	ck_assert_str_eq((char *)gpa(BOOT_CMDLINE, 20), "console=ttyS0 quiet");
	ck_assert_uint_eq(*(const uint32_t *)(mbi + 20), 1);
	ck_assert_uint_eq(*(const uint32_t *)(mbi + 24), BOOT_MODS);
	ck_assert_uint_eq(*(const uint32_t *)(mbi + 44), map.nr * 24);
	ck_assert_uint_eq(*(const uint32_t *)(mbi + 48), BOOT_MMAP);
	mm = gpa(BOOT_MMAP, map.nr * 24);
	for (i = 0; i < map.nr; i++) {
		ck_assert_uint_eq(*(const uint32_t *)(mm + i * 24), 20);
		ck_assert_uint_eq(*(const uint64_t *)(mm + i * 24 + 4), map.e[i].addr);
		ck_assert_uint_eq(*(const uint64_t *)(mm + i * 24 + 12), map.e[i].size);
		ck_assert_uint_eq(*(const uint32_t *)(mm + i * 24 + 20), map.e[i].type);
	}
	mods = gpa(BOOT_MODS, 16);
	mod_start = *(const uint32_t *)mods;
	mod_end = *(const uint32_t *)(mods + 4);
	ck_assert_uint_eq(mod_start, ALIGN_UP(kernel_end, 4096ULL));
	ck_assert_uint_eq(mod_end - mod_start, rdlen);
	ck_assert(!memcmp(gpa(mod_start, rdlen), rd, rdlen));
	ck_assert_str_eq((char *)gpa(*(const uint32_t *)(mods + 8), 16), "initrd.img");
}

START_TEST(mb_elf32)
{
	struct img k = mk_elf(&(struct elf_opts){ .cls = 32, .multiboot = true,
						  .mb_flags = 3 });
	static uint8_t rd[3000];
	struct load_params p;
	struct boot_state bs;

	setup_ram(RAM);
	memset(mem.host, 0xcc, RAM);
	memset(rd, 0x3c, sizeof(rd));
	p = params(&k, rd, sizeof(rd));
	ck_assert_int_eq(loader_detect(k.buf, k.len), KFMT_MULTIBOOT_ELF);
	ck_assert_int_eq(loader_load(&p, &bs, err, sizeof(err)), 0);
	ck_assert_int_eq(bs.mode, BOOT_MODE_PROT32);
	ck_assert_int_eq(bs.fmt, KFMT_MULTIBOOT_ELF);
	ck_assert_uint_eq(bs.rip, E_PADDR + 0x80);
	ck_assert_uint_eq(bs.rax, 0x2BADB002);
	ck_assert_uint_eq(bs.rbx, BOOT_INFO);
	check_segment_loaded(&k);
	check_mb_info(rd, sizeof(rd), E_PADDR + CODE_LEN + BSS_LEN);

	/* A requirement bit hvmm cannot honour (video mode) must fail. */
	put_mb_header(k.buf + E_CODE, 3 | 4);
	ck_assert_int_eq(load_expect_fail(&p), -ENOEXEC);
	teardown_ram();
	free(k.buf);
}
END_TEST

#define AOUT_HOFF 0x20
#define AOUT_LOAD 0x400000u
#define AOUT_LEN 0x1800u
#define AOUT_BSS_END (AOUT_LOAD + AOUT_LEN + 0x3000u)

static struct img mk_aout(void)
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

START_TEST(mb_aout)
{
	struct img k = mk_aout();
	static uint8_t rd[7000];
	struct load_params p;
	struct boot_state bs;
	const uint8_t *g;
	size_t i;

	setup_ram(RAM);
	memset(mem.host, 0xcc, RAM);
	memset(rd, 0x77, sizeof(rd));
	p = params(&k, rd, sizeof(rd));
	ck_assert_int_eq(loader_detect(k.buf, k.len), KFMT_MULTIBOOT_AOUT);
	ck_assert_int_eq(loader_load(&p, &bs, err, sizeof(err)), 0);
	ck_assert_int_eq(bs.fmt, KFMT_MULTIBOOT_AOUT);
	ck_assert_int_eq(bs.mode, BOOT_MODE_PROT32);
	ck_assert_uint_eq(bs.rip, AOUT_LOAD + 0x100);
	ck_assert_uint_eq(bs.rax, 0x2BADB002);
	ck_assert_uint_eq(bs.rbx, BOOT_INFO);
	g = gpa(AOUT_LOAD, AOUT_BSS_END - AOUT_LOAD);
	ck_assert(!memcmp(g, k.buf, AOUT_LEN));
	for (i = AOUT_LEN; i < AOUT_BSS_END - AOUT_LOAD; i++)
		ck_assert_uint_eq(g[i], 0);
	check_mb_info(rd, sizeof(rd), AOUT_BSS_END);

	/* load_end_addr 0 = whole file; bss_end_addr 0 = no bss */
	put32(k.buf + AOUT_HOFF + 20, 0);
	put32(k.buf + AOUT_HOFF + 24, 0);
	ck_assert_int_eq(loader_load(&p, &bs, err, sizeof(err)), 0);
	check_mb_info(rd, sizeof(rd), AOUT_LOAD + AOUT_LEN);
	teardown_ram();
	free(k.buf);
}
END_TEST

START_TEST(mb_aout_errors)
{
	static const struct { unsigned int field; uint32_t val; int ret; } bad[] = {
		{ 16, AOUT_LOAD + AOUT_HOFF + 4, -ENOEXEC },     /* load_addr > header_addr */
		{ 12, AOUT_LOAD + 0x1000, -ENOEXEC },            /* load_addr before file start */
		{ 20, AOUT_LOAD, -ENOEXEC },                     /* load_end == load_addr */
		{ 20, AOUT_LOAD + AOUT_LEN + 1, -ENOEXEC },      /* past end of file */
		{ 24, AOUT_LOAD + 0x10, -ENOEXEC },              /* bss_end < load_end */
		{ 24, 0x7f000000, -E2BIG },                      /* bss beyond RAM */
		{ 28, AOUT_LOAD + AOUT_LEN + 4, -ENOEXEC },      /* entry outside */
		{ 28, 0x1000, -ENOEXEC },
	};
	struct load_params p;
	unsigned int i;

	setup_ram(RAM);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct img k = mk_aout();

		p = params(&k, NULL, 0);
		put32(k.buf + AOUT_HOFF + bad[i].field, bad[i].val);
		ck_assert_msg(load_expect_fail(&p) == bad[i].ret, "case %u: %s", i, err);
		free(k.buf);
	}
	{
		/* Everything below 1 MiB: consistent but forbidden. */
		struct img k = mk_aout();

		p = params(&k, NULL, 0);
		put32(k.buf + AOUT_HOFF + 12, 0x10000 + AOUT_HOFF);
		put32(k.buf + AOUT_HOFF + 16, 0x10000);
		put32(k.buf + AOUT_HOFF + 20, 0x10000 + AOUT_LEN);
		put32(k.buf + AOUT_HOFF + 24, 0);
		put32(k.buf + AOUT_HOFF + 28, 0x10100);
		ck_assert_int_eq(load_expect_fail(&p), -ENOEXEC);
		/* Non-ELF Multiboot without flag 16 cannot be loaded. */
		put_mb_header(k.buf + AOUT_HOFF, 3);
		ck_assert_int_eq(loader_detect(k.buf, k.len), KFMT_UNKNOWN);
		ck_assert_int_eq(load_expect_fail(&p), -ENOEXEC);
		ck_assert_ptr_nonnull(strstr(err, "flag 16"));
		/* A bad checksum is no header at all. */
		put32(k.buf + AOUT_HOFF + 8, 0);
		ck_assert_int_eq(load_expect_fail(&p), -ENOEXEC);
		ck_assert_ptr_nonnull(strstr(err, "not a kernel image"));
		free(k.buf);
	}
	teardown_ram();
}
END_TEST

/* ---- generic robustness ---- */

START_TEST(text_file_rejected)
{
	static const char passwd[] =
		"root:x:0:0:root:/root:/bin/bash\n"
		"daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
		"bin:x:2:2:bin:/bin:/usr/sbin/nologin\n";
	struct img k = { (uint8_t *)passwd, sizeof(passwd) - 1 };
	struct load_params p;
	struct boot_state bs;

	setup_ram(RAM);
	p = params(&k, NULL, 0);
	ck_assert_int_eq(loader_detect(k.buf, k.len), KFMT_UNKNOWN);
	ck_assert_int_eq(load_expect_fail(&p), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "not a kernel image"));
	/* Each loader on its own refuses it too. */
	ck_assert_int_eq(bzimage_load(&p, &bs, err, sizeof(err)), -ENOEXEC);
	check_err_line();
	ck_assert_int_eq(elf_load(&p, &bs, err, sizeof(err)), -ENOEXEC);
	check_err_line();
	ck_assert_int_eq(multiboot_load(&p, &bs, err, sizeof(err)), -ENOEXEC);
	check_err_line();
	/* Empty and NULL images. */
	k.len = 0;
	p = params(&k, NULL, 0);
	ck_assert_int_eq(load_expect_fail(&p), -ENOEXEC);
	k.buf = NULL;
	p = params(&k, NULL, 0);
	ck_assert_int_eq(load_expect_fail(&p), -ENOEXEC);
	teardown_ram();
}
END_TEST

/* Every prefix of a valid image must be refused without a crash. */
static void truncate_all(const struct img *k, size_t step)
{
	struct load_params p;
	size_t len;

	for (len = 0; len < k->len; len += (len < 0x300 ? 1 : step)) {
		struct img t = { malloc(len ? len : 1), len };

		ck_assert_ptr_nonnull(t.buf);
		memcpy(t.buf, k->buf, len);
		p = params(&t, NULL, 0);
		ck_assert_msg(loader_load(&p, &(struct boot_state){ 0 }, err, sizeof(err)) < 0,
			      "truncated to %zu bytes but loaded", len);
		check_err_line();
		free(t.buf);
	}
}

START_TEST(truncated_images)
{
	struct img imgs[] = {
		mk_bzimage(),
		mk_elf(&(struct elf_opts){ .cls = 64 }),
		mk_elf(&(struct elf_opts){ .cls = 64, .pvh_desc = 8 }),
		mk_elf(&(struct elf_opts){ .cls = 32, .multiboot = true, .mb_flags = 3 }),
		mk_aout(),
	};
	unsigned int i;

	setup_ram(RAM);
	for (i = 0; i < ARRAY_SIZE(imgs); i++) {
		truncate_all(&imgs[i], 7);
		free(imgs[i].buf);
	}
	teardown_ram();
}
END_TEST

/* Random byte corruption: any result is fine, crashing or ASan reports are not. */
START_TEST(mutated_images)
{
	struct img imgs[] = {
		mk_bzimage(),
		mk_elf(&(struct elf_opts){ .cls = 64, .pvh_desc = 8 }),
		mk_elf(&(struct elf_opts){ .cls = 64, .pvh_desc = 8, .note_as_section = true }),
		mk_elf(&(struct elf_opts){ .cls = 32, .multiboot = true, .mb_flags = 3 }),
		mk_aout(),
	};
	uint32_t seed = 12345;
	unsigned int i, n, j;

	setup_ram(RAM);
	for (i = 0; i < ARRAY_SIZE(imgs); i++) {
		uint8_t *copy = malloc(imgs[i].len);

		ck_assert_ptr_nonnull(copy);
		for (n = 0; n < 300; n++) {
			struct img t = { copy, imgs[i].len };
			struct load_params p = params(&t, NULL, 0);
			int ret;

			memcpy(copy, imgs[i].buf, t.len);
			for (j = 0; j < 1 + n % 4; j++) {
				seed = seed * 1103515245u + 12345u;
				/* Mostly hit the headers, where the parsing is. */
				copy[(seed >> 8) % MIN(t.len, (size_t)0x300)] = (uint8_t)(seed >> 24);
			}
			ret = loader_load(&p, &(struct boot_state){ 0 }, err, sizeof(err));
			if (ret)
				check_err_line();
		}
		free(copy);
		free(imgs[i].buf);
	}
	teardown_ram();
}
END_TEST

START_TEST(format_names)
{
	ck_assert_str_eq(loader_format_name(KFMT_BZIMAGE), "bzImage");
	ck_assert_str_eq(loader_format_name(KFMT_UNKNOWN), "unknown");
	ck_assert_str_ne(loader_format_name(KFMT_ELF_PVH), loader_format_name(KFMT_ELF64));
	ck_assert_str_ne(loader_format_name(KFMT_MULTIBOOT_ELF),
			 loader_format_name(KFMT_MULTIBOOT_AOUT));
	ck_assert_int_eq(loader_detect(NULL, 0), KFMT_UNKNOWN);
}
END_TEST

/* ---- the real thing ---- */

START_TEST(real_kernel)
{
	const char *path = getenv("HVMM_TEST_KERNEL");
	static const char *const fallback[] = {
		"guest-images/out/vmlinuz",
		"/root/.cache/hvmm/kernel/root/boot/vmlinuz-6.1.0-56-amd64",
	};
	static uint8_t rd[64 * 1024];
	struct img k;
	struct load_params p;
	struct boot_state bs;
	struct boot_params *bp;
	uint64_t kend;
	size_t setup, i;

	for (i = 0; !path && i < ARRAY_SIZE(fallback); i++)
		if (!access(fallback[i], R_OK))
			path = fallback[i];
	if (!path || read_file(path, &k.buf, &k.len)) {
		printf("test_loader: real_kernel skipped: no kernel image (set HVMM_TEST_KERNEL)\n");
		return;
	}
	setup_ram(256 * MiB);
	p = params(&k, rd, sizeof(rd));
	p.kernel_path = path;
	ck_assert_int_eq(loader_detect(k.buf, k.len), KFMT_BZIMAGE);
	ck_assert_msg(loader_load(&p, &bs, err, sizeof(err)) == 0, "%s", err);
	bp = (struct boot_params *)gpa(BOOT_INFO, sizeof(*bp));
	ck_assert_uint_ge(bp->hdr.version, 0x020c);
	ck_assert(bp->hdr.xloadflags & XLF_KERNEL_64);
	ck_assert_uint_eq(bp->hdr.type_of_loader, 0xff);
	setup = ((size_t)(bp->hdr.setup_sects ? bp->hdr.setup_sects : 4) + 1) * 512;
	ck_assert(!memcmp(gpa(KERNEL_LOAD, k.len - setup), k.buf + setup, k.len - setup));
	kend = ALIGN_UP(KERNEL_LOAD, (uint64_t)bp->hdr.kernel_alignment) + bp->hdr.init_size;
	ck_assert_uint_ge(bp->hdr.ramdisk_image, kend);
	ck_assert_uint_le(bp->hdr.ramdisk_image + sizeof(rd) - 1, bp->hdr.initrd_addr_max);
	ck_assert_uint_eq(bp->hdr.ramdisk_image % 4096, 0);
	printf("test_loader: real kernel %s: protocol %u.%02u, init_size 0x%x, initrd at 0x%x\n",
	       path, bp->hdr.version >> 8, bp->hdr.version & 0xff, bp->hdr.init_size,
	       bp->hdr.ramdisk_image);

	/* Too little RAM for init_size is a clean -E2BIG. */
	teardown_ram();
	setup_ram(32 * MiB);
	p.mem = &mem;
	ck_assert_int_eq(load_expect_fail(&p), -E2BIG);
	/* Truncated copies of the real kernel. */
	for (i = 1; i < 8; i++) {
		p.kernel_len = k.len - k.len / (i * 97) - 1;
		ck_assert_int_lt(loader_load(&p, &bs, err, sizeof(err)), 0);
		check_err_line();
	}
	teardown_ram();
	free(k.buf);
}
END_TEST

static Suite *loader_suite(void)
{
	Suite *s = suite_create("loader");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, bz_basic);
	tcase_add_test(tc, bz_initrd_addr_max_and_no_rsdp);
	tcase_add_test(tc, bz_header_errors);
	tcase_add_test(tc, bz_cmdline_too_long);
	tcase_add_test(tc, bz_initrd_too_big);
	tcase_add_test(tc, place_initrd_direct);
	tcase_add_test(tc, elf64_plain);
	tcase_add_test(tc, elf_pvh_variants);
	tcase_add_test(tc, elf_corruption);
	tcase_add_test(tc, elf64_entry_outside);
	tcase_add_test(tc, elf32_without_entry_protocol);
	tcase_add_test(tc, mb_elf32);
	tcase_add_test(tc, mb_aout);
	tcase_add_test(tc, mb_aout_errors);
	tcase_add_test(tc, text_file_rejected);
	tcase_add_test(tc, truncated_images);
	tcase_add_test(tc, mutated_images);
	tcase_add_test(tc, format_names);
	tcase_add_test(tc, real_kernel);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(loader_suite)
