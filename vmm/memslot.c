// SPDX-License-Identifier: MIT
/*
 * dev_rom_map(): read-only memslots that devices add and remove while the
 * VM runs (device.h has the contract). KVM_SET_USER_MEMORY_REGION may be
 * called while vCPUs run: KVM waits for running vCPUs to leave the old
 * memslot set (SRCU) before it returns, so once a removal returns no vCPU
 * reads the old bytes any more (Documentation/virt/kvm/api.rst,
 * "KVM_SET_USER_MEMORY_REGION"; virt/kvm/kvm_main.c).
 *
 * One VM per process at a time (device.h), so the slot table is file
 * scope, reset by memslot_reset() whenever kvm.c makes a new VM.
 */
#include "memslot.h"

#include <errno.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "device.h"
#include "util.h"

struct rom_slot {
	bool present;
	uint64_t gpa;
	uint64_t len;
	void *host;
};

static pthread_mutex_t rom_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rom_slot rom_slots[DEV_ROM_SLOTS];
static int rom_readonly_ok = -1;  /* KVM_CAP_READONLY_MEM: -1 not asked yet */

void memslot_reset(struct vm *vm)
{
	pthread_mutex_lock(&rom_lock);
	memset(rom_slots, 0, sizeof(rom_slots));
	rom_readonly_ok = -1;
	pthread_mutex_unlock(&rom_lock);
}

static int rom_set(struct vm *vm, unsigned int id, uint64_t gpa, uint64_t len, void *host)
{
	struct kvm_userspace_memory_region r = {
		.slot = MEMSLOT_ROM_BASE + id,
		.flags = len ? KVM_MEM_READONLY : 0,
		.guest_phys_addr = gpa,
		.memory_size = len, /* 0 deletes the slot */
		.userspace_addr = (uint64_t)(uintptr_t)host,
	};

	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
		int err = errno;

		pr_err("KVM_SET_USER_MEMORY_REGION(ROM slot %u at 0x%llx, %llu KiB%s): %s", id,
		       (unsigned long long)gpa, (unsigned long long)(len >> 10),
		       len ? "" : ", remove", strerror(err));
		return -err;
	}
	return 0;
}

int dev_rom_map(struct vm *vm, unsigned int id, uint64_t gpa, uint64_t len, void *host,
		bool present)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	struct rom_slot *s;
	int ret = 0;

	if (id >= DEV_ROM_SLOTS)
		return -EINVAL;
	if (present && (!len || (gpa | len | (uintptr_t)host) & (page - 1) || gpa + len < gpa))
		return -EINVAL;
	pthread_mutex_lock(&rom_lock);
	s = &rom_slots[id];
	if (present && rom_readonly_ok < 0)
		rom_readonly_ok = ioctl(vm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM) > 0;
	if (present && !rom_readonly_ok) {
		pr_err("KVM lacks KVM_CAP_READONLY_MEM, which firmware images need");
		ret = -ENOTSUP;
		goto out;
	}
	if (s->present) {
		if (present && s->gpa == gpa && s->len == len && s->host == host)
			goto out; /* already so */
		ret = rom_set(vm, id, s->gpa, 0, s->host);
		if (ret)
			goto out;
		s->present = false;
	}
	if (present) {
		ret = rom_set(vm, id, gpa, len, host);
		if (!ret)
			*s = (struct rom_slot){ .present = true, .gpa = gpa, .len = len, .host = host };
	}
out:
	pthread_mutex_unlock(&rom_lock);
	return ret;
}

int memslot_rom_read(uint64_t gpa, void *buf, size_t len)
{
	int ret = -EFAULT;
	unsigned int i;

	pthread_mutex_lock(&rom_lock);
	for (i = 0; i < DEV_ROM_SLOTS; i++) {
		const struct rom_slot *s = &rom_slots[i];

		if (s->present && gpa >= s->gpa && len <= s->len && gpa - s->gpa <= s->len - len) {
			memcpy(buf, (const uint8_t *)s->host + (gpa - s->gpa), len);
			ret = 0;
			break;
		}
	}
	pthread_mutex_unlock(&rom_lock);
	return ret;
}

unsigned int memslot_rom_ranges(uint64_t (*out)[2], unsigned int max)
{
	unsigned int i, n = 0;

	pthread_mutex_lock(&rom_lock);
	for (i = 0; i < DEV_ROM_SLOTS && n < max; i++) {
		if (!rom_slots[i].present)
			continue;
		out[n][0] = rom_slots[i].gpa;
		out[n][1] = rom_slots[i].len;
		n++;
	}
	pthread_mutex_unlock(&rom_lock);
	return n;
}
