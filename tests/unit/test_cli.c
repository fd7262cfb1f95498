// SPDX-License-Identifier: MIT
/* `hvmm run` option parsing: defaults, every option, and every rejection. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "firmware.h"
#include "fw_files.h"
#include "unit.h"
#include "util.h"

static struct vm_config cfg;
static char err[256];

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

/* argv arrays are NULL-terminated like a real one; argv[0] is "run". */
#define PARSE(...)                                                       \
	({                                                               \
		char *argv_[] = { "run", __VA_ARGS__, NULL };            \
		cli_parse_run(ARGC(argv_), argv_, &cfg, err, sizeof(err)); \
	})

/* A rejected command line: -EINVAL, one line, naming `what`. */
static void check_rejected(int ret, const char *what)
{
	ck_assert_int_eq(ret, -EINVAL);
	ck_assert_msg(err[0], "no error message");
	ck_assert_msg(!strchr(err, '\n'), "multi-line error: %s", err);
	ck_assert_msg(strstr(err, what), "error '%s' does not mention '%s'", err, what);
}

#define REJECT(what, ...) check_rejected(PARSE(__VA_ARGS__), what)

START_TEST(defaults)
{
	ck_assert_int_eq(PARSE("--kernel", "vmlinuz"), CLI_RUN);
	ck_assert_str_eq(err, "");
	ck_assert_str_eq(cfg.kernel, "vmlinuz");
	ck_assert_uint_eq(cfg.mem_size, 512 * MiB);
	ck_assert_uint_eq(cfg.ncpus, 1);
	ck_assert_int_eq(cfg.serial, SERIAL_STDIO);
	ck_assert_ptr_null(cfg.serial_path);
	ck_assert_str_eq(cfg.cmdline, CLI_DEFAULT_CMDLINE);
	ck_assert_ptr_null(cfg.initrd);
	ck_assert_int_eq(cfg.on_reboot, ON_REBOOT_EXIT);
	ck_assert_uint_eq(cfg.timeout_s, 0);
	ck_assert(!cfg.stats);
}
END_TEST

START_TEST(every_option)
{
	int lvl = log_level;

	ck_assert_int_eq(PARSE("--kernel", "k", "--initrd", "i.cpio", "--cmdline", "quiet",
			       "--mem", "2G", "--cpus", "4", "--serial", "file:/tmp/out",
			       "--on-reboot", "restart", "--timeout", "30", "--stats", "-v"),
			 CLI_RUN);
	ck_assert_str_eq(cfg.kernel, "k");
	ck_assert_str_eq(cfg.initrd, "i.cpio");
	ck_assert_str_eq(cfg.cmdline, "quiet");
	ck_assert_uint_eq(cfg.mem_size, 2 * GiB);
	ck_assert_uint_eq(cfg.ncpus, 4);
	ck_assert_int_eq(cfg.serial, SERIAL_FILE);
	ck_assert_str_eq(cfg.serial_path, "/tmp/out");
	ck_assert_int_eq(cfg.on_reboot, ON_REBOOT_RESTART);
	ck_assert_uint_eq(cfg.timeout_s, 30);
	ck_assert(cfg.stats);
	ck_assert_int_eq(log_level, lvl + 1);

	/* --append is an alias; --opt=value works; -q wins over earlier -v. */
	ck_assert_int_eq(PARSE("--append=console=hvc0", "--kernel=k2", "--on-reboot", "exit",
			       "-v", "-q"), CLI_RUN);
	ck_assert_str_eq(cfg.cmdline, "console=hvc0");
	ck_assert_str_eq(cfg.kernel, "k2");
	ck_assert_int_eq(cfg.on_reboot, ON_REBOOT_EXIT);
	ck_assert_int_eq(log_level, LOG_ERR);
}
END_TEST

START_TEST(verbose_saturates)
{
	log_level = LOG_WARN;
	ck_assert_int_eq(PARSE("-v", "-v", "-v", "-v", "--verbose", "--kernel", "k"), CLI_RUN);
	ck_assert_int_eq(log_level, LOG_DEBUG);
}
END_TEST

START_TEST(mem_sizes)
{
	ck_assert_int_eq(PARSE("--kernel", "k", "--mem", "512M"), CLI_RUN);
	ck_assert_uint_eq(cfg.mem_size, 512 * MiB);
	ck_assert_int_eq(PARSE("--kernel", "k", "--mem", "16M"), CLI_RUN);
	ck_assert_uint_eq(cfg.mem_size, 16 * MiB);
	ck_assert_int_eq(PARSE("--kernel", "k", "--mem", "1T"), CLI_RUN);
	ck_assert_uint_eq(cfg.mem_size, 1024 * GiB);
	ck_assert_int_eq(PARSE("--kernel", "k", "--mem", "4194304K"), CLI_RUN);
	ck_assert_uint_eq(cfg.mem_size, 4 * GiB);

	REJECT("--mem", "--kernel", "k", "--mem", "15M");
	REJECT("--mem", "--kernel", "k", "--mem", "3M");
	REJECT("--mem", "--kernel", "k", "--mem", "17M");
	REJECT("--mem", "--kernel", "k", "--mem", "1025G");
	REJECT("--mem", "--kernel", "k", "--mem", "lots");
	REJECT("--mem", "--kernel", "k", "--mem", "-512M");
	REJECT("--mem", "--kernel", "k", "--mem", "");
	REJECT("--mem", "--kernel", "k", "--mem", "0");
}
END_TEST

START_TEST(cpus)
{
	ck_assert_int_eq(PARSE("--kernel", "k", "--cpus", "64"), CLI_RUN);
	ck_assert_uint_eq(cfg.ncpus, 64);
	ck_assert_int_eq(PARSE("--kernel", "k", "--cpus", "1"), CLI_RUN);
	ck_assert_uint_eq(cfg.ncpus, 1);

	REJECT("--cpus", "--kernel", "k", "--cpus", "0");
	REJECT("--cpus", "--kernel", "k", "--cpus", "65");
	REJECT("--cpus", "--kernel", "k", "--cpus", "abc");
	REJECT("--cpus", "--kernel", "k", "--cpus", "-1");
	REJECT("--cpus", "--kernel", "k", "--cpus", "+2");
	REJECT("--cpus", "--kernel", "k", "--cpus", "2x");
	REJECT("--cpus", "--kernel", "k", "--cpus", "");
	REJECT("--cpus", "--kernel", "k", "--cpus", "18446744073709551617");
	/* strtoul negates after blanks: this would wrap around to 1. */
	REJECT("--cpus", "--kernel", "k", "--cpus", " -18446744073709551615");
	REJECT("--timeout", "--kernel", "k", "--timeout", " 5");
	REJECT("--mem", "--kernel", "k", "--mem", " -1");
}
END_TEST

START_TEST(serial)
{
	ck_assert_int_eq(PARSE("--kernel", "k", "--serial", "none"), CLI_RUN);
	ck_assert_int_eq(cfg.serial, SERIAL_NONE);
	ck_assert_int_eq(PARSE("--kernel", "k", "--serial", "none", "--serial", "stdio"),
			 CLI_RUN);
	ck_assert_int_eq(cfg.serial, SERIAL_STDIO);
	ck_assert_int_eq(PARSE("--kernel", "k", "--serial", "file:log:1"), CLI_RUN);
	ck_assert_int_eq(cfg.serial, SERIAL_FILE);
	ck_assert_str_eq(cfg.serial_path, "log:1");

	REJECT("--serial", "--kernel", "k", "--serial", "bogus");
	REJECT("--serial", "--kernel", "k", "--serial", "file:");
	REJECT("--serial", "--kernel", "k", "--serial", "file");
	REJECT("--serial", "--kernel", "k", "--serial", "STDIO");
}
END_TEST

START_TEST(on_reboot_and_timeout)
{
	ck_assert_int_eq(PARSE("--kernel", "k", "--on-reboot", "restart"), CLI_RUN);
	ck_assert_int_eq(cfg.on_reboot, ON_REBOOT_RESTART);
	REJECT("--on-reboot", "--kernel", "k", "--on-reboot", "shutdown");

	ck_assert_int_eq(PARSE("--kernel", "k", "--timeout", "604800"), CLI_RUN);
	ck_assert_uint_eq(cfg.timeout_s, 604800);
	REJECT("--timeout", "--kernel", "k", "--timeout", "0");
	REJECT("--timeout", "--kernel", "k", "--timeout", "604801");
	REJECT("--timeout", "--kernel", "k", "--timeout", "1s");
	REJECT("--timeout", "--kernel", "k", "--timeout", "-5");
}
END_TEST

START_TEST(isolation)
{
	ck_assert_int_eq(PARSE("--kernel", "k"), CLI_RUN);
	ck_assert_int_eq(cfg.isolation, ISOLATION_NONE);
	ck_assert_int_eq(PARSE("--kernel", "k", "--isolation", "vbs"), CLI_RUN);
	ck_assert_int_eq(cfg.isolation, ISOLATION_VBS);
	ck_assert_int_eq(PARSE("--kernel", "k", "--isolation", "vbs", "--isolation", "none"),
			 CLI_RUN);
	ck_assert_int_eq(cfg.isolation, ISOLATION_NONE);
	REJECT("--isolation", "--kernel", "k", "--isolation", "snp");
	REJECT("--isolation", "--kernel", "k", "--isolation", "VBS");
	REJECT("--hyperv on", "--kernel", "k", "--isolation", "vbs", "--hyperv", "off");
	/* none is what --hyperv off implies: fine. */
	ck_assert_int_eq(PARSE("--kernel", "k", "--hyperv", "off", "--isolation", "none"),
			 CLI_RUN);
}
END_TEST

START_TEST(missing_kernel)
{
	char *argv[] = { "run", NULL };

	REJECT("--kernel", "--mem", "1G");
	/* Even with no options at all. */
	check_rejected(cli_parse_run(1, argv, &cfg, err, sizeof(err)), "--kernel");
}
END_TEST

START_TEST(unknown_option)
{
	REJECT("--bogus", "--kernel", "k", "--bogus");
	REJECT("--bogus", "--kernel", "k", "--bogus=1");
	REJECT("-x", "--kernel", "k", "-x");
	/* Bundled short options name the bad letter wherever it is. */
	REJECT("-x", "--kernel", "k", "-xv");
	REJECT("-x", "--kernel", "k", "-vx");
	/* Flags take no value: the long form is named, not its short twin. */
	REJECT("--stats", "--kernel", "k", "--stats=yes");
	REJECT("--verbose", "--kernel", "k", "--verbose=2");
}
END_TEST

/* An option whose value is missing names that option, not a garbage byte. */
START_TEST(missing_value)
{
	REJECT("--kernel", "--kernel");
	REJECT("--mem", "--kernel", "k", "--mem");
	REJECT("--cpus", "--kernel", "k", "--cpus");
	REJECT("--serial", "--kernel", "k", "--serial");
	REJECT("--timeout", "--kernel", "k", "--timeout");
}
END_TEST

START_TEST(stray_argument)
{
	REJECT("extra", "--kernel", "k", "extra");
	/* Parsing stops at the first non-option ("+" in optstring). */
	REJECT("extra", "--kernel", "k", "extra", "--mem", "1G");
	/* After "--" even an option-looking word is an argument. */
	REJECT("argument '--mem'", "--kernel", "k", "--", "--mem");
}
END_TEST

/* getopt keeps global state; every call must start from scratch. */
START_TEST(parse_twice)
{
	REJECT("--cpus", "--kernel", "k", "--cpus", "0");
	ck_assert_int_eq(PARSE("--kernel", "a", "--cpus", "2"), CLI_RUN);
	ck_assert_uint_eq(cfg.ncpus, 2);
	ck_assert_str_eq(err, "");
	ck_assert_int_eq(PARSE("--kernel", "b"), CLI_RUN);
	ck_assert_str_eq(cfg.kernel, "b");
	/* The previous parse's values do not leak into this one. */
	ck_assert_uint_eq(cfg.ncpus, 1);
	REJECT("--bogus", "--kernel", "k", "--bogus");
	ck_assert_int_eq(PARSE("--mem", "1G", "--kernel", "c"), CLI_RUN);
	ck_assert_uint_eq(cfg.mem_size, GiB);
	ck_assert_str_eq(cfg.kernel, "c");
}
END_TEST

/* --debug-inject: each test switch, repeatable, and every malformed offset. */
START_TEST(debug_inject)
{
	ck_assert_int_eq(PARSE("--kernel", "k"), CLI_RUN);
	ck_assert(!cfg.late_event_port);
	ck_assert_int_eq(cfg.rtc_offset_s, 0);
	ck_assert_int_eq(PARSE("--kernel", "k", "--debug-inject", "rtc-offset=3600"), CLI_RUN);
	ck_assert_int_eq(cfg.rtc_offset_s, 3600);
	ck_assert(!cfg.late_event_port);
	ck_assert_int_eq(PARSE("--kernel", "k", "--debug-inject=rtc-offset=-86400",
			       "--debug-inject", "late-event-port"), CLI_RUN);
	ck_assert_int_eq(cfg.rtc_offset_s, -86400);
	ck_assert(cfg.late_event_port);
	ck_assert(!cfg.fw_payload);
	ck_assert_int_eq(PARSE("--kernel", "k", "--debug-inject", "firmware-payload"), CLI_RUN);
	ck_assert(cfg.fw_payload);
	ck_assert_int_eq(PARSE("--kernel", "k", "--debug-inject", "rtc-offset=+0"), CLI_RUN);
	ck_assert_int_eq(cfg.rtc_offset_s, 0);
	/* A century either way is the limit. */
	ck_assert_int_eq(PARSE("--kernel", "k", "--debug-inject", "rtc-offset=-3162240000"),
			 CLI_RUN);
	ck_assert_int_eq(cfg.rtc_offset_s, -3162240000LL);
	REJECT("rtc-offset=3162240001", "--kernel", "k", "--debug-inject", "rtc-offset=3162240001");
	REJECT("rtc-offset=", "--kernel", "k", "--debug-inject", "rtc-offset=");
	REJECT("rtc-offset=-", "--kernel", "k", "--debug-inject", "rtc-offset=-");
	REJECT("rtc-offset=1h", "--kernel", "k", "--debug-inject", "rtc-offset=1h");
	REJECT("rtc-offset= 5", "--kernel", "k", "--debug-inject", "rtc-offset= 5");
	REJECT("rtc-offset=--5", "--kernel", "k", "--debug-inject", "rtc-offset=--5");
	REJECT("rtc-offset=99999999999999999999", "--kernel", "k", "--debug-inject",
	       "rtc-offset=99999999999999999999");
	REJECT("rtc-offset", "--kernel", "k", "--debug-inject", "rtc-offset");
	REJECT("nosuch", "--kernel", "k", "--debug-inject", "nosuch");
	REJECT("--debug-inject", "--kernel", "k", "--debug-inject");
}
END_TEST

/* The issue-10 fault switches: drop-eom and boot-delay=MS (0..60000). */
START_TEST(debug_inject_regress)
{
	ck_assert_int_eq(PARSE("--kernel", "k"), CLI_RUN);
	ck_assert(!cfg.drop_eom);
	ck_assert_uint_eq(cfg.boot_delay_ms, 0);
	ck_assert_int_eq(PARSE("--kernel", "k", "--debug-inject", "drop-eom",
			       "--debug-inject=boot-delay=1500"), CLI_RUN);
	ck_assert(cfg.drop_eom);
	ck_assert(!cfg.late_event_port);
	ck_assert_uint_eq(cfg.boot_delay_ms, 1500);
	ck_assert_int_eq(PARSE("--kernel", "k", "--debug-inject", "boot-delay=0"), CLI_RUN);
	ck_assert_uint_eq(cfg.boot_delay_ms, 0);
	ck_assert_int_eq(PARSE("--kernel", "k", "--debug-inject", "boot-delay=60000"), CLI_RUN);
	ck_assert_uint_eq(cfg.boot_delay_ms, 60000);
	REJECT("boot-delay=60001", "--kernel", "k", "--debug-inject", "boot-delay=60001");
	REJECT("boot-delay=-1", "--kernel", "k", "--debug-inject", "boot-delay=-1");
	REJECT("boot-delay=", "--kernel", "k", "--debug-inject", "boot-delay=");
	REJECT("boot-delay=1s", "--kernel", "k", "--debug-inject", "boot-delay=1s");
	REJECT("boot-delay= 5", "--kernel", "k", "--debug-inject", "boot-delay= 5");
	REJECT("boot-delay=99999999999999999999999", "--kernel", "k", "--debug-inject",
	       "boot-delay=99999999999999999999999");
	REJECT("drop-eom=1", "--kernel", "k", "--debug-inject", "drop-eom=1");
	REJECT("drop-eom needs --hyperv on", "--kernel", "k", "--hyperv", "off",
	       "--debug-inject", "drop-eom");
}
END_TEST

/* --events PATH|fd:N: the form is checked here, the file opened by `run`. */
START_TEST(events_option)
{
	ck_assert_int_eq(PARSE("--kernel", "k"), CLI_RUN);
	ck_assert_ptr_null(cfg.events);
	ck_assert_int_eq(PARSE("--kernel", "k", "--events", "/tmp/ev.jsonl"), CLI_RUN);
	ck_assert_str_eq(cfg.events, "/tmp/ev.jsonl");
	ck_assert_int_eq(PARSE("--kernel", "k", "--events=fd:3"), CLI_RUN);
	ck_assert_str_eq(cfg.events, "fd:3");
	REJECT("fd:x", "--kernel", "k", "--events", "fd:x");
	REJECT("fd:", "--kernel", "k", "--events", "fd:");
	REJECT("fd:-3", "--kernel", "k", "--events", "fd:-3");
	REJECT("fd:99999999999", "--kernel", "k", "--events", "fd:99999999999");
	REJECT("--events", "--kernel", "k", "--events", "");
	REJECT("--events", "--kernel", "k", "--events");
}
END_TEST

/* --gdb SPEC is parsed here (a bad one is a usage error), bound by `run`. */
START_TEST(gdb_option)
{
	ck_assert_int_eq(PARSE("--kernel", "k"), CLI_RUN);
	ck_assert_ptr_null(cfg.gdb);
	ck_assert(!cfg.gdb_wait);
	ck_assert_int_eq(PARSE("--kernel", "k", "--gdb", "tcp:1234", "--gdb-wait"), CLI_RUN);
	ck_assert_str_eq(cfg.gdb, "tcp:1234");
	ck_assert(cfg.gdb_wait);
	ck_assert_int_eq(PARSE("--kernel", "k", "--gdb", "tcp:127.0.0.1:0"), CLI_RUN);
	ck_assert_int_eq(PARSE("--kernel", "k", "--gdb", "unix:/tmp/hvmm-gdb.sock"), CLI_RUN);
	REJECT("tcp:PORT", "--kernel", "k", "--gdb", "tcp:");
	REJECT("tcp:PORT", "--kernel", "k", "--gdb", "tcp:65536");
	REJECT("tcp:PORT", "--kernel", "k", "--gdb", "1234");
	REJECT("tcp:PORT", "--kernel", "k", "--gdb", "tcp:example.com:1234");
	REJECT("tcp:PORT", "--kernel", "k", "--gdb", "unix:");
	REJECT("--gdb-wait needs --gdb", "--kernel", "k", "--gdb-wait");
}
END_TEST

START_TEST(help)
{
	/* Usage goes to stdout; keep the test log clean. */
	ck_assert_ptr_nonnull(freopen("/dev/null", "w", stdout));
	ck_assert_int_eq(PARSE("--help"), CLI_HELP);
	ck_assert_int_eq(PARSE("--kernel", "k", "-h"), CLI_HELP);
}
END_TEST

/* Fake OVMF files and disks in a temp folder, for the firmware and disk options. */
static char tdir[PATH_MAX];

static char *tpath(const char *name)
{
	static char bufs[16][PATH_MAX];
	static unsigned int n;
	char *b = bufs[n++ % 16];

	ck_assert_int_lt(snprintf(b, PATH_MAX, "%s/%s", tdir, name), PATH_MAX);
	return b;
}

static void fw_setup(void)
{
	fw_make_dir(tdir);
	fw_make_file(tdir, "OVMF_CODE_4M.fd", FW_CODE_4M_SIZE, 0, 1);
	fw_make_file(tdir, "OVMF.fd", FW_UNIFIED_SIZE, FW_VARS_2M_SIZE, 1);
	fw_make_file(tdir, "disk.img", 1 << 20, ~0ULL, 1);
	fw_make_file(tdir, "disk2.img", 1 << 20, ~0ULL, 2);
	setenv("XDG_STATE_HOME", tdir, 1);
}

static void fw_teardown(void)
{
	fw_remove_dir(tdir);
}

/* A firmware makes --kernel optional; the kernel then goes to the firmware. */
START_TEST(firmware_options)
{
	char *code = tpath("OVMF_CODE_4M.fd"), *vars = tpath("new.vars");

	ck_assert_int_eq(PARSE("--firmware", code), CLI_RUN);
	ck_assert_str_eq(cfg.firmware, code);
	ck_assert_ptr_null(cfg.kernel);
	ck_assert_ptr_null(cfg.uefi_vars);
	ck_assert(!cfg.uefi);
	ck_assert_int_eq(PARSE("--firmware", code, "--uefi-vars", vars, "--kernel", "k",
			       "--initrd", "i", "--cmdline", "quiet"), CLI_RUN);
	ck_assert_str_eq(cfg.uefi_vars, vars);
	ck_assert_str_eq(cfg.kernel, "k");
	ck_assert_str_eq(cfg.initrd, "i");
	/* Checking the store creates nothing. */
	ck_assert_int_ne(access(vars, F_OK), 0);
	ck_assert_int_eq(PARSE("--firmware", tpath("OVMF.fd")), CLI_RUN);
	/* A store to create in a folder that does not exist: refused now, not at start. */
	REJECT("nodir", "--firmware", code, "--uefi-vars", tpath("nodir/v.fd"));

	REJECT("--uefi-vars", "--kernel", "k", "--uefi-vars", vars);
	REJECT("--initrd", "--firmware", code, "--initrd", "i");
	REJECT("--uefi-vars needs", "--uefi-vars", vars);
	REJECT("--firmware", "--kernel", "k", "--firmware");
}
END_TEST

/* Wrong files: one line naming the file, exit status 2 (-EINVAL). */
START_TEST(firmware_rejected)
{
	char *code = tpath("OVMF_CODE_4M.fd");

	REJECT(tpath("nosuch.fd"), "--firmware", tpath("nosuch.fd"));
	fw_make_file(tdir, "OVMF_CODE_4M.secboot.fd", FW_CODE_4M_SIZE, 0, 1);
	REJECT("Secure Boot", "--firmware", tpath("OVMF_CODE_4M.secboot.fd"));
	ck_assert_int_eq(symlink(tpath("OVMF_CODE_4M.secboot.fd"), tpath("OVMF_CODE_4M.ms.fd")), 0);
	REJECT("Secure Boot", "--firmware", tpath("OVMF_CODE_4M.ms.fd"));
	fw_make_file(tdir, "short.fd", FW_CODE_4M_SIZE - 4096, 0, 1);
	REJECT("size", "--firmware", tpath("short.fd"));
	/* An existing store of the wrong size (the 2M one with the 4M code). */
	fw_make_file(tdir, "small.vars", FW_VARS_2M_SIZE, 0, 1);
	REJECT("small.vars", "--firmware", code, "--uefi-vars", tpath("small.vars"));
	fw_make_file(tdir, "ok.vars", FW_VARS_4M_SIZE, 0, 1);
	ck_assert_int_eq(PARSE("--firmware", code, "--uefi-vars", tpath("ok.vars")), CLI_RUN);
}
END_TEST

/* --uefi is --firmware FW_DEFAULT_CODE; it and --firmware exclude each other. */
START_TEST(uefi_option)
{
	bool have = access(FW_DEFAULT_CODE, R_OK) == 0;
	int ret;

	ret = PARSE("--uefi");
	if (have) {
		ck_assert_int_eq(ret, CLI_RUN);
		ck_assert(cfg.uefi);
		ck_assert_str_eq(cfg.firmware, FW_DEFAULT_CODE);
		ck_assert_ptr_null(cfg.kernel);
		ck_assert_int_eq(PARSE("--uefi", "--kernel", "k", "--uefi-vars",
				       tpath("v.fd")), CLI_RUN);
		ck_assert_str_eq(cfg.uefi_vars, tpath("v.fd"));
		/* The default store (in $XDG_STATE_HOME here) is size-checked too. */
		ck_assert_int_eq(mkdir(tpath("hvmm"), 0700), 0);
		fw_make_file(tdir, FW_STATE_NAME, 4096, ~0ULL, 1);
		REJECT(FW_STATE_NAME, "--uefi");
	} else {
		check_rejected(ret, FW_DEFAULT_CODE);
	}
	REJECT("--uefi and --firmware", "--uefi", "--firmware", tpath("OVMF_CODE_4M.fd"));
	REJECT("--uefi and --firmware", "--firmware", tpath("OVMF_CODE_4M.fd"), "--uefi");
	REJECT("--uefi", "--kernel", "k", "--uefi=1");
}
END_TEST

START_TEST(vsm_option)
{
	ck_assert_int_eq(PARSE("--kernel", "k"), CLI_RUN);
	ck_assert(!cfg.vsm);
	ck_assert_int_eq(PARSE("--kernel", "k", "--vsm", "on"), CLI_RUN);
	ck_assert(cfg.vsm);
	ck_assert_int_eq(PARSE("--kernel", "k", "--vsm", "on", "--vsm", "off"), CLI_RUN);
	ck_assert(!cfg.vsm);
	REJECT("--vsm", "--kernel", "k", "--vsm", "maybe");
	REJECT("--hyperv on", "--kernel", "k", "--vsm", "on", "--hyperv", "off");
}
END_TEST

START_TEST(disks)
{
	char *d1 = tpath("disk.img"), *d2 = tpath("disk2.img");
	char ro[PATH_MAX + 16];
	char *many[VM_MAX_DISKS * 2 + 8];
	int i, n = 0;

	snprintf(ro, sizeof(ro), "%s,readonly", d2);
	ck_assert_int_eq(PARSE("--kernel", "k", "--disk", d1, "--disk", ro), CLI_RUN);
	ck_assert_uint_eq(cfg.nr_disks, 2);
	ck_assert_str_eq(cfg.disks[0].path, d1);
	ck_assert(!cfg.disks[0].readonly);
	ck_assert_str_eq(cfg.disks[1].path, d2);
	ck_assert(cfg.disks[1].readonly);
	/* argv is left as it was. */
	ck_assert_ptr_nonnull(strstr(ro, ",readonly"));
	/* A block device is fine (here /dev/null is not one: refused). */
	REJECT("not a file or a block device", "--kernel", "k", "--disk", "/dev/null");
	REJECT(tpath("nosuch.img"), "--kernel", "k", "--disk", tpath("nosuch.img"));
	REJECT(tdir, "--kernel", "k", "--disk", tdir);
	snprintf(ro, sizeof(ro), "%s,readonly", tdir);
	REJECT("not a file or a block device", "--kernel", "k", "--disk", ro);
	REJECT("only ,readonly", "--kernel", "k", "--disk", "x.img,ro");
	REJECT("--disk", "--kernel", "k", "--disk", "");
	REJECT("--disk", "--kernel", "k", "--disk", ",readonly");
	REJECT("--disk", "--kernel", "k", "--disk");
	/* A file this user may not write: only ,readonly. */
	ck_assert_int_eq(chmod(d1, 0444), 0);
	if (geteuid() != 0)
		REJECT(",readonly", "--kernel", "k", "--disk", d1);
	snprintf(ro, sizeof(ro), "%s,readonly", d1);
	ck_assert_int_eq(PARSE("--kernel", "k", "--disk", ro), CLI_RUN);
	/* Up to VM_MAX_DISKS. */
	many[n++] = "run";
	many[n++] = "--kernel";
	many[n++] = "k";
	for (i = 0; i < VM_MAX_DISKS; i++) {
		many[n++] = "--disk";
		many[n++] = d2;
	}
	many[n] = NULL;
	ck_assert_int_eq(cli_parse_run(n, many, &cfg, err, sizeof(err)), CLI_RUN);
	ck_assert_uint_eq(cfg.nr_disks, VM_MAX_DISKS);
	many[n++] = "--disk";
	many[n++] = d2;
	many[n] = NULL;
	check_rejected(cli_parse_run(n, many, &cfg, err, sizeof(err)), "at most");
	/* A new parse starts with no disks. */
	ck_assert_int_eq(PARSE("--kernel", "k"), CLI_RUN);
	ck_assert_uint_eq(cfg.nr_disks, 0);
}
END_TEST

static Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, defaults);
	tcase_add_test(tc, debug_inject_regress);
	tcase_add_test(tc, events_option);
	tcase_add_test(tc, every_option);
	tcase_add_test(tc, verbose_saturates);
	tcase_add_test(tc, mem_sizes);
	tcase_add_test(tc, cpus);
	tcase_add_test(tc, serial);
	tcase_add_test(tc, on_reboot_and_timeout);
	tcase_add_test(tc, missing_kernel);
	tcase_add_test(tc, unknown_option);
	tcase_add_test(tc, missing_value);
	tcase_add_test(tc, stray_argument);
	tcase_add_test(tc, parse_twice);
	tcase_add_test(tc, debug_inject);
	tcase_add_test(tc, help);
	suite_add_tcase(s, tc);

	tc = tcase_create("firmware_and_disks");
	tcase_add_checked_fixture(tc, fw_setup, fw_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, firmware_options);
	tcase_add_test(tc, firmware_rejected);
	tcase_add_test(tc, uefi_option);
	tcase_add_test(tc, disks);
	tcase_add_test(tc, vsm_option);
	tcase_add_test(tc, isolation);
	tcase_add_test(tc, gdb_option);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(cli_suite)
