// SPDX-License-Identifier: MIT
/*
 * Results: one "VTL-CHECK <name> ok" or "VTL-CHECK <name> FAIL <detail>"
 * line per check, printed whole (both VPs and both VTLs print), and the
 * verdict "VTL-RESULT pass N" (N checks, none failed) or "VTL-RESULT
 * fail N" (N checks failed).
 */
#include "vtl.h"

static uint32_t n_pass, n_fail;

void check_begin(struct check *c, const char *pfx, const char *name)
{
	c->pfx = pfx;
	c->name = name;
	c->failed = false;
	c->detail.n = 0;
	c->detail.buf[0] = 0;
}

static void note(struct check *c, const char *what, const char *rel, uint64_t got, uint64_t want,
		 bool has_want)
{
	/* Report every failed comparison, separated by "; ". */
	if (c->failed)
		line_str(&c->detail, "; ");
	c->failed = true;
	line_str(&c->detail, what);
	line_str(&c->detail, " got=");
	line_hex(&c->detail, got);
	if (has_want) {
		line_str(&c->detail, rel);
		line_hex(&c->detail, want);
	}
}

void check_eq(struct check *c, const char *what, uint64_t got, uint64_t want)
{
	if (got != want)
		note(c, what, " want=", got, want, true);
}

void check_that(struct check *c, const char *what, bool ok, uint64_t got)
{
	if (!ok)
		note(c, what, "", got, 0, false);
}

bool check_end(struct check *c)
{
	struct line l = { .n = 0 };

	line_str(&l, "VTL-CHECK ");
	line_str(&l, c->pfx);
	line_str(&l, c->name);
	if (c->failed) {
		line_str(&l, " FAIL ");
		line_str(&l, c->detail.buf);
		__atomic_add_fetch(&n_fail, 1, __ATOMIC_RELAXED);
	} else {
		line_str(&l, " ok");
		__atomic_add_fetch(&n_pass, 1, __ATOMIC_RELAXED);
	}
	line_put(&l);
	return !c->failed;
}

bool check1_eq(const char *pfx, const char *name, const char *what, uint64_t got, uint64_t want)
{
	struct check c;

	check_begin(&c, pfx, name);
	check_eq(&c, what, got, want);
	return check_end(&c);
}

bool check1(const char *pfx, const char *name, bool ok, const char *what, uint64_t got)
{
	struct check c;

	check_begin(&c, pfx, name);
	check_that(&c, what, ok, got);
	return check_end(&c);
}

void info(const char *pfx, const char *name, const char *what, uint64_t v)
{
	struct line l = { .n = 0 };

	line_str(&l, "VTL-INFO ");
	line_str(&l, pfx);
	line_str(&l, name);
	line_str(&l, " ");
	line_str(&l, what);
	line_str(&l, "=");
	line_hex(&l, v);
	line_put(&l);
}

uint32_t checks_failed(void)
{
	return __atomic_load_n(&n_fail, __ATOMIC_ACQUIRE);
}

uint32_t checks_passed(void)
{
	return __atomic_load_n(&n_pass, __ATOMIC_ACQUIRE);
}

void print_result(void)
{
	struct line l = { .n = 0 };
	uint32_t f = checks_failed();

	line_str(&l, f ? "VTL-RESULT fail " : "VTL-RESULT pass ");
	line_dec(&l, f ? f : checks_passed());
	line_put(&l);
}
