/* The candidate experience question sets: the shipped one validates and
 * asks about each red flag of its seed section; bad sets are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "base/arena.h"
#include "rubrics/survey.h"

static void
test_shipped_questions_cite_the_seed(void **state)
{
	struct arena *a = arena_create();
	struct survey_questions qs;
	char *why = NULL;
	if (!survey_load(a, 0, &qs, &why))
		fail_msg("%s", why);
	assert_int_equal(qs.version, 1);
	assert_int_equal(qs.n_questions, 6);
	for (size_t i = 0; i < qs.n_questions; i++) {
		assert_string_equal(qs.questions[i].source.document, "003_d95efa6b9180d125.txt");
		assert_string_equal(qs.questions[i].source.section,
				    arena_printf(a, "Red Flags to Watch For > %zu", i + 1));
	}
	assert_non_null(survey_question(&qs, "outage_discussed"));
	assert_null(survey_question(&qs, "nope"));
	arena_destroy(a);
}

#define DOC(questions) \
	"{\"key\": \"candidate_experience\", \"version\": 1, \"title\": \"T\", \"intro\": \"I\"," \
	" \"questions\": [" questions "], \"rating\": {\"text\": \"R\", \"min\": 1, \"max\": 5}," \
	" \"comment\": {\"text\": \"C\", \"max_length\": 10}}"
#define Q(key, flag) \
	"{\"key\": \"" key "\", \"text\": \"t\", \"red_flag_answer\": \"" flag "\"," \
	" \"source\": {\"document\": \"d\", \"section\": \"s\"}}"

static bool
parses(const char *doc)
{
	struct arena *a = arena_create();
	struct embedded_file files[] = {
		{"rubrics/surveys/candidate_experience.v1.json", doc, strlen(doc)}, {0, 0, 0}};
	struct survey_questions qs;
	char *why = NULL;
	bool ok = survey_parse(a, files, 1, &qs, &why);
	arena_destroy(a);
	return ok;
}

static void
test_bad_question_sets_are_refused(void **state)
{
	assert_true(parses(DOC(Q("a", "no") "," Q("b", "yes"))));
	assert_false(parses(DOC(Q("a", "no") "," Q("a", "no"))));	/* a repeated key */
	assert_false(parses(DOC(Q("a", "maybe"))));			/* not yes or no */
	assert_false(parses(DOC(Q("A b", "no"))));			/* not a key */
	assert_false(parses(DOC("")));					/* no question */
	assert_false(parses("{"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_questions_cite_the_seed),
		cmocka_unit_test(test_bad_question_sets_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
