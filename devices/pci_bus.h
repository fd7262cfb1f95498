/* SPDX-License-Identifier: MIT */
/*
 * The PCI bus's state machine, apart from the VM glue in pci.c's init,
 * so unit tests drive it without a VM. Devices use pci.h, not this.
 */
#ifndef HVMM_PCI_BUS_H
#define HVMM_PCI_BUS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "iodev.h"
#include "pci.h"

#define PCI_CONF_PORT 0xcf8     /* CONFIG_ADDRESS; 0xcf9 reset; 0xcfc data */
#define PCI_CONF_PORTS 8
#define PCI_CONF_ENABLE 0x80000000U
#define PCI_RCR_OFF 1           /* 0xcf9 within the range */
#define PCI_RCR_SYS_RST 0x02    /* PIIX3 RC: hard (system) reset type */
#define PCI_RCR_RST_CPU 0x04    /* PIIX3 RC: reset now */

/* The 64-bit window reaches the architectural maximum; the guest picks. */
#define PCI_MMIO64_END (1ULL << 52)

/* One BAR that currently decodes. */
struct pci_decode {
	enum io_space space;
	uint64_t base, size;
	const struct iodev_ops *ops;
	void *opaque;
};

#define PCI_MAX_DECODE (PCI_SLOTS * PCI_FUNCS * PCI_NUM_BARS)

struct pci_bus {
	/* Serialises config accesses and CONFIG_ADDRESS. */
	pthread_mutex_t cfg_lock;
	uint32_t config_address;
	uint8_t rcr;                        /* 0xcf9, bit 1 kept */
	struct pci_dev *devs[PCI_SLOTS * PCI_FUNCS];   /* by devfn */
	/* Windows (end exclusive); BARs outside them do not decode. */
	uint64_t io_base, io_end;
	uint64_t mmio32_base, mmio32_end;
	uint64_t mmio64_base, mmio64_end;
	/* What decodes now: rebuilt on command/BAR writes, read by vCPUs. */
	pthread_rwlock_t decode_lock;
	unsigned int nr_decode;
	struct pci_decode decode[PCI_MAX_DECODE];
	/* 0xcf9 with RST_CPU: the platform's reset. */
	void (*reset)(void *opaque);
	void *reset_opaque;
};

/* Windows as above; mmio64 [base, end) may be empty (base == end). */
void pci_bus_init(struct pci_bus *b, uint64_t mmio32_base, uint64_t mmio64_base,
		  uint64_t mmio64_end);
void pci_bus_destroy(struct pci_bus *b);
int pci_bus_add(struct pci_bus *b, struct pci_dev *d);

/* The 0xcf8-0xcff range (off 0..7). */
extern const struct iodev_ops pci_conf_ops;

/* A BAR window access; false (reads all-ones) when no BAR decodes it. */
bool pci_bus_bar_access(struct pci_bus *b, enum io_space space, uint64_t addr,
			uint8_t *data, unsigned int len, bool is_write);

/* The platform functions (pci_platform.c): 00:00.0, 00:01.0, 00:01.3. */
int pci_platform_add(struct pci_bus *b);
#define PIIX4_PM_DEVFN PCI_MAKE_DEVFN(1, 3)
#define PIIX4_PMBA 0x40
#define PIIX4_PMREGMISC 0x80
#define PIIX3_PIRQRC 0x60

#endif
