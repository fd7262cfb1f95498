// SPDX-License-Identifier: MIT
/*
 * Time sync IC: Unix <-> Windows (100 ns since 1601) time conversion and
 * the two sample layouts. Which layout the guest reads depends only on
 * the negotiated message version: Linux's timesync_onchannelcallback
 * uses ictimesync_ref_data when ts_srv_version > TS_VERSION_3 (3.0),
 * i.e. for 4.0, and ictimesync_data otherwise.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "icmsg.h"
#include "icmsg_internal.h"

_Static_assert(sizeof(struct ictimesync_data) == 25, "timesync v1/v3");
_Static_assert(sizeof(struct ictimesync_ref_data) == 22, "timesync v4");
_Static_assert(offsetof(struct ictimesync_ref_data, flags) == 16, "ref flags");
_Static_assert(sizeof(time_t) == 8, "64-bit time_t assumed");

#define NS_PER_TICK 100
#define TICKS_PER_SEC 10000000LL

int ic_timespec_to_filetime(const struct timespec *ts, uint64_t *ft)
{
	/* Seconds between 1601-01-01 and 1970-01-01. */
	const int64_t delta_s = (int64_t)(IC_WLTIMEDELTA / TICKS_PER_SEC);
	const int64_t max_s = (int64_t)(UINT64_MAX / TICKS_PER_SEC) - delta_s - 1;
	uint64_t secs;

	if (!ts || !ft)
		return -EINVAL;
	if (ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000L)
		return -EINVAL;
	if (ts->tv_sec < -delta_s || ts->tv_sec > max_s)
		return -ERANGE;
	secs = (uint64_t)(ts->tv_sec + delta_s);
	*ft = secs * TICKS_PER_SEC + (uint64_t)ts->tv_nsec / NS_PER_TICK;
	return 0;
}

void ic_filetime_to_timespec(uint64_t ft, struct timespec *ts)
{
	const int64_t delta_s = (int64_t)(IC_WLTIMEDELTA / TICKS_PER_SEC);

	/* IC_WLTIMEDELTA is a whole number of seconds, so split first. */
	ts->tv_sec = (time_t)(ft / TICKS_PER_SEC) - delta_s;
	ts->tv_nsec = (long)(ft % TICKS_PER_SEC) * NS_PER_TICK;
}

bool ic_timesync_uses_ref(const struct ic_negotiated *nv)
{
	return ic_ver32(nv->msg) > (3u << 16);
}

ssize_t ic_timesync_request(void *buf, size_t cap, const struct ic_negotiated *nv,
			    uint8_t txid, const struct ic_timesync *t)
{
	if (!nv || !t)
		return -EINVAL;
	if (ic_timesync_uses_ref(nv)) {
		struct ictimesync_ref_data d;

		memset(&d, 0, sizeof(d));
		d.parenttime = t->parenttime;
		d.vmreferencetime = t->vmreferencetime;
		d.flags = t->flags;
		d.leapflags = (char)t->leapflags;
		d.stratum = (char)t->stratum;
		return ic_build_service_request(buf, cap, ICMSGTYPE_TIMESYNC, nv,
						&d, sizeof(d), txid);
	} else {
		struct ictimesync_data d;

		memset(&d, 0, sizeof(d));
		d.parenttime = t->parenttime;
		d.childtime = t->childtime;
		d.roundtriptime = t->roundtriptime;
		d.flags = t->flags;
		return ic_build_service_request(buf, cap, ICMSGTYPE_TIMESYNC, nv,
						&d, sizeof(d), txid);
	}
}

int ic_timesync_parse(const void *buf, size_t len, uint8_t txid,
		      const struct ic_negotiated *nv, struct ic_timesync *t,
		      uint32_t *status)
{
	struct ic_resp r;
	int ret;

	if (!nv || !t || !status)
		return -EINVAL;
	ret = ic_parse_response(buf, len, ICMSGTYPE_TIMESYNC, txid, &r);
	if (ret)
		return ret;

	memset(t, 0, sizeof(*t));
	if (ic_timesync_uses_ref(nv)) {
		struct ictimesync_ref_data d;

		if (r.body_len < sizeof(d))
			return -EBADMSG;
		memcpy(&d, r.body, sizeof(d));
		t->parenttime = d.parenttime;
		t->vmreferencetime = d.vmreferencetime;
		t->flags = d.flags;
		t->leapflags = (uint8_t)d.leapflags;
		t->stratum = (uint8_t)d.stratum;
	} else {
		struct ictimesync_data d;

		if (r.body_len < sizeof(d))
			return -EBADMSG;
		memcpy(&d, r.body, sizeof(d));
		t->parenttime = d.parenttime;
		t->childtime = d.childtime;
		t->roundtriptime = d.roundtriptime;
		t->flags = d.flags;
	}
	*status = r.status;
	return 0;
}
