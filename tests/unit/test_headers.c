/* The request headers loopd parses itself: If-Match, If-None-Match,
 * Idempotency-Key and the Authorization scheme. Regression inputs from
 * tests/fuzz/fuzz_headers.c live here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "api/authn.h"
#include "api/common.h"
#include "api/idempotency.h"
#include "tests/fuzz/fake_request.h"

/* The status api_if_match_or_reply queues for value (0: accepted, with
 * *version set). */
static int
if_match(const char *value, bool required, int *version)
{
	struct api_request rq = {.arena = arena_create(), .path = "/v1/rounds/x"};
	fake_reset();
	if (value)
		fake_add(fake_headers, &fake_nheaders, "If-Match", value);
	int status = api_if_match_or_reply(&rq, required, version) ? 0 : rq.resp.status;
	arena_destroy(rq.arena);
	return status;
}

static void
test_if_match_takes_the_strong_etag_or_star(void **state)
{
	int v;
	assert_int_equal(if_match("\"3\"", true, &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(if_match("  \"2147483647\"", true, &v), 0);
	assert_int_equal(v, 2147483647);
	assert_int_equal(if_match("*", true, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(if_match(NULL, false, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(if_match(NULL, true, &v), 428);
}

/* Found by fuzz_headers: "+3", " 3" and "03" were read as version 3, so a
 * write conditioned on an ETag loopd never sent went through. */
static void
test_if_match_refuses_what_only_looks_like_the_etag(void **state)
{
	static const char *const refused[] = {
		"\"+3\"", "\" 3\"", "\"03\"", "\"-3\"", "\"0\"", "\"3", "3", "W/\"3\"",
		"\"3\" ", "\"3\", \"4\"", "\"2147483648\"", "\"\"", "\"",
	};
	int v;
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
		assert_int_equal(if_match(refused[i], true, &v), 412);
}

/* If-None-Match: the reply's ETag, weakly compared, in a list, or "*". */
static void
test_if_none_match_lists(void **state)
{
	assert_true(api_etag_listed("\"7\"", "\"7\""));
	assert_true(api_etag_listed("W/\"7\"", "\"7\""));
	assert_true(api_etag_listed("\"1\", W/\"7\" ,\"9\"", "\"7\""));
	assert_true(api_etag_listed(" *", "\"7\""));
	assert_false(api_etag_listed("\"17\", \"70\"", "\"7\""));
	assert_false(api_etag_listed("", "\"7\""));
	assert_false(api_etag_listed("W/", "\"7\""));
}

static void
test_idempotency_key_is_visible_ascii(void **state)
{
	char long_key[257];
	memset(long_key, 'k', 256);
	long_key[256] = '\0';
	assert_false(api_idempotency_key_ok(long_key));
	long_key[255] = '\0';
	assert_true(api_idempotency_key_ok(long_key));
	assert_true(api_idempotency_key_ok("order-42/retry~1"));
	assert_false(api_idempotency_key_ok(""));
	assert_false(api_idempotency_key_ok("two words"));
	assert_false(api_idempotency_key_ok("tab\there"));
	assert_false(api_idempotency_key_ok("caf\xc3\xa9"));
}

static void
test_bearer_scheme(void **state)
{
	assert_string_equal(api_bearer_token("Bearer abc"), "abc");
	assert_string_equal(api_bearer_token("bearer   abc"), "abc");
	assert_string_equal(api_bearer_token("Bearer "), "");
	assert_null(api_bearer_token("Bearer"));
	assert_null(api_bearer_token("Basic dXNlcjpwYXNz"));
	assert_null(api_bearer_token("Bearer\tabc"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_if_match_takes_the_strong_etag_or_star),
		cmocka_unit_test(test_if_match_refuses_what_only_looks_like_the_etag),
		cmocka_unit_test(test_if_none_match_lists),
		cmocka_unit_test(test_idempotency_key_is_visible_ascii),
		cmocka_unit_test(test_bearer_scheme),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
