// SPDX-License-Identifier: MIT
/*
 * The hostile guest's three acts:
 *   (a) a normal VMBus handshake and the shutdown IC opened, proving the
 *       server works before anything is thrown at it;
 *   (b) the hostile steps (attack.c, io.c), in an order drawn from the
 *       seed, with the second vCPU (ap.c) sending its own traffic meanwhile;
 *   (c) a fresh INITIATE_CONTACT must get a VERSION_RESPONSE and a new open
 *       of the shutdown IC must bring the host's NEGOTIATE packet.
 * Then "HOSTILE: survived" and ACPI S5. Every failure of (a) or (c)
 * prints "HOSTILE: FAIL <step>" and powers off too, so a broken host
 * costs one bounded run, never a hang.
 *
 * Command line (hvmm run --cmdline): seed=N (default 1), cpus=N (default
 * 1: with 2 the AP is started and must answer).
 */
#include "hostile.h"

struct stats st;

static uint8_t simp[PAGE] ALIGNED_PAGE, siefp[PAGE] ALIGNED_PAGE, post_in[PAGE] ALIGNED_PAGE;
static uint8_t ring[4 * PAGE] ALIGNED_PAGE;
static struct vp bsp = { 0, (struct hv_msg *)simp, siefp, (struct hv_post_in *)post_in };

static __attribute__((noreturn)) void fail(const char *phase, const char *what)
{
	con_puts("HOSTILE: FAIL ");
	con_puts(phase);
	con_puts(": ");
	con_puts(what);
	con_kv("t_ms", hv_now_ms());
	con_puts("\n");
	poweroff();
}

/* Connect, find the shutdown IC, give it a fresh ring, see its NEGOTIATE. */
static const char *open_shutdown_ic(uint32_t handle)
{
	struct ring_set rs = { ring, 4, 2, handle };
	const char *err;

	memset(ring, 0, sizeof(ring));
	err = vmbus_connect(&bsp, 5000);
	if (!err)
		err = vmbus_offers(&bsp, 5000);
	if (!err)
		err = vmbus_gpadl(&bsp, shutdown_ic.relid, &rs, 5000);
	if (!err)
		err = vmbus_open(&bsp, shutdown_ic.relid, &rs, 5000);
	if (!err)
		err = vmbus_expect_negotiate(&rs, 5000);
	return err;
}

static void print_stats(void)
{
	static const struct {
		const char *name;
		uint16_t code;
	} codes[] = {
		{ "ok", HV_STATUS_SUCCESS }, { "bad_code", 2 }, { "bad_input", 3 },
		{ "bad_align", 4 }, { "bad_param", 5 }, { "no_buffers", 0x13 },
		{ "bad_port", 0x11 }, { "bad_conn", 0x12 },
	};
	unsigned int i;

	con_puts("HOSTILE: counts");
	con_kv("posts", st.posts);
	con_kv("signals", st.signals);
	con_kv("bad_hcalls", st.hcalls_bad);
	con_kv("msgs", st.msgs_rx);
	con_kv("eoms", st.eoms);
	con_kv("ring_pkts", st.ring_pkts);
	con_kv("ring_full", st.ring_full);
	con_kv("pokes", st.pokes);
	con_kv("timeouts", st.waits_timed_out);
	con_puts("\nHOSTILE: status");
	for (i = 0; i < ARRAY_SIZE(codes); i++)
		con_kv(codes[i].name, st.status[codes[i].code]);
	con_puts("\n");
}

/* xorshift64*: every hostile choice comes from a seeded generator. */
uint64_t rng_next(struct rng *r)
{
	uint64_t x = r->s ? r->s : 0x9e3779b97f4a7c15ULL;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

#define CODE64_SEL 0x10 /* hvmm's boot GDT and the AP trampoline's agree */

void idt_load(void)
{
	static struct idt_gate idt[IDT_ENTRIES] __attribute__((aligned(16)));
	static volatile int built;

	if (!built)
		idt_fill(idt, CODE64_SEL);
	built = 1; /* the BSP builds it before it starts the AP */
	idt_lidt(idt);
}

/* No fault is expected: report it and power off. */
bool guest_trap(struct trap_frame *f)
{
	/* Do not wait for a console lock the faulting CPU may hold. */
	con_puts_nolock("HOSTILE: FAIL exception ");
	trap_print(f);
	con_puts_nolock("\n");
	return false;
}

void guest_main(void)
{
	uint64_t seed = cmdline_u64("seed", 1), cpus = cmdline_u64("cpus", 1);
	struct rng r = { seed * 0x9e3779b97f4a7c15ULL + 1 };
	const char *err;
	bool ap = false;

	idt_load();
	con_puts("HOSTILE: start");
	con_kv("seed", seed);
	con_kv("cpus", cpus);
	con_puts("\n");
	if (!hv_detect())
		fail("setup", "no Hyper-V CPUID leaves (run with --hyperv on)");
	hv_partition_init();
	hv_vp_synic_enable(&bsp);

	err = open_shutdown_ic(0xe1e0f000);
	if (err)
		fail("handshake", err);
	con_puts("HOSTILE: handshake ok");
	con_kv("shutdown_relid", shutdown_ic.relid);
	con_kv("conn", shutdown_ic.conn_id);
	con_kv("t_ms", hv_now_ms());
	con_puts("\n");

	if (cpus > 1) {
		if (!ap_start())
			fail("setup", "the second vCPU did not start");
		ap = true;
		ap_go(rng_next(&r));
		con_puts("HOSTILE: AP running\n");
	}
	hostile_run(&bsp, &r);
	if (ap) {
		ap_stop();
		if (!RD_ONCE(ap_done))
			fail("teardown", "the second vCPU did not stop");
		con_puts("HOSTILE: AP done");
		con_kv("iters", st.ap_iters);
		con_kv("posts", st.ap_posts);
		con_kv("signals", st.ap_signals);
		con_kv("msgs", st.ap_msgs);
		con_puts("\n");
	}
	print_stats();

	/* (c): the server still serves a new connection and a new channel. */
	err = open_shutdown_ic(0xe1e0f001);
	if (err)
		fail("after the attacks", err);
	con_puts("HOSTILE: survived");
	con_kv("seed", seed);
	con_kv("steps", st.steps);
	con_kv("posts", st.posts + st.ap_posts);
	con_kv("t_ms", hv_now_ms());
	con_puts("\n");
	poweroff();
}
