// SPDX-License-Identifier: MIT
/*
 * The device model's platform side: every dev_* call of device.h on top of
 * struct vm, and the walker that builds the registered devices in a fixed
 * order (kvmtool's dev_init()/dev_exit() levels, util/init.c there).
 */
#include "platform.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "util.h"
#include "vm.h"

/* ---- dev_* calls -------------------------------------------------------- */

const struct vm_config *dev_config(struct vm *vm)
{
	return vm->cfg;
}

const struct guest_mem *dev_guest_mem(struct vm *vm)
{
	return &vm->mem;
}

int dev_pio_register(struct vm *vm, uint16_t base, uint16_t len,
		     const struct iodev_ops *ops, void *opaque, const char *name)
{
	int ret = iobus_register(&vm->pio, base, len, ops, opaque, name);

	if (ret)
		pr_err("%s: cannot claim ports 0x%x+%u: %s", name, base, len, strerror(-ret));
	return ret;
}

int dev_mmio_register(struct vm *vm, uint64_t base, uint64_t len,
		      const struct iodev_ops *ops, void *opaque, const char *name)
{
	int ret = iobus_register(&vm->mmio, base, len, ops, opaque, name);

	if (ret)
		pr_err("%s: cannot claim MMIO 0x%llx+0x%llx: %s", name,
		       (unsigned long long)base, (unsigned long long)len, strerror(-ret));
	return ret;
}

int dev_irq_line(struct vm *vm, unsigned int gsi, int level)
{
	return vm_irq_line(vm, gsi, level);
}

void dev_request_stop(struct vm *vm, enum dev_stop why)
{
	switch (why) {
	case DEV_STOP_POWEROFF:
		vm_request_stop(vm, VM_STOP_POWEROFF);
		break;
	case DEV_STOP_RESET:
		vm_request_stop(vm, VM_STOP_REBOOT);
		break;
	default:
		vm_request_stop(vm, VM_STOP_ERROR);
		break;
	}
}

int dev_set_console(struct vm *vm, struct uart *u)
{
	if (!u)
		return -EINVAL;
	if (vm->com1)
		return -EBUSY;
	vm->com1 = u;
	return 0;
}

int dev_console_fd(struct vm *vm)
{
	return vm->serial_fd;
}

int dev_guest_clock(struct vm *vm, uint64_t *guest_ns, uint64_t *host_ns)
{
	struct kvm_clock_data c = { 0 };
	struct timespec now;

	if (ioctl(vm->vm_fd, KVM_GET_CLOCK, &c) < 0)
		return -errno;
	*guest_ns = c.clock;
	if (c.flags & KVM_CLOCK_REALTIME) {
		*host_ns = c.realtime;
	} else {
		clock_gettime(CLOCK_REALTIME, &now);
		*host_ns = (uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec;
	}
	return 0;
}

/* ---- the walker --------------------------------------------------------- */

static int dev_desc_cmp(const void *a, const void *b)
{
	const struct dev_desc *x = *(const struct dev_desc *const *)a;
	const struct dev_desc *y = *(const struct dev_desc *const *)b;

	if (x->level != y->level)
		return x->level < y->level ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void dev_walk_unwind(struct dev_walk *w, struct vm *vm)
{
	while (w->nr_up) {
		const struct dev_desc *d = w->order[--w->nr_up];

		if (d->exit)
			d->exit(vm);
	}
	free(w->order);
	w->order = NULL;
	w->nr = 0;
}

int dev_walk_init(struct dev_walk *w, const struct dev_desc *descs, size_t nr,
		  struct vm *vm)
{
	size_t i;
	int ret;

	memset(w, 0, sizeof(*w));
	if (!nr)
		return 0;
	for (i = 0; i < nr; i++) {
		if (!descs[i].name || !descs[i].init ||
		    (unsigned int)descs[i].level >= DEV_LEVEL_COUNT) {
			pr_err("device registration %zu (%s) is malformed", i,
			       descs[i].name ? descs[i].name : "unnamed");
			return -EINVAL;
		}
	}
	w->order = calloc(nr, sizeof(*w->order));
	if (!w->order)
		return -ENOMEM;
	for (i = 0; i < nr; i++)
		w->order[i] = &descs[i];
	w->nr = nr;
	qsort(w->order, nr, sizeof(*w->order), dev_desc_cmp);
	/* Names identify devices in logs: unique across levels (n is small). */
	for (i = 0; i < nr; i++) {
		size_t j;

		for (j = i + 1; j < nr; j++) {
			if (strcmp(w->order[i]->name, w->order[j]->name))
				continue;
			pr_err("device '%s' is registered twice", w->order[i]->name);
			dev_walk_unwind(w, vm);
			return -EEXIST;
		}
	}
	for (i = 0; i < nr; i++) {
		const struct dev_desc *d = w->order[i];

		ret = d->init(vm);
		if (ret) {
			pr_err("device %s: %s", d->name, strerror(ret < 0 ? -ret : ret));
			dev_walk_unwind(w, vm);
			return ret < 0 ? ret : -EIO;
		}
		w->nr_up++;
	}
	return 0;
}

void dev_walk_exit(struct dev_walk *w, struct vm *vm)
{
	dev_walk_unwind(w, vm);
}

/*
 * The linker defines these for a section whose name is a C identifier.
 * Weak, so that a binary without any device (a unit test) still links:
 * both are then NULL.
 */
extern const struct dev_desc __start_hvmm_devices[] __attribute__((weak));
extern const struct dev_desc __stop_hvmm_devices[] __attribute__((weak));

const struct dev_desc *dev_registered(size_t *nr)
{
	const struct dev_desc *start = __start_hvmm_devices, *stop = __stop_hvmm_devices;

	*nr = start && stop > start ? (size_t)(stop - start) : 0;
	return *nr ? start : NULL;
}

/* One VM at a time in a process (device.h). */
static struct dev_walk platform_walk;

int platform_devices_init(struct vm *vm)
{
	const struct dev_desc *descs;
	size_t nr;
	int ret;

	iobus_init(&vm->pio, IO_SPACE_PIO);
	iobus_init(&vm->mmio, IO_SPACE_MMIO);
	descs = dev_registered(&nr);
	ret = dev_walk_init(&platform_walk, descs, nr, vm);
	if (ret)
		pr_err("setting up the devices: %s", strerror(-ret));
	return ret;
}

void platform_devices_exit(struct vm *vm)
{
	/* The console's owner is about to free it: the platform stops using it. */
	vm->com1 = NULL;
	dev_walk_exit(&platform_walk, vm);
}
