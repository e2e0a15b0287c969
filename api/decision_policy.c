/* The org's decision policy: everyone with decisions:read reads it, admins
 * replace it (If-Match, versioned, audited). An org that never stored one
 * reads the engine's defaults as version 1. */
#include <string.h>
#include "api/authn.h"
#include "api/common.h"
#include "api/decisions.h"
#include "api/handlers.h"
#include "auth/principal.h"
#include "auth/scope.h"
#include "db/decisions.h"

void
api_policy_from_db(struct arena *a, const struct db_policy *row, struct decision_policy *out)
{
	*out = decision_policy_defaults();
	out->version = row->version;
	if (!row->stored)
		return;
	out->hire_threshold = row->hire_threshold;
	out->max_split = row->max_split;
	out->shrinkage_k = row->shrinkage_k;
	out->count_shadows = row->count_shadows;
	out->critical_flag_blocks = row->critical_flag_blocks;
	out->bar_raiser_no_blocks = row->bar_raiser_no_blocks;
	struct decision_round_weight *w = arena_alloc(a, sizeof *w * (size_t)(row->n_round_weights + 1));
	for (int i = 0; i < row->n_round_weights; i++)
		w[i] = (struct decision_round_weight){row->round_weights[i].kind,
						      row->round_weights[i].weight};
	out->round_weights = w;
	out->n_round_weights = (size_t)row->n_round_weights;
}

/* The policy row as served, with version and updated_at; ETag set. */
static enum api_result
reply_policy(struct api_request *rq, const struct db_policy *row)
{
	struct decision_policy p;
	api_policy_from_db(rq->arena, row, &p);
	json_t *body = decision_policy_to_json(&p);
	json_object_set_new(body, "version", json_integer(row->version));
	json_object_set_new(body, "defaults", json_boolean(!row->stored));
	json_object_set_new(body, "updated_at",
			    row->updated_at ? json_string(row->updated_at) : json_null());
	api_set_etag(rq, row->version);
	return api_reply_json(rq, 200, body);
}

/* GET /v1/decision-policy */
enum api_result
api_decision_policy_get(struct api_request *rq)
{
	struct db_policy row;
	enum db_status st = db_policy_get(rq->db, rq->arena, rq->who->org_id, &row);
	if (st != DB_OK)
		return api_reply_db(rq, st, "decision policy");
	return reply_policy(rq, &row);
}

/* PUT /v1/decision-policy: the whole policy (members left out take their
 * default); If-Match required; admins only. */
enum api_result
api_decision_policy_put(struct api_request *rq)
{
	if (!(rq->who->kind == AUTH_USER && (rq->who->roles & AUTH_ROLE_ADMIN)))
		return api_reply_forbidden(rq, E_FORBIDDEN, "only admins change the decision policy");
	int version;
	if (!api_if_match_or_reply(rq, true, &version))
		return API_REPLIED;
	struct decision_policy p;
	json_t *errors = api_own(rq, json_array());
	if (!json_is_object(rq->json))
		return api_reply_error(rq, E_BAD_REQUEST, "the body must be a JSON object");
	if (!decision_policy_from_json(rq->arena, rq->json, &p, errors))
		return api_reply_invalid(rq, json_incref(errors));
	struct db_policy in = {.hire_threshold = p.hire_threshold, .max_split = p.max_split,
			       .shrinkage_k = p.shrinkage_k, .count_shadows = p.count_shadows,
			       .critical_flag_blocks = p.critical_flag_blocks,
			       .bar_raiser_no_blocks = p.bar_raiser_no_blocks,
			       .n_round_weights = (int)p.n_round_weights};
	in.round_weights = arena_alloc(rq->arena, sizeof *in.round_weights * (p.n_round_weights + 1));
	for (size_t i = 0; i < p.n_round_weights; i++)
		in.round_weights[i] = (struct db_round_weight){(char *)p.round_weights[i].kind,
							       p.round_weights[i].weight};
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	struct db_policy out;
	enum db_status st = db_policy_put(rq->db, rq->arena, &ctx, version, &in, &out);
	if (st != DB_OK)
		return api_reply_db(rq, st, "decision policy");
	return reply_policy(rq, &out);
}
