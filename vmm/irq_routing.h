/* SPDX-License-Identifier: MIT */
/*
 * The VM's one GSI routing table. KVM_SET_GSI_ROUTING replaces the whole
 * table at once, so every user (the irqchip's default pins, Hyper-V's
 * SINT routes, MSI routes of PCI functions) adds its entries here and
 * the table is committed whole. Created with the in-kernel irqchip
 * (kvm_vm_create), it starts with KVM's default routes: GSI 0-15 to the
 * PIC pins and GSI 0-23 to the IOAPIC pins (as KVM's
 * kvm_setup_default_irq_routing, virt/kvm/irqchip.c + arch/x86/kvm/irq_comm.c).
 *
 * GSI numbers: 0-23 irqchip, IRQ_SINT_GSI_BASE + VP for Hyper-V SINTs,
 * IRQ_MSI_GSI_BASE + n for the n-th MSI slot, IRQ_VSM_SINT_GSI_BASE + VP
 * for VSM's SINT0.
 *
 * Threads: every call locks the table; device threads and vCPU threads
 * (MSI-X table writes) may call them at any time.
 */
#ifndef HVMM_IRQ_ROUTING_H
#define HVMM_IRQ_ROUTING_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"

#define IRQ_SINT_GSI_BASE 24
#define IRQ_MSI_GSI_BASE (IRQ_SINT_GSI_BASE + VM_MAX_CPUS)
#define IRQ_MSI_MAX 64
/* --vsm on: GSI IRQ_VSM_SINT_GSI_BASE + VP raises VTL1's intercept SINT (hv_vsm_kvm.c). */
#define IRQ_VSM_SINT_GSI_BASE (IRQ_MSI_GSI_BASE + IRQ_MSI_MAX)
#define IRQ_ROUTES_MAX (16 + 24 + VM_MAX_CPUS + IRQ_MSI_MAX + VM_MAX_CPUS)

struct irq_routing;
/* How the table reaches KVM: KVM_SET_GSI_ROUTING; tests replace it. 0 or -errno. */
typedef int (*irq_commit_fn)(struct irq_routing *r, const struct kvm_irq_routing *table);

struct irq_msi {
	uint32_t gsi;
	int efd;                 /* the irqfd: write 1 to deliver */
	bool routed;             /* an MSI route exists for gsi */
	uint64_t addr;
	uint32_t data;
};

struct irq_routing {
	pthread_mutex_t lock;
	int vm_fd;
	irq_commit_fn commit;
	unsigned int nr;
	struct kvm_irq_routing *table; /* IRQ_ROUTES_MAX entries */
	unsigned int nr_msi;
	struct irq_msi msi[IRQ_MSI_MAX];
	unsigned long commits;   /* KVM_SET_GSI_ROUTING calls (stats, tests) */
};

/*
 * A table with the default irqchip routes (not committed: KVM starts
 * with the same). commit NULL: KVM_SET_GSI_ROUTING on vm_fd. NULL on
 * allocation failure.
 */
struct irq_routing *irq_routing_create(int vm_fd, irq_commit_fn commit);
/* Free the table (after the vCPUs stopped). MSI eventfds stay open: their devices close them. */
void irq_routing_free(struct irq_routing *r);

/* Route gsi to SINT `sint` of VP `vcpu`; irq_routing_commit() applies. 0 or -ENOSPC. */
int irq_route_sint_add(struct irq_routing *r, uint32_t gsi, uint32_t vcpu, uint32_t sint);

/* Send the current table to KVM. 0 or -errno (logged). */
int irq_routing_commit(struct irq_routing *r);

/* Add an MSI route on a new GSI and commit. The GSI (>= 0) or -errno. */
int irq_route_msi_add(struct irq_routing *r, uint64_t addr, uint32_t data);
/* Change gsi's MSI message and commit. 0, -ENOENT (no such MSI route) or -errno. */
int irq_route_msi_update(struct irq_routing *r, uint32_t gsi, uint64_t addr, uint32_t data);

/*
 * KVM_IRQFD: writes to efd raise gsi; with resample_efd >= 0, KVM signals
 * it when the guest acknowledges (KVM_IRQFD_FLAG_RESAMPLE). 0 or -errno.
 */
int irq_irqfd_add(struct irq_routing *r, uint32_t gsi, int efd, int resample_efd);

/*
 * MSI slots for devices (device.h's dev_msi_alloc/dev_msi_set use
 * these): a slot has a GSI and an irqfd from the start and an MSI route
 * from its first unmasked message on. Alloc returns the slot id (>= 0)
 * and its eventfd, or -errno.
 */
int irq_msi_alloc(struct irq_routing *r, int *efd);
int irq_msi_set(struct irq_routing *r, unsigned int id, uint64_t addr, uint32_t data,
		bool masked);

#endif
