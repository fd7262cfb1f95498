/* SPDX-License-Identifier: MIT */
/*
 * The VMBus server: the host side of the VMBus control protocol (version
 * negotiation, offers, GPADLs, open/close, unload) and the channels that
 * VMBus devices use, each device in a thread of its own.
 */
#ifndef HVMM_VMBUS_H
#define HVMM_VMBUS_H

struct aml;

/* DSDT hook (acpi_dsdt_hook) emitting the VMBus ACPI device. */
void vmbus_acpi_emit(struct aml *a, void *opaque);

#endif
