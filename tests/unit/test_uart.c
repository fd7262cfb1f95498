// SPDX-License-Identifier: MIT
/*
 * The 16550A UART, driven through its iodev ops the way Linux's 8250
 * driver probes and uses it. Output goes to a pipe; the interrupt line
 * is a recorder.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "uart.h"
#include "unit.h"
#include "util.h"

#define RBR 0
#define THR 0
#define DLL 0
#define DLM 1
#define IER 1
#define IIR 2
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define MSR 6
#define SCR 7

struct irq_rec {
	int level;
	unsigned int changes;
};

static void rec_irq(void *opaque, int level)
{
	struct irq_rec *r = opaque;

	r->level = level;
	r->changes++;
}

static struct uart u;
static struct irq_rec irq;
static int pipefd[2];

static void setup(void)
{
	ck_assert_int_eq(pipe2(pipefd, O_NONBLOCK), 0);
	memset(&irq, 0, sizeof(irq));
	ck_assert_int_eq(uart_init(&u, pipefd[1], rec_irq, &irq), 0);
}

static void teardown(void)
{
	uart_destroy(&u);
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	close(pipefd[1]);
}

static uint8_t rd(unsigned int reg)
{
	uint8_t v = 0;

	uart_ops.read(&u, reg, &v, 1);
	return v;
}

static void wr(unsigned int reg, uint8_t v)
{
	uart_ops.write(&u, reg, &v, 1);
}

/* Wait (bounded) until the writer thread has emptied the host buffer. */
static void settle(void)
{
	size_t queued = 1;
	int i;

	for (i = 0; i < 1000 && queued; i++) {
		serial_out_stats(&u.out, NULL, NULL, &queued);
		if (queued)
			usleep(1000);
	}
	ck_assert_uint_eq(queued, 0);
}

/* Bytes that reached the host side of the pipe (non-blocking). */
static ssize_t drain(uint8_t *buf, size_t len)
{
	ssize_t n;

	settle();
	n = read(pipefd[0], buf, len);

	return n < 0 ? 0 : n;
}

START_TEST(tx_to_pipe)
{
	uint8_t buf[8];

	ck_assert_uint_eq(rd(LSR) & 0x60, 0x60);  /* THRE | TEMT */
	wr(THR, 'h');
	wr(THR, 'i');
	ck_assert_int_eq(drain(buf, sizeof(buf)), 2);
	ck_assert_mem_eq(buf, "hi", 2);
	ck_assert_uint_eq(u.tx_bytes, 2);
	/* Transmission is instantaneous: still empty. */
	ck_assert_uint_eq(rd(LSR) & 0x61, 0x60);
}
END_TEST

START_TEST(tx_discarded_without_fd)
{
	uint8_t buf[1];

	uart_destroy(&u);
	ck_assert_int_eq(uart_init(&u, -1, rec_irq, &irq), 0);
	wr(THR, 'x');
	ck_assert_uint_eq(u.tx_bytes, 1);
	ck_assert_int_eq(drain(buf, 1), 0);
}
END_TEST

START_TEST(scratch)
{
	wr(SCR, 0xa5);
	ck_assert_uint_eq(rd(SCR), 0xa5);
	wr(SCR, 0x5a);
	ck_assert_uint_eq(rd(SCR), 0x5a);
}
END_TEST

START_TEST(divisor_latch)
{
	uint8_t buf[4];

	wr(IER, 0x05);
	wr(LCR, 0x83);  /* DLAB, 8N1 */
	wr(DLL, 0x01);
	wr(DLM, 0x00);
	ck_assert_uint_eq(rd(DLL), 0x01);
	ck_assert_uint_eq(rd(DLM), 0x00);
	wr(DLL, 0x0c);
	wr(DLM, 0x02);
	ck_assert_uint_eq(rd(DLL), 0x0c);
	ck_assert_uint_eq(rd(DLM), 0x02);
	ck_assert_uint_eq(rd(LCR), 0x83);
	ck_assert_int_eq(drain(buf, sizeof(buf)), 0);
	ck_assert_uint_eq(u.tx_bytes, 0);
	/* Back to DLAB=0: IER kept, divisor hidden. */
	wr(LCR, 0x03);
	ck_assert_uint_eq(rd(IER), 0x05);
	ck_assert_uint_eq(u.dll, 0x0c);
	ck_assert_uint_eq(u.dlm, 0x02);
}
END_TEST

START_TEST(thri_needs_out2)
{
	wr(MCR, 0x00);
	wr(IER, 0x02);
	ck_assert_int_eq(irq.level, 0);
	ck_assert_uint_eq(irq.changes, 0);
	/* Pending all along; the line goes up as soon as OUT2 gates it on. */
	ck_assert_uint_eq(u.thre_pending, true);
	wr(MCR, 0x08);
	ck_assert_int_eq(irq.level, 1);
	wr(MCR, 0x00);
	ck_assert_int_eq(irq.level, 0);
}
END_TEST

START_TEST(thri_ack_by_iir)
{
	wr(MCR, 0x0b);  /* DTR | RTS | OUT2, as Linux sets it */
	ck_assert_uint_eq(rd(IIR), 0x01);
	wr(IER, 0x02);
	ck_assert_int_eq(irq.level, 1);
	ck_assert_uint_eq(rd(IIR), 0x02);
	ck_assert_int_eq(irq.level, 0);
	ck_assert_uint_eq(rd(IIR), 0x01);
	/* Each transmitted byte empties THR again and re-raises it. */
	wr(THR, 'a');
	ck_assert_int_eq(irq.level, 1);
	ck_assert_uint_eq(rd(IIR), 0x02);
	ck_assert_int_eq(irq.level, 0);
	/* Disabling THRI drops a pending one without a read. */
	wr(THR, 'b');
	ck_assert_int_eq(irq.level, 1);
	wr(IER, 0x00);
	ck_assert_int_eq(irq.level, 0);
	ck_assert_uint_eq(rd(IIR), 0x01);
}
END_TEST

START_TEST(rx_fifo)
{
	const uint8_t in[] = "abc";

	ck_assert_uint_eq(rd(LSR) & 0x01, 0);
	ck_assert_uint_eq(uart_rx_space(&u), UART_FIFO_SIZE);
	ck_assert_uint_eq(uart_receive(&u, in, 3), 3);
	ck_assert_uint_eq(uart_rx_space(&u), UART_FIFO_SIZE - 3);
	ck_assert_uint_eq(rd(LSR) & 0x01, 0x01);
	/* No interrupt until RDI is enabled. */
	ck_assert_int_eq(irq.level, 0);
	ck_assert_uint_eq(rd(IIR), 0x01);
	wr(IER, 0x01);
	ck_assert_int_eq(irq.level, 1);
	ck_assert_uint_eq(rd(IIR), 0x04);
	ck_assert_uint_eq(rd(RBR), 'a');
	ck_assert_uint_eq(rd(RBR), 'b');
	ck_assert_uint_eq(rd(LSR) & 0x01, 0x01);
	ck_assert_int_eq(irq.level, 1);
	ck_assert_uint_eq(rd(RBR), 'c');
	ck_assert_uint_eq(rd(LSR) & 0x01, 0);
	ck_assert_int_eq(irq.level, 0);
	ck_assert_uint_eq(rd(IIR), 0x01);
}
END_TEST

START_TEST(rx_priority_over_thri)
{
	const uint8_t c = 'z';

	wr(IER, 0x03);
	ck_assert_uint_eq(uart_receive(&u, &c, 1), 1);
	ck_assert_uint_eq(rd(IIR), 0x04);
	ck_assert_uint_eq(rd(RBR), 'z');
	ck_assert_uint_eq(rd(IIR), 0x02);
	ck_assert_uint_eq(rd(IIR), 0x01);
}
END_TEST

START_TEST(rx_fifo_full)
{
	uint8_t in[20];
	unsigned int i;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)('A' + i);
	ck_assert_uint_eq(uart_receive(&u, in, 10), 10);
	ck_assert_uint_eq(uart_receive(&u, in + 10, 10), 6);
	ck_assert_uint_eq(uart_rx_space(&u), 0);
	ck_assert_uint_eq(uart_receive(&u, in + 16, 4), 0);
	/* Drain part, refill across the ring's wrap point, keep the order. */
	for (i = 0; i < 8; i++)
		ck_assert_uint_eq(rd(RBR), 'A' + i);
	ck_assert_uint_eq(uart_receive(&u, in + 16, 4), 4);
	for (i = 8; i < 20; i++)
		ck_assert_uint_eq(rd(RBR), 'A' + i);
	ck_assert_uint_eq(rd(LSR) & 0x01, 0);
}
END_TEST

START_TEST(loopback)
{
	uint8_t buf[4];
	const uint8_t host = 'h';

	wr(IER, 0x01);
	wr(MCR, 0x1b);  /* LOOP | OUT2 | RTS | DTR */
	wr(THR, 'L');
	ck_assert_int_eq(drain(buf, sizeof(buf)), 0);
	ck_assert_uint_eq(rd(LSR) & 0x01, 0x01);
	ck_assert_uint_eq(rd(IIR), 0x04);
	/* Pending, but the line stays low in loopback. */
	ck_assert_int_eq(irq.level, 0);
	ck_assert_uint_eq(irq.changes, 0);
	/* Host input does not reach a looped-back receiver. */
	ck_assert_uint_eq(uart_receive(&u, &host, 1), 0);
	ck_assert_uint_eq(rd(RBR), 'L');
	ck_assert_uint_eq(rd(LSR) & 0x01, 0);
	/* MSR mirrors MCR: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD. */
	ck_assert_uint_eq(rd(MSR) & 0xf0, 0xb0);
	wr(MCR, 0x14);
	ck_assert_uint_eq(rd(MSR) & 0xf0, 0x40);
	wr(MCR, 0x10);
	ck_assert_uint_eq(rd(MSR) & 0xf0, 0x00);
	/* Leaving loopback: modem inputs and the pipe are back. */
	wr(MCR, 0x08);
	ck_assert_uint_eq(rd(MSR) & 0xf0, 0xb0);
	wr(THR, 'o');
	ck_assert_int_eq(drain(buf, sizeof(buf)), 1);
	ck_assert_uint_eq(buf[0], 'o');
}
END_TEST

/* Leaving loopback with data still queued raises the interrupt then. */
START_TEST(loopback_exit_raises_pending)
{
	wr(IER, 0x01);
	wr(MCR, 0x18);
	wr(THR, 'q');
	ck_assert_int_eq(irq.level, 0);
	wr(MCR, 0x08);
	ck_assert_int_eq(irq.level, 1);
	ck_assert_uint_eq(rd(RBR), 'q');
	ck_assert_int_eq(irq.level, 0);
}
END_TEST

START_TEST(fcr)
{
	const uint8_t in[] = "xyz";

	ck_assert_uint_eq(rd(IIR) & 0xc0, 0);
	wr(FCR, 0x01);
	ck_assert_uint_eq(rd(IIR), 0xc1);
	ck_assert_uint_eq(uart_receive(&u, in, 3), 3);
	wr(IER, 0x01);
	ck_assert_uint_eq(rd(IIR), 0xc4);
	ck_assert_int_eq(irq.level, 1);
	wr(FCR, 0x03);  /* keep enabled, clear RX */
	ck_assert_uint_eq(rd(LSR) & 0x01, 0);
	ck_assert_uint_eq(uart_rx_space(&u), UART_FIFO_SIZE);
	ck_assert_uint_eq(rd(IIR), 0xc1);
	ck_assert_int_eq(irq.level, 0);
	/* Bytes after the clear come out first, not stale ones. */
	ck_assert_uint_eq(uart_receive(&u, in + 2, 1), 1);
	ck_assert_uint_eq(rd(RBR), 'z');
	wr(FCR, 0x00);
	ck_assert_uint_eq(rd(IIR) & 0xc0, 0);
}
END_TEST

START_TEST(readonly_regs)
{
	uint8_t lsr = rd(LSR), msr = rd(MSR);

	wr(LSR, 0x00);
	wr(MSR, 0x00);
	ck_assert_uint_eq(rd(LSR), lsr);
	ck_assert_uint_eq(rd(MSR), msr);
	/* A connected terminal: DCD, DSR, CTS. */
	ck_assert_uint_eq(msr, 0xb0);
	ck_assert_uint_eq(lsr, 0x60);
}
END_TEST

START_TEST(out_of_range)
{
	uint8_t v[2] = { 0, 0 };
	uint8_t wv[2] = { 'A', 'B' };
	uint8_t buf[4];
	static struct io_bus bus;

	uart_ops.read(&u, 8, v, 1);
	ck_assert_uint_eq(v[0], 0xff);
	/* A 2-byte access at the last register: one real, one past the end. */
	wr(SCR, 0x42);
	uart_ops.read(&u, 7, v, 2);
	ck_assert_uint_eq(v[0], 0x42);
	ck_assert_uint_eq(v[1], 0xff);
	uart_ops.write(&u, 8, wv, 2);
	ck_assert_int_eq(drain(buf, sizeof(buf)), 0);
	ck_assert_uint_eq(rd(SCR), 0x42);
	/* Registered on a bus, the UART sees offsets from its base. */
	iobus_init(&bus, IO_SPACE_PIO);
	ck_assert_int_eq(iobus_register(&bus, 0x3f8, UART_NR_REGS, &uart_ops, &u, "com1"), 0);
	ck_assert(iobus_access(&bus, 0x3f8, wv, 1, true));
	ck_assert_int_eq(drain(buf, sizeof(buf)), 1);
	ck_assert_uint_eq(buf[0], 'A');
	ck_assert(iobus_access(&bus, 0x3ff, v, 1, false));
	ck_assert_uint_eq(v[0], 0x42);
	ck_assert(!iobus_access(&bus, 0x3ff, v, 2, false));
}
END_TEST

/* Linux 8250 autoconfig: IER read-back test and the loopback MSR test. */
START_TEST(linux_autoconfig)
{
	uint8_t save_ier, save_mcr;

	save_ier = rd(IER);
	wr(IER, 0x00);
	ck_assert_uint_eq(rd(IER) & 0x0f, 0x00);
	wr(IER, 0x0f);
	ck_assert_uint_eq(rd(IER) & 0x0f, 0x0f);
	wr(IER, save_ier);
	ck_assert_uint_eq(rd(IER), save_ier);

	save_mcr = rd(MCR);
	wr(MCR, 0x1a);  /* LOOP | OUT2 | RTS */
	ck_assert_uint_eq(rd(MSR) & 0xf0, 0x90);
	wr(MCR, save_mcr);
	ck_assert_uint_eq(rd(MCR), save_mcr);

	/* 16550A detection: FIFO enable makes IIR report 0xc0. */
	wr(FCR, 0x01);
	ck_assert_uint_eq(rd(IIR) >> 6, 3);
	/* Scratch test as serial8250 does it. */
	wr(SCR, 0xa5);
	ck_assert_uint_eq(rd(SCR), 0xa5);
}
END_TEST

/* A byte stream without short periods, so reordering cannot match it. */
static uint8_t pattern(uint64_t i)
{
	uint64_t x = i * 0x9e3779b97f4a7c15ULL;

	return (uint8_t)((x ^ (x >> 29)) >> 24);
}

/* A blocking pipe nobody reads: the state of a stalled terminal. */
static void stalled_setup(void)
{
	uart_destroy(&u);
	close(pipefd[0]);
	close(pipefd[1]);
	ck_assert_int_eq(pipe2(pipefd, 0), 0);
	ck_assert_int_eq(uart_init(&u, pipefd[1], rec_irq, &irq), 0);
}

/*
 * Guest writes `total` bytes of the pattern; no write may take long. A
 * write that blocked on the stalled reader would never return: the
 * per-write bound catches one that waits, the tcase timeout one that
 * never comes back. (No bound on the whole flood: 256 KiB under TSan on
 * a slow, loaded machine took over 3 s in CI, session 8, with every
 * single write fast.)
 */
static void guest_flood(uint64_t total)
{
	uint64_t i, t, worst = 0;

	for (i = 0; i < total; i++) {
		uint8_t c = pattern(i);

		t = monotonic_ns();
		uart_ops.write(&u, THR, &c, 1);
		t = monotonic_ns() - t;
		worst = t > worst ? t : worst;
	}
	/* Generous for a loaded 2-core machine under TSan; a blocked write never returns. */
	ck_assert_msg(worst < 1000000000ULL, "one THR write took %llu ns",
		      (unsigned long long)worst);
}

/*
 * Defect 3: the reader of the console stalls and the guest writes far
 * more than the pipe holds. Every write returns at once, the loss is
 * counted exactly, and what arrives is in order: the first buffer-full
 * whole, the rest a subsequence of what the guest sent.
 */
START_TEST(stalled_reader_drops_counted)
{
	const uint64_t total = 1024 * 1024;
	uint64_t tx, dropped, want, got = 0, src = 0, start;
	int pipe_size;
	uint8_t buf[4096];

	stalled_setup();
	pipe_size = fcntl(pipefd[1], F_GETPIPE_SZ);
	ck_assert_int_gt(pipe_size, 0);
	guest_flood(total);
	uart_tx_stats(&u, &tx, &dropped);
	ck_assert_uint_eq(tx, total);
	ck_assert_uint_ge(dropped, total - (uint64_t)pipe_size - SERIAL_OUT_BUF_SIZE);
	want = total - dropped;

	/* The reader wakes up: everything kept must now arrive, in order. */
	ck_assert_int_eq(fcntl(pipefd[0], F_SETFL, O_NONBLOCK), 0);
	start = monotonic_ms();
	while (got < want && monotonic_ms() - start < 3000) {
		ssize_t n = read(pipefd[0], buf, sizeof(buf)), k;

		if (n <= 0) {
			usleep(1000);
			continue;
		}
		for (k = 0; k < n; k++, got++) {
			if (got < SERIAL_OUT_BUF_SIZE) {
				ck_assert_uint_eq(buf[k], pattern(got));
				src = got + 1;
				continue;
			}
			while (src < total && pattern(src) != buf[k])
				src++;
			ck_assert_msg(src < total, "byte %llu is not in the guest's order",
				      (unsigned long long)got);
			src++;
		}
	}
	ck_assert_uint_eq(got, want);
	uart_output_stop(&u, 1000);
	uart_tx_stats(&u, &tx, &dropped);
	ck_assert_uint_eq(got + dropped, total);
}
END_TEST

/* Stopping with a stalled reader and a full buffer is bounded. */
START_TEST(stalled_reader_stop_bounded)
{
	uint64_t tx, dropped, t0;

	stalled_setup();
	guest_flood(256 * 1024);
	t0 = monotonic_ms();
	uart_output_stop(&u, 10000);
	ck_assert_uint_lt(monotonic_ms() - t0, SERIAL_OUT_STALL_MS + 1000);
	/* After the stop, output is dropped, still counted. */
	guest_flood(100);
	uart_tx_stats(&u, &tx, &dropped);
	ck_assert_uint_eq(tx, 256 * 1024 + 100);
	ck_assert_uint_ge(dropped, 256 * 1024 + 100 - (uint64_t)fcntl(pipefd[1], F_GETPIPE_SZ));
}
END_TEST

/*
 * Defect 2 on the console: the reader closed its end (`hvmm run | head`).
 * SIGPIPE keeps its default action in this process, as when hvmm's own
 * ignore is missing: the guest keeps running and every byte is counted.
 */
START_TEST(closed_reader_counted)
{
	uint64_t tx, dropped;

	close(pipefd[0]);
	pipefd[0] = -1;
	guest_flood(5000);
	uart_output_stop(&u, 1000);
	uart_tx_stats(&u, &tx, &dropped);
	ck_assert_uint_eq(tx, 5000);
	ck_assert_uint_eq(dropped, 5000);
	ck_assert_uint_eq(rd(LSR) & 0x60, 0x60);
}
END_TEST

static Suite *uart_suite(void)
{
	Suite *s = suite_create("uart");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, tx_to_pipe);
	tcase_add_test(tc, tx_discarded_without_fd);
	tcase_add_test(tc, scratch);
	tcase_add_test(tc, divisor_latch);
	tcase_add_test(tc, thri_needs_out2);
	tcase_add_test(tc, thri_ack_by_iir);
	tcase_add_test(tc, rx_fifo);
	tcase_add_test(tc, rx_priority_over_thri);
	tcase_add_test(tc, rx_fifo_full);
	tcase_add_test(tc, loopback);
	tcase_add_test(tc, loopback_exit_raises_pending);
	tcase_add_test(tc, fcr);
	tcase_add_test(tc, readonly_regs);
	tcase_add_test(tc, out_of_range);
	tcase_add_test(tc, linux_autoconfig);
	suite_add_tcase(s, tc);

	tc = tcase_create("host_output");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, stalled_reader_drops_counted);
	tcase_add_test(tc, stalled_reader_stop_bounded);
	tcase_add_test(tc, closed_reader_counted);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(uart_suite)
