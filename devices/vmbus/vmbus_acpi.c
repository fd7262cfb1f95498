// SPDX-License-Identifier: MIT
/*
 * The ACPI node that makes Linux load hv_vmbus: _HID "VMBus" with a _CRS
 * (vmbus_acpi_add() fails without one). On x86 the VMBus interrupt is
 * SINT2 on vector 0xf3, so the IRQ in _CRS is only a placeholder, as in
 * Hyper-V and QEMU.
 */
#include "acpi/aml.h"
#include "vmbus/vmbus.h"

#define VMBUS_ACPI_IRQ 7

void vmbus_acpi_emit(struct aml *a, void *opaque)
{
	(void)opaque;
	aml_device_begin(a, "VMBS");
	aml_name_string(a, "_HID", "VMBus");
	aml_name_integer(a, "_UID", 0);
	aml_name_string(a, "_DDN", "VMBUS");
	aml_name(a, "_CRS");
	aml_restemplate_begin(a);
	aml_res_irq_noflags(a, VMBUS_ACPI_IRQ);
	aml_restemplate_end(a);
	aml_method_begin(a, "_STA", 0, false);
	aml_return_integer(a, 0x0f);
	aml_method_end(a);
	aml_device_end(a);
}
