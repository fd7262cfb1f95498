/* SPDX-License-Identifier: MIT */
/*
 * The virtio 1.0 PCI transport ("modern" only, virtio 1.x section 4.1),
 * device side: the registers of one memory BAR and the MSI-X table, the
 * device status state machine and the queue configuration. The device
 * behind it (virtio-blk) plugs in through struct vpci_ops; interrupts
 * leave through struct vpci_irq_ops, so unit tests drive the whole
 * transport without a VM or a PCI bus. Register layouts: Linux's
 * include/uapi/linux/virtio_pci.h; the driver side it must satisfy:
 * drivers/virtio/virtio_pci_modern.c and virtio_pci_modern_dev.c, and
 * OVMF's OvmfPkg/Virtio10Dxe.
 *
 * BAR layout (VPCI_BAR_SIZE bytes, one 32-bit memory BAR):
 *   0x0000 common configuration (struct virtio_pci_common_cfg)
 *   0x1000 ISR status (1 byte, read clears)
 *   0x2000 device configuration (the device's, via vpci_ops.cfg_read)
 *   0x3000 notifications: queue i at 0x3000 + i * VPCI_NOTIFY_MULT
 *   0x4000 MSI-X table, 0x5000 MSI-X PBA
 *
 * What a driver may do, and what it gets otherwise (all defined, none
 * fatal; the bad ones log rate-limited):
 *  - device_status: 0 resets everything (features, queues, vectors, ISR;
 *    not the MSI-X table, which is PCI state). Otherwise bits may only be
 *    added; a write that clears a bit is ignored. FEATURES_OK sticks only
 *    if the accepted features are a subset of the offered ones and
 *    include VERSION_1 (the driver reads it back, section 3.1.1).
 *    DRIVER_OK without FEATURES_OK is dropped.
 *  - driver_feature: writable only before FEATURES_OK.
 *  - queue_size/desc/driver/device: writable only while the selected
 *    queue is disabled; queue_enable = 1 validates the queue (size a
 *    power of two <= the maximum, rings aligned and in RAM, FEATURES_OK
 *    set) and stays 0 if that fails; queue_enable = 0 is ignored (1.0
 *    has no per-queue reset: reset the device).
 *  - queue_select past num_queues: queue registers read 0, writes drop.
 *  - msix_config/queue_msix_vector: a vector >= the table size reads
 *    back as VIRTIO_MSI_NO_VECTOR (section 4.1.5.1.2).
 *  - accesses that do not match a register's offset and width (a 64-bit
 *    register may also be written as two 32-bit halves, as Linux's
 *    vp_iowrite64_twopart does) read 0 and are ignored.
 *  - notifications before DRIVER_OK, or for a disabled queue, are
 *    dropped (the device must not use a queue before DRIVER_OK, 3.1.1).
 *
 * Threads: BAR and config callbacks run on vCPU threads; the device
 * serves its queues in its own thread. `lock` guards the registers and
 * MSI-X state and is held only briefly. `io_lock` is held by the device
 * thread while it uses a queue, and by a device reset: a reset waits for
 * the request batch in progress, so no queue is used after the driver
 * saw status 0. Order: io_lock, then lock.
 */
#ifndef HVMM_VIRTIO_PCI_H
#define HVMM_VIRTIO_PCI_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "virtqueue.h"

struct guest_mem;

/* Device status bits (include/uapi/linux/virtio_config.h). */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED 0x80

#define VIRTIO_MSI_NO_VECTOR 0xffff
#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_DEVICE_BASE 0x1040   /* modern device IDs: 0x1040 + virtio ID */
#define VIRTIO_PCI_SUBSYS_ID 0x1100     /* >= 0x40, which OVMF's Virtio10Dxe requires */
#define VIRTIO_PCI_REVISION 1           /* modern-only devices have revision >= 1 */

/* virtio_pci_cap cfg_type values. */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG 3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4

/* The common configuration (struct virtio_pci_common_cfg). */
#define VPCI_DFSELECT 0x00
#define VPCI_DF 0x04
#define VPCI_GFSELECT 0x08
#define VPCI_GF 0x0c
#define VPCI_MSIX 0x10
#define VPCI_NUMQ 0x12
#define VPCI_STATUS 0x14
#define VPCI_CFGGEN 0x15
#define VPCI_Q_SELECT 0x16
#define VPCI_Q_SIZE 0x18
#define VPCI_Q_MSIX 0x1a
#define VPCI_Q_ENABLE 0x1c
#define VPCI_Q_NOFF 0x1e
#define VPCI_Q_DESCLO 0x20
#define VPCI_Q_DESCHI 0x24
#define VPCI_Q_AVAILLO 0x28
#define VPCI_Q_AVAILHI 0x2c
#define VPCI_Q_USEDLO 0x30
#define VPCI_Q_USEDHI 0x34
#define VPCI_COMMON_LEN 0x38

#define VPCI_COMMON_OFF 0x0000
#define VPCI_ISR_OFF 0x1000
#define VPCI_DEVCFG_OFF 0x2000
#define VPCI_NOTIFY_OFF 0x3000
#define VPCI_MSIX_TABLE_OFF 0x4000
#define VPCI_MSIX_PBA_OFF 0x5000
#define VPCI_REGION_LEN 0x1000
#define VPCI_BAR_SIZE 0x8000
#define VPCI_NOTIFY_MULT 4

#define VPCI_MAX_QUEUES 4
#define VPCI_MAX_VECTORS 8

/* What the device behind the transport provides. */
struct vpci_ops {
	/* Device config space read (len 1/2/4/8 at off). */
	void (*cfg_read)(void *opaque, uint64_t off, uint8_t *data, unsigned int len);
	/* A notification for queue q (after DRIVER_OK, queue enabled): wake the device. */
	void (*notify)(void *opaque, unsigned int q);
};

/* Where MSI-X messages go (the platform: KVM routes and irqfds). */
struct vpci_irq_ops {
	/* Vector v's message changed or its masking did; called under vp->lock. */
	void (*msi_set)(void *opaque, unsigned int v, uint64_t addr, uint32_t data, bool masked);
	/* Deliver vector v now (it is unmasked and routed). */
	void (*msi_fire)(void *opaque, unsigned int v);
};

struct vpci_queue {
	uint16_t size;            /* as the driver set it (max until then) */
	uint16_t msix_vector;
	bool enabled;
	uint64_t desc, driver, device;
	struct virtq vq;
};

struct vpci_msix_entry {
	uint32_t addr_lo, addr_hi, data, ctrl;
};

struct virtio_pci {
	pthread_mutex_t lock;
	pthread_mutex_t io_lock;
	const struct guest_mem *mem;
	const struct vpci_ops *ops;
	void *opaque;                   /* for ops */
	const struct vpci_irq_ops *irq;
	void *irq_opaque;               /* for irq */

	uint64_t dev_features;
	uint64_t drv_features;
	uint32_t dfselect, gfselect;
	uint16_t msix_config;
	uint8_t status;
	uint8_t isr;
	uint16_t queue_select;
	unsigned int nr_queues;
	uint16_t queue_max;
	struct vpci_queue q[VPCI_MAX_QUEUES];

	unsigned int nr_vectors;
	bool msix_enabled, msix_masked;  /* MSI-X capability: enable, function mask */
	struct vpci_msix_entry table[VPCI_MAX_VECTORS];
	uint64_t pba;
};

/*
 * Set up a transport for a device with `nr_queues` queues of at most
 * `queue_max` entries, offering `features`, with `nr_vectors` MSI-X
 * vectors (all masked). 0 or -EINVAL.
 */
int vpci_init(struct virtio_pci *vp, const struct guest_mem *mem, uint64_t features,
	      unsigned int nr_queues, uint16_t queue_max, unsigned int nr_vectors,
	      const struct vpci_ops *ops, void *opaque,
	      const struct vpci_irq_ops *irq, void *irq_opaque);
void vpci_destroy(struct virtio_pci *vp);

/* BAR accesses (iodev_ops shape); off relative to the BAR. */
void vpci_bar_read(void *opaque, uint64_t off, uint8_t *data, unsigned int len);
void vpci_bar_write(void *opaque, uint64_t off, const uint8_t *data, unsigned int len);

/* The MSI-X capability's Message Control enable and function-mask bits changed. */
void vpci_msix_control(struct virtio_pci *vp, bool enabled, bool masked);

/*
 * For the device thread, with io_lock held: queue qi if the driver set
 * DRIVER_OK and enabled it, else NULL. The pointer stays valid while
 * io_lock is held.
 */
struct virtq *vpci_queue_get(struct virtio_pci *vp, unsigned int qi);

/* After used-ring updates on queue qi: interrupt the driver if it wants one. */
void vpci_queue_interrupt(struct virtio_pci *vp, unsigned int qi);

/*
 * Queue qi broke (virtqueue.h): set DEVICE_NEEDS_RESET and send a
 * configuration-change interrupt (section 2.1.2).
 */
void vpci_needs_reset(struct virtio_pci *vp);

#endif
