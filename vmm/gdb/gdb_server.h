/* SPDX-License-Identifier: MIT */
/*
 * The gdbstub's transport and stub thread (docs/gdbstub.md, section 2):
 * listens on `--gdb tcp:[HOST:]PORT` (HOST 127.0.0.1 unless given) or
 * `unix:PATH`, serves one gdb at a time with a gdb_session, and takes
 * stop reports from vCPU threads without ever making them wait for the
 * socket. A gdb that goes away without D/k is hung up (breakpoints
 * removed, VM running) and the next one can attach.
 *
 * The KVM glue implements struct gdb_target_ops (its tx is unused: the
 * server sends) and calls gdb_server_report_stop() once every vCPU is
 * parked. The ops run on the stub thread.
 */
#ifndef HVMM_GDB_SERVER_H
#define HVMM_GDB_SERVER_H

#include <stdbool.h>
#include <sys/socket.h>

#include "gdb.h"

struct gdb_addr {
	int family;                 /* AF_INET, AF_INET6 or AF_UNIX */
	struct sockaddr_storage sa;
	socklen_t len;
};

/* "tcp:PORT", "tcp:HOST:PORT" (HOST numeric IPv4/IPv6 or localhost),
 * "unix:PATH" -> a bindable address; -EINVAL. */
int gdb_addr_parse(const char *spec, struct gdb_addr *a);

struct gdb_server;

/*
 * Bind, listen and start the stub thread. `stopped`: the vCPUs are
 * already held (--gdb-wait) so the first gdb finds them stopped;
 * otherwise an attaching gdb first stops the VM with ops->stop_all.
 */
int gdb_server_start(const char *spec, const struct gdb_target_ops *ops, void *target,
		     bool stopped, struct gdb_server **out);

/* Hang up any client, join the thread, close and unlink. NULL is fine. */
void gdb_server_stop(struct gdb_server *srv);

/* The TCP port bound (for tcp:...:0), or 0. */
unsigned int gdb_server_port(const struct gdb_server *srv);

/* Any thread: every vCPU is parked because of `stop`. Never blocks on I/O. */
void gdb_server_report_stop(struct gdb_server *srv, const struct gdb_stop *stop);

#endif
