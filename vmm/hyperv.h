/* SPDX-License-Identifier: MIT */
/*
 * Hyper-V enlightenments on KVM: the "Microsoft Hv" CPUID leaves, SynIC
 * activation, KVM_EXIT_HYPERV handling (SynIC MSR writes and the
 * hypercalls KVM leaves to userspace), and the per-VP SINT routes through
 * which hvmm raises synthetic interrupts.
 *
 * Threading: the SynIC page addresses of a VP are written by that VP's
 * vCPU thread (on its SYNIC exits) and read by any thread, so they are
 * accessed atomically. Message and event delivery live in synic.h.
 */
#ifndef HVMM_HYPERV_H
#define HVMM_HYPERV_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "hv_hcall.h"
#include "hv_isol.h"

struct vm;

struct vcpu;
struct hv_vsm;

#define HYPERV_VTLS 2 /* = HV_NUM_VTLS (hv_vsm.h) */

/* Hyper-V hypercall status codes (TLFS). */
#define HV_STATUS_SUCCESS 0x0
#define HV_STATUS_INVALID_HYPERCALL_CODE 0x2
#define HV_STATUS_INVALID_HYPERCALL_INPUT 0x3
#define HV_STATUS_INVALID_ALIGNMENT 0x4
#define HV_STATUS_INVALID_PARAMETER 0x5
#define HV_STATUS_INSUFFICIENT_MEMORY 0xb
#define HV_STATUS_INVALID_PORT_ID 0x11
#define HV_STATUS_INVALID_CONNECTION_ID 0x12
#define HV_STATUS_INSUFFICIENT_BUFFERS 0x13

#define HVCALL_POST_MESSAGE 0x005c
#define HVCALL_SIGNAL_EVENT 0x005d

#define HV_MESSAGE_PAYLOAD_MAX 240
#define HV_SYNIC_SINT_COUNT 16
#define HV_VMBUS_SINT 2

#define HV_MSG_HANDLERS_MAX 8

/*
 * Called on a vCPU thread for HvPostMessage to `conn_id`. `msg` is a
 * private copy, `len` <= 240. Returns a Hyper-V status; handlers must not
 * block (hand work to a device thread).
 */
typedef uint16_t (*hv_msg_handler_fn)(void *opaque, uint32_t vp, uint32_t msg_type,
				      const void *msg, uint32_t len);

struct hv_vp {
	uint64_t scontrol;  /* atomics: last values the guest wrote */
	uint64_t simp;
	uint64_t siefp;
	int sint_gsi;       /* GSI routed to SINT2 of this VP */
	int sint_efd;       /* write 1: raise SINT2 */
	int ack_efd;        /* readable after the guest's EOM / EOI of SINT2 */
};

/*
 * The one KVM call the VMBus server makes besides SynIC delivery, behind a
 * seam so unit tests and fuzzers run the real server, channels and devices
 * without /dev/kvm (see hyperv_init_stub). NULL in production.
 */
struct hyperv_kvm_ops {
	/* As KVM_HYPERV_EVENTFD: HvSignalEvent(conn_id) now writes fd; fd < 0 unmaps. */
	int (*set_event_fd)(void *opaque, uint32_t conn_id, int fd);
	void *opaque;
};

struct hyperv {
	struct vm *vm;
	const struct hyperv_kvm_ops *kops; /* NULL: the real ioctls */
	struct kvm_cpuid2 *hv_cpuid;   /* KVM_GET_SUPPORTED_HV_CPUID */
	struct hv_vp vp[VM_MAX_CPUS];
	unsigned int nr_handlers;
	struct {
		uint32_t conn_id;
		hv_msg_handler_fn fn;
		void *opaque;
	} handlers[HV_MSG_HANDLERS_MAX];
	/* Bumped by every vCPU thread: __atomic only (read with __atomic_load_n). */
	uint64_t hypercalls;           /* userspace hypercall exits */
	uint64_t synic_exits;

	/*
	 * The owned hypercall page (hv_hcall_kvm.c). `hcalls` is filled
	 * before vCPUs run (hv_hcall_register; the VSM adds its calls with
	 * hv_vsm_register_hcalls(vsm, &hv->hcalls)) and read-only after.
	 */
	enum isolation_mode isolation;
	bool page_owned;               /* the MSR filter is in place */
	bool page_amd;                 /* vmmcall, else vmcall */
	struct hv_hcall_table hcalls;
	struct hv_hcall_mem gmem;      /* vm->mem for the dispatcher */
	struct hv_vsm *vsm;            /* NULL without --vsm */
	uint8_t (*active_vtl)(struct hv_vsm *vsm, uint32_t vp);
	uint64_t hcall_msr[HYPERV_VTLS]; /* atomics: HV_X64_MSR_HYPERCALL per VTL */
	uint64_t msr_exits;            /* atomics, like the counters below */
	uint64_t trapped[HV_HCALL_TRAP_CODES]; /* trapped calls per code */
	struct hv_isol isol;           /* --isolation vbs: 0xDB record */
};

/* Check capabilities and fetch KVM's Hyper-V CPUID. 0 or -errno (logged). */
int hyperv_init(struct vm *vm, struct hyperv *hv);
void hyperv_destroy(struct hyperv *hv);

/*
 * Tests and fuzzers: a Hyper-V state without KVM. SynIC delivery
 * (synic.h) works as in production on vm->mem with the SCONTROL/SIMP/SIEFP
 * values the caller stores in hv->vp[]; each VP of vm->ncpus gets a real
 * SINT eventfd (synic_raise writes it) and ack eventfd (write it to
 * play the guest's EOM); event-fd mappings go to `ops`. 0 or -errno.
 */
int hyperv_init_stub(struct vm *vm, struct hyperv *hv, const struct hyperv_kvm_ops *ops);

/*
 * Replace every hypervisor leaf (0x40000000-0x4fffffff) of `c` with the
 * Hyper-V leaves. Returns a new malloc'ed table (and frees `c`), or NULL.
 */
struct kvm_cpuid2 *hyperv_cpuid(struct hyperv *hv, struct kvm_cpuid2 *c);

/* Per vCPU, after KVM_SET_CPUID2: activate SynIC (KVM_CAP_HYPERV_SYNIC2). */
int hyperv_vcpu_init(struct hyperv *hv, struct vcpu *vcpu);

/* After all vCPUs exist: GSI routes and irqfds for SINT2 of every VP. */
int hyperv_setup_routes(struct hyperv *hv);

/* Route HvPostMessage(conn_id) to `fn`. -ENOSPC / -EBUSY. Before vCPUs run. */
int hyperv_set_msg_handler(struct hyperv *hv, uint32_t conn_id, hv_msg_handler_fn fn,
			   void *opaque);

/*
 * Make HvSignalEvent(conn_id) signal `fd` inside KVM (no exit), or with
 * fd < 0 remove the mapping. Returns 0 or -errno.
 */
int hyperv_set_event_fd(struct hyperv *hv, uint32_t conn_id, int fd);

/* The vCPU exit handler for KVM_EXIT_HYPERV. */
int hyperv_handle_exit(struct vcpu *vcpu);

/*
 * Own HV_X64_MSR_HYPERCALL (KVM_CAP_X86_USER_SPACE_MSR + an MSR filter)
 * and handle its RDMSR/WRMSR exits. Called by hyperv_init. 0 or -errno.
 */
int hyperv_hcall_init(struct hyperv *hv);

/* hv_vsm hands its VTL lookup here (hv_vsm_active_vtl); before vCPUs run. */
void hyperv_set_vsm(struct hyperv *hv, struct hv_vsm *vsm,
		    uint8_t (*active_vtl)(struct hv_vsm *vsm, uint32_t vp));

/* Is `port` one of the page's trap ports (hv_hcall_page.h)? */
bool hyperv_is_trap_port(uint16_t port);

/*
 * A KVM_EXIT_IO on a trap port: run the hypercall if it came from the
 * page (CPL0, 64-bit, page enabled). 0 handled, -ENOENT not a hypercall
 * (treat as an unclaimed port), other -errno fatal.
 */
int hyperv_hcall_trap(struct vcpu *vcpu);

/* `ctl status` lines: page owner, trapped calls per code, isolation. */
void hyperv_hcall_report(struct hyperv *hv, FILE *out);

#endif
