/* SPDX-License-Identifier: MIT */
/*
 * The platform side of the device model (devices/device.h): building and
 * tearing down the devices of one VM instance.
 *
 * platform_devices_init() resets the port and MMIO buses and calls every
 * registered device's init in order (see dev_walk_init); on failure the
 * devices already initialised have been exited again and the VM must not
 * run. platform_devices_exit() ends them at the end of the VM, after the
 * vCPUs have been joined; it is a no-op when nothing is initialised, so
 * every error path may call it. Main thread only.
 */
#ifndef HVMM_PLATFORM_H
#define HVMM_PLATFORM_H

#include <stddef.h>

#include "device.h"

struct vm;

int platform_devices_init(struct vm *vm);
void platform_devices_exit(struct vm *vm);

/*
 * The walker itself, on any array of descriptors, so that its order and
 * error handling are tested without KVM. dev_walk_init sorts `descs` by
 * level, then by name, and calls each init in that order. It refuses
 * (-EINVAL) a descriptor without a name or init or with a bad level, and
 * two descriptors with the same name (-EEXIST), before calling any init.
 * The first init that fails stops the walk: the devices initialised so
 * far are exited in reverse order and its -errno is returned. On success
 * dev_walk_exit later exits them all, in reverse order, and frees `w`.
 */
struct dev_walk {
	const struct dev_desc **order; /* sorted; order[0..nr_up) are initialised */
	size_t nr, nr_up;
};

int dev_walk_init(struct dev_walk *w, const struct dev_desc *descs, size_t nr,
		  struct vm *vm);
void dev_walk_exit(struct dev_walk *w, struct vm *vm);

/* The descriptors DEVICE_REGISTER put in the binary (*nr = 0: none). */
const struct dev_desc *dev_registered(size_t *nr);

#endif
