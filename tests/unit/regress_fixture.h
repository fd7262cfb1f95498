/* SPDX-License-Identifier: MIT */
/*
 * Synthetic hvmm regress results for the results-side unit tests: cells
 * over one "cpus" axis, boots with the main stages scaled from one boot
 * time, deterministic pseudo-random draws.
 */
#ifndef HVMM_REGRESS_FIXTURE_H
#define HVMM_REGRESS_FIXTURE_H

#include <check.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regress/results.h"

static inline char *fx_strdup(const char *s)
{
	char *d = strdup(s);

	ck_assert_ptr_nonnull(d);
	return d;
}

/* ncells cells "cpus=1", "cpus=2", ...; room for max_boots boots. */
static inline void fx_init(struct regress_result *r, int ncells, int max_boots)
{
	memset(r, 0, sizeof(*r));
	r->format = fx_strdup(REGRESS_FORMAT);
	r->seed = 42;
	r->shard_k = r->shard_n = 1;
	r->started = fx_strdup("2026-12-02T14:00:00Z");
	r->host = fx_strdup("testhost");
	r->hvmm = fx_strdup("hvmm test");
	r->cells = calloc(ncells, sizeof(*r->cells));
	r->boots = calloc(max_boots + 1, sizeof(*r->boots));
	ck_assert(r->cells && r->boots);
	r->ncells = ncells;
	for (int c = 0; c < ncells; c++) {
		char v[16], id[32];

		snprintf(v, sizeof(v), "%d", c + 1);
		snprintf(id, sizeof(id), "cpus=%d", c + 1);
		r->cells[c].id = fx_strdup(id);
		r->cells[c].naxes = 1;
		r->cells[c].axis[0] = fx_strdup("cpus");
		r->cells[c].value[0] = fx_strdup(v);
	}
}

/* Appends a boot whose "exit" is at t (a failure stops after vmbus_contact). */
static inline struct regress_boot *fx_boot(struct regress_result *r, int cell, int run, int index,
					   enum regress_verdict v, double t)
{
	static const char *const names[] = { "vcpu_entry", "serial", "vmbus_contact",
		"ic_negotiated:shutdown", "ready", "shutdown_request", "exit" };
	static const double frac[] = { 0.001, 0.1, 0.7, 0.9, 0.91, 0.93, 1.0 };
	struct regress_boot *b = &r->boots[r->nboots++];
	int n = v == RV_PASS ? 7 : 3;

	b->cell = cell;
	b->run = run;
	b->index = index;
	b->verdict = v;
	b->detail = fx_strdup(v == RV_PASS ? "" : "channel shutdown: ring holds 120 bytes unread");
	b->duration = t + 0.2;
	b->stages = calloc(n, sizeof(*b->stages));
	ck_assert_ptr_nonnull(b->stages);
	for (int i = 0; i < n; i++) {
		b->stages[i].name = fx_strdup(names[i]);
		b->stages[i].t = t * frac[i];
	}
	b->nstages = n;
	b->bundle = v == RV_PASS ? NULL : fx_strdup("bundles/boot-x");
	b->repro = fx_strdup("hvmm run --kernel vmlinuz --cpus 1");
	return b;
}

/* xorshift64: reproducible draws, uniform in [0, 1). */
static inline double fx_uniform(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (*s >> 11) * (1.0 / 9007199254740992.0);
}

/* Roughly normal (Irwin-Hall of 12) with mean m and sd sd. */
static inline double fx_normal(uint64_t *s, double m, double sd)
{
	double x = -6;

	for (int i = 0; i < 12; i++)
		x += fx_uniform(s);
	return m + sd * x;
}

static char fx_dir[64];

static inline int fx_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* Check runs each test in a child: the child removes its scratch dir. */
static inline void fx_rmdir(void)
{
	if (fx_dir[0] && !getenv("HVMM_TEST_KEEP"))	/* set it to debug */
		nftw(fx_dir, fx_rm, 8, FTW_DEPTH | FTW_PHYS);
}

/* A scratch file name under a fresh mkdtemp directory. */
static inline char *fx_tmp(const char *name)
{
	char *p;

	if (!fx_dir[0]) {
		snprintf(fx_dir, sizeof(fx_dir), "/tmp/hvmm-regress-test.XXXXXX");
		ck_assert_ptr_nonnull(mkdtemp(fx_dir));
		atexit(fx_rmdir);
	}
	ck_assert_int_ge(asprintf(&p, "%s/%s", fx_dir, name), 0);
	return p;
}

static inline void fx_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

#endif
