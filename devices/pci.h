/* SPDX-License-Identifier: MIT */
/*
 * The PCI bus: bus 0 behind an i440FX host bridge, configuration
 * mechanism #1 (CONFIG_ADDRESS at 0xCF8, CONFIG_DATA at 0xCFC-0xCFF).
 * docs/pci.md describes the platform (topology, windows, limits).
 *
 * A PCI function is a struct pci_dev that its device fills and hands to
 * pci_add() from its init (DEV_LEVEL_DEVICE, device.h). The bus owns the
 * configuration-space semantics: write masks, W1C status bits, BAR
 * sizing and placement, the ROM BAR (reads 0: no option ROMs), the
 * capability list, the command register's decode bits. The device only
 * serves accesses to its BARs and, if it wants, watches config writes.
 *
 * Register names and bit values are Linux's <linux/pci_regs.h>
 * (PCI_COMMAND, PCI_STATUS_CAP_LIST, PCI_CAP_ID_MSIX, ...).
 *
 * Usage (one function with a 16 KiB 64-bit memory BAR and an MSI-X
 * capability):
 *
 *     static struct pci_dev blk_pci;
 *
 *     pci_dev_init(&blk_pci, "virtio-blk", 0x1af4, 0x1042, 0x018000, 1);
 *     pci_set_bar(&blk_pci, 0, PCI_BAR_MEM64, 0x4000, &blk_bar_ops, st);
 *     off = pci_add_cap(&blk_pci, PCI_CAP_ID_MSIX, 12);
 *     ... fill blk_pci.cfg[off + 2 ...], widen blk_pci.wmask[...] ...
 *     blk_pci.cfg_write = blk_cfg_write;   (optional)
 *     ret = pci_add(vm, &blk_pci);
 *
 * Threads: config accesses are serialised by the bus's config lock;
 * BAR accesses run concurrently on vCPU threads (the device locks its own
 * state), and the bus never holds a lock while it calls a BAR callback.
 */
#ifndef HVMM_PCI_H
#define HVMM_PCI_H

#include <linux/pci_regs.h>
#include <stdbool.h>
#include <stdint.h>

#include "iodev.h"

struct vm;
struct pci_bus;

#define PCI_CFG_SPACE_LEN 256
#define PCI_NUM_BARS 6
#define PCI_SLOTS 32
#define PCI_FUNCS 8
#define PCI_MAKE_DEVFN(slot, fn) ((((slot) & 0x1f) << 3) | ((fn) & 7))
#define PCI_DEVFN_AUTO (-1)     /* the bus picks the first free slot >= 2, fn 0 */
#define PCI_HDR_MULTI_FUNCTION 0x80  /* header type bit 7 */

enum pci_bar_kind {
	PCI_BAR_UNUSED = 0,
	PCI_BAR_IO,     /* I/O space, size 4..256 bytes */
	PCI_BAR_MEM32,  /* 32-bit memory, size >= 16 bytes */
	PCI_BAR_MEM64,  /* 64-bit memory: takes this BAR and the next one */
};

struct pci_bar {
	enum pci_bar_kind kind;
	uint64_t size;                /* power of two */
	bool prefetchable;            /* memory BARs only */
	/* Accesses inside the BAR; `off` is relative to its current base. */
	const struct iodev_ops *ops;
	void *opaque;
};

struct pci_dev {
	/* ---- filled by the device (pci_dev_init, then its own edits) ---- */
	const char *name;
	int devfn;                           /* PCI_DEVFN_AUTO or PCI_MAKE_DEVFN() */
	uint8_t cfg[PCI_CFG_SPACE_LEN];      /* initial config space */
	uint8_t wmask[PCI_CFG_SPACE_LEN];    /* bits the guest may write */
	uint8_t w1cmask[PCI_CFG_SPACE_LEN];  /* bits a guest 1 clears (status) */
	struct pci_bar bar[PCI_NUM_BARS];
	/*
	 * Optional: called after a guest config write to [off, off+len) was
	 * applied to cfg[] (including writes to the command register and to
	 * the device's capabilities, e.g. the MSI-X enable bit). It runs with
	 * the bus's config lock held: it may read and adjust d->cfg directly
	 * and must not call pci_cfg_read()/pci_cfg_write()/pci_add().
	 */
	void (*cfg_write)(struct pci_dev *d, unsigned int off, unsigned int len);
	void *opaque;                        /* the device's own */

	/* ---- owned by the bus ---- */
	struct pci_bus *bus;
	uint8_t cap_end;                     /* next free capability offset */
	uint64_t bar_addr[PCI_NUM_BARS];     /* base as the guest programmed it */
};

/*
 * Start a function: zero *d, set vendor/device IDs, the 24-bit class
 * code (class << 16 | subclass << 8 | prog-if), the revision, header
 * type 0, devfn PCI_DEVFN_AUTO and the standard write masks (command
 * I/O, memory, bus master, SERR, INTx disable; status W1C error bits;
 * cache line size, latency timer, interrupt line). Interrupt pin is 0
 * (no INTx: functions use MSI-X).
 */
void pci_dev_init(struct pci_dev *d, const char *name, uint16_t vendor,
		  uint16_t device, uint32_t class_code, uint8_t revision);

/*
 * Describe BAR idx (before pci_add). size is a power of two (I/O: 4 to
 * 256, memory: at least 16); a PCI_BAR_MEM64 needs idx <= 4 and uses
 * idx + 1 as its upper half. 0 or -EINVAL.
 */
int pci_set_bar(struct pci_dev *d, unsigned int idx, enum pci_bar_kind kind,
		uint64_t size, const struct iodev_ops *ops, void *opaque);

/*
 * Append a capability of `len` bytes (ID and next pointer included) to
 * the list, before pci_add. Links it, sets PCI_STATUS_CAP_LIST, and
 * returns its config offset (dword aligned, >= 0x40), or -EINVAL /
 * -ENOSPC. The body is the device's to fill (cfg[] and wmask[]).
 */
int pci_add_cap(struct pci_dev *d, uint8_t id, unsigned int len);

/*
 * Put d on bus 0 (from a device's init). d must stay valid until the VM
 * ends. devfn PCI_DEVFN_AUTO takes the first free slot from 00:02.0 up;
 * a fixed devfn must be free. Returns 0, -ENODEV (no PCI bus in this
 * VM), -EBUSY (devfn taken), -ENOSPC (bus full) or -EINVAL (bad BARs).
 */
int pci_add(struct vm *vm, struct pci_dev *d);

/* The function's devfn once added (PCI_MAKE_DEVFN layout). */
static inline unsigned int pci_dev_slot(const struct pci_dev *d)
{
	return ((unsigned int)d->devfn >> 3) & 0x1f;
}

/*
 * Locked config accessors for device code outside cfg_write (len 1, 2
 * or 4, naturally aligned; out-of-range reads return all-ones and
 * writes are dropped). pci_cfg_write bypasses the write masks: it is
 * the device's own update, not a guest write, and calls no hook.
 */
uint32_t pci_cfg_read(struct pci_dev *d, unsigned int off, unsigned int len);
void pci_cfg_write(struct pci_dev *d, unsigned int off, unsigned int len, uint32_t val);

/*
 * The platform's windows, in which BARs decode. The I/O window is what
 * OVMF's PlatformInitLib/Platform.c (PlatformMemMapInitialization) gives
 * PCI on i440FX; the 32-bit MMIO window is [pci_mmio32_base(low RAM),
 * PCI_MMIO32_END): 4 GiB minus the largest power of two not above the
 * gap (PlatformInitLib/MemDetect.c, PlatformQemuUc32BaseInitialization)
 * up to 0xFC000000 (Platform.c: PciSize = 0xFC000000 - PciBase). The
 * 64-bit window starts at the first 1 GiB boundary above RAM.
 */
#define PCI_IO_WINDOW_BASE 0xc000
#define PCI_IO_WINDOW_END 0x10000
#define PCI_MMIO32_END 0xfc000000ULL
uint64_t pci_mmio32_base(uint64_t low_ram);

/*
 * Whether BAR idx currently decodes (the command register's I/O or
 * memory enable is on and the BAR is inside the bus window), and where.
 */
bool pci_bar_active(struct pci_dev *d, unsigned int idx, uint64_t *base);

#endif
