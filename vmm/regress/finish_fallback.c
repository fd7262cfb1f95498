// SPDX-License-Identifier: MIT
/*
 * TEMPORARY (deleted when i10-results is merged): weak stand-ins for the
 * results side so that the runner links and can be tried alone.
 */
#include "regress.h"

#include <stdio.h>

__attribute__((weak)) int regress_finish(const struct regress_result *r,
					 const struct regress_outputs *o, FILE *term)
{
	int failed = 0;

	for (int i = 0; i < r->nboots; i++)
		if (r->boots[i].verdict != RV_PASS) {
			failed++;
			fprintf(term, "FAIL %s run %d: %s: %s\n", r->cells[r->boots[i].cell].id,
				r->boots[i].run, regress_verdict_id(r->boots[i].verdict),
				r->boots[i].detail);
		}
	fprintf(term, "%d boots, %d failed\n", r->nboots, failed);
	(void)o;
	return failed ? 1 : 0;
}

__attribute__((weak)) int regress_merge_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "hvmm regress merge: not built yet\n");
	return 2;
}
