/* SPDX-License-Identifier: MIT */
/*
 * Shared scaffolding for the Check unit-test runners: each
 * tests/unit/test_*.c defines one Suite and ends with UNIT_MAIN(fn).
 */
#ifndef HVMM_UNIT_H
#define HVMM_UNIT_H

#include <check.h>
#include <stdlib.h>

#define UNIT_MAIN(suite_fn)                                         \
	int main(void)                                              \
	{                                                           \
		SRunner *sr = srunner_create(suite_fn());           \
		int failed;                                         \
		srunner_run_all(sr, CK_NORMAL);                     \
		failed = srunner_ntests_failed(sr);                 \
		srunner_free(sr);                                   \
		return failed ? EXIT_FAILURE : EXIT_SUCCESS;        \
	}

#endif
