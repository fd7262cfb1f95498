// SPDX-License-Identifier: MIT
/*
 * Building a VM from its configuration and running it to a stop.
 *
 * Order matters for error reporting: everything that depends only on
 * the user's input (RAM size, kernel and initrd files, command line) is
 * checked before /dev/kvm is opened, so a bad kernel file gets exit
 * status 2 and a one-line reason on any machine, KVM or not.
 */
#include "vm.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "acpi/acpi.h"
#include "acpi_loader.h"
#include "api.h"
#include "events.h"
#include "fw_cfg_boot.h"
#include "kvm.h"
#include "layout.h"
#include "legacy.h"
#include "loader/loader.h"
#include "pci.h"
#include "platform.h"
#include "uart.h"
#include "vmbus/vmbus.h"
#include "vm_vmbus.h"
#include "hv_vsm.h"
#include "hyperv.h"
#include "util.h"
#include "vcpu.h"
#include "vm_gdb.h"
#include "x86_boot.h"

void vm_request_stop(struct vm *vm, enum vm_stop_reason reason)
{
	int expected = VM_RUNNING;
	uint64_t one = 1;

	if (!__atomic_compare_exchange_n(&vm->stop_reason, &expected, (int)reason,
					 false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return;
	if (vm->stop_efd >= 0 && write(vm->stop_efd, &one, sizeof(one)) < 0)
		pr_err("cannot wake the main thread: %s", strerror(errno));
}

int vm_irq_line(struct vm *vm, unsigned int irq, int level)
{
	struct kvm_irq_level l = { .irq = irq, .level = (uint32_t)level };

	if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &l) < 0) {
		pr_err_rl("KVM_IRQ_LINE %u: %s", irq, strerror(errno));
		return -errno;
	}
	return 0;
}

static int vm_load_file(const char *what, const char *path, uint8_t **buf, size_t *len)
{
	int ret = read_file(path, buf, len);

	if (ret)
		pr_err("cannot read %s '%s': %s", what, path,
		       ret == -EINVAL ? "not a regular file" : strerror(-ret));
	return ret;
}

static bool cmdline_has_pci(const char *user)
{
	return !strncmp(user, "pci=", 4) || strstr(user, " pci=");
}

/*
 * Whether Linux booted directly should not see PCI at all: nothing is on
 * the bus but the platform's own functions (only --disk adds one), no
 * firmware needs them, and the user chose no pci= setting. Then the DSDT
 * has no PCI0 and the kernel gets pci=off, which costs nothing: the PCI0
 * root bridge alone prints ~1 KB (2 exits a byte on the serial console)
 * even with pci=off.
 */
static bool vm_pci_hidden(const struct vm_config *cfg)
{
	return !cfg->firmware && cfg->nr_disks == 0 &&
	       !cmdline_has_pci(cfg->cmdline ? cfg->cmdline : "");
}

/*
 * Linux kernels get a pci= setting unless the user chose one. With PCI
 * hidden: pci=off (as Firecracker does). With PCI devices: pci=noearly.
 * The PCI0 root bridge limits the real scan to bus 0, but before it
 * Linux's early GART/AGP check (arch/x86/kernel/aperture_64.c,
 * search_agp_bridge, on AMD CPU families with a GART, such as the lab's
 * family 0xf) walks all 256
 * buses through CF8/CFC twice, ~33,000 exits; early config access is
 * only for chipset quirks this platform does not have. Other kernels get
 * the command line untouched.
 */
static char *vm_kernel_cmdline(const char *user, enum kernel_format fmt, bool pci_hidden)
{
	bool linux_kernel = fmt == KFMT_BZIMAGE || fmt == KFMT_ELF_PVH;
	char *s;

	if (!linux_kernel || cmdline_has_pci(user))
		return strdup(user);
	if (asprintf(&s, "%s%s%s", user, *user ? " " : "",
		     pci_hidden ? "pci=off" : "pci=noearly") < 0)
		return NULL;
	return s;
}

/* The ACPI description of hvmm's platform, for either boot path. */
static void vm_acpi_config(const struct vm *vm, struct acpi_config *acfg)
{
	const struct vm_config *cfg = vm->cfg;

	*acfg = (struct acpi_config){
		.ncpus = cfg->ncpus,
		.ioapic_addr = IOAPIC_BASE,
		.lapic_addr = LAPIC_BASE,
		.sci_irq = PM_SCI_IRQ,
		.pm1a_evt_port = PM_EVT_PORT,
		.pm1a_cnt_port = PM_CNT_PORT,
		.pm_tmr_port = PM_TMR_PORT,
		.reset_port = PM_RESET_PORT,
		.reset_value = PM_RESET_VALUE,
		.s5_slp_typ = PM_S5_SLP_TYP,
		.com1_port = cfg->serial == SERIAL_NONE ? 0 : COM1_PORT,
		.com1_irq = COM1_IRQ,
	};
	if (!vm_pci_hidden(cfg)) {
		acfg->pci_mmio32_base = (uint32_t)pci_mmio32_base(vm->mem.low_size);
		acfg->pci_mmio32_end = PCI_MMIO32_END;
	}
	if (cfg->hyperv)
		acfg->dsdt_hooks[acfg->nr_dsdt_hooks++] =
			(struct acpi_dsdt_hook){ .emit = vmbus_acpi_emit };
}

/*
 * A firmware boot: the firmware finds RAM, the kernel and hvmm's ACPI
 * tables through fw_cfg (firmware/fw_cfg_boot.h), which the devices fill
 * once they exist (vm_firmware_tables); nothing is loaded here. OVMF uses
 * fixed RAM up to 21 MiB before it detects memory and puts its permanent
 * PEI memory (about 64 MiB) below the top of low RAM (edk2 OvmfPkg
 * PlatformPei/MemDetect.c): below FW_MEM_MIN it hangs without a word.
 */
#define FW_MEM_MIN (128ULL << 20)

static int vm_firmware_check(const struct vm *vm)
{
	if (vm->cfg->mem_size < FW_MEM_MIN) {
		pr_err("--mem %llu MiB is too small for firmware; at least %llu MiB",
		       (unsigned long long)(vm->cfg->mem_size >> 20),
		       (unsigned long long)(FW_MEM_MIN >> 20));
		return -EINVAL;
	}
	return 0;
}

/* Whether the vCPUs start in the firmware (else in a loaded kernel). */
static bool vm_firmware_boot(const struct vm_config *cfg)
{
	return cfg->firmware && !cfg->fw_payload;
}

/* After device init: hvmm's ACPI tables into fw_cfg, for the firmware. */
static int vm_firmware_tables(struct vm *vm)
{
	struct fw_cfg *fw = fw_cfg_get(vm);
	struct acpi_config acfg;
	int ret;

	if (!fw) {
		pr_err("firmware boot without fw_cfg");
		return -ENODEV;
	}
	vm_acpi_config(vm, &acfg);
	ret = acpi_loader_install(fw, &acfg);
	if (ret) {
		pr_err("ACPI tables for the firmware: %s", strerror(-ret));
		return ret;
	}
	/*
	 * A kernel handed to the firmware gets the same pci= policy as one
	 * booted directly; it is an EFI-stub bzImage, or OVMF could not
	 * start it. PCI is never hidden under firmware.
	 */
	if (vm->cfg->kernel) {
		char *cmdline = vm_kernel_cmdline(vm->cfg->cmdline ? vm->cfg->cmdline : "",
						  KFMT_BZIMAGE, false);

		ret = cmdline ? fw_cfg_set_cmdline(fw, cmdline) : -ENOMEM;
		free(cmdline);
	}
	return ret;
}

/* Guest-visible platform description, independent of KVM. */
static int vm_build_platform(struct vm *vm, struct boot_state *bs)
{
	const struct vm_config *cfg = vm->cfg;
	struct acpi_config acfg;
	struct load_params lp = {
		.kernel_path = cfg->kernel,
		.initrd_path = cfg->initrd,
		.cmdline = cfg->cmdline ? cfg->cmdline : "",
		.mem = &vm->mem,
		.e820 = &vm->e820,
	};
	uint8_t *kernel = NULL, *initrd = NULL;
	char *cmdline = NULL;
	char err[256] = "";
	ssize_t acpi_len;
	int ret;

	ret = gmem_init(&vm->mem, cfg->mem_size);
	if (ret) {
		pr_err("cannot allocate %llu MiB of guest RAM: %s",
		       (unsigned long long)(cfg->mem_size >> 20), strerror(-ret));
		return ret == -EINVAL ? -EINVAL : -ENOMEM;
	}
	ret = e820_build(&vm->e820, &vm->mem);
	if (ret)
		return ret;
	if (vm_firmware_boot(cfg))
		return vm_firmware_check(vm);
	vm_acpi_config(vm, &acfg);
	acpi_len = acpi_build(gmem_ptr(&vm->mem, ACPI_BASE, ACPI_SIZE), ACPI_SIZE,
			      ACPI_BASE, &acfg);
	if (acpi_len < 0) {
		pr_err("building ACPI tables: %s", strerror((int)-acpi_len));
		return (int)acpi_len;
	}
	lp.rsdp_gpa = ACPI_BASE;
	ret = x86_boot_write_tables(&vm->mem);
	if (ret)
		return ret;
	ret = vm_load_file("kernel", cfg->kernel, &kernel, &lp.kernel_len);
	if (ret)
		goto out;
	lp.kernel = kernel;
	cmdline = vm_kernel_cmdline(lp.cmdline, loader_detect(kernel, lp.kernel_len),
				    vm_pci_hidden(cfg));
	if (!cmdline) {
		ret = -ENOMEM;
		goto out;
	}
	lp.cmdline = cmdline;
	if (cfg->initrd) {
		ret = vm_load_file("initrd", cfg->initrd, &initrd, &lp.initrd_len);
		if (ret)
			goto out;
		lp.initrd = initrd;
	}
	ret = loader_load(&lp, bs, err, sizeof(err));
	if (ret)
		pr_err("%s", err[0] ? err : strerror(-ret));
out:
	free(kernel);
	free(initrd);
	free(cmdline);
	/* Everything here is the user's input: report it as a usage error. */
	return ret ? -EINVAL : 0;
}

static int vm_open_serial(const struct vm_config *cfg)
{
	int fd;

	switch (cfg->serial) {
	case SERIAL_STDIO:
		return STDOUT_FILENO;
	case SERIAL_FILE:
		fd = open(cfg->serial_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			pr_err("cannot open serial output '%s': %s", cfg->serial_path,
			       strerror(errno));
		return fd < 0 ? -errno : fd;
	default:
		return -1;
	}
}

/* At exit, the console output may drain for at most this long. */
#define VM_CONSOLE_FLUSH_MS 2000
/* Likewise the log lines queued while the VM ran (util.h). */
#define VM_LOG_FLUSH_MS 2000

/* Host terminal input goes to COM1; a tty is put in raw mode but keeps ^C. */
struct vm_console {
	bool active;
	bool raw;
	struct termios saved;
	uint8_t pending[256];
	size_t pending_len;
};

static void console_start(struct vm_console *c, const struct vm *vm)
{
	struct termios t;

	memset(c, 0, sizeof(*c));
	c->active = vm->com1 && vm->cfg->serial == SERIAL_STDIO;
	if (!c->active || !isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &c->saved))
		return;
	t = c->saved;
	t.c_iflag &= ~(tcflag_t)(ICRNL | IXON);
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO | IEXTEN);
	if (!tcsetattr(STDIN_FILENO, TCSANOW, &t))
		c->raw = true;
}

static void console_stop(struct vm_console *c)
{
	if (c->raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &c->saved);
	c->raw = false;
}

static void console_input(struct vm_console *c, struct vm *vm)
{
	ssize_t n;
	size_t took;

	if (!c->pending_len) {
		n = read(STDIN_FILENO, c->pending, sizeof(c->pending));
		if (n <= 0) {
			if (n == 0 || (errno != EINTR && errno != EAGAIN))
				c->active = false; /* EOF: the guest just gets no more input */
			return;
		}
		c->pending_len = (size_t)n;
	}
	took = uart_receive(vm->com1, c->pending, c->pending_len);
	memmove(c->pending, c->pending + took, c->pending_len - took);
	c->pending_len -= took;
}

/*
 * SIGINT/SIGTERM: ask the guest to power off through the shutdown IC and
 * give it --shutdown-grace seconds; without VMBus, or on a second signal,
 * stop at once.
 */
static void vm_on_signal(struct vm *vm, unsigned int signo, uint64_t *hard_deadline)
{
	if (!*hard_deadline && vm->cfg->shutdown_grace_s &&
	    !vm_guest_shutdown(vm, false, false, "signal")) {
		pr_warn("received signal %u; asking the guest to shut down (%u s grace)", signo,
			vm->cfg->shutdown_grace_s);
		*hard_deadline = monotonic_ms() + vm->cfg->shutdown_grace_s * 1000ULL;
		return;
	}
	pr_warn("received signal %u; stopping the VM", signo);
	vm_request_stop(vm, VM_STOP_SIGNAL);
}

/* Wait for a stop request, feeding console input and watching the deadline. */
static void vm_wait(struct vm *vm, int sig_fd, uint64_t deadline)
{
	const struct vm_config *cfg = vm->cfg;
	uint64_t hard_deadline = 0;
	struct vm_console con;

	console_start(&con, vm);
	while (__atomic_load_n(&vm->stop_reason, __ATOMIC_ACQUIRE) == VM_RUNNING) {
		struct pollfd p[3] = {
			{ .fd = vm->stop_efd, .events = POLLIN },
			{ .fd = sig_fd, .events = POLLIN },
			{ .fd = con.active && !con.pending_len ? STDIN_FILENO : -1, .events = POLLIN },
		};
		int timeout = -1;

		if (deadline) {
			uint64_t now = monotonic_ms();

			if (now >= deadline) {
				pr_err("guest still running after --timeout %u s; stopping it",
				       cfg->timeout_s);
				if (vm->vmbus)
					vm_vmbus_report(vm, log_file());
				vm_request_stop(vm, VM_STOP_TIMEOUT);
				break;
			}
			timeout = (int)MIN(deadline - now, 1000000ULL);
		}
		if (hard_deadline) {
			uint64_t now = monotonic_ms();

			if (now >= hard_deadline) {
				pr_warn("guest did not shut down within --shutdown-grace %u s; "
					"stopping it", cfg->shutdown_grace_s);
				vm_vmbus_report(vm, log_file());
				vm_request_stop(vm, VM_STOP_SIGNAL);
				break;
			}
			timeout = timeout < 0 ? (int)(hard_deadline - now)
					      : MIN(timeout, (int)(hard_deadline - now));
		}
		/* Input waiting for FIFO space is retried on a short tick. */
		if (con.pending_len)
			timeout = timeout < 0 ? 10 : MIN(timeout, 10);
		if (poll(p, 3, timeout) < 0 && errno != EINTR) {
			/* Leaving with the VM running would hang the vCPU joins. */
			pr_err("main loop: poll: %s; stopping the VM", strerror(errno));
			vm_request_stop(vm, VM_STOP_ERROR);
			break;
		}
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sig_fd, &si, sizeof(si)) == sizeof(si))
				vm_on_signal(vm, si.ssi_signo, &hard_deadline);
		}
		if ((p[2].revents & (POLLIN | POLLHUP)) || con.pending_len)
			console_input(&con, vm);
	}
	console_stop(&con);
}

/*
 * The guest is stopped: give the console output a bounded time to drain
 * (a stalled reader costs SERIAL_OUT_STALL_MS), then say what was lost.
 */
static void console_output_end(struct vm *vm)
{
	uint64_t tx, dropped;

	if (!vm->com1)
		return;
	uart_output_stop(vm->com1, VM_CONSOLE_FLUSH_MS);
	uart_tx_stats(vm->com1, &tx, &dropped);
	if (dropped)
		pr_warn("serial console: %" PRIu64 " of %" PRIu64 " bytes dropped (the output "
			"was not read fast enough, or was closed)", dropped, tx);
}

/* Peak RSS of the process, from /proc/self/status, in KiB (0 if unknown). */
static uint64_t vm_peak_rss_kib(void)
{
	char line[128];
	uint64_t kib = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %" SCNu64, &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* Guest RAM pages resident now, in KiB: what the guest made the host allocate. */
static uint64_t vm_guest_resident_kib(const struct guest_mem *m)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t pages = (size_t)(m->size / (uint64_t)page), i, n = 0;
	unsigned char *vec = malloc(pages);

	if (!vec)
		return 0;
	if (!mincore(m->host, m->size, vec))
		for (i = 0; i < pages; i++)
			n += vec[i] & 1;
	free(vec);
	return n * (uint64_t)page / 1024;
}

/* Which device the IO/MMIO exits went to: the first thing to know when cutting exits. */
static void vm_print_bus_stats(FILE *f, const struct io_bus *bus)
{
	unsigned int i;

	for (i = 0; i < bus->nr; i++) {
		const struct iodev *d = &bus->devs[i];
		uint64_t n = __atomic_load_n(&d->hits, __ATOMIC_RELAXED);

		if (n)
			fprintf(f, "hvmm: stats: %s %-10s 0x%llx %" PRIu64 "\n",
				bus->space == IO_SPACE_PIO ? "pio " : "mmio",
				d->name ? d->name : "?", (unsigned long long)d->base, n);
	}
}

static void vm_print_stats(struct vm *vm)
{
	uint64_t hwm = vm_peak_rss_kib(), guest = vm_guest_resident_kib(&vm->mem);
	uint64_t total[VCPU_EXIT_REASONS] = { 0 }, sum = 0;
	FILE *f = log_file(); /* never waits for a stalled stderr */
	unsigned int i, r;

	for (i = 0; i < vm->ncpus; i++)
		for (r = 0; r < VCPU_EXIT_REASONS; r++)
			total[r] += vm->vcpus[i].exits[r];
	for (r = 0; r < VCPU_EXIT_REASONS; r++) {
		if (!total[r])
			continue;
		fprintf(f, "hvmm: stats: exits %-12s %llu\n", kvm_exit_name(r),
			(unsigned long long)total[r]);
		sum += total[r];
	}
	fprintf(f, "hvmm: stats: exits total        %llu\n", (unsigned long long)sum);
	fprintf(f, "hvmm: stats: unclaimed pio %lu mmio %lu\n",
		vm->pio.unclaimed_count, vm->mmio.unclaimed_count);
	vm_print_bus_stats(f, &vm->pio);
	vm_print_bus_stats(f, &vm->mmio);
	if (vm->com1) {
		uint64_t tx, dropped;

		uart_tx_stats(vm->com1, &tx, &dropped);
		fprintf(f, "hvmm: stats: serial bytes out  %" PRIu64 "\n", tx);
		fprintf(f, "hvmm: stats: serial bytes dropped %" PRIu64 "\n", dropped);
	}
	/* Guest RAM only grows, so peak minus final guest pages bounds our own use. */
	fprintf(f, "hvmm: stats: peak RSS %" PRIu64 " KiB, guest RAM resident %" PRIu64
		" KiB, VMM overhead %" PRIu64 " KiB\n", hwm, guest, hwm > guest ? hwm - guest : 0);
}

static enum vm_stop_reason vm_run_once(const struct vm_config *cfg, int sig_fd,
				       uint64_t deadline)
{
	struct vm vm = { .cfg = cfg, .ncpus = cfg->ncpus, .sys_fd = -1, .vm_fd = -1,
			 .stop_efd = -1, .serial_fd = -1 };
	enum vm_stop_reason reason = VM_STOP_ERROR;
	struct api *api = NULL;
	struct boot_state bs;
	unsigned int i;
	int ret;

	ret = vm_build_platform(&vm, &bs);
	if (ret) {
		reason = ret == -EINVAL ? VM_RUNNING /* usage */ : VM_STOP_ERROR;
		goto out;
	}
	vm.serial_fd = vm_open_serial(cfg);
	if (cfg->serial != SERIAL_NONE && vm.serial_fd < 0) {
		reason = VM_RUNNING;
		goto out;
	}
	if (kvm_vm_create(&vm))
		goto out;
	events_start(cfg);
	if (cfg->hyperv) {
		vm.hv = calloc(1, sizeof(*vm.hv));
		if (!vm.hv || hyperv_init(&vm, vm.hv) ||
		    vcpu_set_exit_handler(KVM_EXIT_HYPERV, hyperv_handle_exit))
			goto out;
	}
	/*
	 * From the first thread (COM1's writer) to the last join, no thread
	 * may wait for stderr: log through a bounded buffer. Earlier errors
	 * (usage, load) were written directly, before returning.
	 */
	if (log_async_start())
		pr_warn("cannot start the log writer; each log line may wait up to %d ms for stderr",
			LOG_DIRECT_WAIT_MS);
	if (platform_devices_init(&vm) || (vm_firmware_boot(cfg) && vm_firmware_tables(&vm)))
		goto out;
	vm.vcpus = calloc(vm.ncpus, sizeof(*vm.vcpus));
	vm.stop_efd = eventfd(0, EFD_CLOEXEC);
	if (!vm.vcpus || vm.stop_efd < 0)
		goto out;
	for (i = 0; i < vm.ncpus; i++)
		if (vcpu_init(&vm.vcpus[i], &vm, i))
			goto out;
	if (vm.hv && (hyperv_setup_routes(vm.hv) || hv_vsm_kvm_setup(&vm) || vm_vmbus_start(&vm)))
		goto out;
	if (cfg->api_path && api_start(&vm, cfg->api_path, &api))
		goto out;
	if (vm_firmware_boot(cfg)) {
		/* Every vCPU starts from KVM's reset state: the BSP at 0xFFFFFFF0. */
		pr_info("booting firmware %s%s%s with %u vCPU(s), %llu MiB", cfg->firmware,
			cfg->kernel ? ", kernel " : "", cfg->kernel ? cfg->kernel : "",
			vm.ncpus, (unsigned long long)(cfg->mem_size >> 20));
	} else if (vcpu_set_boot_state(&vm.vcpus[0], &bs)) {
		pr_err("cannot set the boot vCPU state");
		goto out;
	} else {
		pr_info("booting %s (%s) with %u vCPU(s), %llu MiB", cfg->kernel,
			loader_format_name(bs.fmt), vm.ncpus,
			(unsigned long long)(cfg->mem_size >> 20));
	}
	/* After the vCPUs exist, before they run (--gdb-wait holds them). */
	if (vm_gdb_start(&vm))
		goto out;
	for (i = 0; i < vm.ncpus; i++) {
		if (vcpu_start(&vm.vcpus[i])) {
			vm_request_stop(&vm, VM_STOP_ERROR);
			break;
		}
	}
	vm_wait(&vm, sig_fd, deadline);
	for (i = 0; i < vm.ncpus; i++)
		vcpu_kick(&vm.vcpus[i]);
	for (i = 0; i < vm.ncpus; i++)
		vcpu_join(&vm.vcpus[i]);
	reason = (enum vm_stop_reason)vm.stop_reason;
	vm_gdb_stop(&vm, vm_exit_status(reason));
	console_output_end(&vm);
	if (cfg->stats)
		vm_print_stats(&vm);
out:
	/* First: the control socket and gdb read the vCPUs (status, regs). */
	api_stop(api);
	vm_gdb_stop(&vm, HVMM_EXIT_ERROR);
	if (vm.vcpus) {
		for (i = 0; i < vm.ncpus; i++)
			if (vm.vcpus[i].vm)
				vcpu_destroy(&vm.vcpus[i]);
		free(vm.vcpus);
	}
	if (vm.stop_efd >= 0)
		close(vm.stop_efd);
	if (vm.vmbus)
		vm_vmbus_stop(&vm);
	if (vm.hv) {
		hv_vsm_kvm_teardown(&vm);
		hyperv_destroy(vm.hv);
		free(vm.hv);
	}
	kvm_vm_destroy(&vm);
	platform_devices_exit(&vm);
	if (vm.serial_fd > STDERR_FILENO)
		close(vm.serial_fd);
	log_async_stop(VM_LOG_FLUSH_MS);
	gmem_free(&vm.mem);
	return reason;
}

int vm_exit_status(enum vm_stop_reason r)
{
	switch (r) {
	case VM_RUNNING: return HVMM_EXIT_USAGE;
	case VM_STOP_POWEROFF: return HVMM_EXIT_POWEROFF;
	case VM_STOP_REBOOT: return HVMM_EXIT_REBOOT;
	case VM_STOP_FAULT: return HVMM_EXIT_GUEST_FAULT;
	case VM_STOP_TIMEOUT: return HVMM_EXIT_TIMEOUT;
	case VM_STOP_SIGNAL: return HVMM_EXIT_SIGNAL;
	case VM_STOP_PANIC: return HVMM_EXIT_GUEST_PANIC;
	default: return HVMM_EXIT_ERROR;
	}
}

int vm_block_stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	return pthread_sigmask(SIG_BLOCK, set, NULL) ? -EINVAL : 0;
}

int vm_main(const struct vm_config *cfg)
{
	/* --timeout bounds the whole run, restarts included. */
	uint64_t deadline = cfg->timeout_s ? monotonic_ms() + cfg->timeout_s * 1000ULL : 0;
	enum vm_stop_reason r;
	sigset_t set;
	int sig_fd;

	/* SIGINT/SIGTERM are read from a signalfd; vCPU threads inherit the mask. */
	if (vm_block_stop_signals(&set) || vcpu_signal_setup())
		return HVMM_EXIT_ERROR;
	sig_fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sig_fd < 0)
		return HVMM_EXIT_ERROR;
	for (;;) {
		r = vm_run_once(cfg, sig_fd, deadline);
		if (r != VM_STOP_REBOOT || cfg->on_reboot != ON_REBOOT_RESTART)
			break;
		pr_info("guest rebooted; restarting (--on-reboot restart)");
	}
	close(sig_fd);
	return vm_exit_status(r);
}
