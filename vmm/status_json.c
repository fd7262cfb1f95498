// SPDX-License-Identifier: MIT
/*
 * The control socket's machine-readable state (`status-json`, `hvmm ctl
 * SOCK status --json`) and its register dump (`regs`): the object of
 * docs/regress.md section 2, which the regression runner polls to tell a
 * lost VMBus signal or message from a guest that is merely slow.
 */
#include "status_json.h"

#include <errno.h>
#include <jansson.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "events.h"
#include "hyperv.h"
#include "kvm.h"
#include "util.h"
#include "vcpu.h"
#include "vm.h"
#include "vmbus/vmbus.h"
#include "ic/ic_dev.h"

#define MSR_HV_SINT2 0x40000092
#define HV_SINT_MASKED (1ULL << 16)
/* status-json pauses the vCPUs this long at most to read their SINT2 MSR. */
#define STATUS_PAUSE_MS 500
/* regs waits this long at most for the vCPUs to leave KVM_RUN. */
#define REGS_PAUSE_MS 1000

/* A time on the events' base, or null for "never"/"none". */
static json_t *status_time(uint64_t mono_ns)
{
	return mono_ns ? json_real(events_time(mono_ns)) : json_null();
}

static json_t *status_hex(uint64_t v)
{
	char s[24];

	snprintf(s, sizeof(s), "0x%llx", (unsigned long long)v);
	return json_string(s);
}

static json_t *status_version(uint32_t v)
{
	char s[16];

	if (!v)
		return json_null();
	snprintf(s, sizeof(s), "%u.%u", v >> 16, v & 0xffff);
	return json_string(s);
}

static json_t *status_vcpus(struct vm *vm)
{
	json_t *a = json_array();
	unsigned int i;

	for (i = 0; a && vm->vcpus && i < vm->ncpus; i++)
		json_array_append_new(a, json_pack("{s:I, s:I}", "id", (json_int_t)i, "exits",
						   (json_int_t)__atomic_load_n(
							   &vm->vcpus[i].exits_total,
							   __ATOMIC_RELAXED)));
	return a;
}

/*
 * The SINT2 MSR of every VP (KVM keeps it: hvmm never sees it written).
 * A vCPU's MSRs can only be read while it is out of KVM_RUN, so the
 * vCPUs are paused for a moment; false if they would not pause in time.
 */
static bool status_read_sint2(struct vm *vm, uint64_t *sint2)
{
	unsigned int i;
	bool ok = true;

	if (!vm->vcpus || vcpu_pause_all_timeout(vm, STATUS_PAUSE_MS))
		return false;
	for (i = 0; i < vm->ncpus; i++) {
		sint2[i] = 0;
		if (kvm_vcpu_get_msr(vm->vcpus[i].fd, MSR_HV_SINT2, &sint2[i]))
			ok = false;
	}
	vcpu_resume_all(vm);
	return ok;
}

static json_t *status_synic(struct vm *vm, const struct vmbus_stats *st, bool pause)
{
	uint64_t sint2[VM_MAX_CPUS];
	json_t *a = json_array();
	bool have_sint;
	unsigned int i;

	if (!vm->hv || !a)
		return a;
	have_sint = pause && status_read_sint2(vm, sint2);
	for (i = 0; i < vm->ncpus; i++) {
		struct hv_vp *vp = &vm->hv->vp[i];
		bool target = st && st->version && st->target_vp == i;
		json_t *o = json_pack("{s:I, s:o, s:o}", "vp", (json_int_t)i, "scontrol",
				      status_hex(__atomic_load_n(&vp->scontrol, __ATOMIC_ACQUIRE)),
				      "simp", status_hex(__atomic_load_n(&vp->simp, __ATOMIC_ACQUIRE)));

		if (!o)
			continue;
		json_object_set_new(o, "siefp",
				    status_hex(__atomic_load_n(&vp->siefp, __ATOMIC_ACQUIRE)));
		json_object_set_new(o, "sint2", have_sint ? status_hex(sint2[i]) : json_null());
		json_object_set_new(o, "sint2_masked", have_sint ?
				    json_boolean(sint2[i] & HV_SINT_MASKED) : json_null());
		/* The VMBus message path: every message goes to the target VP. */
		json_object_set_new(o, "vmbus_target", json_boolean(target));
		json_object_set_new(o, "msg_queued", json_integer(target ? st->msg_queued : 0));
		json_object_set_new(o, "msg_queued_since",
				    status_time(target ? st->msg_queued_since_ns : 0));
		json_object_set_new(o, "eom", json_integer(target ? (json_int_t)st->eoms : 0));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *status_channel(struct vmbus_channel *ch)
{
	struct vmbus_chan_status cs;

	vmbus_chan_status(ch, &cs);
	return json_pack("{s:s, s:I, s:s, s:b, s:{s:I, s:o, s:o, s:I, s:b}, s:{s:I, s:o}}",
			 "name", cs.name, "relid", (json_int_t)cs.relid, "state", cs.state,
			 "stopped", cs.stopped,
			 "h2g", "unread", (json_int_t)cs.h2g.unread,
			 "unread_since", status_time(cs.h2g.unread_since),
			 "guest_read_t", status_time(cs.h2g.guest_read),
			 "signals", (json_int_t)cs.h2g.signals, "guest_mask", cs.h2g.guest_mask,
			 "g2h", "unread", (json_int_t)cs.g2h.unread,
			 "host_read_t", status_time(cs.g2h.host_read));
}

static json_t *status_vmbus(struct vm *vm, const struct vmbus_stats *st)
{
	json_t *o, *chans;
	unsigned int i;

	if (!vm->vmbus)
		return json_pack("{s:s}", "state", "off");
	chans = json_array();
	for (i = 0; chans && i < VM_NR_IC; i++)
		if (vm->ic[i] && vm->ic[i]->ch)
			json_array_append_new(chans, status_channel(vm->ic[i]->ch));
	o = json_pack("{s:s, s:o, s:I, s:I, s:I, s:I, s:I}",
		      "state", st->version ? "connected" : "disconnected",
		      "version", status_version(st->version),
		      "msgs_in", (json_int_t)st->msgs_in, "msgs_out", (json_int_t)st->msgs_out,
		      "opens", (json_int_t)st->opens,
		      "unstick_signals", (json_int_t)st->unstick_signals,
		      "lost_signals", (json_int_t)st->lost_signals);
	if (o && chans)
		json_object_set_new(o, "channels", chans);
	else
		json_decref(chans);
	return o;
}

int status_json(struct vm *vm, FILE *out, bool pause)
{
	struct vmbus_stats st = { 0 };
	struct events_stats es;
	json_t *root;
	char *text;
	bool running = __atomic_load_n(&vm->stop_reason, __ATOMIC_ACQUIRE) == VM_RUNNING;

	if (vm->vmbus)
		vmbus_get_stats(vm->vmbus, &st);
	events_get_stats(&es);
	root = json_pack("{s:o, s:s, s:o, s:o, s:o, s:{s:I, s:I, s:I}}",
			 "t", json_real(events_time(monotonic_ns())),
			 "vm", running ? "running" : "stopping",
			 "vcpus", status_vcpus(vm),
			 "synic", status_synic(vm, vm->vmbus ? &st : NULL, pause),
			 "vmbus", status_vmbus(vm, &st),
			 "events", "lines", (json_int_t)es.lines, "dropped", (json_int_t)es.dropped,
			 "errors", (json_int_t)es.errors);
	if (!root)
		return -ENOMEM;
	text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (!text)
		return -ENOMEM;
	fprintf(out, "ok\n%s\n", text);
	free(text);
	return 0;
}

int status_regs(struct vm *vm, FILE *out)
{
	unsigned int i;
	int ret;

	if (!vm->vcpus)
		return -ENODEV;
	ret = vcpu_pause_all_timeout(vm, REGS_PAUSE_MS);
	if (ret)
		return ret;
	fprintf(out, "ok\n");
	for (i = 0; i < vm->ncpus; i++)
		if (vcpu_print_regs(&vm->vcpus[i], out, ""))
			fprintf(out, "vcpu%u: registers unavailable\n", i);
	vcpu_resume_all(vm);
	return 0;
}
