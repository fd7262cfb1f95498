// SPDX-License-Identifier: MIT
#include "synic.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "guest_mem.h"
#include "util.h"
#include "vm.h"

#define HV_SYNIC_ENABLE 1ULL
#define HV_PAGE_MASK (~0xfffULL)
#define HV_MESSAGE_SIZE 256
#define HV_EVENT_FLAGS_BYTES 256
#define HV_MESSAGE_FLAG_PENDING 0x1

/* struct hv_message header as the guest sees it in a SIMP slot (TLFS). */
struct hv_message_header {
	uint32_t message_type;
	uint8_t payload_size;
	uint8_t message_flags;
	uint8_t reserved[2];
	uint64_t sender;
} __attribute__((packed));

_Static_assert(sizeof(struct hv_message_header) == 16, "hv_message_header");

static bool synic_enabled(struct hyperv *hv, uint32_t vp, uint64_t *page_reg, uint64_t *out)
{
	uint64_t ctl = __atomic_load_n(&hv->vp[vp].scontrol, __ATOMIC_ACQUIRE);
	uint64_t reg = __atomic_load_n(page_reg, __ATOMIC_ACQUIRE);

	*out = reg & HV_PAGE_MASK;
	return (ctl & HV_SYNIC_ENABLE) && (reg & HV_SYNIC_ENABLE);
}

bool synic_vp_ready(struct hyperv *hv, uint32_t vp)
{
	uint64_t gpa;

	return vp < hv->vm->ncpus && synic_enabled(hv, vp, &hv->vp[vp].simp, &gpa) &&
	       synic_enabled(hv, vp, &hv->vp[vp].siefp, &gpa);
}

int synic_raise(struct hyperv *hv, uint32_t vp)
{
	uint64_t one = 1;

	if (vp >= hv->vm->ncpus || hv->vp[vp].sint_efd < 0)
		return -EINVAL;
	if (write(hv->vp[vp].sint_efd, &one, sizeof(one)) != sizeof(one))
		return -errno;
	return 0;
}

int synic_post_msg(struct hyperv *hv, uint32_t vp, uint32_t sint, uint32_t type,
		   const void *payload, uint32_t len)
{
	struct hv_message_header *h;
	uint8_t *slot, *flags_byte;
	uint32_t *type_word;
	uint64_t gpa;

	if (vp >= hv->vm->ncpus || sint >= HV_SYNIC_SINT_COUNT || !type ||
	    len > HV_MESSAGE_PAYLOAD_MAX)
		return -EINVAL;
	if (!synic_enabled(hv, vp, &hv->vp[vp].simp, &gpa))
		return -ENXIO;
	slot = gmem_ptr(&hv->vm->mem, gpa + sint * HV_MESSAGE_SIZE, HV_MESSAGE_SIZE);
	if (!slot)
		return -EFAULT;
	h = (struct hv_message_header *)slot;
	/* Slots are 256-byte aligned: the type word is naturally aligned. */
	type_word = (uint32_t *)(slot + offsetof(struct hv_message_header, message_type));
	flags_byte = slot + offsetof(struct hv_message_header, message_flags);
	if (__atomic_load_n(type_word, __ATOMIC_ACQUIRE) != 0) {
		/*
		 * Busy: ask for an EOM. The guest may free the slot between
		 * our check and the flag; re-check so that case is not lost.
		 */
		__atomic_fetch_or(flags_byte, HV_MESSAGE_FLAG_PENDING, __ATOMIC_ACQ_REL);
		if (__atomic_load_n(type_word, __ATOMIC_ACQUIRE) != 0)
			return -EAGAIN;
	}
	memcpy(slot + sizeof(*h), payload, len);
	h->payload_size = (uint8_t)len;
	/*
	 * The guest may still be reading the flags of the message it just
	 * freed (Linux vmbus_signal_eom checks msg_pending after clearing the
	 * type): an atomic store, like the fetch_or above.
	 */
	__atomic_store_n(flags_byte, 0, __ATOMIC_RELAXED);
	h->sender = 0;
	__atomic_store_n(type_word, type, __ATOMIC_RELEASE);
	return synic_raise(hv, vp);
}

int synic_set_event(struct hyperv *hv, uint32_t vp, uint32_t sint, uint32_t flag)
{
	uint8_t *flags, bit, old;
	uint64_t gpa;

	if (vp >= hv->vm->ncpus || sint >= HV_SYNIC_SINT_COUNT ||
	    flag >= HV_EVENT_FLAGS_BYTES * 8)
		return -EINVAL;
	if (!synic_enabled(hv, vp, &hv->vp[vp].siefp, &gpa))
		return -ENXIO;
	flags = gmem_ptr(&hv->vm->mem, gpa + sint * HV_EVENT_FLAGS_BYTES, HV_EVENT_FLAGS_BYTES);
	if (!flags)
		return -EFAULT;
	bit = (uint8_t)(1U << (flag % 8));
	old = __atomic_fetch_or(&flags[flag / 8], bit, __ATOMIC_SEQ_CST);
	/* Already pending: the guest has not scanned yet and will see it. */
	if (old & bit)
		return 0;
	return synic_raise(hv, vp);
}
