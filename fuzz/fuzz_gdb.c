// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: bytes from a "gdb" through the RSP parser and the
 * gdbstub dispatcher (vmm/gdb/) into the fake target of the unit tests
 * (tests/unit/gdb_fake.h). Checks: no crash or sanitizer report, every
 * tx is '+', '-' or exactly one well-formed frame within the packet
 * size, the MMIO page is never touched, a detached or killed session
 * stays quiet.
 *
 * Input: byte 0 = vCPU count (1..4), bit 7: translate through page
 * tables in the fake RAM (gdb_walk.c; gdb's own P/M packets set CR3 and
 * write the tables) instead of the fixed fake mapping; then chunks of
 * (byte % 64) + 1 bytes; after each chunk a running VM reports a stop
 * whose reason comes from the chunk's length byte.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdb_fake.h"
#include "gdb/rsp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fake fk;
static struct rsp_parser check;
static int finished;

static int fz_tx(void *t, const void *buf, size_t len)
{
	const uint8_t *b = buf;
	unsigned int packets = 0;
	size_t i;

	if (finished)
		abort(); /* nothing may follow the last reply of D/k */
	if (len == 1 && (b[0] == '+' || b[0] == '-'))
		return 0;
	if (len > RSP_FRAME_MAX(RSP_MAX_PACKET) || b[0] != '$')
		abort();
	rsp_init(&check);
	for (i = 0; i < len; i++) {
		enum rsp_event ev = rsp_feed(&check, b[i]);

		if (ev == RSP_EV_PACKET)
			packets++;
		else if (ev != RSP_EV_NONE)
			abort();
	}
	if (packets != 1 || check.state != RSP_IDLE)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gdb_target_ops ops = fake_ops;
	struct gdb_session *s;
	size_t i = 1;

	if (!size)
		return 0;
	ops.tx = fz_tx;
	if (data[0] & 0x80)
		ops.translate = fake_walk_translate;
	fake_init(&fk, 1 + data[0] % 4);
	finished = 0;
	s = gdb_session_new(&ops, &fk);
	if (!s)
		return 0;
	while (i < size) {
		size_t n = (size_t)(data[i] % 64) + 1;
		uint8_t why = data[i];
		int r;

		i++;
		if (n > size - i)
			n = size - i;
		r = gdb_session_input(s, data + i, n);
		i += n;
		if (r != 0) {
			finished = 1;
			break;
		}
		if (gdb_session_running(s)) {
			struct gdb_stop st = { .reason = (enum gdb_stop_reason)(why % 7),
					       .vcpu = why >> 3, .signal = why & 0x1f,
					       .addr = 0x601000 };

			gdb_session_stopped(s, &st);
		}
	}
	if (fk.n_mmio)
		abort();
	/* After D/k the session takes nothing more. */
	if (finished && gdb_session_input(s, (const uint8_t *)"$g#67", 5) != 1)
		abort();
	gdb_session_free(s);
	return 0;
}
