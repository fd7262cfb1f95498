// SPDX-License-Identifier: MIT
/*
 * --junit (vmm/regress/junit.c): a result with passes and failures whose
 * strings carry every character that can break XML is written and then
 * validated with `xmllint --noout --schema tests/unit/junit.xsd`; a
 * broken file must fail the same check (so the check can fail).
 */
#include <sys/wait.h>
#include <unistd.h>

#include "regress_fixture.h"
#include "unit.h"

#define XSD "tests/unit/junit.xsd"

/* xmllint's exit status; its output lands in log. */
static int xmllint(const char *xml, const char *log)
{
	int status;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (!freopen(log, "w", stderr) || !freopen(log, "a", stdout))
			_exit(125);
		execlp("xmllint", "xmllint", "--noout", "--schema", XSD, xml, (char *)NULL);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static char *slurp(const char *path)
{
	char *buf = NULL;
	size_t cap = 0;
	FILE *f = fopen(path, "r");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(getdelim(&buf, &cap, '\0', f), 0);
	fclose(f);
	return buf;
}

static const char nasty[] = "a&b <c> \"d\" 'e' ]]> \x01\x1b[31m \r\n\t \xff\xfe bad utf8 "
			    "\xc3\xa9 \xf0\x9f\x92\xa5 \xed\xa0\x80 \xc0\xaf end";

START_TEST(junit_valid)
{
	char *xml = fx_tmp("junit.xml"), *log = fx_tmp("xmllint.log"), *text;
	struct regress_result r;
	struct regress_boot *b;

	ck_assert_msg(access(XSD, R_OK) == 0, "run from the source tree: %s missing", XSD);
	fx_init(&r, 2, 4);
	free(r.host);
	r.host = fx_strdup("host<&>");
	fx_boot(&r, 0, 0, 0, RV_PASS, 10);
	b = fx_boot(&r, 0, 1, 2, RV_LOST_VMBUS_SIGNAL, 30);
	free(b->detail);
	b->detail = fx_strdup(nasty);
	free(b->repro);
	b->repro = fx_strdup("hvmm run --cmdline 'console=ttyS0 a=\"b\" & <x>'");
	fx_boot(&r, 1, 0, 1, RV_PASS, 11);
	fx_boot(&r, 1, 1, 3, RV_TIMEOUT, 300);
	ck_assert_int_eq(regress_junit_write(&r, xml), 0);
	ck_assert_msg(xmllint(xml, log) == 0, "xmllint: %s\nfile: %s", slurp(log), slurp(xml));
	text = slurp(xml);
	/* The content is there, escaped. */
	ck_assert_ptr_nonnull(strstr(text, "classname=\"cpus=1\" name=\"run 1 / index 2\""));
	ck_assert_ptr_nonnull(strstr(text, "<failure type=\"lost_vmbus_signal\" message=\"a&amp;b &lt;c&gt; &quot;d&quot; &#39;e&#39;"));
	ck_assert_ptr_nonnull(strstr(text, "bundle: bundles/boot-x"));
	ck_assert_ptr_nonnull(strstr(text, "repro: hvmm run --cmdline &#39;console=ttyS0 a=&quot;b&quot; &amp; &lt;x&gt;&#39;"));
	ck_assert_ptr_nonnull(strstr(text, "<property name=\"seed\" value=\"42\"/>"));
	ck_assert_ptr_nonnull(strstr(text, "<property name=\"shard\" value=\"1/1\"/>"));
	ck_assert_ptr_nonnull(strstr(text, "timestamp=\"2026-12-02T14:00:00\""));
	ck_assert_ptr_nonnull(strstr(text, "tests=\"4\" failures=\"2\""));
	ck_assert_ptr_nonnull(strstr(text, "\xc3\xa9 \xf0\x9f\x92\xa5 ??? ?? end"));	/* surrogate, overlong: a ? per byte */
	free(text);
	regress_result_free(&r);
	free(xml);
	free(log);
}
END_TEST

/* The check itself: xmllint must reject what the schema forbids. */
START_TEST(junit_invalid_rejected)
{
	char *xml = fx_tmp("bad.xml"), *log = fx_tmp("xmllint.log");

	fx_write(xml, "<?xml version=\"1.0\"?>\n<testsuites><testsuite name=\"x\" package=\"p\" id=\"0\" "
		      "tests=\"1\" failures=\"0\" errors=\"0\" time=\"1\" hostname=\"h\">"
		      "<properties/><testcase classname=\"c\" name=\"n\" time=\"1\"/>"
		      "<system-out/><system-err/></testsuite></testsuites>\n");	/* no timestamp */
	ck_assert_int_ne(xmllint(xml, log), 0);
	fx_write(xml, "<testsuites><testsuite name=\"a&b\"/></testsuites>");	/* not well-formed */
	ck_assert_int_ne(xmllint(xml, log), 0);
	free(xml);
	free(log);
}
END_TEST

START_TEST(junit_unwritable)
{
	struct regress_result r;

	fx_init(&r, 1, 1);
	ck_assert_int_lt(regress_junit_write(&r, "/nonexistent/dir/j.xml"), 0);
	regress_result_free(&r);
}
END_TEST

static Suite *regress_junit_suite(void)
{
	Suite *s = suite_create("regress_junit");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, junit_valid);
	tcase_add_test(tc, junit_invalid_rejected);
	tcase_add_test(tc, junit_unwritable);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(regress_junit_suite)
