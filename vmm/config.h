/* SPDX-License-Identifier: MIT */
/*
 * The user's configuration of one VM, as the command line gave it. The
 * platform (vm.h) and devices (device.h) both read it; nothing writes it
 * after `hvmm run` has parsed its arguments.
 */
#ifndef HVMM_CONFIG_H
#define HVMM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

enum serial_mode { SERIAL_STDIO, SERIAL_FILE, SERIAL_NONE };
enum reboot_action { ON_REBOOT_EXIT, ON_REBOOT_RESTART };
enum isolation_mode { ISOLATION_NONE, ISOLATION_VBS };

#define VM_MAX_CPUS 64
#define VM_MAX_DISKS 8

struct disk_config {
	const char *path;        /* raw image file or block device */
	bool readonly;
};

struct vm_config {
	uint64_t mem_size;
	unsigned int ncpus;
	const char *kernel;
	const char *initrd;
	const char *cmdline;
	enum serial_mode serial;
	const char *serial_path;
	enum reboot_action on_reboot;
	unsigned int timeout_s;  /* 0 = none */
	bool stats;              /* print exit statistics at the end */
	bool hyperv;             /* Hyper-V enlightenments and VMBus */
	bool vsm;                /* --vsm on: VTL0/VTL1 emulation (needs --hyperv on) */
	enum isolation_mode isolation; /* --isolation (needs --hyperv on) */
	bool late_event_port;    /* --debug-inject late-event-port */
	int64_t rtc_offset_s;    /* --debug-inject rtc-offset=S: RTC starts S s off */
	bool drop_eom;           /* --debug-inject drop-eom: the guest's EOMs are ignored */
	unsigned int boot_delay_ms; /* --debug-inject boot-delay=MS: BSP starts MS later */
	const char *events;      /* --events PATH or fd:N, or NULL */
	unsigned int shutdown_grace_s; /* SIGTERM: graceful, then hard stop */
	const char *api_path;    /* --api unix:PATH, or NULL */
	const char *gdb;         /* --gdb tcp:[HOST:]PORT | unix:PATH, or NULL */
	bool gdb_wait;           /* --gdb-wait: vCPUs wait for gdb before running */

	/*
	 * Firmware boot: with `firmware` set the vCPUs start at the reset
	 * vector and `kernel`/`initrd`/`cmdline` (optional then) are handed
	 * to the firmware through fw_cfg; without it hvmm loads `kernel`.
	 */
	const char *firmware;    /* --firmware PATH, or what --uefi chose */
	const char *uefi_vars;   /* --uefi-vars PATH: writable variable store */
	bool uefi;               /* --uefi */
	/*
	 * --debug-inject firmware-payload: the firmware and its store are
	 * mapped, but `kernel` starts directly (a test payload that drives
	 * the flash itself); see vm_firmware_boot().
	 */
	bool fw_payload;
	struct disk_config disks[VM_MAX_DISKS]; /* --disk, in order */
	unsigned int nr_disks;
};

#endif
