// SPDX-License-Identifier: MIT
/*
 * The parts of the regress data model (regress.h) that both the runner
 * and the results side use: verdict names, stage lookup, freeing.
 */
#include "regress.h"

#include <stdlib.h>
#include <string.h>

/* Machine ids of docs/regress.md section 3, in enum order. */
static const char *const verdict_ids[RV__COUNT] = {
	[RV_PASS] = "pass",
	[RV_LOST_VMBUS_SIGNAL] = "lost_vmbus_signal",
	[RV_LOST_VMBUS_MESSAGE] = "lost_vmbus_message",
	[RV_GUEST_PANIC] = "guest_panic",
	[RV_TRIPLE_FAULT] = "triple_fault",
	[RV_VMM_ERROR] = "vmm_error",
	[RV_NO_SERIAL_OUTPUT] = "no_serial_output",
	[RV_STUCK_IN_FIRMWARE] = "stuck_in_firmware",
	[RV_STUCK_BEFORE_VMBUS] = "stuck_before_vmbus",
	[RV_SHUTDOWN_IC_NEVER_NEGOTIATED] = "shutdown_ic_never_negotiated",
	[RV_SHUTDOWN_NOT_ACKNOWLEDGED] = "shutdown_not_acknowledged",
	[RV_TIMEOUT] = "timeout",
};

const char *regress_verdict_id(enum regress_verdict v)
{
	if ((unsigned)v >= RV__COUNT)
		return NULL;
	return verdict_ids[v];
}

int regress_verdict_parse(const char *id)
{
	if (!id)
		return -1;
	for (int v = 0; v < RV__COUNT; v++)
		if (!strcmp(verdict_ids[v], id))
			return v;
	return -1;
}

bool regress_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > REGRESS_MAX_NAME)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s > '~' || strchr("\"'=,<>&\\", *s))
			return false;
	return true;
}

bool regress_boot_stage(const struct regress_boot *b, const char *name, double *t)
{
	for (int i = 0; i < b->nstages; i++) {
		if (!strcmp(b->stages[i].name, name)) {
			if (t)
				*t = b->stages[i].t;
			return true;
		}
	}
	return false;
}

static void cell_free(struct regress_cell *c)
{
	free(c->id);
	for (int i = 0; i < c->naxes && i < REGRESS_MAX_AXES; i++) {
		free(c->axis[i]);
		free(c->value[i]);
	}
}

static void boot_free(struct regress_boot *b)
{
	for (int i = 0; i < b->nstages; i++)
		free(b->stages[i].name);
	free(b->stages);
	free(b->detail);
	free(b->bundle);
	free(b->repro);
}

void regress_result_free(struct regress_result *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->ncells; i++)
		cell_free(&r->cells[i]);
	for (int i = 0; i < r->nboots; i++)
		boot_free(&r->boots[i]);
	free(r->cells);
	free(r->boots);
	free(r->format);
	free(r->started);
	free(r->host);
	free(r->hvmm);
	memset(r, 0, sizeof(*r));
}
