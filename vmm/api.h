/* SPDX-License-Identifier: MIT */
/*
 * The host control socket (`--api unix:PATH`) and its client (`hvmm ctl`).
 *
 * Protocol: the client connects, sends one command line, the server
 * answers with text lines and closes. The first line is "ok" or
 * "error: <reason>". Commands:
 *   status                         VM state, serial console, VMBus and
 *                                  per-device state
 *   status-json (= status --json)  the same for programs: "ok", then one
 *                                  JSON object on one line (status_json.h,
 *                                  docs/regress.md section 2)
 *   regs                           every vCPU's registers (pauses the
 *                                  vCPUs for a moment; error after 1 s)
 *   shutdown [--reboot] [--force]  ask the guest through the shutdown IC
 *                                  (--force: stop the VM at once instead)
 *   remove DEVICE / add DEVICE     hot-remove or re-offer a VMBus device
 *
 * Limits (a local client must not be able to wedge or kill hvmm): one
 * thread serves up to max_clients connections at once with non-blocking
 * I/O; each connection has client_timeout_ms for the whole exchange (its
 * command line, then the reply) and is closed after it. A line longer than
 * API_LINE_MAX - 1 bytes or with a non-printable byte gets an error reply;
 * a connection over the cap gets "error: too many control clients" and is
 * closed. Replies are sent with MSG_NOSIGNAL: a client that goes away
 * costs nothing. api_stop() returns without waiting for any client.
 */
#ifndef HVMM_API_H
#define HVMM_API_H

#include <stdbool.h>
#include <stddef.h>

#define API_LINE_MAX 256
#define API_CLIENT_TIMEOUT_MS 5000
#define API_MAX_CLIENTS 8
#define API_CTL_TIMEOUT_S 10   /* `hvmm ctl` default --timeout */

struct vm;
struct api;

struct api_limits {
	unsigned int client_timeout_ms; /* whole exchange, per connection */
	unsigned int max_clients;       /* connections served at once */
};

/* Listen on `path` (an existing socket file is replaced). 0 or -errno. */
int api_start(struct vm *vm, const char *path, struct api **out);
/* The same with explicit limits (tests); NULL means the defaults above. */
int api_start_limits(struct vm *vm, const char *path, const struct api_limits *lim,
		     struct api **out);
/* Stop serving, close every connection, remove the socket file. */
void api_stop(struct api *api);

/*
 * One request as `hvmm ctl` makes it: connect to `path`, send `cmd` (one
 * line, newline included), read the reply to its end, all within
 * timeout_ms. Returns 0, -ETIMEDOUT or another -errno; *reply (malloc'ed,
 * NUL-terminated, possibly partial on error) is set whenever bytes came.
 */
int api_request(const char *path, const char *cmd, unsigned int timeout_ms,
		char **reply, size_t *reply_len);

/* True if the reply's whole first line is "ok". */
bool api_reply_ok(const char *reply, size_t len);

/*
 * `hvmm ctl [--timeout SECONDS] SOCKET COMMAND...`: returns the process
 * exit status: 0 "ok", 1 an error reply or no connection, 2 usage,
 * 5 no complete reply within the timeout.
 */
int api_client(int argc, char **argv);

#endif
