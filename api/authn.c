/* Bearer authentication and the route's scope check. */
#include <string.h>
#include <strings.h>
#include "api/authn.h"
#include "api/common.h"
#include "api/config.h"
#include "api/metrics.h"
#include "api/ratelimit.h"
#include "auth/keyring.h"
#include "auth/principal.h"
#include "auth/scope.h"
#include "auth/standing.h"
#include "auth/verified.h"
#include "base/text.h"
#include "db/audit.h"
#include "db/db.h"
#include "db/refresh.h"
#include "db/users.h"

static enum api_result
refuse(struct api_request *rq, enum api_error e, const char *challenge, const char *detail)
{
	metrics_auth_failed(e == E_UNAUTHENTICATED ? METRIC_AUTH_TOKEN_MISSING
						  : METRIC_AUTH_TOKEN_INVALID);
	api_reply_error(rq, e, "%s", detail);
	api_add_header(rq, "WWW-Authenticate", challenge);
	return API_REPLIED;
}

/* The principal a verified token names; NULL when its claims do not parse. */
static struct auth_principal *
principal_of(struct api_request *rq, const struct auth_claims *c)
{
	struct auth_principal *p = arena_alloc(rq->arena, sizeof *p);
	char *bad;
	unsigned roles = 0;
	for (size_t i = 0; i < c->n_roles; i++) {
		unsigned r = auth_role_from_name(c->roles[i]);
		if (!r)
			return NULL;
		roles |= r;
	}
	if (!auth_scope_parse(rq->arena, c->scope, &p->scopes, &bad))
		return NULL;
	p->kind = c->n_roles ? AUTH_USER : AUTH_CLIENT;
	p->org_id = c->org;
	p->sub = c->sub;
	p->roles = roles;
	p->jti = c->jti;
	p->exp = c->exp;
	return p;
}

enum api_result
api_reply_forbidden(struct api_request *rq, enum api_error e, const char *detail)
{
	api_reply_error(rq, e, "%s", detail);
	if (!rq->who)
		return API_REPLIED;
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	db_audit_denied(db_thread(), &ctx, rq->method, rq->route ? rq->route->pattern : rq->path);
	return API_REPLIED;
}

/* Narrows a verified principal to its standing now: a disabled user or a
 * revoked client is refused at once (not when its token expires), and a
 * user's scopes shrink with roles taken away since the token was issued.
 * Read through the standing cache, which every committed change empties. */
static enum auth_token_status
narrow_to_standing(struct api_request *rq, struct auth_principal *who)
{
	bool active = false;
	char *grants, *bad;
	enum db_status st = auth_standing_get(db_thread(), rq->arena, who->org_id,
					      who->kind == AUTH_USER, who->sub, &active, &grants);
	if (st != DB_OK && st != DB_NONE) {
		api_reply_db(rq, st, "account");
		return AUTH_TOKEN__UNAVAILABLE;
	}
	if (st == DB_NONE || !active)
		return AUTH_TOKEN__INACTIVE;
	unsigned now = 0;
	if (who->kind == AUTH_USER) {
		auth_roles_parse(rq->arena, grants, &now, &bad);
		who->roles &= now;
		who->scopes &= auth_scopes_for_roles(now);
	} else {
		auth_scope_parse(rq->arena, grants, &now, &bad);
		who->scopes &= now;
	}
	return AUTH_TOKEN_OK;
}

/* A token issued from a refresh family (authorization code, refresh) has
 * a jti "<family id>.<random>": it stops working once the family is revoked
 * (logout, refresh or code reuse, user disabled). */
static enum auth_token_status
family_standing(struct api_request *rq, const struct auth_principal *who)
{
	const char *dot = who->jti ? strchr(who->jti, '.') : NULL;
	if (!dot || dot - who->jti != 36)
		return AUTH_TOKEN_OK;
	char family[37];
	memcpy(family, who->jti, 36);
	family[36] = '\0';
	if (!text_is_uuid(family))
		return AUTH_TOKEN_OK;
	enum db_status st = db_refresh_family_live(db_thread(), who->org_id, family);
	if (st == DB_OK)
		return AUTH_TOKEN_OK;
	if (st == DB_NONE)
		return AUTH_TOKEN__INACTIVE;
	api_reply_db(rq, st, "token");
	return AUTH_TOKEN__UNAVAILABLE;
}

/* The principal of a token whose signature and claims verify, before its
 * standing is checked; NULL with *st otherwise. */
static struct auth_principal *
signed_principal(struct api_request *rq, const char *token, enum auth_token_status *st)
{
	struct auth_keyring ring;
	const struct auth_key *signing;
	if (!auth_keyring_get(db_thread(), rq->arena, &ring, &signing)) {
		api_reply_db(rq, DB_UNAVAILABLE, "key");
		*st = AUTH_TOKEN__UNAVAILABLE;
		return NULL;
	}
	struct auth_claims claims;
	int64_t now = text_now_us() / 1000000;
	*st = AUTH_TOKEN_OK;
	if (!auth_verified_find(rq->arena, token, &ring, config.issuer, config.audience, now,
				&claims) &&
	    (*st = auth_token_verify(rq->arena, token, &ring, config.issuer, config.audience, now,
				     &claims)) == AUTH_TOKEN_OK)
		auth_verified_keep(token, &claims);
	return *st == AUTH_TOKEN_OK ? principal_of(rq, &claims) : NULL;
}

const struct auth_principal *
api_verify_access_token(struct api_request *rq, const char *token, enum auth_token_status *st)
{
	struct auth_principal *who = signed_principal(rq, token, st);
	if (who && (*st = narrow_to_standing(rq, who)) != AUTH_TOKEN_OK)
		who = NULL;
	if (who && (*st = family_standing(rq, who)) != AUTH_TOKEN_OK)
		who = NULL;
	return who;
}

const char *
api_bearer_token(const char *authorization)
{
	if (strncasecmp(authorization, "Bearer ", 7) != 0)
		return NULL;
	const char *token = authorization + 7;
	while (*token == ' ')
		token++;
	return token;
}

bool
api_authenticate_or_reply(struct api_request *rq)
{
	const char *h = api_header(rq, "Authorization");
	if (!h) {
		refuse(rq, E_UNAUTHENTICATED, "Bearer realm=\"loopd\"",
		       "send an access token: Authorization: Bearer <token>");
		return false;
	}
	const char *token = api_bearer_token(h);
	if (!token) {
		refuse(rq, E_INVALID_TOKEN, "Bearer realm=\"loopd\", error=\"invalid_request\"",
		       "use the Bearer scheme");
		return false;
	}
	enum auth_token_status st;
	struct auth_principal *who = signed_principal(rq, token, &st);
	if (who && (st = narrow_to_standing(rq, who)) == AUTH_TOKEN_OK)
		st = family_standing(rq, who);
	if (who && st != AUTH_TOKEN_OK) {
		/* signed by us: a disabled user's or revoked client's 401s count */
		if (st == AUTH_TOKEN__INACTIVE && !api_rate_limit_or_reply(rq, who))
			return false;
		who = NULL;
	}
	if (!who) {
		if (st != AUTH_TOKEN__UNAVAILABLE)
			refuse(rq, E_INVALID_TOKEN, "Bearer realm=\"loopd\", error=\"invalid_token\"",
			       st == AUTH_TOKEN_OK ? "token claims are invalid"
			       : st == AUTH_TOKEN__INACTIVE ? "the account is disabled or no longer exists"
			       : auth_token_status_text(st));
		return false;
	}
	rq->who = who;
	if (!api_rate_limit_or_reply(rq, who))
		return false;	/* before the scope check: refusals count, unaudited past the limit */
	if (rq->route->scope && !(who->scopes & rq->route->scope)) {
		const char *need = auth_scope_name(rq->route->scope);
		api_add_header(rq, "WWW-Authenticate",
			       arena_printf(rq->arena, "Bearer realm=\"loopd\", error=\"insufficient_scope\", "
					"scope=\"%s\"", need));
		api_reply_forbidden(rq, E_INSUFFICIENT_SCOPE,
				    arena_printf(rq->arena, "this needs the scope %s", need));
		return false;
	}
	return true;
}
