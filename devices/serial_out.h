/* SPDX-License-Identifier: MIT */
/*
 * The host end of a serial line: a bounded buffer between a device that
 * must never block (a vCPU writing the UART's THR) and a host fd that may
 * (a terminal or pipe whose reader stalls, a reader that went away).
 *
 * Like a real serial line into a slow terminal, the line never waits:
 * serial_out_put() only appends to the buffer under a mutex, and bytes
 * that do not fit are dropped and counted. A writer thread owned by the
 * serial_out drains the buffer with write(). An output that fails for
 * good (EPIPE: the reader closed; EIO, ENOSPC, ...) is reported once, and
 * everything written after it is counted as dropped; the guest never
 * notices. The writer blocks SIGPIPE for itself, so a closed pipe gives
 * EPIPE even in a process that does not ignore SIGPIPE.
 *
 * Stopping is bounded: serial_out_stop() lets the writer flush while it
 * makes progress, up to a time limit, then interrupts a write() that
 * still blocks (SERIAL_OUT_KICK_SIGNAL, whose no-op handler
 * serial_out_init() installs without SA_RESTART) and counts what was left
 * as dropped.
 *
 * The same line carries hvmm's own log while a VM runs (log_async.c):
 * serial_out_init_opts() makes a line that writes only whole text lines
 * and does not report its own failure, and serial_out_put_whole() queues
 * a record all or nothing.
 */
#ifndef HVMM_SERIAL_OUT_H
#define HVMM_SERIAL_OUT_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SERIAL_OUT_BUF_SIZE (64 * 1024)
#define SERIAL_OUT_KICK_SIGNAL SIGUSR2
/* serial_out_stop() gives up on an output that took nothing this long. */
#define SERIAL_OUT_STALL_MS 250

struct serial_out_opts {
	const char *thread_name; /* the writer's name, at most 15 characters */
	bool quiet;              /* a failed output is not logged (it is the log's own) */
	/*
	 * Each write() ends at a newline and is at most PIPE_BUF bytes when
	 * the text allows, so a pipe gets whole lines even from a write()
	 * cut short at stop (POSIX: such writes to a pipe are atomic).
	 */
	bool whole_lines;
};

struct serial_out {
	pthread_mutex_t lock;
	pthread_cond_t data;     /* writer: bytes queued, or stop */
	pthread_cond_t progress; /* serial_out_stop(): bytes written, or failure */
	uint8_t *buf;            /* ring of SERIAL_OUT_BUF_SIZE bytes */
	size_t head, len;
	int fd;                  /* -1: output discarded, nothing counted */
	bool started, stopping, abandon, failed;
	struct serial_out_opts opts;
	pthread_t thread;
	uint64_t written;        /* bytes that reached the fd */
	uint64_t dropped;        /* bytes lost: buffer full, failed output, not flushed */
	uint64_t dropped_nl;     /* newlines among them: lines lost, whole or in part */
};

/* Start the line on `fd` (not owned; -1 discards output). 0 or -errno. */
int serial_out_init(struct serial_out *o, int fd);

/* The same with options (NULL: serial_out_init()'s defaults). */
int serial_out_init_opts(struct serial_out *o, int fd, const struct serial_out_opts *opts);

/* Queue bytes; never blocks on the output. What does not fit is dropped. Thread-safe. */
void serial_out_put(struct serial_out *o, const uint8_t *data, size_t len);

/*
 * Queue all `len` bytes or none (counted as dropped); never blocks.
 * Returns whether they were queued. Thread-safe.
 */
bool serial_out_put_whole(struct serial_out *o, const uint8_t *data, size_t len);

/*
 * Flush for at most flush_ms (less once the output takes nothing for
 * SERIAL_OUT_STALL_MS), then stop the writer; later puts are dropped.
 * Idempotent; returns in about flush_ms plus a few ms.
 */
void serial_out_stop(struct serial_out *o, unsigned int flush_ms);

/* serial_out_stop(o, 0) if still running, then free everything. */
void serial_out_destroy(struct serial_out *o);

/* Counters and queue length, read consistently. Thread-safe. */
void serial_out_stats(struct serial_out *o, uint64_t *written, uint64_t *dropped,
		      size_t *queued);

/* Newlines among the dropped bytes (lines lost, whole or in part). Thread-safe. */
uint64_t serial_out_dropped_lines(struct serial_out *o);

#endif
