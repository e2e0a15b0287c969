#ifndef RUBRICS_SURVEY_H
#define RUBRICS_SURVEY_H
#include <stdbool.h>
#include <stddef.h>
#include "base/arena.h"
#include "base/embedded.h"
#include "rubrics/rubric.h"

/*
 * The candidate experience questions: data files compiled into loopd,
 * rubrics/surveys/candidate_experience.v<N>.json, one immutable version
 * per file (as rubric versions are). A link pins the version it asks.
 * No I/O: the files are embedded. Everything lives in the caller's arena.
 */

#define SURVEY_DIR "rubrics/surveys/"
#define SURVEY_KEY "candidate_experience"
#define SURVEY_MAX_QUESTIONS 20
#define SURVEY_RATING_MIN 1
#define SURVEY_RATING_MAX 5

/* A yes/no question about what the candidate experienced; the answer
 * red_flag_answer ("yes" or "no") means they saw the seed's red flag. */
struct survey_question {
	const char *key, *text, *red_flag_answer;
	struct rubric_source source;
};

struct survey_questions {
	int version;
	const char *title, *intro;
	struct survey_question *questions;
	size_t n_questions;
	const char *rating_text, *comment_text;
	int comment_max;	/* code points */
};

/* Parses and validates the question set at version (0 = the highest)
 * among files; false with *why (one line, in a) when it is absent or bad. */
bool survey_parse(struct arena *a, const struct embedded_file *files, int version,
		  struct survey_questions *out, char **why);

/* survey_parse over the files compiled into this binary. */
bool survey_load(struct arena *a, int version, struct survey_questions *out, char **why);

/* The question of qs with key, or NULL. */
const struct survey_question *survey_question(const struct survey_questions *qs, const char *key);

#endif
