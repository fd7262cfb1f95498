// SPDX-License-Identifier: MIT
/*
 * The result file (docs/regress.md section 4) through jansson: written
 * atomically, read with every field validated. A file that reads back
 * is internally consistent: cells agree on the axes, ids are the
 * "name=value,..." join, boots name a known cell and verdict, indices
 * are unique.
 */
#include "results.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_CELLS 4096
#define MAX_BOOTS 1000000
#define MAX_T 1e7		/* seconds: a boot is not four months long */

/* ---- writing ---- */

static int jset(json_t *obj, const char *key, json_t *v)
{
	return v && !json_object_set_new(obj, key, v) ? 0 : -ENOMEM;
}

static json_t *jstr(const char *s)
{
	return json_string(s ? s : "");
}

static json_t *cell_json(const struct regress_cell *c)
{
	json_t *o = json_object(), *axes = json_object();
	int err = o && axes ? 0 : -ENOMEM;

	for (int i = 0; !err && i < c->naxes; i++)
		err = jset(axes, c->axis[i], jstr(c->value[i]));
	if (!err)
		err = jset(o, "id", jstr(c->id));
	if (!err) {
		err = jset(o, "axes", axes);
		axes = NULL;
	}
	json_decref(axes);
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *boot_json(const struct regress_result *r, const struct regress_boot *b)
{
	json_t *o = json_object(), *st = json_object();
	int err = o && st ? 0 : -ENOMEM;

	if (b->cell < 0 || b->cell >= r->ncells || !isfinite(b->duration))
		err = -EINVAL;
	for (int i = 0; !err && i < b->nstages; i++)
		err = isfinite(b->stages[i].t) ? jset(st, b->stages[i].name, json_real(b->stages[i].t))
					       : -EINVAL;
	if (!err)
		err = jset(o, "cell", jstr(r->cells[b->cell].id)) ?:
		      jset(o, "run", json_integer(b->run)) ?:
		      jset(o, "index", json_integer(b->index)) ?:
		      jset(o, "verdict", json_string(regress_verdict_id(b->verdict))) ?:
		      jset(o, "detail", jstr(b->detail)) ?:
		      jset(o, "duration", json_real(b->duration));
	if (!err) {
		err = jset(o, "stages", st);
		st = NULL;
	}
	if (!err)
		err = jset(o, "bundle", b->bundle ? json_string(b->bundle) : json_null()) ?:
		      jset(o, "repro", jstr(b->repro));
	json_decref(st);
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *result_json(const struct regress_result *r)
{
	json_t *o = json_object(), *cells = json_array(), *boots = json_array();
	char shard[32];
	int err = o && cells && boots ? 0 : -ENOMEM;

	snprintf(shard, sizeof(shard), "%d/%d", r->shard_k, r->shard_n);
	if (!err)
		err = jset(o, "format", json_string(REGRESS_FORMAT)) ?:
		      /* jansson integers are signed 64-bit: larger seeds as a string. */
		      jset(o, "seed", r->seed <= INT64_MAX ? json_integer((json_int_t)r->seed)
						  : json_sprintf("%llu", r->seed)) ?:
		      jset(o, "shard", json_string(shard)) ?:
		      jset(o, "started", jstr(r->started)) ?:
		      jset(o, "host", jstr(r->host)) ?:
		      jset(o, "hvmm", jstr(r->hvmm));
	for (int i = 0; !err && i < r->ncells; i++)
		err = json_array_append_new(cells, cell_json(&r->cells[i])) ? -ENOMEM : 0;
	for (int i = 0; !err && i < r->nboots; i++)
		err = json_array_append_new(boots, boot_json(r, &r->boots[i])) ? -ENOMEM : 0;
	if (!err) {
		err = jset(o, "cells", cells) ?: jset(o, "boots", boots);
		cells = boots = NULL;
	}
	json_decref(cells);
	json_decref(boots);
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int regress_json_write(const struct regress_result *r, const char *path)
{
	json_t *o = result_json(r);
	char *tmp = NULL;
	int err = 0;

	if (!o)
		return -EINVAL;
	/* Write beside the target, then rename: a reader never sees half a file. */
	if (asprintf(&tmp, "%s.tmp.%d", path, (int)getpid()) < 0) {
		tmp = NULL;
		err = -ENOMEM;
	} else if ((errno = 0, json_dump_file(o, tmp, JSON_INDENT(1) | JSON_PRESERVE_ORDER |
						  JSON_REAL_PRECISION(9)))) {
		err = errno ? -errno : -EIO;
		unlink(tmp);
	} else if (rename(tmp, path)) {
		err = -errno;
		unlink(tmp);
	}
	free(tmp);
	json_decref(o);
	return err;
}

/* ---- reading ---- */

struct rd {
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3)))
static int bad(struct rd *rd, const char *fmt, ...)
{
	va_list ap;

	if (rd->err && rd->errlen) {
		va_start(ap, fmt);
		vsnprintf(rd->err, rd->errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* A string member copied to *out; optional members may be absent/null. */
static int get_str(struct rd *rd, json_t *o, const char *key, const char *where,
		   bool optional, char **out)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (!v || json_is_null(v)) {
		if (optional)
			return 0;
		return bad(rd, "%s: missing \"%s\"", where, key);
	}
	if (!json_is_string(v))
		return bad(rd, "%s: \"%s\" is not a string", where, key);
	*out = strdup(json_string_value(v));
	return *out ? 0 : -ENOMEM;
}

static int get_int(struct rd *rd, json_t *o, const char *key, const char *where,
		   long long max, int *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		return bad(rd, "%s: \"%s\" %s", where, key, v ? "is not an integer" : "is missing");
	if (json_integer_value(v) < 0 || json_integer_value(v) > max)
		return bad(rd, "%s: \"%s\" %lld out of range 0..%lld", where, key,
			   (long long)json_integer_value(v), max);
	*out = (int)json_integer_value(v);
	return 0;
}

static int get_time(struct rd *rd, json_t *v, const char *where, const char *key, double *out)
{
	if (!json_is_number(v))
		return bad(rd, "%s: \"%s\" is not a number", where, key);
	*out = json_number_value(v);
	if (!isfinite(*out) || *out < 0 || *out > MAX_T)
		return bad(rd, "%s: \"%s\" %g out of range", where, key, *out);
	return 0;
}

static int read_seed(struct rd *rd, json_t *v, unsigned long long *seed)
{
	char *end;

	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*seed = (unsigned long long)json_integer_value(v);
		return 0;
	}
	if (json_is_string(v) && json_string_value(v)[0] >= '0' && json_string_value(v)[0] <= '9') {
		errno = 0;
		*seed = strtoull(json_string_value(v), &end, 10);
		if (!errno && !*end)
			return 0;
	}
	return bad(rd, "\"seed\" is not a non-negative integer");
}

static int read_shard(struct rd *rd, json_t *v, struct regress_result *r)
{
	int k, n, len = 0;

	if (!json_is_string(v) || sscanf(json_string_value(v), "%9d/%9d%n", &k, &n, &len) != 2 ||
	    (size_t)len != strlen(json_string_value(v)) || k < 1 || n < 1 || k > n)
		return bad(rd, "\"shard\" is not \"K/N\" with 1 <= K <= N");
	r->shard_k = k;
	r->shard_n = n;
	return 0;
}

static int read_cell(struct rd *rd, json_t *o, int i, struct regress_result *r)
{
	struct regress_cell *c = &r->cells[i], *first = &r->cells[0];
	json_t *axes = json_object_get(o, "axes"), *v;
	const char *key;
	char where[32], *id = NULL;
	size_t idlen = 0;
	FILE *f;
	int err;

	snprintf(where, sizeof(where), "cells[%d]", i);
	if (!json_is_object(o))
		return bad(rd, "%s is not an object", where);
	if ((err = get_str(rd, o, "id", where, false, &c->id)))
		return err;
	if (!json_is_object(axes))
		return bad(rd, "%s: \"axes\" is not an object", where);
	if (json_object_size(axes) > REGRESS_MAX_AXES)
		return bad(rd, "%s: more than %d axes", where, REGRESS_MAX_AXES);
	json_object_foreach(axes, key, v) {
		if (!regress_name_ok(key) || !json_is_string(v) || !regress_name_ok(json_string_value(v)))
			return bad(rd, "%s: axis \"%.40s\" is not name: \"value\" (no blanks, quotes, = or ,)",
				   where, key);
		c->axis[c->naxes] = strdup(key);
		c->value[c->naxes] = strdup(json_string_value(v));
		c->naxes++;
		if (!c->axis[c->naxes - 1] || !c->value[c->naxes - 1])
			return -ENOMEM;
		if (i > 0 && (c->naxes > first->naxes || strcmp(key, first->axis[c->naxes - 1])))
			return bad(rd, "%s: axes differ from cells[0]'s", where);
	}
	if (i > 0 && c->naxes != first->naxes)
		return bad(rd, "%s: axes differ from cells[0]'s", where);
	/* The id is the join of the axes, so that it names the cell
	 * everywhere; a run without axes has the one cell "default" (matrix.c). */
	f = open_memstream(&id, &idlen);
	if (!f)
		return -ENOMEM;
	for (int a = 0; a < c->naxes; a++)
		fprintf(f, "%s%s=%s", a ? "," : "", c->axis[a], c->value[a]);
	if (!c->naxes)
		fputs("default", f);
	fclose(f);
	err = id && !strcmp(id, c->id) ? 0 : bad(rd, "%s: id \"%.60s\" is not \"%.60s\"", where,
						    c->id, id ? id : "");
	free(id);
	for (int j = 0; !err && j < i; j++)
		if (!strcmp(r->cells[j].id, c->id))
			err = bad(rd, "%s: id \"%.60s\" repeats cells[%d]", where, c->id, j);
	return err;
}

static int read_stages(struct rd *rd, json_t *st, const char *where, struct regress_boot *b)
{
	const char *key;
	json_t *v;
	int err;

	if (!json_is_object(st))
		return bad(rd, "%s: \"stages\" is not an object", where);
	if (json_object_size(st) > REGRESS_MAX_STAGES)
		return bad(rd, "%s: more than %d stages", where, REGRESS_MAX_STAGES);
	b->stages = calloc(json_object_size(st) + 1, sizeof(*b->stages));
	if (!b->stages)
		return -ENOMEM;
	json_object_foreach(st, key, v) {
		struct regress_stage *s = &b->stages[b->nstages];

		if (!regress_name_ok(key))
			return bad(rd, "%s: bad stage name \"%.40s\"", where, key);
		if ((err = get_time(rd, v, where, key, &s->t)))
			return err;
		if (!(s->name = strdup(key)))
			return -ENOMEM;
		b->nstages++;
	}
	return 0;
}

static int read_boot(struct rd *rd, json_t *o, int i, struct regress_result *r)
{
	struct regress_boot *b = &r->boots[i];
	char where[32], *s = NULL;
	int err, v;

	snprintf(where, sizeof(where), "boots[%d]", i);
	if (!json_is_object(o))
		return bad(rd, "%s is not an object", where);
	if ((err = get_str(rd, o, "cell", where, false, &s)))
		return err;
	b->cell = -1;
	for (int c = 0; c < r->ncells; c++)
		if (!strcmp(r->cells[c].id, s))
			b->cell = c;
	if (b->cell < 0)
		err = bad(rd, "%s: unknown cell \"%.60s\"", where, s);
	free(s);
	if (err || (err = get_str(rd, o, "verdict", where, false, &s)))
		return err;
	v = regress_verdict_parse(s);
	if (v < 0)
		err = bad(rd, "%s: unknown verdict \"%.40s\"", where, s);
	free(s);
	b->verdict = v;
	return err ?:
	       get_int(rd, o, "run", where, INT_MAX - 1, &b->run) ?:
	       get_int(rd, o, "index", where, INT_MAX - 1, &b->index) ?:
	       get_str(rd, o, "detail", where, false, &b->detail) ?:
	       get_time(rd, json_object_get(o, "duration"), where, "duration", &b->duration) ?:
	       read_stages(rd, json_object_get(o, "stages"), where, b) ?:
	       get_str(rd, o, "bundle", where, true, &b->bundle) ?:
	       get_str(rd, o, "repro", where, false, &b->repro);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static int check_indices(struct rd *rd, const struct regress_result *r)
{
	int *idx = malloc((r->nboots + 1) * sizeof(*idx)), err = 0;

	if (!idx)
		return -ENOMEM;
	for (int i = 0; i < r->nboots; i++)
		idx[i] = r->boots[i].index;
	qsort(idx, r->nboots, sizeof(*idx), cmp_int);
	for (int i = 1; !err && i < r->nboots; i++)
		if (idx[i] == idx[i - 1])
			err = bad(rd, "boot index %d appears twice", idx[i]);
	free(idx);
	return err;
}

static int read_root(struct rd *rd, json_t *root, struct regress_result *r)
{
	json_t *cells = json_object_get(root, "cells"), *boots = json_object_get(root, "boots");
	int err;

	if (!json_is_object(root))
		return bad(rd, "not a JSON object");
	if ((err = get_str(rd, root, "format", "file", false, &r->format)))
		return err;
	if (strcmp(r->format, REGRESS_FORMAT))
		return bad(rd, "format \"%.40s\" is not \"%s\"", r->format, REGRESS_FORMAT);
	if ((err = read_seed(rd, json_object_get(root, "seed"), &r->seed)) ||
	    (err = read_shard(rd, json_object_get(root, "shard"), r)) ||
	    (err = get_str(rd, root, "started", "file", false, &r->started)) ||
	    (err = get_str(rd, root, "host", "file", false, &r->host)) ||
	    (err = get_str(rd, root, "hvmm", "file", false, &r->hvmm)))
		return err;
	if (!json_is_array(cells) || json_array_size(cells) > MAX_CELLS)
		return bad(rd, "\"cells\" is not an array of at most %d cells", MAX_CELLS);
	if (!json_is_array(boots) || json_array_size(boots) > MAX_BOOTS)
		return bad(rd, "\"boots\" is not an array of at most %d boots", MAX_BOOTS);
	r->cells = calloc(json_array_size(cells) + 1, sizeof(*r->cells));
	r->boots = calloc(json_array_size(boots) + 1, sizeof(*r->boots));
	if (!r->cells || !r->boots)
		return -ENOMEM;
	for (size_t i = 0; i < json_array_size(cells); i++) {
		r->ncells++;	/* counted first: regress_result_free frees partial cells */
		if ((err = read_cell(rd, json_array_get(cells, i), i, r)))
			return err;
	}
	for (size_t i = 0; i < json_array_size(boots); i++) {
		r->nboots++;
		if ((err = read_boot(rd, json_array_get(boots, i), i, r)))
			return err;
	}
	return check_indices(rd, r);
}

int regress_json_read(const char *path, struct regress_result *r, char *err, size_t errlen)
{
	struct rd rd = { err, errlen };
	json_error_t je;
	json_t *root;
	FILE *f;
	int ret;

	memset(r, 0, sizeof(*r));
	if (err && errlen)
		err[0] = '\0';
	f = fopen(path, "r");
	if (!f) {
		ret = -errno;
		bad(&rd, "%s", strerror(errno));
		return ret;
	}
	root = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
	fclose(f);
	if (!root)
		return bad(&rd, "line %d column %d: %s", je.line, je.column, je.text);
	ret = read_root(&rd, root, r);
	json_decref(root);
	if (ret) {
		if (ret == -ENOMEM)
			bad(&rd, "out of memory");
		regress_result_free(r);
	}
	return ret;
}
