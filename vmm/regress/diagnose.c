// SPDX-License-Identifier: MIT
/*
 * hvmm regress: the hang classifier. Pure: it is fed event lines and
 * status snapshots, and asked for a verdict at a time; it never reads a
 * file or a clock. The rules are docs/regress.md section 3; the inputs
 * are its sections 1 (events) and 2 (status-json).
 */
#include "runner.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm.h"

void diag_init(struct diag *d, const struct diag_cfg *cfg)
{
	memset(d, 0, sizeof(*d));
	d->cfg = *cfg;
	d->shutdown_sent = -1;
}

void diag_free(struct diag *d)
{
	for (int i = 0; i < d->nstages; i++)
		free(d->stages[i].name);
	free(d->stages);
	d->stages = NULL;
	d->nstages = d->capstages = 0;
}

static bool diag_has(const struct diag *d, const char *name)
{
	for (int i = 0; i < d->nstages; i++)
		if (!strcmp(d->stages[i].name, name))
			return true;
	return false;
}

/* Record the first t of a stage. Only what a result file can hold
 * (regress.h): a name outside the rule is not a stage, and a stream that
 * never ends its names stops being recorded. */
static int diag_stage(struct diag *d, const char *name, double t)
{
	if (!regress_name_ok(name) || diag_has(d, name))
		return 0;
	if (d->nstages >= REGRESS_MAX_STAGES)
		return -E2BIG;
	if (d->nstages == d->capstages) {
		int cap = d->capstages ? d->capstages * 2 : 32;
		struct regress_stage *ns;

		ns = realloc(d->stages, (size_t)cap * sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		d->stages = ns;
		d->capstages = cap;
	}
	d->stages[d->nstages].name = strdup(name);
	if (!d->stages[d->nstages].name)
		return -ENOMEM;
	d->stages[d->nstages++].t = t;
	return 0;
}

/* The detail of a per-vCPU/per-channel event, for its "ev:detail" stage. */
static const char *const detail_key[][2] = {
	{ "vcpu_entry", "vcpu" }, { "fw_cfg", "item" }, { "vmbus_offer", "name" },
	{ "vmbus_open", "name" }, { "vmbus_close", "name" }, { "ic_negotiated", "name" },
};

int diag_feed_event(struct diag *d, const char *line)
{
	json_t *j = json_loads(line, JSON_REJECT_DUPLICATES, NULL), *jt, *jev;
	const char *ev;
	double t;
	int ret = 0;

	if (!j)
		return -EINVAL;
	jt = json_object_get(j, "t");
	jev = json_object_get(j, "ev");
	if (!json_is_number(jt) || !json_is_string(jev) || !isfinite(json_number_value(jt)) ||
	    json_number_value(jt) < 0 || json_string_length(jev) > 64) {
		json_decref(j);
		return -EINVAL;
	}
	t = json_number_value(jt);
	ev = json_string_value(jev);
	ret = diag_stage(d, ev, t);
	for (size_t i = 0; !ret && i < sizeof(detail_key) / sizeof(detail_key[0]); i++) {
		json_t *v = json_object_get(j, detail_key[i][1]);
		char key[128];

		if (strcmp(ev, detail_key[i][0]) || !v)
			continue;
		if (json_is_string(v))
			snprintf(key, sizeof(key), "%s:%.60s", ev, json_string_value(v));
		else if (json_is_integer(v))
			snprintf(key, sizeof(key), "%s:%lld", ev, (long long)json_integer_value(v));
		else
			continue;
		ret = diag_stage(d, key, t);
	}
	if (!strcmp(ev, "ready"))
		d->ready = true;
	else if (!strcmp(ev, "panic") && !d->panic) {
		json_t *p = json_object_get(j, "p");

		d->panic = true;
		snprintf(d->panic_detail, sizeof(d->panic_detail), "crash MSRs: P0=%s",
			 json_is_array(p) && json_is_string(json_array_get(p, 0)) ?
			 json_string_value(json_array_get(p, 0)) : "?");
	} else if (!strcmp(ev, "fault") && !d->fault) {
		json_t *w = json_object_get(j, "what"), *v = json_object_get(j, "vcpu");

		d->fault = true;
		snprintf(d->fault_detail, sizeof(d->fault_detail), "%.60s on vCPU %lld",
			 json_is_string(w) ? json_string_value(w) : "fault",
			 json_is_integer(v) ? (long long)json_integer_value(v) : -1LL);
	} else if (!strcmp(ev, "exit"))
		d->exit_ev = true;
	json_decref(j);
	return ret;
}

void diag_feed_status(struct diag *d, const struct diag_status *st)
{
	for (int i = 0; i < st->nchannels; i++) {
		const struct diag_ring *r = &st->ch[i];
		int k;

		for (k = 0; k < d->nsig; k++)
			if (!strcmp(d->sig_name[k], r->name))
				break;
		if (k == d->nsig) {
			if (d->nsig == DIAG_MAX_CHANNELS)
				continue;
			d->nsig++;
			snprintf(d->sig_name[k], sizeof(d->sig_name[k]), "%s", r->name);
			d->sig_seen[k] = r->signals;
			/* Never signalled is "no signal since open"; else count from now. */
			d->sig_changed[k] = r->signals ? st->t : -1;
		} else if (r->signals != d->sig_seen[k]) {
			d->sig_seen[k] = r->signals;
			d->sig_changed[k] = st->t;
		}
	}
	d->last = *st;
	d->have_status = true;
}

static double sig_changed_of(const struct diag *d, const char *name)
{
	for (int k = 0; k < d->nsig; k++)
		if (!strcmp(d->sig_name[k], name))
			return d->sig_changed[k];
	return -1;
}

/* lost_vmbus_message: a message waits in a VP's SynIC queue for --stall s. */
static bool rule_lost_message(const struct diag *d, char *detail, size_t detlen)
{
	const struct diag_status *st = &d->last;

	for (int i = 0; i < st->nvps; i++) {
		double since = st->vp[i].msg_queued_since;

		if (st->vp[i].msg_queued > 0 && since >= 0 && st->t - since >= d->cfg.stall) {
			snprintf(detail, detlen, "VP %d: %lld message(s) queued for %.1f s, "
				 "the message slot never freed", st->vp[i].vp,
				 st->vp[i].msg_queued, st->t - since);
			return true;
		}
	}
	return false;
}

static bool ring_stuck(const struct diag *d, const struct diag_ring *r)
{
	const struct diag_status *st = &d->last;
	double stall = d->cfg.stall, sig = sig_changed_of(d, r->name);

	return r->unread > 0 && r->unread_since >= 0 && !r->guest_mask &&
	       st->t - r->unread_since >= stall &&
	       (r->guest_read_t < 0 || st->t - r->guest_read_t >= stall) &&
	       (sig < 0 || st->t - sig >= stall);
}

/*
 * lost_vmbus_signal: unread host data, no guest read, no new signal, for
 * --stall s. The detail names the stuck channel, the shutdown IC first
 * (the one a pass waits for), and the other stuck channels after it.
 */
static bool rule_lost_signal(const struct diag *d, char *detail, size_t detlen)
{
	const struct diag_status *st = &d->last;
	const struct diag_ring *first = NULL;
	char last[64], others[160] = "";
	double sig;

	for (int i = 0; i < st->nchannels; i++)
		if (ring_stuck(d, &st->ch[i]) &&
		    (!first || (!strcmp(st->ch[i].name, "shutdown") && strcmp(first->name, "shutdown"))))
			first = &st->ch[i];
	if (!first)
		return false;
	/*
	 * Another channel stalled first, but the shutdown IC's data also waits
	 * unread: it will be stuck within --stall s too, and it is the one to
	 * name. Wait for it.
	 */
	for (int i = 0; i < st->nchannels; i++) {
		const struct diag_ring *r = &st->ch[i];

		if (strcmp(first->name, "shutdown") && !strcmp(r->name, "shutdown") &&
		    r->unread > 0 && r->unread_since >= 0 && !r->guest_mask &&
		    (r->guest_read_t < 0 || r->guest_read_t < r->unread_since) &&
		    st->t - r->unread_since < 2 * d->cfg.stall)
			return false;
	}
	for (int i = 0; i < st->nchannels; i++) {
		size_t len = strlen(others);

		if (&st->ch[i] == first || !ring_stuck(d, &st->ch[i]))
			continue;
		snprintf(others + len, sizeof(others) - len, "%s%s", len ? ", " : "; also ",
			 st->ch[i].name);
	}
	sig = sig_changed_of(d, first->name);
	if (sig < 0 && !first->signals)
		snprintf(last, sizeof(last), "no signal since open");
	else
		snprintf(last, sizeof(last), "no new signal for %.1f s (%lld signals)",
			 sig >= 0 ? st->t - sig : st->t - first->unread_since, first->signals);
	snprintf(detail, detlen, "%s: %lld bytes unread for %.1f s, %s%s", first->name,
		 first->unread, st->t - first->unread_since, last, others);
	return true;
}

/* How far the boot got, when it ended without a more specific cause. */
static int stage_verdict(const struct diag *d, const char *why, char *detail, size_t detlen)
{
	if (!diag_has(d, "serial")) {
		snprintf(detail, detlen, "%s: the guest wrote nothing to the serial port", why);
		return RV_NO_SERIAL_OUTPUT;
	}
	if (d->cfg.uefi && !diag_has(d, "vmbus_contact") && !d->kernel_output) {
		snprintf(detail, detlen, "%s: no kernel output, the firmware never started it",
			 why);
		return RV_STUCK_IN_FIRMWARE;
	}
	if (!diag_has(d, "vmbus_contact")) {
		snprintf(detail, detlen, "%s: serial output but no VMBus contact", why);
		return RV_STUCK_BEFORE_VMBUS;
	}
	if (!d->ready && !diag_has(d, "ic_negotiated:shutdown")) {
		snprintf(detail, detlen, "%s: VMBus up (%s), shutdown IC %s but never negotiated",
			 why, diag_has(d, "vmbus_open:shutdown") ? "channel open" : "not opened",
			 diag_has(d, "vmbus_offer:shutdown") ? "offered" : "not offered");
		return RV_SHUTDOWN_IC_NEVER_NEGOTIATED;
	}
	if (d->shutdown_sent >= 0) {
		snprintf(detail, detlen, "%s: shutdown requested, %s", why,
			 diag_has(d, "shutdown_ack") ? "acknowledged but no power-off" :
			 "never acknowledged");
		return RV_SHUTDOWN_NOT_ACKNOWLEDGED;
	}
	snprintf(detail, detlen, "%s", why);
	return RV_TIMEOUT;
}

static int classify_exit(const struct diag *d, const struct diag_exit *ex, char *detail,
			 size_t detlen)
{
	if (ex->sig > 0) {
		snprintf(detail, detlen, "hvmm killed by signal %d (%s)", ex->sig,
			 strsignal(ex->sig));
		return RV_VMM_ERROR;
	}
	switch (ex->status) {
	case HVMM_EXIT_POWEROFF:
		if (d->ready && d->shutdown_sent >= 0) {
			detail[0] = 0;
			return RV_PASS;
		}
		return stage_verdict(d, "the guest powered off before it was ready", detail,
				     detlen);
	case HVMM_EXIT_GUEST_FAULT:
		snprintf(detail, detlen, "hvmm exit 4: triple fault or unhandled exit");
		return RV_TRIPLE_FAULT;
	case HVMM_EXIT_GUEST_PANIC:
		snprintf(detail, detlen, "hvmm exit 7: the guest reported a panic");
		return RV_GUEST_PANIC;
	case HVMM_EXIT_TIMEOUT:
		return stage_verdict(d, "hvmm's own --timeout expired", detail, detlen);
	case HVMM_EXIT_REBOOT:
		return stage_verdict(d, "the guest rebooted", detail, detlen);
	default:
		snprintf(detail, detlen, "hvmm exited with status %d", ex->status);
		return RV_VMM_ERROR;
	}
}

int diag_classify(const struct diag *d, double now, const struct diag_exit *ex,
		  char *detail, size_t detlen)
{
	char why[64];

	detail[0] = 0;
	if (d->panic) {
		snprintf(detail, detlen, "%s", d->panic_detail);
		return RV_GUEST_PANIC;
	}
	if (d->console_panic) {
		snprintf(detail, detlen, "panic text on the serial console");
		return RV_GUEST_PANIC;
	}
	if (d->fault) {
		snprintf(detail, detlen, "%s", d->fault_detail);
		return RV_TRIPLE_FAULT;
	}
	if (ex && ex->exited)
		return classify_exit(d, ex, detail, detlen);
	if (d->have_status && rule_lost_message(d, detail, detlen))
		return RV_LOST_VMBUS_MESSAGE;
	if (d->have_status && rule_lost_signal(d, detail, detlen))
		return RV_LOST_VMBUS_SIGNAL;
	if (d->shutdown_sent >= 0 && now - d->shutdown_sent > d->cfg.shutdown_timeout) {
		snprintf(why, sizeof(why), "no power-off %.0f s after the request",
			 d->cfg.shutdown_timeout);
		return stage_verdict(d, why, detail, detlen);
	}
	if (!diag_has(d, "serial") && now > d->cfg.serial_timeout) {
		snprintf(detail, detlen, "no serial output within %.0f s", d->cfg.serial_timeout);
		return RV_NO_SERIAL_OUTPUT;
	}
	if (now > d->cfg.timeout) {
		snprintf(why, sizeof(why), "no verdict within --timeout %.0f s", d->cfg.timeout);
		return stage_verdict(d, why, detail, detlen);
	}
	return -1;
}

/* ---- status-json ---- */

static double num_or_null(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) && isfinite(json_number_value(v)) ? json_number_value(v) : -1;
}

static long long int_of(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

/* Per-VP SynIC message queue fields, from whichever array carries them. */
static void parse_vps(json_t *arr, struct diag_status *st)
{
	size_t i;
	json_t *e;

	json_array_foreach(arr, i, e) {
		json_t *q = json_object_get(e, "msg_queued");
		json_t *vp = json_object_get(e, "vp");

		if (!json_is_integer(q) || st->nvps >= DIAG_MAX_VPS)
			continue;
		if (!vp)
			vp = json_object_get(e, "id");
		st->vp[st->nvps].vp = json_is_integer(vp) ? (int)json_integer_value(vp) : -1;
		st->vp[st->nvps].msg_queued = json_integer_value(q);
		st->vp[st->nvps].msg_queued_since = num_or_null(e, "msg_queued_since");
		st->nvps++;
	}
}

int diag_status_parse(const char *text, struct diag_status *st, char *err, size_t errlen)
{
	json_t *j, *vcpus, *chans, *e;
	json_error_t je;
	size_t i;

	memset(st, 0, sizeof(*st));
	if (!strncmp(text, "ok\n", 3))
		text += 3;
	j = json_loads(text, JSON_DISABLE_EOF_CHECK, &je);
	if (!j || !json_is_object(j) || !json_is_number(json_object_get(j, "t"))) {
		snprintf(err, errlen, "status-json: %s", j ? "no \"t\"" : je.text);
		json_decref(j);
		return -EINVAL;
	}
	st->t = json_number_value(json_object_get(j, "t"));
	vcpus = json_object_get(j, "vcpus");
	json_array_foreach(vcpus, i, e)
		st->exits += (unsigned long long)int_of(e, "exits");
	parse_vps(vcpus, st);
	if (!st->nvps)
		parse_vps(json_object_get(j, "synic"), st);
	chans = json_object_get(json_object_get(j, "vmbus"), "channels");
	json_array_foreach(chans, i, e) {
		json_t *h2g = json_object_get(e, "h2g"), *name = json_object_get(e, "name");
		struct diag_ring *r;

		if (!json_is_object(h2g) || st->nchannels >= DIAG_MAX_CHANNELS)
			continue;
		r = &st->ch[st->nchannels++];
		snprintf(r->name, sizeof(r->name), "%s",
			 json_is_string(name) ? json_string_value(name) : "?");
		r->relid = (int)int_of(e, "relid");
		r->unread = int_of(h2g, "unread");
		r->unread_since = num_or_null(h2g, "unread_since");
		r->guest_read_t = num_or_null(h2g, "guest_read_t");
		r->signals = int_of(h2g, "signals");
		r->guest_mask = json_is_true(json_object_get(h2g, "guest_mask"));
	}
	json_decref(j);
	return 0;
}
