/* The parsed rubric cache of the decision packet (api/rubric_cache.c):
 * served by id to the org that owns the version (any org: the catalogue's),
 * never after a reset, nothing cached while bypassed or after a reset that
 * raced the fill, and a held rubric outliving its eviction. */
#include "tests/unit/rubric_fixture.h"
#include "api/rubric_cache.h"

#define ID "0b6f3c2e-0000-4000-8000-000000000001"
#define ORG_A "0b6f3c2e-0000-4000-8000-00000000000a"
#define ORG_B "0b6f3c2e-0000-4000-8000-00000000000b"

/* valid_text with real quotes (malloc'd). */
static char *
document(void)
{
	json_t *doc = load(valid_text);
	char *s = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	return s;
}

static int
usable(void **state)
{
	(void)state;
	api_rubric_cache_reset(true);
	return 0;
}

/* Fills the cache with id (owned by owner) through a throw-away arena. */
static void
fill(const char *id, const char *owner)
{
	struct arena *a = arena_create();
	uint64_t seen;
	assert_null(api_rubric_cache_get(a, owner ? owner : ORG_A, id, &seen));
	char *doc = document();
	const struct rubric *r = api_rubric_cache_put(a, seen, id, owner, doc);
	free(doc);
	assert_non_null(r);
	assert_string_equal(r->key, "system_design");
	arena_destroy(a);
}

static void
test_catalogue_version_serves_every_org(void **state)
{
	(void)state;
	fill(ID, NULL);
	struct arena *a = arena_create();
	uint64_t seen;
	const struct rubric *r = api_rubric_cache_get(a, ORG_B, ID, &seen);
	assert_non_null(r);
	assert_int_equal(r->version, 3);
	assert_int_equal(r->n_criteria, 2);
	assert_non_null(api_rubric_cache_get(a, ORG_A, ID, &seen));
	arena_destroy(a);
}

static void
test_org_version_serves_only_its_org(void **state)
{
	(void)state;
	fill(ID, ORG_A);
	struct arena *a = arena_create();
	uint64_t seen;
	assert_non_null(api_rubric_cache_get(a, ORG_A, ID, &seen));
	assert_null(api_rubric_cache_get(a, ORG_B, ID, &seen));
	arena_destroy(a);
}

static void
test_reset_empties_and_bypass_keeps_nothing(void **state)
{
	(void)state;
	fill(ID, NULL);
	api_rubric_cache_reset(true);
	struct arena *a = arena_create();
	uint64_t seen;
	assert_null(api_rubric_cache_get(a, ORG_A, ID, &seen));
	api_rubric_cache_reset(false);
	char *doc = document();
	assert_non_null(api_rubric_cache_put(a, seen, ID, NULL, doc));	/* parsed, not kept */
	api_rubric_cache_reset(true);
	assert_null(api_rubric_cache_get(a, ORG_A, ID, &seen));
	free(doc);
	arena_destroy(a);
}

static void
test_fill_racing_a_reset_is_not_kept(void **state)
{
	(void)state;
	struct arena *a = arena_create();
	uint64_t seen;
	assert_null(api_rubric_cache_get(a, ORG_A, ID, &seen));
	api_rubric_cache_reset(true);	/* a publish notified while we read the row */
	char *doc = document();
	assert_non_null(api_rubric_cache_put(a, seen, ID, NULL, doc));
	free(doc);
	assert_null(api_rubric_cache_get(a, ORG_A, ID, &seen));
	arena_destroy(a);
}

static void
test_held_rubric_outlives_a_reset(void **state)
{
	(void)state;
	fill(ID, NULL);
	struct arena *a = arena_create();
	uint64_t seen;
	const struct rubric *r = api_rubric_cache_get(a, ORG_A, ID, &seen);
	assert_non_null(r);
	api_rubric_cache_reset(true);
	assert_string_equal(r->criteria[1].anchors[3], "Quantifies options.");	/* still alive */
	arena_destroy(a);
}

static void
test_unparsable_document_is_refused(void **state)
{
	(void)state;
	struct arena *a = arena_create();
	uint64_t seen;
	assert_null(api_rubric_cache_get(a, ORG_A, ID, &seen));
	assert_null(api_rubric_cache_put(a, seen, ID, NULL, "{\"key\": 1}"));
	assert_null(api_rubric_cache_put(a, seen, ID, NULL, "not json"));
	assert_null(api_rubric_cache_get(a, ORG_A, ID, &seen));
	arena_destroy(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_catalogue_version_serves_every_org, usable),
		cmocka_unit_test_setup(test_org_version_serves_only_its_org, usable),
		cmocka_unit_test_setup(test_reset_empties_and_bypass_keeps_nothing, usable),
		cmocka_unit_test_setup(test_fill_racing_a_reset_is_not_kept, usable),
		cmocka_unit_test_setup(test_held_rubric_outlives_a_reset, usable),
		cmocka_unit_test_setup(test_unparsable_document_is_refused, usable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
