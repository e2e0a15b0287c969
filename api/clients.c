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
#include "base/text.h"
#include "db/clients.h"

static const char *const grant_names[] = {"client_credentials", "password", "refresh_token",
	"authorization_code", NULL};
static const char *const scope_names[] = {"candidates:read", "candidates:write", "loops:read",
	"loops:write", "scorecards:write", "decisions:read", "decisions:write", "rubrics:write",
	"audit:read", "users:admin", "webhooks:admin", NULL};

static const struct spec_field client_spec[] = {
	{"name", SPEC_STRING, SPEC_REQUIRED, 1, 200},
	{"grants", SPEC_ARRAY, SPEC_REQUIRED, 1, 4, .item_type = SPEC_STRING, .item_enums = grant_names},
	{"scopes", SPEC_ARRAY, SPEC_REQUIRED, 1, 11, .item_type = SPEC_STRING, .item_enums = scope_names},
	{"first_party", SPEC_BOOLEAN, 0},
	{"redirect_uris", SPEC_ARRAY, 0, 0, 10, .item_type = SPEC_STRING, .item_max = 512},
	{"public", SPEC_BOOLEAN, 0},
	{NULL},
};

/* True for a loopback host (http is allowed there, RFC 8252 7.3). */
static bool
loopback(const char *host, size_t n)
{
	return (n == 9 && !strncmp(host, "localhost", 9)) || (n == 9 && !strncmp(host, "127.0.0.1", 9)) ||
	       (n == 5 && !strncmp(host, "[::1]", 5));
}

/* Why uri cannot be a redirect URI (NULL: it can): absolute https (http
 * for loopback hosts only), no fragment, no userinfo, visible ASCII. */
static const char *
redirect_uri_refusal(const char *uri)
{
	bool https = !strncmp(uri, "https://", 8), http = !strncmp(uri, "http://", 7);
	if (!text_is_visible_ascii(uri, 512) || strchr(uri, '#') || strchr(uri, '\\'))
		return "visible ASCII without a fragment (#) or backslash";
	if (!https && !http)
		return "an absolute https URI (http only for loopback hosts)";
	const char *auth = uri + (https ? 8 : 7);
	size_t alen = strcspn(auth, "/?");
	if (!alen || memchr(auth, '@', alen) || memchr(auth, '*', alen))
		return "a host without userinfo or wildcards";
	const char *bracket = auth[0] == '[' ? memchr(auth, ']', alen) : NULL;
	size_t hlen = bracket ? (size_t)(bracket - auth + 1) : strcspn(auth, ":/?");
	if (http && !loopback(auth, hlen))
		return "https (http only for localhost, 127.0.0.1 or [::1])";
	return NULL;
}

/* Appends a field error for each bad redirect URI and for grants a public
 * client may not have or a code client without redirect URIs. */
static void
check_code_client(struct api_request *rq, json_t *errors, bool public, const char *grants)
{
	json_t *uris = json_object_get(rq->json, "redirect_uris");
	size_t i;
	json_t *v;
	if (!spec_failed(errors, "redirect_uris"))
		json_array_foreach(uris, i, v) {
			const char *why = redirect_uri_refusal(json_string_value(v));
			if (why)
				spec_error(errors, arena_printf(rq->arena, "redirect_uris[%zu]", i), "format",
					   arena_printf(rq->arena, "must be %s", why));
		}
	if (spec_failed(errors, "grants"))
		return;
	bool code = strstr(grants, "authorization_code") != NULL;
	if (public && (strstr(grants, "password") || strstr(grants, "client_credentials") || !code))
		spec_error(errors, "grants", "public_client", "a public client has no secret: it may use "
			   "authorization_code (with PKCE) and refresh_token only");
	if (code && !json_array_size(uris) && !spec_failed(errors, "redirect_uris"))
		spec_error(errors, "redirect_uris", "required",
			   "the authorization_code grant needs at least one redirect URI");
}

static json_t *
client_json(const struct db_client *c)
{
	return json_pack("{s:s, s:s, s:o, s:o, s:b, s:b, s:o, s:b, s:s}", "id", c->id, "name",
			 c->name, "grants", api_words_json(c->grants), "scopes",
			 api_words_json(c->scopes), "first_party", c->first_party, "confidential",
			 c->secret_hash != NULL, "redirect_uris", api_words_json(c->redirect_uris),
			 "public", c->public, "created_at", c->created_at);
}

/* POST /v1/clients: the secret is in this response only. */
enum api_result
api_clients_create(struct api_request *rq)
{
	json_t *errors;
	if (!api_parse_collect_or_reply(rq, client_spec, &errors))
		return API_REPLIED;
	bool public = json_is_true(json_object_get(rq->json, "public"));
	char *grants = spec_failed(errors, "grants") ? "" : api_join_distinct(rq, json_object_get(rq->json, "grants"));
	check_code_client(rq, errors, public, grants);
	if (json_array_size(errors))
		return api_reply_invalid(rq, errors);
	json_decref(errors);
	char *secret = public ? NULL : crypto_token(rq->arena, 32);
	unsigned scopes = 0;
	char *bad;
	auth_scope_parse(rq->arena, api_join_distinct(rq, json_object_get(rq->json, "scopes")), &scopes, &bad);
	if (scopes & ~rq->who->scopes)
		return api_reply_forbidden(rq, E_FORBIDDEN, "you cannot grant scopes you do not hold");
	struct db_client in = {.name = (char *)spec_str(rq->json, "name"),
			       .secret_hash = secret ? crypto_sha256_hex(rq->arena, secret,
									 strlen(secret)) : NULL,
			       .grants = grants,
			       .redirect_uris = json_object_get(rq->json, "redirect_uris")
				       ? api_join_distinct(rq, json_object_get(rq->json, "redirect_uris")) : NULL,
			       .public = public,
			       .scopes = auth_scope_format(rq->arena, scopes),
			       .first_party = json_is_true(json_object_get(rq->json, "first_party"))},
			 out;
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	enum db_status st = db_client_create(rq->db, rq->arena, &ctx, &in, &out);
	if (st != DB_OK)
		return api_reply_db(rq, st, "client");
	json_t *body = client_json(&out);
	if (secret) {
		json_object_set_new(body, "client_secret", json_string(secret));
		rq->secret_members[0] = "client_secret";
	}
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

/* DELETE /v1/clients/{id}: revokes the client and its refresh tokens (the
 * built-in console client's row is not the API's: 404). The
 * caller needs every scope the client holds (as for creating it), and the
 * org's last first-party sign-in client stays (409). */
enum api_result
api_clients_delete(struct api_request *rq)
{
	struct db_client c;
	enum db_status st = db_client_get(rq->db, rq->arena, api_param(rq, 0), &c);
	if (st == DB_OK && (c.revoked || c.builtin || strcmp(c.org_id, rq->who->org_id) != 0))
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
