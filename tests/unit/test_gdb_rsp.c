// SPDX-License-Identifier: MIT
/* GDB RSP framing (vmm/gdb/rsp.c): parser in any byte split, encoder. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdb/rsp.h"
#include "unit.h"

static struct rsp_parser p;

/* Feed `s`, collect events; returns the last non-NONE one. */
static enum rsp_event feed(const char *s, size_t n, unsigned int *count)
{
	enum rsp_event last = RSP_EV_NONE, ev;
	size_t i;

	*count = 0;
	for (i = 0; i < n; i++) {
		ev = rsp_feed(&p, (uint8_t)s[i]);
		if (ev != RSP_EV_NONE) {
			last = ev;
			(*count)++;
		}
	}
	return last;
}

static enum rsp_event feed_str(const char *s)
{
	unsigned int c;

	return feed(s, strlen(s), &c);
}

START_TEST(simple_packet)
{
	rsp_init(&p);
	ck_assert_int_eq(feed_str("$qSupported#37"), RSP_EV_PACKET);
	ck_assert_uint_eq(p.len, 10);
	ck_assert_str_eq((char *)p.buf, "qSupported");
	ck_assert_int_eq(feed_str("$g#67"), RSP_EV_PACKET);
	ck_assert_str_eq((char *)p.buf, "g");
	/* Upper-case checksum digits are accepted too. */
	ck_assert_int_eq(feed_str("$vCont?#49"), RSP_EV_PACKET);
	ck_assert_int_eq(feed_str("$:#3A"), RSP_EV_PACKET);
}
END_TEST

/* Every split point of a stream of three packets gives the same result. */
START_TEST(any_split)
{
	const char *stream = "+$m1000,4#8e-$g#67\x03$qC#b4";
	size_t n = strlen(stream), cut, i;

	for (cut = 0; cut <= n; cut++) {
		char got[64] = "";
		enum rsp_event ev;

		rsp_init(&p);
		for (i = 0; i < n; i++) {
			ev = rsp_feed(&p, (uint8_t)stream[i]);
			if (ev == RSP_EV_PACKET) {
				strcat(got, (char *)p.buf);
				strcat(got, "|");
			} else if (ev != RSP_EV_NONE) {
				char e[8];

				snprintf(e, sizeof(e), "<%d>", ev);
				strcat(got, e);
			}
			if (i + 1 == cut) /* state survives between calls */
				ck_assert_int_ne(p.state, 99);
		}
		ck_assert_str_eq(got, "<3>m1000,4|<4>g|<2>qC|");
	}
}
END_TEST

START_TEST(bad_checksum)
{
	rsp_init(&p);
	ck_assert_int_eq(feed_str("$g#68"), RSP_EV_BAD_CHECKSUM);
	ck_assert_uint_eq(p.len, 0);
	/* Not hex: bad, and the parser is back to idle. */
	ck_assert_int_eq(feed_str("$g#z7"), RSP_EV_BAD_CHECKSUM);
	ck_assert_int_eq(feed_str("$g#67"), RSP_EV_PACKET);
	/* A '$' where the checksum should be starts the next packet. */
	ck_assert_int_eq(feed_str("$g#$g#67"), RSP_EV_PACKET);
	ck_assert_str_eq((char *)p.buf, "g");
}
END_TEST

START_TEST(escape_and_rle)
{
	char frame[64];
	long n;

	rsp_init(&p);
	/* "X}]" = "X}" escaped: '}' ^ 0x20 = ']' */
	n = rsp_encode("X}#$*", 5, frame, sizeof(frame));
	ck_assert_int_gt(n, 0);
	frame[n] = 0;
	ck_assert_str_eq(frame, "$X}]}\x03}\x04}\x0a#ba");
	ck_assert_int_eq(feed_str(frame), RSP_EV_PACKET);
	ck_assert_uint_eq(p.len, 5);
	ck_assert_mem_eq(p.buf, "X}#$*", 5);
	/* "0* " = '0' and 3 more (' ' is 32, 32 - 29 = 3). */
	ck_assert_int_eq(feed_str("$0* #7a"), RSP_EV_PACKET);
	ck_assert_str_eq((char *)p.buf, "0000");
	/* A run with nothing before it, or a bad count. */
	ck_assert_int_eq(feed_str("$* #4a"), RSP_EV_MALFORMED);
	ck_assert_int_eq(feed_str("$a*\x01#8c"), RSP_EV_MALFORMED);
	/* Cut after an escape: malformed, and the '#' still ends it. */
	ck_assert_int_eq(feed_str("$a}#de"), RSP_EV_MALFORMED);
	ck_assert_int_eq(feed_str("$g#67"), RSP_EV_PACKET);
}
END_TEST

START_TEST(interrupt_and_acks)
{
	unsigned int c;

	rsp_init(&p);
	ck_assert_int_eq(rsp_feed(&p, 0x03), RSP_EV_INTERRUPT);
	ck_assert_int_eq(rsp_feed(&p, '+'), RSP_EV_ACK);
	ck_assert_int_eq(rsp_feed(&p, '-'), RSP_EV_NAK);
	ck_assert_int_eq(rsp_feed(&p, 'x'), RSP_EV_NONE);
	/* Inside a packet 0x03 is data. */
	ck_assert_int_eq(feed("$\x03#03", 5, &c), RSP_EV_PACKET);
	ck_assert_uint_eq(c, 1);
	ck_assert_uint_eq(p.buf[0], 3);
}
END_TEST

START_TEST(overlong_resyncs)
{
	size_t n = RSP_MAX_PACKET + 10, i;
	uint8_t sum = 0;
	char tail[8];

	rsp_init(&p);
	rsp_feed(&p, '$');
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(rsp_feed(&p, 'a'), RSP_EV_NONE);
		sum += 'a';
	}
	snprintf(tail, sizeof(tail), "#%02x", sum);
	ck_assert_int_eq(feed_str(tail), RSP_EV_OVERLONG);
	ck_assert_int_eq(feed_str("$g#67"), RSP_EV_PACKET);
	/* A run that would overflow is cut the same way. */
	rsp_feed(&p, '$');
	sum = 0;
	for (i = 0; i < RSP_MAX_PACKET / 90 + 2; i++) {
		rsp_feed(&p, 'b');
		rsp_feed(&p, '*');
		rsp_feed(&p, '~'); /* 126 - 29 = 97 more */
		sum += 'b' + '*' + '~';
	}
	snprintf(tail, sizeof(tail), "#%02x", sum);
	ck_assert_int_eq(feed_str(tail), RSP_EV_OVERLONG);
	/* Exactly the maximum is fine. */
	rsp_feed(&p, '$');
	sum = 0;
	for (i = 0; i < RSP_MAX_PACKET; i++) {
		rsp_feed(&p, 'c');
		sum += 'c';
	}
	snprintf(tail, sizeof(tail), "#%02x", sum);
	ck_assert_int_eq(feed_str(tail), RSP_EV_PACKET);
	ck_assert_uint_eq(p.len, RSP_MAX_PACKET);
}
END_TEST

START_TEST(encode_bounds)
{
	char out[16];
	uint8_t all[256];
	char *big = malloc(RSP_FRAME_MAX(256));
	long n;
	int i;

	ck_assert_int_eq(rsp_encode("OK", 2, out, sizeof(out)), 6);
	ck_assert_mem_eq(out, "$OK#9a", 6);
	ck_assert_int_eq(rsp_encode("", 0, out, sizeof(out)), 4);
	ck_assert_mem_eq(out, "$#00", 4);
	ck_assert_int_eq(rsp_encode("OK", 2, out, 5), -ENOSPC);
	ck_assert_int_eq(rsp_encode("##", 2, out, 7), -ENOSPC);
	ck_assert_int_eq(rsp_encode("##", 2, out, 8), 8);
	/* Round trip of every byte value, worst case fits RSP_FRAME_MAX. */
	for (i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	ck_assert_ptr_nonnull(big);
	n = rsp_encode(all, 256, big, RSP_FRAME_MAX(256));
	ck_assert_int_gt(n, 0);
	rsp_init(&p);
	for (i = 0; i < n; i++)
		rsp_feed(&p, (uint8_t)big[i]);
	ck_assert_uint_eq(p.len, 256);
	ck_assert_mem_eq(p.buf, all, 256);
	free(big);
}
END_TEST

static Suite *gdb_rsp_suite(void)
{
	Suite *s = suite_create("gdb_rsp");
	TCase *tc = tcase_create("rsp");

	tcase_add_test(tc, simple_packet);
	tcase_add_test(tc, any_split);
	tcase_add_test(tc, bad_checksum);
	tcase_add_test(tc, escape_and_rle);
	tcase_add_test(tc, interrupt_and_acks);
	tcase_add_test(tc, overlong_resyncs);
	tcase_add_test(tc, encode_bounds);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(gdb_rsp_suite)
