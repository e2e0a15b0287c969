/* The caller's organisation and its settings (admins). */
#include "api/common.h"
#include "api/handlers.h"
#include "api/spec.h"
#include "auth/principal.h"
#include "db/orgs.h"

static const struct spec_field org_patch_spec[] = {
	{"password_grant", SPEC_BOOLEAN, 0},
	{NULL},
};

/* The org as JSON, with the console link that signs people in to it
 * (console_url: the org is named by the link, not guessed from an email). */
static json_t *
org_json(struct api_request *rq, const struct db_org *o)
{
	return json_pack("{s:s, s:s, s:b, s:s}", "id", o->id, "name", o->name, "password_grant",
			 o->password_grant, "console_url",
			 arena_printf(rq->arena, "%s/app/?org=%s", api_public_base(rq), o->id));
}

/* GET /v1/org */
enum api_result
api_org_get(struct api_request *rq)
{
	struct db_org o;
	enum db_status st = db_org_get(rq->db, rq->arena, rq->who->org_id, &o);
	if (st != DB_OK)
		return api_reply_db(rq, st, "organisation");
	return api_reply_json(rq, 200, org_json(rq, &o));
}

/* PATCH /v1/org: password_grant false refuses the password grant for every
 * client of the org (people sign in through the authorization code flow:
 * the org's console row cannot be revoked, so its console link always
 * works and turning the grant off never locks the org out). */
enum api_result
api_org_patch(struct api_request *rq)
{
	if (!api_parse_patch_or_reply(rq, org_patch_spec))
		return API_REPLIED;
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	struct db_org o;
	enum db_status st = db_org_set_password_grant(rq->db, rq->arena, &ctx,
		json_is_true(json_object_get(rq->json, "password_grant")), &o);
	if (st != DB_OK)
		return api_reply_db(rq, st, "organisation");
	return api_reply_json(rq, 200, org_json(rq, &o));
}
