// SPDX-License-Identifier: MIT
/* hvmm's entry point: subcommand dispatch. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "cli.h"
#include "events.h"
#include "regress/regress.h"
#include "util.h"
#include "vm.h"

static int cmd_run(int argc, char **argv)
{
	struct vm_config cfg;
	char err[256];
	sigset_t set;
	int ret;

	/*
	 * A SIGTERM that arrives while images load must not kill us with the
	 * default action: block it now, vm_main() reads it from a signalfd.
	 */
	vm_block_stop_signals(&set);
	ret = cli_parse_run(argc, argv, &cfg, err, sizeof(err));

	if (ret == CLI_HELP)
		return 0;
	if (ret < 0) {
		pr_err("%s (see hvmm --help)", err);
		return HVMM_EXIT_USAGE;
	}
	if (cfg.events && events_open(cfg.events, err, sizeof(err))) {
		pr_err("%s", err);
		return HVMM_EXIT_USAGE;
	}
	ret = vm_main(&cfg);
	/* Every VM thread is joined: `exit` is the last line. */
	events_exit(ret);
	events_close(EVENTS_FLUSH_MS);
	return ret;
}

int main(int argc, char **argv)
{
	/*
	 * A reader that goes away (a control client that closes early,
	 * `hvmm run | head`, a closed stderr) must cost an EPIPE, never the
	 * process: every writer handles the error where it happens.
	 */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		cli_usage(stderr);
		return HVMM_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "ctl"))
		return api_client(argc - 1, argv + 1);
	if (!strcmp(argv[1], "regress"))
		return regress_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		cli_usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("hvmm %s\n", HVMM_VERSION);
		return 0;
	}
	pr_err("unknown command '%s' (see hvmm --help)", argv[1]);
	return HVMM_EXIT_USAGE;
}
