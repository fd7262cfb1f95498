// SPDX-License-Identifier: MIT
/*
 * The gdbstub session (gdb.h): byte input through the RSP parser, the
 * packet dispatcher, resume (c/s/C/S/vCont) and all-stop stop replies.
 * Packet syntax follows the gdb manual's Remote Protocol appendix
 * ("Packets", "Stop Reply Packets", "vCont").
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdb_int.h"
#include "util.h"

#define NO_REPLY 1 /* handler result: nothing to send (resume, kill) */
#define SIGTRAP_GDB 5

/* ---- reply helpers -------------------------------------------------------- */

size_t gdb_reply_room(const struct gdb_session *s)
{
	return GDB_REPLY_MAX - s->reply_len;
}

void gdb_reply(struct gdb_session *s, const char *str)
{
	size_t n = strlen(str);

	if (n > gdb_reply_room(s))
		n = gdb_reply_room(s);
	memcpy(s->reply + s->reply_len, str, n);
	s->reply_len += n;
	s->reply[s->reply_len] = 0;
}

void gdb_reply_fmt(struct gdb_session *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(s->reply + s->reply_len, gdb_reply_room(s) + 1, fmt, ap);
	va_end(ap);
	if (n > 0) /* vsnprintf cut it at the room left */
		s->reply_len += (size_t)n < gdb_reply_room(s) ? (size_t)n : gdb_reply_room(s);
}

void gdb_reply_hex(struct gdb_session *s, const void *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *b = buf;
	size_t i;

	for (i = 0; i < len && gdb_reply_room(s) >= 2; i++) {
		s->reply[s->reply_len++] = hex[b[i] >> 4];
		s->reply[s->reply_len++] = hex[b[i] & 15];
	}
	s->reply[s->reply_len] = 0;
}

void gdb_reply_err(struct gdb_session *s, int err)
{
	s->reply_len = 0;
	gdb_reply_fmt(s, "E%02x", (unsigned int)(err < 0 ? -err : err) & 0xff);
}

bool gdb_parse_hex(const char **p, uint64_t *v)
{
	const char *q = *p;
	uint64_t x = 0;
	int d, n = 0;

	while ((d = hex_digit(*q)) >= 0) {
		if (++n > 16)
			return false; /* more than 64 bits */
		x = x << 4 | (uint64_t)d;
		q++;
	}
	if (!n)
		return false;
	*p = q;
	*v = x;
	return true;
}

bool gdb_parse_hex_bytes(const char *p, size_t nhex, uint8_t *out)
{
	size_t i;

	if (nhex % 2)
		return false;
	for (i = 0; i < nhex; i += 2) {
		int hi = hex_digit(p[i]), lo = hex_digit(p[i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

unsigned int gdb_vcpus(const struct gdb_session *s)
{
	unsigned int n = s->ops->vcpu_count(s->t);

	return n > GDB_MAX_VCPUS ? GDB_MAX_VCPUS : n;
}

static int send_raw(struct gdb_session *s, const void *buf, size_t len)
{
	return s->tx(s->tx_opaque, buf, len);
}

void gdb_session_set_tx(struct gdb_session *s, int (*fn)(void *opaque, const void *buf, size_t len),
			void *opaque)
{
	s->tx = fn;
	s->tx_opaque = opaque;
}

static int send_reply(struct gdb_session *s)
{
	s->frame_len = rsp_encode(s->reply, s->reply_len, s->frame, RSP_FRAME_MAX(GDB_REPLY_MAX));
	s->reply_len = 0;
	s->reply[0] = 0;
	if (s->frame_len < 0)
		return (int)s->frame_len;
	return send_raw(s, s->frame, (size_t)s->frame_len);
}

static void leave(struct gdb_session *s);

/* ---- stop replies ----------------------------------------------------------- */

int gdb_stop_format(const struct gdb_stop *st, char *buf, size_t cap)
{
	static const char *const watch[] = { [GDB_STOP_WATCH] = "watch", [GDB_STOP_RWATCH] = "rwatch",
					     [GDB_STOP_AWATCH] = "awatch" };
	int n;

	switch (st->reason) {
	case GDB_STOP_EXITED:
		n = snprintf(buf, cap, "W%02x", (unsigned int)st->signal & 0xff);
		break;
	case GDB_STOP_SIGNAL:
		n = snprintf(buf, cap, "T%02xthread:%x;", (unsigned int)st->signal & 0xff, st->vcpu + 1);
		break;
	case GDB_STOP_SWBREAK:
	case GDB_STOP_HWBREAK:
		n = snprintf(buf, cap, "T%02xthread:%x;%s:;", SIGTRAP_GDB, st->vcpu + 1,
			     st->reason == GDB_STOP_SWBREAK ? "swbreak" : "hwbreak");
		break;
	case GDB_STOP_WATCH:
	case GDB_STOP_RWATCH:
	case GDB_STOP_AWATCH:
		n = snprintf(buf, cap, "T%02xthread:%x;%s:%llx;", SIGTRAP_GDB, st->vcpu + 1,
			     watch[st->reason], (unsigned long long)st->addr);
		break;
	default:
		return -EINVAL;
	}
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	return n;
}

static void reply_stop(struct gdb_session *s, const struct gdb_stop *st)
{
	char buf[96];

	if (gdb_stop_format(st, buf, sizeof(buf)) < 0)
		gdb_reply(s, "S05");
	else
		gdb_reply(s, buf);
}

int gdb_session_stopped(struct gdb_session *s, const struct gdb_stop *stop)
{
	struct gdb_stop st = *stop;

	if (st.vcpu >= gdb_vcpus(s))
		st.vcpu = 0;
	s->last = st;
	if (!s->running)
		return 0; /* nobody waits: '?' will report it */
	s->running = false;
	/* gdb reads registers of the thread that stopped. */
	s->g_vcpu = st.vcpu;
	reply_stop(s, &st);
	if (st.reason == GDB_STOP_EXITED)
		s->done = true; /* gdb forgets the process after W */
	return send_reply(s);
}

void gdb_session_hangup(struct gdb_session *s)
{
	if (s->done)
		return;
	leave(s);
	s->ops->detach(s->t);
	s->done = true;
	s->running = false;
}

bool gdb_session_running(const struct gdb_session *s)
{
	return s->running;
}

/* ---- threads --------------------------------------------------------------- */

/* "-1" all, "0" any, else hex thread id = vcpu + 1. */
static int parse_tid(struct gdb_session *s, const char **p, int *vcpu)
{
	uint64_t v;

	if ((*p)[0] == '-' && (*p)[1] == '1') {
		*p += 2;
		*vcpu = -1;
		return 0;
	}
	if (!gdb_parse_hex(p, &v))
		return -EINVAL;
	if (v == 0) {
		*vcpu = -2; /* any */
		return 0;
	}
	if (v > gdb_vcpus(s))
		return -ESRCH;
	*vcpu = (int)(v - 1);
	return 0;
}

static int cmd_H(struct gdb_session *s, const char *arg)
{
	const char *p = arg + 1;
	int vcpu, r;

	if (arg[0] != 'g' && arg[0] != 'c')
		return -EINVAL;
	r = parse_tid(s, &p, &vcpu);
	if (r < 0 || *p)
		return r < 0 ? r : -EINVAL;
	if (arg[0] == 'g')
		s->g_vcpu = vcpu < 0 ? 0 : (unsigned int)vcpu;
	else
		s->c_vcpu = vcpu == -2 ? -1 : vcpu;
	gdb_reply(s, "OK");
	return 0;
}

static int cmd_T(struct gdb_session *s, const char *arg)
{
	int vcpu, r = parse_tid(s, &arg, &vcpu);

	if (r < 0 || *arg || vcpu < 0)
		return r < 0 ? r : -EINVAL;
	gdb_reply(s, "OK");
	return 0;
}

/* ---- resume ---------------------------------------------------------------- */

static int do_resume(struct gdb_session *s)
{
	struct gdb_debug_state d;
	int r;

	gdb_break_debug_state(&s->bp, &d);
	r = s->ops->set_debug(s->t, &d);
	if (r < 0)
		return r;
	r = s->ops->resume(s->t, s->act);
	if (r < 0)
		return r;
	s->running = true;
	return NO_REPLY;
}

static void act_all(struct gdb_session *s, enum gdb_resume_kind kind, int sig)
{
	unsigned int i, n = gdb_vcpus(s);

	for (i = 0; i < n; i++)
		s->act[i] = (struct gdb_resume){ .kind = kind, .signal = sig };
}

/* c [addr], s [addr], C sig[;addr], S sig[;addr] */
static int cmd_resume(struct gdb_session *s, char cmd, const char *arg)
{
	unsigned int who = s->c_vcpu >= 0 ? (unsigned int)s->c_vcpu : s->g_vcpu;
	uint64_t sig = 0, addr;
	bool step = cmd == 's' || cmd == 'S';

	if (cmd == 'C' || cmd == 'S') {
		if (!gdb_parse_hex(&arg, &sig) || sig > 0xff)
			return -EINVAL;
		if (*arg == ';')
			arg++;
		else if (*arg)
			return -EINVAL;
	}
	if (*arg) {
		struct gdb_x86_regs r;
		int err;

		if (!gdb_parse_hex(&arg, &addr) || *arg)
			return -EINVAL;
		err = s->ops->read_regs(s->t, who, &r);
		if (err < 0)
			return err;
		r.rip = addr;
		err = s->ops->write_regs(s->t, who, &r);
		if (err < 0)
			return err;
	}
	/* All-stop: continue runs every vCPU; a step steps one, the rest wait. */
	act_all(s, step ? GDB_RESUME_STOP : GDB_RESUME_CONT, step ? 0 : (int)sig);
	if (step)
		s->act[who] = (struct gdb_resume){ .kind = GDB_RESUME_STEP, .signal = (int)sig };
	return do_resume(s);
}

/* One vCont action "c", "Cxx", "s", "Sxx", "rSTART,END" (no thread). */
static int parse_action(const char **p, struct gdb_resume *a)
{
	uint64_t v, e;
	char c = *(*p)++;

	*a = (struct gdb_resume){ 0 };
	switch (c) {
	case 'c':
	case 's':
		a->kind = c == 'c' ? GDB_RESUME_CONT : GDB_RESUME_STEP;
		return 0;
	case 'C':
	case 'S':
		if (!gdb_parse_hex(p, &v) || v > 0xff)
			return -EINVAL;
		a->kind = c == 'C' ? GDB_RESUME_CONT : GDB_RESUME_STEP;
		a->signal = (int)v;
		return 0;
	case 'r':
		if (!gdb_parse_hex(p, &v) || *(*p)++ != ',' || !gdb_parse_hex(p, &e))
			return -EINVAL;
		a->kind = GDB_RESUME_RANGE;
		a->start = v;
		a->end = e;
		return 0;
	default:
		return -EINVAL;
	}
}

/* vCont;ACTION[:TID];... -- the leftmost action matching a thread applies. */
static int cmd_vcont(struct gdb_session *s, const char *arg)
{
	unsigned int i, n = gdb_vcpus(s);
	bool set[GDB_MAX_VCPUS] = { false };

	act_all(s, GDB_RESUME_STOP, 0);
	if (*arg != ';')
		return -EINVAL;
	while (*arg == ';') {
		struct gdb_resume a;
		int vcpu = -1, r;

		arg++;
		r = parse_action(&arg, &a);
		if (r < 0)
			return r;
		if (*arg == ':') {
			arg++;
			r = parse_tid(s, &arg, &vcpu);
			if (r < 0)
				return r;
			if (vcpu == -2)
				vcpu = (int)s->g_vcpu;
		}
		for (i = 0; i < n; i++) {
			if ((vcpu >= 0 && (unsigned int)vcpu != i) || set[i])
				continue;
			s->act[i] = a;
			set[i] = true;
		}
	}
	if (*arg)
		return -EINVAL;
	return do_resume(s);
}

static int cmd_v(struct gdb_session *s, const char *pkt)
{
	if (!strcmp(pkt, "vCont?")) {
		gdb_reply(s, "vCont;c;C;s;S;r");
		return 0;
	}
	if (!strncmp(pkt, "vCont", 5))
		return cmd_vcont(s, pkt + 5);
	if (!strncmp(pkt, "vKill", 5)) {
		gdb_break_clear(s);
		s->ops->kill(s->t);
		s->done = true;
		gdb_reply(s, "OK");
		return 0;
	}
	return 0; /* unsupported v packet: empty reply (vMustReplyEmpty too) */
}

/* ---- detach / kill ---------------------------------------------------------- */

static void leave(struct gdb_session *s)
{
	struct gdb_debug_state d = { 0 };

	gdb_break_clear(s);
	s->ops->set_debug(s->t, &d);
}

static int cmd_D(struct gdb_session *s, const char *arg)
{
	if (*arg && *arg != ';')
		return -EINVAL;
	leave(s);
	s->ops->detach(s->t);
	gdb_reply(s, "OK");
	s->done = true;
	return 0;
}

/* ---- dispatch -------------------------------------------------------------- */

static int dispatch(struct gdb_session *s, const char *pkt, size_t len)
{
	const char *arg = pkt + 1;

	switch (pkt[0]) {
	case '?':
		reply_stop(s, &s->last);
		return 0;
	case 'g':
		return *arg ? -EINVAL : gdb_regs_g(s);
	case 'G':
		return gdb_regs_G(s, arg);
	case 'p':
		return gdb_regs_p(s, arg);
	case 'P':
		return gdb_regs_P(s, arg);
	case 'm':
		return gdb_mem_m(s, arg);
	case 'M':
		return gdb_mem_M(s, arg);
	case 'X':
		return gdb_mem_X(s, arg, len - 1);
	case 'c':
	case 's':
	case 'C':
	case 'S':
		return cmd_resume(s, pkt[0], arg);
	case 'v':
		return cmd_v(s, pkt);
	case 'H':
		return cmd_H(s, arg);
	case 'T':
		return cmd_T(s, arg);
	case 'D':
		return cmd_D(s, arg);
	case 'k':
		leave(s);
		s->ops->kill(s->t);
		s->done = true;
		return NO_REPLY;
	case 'q':
		return gdb_query(s, pkt, len);
	case 'Q':
		return gdb_query_set(s, pkt);
	case 'Z':
	case 'z':
		return gdb_break_Z(s, arg, pkt[0] == 'Z');
	default:
		return 0; /* unknown: empty reply */
	}
}

static int handle_packet(struct gdb_session *s)
{
	const char *pkt = (const char *)s->rx.buf;
	size_t len = s->rx.len;
	int r;

	s->reply_len = 0;
	s->reply[0] = 0;
	if (!len)
		return send_reply(s);
	/* Binary data is only legal in X; everything else is text. */
	if (pkt[0] != 'X' && memchr(pkt, 0, len))
		r = -EINVAL;
	else if (s->running && pkt[0] != 'D' && pkt[0] != 'k')
		r = -EBUSY; /* all-stop: gdb sends only Ctrl-C while the VM runs */
	else
		r = dispatch(s, pkt, len);
	if (r == NO_REPLY)
		return 0;
	if (r < 0)
		gdb_reply_err(s, r);
	return send_reply(s);
}

int gdb_session_input(struct gdb_session *s, const uint8_t *buf, size_t len)
{
	size_t i;
	int r = 0;

	for (i = 0; i < len && !s->done && r >= 0; i++) {
		switch (rsp_feed(&s->rx, buf[i])) {
		case RSP_EV_NONE:
		case RSP_EV_ACK:
			break;
		case RSP_EV_NAK:
			if (!s->no_ack && s->frame_len > 0)
				r = send_raw(s, s->frame, (size_t)s->frame_len);
			break;
		case RSP_EV_INTERRUPT:
			if (s->running)
				r = s->ops->stop_all(s->t);
			break;
		case RSP_EV_BAD_CHECKSUM:
			if (!s->no_ack)
				r = send_raw(s, "-", 1);
			break;
		case RSP_EV_OVERLONG:
		case RSP_EV_MALFORMED:
			if (!s->no_ack)
				r = send_raw(s, "+", 1);
			if (r >= 0) {
				gdb_reply_err(s, -EINVAL);
				r = send_reply(s);
			}
			break;
		case RSP_EV_PACKET:
			if (!s->no_ack)
				r = send_raw(s, "+", 1);
			if (r >= 0)
				r = handle_packet(s);
			break;
		}
	}
	if (r < 0)
		return r;
	return s->done ? 1 : 0;
}

struct gdb_session *gdb_session_new(const struct gdb_target_ops *ops, void *target)
{
	struct gdb_session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->reply = malloc(GDB_REPLY_MAX + 1);
	s->frame = malloc(RSP_FRAME_MAX(GDB_REPLY_MAX));
	if (!s->reply || !s->frame) {
		gdb_session_free(s);
		return NULL;
	}
	s->ops = ops;
	s->t = target;
	s->tx = ops->tx;
	s->tx_opaque = target;
	s->c_vcpu = -1;
	s->reply[0] = 0;
	s->last = (struct gdb_stop){ .reason = GDB_STOP_SIGNAL, .signal = SIGTRAP_GDB };
	rsp_init(&s->rx);
	return s;
}

void gdb_session_free(struct gdb_session *s)
{
	if (!s)
		return;
	free(s->reply);
	free(s->frame);
	free(s);
}
