// SPDX-License-Identifier: MIT
/*
 * AML byte-code writer. Opcode values and encodings follow ACPI 6.5
 * chapter 20 (AML grammar) and 6.4 (resource descriptors).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "acpi/aml.h"
#include "util.h"

/* Opcodes (ACPI 6.5 section 20.3). */
#define AML_ZERO 0x00
#define AML_ONE 0x01
#define AML_NAME_OP 0x08
#define AML_BYTE_PREFIX 0x0a
#define AML_WORD_PREFIX 0x0b
#define AML_DWORD_PREFIX 0x0c
#define AML_STRING_PREFIX 0x0d
#define AML_QWORD_PREFIX 0x0e
#define AML_SCOPE_OP 0x10
#define AML_BUFFER_OP 0x11
#define AML_PACKAGE_OP 0x12
#define AML_METHOD_OP 0x14
#define AML_DUAL_NAME_PREFIX 0x2e
#define AML_MULTI_NAME_PREFIX 0x2f
#define AML_EXT_OP_PREFIX 0x5b
#define AML_DEVICE_OP 0x82 /* after AML_EXT_OP_PREFIX */
#define AML_ROOT_CHAR '\\'
#define AML_PARENT_PREFIX '^'
#define AML_RETURN_OP 0xa4
#define AML_ONES 0xff

/* Resource descriptor tags (ACPI 6.5 section 6.4). */
#define RES_IRQ_NOFLAGS 0x22  /* small, type 4, length 2 */
#define RES_IO 0x47           /* small, type 8, length 7 */
#define RES_END_TAG 0x79      /* small, type 15, length 1 */
#define RES_MEMORY32_FIXED 0x86
#define RES_EXT_INTERRUPT 0x89
#define RES_QWORD_ADDRESS 0x8a
#define RES_WORD_ADDRESS 0x88

enum aml_kind {
	K_SCOPE = 1,
	K_DEVICE,
	K_METHOD,
	K_PACKAGE,
	K_BUFFER,
	K_RESTEMPLATE,
};

/* PkgLength can describe at most 2^28 - 1 bytes. */
#define AML_PKGLEN_MAX ((1u << 28) - 1)

void aml_init(struct aml *a)
{
	memset(a, 0, sizeof(*a));
}

void aml_free(struct aml *a)
{
	free(a->buf);
	aml_init(a);
}

static void set_err(struct aml *a, int err)
{
	if (!a->err)
		a->err = err;
}

int aml_finish(struct aml *a)
{
	if (!a->err && a->depth)
		set_err(a, -EINVAL); /* an object was never closed */
	return a->err;
}

static bool reserve(struct aml *a, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (a->err)
		return false;
	if (a->len + n <= a->cap)
		return true;
	if (n > SIZE_MAX / 2 - a->len) {
		set_err(a, -ENOMEM);
		return false;
	}
	cap = a->cap ? a->cap : 256;
	while (cap < a->len + n)
		cap *= 2;
	p = realloc(a->buf, cap);
	if (!p) {
		set_err(a, -ENOMEM);
		return false;
	}
	a->buf = p;
	a->cap = cap;
	return true;
}

void aml_bytes(struct aml *a, const void *p, size_t n)
{
	if (!n || !reserve(a, n))
		return;
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

void aml_byte(struct aml *a, uint8_t b)
{
	aml_bytes(a, &b, 1);
}

static void put_le(uint8_t *out, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		out[i] = (uint8_t)(v >> (8 * i));
}

static void emit_le(struct aml *a, uint64_t v, unsigned int n)
{
	uint8_t tmp[8];

	put_le(tmp, v, n);
	aml_bytes(a, tmp, n);
}

/* Insert `n` bytes at offset `at`, shifting what follows. */
static void insert(struct aml *a, size_t at, const uint8_t *p, size_t n)
{
	if (!reserve(a, n))
		return;
	memmove(a->buf + at + n, a->buf + at, a->len - at);
	memcpy(a->buf + at, p, n);
	a->len += n;
}

int aml_pkglen_encode(size_t body_len, uint8_t out[4])
{
	size_t total;
	int n;

	/*
	 * The value counts the PkgLength bytes themselves, so the size of
	 * the encoding depends on itself: pick the smallest that fits. A
	 * one-byte form holds 6 bits; the others hold 4 bits in the lead
	 * byte plus 8 per following byte.
	 */
	if (body_len + 1 <= 0x3f) {
		out[0] = (uint8_t)(body_len + 1);
		return 1;
	}
	if (body_len + 2 <= 0xfff)
		n = 2;
	else if (body_len + 3 <= 0xfffff)
		n = 3;
	else if (body_len <= AML_PKGLEN_MAX - 4)
		n = 4;
	else
		return -E2BIG;
	total = body_len + (size_t)n;
	out[0] = (uint8_t)(((n - 1) << 6) | (total & 0xf));
	for (int i = 1; i < n; i++)
		out[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
	return n;
}

static void open_obj(struct aml *a, enum aml_kind kind)
{
	if (a->err)
		return;
	if (a->depth == AML_MAX_DEPTH) {
		set_err(a, -ENOSPC);
		return;
	}
	a->open[a->depth].start = a->len;
	a->open[a->depth].kind = (uint8_t)kind;
	a->depth++;
}

/* Pop the innermost object, which must be `kind`; returns its start. */
static bool close_obj(struct aml *a, enum aml_kind kind, size_t *start)
{
	if (a->err)
		return false;
	if (!a->depth || a->open[a->depth - 1].kind != kind) {
		set_err(a, -EINVAL);
		return false;
	}
	a->depth--;
	*start = a->open[a->depth].start;
	return true;
}

/* Insert `pre` (n bytes) then the PkgLength covering pre + body. */
static void close_with_pkglen(struct aml *a, size_t start,
			      const uint8_t *pre, size_t n)
{
	uint8_t hdr[4 + 9];
	int plen;

	plen = aml_pkglen_encode(a->len - start + n, hdr);
	if (plen < 0) {
		set_err(a, plen);
		return;
	}
	if (n)
		memcpy(hdr + plen, pre, n);
	insert(a, start, hdr, (size_t)plen + n);
}

static void end_simple(struct aml *a, enum aml_kind kind)
{
	size_t start;

	if (close_obj(a, kind, &start))
		close_with_pkglen(a, start, NULL, 0);
}

static bool lead_char_ok(char c)
{
	return (c >= 'A' && c <= 'Z') || c == '_';
}

static bool name_char_ok(char c)
{
	return lead_char_ok(c) || (c >= '0' && c <= '9');
}

/* Parse one NameSeg of 1-4 chars ending at '.' or NUL into `seg`. */
static const char *parse_seg(const char *p, uint8_t seg[4])
{
	unsigned int n = 0;

	if (!lead_char_ok(*p))
		return NULL;
	while (*p && *p != '.') {
		if (n == 4 || !name_char_ok(*p))
			return NULL;
		seg[n++] = (uint8_t)*p++;
	}
	while (n < 4)
		seg[n++] = '_';
	return p;
}

void aml_name_path(struct aml *a, const char *path)
{
	uint8_t segs[255][4];
	unsigned int nseg = 0;
	const char *p = path;

	if (a->err)
		return;
	if (*p == AML_ROOT_CHAR) {
		aml_byte(a, AML_ROOT_CHAR);
		p++;
	} else {
		while (*p == AML_PARENT_PREFIX) {
			aml_byte(a, AML_PARENT_PREFIX);
			p++;
		}
	}
	while (*p) {
		if (nseg == ARRAY_SIZE(segs))
			goto bad;
		p = parse_seg(p, segs[nseg++]);
		if (!p)
			goto bad;
		if (*p == '.' && !*++p)
			goto bad; /* trailing dot */
	}
	if (nseg == 0) {
		aml_byte(a, AML_ZERO); /* NullName */
		return;
	}
	if (nseg == 2) {
		aml_byte(a, AML_DUAL_NAME_PREFIX);
	} else if (nseg > 2) {
		aml_byte(a, AML_MULTI_NAME_PREFIX);
		aml_byte(a, (uint8_t)nseg);
	}
	aml_bytes(a, segs, nseg * 4u);
	return;
bad:
	set_err(a, -EINVAL);
}

/* Encode an integer constant; returns its size (1-9). */
static size_t int_encode(uint64_t v, uint8_t out[9])
{
	if (v == 0) {
		out[0] = AML_ZERO;
		return 1;
	}
	if (v == 1) {
		out[0] = AML_ONE;
		return 1;
	}
	if (v == UINT64_MAX) {
		out[0] = AML_ONES;
		return 1;
	}
	if (v <= UINT8_MAX) {
		out[0] = AML_BYTE_PREFIX;
		put_le(out + 1, v, 1);
		return 2;
	}
	if (v <= UINT16_MAX) {
		out[0] = AML_WORD_PREFIX;
		put_le(out + 1, v, 2);
		return 3;
	}
	if (v <= UINT32_MAX) {
		out[0] = AML_DWORD_PREFIX;
		put_le(out + 1, v, 4);
		return 5;
	}
	out[0] = AML_QWORD_PREFIX;
	put_le(out + 1, v, 8);
	return 9;
}

void aml_integer(struct aml *a, uint64_t v)
{
	uint8_t tmp[9];

	aml_bytes(a, tmp, int_encode(v, tmp));
}

void aml_string(struct aml *a, const char *s)
{
	for (const char *p = s; *p; p++) {
		if ((unsigned char)*p > 0x7f) {
			set_err(a, -EINVAL);
			return;
		}
	}
	aml_byte(a, AML_STRING_PREFIX);
	aml_bytes(a, s, strlen(s) + 1);
}

int aml_eisaid_encode(const char *id, uint32_t *out)
{
	uint16_t vendor = 0, product = 0;

	/* Three letters packed 5 bits each ('A' = 1), then 4 hex digits. */
	for (int i = 0; i < 3; i++) {
		if (id[i] < 'A' || id[i] > 'Z')
			return -EINVAL;
		vendor = (uint16_t)((vendor << 5) | (id[i] - 'A' + 1));
	}
	for (int i = 3; i < 7; i++) {
		int h = hex_digit(id[i]);

		if (h < 0)
			return -EINVAL;
		product = (uint16_t)((product << 4) | h);
	}
	if (id[7])
		return -EINVAL;
	/* Both halves are stored big-endian in the little-endian dword. */
	*out = (uint32_t)(vendor >> 8) | (uint32_t)(vendor & 0xff) << 8 |
	       (uint32_t)(product >> 8) << 16 | (uint32_t)(product & 0xff) << 24;
	return 0;
}

void aml_eisaid(struct aml *a, const char *id)
{
	uint32_t v;
	int ret = aml_eisaid_encode(id, &v);

	if (ret) {
		set_err(a, ret);
		return;
	}
	aml_byte(a, AML_DWORD_PREFIX);
	emit_le(a, v, 4);
}

void aml_name(struct aml *a, const char *name)
{
	aml_byte(a, AML_NAME_OP);
	aml_name_path(a, name);
}

void aml_name_integer(struct aml *a, const char *name, uint64_t v)
{
	aml_name(a, name);
	aml_integer(a, v);
}

void aml_name_string(struct aml *a, const char *name, const char *s)
{
	aml_name(a, name);
	aml_string(a, s);
}

void aml_name_eisaid(struct aml *a, const char *name, const char *id)
{
	aml_name(a, name);
	aml_eisaid(a, id);
}

void aml_scope_begin(struct aml *a, const char *path)
{
	aml_byte(a, AML_SCOPE_OP);
	open_obj(a, K_SCOPE);
	aml_name_path(a, path);
}

void aml_scope_end(struct aml *a)
{
	end_simple(a, K_SCOPE);
}

void aml_device_begin(struct aml *a, const char *name)
{
	aml_byte(a, AML_EXT_OP_PREFIX);
	aml_byte(a, AML_DEVICE_OP);
	open_obj(a, K_DEVICE);
	aml_name_path(a, name);
}

void aml_device_end(struct aml *a)
{
	end_simple(a, K_DEVICE);
}

void aml_method_begin(struct aml *a, const char *name, unsigned int nargs,
		      bool serialized)
{
	if (nargs > 7) {
		set_err(a, -EINVAL);
		return;
	}
	aml_byte(a, AML_METHOD_OP);
	open_obj(a, K_METHOD);
	aml_name_path(a, name);
	aml_byte(a, (uint8_t)(nargs | (serialized ? 1u << 3 : 0)));
}

void aml_method_end(struct aml *a)
{
	end_simple(a, K_METHOD);
}

void aml_return(struct aml *a)
{
	aml_byte(a, AML_RETURN_OP);
}

void aml_return_integer(struct aml *a, uint64_t v)
{
	aml_return(a);
	aml_integer(a, v);
}

void aml_package_begin(struct aml *a, unsigned int nelems)
{
	if (nelems > UINT8_MAX) {
		set_err(a, -EINVAL); /* would need VarPackage */
		return;
	}
	aml_byte(a, AML_PACKAGE_OP);
	open_obj(a, K_PACKAGE);
	aml_byte(a, (uint8_t)nelems);
}

void aml_package_end(struct aml *a)
{
	end_simple(a, K_PACKAGE);
}

void aml_package_integers(struct aml *a, const uint64_t *v, unsigned int n)
{
	aml_package_begin(a, n);
	for (unsigned int i = 0; i < n; i++)
		aml_integer(a, v[i]);
	aml_package_end(a);
}

static void buffer_begin(struct aml *a, enum aml_kind kind)
{
	aml_byte(a, AML_BUFFER_OP);
	open_obj(a, kind);
}

/* The BufferSize term sits between PkgLength and the bytes. */
static void buffer_end(struct aml *a, enum aml_kind kind)
{
	uint8_t size[9];
	size_t start;

	if (!close_obj(a, kind, &start))
		return;
	close_with_pkglen(a, start, size, int_encode(a->len - start, size));
}

void aml_buffer_begin(struct aml *a)
{
	buffer_begin(a, K_BUFFER);
}

void aml_buffer_end(struct aml *a)
{
	buffer_end(a, K_BUFFER);
}

void aml_restemplate_begin(struct aml *a)
{
	buffer_begin(a, K_RESTEMPLATE);
}

void aml_restemplate_end(struct aml *a)
{
	/* Checksum 0 means "treat as valid" (ACPI 6.5 section 6.4.2.9). */
	const uint8_t end[2] = { RES_END_TAG, 0 };

	aml_bytes(a, end, sizeof(end));
	buffer_end(a, K_RESTEMPLATE);
}

/* Resource descriptors are only meaningful inside a ResourceTemplate. */
static bool in_restemplate(struct aml *a)
{
	if (a->err)
		return false;
	if (!a->depth || a->open[a->depth - 1].kind != K_RESTEMPLATE) {
		set_err(a, -EINVAL);
		return false;
	}
	return true;
}

void aml_res_io(struct aml *a, uint16_t base, uint8_t len)
{
	uint8_t d[8] = { RES_IO, 1 /* 16-bit decode */ };

	if (!in_restemplate(a))
		return;
	put_le(d + 2, base, 2); /* minimum */
	put_le(d + 4, base, 2); /* maximum: equal, so not relocatable */
	d[6] = 1;               /* alignment */
	d[7] = len;
	aml_bytes(a, d, sizeof(d));
}

void aml_res_irq_noflags(struct aml *a, unsigned int irq)
{
	uint8_t d[3] = { RES_IRQ_NOFLAGS };

	if (!in_restemplate(a))
		return;
	if (irq > 15) {
		set_err(a, -EINVAL);
		return;
	}
	put_le(d + 1, 1u << irq, 2);
	aml_bytes(a, d, sizeof(d));
}

void aml_res_interrupt(struct aml *a, uint32_t gsi, unsigned int flags)
{
	uint8_t d[9] = { RES_EXT_INTERRUPT };
	uint8_t f = 1; /* ResourceConsumer */

	if (!in_restemplate(a))
		return;
	/* Note the descriptor's bit 1 is set for *edge*, not level. */
	if (!(flags & AML_INT_LEVEL))
		f |= 1u << 1;
	if (flags & AML_INT_ACTIVE_LOW)
		f |= 1u << 2;
	if (flags & AML_INT_SHARED)
		f |= 1u << 3;
	put_le(d + 1, sizeof(d) - 3, 2);
	d[3] = f;
	d[4] = 1; /* interrupt table length */
	put_le(d + 5, gsi, 4);
	aml_bytes(a, d, sizeof(d));
}

void aml_res_memory32_fixed(struct aml *a, uint32_t base, uint32_t len,
			    bool writable)
{
	uint8_t d[12] = { RES_MEMORY32_FIXED };

	if (!in_restemplate(a))
		return;
	put_le(d + 1, sizeof(d) - 3, 2);
	d[3] = writable ? 1 : 0;
	put_le(d + 4, base, 4);
	put_le(d + 8, len, 4);
	aml_bytes(a, d, sizeof(d));
}

/* Word Address Space Descriptor (ACPI 6.5, 6.4.3.5.3), producer. */
static void res_word_range(struct aml *a, uint8_t type, uint8_t type_flags,
			   uint16_t min, uint16_t max)
{
	uint8_t d[16] = { RES_WORD_ADDRESS };

	if (!in_restemplate(a))
		return;
	if (max < min) {
		set_err(a, -EINVAL);
		return;
	}
	put_le(d + 1, sizeof(d) - 3, 2);
	d[3] = type;
	d[4] = (1u << 2) | (1u << 3); /* MinFixed | MaxFixed, PosDecode, producer */
	d[5] = type_flags;
	put_le(d + 6, 0, 2);                    /* granularity */
	put_le(d + 8, min, 2);
	put_le(d + 10, max, 2);
	put_le(d + 12, 0, 2);                   /* translation offset */
	put_le(d + 14, (uint64_t)max - min + 1, 2);
	aml_bytes(a, d, sizeof(d));
}

void aml_res_word_io(struct aml *a, uint16_t min, uint16_t max)
{
	res_word_range(a, 1, 3 /* EntireRange */, min, max);
}

void aml_res_word_bus(struct aml *a, uint16_t min, uint16_t max)
{
	res_word_range(a, 2, 0, min, max);
}

void aml_res_qword_memory(struct aml *a, uint64_t base, uint64_t len,
			  bool producer)
{
	uint8_t d[46] = { RES_QWORD_ADDRESS };

	if (!in_restemplate(a))
		return;
	if (!len || base + (len - 1) < base) {
		set_err(a, -EINVAL);
		return;
	}
	put_le(d + 1, sizeof(d) - 3, 2);
	d[3] = 0; /* memory range */
	/* General flags: MinFixed | MaxFixed, PosDecode, bit 0 = consumer. */
	d[4] = (1u << 2) | (1u << 3) | (producer ? 0 : 1);
	d[5] = 1; /* ReadWrite, NonCacheable, AddressRangeMemory */
	put_le(d + 6, 0, 8);               /* granularity */
	put_le(d + 14, base, 8);           /* minimum */
	put_le(d + 22, base + len - 1, 8); /* maximum */
	put_le(d + 30, 0, 8);              /* translation offset */
	put_le(d + 38, len, 8);
	aml_bytes(a, d, sizeof(d));
}
