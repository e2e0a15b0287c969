/* The decision engine's edges: inconsistent input is refused (by the
 * packet and by the contributions alike), the names and the reason
 * registry, the policy's JSON form, and README.md naming every code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>
#include "base/arena.h"
#include "decision_fixture.h"

#define TWO "r1:coding:req r2:design:req"
#define ALICE_SY "r1 lead alice strong_yes correctness=4 clarity=4 testing=4"

/* A bad input: the fixture, then a change, and a part of the error. */
struct bad_case {
	const char *name, *rounds, *cards, *stats;
	void (*spoil)(struct fixture *);
	const char *error;
};

/* Spoilers: each breaks one thing of a valid fixture. */
static void spoil_round(struct fixture *f) { f->cards[0].round_id = "r9"; }
static void spoil_kind(struct fixture *f) { f->cards[0].round_kind = "design"; }
static void spoil_required(struct fixture *f) { f->cards[0].round_required = false; }
static void spoil_rubric(struct fixture *f) { f->cards[0].rubric_version = 2; }
static void spoil_round_id(struct fixture *f) { f->rounds[1].id = "r1"; }
static void spoil_role(struct fixture *f) { f->cards[0].role = 0; }
static void spoil_policy(struct fixture *f) { f->policy.hire_threshold = 9; }
static void spoil_rubric_twice(struct fixture *f) { f->rubrics[1] = f->rubrics[0]; }

static const struct bad_case bad_cases[] = {
	{"rating outside 1..4", TWO, "r1 lead alice yes correctness=5", NULL, NULL, "outside 1..4"},
	{"rating 0", TWO, "r1 lead alice yes correctness=0", NULL, NULL, "outside 1..4"},
	{"unknown criterion", TWO, "r1 lead alice yes scoping=3", NULL, NULL, "no such criterion"},
	{"unknown red flag", TWO, "r1 lead alice yes !vague", NULL, NULL, "no such red flag"},
	{"criterion rated twice", TWO, "r1 lead alice yes clarity=3 clarity=4", NULL, NULL,
	 "rated twice"},
	{"red flag raised twice", TWO, "r1 lead alice yes !messy !messy", NULL, NULL, "raised twice"},
	{"scorecard given twice", TWO, "r1 lead alice yes; r1 lead alice no", NULL, NULL,
	 "given twice"},
	{"stats given twice", TWO, ALICE_SY, "alice:1:0 alice:2:0", NULL, "given twice"},
	{"negative history", TWO, ALICE_SY, "alice:-1:0", NULL, "n >= 0"},
	{"unknown round", TWO, ALICE_SY, NULL, spoil_round, "not in the loop"},
	{"kind disagrees with the round", TWO, ALICE_SY, NULL, spoil_kind, "disagrees"},
	{"required disagrees with the round", TWO, ALICE_SY, NULL, spoil_required, "disagrees"},
	{"rubric version not given", TWO, ALICE_SY, NULL, spoil_rubric, "not given"},
	{"round given twice", TWO, ALICE_SY, NULL, spoil_round_id, "given twice"},
	{"unknown role", TWO, ALICE_SY, NULL, spoil_role, "role"},
	{"invalid policy", TWO, ALICE_SY, NULL, spoil_policy, "policy is invalid"},
	{"rubric given twice", TWO, ALICE_SY, NULL, spoil_rubric_twice, "given twice"},
};

static void
test_bad_input_is_refused(void **state)
{
	for (size_t i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++) {
		const struct bad_case *c = &bad_cases[i];
		struct arena *a = arena_create();
		struct fixture f;
		fix_load(&f, a, c->rounds, c->cards, c->stats, NULL);
		if (c->spoil)
			c->spoil(&f);
		struct decision_packet p;
		struct decision_interviewer_stats *v;
		size_t n;
		const char *e1 = NULL, *e2 = NULL;
		bool built = decision_build(a, &f.in, &f.policy, &p, &e1);
		bool gave = c->spoil == spoil_policy ? false
			: decision_contributions(a, &f.in, &v, &n, &e2);
		if (built || gave || !e1 || !strstr(e1, c->error) ||
		    (c->spoil != spoil_policy && (!e2 || strcmp(e1, e2))))
			fail_msg("%s: built=%d error=%s / %s", c->name, built, e1 ? e1 : "-",
				 e2 ? e2 : "-");
		arena_destroy(a);
	}
}

static void
test_names_round_trip(void **state)
{
	for (int r = 1; decision_role_name(r); r++)
		assert_int_equal(decision_role_from_name(decision_role_name(r)), r);
	for (int v = 1; decision_vote_name(v); v++)
		assert_int_equal(decision_vote_from_name(decision_vote_name(v)), v);
	for (int s = 1; decision_round_status_name(s); s++)
		assert_int_equal(decision_round_status_from_name(decision_round_status_name(s)), s);
	assert_int_equal(decision_role_from_name("owner"), 0);
	assert_int_equal(decision_vote_from_name(NULL), 0);
	assert_null(decision_vote_name(5));
	assert_null(decision_outcome_name(0));
	assert_string_equal(decision_outcome_name(DECISION_NEEDS_DEBRIEF), "needs_debrief");
	assert_string_equal(decision_ref_type_name(DECISION_REF_RED_FLAG), "red_flag");
	assert_null(decision_reason_name(DECISION_R_COUNT));
}

/* Every code is named once, explained, and leads to what its class says. */
static void
test_reason_registry(void **state)
{
	static const enum decision_outcome by_class[] = {
		[DECISION_CLASS_COVERAGE] = DECISION_INCOMPLETE, [DECISION_CLASS_BLOCK] = DECISION_NO_HIRE,
		[DECISION_CLASS_SPLIT] = DECISION_NEEDS_DEBRIEF, [DECISION_CLASS_NOTE] = 0};
	enum decision_class last = DECISION_CLASS_COVERAGE;
	for (int c = 0; c < DECISION_R_COUNT; c++) {
		const char *name = decision_reason_name(c);
		enum decision_class cls = decision_reason_class(c);
		assert_non_null(name);
		assert_true(strlen(decision_reason_meaning(c)) > 20);
		assert_non_null(decision_class_name(cls));
		assert_true(cls >= last);	/* listed in precedence order */
		last = cls;
		if (cls == DECISION_CLASS_SCORE)
			assert_true(decision_reason_outcome(c) == DECISION_HIRE ||
				    decision_reason_outcome(c) == DECISION_NO_HIRE);
		else
			assert_int_equal(decision_reason_outcome(c), by_class[cls]);
		for (int d = 0; d < c; d++)
			assert_string_not_equal(decision_reason_name(d), name);
	}
}

/* README.md ("Reason codes") has a table row for every reason code. */
static void
test_every_code_documented(void **state)
{
	const char *root = getenv("LOOP_SOURCE_DIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/README.md", root && *root ? root : ".");
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot read %s (set LOOP_SOURCE_DIR)", path);
	static char text[1 << 18];
	size_t n = fread(text, 1, sizeof text - 1, f);
	bool whole = n < sizeof text - 1 || fgetc(f) == EOF;
	text[n] = '\0';
	fclose(f);
	if (!whole)
		fail_msg("%s is larger than the %zu bytes this test reads", path, sizeof text - 1);
	for (int c = 0; c < DECISION_R_COUNT; c++) {
		char row[128];
		snprintf(row, sizeof row, "| `%s` |", decision_reason_name(c));
		if (!strstr(text, row))
			fail_msg("README.md has no row for %s", decision_reason_name(c));
	}
}

static void
test_policy_json_round_trip(void **state)
{
	struct arena *a = arena_create();
	struct decision_policy p = decision_policy_defaults(), q;
	assert_true(p.hire_threshold == 3.0 && p.max_split == 1 && p.shrinkage_k == 5.0);
	assert_true(!p.count_shadows && p.critical_flag_blocks && p.bar_raiser_no_blocks);
	json_t *j = decision_policy_to_json(&p);
	assert_true(decision_policy_from_json(a, j, &q, NULL));
	json_t *k = decision_policy_to_json(&q);
	assert_true(json_equal(j, k));
	json_decref(j);
	json_decref(k);
	const char *text = "{'round_weights': {'system_design': 2, 'behavioral': 0.5},"
			   " 'count_shadows': true, 'hire_threshold': 2.75}";
	j = json_loads(fix_dq(a, text), 0, NULL);
	assert_true(decision_policy_from_json(a, j, &p, NULL));
	assert_int_equal(p.n_round_weights, 2);
	assert_string_equal(p.round_weights[0].kind, "behavioral");	/* sorted */
	k = decision_policy_to_json(&p);
	char *s = json_dumps(k, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, fix_dq(a, "{'bar_raiser_no_blocks':true,'count_shadows':true,"
		"'critical_flag_blocks':true,'hire_threshold':2.75,'max_split':1,'round_weights':"
		"{'behavioral':0.5,'system_design':2.0},'shrinkage_k':5.0}"));
	free(s);
	json_decref(j);
	json_decref(k);
	arena_destroy(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_input_is_refused),
		cmocka_unit_test(test_names_round_trip),
		cmocka_unit_test(test_reason_registry),
		cmocka_unit_test(test_every_code_documented),
		cmocka_unit_test(test_policy_json_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
