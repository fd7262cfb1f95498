/* SPDX-License-Identifier: MIT */
/*
 * The platform description the ACPI unit tests build tables from
 * (test_acpi, test_acpi_loader): one place, so both test the same tables.
 */
#ifndef HVMM_ACPI_TEST_CFG_H
#define HVMM_ACPI_TEST_CFG_H

#include <string.h>

#include "acpi/acpi.h"
#include "layout.h"

static inline void acpi_test_cfg(struct acpi_config *c, unsigned int ncpus)
{
	memset(c, 0, sizeof(*c));
	c->ncpus = ncpus;
	c->ioapic_addr = IOAPIC_BASE;
	c->lapic_addr = LAPIC_BASE;
	c->sci_irq = 9;
	c->pm1a_evt_port = 0x600;
	c->pm1a_cnt_port = 0x604;
	c->reset_port = 0xcf9;
	c->reset_value = 0x06;
	c->s5_slp_typ = 5;
	c->com1_port = 0x3f8;
	c->com1_irq = 4;
}

#endif
