// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: arbitrary bytes as a guest's answer on an IC
 * channel, fed to every response parser in devices/ic. The parsers must
 * never read outside the input, whatever it says; any result pointer
 * they return must point inside it.
 *
 * Build and run with clang's libFuzzer runtime (Debian bookworm ships it
 * in libclang-rt-14-dev):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -Ivmm -Idevices
 *         fuzz/fuzz_ic.c devices/ic/icmsg.c devices/ic/ic_timesync.c
 *         devices/ic/ic_kvp.c vmm/util.c -o /tmp/fzic
 *   /tmp/fzic -max_total_time=30
 *
 * Only the pure codec files: ic_dev.c (the channel device) needs VMBus.
 *
 * The first input byte picks the transaction id the "host" expects, so
 * the fuzzer can reach past the txid check; the rest is the payload,
 * copied into an exactly-sized heap buffer so ASan sees any overread.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ic/icmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_in(const uint8_t *p, size_t n, const uint8_t *buf, size_t len)
{
	if (p && (p < buf || p + n > buf + len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ic_negotiated nvs[] = {
		{ { 3, 0 }, { 4, 0 } }, { { 3, 0 }, { 3, 0 } }, { { 1, 0 }, { 1, 0 } },
	};
	struct ic_negotiated nv;
	struct ic_kvp_result kr;
	struct ic_timesync ts;
	struct ic_resp r;
	uint64_t next;
	uint32_t st;
	uint8_t txid, *buf;
	size_t len;

	if (size < 1)
		return 0;
	txid = data[0];
	len = size - 1;
	buf = malloc(len ? len : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, len);

	for (uint16_t type = 0; type <= ICMSGTYPE_FCOPY; type++)
		if (ic_parse_response(buf, len, type, txid, &r) == 0)
			check_in(r.body, r.body_len, buf, len);

	for (int s = 0; s < IC_SVC_NR; s++)
		ic_negotiate_parse(buf, len, txid, ic_offer_for((enum ic_service)s), &nv);

	ic_shutdown_parse(buf, len, txid, &st);
	ic_heartbeat_parse(buf, len, txid, txid * 0x0101010101010101ULL, &next);
	ic_heartbeat_parse(buf, len, txid, UINT64_MAX, &next);

	for (size_t i = 0; i < sizeof(nvs) / sizeof(nvs[0]); i++)
		ic_timesync_parse(buf, len, txid, &nvs[i], &ts, &st);

	for (uint8_t pool = 0; pool < IC_KVP_POOL_COUNT; pool++) {
		if (ic_kvp_enumerate_parse(buf, len, txid, pool, txid, &kr) == 0 &&
		    kr.outcome == IC_KVP_ITEM) {
			check_in(kr.key, kr.key_size, buf, len);
			check_in(kr.value, kr.value_size, buf, len);
		}
	}

	free(buf);
	return 0;
}
