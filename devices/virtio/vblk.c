// SPDX-License-Identifier: MIT
/* A virtio-blk device and its thread (contract in vblk.h). */
#include "vblk.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static void vblk_cfg_read(void *opaque, uint64_t off, uint8_t *data, unsigned int len)
{
	struct vblk *b = opaque;

	blk_cfg_read(&b->disk, off, data, len);
}

static void efd_signal(int efd)
{
	uint64_t one = 1;

	/* EAGAIN: the counter is saturated, the thread will wake anyway. */
	if (write(efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		pr_err_rl("virtio-blk: eventfd write: %s", strerror(errno));
}

static void vblk_notify(void *opaque, unsigned int q)
{
	struct vblk *b = opaque;

	efd_signal(b->kick_efd);
}

static const struct vpci_ops vblk_ops = { .cfg_read = vblk_cfg_read, .notify = vblk_notify };

int vblk_init(struct vblk *b, const struct guest_mem *mem, const char *path, bool readonly,
	      const struct vpci_irq_ops *irq, void *irq_opaque)
{
	int ret;

	memset(b, 0, sizeof(*b));
	b->kick_efd = b->stop_efd = -1;
	ret = blk_open(&b->disk, path, readonly);
	if (ret)
		return ret;
	ret = vpci_init(&b->vp, mem, blk_features(&b->disk), 1, VIRTQ_MAX_SIZE, VBLK_NR_VECTORS,
			&vblk_ops, b, irq, irq_opaque);
	if (ret)
		goto fail_disk;
	b->kick_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	b->stop_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	b->chain = malloc(sizeof(*b->chain));
	if (b->kick_efd < 0 || b->stop_efd < 0 || !b->chain) {
		ret = -ENOMEM;
		pr_err("virtio-blk %s: %s", path, strerror(errno));
		goto fail;
	}
	return 0;
fail:
	vpci_destroy(&b->vp);
	free(b->chain);
	if (b->kick_efd >= 0)
		close(b->kick_efd);
	if (b->stop_efd >= 0)
		close(b->stop_efd);
fail_disk:
	blk_close(&b->disk);
	return ret;
}

/* Serve queue 0 once, up to one ring's worth; whether more may be waiting. */
static bool vblk_round(struct vblk *b)
{
	struct virtq *q;
	int n = 0;
	bool more = false;

	pthread_mutex_lock(&b->vp.io_lock);
	q = vpci_queue_get(&b->vp, 0);
	if (q) {
		n = blk_serve(&b->disk, q, b->chain, q->size);
		if (n > 0)
			vpci_queue_interrupt(&b->vp, 0);
		if (q->broken)
			vpci_needs_reset(&b->vp);
		more = !q->broken && n == q->size;
		b->served += (unsigned long)n;
	}
	pthread_mutex_unlock(&b->vp.io_lock);
	return more;
}

static void *vblk_thread(void *arg)
{
	struct vblk *b = arg;
	struct pollfd p[2] = { { .fd = b->kick_efd, .events = POLLIN },
			       { .fd = b->stop_efd, .events = POLLIN } };
	uint64_t v;

	for (;;) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		if (read(b->kick_efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			break;
		/* A full ring's worth: let a reset in, then come back. */
		if (vblk_round(b))
			efd_signal(b->kick_efd);
	}
	return NULL;
}

int vblk_start(struct vblk *b)
{
	int ret = pthread_create(&b->thread, NULL, vblk_thread, b);

	if (ret) {
		pr_err("virtio-blk: cannot start the device thread: %s", strerror(ret));
		return -ret;
	}
	b->running = true;
	return 0;
}

void vblk_stop(struct vblk *b)
{
	struct timespec ts;
	int ret;

	if (!b->running)
		return;
	efd_signal(b->stop_efd);
	ts = timespec_after_ms(CLOCK_REALTIME, VBLK_STOP_WAIT_MS);
	ret = pthread_timedjoin_np(b->thread, NULL, &ts);
	if (ret) {
		/* Stuck in the kernel's I/O path: leave it, the process is ending. */
		pr_err("virtio-blk: device thread did not stop in %d ms; left behind",
		       VBLK_STOP_WAIT_MS);
		pthread_detach(b->thread);
		b->left_behind = true;
	}
	b->running = false;
}

void vblk_destroy(struct vblk *b)
{
	if (b->running || b->left_behind)
		return; /* a thread left behind still uses everything */
	vpci_destroy(&b->vp);
	free(b->chain);
	b->chain = NULL;
	if (b->kick_efd >= 0)
		close(b->kick_efd);
	if (b->stop_efd >= 0)
		close(b->stop_efd);
	b->kick_efd = b->stop_efd = -1;
	blk_close(&b->disk);
}
