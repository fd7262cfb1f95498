// SPDX-License-Identifier: MIT
/*
 * hvmm regress: the scheduler. Up to --jobs child `hvmm run`s at once,
 * each watched by one poll loop: its events file tailed, its serial log
 * scanned (--ready, panic text), status-json asked once a second over its
 * control socket, all fed to the classifier (diagnose.c). On `ready` it
 * asks for a shutdown; on a verdict it takes the bundle's state and stops
 * the child (SIGTERM, SIGKILL after a grace). Every wait is bounded: the
 * socket requests (CTL_MS), the kill (KILL_GRACE_S), the loop tick.
 */
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <regex.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "vm.h"

#define CTL_MS 1500          /* one control-socket request */
#define STATUS_EVERY_S 1.0   /* status-json poll period per boot */
#define KILL_GRACE_S 2.0     /* SIGTERM, then SIGKILL */
#define CHILD_MARGIN_S 30    /* the child's own --timeout beyond ours */
#define TICK_MS 100
#define LINE_MAX_BYTES 4096

struct tail {
	int fd;
	char buf[LINE_MAX_BYTES];
	size_t len;
};

struct slot {
	bool used;
	int plan;                   /* index into the plan */
	pid_t pid;                  /* 0 once reaped */
	char dir[PATH_MAX], sock[108];
	struct tail events, serial;
	struct diag d;
	double t0, next_status, term_at;
	int verdict;                /* -1 while undecided */
	char detail[256];
	struct diag_exit ex;
	char *status;               /* the latest status-json reply */
	char *repro;
};

struct sched {
	const struct regress_opts *o;
	struct regress_result *r;
	const struct regress_plan_boot *plan;
	int nplan, next, done, failed, running;
	struct slot *slots;
	char out[PATH_MAX], sockdir[64];
	bool tmp_out, tty, stop_launching;
	regex_t ready;
	double start;
};

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	interrupted = sig;
}

static double now_s(void)
{
	return monotonic_ns() / 1e9;
}

/* A directory name for a cell id (ids may hold '/' from file axes). */
static void cell_dirname(const char *id, char *out, size_t len)
{
	snprintf(out, len, "%s", id);
	for (char *p = out; *p; p++)
		if (*p == '/' || *p == ' ')
			*p = '_';
}

/* The child's argv: hvmm run, the cell's options, the user's, the runner's plumbing. */
static char **child_argv(const struct sched *s, const struct slot *sl, bool plumbing)
{
	const struct regress_cell *c = &s->r->cells[s->plan[sl->plan].cell];
	const struct regress_opts *o = s->o;
	char **v = calloc((size_t)(2 * c->naxes + o->nextra + 16), sizeof(char *));
	int n = 0;
	char tmo[32];

	if (!v)
		return NULL;
#define ADD(x) do { if (!(v[n++] = strdup(x))) goto fail; } while (0)
	ADD(o->hvmm);
	ADD("run");
	for (int i = 0; i < c->naxes; i++) {
		if (!strcmp(c->axis[i], "firmware")) {
			if (!strcmp(c->value[i], "uefi"))
				ADD("--uefi");
			continue;
		}
		char opt[32];

		snprintf(opt, sizeof(opt), "--%s", c->axis[i]);
		ADD(opt);
		ADD(c->value[i]);
	}
	for (int i = 0; i < o->nextra; i++)
		ADD(o->extra[i]);
	snprintf(tmo, sizeof(tmo), "%.0f", o->timeout + CHILD_MARGIN_S);
	ADD("--timeout");
	ADD(tmo);
	if (plumbing) {
		char p[PATH_MAX + 16];

		ADD("--shutdown-grace");
		ADD("0");
		snprintf(p, sizeof(p), "%s/events.jsonl", sl->dir);
		ADD("--events");
		ADD(p);
		snprintf(p, sizeof(p), "unix:%s", sl->sock);
		ADD("--api");
		ADD(p);
		snprintf(p, sizeof(p), "file:%s/serial.log", sl->dir);
		ADD("--serial");
		ADD(p);
	}
#undef ADD
	return v;
fail:
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return NULL;
}

static void argv_free(char **v)
{
	for (int i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static int open_in(const char *dir, const char *name, int flags)
{
	char p[PATH_MAX];

	if (snprintf(p, sizeof(p), "%s/%s", dir, name) >= (int)sizeof(p))
		return -ENAMETOOLONG;
	return open(p, flags | O_CLOEXEC, 0644);
}

static int slot_launch(struct sched *s, struct slot *sl, int plan_i)
{
	pid_t parent;
	const struct regress_plan_boot *pb = &s->plan[plan_i];
	struct diag_cfg cfg = {
		.timeout = s->o->timeout, .shutdown_timeout = s->o->shutdown_timeout,
		.stall = s->o->stall, .serial_timeout = s->o->serial_timeout,
	};
	const struct regress_cell *c = &s->r->cells[pb->cell];
	char cdir[256], **argv, *host_exe;
	int errfd, ret;

	memset(sl, 0, sizeof(*sl));
	sl->plan = plan_i;
	sl->verdict = -1;
	sl->events.fd = sl->serial.fd = -1;
	for (int i = 0; i < c->naxes; i++)
		if (!strcmp(c->axis[i], "firmware") && !strcmp(c->value[i], "uefi"))
			cfg.uefi = true;
	cell_dirname(c->id, cdir, sizeof(cdir));
	if (snprintf(sl->dir, sizeof(sl->dir), "%s/%s/%d", s->out, cdir, pb->run) >=
	    (int)sizeof(sl->dir))
		return -ENAMETOOLONG;
	snprintf(sl->sock, sizeof(sl->sock), "%s/%d.sock", s->sockdir, (int)(sl - s->slots));
	ret = bundle_mkdirs(sl->dir);
	if (ret)
		return ret;
	/* Created (empty) now so that the tails can open them before hvmm writes. */
	sl->events.fd = open_in(sl->dir, "events.jsonl", O_RDWR | O_CREAT | O_TRUNC);
	sl->serial.fd = open_in(sl->dir, "serial.log", O_RDWR | O_CREAT | O_TRUNC);
	errfd = open_in(sl->dir, "hvmm.err", O_WRONLY | O_CREAT | O_TRUNC);
	argv = child_argv(s, sl, true);
	if (sl->events.fd < 0 || sl->serial.fd < 0 || errfd < 0 || !argv) {
		ret = sl->events.fd < 0 ? sl->events.fd : sl->serial.fd < 0 ? sl->serial.fd :
		      errfd < 0 ? errfd : -ENOMEM;
		goto fail;
	}
	/* The repro names the real binary, not /proc/self/exe of this runner. */
	host_exe = realpath(s->o->hvmm, NULL);
	{
		char **rv = child_argv(s, sl, false);

		if (rv && host_exe) {
			free(rv[0]);
			rv[0] = host_exe;
			host_exe = NULL;
		}
		sl->repro = rv ? bundle_shell_join(rv) : NULL;
		argv_free(rv);
		free(host_exe);
	}
	diag_init(&sl->d, &cfg);
	sl->t0 = now_s();
	sl->next_status = sl->t0 + STATUS_EVERY_S;
	parent = getpid();
	sl->pid = fork();
	if (sl->pid < 0) {
		ret = -errno;
		goto fail;
	}
	if (sl->pid == 0) {
		int devnull = open("/dev/null", O_RDWR);

		/* Its own process group: a terminal's ^C reaches the runner only.
		 * A runner that dies without reaping (SIGKILL, OOM, a crash) takes
		 * its VMs with it instead of leaving them running for minutes. */
		setpgid(0, 0);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
			_exit(127);
		signal(SIGINT, SIG_DFL);
		if (devnull >= 0) {
			dup2(devnull, STDIN_FILENO);
			dup2(devnull, STDOUT_FILENO);
		}
		dup2(errfd, STDERR_FILENO);
		execv(argv[0], argv);
		dprintf(STDERR_FILENO, "hvmm regress: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(errfd);
	argv_free(argv);
	sl->used = true;
	s->running++;
	return 0;
fail:
	if (errfd >= 0)
		close(errfd);
	argv_free(argv);
	if (sl->events.fd >= 0)
		close(sl->events.fd);
	if (sl->serial.fd >= 0)
		close(sl->serial.fd);
	free(sl->repro);
	sl->repro = NULL;
	return ret;
}

/*
 * Read what was appended to a tailed file; call fn per complete line. A
 * line longer than the buffer is cut (its rest starts a new line): the
 * classifier then sees a bad JSON line, never an overflow.
 */
static void tail_read(struct tail *t, void (*fn)(struct slot *, const char *), struct slot *sl)
{
	for (;;) {
		ssize_t n = read(t->fd, t->buf + t->len, sizeof(t->buf) - 1 - t->len);
		char *start, *nl;

		if (n <= 0)
			return;
		t->len += (size_t)n;
		t->buf[t->len] = 0;
		start = t->buf;
		while ((nl = memchr(start, '\n', t->len - (size_t)(start - t->buf)))) {
			*nl = 0;
			fn(sl, start);
			start = nl + 1;
		}
		t->len -= (size_t)(start - t->buf);
		memmove(t->buf, start, t->len);
		if (t->len == sizeof(t->buf) - 1) {
			fn(sl, t->buf);
			t->len = 0;
		}
	}
}

static void on_event(struct slot *sl, const char *line)
{
	diag_feed_event(&sl->d, line); /* a bad line is skipped */
}

static const regex_t *ready_re;

static void on_serial(struct slot *sl, const char *line)
{
	if (strstr(line, "Kernel panic - not syncing"))
		sl->d.console_panic = true;
	if (strstr(line, "Linux version"))
		sl->d.kernel_output = true;
	if (ready_re && !regexec(ready_re, line, 0, NULL, 0))
		sl->d.ready = true;
}

/*
 * The once-a-second poll leaves the vCPUs running (--no-pause: no SINT2,
 * which the classifier does not read); a failure's snapshot pauses them
 * once for the whole state (full).
 */
static void slot_status(struct slot *sl, double now, bool full)
{
	struct diag_status st;
	char *reply, err[128];

	sl->next_status = now + STATUS_EVERY_S;
	if (regress_ctl(sl->sock, full ? "status-json\n" : "status-json --no-pause\n", CTL_MS,
			&reply))
		return; /* not listening yet, or busy: next second */
	if (!diag_status_parse(reply, &st, err, sizeof(err))) {
		diag_feed_status(&sl->d, &st);
		free(sl->status);
		sl->status = reply;
	} else {
		free(reply);
	}
}

static void write_file(const char *dir, const char *name, const char *text)
{
	int fd = open_in(dir, name, O_WRONLY | O_CREAT | O_TRUNC);

	if (fd < 0)
		return;
	if (text && write(fd, text, strlen(text)) < 0)
		pr_warn("hvmm regress: writing %s/%s: %s", dir, name, strerror(errno));
	close(fd);
}

/* A failure's state, taken while the child still runs. */
static void slot_snapshot(struct slot *sl, double now)
{
	char *regs = NULL;

	slot_status(sl, now, true);
	if (!regress_ctl(sl->sock, "regs\n", CTL_MS, &regs))
		write_file(sl->dir, "regs.txt", regs + 3); /* past "ok\n" */
	else
		write_file(sl->dir, "regs.txt", "(no answer to `regs` on the control socket)\n");
	free(regs);
}

static void slot_reap(struct sched *s, struct slot *sl)
{
	int ws;
	pid_t p;

	if (!sl->pid)
		return;
	p = waitpid(sl->pid, &ws, WNOHANG);
	if (p != sl->pid)
		return;
	sl->pid = 0;
	sl->ex.exited = true;
	if (WIFSIGNALED(ws))
		sl->ex.sig = WTERMSIG(ws);
	else
		sl->ex.status = WEXITSTATUS(ws);
	if (sl->ex.status == 127 && sl->verdict < 0 && !sl->d.nstages)
		s->stop_launching = true; /* exec failed: every boot would */
}

/*
 * On a terminal: failures as lines, and one progress line redrawn in
 * place; elsewhere (logs, CI): one line per finished boot.
 */
static void progress(struct sched *s, const struct regress_boot *b)
{
	double el = now_s() - s->start;
	double eta = s->done ? el / s->done * (s->nplan - s->done) : 0;

	if (s->o->quiet)
		return;
	if (s->tty)
		fprintf(stderr, "\r\033[K");
	if (!s->tty || b->verdict != RV_PASS)
		fprintf(stderr, "[%d/%d] %s run %d: %s%s%s (%.1f s)\n", s->done, s->nplan,
			s->r->cells[b->cell].id, b->run, regress_verdict_id(b->verdict),
			*b->detail ? ": " : "", b->detail, b->duration);
	if (s->tty)
		fprintf(stderr, "[%d/%d] %d failed, %d running, ETA %.0f s", s->done, s->nplan,
			s->failed, s->running, eta);
}

static void slot_finish(struct sched *s, struct slot *sl)
{
	struct regress_boot *b = &s->r->boots[s->r->nboots];
	const struct regress_plan_boot *pb = &s->plan[sl->plan];

	/* What hvmm wrote last: the exit event, the console's last lines. */
	tail_read(&sl->events, on_event, sl);
	tail_read(&sl->serial, on_serial, sl);
	close(sl->events.fd);
	close(sl->serial.fd);
	b->cell = pb->cell;
	b->run = pb->run;
	b->index = pb->index;
	b->verdict = sl->verdict;
	b->detail = strdup(sl->detail);
	b->duration = now_s() - sl->t0;
	b->stages = sl->d.stages;
	b->nstages = sl->d.nstages;
	sl->d.stages = NULL;
	sl->d.nstages = 0;
	b->repro = sl->repro;
	sl->repro = NULL;
	if (sl->verdict != RV_PASS || s->o->keep_passing) {
		if (sl->status) {
			int fd = open_in(sl->dir, "status.txt", O_WRONLY | O_CREAT | O_TRUNC);
			FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

			write_file(sl->dir, "status.json", sl->status);
			if (f) {
				bundle_render_status(sl->status, f);
				fclose(f);
			} else if (fd >= 0) {
				close(fd);
			}
		}
		if (b->repro)
			bundle_write_repro(sl->dir, b->repro);
		b->bundle = strdup(sl->dir);
	} else {
		bundle_remove_dir(sl->dir);
	}
	s->r->nboots++;
	s->done++;
	s->running--;
	if (sl->verdict != RV_PASS) {
		s->failed++;
		if (s->o->until_fail)
			s->stop_launching = true;
	}
	unlink(sl->sock); /* left behind by a killed child */
	diag_free(&sl->d);
	free(sl->status);
	sl->status = NULL;
	sl->used = false;
	progress(s, b);
}

/* One look at a running boot. */
static void slot_tick(struct sched *s, struct slot *sl, double now)
{
	double rel = now - sl->t0;
	int v;

	slot_reap(s, sl);
	tail_read(&sl->events, on_event, sl);
	tail_read(&sl->serial, on_serial, sl);
	if (sl->verdict < 0) {
		if (!sl->ex.exited && now >= sl->next_status)
			slot_status(sl, now, false);
		if (!sl->ex.exited && sl->d.ready && sl->d.shutdown_sent < 0) {
			char *reply = NULL;

			if (!regress_ctl(sl->sock, "shutdown\n", CTL_MS, &reply))
				sl->d.shutdown_sent = rel;
			free(reply);
		}
		v = diag_classify(&sl->d, rel, sl->ex.exited ? &sl->ex : NULL, sl->detail,
				  sizeof(sl->detail));
		if (v < 0)
			return;
		sl->verdict = v;
		if (!sl->ex.exited) {
			if (v != RV_PASS)
				slot_snapshot(sl, now);
			kill(sl->pid, SIGTERM);
			/* Not `now`: the snapshot above may have taken seconds, and
			 * the grace before SIGKILL starts with the SIGTERM. */
			sl->term_at = now_s();
		}
	}
	if (!sl->ex.exited) {
		if (now - sl->term_at >= KILL_GRACE_S)
			kill(sl->pid, SIGKILL);
		return;
	}
	slot_finish(s, sl);
}

/* Interrupted: stop every child now, wait for them (SIGKILL cannot be ignored). */
static void sched_abort(struct sched *s)
{
	for (int i = 0; i < s->o->jobs; i++) {
		struct slot *sl = &s->slots[i];

		if (!sl->used)
			continue;
		if (sl->pid) {
			kill(sl->pid, SIGKILL);
			waitpid(sl->pid, NULL, 0);
		}
		close(sl->events.fd);
		close(sl->serial.fd);
		unlink(sl->sock);
		diag_free(&sl->d);
		free(sl->status);
		free(sl->repro);
		sl->used = false;
	}
}

static int sched_setup(struct sched *s)
{
	/*
	 * Sockets on a local tmpfs: /tmp may be a network filesystem (the lab's
	 * 9p root), where binding a unix socket fails.
	 */
	snprintf(s->sockdir, sizeof(s->sockdir), "/dev/shm/hvmm-rs-XXXXXX");
	if (!mkdtemp(s->sockdir)) {
		snprintf(s->sockdir, sizeof(s->sockdir), "/tmp/hvmm-rs-XXXXXX");
		if (!mkdtemp(s->sockdir))
			return -errno;
	}
	if (s->o->out_dir) {
		snprintf(s->out, sizeof(s->out), "%s", s->o->out_dir);
		return bundle_mkdirs(s->out);
	}
	snprintf(s->out, sizeof(s->out), "/tmp/hvmm-regress-XXXXXX");
	s->tmp_out = true;
	return mkdtemp(s->out) ? 0 : -errno;
}

static int boot_cmp(const void *a, const void *b)
{
	return ((const struct regress_boot *)a)->index - ((const struct regress_boot *)b)->index;
}

int regress_sched_run(const struct regress_opts *o, struct regress_result *r,
		      const struct regress_plan_boot *plan, int nplan)
{
	struct sched s = { .o = o, .r = r, .plan = plan, .nplan = nplan };
	struct sigaction sa = { .sa_handler = on_sigint }, old_int, old_term, old_chld;
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	int ret;

	r->boots = calloc((size_t)nplan + 1, sizeof(*r->boots));
	s.slots = calloc((size_t)o->jobs, sizeof(*s.slots));
	if (!r->boots || !s.slots) {
		free(s.slots);
		return HVMM_EXIT_USAGE;
	}
	if (o->ready_regex) {
		if (regcomp(&s.ready, o->ready_regex, REG_EXTENDED | REG_NOSUB)) {
			free(s.slots);
			return HVMM_EXIT_USAGE;
		}
		ready_re = &s.ready;
	}
	ret = sched_setup(&s);
	if (ret) {
		fprintf(stderr, "hvmm regress: %s: %s\n", s.out, strerror(-ret));
		ret = HVMM_EXIT_USAGE;
		goto out;
	}
	s.tty = isatty(STDERR_FILENO);
	s.start = now_s();
	interrupted = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	/* An ignored SIGCHLD inherited from the caller would make the kernel
	 * reap the boots itself, and waitpid() fail for good. */
	sigaction(SIGCHLD, &dfl, &old_chld);
	while (!interrupted && (s.running || (s.next < nplan && !s.stop_launching))) {
		struct timespec ts = { .tv_nsec = TICK_MS * 1000000L };

		for (int i = 0; i < o->jobs && s.next < nplan && !s.stop_launching; i++) {
			if (s.slots[i].used)
				continue;
			ret = slot_launch(&s, &s.slots[i], s.next);
			if (ret) {
				fprintf(stderr, "hvmm regress: starting boot %d: %s\n", s.next,
					strerror(-ret));
				s.stop_launching = true;
				break;
			}
			s.next++;
		}
		for (int i = 0; i < o->jobs; i++)
			if (s.slots[i].used)
				slot_tick(&s, &s.slots[i], now_s());
		nanosleep(&ts, NULL);
	}
	ret = 0;
	if (interrupted) {
		sched_abort(&s);
		fprintf(stderr, "\nhvmm regress: interrupted, %d of %d boots done\n", s.done,
			nplan);
		ret = 1;
	} else if (s.tty && !o->quiet) {
		fprintf(stderr, "\n");
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGCHLD, &old_chld, NULL);
	if (s.next < nplan && !interrupted && !s.failed)
		ret = 1; /* boots not started for a setup failure */
	qsort(r->boots, (size_t)r->nboots, sizeof(*r->boots), boot_cmp);
	if (s.tmp_out) {
		if (s.failed && !o->quiet)
			fprintf(stderr, "hvmm regress: failure bundles in %s\n", s.out);
		rmdir(s.out); /* only if empty: nothing kept */
	}
out:
	rmdir(s.sockdir);
	if (o->ready_regex) {
		regfree(&s.ready);
		ready_re = NULL;
	}
	free(s.slots);
	return ret;
}
