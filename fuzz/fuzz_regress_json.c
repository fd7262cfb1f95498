// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the regress result reader (vmm/regress/results.c)
 * on arbitrary bytes. It must never crash or leak; what it accepts must
 * be internally consistent (cells in range, known verdicts, finite
 * non-negative times) and must survive a write + read round trip with
 * the same counts.
 */
#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "regress/regress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], in_path[96], out_path[96];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/fuzz-regress-json.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(in_path, sizeof(in_path), "%s/in.json", dir);
	snprintf(out_path, sizeof(out_path), "%s/out.json", dir);
}

static void check(const struct regress_result *r)
{
	for (int i = 0; i < r->nboots; i++) {
		const struct regress_boot *b = &r->boots[i];

		assert(b->cell >= 0 && b->cell < r->ncells);
		assert(regress_verdict_id(b->verdict));
		assert(isfinite(b->duration) && b->duration >= 0);
		assert(b->detail && b->repro);
		for (int s = 0; s < b->nstages; s++)
			assert(b->stages[s].name && isfinite(b->stages[s].t) && b->stages[s].t >= 0);
	}
	assert(r->shard_k >= 1 && r->shard_k <= r->shard_n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct regress_result r, back;
	char err[256];
	FILE *f;

	if (!dir[0])
		setup();
	f = fopen(in_path, "w");
	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	if (regress_json_read(in_path, &r, err, sizeof(err)))
		return 0;
	check(&r);
	if (regress_json_write(&r, out_path))
		abort();
	if (regress_json_read(out_path, &back, err, sizeof(err))) {
		fprintf(stderr, "round trip refused: %s\n", err);
		abort();
	}
	assert(back.ncells == r.ncells && back.nboots == r.nboots && back.seed == r.seed);
	regress_result_free(&back);
	regress_result_free(&r);
	return 0;
}
