// SPDX-License-Identifier: MIT
/*
 * ELF loaders on synthetic images: plain ELF64, PVH (note in a segment
 * or only in a section, ELF32 and ELF64), Multiboot ELF32 and a.out,
 * and the corruptions each must refuse.
 */
#include "loader_test.h"

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
	ck_assert_uint_eq(rd32(si), 0x336ec578);
	ck_assert_uint_eq(rd32(si + 4), 1);
	ck_assert_uint_eq(rd32(si + 12), 1);              /* nr_modules */
	ck_assert_uint_eq(rd64(si + 16), BOOT_MODS);
	ck_assert_uint_eq(rd64(si + 24), BOOT_CMDLINE);
	ck_assert_uint_eq(rd64(si + 32), RSDP);
	ck_assert_uint_eq(rd64(si + 40), BOOT_MMAP);
	ck_assert_uint_eq(rd32(si + 48), map.nr);
	ck_assert_str_eq((char *)gpa(BOOT_CMDLINE, 20), "console=ttyS0 quiet");
	mm = gpa(BOOT_MMAP, map.nr * 24);
	for (i = 0; i < map.nr; i++) {
		ck_assert_uint_eq(rd64(mm + i * 24), map.e[i].addr);
		ck_assert_uint_eq(rd64(mm + i * 24 + 8), map.e[i].size);
		ck_assert_uint_eq(rd32(mm + i * 24 + 16), map.e[i].type);
	}
	mod = gpa(BOOT_MODS, 32);
	mod_pa = rd64(mod);
	ck_assert_uint_eq(rd64(mod + 8), rdlen);
	ck_assert_uint_eq(mod_pa % 4096, 0);
	ck_assert_uint_ge(mod_pa, E_PADDR + CODE_LEN + BSS_LEN);
	ck_assert(!memcmp(gpa(mod_pa, rdlen), rd, rdlen));
	ck_assert_str_eq((char *)gpa(rd64(mod + 16), 16), "initrd.img");
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

	ck_assert_uint_eq(rd32(mbi) & 0x4d, 0x4d); /* MEM|CMDLINE|MODS|MMAP */
	ck_assert_uint_eq(rd32(mbi + 4), 639);
	ck_assert_uint_eq(rd32(mbi + 8), (RAM - MiB) / KiB);
	ck_assert_uint_eq(rd32(mbi + 16), BOOT_CMDLINE);
	ck_assert_str_eq((char *)gpa(BOOT_CMDLINE, 20), "console=ttyS0 quiet");
	ck_assert_uint_eq(rd32(mbi + 20), 1);
	ck_assert_uint_eq(rd32(mbi + 24), BOOT_MODS);
	ck_assert_uint_eq(rd32(mbi + 44), map.nr * 24);
	ck_assert_uint_eq(rd32(mbi + 48), BOOT_MMAP);
	mm = gpa(BOOT_MMAP, map.nr * 24);
	for (i = 0; i < map.nr; i++) {
		ck_assert_uint_eq(rd32(mm + i * 24), 20);
		ck_assert_uint_eq(rd64(mm + i * 24 + 4), map.e[i].addr);
		ck_assert_uint_eq(rd64(mm + i * 24 + 12), map.e[i].size);
		ck_assert_uint_eq(rd32(mm + i * 24 + 20), map.e[i].type);
	}
	mods = gpa(BOOT_MODS, 16);
	mod_start = rd32(mods);
	mod_end = rd32(mods + 4);
	ck_assert_uint_eq(mod_start, ALIGN_UP(kernel_end, 4096ULL));
	ck_assert_uint_eq(mod_end - mod_start, rdlen);
	ck_assert(!memcmp(gpa(mod_start, rdlen), rd, rdlen));
	ck_assert_str_eq((char *)gpa(rd32(mods + 8), 16), "initrd.img");
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

static Suite *loader_elf_suite(void)
{
	Suite *s = suite_create("loader_elf");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, elf64_plain);
	tcase_add_test(tc, elf_pvh_variants);
	tcase_add_test(tc, elf_corruption);
	tcase_add_test(tc, elf64_entry_outside);
	tcase_add_test(tc, elf32_without_entry_protocol);
	tcase_add_test(tc, mb_elf32);
	tcase_add_test(tc, mb_aout);
	tcase_add_test(tc, mb_aout_errors);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(loader_elf_suite)
