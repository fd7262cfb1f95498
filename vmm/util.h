/* SPDX-License-Identifier: MIT */
/*
 * Small helpers shared by every part of hvmm: logging, rate limiting,
 * alignment and size helpers.
 *
 * Logging goes to stderr so that the guest's serial console, which owns
 * stdout by default, stays byte-exact. Every line is written whole, in
 * one piece, so lines from different threads never mix.
 *
 * A stderr whose reader stalls must not stall hvmm (issue 7): outside a
 * VM run, a line waits at most LOG_DIRECT_WAIT_MS for stderr to take it
 * and is dropped after that (later lines do not wait until one gets
 * through again). While a VM runs (log_async_start() to
 * log_async_stop()), lines from every thread go into a bounded buffer
 * that a writer thread drains, so a vCPU or device thread never waits for
 * stderr at all: a line that does not fit is dropped and counted, and
 * log_async_stop() says how many were lost.
 */
#ifndef HVMM_UTIL_H
#define HVMM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define KiB (1024ULL)
#define MiB (1024ULL * KiB)
#define GiB (1024ULL * MiB)

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Messages at a level above this one are dropped. Default LOG_WARN. */
extern int log_level;

void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A direct (synchronous) line waits at most this long for stderr. */
#define LOG_DIRECT_WAIT_MS 1000

/*
 * A stream for multi-line reports (stats, VMBus state, crash reports)
 * that goes where log lines go, line by line, with the same guarantees;
 * the caller writes its own prefixes. Line-buffered; thread-safe (stdio
 * locks it). Falls back to stderr if it cannot be created.
 */
FILE *log_file(void);

/*
 * From now on, log lines are queued and written by a writer thread; call
 * before the threads of a VM run start. 0, or -errno and logging stays
 * direct. Not thread-safe against log_async_stop().
 */
int log_async_start(void);

/*
 * Back to direct logging: give queued lines at most flush_ms to drain
 * (less if stderr takes nothing for SERIAL_OUT_STALL_MS), stop the
 * writer, then log "N log lines dropped" if any were lost. No other
 * thread may log during the call. Idempotent; bounded in time.
 */
void log_async_stop(unsigned int flush_ms);

/*
 * Where log lines go instead of stderr (NULL: direct to stderr); for
 * log_async.c. The sink returns whether it took the line.
 */
typedef bool (*log_sink_fn)(const char *line, size_t len);
void log_set_sink(log_sink_fn sink);

#define pr_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define pr_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define pr_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/*
 * A token bucket for messages a guest can trigger at will: at most
 * `burst` messages, refilled at one per `interval_ms`. Callers keep one
 * static instance per call site. Thread-safe.
 */
struct ratelimit {
	int interval_ms;
	int burst;
	int tokens;
	uint64_t last_ms;
	unsigned long missed;
	int lock; /* spinlock word, see util.c */
};

#define RATELIMIT_INIT(ms, b) { .interval_ms = (ms), .burst = (b), .tokens = (b) }

bool ratelimit_ok(struct ratelimit *rl);

/* Guest-triggerable messages: logged at most 10 times per 5 s per call site. */
#define pr_ratelimited(pr, ...)                                         \
	do {                                                            \
		static struct ratelimit __rl = RATELIMIT_INIT(500, 10); \
		if (ratelimit_ok(&__rl))                                \
			pr(__VA_ARGS__);                                \
	} while (0)
#define pr_err_rl(...) pr_ratelimited(pr_err, __VA_ARGS__)
#define pr_info_rl(...) pr_ratelimited(pr_info, __VA_ARGS__)

uint64_t monotonic_ms(void);
/*
 * `ms` from now on clock `clk`, as pthread_cond_timedwait wants it: pass
 * the clock the condition variable was created with.
 */
struct timespec timespec_after_ms(clockid_t clk, uint64_t ms);
uint64_t monotonic_ns(void);

/*
 * Parse a size such as "512M", "2G", "4096" (bytes) or "64K".
 * Returns 0 or -EINVAL on a malformed or overflowing value.
 */
/* The value of one hex digit (either case), or -1. */
int hex_digit(int c);

int parse_size(const char *s, uint64_t *out);

/* Read a whole file into a malloc'ed buffer. Returns 0 or -errno. */
int read_file(const char *path, uint8_t **buf, size_t *len);

#endif
