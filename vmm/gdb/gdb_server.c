// SPDX-License-Identifier: MIT
/*
 * gdbstub server (gdb_server.h): one listening socket, one client, one
 * stub thread that owns both and the session; vCPU threads hand stops
 * over through a mutex-protected slot and an eventfd.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "gdb_server.h"

#define ATTACH_STOP_MS 5000 /* how long an attach waits for the VM to stop */

struct gdb_server {
	const struct gdb_target_ops *ops;
	void *t;
	struct gdb_addr addr;
	int lfd, cfd, stop_efd, quit_efd;
	pthread_t thread;
	struct gdb_session *s;
	bool vm_stopped;        /* stub thread only */
	pthread_mutex_t lock;   /* protects pending */
	bool has_pending;
	struct gdb_stop pending;
	struct gdb_stop last;   /* stub thread: a stop seen with no gdb attached */
	bool has_last;
};

/*
 * Numeric hosts only (and "localhost"): hvmm links statically, where
 * getaddrinfo() would need the host's NSS libraries at run time.
 */
int gdb_addr_parse(const char *spec, struct gdb_addr *a)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)&a->sa;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->sa;
	char host[64] = "127.0.0.1";
	const char *port, *colon;
	char *end;
	unsigned long p;

	memset(a, 0, sizeof(*a));
	if (!strncmp(spec, "unix:", 5)) {
		struct sockaddr_un *un = (struct sockaddr_un *)&a->sa;

		if (!spec[5] || strlen(spec + 5) >= sizeof(un->sun_path))
			return -EINVAL;
		un->sun_family = AF_UNIX;
		strcpy(un->sun_path, spec + 5);
		a->family = AF_UNIX;
		a->len = sizeof(*un);
		return 0;
	}
	if (strncmp(spec, "tcp:", 4))
		return -EINVAL;
	spec += 4;
	colon = strrchr(spec, ':');
	port = colon ? colon + 1 : spec;
	if (colon) {
		if (colon == spec || (size_t)(colon - spec) >= sizeof(host))
			return -EINVAL;
		memcpy(host, spec, (size_t)(colon - spec));
		host[colon - spec] = 0;
	}
	errno = 0;
	p = strtoul(port, &end, 10);
	if (*port < '0' || *port > '9' || *end || errno || p > 65535)
		return -EINVAL;
	if (!strcmp(host, "localhost"))
		strcpy(host, "127.0.0.1");
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)p);
		a->family = AF_INET;
		a->len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)p);
		a->family = AF_INET6;
		a->len = sizeof(*in6);
		return 0;
	}
	return -EINVAL;
}

static int server_tx(void *opaque, const void *buf, size_t len)
{
	struct gdb_server *srv = opaque;
	const char *p = buf;

	while (len) {
		ssize_t n = send(srv->cfd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static bool take_pending(struct gdb_server *srv, struct gdb_stop *st)
{
	uint64_t v;
	bool got;

	if (read(srv->stop_efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return false;
	pthread_mutex_lock(&srv->lock);
	got = srv->has_pending;
	if (got)
		*st = srv->pending;
	srv->has_pending = false;
	pthread_mutex_unlock(&srv->lock);
	return got;
}

void gdb_server_report_stop(struct gdb_server *srv, const struct gdb_stop *stop)
{
	uint64_t one = 1;

	pthread_mutex_lock(&srv->lock);
	srv->pending = *stop;
	srv->has_pending = true;
	pthread_mutex_unlock(&srv->lock);
	/* eventfd writes do not block short of 2^64 - 1 pending. */
	if (write(srv->stop_efd, &one, sizeof(one)) < 0)
		return;
}

static void drop_client(struct gdb_server *srv, bool hangup)
{
	if (srv->s && hangup)
		gdb_session_hangup(srv->s);
	gdb_session_free(srv->s);
	srv->s = NULL;
	if (srv->cfd >= 0)
		close(srv->cfd);
	srv->cfd = -1;
	srv->vm_stopped = false; /* detached, killed or hung up: the VM runs */
}

static void attach(struct gdb_server *srv, int fd)
{
	struct gdb_stop st = { .reason = GDB_STOP_SIGNAL, .signal = 5 };
	int one = 1;

	srv->s = gdb_session_new(srv->ops, srv->t);
	if (!srv->s) {
		close(fd);
		return;
	}
	srv->cfd = fd;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)); /* fails on unix: fine */
	gdb_session_set_tx(srv->s, server_tx, srv);
	if (!srv->vm_stopped) {
		struct pollfd p = { .fd = srv->stop_efd, .events = POLLIN };

		st.signal = 2;
		if (srv->ops->stop_all(srv->t) < 0 || poll(&p, 1, ATTACH_STOP_MS) <= 0 ||
		    !take_pending(srv, &st)) {
			drop_client(srv, true);
			return;
		}
		srv->vm_stopped = true;
	} else if (!take_pending(srv, &st) && srv->has_last) {
		st = srv->last;
	}
	srv->has_last = false;
	gdb_session_stopped(srv->s, &st); /* not running: becomes the '?' answer */
}

static void client_input(struct gdb_server *srv)
{
	uint8_t buf[4096];
	ssize_t n = recv(srv->cfd, buf, sizeof(buf), 0);
	int rc;

	if (n < 0 && errno == EINTR)
		return;
	if (n <= 0) {
		drop_client(srv, true);
		return;
	}
	rc = gdb_session_input(srv->s, buf, (size_t)n);
	if (rc < 0) {
		drop_client(srv, true);
		return;
	}
	if (rc > 0) {
		drop_client(srv, false); /* D or k already did the work */
		return;
	}
	if (gdb_session_running(srv->s))
		srv->vm_stopped = false;
}

static void *server_thread(void *arg)
{
	struct gdb_server *srv = arg;

	for (;;) {
		struct pollfd p[3] = {
			{ .fd = srv->cfd >= 0 ? srv->cfd : srv->lfd, .events = POLLIN },
			{ .fd = srv->stop_efd, .events = POLLIN },
			{ .fd = srv->quit_efd, .events = POLLIN },
		};
		struct gdb_stop st;

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		/* A stop before quit: the VM's exit reaches gdb as W first. */
		if (p[1].revents && take_pending(srv, &st)) {
			srv->vm_stopped = true;
			if (!srv->s) {
				srv->last = st; /* the next gdb's '?' */
				srv->has_last = true;
			} else if (gdb_session_stopped(srv->s, &st) < 0) {
				drop_client(srv, true);
			}
		}
		if (p[2].revents)
			break;
		if (!p[0].revents)
			continue;
		if (srv->cfd >= 0) {
			client_input(srv);
		} else {
			int fd = accept4(srv->lfd, NULL, NULL, SOCK_CLOEXEC);

			if (fd >= 0)
				attach(srv, fd);
		}
	}
	drop_client(srv, true);
	return NULL;
}

static void server_free(struct gdb_server *srv)
{
	if (srv->lfd >= 0)
		close(srv->lfd);
	if (srv->stop_efd >= 0)
		close(srv->stop_efd);
	if (srv->quit_efd >= 0)
		close(srv->quit_efd);
	if (srv->addr.family == AF_UNIX)
		unlink(((struct sockaddr_un *)&srv->addr.sa)->sun_path);
	pthread_mutex_destroy(&srv->lock);
	free(srv);
}

/*
 * Replace a stale socket file from an earlier run: only a socket nobody
 * listens on (connect refused), never a live one or any other file.
 */
static void unlink_stale_socket(const struct gdb_addr *a)
{
	const char *path = ((const struct sockaddr_un *)&a->sa)->sun_path;
	struct stat st;
	int fd;

	if (lstat(path, &st) || !S_ISSOCK(st.st_mode))
		return;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (connect(fd, (const struct sockaddr *)&a->sa, a->len) < 0 && errno == ECONNREFUSED)
		unlink(path);
	close(fd);
}

int gdb_server_start(const char *spec, const struct gdb_target_ops *ops, void *target,
		     bool stopped, struct gdb_server **out)
{
	struct gdb_server *srv = calloc(1, sizeof(*srv));
	int one = 1, err;

	if (!srv)
		return -ENOMEM;
	srv->lfd = srv->cfd = srv->stop_efd = srv->quit_efd = -1;
	pthread_mutex_init(&srv->lock, NULL);
	srv->ops = ops;
	srv->t = target;
	srv->vm_stopped = stopped;
	err = gdb_addr_parse(spec, &srv->addr);
	if (err < 0) {
		srv->addr.family = 0; /* nothing to unlink */
		goto fail;
	}
	if (srv->addr.family == AF_UNIX)
		unlink_stale_socket(&srv->addr);
	srv->lfd = socket(srv->addr.family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	srv->stop_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	srv->quit_efd = eventfd(0, EFD_CLOEXEC);
	if (srv->lfd < 0 || srv->stop_efd < 0 || srv->quit_efd < 0)
		goto fail_errno;
	if (srv->addr.family != AF_UNIX)
		setsockopt(srv->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(srv->lfd, (struct sockaddr *)&srv->addr.sa, srv->addr.len) < 0) {
		err = -errno;
		srv->addr.family = srv->addr.family == AF_UNIX ? 0 : srv->addr.family;
		goto fail;
	}
	if (listen(srv->lfd, 1) < 0)
		goto fail_errno;
	srv->addr.len = sizeof(srv->addr.sa);
	if (srv->addr.family != AF_UNIX &&
	    getsockname(srv->lfd, (struct sockaddr *)&srv->addr.sa, &srv->addr.len) < 0)
		goto fail_errno;
	err = -pthread_create(&srv->thread, NULL, server_thread, srv);
	if (err < 0)
		goto fail;
	*out = srv;
	return 0;
fail_errno:
	err = -errno;
fail:
	server_free(srv);
	return err;
}

void gdb_server_stop(struct gdb_server *srv)
{
	uint64_t one = 1;

	if (!srv)
		return;
	if (write(srv->quit_efd, &one, sizeof(one)) == sizeof(one))
		pthread_join(srv->thread, NULL);
	server_free(srv);
}

unsigned int gdb_server_port(const struct gdb_server *srv)
{
	const struct sockaddr_storage *sa = &srv->addr.sa;

	if (srv->addr.family == AF_INET)
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	if (srv->addr.family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	return 0;
}
