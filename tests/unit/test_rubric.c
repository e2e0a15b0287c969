/* The rubric validator: structure, anchors, keys, weights, sources, questions. */
#include "tests/unit/rubric_fixture.h"

static void
test_valid_document_fills_structs(void **state)
{
	struct arena *a = arena_create();
	json_t *doc = load(valid_text), *errors = json_array();
	struct rubric r;
	assert_true(rubric_parse(a, doc, &r, errors));
	json_decref(doc);	/* nothing may borrow from it */
	assert_int_equal(json_array_size(errors), 0);
	assert_string_equal(r.key, "system_design");
	assert_int_equal(r.version, 3);
	assert_int_equal(r.duration_minutes, 60);
	assert_int_equal(r.n_criteria, 2);
	assert_string_equal(r.criteria[0].measures, "Scopes the problem.\n\tAsks.");
	assert_string_equal(r.criteria[1].anchors[3], "Quantifies options.");
	assert_true(r.criteria[1].weight == 1.5);
	assert_string_equal(r.criteria[0].source.section, "2.1 Requirements");
	assert_int_equal(r.red_flags[0].severity, RUBRIC_SEVERITY_MAJOR);
	assert_int_equal(r.questions[0].n_criteria, 2);
	assert_string_equal(r.questions[0].criteria[1], "trade_offs");
	assert_int_equal(r.notes[0].visibility, RUBRIC_VISIBLE_RECRUITERS_AND_HIRING_MANAGERS);
	json_decref(errors);
	arena_destroy(a);
}

static void
test_lookups(void **state)
{
	struct arena *a = arena_create();
	json_t *doc = load(valid_text);
	struct rubric r;
	assert_true(rubric_parse(a, doc, &r, NULL));
	assert_ptr_equal(rubric_criterion(&r, "trade_offs"), &r.criteria[1]);
	assert_null(rubric_criterion(&r, "no_questions"));
	assert_ptr_equal(rubric_red_flag(&r, "no_questions"), &r.red_flags[0]);
	assert_null(rubric_red_flag(&r, "requirements"));
	assert_ptr_equal(rubric_note(&r, "whiteboard"), &r.notes[0]);
	assert_int_equal(rubric_required_count(&r), 1);
	assert_true(rubric_weight_total(&r) == 3.5);
	assert_string_equal(rubric_severity_name(RUBRIC_SEVERITY_CRITICAL), "critical");
	json_decref(doc);
	arena_destroy(a);
}

/* Asserts text parses and rubric_to_json gives back an equal document. */
static void
round_trip(const char *text)
{
	struct arena *a = arena_create();
	json_t *doc = load(text);
	struct rubric r;
	assert_true(rubric_parse(a, doc, &r, NULL));
	json_t *back = rubric_to_json(&r);
	assert_non_null(back);
	if (!json_equal(doc, back))
		fail_msg("round trip differs:\n%s\n%s", rubric_canonical(a, doc),
			 rubric_canonical(a, back));
	json_decref(back);
	json_decref(doc);
	arena_destroy(a);
}

static void
test_round_trip_minimal(void **state)
{
	round_trip(minimal_text);
}

static void
test_round_trip_full(void **state)
{
	round_trip(valid_text);
}

static void
test_root_must_be_object(void **state)
{
	expect(json_array(), ":type");
	expect(json_string("rubric"), ":type");
	expect(NULL, ":type");
	expect(json_object(), "key:missing|version:missing|kind:missing|title:missing|"
			      "duration_minutes:missing|summary:missing|criteria:missing|"
			      "red_flags:missing|questions:missing|notes:missing");
}

static void
test_three_anchors(void **state)
{
	json_t *doc = load(valid_text);
	json_array_remove(json_object_get(item(doc, "criteria", 0), "anchors"), 3);
	expect(doc, "criteria[0].anchors:count");
}

static void
test_five_anchors(void **state)
{
	json_t *doc = load(valid_text);
	json_t *anchors = json_object_get(item(doc, "criteria", 1), "anchors");
	json_array_append(anchors, json_array_get(anchors, 3));
	expect(doc, "criteria[1].anchors:count");
}

static void
test_anchor_order(void **state)
{
	json_t *doc = load(valid_text);
	json_t *anchors = json_object_get(item(doc, "criteria", 0), "anchors");
	json_object_set_new(json_array_get(anchors, 2), "level", json_integer(4));
	json_object_set_new(json_array_get(anchors, 3), "level", json_integer(3));
	expect(doc, "criteria[0].anchors[2].level:order|criteria[0].anchors[3].level:order");
}

static void
test_anchor_level_range_and_description(void **state)
{
	json_t *doc = load(valid_text);
	json_t *anchors = json_object_get(item(doc, "criteria", 0), "anchors");
	json_object_set_new(json_array_get(anchors, 0), "level", json_integer(0));
	json_object_set_new(json_array_get(anchors, 3), "level", json_integer(5));
	json_object_set_new(json_array_get(anchors, 1), "description", json_string(""));
	json_object_set_new(json_array_get(anchors, 2), "description", repeat("x", 1001));
	expect(doc, "criteria[0].anchors[0].level:range|criteria[0].anchors[1].description:length|"
		    "criteria[0].anchors[2].description:length|criteria[0].anchors[3].level:range");
}

static void
test_anchor_not_object(void **state)
{
	json_t *doc = load(valid_text);
	json_array_set_new(json_object_get(item(doc, "criteria", 0), "anchors"), 1, json_integer(2));
	expect(doc, "criteria[0].anchors[1]:type");
}

static void
test_duplicate_criterion_key(void **state)
{
	json_t *doc = load(valid_text);
	expect(with(doc, item(doc, "criteria", 1), "key", json_string("requirements")),
	       "criteria[1].key:duplicate|questions[0].criteria[1]:unknown_criterion");
}

static void
test_duplicate_red_flag_key(void **state)
{
	json_t *doc = load(valid_text);
	json_t *flags = json_object_get(doc, "red_flags");
	json_array_append_new(flags, json_deep_copy(json_array_get(flags, 0)));
	expect(doc, "red_flags[1].key:duplicate");
}

static void
test_duplicate_note_key(void **state)
{
	json_t *doc = load(valid_text);
	json_t *notes = json_object_get(doc, "notes");
	json_array_append_new(notes, json_deep_copy(json_array_get(notes, 0)));
	expect(doc, "notes[1].key:duplicate");
}

static void
test_same_key_in_different_lists_is_fine(void **state)
{
	json_t *doc = load(valid_text);
	json_object_set_new(item(doc, "red_flags", 0), "key", json_string("requirements"));
	expect(with(doc, item(doc, "notes", 0), "key", json_string("requirements")), "");
}

static void
test_weight_zero(void **state)
{
	json_t *doc = load(valid_text);
	expect(with(doc, item(doc, "criteria", 0), "weight", json_integer(0)),
	       "criteria[0].weight:range");
}

static void
test_weight_negative(void **state)
{
	json_t *doc = load(valid_text);
	expect(with(doc, item(doc, "criteria", 1), "weight", json_integer(-1)),
	       "criteria[1].weight:range");
}

static void
test_weight_bounds(void **state)
{
	json_t *doc = load(valid_text);
	expect(with(doc, item(doc, "criteria", 0), "weight", json_real(100.5)),
	       "criteria[0].weight:range");
	doc = load(valid_text);
	expect(with(doc, item(doc, "criteria", 0), "weight", json_real(0.01)), "");
	doc = load(valid_text);
	expect(with(doc, item(doc, "criteria", 0), "weight", json_string("2")),
	       "criteria[0].weight:type");
}

static void
test_unknown_severity(void **state)
{
	json_t *doc = load(valid_text);
	expect(with(doc, item(doc, "red_flags", 0), "severity", json_string("minor")),
	       "red_flags[0].severity:enum");
	doc = load(valid_text);
	expect(with(doc, item(doc, "red_flags", 0), "severity", json_string("critical")), "");
}

static void
test_missing_source_on_red_flag(void **state)
{
	json_t *doc = load(valid_text);
	json_object_del(item(doc, "red_flags", 0), "source");
	expect(doc, "red_flags[0].source:missing");
}

static void
test_missing_source_on_criterion_and_question(void **state)
{
	json_t *doc = load(valid_text);
	json_object_del(item(doc, "criteria", 1), "source");
	json_object_del(item(doc, "questions", 0), "source");
	expect(doc, "criteria[1].source:missing|questions[0].source:missing");
}

static void
test_bad_source(void **state)
{
	json_t *doc = load(valid_text);
	json_t *src = json_object_get(item(doc, "criteria", 0), "source");
	json_object_del(src, "section");
	json_object_set_new(src, "document", json_string(""));
	json_object_set_new(src, "page", json_integer(3));
	json_object_set_new(item(doc, "red_flags", 0), "source", json_string("doc.md"));
	expect(doc, "criteria[0].source.page:unknown_member|criteria[0].source.document:length|"
		    "criteria[0].source.section:missing|red_flags[0].source:type");
}

static void
test_question_unknown_criterion(void **state)
{
	json_t *doc = load(valid_text);
	json_t *tags = json_object_get(item(doc, "questions", 0), "criteria");
	json_array_set_new(tags, 1, json_string("no_questions"));	/* a red flag, not a criterion */
	expect(doc, "questions[0].criteria[1]:unknown_criterion");
}

static void
test_question_tags(void **state)
{
	json_t *doc = load(valid_text);
	json_t *tags = json_object_get(item(doc, "questions", 0), "criteria");
	json_array_append_new(tags, json_string("requirements"));
	json_array_append_new(tags, json_integer(1));
	expect(doc, "questions[0].criteria[2]:duplicate|questions[0].criteria[3]:type");
	doc = load(valid_text);
	expect(with(doc, item(doc, "questions", 0), "criteria", json_array()),
	       "questions[0].criteria:count");
	doc = load(valid_text);
	tags = json_array();
	for (int i = 0; i < 11; i++)
		json_array_append_new(tags, json_string(i % 2 ? "requirements" : "trade_offs"));
	expect(with(doc, item(doc, "questions", 0), "criteria", tags),
	       "questions[0].criteria:count|questions[0].criteria[2]:duplicate|"
	       "questions[0].criteria[3]:duplicate|questions[0].criteria[4]:duplicate|"
	       "questions[0].criteria[5]:duplicate|questions[0].criteria[6]:duplicate|"
	       "questions[0].criteria[7]:duplicate|questions[0].criteria[8]:duplicate|"
	       "questions[0].criteria[9]:duplicate|questions[0].criteria[10]:duplicate");
}

static void
test_question_tag_of_invalid_criterion(void **state)
{
	json_t *doc = load(valid_text);
	json_object_set_new(item(doc, "criteria", 1), "key", json_string("Trade_offs"));
	json_array_set_new(json_object_get(item(doc, "questions", 0), "criteria"), 1,
			   json_string("Trade_offs"));
	expect(doc, "criteria[1].key:pattern|questions[0].criteria[1]:unknown_criterion");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_document_fills_structs),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_round_trip_minimal),
		cmocka_unit_test(test_round_trip_full),
		cmocka_unit_test(test_root_must_be_object),
		cmocka_unit_test(test_three_anchors),
		cmocka_unit_test(test_five_anchors),
		cmocka_unit_test(test_anchor_order),
		cmocka_unit_test(test_anchor_level_range_and_description),
		cmocka_unit_test(test_anchor_not_object),
		cmocka_unit_test(test_duplicate_criterion_key),
		cmocka_unit_test(test_duplicate_red_flag_key),
		cmocka_unit_test(test_duplicate_note_key),
		cmocka_unit_test(test_same_key_in_different_lists_is_fine),
		cmocka_unit_test(test_weight_zero),
		cmocka_unit_test(test_weight_negative),
		cmocka_unit_test(test_weight_bounds),
		cmocka_unit_test(test_unknown_severity),
		cmocka_unit_test(test_missing_source_on_red_flag),
		cmocka_unit_test(test_missing_source_on_criterion_and_question),
		cmocka_unit_test(test_bad_source),
		cmocka_unit_test(test_question_unknown_criterion),
		cmocka_unit_test(test_question_tags),
		cmocka_unit_test(test_question_tag_of_invalid_criterion),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
