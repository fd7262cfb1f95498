// SPDX-License-Identifier: MIT
/*
 * The second vCPU: brought up with INIT-SIPI-SIPI through the xAPIC
 * (Intel SDM vol. 3, 9.4.4 "MP Initialization Example"; Linux
 * wakeup_secondary_cpu_via_init(), arch/x86/kernel/smpboot.c) by the
 * shared runtime's smp_start_ap() (tests/guest/lib/smp.c), it runs
 * into ap_main(), enables its own SynIC and,
 * while the BSP works through its hostile steps, sends concurrent
 * hostile traffic: garbage posts, CLOSE/OPEN/TEARDOWN/MODIFY of the
 * channel the BSP is using, signals, EOMs, and now and then an
 * INITIATE_CONTACT that moves the server's messages to itself.
 */
#include "hostile.h"
#include "smp.h"

#define AP_MAX_ITERS 6000 /* bounds the AP's VM exits whatever the BSP does */
#define AP_PACE_MS 2      /* spread them over the BSP's whole attack phase */

static uint8_t ap_stack[16384] __attribute__((aligned(16)));
static uint8_t ap_simp[PAGE] ALIGNED_PAGE, ap_siefp[PAGE] ALIGNED_PAGE;
static uint8_t ap_in[PAGE] ALIGNED_PAGE;
static struct vp ap_vp = { 1, (struct hv_msg *)ap_simp, ap_siefp, (struct hv_post_in *)ap_in };

volatile int ap_alive, ap_done;
static volatile int ap_run, ap_quit;
static volatile uint64_t ap_seed;

static void ap_iteration(struct rng *r);

/* Called by the trampoline on ap_stack, in long mode, interrupts off. */
static void ap_main(void)
{
	struct rng r;
	unsigned int i;

	idt_load();
	WR_ONCE(ap_alive, 1);
	while (!RD_ONCE(ap_run) && !RD_ONCE(ap_quit))
		cpu_relax();
	r.s = ap_seed ^ 0xa5a5a5a55a5a5a5aULL;
	hv_vp_synic_enable(&ap_vp);
	for (i = 0; i < AP_MAX_ITERS && !RD_ONCE(ap_quit); i++) {
		uint64_t next = hv_now_ms() + AP_PACE_MS;
		unsigned int spins = 0;

		ap_iteration(&r);
		__atomic_add_fetch(&st.ap_iters, 1, __ATOMIC_RELAXED);
		/* The clock is a VM exit too: look at it every 256 spins only. */
		while (!RD_ONCE(ap_quit) && (++spins % 256 || hv_now_ms() < next))
			cpu_relax();
	}
	/* Leave the SynIC on: the server may still target this VP. */
	WR_ONCE(ap_done, 1);
	for (;;)
		__asm__ volatile("cli; hlt");
}

bool ap_start(void)
{
	smp_start_ap(ap_main, ap_stack + sizeof(ap_stack));
	return spin_wait(flag_set, (void *)&ap_alive, 3000);
}

void ap_go(uint64_t seed)
{
	ap_seed = seed;
	WR_ONCE(ap_run, 1);
}

void ap_stop(void)
{
	WR_ONCE(ap_quit, 1);
	spin_wait(flag_set, (void *)&ap_done, 5000);
}

static void ap_iteration(struct rng *r)
{
	uint32_t relid = shutdown_ic.found ? shutdown_ic.relid : 1;
	uint32_t k = rng_below(r, 100);
	uint8_t junk[240];
	unsigned int i;

	if (k < 30) {
		uint32_t len = rng_below(r, 241);

		for (i = 0; i < sizeof(junk); i++)
			junk[i] = (uint8_t)rng_next(r);
		if (len >= 4) /* mostly real message types, so the decoder accepts some */
			*(uint32_t *)junk = rng_below(r, 4) ? rng_below(r, CHANNELMSG_COUNT + 2)
							    : (uint32_t)rng_next(r);
		/* Not INITIATE/UNLOAD from here: those have their own, rarer, slot. */
		if (len >= 4 && (*(uint32_t *)junk == CHANNELMSG_INITIATE_CONTACT ||
				 *(uint32_t *)junk == CHANNELMSG_UNLOAD))
			*(uint32_t *)junk = CHANNELMSG_CLOSECHANNEL;
		hv_post(&ap_vp, rng_below(r, 2) ? 1 : 4, junk, len);
	} else if (k < 40) {
		post_relid(&ap_vp, CHANNELMSG_CLOSECHANNEL, relid);
	} else if (k < 47) {
		post_open(&ap_vp, relid, GPADL_HANDLE_BASE + rng_below(r, 64), rng_below(r, 3),
			  rng_below(r, 6));
	} else if (k < 54) {
		post_teardown(&ap_vp, relid, GPADL_HANDLE_BASE + rng_below(r, 64));
	} else if (k < 60) {
		post_modify(&ap_vp, relid, rng_below(r, 3));
	} else if (k < 74) {
		uint32_t c = rng_below(r, 3) ? shutdown_ic.conn_id : rng_below(r, 0x40);

		hv_signal(c);
		__atomic_add_fetch(&st.ap_signals, 1, __ATOMIC_RELAXED);
	} else if (k < 86) {
		if (slot_busy(&ap_vp))
			slot_take(&ap_vp, NULL, NULL);
	} else if (k < 90) {
		wrmsr(HV_MSR_EOM, 0);
	} else if (k < 91) {
		/* Pull the server's messages to this VP; the BSP must recover. */
		post_initiate(&ap_vp, VERSION_WIN10_V5_3, 1, 2);
	} else if (k < 95) {
		post_relid(&ap_vp, CHANNELMSG_RELID_RELEASED, rng_below(r, 8));
	} else {
		post_hdr(&ap_vp, CHANNELMSG_REQUESTOFFERS);
	}
}
