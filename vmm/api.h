/* SPDX-License-Identifier: MIT */
/*
 * The host control socket (`--api unix:PATH`) and its client (`hvmm ctl`).
 *
 * Protocol: the client connects, sends one command line, the server
 * answers with text lines and closes. The first line is "ok" or
 * "error: <reason>". Commands:
 *   status                         VM state, VMBus and per-device state
 *   shutdown [--reboot] [--force]  ask the guest through the shutdown IC
 *                                  (--force: stop the VM at once instead)
 */
#ifndef HVMM_API_H
#define HVMM_API_H

struct vm;
struct api;

/* Listen on `path` (an existing socket file is replaced). 0 or -errno. */
int api_start(struct vm *vm, const char *path, struct api **out);
void api_stop(struct api *api);

/* `hvmm ctl PATH COMMAND...`: returns the process exit status. */
int api_client(int argc, char **argv);

#endif
