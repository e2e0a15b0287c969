#ifndef API_SCORECARDS_H
#define API_SCORECARDS_H
#include <jansson.h>
#include "api/http.h"
#include "db/scorecards.h"

/* Shared by api/scorecards*.c. */

/* Length limits (code points) of the free text a scorecard holds. */
#define SCORECARD_EVIDENCE_MAX 5000
#define SCORECARD_SUMMARY_MAX 10000
#define SCORECARD_NOTE_MAX 2000
#define SCORECARD_REASON_MAX 2000

/* A scorecard as the API serves it (a new reference); notes are shown
 * only when with_notes. */
json_t *api_scorecard_json(const struct db_scorecard *c, bool with_notes);

/* The body (rq->json) of a draft save, or of an amendment (with its
 * reason), as scorecard content checked against the round's rubric rb:
 * fills in (borrowing from rq->json and its arena), or queues 400 or 422
 * naming every bad path and returns false. */
struct rubric;
bool api_scorecard_content_or_reply(struct api_request *rq, bool amend, const struct rubric *rb,
				    struct db_scorecard_in *in);

/* {"data": [...], "next_cursor": null} of n scorecards (a new reference). */
json_t *api_scorecards_list_json(const struct db_scorecard *cards, int n, bool with_notes);

#endif
