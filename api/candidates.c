/* Candidates: recruiters write; hiring managers and interviewers read the
 * candidates of their loops (interviewers only the basic profile). */
#include <string.h>
#include "api/common.h"
#include "api/handlers.h"
#include "api/spec.h"
#include "db/scheduling.h"

static const struct spec_field candidate_spec[] = {
	{"name", SPEC_STRING, SPEC_REQUIRED | SPEC_NONBLANK, 1, 200},
	{"email", SPEC_STRING, SPEC_REQUIRED, 3, 254, SPEC_EMAIL},
	{"phone", SPEC_STRING, SPEC_NULLABLE, 3, 40},
	{"source", SPEC_STRING, SPEC_NULLABLE, 1, 100},
	{"notes", SPEC_STRING, SPEC_NULLABLE, 0, 10000},
	{NULL},
};

static const struct spec_field candidate_patch_spec[] = {
	{"name", SPEC_STRING, SPEC_NONBLANK, 1, 200},
	{"email", SPEC_STRING, 0, 3, 254, SPEC_EMAIL},
	{"phone", SPEC_STRING, SPEC_NULLABLE, 3, 40},
	{"source", SPEC_STRING, SPEC_NULLABLE, 1, 100},
	{"notes", SPEC_STRING, SPEC_NULLABLE, 0, 10000},
	{NULL},
};

/* The fields of the body, and which were present. */
static void
read_fields(struct api_request *rq, struct db_candidate_in *in)
{
	static const struct { const char *name; unsigned bit; } map[] = {
		{"name", CAND_NAME}, {"email", CAND_EMAIL}, {"phone", CAND_PHONE},
		{"source", CAND_SOURCE}, {"notes", CAND_NOTES},
	};
	const char **slots[] = {&in->name, &in->email, &in->phone, &in->source, &in->notes};
	memset(in, 0, sizeof *in);
	for (size_t i = 0; i < 5; i++) {
		if (!spec_has(rq->json, map[i].name))
			continue;
		in->set |= map[i].bit;
		*slots[i] = spec_str(rq->json, map[i].name);
	}
}

static enum api_result
reply_duplicate(struct api_request *rq, const char *dup)
{
	api_reply_error(rq, E_DUPLICATE, "a candidate with this email exists already");
	if (dup)
		api_problem_extend(rq, json_pack("{s:s}", "existing_id", dup));
	return API_REPLIED;
}

/* A candidate as served: the basic profile (id, name, erased) or the full
 * one. A new reference. */
static json_t *
candidate_json(const struct db_candidate *c)
{
	if (c->basic)
		return json_pack("{s:s, s:s, s:b}", "id", c->id, "name", c->name, "erased", c->erased);
	return json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:b, s:i, s:s, s:s}", "id", c->id,
			 "name", c->name, "email", c->email, "phone", c->phone, "source", c->source,
			 "notes", c->notes, "erased", c->erased, "version", c->version,
			 "created_at", c->created_at, "updated_at", c->updated_at);
}

static enum api_result
reply_candidate(struct api_request *rq, int status, const struct db_candidate *c)
{
	if (!c->basic)
		api_set_etag(rq, c->version);
	if (status == 201)
		api_set_location(rq, arena_printf(rq->arena, "/v1/candidates/%s", c->id));
	return api_reply_json(rq, status, candidate_json(c));
}

/* POST /v1/candidates */
enum api_result
api_candidates_create(struct api_request *rq)
{
	if (!api_parse_or_reply(rq, candidate_spec))
		return API_REPLIED;
	struct db_candidate_in in;
	read_fields(rq, &in);
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	struct db_candidate out;
	char *dup = NULL;
	enum db_status st = db_candidate_create(rq->db, rq->arena, &ctx, &in, &out, &dup);
	if (st == DB_CONFLICT)
		return reply_duplicate(rq, dup);
	if (st != DB_OK)
		return api_reply_db(rq, st, "candidate");
	return reply_candidate(rq, 201, &out);
}

/* GET /v1/candidates?q=&limit=&cursor= */
enum api_result
api_candidates_list(struct api_request *rq)
{
	struct api_page page;
	const char *q = api_query(rq, "q");
	if (!api_sync_page_or_reply(rq, &page))
		return API_REPLIED;
	if (q && strlen(q) > 200)
		return api_reply_error(rq, E_INVALID_QUERY, "q may be at most 200 characters");
	struct db_viewer v;
	api_viewer(rq, &v);
	struct db_page list = {page.after_created, page.after_id, page.limit + 1, page.desc,
			       page.updated_after, page.created_after};
	struct db_candidate *c;
	int n;
	enum db_status st = db_candidate_list(rq->db, rq->arena, &v, q, &list, &c, &n);
	if (st != DB_OK)
		return api_reply_db(rq, st, "candidate");
	bool more = n > page.limit;
	json_t *data = json_array();
	for (int i = 0; i < n && i < page.limit; i++)
		json_array_append_new(data, candidate_json(&c[i]));
	return api_reply_json(rq, 200, api_page_json(rq, data, more ? c[page.limit - 1].created_at : NULL,
						     more ? c[page.limit - 1].id : NULL));
}

/* GET /v1/candidates/{id} */
enum api_result
api_candidates_get(struct api_request *rq)
{
	struct db_viewer v;
	api_viewer(rq, &v);
	struct db_candidate out;
	enum db_status st = db_candidate_get(rq->db, rq->arena, &v, api_param(rq, 0), &out);
	if (st != DB_OK)
		return api_reply_db(rq, st, "candidate");
	return reply_candidate(rq, 200, &out);
}

/* PATCH /v1/candidates/{id} (If-Match); null clears phone, source, notes. */
enum api_result
api_candidates_patch(struct api_request *rq)
{
	int version;
	if (!api_parse_patch_or_reply(rq, candidate_patch_spec) || !api_if_match_or_reply(rq, true, &version))
		return API_REPLIED;
	struct db_candidate_in in;
	read_fields(rq, &in);
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	struct db_candidate out;
	char *dup = NULL;
	enum db_status st = db_candidate_update(rq->db, rq->arena, &ctx, api_param(rq, 0), version,
						&in, &out, &dup);
	if (st == DB_CONFLICT)
		return reply_duplicate(rq, dup);
	if (st == DB_STATE)
		return api_reply_error(rq, E_INVALID_STATE, "an erased candidate cannot be changed");
	if (st != DB_OK)
		return api_reply_db(rq, st, "candidate");
	return reply_candidate(rq, 200, &out);
}

/* DELETE /v1/candidates/{id}: erasure of the candidate's personal data. */
enum api_result
api_candidates_erase(struct api_request *rq)
{
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	enum db_status st = db_candidate_erase(rq->db, rq->arena, &ctx, api_param(rq, 0));
	if (st == DB_STATE)
		return api_reply_error(rq, E_INVALID_STATE, "the candidate is erased already");
	if (st != DB_OK)
		return api_reply_db(rq, st, "candidate");
	return api_reply_empty(rq, 204);
}
