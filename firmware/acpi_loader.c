// SPDX-License-Identifier: MIT
/*
 * acpi_build() output -> etc/acpi/rsdp, etc/acpi/tables, etc/table-loader.
 * acpi_loader.h has the format and why the blobs look as they do.
 *
 * The pointer fields are found by walking the tables the way a guest
 * does (RSDP -> RSDT/XSDT -> each table, FADT -> FACS/DSDT) instead of
 * having vmm/acpi report them: the walk needs no change to the builders
 * and cannot miss a pointer a guest would follow.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "acpi/acpi.h"
#include "acpi/acpi_tables.h"
#include "acpi_loader.h"
#include "fw_cfg.h"
#include "util.h"

#define WALK_MAX_TABLES 128  /* INSTALLED_TABLES_MAX in QemuFwCfgAcpi.c */
#define WALK_MAX_PTRS 512
#define BUILD_MIN (64u << 10)
#define BUILD_MAX (4u << 20)

struct walk_ptr {
	size_t at;       /* offset of the pointer field */
	uint8_t size;    /* 4 or 8 */
	bool in_rsdp;    /* field in the RSDP blob, else in the tables blob */
};

struct walk {
	const uint8_t *buf;
	size_t len;
	size_t rsdp_len;
	unsigned int rsdp_rev;
	struct walk_ptr ptrs[WALK_MAX_PTRS];
	unsigned int nr_ptrs;
	size_t tables[WALK_MAX_TABLES]; /* distinct pointees, in walk order */
	unsigned int nr_tables;
};

static uint64_t get_le(const uint8_t *p, unsigned int size)
{
	uint64_t v = 0;

	memcpy(&v, p, size); /* x86 only: little-endian host */
	return v;
}

static uint32_t table_len(const struct walk *w, size_t off)
{
	return (uint32_t)get_le(w->buf + off + 4, 4);
}

static bool table_is(const struct walk *w, size_t off, const char *sig)
{
	return !memcmp(w->buf + off, sig, 4);
}

/* A table at `off`: outside the RSDP, its length inside the build. */
static int table_check(const struct walk *w, uint64_t off)
{
	uint32_t len;

	if (off < w->rsdp_len || off > w->len || w->len - off < sizeof(struct acpi_header))
		return -EINVAL;
	len = table_len(w, off);
	if (table_is(w, off, "FACS"))
		return len >= sizeof(struct acpi_facs) && len <= w->len - off ? 0 : -EINVAL;
	return len >= sizeof(struct acpi_header) && len <= w->len - off ? 0 : -EINVAL;
}

/* Record the pointer field at `at` and its pointee; 0 means "absent". */
static int walk_ptr(struct walk *w, size_t at, uint8_t size, bool in_rsdp)
{
	uint64_t v = get_le(w->buf + at, size);
	unsigned int i;

	if (!v)
		return 0;
	if (table_check(w, v) || w->nr_ptrs == WALK_MAX_PTRS) {
		pr_err("acpi loader: bad pointer %#llx at offset %zu",
		       (unsigned long long)v, at);
		return -EINVAL;
	}
	w->ptrs[w->nr_ptrs++] = (struct walk_ptr){ at, size, in_rsdp };
	for (i = 0; i < w->nr_tables; i++)
		if (w->tables[i] == v)
			return 0;
	if (w->nr_tables == WALK_MAX_TABLES)
		return -EINVAL;
	w->tables[w->nr_tables++] = (size_t)v;
	return 0;
}

/* The pointers a table holds: root table entries, FADT fields. */
static int walk_table(struct walk *w, size_t off)
{
	size_t len = table_len(w, off), hdr = sizeof(struct acpi_header);
	unsigned int esize = 0;
	int ret = 0;

	if (table_is(w, off, "RSDT"))
		esize = 4;
	else if (table_is(w, off, "XSDT"))
		esize = 8;
	for (size_t e = hdr; esize && !ret && e + esize <= len; e += esize)
		ret = walk_ptr(w, off + e, (uint8_t)esize, false);
	if (ret || !table_is(w, off, "FACP"))
		return ret;
	if (len >= offsetof(struct acpi_fadt, dsdt) + 4)
		ret = walk_ptr(w, off + offsetof(struct acpi_fadt, firmware_ctrl), 4, false) ?:
		      walk_ptr(w, off + offsetof(struct acpi_fadt, dsdt), 4, false);
	if (!ret && len >= offsetof(struct acpi_fadt, x_dsdt) + 8)
		ret = walk_ptr(w, off + offsetof(struct acpi_fadt, x_firmware_ctrl), 8, false) ?:
		      walk_ptr(w, off + offsetof(struct acpi_fadt, x_dsdt), 8, false);
	return ret;
}

static int walk_all(struct walk *w)
{
	const struct acpi_rsdp *r = (const void *)w->buf;
	int ret;

	if (w->len < sizeof(*r) || memcmp(r->signature, "RSD PTR ", 8))
		return -EINVAL;
	w->rsdp_rev = r->revision;
	w->rsdp_len = r->revision >= 2 ? r->length : 20;
	if (w->rsdp_len < 20 || w->rsdp_len > w->len ||
	    (r->revision >= 2 && w->rsdp_len < sizeof(*r)))
		return -EINVAL;
	ret = walk_ptr(w, offsetof(struct acpi_rsdp, rsdt_address), 4, true);
	if (!ret && r->revision >= 2)
		ret = walk_ptr(w, offsetof(struct acpi_rsdp, xsdt_address), 8, true);
	/* The list grows as tables point to more tables. */
	for (unsigned int i = 0; !ret && i < w->nr_tables; i++)
		ret = walk_table(w, w->tables[i]);
	return ret;
}

static void name_set(char *dst, const char *name)
{
	memset(dst, 0, QEMU_LOADER_FNAME_SIZE);
	memcpy(dst, name, strlen(name) + 1);
}

static struct qemu_loader_entry *cmd_new(struct acpi_loader_blobs *b, uint32_t type)
{
	struct qemu_loader_entry *e = &b->cmds[b->nr_cmds++];

	memset(e, 0, sizeof(*e));
	e->type = type;
	return e;
}

static void cmd_alloc(struct acpi_loader_blobs *b, const char *file, uint32_t align,
		      uint8_t zone)
{
	struct qemu_loader_entry *e = cmd_new(b, QEMU_LOADER_ALLOCATE);

	name_set(e->alloc.file, file);
	e->alloc.align = align;
	e->alloc.zone = zone;
}

static void cmd_checksum(struct acpi_loader_blobs *b, const char *file, uint8_t *blob,
			 size_t result, size_t start, size_t len)
{
	struct qemu_loader_entry *e = cmd_new(b, QEMU_LOADER_ADD_CHECKSUM);

	blob[result] = 0; /* inside the summed range: must not count */
	name_set(e->checksum.file, file);
	e->checksum.result_offset = (uint32_t)result;
	e->checksum.start = (uint32_t)start;
	e->checksum.length = (uint32_t)len;
}

static int emit(const struct walk *w, struct acpi_loader_blobs *b)
{
	size_t max = 2 + w->nr_ptrs + w->nr_tables + 2;

	b->rsdp_len = w->rsdp_len;
	b->tables_len = w->len;
	b->rsdp = malloc(b->rsdp_len);
	b->tables = malloc(b->tables_len);
	b->cmds = calloc(max, sizeof(*b->cmds));
	if (!b->rsdp || !b->tables || !b->cmds)
		return -ENOMEM;
	memcpy(b->rsdp, w->buf, b->rsdp_len);
	memcpy(b->tables, w->buf, b->tables_len);
	memset(b->tables, 0, b->rsdp_len);

	cmd_alloc(b, ACPI_LOADER_TABLES_FILE, 64, QEMU_LOADER_ZONE_HIGH);
	cmd_alloc(b, ACPI_LOADER_RSDP_FILE, 16, QEMU_LOADER_ZONE_FSEG);
	for (unsigned int i = 0; i < w->nr_ptrs; i++) {
		struct qemu_loader_entry *e = cmd_new(b, QEMU_LOADER_ADD_POINTER);
		const struct walk_ptr *p = &w->ptrs[i];

		name_set(e->pointer.pointer_file,
			 p->in_rsdp ? ACPI_LOADER_RSDP_FILE : ACPI_LOADER_TABLES_FILE);
		name_set(e->pointer.pointee_file, ACPI_LOADER_TABLES_FILE);
		e->pointer.offset = (uint32_t)p->at;
		e->pointer.size = p->size;
	}
	/* Checksums last: each must see its table's relocated pointers. */
	for (unsigned int i = 0; i < w->nr_tables; i++) {
		size_t off = w->tables[i];

		if (table_is(w, off, "FACS"))
			continue;
		cmd_checksum(b, ACPI_LOADER_TABLES_FILE, b->tables,
			     off + offsetof(struct acpi_header, checksum), off,
			     table_len(w, off));
	}
	cmd_checksum(b, ACPI_LOADER_RSDP_FILE, b->rsdp,
		     offsetof(struct acpi_rsdp, checksum), 0, 20);
	if (w->rsdp_rev >= 2)
		cmd_checksum(b, ACPI_LOADER_RSDP_FILE, b->rsdp,
			     offsetof(struct acpi_rsdp, ext_checksum), 0, w->rsdp_len);
	return 0;
}

int acpi_loader_build(const struct acpi_config *cfg, struct acpi_loader_blobs *out)
{
	struct walk *w = NULL;
	uint8_t *buf = NULL;
	size_t cap = BUILD_MIN;
	ssize_t n;
	int ret;

	memset(out, 0, sizeof(*out));
	for (;;) {
		free(buf);
		buf = malloc(cap);
		if (!buf)
			return -ENOMEM;
		n = acpi_build(buf, cap, 0, cfg);
		if (n != -ENOSPC || cap >= BUILD_MAX)
			break;
		cap *= 2;
	}
	if (n < 0) {
		ret = (int)n;
		goto out;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		ret = -ENOMEM;
		goto out;
	}
	w->buf = buf;
	w->len = (size_t)n;
	ret = walk_all(w);
	if (!ret)
		ret = emit(w, out);
out:
	if (ret)
		acpi_loader_free(out);
	free(w);
	free(buf);
	return ret;
}

void acpi_loader_free(struct acpi_loader_blobs *b)
{
	free(b->rsdp);
	free(b->tables);
	free(b->cmds);
	memset(b, 0, sizeof(*b));
}

int acpi_loader_install(struct fw_cfg *fw, const struct acpi_config *cfg)
{
	struct acpi_loader_blobs b;
	int ret;

	if (!fw)
		return -ENODEV;
	ret = acpi_loader_build(cfg, &b);
	if (ret)
		return ret;
	/* The loader last: the files it names exist before it does. */
	ret = fw_cfg_set_file(fw, ACPI_LOADER_TABLES_FILE, b.tables, b.tables_len, false);
	if (ret >= 0)
		ret = fw_cfg_set_file(fw, ACPI_LOADER_RSDP_FILE, b.rsdp, b.rsdp_len, false);
	if (ret >= 0)
		ret = fw_cfg_set_file(fw, ACPI_LOADER_FILE, b.cmds,
				      b.nr_cmds * sizeof(*b.cmds), false);
	acpi_loader_free(&b);
	return ret < 0 ? ret : 0;
}
