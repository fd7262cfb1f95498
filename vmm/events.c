// SPDX-License-Identifier: MIT
/*
 * The events stream's core: line building, the bounded buffer and its
 * writer thread (events.h). The event kinds are in events_emit.c.
 */
#include "events.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

struct events {
	int fd;
	bool own_fd;                 /* a path we opened; fd:N is closed too */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;         /* CLOCK_MONOTONIC: data, stop, or drained */
	char buf[EVENTS_BUF_SIZE];   /* ring of queued bytes, under lock */
	size_t head, count;
	bool writing;                /* the writer holds a chunk outside the lock */
	bool stop;
	bool abandon;                /* events_close gave up waiting: atomic */
	int wake_efd;                /* wakes a writer waiting for the fd */
	struct events_stats st;      /* under lock */
	char chunk[EVENTS_BUF_SIZE]; /* writer thread only */
};

/* The open stream, or NULL: the only thing a disabled hook site reads. */
static struct events *events_g;
/* Time base, set once: CLOCK_MONOTONIC ns of the first VM start. */
static uint64_t events_t0_ns;

bool events_on(void)
{
	return __atomic_load_n(&events_g, __ATOMIC_ACQUIRE) != NULL;
}

void events_mark_start(void)
{
	uint64_t zero = 0;

	__atomic_compare_exchange_n(&events_t0_ns, &zero, monotonic_ns(), false,
				    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

double events_time(uint64_t mono_ns)
{
	uint64_t t0 = __atomic_load_n(&events_t0_ns, __ATOMIC_ACQUIRE);

	return t0 && mono_ns > t0 ? (double)(mono_ns - t0) / 1e9 : 0.0;
}

/* ---- line building ------------------------------------------------------ */

size_t ev_json_str(char *dst, size_t dstlen, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;
	char esc[7];

#define EV_PUT(ch) do { if (n + 1 < dstlen) dst[n] = (ch); n++; } while (0)
	EV_PUT('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		const char *e = NULL;

		switch (c) {
		case '"': e = "\\\""; break;
		case '\\': e = "\\\\"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		case '\t': e = "\\t"; break;
		default:
			/* Control bytes and DEL escaped; bytes >= 0x80 are not
			 * guaranteed UTF-8 (paths), so escape them as \u00XX too. */
			if (c < 0x20 || c >= 0x7f) {
				snprintf(esc, sizeof(esc), "\\u00%c%c", hex[c >> 4], hex[c & 15]);
				e = esc;
			}
		}
		if (e)
			for (; *e; e++)
				EV_PUT(*e);
		else
			EV_PUT((char)c);
	}
	EV_PUT('"');
#undef EV_PUT
	if (dstlen)
		dst[n < dstlen ? n : dstlen - 1] = 0;
	return n;
}

static void ev_appendf(struct ev_line *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void ev_appendf(struct ev_line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->trunc)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->len, sizeof(l->buf) - l->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(l->buf) - l->len)
		l->trunc = true;
	else
		l->len += (size_t)n;
}

/* ,"key": (keys are ours: plain identifiers, no escaping needed). */
static void ev_key(struct ev_line *l, const char *key)
{
	ev_appendf(l, ",\"%s\":", key);
}

void ev_begin(struct ev_line *l, const char *ev)
{
	l->len = 0;
	l->trunc = false;
	l->buf[0] = 0;
	ev_str(l, "ev", ev);
}

void ev_str(struct ev_line *l, const char *key, const char *val)
{
	size_t n;

	if (l->len)
		ev_key(l, key);
	else
		ev_appendf(l, "\"%s\":", key);
	if (!val) {
		ev_appendf(l, "null");
		return;
	}
	if (l->trunc)
		return;
	n = ev_json_str(l->buf + l->len, sizeof(l->buf) - l->len, val);
	if (n >= sizeof(l->buf) - l->len)
		l->trunc = true;
	else
		l->len += n;
}

void ev_u64(struct ev_line *l, const char *key, uint64_t v)
{
	ev_key(l, key);
	ev_appendf(l, "%" PRIu64, v);
}

void ev_bool(struct ev_line *l, const char *key, bool v)
{
	ev_key(l, key);
	ev_appendf(l, "%s", v ? "true" : "false");
}

void ev_raw(struct ev_line *l, const char *key, const char *json)
{
	ev_key(l, key);
	ev_appendf(l, "%s", json);
}

/* ---- the buffer and its writer ------------------------------------------ */

static void events_put(struct events *e, const char *s, size_t len)
{
	size_t tail = (e->head + e->count) % sizeof(e->buf), first;

	first = MIN(len, sizeof(e->buf) - tail);
	memcpy(e->buf + tail, s, first);
	memcpy(e->buf, s + first, len - first);
	e->count += len;
}

void ev_emit(struct ev_line *l)
{
	struct events *e = __atomic_load_n(&events_g, __ATOMIC_ACQUIRE);
	char pre[48];
	uint64_t us;
	int n;

	if (!e)
		return;
	if (l->trunc) {
		pthread_mutex_lock(&e->lock);
		e->st.dropped++;
		pthread_mutex_unlock(&e->lock);
		pr_err_rl("events: a line did not fit %d bytes; dropped", EVENTS_LINE_MAX);
		return;
	}
	pthread_mutex_lock(&e->lock);
	/* Stamped under the lock: file order is time order. */
	us = (uint64_t)(events_time(monotonic_ns()) * 1e6 + 0.5);
	n = snprintf(pre, sizeof(pre), "{\"t\":%" PRIu64 ".%06" PRIu64 ",", us / 1000000,
		     us % 1000000);
	if (e->st.dead || e->stop || e->count + (size_t)n + l->len + 2 > sizeof(e->buf)) {
		e->st.dropped++;
	} else {
		events_put(e, pre, (size_t)n);
		events_put(e, l->buf, l->len);
		events_put(e, "}\n", 2);
		e->st.lines++;
		pthread_cond_signal(&e->cond);
	}
	pthread_mutex_unlock(&e->lock);
}

/*
 * Write a whole chunk; false on an error (the file is then given up). The
 * fd is non-blocking: a reader that stops reading makes this thread wait
 * in poll, where events_close can end the wait.
 */
static bool events_write_all(struct events *e, const char *p, size_t len, int *err)
{
	while (len) {
		ssize_t w = write(e->fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd pfd[2] = {
				{ .fd = e->fd, .events = POLLOUT },
				{ .fd = e->wake_efd, .events = POLLIN },
			};

			if (__atomic_load_n(&e->abandon, __ATOMIC_ACQUIRE)) {
				*err = ETIMEDOUT;
				return false;
			}
			poll(pfd, 2, -1);
			continue;
		}
		if (w <= 0) {
			*err = w < 0 ? errno : EIO;
			return false;
		}
		p += w;
		len -= (size_t)w;
	}
	return true;
}

static void *events_thread(void *arg)
{
	struct events *e = arg;

	pthread_setname_np(pthread_self(), "events");
	pthread_mutex_lock(&e->lock);
	for (;;) {
		size_t len, first;
		bool ok;
		int err = 0;

		while (!e->count && !e->stop)
			pthread_cond_wait(&e->cond, &e->lock);
		if (!e->count)
			break;
		len = e->count;
		first = MIN(len, sizeof(e->buf) - e->head);
		memcpy(e->chunk, e->buf + e->head, first);
		memcpy(e->chunk + first, e->buf, len - first);
		e->head = (e->head + len) % sizeof(e->buf);
		e->count = 0;
		e->writing = true;
		pthread_mutex_unlock(&e->lock);
		ok = events_write_all(e, e->chunk, len, &err);
		pthread_mutex_lock(&e->lock);
		e->writing = false;
		pthread_cond_broadcast(&e->cond);
		if (!ok) {
			e->st.errors++;
			e->st.dead = true;
			e->count = 0;
			pthread_mutex_unlock(&e->lock);
			pr_err("events: write failed: %s; no further events are written "
			       "(the VM goes on)", strerror(err));
			pthread_mutex_lock(&e->lock);
			break;
		}
	}
	pthread_mutex_unlock(&e->lock);
	return NULL;
}

static int events_err(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int events_err(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}

/* "fd:N": N decimal digits only, an open descriptor. */
static int events_parse_fd(const char *s, int *fd)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v > INT32_MAX)
		return -EINVAL;
	*fd = (int)v;
	return 0;
}

int events_open(const char *spec, char *err, size_t errlen)
{
	struct events *e;
	pthread_condattr_t ca;
	int fd, ret;

	if (events_g)
		return events_err(err, errlen, -EBUSY, "--events: already open");
	if (!strncmp(spec, "fd:", 3)) {
		if (events_parse_fd(spec + 3, &fd))
			return events_err(err, errlen, -EINVAL,
					  "--events: '%s' is not fd:N (N a descriptor number)", spec);
		if (fcntl(fd, F_GETFL) < 0 || (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY)
			return events_err(err, errlen, -EBADF,
					  "--events %s: not a descriptor open for writing", spec);
	} else {
		if (!*spec)
			return events_err(err, errlen, -EINVAL, "--events: empty path");
		fd = open(spec, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			return events_err(err, errlen, -errno, "--events %s: %s", spec,
					  strerror(errno));
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		ret = -ENOMEM;
		goto fail;
	}
	e->fd = fd;
	/* Never block the writer for good (an fd:N pipe shares this flag). */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	e->wake_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (e->wake_efd < 0) {
		ret = -errno;
		free(e);
		goto fail;
	}
	pthread_mutex_init(&e->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&e->cond, &ca);
	pthread_condattr_destroy(&ca);
	ret = -pthread_create(&e->thread, NULL, events_thread, e);
	if (ret) {
		pthread_cond_destroy(&e->cond);
		pthread_mutex_destroy(&e->lock);
		close(e->wake_efd);
		free(e);
		goto fail;
	}
	__atomic_store_n(&events_g, e, __ATOMIC_RELEASE);
	return 0;
fail:
	close(fd);
	return events_err(err, errlen, ret, "--events %s: %s", spec, strerror(-ret));
}

void events_close(unsigned int flush_ms)
{
	struct events *e = __atomic_exchange_n(&events_g, NULL, __ATOMIC_ACQ_REL);
	struct timespec ts = timespec_after_ms(CLOCK_MONOTONIC, flush_ms);
	bool drained = true;

	if (!e)
		return;
	pthread_mutex_lock(&e->lock);
	while ((e->count || e->writing) && !e->st.dead && drained)
		drained = pthread_cond_timedwait(&e->cond, &e->lock, &ts) != ETIMEDOUT;
	e->stop = true;
	pthread_cond_broadcast(&e->cond);
	pthread_mutex_unlock(&e->lock);
	if (!drained) {
		/* A reader that stopped reading: end the writer's wait. */
		uint64_t one = 1;

		pr_warn("events: the file did not take the last events within %u ms", flush_ms);
		__atomic_store_n(&e->abandon, true, __ATOMIC_RELEASE);
		if (write(e->wake_efd, &one, sizeof(one)) < 0)
			pr_err("events: cannot wake the writer: %s", strerror(errno));
	}
	pthread_join(e->thread, NULL);
	close(e->wake_efd);
	close(e->fd);
	pthread_cond_destroy(&e->cond);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

void events_get_stats(struct events_stats *st)
{
	struct events *e = __atomic_load_n(&events_g, __ATOMIC_ACQUIRE);

	memset(st, 0, sizeof(*st));
	if (!e)
		return;
	pthread_mutex_lock(&e->lock);
	*st = e->st;
	pthread_mutex_unlock(&e->lock);
}
