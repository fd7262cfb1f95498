// SPDX-License-Identifier: MIT
/*
 * Hyper-V plumbing: guest OS id, hypercall page, SynIC pages, the SINT2
 * message slot, HvPostMessage and HvSignalEvent.
 *
 * Order and values follow Linux: hyperv_init() (arch/x86/hyperv/hv_init.c)
 * writes the guest OS id, then the hypercall page MSR; hv_synic_enable_regs()
 * (drivers/hv/hv.c) writes SIMP, SIEFP, the SINT, then SCONTROL;
 * vmbus_signal_eom() (drivers/hv/hyperv_vmbus.h) frees a slot by zeroing its
 * type and writes the EOM MSR only when the host flagged a pending message.
 * KVM fills the hypercall page (kvm_hv_set_msr_pw(), arch/x86/kvm/hyperv.c)
 * with vmcall/vmmcall; ret, and handles HvSignalEvent to registered
 * connection ids in the kernel (kvm_hvcall_signal_event()), passing other
 * ids and every HvPostMessage to hvmm.
 */
#include "hostile.h"

#define VMBUS_SINT 2
#define SINT_VECTOR 0x40 /* never delivered: IF stays 0, slots are polled */
/* Linux's HV_LINUX_VENDOR_ID (0x8100) in bits 63:48; any non-zero id works. */
#define GUEST_OS_ID (0x8100ULL << 48 | 0x060100)

static uint8_t hcall_page[PAGE] ALIGNED_PAGE;
static volatile uint64_t ref_base;

bool hv_detect(void)
{
	uint32_t a, b, c, d;

	cpuid(0x40000000, &a, &b, &c, &d);
	/* "Microsoft Hv" */
	return b == 0x7263694d && c == 0x666f736f && d == 0x76482074;
}

void hv_partition_init(void)
{
	wrmsr(HV_MSR_GUEST_OS_ID, GUEST_OS_ID);
	wrmsr(HV_MSR_HYPERCALL, (uint64_t)(uintptr_t)hcall_page | 1);
	ref_base = rdmsr(HV_MSR_TIME_REF_COUNT);
}

void hv_synic_enable(struct vp *vp)
{
	wrmsr(HV_MSR_SIMP, (uint64_t)(uintptr_t)vp->simp | 1);
	wrmsr(HV_MSR_SIEFP, (uint64_t)(uintptr_t)vp->siefp | 1);
	wrmsr(HV_MSR_SINT0 + VMBUS_SINT, SINT_VECTOR);
	wrmsr(HV_MSR_SCONTROL, 1);
}

/*
 * Milliseconds since hv_partition_init(), from the partition reference
 * counter. Every wait loop reads it only once per 512 spins or more, each
 * read a VM exit of at least ~10 us even natively, so 200 reads take more
 * than a millisecond anywhere: counting reads gives a second clock that
 * runs slower than real time but cannot stop. Taking the larger of the
 * two keeps every wait bounded even if the reference counter stalled.
 */
#define READS_PER_MS 200
static uint64_t clock_reads;

uint64_t hv_now_ms(void)
{
	uint64_t real = (rdmsr(HV_MSR_TIME_REF_COUNT) - ref_base) / 10000;
	uint64_t spun = __atomic_add_fetch(&clock_reads, 1, __ATOMIC_RELAXED) / READS_PER_MS;

	return real > spun ? real : spun;
}

bool spin_wait(bool (*done)(void *arg), void *arg, uint32_t ms)
{
	uint64_t end = hv_now_ms() + ms;
	unsigned int spins = 0;

	while (!(done && done(arg))) {
		/* The clock is a VM exit: look at it only every 512 spins. */
		if (++spins % 512 == 0 && hv_now_ms() >= end)
			return done && done(arg);
		cpu_relax();
	}
	return true;
}

void delay_ms(uint32_t ms)
{
	spin_wait(NULL, NULL, ms);
}

uint16_t hv_hcall(uint64_t control, uint64_t in_gpa, uint64_t out_gpa)
{
	/* As Linux hv_do_hypercall(): control in rcx, input rdx, output r8. */
	register uint64_t r8 __asm__("r8") = out_gpa;
	uint64_t status;

	__asm__ volatile("call *%[page]"
			 : "=a"(status), "+c"(control), "+d"(in_gpa), "+r"(r8)
			 : [page] "r"(hcall_page)
			 : "cc", "memory", "r9", "r10", "r11");
	return (uint16_t)status;
}

static void count_status(uint16_t s)
{
	__atomic_add_fetch(&st.status[s < HV_STATUS_NR ? s : HV_STATUS_NR - 1], 1,
			   __ATOMIC_RELAXED);
}

uint16_t hv_post(struct vp *vp, uint32_t conn, const void *msg, uint32_t len)
{
	uint16_t s;

	vp->in->conn_id = conn;
	vp->in->rsvd = 0;
	vp->in->msg_type = 1;
	vp->in->size = len;
	memcpy(vp->in->payload, msg, len > 240 ? 240 : len);
	s = hv_hcall(HVCALL_POST_MESSAGE, (uint64_t)(uintptr_t)vp->in, 0);
	__atomic_add_fetch(vp->id ? &st.ap_posts : &st.posts, 1, __ATOMIC_RELAXED);
	count_status(s);
	return s;
}

uint16_t hv_signal(uint64_t param)
{
	uint16_t s = hv_hcall(HVCALL_SIGNAL_EVENT | HV_HYPERCALL_FAST, param, 0);

	__atomic_add_fetch(&st.signals, 1, __ATOMIC_RELAXED);
	count_status(s);
	return s;
}

static struct hv_msg *slot(struct vp *vp)
{
	return &vp->simp[VMBUS_SINT];
}

/* Slots are 256-byte aligned: the type word is naturally aligned. */
static uint32_t *slot_type(struct hv_msg *m)
{
	return (uint32_t *)(void *)m;
}

void slot_free_no_eom(struct vp *vp)
{
	__atomic_store_n(slot_type(slot(vp)), 0, __ATOMIC_RELEASE);
	__atomic_add_fetch(&st.msgs_rx, 1, __ATOMIC_RELAXED);
}

bool slot_busy(struct vp *vp)
{
	return __atomic_load_n(slot_type(slot(vp)), __ATOMIC_ACQUIRE) != 0;
}

int slot_take(struct vp *vp, void *buf, uint32_t *len)
{
	struct hv_msg *m = slot(vp);
	uint32_t type = __atomic_load_n(slot_type(m), __ATOMIC_ACQUIRE), n;

	if (!type)
		return 0;
	n = m->size > 240 ? 240 : m->size;
	if (buf)
		memcpy(buf, m->payload, n);
	if (len)
		*len = n;
	type = n >= 4 ? *(uint32_t *)m->payload : 0;
	__atomic_store_n(slot_type(m), 0, __ATOMIC_RELEASE);
	MB();
	if (((volatile struct hv_msg *)m)->flags & 1) {
		wrmsr(HV_MSR_EOM, 0);
		__atomic_add_fetch(&st.eoms, 1, __ATOMIC_RELAXED);
	}
	__atomic_add_fetch(vp->id ? &st.ap_msgs : &st.msgs_rx, 1, __ATOMIC_RELAXED);
	return type ? (int)type : -1;
}

int vmbus_wait(struct vp *vp, uint32_t type, void *buf, uint32_t ms)
{
	uint8_t tmp[240];
	uint64_t end = hv_now_ms() + ms;
	unsigned int spins = 0;

	for (;;) {
		if (slot_busy(vp)) {
			int t = slot_take(vp, tmp, NULL);

			if (!type || (t > 0 && (uint32_t)t == type)) {
				if (buf)
					memcpy(buf, tmp, sizeof(tmp));
				return t;
			}
			continue;
		}
		/* Reading the clock is a VM exit: look at it only now and then. */
		if (++spins % 512 == 0 && hv_now_ms() >= end) {
			st.waits_timed_out++;
			return 0;
		}
		cpu_relax();
	}
}

unsigned int vmbus_drain(struct vp *vp, uint32_t quiet_ms, uint32_t max_ms)
{
	uint64_t end = hv_now_ms() + max_ms;
	unsigned int n = 0;

	while (hv_now_ms() < end) {
		if (!vmbus_wait(vp, 0, NULL, quiet_ms)) {
			st.waits_timed_out--; /* a quiet period is the goal here */
			break;
		}
		n++;
	}
	return n;
}
