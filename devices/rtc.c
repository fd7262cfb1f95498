// SPDX-License-Identifier: MIT
/*
 * MC146818 RTC and CMOS NVRAM. The clock reads the host's wall-clock
 * time (UTC) at the moment of each read, so there is no periodic
 * update work; a guest that sets the clock gets an offset kept from
 * then on. Update-in-progress never reads as set, so guests never spin.
 * Periodic/alarm interrupts are not emulated (Linux does not need them
 * when it has kvmclock or the Hyper-V reference time).
 */
#include <string.h>
#include <time.h>

#include "device.h"
#include "guest_mem.h"
#include "legacy.h"
#include "util.h"

#define RTC_INDEX_PORT 0x70
#define RTC_SECONDS 0x00
#define RTC_MINUTES 0x02
#define RTC_HOURS 0x04
#define RTC_WEEKDAY 0x06
#define RTC_DAY 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_REG_A 0x0a
#define RTC_REG_B 0x0b
#define RTC_REG_C 0x0c
#define RTC_REG_D 0x0d
#define RTC_CENTURY 0x32

#define REG_B_SET 0x80
#define REG_B_24H 0x02
#define REG_B_BINARY 0x04
#define REG_D_VRT 0x80

static uint8_t to_bcd(unsigned int v)
{
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

static unsigned int from_bcd(uint8_t v)
{
	return (v >> 4) * 10 + (v & 0xf);
}

static uint8_t rtc_enc(const struct rtc *rtc, unsigned int v)
{
	return (rtc->cmos[RTC_REG_B] & REG_B_BINARY) ? (uint8_t)v : to_bcd(v);
}

static unsigned int rtc_dec(const struct rtc *rtc, uint8_t v)
{
	return (rtc->cmos[RTC_REG_B] & REG_B_BINARY) ? v : from_bcd(v);
}

static uint8_t rtc_hour(const struct rtc *rtc, unsigned int h)
{
	unsigned int h12;

	if (rtc->cmos[RTC_REG_B] & REG_B_24H)
		return rtc_enc(rtc, h);
	h12 = h % 12 ? h % 12 : 12;
	return (uint8_t)(rtc_enc(rtc, h12) | (h >= 12 ? 0x80 : 0));
}

static void rtc_now(const struct rtc *rtc, struct tm *tm)
{
	time_t t = time(NULL) + rtc->offset_s;

	gmtime_r(&t, tm);
}

uint8_t rtc_read_reg(struct rtc *rtc, uint8_t reg)
{
	struct tm tm;
	uint8_t v;

	reg &= 0x7f;
	if (reg <= RTC_YEAR || reg == RTC_CENTURY)
		rtc_now(rtc, &tm);
	switch (reg) {
	case RTC_SECONDS: return rtc_enc(rtc, (unsigned int)tm.tm_sec);
	case RTC_MINUTES: return rtc_enc(rtc, (unsigned int)tm.tm_min);
	case RTC_HOURS: return rtc_hour(rtc, (unsigned int)tm.tm_hour);
	case RTC_WEEKDAY: return rtc_enc(rtc, (unsigned int)tm.tm_wday + 1);
	case RTC_DAY: return rtc_enc(rtc, (unsigned int)tm.tm_mday);
	case RTC_MONTH: return rtc_enc(rtc, (unsigned int)tm.tm_mon + 1);
	case RTC_YEAR: return rtc_enc(rtc, (unsigned int)(tm.tm_year % 100));
	case RTC_CENTURY: return rtc_enc(rtc, (unsigned int)(tm.tm_year + 1900) / 100);
	case RTC_REG_A: return rtc->cmos[RTC_REG_A] & 0x7f; /* UIP never set */
	case RTC_REG_C:
		v = rtc->cmos[RTC_REG_C];
		rtc->cmos[RTC_REG_C] = 0;  /* read-to-clear */
		return v;
	case RTC_REG_D: return REG_D_VRT;
	default: return rtc->cmos[reg];
	}
}

/* Turn the guest's new time fields into an offset from host time. */
static void rtc_commit_time(struct rtc *rtc)
{
	struct tm tm = { 0 };
	unsigned int hour = rtc->cmos[RTC_HOURS];
	time_t t;

	tm.tm_sec = (int)rtc_dec(rtc, rtc->cmos[RTC_SECONDS]);
	tm.tm_min = (int)rtc_dec(rtc, rtc->cmos[RTC_MINUTES]);
	if (!(rtc->cmos[RTC_REG_B] & REG_B_24H)) {
		unsigned int h = rtc_dec(rtc, (uint8_t)(hour & 0x7f)) % 12;

		tm.tm_hour = (int)(h + ((hour & 0x80) ? 12 : 0));
	} else {
		tm.tm_hour = (int)rtc_dec(rtc, (uint8_t)hour);
	}
	tm.tm_mday = (int)rtc_dec(rtc, rtc->cmos[RTC_DAY]);
	tm.tm_mon = (int)rtc_dec(rtc, rtc->cmos[RTC_MONTH]) - 1;
	tm.tm_year = (int)(rtc_dec(rtc, rtc->cmos[RTC_CENTURY]) * 100 +
			   rtc_dec(rtc, rtc->cmos[RTC_YEAR])) - 1900;
	t = timegm(&tm);
	if (t == (time_t)-1) {
		pr_err_rl("guest set an invalid RTC time; ignored");
		return;
	}
	rtc->offset_s = (int64_t)(t - time(NULL));
}

void rtc_write_reg(struct rtc *rtc, uint8_t reg, uint8_t val)
{
	struct tm tm;

	reg &= 0x7f;
	switch (reg) {
	case RTC_REG_B:
		/* Entering SET freezes a copy of the clock for the guest to edit. */
		if ((val & REG_B_SET) && !(rtc->cmos[RTC_REG_B] & REG_B_SET)) {
			unsigned int r;

			rtc_now(rtc, &tm);
			rtc->cmos[RTC_REG_B] = val;
			for (r = RTC_SECONDS; r <= RTC_YEAR; r++)
				rtc->cmos[r] = rtc_read_reg(rtc, (uint8_t)r);
			rtc->cmos[RTC_CENTURY] = rtc_read_reg(rtc, RTC_CENTURY);
		} else if (!(val & REG_B_SET) && (rtc->cmos[RTC_REG_B] & REG_B_SET)) {
			rtc_commit_time(rtc);
		}
		rtc->cmos[RTC_REG_B] = val;
		break;
	case RTC_REG_C:
	case RTC_REG_D:
		break; /* read-only */
	default:
		rtc->cmos[reg] = val;
		break;
	}
}

/* One byte at port 0x70 + port (0: index, 1: data); caller holds the lock. */
static uint8_t rtc_port_read(struct rtc *rtc, unsigned int port)
{
	uint8_t reg = rtc->index & 0x7f;

	if (port == 0)
		return rtc->index;
	/* While SET is on the guest sees the copy it is editing. */
	if ((rtc->cmos[RTC_REG_B] & REG_B_SET) && (reg <= RTC_YEAR || reg == RTC_CENTURY))
		return rtc->cmos[reg];
	return rtc_read_reg(rtc, reg);
}

static void rtc_port_write(struct rtc *rtc, unsigned int port, uint8_t val)
{
	if (port == 0)
		rtc->index = val;  /* bit 7 is the NMI mask, kept for read-back */
	else
		rtc_write_reg(rtc, rtc->index & 0x7f, val);
}

/*
 * A wider access is split into byte cycles, low byte at the lowest port,
 * as the ISA bus does for an 8-bit device: `outw 0x70` sets the index
 * from its low byte and writes its high byte to that register. The bus
 * guarantees off + len <= 2.
 */
static void rtc_io_read(void *opaque, uint64_t off, uint8_t *data, unsigned int len)
{
	struct rtc *rtc = opaque;
	unsigned int i;

	pthread_mutex_lock(&rtc->lock);
	for (i = 0; i < len; i++)
		data[i] = rtc_port_read(rtc, (unsigned int)off + i);
	pthread_mutex_unlock(&rtc->lock);
}

static void rtc_io_write(void *opaque, uint64_t off, const uint8_t *data, unsigned int len)
{
	struct rtc *rtc = opaque;
	unsigned int i;

	pthread_mutex_lock(&rtc->lock);
	for (i = 0; i < len; i++)
		rtc_port_write(rtc, (unsigned int)off + i, data[i]);
	pthread_mutex_unlock(&rtc->lock);
}

static const struct iodev_ops rtc_ops = { .read = rtc_io_read, .write = rtc_io_write };

void rtc_set_memory(struct rtc *rtc, uint64_t low_ram, uint64_t high_ram, unsigned int ncpus)
{
	uint64_t ext_kb = low_ram > MiB ? (low_ram - MiB) / KiB : 0;
	uint64_t above16m = low_ram > 16 * MiB ? (low_ram - 16 * MiB) / (64 * KiB) : 0;
	uint64_t above4g = high_ram / (64 * KiB);

	ext_kb = MIN(ext_kb, 0xffffULL);
	above16m = MIN(above16m, 0xffffULL);
	rtc->cmos[0x15] = 640 & 0xff;
	rtc->cmos[0x16] = 640 >> 8;
	rtc->cmos[0x17] = rtc->cmos[0x30] = (uint8_t)ext_kb;
	rtc->cmos[0x18] = rtc->cmos[0x31] = (uint8_t)(ext_kb >> 8);
	rtc->cmos[0x34] = (uint8_t)above16m;
	rtc->cmos[0x35] = (uint8_t)(above16m >> 8);
	rtc->cmos[0x5b] = (uint8_t)above4g;
	rtc->cmos[0x5c] = (uint8_t)(above4g >> 8);
	rtc->cmos[0x5d] = (uint8_t)(above4g >> 16);
	rtc->cmos[0x5f] = (uint8_t)(ncpus - 1);
}

int rtc_setup(struct vm *vm, struct rtc *rtc)
{
	memset(rtc, 0, sizeof(*rtc));
	pthread_mutex_init(&rtc->lock, NULL);
	rtc->cmos[RTC_REG_A] = 0x26;            /* 32.768 kHz base, 1024 Hz rate */
	rtc->cmos[RTC_REG_B] = REG_B_24H;       /* BCD, 24-hour, as a PC BIOS leaves it */
	if (vm)
		return dev_pio_register(vm, RTC_INDEX_PORT, 2, &rtc_ops, rtc, "rtc");
	return 0;
}

void rtc_teardown(struct rtc *rtc)
{
	pthread_mutex_destroy(&rtc->lock);
	memset(rtc, 0, sizeof(*rtc));
}

/* The VM's RTC: lives from init to exit (device.h). */
static struct rtc rtc_dev;

static int rtc_init(struct vm *vm)
{
	const struct vm_config *cfg = dev_config(vm);
	const struct guest_mem *mem = dev_guest_mem(vm);
	int ret = rtc_setup(vm, &rtc_dev);

	if (ret) {
		rtc_teardown(&rtc_dev);
		return ret;
	}
	/* --debug-inject rtc-offset: a guest clock only time sync can correct. */
	rtc_dev.offset_s = cfg->rtc_offset_s;
	rtc_set_memory(&rtc_dev, mem->low_size, mem->high_size, cfg->ncpus);
	return 0;
}

static void rtc_exit(struct vm *vm)
{
	rtc_teardown(&rtc_dev);
}

DEVICE_REGISTER(rtc, DEV_LEVEL_PLATFORM, rtc_init, rtc_exit);
