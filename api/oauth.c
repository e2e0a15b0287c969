/* The OAuth endpoints: token (RFC 6749), revoke (RFC 7009), introspect
 * (RFC 7662). Errors here are RFC 6749 section 5.2 bodies, not problem
 * documents, except 429 and 503, which are not OAuth errors. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "api/authn.h"
#include "api/common.h"
#include "api/config.h"
#include "api/handlers.h"
#include "api/login.h"
#include "api/metrics.h"
#include "auth/keyring.h"
#include "auth/password.h"
#include "auth/scope.h"
#include "base/crypto.h"
#include "base/email.h"
#include "base/text.h"
#include "db/clients.h"
#include "db/refresh.h"
#include "db/users.h"
#include "api/oauth.h"

#define REFRESH_FAMILY_DAYS 30
#define HASH_WAIT_MS 2000

static bool
has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

/* The scopes a token gets: requested ∩ allowed; false with invalid_scope queued. */
static bool
grant_scopes_or_reply(struct api_request *rq, const char *requested, unsigned allowed,
		      unsigned *granted)
{
	unsigned want = 0;
	char *bad;
	if (requested && !auth_scope_parse(rq->arena, requested, &want, &bad)) {
		oauth_error(rq, 400, "invalid_scope", arena_printf(rq->arena, "unknown scope %s", bad));
		return false;
	}
	if (!auth_scope_grant(want, allowed, granted)) {
		oauth_error(rq, 400, "invalid_scope", "none of the requested scopes can be granted");
		return false;
	}
	return true;
}

struct issued {
	const char *org, *sub, *client_id, *user_id, *family;
	unsigned roles, scopes;
	bool refresh;
};

/* Signs an access token; NULL (with 503 queued) when no key is usable. */
static char *
sign_access(struct api_request *rq, const struct issued *t)
{
	struct auth_keyring ring;
	const struct auth_key *key;
	if (!auth_keyring_get(rq->db, rq->arena, &ring, &key)) {
		api_reply_db(rq, DB_UNAVAILABLE, "key");
		return NULL;
	}
	const char *roles[4];
	size_t nroles = 0;
	for (unsigned bit = 1; bit <= AUTH_ROLE_ALL; bit <<= 1)
		if (t->roles & bit)
			roles[nroles++] = auth_role_name(bit);
	int64_t now = text_now_us() / 1000000;
	struct auth_claims c = {.iss = config.issuer, .aud = config.audience, .sub = t->sub,
				.org = t->org, .roles = roles, .n_roles = nroles,
				.scope = auth_scope_format(rq->arena, t->scopes), .iat = now,
				.nbf = now, .exp = now + AUTH_ACCESS_TTL};
	char *token = auth_token_issue(rq->arena, key, &c);
	if (!token)
		api_reply_error(rq, E_INTERNAL, "the access token could not be signed");
	else
		metrics_count(METRIC_TOKENS_ISSUED, 1);
	return token;
}

static enum api_result
reply_tokens(struct api_request *rq, const char *access, const char *refresh, unsigned scopes)
{
	json_t *body = json_pack("{s:s, s:s, s:i, s:s}", "access_token", access, "token_type",
				 "Bearer", "expires_in", AUTH_ACCESS_TTL, "scope",
				 auth_scope_format(rq->arena, scopes));
	if (refresh)
		json_object_set_new(body, "refresh_token", json_string(refresh));
	api_add_header(rq, "Pragma", "no-cache");
	return api_reply_json(rq, 200, body);
}

/* Issues the access token (and a refresh token in a new family) after a
 * successful login, recording both in one transaction. */
static enum api_result
complete_login(struct api_request *rq, const struct issued *t)
{
	char *access = sign_access(rq, t);
	if (!access)
		return API_REPLIED;
	char *refresh = t->refresh ? crypto_token(rq->arena, 32) : NULL;
	struct db_refresh r = {.org_id = (char *)t->org, .user_id = (char *)t->user_id,
			       .client_id = (char *)t->client_id,
			       .scopes = auth_scope_format(rq->arena, t->scopes)};
	struct audit_ctx ctx = {t->org, t->user_id ? "user" : "client", t->sub, rq->request_id,
				rq->remote_addr};
	enum db_status st = db_login_record(rq->db, rq->arena, &ctx, &r,
					    refresh ? crypto_sha256_hex(rq->arena, refresh, strlen(refresh))
						    : NULL,
					    REFRESH_FAMILY_DAYS);
	if (st != DB_OK)
		return api_reply_db(rq, st, "token");
	if (t->user_id)
		metrics_count(METRIC_LOGINS, 1);
	return reply_tokens(rq, access, refresh, t->scopes);
}

/* Verifies the password under the hashing semaphore (dummy hash for an
 * unknown user). -1 when the semaphore is saturated. */
static int
check_password(struct api_request *rq, const struct db_user *u, bool known, const char *pw)
{
	if (!auth_password_slot_acquire(HASH_WAIT_MS))
		return -1;
	bool ok = false;
	if (known)
		ok = auth_password_verify(u->password_hash, pw);
	else
		auth_password_dummy_verify(pw);
	struct auth_argon_params params = auth_password_params();
	char *rehash = ok && auth_password_needs_rehash(u->password_hash, &params)
		? auth_password_hash(rq->arena, pw, &params) : NULL;
	auth_password_slot_release();
	if (rehash) {
		struct audit_ctx ctx = {u->org_id, "system", NULL, rq->request_id, rq->remote_addr};
		db_user_set_password(rq->db, &ctx, u->id, rehash, false);
	}
	return ok;
}

static enum api_result
grant_password(struct api_request *rq, struct client_auth *c)
{
	const char *user, *pw, *scope;
	if (!oauth_field(rq, "username", &user) || !oauth_field(rq, "password", &pw) ||
	    !oauth_field(rq, "scope", &scope))
		return API_REPLIED;
	if (!c->client.first_party || !has_word(c->client.grants, "password"))
		return oauth_error(rq, 400, "unauthorized_client", "this client may not use the password grant");
	if (!user || !pw || !*user || strlen(user) > 254 || strlen(pw) > 4096)
		return oauth_error(rq, 400, "invalid_request", "username and password are required");
	const char *org = c->client.org_id;
	/* Emails are stored normalised; a refused (look-alike) form is an
	 * unknown user: the same lookup ("" matches no row), throttle and hash. */
	char *name;
	if (email_normalize(rq->arena, user, &name) != EMAIL_OK)
		name = NULL;
	struct db_user u;
	enum db_status st = db_user_by_email(rq->db, rq->arena, org, name ? name : "", &u);
	if (st != DB_OK && st != DB_NONE)
		return api_reply_db(rq, st, "user");
	const struct db_user *known = st == DB_OK ? &u : NULL;
	struct api_login_attempt at;
	if (!api_login_throttle_or_reply(rq, org, known, name ? name : user, &at))
		return API_REPLIED;
	int ok = check_password(rq, &u, st == DB_OK, pw);
	if (ok < 0) {
		api_reply_error(rq, E_BUSY, "too many logins at once: try again shortly");
		api_add_header(rq, "Retry-After", "1");
		return API_REPLIED;
	}
	if (!ok || u.disabled) {
		api_login_failed(rq, org, known, "login.failed",
				 !known ? "unknown_user" : !ok ? "wrong_password" : "disabled");
		return oauth_error(rq, 400, "invalid_grant", "the username or password is wrong");
	}
	unsigned roles = 0, client_scopes = 0, granted;
	char *bad;
	auth_roles_parse(rq->arena, u.roles, &roles, &bad);
	auth_scope_parse(rq->arena, c->client.scopes, &client_scopes, &bad);
	if (!grant_scopes_or_reply(rq, scope, auth_scopes_for_roles(roles) & client_scopes, &granted))
		return API_REPLIED;
	api_login_succeeded(rq, org, &at);
	struct issued t = {org, u.id, c->client.id, u.id, NULL, roles, granted,
			   has_word(c->client.grants, "refresh_token")};
	return complete_login(rq, &t);
}

static void
grant_client_credentials(struct api_request *rq, struct client_auth *c)
{
	const char *scope;
	if (!oauth_field(rq, "scope", &scope))
		return;
	if (!c->client.secret_hash) {
		oauth_invalid_client(rq, c);	/* a public client looks like an unknown one */
		return;
	}
	if (!has_word(c->client.grants, "client_credentials")) {
		oauth_error(rq, 400, "unauthorized_client",
			    "this client may not use the client_credentials grant");
		return;
	}
	unsigned allowed = 0, granted;
	char *bad;
	auth_scope_parse(rq->arena, c->client.scopes, &allowed, &bad);
	if (!grant_scopes_or_reply(rq, scope, allowed, &granted))
		return;
	struct issued t = {c->client.org_id, c->client.id, c->client.id, NULL, NULL, 0, granted, false};
	complete_login(rq, &t);
}

/* What a refresh token's family and its user's current roles allow. */
static unsigned
refresh_allowed(struct api_request *rq, const struct db_refresh *fam, const struct db_user *u)
{
	unsigned roles = 0, family = 0;
	char *bad;
	auth_roles_parse(rq->arena, u && u->roles ? u->roles : "", &roles, &bad);
	auth_scope_parse(rq->arena, fam->scopes, &family, &bad);
	return fam->user_id ? family & auth_scopes_for_roles(roles) : family;
}

/* Refuses a refresh whose requested scope cannot be granted before the
 * token is spent (so a bad request does not cost the client its session). */
static bool
refresh_scope_ok_or_reply(struct api_request *rq, const char *token, const char *scope)
{
	if (!scope)
		return true;
	struct db_refresh fam;
	struct db_user u = {0};
	char *expires;
	unsigned granted;
	if (db_refresh_peek(rq->db, rq->arena, crypto_sha256_hex(rq->arena, token, strlen(token)),
			    &fam, &expires) != DB_OK)
		return true;	/* unknown or used: the exchange says so (and detects reuse) */
	if (fam.user_id && db_user_get(rq->db, rq->arena, fam.org_id, fam.user_id, &u) != DB_OK)
		return true;
	return grant_scopes_or_reply(rq, scope, refresh_allowed(rq, &fam, &u), &granted);
}

static enum api_result
grant_refresh(struct api_request *rq, struct client_auth *c)
{
	const char *token, *scope;
	if (!oauth_field(rq, "refresh_token", &token) || !oauth_field(rq, "scope", &scope))
		return API_REPLIED;
	if (!token || !*token || strlen(token) > 256)
		return oauth_error(rq, 400, "invalid_request", "refresh_token is required");
	if (!has_word(c->client.grants, "refresh_token"))
		return oauth_error(rq, 400, "unauthorized_client", "this client may not refresh tokens");
	if (!refresh_scope_ok_or_reply(rq, token, scope))
		return API_REPLIED;
	char *next = crypto_token(rq->arena, 32);
	struct db_refresh fam;
	struct db_user u;
	struct audit_ctx ctx = {c->client.org_id, "client", c->client.id, rq->request_id,
				rq->remote_addr};
	enum db_status st = db_refresh_exchange(rq->db, rq->arena, &ctx,
		crypto_sha256_hex(rq->arena, token, strlen(token)), c->client.id,
		crypto_sha256_hex(rq->arena, next, strlen(next)), &fam, &u);
	if (st == DB_CONFLICT)	/* RFC 9700 4.14.2 allows refusing without revoking */
		return oauth_error(rq, 400, "invalid_grant", "this refresh token was rotated moments "
				   "ago by a concurrent request: use the token that request received");
	if (st == DB_NONE || st == DB_STATE) {
		if (st == DB_NONE) {	/* guessing refresh tokens counts like guessing secrets */
			if (!api_client_throttle_or_reply(rq, c->client.id))
				return API_REPLIED;
			api_client_failed(rq, c->client.org_id, c->client.id, "token.refresh_failed",
					  "invalid_refresh_token");
		}
		metrics_auth_failed(METRIC_AUTH_REFRESH_TOKEN);
		return oauth_error(rq, 400, "invalid_grant", st == DB_STATE
			? "this refresh token was used already: its family is now revoked"
			: "the refresh token is invalid, expired or revoked");
	}
	if (st != DB_OK)
		return api_reply_db(rq, st, "refresh token");
	unsigned roles = 0, granted;
	char *bad;
	auth_roles_parse(rq->arena, u.roles ? u.roles : "", &roles, &bad);
	if (!grant_scopes_or_reply(rq, scope, refresh_allowed(rq, &fam, &u), &granted))
		return API_REPLIED;
	struct issued t = {fam.org_id, u.id ? u.id : c->client.id, c->client.id, u.id, fam.family_id,
			   roles, granted, true};
	char *access = sign_access(rq, &t);
	if (access)
		reply_tokens(rq, access, next, granted);
	return API_REPLIED;
}

/* POST /oauth/token */
enum api_result
api_oauth_token(struct api_request *rq)
{
	struct client_auth c;
	const char *grant;
	if (!oauth_field(rq, "grant_type", &grant))
		return API_REPLIED;
	if (!grant)
		return oauth_error(rq, 400, "invalid_request", "grant_type is required");
	bool known = !strcmp(grant, "password") || !strcmp(grant, "client_credentials") ||
		     !strcmp(grant, "refresh_token");
	if (!known)
		return oauth_error(rq, 400, "unsupported_grant_type",
			    "use password, client_credentials or refresh_token");
	if (!oauth_client_or_reply(rq, &c))
		return API_REPLIED;
	if (!strcmp(grant, "password"))
		grant_password(rq, &c);
	else if (!strcmp(grant, "client_credentials"))
		grant_client_credentials(rq, &c);
	else
		grant_refresh(rq, &c);
	return API_REPLIED;
}

/* POST /oauth/revoke: 200 whether or not the token was known (RFC 7009).
 * Refresh tokens are revoked with their family; access tokens expire on
 * their own within 15 minutes. */
enum api_result
api_oauth_revoke(struct api_request *rq)
{
	struct client_auth c;
	const char *token, *hint;
	if (!oauth_field(rq, "token", &token) || !oauth_field(rq, "token_type_hint", &hint) ||
	    !oauth_client_or_reply(rq, &c))
		return API_REPLIED;
	if (!token)
		return oauth_error(rq, 400, "invalid_request", "token is required");
	struct audit_ctx ctx = {c.client.org_id, "client", c.client.id, rq->request_id,
				rq->remote_addr};
	enum db_status st = db_refresh_revoke(rq->db, rq->arena, &ctx,
		crypto_sha256_hex(rq->arena, token, strlen(token)), c.client.id);
	if (st != DB_OK && st != DB_NONE)
		return api_reply_db(rq, st, "token");
	return api_reply_empty(rq, 200);
}

static enum api_result
inactive(struct api_request *rq)
{
	return api_reply_json(rq, 200, json_pack("{s:b}", "active", 0));
}

/* The org of the introspecting caller: an authenticated client, or an
 * admin's bearer token. NULL when a reply was queued. */
static const char *
introspector_org(struct api_request *rq)
{
	const char *h = api_header(rq, "Authorization");
	if (h && strncasecmp(h, "Bearer ", 7) == 0) {
		enum auth_token_status st;
		const struct auth_principal *p = api_verify_access_token(rq, h + 7, &st);
		if (p && (p->scopes & AUTH_SCOPE_USERS_ADMIN))
			return p->org_id;
		if (st != AUTH_TOKEN__UNAVAILABLE) {
			api_add_header(rq, "WWW-Authenticate", "Bearer realm=\"loopd\"");
			oauth_error(rq, 401, "invalid_client", "introspection needs a client or an admin");
		}
		return NULL;
	}
	struct client_auth c;
	if (!oauth_client_or_reply(rq, &c))
		return NULL;
	if (!c.client.secret_hash) {
		oauth_invalid_client(rq, &c);
		return NULL;
	}
	return c.client.org_id;
}

/* POST /oauth/introspect: RFC 7662, limited to tokens of the caller's org. */
enum api_result
api_oauth_introspect(struct api_request *rq)
{
	const char *token, *hint;
	if (!oauth_field(rq, "token", &token) || !oauth_field(rq, "token_type_hint", &hint))
		return API_REPLIED;
	const char *org = introspector_org(rq);
	if (!org)
		return API_REPLIED;
	if (!token)
		return oauth_error(rq, 400, "invalid_request", "token is required");
	if (strlen(token) >= AUTH_TOKEN_MAX_LEN)
		return inactive(rq);
	enum auth_token_status st;
	struct api_request probe = *rq;
	const struct auth_principal *p = strchr(token, '.') ? api_verify_access_token(&probe, token, &st) : NULL;
	if (!p && strchr(token, '.') && st == AUTH_TOKEN__UNAVAILABLE) {
		rq->resp = probe.resp;	/* the 503: an outage is not "inactive" */
		return API_REPLIED;
	}
	if (p && p->exp <= text_now_us() / 1000000)
		return inactive(rq);	/* expired: no leeway for introspection */
	if (p && !strcmp(p->org_id, org)) {
		json_t *roles = json_array();
		for (unsigned bit = 1; bit <= AUTH_ROLE_ALL; bit <<= 1)
			if (p->roles & bit)
				json_array_append_new(roles, json_string(auth_role_name(bit)));
		return api_reply_json(rq, 200, json_pack("{s:b, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:o}",
			"active", 1, "token_type", "access_token", "scope",
			auth_scope_format(rq->arena, p->scopes), "sub", p->sub, "org", p->org_id,
			"exp", (json_int_t)p->exp, "iss", config.issuer, "aud", config.audience,
			"roles", roles));
	}
	struct db_refresh r;
	char *expires;
	if (!p && db_refresh_peek(rq->db, rq->arena, crypto_sha256_hex(rq->arena, token, strlen(token)),
				  &r, &expires) == DB_OK && !strcmp(r.org_id, org))
		return api_reply_json(rq, 200, json_pack("{s:b, s:s, s:s, s:s, s:s, s:s}", "active", 1,
			"token_type", "refresh_token", "scope", r.scopes, "client_id", r.client_id,
			"sub", r.user_id ? r.user_id : r.client_id, "expires_at", expires));
	return inactive(rq);
}
