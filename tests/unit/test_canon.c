/* Canonical JSON must match Python's json.dumps(sort_keys=True,
 * separators=(",", ":"), ensure_ascii=False) byte for byte: README tells
 * auditors to re-verify the chain with exactly that. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>
#include "base/canon.h"

static void
expect(const char *json_in, const char *want)
{
	struct arena *a = arena_create();
	json_t *v = json_loads(json_in, JSON_DECODE_ANY, NULL);
	assert_non_null(v);
	assert_string_equal(canon_json(a, v), want);
	json_decref(v);
	arena_destroy(a);
}

/* Expected texts were produced by CPython 3.11's json.dumps. */
static void
test_reals_as_python_writes_them(void **state)
{
	expect("1e16", "1e+16");
	expect("1e15", "1000000000000000.0");
	expect("1e-5", "1e-05");
	expect("0.0001", "0.0001");
	expect("0.1", "0.1");
	expect("100.0", "100.0");
	expect("-0.5", "-0.5");
	expect("1.5e300", "1.5e+300");
	expect("123456789012345678.0", "1.2345678901234568e+17");
	expect("3.0e-7", "3e-07");
}

static void
test_keys_sorted_and_no_whitespace(void **state)
{
	expect("{ \"b\" : 1, \"a\" : [true, null, \"x\"] }", "{\"a\":[true,null,\"x\"],\"b\":1}");
}

static void
test_strings_escape_only_what_json_needs(void **state)
{
	expect("\"a\\\"b\\\\c\\n\\t\\u0001\\u00e9\\u2028/\"", "\"a\\\"b\\\\c\\n\\t\\u0001\xc3\xa9\xe2\x80\xa8/\"");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reals_as_python_writes_them),
		cmocka_unit_test(test_keys_sorted_and_no_whitespace),
		cmocka_unit_test(test_strings_escape_only_what_json_needs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
