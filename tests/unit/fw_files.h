/* SPDX-License-Identifier: MIT */
/*
 * Fake OVMF files in a temp folder for the firmware, flash and CLI tests:
 * the right sizes, a firmware-volume signature where the code starts, and
 * a recognisable byte pattern.
 */
#ifndef HVMM_FW_FILES_H
#define HVMM_FW_FILES_H

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firmware.h"

/* Byte `i` of a fake file made with `seed`. */
static inline uint8_t fw_pattern(uint64_t i, unsigned int seed)
{
	return (uint8_t)((i * 31 + seed * 17 + (i >> 12)) & 0xff);
}

/* Write `size` pattern bytes to dir/name, with "_FVH" at fvh (if != ~0). */
static inline void fw_make_file(const char *dir, const char *name, uint64_t size,
				uint64_t fvh, unsigned int seed)
{
	char path[PATH_MAX];
	uint8_t *buf = malloc(size ? size : 1);
	uint64_t i;
	int fd;

	ck_assert_ptr_nonnull(buf);
	for (i = 0; i < size; i++)
		buf[i] = fw_pattern(i, seed);
	if (fvh != ~0ULL)
		memcpy(buf + fvh + 0x28, "_FVH", 4);
	ck_assert_int_lt(snprintf(path, sizeof(path), "%s/%s", dir, name), PATH_MAX);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, buf, size), (ssize_t)size);
	close(fd);
	free(buf);
}

/* A fresh temp folder in `dir` (PATH_MAX bytes). */
static inline void fw_make_dir(char *dir)
{
	snprintf(dir, PATH_MAX, "/tmp/hvmm-fw-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static inline void fw_remove_dir(const char *dir)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

#endif
