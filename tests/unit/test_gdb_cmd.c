// SPDX-License-Identifier: MIT
/*
 * The gdbstub dispatcher (vmm/gdb/gdb_cmd.c, gdb_regs.c, gdb_query.c)
 * against a fake target: acks and no-ack mode, registers, threads,
 * resume and all-stop stop replies, queries, detach and kill.
 */
#include "gdb_session.h"

#define REGS_BYTES 664  /* sum of the register sizes in target.xml order */
#define NREGS 73 /* the last is cs_base */

START_TEST(ack_nak_noack)
{
	const char *r;
	size_t from;

	r = ask("qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386");
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_nonnull(strstr(r, "PacketSize=4000;"));
	ck_assert_ptr_nonnull(strstr(r, "QStartNoAckMode+"));
	ck_assert_ptr_nonnull(strstr(r, "qXfer:features:read+"));
	ck_assert_ptr_nonnull(strstr(r, "qXfer:memory-map:read+"));
	ck_assert_ptr_nonnull(strstr(r, "swbreak+;hwbreak+;vContSupported+"));
	ck_assert_int_eq(F.tx[0], '+');
	/* '-' resends the last frame byte for byte. */
	from = F.tx_len;
	feed_raw("-", 1);
	ck_assert_mem_eq(F.tx + from, F.tx + 1, F.tx_len - from);
	/* A bad checksum is NAKed and not executed. */
	from = F.tx_len;
	ck_assert_ptr_null(feed_raw("$g#00", 5));
	ck_assert_str_eq(F.tx + from, "-");
	/* No-ack: the OK is still acked, nothing after it. */
	ASK_EQ("QStartNoAckMode", "OK");
	from = F.tx_len;
	ASK_EQ("qC", "QC1");
	ck_assert_int_eq(F.tx[from], '$');
	from = F.tx_len;
	ck_assert_ptr_null(feed_raw("$g#00-", 6));
	ck_assert_uint_eq(F.tx_len, from);
	ck_assert_int_eq(input_rc, 0);
}
END_TEST

START_TEST(unknown_and_malformed)
{
	static const char *const bad[] = {
		"m", "m1000", "m1000,", "m,4", "mzz,4", "m1000,4x", "M1000,2:zz00", "M1000,2:00",
		"M1000,1:000", "X1000,2:a", "Xq", "p", "p49", "pzz", "P0=12", "P48=00", "Pzz",
		"Hg", "Hx1", "Hg99", "T", "T99", "T-1", "Z0", "Z0,1000", "Z0,1000,2", "Z5,1000,1",
		"Z1,1000,1;X", "z9,0,0", "C", "Czz", "C1ff", "S05;zz", "c1000x", "vCont", "vCont;x",
		"vCont;c:99", "vCont;r1000", "vCont;C", "vCont;c;", "Qqemu.PhyMemMode:2", "qRcmd,6",
		"qRcmd,zz", "qXfer:features:read:target.xml:0", "qXfer:features:read:foo.xml:0,10",
		"m10000000000000000,1", "mffffffffffffffff,2", "D1", "G00",
		"qRcmd,610062",
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ASK_ERR(bad[i]);
	/* Unknown packets get the empty reply. */
	ASK_EQ("!", "");
	ASK_EQ("vMustReplyEmpty", "");
	ASK_EQ("qOffsets", "");
	ASK_EQ("Qfoo", "");
	ASK_EQ("qXfer:libraries:read::0,10", "");
	ASK_EQ("", "");
	/* Binary garbage outside X. */
	ck_assert_str_eq(ask_n("g\0x", 3), "E16");
	/* Nothing above changed the VM. */
	ck_assert_uint_eq(F.n_resume, 0);
	ck_assert_uint_eq(F.n_write_regs, 0);
	ck_assert_uint_eq(F.n_kill + F.n_detach, 0);
}
END_TEST

START_TEST(overlong_gets_error)
{
	char *pkt = malloc(RSP_MAX_PACKET + 2);

	memset(pkt, 'm', RSP_MAX_PACKET + 1);
	pkt[RSP_MAX_PACKET + 1] = 0;
	ASK_ERR(pkt);
	free(pkt);
	ASK_EQ("qC", "QC1"); /* back in sync */
}
END_TEST

START_TEST(registers)
{
	char want[40], pkt[2 * REGS_BYTES + 8];
	const char *r;

	r = ask("g");
	ck_assert_uint_eq(strlen(r), 2 * REGS_BYTES);
	ck_assert_mem_eq(r, "0010000000000000", 16);              /* rax */
	ck_assert_mem_eq(r + 2 * 128, "0000200000000000", 16);    /* rip */
	ck_assert_mem_eq(r + 2 * 136, "02000000", 8);             /* eflags */
	ck_assert_mem_eq(r + 2 * 140, "10000000", 8);             /* cs */
	ASK_EQ("p10", "0000200000000000");
	ASK_EQ("p3c", "3300058000000000"); /* cr0 */
	ASK_EQ("p3e", "0010000000000000"); /* cr3 */
	ASK_EQ("p47", "0004000000000000"); /* dr7 */
	ASK_EQ("p7", "0710000000000000");  /* rsp */
	/* P: rip of thread 2 after Hg2. */
	ASK_EQ("Hg2", "OK");
	ASK_EQ("p10", "0100200000000000");
	ASK_EQ("P10=efbeadde00000000", "OK");
	ck_assert_uint_eq(F.regs[1].rip, 0xdeadbeef);
	ck_assert_uint_eq(F.regs[0].rip, 0x200000);
	/* Debug registers are the stub's: P refuses, G leaves them. */
	ASK_ERR("P47=0000000000000000");
	ASK_EQ("Hg1", "OK");
	r = ask("g");
	snprintf(pkt, sizeof(pkt), "G%s", r);
	memcpy(pkt + 1, "2a00000000000000", 16);                    /* rax = 42 */
	memcpy(pkt + 1 + 2 * (REGS_BYTES - 16), "ffffffff00000000", 16); /* dr7 */
	ASK_EQ(pkt, "OK");
	ck_assert_uint_eq(F.regs[0].gpr[0], 42);
	ck_assert_uint_eq(F.regs[0].dr7, 0x400);
	ck_assert_uint_eq(F.regs[0].gpr[1], 0x1001);
	/* Wrong G length. */
	pkt[strlen(pkt) - 1] = 0;
	ASK_ERR(pkt);
	snprintf(want, sizeof(want), "p%x", NREGS);
	ASK_ERR(want);
}
END_TEST

START_TEST(threads)
{
	fake_init(&F, 3);
	ASK_EQ("qfThreadInfo", "m1,2,3");
	ASK_EQ("qsThreadInfo", "l");
	ASK_EQ("qC", "QC1");
	ASK_EQ("T3", "OK");
	ASK_ERR("T4");
	ASK_ERR("T0x");
	ASK_EQ("Hg0", "OK");
	ASK_EQ("Hc-1", "OK");
	ASK_EQ("Hg3", "OK");
	ASK_EQ("p0", "0030000000000000");
	ASK_EQ("qAttached", "1");
	ASK_EQ("qAttached:1", "1");
}
END_TEST

START_TEST(continue_and_stop)
{
	struct gdb_stop st = { .reason = GDB_STOP_SWBREAK, .vcpu = 1 };
	const char *r;

	ck_assert_ptr_null(ask("c"));
	ck_assert(gdb_session_running(S));
	ck_assert_uint_eq(F.n_resume, 1);
	ck_assert_uint_eq(F.n_set_debug, 1);
	ck_assert_int_eq(F.act[0].kind, GDB_RESUME_CONT);
	ck_assert_int_eq(F.act[1].kind, GDB_RESUME_CONT);
	/* While running: only Ctrl-C (and D/k) are taken; no op touches the VM. */
	ASK_ERR("g");
	ASK_ERR("c");
	ASK_ERR("qXfer:features:read:target.xml:0,100");
	ASK_ERR("m1000,1");
	ck_assert_uint_eq(F.n_resume, 1);
	feed_raw("\x03", 1);
	ck_assert_uint_eq(F.n_stop_all, 1);
	{
		size_t from = F.tx_len;

		ck_assert_int_eq(gdb_session_stopped(S, &st), 0);
		r = decode_from(from);
	}
	ck_assert_str_eq(r, "T05thread:2;swbreak:;");
	ck_assert(!gdb_session_running(S));
	ASK_EQ("?", "T05thread:2;swbreak:;");
	ASK_EQ("qC", "QC2");
	/* gdb reads the stopped thread's registers. */
	ASK_EQ("p10", "0100200000000000");
	/* Ctrl-C while stopped does nothing. */
	feed_raw("\x03", 1);
	ck_assert_uint_eq(F.n_stop_all, 1);
	/* A stop nobody waits for is only remembered. */
	st.reason = GDB_STOP_SIGNAL;
	st.signal = 2;
	st.vcpu = 0;
	{
		size_t from = F.tx_len;

		gdb_session_stopped(S, &st);
		ck_assert_uint_eq(F.tx_len, from);
	}
	ASK_EQ("?", "T02thread:1;");
	/* c ADDR sets rip first. */
	ASK_EQ("Hc1", "OK");
	ck_assert_ptr_null(ask("c400000"));
	ck_assert_uint_eq(F.regs[0].rip, 0x400000);
}
END_TEST

START_TEST(step_and_signals)
{
	ASK_EQ("Hc2", "OK");
	ck_assert_ptr_null(ask("s"));
	ck_assert_int_eq(F.act[0].kind, GDB_RESUME_STOP);
	ck_assert_int_eq(F.act[1].kind, GDB_RESUME_STEP);
	gdb_session_stopped(S, &(struct gdb_stop){ .reason = GDB_STOP_SIGNAL, .vcpu = 1, .signal = 5 });
	ck_assert_ptr_null(ask("S0b;500000"));
	ck_assert_int_eq(F.act[1].kind, GDB_RESUME_STEP);
	ck_assert_int_eq(F.act[1].signal, 0xb);
	ck_assert_uint_eq(F.regs[1].rip, 0x500000);
	gdb_session_stopped(S, &(struct gdb_stop){ .reason = GDB_STOP_SIGNAL, .vcpu = 1, .signal = 5 });
	ck_assert_ptr_null(ask("C0e"));
	ck_assert_int_eq(F.act[0].kind, GDB_RESUME_CONT);
	ck_assert_int_eq(F.act[0].signal, 0xe);
}
END_TEST

START_TEST(vcont)
{
	fake_init(&F, 3);
	ASK_EQ("vCont?", "vCont;c;C;s;S;r");
	/* Leftmost match wins; unmatched threads stay stopped. */
	ck_assert_ptr_null(ask("vCont;s:2;c"));
	ck_assert_int_eq(F.act[0].kind, GDB_RESUME_CONT);
	ck_assert_int_eq(F.act[1].kind, GDB_RESUME_STEP);
	ck_assert_int_eq(F.act[2].kind, GDB_RESUME_CONT);
	gdb_session_stopped(S, &(struct gdb_stop){ .reason = GDB_STOP_SIGNAL, .signal = 5 });
	ck_assert_ptr_null(ask("vCont;r401000,401020:1"));
	ck_assert_int_eq(F.act[0].kind, GDB_RESUME_RANGE);
	ck_assert_uint_eq(F.act[0].start, 0x401000);
	ck_assert_uint_eq(F.act[0].end, 0x401020);
	ck_assert_int_eq(F.act[1].kind, GDB_RESUME_STOP);
	ck_assert_int_eq(F.act[2].kind, GDB_RESUME_STOP);
	gdb_session_stopped(S, &(struct gdb_stop){ .reason = GDB_STOP_SIGNAL, .signal = 5 });
	ck_assert_ptr_null(ask("vCont;S09:3;C02:-1"));
	ck_assert_int_eq(F.act[2].kind, GDB_RESUME_STEP);
	ck_assert_int_eq(F.act[2].signal, 9);
	ck_assert_int_eq(F.act[0].signal, 2);
	ck_assert_uint_eq(F.n_resume, 3);
}
END_TEST

START_TEST(stop_format)
{
	char buf[64];
	struct gdb_stop st = { .reason = GDB_STOP_WATCH, .vcpu = 0x1f, .addr = 0xffffffff81234560ULL };

	ck_assert_int_gt(gdb_stop_format(&st, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "T05thread:20;watch:ffffffff81234560;");
	st.reason = GDB_STOP_RWATCH;
	gdb_stop_format(&st, buf, sizeof(buf));
	ck_assert_str_eq(buf, "T05thread:20;rwatch:ffffffff81234560;");
	st.reason = GDB_STOP_AWATCH;
	st.addr = 0x10;
	gdb_stop_format(&st, buf, sizeof(buf));
	ck_assert_str_eq(buf, "T05thread:20;awatch:10;");
	st.reason = GDB_STOP_HWBREAK;
	gdb_stop_format(&st, buf, sizeof(buf));
	ck_assert_str_eq(buf, "T05thread:20;hwbreak:;");
	st.reason = GDB_STOP_EXITED;
	st.signal = 0;
	gdb_stop_format(&st, buf, sizeof(buf));
	ck_assert_str_eq(buf, "W00");
	st.reason = GDB_STOP_SWBREAK;
	ck_assert_int_eq(gdb_stop_format(&st, buf, 10), -ENOSPC);
	st.reason = (enum gdb_stop_reason)99;
	ck_assert_int_eq(gdb_stop_format(&st, buf, sizeof(buf)), -EINVAL);
}
END_TEST

START_TEST(target_xml)
{
	char doc[40000] = "", pkt[80];
	unsigned int off = 0, regs = 0;
	const char *r, *p;

	/* Read it the way gdb does, in chunks smaller than the document. */
	for (;;) {
		snprintf(pkt, sizeof(pkt), "qXfer:features:read:target.xml:%x,3e8", off);
		r = ask(pkt);
		ck_assert_ptr_nonnull(r);
		ck_assert(r[0] == 'm' || r[0] == 'l');
		ck_assert_uint_le(reply_len - 1, 0x3e8);
		ck_assert_uint_lt(off + reply_len, sizeof(doc));
		memcpy(doc + off, r + 1, reply_len - 1);
		off += (unsigned int)reply_len - 1;
		if (r[0] == 'l')
			break;
	}
	doc[off] = 0;
	ck_assert_ptr_nonnull(strstr(doc, "<architecture>i386:x86-64</architecture>"));
	ck_assert_str_eq(doc + off - 9, "</target>");
	for (p = doc; (p = strstr(p, "<reg ")); p++)
		regs++;
	ck_assert_uint_eq(regs, NREGS);
	/* gdb finds these by name in these features. */
	ck_assert_ptr_nonnull(strstr(doc, "<feature name=\"org.gnu.gdb.i386.core\">"));
	ck_assert_ptr_nonnull(strstr(doc, "<feature name=\"org.gnu.gdb.i386.sse\">"));
	ck_assert_ptr_nonnull(strstr(doc, "<feature name=\"org.gnu.gdb.i386.segments\">"));
	ck_assert_ptr_nonnull(strstr(doc, "<reg name=\"rip\" bitsize=\"64\" type=\"code_ptr\" regnum=\"16\""));
	ck_assert_ptr_nonnull(strstr(doc, "<reg name=\"mxcsr\" bitsize=\"32\" type=\"i386_mxcsr\" regnum=\"56\""));
	ck_assert_ptr_nonnull(strstr(doc, "<reg name=\"k_gs_base\" bitsize=\"64\" type=\"int\" regnum=\"59\""));
	ck_assert_ptr_nonnull(strstr(doc, "<reg name=\"dr7\" bitsize=\"64\" type=\"int\" regnum=\"71\""));
	/* Past the end. */
	snprintf(pkt, sizeof(pkt), "qXfer:features:read:target.xml:%x,10", off);
	ASK_EQ(pkt, "l");
}
END_TEST

/* CR0.PE clear when gdb reads target.xml: i8086 and the 32-bit layout. */
START_TEST(real_mode_layout)
{
	const char *r;

	F.regs[0].cr0 = 0x60000010;
	F.regs[0].gpr[2] = 0xaabbccdd11223344ULL; /* rcx -> ecx is register 1 */
	r = ask("qXfer:features:read:target.xml:0,3fff");
	ck_assert_ptr_nonnull(strstr(r, "<architecture>i8086</architecture><osabi>none</osabi>"));
	ck_assert_ptr_nonnull(strstr(r, "<reg name=\"eip\" bitsize=\"32\" type=\"code_ptr\" regnum=\"8\""));
	ck_assert_ptr_null(strstr(r, "k_gs_base"));
	r = ask("g");
	ck_assert_uint_eq(strlen(r), 2 * 368);
	ck_assert_mem_eq(r + 8, "44332211", 8);
	ASK_EQ("p1", "44332211");
	ASK_EQ("P1=78563412", "OK");
	/* The upper half survives a 32-bit write. */
	ck_assert_uint_eq(F.regs[0].gpr[2], 0xaabbccdd12345678ULL);
	ASK_ERR("p48");
	/* A later read of the rest of the document keeps the choice. */
	F.regs[0].cr0 |= 1;
	r = ask("qXfer:features:read:target.xml:10,20");
	ck_assert_ptr_nonnull(r);
	r = ask("g");
	ck_assert_uint_eq(strlen(r), 2 * 368);
}
END_TEST

START_TEST(memory_map_xml)
{
	const char *r = ask("qXfer:memory-map:read::0,4000");

	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r[0], 'l');
	ck_assert_ptr_nonnull(strstr(r, "<memory type=\"ram\" start=\"0x0\" length=\"0x10000\"/>"));
	/* MMIO is left out; above it everything is reachable (virtual addresses). */
	ck_assert_ptr_null(strstr(r, "start=\"0x10000\""));
	ck_assert_ptr_nonnull(strstr(r, "<memory type=\"ram\" start=\"0x11000\" length=\"0xfffffffffffef000\"/>"));
	ck_assert_ptr_nonnull(strstr(r, "</memory-map>"));
}
END_TEST

START_TEST(monitor)
{
	char pkt[64] = "qRcmd,";
	const char *cmd = "vmbus channels";
	unsigned int i;

	for (i = 0; cmd[i]; i++)
		sprintf(pkt + strlen(pkt), "%02x", (unsigned char)cmd[i]);
	ASK_EQ(pkt, "76637075733d320a"); /* "vcpus=2\n" */
	ck_assert_str_eq(F.monitor_cmd, "vmbus channels");
	ASK_EQ("qRcmd,7175696574", "OK"); /* "quiet" */
	ASK_ERR("qRcmd,6661696c");        /* "fail" */
}
END_TEST

/* Decode a hex reply into text. */
static const char *unhex(const char *r)
{
	static char text[4096];
	size_t n = strlen(r) / 2, i;
	unsigned int c;

	ck_assert_uint_lt(n, sizeof(text));
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(sscanf(r + 2 * i, "%2x", &c), 1);
		text[i] = (char)c;
	}
	text[n] = 0;
	return text;
}

static const char *monitor_cmd(const char *cmd)
{
	char pkt[256] = "qRcmd,";
	unsigned int i;

	for (i = 0; cmd[i]; i++)
		sprintf(pkt + strlen(pkt), "%02x", (unsigned char)cmd[i]);
	return unhex(ask(pkt));
}

/* A kernel whose image mapping starts at _text = link address + 0x2200000. */
#define KASLR_TEXT 0xffffffff83200000ULL
static int kaslr_translate(void *t, unsigned int vcpu, uint64_t gva, uint64_t *gpa)
{
	if (gva < KASLR_TEXT || gva >= KASLR_TEXT + (64ULL << 20))
		return -EFAULT;
	*gpa = gva - KASLR_TEXT + 0x3200000;
	return 0;
}

static int nomap_translate(void *t, unsigned int vcpu, uint64_t gva, uint64_t *gpa)
{
	return -EFAULT;
}

START_TEST(monitor_kaslr)
{
	struct gdb_target_ops ops = fake_ops;

	/* The fake maps the whole window from its base: too early to tell. */
	ck_assert_ptr_nonnull(strstr(monitor_cmd("kaslr"), "not yet trimmed"));
	ops.translate = kaslr_translate;
	gdb_session_free(S);
	S = gdb_session_new(&ops, &F);
	ck_assert_str_eq(monitor_cmd("kaslr"),
			 "kernel _text at 0xffffffff83200000 (physical 0x3200000), KASLR offset 0x2200000\n"
			 "  symbol-file -o 0x2200000 vmlinux\n");
	ops.translate = nomap_translate;
	gdb_session_free(S);
	S = gdb_session_new(&ops, &F);
	ck_assert_ptr_nonnull(strstr(monitor_cmd("kaslr"), "no kernel mapping"));
	ops.translate = NULL;
	gdb_session_free(S);
	S = gdb_session_new(&ops, &F);
	ck_assert_ptr_nonnull(strstr(monitor_cmd("kaslr"), "no address translation"));
}
END_TEST

START_TEST(monitor_builtins)
{
	const char *t;

	ASK_EQ("Z0,2000,1", "OK");
	ASK_EQ("Z2,601000,8", "OK");
	ASK_EQ("Z4,601010,4", "OK");
	t = monitor_cmd("breakpoints");
	ck_assert_ptr_nonnull(strstr(t, "int3 at 0x2000 (gpa 0x2000"));
	ck_assert_ptr_nonnull(strstr(t, "dr0: write 0x601000 len 8 (refs 1)\n"));
	ck_assert_ptr_nonnull(strstr(t, "dr1: access 0x601010 len 4"));
	ck_assert_ptr_nonnull(strstr(t, "dr3: free\n"));
	ck_assert_ptr_nonnull(strstr(t, "debug registers: 2 of 4 in use"));
	t = monitor_cmd("help");
	ck_assert_ptr_nonnull(strstr(t, "breakpoints"));
	ck_assert_ptr_nonnull(strstr(t, "vcpus=2")); /* the VMM's part follows */
	ck_assert_str_eq(monitor_cmd("phys on"), "physical addressing on\n");
	ASK_EQ("qqemu.PhyMemMode", "1");
	ck_assert_str_eq(monitor_cmd("phys off"), "physical addressing off\n");
	/* Without a VMM monitor, other commands get a hint, not silence. */
	{
		struct gdb_target_ops ops = fake_ops;

		ops.monitor = NULL;
		gdb_session_free(S);
		S = gdb_session_new(&ops, &F);
		t = monitor_cmd("vmbus");
		ck_assert_str_eq(t, "unknown command 'vmbus' (try: monitor help)\n");
		ck_assert_ptr_nonnull(strstr(monitor_cmd("help"), "stub commands"));
	}
}
END_TEST

START_TEST(detach_and_kill)
{
	ASK_EQ("Z1,1000,1", "OK");
	ASK_EQ("D", "OK");
	ck_assert_int_eq(input_rc, 1);
	ck_assert_uint_eq(F.n_detach, 1);
	ck_assert_uint_eq(F.dbg.dr7, 0); /* debug state cleared for the guest */
	/* Bytes after the end are ignored. */
	ck_assert_ptr_null(ask("qC"));
	gdb_session_free(S);
	S = gdb_session_new(&fake_ops, &F);
	ck_assert_ptr_null(ask("k"));
	ck_assert_int_eq(input_rc, 1);
	ck_assert_uint_eq(F.n_kill, 1);
	gdb_session_free(S);
	S = gdb_session_new(&fake_ops, &F);
	ASK_EQ("vKill;1", "OK");
	ck_assert_uint_eq(F.n_kill, 2);
	gdb_session_free(S);
	S = gdb_session_new(&fake_ops, &F);
	/* A failing socket is reported. */
	F.fail_tx = 1;
	ck_assert_int_eq(gdb_session_input(S, (const uint8_t *)"$qC#b4", 6), -EPIPE);
}
END_TEST

START_TEST(hangup_and_exit)
{
	uint8_t orig = F.ram[0x2000];

	ASK_EQ("Z0,2000,1", "OK");
	ASK_EQ("Z2,3000,4", "OK");
	ck_assert_ptr_null(ask("c"));
	/* gdb vanishes while the VM runs: everything is undone. */
	gdb_session_hangup(S);
	ck_assert_uint_eq(F.ram[0x2000], orig);
	ck_assert_uint_eq(F.dbg.dr7, 0);
	ck_assert(!F.dbg.sw_bp);
	ck_assert_uint_eq(F.n_detach, 1);
	ck_assert(!gdb_session_running(S));
	gdb_session_hangup(S);
	ck_assert_uint_eq(F.n_detach, 1);
	ck_assert_int_eq(gdb_session_input(S, (const uint8_t *)"$qC#b4", 6), 1);
	/* A second gdb gets a fresh session; the VM ending ends it. */
	gdb_session_free(S);
	S = gdb_session_new(&fake_ops, &F);
	ASK_EQ("qC", "QC1");
	ck_assert_ptr_null(ask("c"));
	{
		size_t from = F.tx_len;

		gdb_session_stopped(S, &(struct gdb_stop){ .reason = GDB_STOP_EXITED, .signal = 3 });
		ck_assert_str_eq(decode_from(from), "W03");
	}
	ck_assert_int_eq(gdb_session_input(S, (const uint8_t *)"$qC#b4", 6), 1);
}
END_TEST

static Suite *gdb_cmd_suite(void)
{
	Suite *s = suite_create("gdb_cmd");
	TCase *tc = tcase_create("cmd");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ack_nak_noack);
	tcase_add_test(tc, unknown_and_malformed);
	tcase_add_test(tc, overlong_gets_error);
	tcase_add_test(tc, registers);
	tcase_add_test(tc, threads);
	tcase_add_test(tc, continue_and_stop);
	tcase_add_test(tc, step_and_signals);
	tcase_add_test(tc, vcont);
	tcase_add_test(tc, stop_format);
	tcase_add_test(tc, target_xml);
	tcase_add_test(tc, real_mode_layout);
	tcase_add_test(tc, memory_map_xml);
	tcase_add_test(tc, monitor);
	tcase_add_test(tc, monitor_builtins);
	tcase_add_test(tc, monitor_kaslr);
	tcase_add_test(tc, detach_and_kill);
	tcase_add_test(tc, hangup_and_exit);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(gdb_cmd_suite)
