// SPDX-License-Identifier: MIT
/*
 * etc/table-loader (firmware/acpi_loader.c), checked by doing what OVMF
 * does with it: a small interpreter modelled on edk2-stable202211
 * OvmfPkg/AcpiPlatformDxe/QemuFwCfgAcpi.c reads the script and the blobs
 * through fw_cfg DMA into guest RAM, runs ALLOCATE / ADD_POINTER /
 * ADD_CHECKSUM with OVMF's own validity checks, then does OVMF's second
 * pass (install every ADD_POINTER pointee that is a FACS or a table with
 * a good checksum, skip RSDT/XSDT). The relocated tables must then be
 * byte for byte what acpi_build() makes when told their final address.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "unit.h"
#include "acpi_test_cfg.h"
#include "acpi/acpi.h"
#include "acpi/acpi_tables.h"
#include "acpi_loader.h"
#include "fw_cfg.h"
#include "guest_mem.h"
#include "layout.h"
#include "util.h"
#include "vmbus/vmbus.h"

#define RAM (16ULL << 20)
#define DESC 0x1000ULL
#define SCRATCH 0x10000ULL      /* the script is read here */
#define ALLOC_START 0x200123ULL /* deliberately unaligned: ALLOCATE aligns */

#define MAX_BLOBS 8
#define MAX_INSTALLED 128

struct blob {
	const char *name;       /* points into the script */
	uint64_t base;
	uint32_t size;
};

struct ovmf {
	struct guest_mem mem;
	struct fw_cfg *fw;
	struct blob blobs[MAX_BLOBS];
	unsigned int nr_blobs;
	uint64_t next;          /* allocation cursor */
	struct qemu_loader_entry *script;
	unsigned int nr_cmds;
	uint64_t seen[MAX_INSTALLED * 2];
	unsigned int nr_seen;
	struct { char sig[5]; uint64_t addr; } installed[MAX_INSTALLED];
	unsigned int nr_installed;
	uint64_t xsdt;          /* the XSDT the second pass skipped */
};

static void default_cfg(struct acpi_config *c, bool vmbus)
{
	acpi_test_cfg(c, 4);
	if (vmbus)
		c->dsdt_hooks[c->nr_dsdt_hooks++] =
			(struct acpi_dsdt_hook){ .emit = vmbus_acpi_emit };
}

static uint8_t *g(struct ovmf *o, uint64_t gpa, uint64_t len)
{
	uint8_t *p = gmem_ptr(&o->mem, gpa, len);

	ck_assert_msg(p, "%#llx+%llu not in RAM", (unsigned long long)gpa,
		      (unsigned long long)len);
	return p;
}

/* QemuFwCfgSelectItem + QemuFwCfgReadBytes with DMA. */
static void fw_read(struct ovmf *o, uint16_t key, uint64_t gpa, uint32_t len)
{
	uint8_t d[16] = { 0 };
	uint32_t v;
	uint64_t a = htobe64(gpa);
	uint16_t k = htole16(key);

	fw_cfg_io_write(o->fw, FW_CFG_PORT_SEL, (uint8_t *)&k, 2);
	v = htobe32(FW_CFG_DMA_CTL_READ);
	memcpy(d, &v, 4);
	v = htobe32(len);
	memcpy(d + 4, &v, 4);
	memcpy(d + 8, &a, 8);
	memcpy(g(o, DESC, 16), d, 16);
	ck_assert_int_eq(fw_cfg_dma(o->fw, DESC), 0);
	ck_assert_uint_eq(*(uint32_t *)g(o, DESC, 4), 0);
}

/* QemuFwCfgFindFile over the directory, read by DMA. */
static int fw_find(struct ovmf *o, const char *name, uint32_t *size)
{
	uint32_t count;
	uint8_t *dir;

	fw_read(o, FW_CFG_FILE_DIR, SCRATCH, 4);
	count = be32toh(*(uint32_t *)g(o, SCRATCH, 4));
	fw_read(o, FW_CFG_FILE_DIR, SCRATCH, 4 + count * 64);
	dir = g(o, SCRATCH, 4 + count * 64);
	for (uint32_t i = 0; i < count; i++) {
		uint8_t *e = dir + 4 + i * 64;

		if (!strcmp((char *)e + 8, name)) {
			*size = be32toh(*(uint32_t *)e);
			return be16toh(*(uint16_t *)(e + 4));
		}
	}
	return -1;
}

static struct blob *blob_find(struct ovmf *o, const char *name)
{
	for (unsigned int i = 0; i < o->nr_blobs; i++)
		if (!strcmp(o->blobs[i].name, name))
			return &o->blobs[i];
	return NULL;
}

static void name_ok(const char *n)
{
	ck_assert_msg(memchr(n, 0, QEMU_LOADER_FNAME_SIZE), "file name not NUL-terminated");
}

/* ProcessCmdAllocate */
static void cmd_allocate(struct ovmf *o, const struct qemu_loader_entry *e)
{
	struct blob *b = &o->blobs[o->nr_blobs];
	uint32_t align = e->alloc.align;
	int key;

	name_ok(e->alloc.file);
	ck_assert_uint_le(align, 4096);
	ck_assert_msg(align && !(align & (align - 1)), "alignment %u", align);
	ck_assert(e->alloc.zone == QEMU_LOADER_ZONE_HIGH || e->alloc.zone == QEMU_LOADER_ZONE_FSEG);
	ck_assert_ptr_null(blob_find(o, e->alloc.file));
	ck_assert_uint_lt(o->nr_blobs, MAX_BLOBS);
	key = fw_find(o, e->alloc.file, &b->size);
	ck_assert_int_ge(key, FW_CFG_FILE_FIRST);
	ck_assert_uint_gt(b->size, 0);
	b->name = e->alloc.file;
	b->base = ALIGN_UP(o->next, (uint64_t)align);
	o->next = b->base + b->size + 0x321;
	fw_read(o, (uint16_t)key, b->base, b->size);
	o->nr_blobs++;
}

/* ProcessCmdAddPointer */
static void cmd_add_pointer(struct ovmf *o, const struct qemu_loader_entry *e)
{
	struct blob *ptr, *pte;
	uint64_t v = 0;
	uint8_t sz = e->pointer.size;

	name_ok(e->pointer.pointer_file);
	name_ok(e->pointer.pointee_file);
	ptr = blob_find(o, e->pointer.pointer_file);
	pte = blob_find(o, e->pointer.pointee_file);
	ck_assert_msg(ptr && pte, "ADD_POINTER before ALLOCATE");
	ck_assert(sz == 1 || sz == 2 || sz == 4 || sz == 8);
	ck_assert_uint_ge(ptr->size, sz);
	ck_assert_uint_le(e->pointer.offset, ptr->size - sz);
	memcpy(&v, g(o, ptr->base + e->pointer.offset, sz), sz);
	ck_assert_uint_lt(v, pte->size);
	v += pte->base;
	if (sz < 8)
		ck_assert_uint_eq(v >> (sz * 8), 0);
	memcpy(g(o, ptr->base + e->pointer.offset, sz), &v, sz);
}

/* ProcessCmdAddChecksum */
static void cmd_add_checksum(struct ovmf *o, const struct qemu_loader_entry *e)
{
	struct blob *b;
	uint8_t *base;

	name_ok(e->checksum.file);
	b = blob_find(o, e->checksum.file);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_lt(e->checksum.result_offset, b->size);
	ck_assert_uint_le(e->checksum.length, b->size);
	ck_assert_uint_le(e->checksum.start, b->size - e->checksum.length);
	base = g(o, b->base, b->size);
	/* CalculateCheckSum8: 0 - sum, the result byte included as it is. */
	base[e->checksum.result_offset] =
		(uint8_t)(0 - acpi_sum(base + e->checksum.start, e->checksum.length));
}

/* Process2ndPassCmdAddPointer */
static void second_pass(struct ovmf *o, const struct qemu_loader_entry *e)
{
	struct blob *ptr = blob_find(o, e->pointer.pointer_file);
	struct blob *pte = blob_find(o, e->pointer.pointee_file);
	uint64_t v = 0, remaining;
	const struct acpi_header *h;
	uint32_t len = 0;

	memcpy(&v, g(o, ptr->base + e->pointer.offset, e->pointer.size), e->pointer.size);
	ck_assert(v >= pte->base && v < pte->base + pte->size);
	for (unsigned int i = 0; i < o->nr_seen; i++)
		if (o->seen[i] == v)
			return;
	ck_assert_uint_lt(o->nr_seen, ARRAY_SIZE(o->seen));
	o->seen[o->nr_seen++] = v;
	remaining = pte->base + pte->size - v;
	h = (const void *)g(o, v, MIN(remaining, sizeof(*h)));
	if (remaining >= sizeof(struct acpi_facs) && !memcmp(h->signature, "FACS", 4) &&
	    h->length >= sizeof(struct acpi_facs) && h->length <= remaining)
		len = h->length;
	if (!len && remaining >= sizeof(*h) && h->length >= sizeof(*h) &&
	    h->length <= remaining && acpi_sum(h, h->length) == 0) {
		if (!memcmp(h->signature, "RSDT", 4) || !memcmp(h->signature, "XSDT", 4)) {
			o->xsdt = v;
			return;
		}
		len = h->length;
	}
	/* hvmm's pointers all lead to tables: no opaque pointee expected. */
	ck_assert_msg(len, "ADD_POINTER to %#llx: not a table", (unsigned long long)v);
	ck_assert_uint_lt(o->nr_installed, MAX_INSTALLED);
	memcpy(o->installed[o->nr_installed].sig, h->signature, 4);
	o->installed[o->nr_installed].sig[4] = 0;
	o->installed[o->nr_installed++].addr = v;
}

static void run_loader(struct ovmf *o, const struct acpi_config *cfg)
{
	uint32_t size;
	int key;

	memset(o, 0, sizeof(*o));
	ck_assert_int_eq(gmem_init(&o->mem, RAM), 0);
	o->fw = fw_cfg_new(&o->mem);
	ck_assert_ptr_nonnull(o->fw);
	ck_assert_int_eq(acpi_loader_install(o->fw, cfg), 0);
	o->next = ALLOC_START;

	key = fw_find(o, ACPI_LOADER_FILE, &size);
	ck_assert_int_ge(key, FW_CFG_FILE_FIRST);
	ck_assert_uint_eq(size % sizeof(struct qemu_loader_entry), 0);
	o->nr_cmds = size / sizeof(struct qemu_loader_entry);
	o->script = malloc(size);
	fw_read(o, (uint16_t)key, SCRATCH, size);
	memcpy(o->script, g(o, SCRATCH, size), size);

	for (unsigned int i = 0; i < o->nr_cmds; i++) {
		switch (o->script[i].type) {
		case QEMU_LOADER_ALLOCATE:
			cmd_allocate(o, &o->script[i]);
			break;
		case QEMU_LOADER_ADD_POINTER:
			cmd_add_pointer(o, &o->script[i]);
			break;
		case QEMU_LOADER_ADD_CHECKSUM:
			cmd_add_checksum(o, &o->script[i]);
			break;
		default:
			ck_abort_msg("unexpected loader command %u", o->script[i].type);
		}
	}
	for (unsigned int i = 0; i < o->nr_cmds; i++)
		if (o->script[i].type == QEMU_LOADER_ADD_POINTER)
			second_pass(o, &o->script[i]);
}

static void ovmf_free(struct ovmf *o)
{
	free(o->script);
	fw_cfg_free(o->fw);
	gmem_free(&o->mem);
}

static uint64_t installed(struct ovmf *o, const char *sig)
{
	uint64_t addr = 0;
	int n = 0;

	for (unsigned int i = 0; i < o->nr_installed; i++)
		if (!strcmp(o->installed[i].sig, sig)) {
			addr = o->installed[i].addr;
			n++;
		}
	ck_assert_msg(n == 1, "%s installed %d times", sig, n);
	return addr;
}

static const struct acpi_header *dsdt_of(struct ovmf *o)
{
	uint64_t a = installed(o, "DSDT");

	return (const void *)g(o, a, ((const struct acpi_header *)g(o, a, 36))->length);
}

START_TEST(ovmf_installs_every_table)
{
	struct acpi_config cfg;
	struct ovmf o;
	const struct acpi_fadt *fadt;
	const struct acpi_rsdp *rsdp;
	uint64_t facs, dsdt;

	default_cfg(&cfg, true);
	run_loader(&o, &cfg);
	ck_assert_uint_eq(o.nr_blobs, 2);
	/* Exactly the tables a guest needs, each once; the XSDT skipped. */
	ck_assert_uint_eq(o.nr_installed, 4);
	facs = installed(&o, "FACS");
	dsdt = installed(&o, "DSDT");
	installed(&o, "APIC");
	fadt = (const void *)g(&o, installed(&o, "FACP"), sizeof(*fadt));
	ck_assert_uint_ne(o.xsdt, 0);
	ck_assert_uint_eq(facs % 64, 0);
	/* The FADT points at the relocated DSDT and FACS, both ways. */
	ck_assert_uint_eq(fadt->dsdt, dsdt);
	ck_assert_uint_eq(fadt->x_dsdt, dsdt);
	ck_assert_uint_eq(fadt->firmware_ctrl, facs);
	ck_assert_uint_eq(fadt->x_firmware_ctrl, facs);
	ck_assert_uint_eq(acpi_sum(fadt, fadt->h.length), 0);
	/* The RSDP: both checksums, pointing at the relocated XSDT. */
	rsdp = (const void *)g(&o, blob_find(&o, ACPI_LOADER_RSDP_FILE)->base, sizeof(*rsdp));
	ck_assert_uint_eq(blob_find(&o, ACPI_LOADER_RSDP_FILE)->base % 16, 0);
	ck_assert_mem_eq(rsdp->signature, "RSD PTR ", 8);
	ck_assert_uint_eq(acpi_sum(rsdp, 20), 0);
	ck_assert_uint_eq(acpi_sum(rsdp, sizeof(*rsdp)), 0);
	ck_assert_uint_eq(rsdp->xsdt_address, o.xsdt);
	ck_assert_uint_eq(rsdp->rsdt_address, 0);
	ovmf_free(&o);
}
END_TEST

START_TEST(relocated_equals_direct_build)
{
	struct acpi_config cfg;
	struct ovmf o;
	struct blob *t;
	uint8_t *direct;
	ssize_t n;

	default_cfg(&cfg, true);
	cfg.ncpus = 64;
	run_loader(&o, &cfg);
	t = blob_find(&o, ACPI_LOADER_TABLES_FILE);
	ck_assert_uint_eq(t->base % 64, 0);
	direct = calloc(1, ACPI_SIZE);
	n = acpi_build(direct, ACPI_SIZE, t->base, &cfg);
	ck_assert_int_eq(n, t->size);
	/* Every pointer relocated, every checksum redone: same bytes,
	 * except the RSDP, which lives in its own blob (zero here). */
	ck_assert_mem_eq(g(&o, t->base + sizeof(struct acpi_rsdp), t->size - sizeof(struct acpi_rsdp)),
			 direct + sizeof(struct acpi_rsdp), t->size - sizeof(struct acpi_rsdp));
	for (size_t i = 0; i < sizeof(struct acpi_rsdp); i++)
		ck_assert_uint_eq(g(&o, t->base, 36)[i], 0);
	free(direct);
	ovmf_free(&o);
}
END_TEST

START_TEST(dsdt_keeps_vmbus)
{
	static const char hid[] = "_HID\x0dVMBus"; /* Name(_HID, "VMBus") */
	struct acpi_config cfg;
	struct ovmf o;
	const struct acpi_header *d;

	default_cfg(&cfg, true);
	run_loader(&o, &cfg);
	d = dsdt_of(&o);
	ck_assert_ptr_nonnull(memmem(d, d->length, "VMBS", 4));
	ck_assert_ptr_nonnull(memmem(d, d->length, hid, sizeof(hid) - 1));
	ovmf_free(&o);

	/* And without the hook there is none: the check above is real. */
	default_cfg(&cfg, false);
	run_loader(&o, &cfg);
	d = dsdt_of(&o);
	ck_assert_ptr_null(memmem(d, d->length, hid, sizeof(hid) - 1));
	ovmf_free(&o);
}
END_TEST

START_TEST(script_shape)
{
	struct acpi_loader_blobs b;
	struct acpi_config cfg;
	unsigned int last_ptr = 0, first_csum = ~0u, allocs = 0;

	default_cfg(&cfg, false);
	ck_assert_int_eq(acpi_loader_build(&cfg, &b), 0);
	for (unsigned int i = 0; i < b.nr_cmds; i++) {
		const struct qemu_loader_entry *e = &b.cmds[i];

		if (e->type == QEMU_LOADER_ALLOCATE) {
			ck_assert_uint_eq(i, allocs++);
			if (!strcmp(e->alloc.file, ACPI_LOADER_RSDP_FILE)) {
				ck_assert_uint_eq(e->alloc.align, 16);
				ck_assert_uint_eq(e->alloc.zone, QEMU_LOADER_ZONE_FSEG);
			} else {
				ck_assert_str_eq(e->alloc.file, ACPI_LOADER_TABLES_FILE);
				ck_assert_uint_eq(e->alloc.align, 64);
				ck_assert_uint_eq(e->alloc.zone, QEMU_LOADER_ZONE_HIGH);
			}
		} else if (e->type == QEMU_LOADER_ADD_POINTER) {
			last_ptr = i;
			/* 4-byte pointers keep OVMF's allocations below 4 GiB. */
			ck_assert(e->pointer.size == 4 || e->pointer.size == 8);
		} else {
			ck_assert_uint_eq(e->type, QEMU_LOADER_ADD_CHECKSUM);
			first_csum = MIN(first_csum, i);
			/* The blob carries 0 where the checksum goes. */
			ck_assert_uint_eq((!strcmp(e->checksum.file, ACPI_LOADER_RSDP_FILE) ?
					   b.rsdp : b.tables)[e->checksum.result_offset], 0);
		}
	}
	ck_assert_uint_eq(allocs, 2);
	ck_assert_uint_lt(last_ptr, first_csum);
	/* RSDP->XSDT, XSDT->FACP,APIC, FADT->FACS,DSDT (32 and 64 bits). */
	ck_assert_uint_eq(first_csum - allocs, 1 + 2 + 4);
	/* XSDT, FADT, DSDT, MADT, RSDP x2. */
	ck_assert_uint_eq(b.nr_cmds - first_csum, 6);
	ck_assert_uint_eq(b.rsdp_len, sizeof(struct acpi_rsdp));
	acpi_loader_free(&b);
}
END_TEST

START_TEST(bad_config_fails)
{
	struct acpi_loader_blobs b;
	struct acpi_config cfg;

	default_cfg(&cfg, false);
	cfg.ncpus = 0;
	ck_assert_int_eq(acpi_loader_build(&cfg, &b), -EINVAL);
	ck_assert_ptr_null(b.cmds);
	acpi_loader_free(&b); /* harmless on a failed build */
	/* No fw_cfg (no firmware configured): a clean error. */
	default_cfg(&cfg, false);
	ck_assert_int_eq(acpi_loader_install(NULL, &cfg), -ENODEV);
}
END_TEST

static Suite *acpi_loader_suite(void)
{
	Suite *s = suite_create("acpi_loader");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, ovmf_installs_every_table);
	tcase_add_test(tc, relocated_equals_direct_build);
	tcase_add_test(tc, dsdt_keeps_vmbus);
	tcase_add_test(tc, script_shape);
	tcase_add_test(tc, bad_config_fails);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(acpi_loader_suite)
