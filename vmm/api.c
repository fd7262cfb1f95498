// SPDX-License-Identifier: MIT
/*
 * The control socket's server: one thread, one poll loop, a fixed set of
 * client slots with non-blocking I/O and a deadline each (see api.h).
 */
#include "api.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "api_int.h"
#include "hyperv.h"
#include "status_json.h"
#include "uart.h"
#include "util.h"
#include "vm.h"
#include "vm_vmbus.h"

/* Input still arriving after an error reply is read away up to this much. */
#define API_DRAIN_MAX (64 * 1024)
/* Connections accepted per poll round, so a flood cannot starve the rest. */
#define API_ACCEPT_BURST 16

enum api_conn_state { API_FREE, API_READ, API_WRITE, API_DRAIN };

struct api_conn {
	enum api_conn_state state;
	int fd;
	uint64_t deadline;        /* monotonic ms: the whole exchange */
	char line[API_LINE_MAX];
	size_t line_len;
	char *reply;
	size_t reply_len, reply_off;
	size_t drained;
};

struct api {
	struct vm *vm;
	struct api_limits lim;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int listen_fd;
	int stop_efd;
	pthread_t thread;
	struct api_conn *conns;   /* lim.max_clients slots */
	struct pollfd *pfd;       /* 2 + lim.max_clients */
};

/* A local client can trigger these at will: rate-limited. */
#define api_warn_rl(...)                                                \
	do {                                                            \
		static struct ratelimit __rl = RATELIMIT_INIT(500, 10); \
		if (ratelimit_ok(&__rl))                                \
			pr_warn(__VA_ARGS__);                           \
	} while (0)

int api_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

static void api_status(struct api *api, FILE *out)
{
	struct vm *vm = api->vm;
	bool running = __atomic_load_n(&vm->stop_reason, __ATOMIC_ACQUIRE) == VM_RUNNING;

	fprintf(out, "ok\nvm: %s, %u vCPU(s), %llu MiB, hyperv %s\n",
		running ? "running" : "stopping", vm->ncpus,
		(unsigned long long)(vm->mem.size >> 20), vm->hv ? "on" : "off");
	if (vm->com1) {
		uint64_t tx, dropped;

		uart_tx_stats(vm->com1, &tx, &dropped);
		fprintf(out, "serial: %" PRIu64 " bytes out, %" PRIu64 " dropped\n", tx, dropped);
	}
	if (vm->hv)
		hyperv_hcall_report(vm->hv, out);
	vm_vmbus_report(vm, out);
}

/* `status-json [--no-pause]` (status_json.h) */
static void api_status_json(struct api *api, const char *args, FILE *out)
{
	bool pause = !*args;

	if (*args && strcmp(args, "--no-pause"))
		fprintf(out, "error: unknown status-json option '%s' (--no-pause)\n", args);
	else if (status_json(api->vm, out, pause))
		fprintf(out, "error: out of memory\n");
}

static void api_regs(struct api *api, FILE *out)
{
	int ret = status_regs(api->vm, out);

	if (ret == -ETIMEDOUT)
		fprintf(out, "error: the vCPUs did not pause within a second\n");
	else if (ret)
		fprintf(out, "error: %s\n", strerror(-ret));
}

static void api_shutdown(struct api *api, char *args, FILE *out)
{
	bool reboot = false, force = false;
	char *tok, *save = NULL;
	int ret;

	for (tok = strtok_r(args, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (!strcmp(tok, "--reboot"))
			reboot = true;
		else if (!strcmp(tok, "--force"))
			force = true;
		else {
			fprintf(out, "error: unknown shutdown option '%s'\n", tok);
			return;
		}
	}
	if (force) {
		pr_warn("control socket: forced stop");
		vm_request_stop(api->vm, reboot ? VM_STOP_REBOOT : VM_STOP_SIGNAL);
		fprintf(out, "ok\nstopping the VM now\n");
		return;
	}
	ret = vm_guest_shutdown(api->vm, reboot, false, "ctl");
	if (ret == -ENODEV)
		fprintf(out, "error: no shutdown IC (--hyperv off); use shutdown --force\n");
	else if (ret == -EBUSY)
		fprintf(out, "error: a shutdown request is already pending\n");
	else if (ret)
		fprintf(out, "error: %s\n", strerror(-ret));
	else
		fprintf(out, "ok\n%s requested through the shutdown IC\n",
			reboot ? "reboot" : "power-off");
}

/* "remove NAME" / "add NAME": hot-remove or re-add a VMBus device. */
static void api_device(struct api *api, char *args, bool present, FILE *out)
{
	char *save = NULL, *name = strtok_r(args, " \t", &save);
	int ret;

	if (!name || strtok_r(NULL, " \t", &save)) {
		fprintf(out, "error: usage: %s DEVICE (shutdown, heartbeat, timesync, kvp)\n",
			present ? "add" : "remove");
		return;
	}
	ret = vm_vmbus_set_device(api->vm, name, present);
	if (ret == -ENODEV)
		fprintf(out, "error: no VMBus (--hyperv off)\n");
	else if (ret == -ENOENT)
		fprintf(out, "error: no device '%s' (shutdown, heartbeat, timesync, kvp)\n", name);
	else if (ret == -EALREADY)
		fprintf(out, "error: %s is already %s\n", name, present ? "present" : "removed");
	else if (ret == -EBUSY)
		fprintf(out, "error: the guest has not released %s yet; try again\n", name);
	else if (ret)
		fprintf(out, "error: %s\n", strerror(-ret));
	else
		fprintf(out, "ok\n%s %s\n", name, present ? "offered again" : "removal requested");
}

static void api_conn_close(struct api_conn *c)
{
	close(c->fd);
	free(c->reply);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->state = API_FREE;
}

/* Queue a reply (taken over) and start sending it. */
static void api_conn_reply(struct api_conn *c, char *reply, size_t len)
{
	free(c->reply);
	c->reply = reply;
	c->reply_len = len;
	c->reply_off = 0;
	c->state = API_WRITE;
}

static void api_conn_error(struct api_conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void api_conn_error(struct api_conn *c, const char *fmt, ...)
{
	char *msg = NULL, *reply = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0 || asprintf(&reply, "error: %s\n", msg) < 0) {
		free(msg);
		api_conn_close(c);
		return;
	}
	free(msg);
	api_conn_reply(c, reply, strlen(reply));
}

static void api_execute(struct api *api, struct api_conn *c)
{
	char *line = c->line, *reply = NULL, *args;
	size_t reply_len = 0;
	FILE *out;

	line[strcspn(line, "\r\n")] = 0;
	out = open_memstream(&reply, &reply_len);
	if (!out) {
		api_conn_close(c);
		return;
	}
	args = line + strcspn(line, " \t");
	if (*args)
		*args++ = 0;
	if (!strcmp(line, "status") && !strcmp(args, "--json"))
		api_status_json(api, "", out);
	else if (!strcmp(line, "status-json"))
		api_status_json(api, args, out);
	else if (!strcmp(line, "status") && *args)
		fprintf(out, "error: unknown status option '%s' (--json)\n", args);
	else if (!strcmp(line, "status"))
		api_status(api, out);
	else if (!strcmp(line, "regs"))
		api_regs(api, out);
	else if (!strcmp(line, "shutdown"))
		api_shutdown(api, args, out);
	else if (!strcmp(line, "remove") || !strcmp(line, "add"))
		api_device(api, args, line[0] == 'a', out);
	else
		fprintf(out, "error: unknown command '%s' (status, status-json, regs, shutdown, remove, "
			"add)\n", line);
	if (fclose(out) || !reply) {
		free(reply);
		api_conn_close(c);
		return;
	}
	api_conn_reply(c, reply, reply_len);
}

/* Command lines are printable ASCII; tabs and a CR before the LF are allowed. */
static bool api_byte_ok(unsigned char ch)
{
	return (ch >= 0x20 && ch < 0x7f) || ch == '\t' || ch == '\r';
}

static void api_conn_read(struct api *api, struct api_conn *c)
{
	size_t room = sizeof(c->line) - 1 - c->line_len, i;
	ssize_t n = recv(c->fd, c->line + c->line_len, room, MSG_DONTWAIT);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			api_conn_close(c);
		return;
	}
	if (n == 0 && !c->line_len) {
		api_conn_close(c); /* connected and left */
		return;
	}
	for (i = c->line_len; i < c->line_len + (size_t)n; i++) {
		unsigned char ch = (unsigned char)c->line[i];

		if (ch == '\n') {
			c->line[i] = 0;
			api_execute(api, c);
			return;
		}
		if (!api_byte_ok(ch)) {
			api_warn_rl("control socket: non-printable byte 0x%02x in a command", ch);
			api_conn_error(c, "malformed command: non-printable byte 0x%02x", ch);
			return;
		}
	}
	c->line_len += (size_t)n;
	c->line[c->line_len] = 0;
	if (n == 0) {
		api_execute(api, c); /* EOF ends the line too */
	} else if (c->line_len == sizeof(c->line) - 1) {
		api_warn_rl("control socket: command line too long");
		api_conn_error(c, "command line too long (at most %zu bytes)", sizeof(c->line) - 1);
	}
}

static void api_conn_write(struct api_conn *c)
{
	ssize_t n = send(c->fd, c->reply + c->reply_off, c->reply_len - c->reply_off,
			 MSG_DONTWAIT | MSG_NOSIGNAL);

	if (n < 0) {
		/* EPIPE, ECONNRESET: the client went away; nothing to tell. */
		if (errno != EAGAIN && errno != EINTR)
			api_conn_close(c);
		return;
	}
	c->reply_off += (size_t)n;
	if (c->reply_off < c->reply_len)
		return;
	/*
	 * Done. Closing with unread input would reset the connection under
	 * the client's feet, so read away what it still sends (to EOF, the
	 * deadline or API_DRAIN_MAX) after telling it the reply is complete.
	 */
	shutdown(c->fd, SHUT_WR);
	c->state = API_DRAIN;
}

static void api_conn_drain(struct api_conn *c)
{
	char buf[4096];
	ssize_t n;

	while ((n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		c->drained += (size_t)n;
		if (c->drained > API_DRAIN_MAX) {
			api_conn_close(c);
			return;
		}
	}
	if (n == 0 || (errno != EAGAIN && errno != EINTR))
		api_conn_close(c);
}

static void api_conn_io(struct api *api, struct api_conn *c)
{
	if (c->state == API_READ)
		api_conn_read(api, c);
	/* A reply is usually sent at once, in the same round. */
	if (c->state == API_WRITE)
		api_conn_write(c);
	if (c->state == API_DRAIN)
		api_conn_drain(c);
}

/* Refuse politely: one line, never waiting for the client. */
static void api_refuse(struct api *api, int fd)
{
	char msg[96];
	int n = snprintf(msg, sizeof(msg), "error: too many control clients (at most %u); "
			 "try again\n", api->lim.max_clients);

	api_warn_rl("control socket: %u clients connected; refusing one", api->lim.max_clients);
	if (send(fd, msg, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		api_warn_rl("control socket: refusal: %s", strerror(errno));
	shutdown(fd, SHUT_WR);
	close(fd);
}

static struct api_conn *api_free_slot(struct api *api)
{
	unsigned int i;

	for (i = 0; i < api->lim.max_clients; i++)
		if (api->conns[i].state == API_FREE)
			return &api->conns[i];
	return NULL;
}

static void api_accept(struct api *api)
{
	unsigned int i, k;

	for (k = 0; k < API_ACCEPT_BURST; k++) {
		int fd = accept4(api->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		struct api_conn *c = NULL;

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				api_warn_rl("control socket: accept: %s", strerror(errno));
			return;
		}
		c = api_free_slot(api);
		if (!c) {
			/*
			 * Clients that finished since poll() returned still hold
			 * their slots (a client that closes and reconnects at once
			 * would be refused): settle them first, without waiting.
			 */
			for (i = 0; i < api->lim.max_clients; i++)
				api_conn_io(api, &api->conns[i]);
			c = api_free_slot(api);
		}
		if (!c) {
			api_refuse(api, fd);
			continue;
		}
		c->fd = fd;
		c->state = API_READ;
		c->deadline = monotonic_ms() + api->lim.client_timeout_ms;
	}
}

/* Close connections past their deadline; return ms to the next one (-1: none). */
static int api_expire(struct api *api)
{
	uint64_t now = monotonic_ms(), next = UINT64_MAX;
	unsigned int i;

	for (i = 0; i < api->lim.max_clients; i++) {
		struct api_conn *c = &api->conns[i];

		if (c->state == API_FREE)
			continue;
		if (now >= c->deadline) {
			if (c->state == API_READ) {
				static const char msg[] = "error: timed out waiting for a command\n";

				api_warn_rl("control socket: a client sent no command line in %u ms",
					    api->lim.client_timeout_ms);
				if (send(c->fd, msg, sizeof(msg) - 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
					(void)0; /* gone or stuck: it is closed either way */
			} else if (c->state == API_WRITE) {
				api_warn_rl("control socket: a client did not read its reply in %u ms",
					    api->lim.client_timeout_ms);
			}
			api_conn_close(c);
			continue;
		}
		next = MIN(next, c->deadline);
	}
	return next == UINT64_MAX ? -1 : (int)MIN(next - now, (uint64_t)INT32_MAX);
}

static void *api_thread(void *arg)
{
	struct api *api = arg;
	unsigned int i, n;

	pthread_setname_np(pthread_self(), "api");
	for (;;) {
		int timeout = api_expire(api);

		api->pfd[0] = (struct pollfd){ .fd = api->stop_efd, .events = POLLIN };
		api->pfd[1] = (struct pollfd){ .fd = api->listen_fd, .events = POLLIN };
		for (i = 0, n = 2; i < api->lim.max_clients; i++) {
			struct api_conn *c = &api->conns[i];

			api->pfd[n++] = (struct pollfd){
				.fd = c->state == API_FREE ? -1 : c->fd,
				.events = c->state == API_WRITE ? POLLOUT : POLLIN,
			};
		}
		if (poll(api->pfd, n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			pr_err("control socket: poll: %s; no longer serving", strerror(errno));
			break;
		}
		if (api->pfd[0].revents)
			break;
		for (i = 0; i < api->lim.max_clients; i++)
			if (api->pfd[2 + i].revents)
				api_conn_io(api, &api->conns[i]);
		if (api->pfd[1].revents)
			api_accept(api);
	}
	return NULL;
}

int api_start(struct vm *vm, const char *path, struct api **out)
{
	return api_start_limits(vm, path, NULL, out);
}

static void api_free(struct api *api)
{
	unsigned int i;

	for (i = 0; api->conns && i < api->lim.max_clients; i++)
		if (api->conns[i].state != API_FREE)
			api_conn_close(&api->conns[i]);
	if (api->listen_fd >= 0)
		close(api->listen_fd);
	if (api->stop_efd >= 0)
		close(api->stop_efd);
	free(api->conns);
	free(api->pfd);
	free(api);
}

int api_start_limits(struct vm *vm, const char *path, const struct api_limits *lim,
		     struct api **out)
{
	struct api *api = calloc(1, sizeof(*api));
	struct sockaddr_un sa;
	unsigned int i;
	int ret;

	if (!api)
		return -ENOMEM;
	api->vm = vm;
	api->listen_fd = api->stop_efd = -1;
	api->lim = lim ? *lim : (struct api_limits){ API_CLIENT_TIMEOUT_MS, API_MAX_CLIENTS };
	if (!api->lim.max_clients || !api->lim.client_timeout_ms) {
		ret = -EINVAL;
		goto fail;
	}
	api->conns = calloc(api->lim.max_clients, sizeof(*api->conns));
	api->pfd = calloc(2 + api->lim.max_clients, sizeof(*api->pfd));
	if (!api->conns || !api->pfd) {
		ret = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < api->lim.max_clients; i++)
		api->conns[i].fd = -1;
	ret = api_addr(path, &sa);
	if (ret)
		goto fail;
	strcpy(api->path, path);
	api->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	api->stop_efd = eventfd(0, EFD_CLOEXEC);
	if (api->listen_fd < 0 || api->stop_efd < 0) {
		ret = -errno;
		goto fail;
	}
	unlink(path);
	if (bind(api->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(api->listen_fd, 64) < 0) {
		ret = -errno;
		goto fail;
	}
	ret = -pthread_create(&api->thread, NULL, api_thread, api);
	if (ret) {
		unlink(path);
		goto fail;
	}
	*out = api;
	return 0;
fail:
	pr_err("control socket %s: %s", path, strerror(-ret));
	api_free(api);
	return ret;
}

void api_stop(struct api *api)
{
	uint64_t one = 1;

	if (!api)
		return;
	/* The thread never blocks on a client: it sees this at once. */
	if (write(api->stop_efd, &one, sizeof(one)) != sizeof(one)) {
		/* The thread may still use it all: leave it (never seen). */
		pr_err("control socket: cannot stop the server thread: %s", strerror(errno));
		unlink(api->path);
		return;
	}
	pthread_join(api->thread, NULL);
	unlink(api->path);
	api_free(api);
}
