// SPDX-License-Identifier: MIT
/*
 * hvmm regress: matrix axes, cells (the cartesian product) and the boot
 * order of a run (a seeded shuffle, then a deterministic 1/N shard).
 */
#include "runner.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util.h"

#define REGRESS_MAX_CELLS 4096

/* The axes `hvmm regress` knows; each maps to one `hvmm run` option (sched.c). */
static const char *const axis_names[] = {
	"cpus", "firmware", "isolation", "kernel", "initrd", "mem", "disk",
};

static int axis_check(const char *axis, const char *v, char *err, size_t errlen)
{
	if (!*v) {
		snprintf(err, errlen, "axis %s: empty value", axis);
		return -EINVAL;
	}
	if (!strcmp(axis, "cpus")) {
		char *end;
		long n;

		errno = 0;
		n = strtol(v, &end, 10);
		if (errno || *end || n < 1 || n > VM_MAX_CPUS) {
			snprintf(err, errlen, "axis cpus: '%s' is not 1..%d", v, VM_MAX_CPUS);
			return -EINVAL;
		}
	} else if (!strcmp(axis, "firmware")) {
		if (strcmp(v, "direct") && strcmp(v, "uefi")) {
			snprintf(err, errlen, "axis firmware: '%s' is not direct or uefi", v);
			return -EINVAL;
		}
	} else if (!strcmp(axis, "isolation")) {
		if (strcmp(v, "none") && strcmp(v, "vbs")) {
			snprintf(err, errlen, "axis isolation: '%s' is not none or vbs", v);
			return -EINVAL;
		}
	} else if (!strcmp(axis, "mem")) {
		uint64_t sz;

		if (parse_size(v, &sz)) {
			snprintf(err, errlen, "axis mem: '%s' is not a size (512M, 2G)", v);
			return -EINVAL;
		}
	}
	/* A value becomes a cell id part and a directory name: keep it plain. */
	if (strpbrk(v, ",=/ \t\n'\"\\$`") && strcmp(axis, "kernel") && strcmp(axis, "initrd") &&
	    strcmp(axis, "disk")) {
		snprintf(err, errlen, "axis %s: '%s' has a reserved character", axis, v);
		return -EINVAL;
	}
	/* Every value must survive the result file (results.c reads it back
	 * with the same rule): a path with blanks needs a symlink. */
	if (!regress_name_ok(v)) {
		snprintf(err, errlen,
			 "axis %s: '%.80s' must be 1..%d printable characters without blanks, "
			 "quotes, '=', ',', '<', '>', '&' or '\\'", axis, v, REGRESS_MAX_NAME);
		return -EINVAL;
	}
	return 0;
}

static void axis_clear(struct regress_axis *a)
{
	for (int i = 0; i < a->nvalues; i++)
		free(a->values[i]);
	a->nvalues = 0;
}

int regress_matrix_add(struct regress_matrix *m, const char *spec, char *err, size_t errlen)
{
	const char *eq = strchr(spec, '='), *name = NULL;
	struct regress_axis *a = NULL;
	char *copy, *save, *tok;
	int ret = 0;

	if (!eq || eq == spec) {
		snprintf(err, errlen, "'%s' is not AXIS=V1,V2,...", spec);
		return -EINVAL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(axis_names); i++)
		if (strlen(axis_names[i]) == (size_t)(eq - spec) &&
		    !strncmp(axis_names[i], spec, (size_t)(eq - spec)))
			name = axis_names[i];
	if (!name) {
		snprintf(err, errlen, "unknown axis '%.*s' (cpus, firmware, isolation, kernel, "
			 "initrd, mem, disk)", (int)(eq - spec), spec);
		return -EINVAL;
	}
	for (int i = 0; i < m->naxes; i++)
		if (m->axes[i].name == name)
			a = &m->axes[i];
	if (!a) {
		if (m->naxes >= REGRESS_MAX_AXES) {
			snprintf(err, errlen, "too many axes");
			return -EINVAL;
		}
		a = &m->axes[m->naxes++];
		a->name = name;
		a->nvalues = 0;
	}
	axis_clear(a);
	copy = strdup(eq + 1);
	if (!copy)
		return -ENOMEM;
	/* strsep, not strtok: "a,,b" has an empty value, which is an error. */
	save = copy;
	while ((tok = strsep(&save, ",")) != NULL) {
		ret = axis_check(name, tok, err, errlen);
		if (ret)
			break;
		for (int i = 0; i < a->nvalues; i++)
			if (!strcmp(a->values[i], tok)) {
				snprintf(err, errlen, "axis %s: '%s' given twice", name, tok);
				ret = -EINVAL;
			}
		if (ret)
			break;
		if (a->nvalues >= REGRESS_MAX_VALUES) {
			snprintf(err, errlen, "axis %s: more than %d values", name,
				 REGRESS_MAX_VALUES);
			ret = -EINVAL;
			break;
		}
		a->values[a->nvalues] = strdup(tok);
		if (!a->values[a->nvalues]) {
			ret = -ENOMEM;
			break;
		}
		a->nvalues++;
	}
	free(copy);
	if (ret) {
		/* Leave no half-filled axis behind. */
		axis_clear(a);
		*a = m->axes[--m->naxes];
	}
	return ret;
}

void regress_matrix_free(struct regress_matrix *m)
{
	for (int i = 0; i < m->naxes; i++)
		axis_clear(&m->axes[i]);
	m->naxes = 0;
}

static int cell_fill(struct regress_cell *c, const struct regress_matrix *m, int k)
{
	size_t idlen = 1;
	int pick[REGRESS_MAX_AXES];

	/* Mixed radix, last axis fastest: cell k's value index per axis. */
	for (int i = m->naxes - 1; i >= 0; i--) {
		pick[i] = k % m->axes[i].nvalues;
		k /= m->axes[i].nvalues;
	}
	c->naxes = m->naxes;
	for (int i = 0; i < m->naxes; i++) {
		c->axis[i] = strdup(m->axes[i].name);
		c->value[i] = strdup(m->axes[i].values[pick[i]]);
		if (!c->axis[i] || !c->value[i])
			return -ENOMEM;
		idlen += strlen(c->axis[i]) + strlen(c->value[i]) + 2;
	}
	if (!m->naxes) {
		c->id = strdup("default");
		return c->id ? 0 : -ENOMEM;
	}
	c->id = calloc(1, idlen);
	if (!c->id)
		return -ENOMEM;
	for (int i = 0; i < m->naxes; i++) {
		if (i)
			strcat(c->id, ",");
		strcat(c->id, c->axis[i]);
		strcat(c->id, "=");
		strcat(c->id, c->value[i]);
	}
	return 0;
}

int regress_matrix_cells(const struct regress_matrix *m, struct regress_cell **cells, int *ncells)
{
	struct regress_result tmp = { 0 };
	long n = 1;
	int ret = 0;

	for (int i = 0; i < m->naxes; i++) {
		n *= m->axes[i].nvalues;
		if (n > REGRESS_MAX_CELLS)
			return -E2BIG;
	}
	tmp.cells = calloc((size_t)n, sizeof(*tmp.cells));
	if (!tmp.cells)
		return -ENOMEM;
	for (tmp.ncells = 0; tmp.ncells < n && !ret; tmp.ncells++)
		ret = cell_fill(&tmp.cells[tmp.ncells], m, tmp.ncells);
	if (ret) {
		regress_result_free(&tmp); /* frees the partial cells */
		return ret;
	}
	*cells = tmp.cells;
	*ncells = tmp.ncells;
	return 0;
}

/* splitmix64: small, well mixed, and the same on every host. */
static uint64_t mix_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int regress_plan(int ncells, int runs, unsigned long long seed, int shard_k, int shard_n,
		 struct regress_plan_boot **out, int *nout)
{
	struct regress_plan_boot *all, *mine;
	uint64_t s = seed;
	long total = (long)ncells * runs;
	int n = 0;

	if (ncells < 1 || runs < 1 || shard_n < 1 || shard_k < 1 || shard_k > shard_n ||
	    total > 10 * 1000 * 1000)
		return -EINVAL;
	all = calloc((size_t)total, sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (long i = 0; i < total; i++) {
		all[i].cell = (int)(i / runs);
		all[i].run = (int)(i % runs);
	}
	/* Fisher-Yates with a seeded generator: the order is a function of the seed. */
	for (long i = total - 1; seed && i > 0; i--) {
		long j = (long)(mix_next(&s) % (uint64_t)(i + 1));
		struct regress_plan_boot t = all[i];

		all[i] = all[j];
		all[j] = t;
	}
	mine = calloc((size_t)total, sizeof(*mine));
	if (!mine) {
		free(all);
		return -ENOMEM;
	}
	for (long i = 0; i < total; i++) {
		all[i].index = (int)i;
		if (i % shard_n == shard_k - 1)
			mine[n++] = all[i];
	}
	free(all);
	*out = mine;
	*nout = n;
	return 0;
}
