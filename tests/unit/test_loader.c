// SPDX-License-Identifier: MIT
/*
 * Kernel loaders: the bzImage loader, format detection and dispatch on
 * synthetic images, every loader on truncated and randomly corrupted
 * images, and the real Debian kernel when present.
 */
#include "loader_test.h"

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

START_TEST(bz_sanitizes_header)
{
	struct img k = mk_bzimage();
	struct load_params p;
	struct boot_params *bp;

	setup_ram(RAM);
	/* Junk in loader-owned fields of the file's header. */
	put32(k.buf + 0x218, 0x1234000);   /* ramdisk_image */
	put32(k.buf + 0x21c, 0x1000);      /* ramdisk_size */
	put32(k.buf + 0x23c, 2);           /* hardware_subarch: Xen */
	memset(k.buf + 0x250, 0x41, 8);    /* setup_data */
	k.buf[0x226] = 7;                  /* ext_loader_ver */
	p = params(&k, NULL, 0);
	p.rsdp_gpa = 0;
	ck_assert_int_eq(loader_load(&p, &(struct boot_state){ 0 }, err, sizeof(err)), 0);
	bp = (struct boot_params *)gpa(BOOT_INFO, sizeof(*bp));
	ck_assert_uint_eq(bp->hdr.ramdisk_image, 0);
	ck_assert_uint_eq(bp->hdr.ramdisk_size, 0);
	ck_assert_uint_eq(bp->hdr.hardware_subarch, 0);
	ck_assert_uint_eq(bp->hdr.setup_data, 0);
	ck_assert_uint_eq(bp->hdr.ext_loader_ver, 0);
	ck_assert_uint_eq(bp->acpi_rsdp_addr, 0);
	/* Untouched fields keep the file's values. */
	ck_assert_uint_eq(bp->hdr.vid_mode, 0xffff);
	ck_assert_uint_eq(bp->hdr.kernel_alignment, 0x200000);
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
	const char *env = getenv("TEST_LOADER_MUTATIONS"); /* for longer runs */
	unsigned int i, n, j, rounds = env ? (unsigned int)atoi(env) : 300;
	uint32_t seed = 12345;

	setup_ram(RAM);
	for (i = 0; i < ARRAY_SIZE(imgs); i++) {
		uint8_t *copy = malloc(imgs[i].len);

		ck_assert_ptr_nonnull(copy);
		for (n = 0; n < rounds; n++) {
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
	tcase_add_test(tc, bz_sanitizes_header);
	tcase_add_test(tc, bz_cmdline_too_long);
	tcase_add_test(tc, bz_initrd_too_big);
	tcase_add_test(tc, place_initrd_direct);
	tcase_add_test(tc, text_file_rejected);
	tcase_add_test(tc, truncated_images);
	tcase_add_test(tc, mutated_images);
	tcase_add_test(tc, format_names);
	tcase_add_test(tc, real_kernel);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(loader_suite)
