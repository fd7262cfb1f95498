// SPDX-License-Identifier: MIT
/*
 * `regress-merge A.json ...` = `hvmm regress merge A.json ...`, for
 * tests/report/run on a tree whose hvmm does not dispatch "regress" yet
 * (the results side is testable without the runner).
 */
#include "regress/regress.h"

int main(int argc, char **argv)
{
	return regress_merge_main(argc, argv);
}
