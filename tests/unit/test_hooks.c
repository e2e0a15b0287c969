/* hooks/: which receiver addresses are refused (the SSRF rule, checked at
 * creation and before every attempt) and the Standard Webhooks signature. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <string.h>
#include "hooks/address.h"
#include "hooks/hooks.h"

/* Whether the numeric address text is refused. */
static bool
inward(const char *text)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, text, &v4->sin_addr) == 1)
		v4->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, text, &v6->sin6_addr) == 1)
		v6->sin6_family = AF_INET6;
	else
		fail_msg("not an address: %s", text);
	return hooks_address_inward((struct sockaddr *)&ss);
}

static void
test_inward_addresses(void **state)
{
	const char *refused[] = {"127.0.0.1", "127.255.0.9", "10.0.0.1", "172.16.0.1",
		"172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
		"224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1", "fd12::1",
		"ff02::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", NULL};
	const char *allowed[] = {"8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1",
		"169.255.0.1", "2606:4700::1111", "::ffff:8.8.8.8", NULL};
	for (const char **a = refused; *a; a++)
		assert_true(inward(*a));
	for (const char **a = allowed; *a; a++)
		assert_false(inward(*a));
}

/* Numeric hosts: no DNS needed. */
static void
test_url_verdicts(void **state)
{
	assert_int_equal(hooks_url_check("https://8.8.8.8/hook", false), HOOKS_URL_OK);
	assert_int_equal(hooks_url_check("https://127.0.0.1/hook", false), HOOKS_URL_INWARD);
	assert_int_equal(hooks_url_check("https://169.254.169.254/latest", false), HOOKS_URL_INWARD);
	assert_int_equal(hooks_url_check("https://[::1]:8443/", false), HOOKS_URL_INWARD);
	assert_int_equal(hooks_url_check("https://0x7f000001/", false), HOOKS_URL_INWARD);
	assert_int_equal(hooks_url_check("http://8.8.8.8/hook", false), HOOKS_URL_INSECURE);
	assert_int_equal(hooks_url_check("ftp://8.8.8.8/", false), HOOKS_URL_MALFORMED);
	assert_int_equal(hooks_url_check("not a url", false), HOOKS_URL_MALFORMED);
	assert_int_equal(hooks_url_check("http://127.0.0.1:9/x", true), HOOKS_URL_OK);
}

/* The test vector of the Standard Webhooks libraries. */
static void
test_signature(void **state)
{
	struct arena *a = arena_create();
	assert_string_equal(hooks_sign(a, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
				       "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330",
				       "{\"test\": 2432232314}"),
			    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	assert_null(hooks_sign(a, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "m", "1", "{}"));
	char *s = hooks_secret_new(a);
	assert_int_equal(strlen(s), strlen("whsec_") + 32);
	assert_string_not_equal(s, hooks_secret_new(a));
	arena_destroy(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inward_addresses),
		cmocka_unit_test(test_url_verdicts),
		cmocka_unit_test(test_signature),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
