/* Authorization codes: issue, exchange, reuse detection. */
#include <string.h>
#include "db/codes.h"
#include "db/internal.h"
#include "db/refresh.h"

static struct db_stmt code_insert = {"code_insert",
	"INSERT INTO authorization_codes (org_id, code_hash, client_id, user_id, redirect_uri,"
	" challenge, scopes, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7,"
	" now() + make_interval(secs => $8))"};
static struct db_stmt code_purge = {"code_purge",
	"DELETE FROM authorization_codes WHERE ctid IN (SELECT ctid FROM authorization_codes"
	" WHERE expires_at < now() - interval '1 day' LIMIT 100)"};

#define CODE_COLUMNS "org_id, client_id, user_id, redirect_uri, challenge, scopes," \
	" used_at IS NOT NULL, expires_at <= now()"

static struct db_stmt code_peek = {"code_peek",
	"SELECT " CODE_COLUMNS " FROM authorization_codes WHERE code_hash = $1"};
static struct db_stmt code_use = {"code_use",
	"UPDATE authorization_codes SET used_at = now() WHERE code_hash = $1 AND used_at IS NULL"
	" AND expires_at > now() RETURNING org_id, client_id, user_id, scopes"};
static struct db_stmt code_used = {"code_used",
	"SELECT org_id, client_id, user_id, family_id FROM authorization_codes"
	" WHERE code_hash = $1 AND used_at IS NOT NULL FOR UPDATE"};
static struct db_stmt code_family = {"code_family",
	"UPDATE authorization_codes SET family_id = $3 WHERE org_id = $1 AND code_hash = $2"};
struct code_args {
	struct arena *a;
	const struct audit_ctx *ctx;
	const char *hash, *refresh_hash;
	const struct db_code *in;
	int n;			/* ttl_s or family_days */
	char **family_id;
	bool reused;
};

/* Appends action about the code's user with {client_id, scope}. */
static enum db_status
audit_code(struct db *db, const struct audit_ctx *ctx, const char *action, const char *user_id,
	   const char *client_id, const char *scopes)
{
	json_t *ch = json_pack("{s:s, s:s}", "client_id", client_id, "scope", scopes);
	enum db_status st = db_audit_append(db, ctx, action, "user", user_id, ch);
	json_decref(ch);
	return st;
}

/* Transaction body of db_code_issue. */
static enum db_status
code_issue_tx(struct db *db, void *p)
{
	struct code_args *c = p;
	const struct db_code *in = c->in;
	const char *params[] = {in->org_id, c->hash, in->client_id, in->user_id, in->redirect_uri,
				in->challenge, in->scopes, arena_printf(c->a, "%d", c->n)};
	enum db_status st = db_run_status(db, &code_insert, 8, params, NULL);
	if (st == DB_OK)
		st = db_run_any(db, &code_purge, 0, NULL);
	if (st == DB_OK)
		st = audit_code(db, c->ctx, "login.succeeded", in->user_id, in->client_id, in->scopes);
	if (st == DB_OK)
		st = audit_code(db, c->ctx, "oauth.code_issued", in->user_id, in->client_id,
				in->scopes);
	return st;
}

enum db_status
db_code_issue(struct db *db, struct arena *a, const struct audit_ctx *ctx, const char *code_hash,
	      const struct db_code *in, int ttl_s)
{
	struct code_args c = {.a = a, .ctx = ctx, .hash = code_hash, .in = in, .n = ttl_s};
	return db_tx(db, code_issue_tx, &c);
}

enum db_status
db_code_peek(struct db *db, struct arena *a, const char *code_hash, struct db_code *out)
{
	const char *p[] = {code_hash};
	PGresult *r;
	enum db_status st = db_run_status(db, &code_peek, 1, p, &r);
	if (st != DB_OK)
		return st;
	out->org_id = db_str(a, r, 0, 0);
	out->client_id = db_str(a, r, 0, 1);
	out->user_id = db_str(a, r, 0, 2);
	out->redirect_uri = db_str(a, r, 0, 3);
	out->challenge = db_str(a, r, 0, 4);
	out->scopes = db_str(a, r, 0, 5);
	out->used = db_bool(r, 0, 6);
	out->expired = db_bool(r, 0, 7);
	PQclear(r);
	return DB_OK;
}

/* A used code presented again: revokes what its exchange issued. */
static enum db_status
code_reused(struct db *db, struct code_args *c)
{
	const char *p[] = {c->hash};
	PGresult *r;
	enum db_status st = db_run_status(db, &code_used, 1, p, &r);
	if (st != DB_OK)
		return st;	/* DB_NONE: unknown or expired */
	char *org = db_str(c->a, r, 0, 0), *client = db_str(c->a, r, 0, 1),
	     *user = db_str(c->a, r, 0, 2), *family = db_str(c->a, r, 0, 3);
	PQclear(r);
	c->reused = true;
	if (family) {
		if ((st = db_refresh_family_revoke(db, org, family)) != DB_OK)
			return st;
	}
	struct audit_ctx ctx = *c->ctx;
	ctx.org_id = org;
	json_t *ch = json_pack("{s:s, s:s?}", "client_id", client, "family_id", family);
	st = db_audit_append(db, &ctx, "oauth.code_reuse_detected", "user", user, ch);
	json_decref(ch);
	return st;
}

/* Transaction body of db_code_exchange. */
static enum db_status
code_exchange_tx(struct db *db, void *p)
{
	struct code_args *c = p;
	const char *params[] = {c->hash};
	PGresult *r;
	c->reused = false;
	enum db_status st = db_run_status(db, &code_use, 1, params, &r);
	if (st == DB_NONE)
		return code_reused(db, c);
	if (st != DB_OK)
		return st;
	char *org = db_str(c->a, r, 0, 0), *client = db_str(c->a, r, 0, 1),
	     *user = db_str(c->a, r, 0, 2), *scopes = db_str(c->a, r, 0, 3);
	PQclear(r);
	*c->family_id = NULL;
	if (c->refresh_hash) {
		struct db_refresh fam = {.org_id = org, .user_id = user, .client_id = client,
					 .scopes = scopes};
		st = db_refresh_family_start(db, c->a, &fam, c->refresh_hash, c->n, c->family_id);
		if (st != DB_OK)
			return st;
		const char *f[] = {org, c->hash, *c->family_id};
		if ((st = db_run_status(db, &code_family, 3, f, NULL)) != DB_OK)
			return st;
	}
	return audit_code(db, c->ctx, "oauth.code_exchanged", user, client, scopes);
}

enum db_status
db_code_exchange(struct db *db, struct arena *a, const struct audit_ctx *ctx,
		 const char *code_hash, const char *refresh_hash, int family_days,
		 char **family_id)
{
	struct code_args c = {.a = a, .ctx = ctx, .hash = code_hash, .refresh_hash = refresh_hash,
			      .n = family_days, .family_id = family_id};
	enum db_status st = db_tx(db, code_exchange_tx, &c);
	return st == DB_OK && c.reused ? DB_STATE : st;
}
