// SPDX-License-Identifier: MIT
#include "uart.h"

#include <string.h>

#include "console_tail.h"
#include "events.h"

#define UART_RX 0  /* in: receive buffer (DLAB=0) */
#define UART_TX 0  /* out: transmit holding (DLAB=0) */
#define UART_IER 1
#define UART_IIR 2 /* in */
#define UART_FCR 2 /* out */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define IER_RDI 0x01
#define IER_THRI 0x02
#define IER_RLSI 0x04
#define IER_MSI 0x08

#define IIR_NO_INT 0x01
#define IIR_MSI 0x00
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_FIFO_ENABLED 0xc0

#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02

#define LCR_DLAB 0x80

#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10

#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80
#define MSR_DELTAS 0x0f

int uart_init(struct uart *u, int out_fd,
	      void (*set_irq)(void *opaque, int level), void *irq_opaque)
{
	int ret;

	memset(u, 0, sizeof(*u));
	ret = serial_out_init(&u->out, out_fd);
	if (ret)
		return ret;
	pthread_mutex_init(&u->lock, NULL);
	u->set_irq = set_irq;
	u->irq_opaque = irq_opaque;
	u->lsr = LSR_THRE | LSR_TEMT;
	/* A terminal is "connected": carrier, DSR and CTS up. */
	u->msr = MSR_DCD | MSR_DSR | MSR_CTS;
	u->mcr = MCR_OUT2;
	return 0;
}

void uart_destroy(struct uart *u)
{
	serial_out_destroy(&u->out);
	pthread_mutex_destroy(&u->lock);
}

void uart_output_stop(struct uart *u, unsigned int flush_ms)
{
	serial_out_stop(&u->out, flush_ms);
}

void uart_tx_stats(struct uart *u, uint64_t *tx_bytes, uint64_t *dropped)
{
	pthread_mutex_lock(&u->lock);
	*tx_bytes = u->tx_bytes;
	serial_out_stats(&u->out, NULL, dropped, NULL);
	pthread_mutex_unlock(&u->lock);
}

/* Highest-priority pending interrupt, as IIR reports it. */
static uint8_t uart_iir(const struct uart *u)
{
	if ((u->ier & IER_RDI) && u->rx_count)
		return IIR_RDI;
	if ((u->ier & IER_THRI) && u->thre_pending)
		return IIR_THRI;
	if ((u->ier & IER_MSI) && (u->msr & MSR_DELTAS))
		return IIR_MSI;
	return IIR_NO_INT;
}

/* Called with the lock held, after every state change. */
static void uart_update_irq(struct uart *u)
{
	int level = uart_iir(u) != IIR_NO_INT && (u->mcr & MCR_OUT2) &&
		    !(u->mcr & MCR_LOOP);

	if (level != u->irq_level) {
		u->irq_level = level;
		if (u->set_irq)
			u->set_irq(u->irq_opaque, level);
	}
}

static void uart_rx_push(struct uart *u, uint8_t c)
{
	if (u->rx_count == UART_FIFO_SIZE)
		return; /* overrun: the byte is lost, as on hardware */
	u->rx[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = c;
	u->rx_count++;
	u->lsr |= LSR_DR;
}

static uint8_t uart_rx_pop(struct uart *u)
{
	uint8_t c;

	if (!u->rx_count)
		return 0;
	c = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % UART_FIFO_SIZE;
	if (--u->rx_count == 0)
		u->lsr &= ~LSR_DR;
	return c;
}

static void uart_tx(struct uart *u, uint8_t c)
{
	if (u->mcr & MCR_LOOP) {
		uart_rx_push(u, c);
	} else {
		/* Never waits for the host reader: a full buffer drops, counted. */
		serial_out_put(&u->out, &c, 1);
		console_tail_put(c); /* for a guest crash report */
		events_serial();     /* the first byte only */
	}
	u->tx_bytes++;
	u->thre_pending = true;
}

/* In loopback the modem inputs mirror the modem control outputs. */
static uint8_t uart_msr(const struct uart *u)
{
	uint8_t m = u->msr & MSR_DELTAS;

	if (!(u->mcr & MCR_LOOP))
		return u->msr;
	if (u->mcr & MCR_RTS)
		m |= MSR_CTS;
	if (u->mcr & MCR_DTR)
		m |= MSR_DSR;
	if (u->mcr & MCR_OUT1)
		m |= MSR_RI;
	if (u->mcr & MCR_OUT2)
		m |= MSR_DCD;
	return m;
}

static uint8_t uart_read_reg(struct uart *u, unsigned int reg)
{
	uint8_t v = 0xff;

	switch (reg) {
	case UART_RX:
		v = (u->lcr & LCR_DLAB) ? u->dll : uart_rx_pop(u);
		break;
	case UART_IER:
		v = (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
		break;
	case UART_IIR:
		v = uart_iir(u);
		/* Reading IIR acknowledges a THR-empty interrupt. */
		if (v == IIR_THRI)
			u->thre_pending = false;
		if (u->fcr & FCR_ENABLE)
			v |= IIR_FIFO_ENABLED;
		break;
	case UART_LCR:
		v = u->lcr;
		break;
	case UART_MCR:
		v = u->mcr;
		break;
	case UART_LSR:
		v = u->lsr;
		break;
	case UART_MSR:
		v = uart_msr(u);
		u->msr &= ~MSR_DELTAS;
		break;
	case UART_SCR:
		v = u->scr;
		break;
	}
	return v;
}

static void uart_write_reg(struct uart *u, unsigned int reg, uint8_t v)
{
	switch (reg) {
	case UART_TX:
		if (u->lcr & LCR_DLAB)
			u->dll = v;
		else
			uart_tx(u, v);
		break;
	case UART_IER:
		if (u->lcr & LCR_DLAB) {
			u->dlm = v;
			break;
		}
		/* Enabling THRI with an empty transmitter interrupts at once. */
		if ((v & IER_THRI) && !(u->ier & IER_THRI))
			u->thre_pending = true;
		u->ier = v & 0x0f;
		break;
	case UART_FCR:
		if (v & FCR_CLEAR_RX) {
			u->rx_count = 0;
			u->lsr &= ~LSR_DR;
		}
		u->fcr = v & (FCR_ENABLE | 0xc0);
		break;
	case UART_LCR:
		u->lcr = v;
		break;
	case UART_MCR:
		u->mcr = v & 0x1f;
		break;
	case UART_SCR:
		u->scr = v;
		break;
	default:
		break; /* LSR and MSR are read-only */
	}
}

static void uart_io_read(void *opaque, uint64_t off, uint8_t *data, unsigned int len)
{
	struct uart *u = opaque;
	unsigned int i;

	pthread_mutex_lock(&u->lock);
	for (i = 0; i < len; i++)
		data[i] = off + i < UART_NR_REGS ? uart_read_reg(u, (unsigned int)off + i) : 0xff;
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

static void uart_io_write(void *opaque, uint64_t off, const uint8_t *data, unsigned int len)
{
	struct uart *u = opaque;
	unsigned int i;

	pthread_mutex_lock(&u->lock);
	for (i = 0; i < len; i++)
		if (off + i < UART_NR_REGS)
			uart_write_reg(u, (unsigned int)off + i, data[i]);
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

const struct iodev_ops uart_ops = {
	.read = uart_io_read,
	.write = uart_io_write,
};

size_t uart_rx_space(struct uart *u)
{
	size_t n;

	pthread_mutex_lock(&u->lock);
	n = UART_FIFO_SIZE - u->rx_count;
	pthread_mutex_unlock(&u->lock);
	return n;
}

size_t uart_receive(struct uart *u, const uint8_t *buf, size_t len)
{
	size_t n = 0;

	pthread_mutex_lock(&u->lock);
	/* In loopback the line is disconnected from the host. */
	if (!(u->mcr & MCR_LOOP)) {
		while (n < len && u->rx_count < UART_FIFO_SIZE)
			uart_rx_push(u, buf[n++]);
	}
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
	return n;
}
