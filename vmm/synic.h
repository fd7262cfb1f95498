/* SPDX-License-Identifier: MIT */
/*
 * Delivering SynIC messages and event flags to a VP, from any thread.
 *
 * Messages follow the TLFS slot protocol (QEMU's hw/hyperv state machine
 * is the model): a message goes into SIMP slot `sint` only when the slot
 * is free (message_type == 0); the type is written last, after a release
 * barrier, because the guest's ISR inspects the slot on every SINT. If
 * the slot is busy the message-pending flag is set so the guest writes
 * EOM when it frees the slot; KVM then signals the VP's ack eventfd and
 * the poster retries. A VP whose SynIC or message page is not enabled
 * gets nothing: the caller keeps the message queued.
 */
#ifndef HVMM_SYNIC_H
#define HVMM_SYNIC_H

#include <stdbool.h>
#include <stdint.h>

#include "hyperv.h"

/*
 * Post one message. Returns 0 (delivered and SINT raised), -EAGAIN (slot
 * busy: pending flag set, retry after the VP's ack eventfd fires),
 * -ENXIO (SynIC or SIMP disabled on that VP: retry when it is enabled),
 * -EINVAL (bad VP, SINT or size), -EFAULT (SIMP outside RAM).
 */
int synic_post_msg(struct hyperv *hv, uint32_t vp, uint32_t sint, uint32_t type,
		   const void *payload, uint32_t len);

/*
 * Set event flag `flag` in SIEFP slot `sint` of `vp` and raise the SINT
 * if the flag was clear. Returns 0, -ENXIO (event page disabled),
 * -EINVAL, -EFAULT.
 */
int synic_set_event(struct hyperv *hv, uint32_t vp, uint32_t sint, uint32_t flag);

/* True once `vp` has SCONTROL, SIMP and SIEFP enabled. */
bool synic_vp_ready(struct hyperv *hv, uint32_t vp);

/* Raise the VP's VMBus SINT without touching any page. */
int synic_raise(struct hyperv *hv, uint32_t vp);

#endif
