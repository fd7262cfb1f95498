// SPDX-License-Identifier: MIT
/*
 * `hvmm regress [options] [-- hvmm run options...]` and `hvmm regress
 * merge ...`: the command line and the config file (one setter for both,
 * so that they accept the same names and values), then the run.
 */
#include "runner.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"
#include "vm.h"

static void regress_usage(FILE *f)
{
	fprintf(f,
"usage: hvmm regress [options] [-- hvmm run options...]\n"
"       hvmm regress merge A.json B.json ... [--json F] [--junit F] [--report DIR]\n"
"                          [--compare BASE.json]\n"
"\n"
"Boot every cell of a matrix --runs times, each boot a child `hvmm run` with\n"
"the options after `--` (e.g. --kernel, --initrd, --cmdline) plus the cell's.\n"
"A boot passes when the guest is ready (shutdown IC negotiated, or --ready)\n"
"and powers off through the shutdown IC within --shutdown-timeout. Hangs are\n"
"diagnosed while they happen (docs/regress.md section 3) and end the boot.\n"
"\n"
"options:\n"
"  --matrix AXIS=V1,V2  an axis (repeatable): cpus N, firmware direct|uefi,\n"
"                       isolation none|vbs, kernel FILE, initrd FILE, mem SIZE,\n"
"                       disk FILE. Cells are the cartesian product\n"
"  --config FILE        KEY=VALUE lines: an axis name (values as above) or an\n"
"                       option below without its dashes; run-arg=OPT appends one\n"
"                       hvmm run argument; '#' starts a comment\n"
"  --runs N             boots per cell (default 1)\n"
"  --timeout S          per boot (default 360)\n"
"  --shutdown-timeout S from the shutdown request to power-off (default 30)\n"
"  --stall S            ring/queue stall that counts as lost (default 5)\n"
"  --serial-timeout S   no serial output by then: no_serial_output (default 60)\n"
"  --ready REGEX        ready = this extended regex on the serial console\n"
"                       (default: the shutdown IC negotiated)\n"
"  --jobs J             boots at once (default: online CPUs)\n"
"  --until-fail         stop starting boots after the first failure\n"
"  --seed N             boot order: a shuffle seeded by N (0 = matrix order;\n"
"                       default 1)\n"
"  --shard K/N          run boot indices i with i mod N = K-1 only\n"
"  --out DIR            failure bundles and per-boot files (DIR/CELL/RUN/);\n"
"                       default: a temporary directory, removed if all pass\n"
"  --keep-passing       keep the files of passing boots too\n"
"  --json FILE, --junit FILE, --report DIR, --compare BASELINE.json\n"
"                       results (docs/regress.md section 4)\n"
"  --hvmm PATH          the hvmm binary for the boots (default: this one)\n"
"  -q, --quiet          no progress line and no summary table\n"
"\n"
"exit status: 0 every boot passed, 1 a boot failed or a regression,\n"
"2 usage error or an output that could not be written\n");
}

static int parse_num(const char *name, const char *v, double lo, double hi, double *out,
		     char *err, size_t errlen)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (errno || end == v || *end || !isfinite(d) || d < lo || d > hi) {
		snprintf(err, errlen, "%s: '%s' is not a number from %g to %g", name, v, lo, hi);
		return -EINVAL;
	}
	*out = d;
	return 0;
}

static int parse_int(const char *name, const char *v, long lo, long hi, long *out, char *err,
		     size_t errlen)
{
	double d;
	int ret = parse_num(name, v, (double)lo, (double)hi, &d, err, errlen);

	if (!ret && d != floor(d)) {
		snprintf(err, errlen, "%s: '%s' is not an integer", name, v);
		ret = -EINVAL;
	}
	if (!ret)
		*out = (long)d;
	return ret;
}

static int set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = strdup(v);
	return *dst ? 0 : -ENOMEM;
}

static int parse_shard(const char *v, int *k, int *n, char *err, size_t errlen)
{
	int a, b, used = 0;

	if (sscanf(v, "%d/%d%n", &a, &b, &used) != 2 || v[used] || b < 1 || b > 100000 ||
	    a < 1 || a > b) {
		snprintf(err, errlen, "--shard: '%s' is not K/N with 1 <= K <= N", v);
		return -EINVAL;
	}
	*k = a;
	*n = b;
	return 0;
}

/* Owned copies of strings that outputs point at (struct regress_outputs is const char *). */
struct cli_strings {
	char *json, *junit, *report, *compare;
	int nrunargs;
	char **runargs;
};

static int add_runarg(struct cli_strings *s, const char *v)
{
	char **na = realloc(s->runargs, (size_t)(s->nrunargs + 1) * sizeof(*na));

	if (!na)
		return -ENOMEM;
	s->runargs = na;
	s->runargs[s->nrunargs] = strdup(v);
	return s->runargs[s->nrunargs++] ? 0 : -ENOMEM;
}

static int load_config(struct regress_opts *o, struct cli_strings *s, const char *path,
		       char *err, size_t errlen);

/*
 * One option by name (without dashes), from the command line or a config
 * line; v is NULL for a flag. 0 or -EINVAL with a message in err.
 */
static int opt_set(struct regress_opts *o, struct cli_strings *s, const char *name,
		   const char *v, char *err, size_t errlen)
{
	static const char *const flags[] = { "until-fail", "keep-passing", "quiet" };
	long n;
	int ret;

	for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
		if (strcmp(name, flags[i]))
			continue;
		if (v && strcmp(v, "1") && strcmp(v, "true") && strcmp(v, "yes")) {
			snprintf(err, errlen, "%s takes no value (or true)", name);
			return -EINVAL;
		}
		*(i == 0 ? &o->until_fail : i == 1 ? &o->keep_passing : &o->quiet) = true;
		return 0;
	}
	if (!v) {
		snprintf(err, errlen, "%s needs a value", name);
		return -EINVAL;
	}
	if (!strcmp(name, "matrix"))
		return regress_matrix_add(&o->matrix, v, err, errlen);
	if (!strcmp(name, "runs")) {
		ret = parse_int("--runs", v, 1, 1000000, &n, err, errlen);
		o->runs = (int)n;
		return ret;
	}
	if (!strcmp(name, "jobs")) {
		ret = parse_int("--jobs", v, 1, 1024, &n, err, errlen);
		o->jobs = (int)n;
		return ret;
	}
	if (!strcmp(name, "seed")) {
		char *end;

		errno = 0;
		o->seed = strtoull(v, &end, 10); /* "010" is ten, not eight */
		if (errno || end == v || *end || *v == '-') {
			snprintf(err, errlen, "--seed: '%s' is not an unsigned integer", v);
			return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(name, "timeout"))
		return parse_num("--timeout", v, 1, 86400, &o->timeout, err, errlen);
	if (!strcmp(name, "shutdown-timeout"))
		return parse_num("--shutdown-timeout", v, 1, 3600, &o->shutdown_timeout, err,
				 errlen);
	if (!strcmp(name, "stall"))
		return parse_num("--stall", v, 0.5, 3600, &o->stall, err, errlen);
	if (!strcmp(name, "serial-timeout"))
		return parse_num("--serial-timeout", v, 1, 86400, &o->serial_timeout, err, errlen);
	if (!strcmp(name, "shard"))
		return parse_shard(v, &o->shard_k, &o->shard_n, err, errlen);
	if (!strcmp(name, "ready")) {
		regex_t re;
		int rc = regcomp(&re, v, REG_EXTENDED | REG_NOSUB);

		if (rc) {
			char msg[128];

			regerror(rc, &re, msg, sizeof(msg));
			snprintf(err, errlen, "--ready: bad regex '%s': %s", v, msg);
			return -EINVAL;
		}
		regfree(&re);
		return set_str(&o->ready_regex, v);
	}
	if (!strcmp(name, "out"))
		return set_str(&o->out_dir, v);
	if (!strcmp(name, "hvmm"))
		return set_str(&o->hvmm, v);
	if (!strcmp(name, "json"))
		return set_str(&s->json, v);
	if (!strcmp(name, "junit"))
		return set_str(&s->junit, v);
	if (!strcmp(name, "report"))
		return set_str(&s->report, v);
	if (!strcmp(name, "compare"))
		return set_str(&s->compare, v);
	if (!strcmp(name, "run-arg"))
		return add_runarg(s, v);
	if (!strcmp(name, "config"))
		return load_config(o, s, v, err, errlen);
	snprintf(err, errlen, "unknown option '%s'", name);
	return -EINVAL;
}

static char *trim(char *p)
{
	char *e = p + strlen(p);

	while (*p == ' ' || *p == '\t')
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = 0;
	return p;
}

/* The config file: KEY=VALUE per line; an axis name is a --matrix line. */
static int load_config(struct regress_opts *o, struct cli_strings *s, const char *path,
		       char *err, size_t errlen)
{
	static int depth;
	char line[4096], msg[256];
	int lineno = 0, ret = 0;
	FILE *f;

	if (depth >= 4) {
		snprintf(err, errlen, "%s: config files nested too deep", path);
		return -EINVAL;
	}
	f = fopen(path, "re");
	if (!f) {
		snprintf(err, errlen, "--config %s: %s", path, strerror(errno));
		return -EINVAL;
	}
	depth++;
	while (!ret && fgets(line, sizeof(line), f)) {
		char *p, *eq, *key;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(err, errlen, "%s:%d: line too long", path, lineno);
			ret = -EINVAL;
			break;
		}
		p = trim(line);
		if (!*p || *p == '#')
			continue;
		eq = strchr(p, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%d: '%s' is not KEY=VALUE", path, lineno, p);
			ret = -EINVAL;
			break;
		}
		*eq = 0;
		key = trim(p);
		p = trim(eq + 1);
		if (strspn(key, "abcdefghijklmnopqrstuvwxyz-") != strlen(key) || !*key) {
			snprintf(err, errlen, "%s:%d: bad key '%s'", path, lineno, key);
			ret = -EINVAL;
			break;
		}
		if (!strcmp(key, "cpus") || !strcmp(key, "firmware") || !strcmp(key, "isolation") ||
		    !strcmp(key, "kernel") || !strcmp(key, "initrd") || !strcmp(key, "mem") ||
		    !strcmp(key, "disk")) {
			char spec[4200];

			snprintf(spec, sizeof(spec), "%s=%s", key, p);
			ret = regress_matrix_add(&o->matrix, spec, msg, sizeof(msg));
		} else {
			ret = opt_set(o, s, key, p, msg, sizeof(msg));
		}
		if (ret)
			snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
	}
	depth--;
	fclose(f);
	return ret;
}

static const struct option long_opts[] = {
	{ "matrix", required_argument, NULL, 0 }, { "config", required_argument, NULL, 0 },
	{ "runs", required_argument, NULL, 0 }, { "timeout", required_argument, NULL, 0 },
	{ "shutdown-timeout", required_argument, NULL, 0 },
	{ "stall", required_argument, NULL, 0 }, { "serial-timeout", required_argument, NULL, 0 },
	{ "ready", required_argument, NULL, 0 }, { "jobs", required_argument, NULL, 0 },
	{ "until-fail", no_argument, NULL, 0 }, { "seed", required_argument, NULL, 0 },
	{ "shard", required_argument, NULL, 0 }, { "out", required_argument, NULL, 0 },
	{ "json", required_argument, NULL, 0 }, { "junit", required_argument, NULL, 0 },
	{ "report", required_argument, NULL, 0 }, { "compare", required_argument, NULL, 0 },
	{ "keep-passing", no_argument, NULL, 0 }, { "hvmm", required_argument, NULL, 0 },
	{ "quiet", no_argument, NULL, 0 }, { "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void opts_defaults(struct regress_opts *o)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	memset(o, 0, sizeof(*o));
	o->runs = 1;
	o->timeout = 360;
	o->shutdown_timeout = 30;
	o->stall = 5;
	o->serial_timeout = 60;
	o->jobs = ncpu > 0 ? (int)MIN(ncpu, 1024) : 1;
	o->seed = 1;
	o->shard_k = o->shard_n = 1;
}

static void opts_free(struct regress_opts *o, struct cli_strings *s)
{
	regress_matrix_free(&o->matrix);
	free(o->ready_regex);
	free(o->out_dir);
	free(o->hvmm);
	free(o->extra);
	free(s->json);
	free(s->junit);
	free(s->report);
	free(s->compare);
	for (int i = 0; i < s->nrunargs; i++)
		free(s->runargs[i]);
	free(s->runargs);
}

/* 0 parsed, 1 --help shown, -EINVAL with a message in err. */
static int regress_parse(int argc, char **argv, struct regress_opts *o, struct cli_strings *s,
			 char *err, size_t errlen)
{
	int c, idx, ret = 0;

	opterr = 0;
	optind = 0; /* glibc: 0 also resets getopt's internal state */
	while (!ret && (c = getopt_long(argc, argv, "+qh", long_opts, &idx)) != -1) {
		if (c == 'h') {
			regress_usage(stdout);
			return 1;
		}
		if (c == 'q') {
			o->quiet = true;
			continue;
		}
		if (c == '?') {
			snprintf(err, errlen, "unknown option or missing value: '%s'",
				 argv[optind - 1]);
			return -EINVAL;
		}
		ret = opt_set(o, s, long_opts[idx].name, optarg, err, errlen);
	}
	if (ret)
		return ret;
	if (optind < argc && strcmp(argv[optind - 1], "--")) {
		snprintf(err, errlen, "unexpected argument '%s' (hvmm run options go after --)",
			 argv[optind]);
		return -EINVAL;
	}
	/* The run arguments: the config file's run-arg lines, then those after "--". */
	o->nextra = s->nrunargs + (argc - optind);
	o->extra = calloc((size_t)o->nextra + 1, sizeof(char *));
	if (!o->extra)
		return -ENOMEM;
	for (int i = 0; i < s->nrunargs; i++)
		o->extra[i] = s->runargs[i];
	for (int i = optind; i < argc; i++)
		o->extra[s->nrunargs + i - optind] = argv[i];
	if (!o->hvmm && set_str(&o->hvmm, "/proc/self/exe"))
		return -ENOMEM;
	o->outputs.json = s->json;
	o->outputs.junit = s->junit;
	o->outputs.report = s->report;
	o->outputs.compare = s->compare;
	o->outputs.quiet = o->quiet;
	return 0;
}

static int result_init(const struct regress_opts *o, struct regress_result *r)
{
	char host[256] = "unknown", when[32];
	time_t now = time(NULL);
	struct tm tm;

	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = 0;
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	r->format = strdup("hvmm-regress/1");
	r->started = strdup(when);
	r->host = strdup(host);
	r->hvmm = strdup(HVMM_VERSION);
	r->seed = o->seed;
	r->shard_k = o->shard_k;
	r->shard_n = o->shard_n;
	if (!r->format || !r->started || !r->host || !r->hvmm)
		return -ENOMEM;
	return regress_matrix_cells(&o->matrix, &r->cells, &r->ncells);
}

int regress_main(int argc, char **argv)
{
	struct regress_result r = { 0 };
	struct regress_plan_boot *plan = NULL;
	struct cli_strings s = { 0 };
	struct regress_opts o;
	char err[512] = "";
	int ret, nplan = 0;

	if (argc >= 2 && !strcmp(argv[1], "merge"))
		return regress_merge_main(argc - 1, argv + 1);
	opts_defaults(&o);
	ret = regress_parse(argc, argv, &o, &s, err, sizeof(err));
	if (ret) {
		if (ret < 0)
			fprintf(stderr, "hvmm regress: %s (see hvmm regress --help)\n",
				*err ? err : strerror(-ret));
		opts_free(&o, &s);
		return ret > 0 ? 0 : HVMM_EXIT_USAGE;
	}
	ret = result_init(&o, &r);
	if (!ret)
		ret = regress_plan(r.ncells, o.runs, o.seed, o.shard_k, o.shard_n, &plan, &nplan);
	if (ret) {
		fprintf(stderr, "hvmm regress: %s\n", ret == -E2BIG ? "matrix too large" :
			strerror(-ret));
		ret = HVMM_EXIT_USAGE;
	} else {
		ret = regress_sched_run(&o, &r, plan, nplan);
		/* Partial results (SIGINT, --until-fail) are written too. The
		 * summary is the command's output (stdout, as for merge); the
		 * progress lines and diagnostics go to stderr. */
		if (ret != HVMM_EXIT_USAGE) {
			int fin = regress_finish(&r, &o.outputs, stdout);

			ret = fin > ret ? fin : ret; /* 2 (an output failed) wins */
		}
	}
	free(plan);
	regress_result_free(&r);
	opts_free(&o, &s);
	return ret;
}
