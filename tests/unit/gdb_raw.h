/* SPDX-License-Identifier: MIT */
/*
 * A raw gdb client for the stub's socket tests (test_gdb_server.c,
 * test_vm_gdb.c): connect, send one framed packet, read one reply, all
 * bounded by 5 s so a stub that never answers fails the test instead of
 * hanging it.
 */
#ifndef HVMM_GDB_RAW_TEST_H
#define HVMM_GDB_RAW_TEST_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gdb/gdb_server.h"
#include "gdb/rsp.h"
#include "unit.h"

#define RAW_WAIT_MS 5000

static __attribute__((unused)) int connect_to(const struct gdb_addr *a)
{
	int fd = socket(a->family, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (const struct sockaddr *)&a->sa, a->len), 0);
	return fd;
}

/* Connect to 127.0.0.1:port. */
static __attribute__((unused)) int connect_port(unsigned int port)
{
	struct gdb_addr a;

	ck_assert_int_eq(gdb_addr_parse("tcp:127.0.0.1:1", &a), 0);
	((struct sockaddr_in *)&a.sa)->sin_port = htons((uint16_t)port);
	return connect_to(&a);
}

/* Read until one whole reply frame is in; its payload (after "+$"). */
static __attribute__((unused)) const char *raw_reply(int fd, bool acked)
{
	static char buf[4096];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t len = 0;

	while (len < sizeof(buf) - 1 && poll(&p, 1, RAW_WAIT_MS) == 1) {
		ssize_t k = read(fd, buf + len, sizeof(buf) - 1 - len);

		ck_assert_int_gt(k, 0);
		len += (size_t)k;
		buf[len] = 0;
		if (len > 4 && buf[len - 3] == '#')
			break;
	}
	if (!acked) {
		ck_assert_msg(len > 3 && buf[0] == '$', "raw reply '%s'", buf);
		buf[len - 3] = 0;
		return buf + 1;
	}
	ck_assert_msg(len > 4 && buf[0] == '+' && buf[1] == '$', "raw reply '%s'", buf);
	buf[len - 3] = 0;
	return buf + 2;
}

/* Send one packet, return the reply payload (after the '+'). */
static __attribute__((unused)) const char *raw_ask(int fd, const char *pkt)
{
	char frame[256];
	long n = rsp_encode(pkt, strlen(pkt), frame, sizeof(frame));

	ck_assert_int_eq(write(fd, frame, (size_t)n), n);
	return raw_reply(fd, true);
}

/* Send one packet whose reply comes later (c, s, vCont); read its '+'. */
static __attribute__((unused)) void raw_send(int fd, const char *pkt)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char frame[256], ack;
	long n = rsp_encode(pkt, strlen(pkt), frame, sizeof(frame));

	ck_assert_int_eq(write(fd, frame, (size_t)n), n);
	ck_assert_int_eq(poll(&p, 1, RAW_WAIT_MS), 1);
	ck_assert_int_eq(read(fd, &ack, 1), 1);
	ck_assert_int_eq(ack, '+');
}

#endif
