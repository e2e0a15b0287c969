/* The org's API rate limit: admins read it and set the org's own
 * (audited); null goes back to LOOP_RATE_LIMIT. */
#include "api/common.h"
#include "api/config.h"
#include "api/handlers.h"
#include "api/ratelimit.h"
#include "api/spec.h"
#include "auth/principal.h"
#include "db/rate_limits.h"

/* {"requests_per_minute","default","instances","per_instance","updated_at"} */
static enum api_result
reply_limit(struct api_request *rq, long own, const char *updated_at)
{
	long per_minute = api_rate_limit_effective(own);
	json_t *body = json_pack("{s:I, s:b, s:I, s:I, s:o}", "requests_per_minute",
				 (json_int_t)per_minute, "default", own == 0, "instances",
				 (json_int_t)config.rate_limit_instances, "per_instance",
				 (json_int_t)(per_minute / config.rate_limit_instances), "updated_at",
				 updated_at ? json_string(updated_at) : json_null());
	return api_reply_json(rq, 200, body);
}

/* GET /v1/rate-limit */
enum api_result
api_rate_limit_get(struct api_request *rq)
{
	long own;
	char *updated_at;
	enum db_status st = db_rate_limit_get(rq->db, rq->arena, rq->who->org_id, &own, &updated_at);
	if (st != DB_OK && st != DB_NONE)
		return api_reply_db(rq, st, "rate limit");
	return reply_limit(rq, own, updated_at);
}

/* PUT /v1/rate-limit: {"requests_per_minute": n} sets the org's own limit
 * (60 to LOOP_RATE_LIMIT_ORG_MAX, else 422 saying so), null removes it. */
enum api_result
api_rate_limit_put(struct api_request *rq)
{
	const struct spec_field spec[] = {
		{"requests_per_minute", SPEC_INTEGER, SPEC_REQUIRED | SPEC_NULLABLE,
		 API_RATE_LIMIT_ORG_MIN, config.rate_limit_org_max},
		{NULL},
	};
	if (!api_parse_or_reply(rq, spec))
		return API_REPLIED;
	long own = (long)spec_int(rq->json, "requests_per_minute", 0);
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	char *updated_at;
	enum db_status st = db_rate_limit_put(rq->db, rq->arena, &ctx, own, &updated_at);
	if (st != DB_OK)
		return api_reply_db(rq, st, "rate limit");
	api_rate_limit_changed();
	return reply_limit(rq, own, updated_at);
}
