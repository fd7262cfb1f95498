// SPDX-License-Identifier: MIT
#include "iodev.h"

#include <errno.h>
#include <string.h>

#include "util.h"

void iobus_init(struct io_bus *bus, enum io_space space)
{
	memset(bus, 0, sizeof(*bus));
	bus->space = space;
}

int iobus_register(struct io_bus *bus, uint64_t base, uint64_t len,
		   const struct iodev_ops *ops, void *opaque, const char *name)
{
	uint64_t end;
	unsigned int i, pos;

	if (!len || !ops || __builtin_add_overflow(base, len - 1, &end))
		return -EINVAL;
	if (bus->nr == IOBUS_MAX_DEVS)
		return -ENOSPC;
	for (i = 0; i < bus->nr; i++) {
		const struct iodev *d = &bus->devs[i];

		if (base <= d->base + d->len - 1 && d->base <= end)
			return -EBUSY;
	}
	for (pos = 0; pos < bus->nr && bus->devs[pos].base < base; pos++)
		;
	memmove(&bus->devs[pos + 1], &bus->devs[pos],
		(bus->nr - pos) * sizeof(bus->devs[0]));
	bus->devs[pos] = (struct iodev){
		.base = base, .len = len, .ops = ops, .opaque = opaque, .name = name,
	};
	bus->nr++;
	return 0;
}

static struct iodev *iobus_find(struct io_bus *bus, uint64_t addr)
{
	unsigned int lo = 0, hi = bus->nr;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		struct iodev *d = &bus->devs[mid];

		if (addr < d->base)
			hi = mid;
		else if (addr - d->base >= d->len)
			lo = mid + 1;
		else
			return d;
	}
	return NULL;
}

/*
 * Remember an unclaimed address so it is reported once. The set is a
 * small lock-free open-addressing table; once full, further addresses
 * are counted but not reported, which bounds the log a guest can cause.
 */
static bool iobus_first_unclaimed(struct io_bus *bus, uint64_t addr)
{
	uint64_t key = addr + 1; /* 0 marks a free slot */
	unsigned int h = (unsigned int)((key * 0x9e3779b97f4a7c15ULL) >> 56);
	unsigned int i;

	__atomic_add_fetch(&bus->unclaimed_count, 1, __ATOMIC_RELAXED);
	for (i = 0; i < IOBUS_UNCLAIMED_SLOTS; i++) {
		uint64_t *slot = &bus->unclaimed[(h + i) % IOBUS_UNCLAIMED_SLOTS];
		uint64_t cur = __atomic_load_n(slot, __ATOMIC_RELAXED);

		if (cur == key)
			return false;
		if (cur == 0) {
			uint64_t expected = 0;

			if (__atomic_compare_exchange_n(slot, &expected, key, false,
							__ATOMIC_RELAXED, __ATOMIC_RELAXED))
				return true;
			if (expected == key)
				return false;
		}
	}
	return false;
}

bool iobus_access(struct io_bus *bus, uint64_t addr, uint8_t *data,
		  unsigned int len, bool is_write)
{
	struct iodev *d = iobus_find(bus, addr);

	if (d && len <= d->len && addr - d->base <= d->len - len) {
		__atomic_add_fetch(&d->hits, 1, __ATOMIC_RELAXED);
		if (is_write) {
			if (d->ops->write)
				d->ops->write(d->opaque, addr - d->base, data, len);
		} else if (d->ops->read) {
			d->ops->read(d->opaque, addr - d->base, data, len);
		} else {
			memset(data, 0xff, len);
		}
		return true;
	}
	if (iobus_first_unclaimed(bus, addr))
		pr_info("unclaimed %s %s at 0x%llx, len %u%s",
			bus->space == IO_SPACE_PIO ? "port" : "MMIO",
			is_write ? "write" : "read", (unsigned long long)addr, len,
			is_write ? "" : " (reads as all-ones)");
	if (!is_write)
		memset(data, 0xff, len);
	return false;
}
