#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include "auth/scope.h"

static const char *const all_scopes =
	"candidates:read candidates:write loops:read loops:write scorecards:write "
	"decisions:read decisions:write rubrics:write audit:read users:admin webhooks:admin";

static int
setup(void **state)
{
	*state = arena_create();
	return 0;
}

static int
teardown(void **state)
{
	arena_destroy(*state);
	return 0;
}

/* Every scope parses and formats back to the canonical list. */
static void
test_parse_format_round_trip(void **state)
{
	struct arena *a = *state;
	unsigned mask;
	char *bad = (char *)"unset";

	assert_true(auth_scope_parse(a, all_scopes, &mask, &bad));
	assert_null(bad);
	assert_int_equal(mask, AUTH_SCOPE_ALL);
	assert_string_equal(auth_scope_format(a, mask), all_scopes);

	/* Order, duplicates and extra spaces do not matter; output is canonical. */
	assert_true(auth_scope_parse(a, " loops:read  candidates:read loops:read ", &mask, NULL));
	assert_int_equal(mask, AUTH_SCOPE_LOOPS_READ | AUTH_SCOPE_CANDIDATES_READ);
	assert_string_equal(auth_scope_format(a, mask), "candidates:read loops:read");

	assert_true(auth_scope_parse(a, "", &mask, NULL));
	assert_int_equal(mask, 0);
	assert_true(auth_scope_parse(a, NULL, &mask, NULL));
	assert_int_equal(mask, 0);
	assert_string_equal(auth_scope_format(a, 0), "");

	for (unsigned bit = 1; bit & AUTH_SCOPE_ALL; bit <<= 1) {
		const char *name = auth_scope_name(bit);
		assert_non_null(name);
		assert_int_equal(auth_scope_from_name(name), bit);
	}
	assert_null(auth_scope_name(AUTH_SCOPE_LOOPS_READ | AUTH_SCOPE_LOOPS_WRITE));
	assert_null(auth_scope_name(0));
}

/* An unknown scope fails the whole parse and is reported. */
static void
test_unknown_scope(void **state)
{
	struct arena *a = *state;
	unsigned mask = 123;
	char *bad = NULL;

	assert_false(auth_scope_parse(a, "loops:read loops:delete candidates:read", &mask, &bad));
	assert_string_equal(bad, "loops:delete");
	assert_int_equal(mask, 0);

	assert_false(auth_scope_parse(a, "LOOPS:READ", &mask, &bad));
	assert_string_equal(bad, "LOOPS:READ");
	assert_false(auth_scope_parse(a, "loops:read\tloops:write", &mask, &bad));
	assert_string_equal(bad, "loops:read\tloops:write");
	assert_false(auth_scope_parse(a, "loops:readx", &mask, &bad));
	assert_string_equal(bad, "loops:readx");
	assert_int_equal(auth_scope_from_name("loops:rea"), 0);
	assert_int_equal(auth_scope_from_name(NULL), 0);
}

/* requested & allowed; empty request means everything allowed; empty result fails. */
static void
test_intersection_rules(void **state)
{
	unsigned granted;
	unsigned allowed = AUTH_SCOPE_CANDIDATES_READ | AUTH_SCOPE_LOOPS_READ;

	assert_int_equal(auth_scope_intersect(AUTH_SCOPE_ALL, allowed), allowed);
	assert_int_equal(auth_scope_intersect(AUTH_SCOPE_USERS_ADMIN, allowed), 0);

	assert_true(auth_scope_grant(0, allowed, &granted));
	assert_int_equal(granted, allowed);

	assert_true(auth_scope_grant(AUTH_SCOPE_LOOPS_READ | AUTH_SCOPE_USERS_ADMIN, allowed,
				     &granted));
	assert_int_equal(granted, AUTH_SCOPE_LOOPS_READ);

	assert_false(auth_scope_grant(AUTH_SCOPE_USERS_ADMIN, allowed, &granted));
	assert_int_equal(granted, 0);

	assert_false(auth_scope_grant(0, 0, &granted));
	assert_int_equal(granted, 0);

	/* Bits beyond the known scopes are never granted. */
	assert_true(auth_scope_grant(0, ~0u, &granted));
	assert_int_equal(granted, AUTH_SCOPE_ALL);
}

/* The policy table, role by role. */
static void
test_role_table(void **state)
{
	unsigned admin = auth_scopes_for_roles(AUTH_ROLE_ADMIN);
	unsigned recruiter = auth_scopes_for_roles(AUTH_ROLE_RECRUITER);
	unsigned interviewer = auth_scopes_for_roles(AUTH_ROLE_INTERVIEWER);
	unsigned hm = auth_scopes_for_roles(AUTH_ROLE_HIRING_MANAGER);
	unsigned granted;

	assert_int_equal(admin, AUTH_SCOPE_ALL);
	assert_true(admin & AUTH_SCOPE_USERS_ADMIN);
	assert_true(admin & AUTH_SCOPE_WEBHOOKS_ADMIN);
	assert_int_equal(auth_scope_from_name("webhooks:admin"), AUTH_SCOPE_WEBHOOKS_ADMIN);
	assert_true(auth_scope_grant(AUTH_SCOPE_USERS_ADMIN, admin, &granted));

	assert_false(interviewer & AUTH_SCOPE_DECISIONS_WRITE);
	assert_false(interviewer & AUTH_SCOPE_DECISIONS_READ);
	assert_false(auth_scope_grant(AUTH_SCOPE_DECISIONS_WRITE, interviewer, &granted));
	assert_int_equal(interviewer, AUTH_SCOPE_CANDIDATES_READ | AUTH_SCOPE_LOOPS_READ |
					      AUTH_SCOPE_SCORECARDS_WRITE);

	assert_false(recruiter & AUTH_SCOPE_SCORECARDS_WRITE);
	assert_false(recruiter & AUTH_SCOPE_DECISIONS_WRITE);
	assert_false(recruiter & AUTH_SCOPE_USERS_ADMIN);
	assert_true(recruiter & AUTH_SCOPE_DECISIONS_READ);
	assert_true(recruiter & AUTH_SCOPE_LOOPS_WRITE);

	assert_true(hm & AUTH_SCOPE_DECISIONS_WRITE);
	assert_true(hm & AUTH_SCOPE_DECISIONS_READ);
	assert_false(hm & AUTH_SCOPE_SCORECARDS_WRITE);
	assert_false(hm & AUTH_SCOPE_LOOPS_WRITE);

	/* Nobody but admin gets the admin-only scopes. */
	unsigned others = recruiter | interviewer | hm;
	assert_int_equal(others & (AUTH_SCOPE_USERS_ADMIN | AUTH_SCOPE_AUDIT_READ |
				   AUTH_SCOPE_RUBRICS_WRITE | AUTH_SCOPE_WEBHOOKS_ADMIN), 0);

	/* Several roles: the union. */
	assert_int_equal(auth_scopes_for_roles(AUTH_ROLE_INTERVIEWER | AUTH_ROLE_HIRING_MANAGER),
			 interviewer | hm);
	assert_int_equal(auth_scopes_for_roles(0), 0);
}

/* Roles parse and format like scopes; an unknown role is reported. */
static void
test_roles_parse_format(void **state)
{
	struct arena *a = *state;
	unsigned mask;
	char *bad = NULL;

	assert_true(auth_roles_parse(a, "hiring_manager interviewer", &mask, &bad));
	assert_int_equal(mask, AUTH_ROLE_HIRING_MANAGER | AUTH_ROLE_INTERVIEWER);
	assert_string_equal(auth_roles_format(a, mask), "interviewer hiring_manager");
	assert_string_equal(auth_roles_format(a, AUTH_ROLE_ALL),
			    "admin recruiter interviewer hiring_manager");

	assert_false(auth_roles_parse(a, "admin superuser", &mask, &bad));
	assert_string_equal(bad, "superuser");
	assert_int_equal(auth_role_from_name("Admin"), 0);
	assert_int_equal(auth_role_from_name("recruiter"), AUTH_ROLE_RECRUITER);
	assert_string_equal(auth_role_name(AUTH_ROLE_HIRING_MANAGER), "hiring_manager");
	assert_null(auth_role_name(AUTH_ROLE_ADMIN | AUTH_ROLE_RECRUITER));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_parse_format_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_scope, setup, teardown),
		cmocka_unit_test_setup_teardown(test_intersection_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_role_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roles_parse_format, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
