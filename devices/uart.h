/* SPDX-License-Identifier: MIT */
/*
 * A 16550A UART (8250 family) as Linux's 8250 driver probes it: FIFOs,
 * scratch register, loopback, and interrupts for received data and an
 * empty transmitter, so the guest's tty output is interrupt-driven
 * rather than polled.
 *
 * Transmission is instantaneous: a byte written to THR goes straight to
 * the output fd and the transmitter is empty again at once.
 *
 * The interrupt output follows the PC wiring: the line is asserted only
 * while an interrupt is pending AND the guest has set MCR.OUT2.
 * All entry points are thread-safe.
 */
#ifndef HVMM_UART_H
#define HVMM_UART_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iodev.h"

#define UART_FIFO_SIZE 16
#define UART_NR_REGS 8

struct uart {
	pthread_mutex_t lock;
	uint8_t ier, lcr, mcr, lsr, msr, scr, dll, dlm, fcr;
	bool thre_pending;   /* THR-empty interrupt not yet acknowledged */
	uint8_t rx[UART_FIFO_SIZE];
	unsigned int rx_head, rx_count;
	int out_fd;          /* -1: output discarded */
	void (*set_irq)(void *opaque, int level);
	void *irq_opaque;
	int irq_level;
	uint64_t tx_bytes;
};

extern const struct iodev_ops uart_ops;

void uart_init(struct uart *u, int out_fd,
	       void (*set_irq)(void *opaque, int level), void *irq_opaque);
void uart_destroy(struct uart *u);

/*
 * Queue host input for the guest. Returns how many bytes fitted in the
 * receive FIFO; the caller keeps the rest and retries later.
 */
size_t uart_receive(struct uart *u, const uint8_t *buf, size_t len);

/* Free space in the receive FIFO. */
size_t uart_rx_space(struct uart *u);

#endif
