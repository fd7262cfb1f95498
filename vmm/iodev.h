/* SPDX-License-Identifier: MIT */
/*
 * Port-I/O and MMIO dispatch. Devices register address ranges before the
 * vCPUs start; lookups afterwards are lock-free (the table is immutable
 * while vCPUs run). A device's callbacks may run concurrently on several
 * vCPU threads: a device with state must lock it.
 *
 * Accesses nobody claimed are logged once per address and read as
 * all-ones, as on real hardware with nothing decoding the address.
 */
#ifndef HVMM_IODEV_H
#define HVMM_IODEV_H

#include <stdbool.h>
#include <stdint.h>

enum io_space { IO_SPACE_PIO, IO_SPACE_MMIO };

struct iodev_ops {
	/* `off` is relative to the registered base; len is 1, 2, 4 or 8. */
	void (*read)(void *opaque, uint64_t off, uint8_t *data, unsigned int len);
	void (*write)(void *opaque, uint64_t off, const uint8_t *data, unsigned int len);
};

struct iodev {
	uint64_t base;
	uint64_t len;
	const struct iodev_ops *ops;
	void *opaque;
	const char *name;
	uint64_t hits;  /* accesses dispatched here; relaxed atomic, for --stats */
};

#define IOBUS_MAX_DEVS 64
#define IOBUS_UNCLAIMED_SLOTS 256

struct io_bus {
	enum io_space space;
	unsigned int nr;
	struct iodev devs[IOBUS_MAX_DEVS];  /* sorted by base */
	/* addresses already reported as unclaimed (open addressing) */
	uint64_t unclaimed[IOBUS_UNCLAIMED_SLOTS];
	unsigned long unclaimed_count;
};

/*
 * The value of an access's bytes, little-endian as x86 is, and back: for
 * callbacks that treat a register as a number. len is at most 8 (larger
 * is clamped, as a safety net: the bus never passes more).
 */
static inline uint64_t iodev_get_le(const uint8_t *data, unsigned int len)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < len && i < 8; i++)
		v |= (uint64_t)data[i] << (8 * i);
	return v;
}

static inline void iodev_put_le(uint8_t *data, unsigned int len, uint64_t v)
{
	unsigned int i;

	for (i = 0; i < len && i < 8; i++)
		data[i] = (uint8_t)(v >> (8 * i));
}

void iobus_init(struct io_bus *bus, enum io_space space);

/*
 * Claim [base, base+len). Returns 0, -EINVAL (empty or wrapping range),
 * -EBUSY (overlaps a registered range), -ENOSPC (table full).
 */
int iobus_register(struct io_bus *bus, uint64_t base, uint64_t len,
		   const struct iodev_ops *ops, void *opaque, const char *name);

/*
 * Dispatch one access. An access that straddles the end of a device's
 * range is treated as unclaimed. Returns true if a device handled it.
 */
bool iobus_access(struct io_bus *bus, uint64_t addr, uint8_t *data,
		  unsigned int len, bool is_write);

#endif
