/* json_text against jansson's json_dumps: byte for byte the same text for
 * hand-picked edge cases and for thousands of random documents, and NULL
 * where jansson refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <float.h>
#include <stdlib.h>
#include <string.h>
#include "base/json_text.h"

#define FLAGS (JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15))

/* v's text from both encoders must be equal (or both refused); v consumed. */
static void
same_as_jansson(json_t *v)
{
	char *want = json_dumps(v, FLAGS);
	size_t len = 0;
	char *got = json_text(v, &len);
	if (!want) {
		assert_null(got);
	} else {
		assert_non_null(got);
		assert_string_equal(got, want);
		assert_int_equal(len, strlen(want));
	}
	free(want);
	free(got);
	json_decref(v);
}

static void
test_scalars(void **state)
{
	(void)state;
	const double reals[] = {0.0, -0.0, 1.0, -1.5, 2.94, 0.1, 1e20, 1e-5, 123456789012345678.0,
				DBL_MAX, DBL_MIN, 1.0 / 3.0, 100.0, 4.35, 0.007};
	for (size_t i = 0; i < sizeof reals / sizeof *reals; i++)
		same_as_jansson(json_real(reals[i]));
	const json_int_t ints[] = {0, -1, 42, INT64_MAX, INT64_MIN};
	for (size_t i = 0; i < sizeof ints / sizeof *ints; i++)
		same_as_jansson(json_integer(ints[i]));
	same_as_jansson(json_true());
	same_as_jansson(json_false());
	same_as_jansson(json_null());
	same_as_jansson(json_object());
	same_as_jansson(json_array());
}

static void
test_strings(void **state)
{
	(void)state;
	const char *texts[] = {"", "plain", "quote \" and \\ backslash", "tab\tnew\nline\r\b\f",
			       "\x01\x1f\x7f", "slash / stays", "caf\xc3\xa9", "\xe2\x80\xa8 line sep",
			       "\xf0\x9f\x98\x80 emoji", "\xef\xbf\xbd", "mixed \x02 caf\xc3\xa9 \""};
	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
		same_as_jansson(json_string(texts[i]));
	same_as_jansson(json_stringn("nul\0inside", 10));
	/* not UTF-8: jansson refuses to encode what was stored unchecked */
	const char *bad[] = {"\xc3", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\x80",
			     "ok\xff", "\xe0\x80\xaf", "\xf0\x80\x80\xaf"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		same_as_jansson(json_stringn_nocheck(bad[i], strlen(bad[i])));
}

/* A key that is not UTF-8 (only json_object_set_nocheck makes one) is
 * refused; jansson ignores the failure there and writes broken text. */
static void
test_bad_key_refused(void **state)
{
	(void)state;
	json_t *o = json_object();
	json_object_set_new_nocheck(o, "k\xc3", json_true());
	size_t len;
	assert_null(json_text(o, &len));
	json_decref(o);
}

/* Every single byte below 0x80 as a string, and as a key. */
static void
test_every_ascii_byte(void **state)
{
	(void)state;
	for (int c = 0; c < 0x80; c++) {
		char b = (char)c;
		same_as_jansson(json_stringn(&b, 1));
		json_t *o = json_object();
		char key[2] = {b ? b : 'x', '\0'};
		json_object_set_new(o, key, json_integer(c));
		same_as_jansson(o);
	}
}

/* Reals of every magnitude, including those jansson writes with exponents. */
static void
test_many_reals(void **state)
{
	(void)state;
	double v = 1e-300;
	for (int i = 0; i < 40000; i++, v *= -1.0173)
		same_as_jansson(json_real(v / (1 + i % 7)));
	for (int i = 0; i < 1000; i++)
		same_as_jansson(json_real(i / 100.0));
}

static unsigned seed = 12345;

static unsigned
next(void)
{
	seed = seed * 1103515245u + 12345u;
	return seed >> 8;
}

/* A random string of short UTF-8 pieces, escapes and controls. */
static json_t *
random_string(void)
{
	static const char *pieces[] = {"a", "Z", " ", "\"", "\\", "/", "\n", "\x01", "\xc3\xa9",
				       "\xe2\x82\xac", "\xf0\x9f\x8e\x89", "0", "{", "\t"};
	char buf[128] = "";
	size_t n = next() % 12;
	for (size_t i = 0; i < n; i++)
		strcat(buf, pieces[next() % (sizeof pieces / sizeof *pieces)]);
	return json_string(buf);
}

static json_t *
random_value(int depth)
{
	switch (next() % (depth > 3 ? 5 : 7)) {
	case 0:
		return random_string();
	case 1:
		return json_integer((json_int_t)next() - (1 << 22));
	case 2:
		return json_real(((double)next() - (1 << 22)) / (double)(1 + next() % 1000));
	case 3:
		return next() % 2 ? json_true() : json_false();
	case 4:
		return json_null();
	case 5: {
		json_t *a = json_array();
		for (size_t i = next() % 5; i > 0; i--)
			json_array_append_new(a, random_value(depth + 1));
		return a;
	}
	default: {
		json_t *o = json_object();
		for (size_t i = next() % 5; i > 0; i--) {
			json_t *k = random_string();
			json_object_set_new(o, json_string_value(k), random_value(depth + 1));
			json_decref(k);
		}
		return o;
	}
	}
}

static void
test_random_documents(void **state)
{
	(void)state;
	for (int i = 0; i < 20000; i++)
		same_as_jansson(random_value(0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_bad_key_refused),
		cmocka_unit_test(test_every_ascii_byte),
		cmocka_unit_test(test_many_reals),
		cmocka_unit_test(test_random_documents),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
