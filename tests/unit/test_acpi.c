// SPDX-License-Identifier: MIT
/*
 * ACPI tables: structure and checksums, and a round trip through
 * ACPICA's own disassembler (`iasl -d`), the closest thing to what the
 * guest's ACPICA will make of the tables. The iasl tests fail, not skip, without iasl:
 * a silently skipped check is how broken tables reach a guest. The AML
 * writer's encodings are tested byte by byte in test_aml.c.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "unit.h"
#include "acpi_test_cfg.h"
#include "acpi/acpi.h"
#include "acpi/acpi_tables.h"
#include "acpi/aml.h"
#include "layout.h"
#include "util.h"

#ifndef IASL
#define IASL "iasl" /* from PATH; acpica-tools puts it in /usr/bin */
#endif

/* ------------------------------------------------------------- tables */

struct tables {
	const struct acpi_rsdp *rsdp;
	const struct acpi_header *xsdt;
	const struct acpi_fadt *fadt;
	const struct acpi_facs *facs;
	const struct acpi_header *dsdt;
	const struct acpi_header *madt;
};

/* Resolve a guest-physical table address to a checked pointer. */
static const void *at(const uint8_t *buf, size_t used, uint64_t pa,
		      size_t min, size_t align)
{
	ck_assert_msg(pa >= ACPI_BASE && pa - ACPI_BASE + min <= used,
		      "address %#llx outside the tables", (unsigned long long)pa);
	ck_assert_msg(pa % align == 0, "address %#llx misaligned",
		      (unsigned long long)pa);
	return buf + (pa - ACPI_BASE);
}

static const struct acpi_header *sdt(const uint8_t *buf, size_t used,
				     uint64_t pa, const char *sig)
{
	const struct acpi_header *h = at(buf, used, pa, sizeof(*h), 16);

	ck_assert_mem_eq(h->signature, sig, 4);
	ck_assert_uint_le(pa - ACPI_BASE + h->length, used);
	ck_assert_msg(acpi_sum(h, h->length) == 0, "%s checksum", sig);
	ck_assert_mem_eq(h->oem_id, "HVMM  ", 6);
	ck_assert_mem_eq(h->oem_table_id, "HVMMVM  ", 8);
	ck_assert_mem_eq(h->creator_id, "HVMM", 4);
	return h;
}

static void parse(const uint8_t *buf, size_t used, struct tables *t)
{
	const struct acpi_rsdp *r = (const void *)buf;

	memset(t, 0, sizeof(*t));
	ck_assert_uint_ge(used, sizeof(*r));
	ck_assert_mem_eq(r->signature, "RSD PTR ", 8);
	ck_assert_uint_eq(r->revision, 2);
	ck_assert_uint_eq(r->length, 36);
	ck_assert_uint_eq(acpi_sum(r, 20), 0);
	ck_assert_uint_eq(acpi_sum(r, 36), 0);
	t->rsdp = r;

	t->xsdt = sdt(buf, used, r->xsdt_address, "XSDT");
	ck_assert_uint_eq(t->xsdt->length, 36 + 2 * 8);
	for (unsigned int i = 0; i < (t->xsdt->length - 36) / 8; i++) {
		uint64_t pa;
		const struct acpi_header *h;

		memcpy(&pa, (const uint8_t *)t->xsdt + 36 + 8 * i, 8);
		h = at(buf, used, pa, sizeof(*h), 16);
		if (!memcmp(h->signature, "FACP", 4))
			t->fadt = (const void *)sdt(buf, used, pa, "FACP");
		else if (!memcmp(h->signature, "APIC", 4))
			t->madt = sdt(buf, used, pa, "APIC");
		else
			ck_abort_msg("unexpected table %.4s", h->signature);
	}
	ck_assert_ptr_nonnull(t->fadt);
	ck_assert_ptr_nonnull(t->madt);
	ck_assert_uint_eq(t->fadt->h.length, 276);
	ck_assert_uint_eq(t->fadt->h.revision, 6);

	ck_assert_uint_eq(t->fadt->x_dsdt, t->fadt->dsdt);
	t->dsdt = sdt(buf, used, t->fadt->x_dsdt, "DSDT");
	ck_assert_uint_eq(t->dsdt->revision, 2);
	ck_assert_uint_eq(t->fadt->x_firmware_ctrl, t->fadt->firmware_ctrl);
	t->facs = at(buf, used, t->fadt->x_firmware_ctrl, 64, 64);
	ck_assert_mem_eq(t->facs->signature, "FACS", 4);
	ck_assert_uint_eq(t->facs->length, 64);
}

static uint8_t *build(const struct acpi_config *c, size_t *used)
{
	uint8_t *buf = malloc(ACPI_SIZE);
	ssize_t n;

	ck_assert_ptr_nonnull(buf);
	n = acpi_build(buf, ACPI_SIZE, ACPI_BASE, c);
	ck_assert_msg(n > 0, "acpi_build: %zd", n);
	*used = (size_t)n;
	return buf;
}

static unsigned int madt_count(const struct acpi_header *madt, uint8_t type)
{
	const uint8_t *p = (const uint8_t *)madt + sizeof(struct acpi_madt);
	const uint8_t *end = (const uint8_t *)madt + madt->length;
	unsigned int n = 0;

	while (p < end) {
		ck_assert_uint_ge(p[1], 2);
		ck_assert(p + p[1] <= end);
		if (p[0] == type)
			n++;
		p += p[1];
	}
	return n;
}

static const unsigned int cpu_counts[] = { 1, 4, 8, 255 };

START_TEST(test_structure)
{
	struct acpi_config c;
	struct tables t;
	size_t used;
	uint8_t *buf;

	acpi_test_cfg(&c, cpu_counts[_i]);
	buf = build(&c, &used);
	parse(buf, used, &t);

	ck_assert_uint_eq(madt_count(t.madt, MADT_LAPIC), c.ncpus);
	ck_assert_uint_eq(madt_count(t.madt, MADT_IOAPIC), 1);
	ck_assert_uint_eq(madt_count(t.madt, MADT_ISO), 2);
	ck_assert_uint_eq(madt_count(t.madt, MADT_LAPIC_NMI), 1);

	const struct acpi_madt *m = (const void *)t.madt;
	const struct madt_lapic *l = (const void *)(m + 1);

	ck_assert_uint_eq(m->lapic_addr, LAPIC_BASE);
	ck_assert_uint_eq(m->flags & MADT_PCAT_COMPAT, MADT_PCAT_COMPAT);
	for (unsigned int i = 0; i < c.ncpus; i++) {
		ck_assert_uint_eq(l[i].type, MADT_LAPIC);
		ck_assert_uint_eq(l[i].acpi_uid, i);
		ck_assert_uint_eq(l[i].apic_id, i);
		ck_assert_uint_eq(l[i].flags & 1, 1);
	}
	const struct madt_ioapic *io = (const void *)(l + c.ncpus);

	ck_assert_uint_eq(io->type, MADT_IOAPIC);
	ck_assert_uint_eq(io->address, IOAPIC_BASE);
	ck_assert_uint_eq(io->gsi_base, 0);
	ck_assert_uint_ge(io->ioapic_id, c.ncpus); /* no APIC ID clash */
	free(buf);
}
END_TEST

START_TEST(test_fadt_fields)
{
	struct acpi_config c;
	struct tables t;
	size_t used;
	uint8_t *buf;

	acpi_test_cfg(&c, 2);
	buf = build(&c, &used);
	parse(buf, used, &t);

	const struct acpi_fadt *f = t.fadt;

	ck_assert_uint_eq(f->sci_int, 9);
	ck_assert_uint_eq(f->smi_cmd, 0);
	ck_assert_uint_eq(f->pm1a_evt_blk, 0x600);
	ck_assert_uint_eq(f->pm1_evt_len, 4);
	ck_assert_uint_eq(f->pm1a_cnt_blk, 0x604);
	ck_assert_uint_eq(f->pm1_cnt_len, 2);
	ck_assert_uint_eq(f->pm_tmr_blk, 0);
	ck_assert_uint_eq(f->pm_tmr_len, 0);
	ck_assert_uint_eq(f->gpe0_blk_len, 0);
	ck_assert_uint_eq(f->x_pm1a_evt_blk.space_id, ACPI_GAS_IO);
	ck_assert_uint_eq(f->x_pm1a_evt_blk.bit_width, 32);
	ck_assert_uint_eq(f->x_pm1a_evt_blk.address, 0x600);
	ck_assert_uint_eq(f->x_pm1a_cnt_blk.space_id, ACPI_GAS_IO);
	ck_assert_uint_eq(f->x_pm1a_cnt_blk.bit_width, 16);
	ck_assert_uint_eq(f->x_pm1a_cnt_blk.address, 0x604);
	ck_assert_uint_eq(f->iapc_boot_arch & FADT_BOOT_8042, 0);
	ck_assert_uint_ne(f->iapc_boot_arch & FADT_BOOT_VGA_NOT_PRESENT, 0);
	ck_assert_uint_eq(f->flags & FADT_F_HW_REDUCED_ACPI, 0);
	ck_assert_uint_ne(f->flags & FADT_F_RESET_REG_SUP, 0);
	ck_assert_uint_eq(f->reset_reg.space_id, ACPI_GAS_IO);
	ck_assert_uint_eq(f->reset_reg.bit_width, 8);
	ck_assert_uint_eq(f->reset_reg.address, 0xcf9);
	ck_assert_uint_eq(f->reset_value, 6);
	ck_assert_uint_eq(f->dsdt, (uintptr_t)((const uint8_t *)t.dsdt - buf) + ACPI_BASE);
	free(buf);

	/* No reset port: no RESET_REG_SUP. */
	c.reset_port = 0;
	buf = build(&c, &used);
	parse(buf, used, &t);
	ck_assert_uint_eq(t.fadt->flags & FADT_F_RESET_REG_SUP, 0);
	free(buf);
}
END_TEST

START_TEST(test_errors)
{
	static uint8_t buf[ACPI_SIZE];
	struct acpi_config c;
	ssize_t used;

	acpi_test_cfg(&c, 8);
	used = acpi_build(buf, sizeof(buf), ACPI_BASE, &c);
	ck_assert_int_gt(used, 0);
	ck_assert_int_le(used, (ssize_t)ACPI_SIZE);
	/* Every truncation point fails cleanly. */
	for (size_t len = 0; len < (size_t)used; len += 7)
		ck_assert_int_eq(acpi_build(buf, len, ACPI_BASE, &c), -ENOSPC);
	ck_assert_int_eq(acpi_build(buf, (size_t)used - 1, ACPI_BASE, &c),
			 -ENOSPC);
	ck_assert_int_eq(acpi_build(buf, (size_t)used, ACPI_BASE, &c), used);

	c.ncpus = 0;
	ck_assert_int_eq(acpi_build(buf, sizeof(buf), ACPI_BASE, &c), -EINVAL);
	c.ncpus = 256;
	ck_assert_int_eq(acpi_build(buf, sizeof(buf), ACPI_BASE, &c), -EINVAL);
	acpi_test_cfg(&c, 1);
	c.s5_slp_typ = 8;
	ck_assert_int_eq(acpi_build(buf, sizeof(buf), ACPI_BASE, &c), -EINVAL);
	acpi_test_cfg(&c, 1);
	c.nr_dsdt_hooks = 1; /* with a NULL emit */
	ck_assert_int_eq(acpi_build(buf, sizeof(buf), ACPI_BASE, &c), -EINVAL);
}
END_TEST

/* A hook that breaks the AML must fail the build, not emit garbage. */
static void bad_hook(struct aml *a, void *opaque)
{
	aml_device_begin(a, "BAD");
}

START_TEST(test_bad_hook)
{
	static uint8_t buf[ACPI_SIZE];
	struct acpi_config c;

	acpi_test_cfg(&c, 1);
	c.dsdt_hooks[0].emit = bad_hook;
	c.nr_dsdt_hooks = 1;
	ck_assert_int_eq(acpi_build(buf, sizeof(buf), ACPI_BASE, &c), -EINVAL);
}
END_TEST

/* --------------------------------------------------------------- iasl */

static char tmpdir[64];

static int rm_cb(const char *path, const struct stat *st, int flag,
		 struct FTW *ftw)
{
	return remove(path);
}

static void iasl_setup(void)
{
	strcpy(tmpdir, "/tmp/hvmm-acpi-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void iasl_teardown(void)
{
	nftw(tmpdir, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
}

static char *slurp(const char *path)
{
	uint8_t *data;
	size_t len;
	char *s;

	ck_assert_msg(read_file(path, &data, &len) == 0, "read %s", path);
	s = malloc(len + 1);
	ck_assert_ptr_nonnull(s);
	memcpy(s, data, len);
	s[len] = 0;
	free(data);
	return s;
}

static void check_clean(const char *what, const char *text)
{
	static const char *const bad[] = {
		"warning", "error", "incorrect", "invalid", "unknown",
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		ck_assert_msg(!strcasestr(text, bad[i]), "%s mentions '%s':\n%s",
			      what, bad[i], text);
}

/* Run iasl with `args` in tmpdir; returns its combined output. */
static char *run_iasl(const char *args, const char *log)
{
	char cmd[512], path[128];
	int st;

	ck_assert_msg(system("command -v " IASL " >/dev/null 2>&1") == 0,
		      IASL " not found: install acpica-tools");
	snprintf(cmd, sizeof(cmd), "cd '%s' && " IASL " %s >%s 2>&1", tmpdir,
		 args, log);
	st = system(cmd);
	snprintf(path, sizeof(path), "%s/%s", tmpdir, log);
	char *out = slurp(path);

	ck_assert_msg(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "iasl %s failed:\n%s", args, out);
	return out;
}

/* Write `len` bytes as <name>.dat, disassemble, return <name>.dsl. */
static char *disassemble(const char *name, const void *data, size_t len)
{
	char path[128], args[64], log[64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.dat", tmpdir, name);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	fclose(f);

	snprintf(args, sizeof(args), "-d %s.dat", name);
	snprintf(log, sizeof(log), "%s.log", name);
	char *out = run_iasl(args, log);

	check_clean("iasl output", out);
	free(out);
	snprintf(path, sizeof(path), "%s/%s.dsl", tmpdir, name);
	char *dsl = slurp(path);

	check_clean(name, dsl);
	return dsl;
}

/* Drop comments and whitespace so ASL can be matched as a string. */
static char *squeeze(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	ck_assert_ptr_nonnull(out);
	while (*s) {
		if (s[0] == '/' && s[1] == '/') {
			while (*s && *s != '\n')
				s++;
		} else if (s[0] == '/' && s[1] == '*') {
			const char *e = strstr(s + 2, "*/");

			s = e ? e + 2 : s + strlen(s);
		} else if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
			s++;
		} else {
			*o++ = *s++;
		}
	}
	*o = 0;
	return out;
}

static unsigned int count(const char *hay, const char *needle)
{
	unsigned int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void expect(const char *hay, const char *needle)
{
	ck_assert_msg(strstr(hay, needle), "missing '%s' in:\n%s", needle, hay);
}

START_TEST(test_iasl_tables)
{
	struct acpi_config c;
	struct tables t;
	size_t used;
	uint8_t *buf;
	char want[128], *dsl, *sq, *out;

	acpi_test_cfg(&c, cpu_counts[_i]);
	buf = build(&c, &used);
	parse(buf, used, &t);

	dsl = disassemble("apic", t.madt, t.madt->length);
	ck_assert_uint_eq(count(dsl, "[Processor Local APIC]"), c.ncpus);
	ck_assert_uint_eq(count(dsl, "[I/O APIC]"), 1);
	ck_assert_uint_eq(count(dsl, "[Interrupt Source Override]"), 2);
	ck_assert_uint_eq(count(dsl, "[Local APIC NMI]"), 1);
	free(dsl);

	dsl = disassemble("facp", t.fadt, t.fadt->h.length);
	expect(dsl, "PM1A Event Block Address : 00000600");
	expect(dsl, "PM1A Control Block Address : 00000604");
	expect(dsl, "SCI Interrupt : 0009");
	expect(dsl, "Reset Register : [Generic Address Structure]");
	expect(dsl, "Address : 0000000000000CF9");
	expect(dsl, "Value to cause reset : 06");
	expect(dsl, "Reset Register Supported (V2) : 1");
	expect(dsl, "Hardware Reduced (V5) : 0");
	expect(dsl, "8042 Present on ports 60/64 (V2) : 0");
	snprintf(want, sizeof(want), "DSDT Address : %016llX",
		 (unsigned long long)t.fadt->x_dsdt);
	expect(dsl, want);
	free(dsl);

	dsl = disassemble("facs", t.facs, t.facs->length);
	free(dsl);
	dsl = disassemble("xsdt", t.xsdt, t.xsdt->length);
	free(dsl);

	dsl = disassemble("dsdt", t.dsdt, t.dsdt->length);
	sq = squeeze(dsl);
	expect(sq, "Scope(\\_SB){Device(COM1){Name(_HID,EisaId(\"PNP0501\"))"
		   "Name(_UID,One)Name(_CRS,ResourceTemplate(){"
		   "IO(Decode16,0x03F8,0x03F8,0x01,0x08,)IRQNoFlags(){4}})}}");
	expect(sq, "Name(\\_S5,Package(0x04){0x05,0x05,Zero,Zero})");
	free(sq);
	free(dsl);

	/* The disassembly must compile back cleanly, too. */
	out = run_iasl("dsdt.dsl", "dsdt-asl.log");
	expect(out, "Compilation successful. 0 Errors, 0 Warnings");
	free(out);
	free(buf);
}
END_TEST

/* The PM timer and the PCI root bridge, as vm.c configures them. */
START_TEST(test_iasl_pci0_pm_timer)
{
	struct acpi_config c;
	struct tables t;
	size_t used;
	uint8_t *buf;
	char *dsl, *sq, *out;

	acpi_test_cfg(&c, 1);
	c.pm1a_evt_port = 0xb000;
	c.pm1a_cnt_port = 0xb004;
	c.pm_tmr_port = 0xb008;
	c.pci_mmio32_base = 0x80000000U;
	c.pci_mmio32_end = 0xfc000000ULL;
	buf = build(&c, &used);
	parse(buf, used, &t);
	ck_assert_uint_eq(t.fadt->pm_tmr_blk, 0xb008);
	ck_assert_uint_eq(t.fadt->pm_tmr_len, 4);
	ck_assert_uint_eq(t.fadt->x_pm_tmr_blk.address, 0xb008);
	ck_assert_uint_eq(t.fadt->x_pm_tmr_blk.bit_width, 32);
	ck_assert_uint_eq(t.fadt->flags & (1u << 8), 0);  /* TMR_VAL_EXT: 24 bits */

	dsl = disassemble("facp", t.fadt, t.fadt->h.length);
	expect(dsl, "PM Timer Block Address : 0000B008");
	expect(dsl, "PM Timer Block Length : 04");
	expect(dsl, "32-bit PM Timer (V1) : 0");
	free(dsl);
	dsl = disassemble("dsdt", t.dsdt, t.dsdt->length);
	sq = squeeze(dsl);
	/* Bus 0 only; I/O around the config ports; the 32-bit window. */
	expect(sq, "Device(PCI0){Name(_HID,EisaId(\"PNP0A03\"))Name(_UID,Zero)Name(_BBN,Zero)"
		   "Name(_CRS,ResourceTemplate(){"
		   "WordBusNumber(ResourceProducer,MinFixed,MaxFixed,PosDecode,"
		   "0x0000,0x0000,0x0000,0x0000,0x0001,,,)"
		   "IO(Decode16,0x0CF8,0x0CF8,0x01,0x08,)"
		   "WordIO(ResourceProducer,MinFixed,MaxFixed,PosDecode,EntireRange,"
		   "0x0000,0x0000,0x0CF7,0x0000,0x0CF8,,,,TypeStatic,DenseTranslation)"
		   "WordIO(ResourceProducer,MinFixed,MaxFixed,PosDecode,EntireRange,"
		   "0x0000,0x0D00,0xFFFF,0x0000,0xF300,,,,TypeStatic,DenseTranslation)"
		   "QWordMemory(ResourceProducer,PosDecode,MinFixed,MaxFixed,NonCacheable,"
		   "ReadWrite,0x0000000000000000,0x0000000080000000,0x00000000FBFFFFFF,"
		   "0x0000000000000000,0x000000007C000000,,,,AddressRangeMemory,TypeStatic)})}");
	free(sq);
	free(dsl);
	out = run_iasl("dsdt.dsl", "dsdt-asl.log");
	expect(out, "Compilation successful. 0 Errors, 0 Warnings");
	free(out);

	/* A window that ends before it starts, or above 4 GiB: refused. */
	c.pci_mmio32_end = 0x70000000ULL;
	ck_assert_int_eq(acpi_build(buf, ACPI_SIZE, ACPI_BASE, &c), -EINVAL);
	c.pci_mmio32_end = (1ULL << 32) + 1;
	ck_assert_int_eq(acpi_build(buf, ACPI_SIZE, ACPI_BASE, &c), -EINVAL);
	free(buf);
}
END_TEST

static void vmbus_hook(struct aml *a, void *opaque)
{
	unsigned int *irq = opaque;

	aml_device_begin(a, "VMBS");
	aml_name_string(a, "_HID", "VMBus");
	aml_name_integer(a, "_UID", 0);
	aml_name(a, "_CRS");
	aml_restemplate_begin(a);
	aml_res_interrupt(a, *irq, 0);
	aml_restemplate_end(a);
	aml_method_begin(a, "_STA", 0, false);
	aml_return_integer(a, 0x0f);
	aml_method_end(a);
	aml_device_end(a);
}

static void mmio_hook(struct aml *a, void *opaque)
{
	aml_device_begin(a, "\\_SB.MMIO");
	aml_name_eisaid(a, "_HID", "PNP0C02");
	aml_name(a, "_CRS");
	aml_restemplate_begin(a);
	aml_res_memory32_fixed(a, 0xfed00000, 0x1000, false);
	aml_res_qword_memory(a, 0x1000000000ull, 0x10000000ull, false);
	aml_restemplate_end(a);
	aml_device_end(a);
}

START_TEST(test_iasl_hooks)
{
	unsigned int irq = 5;
	struct acpi_config c;
	struct tables t;
	size_t used;
	uint8_t *buf;
	char *dsl, *sq;
	const char *sb, *vmbs, *mmio, *s5;

	acpi_test_cfg(&c, 2);
	c.com1_port = 0; /* no COM1 this time */
	c.dsdt_hooks[0].emit = vmbus_hook;
	c.dsdt_hooks[0].opaque = &irq;
	c.dsdt_hooks[1].emit = mmio_hook;
	c.nr_dsdt_hooks = 2;
	buf = build(&c, &used);
	parse(buf, used, &t);

	dsl = disassemble("dsdt", t.dsdt, t.dsdt->length);
	sq = squeeze(dsl);
	ck_assert_ptr_null(strstr(sq, "COM1"));
	sb = strstr(sq, "Scope(\\_SB){");
	vmbs = strstr(sq, "Device(VMBS){Name(_HID,\"VMBus\")Name(_UID,Zero)"
			  "Name(_CRS,ResourceTemplate(){Interrupt(ResourceConsumer,"
			  "Edge,ActiveHigh,Exclusive,,,){0x00000005,}})"
			  "Method(_STA,0,NotSerialized){Return(0x0F)}}");
	mmio = strstr(sq, "Device(\\_SB.MMIO){Name(_HID,EisaId(\"PNP0C02\"))");
	s5 = strstr(sq, "Name(\\_S5,");
	ck_assert_msg(sb && vmbs && mmio && s5, "hooks missing:\n%s", dsl);
	/* Both inside \_SB, in registration order, before \_S5. */
	ck_assert(sb < vmbs && vmbs < mmio && mmio < s5);
	expect(sq, "Memory32Fixed(ReadOnly,0xFED00000,0x00001000,)");
	expect(sq, "QWordMemory(ResourceConsumer,PosDecode,MinFixed,MaxFixed,"
		   "NonCacheable,ReadWrite,0x0000000000000000,"
		   "0x0000001000000000,0x000000100FFFFFFF,0x0000000000000000,"
		   "0x0000000010000000,,,,AddressRangeMemory,TypeStatic)");
	free(sq);
	free(dsl);
	free(buf);
}
END_TEST

static Suite *acpi_suite(void)
{
	Suite *s = suite_create("acpi");
	TCase *tc;

	tc = tcase_create("tables");
	tcase_add_loop_test(tc, test_structure, 0, ARRAY_SIZE(cpu_counts));
	tcase_add_test(tc, test_fadt_fields);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_bad_hook);
	suite_add_tcase(s, tc);

	tc = tcase_create("iasl");
	tcase_add_checked_fixture(tc, iasl_setup, iasl_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_iasl_tables, 0, ARRAY_SIZE(cpu_counts));
	tcase_add_test(tc, test_iasl_hooks);
	tcase_add_test(tc, test_iasl_pci0_pm_timer);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(acpi_suite)
