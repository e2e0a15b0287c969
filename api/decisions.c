/* A loop's decision packet (read, audited) and its hire decision (the
 * hiring manager's, once). */
#include "api/authn.h"
#include "api/common.h"
#include "api/decisions.h"
#include "api/handlers.h"
#include "api/hygiene.h"
#include "api/spec.h"

static const char *const outcomes[] = {"hire", "no_hire", NULL};

static const struct spec_field decision_spec[] = {
	{"outcome", SPEC_STRING, SPEC_REQUIRED, .enums = outcomes},
	{"rationale", SPEC_STRING, SPEC_REQUIRED, 1, 10000},
	{"override_justification", SPEC_STRING, 0, 30, 10000},
	{NULL},
};

/* A refusal: a 403 is audited as access.denied, the rest worded as usual. */
static enum api_result
reply_refused(struct api_request *rq, enum db_status st, const struct db_refusal *why)
{
	if (why->reason == DB_REFUSED_NOT_HIRING_MANAGER)
		return api_reply_forbidden(rq, E_NOT_HIRING_MANAGER,
					   "only the loop's hiring manager records its decision");
	if (why->reason == DB_REFUSED_PACKET_NOT_ALLOWED)
		return api_reply_forbidden(rq, E_FORBIDDEN,
					   "interviewers do not read the decision packet");
	return api_reply_refusal(rq, st, why, "loop");
}

/* GET /v1/loops/{id}/decision-packet */
enum api_result
api_decision_packet_get(struct api_request *rq)
{
	struct db_viewer v;
	api_viewer(rq, &v);
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	struct api_judge j = {.db = rq->db, .org_id = v.org_id, .with_contributions = false};
	struct db_refusal why = {0};
	const char *id = api_param(rq, 0);
	enum db_status st = db_packet_read(rq->db, rq->arena, &ctx, &v, id, api_judge, &j, &why);
	if (st != DB_OK)
		return reply_refused(rq, st, &why);
	json_t *packet = api_packet_json(id, &j.packet), *warnings = json_array();
	for (int i = 0; i < j.hygiene.n_rounds; i++)
		api_warnings_append(warnings, j.hygiene.rounds[i].round_id, j.hygiene.rounds[i].words);
	json_object_set_new(packet, "warnings", warnings);
	json_object_set_new(packet, "elapsed_days",
			    api_elapsed_json(j.hygiene.timed, j.hygiene.elapsed_days));
	return api_reply_json(rq, 200, packet);
}

static json_t *
decision_json(const struct db_decision *d)
{
	return json_pack("{s:s, s:s, s:s, s:s?, s:b, s:s?, s:b, s:{s:s, s:o, s:i}, s:s, s:s, s:s}",
			 "id", d->id, "loop_id", d->loop_id, "outcome", d->outcome, "rationale",
			 d->rationale, "override", d->override, "override_justification",
			 d->override_justification, "erased", d->erased, "packet", "recommendation",
			 d->packet_recommendation, "score",
			 d->scored ? json_real(d->packet_score) : json_null(), "policy_version",
			 d->policy_version, "loop_status_at_decision", d->loop_status, "decided_by",
			 d->decided_by, "created_at", d->created_at);
}

/* POST /v1/loops/{id}/decision */
enum api_result
api_decision_create(struct api_request *rq)
{
	if (!api_parse_or_reply(rq, decision_spec))
		return API_REPLIED;
	struct db_decision_in in = {spec_str(rq->json, "outcome"), spec_str(rq->json, "rationale"),
				    spec_str(rq->json, "override_justification")};
	struct db_viewer v;
	api_viewer(rq, &v);
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	struct api_judge j = {.db = rq->db, .org_id = v.org_id, .with_contributions = true};
	struct db_refusal why = {0};
	struct db_decision out;
	const char *id = api_param(rq, 0);
	enum db_status st = db_decision_record(rq->db, rq->arena, &ctx, &v, id, &in, api_judge, &j,
					       &out, &why);
	if (st != DB_OK)
		return reply_refused(rq, st, &why);
	api_set_location(rq, arena_printf(rq->arena, "/v1/loops/%s/decision", id));
	return api_reply_json(rq, 201, decision_json(&out));
}

/* GET /v1/loops/{id}/decision: the hiring manager, recruiters, admins and
 * API clients with decisions:read (interviewers lack the scope). */
enum api_result
api_decision_get(struct api_request *rq)
{
	struct db_viewer v;
	api_viewer(rq, &v);
	struct db_decision out;
	enum db_status st = db_decision_get(rq->db, rq->arena, &v, api_param(rq, 0), &out);
	if (st == DB_NONE)
		return api_reply_error(rq, E_NOT_FOUND, "no decision (or no such loop)");
	if (st != DB_OK)
		return api_reply_db(rq, st, "decision");
	return api_reply_json(rq, 200, decision_json(&out));
}
