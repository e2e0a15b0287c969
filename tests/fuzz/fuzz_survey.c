/* libFuzzer driver for candidate survey answers (the JSON face of POST
 * /survey/{token}, api_survey_answer_parse) against the compiled-in
 * question set. An accepted answer has a rating of 1-5, one known answer
 * per question and a comment within its limit; a refusal names its
 * fields. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "api/surveys.h"
#include "base/text.h"

static const struct survey_questions *
questions(void)
{
	static struct survey_questions qs;
	static struct arena *a;
	char *why;
	if (!a && (!(a = arena_create()) || !survey_load(a, 0, &qs, &why)))
		abort();	/* the compiled-in questions must load */
	return &qs;
}

static bool
known_answer(const char *v)
{
	for (int i = 0; v && api_survey_answers[i]; i++)
		if (!strcmp(v, api_survey_answers[i]))
			return true;
	return false;
}

static void
check_answer(const struct survey_questions *qs, const struct db_survey_answer *out)
{
	if (out->overall_rating < SURVEY_RATING_MIN || out->overall_rating > SURVEY_RATING_MAX ||
	    out->n_items != (int)qs->n_questions ||
	    (out->comment && text_utf8_length(out->comment) > (size_t)qs->comment_max))
		abort();
	for (int i = 0; i < out->n_items; i++)
		if (strcmp(out->items[i].question, qs->questions[i].key) != 0 ||
		    !known_answer(out->items[i].answer))
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(body)) {
		json_decref(body);
		return 0;
	}
	const struct survey_questions *qs = questions();
	struct api_request rq = {.arena = arena_create()};
	json_t *errors = json_array();
	struct db_survey_answer out;
	if (api_survey_answer_parse(&rq, qs, body, errors, &out))
		check_answer(qs, &out);
	else if (json_array_size(errors) == 0)
		abort();	/* a refusal must say why */
	json_decref(errors);
	json_decref(body);
	arena_destroy(rq.arena);
	return 0;
}
