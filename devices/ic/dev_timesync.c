// SPDX-License-Identifier: MIT
/*
 * Time sync IC: host UTC time together with the guest's partition
 * reference counter at the same instant, so the guest can correct for
 * delivery delay. The first sample after negotiation asks the guest to
 * step its clock (SYNC); later ones, every TS_PERIOD_S, are SAMPLEs.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "device.h"
#include "ic/ic_dev.h"
#include "util.h"

#define TS_PERIOD_S 5

/*
 * KVM's Hyper-V reference counter is kvmclock in 100 ns units; the
 * platform pairs it with the host time of that sample (dev_guest_clock).
 */
static int ts_sample(struct ic_dev *ic, struct ic_timesync *t)
{
	uint64_t guest_ns, host_ns;
	struct timespec now;
	int ret = dev_guest_clock(ic->vm, &guest_ns, &host_ns);

	if (ret)
		return ret;
	now.tv_sec = (time_t)(host_ns / 1000000000ULL);
	now.tv_nsec = (long)(host_ns % 1000000000ULL);
	memset(t, 0, sizeof(*t));
	t->vmreferencetime = guest_ns / 100;
	return ic_timespec_to_filetime(&now, &t->parenttime);
}

static void ts_send(struct ic_dev *ic, uint8_t flags)
{
	uint8_t buf[256];
	struct ic_timesync t;
	ssize_t len;

	if (ic->outstanding >= 0 || ts_sample(ic, &t))
		return;
	t.flags = flags;
	t.childtime = 0;
	t.stratum = 2;
	len = ic_timesync_request(buf, sizeof(buf), &ic->nv, ic_dev_next_txid(ic), &t);
	if (ic_dev_send(ic, ICMSGTYPE_TIMESYNC, buf, len))
		return;
	pthread_mutex_lock(&ic->lock);
	ic->ts_count++;
	ic->ts_last_ms = monotonic_ms();
	pthread_mutex_unlock(&ic->lock);
}

/*
 * SYNC first: Linux steps its clock (do_settimeofday64) only for a sample
 * flagged ICTIMESYNCFLAG_SYNC; a SAMPLE only updates the host time its
 * PTP clock reports (drivers/hv/hv_util.c, adj_guesttime, Linux 6.1).
 * Without this one a guest whose RTC is wrong stays wrong.
 */
static void ts_ready(struct ic_dev *ic)
{
	ts_send(ic, ICTIMESYNCFLAG_SYNC);
}

static void ts_tick(struct ic_dev *ic)
{
	if (monotonic_ms() - ic->ts_last_ms >= TS_PERIOD_S * 1000ULL)
		ts_send(ic, ICTIMESYNCFLAG_SAMPLE);
}

static void ts_response(struct ic_dev *ic, const void *buf, uint32_t len)
{
	struct ic_timesync t;
	uint32_t status;
	int ret = ic_timesync_parse(buf, len, ic->txid, &ic->nv, &t, &status);

	pthread_mutex_lock(&ic->lock);
	ic->outstanding = -1;
	pthread_mutex_unlock(&ic->lock);
	if (ret)
		pr_err_rl("ic-timesync: malformed answer: %s", strerror(-ret));
}

const struct ic_service_ops ic_timesync_ops = {
	.svc = IC_SVC_TIMESYNC,
	.name = "timesync",
	.class_guid = "9527e630-d0ae-497b-adce-e80ab0175caf",
	.ready = ts_ready,
	.response = ts_response,
	.tick = ts_tick,
};
