// SPDX-License-Identifier: MIT
/*
 * hvmm regress: a failed boot's bundle (DIR/CELL/RUN/: serial.log,
 * hvmm.err, events.jsonl, status.json and status.txt, regs.txt, repro.sh)
 * and the file helpers around it.
 */
#include "runner.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int bundle_mkdirs(const char *path)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; ; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;

		*p = 0;
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		if (!c)
			return 0;
		*p = c;
	}
}

void bundle_remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *slash;

	if (!d)
		return;
	/* Only the regular files the runner put there: no recursion, no symlink following. */
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	rmdir(dir);
	/* The cell directory too, once its last boot is gone (fails while not empty). */
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		char parent[PATH_MAX];

		snprintf(parent, sizeof(parent), "%.*s", (int)(slash - dir), dir);
		rmdir(parent);
	}
}

/* Single quotes around anything that is not plainly safe for sh. */
static size_t quote_arg(const char *a, char *out)
{
	size_t n = 0;
	bool plain = *a && strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "0123456789-_./=:,+@%") == strlen(a);

	if (plain) {
		if (out)
			memcpy(out, a, strlen(a));
		return strlen(a);
	}
	if (out)
		out[n] = '\'';
	n++;
	for (; *a; a++) {
		if (*a == '\'') {
			if (out)
				memcpy(out + n, "'\\''", 4);
			n += 4;
		} else {
			if (out)
				out[n] = *a;
			n++;
		}
	}
	if (out)
		out[n] = '\'';
	return n + 1;
}

char *bundle_shell_join(char *const *argv)
{
	size_t len = 1, n = 0;
	char *s;

	for (int i = 0; argv[i]; i++)
		len += quote_arg(argv[i], NULL) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	for (int i = 0; argv[i]; i++) {
		if (i)
			s[n++] = ' ';
		n += quote_arg(argv[i], s + n);
	}
	s[n] = 0;
	return s;
}

int bundle_write_repro(const char *dir, const char *cmd)
{
	char path[PATH_MAX];
	FILE *f;
	int fd;

	if (snprintf(path, sizeof(path), "%s/repro.sh", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	fprintf(f, "#!/bin/sh\n# Rerun this boot alone (written by hvmm regress).\nexec %s \"$@\"\n",
		cmd);
	return fclose(f) ? -EIO : 0;
}

static const char *tstr(json_t *v, char *buf, size_t len)
{
	if (json_is_integer(v))
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	else if (json_is_number(v))
		snprintf(buf, len, "%.3f", json_number_value(v));
	else if (json_is_true(v) || json_is_false(v))
		snprintf(buf, len, "%s", json_is_true(v) ? "yes" : "no");
	else if (json_is_string(v))
		snprintf(buf, len, "%s", json_string_value(v));
	else
		snprintf(buf, len, "-");
	return buf;
}

/* "key=value" for each scalar member of an object, in its order. */
static void render_fields(json_t *o, FILE *f)
{
	const char *k;
	json_t *v;
	char b[64];

	json_object_foreach(o, k, v) {
		if (json_is_object(v) || json_is_array(v))
			continue;
		fprintf(f, " %s=%s", k, tstr(v, b, sizeof(b)));
	}
}

int bundle_render_status(const char *status_json, FILE *f)
{
	json_t *j, *vmbus, *e;
	size_t i;
	char b[64];

	if (!strncmp(status_json, "ok\n", 3))
		status_json += 3;
	j = json_loads(status_json, JSON_DISABLE_EOF_CHECK, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		fprintf(f, "(status-json unreadable)\n");
		return -EINVAL;
	}
	fprintf(f, "status at t=%s s\n\nvCPUs:\n", tstr(json_object_get(j, "t"), b, sizeof(b)));
	json_array_foreach(json_object_get(j, "vcpus"), i, e) {
		fprintf(f, " ");
		render_fields(e, f);
		fprintf(f, "\n");
	}
	fprintf(f, "\nSynIC:\n");
	json_array_foreach(json_object_get(j, "synic"), i, e) {
		fprintf(f, " ");
		render_fields(e, f);
		fprintf(f, "\n");
	}
	vmbus = json_object_get(j, "vmbus");
	fprintf(f, "\nVMBus:");
	render_fields(vmbus, f);
	fprintf(f, "\n");
	json_array_foreach(json_object_get(vmbus, "channels"), i, e) {
		fprintf(f, " channel");
		render_fields(e, f);
		fprintf(f, "\n   h2g ring:");
		render_fields(json_object_get(e, "h2g"), f);
		fprintf(f, "\n   g2h ring:");
		render_fields(json_object_get(e, "g2h"), f);
		fprintf(f, "\n");
	}
	json_decref(j);
	return 0;
}
