/* SPDX-License-Identifier: MIT */
/*
 * The virtual machine: configuration, KVM handles, guest RAM, the I/O
 * buses and the stop protocol shared by vCPU threads, devices and the
 * main thread.
 *
 * Stop protocol: anything that wants the VM to end calls vm_request_stop()
 * with a reason. The first request wins; later ones are ignored. The
 * main thread, blocked in vm_run(), wakes on stop_efd, kicks every vCPU
 * out of KVM_RUN, joins them and maps the reason to hvmm's exit status.
 */
#ifndef HVMM_VM_H
#define HVMM_VM_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "e820.h"
#include "guest_mem.h"
#include "iodev.h"

/* Process exit statuses; documented in `hvmm --help` and README.md. */
enum hvmm_exit {
	HVMM_EXIT_POWEROFF = 0,    /* guest powered off (ACPI S5) */
	HVMM_EXIT_ERROR = 1,       /* internal error (KVM or host failure) */
	HVMM_EXIT_USAGE = 2,       /* bad command line, bad kernel/initrd file */
	HVMM_EXIT_REBOOT = 3,      /* guest rebooted, --on-reboot exit */
	HVMM_EXIT_GUEST_FAULT = 4, /* triple fault or unhandled exit */
	HVMM_EXIT_TIMEOUT = 5,     /* --timeout expired */
	HVMM_EXIT_SIGNAL = 6,      /* stopped by SIGINT/SIGTERM */
	HVMM_EXIT_GUEST_PANIC = 7, /* guest reported a panic (Hyper-V crash MSRs) */
};

enum vm_stop_reason {
	VM_RUNNING = 0,
	VM_STOP_POWEROFF,
	VM_STOP_REBOOT,
	VM_STOP_FAULT,
	VM_STOP_TIMEOUT,
	VM_STOP_ERROR,
	VM_STOP_SIGNAL,
	VM_STOP_PANIC,     /* KVM_SYSTEM_EVENT_CRASH: the guest's crash notification */
};

struct vcpu;
struct uart;
struct hyperv;
struct vmbus;
struct ic_dev;
struct irq_routing;

#define VM_NR_IC 4

struct vm {
	const struct vm_config *cfg;
	int sys_fd;
	int vm_fd;
	int vcpu_mmap_size;
	struct guest_mem mem;
	struct e820_map e820;
	struct io_bus pio;
	struct io_bus mmio;
	unsigned int ncpus;
	struct vcpu *vcpus;
	void *supported_cpuid;   /* struct kvm_cpuid2 * */

	int stop_efd;
	int stop_reason;         /* enum vm_stop_reason, first writer wins */
	unsigned int stop_vcpu;  /* vCPU that requested a fault stop */

	int serial_fd;           /* host end of the console, -1: none (dev_console_fd) */
	struct uart *com1;       /* the console UART (dev_set_console), or NULL */
	struct hyperv *hv;       /* NULL with --hyperv off */
	struct vmbus *vmbus;
	struct ic_dev *ic[VM_NR_IC]; /* shutdown, heartbeat, timesync, kvp */

	struct irq_routing *irq; /* the GSI routing table (irq_routing.h), with the irqchip */
	struct vm_gdb *gdb;      /* --gdb: the stub's glue (vm_gdb.h), or NULL */
};

/* Request the VM to stop. Thread-safe; only the first request counts. */
void vm_request_stop(struct vm *vm, enum vm_stop_reason reason);

/* Assert or deassert an ISA interrupt line on the in-kernel PIC/IOAPIC. */
int vm_irq_line(struct vm *vm, unsigned int irq, int level);

/*
 * Build and run one VM to completion. Returns an enum hvmm_exit value.
 * With --on-reboot restart, a guest reboot builds a fresh VM.
 */
/*
 * Block SIGINT and SIGTERM in the calling thread (and the threads it
 * creates) and return them in *set: vm_main() reads them from a signalfd.
 * `hvmm run` calls this first, so a signal sent while images load is kept
 * pending instead of killing the process. 0 or -EINVAL.
 */
int vm_block_stop_signals(sigset_t *set);
int vm_main(const struct vm_config *cfg);

/* The process exit status (enum hvmm_exit) for a stop reason. */
int vm_exit_status(enum vm_stop_reason r);

#endif
