// SPDX-License-Identifier: MIT
/* GDB RSP framing (rsp.h): the parser and the reply encoder. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "rsp.h"
#include "util.h"

void rsp_init(struct rsp_parser *p)
{
	p->state = RSP_IDLE;
	p->len = 0;
	p->sum = 0;
	p->bad = 0;
	p->buf[0] = 0;
}

static void put(struct rsp_parser *p, uint8_t c)
{
	if (p->len >= RSP_MAX_PACKET) {
		if (!p->bad)
			p->bad = RSP_EV_OVERLONG;
		return;
	}
	p->buf[p->len++] = c;
}

/* "X*n": n - 29 more copies of the last byte (gdb docs, "Run-length
 * encoding"); n is printable and never '#' or '$'. */
static void run(struct rsp_parser *p, uint8_t n)
{
	int i, count = (int)n - 29;

	if (!p->len || n < 32 || n > 126 || n == '#' || n == '$') {
		p->bad = RSP_EV_MALFORMED;
		return;
	}
	for (i = 0; i < count; i++)
		put(p, p->buf[p->len - 1]);
}

static enum rsp_event finish(struct rsp_parser *p)
{
	enum rsp_event ev;

	p->state = RSP_IDLE;
	if (p->sum != p->want)
		ev = RSP_EV_BAD_CHECKSUM;
	else if (p->bad)
		ev = (enum rsp_event)p->bad;
	else
		ev = RSP_EV_PACKET;
	p->buf[ev == RSP_EV_PACKET ? p->len : 0] = 0;
	if (ev != RSP_EV_PACKET)
		p->len = 0;
	return ev;
}

enum rsp_event rsp_feed(struct rsp_parser *p, uint8_t c)
{
	int v;

	switch (p->state) {
	case RSP_IDLE:
		if (c == '$') {
			p->state = RSP_DATA;
			p->len = 0;
			p->sum = 0;
			p->bad = 0;
			return RSP_EV_NONE;
		}
		if (c == 0x03)
			return RSP_EV_INTERRUPT;
		if (c == '+')
			return RSP_EV_ACK;
		if (c == '-')
			return RSP_EV_NAK;
		return RSP_EV_NONE; /* noise between packets */
	case RSP_DATA:
		if (c == '#') {
			p->state = RSP_SUM1;
			return RSP_EV_NONE;
		}
		if (c == '$') { /* a new packet: the old one was cut */
			p->len = 0;
			p->sum = 0;
			p->bad = 0;
			return RSP_EV_NONE;
		}
		p->sum += c;
		if (c == '}')
			p->state = RSP_ESCAPE;
		else if (c == '*')
			p->state = RSP_RUN;
		else
			put(p, c);
		return RSP_EV_NONE;
	case RSP_ESCAPE:
	case RSP_RUN:
		if (c == '#' || c == '$') { /* cut in the middle of a pair */
			p->bad = RSP_EV_MALFORMED;
			p->state = RSP_DATA;
			return rsp_feed(p, c);
		}
		p->sum += c;
		if (p->state == RSP_ESCAPE)
			put(p, c ^ 0x20);
		else
			run(p, c);
		p->state = RSP_DATA;
		return RSP_EV_NONE;
	case RSP_SUM1:
	case RSP_SUM2:
		v = hex_digit(c);
		if (v < 0) {
			/* Not a checksum: the packet is bad; a '$' already starts
			 * the next one (the idle state never reports for '$'). */
			p->state = RSP_IDLE;
			p->len = 0;
			p->buf[0] = 0;
			if (c == '$')
				rsp_feed(p, c);
			return RSP_EV_BAD_CHECKSUM;
		}
		if (p->state == RSP_SUM1) {
			p->want = (uint8_t)(v << 4);
			p->state = RSP_SUM2;
			return RSP_EV_NONE;
		}
		p->want |= (uint8_t)v;
		return finish(p);
	}
	return RSP_EV_NONE;
}

long rsp_encode(const void *payload, size_t len, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *s = payload;
	uint8_t sum = 0;
	size_t i, n = 0;

	if (cap < 4)
		return -ENOSPC;
	out[n++] = '$';
	for (i = 0; i < len; i++) {
		uint8_t c = s[i];
		bool esc = c == '$' || c == '#' || c == '}' || c == '*';

		/* Keep room for this byte (escaped: 2) and "#xx". */
		if (n + (esc ? 2 : 1) + 3 > cap)
			return -ENOSPC;
		if (esc) {
			out[n++] = '}';
			sum += '}';
			c ^= 0x20;
		}
		out[n++] = (char)c;
		sum += c;
	}
	out[n++] = '#';
	out[n++] = hex[sum >> 4];
	out[n++] = hex[sum & 15];
	return (long)n;
}
