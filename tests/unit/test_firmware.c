// SPDX-License-Identifier: MIT
/*
 * Firmware images and the variable store (firmware/firmware.c) on fake
 * OVMF files in a temp folder: accepted sizes and where they map,
 * refused files (size, secure-boot names also behind symlinks, missing,
 * not OVMF), the store created from its template, size-checked and locked
 * afterwards, OVMF.fd's split, and the --uefi default store location.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "firmware.h"
#include "fw_files.h"
#include "unit.h"
#include "util.h"

static char dir[PATH_MAX];
static char err[512];
static struct firmware fw;

static void setup(void)
{
	log_level = LOG_ERR - 1;
	fw_make_dir(dir);
	memset(&fw, 0, sizeof(fw));
	fw.vars_fd = -1;
	err[0] = 0;
}

static void teardown(void)
{
	firmware_close(&fw);
	fw_remove_dir(dir);
}

static const char *in_dir(const char *name)
{
	static char bufs[16][PATH_MAX];
	static unsigned int n;
	char *b = bufs[n++ % 16];

	ck_assert_int_lt(snprintf(b, PATH_MAX, "%s/%s", dir, name), PATH_MAX);
	return b;
}

/* One line, naming `what`. */
static void check_err(int ret, const char *what)
{
	ck_assert_int_eq(ret, -EINVAL);
	ck_assert_msg(err[0], "no error message");
	ck_assert_msg(!strchr(err, '\n'), "multi-line error: %s", err);
	ck_assert_msg(strstr(err, what), "error '%s' does not mention '%s'", err, what);
}

static int open_fw(const char *code, const char *vars)
{
	struct fw_open_opts o = { .code = code, .vars = vars, .template_dir = dir };

	return firmware_open(&fw, &o, err, sizeof(err));
}

static void check_pattern(const uint8_t *p, uint64_t off, uint64_t len, unsigned int seed)
{
	uint64_t i;

	for (i = 0; i < len; i++) {
		if ((i + off) % FW_VARS_2M_SIZE >= 0x28 && (i + off) % FW_VARS_2M_SIZE < 0x2c)
			continue; /* an FV signature (at 0x28, or 0x20028 in OVMF.fd) */
		if (p[i] != fw_pattern(i + off, seed))
			ck_abort_msg("byte 0x%llx differs", (unsigned long long)(i + off));
	}
}

static uint64_t file_size(const char *path)
{
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	return (uint64_t)st.st_size;
}

START_TEST(layouts)
{
	enum fw_layout l;

	fw_make_file(dir, "c4.fd", FW_CODE_4M_SIZE, 0, 1);
	fw_make_file(dir, "c2.fd", FW_CODE_2M_SIZE, 0, 2);
	fw_make_file(dir, "u.fd", FW_UNIFIED_SIZE, FW_VARS_2M_SIZE, 3);
	ck_assert_int_eq(firmware_check_image(in_dir("c4.fd"), &l, err, sizeof(err)), 0);
	ck_assert_int_eq(l, FW_LAYOUT_4M);
	ck_assert_int_eq(firmware_check_image(in_dir("c2.fd"), &l, err, sizeof(err)), 0);
	ck_assert_int_eq(l, FW_LAYOUT_2M);
	ck_assert_int_eq(firmware_check_image(in_dir("u.fd"), &l, err, sizeof(err)), 0);
	ck_assert_int_eq(l, FW_LAYOUT_UNIFIED);

	/* 4M: code ends at 4 GiB, vars right below at 0xFFC00000 (ovmf.md A2). */
	fw_make_file(dir, FW_TEMPLATE_4M, FW_VARS_4M_SIZE, 0, 4);
	ck_assert_int_eq(open_fw(in_dir("c4.fd"), NULL), 0);
	ck_assert_uint_eq(fw.code.gpa, 0xFFC84000ULL);
	ck_assert_uint_eq(fw.code.size, 0x37C000ULL);
	ck_assert_uint_eq(fw.vars.gpa, 0xFFC00000ULL);
	ck_assert_uint_eq(fw.vars.size, 0x84000ULL);
	check_pattern(fw.code.host, 0, fw.code.size, 1);
	check_pattern(fw.vars.host, 0, fw.vars.size, 4);
	ck_assert(!fw.vars_persistent);
	ck_assert_int_eq(fw.vars_fd, -1);
	firmware_close(&fw);

	fw_make_file(dir, FW_TEMPLATE_2M, FW_VARS_2M_SIZE, 0, 5);
	ck_assert_int_eq(open_fw(in_dir("c2.fd"), NULL), 0);
	ck_assert_uint_eq(fw.code.gpa, 0xFFE20000ULL);
	ck_assert_uint_eq(fw.code.size, 0x1E0000ULL);
	ck_assert_uint_eq(fw.vars.gpa, 0xFFE00000ULL);
	ck_assert_uint_eq(fw.vars.size, 0x20000ULL);
	check_pattern(fw.code.host, 0, fw.code.size, 2);
	check_pattern(fw.vars.host, 0, fw.vars.size, 5);
}
END_TEST

START_TEST(wrong_sizes)
{
	static const uint64_t sizes[] = { 0, 4096, FW_CODE_4M_SIZE - 1, FW_CODE_4M_SIZE + 4096,
					  FW_VARS_4M_SIZE, 0x400000 };
	enum fw_layout l;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		fw_make_file(dir, "bad.fd", sizes[i], ~0ULL, 1);
		check_err(firmware_check_image(in_dir("bad.fd"), &l, err, sizeof(err)),
			  in_dir("bad.fd"));
		ck_assert_ptr_nonnull(strstr(err, "size"));
		check_err(open_fw(in_dir("bad.fd"), NULL), "size");
	}
	/* Right size, but no firmware volume where the code starts. */
	fw_make_file(dir, "nofv.fd", FW_CODE_4M_SIZE, ~0ULL, 1);
	check_err(firmware_check_image(in_dir("nofv.fd"), &l, err, sizeof(err)), "not an OVMF");
	/* OVMF.fd's code starts at 128 KiB: a header at 0 alone is not enough. */
	fw_make_file(dir, "u.fd", FW_UNIFIED_SIZE, 0, 1);
	check_err(firmware_check_image(in_dir("u.fd"), &l, err, sizeof(err)), "not an OVMF");
}
END_TEST

START_TEST(secboot_names)
{
	static const char *const names[] = { "OVMF_CODE_4M.secboot.fd", "OVMF_CODE_4M.ms.fd",
					     "OVMF_CODE_4M.snakeoil.fd", "OVMF_CODE.secboot.fd" };
	enum fw_layout l;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		fw_make_file(dir, names[i], FW_CODE_4M_SIZE, 0, 1);
		check_err(firmware_check_image(in_dir(names[i]), &l, err, sizeof(err)),
			  "Secure Boot");
		ck_assert_ptr_nonnull(strstr(err, names[i]));
	}
	/* Debian's .ms.fd is a symlink to .secboot.fd; an innocent link name too. */
	ck_assert_int_eq(symlink(in_dir("OVMF_CODE_4M.secboot.fd"), in_dir("plain.fd")), 0);
	check_err(firmware_check_image(in_dir("plain.fd"), &l, err, sizeof(err)), "Secure Boot");
	check_err(open_fw(in_dir("plain.fd"), NULL), "Secure Boot");
	/* A link to a good image is fine. */
	fw_make_file(dir, "OVMF_CODE_4M.fd", FW_CODE_4M_SIZE, 0, 1);
	ck_assert_int_eq(symlink(in_dir("OVMF_CODE_4M.fd"), in_dir("good.fd")), 0);
	ck_assert_int_eq(firmware_check_image(in_dir("good.fd"), &l, err, sizeof(err)), 0);
	/* The names only count at the end: a folder called x.ms.fd does not. */
	ck_assert_int_eq(mkdir(in_dir("x.ms.fd"), 0700), 0);
	fw_make_file(in_dir("x.ms.fd"), "OVMF_CODE.fd", FW_CODE_2M_SIZE, 0, 1);
	ck_assert_int_eq(firmware_check_image(in_dir("x.ms.fd/OVMF_CODE.fd"), &l, err,
					      sizeof(err)), 0);
}
END_TEST

START_TEST(missing_and_odd_files)
{
	enum fw_layout l;

	check_err(firmware_check_image(in_dir("nosuch.fd"), &l, err, sizeof(err)),
		  "No such file");
	check_err(open_fw(in_dir("nosuch.fd"), NULL), in_dir("nosuch.fd"));
	check_err(firmware_check_image(dir, &l, err, sizeof(err)), "not a regular file");
	ck_assert_int_eq(symlink(in_dir("nosuch.fd"), in_dir("dangling.fd")), 0);
	check_err(firmware_check_image(in_dir("dangling.fd"), &l, err, sizeof(err)),
		  "No such file");
}
END_TEST

/* First use: the store is created from the template, whole, and nothing else is left. */
START_TEST(vars_created_from_template)
{
	const char *vars = in_dir("my.vars");
	struct stat st;
	char cmd[PATH_MAX + 64];

	fw_make_file(dir, "c4.fd", FW_CODE_4M_SIZE, 0, 1);
	fw_make_file(dir, FW_TEMPLATE_4M, FW_VARS_4M_SIZE, 0, 7);
	ck_assert_int_eq(open_fw(in_dir("c4.fd"), vars), 0);
	ck_assert(fw.vars_persistent);
	ck_assert_int_ge(fw.vars_fd, 0);
	ck_assert_str_eq(fw.vars_path, vars);
	ck_assert_uint_eq(fw.vars.size, FW_VARS_4M_SIZE);
	ck_assert_uint_eq(file_size(vars), FW_VARS_4M_SIZE);
	check_pattern(fw.vars.host, 0, FW_VARS_4M_SIZE, 7);
	/* No temp file left behind: exactly the three files. */
	snprintf(cmd, sizeof(cmd), "test $(ls -A '%s' | wc -l) -eq 3", dir);
	ck_assert_int_eq(system(cmd), 0);
	/* The guest's writes land in the file. */
	fw.vars.host[100] = 0xab;
	ck_assert_int_eq(firmware_sync(&fw), 0);
	firmware_close(&fw);
	/* A second use keeps what is there (no re-copy from the template). */
	ck_assert_int_eq(open_fw(in_dir("c4.fd"), vars), 0);
	ck_assert_uint_eq(fw.vars.host[100], 0xab);
	ck_assert_int_eq(stat(vars, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600); /* mkstemp: private to the user */
}
END_TEST

START_TEST(vars_wrong_size)
{
	fw_make_file(dir, "c4.fd", FW_CODE_4M_SIZE, 0, 1);
	fw_make_file(dir, "c2.fd", FW_CODE_2M_SIZE, 0, 1);
	fw_make_file(dir, FW_TEMPLATE_4M, FW_VARS_4M_SIZE, 0, 7);
	fw_make_file(dir, FW_TEMPLATE_2M, FW_VARS_2M_SIZE, 0, 8);
	/* A 2M store with the 4M code, and the other way round. */
	fw_make_file(dir, "small.vars", FW_VARS_2M_SIZE, 0, 1);
	check_err(open_fw(in_dir("c4.fd"), in_dir("small.vars")), "small.vars");
	ck_assert_ptr_nonnull(strstr(err, "size"));
	fw_make_file(dir, "big.vars", FW_VARS_4M_SIZE, 0, 1);
	check_err(open_fw(in_dir("c2.fd"), in_dir("big.vars")), "big.vars");
	fw_make_file(dir, "empty.vars", 0, ~0ULL, 1);
	check_err(open_fw(in_dir("c4.fd"), in_dir("empty.vars")), "size");
	/* Left as they were. */
	ck_assert_uint_eq(file_size(in_dir("small.vars")), FW_VARS_2M_SIZE);
	ck_assert_uint_eq(file_size(in_dir("empty.vars")), 0);
	/* A folder is not a store. */
	ck_assert_int_eq(mkdir(in_dir("d.vars"), 0700), 0);
	ck_assert_int_lt(open_fw(in_dir("c4.fd"), in_dir("d.vars")), 0);
	ck_assert_ptr_nonnull(strstr(err, "d.vars"));
	/* A store in a folder that does not exist (no mkdir for --uefi-vars). */
	check_err(open_fw(in_dir("c4.fd"), in_dir("nodir/x.vars")), "nodir/x.vars");
	/* A wrong template: refused, no store made. */
	fw_make_file(dir, FW_TEMPLATE_4M, FW_VARS_2M_SIZE, 0, 7);
	check_err(open_fw(in_dir("c4.fd"), in_dir("new.vars")), FW_TEMPLATE_4M);
	ck_assert_int_ne(access(in_dir("new.vars"), F_OK), 0);
}
END_TEST

START_TEST(missing_template)
{
	fw_make_file(dir, "c4.fd", FW_CODE_4M_SIZE, 0, 1);
	/* A store to create needs it. */
	check_err(open_fw(in_dir("c4.fd"), in_dir("new.vars")), FW_TEMPLATE_4M);
	ck_assert_int_ne(access(in_dir("new.vars"), F_OK), 0);
	/* Volatile: no store at all; OVMF falls back to its emulated one. */
	ck_assert_int_eq(open_fw(in_dir("c4.fd"), NULL), 0);
	ck_assert_uint_eq(fw.vars.size, 0);
	ck_assert_ptr_null(fw.vars.host);
	ck_assert_ptr_nonnull(fw.code.host);
	/* An existing store does not need it. */
	firmware_close(&fw);
	fw_make_file(dir, "old.vars", FW_VARS_4M_SIZE, 0, 9);
	ck_assert_int_eq(open_fw(in_dir("c4.fd"), in_dir("old.vars")), 0);
	check_pattern(fw.vars.host, 0, FW_VARS_4M_SIZE, 9);
}
END_TEST

START_TEST(vars_locked)
{
	struct firmware fw2;
	struct fw_open_opts o = { .code = in_dir("c4.fd"), .vars = in_dir("v"),
				  .template_dir = dir };

	fw_make_file(dir, "c4.fd", FW_CODE_4M_SIZE, 0, 1);
	fw_make_file(dir, FW_TEMPLATE_4M, FW_VARS_4M_SIZE, 0, 7);
	ck_assert_int_eq(open_fw(in_dir("c4.fd"), in_dir("v")), 0);
	check_err(firmware_open(&fw2, &o, err, sizeof(err)), "in use");
	firmware_close(&fw);
	ck_assert_int_eq(firmware_open(&fw2, &o, err, sizeof(err)), 0);
	firmware_close(&fw2);
}
END_TEST

/* OVMF.fd: vars are its first 128 KiB, code the rest; volatile or backed by a file. */
START_TEST(unified_split)
{
	const char *vars = in_dir("u.vars");

	fw_make_file(dir, "OVMF.fd", FW_UNIFIED_SIZE, FW_VARS_2M_SIZE, 3);
	ck_assert_int_eq(open_fw(in_dir("OVMF.fd"), NULL), 0);
	ck_assert_int_eq(fw.layout, FW_LAYOUT_UNIFIED);
	ck_assert_uint_eq(fw.vars.gpa, 0xFFE00000ULL);
	ck_assert_uint_eq(fw.vars.size, FW_VARS_2M_SIZE);
	ck_assert_uint_eq(fw.code.gpa, 0xFFE20000ULL);
	ck_assert_uint_eq(fw.code.size, FW_CODE_2M_SIZE);
	check_pattern(fw.vars.host, 0, FW_VARS_2M_SIZE, 3);
	check_pattern(fw.code.host, FW_VARS_2M_SIZE, FW_CODE_2M_SIZE, 3);
	ck_assert(!fw.vars_persistent);
	/* Volatile: writing the copy does not touch the image. */
	fw.vars.host[0x50] ^= 0xff;
	firmware_close(&fw);
	ck_assert_int_eq(open_fw(in_dir("OVMF.fd"), NULL), 0);
	check_pattern(fw.vars.host, 0, FW_VARS_2M_SIZE, 3);
	firmware_close(&fw);
	/* With a store: created from the image's own vars part, no template needed. */
	ck_assert_int_eq(open_fw(in_dir("OVMF.fd"), vars), 0);
	ck_assert(fw.vars_persistent);
	ck_assert_uint_eq(file_size(vars), FW_VARS_2M_SIZE);
	check_pattern(fw.vars.host, 0, FW_VARS_2M_SIZE, 3);
}
END_TEST

START_TEST(default_vars_place)
{
	struct vm_config cfg = { .uefi = true, .firmware = FW_DEFAULT_CODE };
	char buf[PATH_MAX], want[PATH_MAX];
	const char *p;
	bool dflt;

	setenv("XDG_STATE_HOME", dir, 1);
	ck_assert_int_eq(firmware_default_vars(&cfg, buf, sizeof(buf), err, sizeof(err)), 0);
	ck_assert_str_eq(buf, in_dir("hvmm/OVMF_VARS_4M.fd"));
	/* A relative XDG_STATE_HOME is ignored (XDG base-directory spec). */
	setenv("XDG_STATE_HOME", "rel", 1);
	setenv("HOME", "/home/someone", 1);
	ck_assert_int_eq(firmware_default_vars(&cfg, buf, sizeof(buf), err, sizeof(err)), 0);
	ck_assert_str_eq(buf, "/home/someone/.local/state/hvmm/OVMF_VARS_4M.fd");
	unsetenv("XDG_STATE_HOME");
	unsetenv("HOME");
	check_err(firmware_default_vars(&cfg, buf, sizeof(buf), err, sizeof(err)), "--uefi-vars");
	/* Next to a disk image file. */
	fw_make_file(dir, "disk.img", 4096, ~0ULL, 1);
	cfg.disks[0].path = in_dir("disk.img");
	cfg.nr_disks = 1;
	ck_assert_int_eq(firmware_default_vars(&cfg, buf, sizeof(buf), err, sizeof(err)), 0);
	ck_assert_str_eq(buf, in_dir("disk.img.vars.fd"));
	/* A device's folder is no place: the state folder, named after it. */
	setenv("HOME", dir, 1);
	cfg.disks[0].path = "/dev/null";
	ck_assert_int_eq(firmware_default_vars(&cfg, buf, sizeof(buf), err, sizeof(err)), 0);
	ck_assert_int_lt(snprintf(want, sizeof(want), "%s/.local/state/hvmm/null.vars.fd", dir),
			 PATH_MAX);
	ck_assert_str_eq(buf, want);
	/* --uefi-vars wins; without --uefi there is no default. */
	cfg.uefi_vars = "/x/y";
	ck_assert_str_eq(firmware_vars_path(&cfg, buf, sizeof(buf), &dflt, err, sizeof(err)),
			 "/x/y");
	ck_assert(!dflt);
	cfg.uefi_vars = NULL;
	p = firmware_vars_path(&cfg, buf, sizeof(buf), &dflt, err, sizeof(err));
	ck_assert_str_eq(p, want);
	ck_assert(dflt);
	cfg.uefi = false;
	ck_assert_ptr_null(firmware_vars_path(&cfg, buf, sizeof(buf), &dflt, err, sizeof(err)));
	ck_assert_str_eq(err, "");
}
END_TEST

/* The --uefi default store's folders are created (mkdir -p) on first use. */
START_TEST(default_vars_mkdir)
{
	struct fw_open_opts o = { .code = in_dir("c4.fd"), .vars = in_dir("a/b/hvmm/V.fd"),
				  .template_dir = dir, .mkdir_vars = true };

	fw_make_file(dir, "c4.fd", FW_CODE_4M_SIZE, 0, 1);
	fw_make_file(dir, FW_TEMPLATE_4M, FW_VARS_4M_SIZE, 0, 7);
	ck_assert_int_eq(firmware_open(&fw, &o, err, sizeof(err)), 0);
	ck_assert_uint_eq(file_size(in_dir("a/b/hvmm/V.fd")), FW_VARS_4M_SIZE);
}
END_TEST

START_TEST(check_config)
{
	struct vm_config cfg = { .firmware = in_dir("c4.fd") };

	check_err(firmware_check_config(&cfg, err, sizeof(err)), "No such file");
	fw_make_file(dir, "c4.fd", FW_CODE_4M_SIZE, 0, 1);
	ck_assert_int_eq(firmware_check_config(&cfg, err, sizeof(err)), 0);
	/* A store not made yet is fine; one of the wrong size is not. */
	cfg.uefi_vars = in_dir("v.fd");
	ck_assert_int_eq(firmware_check_config(&cfg, err, sizeof(err)), 0);
	ck_assert_int_ne(access(in_dir("v.fd"), F_OK), 0); /* checking creates nothing */
	fw_make_file(dir, "v.fd", FW_VARS_2M_SIZE, 0, 1);
	check_err(firmware_check_config(&cfg, err, sizeof(err)), "size");
	fw_make_file(dir, "v.fd", FW_VARS_4M_SIZE, 0, 1);
	ck_assert_int_eq(firmware_check_config(&cfg, err, sizeof(err)), 0);
	cfg.firmware = in_dir("OVMF_CODE_4M.secboot.fd");
	fw_make_file(dir, "OVMF_CODE_4M.secboot.fd", FW_CODE_4M_SIZE, 0, 1);
	check_err(firmware_check_config(&cfg, err, sizeof(err)), "Secure Boot");
	/* No firmware, nothing to check. */
	cfg.firmware = NULL;
	ck_assert_int_eq(firmware_check_config(&cfg, err, sizeof(err)), 0);
}
END_TEST

static Suite *firmware_suite(void)
{
	Suite *s = suite_create("firmware");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, layouts);
	tcase_add_test(tc, wrong_sizes);
	tcase_add_test(tc, secboot_names);
	tcase_add_test(tc, missing_and_odd_files);
	tcase_add_test(tc, vars_created_from_template);
	tcase_add_test(tc, vars_wrong_size);
	tcase_add_test(tc, missing_template);
	tcase_add_test(tc, vars_locked);
	tcase_add_test(tc, unified_split);
	tcase_add_test(tc, default_vars_place);
	tcase_add_test(tc, default_vars_mkdir);
	tcase_add_test(tc, check_config);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(firmware_suite)
