// SPDX-License-Identifier: MIT
/* VMBus channel messages: GUIDs, decoding hostile guest bytes, exact encodings. */
#include <errno.h>
#include <string.h>

#include "unit.h"
#include "vmbus/msg.h"

/* Build a guest message of `len` bytes whose header says `type`. */
static size_t mk(uint8_t *buf, uint32_t type, size_t len)
{
	struct vmbus_channel_message_header h = { .msgtype = type };

	memset(buf, 0, 256);
	memcpy(buf, &h, sizeof(h));
	return len;
}

static void put16(uint8_t *buf, size_t off, uint16_t v)
{
	memcpy(buf + off, &v, sizeof(v));
}

static void put32(uint8_t *buf, size_t off, uint32_t v)
{
	memcpy(buf + off, &v, sizeof(v));
}

static void put64(uint8_t *buf, size_t off, uint64_t v)
{
	memcpy(buf + off, &v, sizeof(v));
}

START_TEST(guid_roundtrip)
{
	static const uint8_t wire[16] = { 0x31, 0x60, 0x0b, 0x0e, 0x13, 0x52, 0x34, 0x49,
					  0x81, 0x8b, 0x38, 0xd9, 0x0c, 0xed, 0x39, 0xdb };
	struct vmbus_guid g;
	char s[VMBUS_GUID_STRLEN + 1];

	ck_assert_int_eq(vmbus_guid_parse("0e0b6031-5213-4934-818b-38d90ced39db", &g), 0);
	ck_assert_mem_eq(g.b, wire, 16);
	vmbus_guid_format(&g, s);
	ck_assert_str_eq(s, "0e0b6031-5213-4934-818b-38d90ced39db");
	ck_assert_int_eq(vmbus_guid_parse("0E0B6031-5213-4934-818B-38D90CED39DB", &g), 0);
	ck_assert_mem_eq(g.b, wire, 16);
}
END_TEST

START_TEST(guid_bad)
{
	struct vmbus_guid g;

	ck_assert_int_eq(vmbus_guid_parse("", &g), -EINVAL);
	ck_assert_int_eq(vmbus_guid_parse("0e0b6031-5213-4934-818b-38d90ced39d", &g), -EINVAL);
	ck_assert_int_eq(vmbus_guid_parse("0e0b6031-5213-4934-818b-38d90ced39dbx", &g), -EINVAL);
	ck_assert_int_eq(vmbus_guid_parse("0e0b6031x5213-4934-818b-38d90ced39db", &g), -EINVAL);
	ck_assert_int_eq(vmbus_guid_parse("0e0b6031-5213-4934-818b-38d90ced39dg", &g), -EINVAL);
	ck_assert_int_eq(vmbus_guid_parse("{e0b6031-5213-4934-818b-38d90ced39db", &g), -EINVAL);
	ck_assert_int_eq(vmbus_guid_parse("0e0b603-15213-4934-818b-38d90ced39db", &g), -EINVAL);
}
END_TEST

/* Guest->host types with their Linux struct size. */
static const struct {
	uint32_t type;
	size_t size;
} g2h[] = {
#define G2H_ENTRY(t, n) { t, n },
	VMBUS_G2H_MSG_SIZES(G2H_ENTRY)
#undef G2H_ENTRY
};

START_TEST(decode_sizes)
{
	uint8_t buf[256];
	struct vmbus_gmsg m;
	size_t i;

	for (i = 0; i < sizeof(g2h) / sizeof(g2h[0]); i++) {
		uint32_t t = g2h[i].type;
		size_t sz = g2h[i].size;

		/* Exactly the struct: accepted. */
		ck_assert_int_eq(vmbus_msg_decode(buf, mk(buf, t, sz), &m), 0);
		ck_assert_uint_eq(m.type, t);
		/* One byte short. */
		ck_assert_int_eq(vmbus_msg_decode(buf, mk(buf, t, sz - 1), &m), -EBADMSG);
		/* Over the SynIC limit. */
		ck_assert_int_eq(vmbus_msg_decode(buf, mk(buf, t, 241), &m), -EMSGSIZE);
		ck_assert_int_eq(vmbus_msg_decode(buf, mk(buf, t, 4096), &m), -EMSGSIZE);
	}
	/* Shorter than a header. */
	ck_assert_int_eq(vmbus_msg_decode(buf, 0, &m), -EBADMSG);
	ck_assert_int_eq(vmbus_msg_decode(buf, mk(buf, CHANNELMSG_UNLOAD, 7), &m), -EBADMSG);
	/* Trailing bytes after a fixed-size message are ignored. */
	ck_assert_int_eq(vmbus_msg_decode(buf, mk(buf, CHANNELMSG_REQUESTOFFERS, 240), &m), 0);
}
END_TEST

START_TEST(decode_bad_types)
{
	static const uint32_t unknown[] = { 0, 18, 19, 20, 25, 100, 0xffffffffu };
	static const uint32_t h2g[] = {
		CHANNELMSG_OFFERCHANNEL,      CHANNELMSG_RESCIND_CHANNELOFFER,
		CHANNELMSG_ALLOFFERS_DELIVERED, CHANNELMSG_OPENCHANNEL_RESULT,
		CHANNELMSG_GPADL_CREATED,     CHANNELMSG_GPADL_TORNDOWN,
		CHANNELMSG_VERSION_RESPONSE,  CHANNELMSG_UNLOAD_RESPONSE,
		CHANNELMSG_TL_CONNECT_RESULT, CHANNELMSG_MODIFYCHANNEL_RESPONSE,
	};
	uint8_t buf[256];
	struct vmbus_gmsg m;
	size_t i;

	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		ck_assert_int_eq(vmbus_msg_decode(buf, mk(buf, unknown[i], 240), &m), -ENOMSG);
	for (i = 0; i < sizeof(h2g) / sizeof(h2g[0]); i++)
		ck_assert_int_eq(vmbus_msg_decode(buf, mk(buf, h2g[i], 240), &m), -EPROTO);
	ck_assert_int_eq(vmbus_msg_decode(buf, mk(buf, CHANNELMSG_TL_CONNECT_REQUEST, 40), &m),
			 -EOPNOTSUPP);
	ck_assert_int_eq(vmbus_msg_decode(buf, mk(buf, CHANNELMSG_TL_CONNECT_REQUEST, 39), &m),
			 -EBADMSG);
	/* The upper header word is padding and is ignored. */
	mk(buf, CHANNELMSG_UNLOAD, 8);
	put32(buf, 4, 0xdeadbeef);
	ck_assert_int_eq(vmbus_msg_decode(buf, 8, &m), 0);
}
END_TEST

START_TEST(decode_fields)
{
	uint8_t buf[256];
	struct vmbus_gmsg m;

	mk(buf, CHANNELMSG_OPENCHANNEL, 148);
	put32(buf, 8, 5);
	put32(buf, 12, 6);
	put32(buf, 16, 0xe1e10);
	put32(buf, 20, 3);
	put32(buf, 24, 4);
	buf[28] = 0xaa;
	buf[147] = 0xbb;
	ck_assert_int_eq(vmbus_msg_decode(buf, 148, &m), 0);
	ck_assert_uint_eq(m.u.open.child_relid, 5);
	ck_assert_uint_eq(m.u.open.openid, 6);
	ck_assert_uint_eq(m.u.open.gpadl, 0xe1e10);
	ck_assert_uint_eq(m.u.open.target_vp, 3);
	ck_assert_uint_eq(m.u.open.downstream_offset, 4);
	ck_assert_uint_eq(m.u.open.userdata[0], 0xaa);
	ck_assert_uint_eq(m.u.open.userdata[119], 0xbb);

	mk(buf, CHANNELMSG_INITIATE_CONTACT, 40);
	put32(buf, 8, VERSION_WIN10_V5_3);
	put32(buf, 12, 1);
	buf[16] = 2;
	buf[17] = 0;
	put64(buf, 24, 0x1000);
	put64(buf, 32, 0x2000);
	ck_assert_int_eq(vmbus_msg_decode(buf, 40, &m), 0);
	ck_assert_uint_eq(m.u.initiate.version, 0x50003);
	ck_assert_uint_eq(m.u.initiate.target_vcpu, 1);
	ck_assert_uint_eq(m.u.initiate.msg_sint, 2);
	ck_assert_uint_eq(m.u.initiate.interrupt_page, 2);
	ck_assert_uint_eq(m.u.initiate.monitor_page1, 0x1000);
	ck_assert_uint_eq(m.u.initiate.monitor_page2, 0x2000);

	mk(buf, CHANNELMSG_CLOSECHANNEL, 12);
	put32(buf, 8, 9);
	ck_assert_int_eq(vmbus_msg_decode(buf, 12, &m), 0);
	ck_assert_uint_eq(m.u.close.child_relid, 9);
	mk(buf, CHANNELMSG_RELID_RELEASED, 12);
	put32(buf, 8, 10);
	ck_assert_int_eq(vmbus_msg_decode(buf, 12, &m), 0);
	ck_assert_uint_eq(m.u.relid_released.child_relid, 10);
	mk(buf, CHANNELMSG_GPADL_TEARDOWN, 16);
	put32(buf, 8, 1);
	put32(buf, 12, 0xe1e11);
	ck_assert_int_eq(vmbus_msg_decode(buf, 16, &m), 0);
	ck_assert_uint_eq(m.u.gpadl_teardown.child_relid, 1);
	ck_assert_uint_eq(m.u.gpadl_teardown.gpadl, 0xe1e11);
	mk(buf, CHANNELMSG_MODIFYCHANNEL, 16);
	put32(buf, 8, 2);
	put32(buf, 12, 7);
	ck_assert_int_eq(vmbus_msg_decode(buf, 16, &m), 0);
	ck_assert_uint_eq(m.u.modify.child_relid, 2);
	ck_assert_uint_eq(m.u.modify.target_vp, 7);
}
END_TEST

START_TEST(decode_gpadl)
{
	uint8_t buf[256];
	struct vmbus_gmsg m;
	unsigned int i;

	/* Linux's first message of a 32-page GPADL: 26 PFNs, 236 bytes. */
	mk(buf, CHANNELMSG_GPADL_HEADER, 236);
	put32(buf, 8, 1);
	put32(buf, 12, 0xe1e10);
	put16(buf, 16, 8 + 32 * 8); /* range_buflen */
	put16(buf, 18, 1);          /* rangecount */
	put32(buf, 20, 32 * 4096);
	put32(buf, 24, 0);
	for (i = 0; i < 26; i++)
		put64(buf, 28 + 8 * i, 0x100 + i);
	ck_assert_int_eq(vmbus_msg_decode(buf, 236, &m), 0);
	ck_assert_uint_eq(m.u.gpadl_header.child_relid, 1);
	ck_assert_uint_eq(m.u.gpadl_header.gpadl, 0xe1e10);
	ck_assert_uint_eq(m.u.gpadl_header.range_buflen, 264);
	ck_assert_uint_eq(m.u.gpadl_header.rangecount, 1);
	ck_assert_uint_eq(m.u.gpadl_header.byte_count, 32 * 4096);
	ck_assert_uint_eq(m.u.gpadl_header.npfns, 26);
	ck_assert_uint_eq(m.u.gpadl_header.pfn[25], 0x100 + 25);
	/* Half a PFN. */
	ck_assert_int_eq(vmbus_msg_decode(buf, 235, &m), -EBADMSG);
	/* A range is announced but its descriptor is missing. */
	ck_assert_int_eq(vmbus_msg_decode(buf, 24, &m), -EBADMSG);
	/* No range: the fixed part alone decodes (GPADL layer rejects). */
	put16(buf, 18, 0);
	ck_assert_int_eq(vmbus_msg_decode(buf, 20, &m), 0);
	ck_assert_uint_eq(m.u.gpadl_header.rangecount, 0);
	ck_assert_uint_eq(m.u.gpadl_header.npfns, 0);

	/* A body with 28 PFNs is exactly 240 bytes. */
	mk(buf, CHANNELMSG_GPADL_BODY, 240);
	put32(buf, 12, 0xe1e10);
	for (i = 0; i < 28; i++)
		put64(buf, 16 + 8 * i, 0x200 + i);
	ck_assert_int_eq(vmbus_msg_decode(buf, 240, &m), 0);
	ck_assert_uint_eq(m.u.gpadl_body.gpadl, 0xe1e10);
	ck_assert_uint_eq(m.u.gpadl_body.npfns, 28);
	ck_assert_uint_eq(m.u.gpadl_body.pfn[27], 0x200 + 27);
	ck_assert_int_eq(vmbus_msg_decode(buf, 16, &m), 0);
	ck_assert_uint_eq(m.u.gpadl_body.npfns, 0);
	ck_assert_int_eq(vmbus_msg_decode(buf, 20, &m), -EBADMSG);
}
END_TEST

/* Encode `m`; check the exact and the posted (rounded) size. */
static void check_encode(struct vmbus_hmsg *m, uint32_t type, int size, uint8_t *buf)
{
	uint32_t t;

	m->type = type;
	memset(buf, 0xcc, 256);
	ck_assert_int_eq(vmbus_msg_encode(m, buf, 256), size);
	ck_assert_uint_eq(VMBUS_MSG_WIRE_SIZE((size_t)size), ((size_t)size + 7) / 8 * 8);
	memcpy(&t, buf, 4);
	ck_assert_uint_eq(t, type);
	/* Padding word and the round-up tail are zero; past that untouched. */
	ck_assert_uint_eq(buf[4] | buf[5] | buf[6] | buf[7], 0);
	for (size_t i = (size_t)size; i < VMBUS_MSG_WIRE_SIZE((size_t)size); i++)
		ck_assert_uint_eq(buf[i], 0);
	ck_assert_uint_eq(buf[VMBUS_MSG_WIRE_SIZE((size_t)size)], 0xcc);
	/* Too small a buffer for the rounded size. */
	ck_assert_int_eq(vmbus_msg_encode(m, buf, VMBUS_MSG_WIRE_SIZE((size_t)size) - 1),
			 -ENOSPC);
}

START_TEST(encode_sizes)
{
	struct vmbus_hmsg m = { 0 };
	uint8_t buf[256];

	check_encode(&m, CHANNELMSG_OFFERCHANNEL, 196, buf);
	check_encode(&m, CHANNELMSG_RESCIND_CHANNELOFFER, 12, buf);
	check_encode(&m, CHANNELMSG_ALLOFFERS_DELIVERED, 8, buf);
	check_encode(&m, CHANNELMSG_OPENCHANNEL_RESULT, 20, buf);
	check_encode(&m, CHANNELMSG_GPADL_CREATED, 20, buf);
	check_encode(&m, CHANNELMSG_GPADL_TORNDOWN, 12, buf);
	check_encode(&m, CHANNELMSG_VERSION_RESPONSE, 16, buf);
	check_encode(&m, CHANNELMSG_UNLOAD_RESPONSE, 8, buf);
	check_encode(&m, CHANNELMSG_MODIFYCHANNEL_RESPONSE, 16, buf);
	/* Guest->host and unsupported types are not encodable. */
	m.type = CHANNELMSG_OPENCHANNEL;
	ck_assert_int_eq(vmbus_msg_encode(&m, buf, 256), -EINVAL);
	m.type = CHANNELMSG_TL_CONNECT_RESULT;
	ck_assert_int_eq(vmbus_msg_encode(&m, buf, 256), -EINVAL);
	m.type = 0;
	ck_assert_int_eq(vmbus_msg_encode(&m, buf, 256), -EINVAL);
	m.type = 999;
	ck_assert_int_eq(vmbus_msg_encode(&m, buf, 256), -EINVAL);
}
END_TEST

START_TEST(encode_fields)
{
	struct vmbus_hmsg m = { .type = CHANNELMSG_OFFERCHANNEL };
	struct vmbus_msg_offer_channel o;
	struct vmbus_msg_version_response v;
	struct vmbus_msg_gpadl_created gc;
	uint8_t buf[256];

	vmbus_guid_parse("0e0b6031-5213-4934-818b-38d90ced39db", &m.u.offer.if_type);
	vmbus_guid_parse("b6650ff7-33bc-4840-8048-e0676786f393", &m.u.offer.if_instance);
	m.u.offer.child_relid = 3;
	m.u.offer.connection_id = 0x13;
	m.u.offer.is_dedicated_interrupt = 1;
	m.u.offer.monitorid = 0xff;
	m.u.offer.user_def[0] = 0x42;
	ck_assert_int_eq(vmbus_msg_encode(&m, buf, sizeof(buf)), 196);
	memcpy(&o, buf, sizeof(o));
	ck_assert_uint_eq(o.header.msgtype, CHANNELMSG_OFFERCHANNEL);
	ck_assert_uint_eq(o.if_type.b[0], 0x31);
	ck_assert_uint_eq(o.if_instance.b[0], 0xf7);
	ck_assert_uint_eq(buf[184], 3);      /* child_relid */
	ck_assert_uint_eq(buf[188], 0xff);   /* monitorid */
	ck_assert_uint_eq(buf[189], 0);      /* monitor_allocated */
	ck_assert_uint_eq(buf[190], 1);      /* is_dedicated_interrupt */
	ck_assert_uint_eq(buf[192], 0x13);   /* connection_id */
	ck_assert_uint_eq(buf[60], 0x42);    /* user_def */

	m = (struct vmbus_hmsg){ .type = CHANNELMSG_VERSION_RESPONSE };
	m.u.version_response.version_supported = 1;
	m.u.version_response.msg_conn_id = 4;
	ck_assert_int_eq(vmbus_msg_encode(&m, buf, sizeof(buf)), 16);
	memcpy(&v, buf, sizeof(v));
	ck_assert_uint_eq(v.version_supported, 1);
	ck_assert_uint_eq(v.msg_conn_id, 4);
	ck_assert_uint_eq(buf[12], 4);

	m = (struct vmbus_hmsg){ .type = CHANNELMSG_GPADL_CREATED };
	m.u.gpadl_created.child_relid = 2;
	m.u.gpadl_created.gpadl = 0xe1e10;
	m.u.gpadl_created.status = 0xc0000001;
	ck_assert_int_eq(vmbus_msg_encode(&m, buf, sizeof(buf)), 20);
	memcpy(&gc, buf, sizeof(gc));
	ck_assert_uint_eq(gc.child_relid, 2);
	ck_assert_uint_eq(gc.gpadl, 0xe1e10);
	ck_assert_uint_eq(gc.creation_status, 0xc0000001);
}
END_TEST

START_TEST(type_names)
{
	ck_assert_str_eq(vmbus_msg_type_name(CHANNELMSG_OFFERCHANNEL), "OFFERCHANNEL");
	ck_assert_str_eq(vmbus_msg_type_name(CHANNELMSG_GPADL_BODY), "GPADL_BODY");
	ck_assert_str_eq(vmbus_msg_type_name(CHANNELMSG_MODIFYCHANNEL_RESPONSE),
			 "MODIFYCHANNEL_RESPONSE");
	ck_assert_str_eq(vmbus_msg_type_name(0), "UNKNOWN");
	ck_assert_str_eq(vmbus_msg_type_name(19), "UNKNOWN");
	ck_assert_str_eq(vmbus_msg_type_name(0xffffffffu), "UNKNOWN");
}
END_TEST

static Suite *vmbus_msg_suite(void)
{
	Suite *s = suite_create("vmbus_msg");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, guid_roundtrip);
	tcase_add_test(tc, guid_bad);
	tcase_add_test(tc, decode_sizes);
	tcase_add_test(tc, decode_bad_types);
	tcase_add_test(tc, decode_fields);
	tcase_add_test(tc, decode_gpadl);
	tcase_add_test(tc, encode_sizes);
	tcase_add_test(tc, encode_fields);
	tcase_add_test(tc, type_names);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(vmbus_msg_suite)
