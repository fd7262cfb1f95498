/* SPDX-License-Identifier: MIT */
/*
 * The PC platform devices a Linux guest touches: the ACPI power-management
 * block and reset register (power off and reboot), the i8042 controller
 * (its reset line and a keyboard that answers), the RTC/CMOS (host wall-clock time and the memory
 * size firmware reads) and COM1. Each lives in its own file and registers
 * itself (device.h); this header gives their fixed resources, which the
 * ACPI tables describe, and their cores, which unit tests drive on an
 * object of their own: *_setup() fills the object and claims the ports
 * (vm may be NULL for the RTC: no ports), *_teardown() undoes it.
 */
#ifndef HVMM_LEGACY_H
#define HVMM_LEGACY_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct vm;

/*
 * Fixed resources, mirrored into the FADT and DSDT by vm.c.
 *
 * The PM block at 0xB000, where OVMF puts it on i440FX (edk2
 * OvmfPkg/Include/IndustryStandard/I440FxPiix4.h PIIX4_PMBA_VALUE) and
 * where the PIIX4 PM function's PMBA says it is (pci_platform.c).
 */
#define PM_EVT_PORT 0xb000    /* PM1a_EVT_BLK, 4 bytes */
#define PM_CNT_PORT 0xb004    /* PM1a_CNT_BLK, 2 bytes */
#define PM_TMR_PORT 0xb008    /* PM_TMR_BLK, 4 bytes, 24-bit counter */
#define PM_TMR_HZ 3579545U
#define PM_RESET_PORT 0xcf9   /* FADT RESET_REG: the PIIX RC register, pci.c */
#define PM_RESET_VALUE 0x06
#define PM_SCI_IRQ 9
#define PM_S5_SLP_TYP 5
#define COM1_PORT 0x3f8
#define COM1_IRQ 4

/* ACPI PM1 event/control registers and the PM timer. */
struct pm {
	pthread_mutex_t lock;
	struct vm *vm;
	uint16_t sts, en, cnt;
};
int pm_setup(struct vm *vm, struct pm *pm);
void pm_teardown(struct pm *pm);
/* The PM timer's value at CLOCK_MONOTONIC time (sec, nsec): 24 bits. */
uint32_t pm_timer_at(uint64_t sec, uint32_t nsec);

/*
 * i8042: the controller (command byte, self tests, output port: command
 * 0xfe and output-port bit 0 reset) and a PS/2 keyboard with no keys
 * pressed that answers its commands (ACK, BAT, ID), so firmware that
 * waits for an answer gets one at once. No IRQ1, no mouse.
 */
#define I8042_QUEUE 16
struct i8042 {
	pthread_mutex_t lock;
	struct vm *vm;
	uint8_t status, ctr, pending_cmd, kbd_pending, last;
	uint8_t q[I8042_QUEUE];  /* output buffer bytes, oldest at head */
	unsigned int head, count;
	unsigned long dropped;   /* answers lost to a full queue */
};
int i8042_setup(struct vm *vm, struct i8042 *k);
void i8042_teardown(struct i8042 *k);

/* Port 0x92: A20 bit stored, a rising bit 0 resets (port92.c). */
struct port92 {
	struct vm *vm;
	uint8_t val;
};
int port92_setup(struct vm *vm, struct port92 *p);

/* RTC and CMOS NVRAM at ports 0x70/0x71. */
struct rtc {
	pthread_mutex_t lock;
	uint8_t index;
	uint8_t cmos[128];
	int64_t offset_s;     /* guest-set time minus host time */
};
int rtc_setup(struct vm *vm, struct rtc *rtc);
void rtc_teardown(struct rtc *rtc);
/* Fill the CMOS memory-size and CPU-count bytes firmware reads. */
void rtc_set_memory(struct rtc *rtc, uint64_t low_ram, uint64_t high_ram, unsigned int ncpus);
/* Read one CMOS register as the guest would (time fields computed now). */
uint8_t rtc_read_reg(struct rtc *rtc, uint8_t reg);
void rtc_write_reg(struct rtc *rtc, uint8_t reg, uint8_t val);

#endif
