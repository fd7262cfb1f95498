// SPDX-License-Identifier: MIT
/*
 * virtio-blk requests and the raw-image backend (contract in blk.h).
 * Request layout and status values: Linux include/uapi/linux/virtio_blk.h
 * and drivers/block/virtio_blk.c (virtblk_setup_cmd, virtblk_add_req:
 * header, data, status in that order).
 */
#include "blk.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "util.h"

struct blk_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
} __attribute__((packed));

int blk_open(struct blk_disk *d, const char *path, bool readonly)
{
	const char *base = strrchr(path, '/');
	struct stat st;
	uint64_t bytes;
	int ret;

	memset(d, 0, sizeof(*d));
	d->fd = open(path, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (d->fd < 0) {
		ret = -errno;
		pr_err("disk %s: %s", path, strerror(errno));
		return ret;
	}
	if (fstat(d->fd, &st) < 0) {
		ret = -errno;
		pr_err("disk %s: %s", path, strerror(errno));
		goto fail;
	}
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(d->fd, BLKGETSIZE64, &bytes) < 0) {
			ret = -errno;
			pr_err("disk %s: BLKGETSIZE64: %s", path, strerror(errno));
			goto fail;
		}
	} else if (S_ISREG(st.st_mode)) {
		bytes = (uint64_t)st.st_size;
	} else {
		ret = -EINVAL;
		pr_err("disk %s: not a regular file or a block device", path);
		goto fail;
	}
	if (flock(d->fd, (readonly ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0) {
		ret = -errno;
		pr_err("disk %s: in use by another process (%s)", path, strerror(errno));
		goto fail;
	}
	if (bytes % BLK_SECTOR)
		pr_warn("disk %s: size %llu is not a multiple of 512; the last %llu bytes are not used",
			path, (unsigned long long)bytes, (unsigned long long)(bytes % BLK_SECTOR));
	d->sectors = bytes / BLK_SECTOR;
	d->readonly = readonly;
	/* A serial from the file name, like a label the user recognises. */
	base = base ? base + 1 : path;
	memcpy(d->id, base, MIN(strlen(base), sizeof(d->id)));
	return 0;
fail:
	close(d->fd);
	d->fd = -1;
	return ret;
}

void blk_close(struct blk_disk *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

uint64_t blk_features(const struct blk_disk *d)
{
	uint64_t f = 1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_F_RING_INDIRECT_DESC |
		     1ULL << VIRTIO_BLK_F_FLUSH | 1ULL << VIRTIO_BLK_F_BLK_SIZE |
		     1ULL << VIRTIO_BLK_F_SEG_MAX;

	if (d->readonly)
		f |= 1ULL << VIRTIO_BLK_F_RO;
	return f;
}

void blk_cfg_read(const struct blk_disk *d, uint64_t off, uint8_t *data, unsigned int len)
{
	uint8_t cfg[BLK_CFG_LEN] = { 0 };
	uint32_t seg_max = BLK_SEG_MAX, blk_size = BLK_SECTOR;
	unsigned int i;

	memcpy(cfg + BLK_CFG_CAPACITY, &d->sectors, 8);
	memcpy(cfg + BLK_CFG_SEG_MAX, &seg_max, 4);
	memcpy(cfg + BLK_CFG_BLK_SIZE, &blk_size, 4);
	for (i = 0; i < len; i++)
		data[i] = off + i < BLK_CFG_LEN ? cfg[off + i] : 0;
}

/*
 * The iovec for bytes [skip, skip+len) of the readable (write=false) or
 * writable segments of c. Returns the number of entries, or -EFAULT if
 * a segment that contributes is not in RAM.
 */
static int chain_iov(const struct virtq_chain *c, bool write, uint64_t skip, uint64_t len,
		     struct iovec *iov)
{
	unsigned int i = write ? c->nr_read : 0, end = write ? c->nr : c->nr_read;
	int n = 0;

	for (; i < end && len; i++) {
		const struct virtq_seg *s = &c->seg[i];
		uint64_t take;

		if (skip >= s->len) {
			skip -= s->len;
			continue;
		}
		take = MIN(s->len - skip, len);
		if (!s->host)
			return -EFAULT;
		iov[n].iov_base = (uint8_t *)s->host + skip;
		iov[n].iov_len = take;
		n++;
		len -= take;
		skip = 0;
	}
	return n;
}

/* preadv/pwritev the whole range, through short transfers. 0 or -errno. */
static int blk_rw(struct blk_disk *d, bool write, struct iovec *iov, int n, uint64_t off)
{
	while (n > 0) {
		ssize_t r = write ? pwritev(d->fd, iov, n, (off_t)off)
				  : preadv(d->fd, iov, n, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO; /* the image shrank under us */
		off += (uint64_t)r;
		while (n > 0 && (size_t)r >= iov->iov_len) {
			r -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + r;
			iov->iov_len -= (size_t)r;
		}
	}
	return 0;
}

/* IN or OUT of `len` data bytes at `sector`: a virtio status. */
static uint8_t blk_data(struct blk_disk *d, const struct virtq_chain *c, bool out,
			uint64_t sector, uint64_t len)
{
	struct iovec iov[VIRTQ_MAX_SEGS];
	int n, err;

	if (len % BLK_SECTOR || len > BLK_MAX_REQ_BYTES) {
		pr_err_rl("virtio-blk: data length %llu not a multiple of 512 or too large",
			  (unsigned long long)len);
		return VIRTIO_BLK_S_IOERR;
	}
	if (sector > d->sectors || len / BLK_SECTOR > d->sectors - sector) {
		pr_err_rl("virtio-blk: sectors %llu+%llu beyond the capacity %llu",
			  (unsigned long long)sector, (unsigned long long)(len / BLK_SECTOR),
			  (unsigned long long)d->sectors);
		return VIRTIO_BLK_S_IOERR;
	}
	if (out && d->readonly) {
		pr_err_rl("virtio-blk: write to a read-only disk");
		return VIRTIO_BLK_S_IOERR;
	}
	n = out ? chain_iov(c, false, sizeof(struct blk_hdr), len, iov)
		: chain_iov(c, true, 0, len, iov);
	if (n < 0) {
		pr_err_rl("virtio-blk: data buffer outside guest RAM");
		return VIRTIO_BLK_S_IOERR;
	}
	err = blk_rw(d, out, iov, n, sector * BLK_SECTOR);
	if (err) {
		pr_err_rl("virtio-blk: %s at sector %llu: %s", out ? "write" : "read",
			  (unsigned long long)sector, strerror(-err));
		return VIRTIO_BLK_S_IOERR;
	}
	return VIRTIO_BLK_S_OK;
}

int blk_handle(struct blk_disk *d, const struct virtq_chain *c)
{
	const struct virtq_seg *st = &c->last;
	struct iovec iov[VIRTQ_MAX_SEGS];
	struct blk_hdr h;
	uint64_t in_len = 0; /* device-writable data bytes, status aside */
	uint8_t status;
	int n;

	if (!st->write || !st->len || !st->host) {
		pr_err_rl("virtio-blk: request %u has no writable status byte", c->head);
		return -EIO;
	}
	if (c->bad) {
		status = VIRTIO_BLK_S_IOERR;
		goto done;
	}
	in_len = c->write_len - 1;
	n = chain_iov(c, false, 0, sizeof(h), iov);
	if (c->read_len < sizeof(h) || n < 0) {
		pr_err_rl("virtio-blk: request %u: header short or outside RAM", c->head);
		status = VIRTIO_BLK_S_IOERR;
		in_len = 0;
		goto done;
	}
	memset(&h, 0, sizeof(h));
	for (int i = 0, o = 0; i < n; o += (int)iov[i].iov_len, i++)
		memcpy((uint8_t *)&h + o, iov[i].iov_base, iov[i].iov_len);

	switch (h.type) {
	case VIRTIO_BLK_T_IN:
		status = blk_data(d, c, false, h.sector, in_len);
		break;
	case VIRTIO_BLK_T_OUT:
		status = blk_data(d, c, true, h.sector, c->read_len - sizeof(h));
		in_len = 0;
		break;
	case VIRTIO_BLK_T_FLUSH:
		status = VIRTIO_BLK_S_OK;
		if (fdatasync(d->fd) < 0) {
			pr_err_rl("virtio-blk: fdatasync: %s", strerror(errno));
			status = VIRTIO_BLK_S_IOERR;
		}
		in_len = 0;
		break;
	case VIRTIO_BLK_T_GET_ID:
		in_len = MIN(in_len, (uint64_t)VIRTIO_BLK_ID_BYTES);
		n = chain_iov(c, true, 0, in_len, iov);
		status = VIRTIO_BLK_S_OK;
		if (n < 0) {
			status = VIRTIO_BLK_S_IOERR;
			in_len = 0;
			break;
		}
		for (int i = 0, o = 0; i < n; o += (int)iov[i].iov_len, i++)
			memcpy(iov[i].iov_base, d->id + o, iov[i].iov_len);
		break;
	default:
		pr_err_rl("virtio-blk: request type %u not supported", h.type);
		status = VIRTIO_BLK_S_UNSUPP;
		in_len = 0;
		break;
	}
	if (status != VIRTIO_BLK_S_OK)
		in_len = 0;
done:
	((uint8_t *)st->host)[st->len - 1] = status;
	return (int)(in_len + 1);
}

int blk_serve(struct blk_disk *d, struct virtq *q, struct virtq_chain *c, unsigned int budget)
{
	int done = 0, len;

	while (budget--) {
		if (virtq_pop(q, c) <= 0)
			break;
		len = blk_handle(d, c);
		if (len < 0) {
			virtq_break(q, "request without a status byte");
			break;
		}
		virtq_push(q, c->head, (uint32_t)len);
		done++;
	}
	return done;
}
