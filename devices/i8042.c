// SPDX-License-Identifier: MIT
/*
 * The i8042 keyboard controller, reduced to what an OS without a PS/2
 * keyboard still uses: the CPU reset line. The FADT says there is no
 * 8042 (IAPC_BOOT_ARCH bit 1 clear), so Linux does not probe it, but
 * its reboot fallback pulses reset with command 0xfe, and firmware may
 * write the output port.
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

#define CMD_READ_CTR 0x20
#define CMD_WRITE_CTR 0x60
#define CMD_WRITE_OUTPORT 0xd1
#define CMD_PULSE_RESET 0xfe
#define OUTPORT_RESET_N 0x01

static void i8042_reset(struct i8042 *k)
{
	pr_info("guest reset through the i8042");
	dev_request_stop(k->vm, DEV_STOP_RESET);
}

static void i8042_data_read(void *opaque, uint64_t off, uint8_t *data, unsigned int len)
{
	struct i8042 *k = opaque;

	pthread_mutex_lock(&k->lock);
	data[0] = k->out;
	k->obf = false;
	pthread_mutex_unlock(&k->lock);
}

static void i8042_status_read(void *opaque, uint64_t off, uint8_t *data, unsigned int len)
{
	struct i8042 *k = opaque;

	pthread_mutex_lock(&k->lock);
	data[0] = (uint8_t)(STS_SYS | k->status | (k->obf ? STS_OBF : 0));
	pthread_mutex_unlock(&k->lock);
}

static void i8042_write(struct i8042 *k, bool cmd, uint8_t val)
{
	bool reset = false;

	pthread_mutex_lock(&k->lock);
	if (cmd) {
		k->status |= STS_CMD;
		k->pending_cmd = 0;
		switch (val) {
		case CMD_READ_CTR:
			k->out = k->ctr;
			k->obf = true;
			break;
		case CMD_WRITE_CTR:
		case CMD_WRITE_OUTPORT:
			k->pending_cmd = val;
			break;
		case CMD_PULSE_RESET:
			reset = true;
			break;
		}
	} else {
		k->status &= (uint8_t)~STS_CMD;
		if (k->pending_cmd == CMD_WRITE_CTR)
			k->ctr = val;
		else if (k->pending_cmd == CMD_WRITE_OUTPORT && !(val & OUTPORT_RESET_N))
			reset = true;
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
