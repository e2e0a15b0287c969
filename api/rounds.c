/* Rounds: scheduling, rescheduling, outcomes and interviewer bookings. */
#include <string.h>
#include "api/common.h"
#include "api/handlers.h"
#include "api/hygiene.h"
#include "api/scheduling.h"
#include "api/spec.h"
#include "base/text.h"
#include "db/scheduling.h"

#define MAX_ROUND_US (8LL * 3600 * 1000000)

static const char *const roles[] = {"lead", "shadow", "bar_raiser", NULL};
static const char *const outcomes[] = {"completed", "no_show", NULL};

static const struct spec_field interviewer_spec[] = {
	{"user_id", SPEC_STRING, SPEC_REQUIRED, .format = SPEC_UUID},
	{"role", SPEC_STRING, SPEC_REQUIRED, .enums = roles},
	{NULL},
};

static const struct spec_field round_spec[] = {
	{"kind", SPEC_STRING, SPEC_REQUIRED, 2, 64, SPEC_KEY},
	{"rubric_key", SPEC_STRING, 0, 2, 64, SPEC_KEY},
	{"rubric_version", SPEC_INTEGER, 0, 1, 100000},
	{"starts_at", SPEC_STRING, 0, .format = SPEC_DATETIME},
	{"ends_at", SPEC_STRING, 0, .format = SPEC_DATETIME},
	{"location", SPEC_STRING, SPEC_NULLABLE, 0, 500},
	{"required", SPEC_BOOLEAN, 0},
	{"due_at", SPEC_STRING, 0, .format = SPEC_DATETIME},
	{"expected_effort_hours", SPEC_INTEGER, 0, 1, 200},
	{"interviewers", SPEC_ARRAY, 0, 0, 10, .item_type = SPEC_OBJECT,
	 .item_spec = interviewer_spec},
	{NULL},
};

static const struct spec_field round_patch_spec[] = {
	{"starts_at", SPEC_STRING, 0, .format = SPEC_DATETIME},
	{"ends_at", SPEC_STRING, 0, .format = SPEC_DATETIME},
	{"location", SPEC_STRING, SPEC_NULLABLE, 0, 500},
	{"status", SPEC_STRING, 0, .enums = outcomes},
	{"due_at", SPEC_STRING, SPEC_NULLABLE, .format = SPEC_DATETIME},
	{"expected_effort_hours", SPEC_INTEGER, SPEC_NULLABLE, 1, 200},
	{NULL},
};

static const struct spec_field cancel_spec[] = {
	{"reason", SPEC_STRING, 0, 1, 2000},
	{NULL},
};

static const struct spec_field booking_spec[] = {
	{"role", SPEC_STRING, SPEC_REQUIRED, .enums = roles},
	{NULL},
};

/* starts_at and ends_at come together, in order, at most 8 hours apart:
 * appends what is wrong to errors. */
static void
times_check(const char *starts, const char *ends, json_t *errors)
{
	int64_t s, e;
	if (!starts != !ends)
		spec_error(errors, starts ? "ends_at" : "starts_at", "required",
			   "starts_at and ends_at go together");
	else if (starts && text_parse_rfc3339(starts, &s) && text_parse_rfc3339(ends, &e) &&
		 (e <= s || e - s > MAX_ROUND_US))
		spec_error(errors, "ends_at", "range",
			   "must be after starts_at and at most 8 hours later");
}

/* Interviewers of the (well-formed) body into in; a repeated user is
 * appended to errors. */
static void
interviewers_check(struct api_request *rq, struct db_round_in *in, json_t *errors)
{
	json_t *list = json_object_get(rq->json, "interviewers");
	size_t n = json_array_size(list);
	struct db_interviewer_in *iv = arena_alloc(rq->arena, sizeof *iv * (n + 1));
	for (size_t i = 0; i < n; i++) {
		json_t *item = json_array_get(list, i);
		iv[i].user_id = spec_str(item, "user_id");
		iv[i].role = spec_str(item, "role");
		for (size_t j = 0; j < i; j++)
			if (!strcmp(iv[j].user_id, iv[i].user_id)) {
				spec_error(errors, arena_printf(rq->arena, "interviewers[%zu].user_id", i),
					   "duplicate", "the same interviewer appears twice");
				break;
			}
	}
	in->interviewers = iv;
	in->ninterviewers = (int)n;
}

/* The fields of a round create that passed spec; the rest NULL. */
static struct db_round_in
round_in(struct api_request *rq, json_t *errors)
{
	json_t *required = json_object_get(rq->json, "required");
	bool times_ok = !spec_failed(errors, "starts_at") && !spec_failed(errors, "ends_at");
	bool rubric_ok = !spec_failed(errors, "rubric_key") && !spec_failed(errors, "rubric_version");
	struct db_round_in in = {
		.kind = spec_failed(errors, "kind") ? NULL : spec_str(rq->json, "kind"),
		.rubric_key = rubric_ok ? spec_str(rq->json, "rubric_key") : NULL,
		.rubric_version = rubric_ok ? (int)spec_int(rq->json, "rubric_version", 0) : 0,
		.starts_at = times_ok ? spec_str(rq->json, "starts_at") : NULL,
		.ends_at = times_ok ? spec_str(rq->json, "ends_at") : NULL,
		.location = spec_str(rq->json, "location"),
		.due_at = spec_failed(errors, "due_at") ? NULL : spec_str(rq->json, "due_at"),
		.expected_effort_hours = spec_failed(errors, "expected_effort_hours") ? 0
			: (int)spec_int(rq->json, "expected_effort_hours", 0),
		.required = !required || json_is_true(required)};
	if (times_ok)
		times_check(in.starts_at, in.ends_at, errors);
	if (!spec_failed(errors, "interviewers"))
		interviewers_check(rq, &in, errors);
	return in;
}

json_t *
api_round_json(const struct db_round *r)
{
	json_t *interviewers = json_array();
	for (int i = 0; i < r->ninterviewers; i++) {
		const struct db_interviewer *iv = &r->interviewers[i];
		json_array_append_new(interviewers, json_pack("{s:s, s:s?, s:s}", "user_id", iv->user_id,
							      "name", iv->name, "role", iv->role));
	}
	return json_pack("{s:s, s:s, s:s, s:{s:s, s:i}, s:b, s:s?, s:s?, s:s?, s:s, s:i, s:o, s:i,"
			 " s:s, s:s, s:s?, s:o, s:o}", "id", r->id, "loop_id", r->loop_id, "kind",
			 r->kind, "rubric", "key", r->rubric_key, "version", r->rubric_version,
			 "required", r->required, "starts_at", r->starts_at, "ends_at", r->ends_at,
			 "location", r->location, "status", r->status, "sequence", r->sequence,
			 "interviewers", interviewers, "version", r->version, "created_at",
			 r->created_at, "updated_at", r->updated_at, "due_at", r->due_at,
			 "expected_effort_hours", r->expected_effort_hours
				? json_integer(r->expected_effort_hours) : json_null(),
			 "warnings", api_warnings_json(r->id, r->warnings));
}

static enum api_result
reply_round(struct api_request *rq, int status, const struct db_round *round)
{
	api_set_etag(rq, round->version);
	if (status == 201)
		api_set_location(rq, arena_printf(rq->arena, "/v1/rounds/%s", round->id));
	return api_reply_json(rq, status, api_round_json(round));
}

/* POST /v1/loops/{id}/rounds */
enum api_result
api_rounds_create(struct api_request *rq)
{
	json_t *errors;
	if (!api_parse_collect_or_reply(rq, round_spec, &errors))
		return API_REPLIED;
	struct db_round_in in = round_in(rq, errors);
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	struct db_refusal why = {0};
	if (json_array_size(errors)) {
		/* the lookups of the well-formed fields join the same 422 */
		if (db_round_check(rq->db, rq->arena, &ctx, &in, &why) == DB_INVALID)
			api_refusal_errors(rq, &why, errors);
		return api_reply_invalid(rq, errors);
	}
	json_decref(errors);
	struct db_round out;
	enum db_status st = db_round_create(rq->db, rq->arena, &ctx, api_param(rq, 0), &in, &out, &why);
	if (st != DB_OK)
		return api_reply_refusal(rq, st, &why, st == DB_NONE ? "loop" : "round");
	return reply_round(rq, 201, &out);
}

/* GET /v1/loops/{id}/rounds */
enum api_result
api_rounds_list(struct api_request *rq)
{
	/* A loop holds at most DB_MAX_ROUNDS rounds: one page, always whole. */
	int limit;
	if (!api_limit_or_reply(rq, &limit))
		return API_REPLIED;
	if (api_query(rq, "cursor"))
		return api_reply_error(rq, E_INVALID_CURSOR, "this list has one page");
	struct api_page sync = {0};
	if (!api_sync_filters_or_reply(rq, &sync))
		return API_REPLIED;
	struct db_viewer v;
	api_viewer(rq, &v);
	struct db_round *rounds;
	int n;
	enum db_status st = db_round_list(rq->db, rq->arena, &v, api_param(rq, 0), &rounds, &n);
	if (st != DB_OK)
		return api_reply_db(rq, st, "loop");
	json_t *data = json_array();
	for (int k = 0; k < n; k++) {
		const struct db_round *r = &rounds[sync.desc ? n - 1 - k : k];
		if (api_page_keeps(&sync, r->created_at, r->updated_at))
			json_array_append_new(data, api_round_json(r));
	}
	return api_reply_json(rq, 200, json_pack("{s:o, s:n}", "data", data, "next_cursor"));
}

/* GET /v1/rounds/{id} */
enum api_result
api_rounds_get(struct api_request *rq)
{
	struct db_viewer v;
	api_viewer(rq, &v);
	struct db_round out;
	enum db_status st = db_round_get(rq->db, rq->arena, &v, api_param(rq, 0), &out);
	if (st != DB_OK)
		return api_reply_db(rq, st, "round");
	return reply_round(rq, 200, &out);
}

/* PATCH /v1/rounds/{id}: reschedule, move, or record completed/no_show. */
enum api_result
api_rounds_patch(struct api_request *rq)
{
	int version;
	json_t *errors;
	if (!api_parse_patch_collect_or_reply(rq, round_patch_spec, &errors))
		return API_REPLIED;
	struct db_round_in in = {.starts_at = spec_str(rq->json, "starts_at"),
				 .ends_at = spec_str(rq->json, "ends_at"),
				 .location = spec_str(rq->json, "location"),
				 .status = spec_str(rq->json, "status"),
				 .due_at = spec_str(rq->json, "due_at"),
				 .expected_effort_hours =
					 (int)spec_int(rq->json, "expected_effort_hours", 0)};
	in.set = (in.starts_at || in.ends_at ? ROUND_TIMES : 0) |
		 (spec_has(rq->json, "location") ? ROUND_LOCATION : 0) | (in.status ? ROUND_STATUS : 0) |
		 (spec_has(rq->json, "due_at") ? ROUND_DUE : 0) |
		 (spec_has(rq->json, "expected_effort_hours") ? ROUND_EFFORT : 0);
	if (!spec_failed(errors, "starts_at") && !spec_failed(errors, "ends_at"))
		times_check(in.starts_at, in.ends_at, errors);
	if (json_array_size(errors))
		return api_reply_invalid(rq, errors);
	json_decref(errors);
	if (!api_if_match_or_reply(rq, true, &version))
		return API_REPLIED;
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	struct db_refusal why = {0};
	struct db_round out;
	enum db_status st = db_round_update(rq->db, rq->arena, &ctx, api_param(rq, 0), version, &in,
					    &out, &why);
	if (st != DB_OK)
		return api_reply_refusal(rq, st, &why, "round");
	return reply_round(rq, 200, &out);
}

/* POST /v1/rounds/{id}/cancel */
enum api_result
api_rounds_cancel(struct api_request *rq)
{
	if (rq->json && !api_parse_or_reply(rq, cancel_spec))
		return API_REPLIED;
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	struct db_refusal why = {0};
	struct db_round out;
	enum db_status st = db_round_cancel(rq->db, rq->arena, &ctx, api_param(rq, 0),
					    rq->json ? spec_str(rq->json, "reason") : NULL, &out, &why);
	if (st != DB_OK)
		return api_reply_refusal(rq, st, &why, "round");
	return reply_round(rq, 200, &out);
}

/* PUT /v1/rounds/{id}/interviewers/{user_id}: book or change role. */
enum api_result
api_rounds_put_interviewer(struct api_request *rq)
{
	if (!api_parse_or_reply(rq, booking_spec))
		return API_REPLIED;
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	struct db_refusal why = {0};
	struct db_round out;
	enum db_status st = db_round_put_interviewer(rq->db, rq->arena, &ctx, api_param(rq, 0),
						     api_param(rq, 1), spec_str(rq->json, "role"),
						     &out, &why);
	if (st != DB_OK)
		return api_reply_refusal(rq, st, &why, "round");
	return reply_round(rq, 200, &out);
}

/* DELETE /v1/rounds/{id}/interviewers/{user_id} */
enum api_result
api_rounds_delete_interviewer(struct api_request *rq)
{
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	struct db_refusal why = {0};
	enum db_status st = db_round_remove_interviewer(rq->db, rq->arena, &ctx, api_param(rq, 0),
							api_param(rq, 1), &why);
	if (st != DB_OK)
		return api_reply_refusal(rq, st, &why, st == DB_NONE ? "booking" : "round");
	return api_reply_empty(rq, 204);
}
