// SPDX-License-Identifier: MIT
/*
 * The event kinds of docs/regress.md section 1, one function each, so
 * that hook sites stay one line and a unit test can emit (and parse)
 * every kind.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "events.h"
#include "util.h"
#include "vm.h"

/* Append one JSON string to the array being built in json[0..*n). */
static void events_array_add(char *json, size_t size, size_t *n, const char *s)
{
	char item[64];
	int w;

	if (*n >= size)
		return;
	ev_json_str(item, sizeof(item), s);
	w = snprintf(json + *n, size - *n, "%s%s", *n > 1 ? "," : "", item);
	*n = w < 0 ? size : MIN(size, *n + (size_t)w);
}

/* The inject array of `start`: every --debug-inject switch that is on. */
static void events_inject(struct ev_line *l, const struct vm_config *cfg)
{
	char json[256], s[40];
	size_t n = 1;

	json[0] = '[';
	json[1] = 0;
	if (cfg->late_event_port)
		events_array_add(json, sizeof(json), &n, "late-event-port");
	if (cfg->drop_eom)
		events_array_add(json, sizeof(json), &n, "drop-eom");
	if (cfg->fw_payload)
		events_array_add(json, sizeof(json), &n, "firmware-payload");
	if (cfg->rtc_offset_s) {
		snprintf(s, sizeof(s), "rtc-offset=%lld", (long long)cfg->rtc_offset_s);
		events_array_add(json, sizeof(json), &n, s);
	}
	if (cfg->boot_delay_ms) {
		snprintf(s, sizeof(s), "boot-delay=%u", cfg->boot_delay_ms);
		events_array_add(json, sizeof(json), &n, s);
	}
	if (n + 2 > sizeof(json))
		n = 1; /* cannot happen with these few names: an empty array then */
	snprintf(json + n, sizeof(json) - n, "]");
	ev_raw(l, "inject", json);
}

void events_start(const struct vm_config *cfg)
{
	struct ev_line l;
	char wall[80];
	struct timespec ts;
	struct tm tm;

	events_mark_start();
	if (!events_on())
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(wall, sizeof(wall), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (long)(ts.tv_nsec / 1000000) % 1000);
	ev_begin(&l, "start");
	ev_str(&l, "wall", wall);
	ev_u64(&l, "pid", (uint64_t)getpid());
	ev_u64(&l, "cpus", cfg->ncpus);
	ev_u64(&l, "mem_mib", cfg->mem_size >> 20);
	ev_str(&l, "firmware", cfg->firmware && !cfg->fw_payload ? "uefi" : "direct");
	ev_str(&l, "isolation", cfg->isolation == ISOLATION_VBS ? "vbs" : "none");
	ev_bool(&l, "vsm", cfg->vsm);
	ev_str(&l, "kernel", cfg->kernel);
	events_inject(&l, cfg);
	ev_emit(&l);
}

void events_vcpu_entry(unsigned int vcpu)
{
	struct ev_line l;

	if (!events_on())
		return;
	ev_begin(&l, "vcpu_entry");
	ev_u64(&l, "vcpu", vcpu);
	ev_emit(&l);
}

#define EVENTS_FW_ITEMS 64

void events_fw_cfg(const char *item)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static char seen[EVENTS_FW_ITEMS][56];
	static unsigned int nseen;
	struct ev_line l;
	unsigned int i;

	if (!events_on())
		return;
	pthread_mutex_lock(&lock);
	for (i = 0; i < nseen; i++)
		if (!strncmp(seen[i], item, sizeof(seen[i])))
			break;
	if (i < nseen || nseen == EVENTS_FW_ITEMS) {
		pthread_mutex_unlock(&lock);
		return;
	}
	snprintf(seen[nseen++], sizeof(seen[0]), "%s", item);
	pthread_mutex_unlock(&lock);
	ev_begin(&l, "fw_cfg");
	ev_str(&l, "item", item);
	ev_emit(&l);
}

void events_serial(void)
{
	static bool done;
	struct ev_line l;

	/* Called for every COM1 byte: a plain load first, the exchange once. */
	if (!events_on() || __atomic_load_n(&done, __ATOMIC_RELAXED) ||
	    __atomic_exchange_n(&done, true, __ATOMIC_ACQ_REL))
		return;
	ev_begin(&l, "serial");
	ev_emit(&l);
}

static void events_version(char *buf, size_t len, uint32_t v)
{
	snprintf(buf, len, "%u.%u", v >> 16, v & 0xffff);
}

void events_vmbus_contact(uint32_t version, uint32_t vp, uint32_t sint)
{
	struct ev_line l;
	char v[16];

	if (!events_on())
		return;
	events_version(v, sizeof(v), version);
	ev_begin(&l, "vmbus_contact");
	ev_str(&l, "version", v);
	ev_u64(&l, "vp", vp);
	ev_u64(&l, "sint", sint);
	ev_emit(&l);
}

void events_vmbus_chan(const char *ev, uint32_t relid, const char *name)
{
	struct ev_line l;

	if (!events_on())
		return;
	ev_begin(&l, ev);
	ev_u64(&l, "relid", relid);
	ev_str(&l, "name", name);
	ev_emit(&l);
}

void events_vmbus_gpadl(uint32_t relid, uint32_t gpadl, uint32_t pages)
{
	struct ev_line l;

	if (!events_on())
		return;
	ev_begin(&l, "vmbus_gpadl");
	ev_u64(&l, "relid", relid);
	ev_u64(&l, "gpadl", gpadl);
	ev_u64(&l, "pages", pages);
	ev_emit(&l);
}

void events_ic_negotiated(const char *name, uint32_t fw, uint32_t msg)
{
	struct ev_line l;
	char f[16], m[16];

	if (!events_on())
		return;
	events_version(f, sizeof(f), fw);
	events_version(m, sizeof(m), msg);
	ev_begin(&l, "ic_negotiated");
	ev_str(&l, "name", name);
	ev_str(&l, "fw", f);
	ev_str(&l, "msg", m);
	ev_emit(&l);
}

void events_ready(const char *by)
{
	struct ev_line l;

	if (!events_on())
		return;
	ev_begin(&l, "ready");
	ev_str(&l, "by", by);
	ev_emit(&l);
}

void events_shutdown_request(const char *source, bool reboot)
{
	struct ev_line l;

	if (!events_on())
		return;
	ev_begin(&l, "shutdown_request");
	ev_str(&l, "source", source);
	ev_bool(&l, "reboot", reboot);
	ev_emit(&l);
}

void events_shutdown_ack(uint32_t status)
{
	struct ev_line l;

	if (!events_on())
		return;
	ev_begin(&l, "shutdown_ack");
	ev_u64(&l, "status", status);
	ev_emit(&l);
}

void events_panic(const uint64_t p[5])
{
	struct ev_line l;
	char json[160];
	size_t n = 0;
	unsigned int i;

	if (!events_on())
		return;
	for (i = 0; i < 5; i++)
		n += (size_t)snprintf(json + n, sizeof(json) - n, "%s\"0x%" PRIx64 "\"",
				      i ? "," : "[", p ? p[i] : 0);
	snprintf(json + n, sizeof(json) - n, "]");
	ev_begin(&l, "panic");
	ev_raw(&l, "p", json);
	ev_emit(&l);
}

void events_fault(const char *what, unsigned int vcpu)
{
	struct ev_line l;

	if (!events_on())
		return;
	ev_begin(&l, "fault");
	ev_str(&l, "what", what);
	ev_u64(&l, "vcpu", vcpu);
	ev_emit(&l);
}

const char *events_exit_reason(int status)
{
	switch (status) {
	case HVMM_EXIT_POWEROFF: return "poweroff";
	case HVMM_EXIT_REBOOT: return "reboot";
	case HVMM_EXIT_GUEST_FAULT: return "fault";
	case HVMM_EXIT_TIMEOUT: return "timeout";
	case HVMM_EXIT_SIGNAL: return "signal";
	case HVMM_EXIT_GUEST_PANIC: return "panic";
	default: return "error"; /* 1 internal, 2 usage */
	}
}

void events_exit(int status)
{
	struct ev_line l;

	if (!events_on())
		return;
	ev_begin(&l, "exit");
	ev_str(&l, "reason", events_exit_reason(status));
	ev_u64(&l, "status", (uint64_t)status);
	ev_emit(&l);
}
