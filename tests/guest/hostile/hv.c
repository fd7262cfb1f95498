// SPDX-License-Identifier: MIT
/*
 * The hostile guest's Hyper-V plumbing on top of lib/hv.c: its hypercall
 * page, SynIC on SINT2, the SINT2 message slot, HvPostMessage and
 * HvSignalEvent.
 *
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

static uint8_t hcall_page[PAGE] ALIGNED_PAGE;

void hv_partition_init(void)
{
	hv_hypercall_enable(hcall_page);
	hv_clock_start();
}

void hv_vp_synic_enable(struct vp *vp)
{
	hv_synic_enable(vp->simp, vp->siefp, VMBUS_SINT, SINT_VECTOR);
}

uint16_t hv_hcall(uint64_t control, uint64_t in_gpa, uint64_t out_gpa)
{
	return HV_RESULT_STATUS(hv_hypercall(hcall_page, control, in_gpa, out_gpa));
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
