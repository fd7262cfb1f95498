// SPDX-License-Identifier: MIT
/*
 * The virtio 1.0 PCI transport, device side (contract in virtio_pci.h).
 * Register semantics: virtio 1.x section 4.1.4 (capabilities), 4.1.5
 * (device initialisation, MSI-X vector configuration); what drivers do
 * with them: Linux drivers/virtio/virtio_pci_modern{,_dev}.c
 * (vp_modern_set_status, vp_reset polling status until 0,
 * vp_modern_queue_vector reading the vector back, vp_iowrite64_twopart).
 */
#include "virtio_pci.h"

#include <errno.h>
#include <string.h>

#include "blk.h"  /* VIRTIO_F_VERSION_1, VIRTIO_F_RING_INDIRECT_DESC */
#include "iodev.h"
#include "util.h"

#define STATUS_DRIVER_BITS (VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | \
			    VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_FEATURES_OK | \
			    VIRTIO_STATUS_FAILED)
#define MSIX_CTRL_MASKBIT 1u


/* Everything a device reset clears (section 2.1.2, 4.1.4.3); lock held. */
static void vpci_reset_locked(struct virtio_pci *vp)
{
	unsigned int i;

	vp->drv_features = 0;
	vp->dfselect = vp->gfselect = 0;
	vp->msix_config = VIRTIO_MSI_NO_VECTOR;
	vp->status = 0;
	vp->isr = 0;
	vp->queue_select = 0;
	vp->pba = 0;
	for (i = 0; i < vp->nr_queues; i++) {
		struct vpci_queue *q = &vp->q[i];

		q->size = vp->queue_max;
		q->msix_vector = VIRTIO_MSI_NO_VECTOR;
		q->enabled = false;
		q->desc = q->driver = q->device = 0;
		virtq_reset(&q->vq);
	}
}

int vpci_init(struct virtio_pci *vp, const struct guest_mem *mem, uint64_t features,
	      unsigned int nr_queues, uint16_t queue_max, unsigned int nr_vectors,
	      const struct vpci_ops *ops, void *opaque,
	      const struct vpci_irq_ops *irq, void *irq_opaque)
{
	unsigned int i;

	if (!nr_queues || nr_queues > VPCI_MAX_QUEUES || nr_vectors > VPCI_MAX_VECTORS ||
	    !queue_max || queue_max > VIRTQ_MAX_SIZE || (queue_max & (queue_max - 1)))
		return -EINVAL;
	memset(vp, 0, sizeof(*vp));
	pthread_mutex_init(&vp->lock, NULL);
	pthread_mutex_init(&vp->io_lock, NULL);
	vp->mem = mem;
	vp->ops = ops;
	vp->opaque = opaque;
	vp->irq = irq;
	vp->irq_opaque = irq_opaque;
	vp->dev_features = features;
	vp->nr_queues = nr_queues;
	vp->queue_max = queue_max;
	vp->nr_vectors = nr_vectors;
	for (i = 0; i < nr_vectors; i++)
		vp->table[i].ctrl = MSIX_CTRL_MASKBIT; /* PCI 3.0 6.8.2.9: masked at reset */
	vpci_reset_locked(vp);
	return 0;
}

void vpci_destroy(struct virtio_pci *vp)
{
	pthread_mutex_destroy(&vp->lock);
	pthread_mutex_destroy(&vp->io_lock);
}

/* ---- MSI-X ---- */

static bool vector_masked(const struct virtio_pci *vp, unsigned int v)
{
	return !vp->msix_enabled || vp->msix_masked || (vp->table[v].ctrl & MSIX_CTRL_MASKBIT);
}

/* Tell the platform about vector v, and deliver what was pending; lock held. */
static void msix_update(struct virtio_pci *vp, unsigned int v)
{
	const struct vpci_msix_entry *e = &vp->table[v];
	bool masked = vector_masked(vp, v);

	vp->irq->msi_set(vp->irq_opaque, v, (uint64_t)e->addr_hi << 32 | e->addr_lo, e->data, masked);
	if (!masked && (vp->pba & (1ULL << v))) {
		vp->pba &= ~(1ULL << v);
		vp->irq->msi_fire(vp->irq_opaque, v);
	}
}

/* Send vector v, or leave it pending while masked; lock held. */
static void msix_signal(struct virtio_pci *vp, uint16_t v)
{
	/* No INTx (interrupt pin 0): with MSI-X off or no vector, the driver polls. */
	if (v == VIRTIO_MSI_NO_VECTOR || v >= vp->nr_vectors || !vp->msix_enabled)
		return;
	if (vector_masked(vp, v))
		vp->pba |= 1ULL << v;
	else
		vp->irq->msi_fire(vp->irq_opaque, v);
}

void vpci_msix_control(struct virtio_pci *vp, bool enabled, bool masked)
{
	unsigned int v;

	pthread_mutex_lock(&vp->lock);
	vp->msix_enabled = enabled;
	vp->msix_masked = masked;
	for (v = 0; v < vp->nr_vectors; v++)
		msix_update(vp, v);
	pthread_mutex_unlock(&vp->lock);
}

static void msix_table_access(struct virtio_pci *vp, uint64_t off, uint8_t *data,
			      unsigned int len, bool write)
{
	unsigned int v = (unsigned int)(off / 16), word = (unsigned int)(off % 16) / 4;
	uint32_t *w;

	/* Dword or aligned qword accesses inside an existing entry (PCI 3.0 6.8.2). */
	if (off % len || (len != 4 && len != 8) || v >= vp->nr_vectors) {
		pr_err_rl("virtio-pci: MSI-X table access at 0x%llx len %u ignored",
			  (unsigned long long)off, len);
		if (!write)
			memset(data, 0, len);
		return;
	}
	w = &vp->table[v].addr_lo + word;
	if (!write) {
		iodev_put_le(data, 4, w[0]);
		if (len == 8)
			iodev_put_le(data + 4, 4, w[1]);
		return;
	}
	w[0] = (uint32_t)iodev_get_le(data, 4);
	if (len == 8)
		w[1] = (uint32_t)iodev_get_le(data + 4, 4);
	vp->table[v].ctrl &= MSIX_CTRL_MASKBIT; /* the other control bits are reserved */
	msix_update(vp, v);
}

/* ---- common configuration ---- */

static struct vpci_queue *selected(struct virtio_pci *vp)
{
	return vp->queue_select < vp->nr_queues ? &vp->q[vp->queue_select] : NULL;
}

static uint16_t valid_vector(struct virtio_pci *vp, uint16_t v, const char *what)
{
	if (v != VIRTIO_MSI_NO_VECTOR && v >= vp->nr_vectors) {
		pr_err_rl("virtio-pci: %s vector %u out of range (%u vectors)", what, v,
			  vp->nr_vectors);
		return VIRTIO_MSI_NO_VECTOR;
	}
	return v;
}

static uint64_t common_read(struct virtio_pci *vp, uint64_t off, unsigned int len)
{
	struct vpci_queue *q = selected(vp);

	switch (off << 4 | len) {
	case VPCI_DFSELECT << 4 | 4: return vp->dfselect;
	case VPCI_DF << 4 | 4:
		return vp->dfselect < 2 ? (uint32_t)(vp->dev_features >> (32 * vp->dfselect)) : 0;
	case VPCI_GFSELECT << 4 | 4: return vp->gfselect;
	case VPCI_GF << 4 | 4:
		return vp->gfselect < 2 ? (uint32_t)(vp->drv_features >> (32 * vp->gfselect)) : 0;
	case VPCI_MSIX << 4 | 2: return vp->msix_config;
	case VPCI_NUMQ << 4 | 2: return vp->nr_queues;
	case VPCI_STATUS << 4 | 1: return vp->status;
	case VPCI_CFGGEN << 4 | 1: return 0; /* the config never changes */
	case VPCI_Q_SELECT << 4 | 2: return vp->queue_select;
	}
	if (!q)
		return 0; /* queue_size 0: no such queue (4.1.4.3) */
	switch (off << 4 | len) {
	case VPCI_Q_SIZE << 4 | 2: return q->size;
	case VPCI_Q_MSIX << 4 | 2: return q->msix_vector;
	case VPCI_Q_ENABLE << 4 | 2: return q->enabled;
	case VPCI_Q_NOFF << 4 | 2: return vp->queue_select;
	case VPCI_Q_DESCLO << 4 | 8: return q->desc;
	case VPCI_Q_DESCLO << 4 | 4: return (uint32_t)q->desc;
	case VPCI_Q_DESCHI << 4 | 4: return q->desc >> 32;
	case VPCI_Q_AVAILLO << 4 | 8: return q->driver;
	case VPCI_Q_AVAILLO << 4 | 4: return (uint32_t)q->driver;
	case VPCI_Q_AVAILHI << 4 | 4: return q->driver >> 32;
	case VPCI_Q_USEDLO << 4 | 8: return q->device;
	case VPCI_Q_USEDLO << 4 | 4: return (uint32_t)q->device;
	case VPCI_Q_USEDHI << 4 | 4: return q->device >> 32;
	}
	pr_err_rl("virtio-pci: common config read at 0x%llx len %u", (unsigned long long)off, len);
	return 0;
}

/* Kick every enabled queue (DRIVER_OK just came: buffers may be waiting). */
static void kick_all(struct virtio_pci *vp)
{
	unsigned int i;

	for (i = 0; i < vp->nr_queues; i++)
		if (vp->q[i].enabled)
			vp->ops->notify(vp->opaque, i);
}

static void status_write(struct virtio_pci *vp, uint8_t val)
{
	uint8_t old = vp->status, next;
	uint64_t f = vp->drv_features;

	/* NEEDS_RESET is the device's; the driver only adds its own bits. */
	next = (uint8_t)((val & STATUS_DRIVER_BITS) | (old & VIRTIO_STATUS_NEEDS_RESET));
	if (old & ~next) {
		pr_err_rl("virtio-pci: status 0x%x -> 0x%x clears bits; ignored", old, val);
		return;
	}
	if ((next & VIRTIO_STATUS_FEATURES_OK) && !(old & VIRTIO_STATUS_FEATURES_OK) &&
	    ((f & ~vp->dev_features) || !(f & (1ULL << VIRTIO_F_VERSION_1)))) {
		pr_err_rl("virtio-pci: features 0x%llx refused (offered 0x%llx, VERSION_1 required)",
			  (unsigned long long)f, (unsigned long long)vp->dev_features);
		next &= (uint8_t)~VIRTIO_STATUS_FEATURES_OK;
	}
	if ((next & VIRTIO_STATUS_DRIVER_OK) && !(next & VIRTIO_STATUS_FEATURES_OK)) {
		pr_err_rl("virtio-pci: DRIVER_OK without FEATURES_OK; ignored");
		next &= (uint8_t)~VIRTIO_STATUS_DRIVER_OK;
	}
	vp->status = next;
	if ((next & VIRTIO_STATUS_DRIVER_OK) && !(old & VIRTIO_STATUS_DRIVER_OK))
		kick_all(vp);
}

static void queue_enable(struct virtio_pci *vp, struct vpci_queue *q, unsigned int qi)
{
	bool indirect = vp->drv_features & (1ULL << VIRTIO_F_RING_INDIRECT_DESC);

	if (!(vp->status & VIRTIO_STATUS_FEATURES_OK)) {
		pr_err_rl("virtio-pci: queue %u enabled before FEATURES_OK; ignored", qi);
		return;
	}
	if (q->size > vp->queue_max ||
	    virtq_setup(&q->vq, vp->mem, q->size, q->desc, q->driver, q->device, indirect)) {
		pr_err_rl("virtio-pci: queue %u: size %u or rings 0x%llx/0x%llx/0x%llx invalid; "
			  "not enabled", qi, q->size, (unsigned long long)q->desc,
			  (unsigned long long)q->driver, (unsigned long long)q->device);
		return;
	}
	q->enabled = true;
	if (vp->status & VIRTIO_STATUS_DRIVER_OK)
		vp->ops->notify(vp->opaque, qi);
}

/* A 64-bit queue address, written whole or as two 32-bit halves. */
static void addr_write(uint64_t *a, uint64_t off, uint64_t lo_off, unsigned int len, uint64_t v)
{
	if (len == 8)
		*a = v;
	else if (off == lo_off)
		*a = (*a & ~0xffffffffULL) | (uint32_t)v;
	else
		*a = (*a & 0xffffffffULL) | v << 32;
}

static void common_write(struct virtio_pci *vp, uint64_t off, unsigned int len, uint64_t v)
{
	struct vpci_queue *q = selected(vp);
	unsigned int qi = vp->queue_select;

	switch (off << 4 | len) {
	case VPCI_DFSELECT << 4 | 4: vp->dfselect = (uint32_t)v; return;
	case VPCI_GFSELECT << 4 | 4: vp->gfselect = (uint32_t)v; return;
	case VPCI_GF << 4 | 4:
		if (vp->status & VIRTIO_STATUS_FEATURES_OK) {
			pr_err_rl("virtio-pci: driver features written after FEATURES_OK; ignored");
		} else if (vp->gfselect < 2) {
			unsigned int sh = 32 * vp->gfselect;

			vp->drv_features = (vp->drv_features & ~(0xffffffffULL << sh)) | v << sh;
		}
		return;
	case VPCI_MSIX << 4 | 2:
		vp->msix_config = valid_vector(vp, (uint16_t)v, "config");
		return;
	case VPCI_STATUS << 4 | 1: status_write(vp, (uint8_t)v); return;
	case VPCI_Q_SELECT << 4 | 2: vp->queue_select = (uint16_t)v; return;
	}
	if (!q) {
		pr_err_rl("virtio-pci: write 0x%llx to queue %u (of %u); ignored",
			  (unsigned long long)off, qi, vp->nr_queues);
		return;
	}
	switch (off << 4 | len) {
	case VPCI_Q_MSIX << 4 | 2:
		q->msix_vector = valid_vector(vp, (uint16_t)v, "queue");
		return;
	case VPCI_Q_ENABLE << 4 | 2:
		if (v == 1 && !q->enabled)
			queue_enable(vp, q, qi);
		else if (v != 1)
			pr_err_rl("virtio-pci: queue_enable %llu; only a reset disables a queue",
				  (unsigned long long)v);
		return;
	}
	if (q->enabled) {
		pr_err_rl("virtio-pci: queue %u reconfigured while enabled; ignored", qi);
		return;
	}
	switch (off << 4 | len) {
	case VPCI_Q_SIZE << 4 | 2: q->size = (uint16_t)v; return;
	case VPCI_Q_DESCLO << 4 | 8: case VPCI_Q_DESCLO << 4 | 4: case VPCI_Q_DESCHI << 4 | 4:
		addr_write(&q->desc, off, VPCI_Q_DESCLO, len, v);
		return;
	case VPCI_Q_AVAILLO << 4 | 8: case VPCI_Q_AVAILLO << 4 | 4: case VPCI_Q_AVAILHI << 4 | 4:
		addr_write(&q->driver, off, VPCI_Q_AVAILLO, len, v);
		return;
	case VPCI_Q_USEDLO << 4 | 8: case VPCI_Q_USEDLO << 4 | 4: case VPCI_Q_USEDHI << 4 | 4:
		addr_write(&q->device, off, VPCI_Q_USEDLO, len, v);
		return;
	}
	pr_err_rl("virtio-pci: common config write at 0x%llx len %u ignored",
		  (unsigned long long)off, len);
}

/* ---- the BAR ---- */

void vpci_bar_read(void *opaque, uint64_t off, uint8_t *data, unsigned int len)
{
	struct virtio_pci *vp = opaque;
	uint64_t region = off / VPCI_REGION_LEN * VPCI_REGION_LEN, o = off - region;

	memset(data, 0, len);
	pthread_mutex_lock(&vp->lock);
	switch (region) {
	case VPCI_COMMON_OFF:
		iodev_put_le(data, len, common_read(vp, o, len));
		break;
	case VPCI_ISR_OFF:
		/* Read-to-clear (4.1.4.5); only its first byte exists. */
		if (o == 0) {
			data[0] = vp->isr;
			vp->isr = 0;
		}
		break;
	case VPCI_DEVCFG_OFF:
		vp->ops->cfg_read(vp->opaque, o, data, len);
		break;
	case VPCI_MSIX_TABLE_OFF:
		msix_table_access(vp, o, data, len, false);
		break;
	case VPCI_MSIX_PBA_OFF:
		if (o < 8)
			iodev_put_le(data, MIN(len, (unsigned int)(8 - o)), vp->pba >> (8 * o));
		break;
	}
	pthread_mutex_unlock(&vp->lock);
}

void vpci_bar_write(void *opaque, uint64_t off, const uint8_t *data, unsigned int len)
{
	struct virtio_pci *vp = opaque;
	uint64_t region = off / VPCI_REGION_LEN * VPCI_REGION_LEN, o = off - region;
	uint64_t v = iodev_get_le(data, len);

	if (region == VPCI_COMMON_OFF && o == VPCI_STATUS && len == 1 && v == 0) {
		/* Reset: wait for the device thread to leave the queues alone. */
		pthread_mutex_lock(&vp->io_lock);
		pthread_mutex_lock(&vp->lock);
		vpci_reset_locked(vp);
		pthread_mutex_unlock(&vp->lock);
		pthread_mutex_unlock(&vp->io_lock);
		return;
	}
	pthread_mutex_lock(&vp->lock);
	switch (region) {
	case VPCI_COMMON_OFF:
		common_write(vp, o, len, v);
		break;
	case VPCI_NOTIFY_OFF: {
		unsigned int qi = (unsigned int)(o / VPCI_NOTIFY_MULT);

		if (qi < vp->nr_queues && vp->q[qi].enabled &&
		    (vp->status & VIRTIO_STATUS_DRIVER_OK))
			vp->ops->notify(vp->opaque, qi);
		else
			pr_err_rl("virtio-pci: notify for queue %u not ready; dropped", qi);
		break;
	}
	case VPCI_MSIX_TABLE_OFF:
		msix_table_access(vp, o, (uint8_t *)data, len, true);
		break;
	default:
		/* ISR, device config (no writable fields offered), PBA: read-only. */
		pr_err_rl("virtio-pci: write to read-only BAR offset 0x%llx ignored",
			  (unsigned long long)off);
		break;
	}
	pthread_mutex_unlock(&vp->lock);
}

/* ---- the device thread's side ---- */

struct virtq *vpci_queue_get(struct virtio_pci *vp, unsigned int qi)
{
	struct virtq *vq = NULL;

	pthread_mutex_lock(&vp->lock);
	if (qi < vp->nr_queues && vp->q[qi].enabled && (vp->status & VIRTIO_STATUS_DRIVER_OK))
		vq = &vp->q[qi].vq;
	pthread_mutex_unlock(&vp->lock);
	return vq;
}

void vpci_queue_interrupt(struct virtio_pci *vp, unsigned int qi)
{
	pthread_mutex_lock(&vp->lock);
	if (qi < vp->nr_queues && virtq_want_interrupt(&vp->q[qi].vq)) {
		vp->isr |= 1;
		msix_signal(vp, vp->q[qi].msix_vector);
	}
	pthread_mutex_unlock(&vp->lock);
}

void vpci_needs_reset(struct virtio_pci *vp)
{
	pthread_mutex_lock(&vp->lock);
	if (!(vp->status & VIRTIO_STATUS_NEEDS_RESET)) {
		vp->status |= VIRTIO_STATUS_NEEDS_RESET;
		vp->isr |= 2;
		msix_signal(vp, vp->msix_config);
	}
	pthread_mutex_unlock(&vp->lock);
}
