// SPDX-License-Identifier: MIT
/*
 * IC heartbeat, time sync and KVP messages (devices/ic/icmsg.c,
 * ic_timesync.c, ic_kvp.c). The guest is played by what Linux's
 * heartbeat_onchannelcallback / timesync_onchannelcallback /
 * kvp_respond_to_host do to the request buffer before echoing it.
 */
#include <errno.h>
#include <string.h>

#include "ic/icmsg.h"
#include "unit.h"

#define OFF_FLAGS (8 + 17)
#define OFF_TYPE (8 + 4)
#define OFF_SIZE (8 + 10)
#define OFF_STATUS (8 + 12)

static uint8_t buf[IC_MAX_REQUEST];

static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static void guest_respond(uint8_t *b, uint32_t status)
{
	put32(b + OFF_STATUS, status);
	b[OFF_FLAGS] = ICMSGHDRFLAG_TRANSACTION | ICMSGHDRFLAG_RESPONSE;
}

static const struct ic_negotiated nv_hb = { { 3, 0 }, { 3, 0 } };
static const struct ic_negotiated nv_ts4 = { { 3, 0 }, { 4, 0 } };
static const struct ic_negotiated nv_ts3 = { { 3, 0 }, { 3, 0 } };
static const struct ic_negotiated nv_ts1 = { { 1, 0 }, { 1, 0 } };
static const struct ic_negotiated nv_kvp = { { 3, 0 }, { 4, 0 } };

/* ---- heartbeat ---- */

START_TEST(heartbeat_roundtrip)
{
	static const uint64_t seqs[] = { 0, 1, 41, 0x7fffffffffffffffULL, UINT64_MAX };

	for (unsigned int i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		uint64_t next = 0xabc;
		ssize_t n = ic_heartbeat_request(buf, sizeof(buf), &nv_hb, (uint8_t)i, seqs[i]);

		ck_assert_int_eq(n, 72);               /* 28 + 40, padded */
		ck_assert_uint_eq(get16(buf + OFF_TYPE), ICMSGTYPE_HEARTBEAT);
		ck_assert_uint_eq(get16(buf + OFF_SIZE), 40);
		ck_assert_uint_eq(get64(buf + 28), seqs[i]);
		/* Linux: heartbeat_msg->seq_num += 1 */
		put64(buf + 28, get64(buf + 28) + 1);
		guest_respond(buf, IC_S_OK);
		ck_assert_int_eq(ic_heartbeat_parse(buf, n, (uint8_t)i, seqs[i], &next), 0);
		ck_assert_uint_eq(next, seqs[i] + 1);
	}
}
END_TEST

START_TEST(heartbeat_errors)
{
	uint64_t next = 77;
	ssize_t n = ic_heartbeat_request(buf, sizeof(buf), &nv_hb, 1, 10);

	ck_assert_int_eq(ic_heartbeat_parse(buf, n, 1, 10, &next), -EPROTO); /* unanswered */
	guest_respond(buf, IC_S_OK);
	/* echoed without increment, or some other number */
	ck_assert_int_eq(ic_heartbeat_parse(buf, n, 1, 10, &next), -EPROTO);
	put64(buf + 28, 12);
	ck_assert_int_eq(ic_heartbeat_parse(buf, n, 1, 10, &next), -EPROTO);
	put64(buf + 28, 11);
	ck_assert_int_eq(ic_heartbeat_parse(buf, n, 1, 10, &next), 0);
	ck_assert_uint_eq(next, 11);
	next = 77;
	ck_assert_int_eq(ic_heartbeat_parse(buf, n, 2, 10, &next), -EPROTO);
	put32(buf + OFF_STATUS, IC_E_FAIL);
	ck_assert_int_eq(ic_heartbeat_parse(buf, n, 1, 10, &next), -EREMOTEIO);
	put32(buf + OFF_STATUS, IC_S_OK);
	put16(buf + OFF_SIZE, 7);
	ck_assert_int_eq(ic_heartbeat_parse(buf, n, 1, 10, &next), -EBADMSG);
	put16(buf + OFF_SIZE, 8);                /* 6.x hosts may send only seq */
	ck_assert_int_eq(ic_heartbeat_parse(buf, n, 1, 10, &next), 0);
	ck_assert_int_eq(ic_heartbeat_parse(buf, 35, 1, 10, &next), -EBADMSG);
	ck_assert_int_eq(ic_heartbeat_parse(buf, n, 1, 10, NULL), -EINVAL);
	ck_assert_int_eq(ic_heartbeat_request(buf, sizeof(buf), NULL, 1, 10), -EINVAL);
	ck_assert_int_eq(ic_heartbeat_request(buf, 71, &nv_hb, 1, 10), -ENOSPC);
}
END_TEST

/* ---- time ---- */

START_TEST(time_known_values)
{
	struct timespec ts = { 0, 0 };
	uint64_t ft = 1;

	ck_assert_int_eq(ic_timespec_to_filetime(&ts, &ft), 0);
	ck_assert_uint_eq(ft, 116444736000000000ULL);
	ck_assert_uint_eq(ft, IC_WLTIMEDELTA);

	/* 2000-01-01T00:00:00Z */
	ts.tv_sec = 946684800;
	ck_assert_int_eq(ic_timespec_to_filetime(&ts, &ft), 0);
	ck_assert_uint_eq(ft, 125911584000000000ULL);

	/* 1601-01-01: the Windows epoch itself */
	ts.tv_sec = -11644473600LL;
	ck_assert_int_eq(ic_timespec_to_filetime(&ts, &ft), 0);
	ck_assert_uint_eq(ft, 0);

	/* sub-100 ns truncates */
	ts.tv_sec = 0;
	ts.tv_nsec = 199;
	ck_assert_int_eq(ic_timespec_to_filetime(&ts, &ft), 0);
	ck_assert_uint_eq(ft, IC_WLTIMEDELTA + 1);
	ts.tv_nsec = 999999999;
	ck_assert_int_eq(ic_timespec_to_filetime(&ts, &ft), 0);
	ck_assert_uint_eq(ft, IC_WLTIMEDELTA + 9999999);

	ic_filetime_to_timespec(IC_WLTIMEDELTA, &ts);
	ck_assert_int_eq(ts.tv_sec, 0);
	ck_assert_int_eq(ts.tv_nsec, 0);
	ic_filetime_to_timespec(0, &ts);
	ck_assert_int_eq(ts.tv_sec, -11644473600LL);
	ck_assert_int_eq(ts.tv_nsec, 0);
	ic_filetime_to_timespec(125911584000000123ULL, &ts);
	ck_assert_int_eq(ts.tv_sec, 946684800);
	ck_assert_int_eq(ts.tv_nsec, 12300);
	ic_filetime_to_timespec(UINT64_MAX, &ts);
	ck_assert_int_eq(ts.tv_sec, 1844674407370LL - 11644473600LL);
	ck_assert_int_eq(ts.tv_nsec, 9551615 * 100);
}
END_TEST

START_TEST(time_roundtrip_and_range)
{
	static const struct timespec in[] = {
		{ 0, 0 }, { 1, 100 }, { 1700000000, 123456700 }, { -1, 999999900 },
		{ -11644473600LL, 0 }, { 253402300799LL, 999999900 } /* 9999-12-31 */,
	};
	struct timespec ts, out;
	uint64_t ft;

	for (unsigned int i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		ck_assert_int_eq(ic_timespec_to_filetime(&in[i], &ft), 0);
		ic_filetime_to_timespec(ft, &out);
		ck_assert_int_eq(out.tv_sec, in[i].tv_sec);
		ck_assert_int_eq(out.tv_nsec, in[i].tv_nsec);
	}

	ts.tv_sec = -11644473601LL;
	ts.tv_nsec = 999999999;
	ck_assert_int_eq(ic_timespec_to_filetime(&ts, &ft), -ERANGE);
	ts.tv_sec = INT64_MAX;
	ts.tv_nsec = 0;
	ck_assert_int_eq(ic_timespec_to_filetime(&ts, &ft), -ERANGE);
	ts.tv_sec = INT64_MIN;
	ck_assert_int_eq(ic_timespec_to_filetime(&ts, &ft), -ERANGE);
	ts.tv_sec = 0;
	ts.tv_nsec = 1000000000;
	ck_assert_int_eq(ic_timespec_to_filetime(&ts, &ft), -EINVAL);
	ts.tv_nsec = -1;
	ck_assert_int_eq(ic_timespec_to_filetime(&ts, &ft), -EINVAL);
	ck_assert_int_eq(ic_timespec_to_filetime(NULL, &ft), -EINVAL);

	/* the largest second that still fits */
	ts.tv_nsec = 0;
	ts.tv_sec = (time_t)(UINT64_MAX / 10000000) - 11644473600LL - 1;
	ck_assert_int_eq(ic_timespec_to_filetime(&ts, &ft), 0);
	ts.tv_sec++;
	ck_assert_int_eq(ic_timespec_to_filetime(&ts, &ft), -ERANGE);
}
END_TEST

/* ---- time sync ---- */

START_TEST(timesync_layout_per_version)
{
	struct ic_timesync t = {
		.parenttime = 0x1122334455667788ULL, .childtime = 0xc0c0,
		.roundtriptime = 0xd0d0, .vmreferencetime = 0x99aabbccddeeff00ULL,
		.flags = ICTIMESYNCFLAG_SYNC, .leapflags = 1, .stratum = 2,
	};
	ssize_t n;

	ck_assert(ic_timesync_uses_ref(&nv_ts4));
	ck_assert(!ic_timesync_uses_ref(&nv_ts3));
	ck_assert(!ic_timesync_uses_ref(&nv_ts1));

	n = ic_timesync_request(buf, sizeof(buf), &nv_ts4, 1, &t);
	ck_assert_int_eq(n, 56);                          /* 28 + 22, padded */
	ck_assert_uint_eq(get16(buf + OFF_TYPE), ICMSGTYPE_TIMESYNC);
	ck_assert_uint_eq(get16(buf + OFF_SIZE), 22);
	ck_assert_uint_eq(get16(buf + 8 + 6), 4);
	ck_assert_uint_eq(get64(buf + 28), t.parenttime);
	ck_assert_uint_eq(get64(buf + 36), t.vmreferencetime);
	ck_assert_uint_eq(buf[44], ICTIMESYNCFLAG_SYNC);
	ck_assert_uint_eq(buf[45], 1);
	ck_assert_uint_eq(buf[46], 2);
	for (int i = 47; i < 56; i++)
		ck_assert_uint_eq(buf[i], 0);

	t.flags = ICTIMESYNCFLAG_SAMPLE;
	n = ic_timesync_request(buf, sizeof(buf), &nv_ts3, 2, &t);
	ck_assert_int_eq(n, 56);                          /* 28 + 25, padded */
	ck_assert_uint_eq(get16(buf + OFF_SIZE), 25);
	ck_assert_uint_eq(get16(buf + 8 + 6), 3);
	ck_assert_uint_eq(get64(buf + 28), t.parenttime);
	ck_assert_uint_eq(get64(buf + 36), 0xc0c0);
	ck_assert_uint_eq(get64(buf + 44), 0xd0d0);
	ck_assert_uint_eq(buf[52], ICTIMESYNCFLAG_SAMPLE);

	n = ic_timesync_request(buf, sizeof(buf), &nv_ts1, 2, &t);
	ck_assert_int_eq(n, 56);
	ck_assert_uint_eq(get16(buf + OFF_SIZE), 25);

	ck_assert_int_eq(ic_timesync_request(buf, 55, &nv_ts4, 1, &t), -ENOSPC);
	ck_assert_int_eq(ic_timesync_request(buf, sizeof(buf), &nv_ts4, 1, NULL), -EINVAL);
	ck_assert_int_eq(ic_timesync_request(buf, sizeof(buf), NULL, 1, &t), -EINVAL);
}
END_TEST

START_TEST(timesync_echo)
{
	const struct ic_negotiated *nvs[] = { &nv_ts4, &nv_ts3, &nv_ts1 };
	struct ic_timesync t = {
		.parenttime = 133000000000000000ULL, .childtime = 5,
		.roundtriptime = 6, .vmreferencetime = 123456789,
		.flags = ICTIMESYNCFLAG_SAMPLE, .leapflags = 0, .stratum = 3,
	};

	for (unsigned int i = 0; i < 3; i++) {
		struct ic_timesync e;
		uint32_t st = 1;
		ssize_t n = ic_timesync_request(buf, sizeof(buf), nvs[i], 9, &t);

		guest_respond(buf, IC_S_OK);  /* Linux echoes the sample */
		ck_assert_int_eq(ic_timesync_parse(buf, n, 9, nvs[i], &e, &st), 0);
		ck_assert_uint_eq(st, IC_S_OK);
		ck_assert_uint_eq(e.parenttime, t.parenttime);
		ck_assert_uint_eq(e.flags, t.flags);
		if (i == 0) {
			ck_assert_uint_eq(e.vmreferencetime, t.vmreferencetime);
			ck_assert_uint_eq(e.stratum, 3);
			ck_assert_uint_eq(e.childtime, 0);
		} else {
			ck_assert_uint_eq(e.childtime, 5);
			ck_assert_uint_eq(e.roundtriptime, 6);
			ck_assert_uint_eq(e.vmreferencetime, 0);
		}
	}
}
END_TEST

START_TEST(timesync_malformed)
{
	struct ic_timesync t = { .parenttime = 1 }, e;
	uint32_t st;
	ssize_t n = ic_timesync_request(buf, sizeof(buf), &nv_ts4, 3, &t);

	ck_assert_int_eq(ic_timesync_parse(buf, n, 3, &nv_ts4, &e, &st), -EPROTO);
	guest_respond(buf, IC_E_FAIL);
	ck_assert_int_eq(ic_timesync_parse(buf, n, 3, &nv_ts4, &e, &st), 0);
	ck_assert_uint_eq(st, IC_E_FAIL);
	/* a v4 body parsed as the 25-byte old layout is too short */
	ck_assert_int_eq(ic_timesync_parse(buf, n, 3, &nv_ts3, &e, &st), -EBADMSG);
	put16(buf + OFF_SIZE, 21);
	ck_assert_int_eq(ic_timesync_parse(buf, n, 3, &nv_ts4, &e, &st), -EBADMSG);
	put16(buf + OFF_SIZE, 22);
	ck_assert_int_eq(ic_timesync_parse(buf, 49, 3, &nv_ts4, &e, &st), -EBADMSG);
	ck_assert_int_eq(ic_timesync_parse(buf, 50, 3, &nv_ts4, &e, &st), 0);
	ck_assert_int_eq(ic_timesync_parse(buf, n, 4, &nv_ts4, &e, &st), -EPROTO);
	put16(buf + OFF_TYPE, ICMSGTYPE_HEARTBEAT);
	ck_assert_int_eq(ic_timesync_parse(buf, n, 3, &nv_ts4, &e, &st), -EPROTO);
	ck_assert_int_eq(ic_timesync_parse(buf, n, 3, &nv_ts4, NULL, &st), -EINVAL);
}
END_TEST

/* ---- KVP ---- */

#define KVP_OP 28
#define KVP_POOL 29
#define KVP_INDEX 32
#define KVP_VTYPE 36
#define KVP_KSIZE 40
#define KVP_VSIZE 44
#define KVP_KEY 48
#define KVP_VALUE (48 + 512)

START_TEST(kvp_request_layout)
{
	ssize_t n = ic_kvp_enumerate_request(buf, sizeof(buf), &nv_kvp, 6,
					     IC_KVP_POOL_AUTO, 3);

	ck_assert_int_eq(n, 2608);                        /* 28 + 2580 */
	ck_assert_uint_eq(get16(buf + OFF_TYPE), ICMSGTYPE_KVPEXCHANGE);
	ck_assert_uint_eq(get16(buf + OFF_SIZE), 2580);
	ck_assert_uint_eq(buf[KVP_OP], IC_KVP_OP_ENUMERATE);
	ck_assert_uint_eq(buf[KVP_POOL], IC_KVP_POOL_AUTO);
	ck_assert_uint_eq(get32(buf + KVP_INDEX), 3);
	ck_assert_uint_eq(get32(buf + KVP_KSIZE), 0);

	ck_assert_int_eq(ic_kvp_enumerate_request(buf, sizeof(buf), &nv_kvp, 6,
						  IC_KVP_POOL_COUNT, 0), -EINVAL);
	ck_assert_int_eq(ic_kvp_enumerate_request(buf, sizeof(buf), NULL, 6, 0, 0), -EINVAL);
	ck_assert_int_eq(ic_kvp_enumerate_request(buf, 2607, &nv_kvp, 6, 0, 0), -ENOSPC);
}
END_TEST

START_TEST(kvp_failure_is_an_outcome)
{
	struct ic_kvp_result r;
	ssize_t n = ic_kvp_enumerate_request(buf, sizeof(buf), &nv_kvp, 1, 0, 0);

	/* kvp_respond_to_host(NULL, HV_E_FAIL): status only, body untouched */
	guest_respond(buf, IC_E_FAIL);
	ck_assert_int_eq(ic_kvp_enumerate_parse(buf, n, 1, 0, 0, &r), 0);
	ck_assert_int_eq(r.outcome, IC_KVP_FAILED);
	ck_assert_uint_eq(r.status, IC_E_FAIL);
	ck_assert_ptr_null(r.key);

	guest_respond(buf, IC_S_CONT);
	ck_assert_int_eq(ic_kvp_enumerate_parse(buf, n, 1, 0, 0, &r), 0);
	ck_assert_int_eq(r.outcome, IC_KVP_NO_MORE);

	/* A failure needs only the header, even from a truncated echo. */
	guest_respond(buf, IC_ERROR_DEVICE_NOT_CONNECTED);
	put16(buf + OFF_SIZE, 0);
	ck_assert_int_eq(ic_kvp_enumerate_parse(buf, 28, 1, 0, 0, &r), 0);
	ck_assert_int_eq(r.outcome, IC_KVP_FAILED);
}
END_TEST

/* Fill in an item the way kvp_respond_to_host does (UTF-16LE, REG_SZ). */
static void linux_kvp_item(uint8_t *b, const char *key, const char *val)
{
	size_t kl = strlen(key), vl = strlen(val);

	memset(b + KVP_KEY, 0, 512 + 2048);
	for (size_t i = 0; i < kl; i++)
		b[KVP_KEY + 2 * i] = (uint8_t)key[i];
	for (size_t i = 0; i < vl; i++)
		b[KVP_VALUE + 2 * i] = (uint8_t)val[i];
	put32(b + KVP_KSIZE, (uint32_t)(2 * (kl + 1)));
	put32(b + KVP_VSIZE, (uint32_t)(2 * (vl + 1)));
	put32(b + KVP_VTYPE, IC_KVP_REG_SZ);
	guest_respond(b, IC_S_OK);
}

START_TEST(kvp_item)
{
	struct ic_kvp_result r;
	ssize_t n = ic_kvp_enumerate_request(buf, sizeof(buf), &nv_kvp, 2,
					     IC_KVP_POOL_AUTO, 1);

	linux_kvp_item(buf, "OSName", "Linux");
	ck_assert_int_eq(ic_kvp_enumerate_parse(buf, n, 2, IC_KVP_POOL_AUTO, 1, &r), 0);
	ck_assert_int_eq(r.outcome, IC_KVP_ITEM);
	ck_assert_uint_eq(r.value_type, IC_KVP_REG_SZ);
	ck_assert_uint_eq(r.key_size, 14);
	ck_assert_uint_eq(r.value_size, 12);
	ck_assert_ptr_eq(r.key, buf + KVP_KEY);
	ck_assert_ptr_eq(r.value, buf + KVP_VALUE);
	ck_assert_mem_eq(r.key, "O\0S\0N\0a\0m\0e\0\0", 14);

	/* the biggest sizes that fit their arrays */
	put32(buf + KVP_KSIZE, 512);
	put32(buf + KVP_VSIZE, 2048);
	ck_assert_int_eq(ic_kvp_enumerate_parse(buf, n, 2, IC_KVP_POOL_AUTO, 1, &r), 0);
}
END_TEST

START_TEST(kvp_malformed)
{
	struct ic_kvp_result r;
	ssize_t n = ic_kvp_enumerate_request(buf, sizeof(buf), &nv_kvp, 2, 0, 1);

	ck_assert_int_eq(ic_kvp_enumerate_parse(buf, n, 2, 0, 1, &r), -EPROTO);
	linux_kvp_item(buf, "k", "v");
	ck_assert_int_eq(ic_kvp_enumerate_parse(buf, n, 2, 0, 1, &r), 0);

	put32(buf + KVP_KSIZE, 513);
	ck_assert_int_eq(ic_kvp_enumerate_parse(buf, n, 2, 0, 1, &r), -EBADMSG);
	put32(buf + KVP_KSIZE, 0xffffffff);
	ck_assert_int_eq(ic_kvp_enumerate_parse(buf, n, 2, 0, 1, &r), -EBADMSG);
	put32(buf + KVP_KSIZE, 4);
	put32(buf + KVP_VSIZE, 2049);
	ck_assert_int_eq(ic_kvp_enumerate_parse(buf, n, 2, 0, 1, &r), -EBADMSG);
	put32(buf + KVP_VSIZE, 4);

	/* echo does not match the request */
	ck_assert_int_eq(ic_kvp_enumerate_parse(buf, n, 2, 1, 1, &r), -EPROTO);
	ck_assert_int_eq(ic_kvp_enumerate_parse(buf, n, 2, 0, 2, &r), -EPROTO);
	buf[KVP_OP] = IC_KVP_OP_GET;
	ck_assert_int_eq(ic_kvp_enumerate_parse(buf, n, 2, 0, 1, &r), -EPROTO);
	buf[KVP_OP] = IC_KVP_OP_ENUMERATE;

	/* success with a body too short to hold an item */
	put16(buf + OFF_SIZE, 2579);
	ck_assert_int_eq(ic_kvp_enumerate_parse(buf, n, 2, 0, 1, &r), -EBADMSG);
	put16(buf + OFF_SIZE, 2580);
	ck_assert_int_eq(ic_kvp_enumerate_parse(buf, 2607, 2, 0, 1, &r), -EBADMSG);
	ck_assert_int_eq(ic_kvp_enumerate_parse(buf, n, 3, 0, 1, &r), -EPROTO);
	ck_assert_int_eq(ic_kvp_enumerate_parse(buf, n, 2, 0, 1, NULL), -EINVAL);
}
END_TEST

static Suite *ic_svc_suite(void)
{
	Suite *s = suite_create("ic_svc");
	TCase *tc = tcase_create("heartbeat");

	tcase_add_test(tc, heartbeat_roundtrip);
	tcase_add_test(tc, heartbeat_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("timesync");
	tcase_add_test(tc, time_known_values);
	tcase_add_test(tc, time_roundtrip_and_range);
	tcase_add_test(tc, timesync_layout_per_version);
	tcase_add_test(tc, timesync_echo);
	tcase_add_test(tc, timesync_malformed);
	suite_add_tcase(s, tc);

	tc = tcase_create("kvp");
	tcase_add_test(tc, kvp_request_layout);
	tcase_add_test(tc, kvp_failure_is_an_outcome);
	tcase_add_test(tc, kvp_item);
	tcase_add_test(tc, kvp_malformed);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(ic_svc_suite)
