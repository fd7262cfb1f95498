// SPDX-License-Identifier: MIT
#include "console_tail.h"

#include <pthread.h>
#include <string.h>

static struct {
	pthread_mutex_t lock;
	uint8_t ring[CONSOLE_TAIL_SIZE];
	size_t start, len;  /* oldest byte, bytes held */
	unsigned char wrapped;  /* older bytes were overwritten */
} tail = { .lock = PTHREAD_MUTEX_INITIALIZER };

void console_tail_put(uint8_t c)
{
	pthread_mutex_lock(&tail.lock);
	if (tail.len < CONSOLE_TAIL_SIZE) {
		tail.ring[(tail.start + tail.len++) % CONSOLE_TAIL_SIZE] = c;
	} else {
		tail.ring[tail.start] = c;
		tail.start = (tail.start + 1) % CONSOLE_TAIL_SIZE;
		tail.wrapped = 1;
	}
	pthread_mutex_unlock(&tail.lock);
}

void console_tail_reset(void)
{
	pthread_mutex_lock(&tail.lock);
	tail.start = tail.len = 0;
	tail.wrapped = 0;
	pthread_mutex_unlock(&tail.lock);
}

/* Snapshot the ring in order, without CRs; returns the length. */
static size_t tail_snapshot(uint8_t *out, unsigned char *wrapped)
{
	size_t i, n = 0;

	pthread_mutex_lock(&tail.lock);
	for (i = 0; i < tail.len; i++) {
		uint8_t c = tail.ring[(tail.start + i) % CONSOLE_TAIL_SIZE];

		if (c != '\r')
			out[n++] = c;
	}
	*wrapped = tail.wrapped;
	pthread_mutex_unlock(&tail.lock);
	return n;
}

unsigned int console_tail_lines(char *buf, size_t cap, unsigned int max_lines)
{
	uint8_t snap[CONSOLE_TAIL_SIZE];
	unsigned char wrapped;
	size_t n = tail_snapshot(snap, &wrapped), from = 0, end, i, o = 0;
	unsigned int lines = 0;

	if (!cap)
		return 0;
	buf[0] = 0;
	if (!max_lines)
		return 0;
	/* The first line is incomplete if the ring overwrote its start. */
	if (wrapped) {
		while (from < n && snap[from] != '\n')
			from++;
		from = from < n ? from + 1 : n;
	}
	/* Walk back from the end over max_lines line breaks. */
	end = n;
	if (end > from && snap[end - 1] == '\n')
		end--;
	i = end;
	while (i > from) {
		if (snap[i - 1] == '\n' && ++lines == max_lines)
			break;
		i--;
	}
	if (i == from && end > from)
		lines++;    /* the loop ran out: the oldest line held counts too */
	for (; i < end && o + 2 < cap; i++) {
		uint8_t c = snap[i];

		buf[o++] = (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f)) ? (char)c : '?';
	}
	if (end > from && o < cap - 1)
		buf[o++] = '\n';
	buf[o] = 0;
	return end > from ? lines : 0;
}
