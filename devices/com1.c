// SPDX-License-Identifier: MIT
/*
 * COM1: the 16550A core (uart.c) at its PC port and IRQ, wired to the host
 * console. The platform feeds it host input and reads its statistics
 * through dev_set_console(). Absent with --serial none.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "device.h"
#include "legacy.h"
#include "uart.h"
#include "util.h"

/* The VM's COM1: lives from init to exit (device.h). */
static struct uart com1_uart;
static bool com1_live;

static void com1_set_irq(void *opaque, int level)
{
	dev_irq_line(opaque, COM1_IRQ, level);
}

static void com1_exit(struct vm *vm)
{
	if (!com1_live)
		return;
	uart_destroy(&com1_uart);
	com1_live = false;
}

static int com1_init(struct vm *vm)
{
	int ret;

	if (dev_config(vm)->serial == SERIAL_NONE)
		return 0;
	ret = uart_init(&com1_uart, dev_console_fd(vm), com1_set_irq, vm);
	if (ret) {
		pr_err("serial output: %s", strerror(-ret));
		return ret;
	}
	com1_live = true;
	ret = dev_pio_register(vm, COM1_PORT, UART_NR_REGS, &uart_ops, &com1_uart, "com1");
	if (!ret)
		ret = dev_set_console(vm, &com1_uart);
	if (ret)
		com1_exit(vm); /* the walker exits only what initialised */
	return ret;
}

DEVICE_REGISTER(com1, DEV_LEVEL_PLATFORM, com1_init, com1_exit);
