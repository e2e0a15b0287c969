/* The OAuth endpoints: token (RFC 6749, the authorization_code grant with
 * RFC 7636 PKCE), revoke (RFC 7009), introspect (RFC 7662). Errors here
 * are RFC 6749 section 5.2 bodies, not problem documents, except 429 and
 * 503, which are not OAuth errors. */
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
#include "auth/scope.h"
#include "base/crypto.h"
#include "base/text.h"
#include "db/clients.h"
#include "db/codes.h"
#include "db/refresh.h"
#include "db/users.h"
#include "api/oauth.h"

#define REFRESH_FAMILY_DAYS 30

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
				.nbf = now, .exp = now + AUTH_ACCESS_TTL,
				.jti = t->family ? arena_printf(rq->arena, "%s.%s", t->family,
								crypto_token(rq->arena, 12)) : NULL};
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

static enum api_result
grant_password(struct api_request *rq, struct client_auth *c)
{
	const char *user, *pw, *scope;
	if (!oauth_field(rq, "username", &user) || !oauth_field(rq, "password", &pw) ||
	    !oauth_field(rq, "scope", &scope))
		return API_REPLIED;
	if (!c->client.first_party || !api_has_word(c->client.grants, "password"))
		return oauth_error(rq, 400, "unauthorized_client", "this client may not use the password grant");
	if (!user || !pw || !*user || strlen(user) > 254 || strlen(pw) > 4096)
		return oauth_error(rq, 400, "invalid_request", "username and password are required");
	const char *org = c->client.org_id;
	struct db_user u;
	struct api_login_attempt at;
	if (!api_org_allows_password_or_reply(rq, org))
		return API_REPLIED;
	enum api_login st = api_login_password(rq, org, user, pw, &u, &at);
	if (st == API_LOGIN_REPLIED)
		return API_REPLIED;
	if (st == API_LOGIN_WRONG)
		return oauth_error(rq, 400, "invalid_grant", "the username or password is wrong");
	unsigned roles = 0, client_scopes = 0, granted;
	char *bad;
	auth_roles_parse(rq->arena, u.roles, &roles, &bad);
	auth_scope_parse(rq->arena, c->client.scopes, &client_scopes, &bad);
	if (!grant_scopes_or_reply(rq, scope, auth_scopes_for_roles(roles) & client_scopes, &granted))
		return API_REPLIED;
	api_login_succeeded(rq, org, &at);
	struct issued t = {org, u.id, c->client.id, u.id, NULL, roles, granted,
			   api_has_word(c->client.grants, "refresh_token")};
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
	if (!api_has_word(c->client.grants, "client_credentials")) {
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

/* The console client's row in the org of the refresh token it presents;
 * an unknown token is refused like any other client's. */
static bool
console_row_of_token_or_reply(struct api_request *rq, struct client_auth *c, const char *token)
{
	if (!c->client.builtin || c->client.org_id)
		return true;
	char *org;
	enum db_status st = db_refresh_org(rq->db, rq->arena,
					   crypto_sha256_hex(rq->arena, token, strlen(token)), &org);
	if (st == DB_OK)
		return oauth_console_row_or_reply(rq, c, org);
	if (st != DB_NONE) {
		api_reply_db(rq, st, "refresh token");
		return false;
	}
	api_client_failed(rq, NULL, NULL, "token.refresh_failed", "invalid_refresh_token");
	oauth_error(rq, 400, "invalid_grant", "the refresh token is invalid, expired or revoked");
	return false;
}

static enum api_result
grant_refresh(struct api_request *rq, struct client_auth *c)
{
	const char *token, *scope;
	if (!oauth_field(rq, "refresh_token", &token) || !oauth_field(rq, "scope", &scope))
		return API_REPLIED;
	if (!token || !*token || strlen(token) > 256)
		return oauth_error(rq, 400, "invalid_request", "refresh_token is required");
	if (!api_has_word(c->client.grants, "refresh_token"))
		return oauth_error(rq, 400, "unauthorized_client", "this client may not refresh tokens");
	if (!console_row_of_token_or_reply(rq, c, token) ||
	    !refresh_scope_ok_or_reply(rq, token, scope))
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

/* True when verifier (RFC 7636 4.1) hashes to challenge under S256. */
static bool
pkce_matches(struct api_request *rq, const char *verifier, const char *challenge)
{
	size_t n = strlen(verifier);
	if (n < 43 || n > 128 || strspn(verifier, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				     "0123456789-._~") != n)
		return false;
	unsigned char h[32];
	crypto_sha256(verifier, n, h);
	char *want = crypto_b64url_encode(rq->arena, h, sizeof h);
	return strlen(challenge) == strlen(want) && crypto_equal(want, challenge, strlen(want));
}

/* Why a code cannot be exchanged by this client (NULL: it can). */
static const char *
code_refusal(struct api_request *rq, const struct db_code *k, const struct client_auth *c,
	     const char *redirect_uri, const char *verifier)
{
	if (strcmp(k->client_id, c->client.id) != 0)
		return "the code was issued to another client";
	if (k->expired)
		return "the code has expired";
	if (strcmp(k->redirect_uri, redirect_uri) != 0)
		return "redirect_uri differs from the authorization request's";
	if (!pkce_matches(rq, verifier, k->challenge))
		return "the code_verifier does not match the code_challenge";
	return NULL;
}

/* The code's scopes as far as its user's roles still allow; false with
 * invalid_grant queued when the user is disabled. */
static bool
code_user_or_reply(struct api_request *rq, const struct db_code *k, struct db_user *u,
		   unsigned *roles, unsigned *granted)
{
	enum db_status st = db_user_get(rq->db, rq->arena, k->org_id, k->user_id, u);
	if (st == DB_NONE || (st == DB_OK && u->disabled)) {
		oauth_error(rq, 400, "invalid_grant", "the user of this code is disabled");
		return false;
	}
	if (st != DB_OK) {
		api_reply_db(rq, st, "user");
		return false;
	}
	unsigned code_scopes = 0;
	char *bad;
	auth_roles_parse(rq->arena, u->roles, roles, &bad);
	auth_scope_parse(rq->arena, k->scopes, &code_scopes, &bad);
	*granted = code_scopes & auth_scopes_for_roles(*roles);
	return true;
}

static enum api_result
grant_authorization_code(struct api_request *rq, struct client_auth *c)
{
	const char *code, *redirect_uri, *verifier;
	if (!oauth_field(rq, "code", &code) || !oauth_field(rq, "redirect_uri", &redirect_uri) ||
	    !oauth_field(rq, "code_verifier", &verifier))
		return API_REPLIED;
	if (!api_has_word(c->client.grants, "authorization_code"))
		return oauth_error(rq, 400, "unauthorized_client",
				   "this client may not use the authorization_code grant");
	if (!code || !*code || strlen(code) > 256 || !redirect_uri)
		return oauth_error(rq, 400, "invalid_request", "code and redirect_uri are required");
	if (!verifier)
		return oauth_error(rq, 400, "invalid_request", "code_verifier is required (PKCE)");
	char *hash = crypto_sha256_hex(rq->arena, code, strlen(code));
	struct db_code k;
	enum db_status st = db_code_peek(rq->db, rq->arena, hash, &k);
	if (st == DB_NONE)
		return oauth_error(rq, 400, "invalid_grant", "the code is invalid");
	if (st != DB_OK)
		return api_reply_db(rq, st, "code");
	if (!oauth_console_row_or_reply(rq, c, k.org_id))
		return API_REPLIED;
	struct audit_ctx ctx = {k.org_id, "client", c->client.id, rq->request_id, rq->remote_addr};
	char *refresh = api_has_word(c->client.grants, "refresh_token") ? crypto_token(rq->arena, 32) : NULL;
	char *family = NULL;
	if (k.used && !strcmp(k.client_id, c->client.id)) {
		st = db_code_exchange(rq->db, rq->arena, &ctx, hash, NULL, REFRESH_FAMILY_DAYS, &family);
		if (st != DB_STATE && st != DB_NONE)
			return api_reply_db(rq, st, "code");
		return oauth_error(rq, 400, "invalid_grant", "the code was used already: the tokens "
				   "issued from it are revoked");
	}
	const char *why = code_refusal(rq, &k, c, redirect_uri, verifier);
	if (why)
		return oauth_error(rq, 400, "invalid_grant", why);
	struct db_user u;
	unsigned roles = 0, granted;
	if (!code_user_or_reply(rq, &k, &u, &roles, &granted))
		return API_REPLIED;
	st = db_code_exchange(rq->db, rq->arena, &ctx, hash,
			      refresh ? crypto_sha256_hex(rq->arena, refresh, strlen(refresh)) : NULL,
			      REFRESH_FAMILY_DAYS, &family);
	if (st == DB_STATE || st == DB_NONE)	/* a concurrent exchange won */
		return oauth_error(rq, 400, "invalid_grant", "the code was used already");
	if (st != DB_OK)
		return api_reply_db(rq, st, "code");
	struct issued t = {k.org_id, u.id, c->client.id, u.id, family, roles, granted, false};
	char *access = sign_access(rq, &t);
	if (!access)
		return API_REPLIED;
	metrics_count(METRIC_LOGINS, 1);
	return reply_tokens(rq, access, refresh, granted);
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
		     !strcmp(grant, "refresh_token") || !strcmp(grant, "authorization_code");
	if (!known)
		return oauth_error(rq, 400, "unsupported_grant_type",
			    "use authorization_code, password, client_credentials or refresh_token");
	if (!oauth_client_or_reply(rq, &c))
		return API_REPLIED;
	if (!strcmp(grant, "password"))
		grant_password(rq, &c);
	else if (!strcmp(grant, "client_credentials"))
		grant_client_credentials(rq, &c);
	else if (!strcmp(grant, "authorization_code"))
		grant_authorization_code(rq, &c);
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
	char *org;
	if (c.client.builtin && !c.client.org_id) {
		enum db_status st = db_refresh_org(rq->db, rq->arena,
						   crypto_sha256_hex(rq->arena, token, strlen(token)), &org);
		if (st == DB_NONE)
			return api_reply_empty(rq, 200);
		if (st != DB_OK)
			return api_reply_db(rq, st, "token");
		if (!oauth_console_row_or_reply(rq, &c, org))
			return API_REPLIED;
	}
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
