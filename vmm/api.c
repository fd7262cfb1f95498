// SPDX-License-Identifier: MIT
#include "api.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util.h"
#include "vm.h"
#include "vm_vmbus.h"

#define API_LINE_MAX 256
#define API_IO_TIMEOUT_MS 2000

struct api {
	struct vm *vm;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int listen_fd;
	int stop_efd;
	pthread_t thread;
};

static int api_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

/* Read one line (a client that says nothing in time is dropped). */
static int api_read_line(int fd, char *buf, size_t len)
{
	size_t n = 0;

	while (n < len - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&p, 1, API_IO_TIMEOUT_MS) <= 0)
			return -ETIMEDOUT;
		r = read(fd, buf + n, len - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		if (memchr(buf, '\n', n))
			break;
	}
	buf[n] = 0;
	buf[strcspn(buf, "\r\n")] = 0;
	return 0;
}

static void api_status(struct api *api, FILE *out)
{
	struct vm *vm = api->vm;

	fprintf(out, "ok\nvm: running, %u vCPU(s), %llu MiB, hyperv %s\n", vm->ncpus,
		(unsigned long long)(vm->mem.size >> 20), vm->hv ? "on" : "off");
	vm_vmbus_report(vm, out);
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
	ret = vm_guest_shutdown(api->vm, reboot, false);
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

static void api_serve(struct api *api, int fd)
{
	char line[API_LINE_MAX], *reply = NULL, *args;
	size_t reply_len = 0;
	FILE *out;

	if (api_read_line(fd, line, sizeof(line)))
		return;
	out = open_memstream(&reply, &reply_len);
	if (!out)
		return;
	args = line + strcspn(line, " \t");
	if (*args)
		*args++ = 0;
	if (!strcmp(line, "status"))
		api_status(api, out);
	else if (!strcmp(line, "shutdown"))
		api_shutdown(api, args, out);
	else if (!strcmp(line, "remove") || !strcmp(line, "add"))
		api_device(api, args, line[0] == 'a', out);
	else
		fprintf(out, "error: unknown command '%s' (status, shutdown, remove, add)\n", line);
	fclose(out);
	if (reply && write(fd, reply, reply_len) < 0)
		pr_err_rl("control socket: reply: %s", strerror(errno));
	free(reply);
}

static void *api_thread(void *arg)
{
	struct api *api = arg;

	pthread_setname_np(pthread_self(), "api");
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = api->stop_efd, .events = POLLIN },
			{ .fd = api->listen_fd, .events = POLLIN },
		};
		int fd;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			break;
		if (!p[1].revents)
			continue;
		fd = accept4(api->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		api_serve(api, fd);
		close(fd);
	}
	return NULL;
}

int api_start(struct vm *vm, const char *path, struct api **out)
{
	struct api *api = calloc(1, sizeof(*api));
	struct sockaddr_un sa;
	int ret;

	if (!api)
		return -ENOMEM;
	api->vm = vm;
	api->listen_fd = api->stop_efd = -1;
	ret = api_addr(path, &sa);
	if (ret)
		goto fail;
	strcpy(api->path, path);
	api->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	api->stop_efd = eventfd(0, EFD_CLOEXEC);
	if (api->listen_fd < 0 || api->stop_efd < 0) {
		ret = -errno;
		goto fail;
	}
	unlink(path);
	if (bind(api->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(api->listen_fd, 8) < 0) {
		ret = -errno;
		goto fail;
	}
	ret = -pthread_create(&api->thread, NULL, api_thread, api);
	if (ret)
		goto fail;
	*out = api;
	return 0;
fail:
	pr_err("control socket %s: %s", path, strerror(-ret));
	if (api->listen_fd >= 0)
		close(api->listen_fd);
	if (api->stop_efd >= 0)
		close(api->stop_efd);
	free(api);
	return ret;
}

void api_stop(struct api *api)
{
	uint64_t one = 1;

	if (!api)
		return;
	if (write(api->stop_efd, &one, sizeof(one)) == sizeof(one))
		pthread_join(api->thread, NULL);
	close(api->listen_fd);
	close(api->stop_efd);
	unlink(api->path);
	free(api);
}

int api_client(int argc, char **argv)
{
	char cmd[API_LINE_MAX] = "", buf[4096];
	struct sockaddr_un sa;
	bool ok = false, first = true;
	ssize_t n;
	int fd, i;

	if (argc < 3) {
		fprintf(stderr, "usage: hvmm ctl SOCKET status | shutdown [--reboot] [--force] |"
			" remove DEVICE | add DEVICE\n");
		return HVMM_EXIT_USAGE;
	}
	for (i = 2; i < argc; i++) {
		if (strlen(cmd) + strlen(argv[i]) + 2 >= sizeof(cmd)) {
			fprintf(stderr, "hvmm ctl: command too long\n");
			return HVMM_EXIT_USAGE;
		}
		strcat(cmd, argv[i]);
		strcat(cmd, i + 1 < argc ? " " : "\n");
	}
	if (api_addr(argv[1], &sa)) {
		fprintf(stderr, "hvmm ctl: socket path too long\n");
		return HVMM_EXIT_USAGE;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "hvmm ctl: cannot connect to %s: %s\n", argv[1], strerror(errno));
		return HVMM_EXIT_ERROR;
	}
	if (write(fd, cmd, strlen(cmd)) < 0) {
		fprintf(stderr, "hvmm ctl: %s\n", strerror(errno));
		close(fd);
		return HVMM_EXIT_ERROR;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (first)
			ok = !strncmp(buf, "ok\n", 3);
		first = false;
		fwrite(buf, 1, (size_t)n, stdout);
	}
	close(fd);
	return ok ? 0 : HVMM_EXIT_ERROR;
}
