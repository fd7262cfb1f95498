// SPDX-License-Identifier: MIT
/*
 * The virtio-blk PCI functions: one per --disk (dev_config(vm)->disks[]),
 * each a vblk (vblk.h) behind a PCI function of its own:
 *   - VID 0x1AF4, DID 0x1042 (0x1040 + virtio ID 2), revision 1,
 *     subsystem 0x1AF4:0x1100: what OVMF's Virtio10Dxe binds (modern-only,
 *     revision >= 1, subsystem ID >= 0x40; Virtio10Dxe.c
 *     Virtio10BindingSupported) and Linux's virtio_pci_modern_probe;
 *   - class 0x010000 (SCSI storage, as QEMU's virtio-blk-pci);
 *   - one 32-bit memory BAR 0 (virtio_pci.h has its layout) that four
 *     vendor capabilities (struct virtio_pci_cap, include/uapi/linux/
 *     virtio_pci.h) and the MSI-X capability point into;
 *   - MSI-X with VBLK_NR_VECTORS vectors, each a KVM MSI route + irqfd
 *     (device.h dev_msi_*); no INTx (interrupt pin 0), no legacy I/O BAR,
 *     no VIRTIO_PCI_CAP_PCI_CFG window (neither Linux nor OVMF uses it).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "device.h"
#include "pci.h"
#include "util.h"
#include "vblk.h"

#define VIRTIO_PCI_CAP_LEN 16
#define VIRTIO_PCI_NOTIFY_CAP_LEN 20
#define MSIX_CAP_LEN 12

struct vblk_pci {
	struct vblk blk;
	struct pci_dev pci;
	struct vm *vm;
	unsigned int msix_cap;
	int msi_id[VBLK_NR_VECTORS];
	int msi_efd[VBLK_NR_VECTORS];
	bool started, inited;
};

/* One VM at a time (device.h): the disks live here from init to exit. */
static struct vblk_pci vbp[VM_MAX_DISKS];
static unsigned int vbp_nr;

static void vbp_msi_set(void *opaque, unsigned int v, uint64_t addr, uint32_t data, bool masked)
{
	struct vblk_pci *p = opaque;
	int ret = dev_msi_set(p->vm, (unsigned int)p->msi_id[v], addr, data, masked);

	if (ret)
		pr_err_rl("virtio-blk: MSI-X vector %u (addr 0x%llx data 0x%x): %s", v,
			  (unsigned long long)addr, data, strerror(-ret));
}

static void vbp_msi_fire(void *opaque, unsigned int v)
{
	struct vblk_pci *p = opaque;
	uint64_t one = 1;

	if (write(p->msi_efd[v], &one, sizeof(one)) < 0 && errno != EAGAIN)
		pr_err_rl("virtio-blk: irqfd write: %s", strerror(errno));
}

static const struct vpci_irq_ops vbp_irq_ops = { .msi_set = vbp_msi_set, .msi_fire = vbp_msi_fire };

static const struct iodev_ops vbp_bar_ops = { .read = vpci_bar_read, .write = vpci_bar_write };

/* The MSI-X Message Control word changed (enable, function mask). */
static void vbp_cfg_write(struct pci_dev *d, unsigned int off, unsigned int len)
{
	struct vblk_pci *p = d->opaque;
	unsigned int ctl = p->msix_cap + PCI_MSIX_FLAGS;
	uint16_t v;

	if (off >= ctl + 2 || off + len <= ctl)
		return;
	v = (uint16_t)(d->cfg[ctl] | d->cfg[ctl + 1] << 8);
	vpci_msix_control(&p->blk.vp, v & PCI_MSIX_FLAGS_ENABLE, v & PCI_MSIX_FLAGS_MASKALL);
}

static void put32(uint8_t *b, uint32_t v)
{
	memcpy(b, &v, 4);
}

/* A struct virtio_pci_cap pointing into BAR 0. 0 or -errno. */
static int add_vcap(struct pci_dev *d, uint8_t type, uint32_t off, uint32_t len, uint32_t mult)
{
	unsigned int caplen = type == VIRTIO_PCI_CAP_NOTIFY_CFG ? VIRTIO_PCI_NOTIFY_CAP_LEN
							       : VIRTIO_PCI_CAP_LEN;
	int o = pci_add_cap(d, PCI_CAP_ID_VNDR, caplen);

	if (o < 0)
		return o;
	d->cfg[o + 2] = (uint8_t)caplen;
	d->cfg[o + 3] = type;
	d->cfg[o + 4] = 0; /* bar */
	put32(&d->cfg[o + 8], off);
	put32(&d->cfg[o + 12], len);
	if (type == VIRTIO_PCI_CAP_NOTIFY_CFG)
		put32(&d->cfg[o + 16], mult);
	return 0;
}

static int vbp_build(struct vblk_pci *p)
{
	struct pci_dev *d = &p->pci;
	int ret, o;

	pci_dev_init(d, "virtio-blk", VIRTIO_PCI_VENDOR, VIRTIO_PCI_DEVICE_BASE + VIRTIO_ID_BLOCK,
		     0x010000, VIRTIO_PCI_REVISION);
	d->cfg[PCI_SUBSYSTEM_VENDOR_ID] = VIRTIO_PCI_VENDOR & 0xff;
	d->cfg[PCI_SUBSYSTEM_VENDOR_ID + 1] = VIRTIO_PCI_VENDOR >> 8;
	d->cfg[PCI_SUBSYSTEM_ID] = VIRTIO_PCI_SUBSYS_ID & 0xff;
	d->cfg[PCI_SUBSYSTEM_ID + 1] = VIRTIO_PCI_SUBSYS_ID >> 8;
	d->opaque = p;
	d->cfg_write = vbp_cfg_write;
	ret = pci_set_bar(d, 0, PCI_BAR_MEM32, VPCI_BAR_SIZE, &vbp_bar_ops, &p->blk.vp);
	/* Region lengths as QEMU's (a page each); the transport answers 0 past its registers. */
	if (!ret)
		ret = add_vcap(d, VIRTIO_PCI_CAP_COMMON_CFG, VPCI_COMMON_OFF, VPCI_REGION_LEN, 0);
	if (!ret)
		ret = add_vcap(d, VIRTIO_PCI_CAP_NOTIFY_CFG, VPCI_NOTIFY_OFF, VPCI_REGION_LEN,
			       VPCI_NOTIFY_MULT);
	if (!ret)
		ret = add_vcap(d, VIRTIO_PCI_CAP_ISR_CFG, VPCI_ISR_OFF, VPCI_REGION_LEN, 0);
	if (!ret)
		ret = add_vcap(d, VIRTIO_PCI_CAP_DEVICE_CFG, VPCI_DEVCFG_OFF, VPCI_REGION_LEN, 0);
	if (ret)
		return ret;
	o = pci_add_cap(d, PCI_CAP_ID_MSIX, MSIX_CAP_LEN);
	if (o < 0)
		return o;
	p->msix_cap = (unsigned int)o;
	d->cfg[o + PCI_MSIX_FLAGS] = VBLK_NR_VECTORS - 1; /* table size - 1 */
	d->wmask[o + PCI_MSIX_FLAGS + 1] = (PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL) >> 8;
	put32(&d->cfg[o + PCI_MSIX_TABLE], VPCI_MSIX_TABLE_OFF); /* BIR 0 */
	put32(&d->cfg[o + PCI_MSIX_PBA], VPCI_MSIX_PBA_OFF);
	return 0;
}

static void vbp_exit(struct vm *vm)
{
	unsigned int i, v;

	for (i = 0; i < vbp_nr; i++) {
		struct vblk_pci *p = &vbp[i];

		vblk_stop(&p->blk);
		if (p->inited)
			vblk_destroy(&p->blk);
		for (v = 0; v < VBLK_NR_VECTORS; v++)
			if (p->msi_efd[v] >= 0)
				close(p->msi_efd[v]);
	}
	/* The PCI functions stay in vbp[] (the bus holds them) until the next init. */
	vbp_nr = 0;
}

static int vbp_add(struct vm *vm, const struct disk_config *dc)
{
	struct vblk_pci *p = &vbp[vbp_nr++];
	unsigned int v;
	int ret;

	memset(p, 0, sizeof(*p));
	p->vm = vm;
	for (v = 0; v < VBLK_NR_VECTORS; v++)
		p->msi_efd[v] = -1;
	for (v = 0; v < VBLK_NR_VECTORS; v++) {
		ret = dev_msi_alloc(vm, &p->msi_efd[v]);
		if (ret < 0) {
			pr_err("virtio-blk %s: no MSI slot: %s", dc->path, strerror(-ret));
			return ret;
		}
		p->msi_id[v] = ret;
	}
	ret = vblk_init(&p->blk, dev_guest_mem(vm), dc->path, dc->readonly, &vbp_irq_ops, p);
	if (ret)
		return ret;
	p->inited = true;
	ret = vbp_build(p);
	if (!ret)
		ret = pci_add(vm, &p->pci);
	if (ret) {
		pr_err("virtio-blk %s: cannot add the PCI function: %s", dc->path, strerror(-ret));
		return ret;
	}
	ret = vblk_start(&p->blk);
	if (ret)
		return ret;
	pr_info("virtio-blk: %s on 00:%02x.0, %llu sectors%s", dc->path, pci_dev_slot(&p->pci),
		(unsigned long long)p->blk.disk.sectors, dc->readonly ? ", read-only" : "");
	return 0;
}

static int vbp_init(struct vm *vm)
{
	const struct vm_config *cfg = dev_config(vm);
	unsigned int i;
	int ret;

	vbp_nr = 0;
	for (i = 0; i < cfg->nr_disks && i < VM_MAX_DISKS; i++) {
		ret = vbp_add(vm, &cfg->disks[i]);
		if (ret) {
			vbp_exit(vm); /* our exit is not called when our init fails */
			return ret;
		}
	}
	return 0;
}

DEVICE_REGISTER(virtio_blk, DEV_LEVEL_DEVICE, vbp_init, vbp_exit);
