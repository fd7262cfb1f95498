/* SPDX-License-Identifier: MIT */
/*
 * A fake target for the gdbstub core (vmm/gdb/gdb.h), shared by the unit
 * tests and the fuzz harness: 64 KiB of RAM at GPA 0, an MMIO page right
 * after it, per-vCPU registers, and a record of every op called.
 *
 * Paging: GVA < 4 GiB is identity; GVA KBASE + x maps to GPA x, except
 * that the page KBASE + 0x3000 maps to GPA 0x8000 (pages that are not
 * contiguous); other GVAs are unmapped.
 */
#ifndef HVMM_GDB_FAKE_H
#define HVMM_GDB_FAKE_H

#include <errno.h>
#include <string.h>

#include "gdb/gdb.h"
#include "gdb/gdb_walk.h"

#define FAKE_RAM 0x10000ULL
#define FAKE_MMIO FAKE_RAM
#define FAKE_VCPUS_MAX 4
#define FAKE_KBASE 0xffffffff80000000ULL
#define FAKE_TX_MAX (1 << 17)

struct fake {
	unsigned int vcpus;
	uint8_t ram[FAKE_RAM];
	struct gdb_x86_regs regs[FAKE_VCPUS_MAX];
	char tx[FAKE_TX_MAX];
	size_t tx_len;
	struct gdb_debug_state dbg;
	struct gdb_resume act[FAKE_VCPUS_MAX];
	unsigned int n_resume, n_stop_all, n_kill, n_detach, n_set_debug, n_write_regs;
	unsigned int n_mmio; /* accesses that reached the MMIO page: must stay 0 */
	char monitor_cmd[256];
	int fail_tx;
};

static int fake_tx(void *t, const void *buf, size_t len)
{
	struct fake *f = t;

	if (f->fail_tx)
		return -EPIPE;
	if (len > FAKE_TX_MAX - 1 - f->tx_len) /* keep the tail: tests look at the end */
		f->tx_len = 0;
	if (len > FAKE_TX_MAX - 1)
		len = FAKE_TX_MAX - 1;
	memcpy(f->tx + f->tx_len, buf, len);
	f->tx_len += len;
	f->tx[f->tx_len] = 0;
	return 0;
}

static unsigned int fake_vcpu_count(void *t)
{
	return ((struct fake *)t)->vcpus;
}

static int fake_read_regs(void *t, unsigned int vcpu, struct gdb_x86_regs *r)
{
	struct fake *f = t;

	if (vcpu >= f->vcpus)
		return -ESRCH;
	*r = f->regs[vcpu];
	return 0;
}

static int fake_write_regs(void *t, unsigned int vcpu, const struct gdb_x86_regs *r)
{
	struct fake *f = t;

	if (vcpu >= f->vcpus)
		return -ESRCH;
	f->n_write_regs++;
	f->regs[vcpu] = *r;
	return 0;
}

static int fake_phys(struct fake *f, uint64_t gpa, size_t len)
{
	if (gpa >= FAKE_MMIO && gpa < FAKE_MMIO + 0x1000)
		f->n_mmio++;
	if (gpa >= FAKE_RAM || len > FAKE_RAM - gpa)
		return -EFAULT;
	return 0;
}

static int fake_read_phys(void *t, uint64_t gpa, void *buf, size_t len)
{
	struct fake *f = t;
	int err = fake_phys(f, gpa, len);

	if (!err)
		memcpy(buf, f->ram + gpa, len);
	return err;
}

static int fake_write_phys(void *t, uint64_t gpa, const void *buf, size_t len)
{
	struct fake *f = t;
	int err = fake_phys(f, gpa, len);

	if (!err)
		memcpy(f->ram + gpa, buf, len);
	return err;
}

static int fake_translate(void *t, unsigned int vcpu, uint64_t gva, uint64_t *gpa)
{
	if (gva < (1ULL << 32)) {
		*gpa = gva;
		return 0;
	}
	if (gva < FAKE_KBASE)
		return -EFAULT;
	*gpa = gva - FAKE_KBASE;
	if ((*gpa & ~0xfffULL) == 0x3000)
		*gpa = 0x8000 | (gva & 0xfff);
	return 0;
}

/* Translation through page tables in the fake RAM (gdb_walk.c). */
static int fake_walk_read(void *opaque, uint64_t gpa, unsigned int size, uint64_t *val)
{
	*val = 0;
	return fake_read_phys(opaque, gpa, val, size);
}

static __attribute__((unused)) int fake_walk_translate(void *t, unsigned int vcpu, uint64_t gva, uint64_t *gpa)
{
	struct fake *f = t;
	struct x86_walk_regs w;

	if (vcpu >= f->vcpus)
		return -ESRCH;
	gdb_walk_regs(&f->regs[vcpu], 0, &w);
	return gdb_walk_translate(&w, gva, fake_walk_read, f, gpa);
}

static int fake_set_debug(void *t, const struct gdb_debug_state *d)
{
	struct fake *f = t;

	f->n_set_debug++;
	f->dbg = *d;
	return 0;
}

static int fake_resume(void *t, const struct gdb_resume *act)
{
	struct fake *f = t;

	f->n_resume++;
	memcpy(f->act, act, f->vcpus * sizeof(*act));
	return 0;
}

static int fake_stop_all(void *t)
{
	((struct fake *)t)->n_stop_all++;
	return 0;
}

static void fake_kill(void *t)
{
	((struct fake *)t)->n_kill++;
}

static void fake_detach(void *t)
{
	((struct fake *)t)->n_detach++;
}

static int fake_monitor(void *t, const char *cmd, char *out, size_t cap)
{
	struct fake *f = t;

	snprintf(f->monitor_cmd, sizeof(f->monitor_cmd), "%s", cmd);
	if (!strcmp(cmd, "fail"))
		return -EIO;
	if (!strcmp(cmd, "quiet")) {
		out[0] = 0;
		return 0;
	}
	snprintf(out, cap, "vcpus=%u\n", f->vcpus);
	return 0;
}

static int fake_memory_map(void *t, struct gdb_region *r, unsigned int max)
{
	if (max < 2)
		return 0;
	r[0] = (struct gdb_region){ 0, FAKE_RAM, GDB_REGION_RAM };
	r[1] = (struct gdb_region){ FAKE_MMIO, 0x1000, GDB_REGION_MMIO };
	return 2;
}

static const struct gdb_target_ops fake_ops = {
	.tx = fake_tx,
	.vcpu_count = fake_vcpu_count,
	.read_regs = fake_read_regs,
	.write_regs = fake_write_regs,
	.read_phys = fake_read_phys,
	.write_phys = fake_write_phys,
	.translate = fake_translate,
	.set_debug = fake_set_debug,
	.resume = fake_resume,
	.stop_all = fake_stop_all,
	.kill = fake_kill,
	.detach = fake_detach,
	.monitor = fake_monitor,
	.memory_map = fake_memory_map,
};

static void fake_init(struct fake *f, unsigned int vcpus)
{
	unsigned int i, j;

	memset(f, 0, sizeof(*f));
	f->vcpus = vcpus;
	for (i = 0; i < FAKE_RAM; i++)
		f->ram[i] = (uint8_t)(i * 7 + 3);
	for (i = 0; i < vcpus; i++) {
		for (j = 0; j < 16; j++)
			f->regs[i].gpr[j] = 0x1000 * (i + 1) + j;
		f->regs[i].rip = 0x200000 + i;
		f->regs[i].eflags = 0x2;
		f->regs[i].seg[0] = 0x10;
		f->regs[i].cr0 = 0x80050033;
		f->regs[i].cr3 = 0x1000;
		f->regs[i].dr7 = 0x400;
	}
}

#endif
