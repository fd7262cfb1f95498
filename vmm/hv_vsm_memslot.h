/* SPDX-License-Identifier: MIT */
/*
 * The KVM side of VTL0 memory protections (hv_vsm_mem_ops.protect):
 * guest RAM's memslots (kvm.c: slot 0 below the MMIO hole, slot 1 above
 * 4 GiB) are split into segments of one kind each:
 *   RW    an ordinary slot (mask R|W|X)
 *   RO    a KVM_MEM_READONLY slot (mask R|X): writes exit as MMIO
 *   HOLE  no slot at all (mask 0): every access exits as MMIO
 * Adjacent segments of the same kind are merged, so lifting a protection
 * gives the slots back. Slot numbers come from a bounded pool above the
 * ROM slots (memslot.h) and below KVM_CAP_NR_MEMSLOTS; when it is empty a
 * protection fails with -ENOSPC and nothing changes.
 *
 * KVM cannot resize or re-flag a slot in place (virt/kvm/kvm_main.c,
 * __kvm_set_memory_region: READONLY changes are -EINVAL, a move of a
 * slot must keep its size), so a change deletes the segments it touches
 * and creates their replacements. In between that RAM is not mapped: a
 * vCPU fetching instructions there would fault, so every vCPU is kept out
 * of guest mode meanwhile (ops.pause: vcpu_pause_all). A data access that
 * still meets an unmapped RAM page (a KVM_RUN that only completes an
 * exit) is done on guest RAM by vcpu.c unless the page is protected.
 */
#ifndef HVMM_HV_VSM_MEMSLOT_H
#define HVMM_HV_VSM_MEMSLOT_H

#include <stdint.h>

#include "guest_mem.h"
#include "hv_vsm.h"

/* Seam to KVM_SET_USER_MEMORY_REGION (size 0 deletes `slot`). 0 or -errno. */
struct hv_vsm_slots_ops {
	int (*set)(void *opaque, uint32_t slot, bool readonly, uint64_t gpa, uint64_t size,
		   void *host);
	/* Optional: keep vCPUs out of guest mode (on) around a change, then let them go. */
	void (*pause)(void *opaque, bool on);
	void *opaque;
};

/* Slot pool bounds: above the ROM slots, at most this many. */
#define HV_VSM_SLOTS_FIRST 32
#define HV_VSM_SLOTS_MAX 1024

struct hv_vsm_slots;

/*
 * Model the RAM slots of `m` (slot 0 at GPA 0, slot 1 at `high_base` if
 * there is high RAM) with `nr_free` spare slots from `first_free`.
 */
struct hv_vsm_slots *hv_vsm_slots_create(const struct guest_mem *m, uint64_t high_base,
					 uint32_t first_free, uint32_t nr_free,
					 const struct hv_vsm_slots_ops *ops);
void hv_vsm_slots_free(struct hv_vsm_slots *s);

/*
 * hv_vsm_mem_ops.protect: give [gfn, gfn + n) the kind of `mask`
 * (HV_VSM_PROT_*: 7 RW, 5 RO, 0 HOLE). 0, -EINVAL (other mask, range not
 * inside one RAM region), -ENOSPC (slot pool or segment table full),
 * or the error of a KVM call (then the previous layout is restored as
 * far as KVM allows).
 */
int hv_vsm_slots_protect(void *slots, uint64_t gfn, uint64_t n, unsigned int mask);

/* Segments (and slots in use) now, for tests and `ctl status`. */
unsigned int hv_vsm_slots_segments(struct hv_vsm_slots *s, unsigned int *slots_used);

struct vm;
/*
 * --vsm on: set up vsm->prot (hv_vsm_mem_init) and vsm->mem_ops on the
 * VM's RAM slots, with KVM_CAP_NR_MEMSLOTS and KVM_CAP_READONLY_MEM
 * checked. Call after kvm_vm_create and hv_vsm_init, before vCPUs run.
 */
int hv_vsm_mem_kvm_init(struct hv_vsm *vsm, struct vm *vm);
void hv_vsm_mem_kvm_destroy(struct hv_vsm *vsm);

#endif
