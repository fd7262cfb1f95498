/* SPDX-License-Identifier: MIT */
/*
 * The device model: what a device may ask of the platform, and how a
 * device registers itself. Devices include this header (and pci.h for a
 * PCI function), never vm.h; the platform side (vmm/platform.c) implements
 * every call below on top of struct vm, which stays opaque here.
 *
 * A new device is one file that ends in one line:
 *
 *     DEVICE_REGISTER(rtc, DEV_LEVEL_PLATFORM, rtc_init, rtc_exit);
 *
 * When a VM instance is built the platform calls every registered init,
 * level by level (DEV_LEVEL_BUS first), in name order within a level, so
 * the order is the same on every run and with every linker. An init that
 * is not wanted in this configuration (COM1 with --serial none, fw_cfg
 * without firmware) returns 0 without registering anything. An init that
 * fails (-errno) fails the VM: the platform then calls the exit of every
 * device whose init had succeeded, in reverse order, as it does when the
 * VM ends normally. Model: kvmtool's dev_init()/dev_exit() levels.
 *
 * One VM runs at a time in a process (the same VM is rebuilt on
 * --on-reboot restart), so a device may keep its per-VM state in a
 * file-scope object that init fills and exit clears; its state machine
 * proper lives in functions that take that object explicitly, so unit
 * tests drive it without a VM.
 *
 * Threads: I/O callbacks run on vCPU threads, several at once; a device
 * with state locks it. Everything here may be called from any thread
 * unless it says otherwise.
 */
#ifndef HVMM_DEVICE_H
#define HVMM_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "iodev.h"

struct vm;        /* opaque to devices */
struct guest_mem;

enum dev_level {
	DEV_LEVEL_BUS,      /* buses others attach to: PCI host bridge */
	DEV_LEVEL_PLATFORM, /* fixed PC devices: PM, RTC, i8042, COM1, POST port */
	DEV_LEVEL_DEVICE,   /* devices on a bus: virtio-blk, ... */
	DEV_LEVEL_FIRMWARE, /* firmware interfaces that describe the rest: fw_cfg, flash */
	DEV_LEVEL_COUNT,
};

struct dev_desc {
	const char *name;
	enum dev_level level;
	int (*init)(struct vm *vm);   /* 0 or -errno */
	void (*exit)(struct vm *vm);  /* may be NULL */
};

/*
 * Put a struct dev_desc in the "hvmm_devices" section; the platform walks
 * it between the linker-provided __start_/__stop_ symbols. The Makefile
 * links device objects into hvmm whole, so an unreferenced device file
 * is not dropped from the archive.
 */
#define DEVICE_REGISTER(id, lvl, initfn, exitfn)                                   \
	static const struct dev_desc dev_desc_##id                                 \
		__attribute__((used, section("hvmm_devices"), aligned(sizeof(void *)))) = { \
		.name = #id, .level = (lvl), .init = (initfn), .exit = (exitfn),   \
	}

/* The user's configuration of this VM (config.h). */
const struct vm_config *dev_config(struct vm *vm);

/* Guest RAM, for devices that reach guest memory (DMA, rings). */
const struct guest_mem *dev_guest_mem(struct vm *vm);

/*
 * Claim a port or MMIO range for the whole life of the VM (iodev.h has
 * the access contract). Only from init. 0 or -errno.
 */
int dev_pio_register(struct vm *vm, uint16_t base, uint16_t len,
		     const struct iodev_ops *ops, void *opaque, const char *name);
int dev_mmio_register(struct vm *vm, uint64_t base, uint64_t len,
		      const struct iodev_ops *ops, void *opaque, const char *name);

/* Assert (1) or deassert (0) an ISA/IOAPIC interrupt line. 0 or -errno. */
int dev_irq_line(struct vm *vm, unsigned int gsi, int level);

/*
 * Why a device asks the VM to end. The first request wins (vm.h has the
 * stop protocol); POWEROFF and RESET are the guest's own wish.
 */
enum dev_stop {
	DEV_STOP_POWEROFF,  /* ACPI S5 */
	DEV_STOP_RESET,     /* reset line: 0xCF9, i8042, ACPI reset register */
	DEV_STOP_ERROR,     /* the device cannot go on (host failure) */
};
void dev_request_stop(struct vm *vm, enum dev_stop why);

/*
 * The console UART: the platform feeds it host input and reports its
 * output statistics. At most one; the call from a second device fails
 * with -EBUSY.
 */
struct uart;
int dev_set_console(struct vm *vm, struct uart *u);

/*
 * The host end of the console line: the file descriptor the console UART
 * writes to (standard output, or the --serial file the platform opened
 * before anything else, so a bad path is a usage error), or -1 for none.
 * Not owned by the device.
 */
int dev_console_fd(struct vm *vm);

/*
 * The guest's clock (KVM's kvmclock, in ns since the VM was created) and
 * the host's wall-clock time (CLOCK_REALTIME, ns) at the same instant, as
 * KVM_GET_CLOCK gives them; when KVM cannot pair them (no
 * KVM_CLOCK_REALTIME) *host_ns is read just after. 0 or -errno.
 */
int dev_guest_clock(struct vm *vm, uint64_t *guest_ns, uint64_t *host_ns);

/*
 * Read-only guest memory backed by host memory (firmware/flash.c, the
 * firmware image): a KVM_MEM_READONLY memslot. Guest reads and
 * instruction fetches hit `host` directly; guest writes exit as MMIO
 * writes to whatever the device registered with dev_mmio_register() over
 * the same range (KVM_EXIT_MMIO; Documentation/virt/kvm/api.rst). With
 * present=false the slot goes away and every access is MMIO.
 *
 * `id` names the slot among a VM's ROM slots (0..DEV_ROM_SLOTS-1, one
 * owner each: the DEV_ROM_ID_* below). gpa, len and host are page
 * aligned; present=true on a present slot first removes it (so a slot can
 * move); present=false on an absent slot is a no-op. Callable from init,
 * exit and from vCPU threads while other vCPUs run; calls are serialised.
 * 0, or -EINVAL (bad id or alignment), -ENOTSUP (KVM without read-only
 * memory), -errno from KVM.
 */
#define DEV_ROM_SLOTS 8
#define DEV_ROM_ID_FW_CODE 0   /* the firmware image */
#define DEV_ROM_ID_FW_VARS 1   /* the UEFI variable store in read-array mode */
int dev_rom_map(struct vm *vm, unsigned int id, uint64_t gpa, uint64_t len, void *host,
		bool present);

/*
 * MSI and MSI-X for PCI functions (vmm/platform_msi.c, on the VM's GSI
 * routing table, vmm/irq_routing.h). A device takes one slot per vector
 * from its init: dev_msi_alloc returns the slot id (>= 0, or -errno) and
 * an eventfd; from then on writing an 8-byte 1 to that eventfd delivers
 * the slot's message to the guest without a VM exit (a KVM irqfd), once
 * dev_msi_set has given it an unmasked message. dev_msi_set tells the
 * platform a vector's message (address, data) and whether it is masked
 * (MSI-X vector or function mask, or MSI-X disabled); the device itself
 * keeps masked messages pending (the PBA) and never writes the eventfd
 * of a masked vector. The eventfd is the device's: it closes it in its
 * exit (which may run after the VM's KVM state is gone; a write then
 * reaches nobody). Callable from any thread. 0 or -errno.
 */
int dev_msi_alloc(struct vm *vm, int *efd);
int dev_msi_set(struct vm *vm, unsigned int id, uint64_t addr, uint32_t data, bool masked);

#endif
