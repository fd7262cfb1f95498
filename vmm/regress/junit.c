// SPDX-License-Identifier: MIT
/*
 * --junit FILE: one <testsuite> per cell, one <testcase> per boot, in the
 * structure of the Ant/Jenkins "junit-10" schema that CI systems read
 * (tests/unit/junit.xsd is our rendering of it; the unit test validates
 * against it with xmllint). Everything from the result is escaped.
 */
#include "results.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (1-4), 0 if invalid. Overlong
 * forms, surrogates and values above U+10FFFF are invalid. */
static int utf8_len(const unsigned char *s)
{
	uint32_t cp;
	int n;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		n = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
		return 0;
	return n;
}

void regress_xml_escape(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");

	while (*s) {
		int n = utf8_len(s);

		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		case '\n': case '\t': fputc(*s, f); break;
		default:
			/* XML 1.0 forbids most control characters, even as
			 * references; \r would be normalised away. */
			if (*s < 0x20 || *s == 0x7f || !n)
				fputc('?', f);
			else
				fwrite(s, 1, n, f);
		}
		s += n ? n : 1;
	}
}

/* The schema's timestamp: yyyy-mm-ddThh:mm:ss, no zone (started is UTC). */
static void write_timestamp(FILE *f, const char *started)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:dd";
	bool ok = started && strlen(started) >= sizeof(pat) - 1;

	for (size_t i = 0; ok && i < sizeof(pat) - 1; i++)
		ok = pat[i] == 'd' ? isdigit((unsigned char)started[i]) : started[i] == pat[i];
	fprintf(f, "%.19s", ok ? started : "1970-01-01T00:00:00");
}

static void write_property(FILE *f, const char *name, const char *value)
{
	fputs("      <property name=\"", f);
	regress_xml_escape(f, name);
	fputs("\" value=\"", f);
	regress_xml_escape(f, value);
	fputs("\"/>\n", f);
}

static void write_testcase(FILE *f, const struct regress_result *r, const struct regress_boot *b)
{
	fputs("    <testcase classname=\"", f);
	regress_xml_escape(f, r->cells[b->cell].id);
	fprintf(f, "\" name=\"run %d / index %d\" time=\"%.3f\"", b->run, b->index, b->duration);
	if (b->verdict == RV_PASS) {
		fputs("/>\n", f);
		return;
	}
	fputs(">\n      <failure type=\"", f);
	regress_xml_escape(f, regress_verdict_id(b->verdict));
	fputs("\" message=\"", f);
	regress_xml_escape(f, b->detail && b->detail[0] ? b->detail : regress_verdict_id(b->verdict));
	fputs("\">verdict: ", f);
	regress_xml_escape(f, regress_verdict_id(b->verdict));
	fputs("\ndetail: ", f);
	regress_xml_escape(f, b->detail);
	fputs("\nbundle: ", f);
	regress_xml_escape(f, b->bundle ? b->bundle : "(none)");
	fputs("\nrepro: ", f);
	regress_xml_escape(f, b->repro);
	fputs("\n</failure>\n    </testcase>\n", f);
}

static void write_suite(FILE *f, const struct regress_result *r, int cell)
{
	const struct regress_cell *c = &r->cells[cell];
	struct regress_tally t;
	char buf[64];
	double time = 0;

	regress_tally(r, cell, &t);
	for (int i = 0; i < r->nboots; i++)
		if (r->boots[i].cell == cell)
			time += r->boots[i].duration;
	fputs("  <testsuite name=\"", f);
	regress_xml_escape(f, c->id);
	fprintf(f, "\" package=\"hvmm.regress\" id=\"%d\" tests=\"%d\" failures=\"%d\" errors=\"0\" "
		"skipped=\"0\" time=\"%.3f\" timestamp=\"", cell, t.boots, t.boots - t.passes, time);
	write_timestamp(f, r->started);
	fputs("\" hostname=\"", f);
	regress_xml_escape(f, r->host && r->host[0] ? r->host : "localhost");
	fputs("\">\n    <properties>\n", f);
	snprintf(buf, sizeof(buf), "%llu", r->seed);
	write_property(f, "seed", buf);
	snprintf(buf, sizeof(buf), "%d/%d", r->shard_k, r->shard_n);
	write_property(f, "shard", buf);
	write_property(f, "hvmm", r->hvmm);
	for (int a = 0; a < c->naxes; a++)
		write_property(f, c->axis[a], c->value[a]);
	fputs("    </properties>\n", f);
	for (int i = 0; i < r->nboots; i++)
		if (r->boots[i].cell == cell)
			write_testcase(f, r, &r->boots[i]);
	fputs("    <system-out/>\n    <system-err/>\n  </testsuite>\n", f);
}

int regress_junit_write(const struct regress_result *r, const char *path)
{
	struct regress_tally t;
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	regress_tally(r, -1, &t);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<testsuites name=\"hvmm regress\" tests=\"%d\" failures=\"%d\" errors=\"0\">\n",
		t.boots, t.boots - t.passes);
	for (int c = 0; c < r->ncells; c++)
		write_suite(f, r, c);
	fputs("</testsuites>\n", f);
	if (ferror(f)) {
		fclose(f);
		return -EIO;
	}
	return fclose(f) ? -errno : 0;
}
