// SPDX-License-Identifier: MIT
/*
 * jsonflat: JSON lines on stdin -> one "LINE PATH=VALUE" line per leaf, so
 * that the integration cases (bash, inside the lab, where no JSON tool can
 * be assumed) check hvmm's events and `status --json` with grep and awk.
 *
 *   0 ev=start
 *   0 inject.0=late-event-port
 *   3 vmbus.channels.1.h2g.unread=120
 *
 * LINE counts input lines from 0; object keys and array indexes are
 * joined with dots; strings are printed raw (a newline as \n), numbers
 * as jansson prints them, true/false/null as such. Every input line must
 * be exactly one JSON object: otherwise the line and jansson's reason go
 * to stderr and the exit status is 1 (after all lines). Built by `make
 * payloads` as build/tools/jsonflat (it links jansson, hvmm's own JSON
 * library).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void flat_print(unsigned long line, const char *path, json_t *v)
{
	const char *s;
	char *num;
	size_t i;
	const char *key;
	json_t *sub;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		json_object_foreach(v, key, sub) {
			size_t n = strlen(path) + strlen(key) + 2;
			char *p = malloc(n);

			if (!p)
				exit(2);
			snprintf(p, n, "%s%s%s", path, *path ? "." : "", key);
			flat_print(line, p, sub);
			free(p);
		}
		return;
	case JSON_ARRAY:
		json_array_foreach(v, i, sub) {
			size_t n = strlen(path) + 24;
			char *p = malloc(n);

			if (!p)
				exit(2);
			snprintf(p, n, "%s%s%zu", path, *path ? "." : "", i);
			flat_print(line, p, sub);
			free(p);
		}
		return;
	case JSON_STRING:
		printf("%lu %s=", line, path);
		for (s = json_string_value(v); *s; s++)
			if (*s == '\n')
				fputs("\\n", stdout);
			else
				putchar(*s);
		putchar('\n');
		return;
	default:
		num = json_dumps(v, JSON_ENCODE_ANY);
		printf("%lu %s=%s\n", line, path, num ? num : "?");
		free(num);
	}
}

int main(void)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long line = 0;
	int rc = 0;

	while ((len = getline(&buf, &cap, stdin)) >= 0) {
		json_error_t je;
		json_t *v;

		if (len && buf[len - 1] == '\n')
			buf[--len] = 0;
		v = json_loads(buf, 0, &je);
		if (!v || !json_is_object(v)) {
			fprintf(stderr, "jsonflat: line %lu is not a JSON object (%s): %s\n", line,
				v ? "another JSON value" : je.text, buf);
			rc = 1;
		} else {
			flat_print(line, "", v);
		}
		json_decref(v);
		line++;
	}
	free(buf);
	return rc;
}
