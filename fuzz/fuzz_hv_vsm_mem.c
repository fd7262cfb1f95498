// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: VTL memory protections, secure intercepts and
 * TranslateVirtualAddress (vmm/hv_vsm_mem.c, hv_vsm_translate.c) driven
 * through the real dispatcher (hv_hcall.c) and VSM state (hv_vsm.c) on 2
 * fake vCPUs, as a sequence of guest-controlled operations: hypercalls
 * 0x0C / 0x52 from either VTL (any control word, any input bytes), VTL0
 * MMIO faults at any GPA, intercept deliveries, VTL switches, and VTL1's
 * SynIC page registers and the partition configuration changing under
 * them. The seam fails at random. Checked: RAX well formed, the map
 * bounded, no access outside the fake RAM (ASan).
 *
 * Could be folded into fuzz_hv_hcall.c (it owns the dispatcher harness);
 * kept separate because it needs the VSM state and its fake vCPUs.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv_vsm_int.h"
#include "hv_vsm_mem.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM_PAGES 64
#define RAM_SIZE (RAM_PAGES * 4096)
#define IO_GPA 0x1000ULL
#define MAX_PAGES 8

static uint8_t *ram;
static struct guest_mem gm;
static const uint8_t *seam_fail;

static int fz_read(void *o, uint64_t gpa, void *dst, size_t len)
{
	if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
		return -EFAULT;
	memcpy(dst, ram + gpa, len);
	return 0;
}

static int fz_write(void *o, uint64_t gpa, const void *src, size_t len)
{
	if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
		return -EFAULT;
	memcpy(ram + gpa, src, len);
	return 0;
}

static int fz_protect(void *o, uint64_t gfn, uint64_t n, unsigned int mask)
{
	if (gfn >= RAM_PAGES || n != 1 || (mask != 0 && mask != 5 && mask != 7))
		abort();
	return seam_fail && (*seam_fail & 0x40) ? -ENOSPC : 0;
}

static struct hv_vtl_state live[2];

static int f_save(void *c, struct hv_vtl_state *s)
{
	*s = *(struct hv_vtl_state *)c;
	return 0;
}

static int f_load(void *c, const struct hv_vtl_state *s)
{
	*(struct hv_vtl_state *)c = *s;
	return 0;
}

static int f_raise(void *c, unsigned int sint)
{
	return sint < 16 ? 0 : -EINVAL;
}

static int f_runnable(void *c)
{
	return 0;
}

static void f_kick(void *c)
{
}

static const struct hv_vsm_cpu_ops ops = { f_save, f_load, f_raise, f_runnable, f_kick };

/* Pull n bytes from the input (zeros once it runs out). */
static void take(const uint8_t **p, const uint8_t *end, void *dst, size_t n)
{
	size_t k = (size_t)(end - *p) < n ? (size_t)(end - *p) : n;

	memset(dst, 0, n);
	memcpy(dst, *p, k);
	*p += k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hv_hcall_mem mem = { fz_read, fz_write, NULL };
	const uint8_t *p = data, *end = data + size;
	struct hv_hcall_table t = { 0 };
	struct hv_vsm vsm;
	unsigned int i, steps;
	uint8_t buf[128];

	ram = calloc(1, RAM_SIZE);
	if (!ram)
		return 0;
	gm = (struct guest_mem){ .host = ram, .size = RAM_SIZE, .low_size = RAM_SIZE };
	if (hv_vsm_init(&vsm, 2, &mem, 0x100, 0x110))
		abort();
	for (i = 0; i < 2; i++) {
		memset(&live[i], 0, sizeof(live[i]));
		if (hv_vsm_bind_vcpu(&vsm, i, &ops, &live[i]))
			abort();
	}
	if (hv_vsm_mem_init(&vsm, &gm, MAX_PAGES) || hv_vsm_mem_register_hcalls(&vsm, &t))
		abort();
	vsm.mem_ops.protect = fz_protect;
	for (steps = 0; p < end && steps < 64; steps++) {
		uint8_t op = *p++, vp = op >> 7;
		struct hv_hcall_caller c = { .vp = vp, .opaque = NULL };
		struct hv_hcall_regs r = { 0 };
		uint64_t v, count, reps;

		seam_fail = p < end ? p : NULL;
		switch (op & 7) {
		case 0: /* a hypercall from VP vp in its active VTL */
		case 1:
			c.vtl = hv_vsm_active_vtl(&vsm, vp);
			take(&p, end, &r.rcx, 8);
			if (!(op & 8))
				r.rcx = (r.rcx & ~0xffffULL) | ((op & 1) ? 0x52 : 0x0c);
			r.rdx = IO_GPA;
			r.r8 = IO_GPA + 0x800;
			take(&p, end, buf, sizeof(buf));
			if (op & 0x10) /* usually a valid header: steer past the first checks */
				memset(buf, 0xff, 8);
			memcpy(ram + IO_GPA, buf, sizeof(buf));
			take(&p, end, r.xmm, 32);
			if (hv_hcall_dispatch(&t, &c, &mem, &r)) {
				reps = (r.rax >> HV_HCALL_RESULT_REPS_SHIFT) & 0xfff;
				count = (r.rcx >> HV_HCALL_REP_COUNT_SHIFT) & HV_HCALL_REP_MASK;
				if (r.rax & ~(0xffffULL | (0xfffULL << 32)) || reps > count)
					abort();
			}
			break;
		case 2: /* a VTL0 MMIO exit */
			take(&p, end, &v, 8);
			memset(buf, 0, 8);
			hv_vsm_mem_fault(&vsm, vp, v % (RAM_SIZE + 0x2000), op & 8, buf,
					 1U << ((op >> 4) & 3));
			break;
		case 3:
			hv_vsm_mem_pending(&vsm, vp);
			break;
		case 4: /* enable VTL1 (partition and VP), protections on/off */
			vsm.enabled_vtls = (op & 8) ? 3 : 1;
			vsm.vp[vp].enabled_vtls = (op & 0x10) ? 3 : 1;
			vsm.partition_config = (op >> 5) & 1;
			break;
		case 5: /* VTL1's SynIC page registers, as the guest wrote them */
			take(&p, end, &v, 8);
			vsm.vp[vp].synic1.scontrol = v & 1;
			vsm.vp[vp].synic1.simp = (v % (RAM_SIZE + 0x2000)) | ((v >> 63) & 1);
			break;
		case 6: /* VTL switches */
			if (hv_vsm_active_vtl(&vsm, vp) == 0)
				hv_vsm_enter_vtl1(&vsm, vp, HV_VTL_ENTRY_VTL_CALL);
			else
				vsm.vp[vp].active_vtl = 0;
			break;
		default: /* paging registers of the live state */
			take(&p, end, &live[vp].sregs.cr0, 8);
			take(&p, end, &live[vp].sregs.cr3, 8);
			take(&p, end, &live[vp].sregs.cr4, 8);
			take(&p, end, &live[vp].sregs.efer, 8);
			break;
		}
		if (hv_vsm_mem_count(&vsm) > MAX_PAGES)
			abort();
	}
	hv_vsm_mem_destroy(&vsm);
	hv_vsm_destroy(&vsm);
	free(ram);
	return 0;
}
