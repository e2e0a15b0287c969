/* Loops: recruiters create and run them; hiring managers read the loops
 * they manage; interviewers the loops they interview in. */
#include <string.h>
#include "api/common.h"
#include "api/handlers.h"
#include "api/hygiene.h"
#include "api/scheduling.h"
#include "api/spec.h"
#include "base/text.h"
#include "db/scheduling.h"

static const char *const statuses[] = {"draft", "scheduled", "in_progress", "awaiting_decision",
				       "decided", "cancelled", NULL};

static const struct spec_field loop_spec[] = {
	{"candidate_id", SPEC_STRING, SPEC_REQUIRED, .format = SPEC_UUID},
	{"position", SPEC_STRING, SPEC_REQUIRED | SPEC_NONBLANK, 1, 200},
	{"recruiter_id", SPEC_STRING, SPEC_REQUIRED, .format = SPEC_UUID},
	{"hiring_manager_id", SPEC_STRING, SPEC_REQUIRED, .format = SPEC_UUID},
	{"template", SPEC_STRING, 0, 2, 64, SPEC_KEY},
	{"plan", SPEC_ARRAY, 0, 1, 20, .item_type = SPEC_STRING, .item_format = SPEC_KEY,
	 .item_max = 64},
	{NULL},
};

static const struct spec_field loop_patch_spec[] = {
	{"position", SPEC_STRING, SPEC_NONBLANK, 1, 200},
	{"recruiter_id", SPEC_STRING, 0, .format = SPEC_UUID},
	{"hiring_manager_id", SPEC_STRING, 0, .format = SPEC_UUID},
	{NULL},
};

static const struct spec_field cancel_spec[] = {
	{"reason", SPEC_STRING, SPEC_REQUIRED, 1, 2000},
	{NULL},
};

/* A loop as served: "rounds" is null in lists. A new reference. */
static json_t *
loop_json(const struct db_loop *l)
{
	json_t *rounds = json_null(), *warnings = json_null();
	if (l->with_rounds) {
		rounds = json_array();
		warnings = json_array();
		for (int i = 0; i < l->nrounds; i++) {
			json_array_append_new(rounds, api_round_json(&l->rounds[i]));
			api_warnings_append(warnings, l->rounds[i].id, l->rounds[i].warnings);
		}
	}
	return json_pack("{s:s, s:s, s:{s:s, s:s?}, s:s, s:s, s:s, s:s, s:s?, s:s?, s:i, s:s, s:s,"
			 " s:o, s:o, s:o}", "id", l->id, "candidate_id", l->candidate_id, "candidate",
			 "id", l->candidate_id, "name", l->candidate_name, "position", l->position,
			 "recruiter_id", l->recruiter_id, "hiring_manager_id", l->hiring_manager_id,
			 "status", l->status, "cancel_reason", l->cancel_reason, "template",
			 l->template, "version", l->version, "created_at", l->created_at,
			 "updated_at", l->updated_at, "rounds", rounds, "warnings", warnings,
			 "elapsed_days", api_elapsed_json(l->timed, l->elapsed_days));
}

static enum api_result
reply_loop(struct api_request *rq, int status, const struct db_loop *loop)
{
	api_set_etag(rq, loop->version);
	if (status == 201)
		api_set_location(rq, arena_printf(rq->arena, "/v1/loops/%s", loop->id));
	return api_reply_json(rq, status, loop_json(loop));
}

/* The bits of set (LOOP_CHECK_CANDIDATE, LOOP_RECRUITER,
 * LOOP_HIRING_MANAGER) whose field errors does not name. */
static unsigned
people_ok(json_t *errors, unsigned set)
{
	return set & ((spec_failed(errors, "candidate_id") ? 0 : LOOP_CHECK_CANDIDATE) |
		      (spec_failed(errors, "recruiter_id") ? 0 : LOOP_RECRUITER) |
		      (spec_failed(errors, "hiring_manager_id") ? 0 : LOOP_HIRING_MANAGER));
}

/* 422 with errors (stolen) and the refusals of the lookups in set, the
 * well-formed fields of in, so that one answer names every bad field. */
static enum api_result
invalid_with_lookups(struct api_request *rq, const struct db_loop_in *in, unsigned set,
		     json_t *errors)
{
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	struct db_refusal why = {0};
	if (set && db_loop_check(rq->db, rq->arena, &ctx, in, set, &why) == DB_INVALID)
		api_refusal_errors(rq, &why, errors);
	return api_reply_invalid(rq, errors);
}

/* POST /v1/loops: with "template" or "plan", the rounds are created
 * unscheduled, each pinned to the newest rubric for its kind. */
enum api_result
api_loops_create(struct api_request *rq)
{
	json_t *errors;
	if (!api_parse_collect_or_reply(rq, loop_spec, &errors))
		return API_REPLIED;
	bool plan_ok = !spec_failed(errors, "plan") && !spec_failed(errors, "template");
	json_t *plan = json_object_get(rq->json, "plan");
	size_t n = plan_ok ? json_array_size(plan) : 0;
	const char **kinds = arena_alloc(rq->arena, sizeof(char *) * (n + 1));
	for (size_t i = 0; i < n; i++)
		kinds[i] = json_string_value(json_array_get(plan, i));
	struct db_loop_in in = {
		.candidate_id = spec_str(rq->json, "candidate_id"),
		.position = spec_str(rq->json, "position"),
		.recruiter_id = spec_str(rq->json, "recruiter_id"),
		.hiring_manager_id = spec_str(rq->json, "hiring_manager_id"),
		.template = plan_ok ? spec_str(rq->json, "template") : NULL, .plan = kinds,
		.nplan = (int)n};
	if (json_array_size(errors))
		return invalid_with_lookups(rq, &in, people_ok(errors, LOOP_CHECK_CANDIDATE |
			LOOP_RECRUITER | LOOP_HIRING_MANAGER) | (plan_ok ? LOOP_CHECK_PLAN : 0), errors);
	json_decref(errors);
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	struct db_refusal why = {0};
	struct db_loop out;
	enum db_status st = db_loop_create(rq->db, rq->arena, &ctx, &in, &out, &why);
	if (st != DB_OK)
		return api_reply_refusal(rq, st, &why, "loop");
	return reply_loop(rq, 201, &out);
}

/* A uuid query filter; false with 400 queued when malformed. */
static bool
uuid_query(struct api_request *rq, const char *name, const char **out)
{
	*out = api_query(rq, name);
	if (*out && !text_is_uuid(*out)) {
		api_reply_error(rq, E_INVALID_QUERY, "%s must be a UUID", name);
		return false;
	}
	return true;
}

/* GET /v1/loops?status=&candidate_id=&hiring_manager_id=&recruiter_id= */
enum api_result
api_loops_list(struct api_request *rq)
{
	struct db_loop_filter f = {.status = api_query(rq, "status")};
	struct api_page page;
	if (!api_sync_page_or_reply(rq, &page) || !uuid_query(rq, "candidate_id", &f.candidate_id) ||
	    !uuid_query(rq, "hiring_manager_id", &f.hiring_manager_id) ||
	    !uuid_query(rq, "recruiter_id", &f.recruiter_id))
		return API_REPLIED;
	bool known = !f.status;
	for (const char *const *s = statuses; *s && !known; s++)
		known = !strcmp(*s, f.status);
	if (!known)
		return api_reply_error(rq, E_INVALID_QUERY, "status must be one of draft, scheduled, "
				"in_progress, awaiting_decision, decided, cancelled");
	struct db_viewer v;
	api_viewer(rq, &v);
	struct db_page list = {page.after_created, page.after_id, page.limit + 1, page.desc,
			       page.updated_after, page.created_after};
	struct db_loop *loops;
	int n;
	enum db_status st = db_loop_list(rq->db, rq->arena, &v, &f, &list, &loops, &n);
	if (st != DB_OK)
		return api_reply_db(rq, st, "loop");
	bool more = n > page.limit;
	json_t *data = json_array();
	for (int i = 0; i < n && i < page.limit; i++)
		json_array_append_new(data, loop_json(&loops[i]));
	return api_reply_json(rq, 200, api_page_json(rq, data,
						     more ? loops[page.limit - 1].created_at : NULL,
						     more ? loops[page.limit - 1].id : NULL));
}

/* GET /v1/loops/{id}: with its rounds (an interviewer sees only theirs). */
enum api_result
api_loops_get(struct api_request *rq)
{
	struct db_viewer v;
	api_viewer(rq, &v);
	struct db_loop out;
	enum db_status st = db_loop_get(rq->db, rq->arena, &v, api_param(rq, 0), &out);
	if (st != DB_OK)
		return api_reply_db(rq, st, "loop");
	return reply_loop(rq, 200, &out);
}

/* PATCH /v1/loops/{id}: position, recruiter, hiring manager (If-Match). */
enum api_result
api_loops_patch(struct api_request *rq)
{
	int version;
	json_t *errors;
	if (!api_parse_patch_collect_or_reply(rq, loop_patch_spec, &errors))
		return API_REPLIED;
	struct db_loop_in in = {.position = spec_str(rq->json, "position"),
				.recruiter_id = spec_str(rq->json, "recruiter_id"),
				.hiring_manager_id = spec_str(rq->json, "hiring_manager_id")};
	in.set = (in.recruiter_id ? LOOP_RECRUITER : 0) |
		 (in.hiring_manager_id ? LOOP_HIRING_MANAGER : 0) | (in.position ? LOOP_POSITION : 0);
	if (json_array_size(errors))
		return invalid_with_lookups(rq, &in, people_ok(errors, in.set), errors);
	json_decref(errors);
	if (!api_if_match_or_reply(rq, true, &version))
		return API_REPLIED;
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	struct db_refusal why = {0};
	struct db_loop out;
	enum db_status st = db_loop_update(rq->db, rq->arena, &ctx, api_param(rq, 0), version, &in,
					   &out, &why);
	if (st != DB_OK)
		return api_reply_refusal(rq, st, &why, "loop");
	return reply_loop(rq, 200, &out);
}

/* POST /v1/loops/{id}/cancel: reason required; its open rounds are cancelled. */
enum api_result
api_loops_cancel(struct api_request *rq)
{
	if (!api_parse_or_reply(rq, cancel_spec))
		return API_REPLIED;
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	struct db_refusal why = {0};
	struct db_loop out;
	enum db_status st = db_loop_cancel(rq->db, rq->arena, &ctx, api_param(rq, 0),
					   spec_str(rq->json, "reason"), &out, &why);
	if (st != DB_OK)
		return api_reply_refusal(rq, st, &why, "loop");
	return reply_loop(rq, 200, &out);
}
