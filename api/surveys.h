#ifndef API_SURVEYS_H
#define API_SURVEYS_H
#include "api/http.h"
#include "db/surveys.h"
#include "rubrics/survey.h"

/* Shared by the survey's JSON (api/surveys.c) and HTML (api/survey_page.c)
 * faces. */

#define API_SURVEY_ANSWERS_MAX 3	/* "yes", "no", "not_applicable" */
extern const char *const api_survey_answers[];

/* The open link of token and its pinned questions: E__COUNT, or the
 * problem to answer (not found, expired, answered, database). */
enum api_error api_survey_find(struct api_request *rq, const char *token,
			       struct db_survey_link *link, struct survey_questions *qs);

/* The answer in body ({"answers": {key: answer}, "overall_rating", "comment"})
 * checked against qs: every bad field appended to errors; true when none. */
bool api_survey_answer_parse(struct api_request *rq, const struct survey_questions *qs,
			     json_t *body, json_t *errors, struct db_survey_answer *out);

/* Records the answer for token: E__COUNT, or the problem to answer. */
enum api_error api_survey_submit(struct api_request *rq, const char *token,
				 const struct db_survey_answer *in);

#endif
