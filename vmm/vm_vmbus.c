// SPDX-License-Identifier: MIT
#include "vm_vmbus.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ic/ic_dev.h"
#include "util.h"
#include "vm.h"
#include "vmbus/vmbus.h"

/* Offer order: shutdown first, as Hyper-V does. */
static const struct ic_service_ops *const ic_services[VM_NR_IC] = {
	&ic_shutdown_ops, &ic_heartbeat_ops, &ic_timesync_ops, &ic_kvp_ops,
};

int vm_vmbus_start(struct vm *vm)
{
	unsigned int i;
	int ret;

	ret = vmbus_create(vm->hv, &vm->mem, vm->ncpus, vm->cfg->late_event_port, &vm->vmbus);
	if (ret)
		return ret;
	vmbus_set_drop_eom(vm->vmbus, vm->cfg->drop_eom);
	for (i = 0; i < VM_NR_IC; i++) {
		vm->ic[i] = ic_dev_add(vm->vmbus, vm, ic_services[i]);
		if (!vm->ic[i])
			return -ENOMEM;
	}
	ret = vmbus_start(vm->vmbus);
	if (ret)
		pr_err("starting the VMBus server: %s", strerror(-ret));
	return ret;
}

void vm_vmbus_stop(struct vm *vm)
{
	unsigned int i;

	vmbus_destroy(vm->vmbus);
	vm->vmbus = NULL;
	for (i = 0; i < VM_NR_IC; i++) {
		ic_dev_free(vm->ic[i]);
		vm->ic[i] = NULL;
	}
}

int vm_guest_shutdown(struct vm *vm, bool reboot, bool force, const char *source)
{
	uint32_t flags = (reboot ? IC_SHUTDOWN_REBOOT : IC_SHUTDOWN_POWEROFF) |
			 (force ? IC_SHUTDOWN_FORCE : 0);

	if (!vm->vmbus || !vm->ic[0])
		return -ENODEV;
	return ic_shutdown_request_host(vm->ic[0], flags, source);
}

int vm_vmbus_set_device(struct vm *vm, const char *name, bool present)
{
	unsigned int i;

	if (!vm->vmbus)
		return -ENODEV;
	for (i = 0; i < VM_NR_IC; i++)
		if (vm->ic[i] && !strcmp(vm->ic[i]->sops->name, name))
			return vmbus_set_present(vm->ic[i]->ch, present);
	return -ENOENT;
}

void vm_vmbus_report(struct vm *vm, FILE *f)
{
	struct vmbus_stats st;
	unsigned int i;

	if (!vm->vmbus) {
		fprintf(f, "vmbus: off\n");
		return;
	}
	vmbus_get_stats(vm->vmbus, &st);
	fprintf(f, "vmbus: version %u.%u, messages in %" PRIu64 " out %" PRIu64
		" malformed %" PRIu64 ", opens %" PRIu64 ", unstick signals %" PRIu64
		", lost signals %" PRIu64 "\n", st.version >> 16, st.version & 0xffff,
		st.msgs_in, st.msgs_out, st.msgs_bad, st.opens, st.unstick_signals,
		st.lost_signals);
	for (i = 0; i < VM_NR_IC; i++) {
		struct ic_dev *ic = vm->ic[i];
		struct ic_status s;
		long unread;

		if (!ic)
			continue;
		switch (vmbus_chan_presence(ic->ch)) {
		case VMBUS_REMOVING:
			fprintf(f, "%s: removed, waiting for the guest to release it\n", ic->sops->name);
			continue;
		case VMBUS_REMOVED:
			fprintf(f, "%s: removed\n", ic->sops->name);
			continue;
		case VMBUS_PRESENT:
			break;
		}
		ic_dev_status(ic, &s);
		unread = vmbus_chan_unread(ic->ch);
		fprintf(f, "%s: %s, opened %" PRIu64 "x, version %u.%u", ic->sops->name,
			ic_state_name(s.state), s.opens, s.nv.msg.major, s.nv.msg.minor);
		if (unread > 0)
			fprintf(f, ", %ld bytes unread by the guest", unread);
		if (vmbus_chan_stopped(ic->ch))
			fprintf(f, ", stopped: the guest corrupted a ring (until it reopens)");
		if (ic->sops == &ic_heartbeat_ops)
			fprintf(f, ", heartbeats %" PRIu64 ", last %" PRIu64 " ms ago", s.hb_count,
				s.hb_count ? monotonic_ms() - s.hb_last_ms : 0);
		if (ic->sops == &ic_timesync_ops)
			fprintf(f, ", samples %" PRIu64, s.ts_count);
		if (ic->sops == &ic_shutdown_ops)
			fprintf(f, ", request %s", s.sd_pending ? "pending" :
				s.sd_answered ? (s.sd_status ? "refused" : "accepted") :
				s.sd_sent ? "sent" : "none");
		if (ic->sops == &ic_kvp_ops && s.kvp_answered)
			fprintf(f, ", items %u%s%s, last status 0x%x", s.kvp_items,
				s.kvp_items ? ", first " : "", s.kvp_first, s.kvp_status);
		/* Linux's hv_kvp reads nothing until its daemon registers. */
		if (ic->sops == &ic_kvp_ops && s.state == IC_NEGOTIATING && unread > 0)
			fprintf(f, " (normal while the guest runs no hv_kvp_daemon)");
		fprintf(f, "\n");
	}
}
