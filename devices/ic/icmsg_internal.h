/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the IC message files (icmsg.c, ic_timesync.c,
 * ic_kvp.c); not part of the public API in icmsg.h.
 */
#ifndef HVMM_ICMSG_INTERNAL_H
#define HVMM_ICMSG_INTERNAL_H

#include "icmsg.h"

/*
 * ic_build_request() for the negotiated versions, then copy `body`
 * (body_len bytes) behind the headers. Returns the padded length or
 * -errno.
 */
ssize_t ic_build_service_request(void *buf, size_t cap, uint16_t msgtype,
				 const struct ic_negotiated *nv,
				 const void *body, size_t body_len, uint8_t txid);

#endif
