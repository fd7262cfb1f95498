// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for the VMBus server/channel state machine: the real
 * server.c, channel.c, ring.c and the IC heartbeat device, with their own
 * threads, on fake guest RAM behind the same seam as the unit tests
 * (tests/unit/vmbus_fake_guest.h, hyperv_init_stub).
 *
 * Each input is a script for a hostile guest and host: channel messages
 * in any order (open/close/GPADL/teardown/unload/reinitiate/release/
 * modify, and raw bytes), EOMs that free the message slot or leave it
 * busy, guest ring writes, reads, signals and index corruption, host
 * removal/re-adding and kicks. After every step the server is synced
 * (vmbus_sync: a wedged server is a finding) and status is read on every
 * channel; at the end the device/server agreement is checked:
 *  - a device was told close once per open it was told;
 *  - it is open exactly when the server's channel is OPEN, whose rings
 *    are mapped.
 * Any violation aborts; ASan/UBSan catch the rest.
 *
 * Input: a sequence of 3-byte steps [op, relid, arg]; op FG_NR_OPS is a
 * raw message whose length is arg and whose bytes follow.
 *
 * Build and run: make fuzz (FUZZ_SECONDS each), or
 *   make build/fuzz/fuzz_vmbus_server && build/fuzz/fuzz_vmbus_server -max_total_time=60
 */
#include <stdio.h>
#include <stdlib.h>

#include "vmbus_fake_guest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct fg G;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_level = -1; /* the scripts make the server log on purpose */
	return 0;
}

static void check(bool ok, const char *what, unsigned int relid)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz_vmbus_server: channel %u: %s\n", relid, what);
	abort();
}

static void sync_or_die(void)
{
	check(vmbus_sync(G.bus, FG_TIMEOUT_MS) == 0, "server or device thread wedged", 0);
}

static void check_agreement(void)
{
	unsigned int i;

	for (i = 0; i < G.nrec; i++) {
		struct vmbus_channel *ch = G.rec[i].ch;
		unsigned long o = fg_get(&G.rec[i].opens), c = fg_get(&G.rec[i].closes);
		bool dev_open = vmbus_chan_is_open(ch);

		check(o == c || o == c + 1, "opens and closes disagree", i + 1);
		check(dev_open == (o == c + 1), "device state and callbacks disagree", i + 1);
		check(dev_open == (ch->state == CHAN_OPEN), "device open but channel not OPEN",
		      i + 1);
		check(ch->state == CHAN_OFFERED || ch->rings.send.hdr, "open without rings", i + 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t i = 0;

	if (fg_setup(&G, 2))
		abort();
	/* Connected with offers by default, so scripts start somewhere useful. */
	if (size && data[0] & 1) {
		fg_step(&G, FG_INITIATE, 0, 1);
		fg_step(&G, FG_REQUEST_OFFERS, 0, 0);
		sync_or_die();
		fg_step(&G, FG_DRAIN, 0, 0);
		i = 1;
	}
	while (i + 3 <= size) {
		unsigned int op = data[i] % (FG_NR_OPS + 1);
		uint32_t relid = data[i + 1] % 5; /* 0 and 4 are not channels */
		uint32_t arg = data[i + 2];

		i += 3;
		if (op == FG_NR_OPS) {
			uint8_t msg[VMBUS_MSG_MAX] = { 0 };
			uint32_t len = MIN(arg % (VMBUS_MSG_MAX + 1), (uint32_t)(size - i));

			memcpy(msg, data + i, len);
			i += len;
			fg_post_once(&G, msg, len);
		} else {
			/* Arg high bits from the relid byte: index values, write sizes. */
			fg_step(&G, (enum fg_op)op, relid, arg | (uint32_t)(data[i - 2] & 0xf0) << 4);
		}
		sync_or_die();
		fg_status(&G);
	}
	fg_step(&G, FG_DRAIN, 0, 0);
	sync_or_die();
	check_agreement();
	fg_teardown_all(&G);
	return 0;
}
