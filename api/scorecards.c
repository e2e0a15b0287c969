/* The caller's own scorecard of a round: read the draft, save it (partial
 * content is fine), submit it once complete, amend it with a reason. */
#include <string.h>
#include "api/common.h"
#include "api/handlers.h"
#include "api/metrics.h"
#include "api/rubric_cache.h"
#include "api/scorecards.h"
#include "api/spec.h"
#include "auth/principal.h"
#include "base/text.h"
#include "db/decisions.h"
#include "db/scheduling.h"
#include "rubrics/rubric.h"

static const char *const recommendations[] = {"strong_no", "no", "yes", "strong_yes", NULL};

static const struct spec_field rating_spec[] = {
	{"criterion", SPEC_STRING, SPEC_REQUIRED, 1, 64},
	{"rating", SPEC_INTEGER, 0, 1, 4},
	{"evidence", SPEC_STRING, 0, 0, SCORECARD_EVIDENCE_MAX},
	{NULL},
};

static const struct spec_field red_flag_spec[] = {
	{"key", SPEC_STRING, SPEC_REQUIRED, 1, 64},
	{"evidence", SPEC_STRING, 0, 0, SCORECARD_EVIDENCE_MAX},
	{NULL},
};

#define CONTENT_FIELDS \
	{"ratings", SPEC_ARRAY, 0, 0, DB_SCORECARD_MAX_ITEMS, .item_type = SPEC_OBJECT, \
	 .item_spec = rating_spec}, \
	{"red_flags", SPEC_ARRAY, 0, 0, DB_SCORECARD_MAX_ITEMS, .item_type = SPEC_OBJECT, \
	 .item_spec = red_flag_spec}, \
	{"recommendation", SPEC_STRING, 0, .enums = recommendations}, \
	{"summary", SPEC_STRING, 0, 0, SCORECARD_SUMMARY_MAX}, \
	{"notes", SPEC_OBJECT, 0}

static const struct spec_field draft_spec[] = {CONTENT_FIELDS, {NULL}};
static const struct spec_field submit_spec[] = {{NULL}};	/* no body, or {} */
static const struct spec_field amend_spec[] = {
	CONTENT_FIELDS,
	{"reason", SPEC_STRING, SPEC_REQUIRED, 1, SCORECARD_REASON_MAX},
	{NULL},
};

/* The caller's seat on the round in the path: 404 when they cannot see it,
 * 403 when they see it but hold no interviewer seat. */
static bool
seat_or_reply(struct api_request *rq, struct db_scorecard_seat *seat)
{
	struct db_viewer v;
	api_viewer(rq, &v);
	enum db_status st = db_scorecard_seat(rq->db, rq->arena, &v, api_param(rq, 0), seat);
	if (st != DB_OK) {
		api_reply_db(rq, st, "round");
		return false;
	}
	if (!seat->role) {
		api_reply_error(rq, E_NOT_AN_INTERVIEWER,
				"scorecards are written by the round's interviewers");
		return false;
	}
	return true;
}

/* The rubric version the round is pinned to, parsed once per process
 * (api/rubric_cache.c); *out borrows the cached copy, held for the request. */
static bool
rubric_or_reply(struct api_request *rq, const struct db_scorecard_seat *seat, struct rubric *out)
{
	uint64_t seen;
	const struct rubric *rb = api_rubric_cache_get(rq->arena, rq->who->org_id, seat->rubric_id,
						       &seen);
	struct db_packet_rubric doc = {.id = seat->rubric_id};
	enum db_status st = DB_OK;
	if (!rb && (st = db_packet_rubric_documents(rq->db, rq->arena, rq->who->org_id, &doc, 1)) ==
		   DB_OK && doc.document)
		rb = api_rubric_cache_put(rq->arena, seen, doc.id, doc.org_id, doc.document);
	if (!rb) {
		api_reply_db(rq, st == DB_OK ? DB_HARD : st, "rubric");
		return false;
	}
	*out = *rb;
	return true;
}

/* Checks item i's key of a rated or raised list: a key of the rubric
 * (known), not one an earlier item used (keys[0..i-1]). Errors appended
 * at path ("ratings[2].criterion"); what names the items, done what is
 * done to them ("criterion", "rated"). */
static void
check_key(struct api_request *rq, json_t *errors, const char *path, const char *const *keys,
	  size_t i, bool known, const char *what, const char *done)
{
	if (!known)
		spec_error(errors, path, "unknown",
			   arena_printf(rq->arena, "not a %s of the round's rubric version", what));
	for (size_t j = 0; j < i; j++)
		if (!strcmp(keys[j], keys[i])) {
			spec_error(errors, path, "duplicate",
				   arena_printf(rq->arena, "this %s is %s twice", what, done));
			return;
		}
}

/* The ratings of the body, checked against the rubric (errors appended). */
static void
read_ratings(struct api_request *rq, const struct rubric *rb, struct db_scorecard_in *in,
	     json_t *errors)
{
	json_t *list = json_object_get(rq->json, "ratings");
	size_t n = json_array_size(list);
	struct db_scorecard_rating *x = arena_alloc(rq->arena, sizeof *x * (n + 1));
	const char **keys = arena_alloc(rq->arena, sizeof *keys * (n + 1));
	for (size_t i = 0; i < n; i++) {
		json_t *item = json_array_get(list, i);
		x[i] = (struct db_scorecard_rating){(char *)spec_str(item, "criterion"),
						    (int)spec_int(item, "rating", 0),
						    (char *)spec_str(item, "evidence")};
		keys[i] = x[i].criterion;
		check_key(rq, errors, arena_printf(rq->arena, "ratings[%zu].criterion", i), keys, i,
			  rubric_criterion(rb, keys[i]) != NULL, "criterion", "rated");
	}
	in->ratings = x;
	in->n_ratings = (int)n;
}

/* The red flags of the body, checked against the rubric. */
static void
read_red_flags(struct api_request *rq, const struct rubric *rb, struct db_scorecard_in *in,
	       json_t *errors)
{
	json_t *list = json_object_get(rq->json, "red_flags");
	size_t n = json_array_size(list);
	struct db_scorecard_red_flag *x = arena_alloc(rq->arena, sizeof *x * (n + 1));
	const char **keys = arena_alloc(rq->arena, sizeof *keys * (n + 1));
	for (size_t i = 0; i < n; i++) {
		json_t *item = json_array_get(list, i);
		x[i] = (struct db_scorecard_red_flag){(char *)spec_str(item, "key"),
						      (char *)spec_str(item, "evidence")};
		keys[i] = x[i].key;
		check_key(rq, errors, arena_printf(rq->arena, "red_flags[%zu].key", i), keys, i,
			  rubric_red_flag(rb, keys[i]) != NULL, "red flag", "raised");
	}
	in->red_flags = x;
	in->n_red_flags = (int)n;
}

/* The notes object: each member a logistics prompt of the rubric, a string. */
static void
read_notes(struct api_request *rq, const struct rubric *rb, struct db_scorecard_in *in,
	   json_t *errors)
{
	json_t *obj = json_object_get(rq->json, "notes");
	size_t n = json_object_size(obj);
	struct db_scorecard_note *x = arena_alloc(rq->arena, sizeof *x * (n + 1));
	const char *key;
	json_t *v;
	int i = 0;
	if (n > DB_SCORECARD_MAX_ITEMS)
		spec_error(errors, "notes", "too_many", "too many notes");
	json_object_foreach(obj, key, v) {
		const char *path = strlen(key) <= 64 ? arena_printf(rq->arena, "notes.%s", key) : "notes";
		if (!rubric_note(rb, key))
			spec_error(errors, path, "unknown", "not a logistics prompt of the round's rubric");
		else if (!json_is_string(v))
			spec_error(errors, path, "type", "must be a string");
		else if (text_utf8_length(json_string_value(v)) > SCORECARD_NOTE_MAX)
			spec_error(errors, path, "too_long", "at most 2000 characters");
		x[i++] = (struct db_scorecard_note){arena_strdup(rq->arena, key),
						    (char *)json_string_value(v)};
	}
	in->notes = x;
	in->n_notes = i;
}

bool
api_scorecard_content_or_reply(struct api_request *rq, bool amend, const struct rubric *rb,
			       struct db_scorecard_in *in)
{
	if (!api_parse_or_reply(rq, amend ? amend_spec : draft_spec))
		return false;
	json_t *errors = json_array();
	read_ratings(rq, rb, in, errors);
	read_red_flags(rq, rb, in, errors);
	read_notes(rq, rb, in, errors);
	in->recommendation = spec_str(rq->json, "recommendation");
	in->summary = spec_str(rq->json, "summary");
	in->reason = spec_str(rq->json, "reason");
	if (!json_array_size(errors)) {
		json_decref(errors);
		return true;
	}
	api_reply_invalid(rq, errors);
	return false;
}

static bool
blank(const char *s)
{
	if (!s)
		return true;
	for (; *s; s++)
		if (!strchr(" \t\r\n", *s))
			return false;
	return true;
}

/* Every missing piece of content before it may be submitted, appended to errors. */
static void
gaps(struct arena *a, const struct rubric *rb, const struct db_scorecard_in *in, json_t *errors)
{
	for (size_t k = 0; k < rb->n_criteria; k++) {
		const struct rubric_criterion *c = &rb->criteria[k];
		bool rated = false;
		for (int i = 0; i < in->n_ratings && !rated; i++)
			rated = !strcmp(in->ratings[i].criterion, c->key);
		if (c->required && !rated)
			spec_error(errors, "ratings", "missing_criterion",
				   arena_printf(a, "the required criterion %s needs a rating and evidence",
						c->key));
	}
	for (int i = 0; i < in->n_ratings; i++) {
		if (!in->ratings[i].rating)
			spec_error(errors, arena_printf(a, "ratings[%d].rating", i), "required",
				   "rate the criterion from 1 to 4");
		if (blank(in->ratings[i].evidence))
			spec_error(errors, arena_printf(a, "ratings[%d].evidence", i), "required",
				   "write what the candidate said or did");
	}
	for (int i = 0; i < in->n_red_flags; i++)
		if (blank(in->red_flags[i].evidence))
			spec_error(errors, arena_printf(a, "red_flags[%d].evidence", i), "required",
				   "a red flag needs the evidence that raised it");
	if (!in->recommendation)
		spec_error(errors, "recommendation", "required", "choose strong_no, no, yes or strong_yes");
	if (blank(in->summary))
		spec_error(errors, "summary", "required", "write a summary");
}

/* Queues 422 scorecard_incomplete listing every gap; false when there is none. */
static bool
incomplete_replied(struct api_request *rq, const struct rubric *rb,
		   const struct db_scorecard_in *in)
{
	json_t *errors = json_array();
	gaps(rq->arena, rb, in, errors);
	if (!json_array_size(errors)) {
		json_decref(errors);
		return false;
	}
	api_reply_error(rq, E_SCORECARD_INCOMPLETE, "%zu pieces are missing before it can be submitted",
			json_array_size(errors));
	api_problem_extend(rq, json_pack("{s:o}", "errors", errors));
	return true;
}

static enum api_result
reply_card(struct api_request *rq, const struct db_scorecard *c)
{
	if (c->version)
		api_set_etag(rq, c->version);
	return api_reply_json(rq, 200, api_scorecard_json(c, true));
}

/* A scorecard not saved yet: an empty draft of the caller's seat. */
static struct db_scorecard
empty_card(struct api_request *rq, const struct db_scorecard_seat *seat)
{
	return (struct db_scorecard){.loop_id = seat->loop_id, .round = seat->round,
				     .author_id = (char *)rq->who->sub, .role = seat->role,
				     .status = "draft"};
}

/* GET /v1/rounds/{id}/scorecard: the caller's own (draft or latest revision). */
enum api_result
api_scorecard_get(struct api_request *rq)
{
	struct db_scorecard_seat seat;
	struct db_scorecard c;
	if (!seat_or_reply(rq, &seat))
		return API_REPLIED;
	enum db_status st = db_scorecard_own(rq->db, rq->arena, rq->who->org_id, seat.round.id,
					     rq->who->sub, &c);
	if (st == DB_NONE)
		c = empty_card(rq, &seat);
	else if (st != DB_OK)
		return api_reply_db(rq, st, "scorecard");
	return reply_card(rq, &c);
}

/* PUT /v1/rounds/{id}/scorecard: saves the draft (autosave; no audit event). */
enum api_result
api_scorecard_put(struct api_request *rq)
{
	struct db_scorecard_seat seat;
	struct rubric rb;
	struct db_scorecard_in in = {0};
	int version;
	if (!seat_or_reply(rq, &seat) || !rubric_or_reply(rq, &seat, &rb) ||
	    !api_scorecard_content_or_reply(rq, false, &rb, &in) ||
	    !api_if_match_or_reply(rq, false, &version))
		return API_REPLIED;
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	struct db_refusal why = {0};
	struct db_scorecard out;
	enum db_status st = db_scorecard_save(rq->db, rq->arena, &ctx, seat.round.id, seat.role, &in,
					      version, &out, &why);
	if (st != DB_OK)
		return api_reply_refusal(rq, st, &why, "scorecard");
	metrics_count(METRIC_SCORECARD_DRAFT_SAVES, 1);
	return reply_card(rq, &out);
}

/* The draft as submission content (borrowing c's arrays). */
static struct db_scorecard_in
content_of(const struct db_scorecard *c)
{
	return (struct db_scorecard_in){c->ratings, c->n_ratings, c->red_flags, c->n_red_flags,
					c->notes, c->n_notes, c->recommendation, c->summary, NULL};
}

/* 409 when the round cannot take a submission; false when it can. */
static bool
round_refused(struct api_request *rq, const struct db_scorecard_seat *seat)
{
	struct db_refusal why = {0};
	if (!strcmp(seat->round.status, "cancelled"))
		why.reason = DB_REFUSED_ROUND_CANCELLED;
	else if (!strcmp(seat->round.status, "no_show"))
		why.reason = DB_REFUSED_ROUND_NO_SHOW;
	else if (!seat->started)
		why.reason = DB_REFUSED_SCORECARD_ROUND_NOT_STARTED;
	else
		return false;
	api_reply_refused(rq, &why);
	return true;
}

/* POST /v1/rounds/{id}/scorecard/submit */
enum api_result
api_scorecard_submit(struct api_request *rq)
{
	struct db_scorecard_seat seat;
	struct rubric rb;
	struct db_scorecard c;
	int version;
	if ((rq->json && !api_parse_or_reply(rq, submit_spec)) || !seat_or_reply(rq, &seat) ||
	    !api_if_match_or_reply(rq, false, &version))
		return API_REPLIED;
	enum db_status st = db_scorecard_own(rq->db, rq->arena, rq->who->org_id, seat.round.id,
					     rq->who->sub, &c);
	if (st == DB_NONE)
		c = empty_card(rq, &seat);
	else if (st != DB_OK)
		return api_reply_db(rq, st, "scorecard");
	struct db_refusal why = {.reason = DB_REFUSED_SCORECARD_SUBMITTED};
	if (!strcmp(c.status, "submitted"))
		return api_reply_refused(rq, &why);
	if (round_refused(rq, &seat) || !rubric_or_reply(rq, &seat, &rb))
		return API_REPLIED;
	struct db_scorecard_in in = content_of(&c);
	if (incomplete_replied(rq, &rb, &in))
		return API_REPLIED;
	if (version && version != c.version)
		return api_reply_db(rq, DB_STALE, "scorecard");
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	why = (struct db_refusal){0};
	st = db_scorecard_submit(rq->db, rq->arena, &ctx, seat.round.id, c.version, &c, &why);
	if (st != DB_OK)
		return api_reply_refusal(rq, st, &why, "scorecard");
	return reply_card(rq, &c);
}

/* POST /v1/rounds/{id}/scorecard/amend: a new submitted revision. */
enum api_result
api_scorecard_amend(struct api_request *rq)
{
	struct db_scorecard_seat seat;
	struct rubric rb;
	struct db_scorecard_in in = {0};
	int version;
	if (!seat_or_reply(rq, &seat) || !rubric_or_reply(rq, &seat, &rb) ||
	    !api_scorecard_content_or_reply(rq, true, &rb, &in) ||
	    !api_if_match_or_reply(rq, false, &version) || incomplete_replied(rq, &rb, &in))
		return API_REPLIED;
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	struct db_refusal why = {0};
	struct db_scorecard out;
	enum db_status st = db_scorecard_amend(rq->db, rq->arena, &ctx, seat.round.id, &in, version,
					       &out, &why);
	if (st != DB_OK)
		return api_reply_refusal(rq, st, &why, "scorecard");
	return reply_card(rq, &out);
}
