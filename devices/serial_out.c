// SPDX-License-Identifier: MIT
#include "serial_out.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static void serial_out_kick_handler(int sig)
{
	(void)sig; /* only there to make a blocked write() return EINTR */
}

static pthread_once_t kick_once = PTHREAD_ONCE_INIT;
static int kick_ret;

static void serial_out_kick_setup(void)
{
	struct sigaction sa = { .sa_handler = serial_out_kick_handler };

	/* No SA_RESTART: the interrupted write() must come back to us. */
	sigemptyset(&sa.sa_mask);
	kick_ret = sigaction(SERIAL_OUT_KICK_SIGNAL, &sa, NULL) ? -errno : 0;
}

static uint64_t count_nl(const uint8_t *p, size_t n)
{
	const uint8_t *end = p + n;
	uint64_t c = 0;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		c++;
		p++;
	}
	return c;
}

/* Called with the lock held: count everything queued as dropped, forget it. */
static void serial_out_drop_queued(struct serial_out *o)
{
	size_t first = MIN(o->len, SERIAL_OUT_BUF_SIZE - o->head);

	if (o->len)
		o->dropped_nl += count_nl(o->buf + o->head, first) +
				 count_nl(o->buf, o->len - first);
	o->dropped += o->len;
	o->len = 0;
}

/* Called with the lock held: the output is gone for good. */
static void serial_out_fail(struct serial_out *o, int err)
{
	o->failed = true;
	serial_out_drop_queued(o);
	pthread_cond_broadcast(&o->progress);
	if (o->opts.quiet)
		return;
	pthread_mutex_unlock(&o->lock);
	pr_warn("serial output: %s; further guest console output is dropped (counted)",
		err ? strerror(err) : "end of file");
	pthread_mutex_lock(&o->lock);
}

/*
 * Called with the lock held: copy the oldest queued bytes, across the
 * ring's end, up to PIPE_BUF and back to their last newline if any.
 */
static size_t serial_out_gather_lines(struct serial_out *o, uint8_t *dst)
{
	size_t n = MIN(o->len, (size_t)PIPE_BUF);
	size_t first = MIN(n, SERIAL_OUT_BUF_SIZE - o->head);
	uint8_t *nl;

	memcpy(dst, o->buf + o->head, first);
	memcpy(dst + first, o->buf, n - first);
	nl = memrchr(dst, '\n', n);
	return nl ? (size_t)(nl - dst) + 1 : n;
}

static void *serial_out_thread(void *arg)
{
	struct serial_out *o = arg;
	uint8_t lines[PIPE_BUF];
	sigset_t set;

	pthread_setname_np(pthread_self(), o->opts.thread_name);
	/* A closed pipe must give EPIPE here, never kill the process. */
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sigemptyset(&set);
	sigaddset(&set, SERIAL_OUT_KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);

	pthread_mutex_lock(&o->lock);
	for (;;) {
		const uint8_t *src;
		size_t chunk;
		ssize_t n;
		int err;

		while (!o->len && !o->stopping)
			pthread_cond_wait(&o->data, &o->lock);
		if (o->abandon || !o->len)
			break;
		/* Producers only append past head + len: this span is ours. */
		if (o->opts.whole_lines) {
			chunk = serial_out_gather_lines(o, lines);
			src = lines;
		} else {
			chunk = MIN(o->len, SERIAL_OUT_BUF_SIZE - o->head);
			src = o->buf + o->head;
		}
		pthread_mutex_unlock(&o->lock);
		n = write(o->fd, src, chunk);
		err = errno;
		pthread_mutex_lock(&o->lock);
		if (n > 0) {
			o->head = (o->head + (size_t)n) % SERIAL_OUT_BUF_SIZE;
			o->len -= (size_t)n;
			o->written += (uint64_t)n;
			pthread_cond_broadcast(&o->progress);
		} else if (n < 0 && err == EAGAIN) {
			/* Someone made the fd non-blocking: wait for room. */
			struct pollfd p = { .fd = o->fd, .events = POLLOUT };

			pthread_mutex_unlock(&o->lock);
			poll(&p, 1, 50);
			pthread_mutex_lock(&o->lock);
		} else if (n == 0 || err != EINTR) {
			serial_out_fail(o, n == 0 ? 0 : err);
		}
	}
	/* Abandoned at stop: whatever is left never reaches the output. */
	serial_out_drop_queued(o);
	pthread_cond_broadcast(&o->progress);
	pthread_mutex_unlock(&o->lock);
	return NULL;
}

int serial_out_init(struct serial_out *o, int fd)
{
	return serial_out_init_opts(o, fd, NULL);
}

int serial_out_init_opts(struct serial_out *o, int fd, const struct serial_out_opts *opts)
{
	pthread_condattr_t ca;
	int ret;

	memset(o, 0, sizeof(*o));
	o->fd = fd;
	o->opts = opts ? *opts : (struct serial_out_opts){ .thread_name = "serial-out" };
	pthread_mutex_init(&o->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&o->data, &ca);
	pthread_cond_init(&o->progress, &ca);
	pthread_condattr_destroy(&ca);
	if (fd < 0)
		return 0;
	pthread_once(&kick_once, serial_out_kick_setup);
	ret = kick_ret;
	o->buf = malloc(SERIAL_OUT_BUF_SIZE);
	if (!ret && !o->buf)
		ret = -ENOMEM;
	if (!ret)
		ret = -pthread_create(&o->thread, NULL, serial_out_thread, o);
	if (ret) {
		serial_out_destroy(o);
		return ret;
	}
	o->started = true;
	return 0;
}

static bool serial_out_queue(struct serial_out *o, const uint8_t *data, size_t len,
			     bool whole)
{
	size_t take, tail, first;
	bool was_empty;

	if (o->fd < 0)
		return false;
	pthread_mutex_lock(&o->lock);
	take = o->failed || o->stopping ? 0 : MIN(len, SERIAL_OUT_BUF_SIZE - o->len);
	if (whole && take < len)
		take = 0;
	o->dropped += len - take;
	if (take < len)
		o->dropped_nl += count_nl(data + take, len - take);
	if (take) {
		tail = (o->head + o->len) % SERIAL_OUT_BUF_SIZE;
		first = MIN(take, SERIAL_OUT_BUF_SIZE - tail);
		memcpy(o->buf + tail, data, first);
		memcpy(o->buf, data + first, take - first);
		was_empty = !o->len;
		o->len += take;
		if (was_empty)
			pthread_cond_signal(&o->data);
	}
	pthread_mutex_unlock(&o->lock);
	return take == len;
}

void serial_out_put(struct serial_out *o, const uint8_t *data, size_t len)
{
	serial_out_queue(o, data, len, false);
}

bool serial_out_put_whole(struct serial_out *o, const uint8_t *data, size_t len)
{
	return serial_out_queue(o, data, len, true);
}

/* Wait, lock held, while the writer empties the buffer and keeps going. */
static void serial_out_flush_locked(struct serial_out *o, unsigned int flush_ms)
{
	uint64_t end = monotonic_ms() + flush_ms;

	while (o->len && !o->failed) {
		uint64_t now = monotonic_ms(), before = o->written;
		struct timespec ts;

		if (now >= end)
			break;
		ts = timespec_after_ms(CLOCK_MONOTONIC, MIN(end - now, (uint64_t)SERIAL_OUT_STALL_MS));
		while (o->len && !o->failed && o->written == before &&
		       pthread_cond_timedwait(&o->progress, &o->lock, &ts) != ETIMEDOUT)
			;
		if (o->written == before)
			break; /* no progress for a stall period: the reader is stuck */
	}
}

void serial_out_stop(struct serial_out *o, unsigned int flush_ms)
{
	uint64_t start;

	pthread_mutex_lock(&o->lock);
	if (!o->started) {
		pthread_mutex_unlock(&o->lock);
		return;
	}
	serial_out_flush_locked(o, flush_ms);
	o->stopping = true;
	o->abandon = o->len != 0;
	pthread_cond_signal(&o->data);
	pthread_mutex_unlock(&o->lock);

	/*
	 * The writer may sit in a write() that waits for a reader. The kick
	 * makes it return EINTR; one sent just before the write() starts is
	 * lost, so keep kicking until the thread is gone.
	 */
	start = monotonic_ms();
	while (pthread_tryjoin_np(o->thread, NULL)) {
		struct timespec ts = { .tv_nsec = 2 * 1000000L };

		pthread_kill(o->thread, SERIAL_OUT_KICK_SIGNAL);
		nanosleep(&ts, NULL);
		if (monotonic_ms() - start > 2000) {
			/* Only a write() deaf to signals gets here: leave it. */
			pr_err("serial output: the writer thread does not stop; leaving it");
			pthread_detach(o->thread);
			o->buf = NULL; /* the thread may still read it: leak it */
			break;
		}
	}
	pthread_mutex_lock(&o->lock);
	o->started = false;
	pthread_mutex_unlock(&o->lock);
}

void serial_out_destroy(struct serial_out *o)
{
	serial_out_stop(o, 0);
	free(o->buf);
	o->buf = NULL;
	pthread_cond_destroy(&o->data);
	pthread_cond_destroy(&o->progress);
	pthread_mutex_destroy(&o->lock);
}

void serial_out_stats(struct serial_out *o, uint64_t *written, uint64_t *dropped,
		      size_t *queued)
{
	pthread_mutex_lock(&o->lock);
	if (written)
		*written = o->written;
	if (dropped)
		*dropped = o->dropped;
	if (queued)
		*queued = o->len;
	pthread_mutex_unlock(&o->lock);
}

uint64_t serial_out_dropped_lines(struct serial_out *o)
{
	uint64_t n;

	pthread_mutex_lock(&o->lock);
	n = o->dropped_nl;
	pthread_mutex_unlock(&o->lock);
	return n;
}
