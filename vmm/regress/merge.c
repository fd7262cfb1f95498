// SPDX-License-Identifier: MIT
/*
 * `hvmm regress merge A.json B.json ... [--json F] [--junit F]
 * [--report DIR] [--compare BASE] [-q]`: combines the result files of
 * the shards of one run (docs/regress.md section 8). The shards must
 * agree on format, seed, shard count and cells; no boot index may appear
 * twice; a missing shard only warns. The combined result ends like a run
 * (regress_finish).
 */
#include "results.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char merge_usage[] =
	"usage: hvmm regress merge RESULT.json... [--json FILE] [--junit FILE]\n"
	"                          [--report DIR] [--compare BASELINE.json] [-q]\n"
	"Combines the result files of the shards of one run (--shard K/N) and\n"
	"writes the summary and the asked-for outputs as the run itself would.\n"
	"Exit: 0 all boots passed, 1 failures or a regression against the\n"
	"baseline, 2 usage error or shards that do not belong together.\n";

static int merge_usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "hvmm regress merge: %s%s\n", what, arg);
	fputs(merge_usage, stderr);
	return 2;
}

static bool cells_equal(const struct regress_cell *a, const struct regress_cell *b)
{
	if (strcmp(a->id, b->id) || a->naxes != b->naxes)
		return false;
	for (int i = 0; i < a->naxes; i++)
		if (strcmp(a->axis[i], b->axis[i]) || strcmp(a->value[i], b->value[i]))
			return false;
	return true;
}

/* Does shard s belong with shard 0? A message and false if not. */
static bool shard_agrees(const struct regress_result *s0, const char *name0,
			 const struct regress_result *s, const char *name)
{
	const char *why = NULL;

	if (s->seed != s0->seed)
		why = "seed";
	else if (s->shard_n != s0->shard_n)
		why = "shard count";
	else if (s->ncells != s0->ncells)
		why = "cells";
	for (int c = 0; !why && c < s->ncells; c++)
		if (!cells_equal(&s->cells[c], &s0->cells[c]))
			why = "cells";
	if (!why && strcmp(s->hvmm, s0->hvmm))
		fprintf(stderr, "hvmm regress merge: warning: %s and %s ran different hvmm versions\n",
			name0, name);
	if (why)
		fprintf(stderr, "hvmm regress merge: %s and %s differ in %s: not shards of one run\n",
			name0, name, why);
	return !why;
}

static int cmp_boot_index(const void *a, const void *b)
{
	int x = ((const struct regress_boot *)a)->index, y = ((const struct regress_boot *)b)->index;

	return (x > y) - (x < y);
}

/*
 * Moves the boots and cells of in[0..n) into out (in[] keep only what
 * regress_result_free still has to free). 0, 2 on disagreement, -ENOMEM.
 */
static int merge_results(struct regress_result *in, char **names, int n, struct regress_result *out)
{
	int total = 0, first = 0;
	bool *seen;

	for (int i = 0; i < n; i++) {
		if (i && !shard_agrees(&in[0], names[0], &in[i], names[i]))
			return 2;
		total += in[i].nboots;
	}
	seen = calloc(in[0].shard_n + 1, sizeof(*seen));
	if (!seen)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		if (seen[in[i].shard_k]) {
			fprintf(stderr, "hvmm regress merge: shard %d/%d given twice (%s)\n",
				in[i].shard_k, in[i].shard_n, names[i]);
			free(seen);
			return 2;
		}
		seen[in[i].shard_k] = true;
	}
	for (int k = 1; k <= in[0].shard_n; k++)
		if (!seen[k])
			fprintf(stderr, "hvmm regress merge: warning: shard %d/%d is missing\n", k,
				in[0].shard_n);
	free(seen);

	*out = (struct regress_result){ .seed = in[0].seed, .shard_k = 1, .shard_n = 1 };
	out->boots = calloc(total + 1, sizeof(*out->boots));
	if (!out->boots)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		memcpy(out->boots + out->nboots, in[i].boots, in[i].nboots * sizeof(*in[i].boots));
		out->nboots += in[i].nboots;
		in[i].nboots = 0;	/* the strings now belong to out */
	}
	qsort(out->boots, out->nboots, sizeof(*out->boots), cmp_boot_index);
	for (int i = 1; i < out->nboots; i++) {
		if (out->boots[i].index == out->boots[i - 1].index) {
			fprintf(stderr, "hvmm regress merge: boot index %d is in two shards\n",
				out->boots[i].index);
			return 2;
		}
	}
	/* The run started when its first shard did (ISO 8601 sorts). */
	for (int i = 1; i < n; i++)
		if (strcmp(in[i].started, in[first].started) < 0)
			first = i;
	out->format = in[0].format;
	out->host = in[first].host;
	out->hvmm = in[first].hvmm;
	out->started = in[first].started;
	in[0].format = in[first].host = in[first].hvmm = in[first].started = NULL;
	out->cells = in[0].cells;
	out->ncells = in[0].ncells;
	in[0].cells = NULL;
	in[0].ncells = 0;
	return 0;
}

int regress_merge_main(int argc, char **argv)
{
	struct regress_outputs o = { 0 };
	struct regress_result *in, out = { 0 };
	char **names, err[256];
	int n = 0, ret;

	names = calloc(argc + 1, sizeof(*names));
	if (!names)
		return 2;
	for (int i = 1; i < argc; i++) {
		const char **slot = !strcmp(argv[i], "--json") ? &o.json :
				    !strcmp(argv[i], "--junit") ? &o.junit :
				    !strcmp(argv[i], "--report") ? &o.report :
				    !strcmp(argv[i], "--compare") ? &o.compare : NULL;

		if (slot) {
			if (i + 1 >= argc || !argv[i + 1][0]) {
				free(names);
				return merge_usage_error("an argument is missing after ", argv[i]);
			}
			*slot = argv[++i];
		} else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) {
			o.quiet = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(merge_usage, stdout);
			free(names);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			free(names);
			return merge_usage_error("unknown option ", argv[i]);
		} else {
			names[n++] = argv[i];
		}
	}
	if (!n) {
		free(names);
		return merge_usage_error("no result files given", "");
	}
	in = calloc(n, sizeof(*in));
	ret = in ? 0 : 2;
	for (int i = 0; !ret && i < n; i++) {
		if (regress_json_read(names[i], &in[i], err, sizeof(err))) {
			fprintf(stderr, "hvmm regress merge: %s: %s\n", names[i], err);
			ret = 2;
		}
	}
	if (!ret) {
		ret = merge_results(in, names, n, &out);
		if (ret < 0) {
			fprintf(stderr, "hvmm regress merge: %s\n", strerror(-ret));
			ret = 2;
		}
	}
	if (!ret)
		ret = regress_finish(&out, &o, stdout);
	regress_result_free(&out);
	for (int i = 0; in && i < n; i++)
		regress_result_free(&in[i]);
	free(in);
	free(names);
	return ret;
}
