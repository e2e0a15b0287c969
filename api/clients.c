/* API clients of an org (admins): integrations using client credentials. */
#include <string.h>
#include "api/common.h"
#include "api/authn.h"
#include "api/handlers.h"
#include "api/spec.h"
#include "auth/standing.h"
#include "auth/principal.h"
#include "auth/scope.h"
#include "base/crypto.h"
#include "db/clients.h"

static const char *const grant_names[] = {"client_credentials", "password", "refresh_token", NULL};
static const char *const scope_names[] = {"candidates:read", "candidates:write", "loops:read",
	"loops:write", "scorecards:write", "decisions:read", "decisions:write", "rubrics:write",
	"audit:read", "users:admin", "webhooks:admin", NULL};

static const struct spec_field client_spec[] = {
	{"name", SPEC_STRING, SPEC_REQUIRED, 1, 200},
	{"grants", SPEC_ARRAY, SPEC_REQUIRED, 1, 3, .item_type = SPEC_STRING, .item_enums = grant_names},
	{"scopes", SPEC_ARRAY, SPEC_REQUIRED, 1, 11, .item_type = SPEC_STRING, .item_enums = scope_names},
	{"first_party", SPEC_BOOLEAN, 0},
	{NULL},
};

static json_t *
client_json(const struct db_client *c)
{
	return json_pack("{s:s, s:s, s:o, s:o, s:b, s:b, s:s}", "id", c->id, "name", c->name,
			 "grants", api_words_json(c->grants), "scopes", api_words_json(c->scopes),
			 "first_party", c->first_party, "confidential", c->secret_hash != NULL,
			 "created_at", c->created_at);
}

/* Space-joined distinct strings of a validated array. */
static char *
join(struct api_request *rq, json_t *arr)
{
	struct abuf b;
	abuf_init(&b, rq->arena);
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		const char *s = json_string_value(v);
		bool seen = false;
		for (size_t j = 0; j < i; j++)
			seen |= !strcmp(json_string_value(json_array_get(arr, j)), s);
		if (seen)
			continue;
		if (b.len)
			abuf_puts(&b, " ");
		abuf_puts(&b, s);
	}
	return b.data;
}

/* POST /v1/clients: the secret is in this response only. */
enum api_result
api_clients_create(struct api_request *rq)
{
	if (!api_parse_or_reply(rq, client_spec))
		return API_REPLIED;
	char *secret = crypto_token(rq->arena, 32);
	unsigned scopes = 0;
	char *bad;
	auth_scope_parse(rq->arena, join(rq, json_object_get(rq->json, "scopes")), &scopes, &bad);
	if (scopes & ~rq->who->scopes)
		return api_reply_forbidden(rq, E_FORBIDDEN, "you cannot grant scopes you do not hold");
	struct db_client in = {.name = (char *)spec_str(rq->json, "name"),
			       .secret_hash = crypto_sha256_hex(rq->arena, secret, strlen(secret)),
			       .grants = join(rq, json_object_get(rq->json, "grants")),
			       .scopes = auth_scope_format(rq->arena, scopes),
			       .first_party = json_is_true(json_object_get(rq->json, "first_party"))},
			 out;
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	enum db_status st = db_client_create(rq->db, rq->arena, &ctx, &in, &out);
	if (st != DB_OK)
		return api_reply_db(rq, st, "client");
	json_t *body = client_json(&out);
	json_object_set_new(body, "client_secret", json_string(secret));
	rq->secret_members[0] = "client_secret";
	api_set_location(rq, arena_printf(rq->arena, "/v1/clients/%s", out.id));
	return api_reply_json(rq, 201, body);
}

/* GET /v1/clients: active clients, secrets never shown. */
enum api_result
api_clients_list(struct api_request *rq)
{
	struct api_page page;
	if (!api_page_or_reply(rq, &page) || !api_order_or_reply(rq, &page.desc))
		return API_REPLIED;
	struct db_page p = {page.after_created, page.after_id, page.limit + 1, page.desc, NULL,
			    NULL};
	struct db_client *list;
	int n;
	enum db_status st = db_client_list(rq->db, rq->arena, rq->who->org_id, &p, &list, &n);
	if (st != DB_OK)
		return api_reply_db(rq, st, "client");
	json_t *data = json_array();
	int shown = n > page.limit ? page.limit : n;
	for (int i = 0; i < shown; i++)
		json_array_append_new(data, client_json(&list[i]));
	const struct db_client *last = n > page.limit ? &list[shown - 1] : NULL;
	return api_reply_json(rq, 200, api_page_json(rq, data, last ? last->created_at : NULL,
					      last ? last->id : NULL));
}

/* DELETE /v1/clients/{id}: revokes the client and its refresh tokens. The
 * caller needs every scope the client holds (as for creating it), and the
 * org's last first-party sign-in client stays (409). */
enum api_result
api_clients_delete(struct api_request *rq)
{
	struct db_client c;
	enum db_status st = db_client_get(rq->db, rq->arena, api_param(rq, 0), &c);
	if (st == DB_OK && (c.revoked || strcmp(c.org_id, rq->who->org_id) != 0))
		st = DB_NONE;
	if (st != DB_OK)
		return api_reply_db(rq, st, "client");
	unsigned scopes = 0;
	char *bad;
	auth_scope_parse(rq->arena, c.scopes, &scopes, &bad);
	if (scopes & ~rq->who->scopes)
		return api_reply_forbidden(rq, E_FORBIDDEN, "deleting a client needs every scope it holds");
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	st = db_client_revoke(rq->db, &ctx, c.id);
	if (st == DB_STATE)
		return api_reply_error(rq, E_INVALID_STATE, "this is the organisation's last first-party "
				       "client: nobody could sign in without it (create another first)");
	if (st != DB_OK)
		return api_reply_db(rq, st, "client");
	auth_standing_drop(false, rq->who->org_id, api_param(rq, 0));	/* here at once */
	return api_reply_empty(rq, 204);
}
