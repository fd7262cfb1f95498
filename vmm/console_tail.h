/* SPDX-License-Identifier: MIT */
/*
 * The last few KiB the guest wrote to its console, kept so that a crash
 * report can show them: the console itself may have gone to a terminal
 * long scrolled away, to a file, or to a reader that dropped bytes.
 *
 * One per process: hvmm runs one VM at a time and its console is COM1;
 * the tail carries over an --on-reboot restart on purpose (the lines
 * before a reboot explain it). The UART feeds it every byte the guest
 * transmits. Thread-safe.
 */
#ifndef HVMM_CONSOLE_TAIL_H
#define HVMM_CONSOLE_TAIL_H

#include <stddef.h>
#include <stdint.h>

#define CONSOLE_TAIL_SIZE 16384 /* HV_CRASH_TAIL_LINES of up to ~130 bytes */

/* Record one byte the guest transmitted. */
void console_tail_put(uint8_t c);

/*
 * Copy the last `max_lines` lines into `buf` (NUL-terminated, at most
 * cap - 1 bytes, each line ending in '\n'): carriage returns dropped,
 * other control bytes shown as '?', a line cut by the ring's start
 * dropped, an unfinished last line kept. Returns the number of lines.
 */
unsigned int console_tail_lines(char *buf, size_t cap, unsigned int max_lines);

/* Forget everything (tests). */
void console_tail_reset(void);

#endif
