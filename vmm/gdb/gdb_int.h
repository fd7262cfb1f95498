/* SPDX-License-Identifier: MIT */
/*
 * Internals of the gdbstub core shared by its files: the session, the
 * breakpoint tables (gdb_break.c), the register table (gdb_regs.c),
 * memory access (gdb_mem.c), queries (gdb_query.c) and the dispatcher
 * with resume and stop handling (gdb_cmd.c).
 */
#ifndef HVMM_GDB_INT_H
#define HVMM_GDB_INT_H

#include "gdb.h"
#include "rsp.h"

#define GDB_MAX_VCPUS 256

/* Sizes of the replies we build: a payload never exceeds this. */
#define GDB_REPLY_MAX RSP_MAX_PACKET

struct gdb_sw_bp {
	uint64_t gva, gpa;
	uint8_t saved;
	unsigned int refs; /* 0 = free */
};

enum gdb_hw_type { GDB_HW_EXEC, GDB_HW_WRITE, GDB_HW_ACCESS };

struct gdb_hw_bp {
	uint64_t addr;
	unsigned int len; /* 1, 2, 4 or 8 */
	enum gdb_hw_type type;
	unsigned int refs;
};

struct gdb_break {
	struct gdb_sw_bp sw[GDB_SW_BPS];
	struct gdb_hw_bp hw[GDB_HW_SLOTS];
};

struct gdb_session {
	const struct gdb_target_ops *ops;
	void *t;
	int (*tx)(void *opaque, const void *buf, size_t len);
	void *tx_opaque;
	struct rsp_parser rx;
	bool no_ack;
	bool phys_mode;          /* Qqemu.PhyMemMode:1 */
	bool regs16;             /* i8086 description and 32-bit layout */
	bool running;            /* a stop reply is owed */
	bool done;               /* detached or killed */
	unsigned int g_vcpu;     /* H g: registers and memory */
	int c_vcpu;              /* H c: -1 = all */
	struct gdb_stop last;    /* for '?' */
	unsigned int thread_iter;
	struct gdb_break bp;
	char *reply;             /* payload being built, GDB_REPLY_MAX + 1 */
	size_t reply_len;
	char *frame;             /* last frame sent (resent on '-') */
	long frame_len;
	struct gdb_resume act[GDB_MAX_VCPUS];
	uint8_t scratch[RSP_MAX_PACKET / 2]; /* m/M data */
};

/* Reply building: the payload is sent once the handler returns. */
void gdb_reply(struct gdb_session *s, const char *str);
void gdb_reply_fmt(struct gdb_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void gdb_reply_hex(struct gdb_session *s, const void *buf, size_t len);
void gdb_reply_err(struct gdb_session *s, int err);
/* Room left in the reply buffer (payload bytes). */
size_t gdb_reply_room(const struct gdb_session *s);

/* Parsing helpers: advance *p; false on malformed input. */
bool gdb_parse_hex(const char **p, uint64_t *v);
bool gdb_parse_hex_bytes(const char *p, size_t nhex, uint8_t *out);
unsigned int gdb_vcpus(const struct gdb_session *s);

/* gdb_regs.c */
int gdb_regs_g(struct gdb_session *s);
int gdb_regs_G(struct gdb_session *s, const char *arg);
int gdb_regs_p(struct gdb_session *s, const char *arg);
int gdb_regs_P(struct gdb_session *s, const char *arg);
/*
 * Pick the register layout for the session from the Hg thread's mode:
 * i8086 (32-bit i386 layout) if CR0.PE is clear, else x86-64. Called
 * when gdb starts reading target.xml; the layout then stays for the
 * session (gdb reads the description once per connection).
 */
void gdb_regs_choose(struct gdb_session *s);
/* target.xml into buf; returns its length. */
size_t gdb_regs_target_xml(struct gdb_session *s, char *buf, size_t cap);

/* gdb_mem.c */
int gdb_mem_read(struct gdb_session *s, unsigned int vcpu, uint64_t addr, void *buf, size_t len);
int gdb_mem_write(struct gdb_session *s, unsigned int vcpu, uint64_t addr, const void *buf,
		  size_t len);
int gdb_mem_m(struct gdb_session *s, const char *arg);
int gdb_mem_M(struct gdb_session *s, const char *arg);
int gdb_mem_X(struct gdb_session *s, const char *arg, size_t arglen);
size_t gdb_mem_map_xml(struct gdb_session *s, char *buf, size_t cap);
/* GVA (or GPA in physical mode) -> GPA of RAM/ROM, for breakpoints. */
int gdb_mem_translate(struct gdb_session *s, unsigned int vcpu, uint64_t addr, uint64_t *gpa);
/* Only RAM/ROM from the target's map (if it has one) may be touched. */
bool gdb_mem_gpa_ok(struct gdb_session *s, uint64_t gpa, size_t len);

/* gdb_break.c */
int gdb_break_Z(struct gdb_session *s, const char *arg, bool insert);
void gdb_break_debug_state(const struct gdb_break *b, struct gdb_debug_state *d);
/* Replace planted int3 bytes in a read of [gpa, gpa+len) by the saved ones. */
void gdb_break_mask(const struct gdb_break *b, uint64_t gpa, uint8_t *buf, size_t len);
/* A write over planted bytes: keep the new byte as the saved one, re-plant. */
void gdb_break_unmask(struct gdb_break *b, uint64_t gpa, uint8_t *buf, size_t len);
/* `monitor breakpoints`: one line per int3 and per DR slot (NUL-terminated). */
void gdb_break_describe(const struct gdb_break *b, char *out, size_t cap);
/* Remove everything (detach/kill): restores guest bytes. */
void gdb_break_clear(struct gdb_session *s);

/* gdb_kaslr.c: `monitor kaslr` text (Linux x86-64 kernel text offset). */
void gdb_kaslr_describe(struct gdb_session *s, char *out, size_t cap);

/* gdb_query.c */
int gdb_query(struct gdb_session *s, const char *pkt, size_t len);
int gdb_query_set(struct gdb_session *s, const char *pkt);

#endif
