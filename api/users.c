/* Users of an org (admins), and the caller's own account (/v1/me). */
#include <stdlib.h>
#include <string.h>
#include "api/common.h"
#include "api/config.h"
#include "api/authn.h"
#include "api/handlers.h"
#include "api/login.h"
#include "api/spec.h"
#include "auth/standing.h"
#include "auth/password.h"
#include "auth/principal.h"
#include "auth/scope.h"
#include "base/json_text.h"
#include "base/shared_cache.h"
#include "db/users.h"

static const char *const role_names[] = {"admin", "recruiter", "interviewer", "hiring_manager", NULL};

static const struct spec_field user_create_spec[] = {
	{"email", SPEC_STRING, SPEC_REQUIRED, 3, 254, SPEC_EMAIL},
	{"name", SPEC_STRING, SPEC_REQUIRED | SPEC_NONBLANK, 1, 200},
	{"roles", SPEC_ARRAY, SPEC_REQUIRED, 1, 4, .item_type = SPEC_STRING, .item_enums = role_names},
	{"password", SPEC_STRING, SPEC_REQUIRED, 12, 1024},
	{NULL},
};

static const struct spec_field user_patch_spec[] = {
	{"name", SPEC_STRING, SPEC_NONBLANK, 1, 200},
	{"roles", SPEC_ARRAY, 0, 1, 4, .item_type = SPEC_STRING, .item_enums = role_names},
	{"disabled", SPEC_BOOLEAN, 0},
	{NULL},
};

static const struct spec_field password_spec[] = {
	{"current_password", SPEC_STRING, SPEC_REQUIRED, 1, 1024},
	{"new_password", SPEC_STRING, SPEC_REQUIRED, 12, 1024},
	{NULL},
};

/* A caller may grant only roles whose scopes its own token holds (a
 * client with users:admin cannot mint admins); false with 403 queued. */
static bool
grantable_or_reply(struct api_request *rq, json_t *roles)
{
	unsigned mask = 0;
	size_t i;
	json_t *r;
	json_array_foreach(roles, i, r) mask |= auth_role_from_name(json_string_value(r));
	if (!(auth_scopes_for_roles(mask) & ~rq->who->scopes))
		return true;
	api_reply_forbidden(rq, E_FORBIDDEN, "you cannot grant a role with scopes you do not hold");
	return false;
}

/* The roles the caller may take away (as "a b c"): those whose scopes its
 * token holds, the same power that granting them needs. */
static char *
touchable_roles(struct api_request *rq)
{
	unsigned mask = 0;
	for (unsigned bit = 1; bit <= AUTH_ROLE_ALL; bit <<= 1)
		if (!(auth_scopes_for_roles(bit) & ~rq->who->scopes))
			mask |= bit;
	return auth_roles_format(rq->arena, mask);
}

/* roles JSON array -> "a b c" (deduplicated, canonical order). */
static char *
roles_text(struct api_request *rq, json_t *roles)
{
	unsigned mask = 0;
	size_t i;
	json_t *r;
	json_array_foreach(roles, i, r) mask |= auth_role_from_name(json_string_value(r));
	return auth_roles_format(rq->arena, mask);
}

static json_t *
user_json(const struct db_user *u)
{
	return json_pack("{s:s, s:s, s:s, s:o, s:b, s:i, s:s, s:s}", "id", u->id, "email", u->email,
			 "name", u->name, "roles", api_words_json(u->roles), "disabled", u->disabled,
			 "version", u->version, "created_at", u->created_at, "updated_at",
			 u->updated_at);
}

static enum api_result
reply_user(struct api_request *rq, int status, const struct db_user *u)
{
	api_set_etag(rq, u->version);
	if (status == 201)
		api_set_location(rq, arena_printf(rq->arena, "/v1/users/%s", u->id));
	return api_reply_json(rq, status, user_json(u));
}

/* The password rule with a field-shaped error; false when it queued 422. */
static bool
password_ok_or_reply(struct api_request *rq, const char *field, const char *pw)
{
	const char *why, *weak = NULL;
	if (auth_password_acceptable(pw, &why) && !(weak = auth_password_weakness(pw)))
		return true;
	json_t *errors = json_array();
	if (weak)
		spec_error(errors, field, "weak", arena_printf(rq->arena, "is too weak: %s", weak));
	else
		spec_error(errors, field, "length", why);
	api_reply_invalid(rq, errors);
	return false;
}

/* Hashes on the hashing pool, under the semaphore; NULL when the request
 * moved to the pool, or with 503 queued when saturated. */
static char *
hash_or_reply(struct api_request *rq, const char *pw)
{
	if (!api_hashing_or_defer(rq))
		return NULL;
	if (!auth_password_slot_acquire(2000)) {
		api_reply_error(rq, E_BUSY, "too many password operations at once");
		return NULL;
	}
	struct auth_argon_params p = auth_password_params();
	char *h = auth_password_hash(rq->arena, pw, &p);
	auth_password_slot_release();
	return h;
}

/* POST /v1/users */
enum api_result
api_users_create(struct api_request *rq)
{
	if (!api_parse_or_reply(rq, user_create_spec) ||
	    !password_ok_or_reply(rq, "password", spec_str(rq->json, "password")) ||
	    !grantable_or_reply(rq, json_object_get(rq->json, "roles")))
		return API_REPLIED;
	char *hash = hash_or_reply(rq, spec_str(rq->json, "password"));
	if (!hash)
		return API_REPLIED;
	struct db_user in = {.email = (char *)spec_str(rq->json, "email"),
			     .name = (char *)spec_str(rq->json, "name"),
			     .roles = roles_text(rq, json_object_get(rq->json, "roles")),
			     .password_hash = hash}, out;
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	enum db_status st = db_user_create(rq->db, rq->arena, &ctx, &in, &out);
	if (st == DB_CONFLICT)
		return api_reply_error(rq, E_DUPLICATE, "a user with this email exists already");
	if (st != DB_OK)
		return api_reply_db(rq, st, "user");
	return reply_user(rq, 201, &out);
}

/* GET /v1/users */
enum api_result
api_users_list(struct api_request *rq)
{
	struct api_page page;
	if (!api_page_or_reply(rq, &page) || !api_order_or_reply(rq, &page.desc))
		return API_REPLIED;
	struct db_page p = {page.after_created, page.after_id, page.limit + 1, page.desc, NULL,
			    NULL};
	struct db_user *users;
	int n;
	enum db_status st = db_user_list(rq->db, rq->arena, rq->who->org_id, &p, &users, &n);
	if (st != DB_OK)
		return api_reply_db(rq, st, "user");
	json_t *data = json_array();
	int shown = n > page.limit ? page.limit : n;
	for (int i = 0; i < shown; i++)
		json_array_append_new(data, user_json(&users[i]));
	const struct db_user *last = n > page.limit ? &users[shown - 1] : NULL;
	return api_reply_json(rq, 200, api_page_json(rq, data, last ? last->created_at : NULL,
					      last ? last->id : NULL));
}

/* GET /v1/users/{id} */
enum api_result
api_users_get(struct api_request *rq)
{
	struct db_user u;
	enum db_status st = db_user_get(rq->db, rq->arena, rq->who->org_id, api_param(rq, 0), &u);
	if (st != DB_OK)
		return api_reply_db(rq, st, "user");
	return reply_user(rq, 200, &u);
}

/* PATCH /v1/users/{id}: name, roles, disabled (If-Match required). */
enum api_result
api_users_patch(struct api_request *rq)
{
	int version;
	if (!api_parse_patch_or_reply(rq, user_patch_spec) || !api_if_match_or_reply(rq, true, &version))
		return API_REPLIED;
	json_t *roles = json_object_get(rq->json, "roles");
	json_t *disabled = json_object_get(rq->json, "disabled");
	if (roles && !grantable_or_reply(rq, roles))
		return API_REPLIED;
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	struct db_user out;
	bool forbidden;
	enum db_status st = db_user_update(rq->db, rq->arena, &ctx, api_param(rq, 0), version,
					   spec_str(rq->json, "name"),
					   roles ? roles_text(rq, roles) : NULL, disabled != NULL,
					   json_is_true(disabled), touchable_roles(rq), &forbidden, &out);
	if (st == DB_STATE && forbidden)
		return api_reply_forbidden(rq, E_FORBIDDEN, "removing a role, or disabling a user, "
					   "needs every scope of the roles it takes away");
	if (st == DB_STATE)
		return api_reply_error(rq, E_INVALID_STATE, "an organisation keeps at least one active admin");
	if (st != DB_OK)
		return api_reply_db(rq, st, "user");
	/* Committed: this instance drops the cached standing at once; the
	 * NOTIFY from the same transaction tells the other instances. */
	auth_standing_drop(true, rq->who->org_id, out.id);
	return reply_user(rq, 200, &out);
}

/* GET /v1/me's text, rendered once per user version and token scope: a
 * user at one version always renders the same bytes, so an entry is never
 * stale. The listener empties it with the standing cache, and on any
 * change to a user, so an erased user's text does not stay in memory. */
static struct shared_cache me_cache = SHARED_CACHE_INIT(4096);

struct me_text {
	size_t len;
	char text[];
};

void
api_me_cache_reset(bool usable)
{
	shared_cache_reset(&me_cache, usable);
}

static const struct me_text *
me_text(struct api_request *rq, const struct db_user *u, const char *scope)
{
	char *key = arena_printf(rq->arena, "%s/%s/%d/%s", u->org_id, u->id, u->version, scope);
	uint64_t seen;
	const struct me_text *t = shared_cache_get(&me_cache, rq->arena, key, &seen);
	if (t)
		return t;
	json_t *body = user_json(u);
	json_object_set_new(body, "kind", json_string("user"));
	json_object_set_new(body, "org_id", json_string(u->org_id));
	json_object_set_new(body, "scope", json_string(scope));
	size_t len;
	char *s = json_text(body, &len);
	json_decref(body);
	if (!s)
		return NULL;
	struct me_text *made = malloc(sizeof *made + len);
	if (!made)
		abort();
	made->len = len;
	memcpy(made->text, s, len);
	free(s);
	return shared_cache_put(&me_cache, rq->arena, seen, key, made, free);
}

/* GET /v1/me: the caller (a user, or a client's own description). */
enum api_result
api_me(struct api_request *rq)
{
	const struct auth_principal *who = rq->who;
	const char *scope = auth_scope_format(rq->arena, who->scopes);
	if (who->kind == AUTH_CLIENT)
		return api_reply_json(rq, 200, json_pack("{s:s, s:s, s:s, s:s}", "kind", "client", "id",
			who->sub, "org_id", who->org_id, "scope", scope));
	struct db_user u;
	enum db_status st = auth_standing_user(rq->db, rq->arena, who->org_id, who->sub, &u);
	if (st != DB_OK)
		return api_reply_db(rq, st, "user");
	api_set_etag(rq, u.version);
	if (api_not_modified(rq))
		return api_reply_empty(rq, 304);
	const struct me_text *t = me_text(rq, &u, scope);
	if (!t)
		return api_reply_error(rq, E_INTERNAL, "the user could not be rendered");
	return api_reply_text(rq, 200, "application/json; charset=utf-8", t->text, t->len);
}

/* POST /v1/me/password: needs the current password; ends other sessions. */
enum api_result
api_me_password(struct api_request *rq)
{
	if (!api_parse_or_reply(rq, password_spec))
		return API_REPLIED;
	if (rq->who->kind != AUTH_USER)
		return api_reply_forbidden(rq, E_FORBIDDEN, "clients have no password");
	if (!password_ok_or_reply(rq, "new_password", spec_str(rq->json, "new_password")))
		return API_REPLIED;
	struct db_user u;
	enum db_status st = db_user_get(rq->db, rq->arena, rq->who->org_id, rq->who->sub, &u);
	if (st == DB_OK)
		st = db_user_by_email(rq->db, rq->arena, rq->who->org_id, u.email, &u);
	if (st != DB_OK)
		return api_reply_db(rq, st, "user");
	struct api_login_attempt at;
	if (!api_login_throttle_or_reply(rq, u.org_id, &u, u.email, &at))
		return API_REPLIED;
	if (!auth_password_slot_acquire(2000))
		return api_reply_error(rq, E_BUSY, "too many password operations at once");
	bool ok = auth_password_verify(u.password_hash, spec_str(rq->json, "current_password"));
	auth_password_slot_release();
	if (!ok) {
		/* A stolen token must not become a way to guess the password. */
		api_login_failed(rq, u.org_id, &u, "user.password_change_refused",
				 "wrong_current_password");
		json_t *errors = json_array();
		spec_error(errors, "current_password", "mismatch", "is not your current password");
		return api_reply_invalid(rq, errors);
	}
	api_login_succeeded(rq, u.org_id, &at);
	char *hash = hash_or_reply(rq, spec_str(rq->json, "new_password"));
	if (!hash)
		return API_REPLIED;
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	st = db_user_set_password(rq->db, &ctx, u.id, hash, true);
	if (st != DB_OK)
		return api_reply_db(rq, st, "user");
	return api_reply_empty(rq, 204);
}
