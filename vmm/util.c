// SPDX-License-Identifier: MIT
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int log_level = LOG_WARN;

static const char *const level_names[] = {
	[LOG_ERR] = "error", [LOG_WARN] = "warning",
	[LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

static pthread_mutex_t log_direct_lock = PTHREAD_MUTEX_INITIALIZER;
static bool log_direct_stalled; /* the last line timed out: do not wait again */
static log_sink_fn log_sink;

void log_set_sink(log_sink_fn sink)
{
	__atomic_store_n(&log_sink, sink, __ATOMIC_RELEASE);
}

/*
 * Write to stderr, waiting for room with poll() rather than in write():
 * a line (at most PIPE_BUF bytes) that a pipe polls writable for goes in
 * at once. Serialised, so two threads cannot both see room for one line.
 */
static void log_write_direct(const char *buf, size_t len)
{
	uint64_t end;
	bool first = true;

	pthread_mutex_lock(&log_direct_lock);
	end = monotonic_ms() + (log_direct_stalled ? 0 : LOG_DIRECT_WAIT_MS);
	while (len) {
		struct pollfd p = { .fd = STDERR_FILENO, .events = POLLOUT };
		uint64_t now = monotonic_ms();
		int wait = now < end ? (int)(end - now) : 0, r;
		ssize_t n;

		if (!wait && !first) {
			log_direct_stalled = true;
			break;
		}
		first = false;
		r = poll(&p, 1, wait);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			log_direct_stalled = true;
			break;
		}
		/* POLLERR, POLLHUP, POLLNVAL: write() says what is wrong. */
		n = write(STDERR_FILENO, buf, len);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			log_direct_stalled = false;
		} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
			break; /* stderr is gone (EPIPE, EBADF, ...): nobody to tell */
		}
	}
	pthread_mutex_unlock(&log_direct_lock);
}

static void log_emit(const char *buf, size_t len)
{
	log_sink_fn sink = __atomic_load_n(&log_sink, __ATOMIC_ACQUIRE);

	if (sink)
		sink(buf, len); /* counts what it drops */
	else
		log_write_direct(buf, len);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	if ((int)lvl > log_level)
		return;
	n = snprintf(buf, sizeof(buf), "hvmm: %s: ", level_names[lvl]);
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	n = (int)strlen(buf);
	/* Every line ends in a newline, a truncated one too. */
	if (buf[n - 1] != '\n') {
		if (n < (int)sizeof(buf) - 1)
			n++;
		buf[n - 1] = '\n';
		buf[n] = 0;
	}
	/* One piece keeps lines from different threads whole. */
	log_emit(buf, (size_t)n);
}

static ssize_t log_file_write(void *cookie, const char *buf, size_t len)
{
	(void)cookie;
	log_emit(buf, len);
	return (ssize_t)len;
}

static FILE *log_stream;
static pthread_once_t log_stream_once = PTHREAD_ONCE_INIT;

static void log_stream_open(void)
{
	cookie_io_functions_t io = { .write = log_file_write };

	log_stream = fopencookie(NULL, "w", io);
	/* Line-buffered: each flush hands log_emit() whole lines. */
	if (log_stream)
		setvbuf(log_stream, NULL, _IOLBF, BUFSIZ);
}

FILE *log_file(void)
{
	pthread_once(&log_stream_once, log_stream_open);
	return log_stream ? log_stream : stderr;
}

uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t monotonic_ms(void)
{
	return monotonic_ns() / 1000000ULL;
}

struct timespec timespec_after_ms(clockid_t clk, uint64_t ms)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

bool ratelimit_ok(struct ratelimit *rl)
{
	uint64_t now = monotonic_ms();
	bool ok;

	while (__atomic_exchange_n(&rl->lock, 1, __ATOMIC_ACQUIRE))
		;
	if (rl->last_ms == 0)
		rl->last_ms = now;
	if (rl->interval_ms > 0) {
		uint64_t refill = (now - rl->last_ms) / (uint64_t)rl->interval_ms;

		if (refill) {
			rl->tokens = (int)MIN((uint64_t)rl->burst, rl->tokens + refill);
			rl->last_ms = now;
		}
	}
	ok = rl->tokens > 0;
	if (ok)
		rl->tokens--;
	else
		rl->missed++;
	__atomic_store_n(&rl->lock, 0, __ATOMIC_RELEASE);
	return ok;
}

int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	/* strtoull skips blanks and accepts a sign, negating "-1" to 2^64-1. */
	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case 0:
		break;
	case 'k': case 'K': mul = KiB; end++; break;
	case 'm': case 'M': mul = MiB; end++; break;
	case 'g': case 'G': mul = GiB; end++; break;
	case 't': case 'T': mul = 1024 * GiB; end++; break;
	default:
		return -EINVAL;
	}
	if (*end == 'i' || *end == 'I')
		end++;
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end)
		return -EINVAL;
	if (v > UINT64_MAX / mul)
		return -EINVAL;
	*out = v * mul;
	return 0;
}

int read_file(const char *path, uint8_t **bufp, size_t *lenp)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t got = 0;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		goto out;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	*bufp = buf;
	*lenp = got;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	close(fd);
	return ret;
}

int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
