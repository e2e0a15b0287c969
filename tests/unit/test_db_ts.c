/* db_ts: PostgreSQL's plain timestamptz text (DateStyle ISO, UTC) written
 * as the API serves times, what to_char with DB_TS's pattern wrote. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include "db/internal.h"

/* db_ts of a one-column result holding in (NULL: SQL NULL). */
static char *
ts_of(struct arena *a, const char *in)
{
	PGresult *r = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	PGresAttDesc col = {.name = "t", .typid = 1184, .typlen = 8, .atttypmod = -1};
	assert_int_equal(PQsetResultAttrs(r, 1, &col), 1);
	assert_int_equal(PQsetvalue(r, 0, 0, (char *)in, in ? (int)strlen(in) : -1), 1);
	char *out = db_ts(a, r, 0, 0);
	PQclear(r);
	return out;
}

static void
fraction_padded_to_six_digits(void **state)
{
	struct arena *a = *state;
	assert_string_equal(ts_of(a, "2026-12-02 14:06:42.202966+00"), "2026-12-02T14:06:42.202966Z");
	assert_string_equal(ts_of(a, "2026-12-02 14:06:42.5+00"), "2026-12-02T14:06:42.500000Z");
	assert_string_equal(ts_of(a, "2026-12-02 14:06:42.00012+00"), "2026-12-02T14:06:42.000120Z");
	assert_string_equal(ts_of(a, "2026-12-02 14:06:42+00"), "2026-12-02T14:06:42.000000Z");
}

static void
first_and_last_years_the_api_takes(void **state)
{
	struct arena *a = *state;
	assert_string_equal(ts_of(a, "0001-01-01 00:00:00+00"), "0001-01-01T00:00:00.000000Z");
	assert_string_equal(ts_of(a, "9999-12-31 23:59:59.999999+00"), "9999-12-31T23:59:59.999999Z");
}

static void
null_stays_null_and_anything_else_as_it_is(void **state)
{
	struct arena *a = *state;
	assert_null(ts_of(a, NULL));
	assert_string_equal(ts_of(a, "infinity"), "infinity");
	assert_string_equal(ts_of(a, "2026-12-02 14:06:42+01"), "2026-12-02 14:06:42+01");
	assert_string_equal(ts_of(a, "2026-12-02 14:06:42.5+05:30"), "2026-12-02 14:06:42.5+05:30");
	assert_string_equal(ts_of(a, "0044-03-15 12:00:00+00 BC"), "0044-03-15 12:00:00+00 BC");
	assert_string_equal(ts_of(a, ""), "");
}

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(fraction_padded_to_six_digits, setup, teardown),
		cmocka_unit_test_setup_teardown(first_and_last_years_the_api_takes, setup, teardown),
		cmocka_unit_test_setup_teardown(null_stays_null_and_anything_else_as_it_is, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
