// SPDX-License-Identifier: MIT
/*
 * PCI bus 0: configuration mechanism #1 at 0xCF8/0xCFC, the PIIX reset
 * control register at 0xCF9, and dispatch of the I/O and memory windows
 * to whichever BAR decodes an address now (BARs move whenever the guest
 * reprograms them; the platform's iobus tables never change while vCPUs
 * run, so the bus claims whole windows and keeps its own table).
 */
#include <errno.h>
#include <string.h>

#include "device.h"
#include "guest_mem.h"
#include "pci.h"
#include "pci_bus.h"
#include "util.h"

#define PCI_BAR_REG(idx) (PCI_BASE_ADDRESS_0 + 4 * (idx))
#define PCI_CAP_START 0x40

static uint32_t cfg_get(const struct pci_dev *d, unsigned int off, unsigned int len)
{
	uint32_t v = 0;
	unsigned int i;

	for (i = 0; i < len; i++)
		v |= (uint32_t)d->cfg[off + i] << (8 * i);
	return v;
}

static void cfg_put(struct pci_dev *d, unsigned int off, unsigned int len, uint32_t v)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		d->cfg[off + i] = (uint8_t)(v >> (8 * i));
}

static void mask_put(uint8_t *m, unsigned int off, unsigned int len, uint32_t v)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		m[off + i] = (uint8_t)(v >> (8 * i));
}

static bool cfg_range_ok(unsigned int off, unsigned int len)
{
	return (len == 1 || len == 2 || len == 4) && off + len <= PCI_CFG_SPACE_LEN;
}

void pci_dev_init(struct pci_dev *d, const char *name, uint16_t vendor,
		  uint16_t device, uint32_t class_code, uint8_t revision)
{
	memset(d, 0, sizeof(*d));
	d->name = name;
	d->devfn = PCI_DEVFN_AUTO;
	d->cap_end = PCI_CAP_START;
	cfg_put(d, PCI_VENDOR_ID, 2, vendor);
	cfg_put(d, PCI_DEVICE_ID, 2, device);
	cfg_put(d, PCI_REVISION_ID, 1, revision);
	cfg_put(d, PCI_CLASS_PROG, 1, class_code & 0xff);
	cfg_put(d, PCI_CLASS_DEVICE, 2, (class_code >> 8) & 0xffff);
	mask_put(d->wmask, PCI_COMMAND, 2,
		 PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
		 PCI_COMMAND_PARITY | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE);
	mask_put(d->w1cmask, PCI_STATUS, 2,
		 PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT |
		 PCI_STATUS_REC_TARGET_ABORT | PCI_STATUS_REC_MASTER_ABORT |
		 PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY);
	d->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
	d->wmask[PCI_LATENCY_TIMER] = 0xff;
	d->wmask[PCI_INTERRUPT_LINE] = 0xff;
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static int bar_check(const struct pci_dev *d, unsigned int idx, enum pci_bar_kind kind,
		     uint64_t size, const struct iodev_ops *ops)
{
	if (idx >= PCI_NUM_BARS || !is_pow2(size) || !ops)
		return -EINVAL;
	switch (kind) {
	case PCI_BAR_IO:
		if (size < 4 || size > 256)
			return -EINVAL;
		break;
	case PCI_BAR_MEM32:
		if (size < 16 || size > (1ULL << 31))
			return -EINVAL;
		break;
	case PCI_BAR_MEM64:
		if (size < 16 || idx + 1 >= PCI_NUM_BARS || d->bar[idx + 1].kind != PCI_BAR_UNUSED)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (idx > 0 && d->bar[idx - 1].kind == PCI_BAR_MEM64)
		return -EINVAL;  /* upper half of a 64-bit BAR */
	return 0;
}

int pci_set_bar(struct pci_dev *d, unsigned int idx, enum pci_bar_kind kind,
		uint64_t size, const struct iodev_ops *ops, void *opaque)
{
	int ret = bar_check(d, idx, kind, size, ops);

	if (ret)
		return ret;
	d->bar[idx] = (struct pci_bar){ .kind = kind, .size = size, .ops = ops, .opaque = opaque };
	return 0;
}

int pci_add_cap(struct pci_dev *d, uint8_t id, unsigned int len)
{
	unsigned int off = (d->cap_end + 3U) & ~3U, p;

	if (len < 2 || off < PCI_CAP_START)
		return -EINVAL;
	if (off + len > PCI_CFG_SPACE_LEN)
		return -ENOSPC;
	d->cfg[off] = id;
	d->cfg[off + 1] = 0;
	if (!(d->cfg[PCI_STATUS] & PCI_STATUS_CAP_LIST)) {
		d->cfg[PCI_CAPABILITY_LIST] = (uint8_t)off;
		d->cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	} else {
		/* Walk to the last entry; the list only ever grows here. */
		for (p = d->cfg[PCI_CAPABILITY_LIST]; d->cfg[p + 1]; p = d->cfg[p + 1])
			;
		d->cfg[p + 1] = (uint8_t)off;
	}
	d->cap_end = (uint8_t)MIN(off + len, 0xffU);
	return (int)off;
}

/* Put BAR idx's type bits and sizing mask into cfg/wmask. */
static int bar_program(struct pci_dev *d, unsigned int idx)
{
	const struct pci_bar *bar = &d->bar[idx];
	unsigned int reg = PCI_BAR_REG(idx);
	uint64_t mask = ~(bar->size - 1);
	uint32_t flags;

	if (bar->kind == PCI_BAR_UNUSED)
		return 0;
	if (bar_check(d, idx, bar->kind, bar->size, bar->ops))
		return -EINVAL;
	switch (bar->kind) {
	case PCI_BAR_IO:
		flags = PCI_BASE_ADDRESS_SPACE_IO;
		mask_put(d->wmask, reg, 4, (uint32_t)mask & ~3U);
		break;
	case PCI_BAR_MEM64:
		flags = PCI_BASE_ADDRESS_MEM_TYPE_64;
		mask_put(d->wmask, reg, 4, (uint32_t)mask & ~15U);
		mask_put(d->wmask, reg + 4, 4, (uint32_t)(mask >> 32));
		cfg_put(d, reg + 4, 4, 0);
		break;
	default:
		flags = PCI_BASE_ADDRESS_MEM_TYPE_32;
		mask_put(d->wmask, reg, 4, (uint32_t)mask & ~15U);
		break;
	}
	if (bar->kind != PCI_BAR_IO && bar->prefetchable)
		flags |= PCI_BASE_ADDRESS_MEM_PREFETCH;
	cfg_put(d, reg, 4, flags);
	return 0;
}

uint64_t pci_mmio32_base(uint64_t low_ram)
{
	uint64_t gap = (1ULL << 32) - MIN(low_ram, (1ULL << 32) - 1);
	uint64_t p = 1ULL << 31;

	if (!low_ram)
		return 1ULL << 31;
	while (p > gap)
		p >>= 1;
	return (1ULL << 32) - p;
}

void pci_bus_init(struct pci_bus *b, uint64_t mmio32_base, uint64_t mmio64_base,
		  uint64_t mmio64_end)
{
	memset(b, 0, sizeof(*b));
	pthread_mutex_init(&b->cfg_lock, NULL);
	pthread_rwlock_init(&b->decode_lock, NULL);
	b->io_base = PCI_IO_WINDOW_BASE;
	b->io_end = PCI_IO_WINDOW_END;
	b->mmio32_base = mmio32_base;
	b->mmio32_end = PCI_MMIO32_END;
	b->mmio64_base = mmio64_base;
	b->mmio64_end = mmio64_end;
}

void pci_bus_destroy(struct pci_bus *b)
{
	pthread_rwlock_destroy(&b->decode_lock);
	pthread_mutex_destroy(&b->cfg_lock);
	memset(b, 0, sizeof(*b));
}

static bool in_window(uint64_t base, uint64_t size, uint64_t lo, uint64_t hi)
{
	return base >= lo && base < hi && size <= hi - base;
}

/*
 * Where BAR idx points, and whether it decodes: its command enable bit
 * is on and it lies wholly inside a window. Config lock held.
 */
static bool bar_decodes(const struct pci_bus *b, struct pci_dev *d, unsigned int idx,
			uint64_t *basep)
{
	const struct pci_bar *bar = &d->bar[idx];
	uint32_t cmd = cfg_get(d, PCI_COMMAND, 2);
	uint32_t lo = cfg_get(d, PCI_BAR_REG(idx), 4);
	uint64_t base;

	switch (bar->kind) {
	case PCI_BAR_IO:
		base = lo & PCI_BASE_ADDRESS_IO_MASK;
		*basep = base;
		return (cmd & PCI_COMMAND_IO) &&
		       in_window(base, bar->size, b->io_base, b->io_end);
	case PCI_BAR_MEM32:
	case PCI_BAR_MEM64:
		base = lo & PCI_BASE_ADDRESS_MEM_MASK;
		if (bar->kind == PCI_BAR_MEM64)
			base |= (uint64_t)cfg_get(d, PCI_BAR_REG(idx + 1), 4) << 32;
		*basep = base;
		return (cmd & PCI_COMMAND_MEMORY) &&
		       (in_window(base, bar->size, b->mmio32_base, b->mmio32_end) ||
			in_window(base, bar->size, b->mmio64_base, b->mmio64_end));
	default:
		*basep = 0;
		return false;
	}
}

/* Recompute what decodes. Config lock held. */
static void decode_rebuild(struct pci_bus *b)
{
	unsigned int devfn, idx, n = 0;
	struct pci_dev *d;
	uint64_t base;

	pthread_rwlock_wrlock(&b->decode_lock);
	for (devfn = 0; devfn < PCI_SLOTS * PCI_FUNCS; devfn++) {
		d = b->devs[devfn];
		if (!d)
			continue;
		for (idx = 0; idx < PCI_NUM_BARS; idx++) {
			if (d->bar[idx].kind == PCI_BAR_UNUSED)
				continue;
			bool on = bar_decodes(b, d, idx, &base);

			d->bar_addr[idx] = base;
			if (on && n < PCI_MAX_DECODE)
				b->decode[n++] = (struct pci_decode){
					.space = d->bar[idx].kind == PCI_BAR_IO ?
						 IO_SPACE_PIO : IO_SPACE_MMIO,
					.base = base, .size = d->bar[idx].size,
					.ops = d->bar[idx].ops, .opaque = d->bar[idx].opaque,
				};
		}
	}
	b->nr_decode = n;
	pthread_rwlock_unlock(&b->decode_lock);
}

/* The multi-function bit of fn 0 in `slot` follows its siblings. */
static void update_multifunction(struct pci_bus *b, unsigned int slot)
{
	struct pci_dev *f0 = b->devs[PCI_MAKE_DEVFN(slot, 0)];
	unsigned int fn;

	if (!f0)
		return;
	for (fn = 1; fn < PCI_FUNCS; fn++)
		if (b->devs[PCI_MAKE_DEVFN(slot, fn)])
			f0->cfg[PCI_HEADER_TYPE] |= PCI_HDR_MULTI_FUNCTION;
}

int pci_bus_add(struct pci_bus *b, struct pci_dev *d)
{
	unsigned int idx, slot;
	int devfn = d->devfn, ret = 0;

	for (idx = 0; idx < PCI_NUM_BARS; idx++)
		if (bar_program(d, idx))
			return -EINVAL;
	if (devfn != PCI_DEVFN_AUTO && (devfn < 0 || devfn >= PCI_SLOTS * PCI_FUNCS))
		return -EINVAL;
	pthread_mutex_lock(&b->cfg_lock);
	if (devfn == PCI_DEVFN_AUTO) {
		ret = -ENOSPC;
		for (slot = 2; slot < PCI_SLOTS; slot++) {
			unsigned int fn;

			for (fn = 0; fn < PCI_FUNCS && !b->devs[PCI_MAKE_DEVFN(slot, fn)]; fn++)
				;
			if (fn == PCI_FUNCS) {
				devfn = PCI_MAKE_DEVFN(slot, 0);
				ret = 0;
				break;
			}
		}
	} else if (b->devs[devfn]) {
		ret = -EBUSY;
	}
	if (!ret) {
		d->devfn = devfn;
		d->bus = b;
		b->devs[devfn] = d;
		update_multifunction(b, (unsigned int)devfn >> 3);
		decode_rebuild(b);
	}
	pthread_mutex_unlock(&b->cfg_lock);
	if (ret)
		pr_err("pci: cannot add %s: %s", d->name ? d->name : "function", strerror(-ret));
	return ret;
}

/* Apply a guest write through the masks; the hook sees the result. */
static void cfg_guest_write(struct pci_bus *b, struct pci_dev *d, unsigned int off,
			    unsigned int len, uint32_t val)
{
	unsigned int i;

	for (i = 0; i < len; i++) {
		unsigned int r = off + i;
		uint8_t v = (uint8_t)(val >> (8 * i));

		d->cfg[r] = (uint8_t)((d->cfg[r] & ~d->wmask[r]) | (v & d->wmask[r]));
		d->cfg[r] &= (uint8_t)~(v & d->w1cmask[r]);
	}
	if (d->cfg_write)
		d->cfg_write(d, off, len);
	/* Command or a BAR changed: what decodes may have moved. */
	if ((off < PCI_COMMAND + 2 && off + len > PCI_COMMAND) ||
	    (off < PCI_BAR_REG(PCI_NUM_BARS) && off + len > PCI_BASE_ADDRESS_0) || d->cfg_write)
		decode_rebuild(b);
}

static struct pci_dev *cfg_target(struct pci_bus *b, unsigned int *reg, unsigned int k)
{
	uint32_t ca = b->config_address;

	if (!(ca & PCI_CONF_ENABLE) || ((ca >> 16) & 0xff) != 0)
		return NULL;
	*reg = (ca & 0xfc) + k;
	return b->devs[(ca >> 8) & 0xff];
}


/*
 * 0xCF8: CONFIG_ADDRESS, dword accesses only (smaller ones there are
 * ordinary I/O cycles nothing decodes: all-ones). 0xCF9: the PIIX reset
 * control register, a byte. 0xCFC-0xCFF: CONFIG_DATA, any width that
 * stays inside the dword, at the matching register byte.
 */
static void pci_conf_read(void *opaque, uint64_t off, uint8_t *data, unsigned int len)
{
	struct pci_bus *b = opaque;
	uint32_t v = 0xffffffffU;
	struct pci_dev *d;
	unsigned int reg;

	pthread_mutex_lock(&b->cfg_lock);
	if (off == 0 && len == 4) {
		v = b->config_address;
	} else if (off == PCI_RCR_OFF && len == 1) {
		v = b->rcr;
	} else if (off >= 4 && off + len <= 8) {
		d = cfg_target(b, &reg, (unsigned int)off - 4);
		if (d)
			v = cfg_get(d, reg, len);
	}
	pthread_mutex_unlock(&b->cfg_lock);
	iodev_put_le(data, len, v);
}

static void pci_conf_write(void *opaque, uint64_t off, const uint8_t *data, unsigned int len)
{
	struct pci_bus *b = opaque;
	uint32_t v = iodev_get_le(data, len);
	bool reset = false;
	struct pci_dev *d;
	unsigned int reg;

	pthread_mutex_lock(&b->cfg_lock);
	if (off == 0 && len == 4) {
		/* Bits 30:24 are reserved and 1:0 select type 0/1: not kept. */
		b->config_address = v & 0x80fffffcU;
	} else if (off == PCI_RCR_OFF && len == 1) {
		/*
		 * PIIX3 RC: bit 2 resets now, bit 1 picks hard vs soft. Both
		 * kinds are a full platform reset here (no CPU-only INIT
		 * reset), as in QEMU's piix rcr_write; OVMF's ResetCold writes
		 * 0x06, Linux's reboot=pci 0x02 then 0x06 or 0x0e.
		 */
		b->rcr = (uint8_t)(v & PCI_RCR_SYS_RST);
		reset = v & PCI_RCR_RST_CPU;
	} else if (off >= 4 && off + len <= 8) {
		d = cfg_target(b, &reg, (unsigned int)off - 4);
		if (d)
			cfg_guest_write(b, d, reg, len, v);
	}
	pthread_mutex_unlock(&b->cfg_lock);
	if (reset && b->reset) {
		pr_info("guest reset through port 0x%x", PCI_CONF_PORT + PCI_RCR_OFF);
		b->reset(b->reset_opaque);
	}
}

const struct iodev_ops pci_conf_ops = { .read = pci_conf_read, .write = pci_conf_write };

bool pci_bus_bar_access(struct pci_bus *b, enum io_space space, uint64_t addr,
			uint8_t *data, unsigned int len, bool is_write)
{
	const struct iodev_ops *ops = NULL;
	void *dev_opaque = NULL;
	uint64_t base = 0;
	unsigned int i;

	pthread_rwlock_rdlock(&b->decode_lock);
	for (i = 0; i < b->nr_decode; i++) {
		const struct pci_decode *e = &b->decode[i];

		if (e->space == space && addr >= e->base && addr - e->base < e->size &&
		    len <= e->size - (addr - e->base)) {
			ops = e->ops;
			dev_opaque = e->opaque;
			base = e->base;
			break;
		}
	}
	pthread_rwlock_unlock(&b->decode_lock);
	/* BARs never go away, so the callback runs without the lock. */
	if (!ops) {
		if (!is_write)
			memset(data, 0xff, len);
		return false;
	}
	if (is_write) {
		if (ops->write)
			ops->write(dev_opaque, addr - base, data, len);
	} else if (ops->read) {
		ops->read(dev_opaque, addr - base, data, len);
	} else {
		memset(data, 0xff, len);
	}
	return true;
}

uint32_t pci_cfg_read(struct pci_dev *d, unsigned int off, unsigned int len)
{
	uint32_t v;

	if (!cfg_range_ok(off, len))
		return 0xffffffffU;
	if (d->bus)
		pthread_mutex_lock(&d->bus->cfg_lock);
	v = cfg_get(d, off, len);
	if (d->bus)
		pthread_mutex_unlock(&d->bus->cfg_lock);
	return v;
}

void pci_cfg_write(struct pci_dev *d, unsigned int off, unsigned int len, uint32_t val)
{
	if (!cfg_range_ok(off, len))
		return;
	if (!d->bus) {
		cfg_put(d, off, len, val);
		return;
	}
	pthread_mutex_lock(&d->bus->cfg_lock);
	cfg_put(d, off, len, val);
	decode_rebuild(d->bus);
	pthread_mutex_unlock(&d->bus->cfg_lock);
}

bool pci_bar_active(struct pci_dev *d, unsigned int idx, uint64_t *base)
{
	uint64_t dummy;
	bool on;

	if (idx >= PCI_NUM_BARS || !d->bus)
		return false;
	pthread_mutex_lock(&d->bus->cfg_lock);
	on = bar_decodes(d->bus, d, idx, base ? base : &dummy);
	pthread_mutex_unlock(&d->bus->cfg_lock);
	return on;
}

/* ---- the VM's bus (one VM per process: device.h) ---- */

struct pci_window {
	struct pci_bus *bus;
	enum io_space space;
	uint64_t base;
	const char *name;
};

static struct pci_bus pci_bus0;
static bool pci_bus0_live;
static struct pci_window pci_windows[3];

static void pci_window_access(struct pci_window *w, uint64_t off, uint8_t *data,
			      unsigned int len, bool is_write)
{
	if (!pci_bus_bar_access(w->bus, w->space, w->base + off, data, len, is_write))
		pr_info_rl("pci: nothing decodes %s 0x%llx (%s, %u bytes)", w->name,
			   (unsigned long long)(w->base + off), is_write ? "write" : "read", len);
}

static void pci_window_read(void *opaque, uint64_t off, uint8_t *data, unsigned int len)
{
	pci_window_access(opaque, off, data, len, false);
}

static void pci_window_write(void *opaque, uint64_t off, const uint8_t *data, unsigned int len)
{
	pci_window_access(opaque, off, (uint8_t *)data, len, true);
}

static const struct iodev_ops pci_window_ops = { .read = pci_window_read, .write = pci_window_write };

static void pci_vm_reset(void *opaque)
{
	dev_request_stop(opaque, DEV_STOP_RESET);
}

int pci_add(struct vm *vm, struct pci_dev *d)
{
	if (!pci_bus0_live)
		return -ENODEV;
	return pci_bus_add(&pci_bus0, d);
}

static int pci_init(struct vm *vm)
{
	const struct guest_mem *mem = dev_guest_mem(vm);
	uint64_t ram_end = (1ULL << 32) + mem->high_size;
	/* Above RAM, 1 GiB aligned, as OVMF's fallback aperture (MemDetect.c). */
	uint64_t mmio64 = (ram_end + (1ULL << 30) - 1) & ~((1ULL << 30) - 1);
	struct pci_bus *b = &pci_bus0;
	int ret;

	pci_bus_init(b, pci_mmio32_base(mem->low_size), mmio64, PCI_MMIO64_END);
	b->reset = pci_vm_reset;
	b->reset_opaque = vm;
	pci_windows[0] = (struct pci_window){ b, IO_SPACE_PIO, b->io_base, "port" };
	pci_windows[1] = (struct pci_window){ b, IO_SPACE_MMIO, b->mmio32_base, "mmio" };
	pci_windows[2] = (struct pci_window){ b, IO_SPACE_MMIO, b->mmio64_base, "mmio64" };
	ret = dev_pio_register(vm, PCI_CONF_PORT, PCI_CONF_PORTS, &pci_conf_ops, b, "pci-conf");
	if (!ret)
		ret = dev_pio_register(vm, (uint16_t)b->io_base, (uint16_t)(b->io_end - b->io_base),
				       &pci_window_ops, &pci_windows[0], "pci-io");
	if (!ret)
		ret = dev_mmio_register(vm, b->mmio32_base, b->mmio32_end - b->mmio32_base,
					&pci_window_ops, &pci_windows[1], "pci-mmio32");
	if (!ret)
		ret = dev_mmio_register(vm, b->mmio64_base, b->mmio64_end - b->mmio64_base,
					&pci_window_ops, &pci_windows[2], "pci-mmio64");
	if (!ret)
		ret = pci_platform_add(b);
	if (ret) {
		pr_err("pci: bus setup failed: %s", strerror(-ret));
		pci_bus_destroy(b);
		return ret;
	}
	pci_bus0_live = true;
	return 0;
}

static void pci_exit(struct vm *vm)
{
	if (!pci_bus0_live)
		return;
	pci_bus0_live = false;
	pci_bus_destroy(&pci_bus0);
}

DEVICE_REGISTER(pci, DEV_LEVEL_BUS, pci_init, pci_exit);
