// SPDX-License-Identifier: MIT
/*
 * The i8042 keyboard controller with a PS/2 keyboard on which no key is
 * ever pressed. The FADT says there is no 8042 (IAPC_BOOT_ARCH bit 1
 * clear), so Linux does not probe it; its reboot fallback pulses reset
 * with command 0xfe. OVMF's Ps2KeyboardDxe (edk2
 * MdeModulePkg/Bus/Isa/Ps2KeyboardDxe/Ps2KbdCtrller.c, InitKeyboard and
 * CheckKeyboardConnect) does probe it: it sends keyboard commands and
 * polls the status register for up to a second per answer, 30 us at a
 * time. Without answers each poll costs a status read plus PM-timer reads,
 * and in a slow nested lab the "second" took tens of seconds per OVMF
 * boot (over 100k exits). So the keyboard answers, as a real one would,
 * and the waits end on the first poll.
 *
 * Answers go through a small output queue: OBF is set while it holds a
 * byte. A guest that never reads cannot grow it: once full, further
 * answers are dropped and counted. No IRQ1 is raised (firmware polls,
 * Linux does not use the device); there is no auxiliary (mouse) device.
 */
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "device.h"
#include "legacy.h"
#include "util.h"

#define I8042_DATA 0x60
#define I8042_CMD 0x64

#define STS_OBF 0x01
#define STS_SYS 0x04
#define STS_CMD 0x08

/* Controller commands (port 0x64). */
#define CMD_READ_CTR 0x20
#define CMD_WRITE_CTR 0x60
#define CMD_AUX_DISABLE 0xa7
#define CMD_AUX_ENABLE 0xa8
#define CMD_AUX_TEST 0xa9
#define CMD_SELF_TEST 0xaa
#define CMD_KBD_TEST 0xab
#define CMD_KBD_DISABLE 0xad
#define CMD_KBD_ENABLE 0xae
#define CMD_READ_OUTPORT 0xd0
#define CMD_WRITE_OUTPORT 0xd1
#define CMD_WRITE_AUX 0xd4
#define CMD_PULSE_RESET 0xfe
#define OUTPORT_RESET_N 0x01
#define OUTPORT_A20 0x02

#define CTR_KBD_DISABLED 0x10
#define CTR_AUX_DISABLED 0x20

/* Keyboard commands (port 0x60) and its answers. */
#define KBD_SET_LEDS 0xed
#define KBD_ECHO 0xee
#define KBD_SCANCODE_SET 0xf0
#define KBD_IDENTIFY 0xf2
#define KBD_TYPEMATIC 0xf3
#define KBD_RESET 0xff
#define KBD_ACK 0xfa
#define KBD_BAT_OK 0xaa
#define KBD_ID0 0xab
#define KBD_ID1 0x83
#define SELF_TEST_OK 0x55
#define IFACE_TEST_OK 0x00

static void i8042_push(struct i8042 *k, uint8_t b)
{
	if (k->count == I8042_QUEUE) {
		k->dropped++;
		return;
	}
	k->q[(k->head + k->count) % I8042_QUEUE] = b;
	k->count++;
}

static void i8042_reset(struct i8042 *k)
{
	pr_info("guest reset through the i8042");
	dev_request_stop(k->vm, DEV_STOP_RESET);
}

static void i8042_data_read(void *opaque, uint64_t off, uint8_t *data, unsigned int len)
{
	struct i8042 *k = opaque;

	pthread_mutex_lock(&k->lock);
	if (k->count) {
		k->last = k->q[k->head];
		k->head = (k->head + 1) % I8042_QUEUE;
		k->count--;
	}
	data[0] = k->last;  /* an empty buffer reads its last byte again */
	pthread_mutex_unlock(&k->lock);
}

static void i8042_status_read(void *opaque, uint64_t off, uint8_t *data, unsigned int len)
{
	struct i8042 *k = opaque;

	pthread_mutex_lock(&k->lock);
	data[0] = (uint8_t)(STS_SYS | k->status | (k->count ? STS_OBF : 0));
	pthread_mutex_unlock(&k->lock);
}

/* A controller command; returns true when it asks for a reset. */
static bool i8042_command(struct i8042 *k, uint8_t val)
{
	k->pending_cmd = 0;
	switch (val) {
	case CMD_READ_CTR:
		i8042_push(k, k->ctr);
		break;
	case CMD_WRITE_CTR:
	case CMD_WRITE_OUTPORT:
	case CMD_WRITE_AUX:
		k->pending_cmd = val;
		break;
	case CMD_AUX_DISABLE:
		k->ctr |= CTR_AUX_DISABLED;
		break;
	case CMD_AUX_ENABLE:
		k->ctr &= (uint8_t)~CTR_AUX_DISABLED;
		break;
	case CMD_AUX_TEST:
	case CMD_KBD_TEST:
		i8042_push(k, IFACE_TEST_OK);
		break;
	case CMD_SELF_TEST:
		i8042_push(k, SELF_TEST_OK);
		break;
	case CMD_KBD_DISABLE:
		k->ctr |= CTR_KBD_DISABLED;
		break;
	case CMD_KBD_ENABLE:
		k->ctr &= (uint8_t)~CTR_KBD_DISABLED;
		break;
	case CMD_READ_OUTPORT:
		i8042_push(k, OUTPORT_RESET_N | OUTPORT_A20);
		break;
	case CMD_PULSE_RESET:
		return true;
	}
	return false;
}

/* A byte for the keyboard itself (no controller command pending). */
static void i8042_keyboard(struct i8042 *k, uint8_t val)
{
	if (k->kbd_pending) {
		/* The argument of a two-byte command: LEDs, set, rate. */
		i8042_push(k, KBD_ACK);
		if (k->kbd_pending == KBD_SCANCODE_SET && val == 0)
			i8042_push(k, 2);  /* "get": set 2 is the only one */
		k->kbd_pending = 0;
		return;
	}
	switch (val) {
	case KBD_ECHO:
		i8042_push(k, KBD_ECHO);
		break;
	case KBD_RESET:
		i8042_push(k, KBD_ACK);
		i8042_push(k, KBD_BAT_OK);
		break;
	case KBD_IDENTIFY:
		i8042_push(k, KBD_ACK);
		i8042_push(k, KBD_ID0);
		i8042_push(k, KBD_ID1);
		break;
	case KBD_SET_LEDS:
	case KBD_SCANCODE_SET:
	case KBD_TYPEMATIC:
		k->kbd_pending = val;
		i8042_push(k, KBD_ACK);
		break;
	default:  /* enable, disable, defaults, resend...: all acknowledged */
		i8042_push(k, KBD_ACK);
		break;
	}
}

static void i8042_write(struct i8042 *k, bool cmd, uint8_t val)
{
	bool reset = false;

	pthread_mutex_lock(&k->lock);
	if (cmd) {
		k->status |= STS_CMD;
		reset = i8042_command(k, val);
	} else {
		k->status &= (uint8_t)~STS_CMD;
		if (k->pending_cmd == CMD_WRITE_CTR)
			k->ctr = val;
		else if (k->pending_cmd == CMD_WRITE_OUTPORT)
			reset = !(val & OUTPORT_RESET_N);
		else if (k->pending_cmd != CMD_WRITE_AUX)  /* no mouse: no answer */
			i8042_keyboard(k, val);
		k->pending_cmd = 0;
	}
	pthread_mutex_unlock(&k->lock);
	if (reset)
		i8042_reset(k);
}

static void i8042_data_write(void *opaque, uint64_t off, const uint8_t *data, unsigned int len)
{
	i8042_write(opaque, false, data[0]);
}

static void i8042_cmd_write(void *opaque, uint64_t off, const uint8_t *data, unsigned int len)
{
	i8042_write(opaque, true, data[0]);
}

static const struct iodev_ops i8042_data_ops = {
	.read = i8042_data_read, .write = i8042_data_write,
};
static const struct iodev_ops i8042_cmd_ops = {
	.read = i8042_status_read, .write = i8042_cmd_write,
};

int i8042_setup(struct vm *vm, struct i8042 *k)
{
	memset(k, 0, sizeof(*k));
	pthread_mutex_init(&k->lock, NULL);
	k->vm = vm;
	/* Two ranges, leaving port 0x61 (speaker/PIT gate) to KVM's PIT. */
	return dev_pio_register(vm, I8042_DATA, 1, &i8042_data_ops, k, "i8042-data") ?:
	       dev_pio_register(vm, I8042_CMD, 1, &i8042_cmd_ops, k, "i8042-cmd");
}

void i8042_teardown(struct i8042 *k)
{
	pthread_mutex_destroy(&k->lock);
	memset(k, 0, sizeof(*k));
}

/* The VM's controller: lives from init to exit (device.h). */
static struct i8042 i8042_dev;

static int i8042_init(struct vm *vm)
{
	int ret = i8042_setup(vm, &i8042_dev);

	if (ret)
		i8042_teardown(&i8042_dev);
	return ret;
}

static void i8042_exit(struct vm *vm)
{
	i8042_teardown(&i8042_dev);
}

DEVICE_REGISTER(i8042, DEV_LEVEL_PLATFORM, i8042_init, i8042_exit);
