// SPDX-License-Identifier: MIT
/*
 * hvmm's log while a VM runs: lines go into a serial_out (the bounded
 * buffer with a writer thread that also carries COM1), so no thread ever
 * waits for stderr. Kept apart from util.c so that what links util.c
 * alone (the fuzzers) does not need serial_out.c.
 */
#include <inttypes.h>
#include <unistd.h>

#include "serial_out.h"
#include "util.h"

static struct serial_out log_out;
static bool log_async_on; /* only the thread that starts and stops it */

static bool log_async_sink(const char *line, size_t len)
{
	return serial_out_put_whole(&log_out, (const uint8_t *)line, len);
}

int log_async_start(void)
{
	static const struct serial_out_opts opts = {
		.thread_name = "log-out",
		.quiet = true, /* a failed stderr has nobody to tell */
		.whole_lines = true,
	};
	int ret;

	if (log_async_on)
		return 0;
	ret = serial_out_init_opts(&log_out, STDERR_FILENO, &opts);
	if (ret)
		return ret;
	log_async_on = true;
	log_set_sink(log_async_sink);
	return 0;
}

void log_async_stop(unsigned int flush_ms)
{
	uint64_t lost;

	if (!log_async_on)
		return;
	/* Lines logged from here on (there should be none) are dropped, counted. */
	serial_out_stop(&log_out, flush_ms);
	log_set_sink(NULL);
	lost = serial_out_dropped_lines(&log_out);
	serial_out_destroy(&log_out);
	log_async_on = false;
	if (lost)
		pr_warn("%" PRIu64 " log line(s) dropped (stderr was not read fast enough, "
			"or was closed)", lost);
}
