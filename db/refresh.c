/* Refresh token families: logins, rotation with reuse detection,
 * revocation and introspection. */
#include <string.h>
#include "db/internal.h"
#include "db/refresh.h"

static struct db_stmt refresh_insert = {"refresh_insert",
	"INSERT INTO refresh_tokens (org_id, family_id, token_hash, user_id, client_id, scopes,"
	" family_expires_at)"
	" SELECT $1, coalesce($2::uuid, gen_random_uuid()), $3, $4, $5, $6,"
	" coalesce((SELECT family_expires_at FROM refresh_tokens WHERE org_id = $1"
	"   AND family_id = $2::uuid LIMIT 1), now() + make_interval(days => $7))"
	" RETURNING family_id"};

#define REFRESH_COLUMNS "org_id, family_id, user_id, client_id, scopes"

static struct db_stmt refresh_use = {"refresh_use",
	"UPDATE refresh_tokens SET rotated_at = now() WHERE token_hash = $1 AND client_id = $2"
	" AND rotated_at IS NULL AND revoked_at IS NULL AND family_expires_at > now()"
	" RETURNING " REFRESH_COLUMNS};
/* A refresh token is bound to its client: another client presenting it
 * (even a used one) learns nothing and changes nothing. */
static struct db_stmt refresh_find = {"refresh_find",
	"SELECT " REFRESH_COLUMNS ", rotated_at IS NOT NULL, revoked_at IS NOT NULL,"
	" rotated_at > now() - make_interval(secs => " DB_REFRESH_GRACE_S ")"
	" FROM refresh_tokens WHERE token_hash = $1 AND ($2::uuid IS NULL OR client_id = $2)"};
static struct db_stmt refresh_revoke_family = {"refresh_revoke_family",
	"UPDATE refresh_tokens SET revoked_at = now()"
	" WHERE org_id = $1 AND family_id = $2 AND revoked_at IS NULL"};

static struct db_stmt refresh_revoke_user = {"refresh_revoke_user",
	"UPDATE refresh_tokens SET revoked_at = now()"
	" WHERE org_id = $1 AND user_id = $2 AND revoked_at IS NULL"};
static struct db_stmt refresh_revoke_client = {"refresh_revoke_client",
	"UPDATE refresh_tokens SET revoked_at = now()"
	" WHERE org_id = $1 AND client_id = $2 AND revoked_at IS NULL"};

/* Ends every session of a user (disabled, or a new password). */
enum db_status
db_refresh_revoke_user(struct db *db, const char *org_id, const char *user_id)
{
	const char *p[] = {org_id, user_id};
	return db_run_any(db, &refresh_revoke_user, 2, p);
}

enum db_status
db_refresh_family_revoke(struct db *db, const char *org_id, const char *family_id)
{
	const char *p[] = {org_id, family_id};
	return db_run_any(db, &refresh_revoke_family, 2, p);
}

enum db_status
db_refresh_family_start(struct db *db, struct arena *a, const struct db_refresh *r,
			const char *token_hash, int days, char **family_id)
{
	const char *p[] = {r->org_id, NULL, token_hash, r->user_id, r->client_id, r->scopes,
			   arena_printf(a, "%d", days)};
	PGresult *res;
	enum db_status st = db_run_status(db, &refresh_insert, 7, p, &res);
	if (st == DB_OK) {
		*family_id = db_str(a, res, 0, 0);
		PQclear(res);
	}
	return st;
}

/* Ends every session held by a client (revoked). */
enum db_status
db_refresh_revoke_client(struct db *db, const char *org_id, const char *client_id)
{
	const char *p[] = {org_id, client_id};
	return db_run_any(db, &refresh_revoke_client, 2, p);
}

/* Row 0 of a REFRESH_COLUMNS result into *out (strings copied into a). */
static void
read_refresh(struct arena *a, const PGresult *r, struct db_refresh *out)
{
	out->org_id = db_str(a, r, 0, 0);
	out->family_id = db_str(a, r, 0, 1);
	out->user_id = db_str(a, r, 0, 2);
	out->client_id = db_str(a, r, 0, 3);
	out->scopes = db_str(a, r, 0, 4);
}

struct refresh_args {
	struct arena *a;
	const struct audit_ctx *ctx;
	const char *hash, *client_id, *new_hash;
	struct db_refresh *out;
	struct db_user *user;
	bool reused, raced;
};

/* Revokes the family of f->out and audits it as action. */
static enum db_status
revoke_family(struct db *db, struct refresh_args *f, const char *action)
{
	enum db_status st = db_refresh_family_revoke(db, f->out->org_id, f->out->family_id);
	if (st != DB_OK)
		return st;
	struct audit_ctx ctx = *f->ctx;
	ctx.org_id = f->out->org_id;
	if (!ctx.actor_id) {
		ctx.actor_type = f->out->user_id ? "user" : "client";
		ctx.actor_id = f->out->user_id ? f->out->user_id : f->out->client_id;
	}
	json_t *ch = json_pack("{s:s}", "family_id", f->out->family_id);
	st = db_audit_append(db, &ctx, action, "refresh_family", f->out->family_id, ch);
	json_decref(ch);
	return st;
}

/* Stores new_hash in the family of f->out and audits the refresh. */
static enum db_status
store_successor(struct db *db, struct refresh_args *f)
{
	const char *p[] = {f->out->org_id, f->out->family_id, f->new_hash, f->out->user_id,
			   f->out->client_id, f->out->scopes, "30"};
	enum db_status st = db_run_status(db, &refresh_insert, 7, p, NULL);
	if (st != DB_OK)
		return st;
	struct audit_ctx ctx = *f->ctx;
	ctx.org_id = f->out->org_id;
	ctx.actor_type = f->out->user_id ? "user" : "client";
	ctx.actor_id = f->out->user_id ? f->out->user_id : f->out->client_id;
	json_t *ch = json_pack("{s:s}", "family_id", f->out->family_id);
	st = db_audit_append(db, &ctx, "token.refreshed", "refresh_family", f->out->family_id, ch);
	json_decref(ch);
	return st;
}

/* Transaction body of db_refresh_exchange: rotate, or detect reuse. */
static enum db_status
refresh_exchange_tx(struct db *db, void *p)
{
	struct refresh_args *f = p;
	const char *params[] = {f->hash, f->client_id};
	PGresult *r;
	enum db_status st = db_run_status(db, &refresh_use, 2, params, &r);
	f->reused = f->raced = false;
	if (st == DB_OK) {
		read_refresh(f->a, r, f->out);
		PQclear(r);
		if (f->out->user_id) {
			st = db_user_enabled(db, f->a, f->out->org_id, f->out->user_id, f->user);
			if (st != DB_OK)
				return st;
		}
		return store_successor(db, f);
	}
	if (st != DB_NONE)
		return st;
	if ((st = db_run_status(db, &refresh_find, 2, params, &r)) != DB_OK)
		return st;
	read_refresh(f->a, r, f->out);
	bool rotated = db_bool(r, 0, 5), revoked = db_bool(r, 0, 6), recent = db_bool(r, 0, 7);
	PQclear(r);
	if (!rotated)
		return DB_NONE;		/* revoked, expired or another client's */
	if (recent && !revoked) {
		f->raced = true;	/* a concurrent refresh won moments ago: no revocation */
		return DB_OK;
	}
	f->reused = true;
	return revoke_family(db, f, "token.refresh_reuse_detected");
}

enum db_status
db_refresh_exchange(struct db *db, struct arena *a, const struct audit_ctx *ctx,
		    const char *old_hash, const char *client_id, const char *new_hash,
		    struct db_refresh *out, struct db_user *user)
{
	struct refresh_args f = {.a = a, .ctx = ctx, .hash = old_hash, .client_id = client_id,
				 .new_hash = new_hash, .out = out, .user = user};
	memset(user, 0, sizeof *user);
	enum db_status st = db_tx(db, refresh_exchange_tx, &f);
	return st == DB_OK && f.reused ? DB_STATE : st == DB_OK && f.raced ? DB_CONFLICT : st;
}

struct login_args {
	struct arena *a;
	const struct audit_ctx *ctx;
	const struct db_refresh *r;
	const char *hash;
	int days;
};

/* Transaction body of db_login_record. */
static enum db_status
login_tx(struct db *db, void *p)
{
	struct login_args *l = p;
	char *family;
	if (l->hash) {
		enum db_status st = db_refresh_family_start(db, l->a, l->r, l->hash, l->days, &family);
		if (st != DB_OK)
			return st;
	}
	json_t *ch = json_pack("{s:s, s:s}", "client_id", l->r->client_id, "scope", l->r->scopes);
	enum db_status st = db_audit_append(db, l->ctx, "login.succeeded",
					    l->r->user_id ? "user" : "client",
					    l->r->user_id ? l->r->user_id : l->r->client_id, ch);
	json_decref(ch);
	return st;
}

enum db_status
db_login_record(struct db *db, struct arena *a, const struct audit_ctx *ctx,
		const struct db_refresh *r, const char *token_hash, int family_days)
{
	struct login_args l = {a, ctx, r, token_hash, family_days};
	return db_tx(db, login_tx, &l);
}

/* Transaction body of db_refresh_revoke. */
static enum db_status
refresh_revoke_tx(struct db *db, void *p)
{
	struct refresh_args *f = p;
	const char *params[] = {f->hash, f->client_id};
	PGresult *r;
	enum db_status st = db_run_status(db, &refresh_find, 2, params, &r);
	if (st != DB_OK)
		return st;
	read_refresh(f->a, r, f->out);
	bool revoked = db_bool(r, 0, 6);
	PQclear(r);
	if (revoked || (f->client_id && strcmp(f->client_id, f->out->client_id) != 0))
		return DB_NONE;	/* RFC 7009: another client's token is left alone */
	return revoke_family(db, f, "token.revoked");
}

enum db_status
db_refresh_revoke(struct db *db, struct arena *a, const struct audit_ctx *ctx,
		  const char *token_hash, const char *client_id)
{
	struct db_refresh out;
	struct refresh_args f = {.a = a, .ctx = ctx, .hash = token_hash, .client_id = client_id,
				 .out = &out};
	return db_tx(db, refresh_revoke_tx, &f);
}

static struct db_stmt refresh_peek = {"refresh_peek",
	"SELECT " REFRESH_COLUMNS ", " DB_TS("family_expires_at") " FROM refresh_tokens"
	" WHERE token_hash = $1 AND rotated_at IS NULL AND revoked_at IS NULL"
	" AND family_expires_at > now()"};

enum db_status
db_refresh_peek(struct db *db, struct arena *a, const char *token_hash, struct db_refresh *out,
		char **expires_at)
{
	const char *p[] = {token_hash};
	PGresult *r;
	enum db_status st = db_run_status(db, &refresh_peek, 1, p, &r);
	if (st == DB_OK) {
		read_refresh(a, r, out);
		*expires_at = db_str(a, r, 0, 5);
		PQclear(r);
	}
	return st;
}

static struct db_stmt family_live = {"refresh_family_live",
	"SELECT 1 FROM refresh_tokens WHERE org_id = $1 AND family_id = $2 AND revoked_at IS NULL"
	" LIMIT 1"};

enum db_status
db_refresh_family_live(struct db *db, const char *org_id, const char *family_id)
{
	const char *p[] = {org_id, family_id};
	return db_run_status(db, &family_live, 2, p, NULL);
}

static struct db_stmt token_org = {"refresh_token_org",
	"SELECT org_id FROM refresh_tokens WHERE token_hash = $1"};

enum db_status
db_refresh_org(struct db *db, struct arena *a, const char *token_hash, char **org_id)
{
	const char *p[] = {token_hash};
	PGresult *r;
	enum db_status st = db_run_status(db, &token_org, 1, p, &r);
	if (st == DB_OK) {
		*org_id = db_str(a, r, 0, 0);
		PQclear(r);
	}
	return st;
}
