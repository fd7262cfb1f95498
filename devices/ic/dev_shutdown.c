// SPDX-License-Identifier: MIT
/*
 * Shutdown IC: the host asks the guest to power off or reboot; the guest
 * answers S_OK and then shuts down by itself (through ACPI S5 or reset).
 */
#include <errno.h>
#include <string.h>

#include "events.h"
#include "ic/ic_dev.h"
#include "util.h"

static void sd_send_if_pending(struct ic_dev *ic)
{
	uint8_t buf[IC_MAX_REQUEST];
	uint32_t flags;
	ssize_t len;

	pthread_mutex_lock(&ic->lock);
	if (!ic->sd_pending || ic->outstanding >= 0 || ic->state != IC_READY) {
		pthread_mutex_unlock(&ic->lock);
		return;
	}
	flags = ic->sd_flags;
	pthread_mutex_unlock(&ic->lock);
	len = ic_shutdown_request(buf, sizeof(buf), &ic->nv, ic_dev_next_txid(ic), flags, 0, 0,
				  "hvmm: host requested shutdown");
	if (len == -EOPNOTSUPP) {
		pr_err("ic-shutdown: the guest's shutdown IC version %u.%u cannot %s",
		       ic->nv.msg.major, ic->nv.msg.minor,
		       (flags & IC_SHUTDOWN_REBOOT) ? "reboot" : "do this");
		pthread_mutex_lock(&ic->lock);
		ic->sd_pending = false;
		pthread_mutex_unlock(&ic->lock);
		return;
	}
	if (ic_dev_send(ic, ICMSGTYPE_SHUTDOWN, buf, len))
		return; /* ring full or closed: stays pending */
	pthread_mutex_lock(&ic->lock);
	ic->sd_pending = false;
	ic->sd_sent = true;
	pthread_mutex_unlock(&ic->lock);
	pr_info("ic-shutdown: %s request sent to the guest",
		(flags & IC_SHUTDOWN_REBOOT) ? "reboot" : "power-off");
}

static void sd_response(struct ic_dev *ic, const void *buf, uint32_t len)
{
	uint32_t status;
	int ret = ic_shutdown_parse(buf, len, ic->txid, &status);

	pthread_mutex_lock(&ic->lock);
	ic->outstanding = -1;
	if (!ret) {
		ic->sd_answered = true;
		ic->sd_status = status;
	}
	pthread_mutex_unlock(&ic->lock);
	if (!ret)
		events_shutdown_ack(status);
	if (ret)
		pr_err_rl("ic-shutdown: malformed answer: %s", strerror(-ret));
	else if (status != IC_S_OK)
		pr_warn("ic-shutdown: the guest refused the shutdown (status 0x%x)", status);
	else
		pr_info("ic-shutdown: the guest accepted the shutdown request");
}

int ic_shutdown_request_host(struct ic_dev *ic, uint32_t flags, const char *source)
{
	pthread_mutex_lock(&ic->lock);
	if (ic->sd_pending) {
		pthread_mutex_unlock(&ic->lock);
		return -EBUSY;
	}
	/* Before the device thread can see it: the request precedes any ack. */
	events_shutdown_request(source, flags & IC_SHUTDOWN_REBOOT);
	ic->sd_pending = true;
	ic->sd_flags = flags;
	ic->sd_sent = ic->sd_answered = false;
	pthread_mutex_unlock(&ic->lock);
	/* Delivered now if ready, else when negotiation completes (ready()). */
	vmbus_device_kick(ic->ch);
	return 0;
}

const struct ic_service_ops ic_shutdown_ops = {
	.svc = IC_SVC_SHUTDOWN,
	.name = "shutdown",
	.class_guid = "0e0b6031-5213-4934-818b-38d90ced39db",
	.ready = sd_send_if_pending,
	.response = sd_response,
	.tick = sd_send_if_pending,
	.kick = sd_send_if_pending,
};
