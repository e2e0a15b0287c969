/* Trusted proxies: CIDR ranges (api_net_range_parse/contains), the
 * LOOP_TRUSTED_PROXIES list, and the client X-Forwarded-For names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include "api/proxy.h"

static struct api_net_addr
addr(const char *text)
{
	struct api_net_addr a;
	assert_true(api_net_addr_parse(text, strlen(text), &a));
	return a;
}

static bool
in_range(const char *range, const char *a)
{
	struct api_net_range r;
	assert_true(api_net_range_parse(range, strlen(range), &r));
	struct api_net_addr x = addr(a);
	return api_net_range_contains(&r, &x);
}

static bool
range_ok(const char *text)
{
	struct api_net_range r;
	return api_net_range_parse(text, strlen(text), &r);
}

/* The client's address, as text, for a peer, a list and a header. */
static const char *
client(const char *list, const char *peer, const char *xff)
{
	static char buf[INET6_ADDRSTRLEN];
	struct api_proxy_list l;
	assert_true(api_proxy_list_parse(list, &l));
	struct api_net_addr p = addr(peer);
	struct api_net_addr c = api_proxy_client(&l, &p, xff);
	inet_ntop(c.family, c.bytes, buf, sizeof buf);
	return buf;
}

static void
test_ranges_match_by_prefix(void **state)
{
	assert_true(in_range("10.0.0.0/8", "10.255.1.2"));
	assert_false(in_range("10.0.0.0/8", "11.0.0.1"));
	assert_true(in_range("192.168.4.0/22", "192.168.7.255"));
	assert_false(in_range("192.168.4.0/22", "192.168.8.0"));
	assert_true(in_range("127.0.0.1", "127.0.0.1"));
	assert_false(in_range("127.0.0.1", "127.0.0.2"));
	assert_true(in_range("0.0.0.0/0", "203.0.113.9"));
	assert_true(in_range("2001:db8::/32", "2001:db8:ffff::1"));
	assert_false(in_range("2001:db8::/32", "2001:db9::1"));
	assert_true(in_range("fd00::/7", "fdff::1"));
	assert_false(in_range("fd00::/7", "fe00::1"));
	assert_true(in_range("::1", "::1"));
	/* families never match each other; a mapped address is its IPv4 one */
	assert_false(in_range("::/0", "1.2.3.4"));
	assert_false(in_range("0.0.0.0/0", "::1"));
	assert_true(in_range("127.0.0.0/8", "::ffff:127.0.0.1"));
	assert_true(in_range("::ffff:10.0.0.0/104", "10.9.9.9"));
	assert_false(in_range("::ffff:10.0.0.0/104", "11.9.9.9"));
	/* host bits past the prefix are ignored */
	assert_true(in_range("10.1.2.3/8", "10.200.0.1"));
}

static void
test_bad_ranges_are_refused(void **state)
{
	static const char *const bad[] = {
		"", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8/8",
		"10.0.0.0/ 8", "10.0.0", "10.0.0.256", "010.0.0.1x", "localhost", "::1/129",
		"[::1]", "1.2.3.4:80", "::ffff:1.2.3.4/95", "2001:db8::/0032", " 10.0.0.1",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(range_ok(bad[i]));
	assert_true(range_ok("::/0"));
	assert_true(range_ok("::1/128"));
}

static void
test_lists(void **state)
{
	struct api_proxy_list l;
	assert_true(api_proxy_list_parse("", &l));
	assert_int_equal(l.n, 0);
	assert_true(api_proxy_list_parse("  ", &l));
	assert_int_equal(l.n, 0);
	assert_true(api_proxy_list_parse("10.0.0.0/8, ::1 ,192.0.2.7", &l));
	assert_int_equal(l.n, 3);
	struct api_net_addr a = addr("192.0.2.7");
	assert_true(api_proxy_list_contains(&l, &a));
	a = addr("192.0.2.8");
	assert_false(api_proxy_list_contains(&l, &a));
	assert_false(api_proxy_list_parse("10.0.0.0/8,", &l));
	assert_false(api_proxy_list_parse(",10.0.0.0/8", &l));
	assert_false(api_proxy_list_parse("10.0.0.0/8,,::1", &l));
	assert_false(api_proxy_list_parse("10.0.0.0/8 ::1", &l));
	assert_false(api_proxy_list_parse("proxy.internal", &l));
	char many[API_PROXY_MAX * 12 + 16] = "";
	for (int i = 0; i <= API_PROXY_MAX; i++)
		snprintf(many + strlen(many), sizeof many - strlen(many), "%s10.0.%d.1",
			 i ? "," : "", i);
	assert_false(api_proxy_list_parse(many, &l));
}

static void
test_the_client_is_the_rightmost_untrusted_address(void **state)
{
	/* an untrusted peer's header is ignored */
	assert_string_equal(client("", "127.0.0.1", "203.0.113.9"), "127.0.0.1");
	assert_string_equal(client("10.0.0.0/8", "127.0.0.1", "203.0.113.9"), "127.0.0.1");
	/* a trusted peer: the header's right-most untrusted address */
	assert_string_equal(client("127.0.0.1", "127.0.0.1", "203.0.113.9"), "203.0.113.9");
	assert_string_equal(client("127.0.0.1", "127.0.0.1", "1.2.3.4, 127.0.0.1"), "1.2.3.4");
	assert_string_equal(client("127.0.0.1,10.0.0.0/8", "127.0.0.1",
				   "6.6.6.6, 1.2.3.4, 10.1.1.1"), "1.2.3.4");
	assert_string_equal(client("127.0.0.1", "127.0.0.1", "\t2001:db8::7 "), "2001:db8::7");
	/* all trusted: the left-most */
	assert_string_equal(client("10.0.0.0/8,127.0.0.1", "127.0.0.1", "10.0.0.2, 10.0.0.3"),
			    "10.0.0.2");
	/* no header, or a malformed one: the peer */
	assert_string_equal(client("127.0.0.1", "127.0.0.1", NULL), "127.0.0.1");
	static const char *const bad[] = {
		"", " ", "unknown", "1.2.3.4,", ",1.2.3.4", "1.2.3.4,,5.6.7.8", "1.2.3.4:5678",
		"[2001:db8::1]", "1.2.3.4 5.6.7.8", "1.2.3.4, garbage", "for=1.2.3.4",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_string_equal(client("127.0.0.1", "127.0.0.1", bad[i]), "127.0.0.1");
	/* a mapped peer is trusted as its IPv4 address */
	assert_string_equal(client("127.0.0.1", "::ffff:127.0.0.1", "198.51.100.7"),
			    "198.51.100.7");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ranges_match_by_prefix),
		cmocka_unit_test(test_bad_ranges_are_refused),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_the_client_is_the_rightmost_untrusted_address),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
