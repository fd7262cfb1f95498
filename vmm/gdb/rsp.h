/* SPDX-License-Identifier: MIT */
/*
 * GDB remote serial protocol framing (gdb docs, "Overview" and "Packets"
 * of the Remote Protocol appendix): a byte-fed state machine for
 * "$payload#xx" with checksum, '}' escapes and run-length encoding
 * ("X*n" repeats X n-29 more times), the out-of-band 0x03 interrupt and
 * the '+'/'-' acknowledgements; and the reply encoder.
 *
 * The parser never grows: a payload longer than RSP_MAX_PACKET is
 * consumed up to its '#xx' and reported as RSP_EV_OVERLONG, so the
 * stream resynchronises at the next '$'.
 */
#ifndef HVMM_GDB_RSP_H
#define HVMM_GDB_RSP_H

#include <stddef.h>
#include <stdint.h>

/* Decoded payload bytes we accept (advertised as PacketSize). */
#define RSP_MAX_PACKET 16384

enum rsp_event {
	RSP_EV_NONE,          /* need more bytes */
	RSP_EV_PACKET,        /* p->buf[0..p->len) holds a payload (NUL-terminated) */
	RSP_EV_INTERRUPT,     /* 0x03 outside a packet */
	RSP_EV_ACK,           /* '+' */
	RSP_EV_NAK,           /* '-': resend the last reply */
	RSP_EV_BAD_CHECKSUM,  /* answer '-' (ack mode) */
	RSP_EV_OVERLONG,      /* checksum ok but too long: answer an error */
	RSP_EV_MALFORMED,     /* bad escape or run length: answer an error */
};

enum rsp_state { RSP_IDLE, RSP_DATA, RSP_ESCAPE, RSP_RUN, RSP_SUM1, RSP_SUM2 };

struct rsp_parser {
	enum rsp_state state;
	uint8_t sum;          /* running checksum of the raw payload bytes */
	uint8_t want;         /* checksum received */
	int bad;              /* 0, RSP_EV_OVERLONG or RSP_EV_MALFORMED */
	size_t len;
	uint8_t buf[RSP_MAX_PACKET + 1];
};

void rsp_init(struct rsp_parser *p);
enum rsp_event rsp_feed(struct rsp_parser *p, uint8_t c);

/*
 * Frame `len` payload bytes as "$...#xx" into out (escaping '$' '#' '}'
 * '*'). Returns the frame length, or -ENOSPC if cap is too small.
 */
long rsp_encode(const void *payload, size_t len, char *out, size_t cap);

/* Worst-case frame length of a payload of n bytes. */
#define RSP_FRAME_MAX(n) (2 * (size_t)(n) + 4)

#endif
