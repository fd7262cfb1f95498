// SPDX-License-Identifier: MIT
/*
 * `hvmm ctl`: one request on the control socket, bounded in time as a
 * whole (connect, send, read to EOF), the verdict taken from the whole
 * first line of the whole reply.
 */
#include "api.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "api_int.h"
#include "util.h"
#include "vm.h"

/* A reply larger than this is not something hvmm sends. */
#define API_REPLY_MAX (1024 * 1024)

static int api_remaining_ms(uint64_t deadline)
{
	uint64_t now = monotonic_ms();

	return now >= deadline ? 0 : (int)MIN(deadline - now, (uint64_t)INT32_MAX);
}

/* Wait for `events` on fd until the deadline: 0 or -ETIMEDOUT / -errno. */
static int api_wait(int fd, short events, uint64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		int r = poll(&p, 1, api_remaining_ms(deadline));

		if (r > 0)
			return 0;
		if (r == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

static int api_connect(const char *path, uint64_t deadline)
{
	struct sockaddr_un sa;
	int fd, ret = api_addr(path, &sa);

	if (ret)
		return ret;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* A full backlog says EAGAIN on a non-blocking AF_UNIX connect: retry. */
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		struct timespec ts = { .tv_nsec = 10 * 1000000L };

		ret = -errno;
		if ((ret != -EAGAIN && ret != -EINTR) || !api_remaining_ms(deadline)) {
			close(fd);
			return ret == -EAGAIN ? -ETIMEDOUT : ret;
		}
		nanosleep(&ts, NULL);
	}
	return fd;
}

static int api_send_all(int fd, const char *buf, size_t len, uint64_t deadline)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		int ret;

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				return -errno;
			ret = api_wait(fd, POLLOUT, deadline);
			if (ret)
				return ret;
			continue;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read to EOF into a growing buffer. */
static int api_recv_all(int fd, char **reply, size_t *reply_len, uint64_t deadline)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;
	int ret = 0;

	for (;;) {
		ssize_t n;

		if (cap - len < 4096 + 1) {
			char *nb;

			if (cap >= API_REPLY_MAX) {
				ret = -EMSGSIZE;
				break;
			}
			cap = cap ? cap * 2 : 8192;
			nb = realloc(buf, cap);
			if (!nb) {
				ret = -ENOMEM;
				break;
			}
			buf = nb;
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n > 0) {
			len += (size_t)n;
			continue;
		}
		if (n == 0)
			break;
		if (errno == EAGAIN || errno == EINTR) {
			ret = api_wait(fd, POLLIN, deadline);
			if (ret)
				break;
			continue;
		}
		/* A reset after the reply (we left input unread) still ends it. */
		if (errno != ECONNRESET || !len)
			ret = -errno;
		break;
	}
	if (buf)
		buf[len] = 0;
	*reply = buf;
	*reply_len = len;
	return ret;
}

static int api_request_once(const char *path, const char *cmd, uint64_t deadline,
			    char **reply, size_t *reply_len)
{
	int fd, ret;

	*reply = NULL;
	*reply_len = 0;
	fd = api_connect(path, deadline);
	if (fd < 0)
		return fd;
	ret = api_send_all(fd, cmd, strlen(cmd), deadline);
	if (!ret)
		ret = api_recv_all(fd, reply, reply_len, deadline);
	close(fd);
	return ret;
}

int api_request(const char *path, const char *cmd, unsigned int timeout_ms,
		char **reply, size_t *reply_len)
{
	static const char busy[] = "error: too many control clients";
	uint64_t deadline = monotonic_ms() + timeout_ms;
	int ret;

	/* A server at its client cap asks to try again: do, until the deadline. */
	for (;;) {
		struct timespec ts = { .tv_nsec = 50 * 1000000L };

		ret = api_request_once(path, cmd, deadline, reply, reply_len);
		if (ret || !*reply || strncmp(*reply, busy, sizeof(busy) - 1) ||
		    api_remaining_ms(deadline) < 50)
			return ret;
		free(*reply);
		nanosleep(&ts, NULL);
	}
}

bool api_reply_ok(const char *reply, size_t len)
{
	return reply && len >= 3 && !memcmp(reply, "ok\n", 3);
}

static int api_client_usage(void)
{
	fprintf(stderr, "usage: hvmm ctl [--timeout SECONDS] SOCKET status [--json] | regs |"
		" shutdown [--reboot] [--force] | remove DEVICE | add DEVICE\n");
	return HVMM_EXIT_USAGE;
}

int api_client(int argc, char **argv)
{
	unsigned long timeout_s = API_CTL_TIMEOUT_S;
	char cmd[API_LINE_MAX] = "", *reply, *end;
	size_t reply_len;
	int i = 1, ret;
	bool ok;

	if (i + 1 < argc && !strcmp(argv[i], "--timeout")) {
		errno = 0;
		timeout_s = strtoul(argv[i + 1], &end, 10);
		if (errno || *end || end == argv[i + 1] || !timeout_s || timeout_s > 86400) {
			fprintf(stderr, "hvmm ctl: --timeout: '%s' is not 1 to 86400 seconds\n",
				argv[i + 1]);
			return HVMM_EXIT_USAGE;
		}
		i += 2;
	}
	if (argc - i < 2)
		return api_client_usage();
	for (int k = i + 1; k < argc; k++) {
		if (strlen(cmd) + strlen(argv[k]) + 2 >= sizeof(cmd)) {
			fprintf(stderr, "hvmm ctl: command too long\n");
			return HVMM_EXIT_USAGE;
		}
		strcat(cmd, argv[k]);
		strcat(cmd, k + 1 < argc ? " " : "\n");
	}
	ret = api_request(argv[i], cmd, (unsigned int)timeout_s * 1000, &reply, &reply_len);
	ok = !ret && api_reply_ok(reply, reply_len);
	/* JSON for programs: stdout is the object alone (the status says "ok"). */
	if (ok && (!strcmp(cmd, "status --json\n") || !strcmp(cmd, "status-json\n")))
		fwrite(reply + 3, 1, reply_len - 3, stdout);
	else if (reply_len)
		fwrite(reply, 1, reply_len, stdout);
	fflush(stdout);
	if (ret == -ETIMEDOUT)
		fprintf(stderr, "hvmm ctl: %s: no complete reply within %lu s\n", argv[i], timeout_s);
	else if (ret == -ENAMETOOLONG)
		fprintf(stderr, "hvmm ctl: socket path too long\n");
	else if (ret && !reply_len)
		fprintf(stderr, "hvmm ctl: %s: %s\n", argv[i], strerror(-ret));
	else if (ret)
		fprintf(stderr, "hvmm ctl: %s: reply cut short: %s\n", argv[i], strerror(-ret));
	else if (!api_reply_ok(reply, reply_len) && strncmp(reply ? reply : "", "error:", 6))
		fprintf(stderr, "hvmm ctl: %s: malformed reply\n", argv[i]);
	free(reply);
	if (ret == -ENAMETOOLONG)
		return HVMM_EXIT_USAGE;
	if (ret == -ETIMEDOUT)
		return HVMM_EXIT_TIMEOUT;
	return ok ? 0 : HVMM_EXIT_ERROR;
}
