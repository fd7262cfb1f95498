/* SPDX-License-Identifier: MIT */
/*
 * A 16550A UART (8250 family) as Linux's 8250 driver probes it: FIFOs,
 * scratch register, loopback, and interrupts for received data and an
 * empty transmitter, so the guest's tty output is interrupt-driven
 * rather than polled.
 *
 * Transmission is instantaneous: a byte written to THR goes to the host
 * end of the line (serial_out.h: a bounded buffer drained by a writer
 * thread) and the transmitter is empty again at once. A host reader that
 * stalls or goes away never blocks the vCPU: bytes that do not fit are
 * dropped and counted, as on a real line into a slow terminal.
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
#include "serial_out.h"

#define UART_FIFO_SIZE 16
#define UART_NR_REGS 8

struct uart {
	pthread_mutex_t lock;
	uint8_t ier, lcr, mcr, lsr, msr, scr, dll, dlm, fcr;
	bool thre_pending;   /* THR-empty interrupt not yet acknowledged */
	uint8_t rx[UART_FIFO_SIZE];
	unsigned int rx_head, rx_count;
	struct serial_out out;
	void (*set_irq)(void *opaque, int level);
	void *irq_opaque;
	int irq_level;
	uint64_t tx_bytes;
};

extern const struct iodev_ops uart_ops;

/* out_fd is not owned; -1 discards the output. 0 or -errno. */
int uart_init(struct uart *u, int out_fd,
	      void (*set_irq)(void *opaque, int level), void *irq_opaque);
void uart_destroy(struct uart *u);

/*
 * End of the run: flush the host buffer for at most flush_ms, then stop
 * writing (serial_out_stop()). Later guest output is dropped.
 */
void uart_output_stop(struct uart *u, unsigned int flush_ms);

/* Bytes the guest transmitted, and how many of them the host lost. */
void uart_tx_stats(struct uart *u, uint64_t *tx_bytes, uint64_t *dropped);

/*
 * Queue host input for the guest. Returns how many bytes fitted in the
 * receive FIFO; the caller keeps the rest and retries later.
 */
size_t uart_receive(struct uart *u, const uint8_t *buf, size_t len);

/* Free space in the receive FIFO. */
size_t uart_rx_space(struct uart *u);

#endif
