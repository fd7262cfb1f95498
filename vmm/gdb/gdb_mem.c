// SPDX-License-Identifier: MIT
/*
 * Guest memory for gdb: m/M/X through the selected thread's paging
 * (ops->translate, page by page, so a read may cross pages that are not
 * contiguous in guest physical memory) or, with Qqemu.PhyMemMode:1,
 * physical addresses. The stub touches only RAM/ROM of the target's
 * memory map, never MMIO, whatever address gdb asks for; planted int3
 * bytes are hidden from reads and kept under writes (gdb_break.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gdb_int.h"

#define PAGE_SIZE 4096ULL
#define MAX_REGIONS 64

bool gdb_mem_gpa_ok(struct gdb_session *s, uint64_t gpa, size_t len)
{
	struct gdb_region r[MAX_REGIONS];
	int i, n;

	if (!s->ops->memory_map)
		return true; /* the target's read_phys must refuse MMIO itself */
	n = s->ops->memory_map(s->t, r, MAX_REGIONS);
	if (n > MAX_REGIONS)
		n = MAX_REGIONS;
	for (i = 0; i < n; i++) {
		if (r[i].kind == GDB_REGION_MMIO)
			continue;
		if (gpa >= r[i].start && gpa - r[i].start < r[i].size &&
		    len <= r[i].size - (gpa - r[i].start))
			return true;
	}
	return false;
}

/* One piece of [addr, addr+len) that does not cross a page: its GPA. */
static int piece(struct gdb_session *s, unsigned int vcpu, uint64_t addr, size_t len,
		 uint64_t *gpa, size_t *n)
{
	uint64_t left = PAGE_SIZE - (addr & (PAGE_SIZE - 1));
	int err;

	*n = len < left ? len : (size_t)left;
	if (s->phys_mode || !s->ops->translate) {
		*gpa = addr;
	} else {
		err = s->ops->translate(s->t, vcpu, addr, gpa);
		if (err < 0)
			return err;
	}
	if (!gdb_mem_gpa_ok(s, *gpa, *n))
		return -EFAULT;
	return 0;
}

int gdb_mem_translate(struct gdb_session *s, unsigned int vcpu, uint64_t addr, uint64_t *gpa)
{
	size_t n;

	return piece(s, vcpu, addr, 1, gpa, &n);
}

int gdb_mem_read(struct gdb_session *s, unsigned int vcpu, uint64_t addr, void *buf, size_t len)
{
	uint8_t *b = buf;

	while (len) {
		uint64_t gpa;
		size_t n;
		int err = piece(s, vcpu, addr, len, &gpa, &n);

		if (!err)
			err = s->ops->read_phys(s->t, gpa, b, n);
		if (err < 0)
			return err;
		gdb_break_mask(&s->bp, gpa, b, n);
		addr += n;
		b += n;
		len -= n;
	}
	return 0;
}

int gdb_mem_write(struct gdb_session *s, unsigned int vcpu, uint64_t addr, const void *buf,
		  size_t len)
{
	const uint8_t *b = buf;
	uint8_t tmp[PAGE_SIZE];

	/* Translate everything first: a failing page leaves memory untouched. */
	for (uint64_t a = addr, l = len; l;) {
		uint64_t gpa;
		size_t n;
		int err = piece(s, vcpu, a, l, &gpa, &n);

		if (err < 0)
			return err;
		a += n;
		l -= n;
	}
	while (len) {
		uint64_t gpa;
		size_t n;
		int err = piece(s, vcpu, addr, len, &gpa, &n);

		if (err < 0)
			return err;
		memcpy(tmp, b, n);
		gdb_break_unmask(&s->bp, gpa, tmp, n);
		err = s->ops->write_phys(s->t, gpa, tmp, n);
		if (err < 0)
			return err;
		addr += n;
		b += n;
		len -= n;
	}
	return 0;
}

/* "ADDR,LEN" then `end` (':' for M/X, NUL for m). */
static int parse_addr_len(const char **p, uint64_t *addr, uint64_t *len, char end)
{
	if (!gdb_parse_hex(p, addr) || *(*p)++ != ',' || !gdb_parse_hex(p, len) || **p != end)
		return -EINVAL;
	if (end)
		(*p)++;
	if (*len && *addr + *len - 1 < *addr)
		return -EINVAL; /* wraps around */
	return 0;
}

int gdb_mem_m(struct gdb_session *s, const char *arg)
{
	uint8_t *buf = s->scratch;
	uint64_t addr, len;
	int err = parse_addr_len(&arg, &addr, &len, 0);

	if (err < 0)
		return err;
	/* A shorter answer is allowed: gdb asks again for the rest. */
	if (len > sizeof(s->scratch))
		len = sizeof(s->scratch);
	err = gdb_mem_read(s, s->g_vcpu, addr, buf, (size_t)len);
	if (err < 0)
		return err;
	gdb_reply_hex(s, buf, (size_t)len);
	return 0;
}

int gdb_mem_M(struct gdb_session *s, const char *arg)
{
	uint8_t *buf = s->scratch;
	uint64_t addr, len;
	int err = parse_addr_len(&arg, &addr, &len, ':');

	if (err < 0)
		return err;
	if (len > sizeof(s->scratch) || strlen(arg) != 2 * len || !gdb_parse_hex_bytes(arg, 2 * len, buf))
		return -EINVAL;
	err = gdb_mem_write(s, s->g_vcpu, addr, buf, (size_t)len);
	if (err < 0)
		return err;
	gdb_reply(s, "OK");
	return 0;
}

/* X: binary data, already unescaped by the parser; arglen counts it all. */
int gdb_mem_X(struct gdb_session *s, const char *arg, size_t arglen)
{
	const char *p = arg;
	uint64_t addr, len;
	int err;

	/* The header is text: bound the scan to the packet. */
	if (!memchr(arg, ':', arglen))
		return -EINVAL;
	err = parse_addr_len(&p, &addr, &len, ':');
	if (err < 0)
		return err;
	if (len != arglen - (size_t)(p - arg))
		return -EINVAL;
	if (len) {
		err = gdb_mem_write(s, s->g_vcpu, addr, p, (size_t)len);
		if (err < 0)
			return err;
	}
	gdb_reply(s, "OK");
	return 0;
}

/*
 * The memory map (gdb manual, "Memory Map Format") lists RAM and ROM and
 * leaves MMIO out, so gdb refuses to read it. gdb applies the map to the
 * addresses it sends, which are virtual unless PhyMemMode is on: the
 * space above the highest region (where x86-64 kernels live) is declared
 * RAM so that high-half addresses stay reachable; the stub's own GPA
 * check (gdb_mem_gpa_ok) still keeps every access off MMIO.
 */
size_t gdb_mem_map_xml(struct gdb_session *s, char *buf, size_t cap)
{
	struct gdb_region r[MAX_REGIONS];
	uint64_t top = 0;
	size_t len = 0;
	int i, n = 0, k;

	if (s->ops->memory_map)
		n = s->ops->memory_map(s->t, r, MAX_REGIONS);
	if (n < 0)
		n = 0;
	if (n > MAX_REGIONS)
		n = MAX_REGIONS;
	k = snprintf(buf, cap, "<?xml version=\"1.0\"?><!DOCTYPE memory-map PUBLIC "
			       "\"+//IDN gnu.org//DTD GDB Memory Map V1.0//EN\" "
			       "\"http://sourceware.org/gdb/gdb-memory-map.dtd\"><memory-map>");
	len = k > 0 ? (size_t)k : 0;
	for (i = 0; i < n; i++) {
		uint64_t end = r[i].start + r[i].size;

		if (!r[i].size || end < r[i].start)
			continue;
		if (end > top)
			top = end;
		if (r[i].kind == GDB_REGION_MMIO)
			continue;
		k = snprintf(len < cap ? buf + len : NULL, len < cap ? cap - len : 0,
			     "<memory type=\"%s\" start=\"0x%llx\" length=\"0x%llx\"/>",
			     r[i].kind == GDB_REGION_ROM ? "rom" : "ram",
			     (unsigned long long)r[i].start, (unsigned long long)r[i].size);
		len += k > 0 ? (size_t)k : 0;
	}
	if (top)
		k = snprintf(len < cap ? buf + len : NULL, len < cap ? cap - len : 0,
			     "<memory type=\"ram\" start=\"0x%llx\" length=\"0x%llx\"/>",
			     (unsigned long long)top, (unsigned long long)(0 - top));
	else
		k = 0;
	len += k > 0 ? (size_t)k : 0;
	k = snprintf(len < cap ? buf + len : NULL, len < cap ? cap - len : 0, "</memory-map>");
	len += k > 0 ? (size_t)k : 0;
	return len;
}
