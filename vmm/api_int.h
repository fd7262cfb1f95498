/* SPDX-License-Identifier: MIT */
/* Shared by the control socket's server (api.c) and client (api_client.c). */
#ifndef HVMM_API_INT_H
#define HVMM_API_INT_H

#include <sys/un.h>

/* Fill a sockaddr_un for `path`: 0, or -ENAMETOOLONG. */
int api_addr(const char *path, struct sockaddr_un *sa);

#endif
