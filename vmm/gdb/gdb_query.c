// SPDX-License-Identifier: MIT
/*
 * q/Q packets (gdb manual, "General Query Packets"): qSupported,
 * qXfer:features:read (target.xml from gdb_regs.c), qXfer:memory-map:read
 * (gdb_mem.c), the thread list, qC, qAttached, qRcmd (monitor), and the
 * settings QStartNoAckMode and QEMU's Qqemu.PhyMemMode.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdb_int.h"

#define XML_MAX 32768

static bool has_prefix(const char *s, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);

	if (strncmp(s, prefix, n))
		return false;
	*rest = s + n;
	return true;
}

static void q_supported(struct gdb_session *s)
{
	gdb_reply_fmt(s, "PacketSize=%x;QStartNoAckMode+;qXfer:features:read+;%sswbreak+;hwbreak+;"
			 "vContSupported+",
		      RSP_MAX_PACKET, s->ops->memory_map ? "qXfer:memory-map:read+;" : "");
}

/* "OFFSET,LENGTH" of an object of `len` bytes: 'm'/'l' + data. */
static int xfer_reply(struct gdb_session *s, const char *doc, size_t len, const char *arg)
{
	uint64_t off, want;

	if (!gdb_parse_hex(&arg, &off) || *arg++ != ',' || !gdb_parse_hex(&arg, &want) || *arg)
		return -EINVAL;
	if (off >= len) {
		gdb_reply(s, "l");
		return 0;
	}
	/* The reply is escaped on the wire, not here: one byte per byte. */
	if (want > gdb_reply_room(s) - 1)
		want = gdb_reply_room(s) - 1;
	if (want > len - off)
		want = len - off;
	s->reply[s->reply_len++] = off + want < len ? 'm' : 'l';
	memcpy(s->reply + s->reply_len, doc + off, (size_t)want);
	s->reply_len += (size_t)want;
	s->reply[s->reply_len] = 0;
	return 0;
}

static int q_xfer(struct gdb_session *s, const char *arg)
{
	const char *rest;
	char *doc;
	size_t len;
	int err;

	if (has_prefix(arg, "features:read:target.xml:", &rest)) {
		doc = malloc(XML_MAX);
		if (!doc)
			return -ENOMEM;
		if (!strncmp(rest, "0,", 2))
			gdb_regs_choose(s);
		len = gdb_regs_target_xml(s, doc, XML_MAX);
	} else if (s->ops->memory_map && has_prefix(arg, "memory-map:read::", &rest)) {
		doc = malloc(XML_MAX);
		if (!doc)
			return -ENOMEM;
		len = gdb_mem_map_xml(s, doc, XML_MAX);
	} else if (has_prefix(arg, "features:read:", &rest)) {
		return -ENOENT; /* an annex we do not have */
	} else {
		return 0; /* object not supported: empty reply */
	}
	err = len >= XML_MAX ? -E2BIG : xfer_reply(s, doc, len, rest);
	free(doc);
	return err;
}

static void q_threads(struct gdb_session *s)
{
	unsigned int i, n = gdb_vcpus(s);

	gdb_reply(s, "m");
	for (i = 0; i < n && gdb_reply_room(s) > 12; i++)
		gdb_reply_fmt(s, i ? ",%x" : "%x", i + 1);
}

static const char monitor_help[] =
	"stub commands:\n"
	"  help              this text, then the VMM's\n"
	"  breakpoints       planted int3s and the four debug-register slots\n"
	"  phys on|off       m/M/X/Z0 addresses physical (= Qqemu.PhyMemMode)\n"
	"  kaslr             a Linux kernel's text offset and the symbol-file line\n";

/* Commands the core answers itself; false: not one of them. */
static bool monitor_builtin(struct gdb_session *s, const char *cmd, char *out, size_t cap, int *err)
{
	*err = 0;
	if (!strcmp(cmd, "breakpoints")) {
		gdb_break_describe(&s->bp, out, cap);
	} else if (!strcmp(cmd, "kaslr")) {
		gdb_kaslr_describe(s, out, cap);
	} else if (!strcmp(cmd, "phys on") || !strcmp(cmd, "phys off")) {
		s->phys_mode = cmd[6] == 'n';
		snprintf(out, cap, "physical addressing %s\n", s->phys_mode ? "on" : "off");
	} else if (!strcmp(cmd, "help")) {
		size_t n;

		snprintf(out, cap, "%s", monitor_help);
		n = strlen(out);
		if (s->ops->monitor && n + 1 < cap)
			*err = s->ops->monitor(s->t, cmd, out + n, cap - n);
	} else {
		return false;
	}
	return true;
}

/* qRcmd,HEX: gdb prints the hex-encoded text we answer. */
static int q_rcmd(struct gdb_session *s, const char *hex)
{
	size_t n = strlen(hex);
	char *cmd, *out;
	size_t cap = (gdb_reply_room(s) - 1) / 2;
	int err;

	if (n % 2)
		return -EINVAL;
	cmd = calloc(1, n / 2 + 1);
	out = calloc(1, cap + 1);
	if (!cmd || !out) {
		err = -ENOMEM;
		goto out;
	}
	if (!gdb_parse_hex_bytes(hex, n, (uint8_t *)cmd) || memchr(cmd, 0, n / 2)) {
		err = -EINVAL;
		goto out;
	}
	if (!monitor_builtin(s, cmd, out, cap + 1, &err)) {
		if (!s->ops->monitor) {
			snprintf(out, cap + 1, "unknown command '%.64s' (try: monitor help)\n", cmd);
			err = 0;
		} else {
			err = s->ops->monitor(s->t, cmd, out, cap + 1);
		}
	}
	if (err < 0)
		goto out;
	out[cap] = 0;
	if (*out)
		gdb_reply_hex(s, out, strlen(out));
	else
		gdb_reply(s, "OK");
	err = 0;
out:
	free(cmd);
	free(out);
	return err;
}

int gdb_query(struct gdb_session *s, const char *pkt, size_t len)
{
	const char *arg;

	if (has_prefix(pkt, "qSupported", &arg)) {
		q_supported(s);
	} else if (has_prefix(pkt, "qXfer:", &arg)) {
		return q_xfer(s, arg);
	} else if (!strcmp(pkt, "qfThreadInfo")) {
		q_threads(s);
	} else if (!strcmp(pkt, "qsThreadInfo")) {
		gdb_reply(s, "l");
	} else if (!strcmp(pkt, "qC")) {
		gdb_reply_fmt(s, "QC%x", s->last.vcpu + 1);
	} else if (!strcmp(pkt, "qAttached") || has_prefix(pkt, "qAttached:", &arg)) {
		gdb_reply(s, "1"); /* an existing VM: quitting gdb detaches, never kills */
	} else if (has_prefix(pkt, "qRcmd,", &arg)) {
		return q_rcmd(s, arg);
	} else if (!strcmp(pkt, "qqemu.PhyMemMode")) {
		gdb_reply(s, s->phys_mode ? "1" : "0");
	}
	return 0; /* everything else: empty = unsupported */
}

int gdb_query_set(struct gdb_session *s, const char *pkt)
{
	const char *arg;

	if (!strcmp(pkt, "QStartNoAckMode")) {
		/* The OK still goes out with acks expected; no '+' after it. */
		gdb_reply(s, "OK");
		s->no_ack = true;
		return 0;
	}
	if (has_prefix(pkt, "Qqemu.PhyMemMode:", &arg)) {
		if ((arg[0] != '0' && arg[0] != '1') || arg[1])
			return -EINVAL;
		s->phys_mode = arg[0] == '1';
		gdb_reply(s, "OK");
	}
	return 0;
}
