// SPDX-License-Identifier: MIT
/*
 * hvmm regress: requests on a child's control socket. One short,
 * bounded exchange (api_request: connect, send, read to EOF, all within
 * the timeout), so that a wedged child costs the scheduler at most that.
 */
#include "runner.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

int regress_ctl(const char *sock, const char *cmd, unsigned int timeout_ms, char **reply)
{
	size_t len;
	int ret = api_request(sock, cmd, timeout_ms, reply, &len);

	if (!ret && !api_reply_ok(*reply, len))
		ret = -EPROTO;
	if (ret) {
		free(*reply);
		*reply = NULL;
	}
	return ret;
}
