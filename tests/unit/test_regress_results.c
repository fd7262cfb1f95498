// SPDX-License-Identifier: MIT
/*
 * vmm/regress/results.c: the result file (docs/regress.md section 4)
 * round-trips exactly, and every kind of malformed input is refused with
 * a message naming the problem.
 */
#include <errno.h>

#include "regress_fixture.h"
#include "unit.h"

static void assert_same(const struct regress_result *a, const struct regress_result *b)
{
	ck_assert_str_eq(a->format, b->format);
	ck_assert_uint_eq(a->seed, b->seed);
	ck_assert_int_eq(a->shard_k, b->shard_k);
	ck_assert_int_eq(a->shard_n, b->shard_n);
	ck_assert_str_eq(a->started, b->started);
	ck_assert_str_eq(a->host, b->host);
	ck_assert_str_eq(a->hvmm, b->hvmm);
	ck_assert_int_eq(a->ncells, b->ncells);
	for (int c = 0; c < a->ncells; c++) {
		ck_assert_str_eq(a->cells[c].id, b->cells[c].id);
		ck_assert_int_eq(a->cells[c].naxes, b->cells[c].naxes);
		for (int i = 0; i < a->cells[c].naxes; i++) {
			ck_assert_str_eq(a->cells[c].axis[i], b->cells[c].axis[i]);
			ck_assert_str_eq(a->cells[c].value[i], b->cells[c].value[i]);
		}
	}
	ck_assert_int_eq(a->nboots, b->nboots);
	for (int i = 0; i < a->nboots; i++) {
		const struct regress_boot *x = &a->boots[i], *y = &b->boots[i];

		ck_assert_int_eq(x->cell, y->cell);
		ck_assert_int_eq(x->run, y->run);
		ck_assert_int_eq(x->index, y->index);
		ck_assert_int_eq(x->verdict, y->verdict);
		ck_assert_str_eq(x->detail, y->detail);
		ck_assert_double_eq_tol(x->duration, y->duration, 1e-9);
		ck_assert_int_eq(x->nstages, y->nstages);
		for (int s = 0; s < x->nstages; s++) {
			ck_assert_str_eq(x->stages[s].name, y->stages[s].name);
			ck_assert_double_eq_tol(x->stages[s].t, y->stages[s].t, 1e-9);
		}
		ck_assert(!x->bundle == !y->bundle);
		if (x->bundle)
			ck_assert_str_eq(x->bundle, y->bundle);
		ck_assert_str_eq(x->repro, y->repro);
	}
}

START_TEST(round_trip)
{
	struct regress_result r, back;
	char *path = fx_tmp("r.json"), err[256];

	fx_init(&r, 2, 4);
	r.seed = 18446744073709551615ull;	/* above INT64_MAX: written as a string */
	r.shard_k = 2;
	r.shard_n = 3;
	fx_boot(&r, 0, 0, 1, RV_PASS, 12.5);
	fx_boot(&r, 1, 0, 4, RV_LOST_VMBUS_SIGNAL, 30.25);
	free(r.boots[1].detail);
	r.boots[1].detail = fx_strdup("quote \" backslash \\ newline \n utf8 \xc3\xa9 <tag>");
	ck_assert_int_eq(regress_json_write(&r, path), 0);
	ck_assert_int_eq(regress_json_read(path, &back, err, sizeof(err)), 0);
	assert_same(&r, &back);
	regress_result_free(&back);
	r.seed = 7;
	ck_assert_int_eq(regress_json_write(&r, path), 0);
	ck_assert_int_eq(regress_json_read(path, &back, err, sizeof(err)), 0);
	assert_same(&r, &back);
	regress_result_free(&back);
	regress_result_free(&r);
	free(path);
}
END_TEST

START_TEST(missing_file)
{
	struct regress_result r;
	char err[128];

	ck_assert_int_eq(regress_json_read("/nonexistent/x.json", &r, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "No such file"));
}
END_TEST

#define HEAD "{\"format\":\"hvmm-regress/1\",\"seed\":1,\"shard\":\"1/1\",\"started\":\"s\"," \
	     "\"host\":\"h\",\"hvmm\":\"v\","
#define CELLS "\"cells\":[{\"id\":\"cpus=1\",\"axes\":{\"cpus\":\"1\"}}],"
#define BOOT(fields) "{\"cell\":\"cpus=1\",\"run\":0,\"index\":0,\"verdict\":\"pass\"," \
	"\"detail\":\"\",\"duration\":1.5,\"stages\":{\"exit\":1.0},\"bundle\":null," \
	"\"repro\":\"r\"" fields "}"

static const struct {
	const char *json, *msg;
} bad_inputs[] = {
	{ "", "line" },
	{ "[1,2]", "not a JSON object" },
	{ "{\"format\":\"hvmm-regress/2\"}", "format" },
	{ "{\"format\":1}", "\"format\" is not a string" },
	{ HEAD CELLS "\"boots\":[" BOOT("") "]", "line" },	/* truncated */
	{ "{\"format\":\"hvmm-regress/1\",\"seed\":-1}", "seed" },
	{ "{\"format\":\"hvmm-regress/1\",\"seed\":\"12x\"}", "seed" },
	{ "{\"format\":\"hvmm-regress/1\",\"seed\":1,\"shard\":\"3/2\"}", "shard" },
	{ "{\"format\":\"hvmm-regress/1\",\"seed\":1,\"shard\":\"1/2 \"}", "shard" },
	{ "{\"format\":\"hvmm-regress/1\",\"seed\":1,\"shard\":\"0/2\"}", "shard" },
	{ HEAD "\"cells\":{},\"boots\":[]}", "\"cells\" is not an array" },
	{ HEAD CELLS "\"boots\":{}}", "\"boots\" is not an array" },
	{ HEAD "\"cells\":[{\"id\":\"cpus=2\",\"axes\":{\"cpus\":\"1\"}}],\"boots\":[]}", "is not \"cpus=1\"" },
	{ HEAD "\"cells\":[{\"id\":\"cpus=1\",\"axes\":{\"cpus\":1}}],\"boots\":[]}", "axis" },
	{ HEAD "\"cells\":[{\"id\":\"a=b c\",\"axes\":{\"a\":\"b c\"}}],\"boots\":[]}", "axis" },
	{ HEAD "\"cells\":[{\"id\":\"cpus=1\",\"axes\":{\"cpus\":\"1\"}},"
	  "{\"id\":\"mem=1\",\"axes\":{\"mem\":\"1\"}}],\"boots\":[]}", "axes differ" },
	{ HEAD "\"cells\":[{\"id\":\"cpus=1\",\"axes\":{\"cpus\":\"1\"}},"
	  "{\"id\":\"cpus=1\",\"axes\":{\"cpus\":\"1\"}}],\"boots\":[]}", "repeats" },
	{ HEAD CELLS "\"boots\":[{\"cell\":\"cpus=9\"}]}", "unknown cell" },
	{ HEAD CELLS "\"boots\":[" BOOT(",\"verdict\":\"fine\"") "]}", "duplicate" },
	{ HEAD CELLS "\"boots\":[{\"cell\":\"cpus=1\",\"verdict\":\"fine\"}]}", "unknown verdict" },
	{ HEAD CELLS "\"boots\":[{\"cell\":\"cpus=1\",\"verdict\":\"pass\",\"run\":-1}]}", "out of range" },
	{ HEAD CELLS "\"boots\":[{\"cell\":\"cpus=1\",\"verdict\":\"pass\",\"run\":0,\"index\":1.5}]}",
	  "not an integer" },
	{ HEAD CELLS "\"boots\":[{\"cell\":\"cpus=1\",\"verdict\":\"pass\",\"run\":0,\"index\":9999999999}]}",
	  "out of range" },
	{ HEAD CELLS "\"boots\":[{\"cell\":\"cpus=1\",\"verdict\":\"pass\",\"run\":0,\"index\":0,"
	  "\"detail\":\"\",\"duration\":-1}]}", "out of range" },
	{ HEAD CELLS "\"boots\":[{\"cell\":\"cpus=1\",\"verdict\":\"pass\",\"run\":0,\"index\":0,"
	  "\"detail\":\"\",\"duration\":1,\"stages\":{\"exit\":\"1\"}}]}", "not a number" },
	{ HEAD CELLS "\"boots\":[{\"cell\":\"cpus=1\",\"verdict\":\"pass\",\"run\":0,\"index\":0,"
	  "\"detail\":\"\",\"duration\":1,\"stages\":{\"a b\":1}}]}", "stage name" },
	{ HEAD CELLS "\"boots\":[{\"cell\":\"cpus=1\",\"verdict\":\"pass\",\"run\":0,\"index\":0,"
	  "\"detail\":\"\",\"duration\":1,\"stages\":[]}]}", "\"stages\" is not an object" },
	{ "{\"format\":\"hvmm-regress/1\",\"seed\":1,\"shard\":\"1/1\"}", "missing \"started\"" },
	{ HEAD CELLS "\"boots\":[" BOOT(",\"x\":1") "," BOOT(",\"y\":1") "]}", "appears twice" },	/* unknown fields are fine */
	{ HEAD CELLS "\"boots\":[{\"cell\":\"cpus=1\",\"verdict\":\"pass\",\"run\":0,\"index\":0,"
	  "\"detail\":\"\",\"duration\":1,\"stages\":{},\"bundle\":3,\"repro\":\"\"}]}", "\"bundle\" is not a string" },
	{ HEAD CELLS "\"boots\":[{\"cell\":\"cpus=1\",\"verdict\":\"pass\",\"run\":0,\"index\":0,"
	  "\"detail\":\"\",\"duration\":1,\"stages\":{},\"bundle\":null}]}", "missing \"repro\"" },
	{ HEAD CELLS "\"boots\":[{\"cell\":\"cpus=1\",\"verdict\":\"pass\",\"run\":0,\"index\":0,"
	  "\"detail\":\"\\u0000\"}]}", "line" },
};

START_TEST(malformed)
{
	const char *json = bad_inputs[_i].json, *msg = bad_inputs[_i].msg;
	char *path = fx_tmp("bad.json"), err[256];
	struct regress_result r;

	fx_write(path, json);
	ck_assert_msg(regress_json_read(path, &r, err, sizeof(err)) == -EINVAL, "accepted: %s", json);
	ck_assert_msg(strstr(err, msg), "input %s: error \"%s\" lacks \"%s\"", json, err, msg);
	/* The result is left empty (nothing to free, nothing leaked). */
	ck_assert_int_eq(r.nboots, 0);
	ck_assert_ptr_null(r.cells);
	free(path);
}
END_TEST

START_TEST(minimal_ok)
{
	char *path = fx_tmp("ok.json"), err[256];
	struct regress_result r;

	fx_write(path, HEAD CELLS "\"boots\":[" BOOT("") "]}");
	ck_assert_int_eq(regress_json_read(path, &r, err, sizeof(err)), 0);
	ck_assert_int_eq(r.nboots, 1);
	ck_assert_ptr_null(r.boots[0].bundle);
	ck_assert_double_eq_tol(r.boots[0].stages[0].t, 1.0, 1e-12);
	regress_result_free(&r);
	free(path);
}
END_TEST

/* A run without --matrix has one cell, "default", with no axes (matrix.c):
 * its own result file must read back (a baseline for --compare). */
START_TEST(no_axes_cell)
{
	char *path = fx_tmp("default.json"), err[256];
	struct regress_result r;

	fx_write(path, HEAD "\"cells\":[{\"id\":\"default\",\"axes\":{}}],\"boots\":["
		 "{\"cell\":\"default\",\"run\":0,\"index\":0,\"verdict\":\"pass\","
		 "\"detail\":\"\",\"duration\":1.5,\"stages\":{\"exit\":1.0},\"bundle\":null,"
		 "\"repro\":\"r\"}]}");
	ck_assert_msg(regress_json_read(path, &r, err, sizeof(err)) == 0, "refused: %s", err);
	ck_assert_str_eq(r.cells[0].id, "default");
	ck_assert_int_eq(r.cells[0].naxes, 0);
	regress_result_free(&r);
	/* Without axes the id can only be "default". */
	fx_write(path, HEAD "\"cells\":[{\"id\":\"other\",\"axes\":{}}],\"boots\":[]}");
	ck_assert_int_eq(regress_json_read(path, &r, err, sizeof(err)), -EINVAL);
	free(path);
}
END_TEST

static Suite *regress_results_suite(void)
{
	Suite *s = suite_create("regress_results");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, missing_file);
	tcase_add_test(tc, minimal_ok);
	tcase_add_test(tc, no_axes_cell);
	tcase_add_loop_test(tc, malformed, 0, sizeof(bad_inputs) / sizeof(bad_inputs[0]));
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(regress_results_suite)
