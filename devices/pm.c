// SPDX-License-Identifier: MIT
/*
 * ACPI fixed-hardware power management, the subset an OS uses to power
 * off and keep time: PM1a status/enable, PM1a control with SLP_TYP/SLP_EN,
 * and the PM timer. The FADT reset register (0xCF9) is the PIIX reset
 * control register, in pci.c.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "device.h"
#include "legacy.h"
#include "util.h"

#define PM1_SCI_EN (1U << 0)
#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_TYP_MASK (7U << PM1_SLP_TYP_SHIFT)
#define PM1_SLP_EN (1U << 13)
#define PM_TMR_MASK 0xffffffU   /* 24 bits: the FADT leaves TMR_VAL_EXT clear */


static void pm_evt_read(void *opaque, uint64_t off, uint8_t *data, unsigned int len)
{
	struct pm *pm = opaque;
	uint32_t both;

	pthread_mutex_lock(&pm->lock);
	both = pm->sts | ((uint32_t)pm->en << 16);
	pthread_mutex_unlock(&pm->lock);
	iodev_put_le(data, len, both >> (8 * off));
}

static void pm_evt_write(void *opaque, uint64_t off, const uint8_t *data, unsigned int len)
{
	struct pm *pm = opaque;
	uint32_t v = iodev_get_le(data, len) << (8 * off);
	uint32_t mask = (len >= 4 ? 0xffffffffU : ((1U << (8 * len)) - 1)) << (8 * off);

	pthread_mutex_lock(&pm->lock);
	/* Status bits are write-one-to-clear; enable bits are plain. */
	pm->sts &= (uint16_t)~(v & mask & 0xffff);
	if (mask >> 16)
		pm->en = (uint16_t)((pm->en & ~(mask >> 16)) | ((v >> 16) & (mask >> 16)));
	pthread_mutex_unlock(&pm->lock);
}

static void pm_cnt_read(void *opaque, uint64_t off, uint8_t *data, unsigned int len)
{
	struct pm *pm = opaque;
	uint16_t v;

	pthread_mutex_lock(&pm->lock);
	/* SMI_CMD is 0 in the FADT: ACPI mode is on from reset, SCI_EN reads 1. */
	v = pm->cnt | PM1_SCI_EN;
	pthread_mutex_unlock(&pm->lock);
	iodev_put_le(data, len, (uint32_t)v >> (8 * off));
}

static void pm_cnt_write(void *opaque, uint64_t off, const uint8_t *data, unsigned int len)
{
	struct pm *pm = opaque;
	unsigned int i, typ;
	uint16_t v;

	pthread_mutex_lock(&pm->lock);
	v = pm->cnt;
	/* Merge byte-wise: a byte write to the high half carries SLP_EN alone. */
	for (i = 0; i < len && off + i < 2; i++)
		v = (uint16_t)((v & ~(0xffU << (8 * (off + i)))) |
			       ((unsigned int)data[i] << (8 * (off + i))));
	pm->cnt = (uint16_t)(v & ~PM1_SLP_EN);
	pthread_mutex_unlock(&pm->lock);
	if (!(v & PM1_SLP_EN))
		return;
	typ = (v & PM1_SLP_TYP_MASK) >> PM1_SLP_TYP_SHIFT;
	if (typ == PM_S5_SLP_TYP) {
		pr_info("guest entered S5 (soft off)");
		dev_request_stop(pm->vm, DEV_STOP_POWEROFF);
	} else {
		pr_err_rl("guest requested unsupported sleep type %u; ignored", typ);
	}
}

/*
 * 3.579545 MHz from CLOCK_MONOTONIC (vDSO, no syscall): the timer is
 * OVMF's hottest exit (AcpiTimerLib polls it in every MicroSecondDelay,
 * over a million reads per boot), so no lock and no state. Split in
 * seconds and nanoseconds so nothing overflows 64 bits; the result is
 * exact (floor of ns * Hz / 1e9) and therefore monotonic.
 */
uint32_t pm_timer_at(uint64_t sec, uint32_t nsec)
{
	uint64_t ticks = sec * PM_TMR_HZ + (uint64_t)nsec * PM_TMR_HZ / 1000000000U;

	return (uint32_t)ticks & PM_TMR_MASK;
}

static void pm_tmr_read(void *opaque, uint64_t off, uint8_t *data, unsigned int len)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	iodev_put_le(data, len, pm_timer_at((uint64_t)ts.tv_sec, (uint32_t)ts.tv_nsec) >> (8 * off));
}

static const struct iodev_ops pm_evt_ops = { .read = pm_evt_read, .write = pm_evt_write };
static const struct iodev_ops pm_cnt_ops = { .read = pm_cnt_read, .write = pm_cnt_write };
/* The timer is read-only: writes are ignored. */
static const struct iodev_ops pm_tmr_ops = { .read = pm_tmr_read };

int pm_setup(struct vm *vm, struct pm *pm)
{
	int ret;

	memset(pm, 0, sizeof(*pm));
	pthread_mutex_init(&pm->lock, NULL);
	pm->vm = vm;
	ret = dev_pio_register(vm, PM_EVT_PORT, 4, &pm_evt_ops, pm, "pm1a-evt");
	if (!ret)
		ret = dev_pio_register(vm, PM_CNT_PORT, 2, &pm_cnt_ops, pm, "pm1a-cnt");
	if (!ret)
		ret = dev_pio_register(vm, PM_TMR_PORT, 4, &pm_tmr_ops, pm, "pm-tmr");
	return ret;
}

void pm_teardown(struct pm *pm)
{
	pthread_mutex_destroy(&pm->lock);
	memset(pm, 0, sizeof(*pm));
}

/* The VM's PM block: lives from init to exit (device.h). */
static struct pm pm_dev;

static int pm_init(struct vm *vm)
{
	int ret = pm_setup(vm, &pm_dev);

	if (ret)
		pm_teardown(&pm_dev);
	return ret;
}

static void pm_exit(struct vm *vm)
{
	pm_teardown(&pm_dev);
}

DEVICE_REGISTER(pm, DEV_LEVEL_PLATFORM, pm_init, pm_exit);
