/* SPDX-License-Identifier: MIT */
/*
 * Command-line parsing for `hvmm run`. No I/O besides the usage text and
 * checking that the files --disk, --firmware and --uefi-vars name can be
 * used (open/stat only, nothing is created), so the unit tests can drive
 * it with any argv.
 */
#ifndef HVMM_CLI_H
#define HVMM_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "vm.h"

#define HVMM_VERSION "0.1.0"
#define CLI_DEFAULT_MEM (512ULL << 20)
#define CLI_DEFAULT_SHUTDOWN_GRACE 30
#define CLI_DEFAULT_CMDLINE "console=ttyS0 panic=-1"
#define CLI_BOOT_DELAY_MAX_MS 60000 /* --debug-inject boot-delay=MS */

enum cli_result {
	CLI_RUN = 0,   /* cfg is complete; boot it */
	CLI_HELP = 1,  /* help or version was printed; exit 0 */
};

/*
 * Parse the options that follow `hvmm run`. argv[0] is the subcommand
 * name. Returns CLI_RUN or CLI_HELP, or -EINVAL with a one-line reason
 * in `err` (exit status 2). Strings in cfg point into argv, except
 * disks[].path (a static copy without ",readonly": valid until the next
 * call) and the firmware --uefi picks (a constant). With --uefi,
 * cfg->firmware is FW_DEFAULT_CODE and cfg->uefi stays set; the default
 * variable store is firmware_vars_path()'s business (firmware.h).
 * A firmware makes --kernel optional.
 */
int cli_parse_run(int argc, char **argv, struct vm_config *cfg, char *err, size_t errlen);

void cli_usage(FILE *f);

#endif
