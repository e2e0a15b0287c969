/* libFuzzer driver for scorecard content (a draft save or an amendment,
 * api_scorecard_content_or_reply) checked against a rubric of the
 * compiled-in catalogue. Input: byte 0 picks the rubric and, by its low
 * bit, an amendment; the rest is the JSON body. Accepted content names
 * each criterion and red flag of that rubric at most once, and only its
 * logistics prompts as notes. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "api/scorecards.h"
#include "rubrics/catalog.h"

static const struct catalog *
catalogue(void)
{
	static struct catalog cat;
	static struct arena *a;
	char *why;
	if (!a && (!(a = arena_create()) || !catalog_load(a, &cat, &why) || !cat.n_rubrics))
		abort();	/* the compiled-in catalogue must load */
	return &cat;
}

static void
check_content(const struct rubric *rb, const struct db_scorecard_in *in)
{
	for (int i = 0; i < in->n_ratings; i++) {
		if (!rubric_criterion(rb, in->ratings[i].criterion) || in->ratings[i].rating < 0 ||
		    in->ratings[i].rating > 4)
			abort();
		for (int j = 0; j < i; j++)
			if (!strcmp(in->ratings[i].criterion, in->ratings[j].criterion))
				abort();
	}
	for (int i = 0; i < in->n_red_flags; i++)
		if (!rubric_red_flag(rb, in->red_flags[i].key))
			abort();
	for (int i = 0; i < in->n_notes; i++)
		if (!rubric_note(rb, in->notes[i].key) || !in->notes[i].answer)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	const struct catalog *cat = catalogue();
	const struct rubric *rb = &cat->rubrics[(data[0] >> 1) % cat->n_rubrics].rubric;
	struct api_request rq = {.arena = arena_create(), .path = "/v1/rounds/x/scorecard"};
	rq.json = api_own(&rq, json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES,
					  NULL));
	struct db_scorecard_in in = {0};
	if (api_scorecard_content_or_reply(&rq, data[0] & 1, rb, &in)) {
		if (rq.replies != 0 || ((data[0] & 1) && !in.reason))
			abort();
		check_content(rb, &in);
	} else if (rq.replies != 1 || (rq.resp.status != 400 && rq.resp.status != 422)) {
		abort();
	}
	arena_destroy(rq.arena);
	return 0;
}
