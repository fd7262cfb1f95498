/* SPDX-License-Identifier: MIT */
/*
 * VMM events: `hvmm run --events PATH|fd:N` writes one JSON object per
 * line for each boot stage (docs/regress.md section 1 is the contract:
 * names, fields, order). The regression runner reads them as they come.
 *
 * Threading and cost: every hvmm thread may emit. A line is formatted on
 * the caller's stack, then its timestamp is taken and the line appended
 * to a bounded buffer under one mutex, so `t` never decreases from one
 * line to the next. A writer thread of its own empties the buffer to the
 * file, line by line: a vCPU never waits for the disk or a pipe reader.
 * A full buffer drops lines (counted); a write error (full disk, a closed
 * pipe) is counted and the file given up. With --events off every
 * events_* function returns after one NULL check.
 *
 * Time: `t` = seconds since the VM was started (events_mark_start, the
 * `start` event), CLOCK_MONOTONIC, printed with microsecond precision.
 * events_time() gives other parts (control socket status) the same base,
 * with or without --events.
 */
#ifndef HVMM_EVENTS_H
#define HVMM_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm_config;

#define EVENTS_LINE_MAX 1024      /* one formatted line, without the "t" prefix */
#define EVENTS_BUF_SIZE (64 * 1024)
#define EVENTS_FLUSH_MS 2000      /* events_close: bounded wait for the writer */

/*
 * Start writing to `spec`: "fd:N" (a descriptor open for writing, N
 * decimal digits; it is taken over and closed by events_close) or a path
 * (created or truncated). 0, or -errno with a one-line reason in err.
 * One stream per process; -EBUSY if already open.
 */
int events_open(const char *spec, char *err, size_t errlen);

/*
 * Drain the buffer to the file (at most flush_ms), stop the writer and
 * close the file (an fd:N too). Events emitted afterwards are ignored.
 * Call it when no other thread can be emitting any more (after the VM's
 * threads are joined): a concurrent ev_emit() may still use the stream.
 */
void events_close(unsigned int flush_ms);

/* True while --events is on: the cheap test hook sites may use. */
bool events_on(void);

/*
 * Set the time base to now (the first call only: --on-reboot restart
 * keeps one timeline). Done by events_start(), also without --events.
 */
void events_mark_start(void);

/* Seconds since events_mark_start() for a monotonic_ns() value; 0 before it. */
double events_time(uint64_t mono_ns);

struct events_stats {
	uint64_t lines;     /* appended to the buffer */
	uint64_t dropped;   /* buffer full, or the file given up */
	uint64_t errors;    /* write errors (the first one gives the file up) */
	bool dead;          /* the file was given up */
};
void events_get_stats(struct events_stats *st);

/* ---- the events of docs/regress.md section 1 ---------------------------- */

void events_start(const struct vm_config *cfg);
void events_vcpu_entry(unsigned int vcpu);
/* The firmware's first read of an fw_cfg item (deduplicated here by name). */
void events_fw_cfg(const char *item);
/* The first byte the guest wrote to COM1 (later calls are ignored). */
void events_serial(void);
void events_vmbus_contact(uint32_t version, uint32_t vp, uint32_t sint);
/* ev: "vmbus_offer", "vmbus_open" or "vmbus_close". */
void events_vmbus_chan(const char *ev, uint32_t relid, const char *name);
void events_vmbus_gpadl(uint32_t relid, uint32_t gpadl, uint32_t pages);
/* fw and msg: the negotiated framework and message versions (major << 16 | minor). */
void events_ic_negotiated(const char *name, uint32_t fw, uint32_t msg);
void events_ready(const char *by);
void events_shutdown_request(const char *source, bool reboot);
void events_shutdown_ack(uint32_t status);
void events_panic(const uint64_t p[5]);
void events_fault(const char *what, unsigned int vcpu);
/* The last line: `reason` follows from hvmm's exit status (enum hvmm_exit). */
void events_exit(int status);
/* The reason name events_exit() writes for an exit status. */
const char *events_exit_reason(int status);

/* ---- building a line (for the functions above, and tests) --------------- */

struct ev_line {
	char buf[EVENTS_LINE_MAX];
	size_t len;
	bool trunc;          /* did not fit: the line is not emitted */
};

void ev_begin(struct ev_line *l, const char *ev);
/* A JSON string (escaped); NULL gives null. */
void ev_str(struct ev_line *l, const char *key, const char *val);
void ev_u64(struct ev_line *l, const char *key, uint64_t v);
void ev_bool(struct ev_line *l, const char *key, bool v);
/* `json` must already be valid JSON (an array built with ev_json_str...). */
void ev_raw(struct ev_line *l, const char *key, const char *json);
/* Stamp and queue the line. */
void ev_emit(struct ev_line *l);

/*
 * JSON string escaping into dst (always NUL-terminated, quotes included).
 * Returns the length it needed (as snprintf): >= dstlen means cut.
 */
size_t ev_json_str(char *dst, size_t dstlen, const char *s);

#endif
