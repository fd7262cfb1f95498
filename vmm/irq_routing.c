// SPDX-License-Identifier: MIT
/* The VM's GSI routing table (contract in irq_routing.h). */
#include "irq_routing.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util.h"

static int kvm_commit(struct irq_routing *r, const struct kvm_irq_routing *table)
{
	if (ioctl(r->vm_fd, KVM_SET_GSI_ROUTING, table) < 0)
		return -errno;
	return 0;
}

static struct kvm_irq_routing_entry *route_new(struct irq_routing *r)
{
	struct kvm_irq_routing_entry *e;

	if (r->nr == IRQ_ROUTES_MAX)
		return NULL;
	e = &r->table->entries[r->nr++];
	memset(e, 0, sizeof(*e));
	return e;
}

static void route_irqchip(struct irq_routing *r, uint32_t gsi, uint32_t chip, uint32_t pin)
{
	struct kvm_irq_routing_entry *e = route_new(r);

	e->gsi = gsi;
	e->type = KVM_IRQ_ROUTING_IRQCHIP;
	e->u.irqchip.irqchip = chip;
	e->u.irqchip.pin = pin;
}

struct irq_routing *irq_routing_create(int vm_fd, irq_commit_fn commit)
{
	struct irq_routing *r = calloc(1, sizeof(*r));
	uint32_t i;

	if (!r)
		return NULL;
	r->table = calloc(1, sizeof(*r->table) + IRQ_ROUTES_MAX * sizeof(r->table->entries[0]));
	if (!r->table) {
		free(r);
		return NULL;
	}
	pthread_mutex_init(&r->lock, NULL);
	r->vm_fd = vm_fd;
	r->commit = commit ? commit : kvm_commit;
	/* KVM's defaults: ISA IRQs on the PIC and the IOAPIC, 16-23 on the IOAPIC. */
	for (i = 0; i < 24; i++) {
		if (i < 16)
			route_irqchip(r, i, i < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE,
				      i % 8);
		route_irqchip(r, i, KVM_IRQCHIP_IOAPIC, i);
	}
	return r;
}

void irq_routing_free(struct irq_routing *r)
{
	/* MSI eventfds are the devices' (device.h): their exit may come later. */
	if (!r)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r->table);
	free(r);
}

int irq_route_sint_add(struct irq_routing *r, uint32_t gsi, uint32_t vcpu, uint32_t sint)
{
	struct kvm_irq_routing_entry *e;
	int ret = 0;

	pthread_mutex_lock(&r->lock);
	e = route_new(r);
	if (e) {
		e->gsi = gsi;
		e->type = KVM_IRQ_ROUTING_HV_SINT;
		e->u.hv_sint.vcpu = vcpu;
		e->u.hv_sint.sint = sint;
	} else {
		ret = -ENOSPC;
	}
	pthread_mutex_unlock(&r->lock);
	return ret;
}

static int commit_locked(struct irq_routing *r)
{
	int ret;

	r->table->nr = r->nr;
	ret = r->commit(r, r->table);
	r->commits++;
	if (ret)
		pr_err("KVM_SET_GSI_ROUTING (%u routes): %s", r->nr, strerror(-ret));
	return ret;
}

int irq_routing_commit(struct irq_routing *r)
{
	int ret;

	pthread_mutex_lock(&r->lock);
	ret = commit_locked(r);
	pthread_mutex_unlock(&r->lock);
	return ret;
}

static void msi_fill(struct kvm_irq_routing_entry *e, uint32_t gsi, uint64_t addr, uint32_t data)
{
	e->gsi = gsi;
	e->type = KVM_IRQ_ROUTING_MSI;
	e->u.msi.address_lo = (uint32_t)addr;
	e->u.msi.address_hi = (uint32_t)(addr >> 32);
	e->u.msi.data = data;
}

static struct kvm_irq_routing_entry *msi_find(struct irq_routing *r, uint32_t gsi)
{
	unsigned int i;

	for (i = 0; i < r->nr; i++)
		if (r->table->entries[i].gsi == gsi &&
		    r->table->entries[i].type == KVM_IRQ_ROUTING_MSI)
			return &r->table->entries[i];
	return NULL;
}

static int msi_route_locked(struct irq_routing *r, uint32_t gsi, uint64_t addr, uint32_t data)
{
	struct kvm_irq_routing_entry *e = msi_find(r, gsi);
	struct kvm_irq_routing_entry old;
	bool added = false;
	int ret;

	if (!e) {
		e = route_new(r);
		if (!e)
			return -ENOSPC;
		added = true;
	}
	old = *e;
	msi_fill(e, gsi, addr, data);
	ret = commit_locked(r);
	if (ret) {
		/* Keep the table what KVM has. */
		if (added)
			r->nr--;
		else
			*e = old;
	}
	return ret;
}

int irq_route_msi_add(struct irq_routing *r, uint64_t addr, uint32_t data)
{
	uint32_t gsi;
	int ret;

	pthread_mutex_lock(&r->lock);
	if (r->nr_msi == IRQ_MSI_MAX) {
		ret = -ENOSPC;
		goto out;
	}
	gsi = IRQ_MSI_GSI_BASE + r->nr_msi;
	ret = msi_route_locked(r, gsi, addr, data);
	if (!ret) {
		r->msi[r->nr_msi] = (struct irq_msi){ .gsi = gsi, .efd = -1, .routed = true,
						      .addr = addr, .data = data };
		r->nr_msi++;
		ret = (int)gsi;
	}
out:
	pthread_mutex_unlock(&r->lock);
	return ret;
}

int irq_route_msi_update(struct irq_routing *r, uint32_t gsi, uint64_t addr, uint32_t data)
{
	int ret = -ENOENT;

	pthread_mutex_lock(&r->lock);
	if (msi_find(r, gsi))
		ret = msi_route_locked(r, gsi, addr, data);
	pthread_mutex_unlock(&r->lock);
	return ret;
}

int irq_irqfd_add(struct irq_routing *r, uint32_t gsi, int efd, int resample_efd)
{
	struct kvm_irqfd irqfd = { .gsi = gsi, .fd = (uint32_t)efd };

	if (resample_efd >= 0) {
		irqfd.flags = KVM_IRQFD_FLAG_RESAMPLE;
		irqfd.resamplefd = (uint32_t)resample_efd;
	}
	if (r->vm_fd < 0)
		return 0; /* no KVM (unit tests): the eventfd is all there is */
	if (ioctl(r->vm_fd, KVM_IRQFD, &irqfd) < 0) {
		pr_err("KVM_IRQFD for GSI %u: %s", gsi, strerror(errno));
		return -errno;
	}
	return 0;
}

int irq_msi_alloc(struct irq_routing *r, int *efd)
{
	struct irq_msi *m;
	int fd, ret, id;

	fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd < 0)
		return -errno;
	pthread_mutex_lock(&r->lock);
	if (r->nr_msi == IRQ_MSI_MAX) {
		pthread_mutex_unlock(&r->lock);
		close(fd);
		return -ENOSPC;
	}
	id = (int)r->nr_msi;
	m = &r->msi[r->nr_msi++];
	*m = (struct irq_msi){ .gsi = IRQ_MSI_GSI_BASE + (uint32_t)id, .efd = fd };
	pthread_mutex_unlock(&r->lock);
	/*
	 * An irqfd on a GSI without a route is accepted and delivers nothing;
	 * KVM re-resolves it when the table changes (virt/kvm/eventfd.c,
	 * kvm_irq_routing_update -> irqfd_update).
	 */
	ret = irq_irqfd_add(r, m->gsi, fd, -1);
	if (ret)
		return ret; /* the slot stays allocated; freed with the table */
	*efd = fd;
	return id;
}

int irq_msi_set(struct irq_routing *r, unsigned int id, uint64_t addr, uint32_t data, bool masked)
{
	struct irq_msi *m;
	int ret = 0;

	pthread_mutex_lock(&r->lock);
	if (id >= r->nr_msi) {
		ret = -EINVAL;
		goto out;
	}
	m = &r->msi[id];
	/* A masked vector keeps its old route: the device does not send it. */
	if (masked || (m->routed && m->addr == addr && m->data == data))
		goto out;
	ret = msi_route_locked(r, m->gsi, addr, data);
	if (!ret) {
		m->routed = true;
		m->addr = addr;
		m->data = data;
	}
out:
	pthread_mutex_unlock(&r->lock);
	return ret;
}
