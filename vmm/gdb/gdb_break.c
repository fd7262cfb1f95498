// SPDX-License-Identifier: MIT
/*
 * Breakpoints and watchpoints (Z/z packets).
 *
 * Z0: the stub plants int3 (0xcc) itself and keeps the saved byte, keyed
 * by the address gdb gave and the GPA it translated to when planted; the
 * glue asks gdb_session_sw_bp_at() whether a #BP is ours (else it goes
 * back to the guest). Z1/Z2/Z4 share the four debug registers; x86 has
 * no read-only watchpoint, so Z3 gets the empty "unsupported" reply
 * instead of being widened to access. DR7 encoding: Intel SDM vol. 3,
 * 18.2.4 "Debug Control Register (DR7)"; QEMU's target/i386/kvm/kvm.c
 * likewise uses the G bits and sets bits 9-10 (GE, reserved 1).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gdb_int.h"

#define INT3 0xcc
#define DR7_FIXED 0x600ULL
#define DR6_BS (1ULL << 14)

static struct gdb_sw_bp *sw_find(struct gdb_break *b, uint64_t gva)
{
	unsigned int i;

	for (i = 0; i < GDB_SW_BPS; i++)
		if (b->sw[i].refs && b->sw[i].gva == gva)
			return &b->sw[i];
	return NULL;
}

/* Another live entry on the same GPA (aliases), or NULL. */
static struct gdb_sw_bp *sw_alias(struct gdb_break *b, const struct gdb_sw_bp *self, uint64_t gpa)
{
	unsigned int i;

	for (i = 0; i < GDB_SW_BPS; i++)
		if (&b->sw[i] != self && b->sw[i].refs && b->sw[i].gpa == gpa)
			return &b->sw[i];
	return NULL;
}

static int sw_insert(struct gdb_session *s, uint64_t addr)
{
	struct gdb_break *b = &s->bp;
	struct gdb_sw_bp *e = sw_find(b, addr), *alias;
	const uint8_t int3 = INT3;
	unsigned int i;
	int err;

	if (e) {
		e->refs++;
		return 0;
	}
	for (i = 0; i < GDB_SW_BPS && b->sw[i].refs; i++)
		;
	if (i == GDB_SW_BPS)
		return -ENOSPC;
	e = &b->sw[i];
	err = gdb_mem_translate(s, s->g_vcpu, addr, &e->gpa);
	if (err < 0)
		return err;
	alias = sw_alias(b, e, e->gpa);
	if (alias) {
		e->saved = alias->saved;
	} else {
		err = s->ops->read_phys(s->t, e->gpa, &e->saved, 1);
		if (!err)
			err = s->ops->write_phys(s->t, e->gpa, &int3, 1);
		if (err < 0)
			return err;
	}
	e->gva = addr;
	e->refs = 1;
	return 0;
}

static int sw_restore(struct gdb_session *s, struct gdb_sw_bp *e)
{
	int err = 0;

	if (!sw_alias(&s->bp, e, e->gpa))
		err = s->ops->write_phys(s->t, e->gpa, &e->saved, 1);
	e->refs = 0;
	return err;
}

static int sw_remove(struct gdb_session *s, uint64_t addr)
{
	struct gdb_sw_bp *e = sw_find(&s->bp, addr);

	if (!e)
		return -ENOENT;
	if (--e->refs)
		return 0;
	return sw_restore(s, e);
}

static int hw_check(enum gdb_hw_type type, uint64_t addr, uint64_t len)
{
	if (type == GDB_HW_EXEC)
		return len == 1 ? 0 : -EINVAL; /* instruction breakpoints: LEN 00 */
	if (len != 1 && len != 2 && len != 4 && len != 8)
		return -EINVAL;
	return addr % len ? -EINVAL : 0; /* DR address must be aligned to LEN */
}

static int hw_change(struct gdb_break *b, enum gdb_hw_type type, uint64_t addr, uint64_t len,
		     bool insert)
{
	struct gdb_hw_bp *free_slot = NULL;
	unsigned int i;
	int err = hw_check(type, addr, len);

	if (err < 0)
		return err;
	for (i = 0; i < GDB_HW_SLOTS; i++) {
		struct gdb_hw_bp *h = &b->hw[i];

		if (!h->refs) {
			if (!free_slot)
				free_slot = h;
			continue;
		}
		if (h->type == type && h->addr == addr && h->len == len) {
			if (insert)
				h->refs++;
			else
				h->refs--;
			return 0;
		}
	}
	if (!insert)
		return -ENOENT;
	if (!free_slot)
		return -ENOSPC; /* all four debug registers in use */
	*free_slot = (struct gdb_hw_bp){ .addr = addr, .len = (unsigned int)len, .type = type,
					 .refs = 1 };
	return 0;
}

/* Z/z TYPE,ADDR,KIND */
int gdb_break_Z(struct gdb_session *s, const char *arg, bool insert)
{
	static const enum gdb_hw_type hw_type[] = { [1] = GDB_HW_EXEC, [2] = GDB_HW_WRITE,
						    [4] = GDB_HW_ACCESS };
	uint64_t type, addr, kind;
	int err;

	if (!gdb_parse_hex(&arg, &type) || *arg++ != ',' || !gdb_parse_hex(&arg, &addr) ||
	    *arg++ != ',' || !gdb_parse_hex(&arg, &kind) || *arg)
		return -EINVAL;
	if (type > 4)
		return -EINVAL;
	if (type == 3)
		return 0; /* read watchpoints: not on x86 -> "unsupported" */
	if (type == 0) {
		if (kind != 1)
			return -EINVAL; /* x86 int3 is one byte */
		err = insert ? sw_insert(s, addr) : sw_remove(s, addr);
	} else {
		err = hw_change(&s->bp, hw_type[type], addr, kind, insert);
	}
	if (err < 0)
		return err;
	gdb_reply(s, "OK");
	return 0;
}

void gdb_break_debug_state(const struct gdb_break *b, struct gdb_debug_state *d)
{
	static const uint64_t rw[] = { [GDB_HW_EXEC] = 0, [GDB_HW_WRITE] = 1, [GDB_HW_ACCESS] = 3 };
	static const uint64_t len[9] = { [1] = 0, [2] = 1, [4] = 3, [8] = 2 };
	unsigned int i;

	memset(d, 0, sizeof(*d));
	for (i = 0; i < GDB_SW_BPS; i++)
		if (b->sw[i].refs)
			d->sw_bp_addr[d->n_sw_bp++] = b->sw[i].gva;
	d->sw_bp = d->n_sw_bp != 0;
	for (i = 0; i < GDB_HW_SLOTS; i++) {
		const struct gdb_hw_bp *h = &b->hw[i];

		if (!h->refs)
			continue;
		d->dr[i] = h->addr;
		d->dr7 |= 2ULL << (2 * i) | rw[h->type] << (16 + 4 * i) | len[h->len] << (18 + 4 * i);
	}
	if (d->dr7)
		d->dr7 |= DR7_FIXED;
}

void gdb_break_mask(const struct gdb_break *b, uint64_t gpa, uint8_t *buf, size_t len)
{
	unsigned int i;

	for (i = 0; i < GDB_SW_BPS; i++) {
		const struct gdb_sw_bp *e = &b->sw[i];

		if (e->refs && e->gpa >= gpa && e->gpa - gpa < len)
			buf[e->gpa - gpa] = e->saved;
	}
}

void gdb_break_unmask(struct gdb_break *b, uint64_t gpa, uint8_t *buf, size_t len)
{
	unsigned int i;

	for (i = 0; i < GDB_SW_BPS; i++) {
		struct gdb_sw_bp *e = &b->sw[i];

		if (e->refs && e->gpa >= gpa && e->gpa - gpa < len) {
			e->saved = buf[e->gpa - gpa];
			buf[e->gpa - gpa] = INT3;
		}
	}
}

void gdb_break_describe(const struct gdb_break *b, char *out, size_t cap)
{
	static const char *const kind[] = { [GDB_HW_EXEC] = "exec", [GDB_HW_WRITE] = "write",
					     [GDB_HW_ACCESS] = "access" };
	unsigned int i, used = 0;
	size_t n = 0;
	int k;

	out[0] = 0;
	for (i = 0; i < GDB_SW_BPS && n < cap; i++) {
		const struct gdb_sw_bp *e = &b->sw[i];

		if (!e->refs)
			continue;
		k = snprintf(out + n, cap - n, "int3 at %#llx (gpa %#llx, saved %#04x, refs %u)\n",
			     (unsigned long long)e->gva, (unsigned long long)e->gpa, e->saved, e->refs);
		n += k > 0 ? (size_t)k : 0;
	}
	for (i = 0; i < GDB_HW_SLOTS && n < cap; i++) {
		const struct gdb_hw_bp *h = &b->hw[i];

		if (h->refs) {
			used++;
			k = snprintf(out + n, cap - n, "dr%u: %s %#llx len %u (refs %u)\n", i,
				     kind[h->type], (unsigned long long)h->addr, h->len, h->refs);
		} else {
			k = snprintf(out + n, cap - n, "dr%u: free\n", i);
		}
		n += k > 0 ? (size_t)k : 0;
	}
	if (n < cap)
		snprintf(out + n, cap - n, "debug registers: %u of %u in use (hbreak, watch, awatch share them)\n",
			 used, GDB_HW_SLOTS);
}

void gdb_break_clear(struct gdb_session *s)
{
	unsigned int i;

	for (i = 0; i < GDB_SW_BPS; i++)
		if (s->bp.sw[i].refs)
			sw_restore(s, &s->bp.sw[i]);
	memset(&s->bp, 0, sizeof(s->bp));
}

bool gdb_debug_is_sw_bp(const struct gdb_debug_state *d, uint64_t pc)
{
	unsigned int i;

	for (i = 0; i < d->n_sw_bp && i < GDB_SW_BPS; i++)
		if (d->sw_bp_addr[i] == pc)
			return true;
	return false;
}

bool gdb_debug_stop_from_dr6(const struct gdb_debug_state *d, unsigned int vcpu, uint64_t dr6,
			     struct gdb_stop *st)
{
	/* DR7 R/W: 00 execute, 01 write, 10 I/O (never set by us), 11 read/write. */
	static const enum gdb_stop_reason why[4] = { GDB_STOP_HWBREAK, GDB_STOP_WATCH,
						     GDB_STOP_SIGNAL, GDB_STOP_AWATCH };
	unsigned int i;

	*st = (struct gdb_stop){ .reason = GDB_STOP_SIGNAL, .vcpu = vcpu, .signal = 5 };
	for (i = 0; i < GDB_HW_SLOTS; i++) {
		unsigned int rw = (unsigned int)(d->dr7 >> (16 + 4 * i)) & 3;

		if (!(dr6 & (1ULL << i)) || !(d->dr7 & (3ULL << (2 * i))) || rw == 2)
			continue;
		st->reason = why[rw];
		st->addr = d->dr[i];
		return true;
	}
	return (dr6 & DR6_BS) != 0; /* single step done */
}

bool gdb_session_sw_bp_at(const struct gdb_session *s, uint64_t gva)
{
	struct gdb_debug_state d;

	gdb_break_debug_state(&s->bp, &d);
	return gdb_debug_is_sw_bp(&d, gva);
}

bool gdb_session_stop_from_dr6(const struct gdb_session *s, unsigned int vcpu, uint64_t dr6,
			       struct gdb_stop *st)
{
	struct gdb_debug_state d;

	gdb_break_debug_state(&s->bp, &d);
	return gdb_debug_stop_from_dr6(&d, vcpu, dr6, st);
}
