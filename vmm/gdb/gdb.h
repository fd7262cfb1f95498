/* SPDX-License-Identifier: MIT */
/*
 * The KVM-free core of hvmm's GDB remote-serial-protocol stub
 * (docs/gdbstub.md). It owns no thread, socket or vCPU: the glue feeds it
 * the bytes gdb sent (gdb_session_input), it answers through ops->tx and
 * drives the VM only through struct gdb_target_ops; the glue reports an
 * all-stop with gdb_session_stopped().
 *
 * Threading contract: every gdb_session_* call and every op it makes run
 * on one thread (the stub thread that owns the socket). vCPU threads
 * never call into the session; they record their stop in the glue and
 * wake the stub thread, which then calls gdb_session_stopped().
 *
 * Layout and numbering of registers follow the target description the
 * core serves (gdb_regs.c): gdb's 64bit-core + 64bit-sse +
 * org.gnu.gdb.i386.segments features, then an hvmm system feature.
 */
#ifndef HVMM_GDB_H
#define HVMM_GDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every register gdb sees, in the order of target.xml (gdb_regs.c). */
struct gdb_x86_regs {
	uint64_t gpr[16]; /* rax rbx rcx rdx rsi rdi rbp rsp r8..r15 (gdb order) */
	uint64_t rip;
	uint32_t eflags;
	uint32_t seg[6]; /* cs ss ds es fs gs selectors */
	uint8_t st[8][10];
	uint32_t fpu[8]; /* fctrl fstat ftag fiseg fioff foseg fooff fop */
	uint8_t xmm[16][16];
	uint32_t mxcsr;
	uint64_t fs_base, gs_base, k_gs_base;
	uint64_t cr0, cr2, cr3, cr4, cr8, efer;
	uint64_t dr[4], dr6, dr7; /* read-only for gdb: the core owns them */
	uint64_t cs_base;         /* read-only: CS's hidden base (real mode: where $eip is) */
};

/*
 * Debug state the core wants on every vCPU at the next resume. The glue
 * copies it in set_debug (all vCPUs parked); vCPU threads may then read
 * their copy to classify their own #BP/#DB exits with the pure
 * gdb_debug_*() functions below, never touching the session.
 */
#define GDB_HW_SLOTS 4
#define GDB_SW_BPS 64
struct gdb_debug_state {
	bool sw_bp;                   /* #BP exits to the VMM (int3 planted) */
	unsigned int n_sw_bp;
	uint64_t sw_bp_addr[GDB_SW_BPS]; /* where int3s are planted (gdb's addresses) */
	uint64_t dr[GDB_HW_SLOTS];    /* DR0-3 linear addresses */
	uint64_t dr7;                 /* L0-3, R/W and LEN fields; 0 = none */
};

enum gdb_resume_kind {
	GDB_RESUME_STOP,     /* stays stopped */
	GDB_RESUME_CONT,
	GDB_RESUME_STEP,     /* one instruction, interrupts blocked */
	GDB_RESUME_RANGE,    /* step while start <= rip < end */
};

struct gdb_resume {
	enum gdb_resume_kind kind;
	int signal;              /* 0 = none; else to deliver (glue may ignore) */
	uint64_t start, end;     /* GDB_RESUME_RANGE */
};

enum gdb_stop_reason {
	GDB_STOP_SIGNAL,    /* plain signal (SIGTRAP after a step, SIGINT) */
	GDB_STOP_SWBREAK,   /* a stub-planted int3 */
	GDB_STOP_HWBREAK,   /* DR execute match */
	GDB_STOP_WATCH,     /* DR write match, addr = watched address */
	GDB_STOP_RWATCH,
	GDB_STOP_AWATCH,
	GDB_STOP_EXITED,    /* the VM ended: W packet */
};

struct gdb_stop {
	enum gdb_stop_reason reason;
	unsigned int vcpu;   /* the vCPU that stopped (thread vcpu+1) */
	int signal;          /* GDB_STOP_SIGNAL: 5 trap, 2 int; EXITED: status */
	uint64_t addr;       /* WATCH/RWATCH/AWATCH */
};

enum gdb_region_kind { GDB_REGION_RAM, GDB_REGION_ROM, GDB_REGION_MMIO };
struct gdb_region {
	uint64_t start, size;
	enum gdb_region_kind kind;
};

/*
 * What the VM provides. All ops return 0 or -errno unless stated; the
 * optional ones may be NULL. Called only from the session's thread while
 * every vCPU is stopped, except stop_all (while running) and tx.
 */
struct gdb_target_ops {
	/* Send bytes to gdb; may block the stub thread only. Unused (may be
	 * NULL) under gdb_server, which sends through its socket. */
	int (*tx)(void *t, const void *buf, size_t len);
	unsigned int (*vcpu_count)(void *t);
	int (*read_regs)(void *t, unsigned int vcpu, struct gdb_x86_regs *r);
	/* Must ignore r->dr*: debug registers come from set_debug only. */
	int (*write_regs)(void *t, unsigned int vcpu, const struct gdb_x86_regs *r);
	/* Guest physical memory; -EFAULT outside RAM/ROM. */
	int (*read_phys)(void *t, uint64_t gpa, void *buf, size_t len);
	int (*write_phys)(void *t, uint64_t gpa, const void *buf, size_t len);
	/* GVA -> GPA with vcpu's current paging (optional: identity). */
	int (*translate)(void *t, unsigned int vcpu, uint64_t gva, uint64_t *gpa);
	/* Applied to every vCPU before the next resume. */
	int (*set_debug)(void *t, const struct gdb_debug_state *d);
	/* act[vcpu_count()]: start the vCPUs; returns at once. */
	int (*resume)(void *t, const struct gdb_resume *act);
	/* Ask every running vCPU to stop; returns at once. The glue later
	 * calls gdb_session_stopped() (signal 2 if none had another reason). */
	int (*stop_all)(void *t);
	void (*kill)(void *t);
	/* gdb left: the glue clears debug state and lets the VM run. */
	void (*detach)(void *t);
	/* `monitor CMD`: write text (NUL-terminated) to out. Optional. */
	int (*monitor)(void *t, const char *cmd, char *out, size_t cap);
	/* Fill up to max regions, return how many. Optional. */
	int (*memory_map)(void *t, struct gdb_region *r, unsigned int max);
};

struct gdb_session;

struct gdb_session *gdb_session_new(const struct gdb_target_ops *ops, void *target);
void gdb_session_free(struct gdb_session *s);

/* Send through fn(opaque, ...) instead of ops->tx (the server's socket). */
void gdb_session_set_tx(struct gdb_session *s, int (*fn)(void *opaque, const void *buf, size_t len),
			void *opaque);

/* Bytes from gdb (any split). Returns 0, or 1 once gdb detached/killed
 * (the connection should be closed), or -errno from tx. */
int gdb_session_input(struct gdb_session *s, const uint8_t *buf, size_t len);

/* Every vCPU is stopped; send the stop reply if gdb waits for one.
 * GDB_STOP_EXITED ends the session (gdb_session_input then returns 1). */
int gdb_session_stopped(struct gdb_session *s, const struct gdb_stop *stop);

/*
 * The connection broke without D or k: put the int3 bytes back, clear
 * the debug registers (set_debug) and call ops->detach so the VM runs on
 * and a later gdb can attach with a new session. No-op after D/k.
 */
void gdb_session_hangup(struct gdb_session *s);

/* True while the VM runs on gdb's behalf (after c/s/vCont). */
bool gdb_session_running(const struct gdb_session *s);

/*
 * Exit classification on the vCPU thread, from its copy of the debug
 * state. A #BP at `pc` (KVM reports the int3's own linear address) is
 * gdb's if gdb_debug_is_sw_bp(); else re-inject it (INJECT_BP). A #DB:
 * gdb_debug_stop_from_dr6() gives the stop (DR slot kind from DR7's R/W
 * bits: hwbreak / watch / awatch at the slot's address, or a finished
 * step for DR6.BS); false = the guest's own #DB (INJECT_DB).
 */
bool gdb_debug_is_sw_bp(const struct gdb_debug_state *d, uint64_t pc);
bool gdb_debug_stop_from_dr6(const struct gdb_debug_state *d, unsigned int vcpu, uint64_t dr6,
			     struct gdb_stop *stop);

/* The same, on the stub thread, from the session's current tables. */
/* Is gva a planted breakpoint (the #BP is gdb's, not the guest's)? */
bool gdb_session_sw_bp_at(const struct gdb_session *s, uint64_t gva);
/* A #DB with this DR6 on vcpu: the stop to report (false: not ours). */
bool gdb_session_stop_from_dr6(const struct gdb_session *s, unsigned int vcpu, uint64_t dr6,
			       struct gdb_stop *stop);

/* Format a stop reply payload ("T05thread:1;swbreak:;"). -ENOSPC if too small. */
int gdb_stop_format(const struct gdb_stop *stop, char *buf, size_t cap);

#endif
