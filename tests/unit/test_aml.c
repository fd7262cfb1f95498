// SPDX-License-Identifier: MIT
/*
 * The AML writer, byte by byte: PkgLength at its size boundaries, name
 * paths, integer prefixes, EISAID, objects and resource descriptors,
 * and the sticky error. The ACPI tables built with it, and their iasl
 * round trip, are tested in test_acpi.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "acpi/aml.h"
#include "util.h"


static void expect_bytes(const struct aml *a, const uint8_t *exp, size_t n)
{
	ck_assert_int_eq(a->err, 0);
	ck_assert_uint_eq(a->len, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(a->buf[i] == exp[i], "byte %zu: %02x != %02x", i,
			      a->buf[i], exp[i]);
}

START_TEST(test_pkglen_encode)
{
	static const struct {
		size_t body;
		int n;
		uint8_t b[4];
	} cases[] = {
		{ 0, 1, { 0x01 } },
		{ 62, 1, { 0x3f } },                   /* 63: last 1-byte */
		{ 63, 2, { 0x41, 0x04 } },             /* 65: first 2-byte */
		{ 4093, 2, { 0x4f, 0xff } },           /* 4095: last 2-byte */
		{ 4094, 3, { 0x81, 0x00, 0x01 } },     /* 4097: first 3-byte */
		{ 0xffffc, 3, { 0x8f, 0xff, 0xff } },  /* 0xfffff */
		{ 0xffffd, 4, { 0xc1, 0x00, 0x00, 0x01 } },
		{ (1u << 28) - 5, 4, { 0xcf, 0xff, 0xff, 0xff } },
	};
	uint8_t out[4];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int n = aml_pkglen_encode(cases[i].body, out);

		ck_assert_int_eq(n, cases[i].n);
		ck_assert_mem_eq(out, cases[i].b, (size_t)n);
	}
	ck_assert_int_eq(aml_pkglen_encode((1u << 28) - 4, out), -E2BIG);
}
END_TEST

/* A Scope whose whole object (PkgLength value) comes out `total` long. */
START_TEST(test_pkglen_in_scope)
{
	static const struct {
		size_t raw;     /* bytes emitted inside, after the name */
		size_t plen;    /* expected PkgLength bytes */
	} cases[] = {
		{ 58, 1 },      /* value 1 + 4 + 58 = 63 */
		{ 59, 2 },      /* 63 would not fit: 2 + 4 + 59 = 65 */
		{ 4089, 2 },    /* 2 + 4 + 4089 = 4095 */
		{ 4090, 3 },    /* 3 + 4 + 4090 = 4097 */
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct aml a;
		uint8_t *fill = calloc(1, cases[i].raw);
		size_t total = cases[i].plen + 4 + cases[i].raw;
		size_t val;

		ck_assert_ptr_nonnull(fill);
		aml_init(&a);
		aml_scope_begin(&a, "ABCD");
		aml_bytes(&a, fill, cases[i].raw);
		aml_scope_end(&a);
		ck_assert_int_eq(aml_finish(&a), 0);
		ck_assert_uint_eq(a.len, 1 + total);
		ck_assert_uint_eq(a.buf[0], 0x10);
		ck_assert_uint_eq((size_t)(a.buf[1] >> 6) + 1, cases[i].plen);
		if (cases[i].plen == 1) {
			val = a.buf[1] & 0x3f;
		} else {
			val = a.buf[1] & 0xf;
			for (size_t j = 1; j < cases[i].plen; j++)
				val |= (size_t)a.buf[1 + j] << (4 + 8 * (j - 1));
		}
		ck_assert_uint_eq(val, total);
		ck_assert_mem_eq(a.buf + 1 + cases[i].plen, "ABCD", 4);
		aml_free(&a);
		free(fill);
	}
}
END_TEST

START_TEST(test_eisaid)
{
	uint32_t v = 0;

	ck_assert_int_eq(aml_eisaid_encode("PNP0501", &v), 0);
	ck_assert_uint_eq(v, 0x0105D041);
	ck_assert_int_eq(aml_eisaid_encode("PNP0A03", &v), 0);
	ck_assert_uint_eq(v, 0x030AD041);
	ck_assert_int_eq(aml_eisaid_encode("pnp0501", &v), -EINVAL);
	ck_assert_int_eq(aml_eisaid_encode("PNP050", &v), -EINVAL);
	ck_assert_int_eq(aml_eisaid_encode("PNP05011", &v), -EINVAL);
	ck_assert_int_eq(aml_eisaid_encode("PNP050G", &v), -EINVAL);

	struct aml a;
	const uint8_t exp[] = { 0x0c, 0x41, 0xd0, 0x05, 0x01 };

	aml_init(&a);
	aml_eisaid(&a, "PNP0501");
	expect_bytes(&a, exp, sizeof(exp));
	aml_free(&a);
}
END_TEST

START_TEST(test_integers)
{
	static const struct {
		uint64_t v;
		size_t n;
		uint8_t b[9];
	} cases[] = {
		{ 0, 1, { 0x00 } },
		{ 1, 1, { 0x01 } },
		{ UINT64_MAX, 1, { 0xff } },
		{ 2, 2, { 0x0a, 0x02 } },
		{ 0xff, 2, { 0x0a, 0xff } },
		{ 0x100, 3, { 0x0b, 0x00, 0x01 } },
		{ 0xffff, 3, { 0x0b, 0xff, 0xff } },
		{ 0x10000, 5, { 0x0c, 0x00, 0x00, 0x01, 0x00 } },
		{ 0xffffffff, 5, { 0x0c, 0xff, 0xff, 0xff, 0xff } },
		{ 0x100000000ull, 9, { 0x0e, 0, 0, 0, 0, 1, 0, 0, 0 } },
		{ UINT64_MAX - 1, 9,
		  { 0x0e, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct aml a;

		aml_init(&a);
		aml_integer(&a, cases[i].v);
		expect_bytes(&a, cases[i].b, cases[i].n);
		aml_free(&a);
	}
}
END_TEST

START_TEST(test_name_paths)
{
	static const struct {
		const char *path;
		size_t n;
		const char *b;
	} cases[] = {
		{ "_SB", 4, "_SB_" },
		{ "COM1", 4, "COM1" },
		{ "\\_SB", 5, "\\_SB_" },
		{ "\\", 2, "\\\0" },
		{ "^FOO", 5, "^FOO_" },
		{ "^^A.B", 11, "^^\x2e" "A___B___" },
		{ "\\_SB.PCI0", 10, "\\\x2e" "_SB_PCI0" },
		{ "\\_SB.PCI0.ISA", 15, "\\\x2f\x03" "_SB_PCI0ISA_" },
		{ "_SB.PCI0.ISA.COM1", 18, "\x2f\x04" "_SB_PCI0ISA_COM1" },
	};
	static const char *const bad[] = {
		"foo", "ABCDE", "1ABC", "A..B", "A.", ".A", "\\^A", "A-B",
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct aml a;

		aml_init(&a);
		aml_name_path(&a, cases[i].path);
		expect_bytes(&a, (const uint8_t *)cases[i].b, cases[i].n);
		aml_free(&a);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct aml a;

		aml_init(&a);
		aml_name_path(&a, bad[i]);
		ck_assert_msg(aml_finish(&a) == -EINVAL, "accepted %s", bad[i]);
		aml_free(&a);
	}
}
END_TEST

START_TEST(test_objects)
{
	/* Name(_S5, Package(){5, 5, 0, 0}) */
	const uint8_t s5[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04,
			       0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00 };
	/* Method(_STA, 0, Serialized){ Return(0x0F) } */
	const uint8_t sta[] = { 0x14, 0x09, '_', 'S', 'T', 'A', 0x08,
				0xa4, 0x0a, 0x0f };
	/* Device(VMBS){ Name(_HID, "VMBus") } */
	const uint8_t dev[] = { 0x5b, 0x82, 0x11, 'V', 'M', 'B', 'S',
				0x08, '_', 'H', 'I', 'D',
				0x0d, 'V', 'M', 'B', 'u', 's', 0x00 };
	/* Buffer(){1, 2, 3}: size is a ByteConst */
	const uint8_t bufobj[] = { 0x11, 0x06, 0x0a, 0x03, 1, 2, 3 };
	const uint64_t s5v[] = { 5, 5, 0, 0 };
	struct aml a;

	aml_init(&a);
	aml_name(&a, "_S5");
	aml_package_integers(&a, s5v, 4);
	expect_bytes(&a, s5, sizeof(s5));
	aml_free(&a);

	aml_method_begin(&a, "_STA", 0, true);
	aml_return_integer(&a, 0xf);
	aml_method_end(&a);
	expect_bytes(&a, sta, sizeof(sta));
	aml_free(&a);

	aml_device_begin(&a, "VMBS");
	aml_name_string(&a, "_HID", "VMBus");
	aml_device_end(&a);
	expect_bytes(&a, dev, sizeof(dev));
	aml_free(&a);

	aml_buffer_begin(&a);
	aml_bytes(&a, "\x01\x02\x03", 3);
	aml_buffer_end(&a);
	expect_bytes(&a, bufobj, sizeof(bufobj));
	aml_free(&a);
}
END_TEST

START_TEST(test_resources)
{
	const uint8_t exp[] = {
		0x11, 0x25, 0x0a, 0x22,                         /* Buffer */
		0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08, /* IO */
		0x22, 0x10, 0x00,                               /* IRQ 4 */
		/* Interrupt: consumer | shared, level (edge bit clear) */
		0x89, 0x06, 0x00, 0x09, 0x01, 0x10, 0, 0, 0,
		0x86, 0x09, 0x00, 0x01,                         /* Mem32Fixed */
		0x00, 0x00, 0xc0, 0xfe, 0x00, 0x10, 0x00, 0x00,
		0x79, 0x00,                                     /* EndTag */
	};
	struct aml a;

	aml_init(&a);
	aml_restemplate_begin(&a);
	aml_res_io(&a, 0x3f8, 8);
	aml_res_irq_noflags(&a, 4);
	aml_res_interrupt(&a, 16, AML_INT_LEVEL | AML_INT_SHARED);
	aml_res_memory32_fixed(&a, 0xfec00000, 0x1000, true);
	aml_restemplate_end(&a);
	expect_bytes(&a, exp, sizeof(exp));
	aml_free(&a);

	/* Edge, active low: consumer | edge | low = 0x07. */
	aml_restemplate_begin(&a);
	aml_res_interrupt(&a, 5, AML_INT_ACTIVE_LOW);
	aml_restemplate_end(&a);
	ck_assert_int_eq(aml_finish(&a), 0);
	ck_assert_uint_eq(a.buf[4], 0x89);
	ck_assert_uint_eq(a.buf[7], 0x07);
	aml_free(&a);

	/* QWordMemory is 46 bytes and must not trip the Buffer size math. */
	aml_restemplate_begin(&a);
	aml_res_qword_memory(&a, 0x100000000ull, 0x40000000ull, true);
	aml_restemplate_end(&a);
	ck_assert_int_eq(aml_finish(&a), 0);
	ck_assert_uint_eq(a.len, 1 + 1 + 2 + 46 + 2);
	ck_assert_uint_eq(a.buf[4], 0x8a);
	ck_assert_uint_eq(a.buf[8], 0x0c); /* producer, MinFixed, MaxFixed */
	aml_free(&a);
}
END_TEST

START_TEST(test_sticky_errors)
{
	struct aml a;
	size_t len;

	/* Unbalanced: an end that matches no begin. */
	aml_init(&a);
	aml_device_begin(&a, "ABCD");
	aml_scope_end(&a);
	ck_assert_int_eq(aml_finish(&a), -EINVAL);
	len = a.len;
	aml_integer(&a, 12345); /* ignored once an error is pending */
	ck_assert_uint_eq(a.len, len);
	aml_free(&a);

	/* Never closed. */
	aml_scope_begin(&a, "\\_SB");
	ck_assert_int_eq(aml_finish(&a), -EINVAL);
	aml_free(&a);

	/* Descriptors outside a ResourceTemplate, bad IRQ, bad nargs. */
	aml_res_io(&a, 0x3f8, 8);
	ck_assert_int_eq(aml_finish(&a), -EINVAL);
	aml_free(&a);
	aml_restemplate_begin(&a);
	aml_res_irq_noflags(&a, 16);
	aml_restemplate_end(&a);
	ck_assert_int_eq(aml_finish(&a), -EINVAL);
	aml_free(&a);
	aml_method_begin(&a, "_STA", 8, false);
	ck_assert_int_eq(aml_finish(&a), -EINVAL);
	aml_free(&a);

	/* Too deep. */
	for (int i = 0; i <= AML_MAX_DEPTH; i++)
		aml_scope_begin(&a, "A");
	ck_assert_int_eq(aml_finish(&a), -ENOSPC);
	aml_free(&a);
}
END_TEST

static Suite *aml_suite(void)
{
	Suite *s = suite_create("aml");
	TCase *tc = tcase_create("aml");

	tcase_add_test(tc, test_pkglen_encode);
	tcase_add_test(tc, test_pkglen_in_scope);
	tcase_add_test(tc, test_eisaid);
	tcase_add_test(tc, test_integers);
	tcase_add_test(tc, test_name_paths);
	tcase_add_test(tc, test_objects);
	tcase_add_test(tc, test_resources);
	tcase_add_test(tc, test_sticky_errors);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(aml_suite)
