#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "base/arena.h"
#include "rubrics/rubric.h"

/* A valid document, written with ' for " to keep it readable. */
static const char valid_text[] =
	"{'key': 'system_design', 'version': 3, 'kind': 'system_design',"
	" 'title': 'System design', 'duration_minutes': 60,"
	" 'summary': 'Design a service under realistic constraints.',"
	" 'criteria': ["
	"  {'key': 'requirements', 'title': 'Requirements', 'measures': 'Scopes the problem.\\n\\tAsks.',"
	"   'weight': 2, 'required': true,"
	"   'anchors': [{'level': 1, 'description': 'Jumps to a solution.'},"
	"               {'level': 2, 'description': 'Lists some requirements.'},"
	"               {'level': 3, 'description': 'Clarifies scale and users.'},"
	"               {'level': 4, 'description': 'Negotiates trade-offs up front.'}],"
	"   'source': {'document': 'system_design.md', 'section': '2.1 Requirements'}},"
	"  {'key': 'trade_offs', 'title': 'Trade-offs', 'measures': 'Weighs options.',"
	"   'weight': 1.5, 'required': false,"
	"   'anchors': [{'level': 1, 'description': 'One option only.'},"
	"               {'level': 2, 'description': 'Names options.'},"
	"               {'level': 3, 'description': 'Compares options.'},"
	"               {'level': 4, 'description': 'Quantifies options.'}],"
	"   'source': {'document': 'system_design.md', 'section': '2.2'}}],"
	" 'red_flags': [{'key': 'no_questions', 'title': 'Asks nothing', 'why': 'Builds the wrong thing.',"
	"   'severity': 'major', 'source': {'document': 'system_design.md', 'section': '4'}}],"
	" 'questions': [{'prompt': 'Design a URL shortener.', 'criteria': ['requirements', 'trade_offs'],"
	"   'strong_answer': 'Asks about read/write ratio first.',"
	"   'source': {'document': 'system_design.md', 'section': '5'}}],"
	" 'notes': [{'key': 'whiteboard', 'title': 'Whiteboard', 'prompt': 'Book a room with one.',"
	"   'visibility': 'recruiters_and_hiring_managers'}]}";

/* The smallest valid document: one criterion, empty lists, empty summary. */
static const char minimal_text[] =
	"{'key': 'ab', 'version': 1, 'kind': 'ab', 'title': 'T', 'duration_minutes': 5,"
	" 'summary': '', 'criteria': [{'key': 'c1', 'title': 'C', 'measures': 'M', 'weight': 100,"
	"  'required': true, 'anchors': [{'level': 1, 'description': 'a'}, {'level': 2, 'description': 'b'},"
	"  {'level': 3, 'description': 'c'}, {'level': 4, 'description': 'd'}],"
	"  'source': {'document': 'd', 'section': 's'}}],"
	" 'red_flags': [], 'questions': [], 'notes': []}";

/* Parses text with ' standing for "; a new reference. */
static json_t *
load(const char *text)
{
	char *s = strdup(text);
	for (char *c = s; *c; c++)
		if (*c == '\'')
			*c = '"';
	json_error_t err;
	json_t *doc = json_loads(s, JSON_REJECT_DUPLICATES, &err);
	if (!doc)
		fail_msg("test document: %s at %d:%d", err.text, err.line, err.column);
	free(s);
	return doc;
}

/* Item i of the array member name of obj (borrowed). */
static json_t *
item(json_t *obj, const char *name, size_t i)
{
	json_t *v = json_array_get(json_object_get(obj, name), i);
	assert_non_null(v);
	return v;
}

/* Parses doc (then releases it) and returns its problems as
 * "field:code|field:code..." (malloc'd), or "" when it is valid. */
static char *
problems(json_t *doc)
{
	struct arena *a = arena_create();
	json_t *errors = json_array();
	struct rubric r;
	bool ok = rubric_parse(a, doc, &r, errors);
	assert_int_equal(ok, json_array_size(errors) == 0);
	size_t i;
	json_t *e;
	struct abuf b;
	abuf_init(&b, a);
	json_array_foreach(errors, i, e) {
		abuf_printf(&b, "%s%s:%s", i ? "|" : "", json_string_value(json_object_get(e, "field")),
			    json_string_value(json_object_get(e, "code")));
		assert_true(json_string_length(json_object_get(e, "message")) > 0);
	}
	char *out = strdup(b.data);
	json_decref(errors);
	json_decref(doc);
	arena_destroy(a);
	return out;
}

/* Asserts doc (released) reports exactly the problems in want. */
static void
expect(json_t *doc, const char *want)
{
	char *got = problems(doc);
	bool same = strcmp(got, want) == 0;
	if (!same)
		print_error("got  %s\nwant %s\n", got, want);
	free(got);
	assert_true(same);
}

/* doc with member name of obj replaced by v (stolen); returns doc. */
static json_t *
with(json_t *doc, json_t *obj, const char *name, json_t *v)
{
	json_object_set_new(obj, name, v);
	return doc;
}

/* A string of n copies of the UTF-8 sequence unit; new reference. */
static json_t *
repeat(const char *unit, size_t n)
{
	size_t len = strlen(unit);
	char *s = malloc(len * n + 1);
	for (size_t i = 0; i < n; i++)
		memcpy(s + i * len, unit, len);
	s[len * n] = '\0';
	json_t *j = json_string(s);
	free(s);
	return j;
}

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
