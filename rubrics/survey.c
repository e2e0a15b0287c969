/* The candidate experience question sets (rubrics/survey.h). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rubrics/survey.h"

/* The version of a file named rubrics/surveys/candidate_experience.v<N>.json, or 0. */
static int
file_version(const char *path)
{
	const char *prefix = SURVEY_DIR SURVEY_KEY ".v";
	size_t n = strlen(prefix);
	if (strncmp(path, prefix, n) != 0)
		return 0;
	char *end;
	long v = strtol(path + n, &end, 10);
	return v > 0 && v < 100000 && !strcmp(end, ".json") ? (int)v : 0;
}

/* A string member of o of 1..max bytes copied into a, or NULL. */
static const char *
text_of(struct arena *a, json_t *o, const char *name, size_t max)
{
	const char *s = json_string_value(json_object_get(o, name));
	return s && *s && strlen(s) <= max ? arena_strdup(a, s) : NULL;
}

/* True when key is a lower-case snake_case name of 1..64 characters. */
static bool
is_key(const char *key)
{
	if (!key || !(*key >= 'a' && *key <= 'z') || strlen(key) > 64)
		return false;
	for (const char *p = key; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

static bool
parse_question(struct arena *a, json_t *o, struct survey_question *q)
{
	json_t *src = json_object_get(o, "source");
	q->key = text_of(a, o, "key", 64);
	q->text = text_of(a, o, "text", 300);
	q->red_flag_answer = text_of(a, o, "red_flag_answer", 3);
	q->source.document = text_of(a, src, "document", 200);
	q->source.section = text_of(a, src, "section", 200);
	return is_key(q->key) && q->text && q->red_flag_answer &&
	       (!strcmp(q->red_flag_answer, "yes") || !strcmp(q->red_flag_answer, "no")) &&
	       q->source.document && q->source.section;
}

/* The question list of doc into out; false when any question is bad or
 * two share a key. */
static bool
parse_questions(struct arena *a, json_t *list, struct survey_questions *out)
{
	size_t n = json_array_size(list);
	if (n < 1 || n > SURVEY_MAX_QUESTIONS)
		return false;
	out->questions = arena_alloc(a, n * sizeof *out->questions);
	for (size_t i = 0; i < n; i++) {
		if (!parse_question(a, json_array_get(list, i), &out->questions[i]) ||
		    survey_question(out, out->questions[i].key))
			return false;
		out->n_questions = i + 1;
	}
	return true;
}

static bool
parse_doc(struct arena *a, json_t *doc, int version, struct survey_questions *out)
{
	json_t *rating = json_object_get(doc, "rating"), *comment = json_object_get(doc, "comment");
	const char *key = json_string_value(json_object_get(doc, "key"));
	memset(out, 0, sizeof *out);
	out->version = version;
	out->title = text_of(a, doc, "title", 200);
	out->intro = text_of(a, doc, "intro", 1000);
	out->rating_text = text_of(a, rating, "text", 300);
	out->comment_text = text_of(a, comment, "text", 300);
	out->comment_max = (int)json_integer_value(json_object_get(comment, "max_length"));
	return json_integer_value(json_object_get(doc, "version")) == version &&
	       key && !strcmp(key, SURVEY_KEY) &&
	       out->title && out->intro && out->rating_text && out->comment_text &&
	       out->comment_max >= 1 && out->comment_max <= 2000 &&
	       json_integer_value(json_object_get(rating, "min")) == SURVEY_RATING_MIN &&
	       json_integer_value(json_object_get(rating, "max")) == SURVEY_RATING_MAX &&
	       parse_questions(a, json_object_get(doc, "questions"), out);
}

bool
survey_parse(struct arena *a, const struct embedded_file *files, int version,
	     struct survey_questions *out, char **why)
{
	const struct embedded_file *pick = NULL;
	int best = 0;
	for (const struct embedded_file *f = files; f->path; f++) {
		int v = file_version(f->path);
		if (v && (version ? v == version : v > best)) {
			pick = f;
			best = v;
		}
	}
	if (!pick) {
		*why = arena_printf(a, "no candidate experience questions at version %d", version);
		return false;
	}
	json_t *doc = json_loadb(pick->data, pick->len, JSON_REJECT_DUPLICATES, NULL);
	bool ok = doc && parse_doc(a, doc, best, out);
	json_decref(doc);
	if (!ok)
		*why = arena_printf(a, "%s: not a valid question set", pick->path);
	return ok;
}

bool
survey_load(struct arena *a, int version, struct survey_questions *out, char **why)
{
	return survey_parse(a, embedded_files, version, out, why);
}

const struct survey_question *
survey_question(const struct survey_questions *qs, const char *key)
{
	for (size_t i = 0; i < qs->n_questions; i++)
		if (!strcmp(qs->questions[i].key, key))
			return &qs->questions[i];
	return NULL;
}
