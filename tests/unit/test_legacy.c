// SPDX-License-Identifier: MIT
/*
 * The PC legacy devices: RTC/CMOS, ACPI PM1 block (reset register: test_pci),
 * the i8042 reset line and keyboard answers, and the stop protocol they all end in.
 */
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "legacy.h"
#include "unit.h"
#include "util.h"
#include "vm.h"

#define SEC 0x00
#define MIN_ 0x02
#define HOUR 0x04
#define WDAY 0x06
#define MDAY 0x07
#define MON 0x08
#define YEAR 0x09
#define REG_A 0x0a
#define REG_B 0x0b
#define REG_C 0x0c
#define REG_D 0x0d
#define CENTURY 0x32

static unsigned int bcd(uint8_t v)
{
	ck_assert_msg((v & 0xf) <= 9 && (v >> 4) <= 9, "0x%02x is not BCD", v);
	return (v >> 4) * 10 + (v & 0xf);
}

static unsigned int field(struct rtc *rtc, uint8_t reg, bool binary)
{
	uint8_t v = rtc_read_reg(rtc, reg);

	return binary ? v : bcd(v);
}

/*
 * Read the clock the way Linux does: all fields, then seconds again,
 * retrying if a second ticked in between. Returns the epoch time.
 */
static time_t rtc_read_time(struct rtc *rtc, bool binary)
{
	struct tm tm;
	unsigned int sec;
	int tries;

	for (tries = 0; tries < 5; tries++) {
		memset(&tm, 0, sizeof(tm));
		sec = field(rtc, SEC, binary);
		tm.tm_min = (int)field(rtc, MIN_, binary);
		tm.tm_hour = (int)field(rtc, HOUR, binary);
		tm.tm_mday = (int)field(rtc, MDAY, binary);
		tm.tm_mon = (int)field(rtc, MON, binary) - 1;
		tm.tm_year = (int)(field(rtc, CENTURY, binary) * 100 + field(rtc, YEAR, binary)) -
			     1900;
		tm.tm_sec = (int)sec;
		if (sec == field(rtc, SEC, binary))
			break;
	}
	return timegm(&tm);
}

/* The clock must read within [before, after] (whole seconds, 2 s slack). */
static void check_clock(struct rtc *rtc, bool binary, int64_t offset)
{
	time_t before = time(NULL) + offset, t, after;

	t = rtc_read_time(rtc, binary);
	after = time(NULL) + offset;
	ck_assert_int_ge(t, before - 2);
	ck_assert_int_le(t, after + 2);
}

START_TEST(rtc_bcd_time)
{
	static struct rtc rtc;
	time_t now;
	struct tm tm;
	uint8_t wday;

	ck_assert_int_eq(rtc_setup(NULL, &rtc), 0);
	check_clock(&rtc, false, 0);
	/* Weekday is 1-based (Sunday = 1); skip the check across midnight. */
	now = time(NULL);
	gmtime_r(&now, &tm);
	wday = rtc_read_reg(&rtc, WDAY);
	if (time(NULL) / 86400 == now / 86400)
		ck_assert_uint_eq(bcd(wday), (unsigned int)tm.tm_wday + 1);
	/* As a PC BIOS leaves it: 24-hour BCD, UIP clear, valid RAM. */
	ck_assert_uint_eq(rtc_read_reg(&rtc, REG_B), 0x02);
	ck_assert_uint_eq(rtc_read_reg(&rtc, REG_A), 0x26);
	ck_assert_uint_eq(rtc_read_reg(&rtc, REG_D), 0x80);
}
END_TEST

START_TEST(rtc_binary_mode)
{
	static struct rtc rtc;
	time_t now = time(NULL);
	struct tm tm;

	rtc_setup(NULL, &rtc);
	rtc_write_reg(&rtc, REG_B, 0x06);
	check_clock(&rtc, true, 0);
	/* 20 in binary is 0x14, not BCD's 0x20. */
	gmtime_r(&now, &tm);
	ck_assert_uint_eq(rtc_read_reg(&rtc, CENTURY), (unsigned int)(tm.tm_year + 1900) / 100);
}
END_TEST

/* Put the clock at a chosen UTC time through the offset. */
static void rtc_at(struct rtc *rtc, int hour, int min)
{
	struct tm tm = { .tm_year = 124, .tm_mon = 5, .tm_mday = 15,
			 .tm_hour = hour, .tm_min = min };

	rtc->offset_s = (int64_t)(timegm(&tm) - time(NULL));
}

START_TEST(rtc_12_hour)
{
	static struct rtc rtc;

	rtc_setup(NULL, &rtc);
	rtc_write_reg(&rtc, REG_B, 0x00);  /* BCD, 12-hour */
	rtc_at(&rtc, 15, 30);
	ck_assert_uint_eq(rtc_read_reg(&rtc, HOUR), 0x83);
	rtc_at(&rtc, 0, 30);
	ck_assert_uint_eq(rtc_read_reg(&rtc, HOUR), 0x12);
	rtc_at(&rtc, 12, 30);
	ck_assert_uint_eq(rtc_read_reg(&rtc, HOUR), 0x92);
	rtc_at(&rtc, 11, 30);
	ck_assert_uint_eq(rtc_read_reg(&rtc, HOUR), 0x11);
	rtc_write_reg(&rtc, REG_B, 0x04);  /* binary, 12-hour */
	rtc_at(&rtc, 23, 30);
	ck_assert_uint_eq(rtc_read_reg(&rtc, HOUR), 0x80 | 11);
	rtc_write_reg(&rtc, REG_B, 0x02);
	ck_assert_uint_eq(rtc_read_reg(&rtc, HOUR), 0x23);
}
END_TEST

static void rtc_set(struct rtc *rtc, uint8_t regb, uint8_t hour)
{
	rtc_write_reg(rtc, REG_B, regb | 0x80);
	rtc_write_reg(rtc, SEC, 0x00);
	rtc_write_reg(rtc, MIN_, 0x45);
	rtc_write_reg(rtc, HOUR, hour);
	rtc_write_reg(rtc, MDAY, 0x29);
	rtc_write_reg(rtc, MON, 0x02);
	rtc_write_reg(rtc, YEAR, 0x04);
	rtc_write_reg(rtc, CENTURY, 0x20);
	rtc_write_reg(rtc, REG_B, regb);
}

START_TEST(rtc_set_time)
{
	static struct rtc rtc;
	struct tm want = { .tm_year = 104, .tm_mon = 1, .tm_mday = 29,
			   .tm_hour = 13, .tm_min = 45 };
	int64_t off;

	rtc_setup(NULL, &rtc);
	rtc_set(&rtc, 0x02, 0x13);
	off = (int64_t)(timegm(&want) - time(NULL));
	ck_assert_int_ge(rtc.offset_s, off - 2);
	ck_assert_int_le(rtc.offset_s, off + 2);
	ck_assert_uint_eq(rtc_read_reg(&rtc, YEAR), 0x04);
	ck_assert_uint_eq(rtc_read_reg(&rtc, CENTURY), 0x20);
	ck_assert_uint_eq(rtc_read_reg(&rtc, MON), 0x02);
	ck_assert_uint_eq(rtc_read_reg(&rtc, MDAY), 0x29);
	ck_assert_uint_eq(rtc_read_reg(&rtc, HOUR), 0x13);
	ck_assert_uint_eq(rtc_read_reg(&rtc, MIN_), 0x45);
	ck_assert_uint_le(bcd(rtc_read_reg(&rtc, SEC)), 3);
	/* The offset persists: the clock keeps running from the new time. */
	check_clock(&rtc, false, rtc.offset_s);

	/* Setting in 12-hour mode: 1 PM is 0x81. */
	rtc_setup(NULL, &rtc);
	rtc_set(&rtc, 0x00, 0x81);
	rtc_write_reg(&rtc, REG_B, 0x02);
	ck_assert_uint_eq(rtc_read_reg(&rtc, HOUR), 0x13);
	/* 12 AM is midnight. */
	rtc_set(&rtc, 0x00, 0x12);
	rtc_write_reg(&rtc, REG_B, 0x02);
	ck_assert_uint_eq(rtc_read_reg(&rtc, HOUR), 0x00);
}
END_TEST

/* Through ports 0x70/0x71, SET shows the frozen copy being edited. */
START_TEST(rtc_ports)
{
	static struct vm vm;
	static struct rtc rtc;
	uint8_t v;

	iobus_init(&vm.pio, IO_SPACE_PIO);
	ck_assert_int_eq(rtc_setup(&vm, &rtc), 0);
	v = 0x8b;  /* NMI mask bit + REG_B */
	ck_assert(iobus_access(&vm.pio, 0x70, &v, 1, true));
	ck_assert(iobus_access(&vm.pio, 0x70, &v, 1, false));
	ck_assert_uint_eq(v, 0x8b);
	v = 0x82;
	ck_assert(iobus_access(&vm.pio, 0x71, &v, 1, true));
	v = YEAR;
	ck_assert(iobus_access(&vm.pio, 0x70, &v, 1, true));
	v = 0x99;
	ck_assert(iobus_access(&vm.pio, 0x71, &v, 1, true));
	ck_assert(iobus_access(&vm.pio, 0x71, &v, 1, false));
	ck_assert_uint_eq(v, 0x99);
	/* Still SET: the live clock would not say 99. */
	ck_assert_uint_ne(rtc_read_reg(&rtc, YEAR), 0x99);
	v = REG_B;
	ck_assert(iobus_access(&vm.pio, 0x70, &v, 1, true));
	v = 0x02;
	ck_assert(iobus_access(&vm.pio, 0x71, &v, 1, true));
	ck_assert_uint_eq(rtc_read_reg(&rtc, YEAR), 0x99);
}
END_TEST

/*
 * A 16-bit access at 0x70 covers both ports: low byte = index, high
 * byte = data register, as two ISA byte cycles. A 16-bit access at 0x71
 * would reach 0x72, which the RTC does not decode.
 */
START_TEST(rtc_word_access)
{
	static struct vm vm;
	static struct rtc rtc;
	uint8_t w[2];

	iobus_init(&vm.pio, IO_SPACE_PIO);
	ck_assert_int_eq(rtc_setup(&vm, &rtc), 0);
	rtc_set_memory(&rtc, 256 * MiB, 0, 1);
	/* outw 0x70, 0x5a34: CMOS[0x34] = 0x5a (index 0x34 in the low byte). */
	w[0] = 0x34;
	w[1] = 0x5a;
	ck_assert(iobus_access(&vm.pio, 0x70, w, 2, true));
	ck_assert_uint_eq(rtc.index, 0x34);
	ck_assert_uint_eq(rtc.cmos[0x34], 0x5a);
	/* inw 0x70: the index, then the register it selects. */
	w[0] = w[1] = 0;
	ck_assert(iobus_access(&vm.pio, 0x70, w, 2, false));
	ck_assert_uint_eq(w[0], 0x34);
	ck_assert_uint_eq(w[1], 0x5a);
	/* The index written by a word access selects what a byte read gets. */
	w[0] = 0x80 | REG_A;  /* with the NMI-mask bit */
	w[1] = 0x26;
	ck_assert(iobus_access(&vm.pio, 0x70, w, 2, true));
	ck_assert(iobus_access(&vm.pio, 0x71, w, 1, false));
	ck_assert_uint_eq(w[0], 0x26);
	ck_assert(iobus_access(&vm.pio, 0x70, w, 1, false));
	ck_assert_uint_eq(w[0], 0x80 | REG_A);
	/* A word write through the ports edits the clock like byte writes. */
	w[0] = REG_B;
	w[1] = 0x86;  /* SET, binary, 24 h */
	ck_assert(iobus_access(&vm.pio, 0x70, w, 2, true));
	w[0] = YEAR;
	w[1] = 42;
	ck_assert(iobus_access(&vm.pio, 0x70, w, 2, true));
	w[0] = REG_B;
	w[1] = 0x06;
	ck_assert(iobus_access(&vm.pio, 0x70, w, 2, true));
	ck_assert_uint_eq(rtc_read_reg(&rtc, YEAR), 42);
	/* 0x71..0x72 straddles the end of the device: unclaimed, all-ones. */
	ck_assert(!iobus_access(&vm.pio, 0x71, w, 2, false));
	ck_assert_uint_eq(w[0], 0xff);
	ck_assert_uint_eq(w[1], 0xff);
}
END_TEST

START_TEST(rtc_status_regs)
{
	static struct rtc rtc;

	rtc_setup(NULL, &rtc);
	rtc.cmos[REG_C] = 0x90;
	ck_assert_uint_eq(rtc_read_reg(&rtc, REG_C), 0x90);
	ck_assert_uint_eq(rtc_read_reg(&rtc, REG_C), 0x00);
	rtc_write_reg(&rtc, REG_C, 0xff);
	ck_assert_uint_eq(rtc_read_reg(&rtc, REG_C), 0x00);
	rtc_write_reg(&rtc, REG_D, 0x00);
	ck_assert_uint_eq(rtc_read_reg(&rtc, REG_D), 0x80);
	/* UIP (REG_A bit 7) never reads set, whatever was written. */
	rtc_write_reg(&rtc, REG_A, 0xa6);
	ck_assert_uint_eq(rtc_read_reg(&rtc, REG_A), 0x26);
	/* Plain NVRAM; the index's NMI bit does not select another byte. */
	rtc_write_reg(&rtc, 0x40, 0x5a);
	ck_assert_uint_eq(rtc_read_reg(&rtc, 0x40), 0x5a);
	ck_assert_uint_eq(rtc_read_reg(&rtc, 0xc0), 0x5a);
}
END_TEST

START_TEST(rtc_memory)
{
	static struct rtc rtc;

	rtc_setup(NULL, &rtc);
	rtc_set_memory(&rtc, 512 * MiB, 0, 1);
	ck_assert_uint_eq(rtc_read_reg(&rtc, 0x15), 0x80);  /* 640 KiB base */
	ck_assert_uint_eq(rtc_read_reg(&rtc, 0x16), 0x02);
	ck_assert_uint_eq(rtc_read_reg(&rtc, 0x17), 0xff);  /* extended KiB saturates */
	ck_assert_uint_eq(rtc_read_reg(&rtc, 0x18), 0xff);
	ck_assert_uint_eq(rtc_read_reg(&rtc, 0x30), 0xff);
	ck_assert_uint_eq(rtc_read_reg(&rtc, 0x31), 0xff);
	/* (512M - 16M) / 64K = 0x1f00 */
	ck_assert_uint_eq(rtc_read_reg(&rtc, 0x34), 0x00);
	ck_assert_uint_eq(rtc_read_reg(&rtc, 0x35), 0x1f);
	ck_assert_uint_eq(rtc_read_reg(&rtc, 0x5b), 0);
	ck_assert_uint_eq(rtc_read_reg(&rtc, 0x5c), 0);
	ck_assert_uint_eq(rtc_read_reg(&rtc, 0x5d), 0);
	ck_assert_uint_eq(rtc_read_reg(&rtc, 0x5f), 0);

	/* 4G guest: 3G low, 1G above 4G, 4 CPUs. */
	rtc_set_memory(&rtc, 3 * GiB, GiB, 4);
	ck_assert_uint_eq(rtc_read_reg(&rtc, 0x34), 0x00);  /* (3G - 16M) / 64K = 0xbf00 */
	ck_assert_uint_eq(rtc_read_reg(&rtc, 0x35), 0xbf);
	ck_assert_uint_eq(rtc_read_reg(&rtc, 0x5b), 0x00);  /* 1G / 64K = 0x4000 */
	ck_assert_uint_eq(rtc_read_reg(&rtc, 0x5c), 0x40);
	ck_assert_uint_eq(rtc_read_reg(&rtc, 0x5d), 0x00);
	ck_assert_uint_eq(rtc_read_reg(&rtc, 0x5f), 3);

	/* Small: 16M exactly has 15M extended and nothing above 16M. */
	rtc_set_memory(&rtc, 16 * MiB, 0, 64);
	ck_assert_uint_eq(rtc_read_reg(&rtc, 0x17), (15 * 1024) & 0xff);
	ck_assert_uint_eq(rtc_read_reg(&rtc, 0x18), (15 * 1024) >> 8);
	ck_assert_uint_eq(rtc_read_reg(&rtc, 0x34), 0);
	ck_assert_uint_eq(rtc_read_reg(&rtc, 0x35), 0);
	ck_assert_uint_eq(rtc_read_reg(&rtc, 0x5f), 63);
}
END_TEST

/* A VM with only what the devices touch: a port bus and the stop state. */
static struct vm vm;

static void vm_fixture(void)
{
	memset(&vm, 0, sizeof(vm));
	vm.stop_efd = -1;
	vm.stop_reason = VM_RUNNING;
	iobus_init(&vm.pio, IO_SPACE_PIO);
	/* Silence even the rate-limited errors unsupported sleep types log. */
	log_level = LOG_ERR - 1;
}

static void out(uint16_t port, uint32_t v, unsigned int len)
{
	uint8_t d[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	ck_assert_msg(iobus_access(&vm.pio, port, d, len, true), "port 0x%x unclaimed", port);
}

static uint32_t in(uint16_t port, unsigned int len)
{
	uint8_t d[4] = { 0 };

	ck_assert_msg(iobus_access(&vm.pio, port, d, len, false), "port 0x%x unclaimed", port);
	return d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24;
}

START_TEST(pm_poweroff)
{
	static struct pm pm;

	ck_assert_int_eq(pm_setup(&vm, &pm), 0);
	ck_assert_uint_eq(in(PM_CNT_PORT, 2) & 1, 1);  /* SCI_EN */
	ck_assert_uint_eq(in(PM_CNT_PORT, 1) & 1, 1);
	/* S3-ish type with SLP_EN: ignored. */
	out(PM_CNT_PORT, (3 << 10) | (1 << 13), 2);
	ck_assert_int_eq(vm.stop_reason, VM_RUNNING);
	/* S5 type without SLP_EN: just a register write. */
	out(PM_CNT_PORT, 5 << 10, 2);
	ck_assert_int_eq(vm.stop_reason, VM_RUNNING);
	/* SLP_EN is write-only: it never reads back. */
	ck_assert_uint_eq(in(PM_CNT_PORT, 2), (5 << 10) | 1);
	out(PM_CNT_PORT, (5 << 10) | (1 << 13), 2);
	ck_assert_int_eq(vm.stop_reason, VM_STOP_POWEROFF);
}
END_TEST

/* ACPICA may write the high byte alone: SLP_EN | SLP_TYP(5) = 0x34. */
START_TEST(pm_poweroff_byte)
{
	static struct pm pm;

	ck_assert_int_eq(pm_setup(&vm, &pm), 0);
	out(PM_CNT_PORT + 1, 0x20, 1);  /* SLP_EN with type 0 */
	ck_assert_int_eq(vm.stop_reason, VM_RUNNING);
	out(PM_CNT_PORT + 1, 0x34, 1);
	ck_assert_int_eq(vm.stop_reason, VM_STOP_POWEROFF);
}
END_TEST

START_TEST(pm_status_enable)
{
	static struct pm pm;

	ck_assert_int_eq(pm_setup(&vm, &pm), 0);
	pm.sts = 0x8121;
	ck_assert_uint_eq(in(PM_EVT_PORT, 2), 0x8121);
	/* Write-one-to-clear: zeros leave bits alone. */
	out(PM_EVT_PORT, 0x0100, 2);
	ck_assert_uint_eq(in(PM_EVT_PORT, 2), 0x8021);
	out(PM_EVT_PORT + 1, 0x80, 1);
	ck_assert_uint_eq(in(PM_EVT_PORT, 2), 0x0021);
	/* Enable is a plain register in the upper half. */
	out(PM_EVT_PORT + 2, 0x0120, 2);
	ck_assert_uint_eq(in(PM_EVT_PORT + 2, 2), 0x0120);
	ck_assert_uint_eq(in(PM_EVT_PORT, 2), 0x0021);
	ck_assert_uint_eq(in(PM_EVT_PORT, 4), 0x01200021);
	/* A dword write clears status and sets enable together. */
	out(PM_EVT_PORT, 0x00010001, 4);
	ck_assert_uint_eq(in(PM_EVT_PORT, 4), 0x00010020);
	ck_assert_uint_eq(in(PM_EVT_PORT + 3, 1), 0x00);
	ck_assert_uint_eq(in(PM_EVT_PORT + 2, 1), 0x01);
}
END_TEST

START_TEST(i8042_pulse_reset)
{
	static struct i8042 k;

	ck_assert_int_eq(i8042_setup(&vm, &k), 0);
	out(0x64, 0xfe, 1);
	ck_assert_int_eq(vm.stop_reason, VM_STOP_REBOOT);
}
END_TEST

START_TEST(i8042_outport_reset)
{
	static struct i8042 k;

	ck_assert_int_eq(i8042_setup(&vm, &k), 0);
	/* Writing the output port with the reset line high does nothing. */
	out(0x64, 0xd1, 1);
	out(0x60, 0x01, 1);
	ck_assert_int_eq(vm.stop_reason, VM_RUNNING);
	/* A data byte without a pending command does nothing either. */
	out(0x60, 0x00, 1);
	ck_assert_int_eq(vm.stop_reason, VM_RUNNING);
	out(0x64, 0xd1, 1);
	out(0x60, 0x00, 1);
	ck_assert_int_eq(vm.stop_reason, VM_STOP_REBOOT);
}
END_TEST

/*
 * OVMF reads port 0x92 and writes it back with A20 set: that must not
 * reset (it would if the read gave all-ones); a rising bit 0 must.
 */
START_TEST(port92_a20_and_reset)
{
	static struct port92 p;

	ck_assert_int_eq(port92_setup(&vm, &p), 0);
	ck_assert_uint_eq(in(0x92, 1), 0);
	out(0x92, in(0x92, 1) | 0x02, 1);
	ck_assert_uint_eq(in(0x92, 1), 0x02);
	ck_assert_int_eq(vm.stop_reason, VM_RUNNING);
	out(0x92, 0x03, 1);
	ck_assert_int_eq(vm.stop_reason, VM_STOP_REBOOT);
	ck_assert_uint_eq(in(0x92, 1), 0x02);  /* bit 0 is never held */
}
END_TEST

START_TEST(i8042_ctr)
{
	static struct i8042 k;
	uint32_t sts;

	ck_assert_int_eq(i8042_setup(&vm, &k), 0);
	ck_assert_uint_eq(in(0x64, 1) & 0x05, 0x04);  /* SYS, no OBF */
	out(0x64, 0x60, 1);
	ck_assert_uint_eq(in(0x64, 1) & 0x08, 0x08);  /* last write was a command */
	out(0x60, 0x47, 1);
	ck_assert_uint_eq(in(0x64, 1) & 0x08, 0x00);
	out(0x64, 0x20, 1);
	sts = in(0x64, 1);
	ck_assert_uint_eq(sts & 0x01, 0x01);
	ck_assert_uint_eq(in(0x60, 1), 0x47);
	ck_assert_uint_eq(in(0x64, 1) & 0x01, 0x00);
	/* Port 0x61 is not ours. */
	ck_assert(!iobus_access(&vm.pio, 0x61, (uint8_t[1]){ 0 }, 1, false));
	ck_assert_int_eq(vm.stop_reason, VM_RUNNING);
}
END_TEST

/*
 * The keyboard answers every wait of OVMF's Ps2KeyboardDxe on the first
 * status poll (edk2 Ps2KbdCtrller.c: CheckKeyboardConnect, InitKeyboard,
 * UpdateStatusLights). Before, no byte came back and each wait ran its
 * full second, 30 us per poll: over 100k exits per OVMF boot.
 */
static void kbd_expect(uint8_t cmd_port_val, bool to_cmd, const uint8_t *want, unsigned int n)
{
	unsigned int i;

	out(to_cmd ? 0x64 : 0x60, cmd_port_val, 1);
	for (i = 0; i < n; i++) {
		ck_assert_msg(in(0x64, 1) & 0x01, "no byte %u after 0x%02x", i, cmd_port_val);
		ck_assert_uint_eq(in(0x60, 1), want[i]);
	}
	ck_assert_msg(!(in(0x64, 1) & 0x01), "extra byte after 0x%02x", cmd_port_val);
}

START_TEST(i8042_ovmf_init_sequence)
{
	static struct i8042 k;

	ck_assert_int_eq(i8042_setup(&vm, &k), 0);
	/* SYS set: OVMF reads the command byte, then writes 0x67. */
	kbd_expect(0x20, true, (const uint8_t[]){ 0x00 }, 1);
	out(0x64, 0x60, 1);
	out(0x60, 0x67, 1);
	kbd_expect(0x20, true, (const uint8_t[]){ 0x67 }, 1);
	kbd_expect(0xf4, false, (const uint8_t[]){ 0xfa }, 1);              /* enable: ACK */
	kbd_expect(0xab, true, (const uint8_t[]){ 0x00 }, 1);               /* interface test */
	kbd_expect(0xff, false, (const uint8_t[]){ 0xfa, 0xaa }, 2);        /* reset + BAT */
	kbd_expect(0xf0, false, (const uint8_t[]){ 0xfa }, 1);              /* scan code set */
	kbd_expect(0x02, false, (const uint8_t[]){ 0xfa }, 1);
	kbd_expect(0xf4, false, (const uint8_t[]){ 0xfa }, 1);
	kbd_expect(0xed, false, (const uint8_t[]){ 0xfa }, 1);              /* LEDs */
	kbd_expect(0x00, false, (const uint8_t[]){ 0xfa }, 1);
	/* The controller's own tests and the first-time path. */
	kbd_expect(0xad, true, NULL, 0);
	kbd_expect(0xa7, true, NULL, 0);
	kbd_expect(0xaa, true, (const uint8_t[]){ 0x55 }, 1);
	kbd_expect(0x20, true, (const uint8_t[]){ 0x77 }, 1);               /* both disabled */
	kbd_expect(0xae, true, NULL, 0);
	kbd_expect(0xa8, true, NULL, 0);
	kbd_expect(0x20, true, (const uint8_t[]){ 0x47 }, 1);
	kbd_expect(0xf2, false, (const uint8_t[]){ 0xfa, 0xab, 0x83 }, 3);  /* identify */
	kbd_expect(0xee, false, (const uint8_t[]){ 0xee }, 1);              /* echo */
	kbd_expect(0xf0, false, (const uint8_t[]){ 0xfa }, 1);              /* get the set */
	kbd_expect(0x00, false, (const uint8_t[]){ 0xfa, 0x02 }, 2);
	kbd_expect(0xd0, true, (const uint8_t[]){ 0x03 }, 1);               /* output port */
	/* A byte for the mouse (0xD4) gets no answer: there is none. */
	kbd_expect(0xd4, true, NULL, 0);
	kbd_expect(0xff, false, NULL, 0);
	kbd_expect(0xf4, false, (const uint8_t[]){ 0xfa }, 1);              /* the keyboard again */
	ck_assert_int_eq(vm.stop_reason, VM_RUNNING);
	i8042_teardown(&k);
}
END_TEST

/* A guest that never reads cannot grow the queue; reading it drains it in order. */
START_TEST(i8042_queue_bounded)
{
	static struct i8042 k;
	unsigned int i;

	ck_assert_int_eq(i8042_setup(&vm, &k), 0);
	for (i = 0; i < 10; i++)
		out(0x60, 0xf2, 1);  /* three bytes each */
	ck_assert_uint_eq(k.count, I8042_QUEUE);
	ck_assert_uint_eq(k.dropped, 30 - I8042_QUEUE);
	for (i = 0; i < I8042_QUEUE; i++) {
		static const uint8_t id[3] = { 0xfa, 0xab, 0x83 };

		ck_assert(in(0x64, 1) & 0x01);
		ck_assert_uint_eq(in(0x60, 1), id[i % 3]);
	}
	ck_assert(!(in(0x64, 1) & 0x01));
	/* An empty buffer reads its last byte again and stays empty. */
	ck_assert_uint_eq(in(0x60, 1), 0xfa);
	ck_assert(!(in(0x64, 1) & 0x01));
	i8042_teardown(&k);
}
END_TEST

START_TEST(stop_first_wins)
{
	uint64_t n;
	int efd = eventfd(0, EFD_NONBLOCK);

	ck_assert_int_ge(efd, 0);
	vm.stop_efd = efd;
	vm_request_stop(&vm, VM_STOP_REBOOT);
	ck_assert_int_eq(vm.stop_reason, VM_STOP_REBOOT);
	vm_request_stop(&vm, VM_STOP_POWEROFF);
	vm_request_stop(&vm, VM_STOP_FAULT);
	ck_assert_int_eq(vm.stop_reason, VM_STOP_REBOOT);
	/* The main thread is woken exactly once. */
	ck_assert_int_eq(read(efd, &n, sizeof(n)), sizeof(n));
	ck_assert_uint_eq(n, 1);
	ck_assert_int_lt(read(efd, &n, sizeof(n)), 0);
	close(efd);
}
END_TEST

/* Both reset paths at once: the device that got there first decides. */
START_TEST(stop_devices_first_wins)
{
	static struct pm pm;
	static struct i8042 k;

	ck_assert_int_eq(pm_setup(&vm, &pm), 0);
	ck_assert_int_eq(i8042_setup(&vm, &k), 0);
	out(PM_CNT_PORT, (5 << 10) | (1 << 13), 2);
	out(0x64, 0xfe, 1);
	ck_assert_int_eq(vm.stop_reason, VM_STOP_POWEROFF);
}
END_TEST

static Suite *legacy_suite(void)
{
	Suite *s = suite_create("legacy");
	TCase *rtc = tcase_create("rtc");
	TCase *dev = tcase_create("pm-i8042");

	tcase_add_test(rtc, rtc_bcd_time);
	tcase_add_test(rtc, rtc_binary_mode);
	tcase_add_test(rtc, rtc_12_hour);
	tcase_add_test(rtc, rtc_set_time);
	tcase_add_test(rtc, rtc_ports);
	tcase_add_test(rtc, rtc_word_access);
	tcase_add_test(rtc, rtc_status_regs);
	tcase_add_test(rtc, rtc_memory);
	suite_add_tcase(s, rtc);

	tcase_add_checked_fixture(dev, vm_fixture, NULL);
	tcase_add_test(dev, pm_poweroff);
	tcase_add_test(dev, pm_poweroff_byte);
	tcase_add_test(dev, pm_status_enable);
	tcase_add_test(dev, i8042_pulse_reset);
	tcase_add_test(dev, i8042_outport_reset);
	tcase_add_test(dev, port92_a20_and_reset);
	tcase_add_test(dev, i8042_ctr);
	tcase_add_test(dev, i8042_ovmf_init_sequence);
	tcase_add_test(dev, i8042_queue_bounded);
	tcase_add_test(dev, stop_first_wins);
	tcase_add_test(dev, stop_devices_first_wins);
	suite_add_tcase(s, dev);
	return s;
}

UNIT_MAIN(legacy_suite)
