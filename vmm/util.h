/* SPDX-License-Identifier: MIT */
/*
 * Small helpers shared by every part of hvmm: logging, rate limiting,
 * alignment and size helpers.
 *
 * Logging goes to stderr so that the guest's serial console, which owns
 * stdout by default, stays byte-exact.
 */
#ifndef HVMM_UTIL_H
#define HVMM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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

/* Guest-triggerable error: logged at most 10 times per 5 s per call site. */
#define pr_err_rl(...)                                                  \
	do {                                                            \
		static struct ratelimit __rl = RATELIMIT_INIT(500, 10); \
		if (ratelimit_ok(&__rl))                                \
			pr_err(__VA_ARGS__);                            \
	} while (0)

uint64_t monotonic_ms(void);
uint64_t monotonic_ns(void);

/*
 * Parse a size such as "512M", "2G", "4096" (bytes) or "64K".
 * Returns 0 or -EINVAL on a malformed or overflowing value.
 */
int parse_size(const char *s, uint64_t *out);

/* Read a whole file into a malloc'ed buffer. Returns 0 or -errno. */
int read_file(const char *path, uint8_t **buf, size_t *len);

#endif
