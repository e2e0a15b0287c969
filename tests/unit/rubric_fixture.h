/* Shared by the rubric validator's unit tests: documents and helpers. */
#ifndef TESTS_UNIT_RUBRIC_FIXTURE_H
#define TESTS_UNIT_RUBRIC_FIXTURE_H
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
static const char __attribute__((unused)) valid_text[] =
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
static const char __attribute__((unused)) minimal_text[] =
	"{'key': 'ab', 'version': 1, 'kind': 'ab', 'title': 'T', 'duration_minutes': 5,"
	" 'summary': '', 'criteria': [{'key': 'c1', 'title': 'C', 'measures': 'M', 'weight': 100,"
	"  'required': true, 'anchors': [{'level': 1, 'description': 'a'}, {'level': 2, 'description': 'b'},"
	"  {'level': 3, 'description': 'c'}, {'level': 4, 'description': 'd'}],"
	"  'source': {'document': 'd', 'section': 's'}}],"
	" 'red_flags': [], 'questions': [], 'notes': []}";

/* Parses text with ' standing for "; a new reference. */
static inline json_t *
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
static inline json_t *
item(json_t *obj, const char *name, size_t i)
{
	json_t *v = json_array_get(json_object_get(obj, name), i);
	assert_non_null(v);
	return v;
}

/* Parses doc (then releases it) and returns its problems as
 * "field:code|field:code..." (malloc'd), or "" when it is valid. */
static inline char *
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
static inline void
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
static inline json_t *
with(json_t *doc, json_t *obj, const char *name, json_t *v)
{
	json_object_set_new(obj, name, v);
	return doc;
}

/* A string of n copies of the UTF-8 sequence unit; new reference. */
static inline json_t *
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

#endif
