/* SPDX-License-Identifier: MIT */
/*
 * Test scaffolding for the gdbstub session: a fake target (gdb_fake.h),
 * packets framed and fed like gdb's, replies decoded with the stub's own
 * parser (tested on its own in test_gdb_rsp.c).
 */
#ifndef HVMM_GDB_SESSION_TEST_H
#define HVMM_GDB_SESSION_TEST_H

#include <stdio.h>
#include <stdlib.h>

#include "gdb/rsp.h"
#include "gdb_fake.h"
#include "unit.h"

/* Not every runner uses every helper. */
#define TEST_FN static __attribute__((unused))

static struct fake F;
static struct gdb_session *S;
static struct rsp_parser reply_parser;
static size_t reply_len;
static int input_rc;

TEST_FN void setup(void)
{
	fake_init(&F, 2);
	S = gdb_session_new(&fake_ops, &F);
	ck_assert_ptr_nonnull(S);
}

TEST_FN void teardown(void)
{
	gdb_session_free(S);
	S = NULL;
}

/* The first reply packet in tx[from..]; NULL if none. */
TEST_FN const char *decode_from(size_t from)
{
	size_t i;

	rsp_init(&reply_parser);
	for (i = from; i < F.tx_len; i++)
		if (rsp_feed(&reply_parser, (uint8_t)F.tx[i]) == RSP_EV_PACKET) {
			reply_len = reply_parser.len;
			return (const char *)reply_parser.buf;
		}
	return NULL;
}

/* Feed raw bytes; the reply packet they caused (or NULL). */
TEST_FN const char *feed_raw(const void *bytes, size_t n)
{
	size_t from = F.tx_len;

	input_rc = gdb_session_input(S, bytes, n);
	return decode_from(from);
}

TEST_FN const char *ask_n(const void *pkt, size_t len)
{
	char *frame = malloc(RSP_FRAME_MAX(len));
	const char *r;
	long n;

	ck_assert_ptr_nonnull(frame);
	n = rsp_encode(pkt, len, frame, RSP_FRAME_MAX(len));
	ck_assert_int_gt(n, 0);
	r = feed_raw(frame, (size_t)n);
	free(frame);
	return r;
}

TEST_FN const char *ask(const char *pkt)
{
	return ask_n(pkt, strlen(pkt));
}

/* The reply must be exactly `want`. */
#define ASK_EQ(pkt, want)                                   \
	do {                                                \
		const char *_r = ask(pkt);                  \
		ck_assert_msg(_r != NULL, "no reply to %s", pkt); \
		ck_assert_str_eq(_r, want);                 \
	} while (0)

/* An error reply "Exx". */
#define ASK_ERR(pkt)                                                          \
	do {                                                                  \
		const char *_r = ask(pkt);                                    \
		ck_assert_msg(_r != NULL, "no reply to %s", pkt);             \
		ck_assert_msg(_r[0] == 'E' && strlen(_r) == 3, "%s -> '%s'", pkt, _r); \
	} while (0)

#endif
