// SPDX-License-Identifier: MIT
/*
 * Registers: one table drives g/G/p/P and the target description.
 *
 * Features and register names follow gdb's own x86-64 descriptions
 * (gdb/features/i386/64bit-core.xml, 64bit-sse.xml, 64bit-segments.xml:
 * gdb's i386_validate_tdesc_p() finds the registers by these names); the
 * system registers (k_gs_base, cr0/2/3/4/8, efer) use the names QEMU's
 * gdb-xml/i386-64bit.xml gives them, in a feature of our own, followed by
 * the debug registers. Numbering is the order of this table.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "gdb_int.h"

enum reg_feature { F_CORE, F_SSE, F_SEG, F_SYS, F_NR };

struct reg_desc {
	const char *name;
	unsigned short bytes;
	unsigned short off;
	unsigned char feature;
	bool ro;           /* P/G do not change it */
	const char *type;  /* target.xml type */
};

#define R(n, field, f, ty) { n, sizeof(((struct gdb_x86_regs *)0)->field), \
	offsetof(struct gdb_x86_regs, field), f, false, ty }
#define RO(n, field, f, ty) { n, sizeof(((struct gdb_x86_regs *)0)->field), \
	offsetof(struct gdb_x86_regs, field), f, true, ty }

/*
 * The rows both layouts share, in gdb's order after eflags: segment
 * selectors, the x87 stack and control words, xmm0-7.
 */
#define SHARED_ROWS \
	R("cs", seg[0], F_CORE, "int32"), R("ss", seg[1], F_CORE, "int32"), \
	R("ds", seg[2], F_CORE, "int32"), R("es", seg[3], F_CORE, "int32"), \
	R("fs", seg[4], F_CORE, "int32"), R("gs", seg[5], F_CORE, "int32"), \
	R("st0", st[0], F_CORE, "i387_ext"), R("st1", st[1], F_CORE, "i387_ext"), \
	R("st2", st[2], F_CORE, "i387_ext"), R("st3", st[3], F_CORE, "i387_ext"), \
	R("st4", st[4], F_CORE, "i387_ext"), R("st5", st[5], F_CORE, "i387_ext"), \
	R("st6", st[6], F_CORE, "i387_ext"), R("st7", st[7], F_CORE, "i387_ext"), \
	R("fctrl", fpu[0], F_CORE, "int"), R("fstat", fpu[1], F_CORE, "int"), \
	R("ftag", fpu[2], F_CORE, "int"), R("fiseg", fpu[3], F_CORE, "int"), \
	R("fioff", fpu[4], F_CORE, "int"), R("foseg", fpu[5], F_CORE, "int"), \
	R("fooff", fpu[6], F_CORE, "int"), R("fop", fpu[7], F_CORE, "int"), \
	R("xmm0", xmm[0], F_SSE, "vec128"), R("xmm1", xmm[1], F_SSE, "vec128"), \
	R("xmm2", xmm[2], F_SSE, "vec128"), R("xmm3", xmm[3], F_SSE, "vec128"), \
	R("xmm4", xmm[4], F_SSE, "vec128"), R("xmm5", xmm[5], F_SSE, "vec128"), \
	R("xmm6", xmm[6], F_SSE, "vec128"), R("xmm7", xmm[7], F_SSE, "vec128")

static const struct reg_desc regs64[] = {
	R("rax", gpr[0], F_CORE, "int64"), R("rbx", gpr[1], F_CORE, "int64"),
	R("rcx", gpr[2], F_CORE, "int64"), R("rdx", gpr[3], F_CORE, "int64"),
	R("rsi", gpr[4], F_CORE, "int64"), R("rdi", gpr[5], F_CORE, "int64"),
	R("rbp", gpr[6], F_CORE, "data_ptr"), R("rsp", gpr[7], F_CORE, "data_ptr"),
	R("r8", gpr[8], F_CORE, "int64"), R("r9", gpr[9], F_CORE, "int64"),
	R("r10", gpr[10], F_CORE, "int64"), R("r11", gpr[11], F_CORE, "int64"),
	R("r12", gpr[12], F_CORE, "int64"), R("r13", gpr[13], F_CORE, "int64"),
	R("r14", gpr[14], F_CORE, "int64"), R("r15", gpr[15], F_CORE, "int64"),
	R("rip", rip, F_CORE, "code_ptr"), R("eflags", eflags, F_CORE, "i386_eflags"),
	SHARED_ROWS,
	R("xmm8", xmm[8], F_SSE, "vec128"), R("xmm9", xmm[9], F_SSE, "vec128"),
	R("xmm10", xmm[10], F_SSE, "vec128"), R("xmm11", xmm[11], F_SSE, "vec128"),
	R("xmm12", xmm[12], F_SSE, "vec128"), R("xmm13", xmm[13], F_SSE, "vec128"),
	R("xmm14", xmm[14], F_SSE, "vec128"), R("xmm15", xmm[15], F_SSE, "vec128"),
	R("mxcsr", mxcsr, F_SSE, "i386_mxcsr"),
	R("fs_base", fs_base, F_SEG, "int"), R("gs_base", gs_base, F_SEG, "int"),
	R("k_gs_base", k_gs_base, F_SYS, "int"),
	R("cr0", cr0, F_SYS, "int"), R("cr2", cr2, F_SYS, "int"), R("cr3", cr3, F_SYS, "int"),
	R("cr4", cr4, F_SYS, "int"), R("cr8", cr8, F_SYS, "int"), R("efer", efer, F_SYS, "int"),
	RO("dr0", dr[0], F_SYS, "int"), RO("dr1", dr[1], F_SYS, "int"),
	RO("dr2", dr[2], F_SYS, "int"), RO("dr3", dr[3], F_SYS, "int"),
	RO("dr6", dr6, F_SYS, "int"), RO("dr7", dr7, F_SYS, "int"),
	RO("cs_base", cs_base, F_SYS, "int"),
};

/*
 * Real mode (CR0.PE clear at attach, e.g. the reset vector): gdb decodes
 * 16-bit code only with architecture i8086, which takes the 32-bit i386
 * layout (gdb/features/i386/32bit-core.xml order: eax ecx edx ebx esp
 * ebp esi edi). The 32-bit registers are the low halves of the same
 * fields (little endian).
 */
#define R4(n, field, f, ty) { n, 4, offsetof(struct gdb_x86_regs, field), f, false, ty }
#define RO4(n, field, f, ty) { n, 4, offsetof(struct gdb_x86_regs, field), f, true, ty }

static const struct reg_desc regs32[] = {
	R4("eax", gpr[0], F_CORE, "int32"), R4("ecx", gpr[2], F_CORE, "int32"),
	R4("edx", gpr[3], F_CORE, "int32"), R4("ebx", gpr[1], F_CORE, "int32"),
	R4("esp", gpr[7], F_CORE, "data_ptr"), R4("ebp", gpr[6], F_CORE, "data_ptr"),
	R4("esi", gpr[4], F_CORE, "int32"), R4("edi", gpr[5], F_CORE, "int32"),
	R4("eip", rip, F_CORE, "code_ptr"), R("eflags", eflags, F_CORE, "i386_eflags"),
	SHARED_ROWS,
	R("mxcsr", mxcsr, F_SSE, "i386_mxcsr"),
	R4("fs_base", fs_base, F_SEG, "int"), R4("gs_base", gs_base, F_SEG, "int"),
	R4("cr0", cr0, F_SYS, "int"), R4("cr2", cr2, F_SYS, "int"), R4("cr3", cr3, F_SYS, "int"),
	R4("cr4", cr4, F_SYS, "int"), R("efer", efer, F_SYS, "int"),
	RO4("dr0", dr[0], F_SYS, "int"), RO4("dr1", dr[1], F_SYS, "int"),
	RO4("dr2", dr[2], F_SYS, "int"), RO4("dr3", dr[3], F_SYS, "int"),
	RO4("dr6", dr6, F_SYS, "int"), RO4("dr7", dr7, F_SYS, "int"),
	RO4("cs_base", cs_base, F_SYS, "int"),
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct reg_set {
	const char *arch;
	const char *osabi; /* "" or an <osabi> element */
	const struct reg_desc *r;
	size_t n;
};

static const struct reg_set set64 = { "i386:x86-64", "", regs64, ARRAY_LEN(regs64) };
/* gdb has no GNU/Linux ABI for i8086 and warns unless told "none". */
static const struct reg_set set16 = { "i8086", "<osabi>none</osabi>", regs32, ARRAY_LEN(regs32) };

static const struct reg_set *cur_set(const struct gdb_session *s)
{
	return s->regs16 ? &set16 : &set64;
}

static size_t regs_bytes(const struct reg_set *rs)
{
	size_t i, n = 0;

	for (i = 0; i < rs->n; i++)
		n += rs->r[i].bytes;
	return n;
}

static int read_cur(struct gdb_session *s, struct gdb_x86_regs *r)
{
	memset(r, 0, sizeof(*r));
	return s->ops->read_regs(s->t, s->g_vcpu, r);
}

int gdb_regs_g(struct gdb_session *s)
{
	const struct reg_set *rs = cur_set(s);
	struct gdb_x86_regs r;
	size_t i;
	int err = read_cur(s, &r);

	if (err < 0)
		return err;
	for (i = 0; i < rs->n; i++)
		gdb_reply_hex(s, (const uint8_t *)&r + rs->r[i].off, rs->r[i].bytes);
	return 0;
}

/* Values are target byte order (little endian), as gdb sends them. */
int gdb_regs_G(struct gdb_session *s, const char *arg)
{
	const struct reg_set *rs = cur_set(s);
	const struct reg_desc *regs = rs->r;
	struct gdb_x86_regs r, in;
	size_t i;
	int err;

	if (strlen(arg) != 2 * regs_bytes(rs))
		return -EINVAL;
	err = read_cur(s, &r);
	if (err < 0)
		return err;
	in = r;
	for (i = 0; i < rs->n; i++) {
		if (!gdb_parse_hex_bytes(arg, 2u * regs[i].bytes, (uint8_t *)&in + regs[i].off))
			return -EINVAL;
		arg += 2u * regs[i].bytes;
		if (!regs[i].ro)
			memcpy((uint8_t *)&r + regs[i].off, (uint8_t *)&in + regs[i].off, regs[i].bytes);
	}
	err = s->ops->write_regs(s->t, s->g_vcpu, &r);
	if (err < 0)
		return err;
	gdb_reply(s, "OK");
	return 0;
}

static int parse_regno(const struct reg_set *rs, const char **p, size_t *n)
{
	uint64_t v;

	if (!gdb_parse_hex(p, &v))
		return -EINVAL;
	if (v >= rs->n)
		return -ENOENT;
	*n = (size_t)v;
	return 0;
}

int gdb_regs_p(struct gdb_session *s, const char *arg)
{
	const struct reg_desc *regs = cur_set(s)->r;
	struct gdb_x86_regs r;
	size_t n;
	int err = parse_regno(cur_set(s), &arg, &n);

	if (err < 0 || *arg)
		return err < 0 ? err : -EINVAL;
	err = read_cur(s, &r);
	if (err < 0)
		return err;
	gdb_reply_hex(s, (const uint8_t *)&r + regs[n].off, regs[n].bytes);
	return 0;
}

int gdb_regs_P(struct gdb_session *s, const char *arg)
{
	const struct reg_desc *regs = cur_set(s)->r;
	struct gdb_x86_regs r;
	uint8_t val[16];
	size_t n;
	int err = parse_regno(cur_set(s), &arg, &n);

	if (err < 0 || *arg++ != '=')
		return err < 0 ? err : -EINVAL;
	if (strlen(arg) != 2u * regs[n].bytes || !gdb_parse_hex_bytes(arg, 2u * regs[n].bytes, val))
		return -EINVAL;
	if (regs[n].ro)
		return -EPERM; /* debug registers belong to the stub's Z packets */
	err = read_cur(s, &r);
	if (err < 0)
		return err;
	memcpy((uint8_t *)&r + regs[n].off, val, regs[n].bytes);
	err = s->ops->write_regs(s->t, s->g_vcpu, &r);
	if (err < 0)
		return err;
	gdb_reply(s, "OK");
	return 0;
}

/* ---- target.xml -------------------------------------------------------------- */

static const char *const feature_name[F_NR] = {
	"org.gnu.gdb.i386.core", "org.gnu.gdb.i386.sse", "org.gnu.gdb.i386.segments",
	"org.hvmm.x86.sys",
};

/* Types a feature needs before its registers (names as in gdb's XML). */
static const char *const feature_types[F_NR] = {
	[F_CORE] = "<flags id=\"i386_eflags\" size=\"4\">"
		   "<field name=\"CF\" start=\"0\" end=\"0\"/><field name=\"\" start=\"1\" end=\"1\"/>"
		   "<field name=\"PF\" start=\"2\" end=\"2\"/><field name=\"AF\" start=\"4\" end=\"4\"/>"
		   "<field name=\"ZF\" start=\"6\" end=\"6\"/><field name=\"SF\" start=\"7\" end=\"7\"/>"
		   "<field name=\"TF\" start=\"8\" end=\"8\"/><field name=\"IF\" start=\"9\" end=\"9\"/>"
		   "<field name=\"DF\" start=\"10\" end=\"10\"/><field name=\"OF\" start=\"11\" end=\"11\"/>"
		   "<field name=\"NT\" start=\"14\" end=\"14\"/><field name=\"RF\" start=\"16\" end=\"16\"/>"
		   "<field name=\"VM\" start=\"17\" end=\"17\"/><field name=\"AC\" start=\"18\" end=\"18\"/>"
		   "<field name=\"VIF\" start=\"19\" end=\"19\"/><field name=\"VIP\" start=\"20\" end=\"20\"/>"
		   "<field name=\"ID\" start=\"21\" end=\"21\"/></flags>",
	[F_SSE] = "<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>"
		  "<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>"
		  "<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>"
		  "<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>"
		  "<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>"
		  "<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>"
		  "<union id=\"vec128\"><field name=\"v4_float\" type=\"v4f\"/>"
		  "<field name=\"v2_double\" type=\"v2d\"/><field name=\"v16_int8\" type=\"v16i8\"/>"
		  "<field name=\"v8_int16\" type=\"v8i16\"/><field name=\"v4_int32\" type=\"v4i32\"/>"
		  "<field name=\"v2_int64\" type=\"v2i64\"/><field name=\"uint128\" type=\"uint128\"/></union>"
		  "<flags id=\"i386_mxcsr\" size=\"4\">"
		  "<field name=\"IE\" start=\"0\" end=\"0\"/><field name=\"DE\" start=\"1\" end=\"1\"/>"
		  "<field name=\"ZE\" start=\"2\" end=\"2\"/><field name=\"OE\" start=\"3\" end=\"3\"/>"
		  "<field name=\"UE\" start=\"4\" end=\"4\"/><field name=\"PE\" start=\"5\" end=\"5\"/>"
		  "<field name=\"DAZ\" start=\"6\" end=\"6\"/><field name=\"IM\" start=\"7\" end=\"7\"/>"
		  "<field name=\"DM\" start=\"8\" end=\"8\"/><field name=\"ZM\" start=\"9\" end=\"9\"/>"
		  "<field name=\"OM\" start=\"10\" end=\"10\"/><field name=\"UM\" start=\"11\" end=\"11\"/>"
		  "<field name=\"PM\" start=\"12\" end=\"12\"/><field name=\"FZ\" start=\"15\" end=\"15\"/>"
		  "</flags>",
};

/* Append with snprintf semantics: *n counts what would be written. */
static void xml_add(char *buf, size_t cap, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void xml_add(char *buf, size_t cap, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(*n < cap ? buf + *n : NULL, *n < cap ? cap - *n : 0, fmt, ap);
	va_end(ap);
	if (k > 0)
		*n += (size_t)k;
}

void gdb_regs_choose(struct gdb_session *s)
{
	struct gdb_x86_regs r;

	s->regs16 = !read_cur(s, &r) && !(r.cr0 & 1); /* CR0.PE */
}

size_t gdb_regs_target_xml(struct gdb_session *s, char *buf, size_t cap)
{
	const struct reg_set *rs = cur_set(s);
	size_t i, n = 0;
	int f;

	xml_add(buf, cap, &n, "<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
			      "<target version=\"1.0\"><architecture>%s</architecture>%s", rs->arch,
		rs->osabi);
	for (f = 0; f < F_NR; f++) {
		xml_add(buf, cap, &n, "<feature name=\"%s\">%s", feature_name[f],
			feature_types[f] ? feature_types[f] : "");
		for (i = 0; i < rs->n; i++) {
			const struct reg_desc *d = &rs->r[i];
			/* x87 data and control registers: type i387_ext / int in core. */
			bool fp = d->feature == F_CORE &&
				  (!strcmp(d->type, "i387_ext") || !strcmp(d->type, "int"));

			if (d->feature != f)
				continue;
			xml_add(buf, cap, &n, "<reg name=\"%s\" bitsize=\"%u\" type=\"%s\" regnum=\"%zu\"%s/>",
				d->name, d->bytes * 8u, d->type, i,
				fp ? " group=\"float\"" : d->feature == F_SSE ? " group=\"vector\"" : "");
		}
		xml_add(buf, cap, &n, "</feature>");
	}
	xml_add(buf, cap, &n, "</target>");
	if (cap)
		buf[n < cap ? n : cap - 1] = 0;
	return n;
}
