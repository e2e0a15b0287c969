/* The rubric validator: members, types, text limits, counts, error reports, the catalogue. */
#include "tests/unit/rubric_fixture.h"

static void
test_unknown_member(void **state)
{
	json_t *doc = load(valid_text);
	expect(with(doc, doc, "colour", json_string("blue")), "colour:unknown_member");
	doc = load(valid_text);
	json_object_set_new(item(doc, "criteria", 0), "weigth", json_integer(1));
	json_object_set_new(json_array_get(json_object_get(item(doc, "criteria", 1), "anchors"), 0),
			    "label", json_string("poor"));
	json_object_set_new(item(doc, "notes", 0), "audience", json_string("all"));
	expect(doc, "criteria[0].weigth:unknown_member|criteria[1].anchors[0].label:unknown_member|"
		    "notes[0].audience:unknown_member");
}

static void
test_wrong_types(void **state)
{
	json_t *doc = load(valid_text);
	json_object_set_new(doc, "version", json_string("3"));
	json_object_set_new(doc, "duration_minutes", json_real(60.0));
	json_object_set_new(doc, "title", json_null());
	json_object_set_new(item(doc, "criteria", 0), "required", json_string("yes"));
	json_object_set_new(doc, "red_flags", json_object());
	json_array_append_new(json_object_get(doc, "questions"), json_string("Why?"));
	expect(doc, "version:type|title:type|duration_minutes:type|criteria[0].required:type|"
		    "red_flags:type|questions[1]:type");
}

static void
test_title_length_in_code_points(void **state)
{
	json_t *doc = load(valid_text);
	expect(with(doc, doc, "title", repeat("\xc3\xa9", 200)), "");	/* 400 bytes, 200 code points */
	doc = load(valid_text);
	expect(with(doc, doc, "title", repeat("\xc3\xa9", 201)), "title:length");
	doc = load(valid_text);
	expect(with(doc, doc, "title", json_string("")), "title:length");
}

static void
test_text_lengths(void **state)
{
	json_t *doc = load(valid_text);
	json_object_set_new(doc, "summary", repeat("s", 2001));
	json_object_set_new(item(doc, "criteria", 0), "measures", repeat("m", 2001));
	json_object_set_new(item(doc, "red_flags", 0), "why", json_string(""));
	json_object_set_new(item(doc, "questions", 0), "strong_answer", repeat("a", 2001));
	json_object_set_new(item(doc, "notes", 0), "prompt", repeat("p", 2000));
	expect(doc, "summary:length|criteria[0].measures:length|red_flags[0].why:length|"
		    "questions[0].strong_answer:length");
}

static void
test_control_characters(void **state)
{
	json_t *doc = load(valid_text);
	json_object_set_new(doc, "title", json_string("Sys\x1b[31mtem"));
	json_object_set_new(doc, "summary", json_string("bell\x07"));
	json_object_set_new(item(doc, "criteria", 0), "title", json_string("del\x7f"));
	json_object_set_new(item(doc, "criteria", 1), "title", json_string("c1 \xc2\x85 nel"));
	json_object_set_new(item(doc, "notes", 0), "title", json_stringn("nul\0x", 5));
	json_object_set_new(item(doc, "notes", 0), "prompt", json_string("tab\tand\nnewline ok"));
	expect(doc, "title:pattern|summary:pattern|criteria[0].title:pattern|"
		    "criteria[1].title:pattern|notes[0].title:pattern");
}

static void
test_key_pattern(void **state)
{
	json_t *doc = load(valid_text);
	json_object_set_new(doc, "key", json_string("System_design"));
	json_object_set_new(doc, "kind", json_string("s"));
	json_object_set_new(item(doc, "criteria", 0), "key", json_string("9lives"));
	json_object_set_new(item(doc, "red_flags", 0), "key", repeat("a", 65));
	json_object_set_new(item(doc, "notes", 0), "key", json_string("room-booking"));
	expect(doc, "key:pattern|kind:pattern|criteria[0].key:pattern|red_flags[0].key:pattern|"
		    "questions[0].criteria[0]:unknown_criterion|notes[0].key:pattern");
	doc = load(valid_text);
	expect(with(doc, doc, "key", repeat("a", 64)), "");
}

static void
test_integer_ranges(void **state)
{
	json_t *doc = load(valid_text);
	json_object_set_new(doc, "version", json_integer(0));
	json_object_set_new(doc, "duration_minutes", json_integer(481));
	expect(doc, "version:range|duration_minutes:range");
	doc = load(valid_text);
	json_object_set_new(doc, "version", json_integer(100001));
	json_object_set_new(doc, "duration_minutes", json_integer(4));
	expect(doc, "version:range|duration_minutes:range");
	doc = load(valid_text);
	json_object_set_new(doc, "version", json_integer(100000));
	json_object_set_new(doc, "duration_minutes", json_integer(480));
	expect(doc, "");
}

static void
test_list_counts(void **state)
{
	json_t *doc = load(valid_text);
	expect(with(doc, doc, "criteria", json_array()), "criteria:count|"
	       "questions[0].criteria[0]:unknown_criterion|questions[0].criteria[1]:unknown_criterion");
	doc = load(valid_text);
	json_t *notes = json_object_get(doc, "notes");
	for (int i = 1; i <= 20; i++) {
		json_t *n = json_deep_copy(json_array_get(notes, 0));
		json_object_set_new(n, "key", json_sprintf("note_%d", i));
		json_array_append_new(notes, n);
	}
	expect(doc, "notes:count");
}

static void
test_note_visibility(void **state)
{
	json_t *doc = load(valid_text);
	expect(with(doc, item(doc, "notes", 0), "visibility", json_string("everyone")),
	       "notes[0].visibility:enum");
}

static void
test_several_problems_all_reported(void **state)
{
	json_t *doc = load(valid_text);
	json_object_set_new(doc, "extra", json_true());
	json_object_del(doc, "summary");
	json_object_set_new(item(doc, "criteria", 0), "weight", json_integer(0));
	json_array_remove(json_object_get(item(doc, "criteria", 1), "anchors"), 0);
	json_object_set_new(item(doc, "red_flags", 0), "severity", json_string("fatal"));
	json_array_append_new(json_object_get(item(doc, "questions", 0), "criteria"),
			      json_string("communication"));
	expect(doc, "extra:unknown_member|summary:missing|criteria[0].weight:range|"
		    "criteria[1].anchors:count|criteria[1].anchors[0].level:order|"
		    "criteria[1].anchors[1].level:order|criteria[1].anchors[2].level:order|"
		    "red_flags[0].severity:enum|questions[0].criteria[2]:unknown_criterion");
}

static void
test_error_objects(void **state)
{
	struct arena *a = arena_create();
	json_t *doc = load(valid_text), *errors = json_array();
	struct rubric r;
	json_object_set_new(doc, "title", repeat("t", 201));
	assert_false(rubric_parse(a, doc, &r, errors));
	assert_int_equal(json_array_size(errors), 1);
	json_t *e = json_array_get(errors, 0);
	assert_int_equal(json_object_size(e), 3);
	assert_string_equal(json_string_value(json_object_get(e, "field")), "title");
	assert_string_equal(json_string_value(json_object_get(e, "code")), "length");
	assert_string_equal(json_string_value(json_object_get(e, "message")),
			    "must be 1 to 200 characters long");
	assert_false(rubric_parse(a, doc, &r, NULL));	/* errors is optional */
	json_decref(errors);
	json_decref(doc);
	arena_destroy(a);
}

static void
test_digest_stable_across_key_order(void **state)
{
	struct arena *a = arena_create();
	json_t *x = json_pack("{s:i, s:s, s:[i, i]}", "version", 1, "key", "ab", "list", 1, 2);
	json_t *y = json_pack("{s:[i, i], s:s, s:i}", "list", 1, 2, "key", "ab", "version", 1);
	json_t *z = json_pack("{s:[i, i], s:s, s:i}", "list", 2, 1, "key", "ab", "version", 1);
	assert_string_equal(rubric_canonical(a, y), "{\"key\":\"ab\",\"list\":[1,2],\"version\":1}");
	char *dx = rubric_digest(a, x);
	assert_int_equal(strlen(dx), 64);
	assert_string_equal(dx, rubric_digest(a, y));
	assert_string_not_equal(dx, rubric_digest(a, z));
	json_t *v = load(valid_text), *w = load(valid_text);
	assert_string_equal(rubric_digest(a, v), rubric_digest(a, w));
	json_object_set_new(w, "version", json_integer(4));
	assert_string_not_equal(rubric_digest(a, v), rubric_digest(a, w));
	assert_null(rubric_digest(a, NULL));
	json_decref(x);
	json_decref(y);
	json_decref(z);
	json_decref(v);
	json_decref(w);
	arena_destroy(a);
}

/* Validates one catalogue file; prints why when it does not. */
static bool
catalog_file_ok(const char *path, json_t *seen)
{
	json_error_t err;
	json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
	if (!doc) {
		print_error("%s:%d:%d: %s\n", path, err.line, err.column, err.text);
		return false;
	}
	struct arena *a = arena_create();
	json_t *errors = json_array();
	struct rubric r;
	bool ok = rubric_parse(a, doc, &r, errors);
	if (!ok) {
		char *s = json_dumps(errors, JSON_INDENT(2));
		print_error("%s is not a valid rubric:\n%s\n", path, s);
		free(s);
	} else {
		char *id = arena_printf(a, "%s v%d", r.key, r.version);
		if (json_object_get(seen, id)) {
			print_error("%s: %s already defined by %s\n", path, id,
				    json_string_value(json_object_get(seen, id)));
			ok = false;
		}
		json_object_set_new(seen, id, json_string(path));
	}
	json_decref(errors);
	json_decref(doc);
	arena_destroy(a);
	return ok;
}

static void
test_catalog_validates(void **state)
{
	const char *root = getenv("LOOP_SOURCE_DIR");
	char pattern[4096];
	snprintf(pattern, sizeof pattern, "%s/rubrics/catalog/*.json", root && *root ? root : ".");
	glob_t g;
	if (glob(pattern, 0, NULL, &g) != 0) {
		globfree(&g);
		skip();		/* no catalogue yet */
	}
	json_t *seen = json_object();
	size_t bad = 0;
	for (size_t i = 0; i < g.gl_pathc; i++)
		bad += !catalog_file_ok(g.gl_pathv[i], seen);
	json_decref(seen);
	globfree(&g);
	assert_int_equal(bad, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_member),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_title_length_in_code_points),
		cmocka_unit_test(test_text_lengths),
		cmocka_unit_test(test_control_characters),
		cmocka_unit_test(test_key_pattern),
		cmocka_unit_test(test_integer_ranges),
		cmocka_unit_test(test_list_counts),
		cmocka_unit_test(test_note_visibility),
		cmocka_unit_test(test_several_problems_all_reported),
		cmocka_unit_test(test_error_objects),
		cmocka_unit_test(test_digest_stable_across_key_order),
		cmocka_unit_test(test_catalog_validates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
