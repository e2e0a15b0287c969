#ifndef RUBRICS_RUBRIC_H
#define RUBRICS_RUBRIC_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "base/arena.h"

/*
 * A rubric document: validated once by rubric_parse, then held as plain C
 * structs whose strings all live in the caller's arena. No I/O here.
 */

#define RUBRIC_LEVELS		4	/* anchored scale 1..4 */
#define RUBRIC_MAX_CRITERIA	30
#define RUBRIC_MAX_RED_FLAGS	50
#define RUBRIC_MAX_QUESTIONS	50
#define RUBRIC_MAX_NOTES	20
#define RUBRIC_MAX_QUESTION_CRITERIA 10

enum rubric_severity {
	RUBRIC_SEVERITY_MAJOR = 1,
	RUBRIC_SEVERITY_CRITICAL = 2,
};

enum rubric_visibility {
	RUBRIC_VISIBLE_RECRUITERS_AND_HIRING_MANAGERS = 1,
};

/* The seed document and section a criterion, red flag or question came from. */
struct rubric_source {
	const char *document;
	const char *section;
};

struct rubric_criterion {
	const char *key;
	const char *title;
	const char *measures;
	double weight;				/* 0 < weight <= 100 */
	bool required;
	const char *anchors[RUBRIC_LEVELS];	/* anchors[i] describes level i + 1 */
	struct rubric_source source;
};

struct rubric_red_flag {
	const char *key;
	const char *title;
	const char *why;
	enum rubric_severity severity;
	struct rubric_source source;
};

struct rubric_question {
	const char *prompt;
	const char **criteria;			/* criterion keys of this rubric */
	size_t n_criteria;
	const char *strong_answer;
	struct rubric_source source;
};

/* Structured logistics notes for the loop's organisers; never scored. */
struct rubric_note {
	const char *key;
	const char *title;
	const char *prompt;
	enum rubric_visibility visibility;
};

struct rubric {
	const char *key;
	int version;
	const char *kind;			/* the round kind it grades */
	const char *title;
	int duration_minutes;
	const char *summary;			/* may be "" */
	struct rubric_criterion *criteria;
	size_t n_criteria;
	struct rubric_red_flag *red_flags;
	size_t n_red_flags;
	struct rubric_question *questions;
	size_t n_questions;
	struct rubric_note *notes;
	size_t n_notes;
};

/* Validates doc and fills *out with copies allocated in a (nothing borrows
 * from doc). On failure returns false, leaves *out partly filled (do not use
 * it) and, when errors is a JSON array, appends one {"field","code","message"}
 * object per problem found, every one of them. */
bool rubric_parse(struct arena *a, json_t *doc, struct rubric *out, json_t *errors);

/* doc as compact JSON with sorted keys, in a; NULL if doc cannot be dumped. */
char *rubric_canonical(struct arena *a, json_t *doc);

/* SHA-256 (64 lowercase hex digits, in a) of canon_json(doc) (base/canon.h,
 * the encoding every hash in loopd uses); NULL for a NULL doc. Equal for
 * documents that differ only in key order or whitespace. */
char *rubric_digest(struct arena *a, json_t *doc);

/* The rubric as the API serves it (the document's shape); a new reference
 * the caller owns (json_decref). */
json_t *rubric_to_json(const struct rubric *r);

/* The criterion with this key, or NULL; points into r. */
const struct rubric_criterion *rubric_criterion(const struct rubric *r, const char *key);

/* The red flag with this key, or NULL; points into r. */
const struct rubric_red_flag *rubric_red_flag(const struct rubric *r, const char *key);

/* The note with this key, or NULL; points into r. */
const struct rubric_note *rubric_note(const struct rubric *r, const char *key);

/* How many criteria are marked required. */
size_t rubric_required_count(const struct rubric *r);

/* Sum of the criteria weights. */
double rubric_weight_total(const struct rubric *r);

/* "major" or "critical" (static storage), NULL for an unknown value. */
const char *rubric_severity_name(enum rubric_severity s);

/* The note visibility's wire name (static storage), NULL for an unknown value. */
const char *rubric_visibility_name(enum rubric_visibility v);

#endif
