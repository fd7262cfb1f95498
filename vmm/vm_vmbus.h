/* SPDX-License-Identifier: MIT */
/*
 * The VMBus devices of a VM with Hyper-V enlightenments: the server and
 * its integration components, shutdown first, then heartbeat, time sync
 * and KVP, each in its own thread.
 */
#ifndef HVMM_VM_VMBUS_H
#define HVMM_VM_VMBUS_H

#include <stdbool.h>
#include <stdio.h>

struct vm;

/* After hyperv_setup_routes(): create and start everything. 0 or -errno. */
int vm_vmbus_start(struct vm *vm);
void vm_vmbus_stop(struct vm *vm);

/*
 * Ask the guest to power off or reboot through the shutdown IC; queued
 * until the guest has negotiated it. -ENODEV without VMBus, -EBUSY if a
 * request is already pending. `source` ("ctl", "signal") names the asker
 * in the shutdown_request event.
 */
int vm_guest_shutdown(struct vm *vm, bool reboot, bool force, const char *source);

/*
 * Hot-remove (present = false) or re-add a device by name ("kvp"): the
 * offer is rescinded or made again (vmbus_set_present). -ENODEV without
 * VMBus, -ENOENT for an unknown name, else as vmbus_set_present.
 */
int vm_vmbus_set_device(struct vm *vm, const char *name, bool present);

/* Human-readable VMBus and device state, one line per item. */
void vm_vmbus_report(struct vm *vm, FILE *f);

#endif
