// SPDX-License-Identifier: MIT
/*
 * The VM's GSI routing table without KVM: a recorder stands in for
 * KVM_SET_GSI_ROUTING and checks every committed table is whole (the
 * irqchip defaults, the SINT routes and the MSI routes together), since
 * KVM replaces the whole table on each call.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "irq_routing.h"
#include "unit.h"
#include "util.h"

static struct kvm_irq_routing_entry last[IRQ_ROUTES_MAX];
static unsigned int last_nr, commits;
static int fail_next;

static int rec_commit(struct irq_routing *r, const struct kvm_irq_routing *t)
{
	if (fail_next) {
		fail_next = 0;
		return -EINVAL;
	}
	commits++;
	last_nr = t->nr;
	memcpy(last, t->entries, t->nr * sizeof(t->entries[0]));
	return 0;
}

static const struct kvm_irq_routing_entry *find(uint32_t gsi, uint32_t type)
{
	for (unsigned int i = 0; i < last_nr; i++)
		if (last[i].gsi == gsi && last[i].type == type)
			return &last[i];
	return NULL;
}

static struct irq_routing *r;

static void setup(void)
{
	last_nr = commits = 0;
	fail_next = 0;
	r = irq_routing_create(-1, rec_commit);
	ck_assert_ptr_nonnull(r);
}

static void teardown(void)
{
	irq_routing_free(r);
}

START_TEST(defaults_and_sints)
{
	ck_assert_int_eq(irq_route_sint_add(r, IRQ_SINT_GSI_BASE, 0, 2), 0);
	ck_assert_int_eq(irq_route_sint_add(r, IRQ_SINT_GSI_BASE + 1, 1, 2), 0);
	ck_assert_uint_eq(commits, 0);
	ck_assert_int_eq(irq_routing_commit(r), 0);
	/* 16 PIC + 24 IOAPIC pins, as hyperv_setup_routes always stated them, + 2 SINTs. */
	ck_assert_uint_eq(last_nr, 42);
	ck_assert_uint_eq(find(9, KVM_IRQ_ROUTING_IRQCHIP)->u.irqchip.irqchip, KVM_IRQCHIP_PIC_SLAVE);
	ck_assert_uint_eq(find(23, KVM_IRQ_ROUTING_IRQCHIP)->u.irqchip.pin, 23);
	ck_assert_uint_eq(find(IRQ_SINT_GSI_BASE + 1, KVM_IRQ_ROUTING_HV_SINT)->u.hv_sint.vcpu, 1);
}
END_TEST

START_TEST(msi_slots)
{
	int efd, id, id2;
	const struct kvm_irq_routing_entry *e;

	id = irq_msi_alloc(r, &efd);
	ck_assert_int_eq(id, 0);
	ck_assert_int_ge(efd, 0);
	id2 = irq_msi_alloc(r, &efd);
	ck_assert_int_eq(id2, 1);
	/* Masked: nothing routed, nothing committed. */
	ck_assert_int_eq(irq_msi_set(r, 0, 0xfee00000, 0x41, true), 0);
	ck_assert_uint_eq(commits, 0);
	ck_assert_int_eq(irq_msi_set(r, 0, 0xfee00000, 0x41, false), 0);
	ck_assert_uint_eq(commits, 1);
	e = find(IRQ_MSI_GSI_BASE, KVM_IRQ_ROUTING_MSI);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->u.msi.data, 0x41);
	/* The same message again: no commit. A new one: updated in place. */
	ck_assert_int_eq(irq_msi_set(r, 0, 0xfee00000, 0x41, false), 0);
	ck_assert_uint_eq(commits, 1);
	ck_assert_int_eq(irq_msi_set(r, 0, 0x1fee01000ULL, 0x42, false), 0);
	ck_assert_uint_eq(commits, 2);
	e = find(IRQ_MSI_GSI_BASE, KVM_IRQ_ROUTING_MSI);
	ck_assert_uint_eq(e->u.msi.address_lo, 0xfee01000);
	ck_assert_uint_eq(e->u.msi.address_hi, 1);
	ck_assert_uint_eq(last_nr, 41);
	/* A SINT added later is committed together with the MSI route. */
	ck_assert_int_eq(irq_route_sint_add(r, IRQ_SINT_GSI_BASE, 0, 2), 0);
	ck_assert_int_eq(irq_msi_set(r, 1, 0xfee00000, 0x43, false), 0);
	ck_assert_uint_eq(last_nr, 43);
	ck_assert_ptr_nonnull(find(IRQ_SINT_GSI_BASE, KVM_IRQ_ROUTING_HV_SINT));
	ck_assert_ptr_nonnull(find(IRQ_MSI_GSI_BASE, KVM_IRQ_ROUTING_MSI));
	ck_assert_int_eq(irq_msi_set(r, 7, 0xfee00000, 0x43, false), -EINVAL);
}
END_TEST

/* KVM refusing a table leaves ours as KVM has it. */
START_TEST(failed_commit_rolls_back)
{
	int efd;

	ck_assert_int_eq(irq_msi_alloc(r, &efd), 0);
	fail_next = 1;
	ck_assert_int_eq(irq_msi_set(r, 0, 0xfee00000, 0x41, false), -EINVAL);
	ck_assert_uint_eq(r->nr, 40);
	ck_assert_int_eq(irq_msi_set(r, 0, 0xfee00000, 0x41, false), 0);
	fail_next = 1;
	ck_assert_int_eq(irq_msi_set(r, 0, 0xfee00000, 0x99, false), -EINVAL);
	ck_assert_uint_eq(r->table->entries[40].u.msi.data, 0x41);
	ck_assert_int_eq(irq_route_msi_update(r, IRQ_MSI_GSI_BASE + 5, 0, 0), -ENOENT);
	ck_assert_int_eq(irq_route_msi_update(r, IRQ_MSI_GSI_BASE, 0xfee00000, 0x50), 0);
	ck_assert_uint_eq(find(IRQ_MSI_GSI_BASE, KVM_IRQ_ROUTING_MSI)->u.msi.data, 0x50);
}
END_TEST

START_TEST(limits)
{
	int efd;

	for (int i = 0; i < IRQ_MSI_MAX; i++)
		ck_assert_int_eq(irq_msi_alloc(r, &efd), i);
	ck_assert_int_eq(irq_msi_alloc(r, &efd), -ENOSPC);
	ck_assert_int_eq(irq_route_msi_add(r, 0xfee00000, 1), -ENOSPC);
	for (int i = 0; i < IRQ_MSI_MAX; i++)
		ck_assert_int_eq(irq_msi_set(r, (unsigned int)i, 0xfee00000, (uint32_t)i, false), 0);
	for (int i = 0; i < VM_MAX_CPUS; i++)
		ck_assert_int_eq(irq_route_sint_add(r, IRQ_SINT_GSI_BASE + (uint32_t)i, (uint32_t)i, 2), 0);
	/* --vsm on: VTL1's intercept SINT0 on every VP as well. */
	for (int i = 0; i < VM_MAX_CPUS; i++)
		ck_assert_int_eq(irq_route_sint_add(r, IRQ_VSM_SINT_GSI_BASE + (uint32_t)i,
						    (uint32_t)i, 0), 0);
	ck_assert_int_eq(irq_route_sint_add(r, 1000, 0, 2), -ENOSPC);
	ck_assert_int_eq(irq_routing_commit(r), 0);
	ck_assert_uint_eq(last_nr, IRQ_ROUTES_MAX);
}
END_TEST

START_TEST(msi_add_direct)
{
	int gsi = irq_route_msi_add(r, 0xfee00000, 0x30);

	ck_assert_int_eq(gsi, IRQ_MSI_GSI_BASE);
	ck_assert_uint_eq(find((uint32_t)gsi, KVM_IRQ_ROUTING_MSI)->u.msi.data, 0x30);
}
END_TEST

static Suite *irq_suite(void)
{
	Suite *s = suite_create("irq_routing");
	TCase *tc = tcase_create("table");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, defaults_and_sints);
	tcase_add_test(tc, msi_slots);
	tcase_add_test(tc, failed_commit_rolls_back);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, msi_add_direct);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(irq_suite)
