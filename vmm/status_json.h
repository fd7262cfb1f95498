/* SPDX-License-Identifier: MIT */
/*
 * Machine-readable state for the control socket (api.c): `status-json`
 * answers "ok" and one compact JSON object on one line (docs/regress.md
 * section 2); `regs` answers "ok" and every vCPU's registers. Both are
 * called on the control socket's thread and bounded in time: the vCPUs
 * are paused for a moment (SINT2 MSRs, registers), never indefinitely.
 * `status-json --no-pause` leaves the vCPUs running (its SINT2 fields are
 * null): what `hvmm regress` polls once a second, so that watching a boot
 * does not kick its vCPUs out of the guest every second.
 */
#ifndef HVMM_STATUS_JSON_H
#define HVMM_STATUS_JSON_H

#include <stdbool.h>
#include <stdio.h>

struct vm;

/*
 * 0, or -ENOMEM (nothing written then). pause: read every VP's SINT2 MSR,
 * which pauses the vCPUs for a moment; without it "sint2" and
 * "sint2_masked" are null.
 */
int status_json(struct vm *vm, FILE *out, bool pause);
/* 0, -ETIMEDOUT (the vCPUs did not pause in time) or -ENODEV (nothing written). */
int status_regs(struct vm *vm, FILE *out);

#endif
