// SPDX-License-Identifier: MIT
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "firmware.h"
#include "gdb/gdb_server.h"
#include "util.h"

enum {
	OPT_KERNEL = 0x100, OPT_INITRD, OPT_CMDLINE, OPT_MEM, OPT_CPUS, OPT_SERIAL,
	OPT_ON_REBOOT, OPT_TIMEOUT, OPT_STATS, OPT_HYPERV, OPT_DEBUG_INJECT,
	OPT_SHUTDOWN_GRACE, OPT_API, OPT_FIRMWARE, OPT_UEFI_VARS, OPT_UEFI, OPT_DISK,
	OPT_ISOLATION, OPT_VSM, OPT_EVENTS, OPT_GDB, OPT_GDB_WAIT,
};

static const struct option run_opts[] = {
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "initrd", required_argument, NULL, OPT_INITRD },
	{ "cmdline", required_argument, NULL, OPT_CMDLINE },
	{ "append", required_argument, NULL, OPT_CMDLINE },
	{ "mem", required_argument, NULL, OPT_MEM },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "serial", required_argument, NULL, OPT_SERIAL },
	{ "on-reboot", required_argument, NULL, OPT_ON_REBOOT },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "hyperv", required_argument, NULL, OPT_HYPERV },
	{ "isolation", required_argument, NULL, OPT_ISOLATION },
	{ "vsm", required_argument, NULL, OPT_VSM },
	{ "debug-inject", required_argument, NULL, OPT_DEBUG_INJECT },
	{ "shutdown-grace", required_argument, NULL, OPT_SHUTDOWN_GRACE },
	{ "api", required_argument, NULL, OPT_API },
	{ "firmware", required_argument, NULL, OPT_FIRMWARE },
	{ "uefi-vars", required_argument, NULL, OPT_UEFI_VARS },
	{ "uefi", no_argument, NULL, OPT_UEFI },
	{ "disk", required_argument, NULL, OPT_DISK },
	{ "events", required_argument, NULL, OPT_EVENTS },
	{ "gdb", required_argument, NULL, OPT_GDB },
	{ "gdb-wait", no_argument, NULL, OPT_GDB_WAIT },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

void cli_usage(FILE *f)
{
	fprintf(f,
"usage: hvmm run --kernel FILE [options]\n"
"       hvmm run --uefi | --firmware FILE [--kernel FILE] [options]\n"
"       hvmm ctl [--timeout S] SOCKET status [--json] | regs | shutdown [--reboot] [--force]\n"
"                | remove DEV | add DEV\n"
"       hvmm regress [options] [-- hvmm run options...]   (see hvmm regress --help)\n"
"       hvmm --help | --version\n"
"\n"
"Boot a kernel on KVM. FILE may be a Linux bzImage, an ELF kernel (vmlinux\n"
"with a PVH note, or a plain 64-bit ELF) or a Multiboot v1 kernel. With a\n"
"UEFI firmware (Debian's OVMF) the firmware boots instead: from --disk, or the\n"
"--kernel/--initrd/--cmdline it is handed.\n"
"\n"
"options for run:\n"
"  --kernel FILE        kernel image (required without a firmware)\n"
"  --initrd FILE        initial ramdisk (Linux) or first module (Multiboot)\n"
"  --cmdline STRING     kernel command line (default \"" CLI_DEFAULT_CMDLINE "\")\n"
"  --mem SIZE           guest RAM, e.g. 512M, 2G (default 512M; 16M..1T, 2M multiple)\n"
"  --cpus N             vCPUs, 1..%d (default 1)\n"
"  --serial MODE        COM1 output: stdio (default), file:PATH, none\n"
"  --on-reboot ACTION   exit (default) or restart when the guest reboots\n"
"  --timeout SECONDS    stop the guest after SECONDS (exit status 5)\n"
"  --hyperv on|off      Hyper-V enlightenments and VMBus (default on)\n"
"  --isolation none|vbs what the guest is told about isolation (default none);\n"
"                       vbs: a VBS-isolated partition (needs --hyperv on)\n"
"  --vsm on|off         emulate Virtual Secure Mode, VTL0 and VTL1 (default off;\n"
"                       needs --hyperv on; docs/vsm.md)\n"
"  --shutdown-grace S   on SIGINT/SIGTERM ask the guest to shut down through\n"
"                       the shutdown IC and stop it after S seconds (default %d;\n"
"                       0 = stop at once)\n"
"  --api unix:PATH      control socket for `hvmm ctl PATH COMMAND`\n"
"  --events PATH|fd:N   write one JSON line per boot stage (docs/regress.md)\n"
"  --gdb tcp:[HOST:]PORT | unix:PATH\n"
"                       serve gdb's remote protocol (HOST: 127.0.0.1 unless\n"
"                       given; docs/gdbstub.md); `target remote :PORT`\n"
"  --gdb-wait           hold every vCPU before its first instruction until\n"
"                       gdb resumes it\n"
"  --firmware FILE      UEFI firmware: OVMF_CODE_4M.fd, OVMF_CODE.fd or OVMF.fd\n"
"                       (not the Secure Boot builds: *.secboot.fd, *.ms.fd)\n"
"  --uefi-vars FILE     writable UEFI variable store, created from the\n"
"                       firmware's OVMF_VARS template on first use (default:\n"
"                       variables last until the VM ends)\n"
"  --uefi               --firmware " FW_DEFAULT_CODE "\n"
"                       with the store DISK" FW_DISK_VARS_SUFFIX " next to the first --disk file,\n"
"                       else $XDG_STATE_HOME/" FW_STATE_NAME "\n"
"                       (~/.local/state/...); --uefi-vars overrides it\n"
"  --disk FILE[,readonly]  virtio-blk disk: a raw image or a block device\n"
"                       (repeatable, up to %d)\n"
"  --debug-inject WHAT  for tests (repeatable):\n"
"                       late-event-port: restore the VMBus bug where a\n"
"                       channel's first signal to the guest is lost\n"
"                       rtc-offset=SECONDS: start the guest's RTC that far\n"
"                       (may be negative) from the host's time\n"
"                       firmware-payload: map --firmware (and its store)\n"
"                       but start --kernel directly, not the firmware\n"
"                       drop-eom: ignore the guest's end-of-message, so a\n"
"                       VMBus message waiting for a free SynIC slot is lost\n"
"                       boot-delay=MS: start the boot vCPU MS ms late\n"
"                       (0..%d)\n"
"  --stats              print VM-exit statistics at the end\n"
"  -v, --verbose        more log output (repeat for debug)\n"
"  -q, --quiet          errors only\n"
"\n"
"exit status:\n"
"  0  the guest powered off\n"
"  1  internal error (KVM or host failure)\n"
"  2  bad command line, or a kernel/initrd/firmware/disk that cannot be used\n"
"  3  the guest rebooted (with --on-reboot exit)\n"
"  4  the guest crashed: triple fault or unhandled exit (registers are printed)\n"
"  5  --timeout expired\n"
"  6  stopped by SIGINT or SIGTERM\n"
"  7  the guest panicked and said so through the Hyper-V crash MSRs (its crash\n"
"     parameters and last console lines are printed)\n",
		VM_MAX_CPUS, CLI_DEFAULT_SHUTDOWN_GRACE, VM_MAX_DISKS, CLI_BOOT_DELAY_MAX_MS);
}

static int cli_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int cli_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	/* Digits only: strtoul would skip blanks and negate " -N". */
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* A signed number of seconds within +-`max`: an optional sign, then digits only. */
static int parse_sint(const char *s, long long max, int64_t *out)
{
	const char *digits = (*s == '-' || *s == '+') ? s + 1 : s;
	char *end;
	long long v;

	if (*digits < '0' || *digits > '9')
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < -max || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

#define RTC_OFFSET_MAX (100LL * 366 * 24 * 3600) /* a century either way */

static int cli_debug_inject(const char *arg, struct vm_config *cfg, char *err, size_t errlen)
{
	if (!strcmp(arg, "late-event-port")) {
		cfg->late_event_port = true;
		return 0;
	}
	if (!strncmp(arg, "rtc-offset=", 11)) {
		if (parse_sint(arg + 11, RTC_OFFSET_MAX, &cfg->rtc_offset_s))
			return cli_err(err, errlen,
				       "--debug-inject: '%s' wants a number of seconds within +-%lld",
				       arg, RTC_OFFSET_MAX);
		return 0;
	}
	if (!strcmp(arg, "firmware-payload")) {
		cfg->fw_payload = true;
		return 0;
	}
	if (!strcmp(arg, "drop-eom")) {
		cfg->drop_eom = true;
		return 0;
	}
	if (!strncmp(arg, "boot-delay=", 11)) {
		unsigned long ms;

		if (parse_uint(arg + 11, 0, CLI_BOOT_DELAY_MAX_MS, &ms))
			return cli_err(err, errlen,
				       "--debug-inject: '%s' wants milliseconds from 0 to %d",
				       arg, CLI_BOOT_DELAY_MAX_MS);
		cfg->boot_delay_ms = (unsigned int)ms;
		return 0;
	}
	return cli_err(err, errlen,
		       "--debug-inject: '%s' is not late-event-port, rtc-offset=SECONDS, "
		       "firmware-payload, drop-eom or boot-delay=MS", arg);
}

/* --disk paths without their ",readonly": cfg points here (argv stays untouched). */
static char disk_paths[VM_MAX_DISKS][PATH_MAX];

/* --disk PATH[,readonly]: a comma ends the path, so a path cannot contain one. */
static int cli_disk(const char *arg, struct vm_config *cfg, char *err, size_t errlen)
{
	const char *comma = strchr(arg, ',');
	size_t len = comma ? (size_t)(comma - arg) : strlen(arg);
	struct disk_config *d;

	if (cfg->nr_disks >= VM_MAX_DISKS)
		return cli_err(err, errlen, "--disk: at most %d disks", VM_MAX_DISKS);
	if (!len || len >= PATH_MAX)
		return cli_err(err, errlen, "--disk: '%s' is not PATH[,readonly]", arg);
	if (comma && strcmp(comma + 1, "readonly"))
		return cli_err(err, errlen, "--disk: unknown option '%s' (only ,readonly)",
			       comma + 1);
	d = &cfg->disks[cfg->nr_disks];
	memcpy(disk_paths[cfg->nr_disks], arg, len);
	disk_paths[cfg->nr_disks][len] = 0;
	d->path = disk_paths[cfg->nr_disks];
	d->readonly = comma != NULL;
	cfg->nr_disks++;
	return 0;
}

/* A disk must open the way virtio-blk will open it: read-write unless ,readonly. */
static int cli_check_disk(const struct disk_config *d, char *err, size_t errlen)
{
	struct stat st;
	int fd, e;

	fd = open(d->path, (d->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		return cli_err(err, errlen, "--disk %s: %s%s", d->path, strerror(e),
			       !d->readonly && (e == EACCES || e == EROFS || e == EPERM)
			       ? " (add ,readonly to use it read-only)" : "");
	}
	e = fstat(fd, &st) ? errno : 0;
	close(fd);
	if (e || (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)))
		return cli_err(err, errlen, "--disk %s is not a file or a block device", d->path);
	return 0;
}

/* The checks that need every option: firmware vs. kernel, and the files. */
static int cli_validate(struct vm_config *cfg, char *err, size_t errlen)
{
	unsigned int i;
	int ret;

	if (cfg->uefi && cfg->firmware)
		return cli_err(err, errlen, "--uefi and --firmware exclude each other "
			       "(--uefi is --firmware %s)", FW_DEFAULT_CODE);
	if (cfg->uefi) {
		cfg->firmware = FW_DEFAULT_CODE;
		if (access(FW_DEFAULT_CODE, R_OK))
			return cli_err(err, errlen, "--uefi needs %s (Debian package ovmf): %s",
				       FW_DEFAULT_CODE, strerror(errno));
	}
	if (cfg->uefi_vars && !cfg->firmware)
		return cli_err(err, errlen, "--uefi-vars needs --firmware or --uefi");
	if (cfg->isolation != ISOLATION_NONE && !cfg->hyperv)
		return cli_err(err, errlen, "--isolation vbs needs --hyperv on");
	if (cfg->drop_eom && !cfg->hyperv)
		return cli_err(err, errlen, "--debug-inject drop-eom needs --hyperv on");
	if (cfg->gdb_wait && !cfg->gdb)
		return cli_err(err, errlen, "--gdb-wait needs --gdb");
	if (cfg->vsm && !cfg->hyperv)
		return cli_err(err, errlen, "--vsm on needs --hyperv on");
	if (!cfg->kernel && !cfg->firmware)
		return cli_err(err, errlen, "--kernel FILE is required (or --firmware FILE, --uefi)");
	if (!cfg->kernel && cfg->initrd)
		return cli_err(err, errlen, "--initrd needs --kernel");
	for (i = 0; i < cfg->nr_disks; i++) {
		ret = cli_check_disk(&cfg->disks[i], err, errlen);
		if (ret)
			return ret;
	}
	ret = firmware_check_config(cfg, err, errlen);
	return ret ? -EINVAL : 0;
}

static int cli_opt(int c, const char *arg, struct vm_config *cfg, char *err, size_t errlen)
{
	unsigned long v;

	switch (c) {
	case OPT_KERNEL:
		cfg->kernel = arg;
		break;
	case OPT_INITRD:
		cfg->initrd = arg;
		break;
	case OPT_CMDLINE:
		cfg->cmdline = arg;
		break;
	case OPT_MEM:
		if (parse_size(arg, &cfg->mem_size))
			return cli_err(err, errlen, "--mem: '%s' is not a size like 512M or 2G", arg);
		if (cfg->mem_size < 16 * MiB || cfg->mem_size > 1024 * GiB ||
		    cfg->mem_size % (2 * MiB))
			return cli_err(err, errlen,
				       "--mem: %s is out of range (16M..1T, a multiple of 2M)", arg);
		break;
	case OPT_CPUS:
		if (parse_uint(arg, 1, VM_MAX_CPUS, &v))
			return cli_err(err, errlen, "--cpus: '%s' is not a number from 1 to %d",
				       arg, VM_MAX_CPUS);
		cfg->ncpus = (unsigned int)v;
		break;
	case OPT_SERIAL:
		if (!strcmp(arg, "stdio")) {
			cfg->serial = SERIAL_STDIO;
		} else if (!strcmp(arg, "none")) {
			cfg->serial = SERIAL_NONE;
		} else if (!strncmp(arg, "file:", 5) && arg[5]) {
			cfg->serial = SERIAL_FILE;
			cfg->serial_path = arg + 5;
		} else {
			return cli_err(err, errlen,
				       "--serial: '%s' is not stdio, none or file:PATH", arg);
		}
		break;
	case OPT_ON_REBOOT:
		if (!strcmp(arg, "exit"))
			cfg->on_reboot = ON_REBOOT_EXIT;
		else if (!strcmp(arg, "restart"))
			cfg->on_reboot = ON_REBOOT_RESTART;
		else
			return cli_err(err, errlen, "--on-reboot: '%s' is not exit or restart", arg);
		break;
	case OPT_TIMEOUT:
		if (parse_uint(arg, 1, 7 * 24 * 3600, &v))
			return cli_err(err, errlen, "--timeout: '%s' is not a number of seconds", arg);
		cfg->timeout_s = (unsigned int)v;
		break;
	case OPT_STATS:
		cfg->stats = true;
		break;
	case OPT_DEBUG_INJECT:
		return cli_debug_inject(arg, cfg, err, errlen);
	case OPT_SHUTDOWN_GRACE:
		if (parse_uint(arg, 0, 3600, &v))
			return cli_err(err, errlen,
				       "--shutdown-grace: '%s' is not a number of seconds (0-3600)",
				       arg);
		cfg->shutdown_grace_s = (unsigned int)v;
		break;
	case OPT_API:
		if (strncmp(arg, "unix:", 5) || !arg[5] || strlen(arg + 5) > 100)
			return cli_err(err, errlen, "--api: '%s' is not unix:PATH", arg);
		cfg->api_path = arg + 5;
		break;
	case OPT_FIRMWARE:
		cfg->firmware = arg;
		break;
	case OPT_UEFI_VARS:
		cfg->uefi_vars = arg;
		break;
	case OPT_UEFI:
		cfg->uefi = true;
		break;
	case OPT_DISK:
		return cli_disk(arg, cfg, err, errlen);
	case OPT_HYPERV:
		if (!strcmp(arg, "on"))
			cfg->hyperv = true;
		else if (!strcmp(arg, "off"))
			cfg->hyperv = false;
		else
			return cli_err(err, errlen, "--hyperv: '%s' is not on or off", arg);
		break;
	case OPT_ISOLATION:
		if (!strcmp(arg, "none"))
			cfg->isolation = ISOLATION_NONE;
		else if (!strcmp(arg, "vbs"))
			cfg->isolation = ISOLATION_VBS;
		else
			return cli_err(err, errlen, "--isolation: '%s' is not none or vbs", arg);
		break;
	case OPT_VSM:
		if (!strcmp(arg, "on"))
			cfg->vsm = true;
		else if (!strcmp(arg, "off"))
			cfg->vsm = false;
		else
			return cli_err(err, errlen, "--vsm: '%s' is not on or off", arg);
		break;
	case OPT_EVENTS:
		/* Opened by `hvmm run` (events_open); here only the form is checked. */
		if (!arg[0] || (!strncmp(arg, "fd:", 3) && parse_uint(arg + 3, 0, INT_MAX, &v)))
			return cli_err(err, errlen, "--events: '%s' is not PATH or fd:N", arg);
		cfg->events = arg;
		break;
	case OPT_GDB: {
		struct gdb_addr a;

		if (gdb_addr_parse(arg, &a))
			return cli_err(err, errlen,
				       "--gdb: '%s' is not tcp:PORT, tcp:HOST:PORT or unix:PATH", arg);
		cfg->gdb = arg;
		break;
	}
	case OPT_GDB_WAIT:
		cfg->gdb_wait = true;
		break;
	case 'v':
		if (log_level < LOG_DEBUG)
			log_level++;
		break;
	case 'q':
		log_level = LOG_ERR;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

/*
 * getopt's optopt is the letter of a bad short option, but for a long
 * option with a missing or unexpected value it is the option's `val`
 * (OPT_* >= 0x100, or the letter of its short twin), and 0 for an
 * unknown one. Name long forms by the argument as typed.
 */
static int cli_bad_opt(char **argv, char *err, size_t errlen)
{
	const char *arg = argv[optind - 1];

	if (optopt > 0 && optopt < 0x100 && strncmp(arg, "--", 2))
		return cli_err(err, errlen, "option -%c is unknown", optopt);
	return cli_err(err, errlen, "option '%s' is unknown, or its value is missing or not allowed",
		       arg);
}

int cli_parse_run(int argc, char **argv, struct vm_config *cfg, char *err, size_t errlen)
{
	int c, ret;

	memset(cfg, 0, sizeof(*cfg));
	cfg->mem_size = CLI_DEFAULT_MEM;
	cfg->ncpus = 1;
	cfg->cmdline = CLI_DEFAULT_CMDLINE;
	cfg->serial = SERIAL_STDIO;
	cfg->hyperv = true;
	cfg->shutdown_grace_s = CLI_DEFAULT_SHUTDOWN_GRACE;
	err[0] = 0;
	optind = 0; /* full reset: callers (tests) parse more than once */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+vqh", run_opts, NULL)) != -1) {
		if (c == 'h') {
			cli_usage(stdout);
			return CLI_HELP;
		}
		if (c == '?' || c == ':')
			return cli_bad_opt(argv, err, errlen);
		ret = cli_opt(c, optarg, cfg, err, errlen);
		if (ret)
			return ret;
	}
	if (optind < argc)
		return cli_err(err, errlen, "unexpected argument '%s'", argv[optind]);
	ret = cli_validate(cfg, err, errlen);
	return ret ? ret : CLI_RUN;
}
