/* The compiled-in rubric catalogue: it validates, and the coverage table of
 * rubrics/README.md names only criteria and red flags that exist in it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "base/arena.h"
#include "base/crypto.h"
#include "rubrics/catalog.h"

/* A valid rubric document for key "ab", version 1, with ' standing for ". */
static const char ab_v1[] =
	"{'key': 'ab', 'version': 1, 'kind': 'ab', 'title': 'T', 'duration_minutes': 5,"
	" 'summary': '', 'criteria': [{'key': 'c1', 'title': 'C', 'measures': 'M', 'weight': 1,"
	"  'required': true, 'anchors': [{'level': 1, 'description': 'a'}, {'level': 2, 'description': 'b'},"
	"  {'level': 3, 'description': 'c'}, {'level': 4, 'description': 'd'}],"
	"  'source': {'document': 'd', 'section': 's'}}],"
	" 'red_flags': [], 'questions': [], 'notes': []}";

/* Three anchors and an unknown severity in one document. */
static const char ab_bad[] =
	"{'key': 'ab', 'version': 1, 'kind': 'ab', 'title': 'T', 'duration_minutes': 5,"
	" 'summary': '', 'criteria': [{'key': 'c1', 'title': 'C', 'measures': 'M', 'weight': 1,"
	"  'required': true, 'anchors': [{'level': 1, 'description': 'a'}, {'level': 2, 'description': 'b'},"
	"  {'level': 3, 'description': 'c'}],"
	"  'source': {'document': 'd', 'section': 's'}}],"
	" 'red_flags': [{'key': 'f1', 'title': 'F', 'why': 'W', 'severity': 'minor',"
	"  'source': {'document': 'd', 'section': 's'}}], 'questions': [], 'notes': []}";

static const char template_ok[] =
	"{'key': 'loop', 'title': 'Loop', 'summary': 'S',"
	" 'rounds': [{'kind': 'ab', 'rubric_key': 'ab', 'required': true}]}";

static const char template_unknown_rubric[] =
	"{'key': 'loop', 'title': 'Loop',"
	" 'rounds': [{'kind': 'ab', 'rubric_key': 'ab', 'required': true},"
	"            {'kind': 'zz', 'rubric_key': 'zz', 'required': 1}]}";

/* text with ' replaced by ", in a. */
static const char *
dq(struct arena *a, const char *text)
{
	char *s = arena_strdup(a, text);
	for (char *c = s; *c; c++)
		if (*c == '\'')
			*c = '"';
	return s;
}

/* An embedded file entry for path holding text (' for "). */
static struct embedded_file
file(struct arena *a, const char *path, const char *text)
{
	const char *data = dq(a, text);
	return (struct embedded_file){path, data, strlen(data)};
}

/* Parses the given files (NULL-path terminated); returns why or NULL. */
static char *
parse(struct arena *a, const struct embedded_file *files, struct catalog *c)
{
	char *why = NULL;
	bool ok = catalog_parse(a, files, c, &why);
	assert_int_equal(ok, why == NULL);
	return why;
}

/* Asserts s contains part. */
static void
contains(const char *s, const char *part)
{
	if (!s || !strstr(s, part))
		fail_msg("%s\ndoes not contain\n%s", s ? s : "(null)", part);
}

static void
test_compiled_catalog_validates(void **state)
{
	struct arena *a = arena_create();
	struct catalog c;
	char *why = NULL;
	if (!catalog_load(a, &c, &why))
		fail_msg("%s", why);
	assert_true(c.n_rubrics >= 9);
	for (size_t i = 0; i < c.n_rubrics; i++) {
		const struct catalog_rubric *r = &c.rubrics[i];
		assert_string_equal(r->digest, crypto_sha256_hex(a, r->document, strlen(r->document)));
		assert_true(r->rubric.n_criteria > 0);
	}
	const char *kinds[] = {"recruiter_screen", "phone_screen_coding", "system_design",
			       "coding_deep_dive", "behavioral", "database_sql", "api_design",
			       "role_depth", "take_home"};
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		assert_non_null(catalog_rubric(&c, kinds[i], 0));
	arena_destroy(a);
}

static void
test_backend_engineer_template(void **state)
{
	struct arena *a = arena_create();
	struct catalog c;
	char *why = NULL;
	assert_true(catalog_load(a, &c, &why));
	const struct catalog_template *t = NULL;
	for (size_t i = 0; i < c.n_templates; i++)
		if (!strcmp(c.templates[i].key, "backend_engineer"))
			t = &c.templates[i];
	assert_non_null(t);
	assert_int_equal(t->n_rounds, 8);
	assert_string_equal(t->rounds[0].rubric_key, "recruiter_screen");
	assert_true(t->rounds[0].required);
	assert_string_equal(t->rounds[4].kind, "behavioral");
	assert_false(t->rounds[7].required);
	arena_destroy(a);
}

/* Splits a table row "| a | b |" into trimmed cells; returns their count. */
static int
cells(char *row, char **out, int max)
{
	int n = 0;
	char *save, *tok = strtok_r(row, "|", &save);
	for (; tok && n < max; tok = strtok_r(NULL, "|", &save)) {
		while (*tok == ' ')
			tok++;
		char *end = tok + strlen(tok);
		while (end > tok && (end[-1] == ' ' || end[-1] == '\n'))
			*--end = '\0';
		if (*tok)
			out[n++] = tok;
	}
	return n;
}

/* Checks one coverage row; prints and returns false when it names nothing. */
static bool
row_ok(const struct catalog *c, char *line, int lineno)
{
	char *cell[8];
	if (cells(line, cell, 8) != 6) {
		print_error("README line %d: a coverage row has 6 cells\n", lineno);
		return false;
	}
	const char *kind = cell[1], *rubric = cell[4], *key = cell[5];
	const struct catalog_rubric *r = catalog_rubric(c, rubric, 0);
	bool ok = r && ((!strcmp(kind, "criterion") && rubric_criterion(&r->rubric, key)) ||
			(!strcmp(kind, "red_flag") && rubric_red_flag(&r->rubric, key)));
	if (!ok)
		print_error("README line %d: no %s %s in rubric %s\n", lineno, kind, key, rubric);
	return ok;
}

static void
test_coverage_table_names_catalogue_items(void **state)
{
	const char *root = getenv("LOOP_SOURCE_DIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/rubrics/README.md", root && *root ? root : ".");
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot read %s (set LOOP_SOURCE_DIR)", path);
	struct arena *a = arena_create();
	struct catalog c;
	char *why = NULL;
	assert_true(catalog_load(a, &c, &why));
	char line[8192];
	int lineno = 0, rows = 0, bad = 0, criteria = 0, flags = 0;
	bool in_table = false;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		if (!strncmp(line, "## ", 3))
			in_table = !strncmp(line, "## Coverage", 11);
		if (!in_table || line[0] != '|' || strstr(line, "documented item") || strstr(line, "|---"))
			continue;
		criteria += strstr(line, "| criterion |") != NULL;
		flags += strstr(line, "| red_flag |") != NULL;
		rows++;
		bad += !row_ok(&c, line, lineno);
	}
	fclose(f);
	arena_destroy(a);
	assert_int_equal(bad, 0);
	assert_true(criteria > 0 && flags > 0 && rows == criteria + flags);
}

static void
test_valid_files_parse(void **state)
{
	struct arena *a = arena_create();
	struct embedded_file files[] = {
		file(a, "db/migrations/0001_init.sql", "not json, not catalogue"),
		file(a, "rubrics/catalog/ab.v1.json", ab_v1),
		file(a, "rubrics/catalog/templates/loop.json", template_ok),
		{0},
	};
	struct catalog c;
	assert_null(parse(a, files, &c));
	assert_int_equal(c.n_rubrics, 1);
	assert_int_equal(c.n_templates, 1);
	assert_string_equal(c.rubrics[0].file, "rubrics/catalog/ab.v1.json");
	assert_string_equal(c.templates[0].rounds[0].rubric_key, "ab");
	assert_non_null(catalog_rubric(&c, "ab", 1));
	assert_null(catalog_rubric(&c, "ab", 2));
	assert_null(catalog_rubric(&c, "zz", 0));
	arena_destroy(a);
}

static void
test_invalid_rubric_names_file_and_every_path(void **state)
{
	struct arena *a = arena_create();
	struct embedded_file files[] = {file(a, "rubrics/catalog/ab.v1.json", ab_bad), {0}};
	struct catalog c;
	char *why = parse(a, files, &c);
	contains(why, "rubrics/catalog/ab.v1.json is not a valid rubric");
	contains(why, "criteria[0].anchors");
	contains(why, "red_flags[0].severity");
	assert_null(strchr(why, '\n'));
	arena_destroy(a);
}

static void
test_file_name_must_match_key_and_version(void **state)
{
	struct arena *a = arena_create();
	struct embedded_file files[] = {file(a, "rubrics/catalog/ab.v2.json", ab_v1), {0}};
	struct catalog c;
	contains(parse(a, files, &c), "name the file ab.v1.json");
	arena_destroy(a);
}

static void
test_malformed_json_names_file(void **state)
{
	struct arena *a = arena_create();
	struct embedded_file files[] = {file(a, "rubrics/catalog/ab.v1.json", "{'key': "), {0}};
	struct catalog c;
	contains(parse(a, files, &c), "rubrics/catalog/ab.v1.json is not valid JSON");
	arena_destroy(a);
}

static void
test_template_rubric_must_exist(void **state)
{
	struct arena *a = arena_create();
	struct embedded_file files[] = {
		file(a, "rubrics/catalog/ab.v1.json", ab_v1),
		file(a, "rubrics/catalog/templates/loop.json", template_unknown_rubric),
		{0},
	};
	struct catalog c;
	char *why = parse(a, files, &c);
	contains(why, "rubrics/catalog/templates/loop.json is not a valid loop template");
	contains(why, "rounds[1].rubric_key");
	contains(why, "rounds[1].required");
	arena_destroy(a);
}

static void
test_template_kind_must_match_rubric(void **state)
{
	struct arena *a = arena_create();
	struct embedded_file files[] = {
		file(a, "rubrics/catalog/ab.v1.json", ab_v1),
		file(a, "rubrics/catalog/templates/loop.json",
		     "{'key': 'loop', 'title': 'L', 'rounds': [{'kind': 'cd', 'rubric_key': 'ab',"
		     " 'required': false}]}"),
		{0},
	};
	struct catalog c;
	contains(parse(a, files, &c), "rounds[0].kind");
	arena_destroy(a);
}

static void
test_template_name_must_match_key(void **state)
{
	struct arena *a = arena_create();
	struct embedded_file files[] = {
		file(a, "rubrics/catalog/ab.v1.json", ab_v1),
		file(a, "rubrics/catalog/templates/other.json", template_ok),
		{0},
	};
	struct catalog c;
	contains(parse(a, files, &c), "name the file loop.json");
	arena_destroy(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compiled_catalog_validates),
		cmocka_unit_test(test_backend_engineer_template),
		cmocka_unit_test(test_coverage_table_names_catalogue_items),
		cmocka_unit_test(test_valid_files_parse),
		cmocka_unit_test(test_invalid_rubric_names_file_and_every_path),
		cmocka_unit_test(test_file_name_must_match_key_and_version),
		cmocka_unit_test(test_malformed_json_names_file),
		cmocka_unit_test(test_template_rubric_must_exist),
		cmocka_unit_test(test_template_kind_must_match_rubric),
		cmocka_unit_test(test_template_name_must_match_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
