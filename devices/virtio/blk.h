/* SPDX-License-Identifier: MIT */
/*
 * virtio-blk, the request side: the disk backend (a raw image file or a
 * block device, served with preadv/pwritev/fdatasync) and the request
 * parser that turns one virtqueue chain into one I/O. Layouts and values
 * follow Linux's include/uapi/linux/virtio_blk.h and the virtio 1.x spec,
 * section 5.2 "Block Device".
 *
 * A request is a chain: a 16-byte header {le32 type, le32 reserved, le64
 * sector} in device-readable bytes, then the data (device-readable for
 * OUT, device-writable for IN and GET_ID), then one status byte, the
 * last byte of the chain, device-writable. The header and the data may
 * be split across descriptors any way the driver likes (1.0 has no
 * framing rules). What the guest gets:
 *   - IN/OUT/FLUSH/GET_ID served, status OK;
 *   - another type: UNSUPP;
 *   - a short header, data not a multiple of 512 bytes or larger than
 *     BLK_MAX_REQ_BYTES, sectors beyond the capacity, a data buffer not
 *     in RAM, a malformed chain (virtq_chain.bad), OUT on a read-only
 *     disk, a host I/O error: IOERR;
 *   - no writable status byte at the end of the chain: nothing can be
 *     answered, so the queue is broken (the transport then sets
 *     DEVICE_NEEDS_RESET).
 * A FLUSH returns after fdatasync() on the backend did: data the guest
 * saw completed before it is on stable storage, as far as the host's
 * storage stack keeps that promise.
 */
#ifndef HVMM_VIRTIO_BLK_H
#define HVMM_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include "virtqueue.h"

#define VIRTIO_ID_BLOCK 2

/* Feature bits (virtio_blk.h, virtio_config.h, virtio_ring.h). */
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_F_RING_INDIRECT_DESC 28
#define VIRTIO_F_VERSION_1 32

#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8

#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2

#define VIRTIO_BLK_ID_BYTES 20
#define BLK_SECTOR 512
/*
 * Data bytes in one request: OVMF's VirtioBlkDxe sends up to 1 GiB in one
 * descriptor (VirtioBlk.c, VerifyReadWriteRequest), Linux as much as its
 * max_sectors allows (no SIZE_MAX is offered).
 */
#define BLK_MAX_REQ_BYTES (1u << 30)
#define BLK_SEG_MAX (VIRTQ_MAX_SEGS - 2) /* data segments: header, status aside */

/* Config space (struct virtio_blk_config), the part this device fills. */
#define BLK_CFG_CAPACITY 0     /* le64, in 512-byte sectors */
#define BLK_CFG_SEG_MAX 12     /* le32 */
#define BLK_CFG_BLK_SIZE 20    /* le32 */
#define BLK_CFG_LEN 24

struct blk_disk {
	int fd;
	uint64_t sectors;       /* capacity in 512-byte sectors */
	bool readonly;
	char id[VIRTIO_BLK_ID_BYTES]; /* GET_ID answer: NUL-padded, maybe unterminated */
};

/*
 * Open `path` (a regular file or a block device) for the guest; the size
 * comes from st_size (rounded down to 512, with a log line if it was
 * not a multiple) or BLKGETSIZE64. The image is locked (flock, shared
 * when read-only) so two VMs cannot write one image. 0 or -errno, after
 * one error line naming the path.
 */
int blk_open(struct blk_disk *d, const char *path, bool readonly);
void blk_close(struct blk_disk *d);

/* The features this disk offers (device and transport bits). */
uint64_t blk_features(const struct blk_disk *d);

/* Read config space bytes [off, off+len); bytes past BLK_CFG_LEN read 0. */
void blk_cfg_read(const struct blk_disk *d, uint64_t off, uint8_t *data, unsigned int len);

/*
 * Serve one chain: do the I/O, write the status byte. Returns the
 * number of bytes written into the chain (the used length), or -EIO if
 * there is no writable status byte (the caller breaks the queue).
 */
int blk_handle(struct blk_disk *d, const struct virtq_chain *c);

/*
 * Serve up to `budget` chains from q. Returns how many were completed
 * (pushed to the used ring); q->broken says whether the queue broke on
 * the way. `c` is scratch space (a chain is large for a stack).
 */
int blk_serve(struct blk_disk *d, struct virtq *q, struct virtq_chain *c, unsigned int budget);

#endif
