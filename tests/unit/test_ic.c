// SPDX-License-Identifier: MIT
/*
 * IC framing, version negotiation and shutdown (devices/ic/icmsg.c).
 *
 * The guest side is played by small re-implementations of what Linux's
 * hv_utils does to a request buffer (vmbus_prep_negotiate_resp,
 * shutdown_onchannelcallback): rewrite in place, keep the length, set
 * TRANSACTION|RESPONSE.
 */
#include <errno.h>
#include <string.h>

#include "ic/icmsg.h"
#include "unit.h"

#define OFF_FLAGS (8 + 17)
#define OFF_TYPE (8 + 4)
#define OFF_SIZE (8 + 10)
#define OFF_STATUS (8 + 12)
#define OFF_TXID (8 + 16)

static uint8_t buf[IC_MAX_REQUEST];

static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

static void guest_respond(uint8_t *b, uint32_t status)
{
	put32(b + OFF_STATUS, status);
	b[OFF_FLAGS] = ICMSGHDRFLAG_TRANSACTION | ICMSGHDRFLAG_RESPONSE;
}

/*
 * Linux's vmbus_prep_negotiate_resp with the guest's own preference
 * lists (u32 major << 16 | minor, newest first).
 */
static void linux_negotiate(uint8_t *b, size_t len, const uint32_t *gfw, int ngfw,
			    const uint32_t *gsrv, int ngsrv)
{
	uint8_t *neg = b + ICMSG_HDR_SIZE;
	uint16_t nfw = get16(neg), nmsg = get16(neg + 2);
	uint8_t *data = neg + 8;
	uint32_t fw = (uint32_t)nfw << 16, srv = (uint32_t)nmsg << 16;
	bool found = false;

	ck_assert_uint_ge(len, ICMSG_HDR_SIZE + 8 + 4 * (nfw + nmsg));
	put16(b + OFF_SIZE, 0x10);
	for (int i = 0; i < ngfw && !found; i++)
		for (int j = 0; j < nfw; j++)
			if (get32(data + 4 * j) == ((gfw[i] >> 16) | (gfw[i] & 0xffff) << 16)) {
				fw = gfw[i];
				found = true;
				break;
			}
	if (found) {
		found = false;
		for (int i = 0; i < ngsrv && !found; i++)
			for (int j = nfw; j < nfw + nmsg; j++)
				if (get32(data + 4 * j) ==
				    ((gsrv[i] >> 16) | (gsrv[i] & 0xffff) << 16)) {
					srv = gsrv[i];
					found = true;
					break;
				}
	}
	put16(neg, found ? 1 : 0);
	put16(neg + 2, found ? 1 : 0);
	put16(data, (uint16_t)(fw >> 16));
	put16(data + 2, (uint16_t)fw);
	put16(data + 4, (uint16_t)(srv >> 16));
	put16(data + 6, (uint16_t)srv);
	b[OFF_FLAGS] = ICMSGHDRFLAG_TRANSACTION | ICMSGHDRFLAG_RESPONSE;
}

#define VER(a, b) ((uint32_t)(a) << 16 | (b))
static const uint32_t linux_fw[] = { VER(3, 0), VER(1, 0) };
static const uint32_t linux_sd[] = { VER(3, 2), VER(3, 1), VER(3, 0), VER(1, 0) };
static const uint32_t linux_ts[] = { VER(4, 0), VER(3, 0), VER(1, 0) };
static const uint32_t linux_hb[] = { VER(3, 0), VER(1, 0) };
static const uint32_t linux_kvp[] = { VER(4, 0), VER(3, 0), VER(1, 0) };

static ssize_t negotiate(enum ic_service svc, uint8_t txid)
{
	ssize_t n = ic_negotiate_request(buf, sizeof(buf), ic_offer_for(svc), txid);

	ck_assert_int_gt(n, 0);
	return n;
}

/* ---- framing ---- */

START_TEST(build_request_layout)
{
	struct ic_version fw = { 3, 0 }, msg = { 3, 2 };
	ssize_t n = ic_build_request(buf, sizeof(buf), ICMSGTYPE_SHUTDOWN, fw, msg, 5, 7);

	ck_assert_int_eq(n, 40);                  /* 28 + 5 padded to 8 */
	ck_assert_uint_eq(get32(buf), IC_PIPE_FLAG_DATA);
	ck_assert_uint_eq(get32(buf + 4), 32);
	ck_assert_uint_eq(get16(buf + 8), 3);
	ck_assert_uint_eq(get16(buf + OFF_TYPE), ICMSGTYPE_SHUTDOWN);
	ck_assert_uint_eq(get16(buf + 8 + 6), 3);
	ck_assert_uint_eq(get16(buf + 8 + 8), 2);
	ck_assert_uint_eq(get16(buf + OFF_SIZE), 5);
	ck_assert_uint_eq(get32(buf + OFF_STATUS), 0);
	ck_assert_uint_eq(buf[OFF_TXID], 7);
	ck_assert_uint_eq(buf[OFF_FLAGS], ICMSGHDRFLAG_TRANSACTION | ICMSGHDRFLAG_REQUEST);
	for (int i = 28; i < 40; i++)
		ck_assert_uint_eq(buf[i], 0);
}
END_TEST

START_TEST(build_request_errors)
{
	struct ic_version v = { 3, 0 };

	ck_assert_int_eq(ic_build_request(buf, 39, 1, v, v, 5, 0), -ENOSPC);
	ck_assert_int_eq(ic_build_request(buf, 40, 1, v, v, 5, 0), 40);
	ck_assert_int_eq(ic_build_request(buf, sizeof(buf), 1, v, v, 70000, 0), -EINVAL);
	ck_assert_int_eq(ic_build_request(NULL, 100, 1, v, v, 0, 0), -EINVAL);
}
END_TEST

START_TEST(parse_response_checks)
{
	struct ic_version v = { 3, 0 };
	struct ic_resp r;
	ssize_t n = ic_build_request(buf, sizeof(buf), ICMSGTYPE_HEARTBEAT, v, v, 40, 9);

	ck_assert_int_eq(n, 72);
	/* Still a request: REQUEST set, RESPONSE missing. */
	ck_assert_int_eq(ic_parse_response(buf, n, ICMSGTYPE_HEARTBEAT, 9, &r), -EPROTO);
	guest_respond(buf, IC_E_FAIL);
	ck_assert_int_eq(ic_parse_response(buf, n, ICMSGTYPE_HEARTBEAT, 9, &r), 0);
	ck_assert_uint_eq(r.status, IC_E_FAIL);
	ck_assert_uint_eq(r.body_len, 40);
	ck_assert_ptr_eq(r.body, buf + 28);
	ck_assert_uint_eq(r.fw.major, 3);

	ck_assert_int_eq(ic_parse_response(buf, n, ICMSGTYPE_SHUTDOWN, 9, &r), -EPROTO);
	ck_assert_int_eq(ic_parse_response(buf, n, ICMSGTYPE_HEARTBEAT, 8, &r), -EPROTO);
	ck_assert_int_eq(ic_parse_response(buf, 27, ICMSGTYPE_HEARTBEAT, 9, &r), -EBADMSG);
	ck_assert_int_eq(ic_parse_response(buf, 0, ICMSGTYPE_HEARTBEAT, 9, &r), -EBADMSG);
	/* icmsgsize claims more than the packet holds. */
	ck_assert_int_eq(ic_parse_response(buf, 28 + 39, ICMSGTYPE_HEARTBEAT, 9, &r),
			 -EBADMSG);
	ck_assert_int_eq(ic_parse_response(buf, 28 + 40, ICMSGTYPE_HEARTBEAT, 9, &r), 0);
	put16(buf + OFF_SIZE, 0xffff);
	ck_assert_int_eq(ic_parse_response(buf, n, ICMSGTYPE_HEARTBEAT, 9, &r), -EBADMSG);
	put16(buf + OFF_SIZE, 40);

	buf[OFF_FLAGS] = ICMSGHDRFLAG_TRANSACTION;
	ck_assert_int_eq(ic_parse_response(buf, n, ICMSGTYPE_HEARTBEAT, 9, &r), -EPROTO);
	buf[OFF_FLAGS] = ICMSGHDRFLAG_RESPONSE;
	ck_assert_int_eq(ic_parse_response(buf, n, ICMSGTYPE_HEARTBEAT, 9, &r), -EPROTO);
	buf[OFF_FLAGS] = 7;
	ck_assert_int_eq(ic_parse_response(buf, n, ICMSGTYPE_HEARTBEAT, 9, &r), -EPROTO);
	ck_assert_int_eq(ic_parse_response(NULL, n, ICMSGTYPE_HEARTBEAT, 9, &r), -EINVAL);
}
END_TEST

/* ---- negotiation ---- */

START_TEST(negotiate_request_layout)
{
	ssize_t n = negotiate(IC_SVC_SHUTDOWN, 0);
	const uint8_t *neg = buf + 28;

	/* 28 + 8 + 4 * (2 fw + 4 msg) = 60, padded to 64 */
	ck_assert_int_eq(n, 64);
	ck_assert_uint_eq(get16(buf + OFF_TYPE), ICMSGTYPE_NEGOTIATE);
	ck_assert_uint_eq(get16(buf + OFF_SIZE), 32);
	ck_assert_uint_eq(get16(neg), 2);
	ck_assert_uint_eq(get16(neg + 2), 4);
	ck_assert_uint_eq(get32(neg + 4), 0);
	ck_assert_uint_eq(get32(neg + 8), 3);           /* 3.0 */
	ck_assert_uint_eq(get32(neg + 12), 1);          /* 1.0 */
	ck_assert_uint_eq(get32(neg + 16), 3 | 2 << 16); /* 3.2 */
	ck_assert_uint_eq(get32(neg + 28), 1);          /* 1.0 */
	ck_assert_uint_eq(buf[OFF_FLAGS], 3);
}
END_TEST

START_TEST(negotiate_request_errors)
{
	struct ic_version many[IC_MAX_VER_COUNT + 1] = { { 0, 0 } };
	struct ic_offer o = { many, 1, many, 0 };

	ck_assert_ptr_null(ic_offer_for(IC_SVC_NR));
	ck_assert_ptr_null(ic_offer_for((enum ic_service)-1));
	ck_assert_int_eq(ic_negotiate_request(buf, sizeof(buf), NULL, 0), -EINVAL);
	ck_assert_int_eq(ic_negotiate_request(buf, sizeof(buf), &o, 0), -EINVAL);
	o.nmsg = IC_MAX_VER_COUNT + 1;
	ck_assert_int_eq(ic_negotiate_request(buf, sizeof(buf), &o, 0), -EINVAL);
	o.nmsg = IC_MAX_VER_COUNT;
	o.nfw = IC_MAX_VER_COUNT;
	ck_assert_int_eq(ic_negotiate_request(buf, sizeof(buf), &o, 0), 840);
	ck_assert_int_eq(ic_negotiate_request(buf, 63,
					      ic_offer_for(IC_SVC_SHUTDOWN), 0), -ENOSPC);
}
END_TEST

struct nego_case {
	enum ic_service svc;
	const uint32_t *gfw;
	int ngfw;
	const uint32_t *gsrv;
	int ngsrv;
	int ret;
	uint32_t fw, msg;
};

#define L(a) a, (int)(sizeof(a) / sizeof(a[0]))
static const uint32_t fw1[] = { VER(1, 0) };
static const uint32_t fw9[] = { VER(9, 0) };
static const uint32_t sd30[] = { VER(3, 0), VER(1, 0) };  /* pre-reboot kernels */
static const uint32_t sd31[] = { VER(3, 1), VER(3, 0), VER(1, 0) };
static const uint32_t sd10[] = { VER(1, 0) };
static const uint32_t ts30[] = { VER(3, 0), VER(1, 0) };  /* pre-4.0 kernels */
static const uint32_t v5[] = { VER(5, 0) };

static const struct nego_case nego_cases[] = {
	/* Linux 5.15 / 6.1 */
	{ IC_SVC_SHUTDOWN, L(linux_fw), L(linux_sd), 0, VER(3, 0), VER(3, 2) },
	{ IC_SVC_TIMESYNC, L(linux_fw), L(linux_ts), 0, VER(3, 0), VER(4, 0) },
	{ IC_SVC_HEARTBEAT, L(linux_fw), L(linux_hb), 0, VER(3, 0), VER(3, 0) },
	{ IC_SVC_KVP, L(linux_fw), L(linux_kvp), 0, VER(3, 0), VER(4, 0) },
	/* older guests, and a WS2008-era framework */
	{ IC_SVC_SHUTDOWN, L(linux_fw), L(sd31), 0, VER(3, 0), VER(3, 1) },
	{ IC_SVC_SHUTDOWN, L(linux_fw), L(sd30), 0, VER(3, 0), VER(3, 0) },
	{ IC_SVC_SHUTDOWN, L(fw1), L(sd10), 0, VER(1, 0), VER(1, 0) },
	{ IC_SVC_TIMESYNC, L(linux_fw), L(ts30), 0, VER(3, 0), VER(3, 0) },
	{ IC_SVC_TIMESYNC, L(fw1), L(sd10), 0, VER(1, 0), VER(1, 0) },
	{ IC_SVC_HEARTBEAT, L(fw1), L(linux_hb), 0, VER(1, 0), VER(3, 0) },
	{ IC_SVC_KVP, L(linux_fw), L(ts30), 0, VER(3, 0), VER(3, 0) },
	{ IC_SVC_TIMESYNC, L(linux_fw), L(linux_hb), 0, VER(3, 0), VER(3, 0) },
	/* no common version: Linux answers 0/0 */
	{ IC_SVC_SHUTDOWN, L(fw9), L(linux_sd), -ENOTSUP, 0, 0 },
	{ IC_SVC_HEARTBEAT, L(linux_fw), L(v5), -ENOTSUP, 0, 0 },
	{ IC_SVC_KVP, L(fw9), L(v5), -ENOTSUP, 0, 0 },
};

START_TEST(negotiate_combinations)
{
	const struct nego_case *c = &nego_cases[_i];
	const struct ic_offer *o = ic_offer_for(c->svc);
	struct ic_negotiated nv = { { 0xdead, 0xbeef }, { 0xdead, 0xbeef } };
	ssize_t n = negotiate(c->svc, 4);

	linux_negotiate(buf, n, c->gfw, c->ngfw, c->gsrv, c->ngsrv);
	ck_assert_int_eq(ic_negotiate_parse(buf, n, 4, o, &nv), c->ret);
	if (c->ret == 0) {
		ck_assert_uint_eq(ic_ver32(nv.fw), c->fw);
		ck_assert_uint_eq(ic_ver32(nv.msg), c->msg);
	} else {
		ck_assert_uint_eq(nv.fw.major, 0xdead); /* untouched on error */
	}
}
END_TEST

START_TEST(negotiate_malformed)
{
	const struct ic_offer *o = ic_offer_for(IC_SVC_HEARTBEAT);
	struct ic_negotiated nv;
	uint8_t *neg = buf + 28;
	ssize_t n = negotiate(IC_SVC_HEARTBEAT, 1);

	linux_negotiate(buf, n, L(linux_fw), L(linux_hb));
	ck_assert_int_eq(ic_negotiate_parse(buf, n, 1, o, &nv), 0);

	/* short packets and bodies */
	ck_assert_int_eq(ic_negotiate_parse(buf, 28 + 15, 1, o, &nv), -EBADMSG);
	ck_assert_int_eq(ic_negotiate_parse(buf, 20, 1, o, &nv), -EBADMSG);
	put16(buf + OFF_SIZE, 7);
	ck_assert_int_eq(ic_negotiate_parse(buf, n, 1, o, &nv), -EBADMSG);
	/* counts 1/1 but icmsgsize too small for two versions */
	put16(buf + OFF_SIZE, 12);
	ck_assert_int_eq(ic_negotiate_parse(buf, n, 1, o, &nv), -EBADMSG);
	put16(buf + OFF_SIZE, 0x10);

	/* counts beyond the payload */
	put16(neg, 100);
	put16(neg + 2, 100);
	ck_assert_int_eq(ic_negotiate_parse(buf, n, 1, o, &nv), -EBADMSG);
	put16(neg, 0xffff);
	put16(neg + 2, 0xffff);
	ck_assert_int_eq(ic_negotiate_parse(buf, n, 1, o, &nv), -EBADMSG);
	/* counts that fit but are not one choice each */
	put16(buf + OFF_SIZE, 0x14);
	put16(neg, 2);
	put16(neg + 2, 1);
	ck_assert_int_eq(ic_negotiate_parse(buf, n, 1, o, &nv), -EBADMSG);
	put16(buf + OFF_SIZE, 0x10);
	put16(neg, 1);
	put16(neg + 2, 0);
	ck_assert_int_eq(ic_negotiate_parse(buf, n, 1, o, &nv), -EBADMSG);
	put16(neg, 0);
	put16(neg + 2, 1);
	ck_assert_int_eq(ic_negotiate_parse(buf, n, 1, o, &nv), -EBADMSG);
	put16(neg, 1);
	put16(neg + 2, 1);
	ck_assert_int_eq(ic_negotiate_parse(buf, n, 1, o, &nv), 0);

	/* versions we never offered */
	put32(neg + 8, 2);                     /* fw 2.0 */
	ck_assert_int_eq(ic_negotiate_parse(buf, n, 1, o, &nv), -EPROTO);
	put32(neg + 8, 3);
	put32(neg + 12, 4);                    /* heartbeat 4.0 */
	ck_assert_int_eq(ic_negotiate_parse(buf, n, 1, o, &nv), -EPROTO);
	put32(neg + 12, 3 | 1 << 16);          /* heartbeat 3.1 */
	ck_assert_int_eq(ic_negotiate_parse(buf, n, 1, o, &nv), -EPROTO);
	put32(neg + 12, 3);
	ck_assert_int_eq(ic_negotiate_parse(buf, n, 1, o, &nv), 0);

	/* failure status, wrong type / txid / flags */
	put32(buf + OFF_STATUS, IC_E_FAIL);
	ck_assert_int_eq(ic_negotiate_parse(buf, n, 1, o, &nv), -ENOTSUP);
	put32(buf + OFF_STATUS, 0);
	ck_assert_int_eq(ic_negotiate_parse(buf, n, 2, o, &nv), -EPROTO);
	put16(buf + OFF_TYPE, ICMSGTYPE_HEARTBEAT);
	ck_assert_int_eq(ic_negotiate_parse(buf, n, 1, o, &nv), -EPROTO);
	put16(buf + OFF_TYPE, 0x1234);
	ck_assert_int_eq(ic_negotiate_parse(buf, n, 1, o, &nv), -EPROTO);
	put16(buf + OFF_TYPE, ICMSGTYPE_NEGOTIATE);
	buf[OFF_FLAGS] = ICMSGHDRFLAG_TRANSACTION;
	ck_assert_int_eq(ic_negotiate_parse(buf, n, 1, o, &nv), -EPROTO);
	ck_assert_int_eq(ic_negotiate_parse(buf, n, 1, NULL, &nv), -EINVAL);
}
END_TEST

/* ---- shutdown ---- */

static const struct ic_negotiated nv_sd32 = { { 3, 0 }, { 3, 2 } };

/* Linux's shutdown_onchannelcallback, minus the actual shutdown. */
static void linux_shutdown(uint8_t *b, size_t len, bool can_hibernate)
{
	uint32_t flags;

	if (len < ICMSG_HDR_SIZE + sizeof(struct shutdown_msg_data))
		ck_abort_msg("Linux drops a short shutdown packet");
	flags = get32(b + 28 + 8);
	switch (flags) {
	case 0: case 1: case 2: case 3:
		put32(b + OFF_STATUS, IC_S_OK);
		break;
	case 4: case 5:
		put32(b + OFF_STATUS, can_hibernate ? IC_S_OK : IC_E_FAIL);
		break;
	default:
		put32(b + OFF_STATUS, IC_E_FAIL);
	}
	b[OFF_FLAGS] = ICMSGHDRFLAG_TRANSACTION | ICMSGHDRFLAG_RESPONSE;
}

START_TEST(shutdown_request_layout)
{
	static const uint32_t flags[] = { IC_SHUTDOWN_POWEROFF,
		IC_SHUTDOWN_POWEROFF | IC_SHUTDOWN_FORCE, IC_SHUTDOWN_REBOOT,
		IC_SHUTDOWN_REBOOT | IC_SHUTDOWN_FORCE, IC_SHUTDOWN_HIBERNATE,
		IC_SHUTDOWN_HIBERNATE | IC_SHUTDOWN_FORCE };

	for (unsigned int i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		ssize_t n = ic_shutdown_request(buf, sizeof(buf), &nv_sd32, 3, flags[i],
						0x80000000u, 30, "bye");

		ck_assert_int_eq(n, 2088);
		ck_assert_uint_eq(get16(buf + OFF_TYPE), ICMSGTYPE_SHUTDOWN);
		ck_assert_uint_eq(get16(buf + OFF_SIZE), 2060);
		ck_assert_uint_eq(get16(buf + 8 + 6), 3);   /* icvermsg 3.2 */
		ck_assert_uint_eq(get16(buf + 8 + 8), 2);
		ck_assert_uint_eq(get32(buf + 28), 0x80000000u);
		ck_assert_uint_eq(get32(buf + 32), 30);
		ck_assert_uint_eq(get32(buf + 36), flags[i]);
		ck_assert_mem_eq(buf + 40, "bye", 4);
		ck_assert_uint_eq(buf[2087], 0);
	}
}
END_TEST

START_TEST(shutdown_request_versions)
{
	struct ic_negotiated nv = { { 3, 0 }, { 3, 0 } };
	char longmsg[3000];

	ck_assert_int_eq(ic_shutdown_request(buf, sizeof(buf), &nv, 0,
					     IC_SHUTDOWN_POWEROFF, 0, 0, NULL), 2088);
	ck_assert_int_eq(ic_shutdown_request(buf, sizeof(buf), &nv, 0,
					     IC_SHUTDOWN_REBOOT, 0, 0, NULL), -EOPNOTSUPP);
	nv.msg.minor = 1;
	ck_assert_int_eq(ic_shutdown_request(buf, sizeof(buf), &nv, 0,
					     IC_SHUTDOWN_REBOOT, 0, 0, NULL), 2088);
	ck_assert_int_eq(ic_shutdown_request(buf, sizeof(buf), &nv, 0,
					     IC_SHUTDOWN_HIBERNATE, 0, 0, NULL), -EOPNOTSUPP);
	ck_assert_int_eq(ic_shutdown_request(buf, sizeof(buf), &nv_sd32, 0, 8, 0, 0, NULL),
			 -EINVAL);
	ck_assert_int_eq(ic_shutdown_request(buf, sizeof(buf), &nv_sd32, 0, 6, 0, 0, NULL),
			 -EINVAL);
	ck_assert_int_eq(ic_shutdown_request(buf, sizeof(buf), NULL, 0, 0, 0, 0, NULL),
			 -EINVAL);
	ck_assert_int_eq(ic_shutdown_request(buf, 2087, &nv_sd32, 0, 0, 0, 0, NULL),
			 -ENOSPC);

	memset(longmsg, 'x', sizeof(longmsg) - 1);
	longmsg[sizeof(longmsg) - 1] = 0;
	ck_assert_int_eq(ic_shutdown_request(buf, sizeof(buf), &nv_sd32, 0, 0, 0, 0,
					     longmsg), 2088);
	ck_assert_uint_eq(buf[40 + 2046], 'x');
	ck_assert_uint_eq(buf[40 + 2047], 0);
}
END_TEST

START_TEST(shutdown_linux_answers)
{
	uint32_t st = 0xffffffff;
	ssize_t n;

	n = ic_shutdown_request(buf, sizeof(buf), &nv_sd32, 1, IC_SHUTDOWN_POWEROFF, 0, 0, NULL);
	linux_shutdown(buf, n, false);
	ck_assert_int_eq(ic_shutdown_parse(buf, n, 1, &st), 0);
	ck_assert_uint_eq(st, IC_S_OK);

	n = ic_shutdown_request(buf, sizeof(buf), &nv_sd32, 2, IC_SHUTDOWN_REBOOT, 0, 0, NULL);
	linux_shutdown(buf, n, false);
	ck_assert_int_eq(ic_shutdown_parse(buf, n, 2, &st), 0);
	ck_assert_uint_eq(st, IC_S_OK);

	/* hibernate refused (no S4): a handled outcome, not an error */
	n = ic_shutdown_request(buf, sizeof(buf), &nv_sd32, 3, IC_SHUTDOWN_HIBERNATE, 0, 0, NULL);
	linux_shutdown(buf, n, false);
	ck_assert_int_eq(ic_shutdown_parse(buf, n, 3, &st), 0);
	ck_assert_uint_eq(st, IC_E_FAIL);
	linux_shutdown(buf, n, true);
	ck_assert_int_eq(ic_shutdown_parse(buf, n, 3, &st), 0);
	ck_assert_uint_eq(st, IC_S_OK);
}
END_TEST

START_TEST(shutdown_malformed)
{
	uint32_t st = 0x1234;
	ssize_t n = ic_shutdown_request(buf, sizeof(buf), &nv_sd32, 5, 0, 0, 0, NULL);

	ck_assert_int_eq(ic_shutdown_parse(buf, n, 5, &st), -EPROTO); /* not answered */
	linux_shutdown(buf, n, false);
	ck_assert_int_eq(ic_shutdown_parse(buf, n, 6, &st), -EPROTO);
	ck_assert_int_eq(ic_shutdown_parse(buf, 2087, 5, &st), -EBADMSG);
	ck_assert_int_eq(ic_shutdown_parse(buf, 10, 5, &st), -EBADMSG);
	put16(buf + OFF_TYPE, ICMSGTYPE_TIMESYNC);
	ck_assert_int_eq(ic_shutdown_parse(buf, n, 5, &st), -EPROTO);
	ck_assert_uint_eq(st, 0x1234);
	ck_assert_int_eq(ic_shutdown_parse(buf, n, 5, NULL), -EINVAL);
}
END_TEST

static Suite *ic_suite(void)
{
	Suite *s = suite_create("ic");
	TCase *tc = tcase_create("framing");

	tcase_add_test(tc, build_request_layout);
	tcase_add_test(tc, build_request_errors);
	tcase_add_test(tc, parse_response_checks);
	suite_add_tcase(s, tc);

	tc = tcase_create("negotiate");
	tcase_add_test(tc, negotiate_request_layout);
	tcase_add_test(tc, negotiate_request_errors);
	tcase_add_loop_test(tc, negotiate_combinations, 0,
			    (int)(sizeof(nego_cases) / sizeof(nego_cases[0])));
	tcase_add_test(tc, negotiate_malformed);
	suite_add_tcase(s, tc);

	tc = tcase_create("shutdown");
	tcase_add_test(tc, shutdown_request_layout);
	tcase_add_test(tc, shutdown_request_versions);
	tcase_add_test(tc, shutdown_linux_answers);
	tcase_add_test(tc, shutdown_malformed);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(ic_suite)
