/* SPDX-License-Identifier: MIT */
/*
 * One virtio-blk device: a disk (blk.h) behind a virtio PCI transport
 * (virtio_pci.h), its requests served by a device thread of its own, so
 * a vCPU never waits for disk I/O: a notification (a BAR write on a
 * vCPU thread) only writes an eventfd; the thread wakes, serves the
 * queue (at most one ring's worth per round, so a device reset waits
 * for at most that), then interrupts the driver. No PCI bus, no VM:
 * virtio_blk_pci.c connects it to both.
 */
#ifndef HVMM_VBLK_H
#define HVMM_VBLK_H

#include <pthread.h>
#include <stdbool.h>

#include "blk.h"
#include "virtio_pci.h"

#define VBLK_NR_VECTORS 2     /* config changes, queue 0 */
#define VBLK_STOP_WAIT_MS 5000

struct vblk {
	struct blk_disk disk;
	struct virtio_pci vp;
	int kick_efd;           /* written by notifications */
	int stop_efd;
	pthread_t thread;
	bool running;
	bool left_behind;       /* the thread did not stop in time */
	struct virtq_chain *chain;
	unsigned long served;   /* requests completed (stats, tests) */
};

/*
 * Open the disk and set the transport up (one queue of VIRTQ_MAX_SIZE,
 * VBLK_NR_VECTORS vectors). 0 or -errno (after one error line).
 */
int vblk_init(struct vblk *b, const struct guest_mem *mem, const char *path, bool readonly,
	      const struct vpci_irq_ops *irq, void *irq_opaque);

/* Start the device thread. 0 or -errno. */
int vblk_start(struct vblk *b);

/*
 * Stop the device thread: it finishes the request batch in progress and
 * exits; waits at most VBLK_STOP_WAIT_MS (a request stuck in the host's
 * storage stack is then left behind, with a log line). Idempotent.
 */
void vblk_stop(struct vblk *b);

/* After vblk_stop: close everything. */
void vblk_destroy(struct vblk *b);

#endif
