/* SPDX-License-Identifier: MIT */
/*
 * A small AML byte-code writer, enough for a DSDT that describes a few
 * fixed devices (COM1, VMBus, ...). Not an ASL compiler: callers emit
 * terms in order, the way they would write the ASL.
 *
 * Contract:
 *  - `struct aml` is a growable buffer. Zero-initialise it (or call
 *    aml_init), emit, then read `buf`/`len`, and aml_free() it.
 *  - Errors are sticky: the first failure (-ENOMEM, -EINVAL for a bad
 *    name or argument, -E2BIG for an object too large for a PkgLength,
 *    -ENOSPC for nesting too deep) is kept in `err` and every later call
 *    does nothing. Callers emit everything and check aml_finish() once.
 *  - Objects with a length prefix (Scope, Device, Method, Package,
 *    Buffer, ResourceTemplate) are begin/end pairs. The PkgLength is
 *    inserted when the object closes, in its shortest (1-4 byte) form;
 *    ends must match begins (else -EINVAL).
 *  - Names are ASL-style: "_SB", "\\_SB.PCI0", "^FOO". Segments shorter
 *    than four characters are padded with '_' as ASL does; only upper
 *    case letters, digits and '_' are accepted.
 *  - Integers pick the shortest encoding. Ones is all-ones in 64 bits,
 *    which assumes a DSDT of revision 2 or later.
 */
#ifndef HVMM_AML_H
#define HVMM_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AML_MAX_DEPTH 16

struct aml {
	uint8_t *buf;
	size_t len;
	size_t cap;
	int err;                /* 0 or the first -errno */
	unsigned int depth;
	struct {
		size_t start;   /* offset where the PkgLength goes */
		uint8_t kind;
	} open[AML_MAX_DEPTH];
};

void aml_init(struct aml *a);
void aml_free(struct aml *a);

/* 0 if every call succeeded and all objects are closed, else -errno. */
int aml_finish(struct aml *a);

/* Raw bytes, for opcodes this writer has no helper for. */
void aml_byte(struct aml *a, uint8_t b);
void aml_bytes(struct aml *a, const void *p, size_t n);

/*
 * Encode the PkgLength of an object whose body (what follows the
 * PkgLength) is `body_len` bytes; the encoded value counts its own
 * bytes too. Returns the encoding size (1-4) or -E2BIG.
 */
int aml_pkglen_encode(size_t body_len, uint8_t out[4]);

/* A NameString: root/parent prefixes, then Null/Dual/MultiName path. */
void aml_name_path(struct aml *a, const char *path);

/* Zero, One, Ones, or Byte/Word/DWord/QWord constant. */
void aml_integer(struct aml *a, uint64_t v);
/* String constant: ASCII 0x01-0x7f. */
void aml_string(struct aml *a, const char *s);

/* EISAID("PNP0501") -> 0x0105D041. Returns 0 or -EINVAL if malformed. */
int aml_eisaid_encode(const char *id, uint32_t *out);
/* EISAID as a DWord constant (what iasl emits, and how -d spots it). */
void aml_eisaid(struct aml *a, const char *id);

/* Name(name, <data>): the caller emits the data object next. */
void aml_name(struct aml *a, const char *name);
void aml_name_integer(struct aml *a, const char *name, uint64_t v);
void aml_name_string(struct aml *a, const char *name, const char *s);
void aml_name_eisaid(struct aml *a, const char *name, const char *id);

void aml_scope_begin(struct aml *a, const char *path);
void aml_scope_end(struct aml *a);
void aml_device_begin(struct aml *a, const char *name);
void aml_device_end(struct aml *a);
/* nargs 0-7; serialized methods get SyncLevel 0. */
void aml_method_begin(struct aml *a, const char *name, unsigned int nargs,
		      bool serialized);
void aml_method_end(struct aml *a);

/* Return(<term>): the caller emits the term next. */
void aml_return(struct aml *a);
void aml_return_integer(struct aml *a, uint64_t v);

/* Package with a fixed element count (<= 255); elements follow. */
void aml_package_begin(struct aml *a, unsigned int nelems);
void aml_package_end(struct aml *a);
void aml_package_integers(struct aml *a, const uint64_t *v, unsigned int n);

/* Buffer: the BufferSize is computed from the bytes emitted inside. */
void aml_buffer_begin(struct aml *a);
void aml_buffer_end(struct aml *a);

/*
 * ResourceTemplate(): a Buffer of resource descriptors closed by an
 * EndTag with checksum 0 ("ignore"), as iasl emits.
 */
void aml_restemplate_begin(struct aml *a);
void aml_restemplate_end(struct aml *a);

/* IO(Decode16, base, base, 1, len): a fixed 16-bit port range. */
void aml_res_io(struct aml *a, uint16_t base, uint8_t len);
/* IRQNoFlags(){irq}: ISA IRQ 0-15, edge, active high. */
void aml_res_irq_noflags(struct aml *a, unsigned int irq);

#define AML_INT_LEVEL (1u << 1)      /* else edge */
#define AML_INT_ACTIVE_LOW (1u << 2) /* else active high */
#define AML_INT_SHARED (1u << 3)     /* else exclusive */
/* Interrupt(ResourceConsumer, ..., ){gsi}: the extended descriptor. */
void aml_res_interrupt(struct aml *a, uint32_t gsi, unsigned int flags);

/*
 * WordIO(ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
 * 0, min, max, 0, max - min + 1) and WordBusNumber(ResourceProducer,
 * MinFixed, MaxFixed, PosDecode, 0, min, max, 0, max - min + 1): the
 * windows a PCI root bridge hands to its bus.
 */
void aml_res_word_io(struct aml *a, uint16_t min, uint16_t max);
void aml_res_word_bus(struct aml *a, uint16_t min, uint16_t max);

/* Memory32Fixed(ReadWrite or ReadOnly, base, len). */
void aml_res_memory32_fixed(struct aml *a, uint32_t base, uint32_t len,
			    bool writable);
/*
 * QWordMemory(ResourceConsumer or ResourceProducer, PosDecode, MinFixed,
 * MaxFixed, NonCacheable, ReadWrite, 0, base, base + len - 1, 0, len).
 * Producer is for bridges handing a window to their children (PCI0,
 * VMBus's MMIO space); plain devices consume.
 */
void aml_res_qword_memory(struct aml *a, uint64_t base, uint64_t len,
			  bool producer);

#endif
