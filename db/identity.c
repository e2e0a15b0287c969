/* Users, clients, signing keys, refresh tokens and login throttles. */
#include <stdio.h>
#include <string.h>
#include "base/crypto.h"
#include "db/identity.h"
#include "db/internal.h"

#define USER_COLUMNS "id, org_id, email, name, array_to_string(roles, ' '), disabled, version, " \
	DB_TS("created_at") ", " DB_TS("updated_at") " "
#define CLIENT_COLUMNS "id, org_id, name, secret_hash, array_to_string(grants, ' '), scopes, " \
	"first_party, revoked_at IS NOT NULL, " DB_TS("created_at") " "

static void
read_user(struct arena *a, const PGresult *r, int i, struct db_user *u)
{
	u->id = db_str(a, r, i, 0);
	u->org_id = db_str(a, r, i, 1);
	u->email = db_str(a, r, i, 2);
	u->name = db_str(a, r, i, 3);
	u->roles = db_str(a, r, i, 4);
	u->disabled = db_bool(r, i, 5);
	u->version = (int)db_int(r, i, 6);
	u->created_at = db_str(a, r, i, 7);
	u->updated_at = db_str(a, r, i, 8);
}

static void
read_client(struct arena *a, const PGresult *r, int i, struct db_client *c)
{
	c->id = db_str(a, r, i, 0);
	c->org_id = db_str(a, r, i, 1);
	c->name = db_str(a, r, i, 2);
	c->secret_hash = db_str(a, r, i, 3);
	c->grants = db_str(a, r, i, 4);
	c->scopes = db_str(a, r, i, 5);
	c->first_party = db_bool(r, i, 6);
	c->revoked = db_bool(r, i, 7);
	c->created_at = db_str(a, r, i, 8);
}

/* The changes recorded for a user (no password hash, ever). */
static json_t *
user_changes(const struct db_user *u)
{
	return json_pack("{s:s, s:s, s:s, s:b}", "email", u->email, "name", u->name, "roles",
			 u->roles, "disabled", u->disabled);
}

/* --- bootstrap --- */

static struct db_stmt org_insert = {"org_insert",
	"INSERT INTO orgs (name) VALUES ($1) RETURNING id"};
static struct db_stmt user_insert = {"user_insert",
	"INSERT INTO users (org_id, email, name, roles, password_hash)"
	" VALUES ($1, $2, $3, string_to_array($4, ' '), $5) RETURNING " USER_COLUMNS};
static struct db_stmt client_insert = {"client_insert",
	"INSERT INTO clients (org_id, name, secret_hash, grants, scopes, first_party)"
	" VALUES ($1, $2, $3, string_to_array($4, ' '), $5, $6) RETURNING " CLIENT_COLUMNS};

struct bootstrap_args {
	struct arena *a;
	const char *org_name, *email, *name, *hash, *scopes;
	struct db_bootstrap_out *out;
};

static enum db_status
bootstrap_tx(struct db *db, void *p)
{
	struct bootstrap_args *b = p;
	PGresult *r;
	const char *p1[] = {b->org_name};
	enum db_status st = db_run_status(db, &org_insert, 1, p1, &r);
	if (st != DB_OK)
		return st;
	b->out->org_id = db_str(b->a, r, 0, 0);
	PQclear(r);
	struct audit_ctx ctx = {b->out->org_id, "system", NULL, NULL, NULL};
	const char *p2[] = {b->out->org_id, b->email, b->name, "admin", b->hash};
	if ((st = db_run_status(db, &user_insert, 5, p2, &r)) != DB_OK)
		return st;
	struct db_user u;
	read_user(b->a, r, 0, &u);
	PQclear(r);
	b->out->user_id = u.id;
	const char *p3[] = {b->out->org_id, "loopd first-party tools", NULL,
			    "password refresh_token", b->scopes, "true"};
	if ((st = db_run_status(db, &client_insert, 6, p3, &r)) != DB_OK)
		return st;
	b->out->client_id = db_str(b->a, r, 0, 0);
	PQclear(r);
	json_t *org = json_pack("{s:s}", "name", b->org_name);
	json_t *user = user_changes(&u);
	json_t *client = json_pack("{s:s, s:s, s:b}", "name", "loopd first-party tools", "grants",
				   "password refresh_token", "first_party", 1);
	st = db_audit_append(db, &ctx, "org.created", "org", b->out->org_id, org);
	if (st == DB_OK)
		st = db_audit_append(db, &ctx, "user.created", "user", u.id, user);
	if (st == DB_OK)
		st = db_audit_append(db, &ctx, "client.created", "client", b->out->client_id, client);
	json_decref(org);
	json_decref(user);
	json_decref(client);
	return st;
}

enum db_status
db_bootstrap(struct db *db, struct arena *a, const char *org_name, const char *email,
	     const char *name, const char *password_hash, const char *client_scopes,
	     struct db_bootstrap_out *out)
{
	struct bootstrap_args b = {a, org_name, email, name, password_hash, client_scopes, out};
	return db_tx(db, bootstrap_tx, &b);
}

/* --- users --- */

struct user_args {
	struct arena *a;
	const struct audit_ctx *ctx;
	const struct db_user *in;
	struct db_user *out;
	const char *id;
	int if_version;
	const char *name, *roles;
	bool set_disabled, disabled;
	const char *hash;
	bool audited;
};

static enum db_status
user_create_tx(struct db *db, void *p)
{
	struct user_args *u = p;
	PGresult *r;
	const char *params[] = {u->ctx->org_id, u->in->email, u->in->name, u->in->roles,
				u->in->password_hash};
	enum db_status st = db_run_status(db, &user_insert, 5, params, &r);
	if (st != DB_OK)
		return st;
	read_user(u->a, r, 0, u->out);
	PQclear(r);
	json_t *ch = user_changes(u->out);
	st = db_audit_append(db, u->ctx, "user.created", "user", u->out->id, ch);
	json_decref(ch);
	return st;
}

enum db_status
db_user_create(struct db *db, struct arena *a, const struct audit_ctx *ctx,
	       const struct db_user *in, struct db_user *out)
{
	struct user_args u = {.a = a, .ctx = ctx, .in = in, .out = out};
	return db_tx(db, user_create_tx, &u);
}

static struct db_stmt user_get = {"user_get",
	"SELECT " USER_COLUMNS "FROM users WHERE org_id = $1 AND id = $2"};

enum db_status
db_user_get(struct db *db, struct arena *a, const char *org_id, const char *id,
	    struct db_user *out)
{
	const char *p[] = {org_id, id};
	PGresult *r;
	enum db_status st = db_run_status(db, &user_get, 2, p, &r);
	if (st == DB_OK) {
		read_user(a, r, 0, out);
		PQclear(r);
	}
	return st;
}

static struct db_stmt user_by_email = {"user_by_email",
	"SELECT " USER_COLUMNS ", password_hash FROM users"
	" WHERE org_id = $1 AND lower(email) = lower($2)"};

enum db_status
db_user_by_email(struct db *db, struct arena *a, const char *org_id, const char *email,
		 struct db_user *out)
{
	const char *p[] = {org_id, email};
	PGresult *r;
	enum db_status st = db_run_status(db, &user_by_email, 2, p, &r);
	if (st == DB_OK) {
		read_user(a, r, 0, out);
		out->password_hash = db_str(a, r, 0, 9);
		PQclear(r);
	}
	return st;
}

static struct db_stmt user_list = {"user_list",
	"SELECT " USER_COLUMNS "FROM users WHERE org_id = $1"
	" AND (created_at, id) > ($2::timestamptz, $3::uuid)"
	" ORDER BY created_at, id LIMIT $4"};

enum db_status
db_user_list(struct db *db, struct arena *a, const char *org_id, const struct db_page *page,
	     struct db_user **out, int *n)
{
	const char *p[] = {org_id, DB_AFTER_TIME(page->after_created), DB_AFTER_ID(page->after_id),
			   arena_printf(a, "%d", page->limit)};
	PGresult *r = db_run(db, &user_list, 4, p);
	if (!r)
		return db->status;
	*n = PQntuples(r);
	*out = arena_alloc(a, sizeof **out * (size_t)(*n + 1));
	for (int i = 0; i < *n; i++)
		read_user(a, r, i, &(*out)[i]);
	PQclear(r);
	return DB_OK;
}

static struct db_stmt user_version = {"user_version",
	"SELECT version FROM users WHERE org_id = $1 AND id = $2 FOR UPDATE"};
static struct db_stmt user_update = {"user_update",
	"UPDATE users SET name = coalesce($3, name),"
	" roles = coalesce(string_to_array($4, ' '), roles),"
	" disabled = CASE WHEN $5::boolean THEN $6::boolean ELSE disabled END,"
	" version = version + 1, updated_at = now()"
	" WHERE org_id = $1 AND id = $2 RETURNING " USER_COLUMNS};
static struct db_stmt admins_left = {"user_admins_left",
	"SELECT 1 FROM users WHERE org_id = $1 AND NOT disabled AND 'admin' = ANY(roles) LIMIT 1"};
static struct db_stmt refresh_revoke_user = {"refresh_revoke_user",
	"UPDATE refresh_tokens SET revoked_at = now()"
	" WHERE org_id = $1 AND user_id = $2 AND revoked_at IS NULL"};

/* Locks the row and compares versions: DB_OK, DB_NONE or DB_STALE. */
static enum db_status
lock_version(struct db *db, struct db_stmt *st, const char *org_id, const char *id, int want)
{
	const char *p[] = {org_id, id};
	PGresult *r;
	enum db_status s = db_run_status(db, st, 2, p, &r);
	if (s != DB_OK)
		return s;
	int have = (int)db_int(r, 0, 0);
	PQclear(r);
	return want && want != have ? DB_STALE : DB_OK;
}

static enum db_status
user_update_tx(struct db *db, void *p)
{
	struct user_args *u = p;
	enum db_status st = lock_version(db, &user_version, u->ctx->org_id, u->id, u->if_version);
	if (st != DB_OK)
		return st;
	const char *params[] = {u->ctx->org_id, u->id, u->name, u->roles,
				u->set_disabled ? "true" : "false", u->disabled ? "true" : "false"};
	PGresult *r;
	if ((st = db_run_status(db, &user_update, 6, params, &r)) != DB_OK)
		return st;
	read_user(u->a, r, 0, u->out);
	PQclear(r);
	if ((st = db_run_status(db, &admins_left, 1, params, NULL)) != DB_OK)
		return st == DB_NONE ? DB_STATE : st;	/* the last active admin stays one */
	if (u->out->disabled) {
		const char *p2[] = {u->ctx->org_id, u->id};
		if ((st = db_run_any(db, &refresh_revoke_user, 2, p2)) != DB_OK)
			return st;
	}
	json_t *ch = json_object();
	if (u->name)
		json_object_set_new(ch, "name", json_string(u->out->name));
	if (u->roles)
		json_object_set_new(ch, "roles", json_string(u->out->roles));
	if (u->set_disabled)
		json_object_set_new(ch, "disabled", json_boolean(u->out->disabled));
	st = db_audit_append(db, u->ctx, u->out->disabled && u->set_disabled ? "user.disabled"
									      : "user.updated",
			     "user", u->id, ch);
	json_decref(ch);
	return st;
}

enum db_status
db_user_update(struct db *db, struct arena *a, const struct audit_ctx *ctx, const char *id,
	       int if_version, const char *name, const char *roles, bool set_disabled,
	       bool disabled, struct db_user *out)
{
	struct user_args u = {.a = a, .ctx = ctx, .id = id, .if_version = if_version, .name = name,
			      .roles = roles, .set_disabled = set_disabled, .disabled = disabled,
			      .out = out};
	return db_tx(db, user_update_tx, &u);
}

static struct db_stmt user_password = {"user_password",
	"UPDATE users SET password_hash = $3, updated_at = now()"
	" WHERE org_id = $1 AND id = $2"};

static enum db_status
user_password_tx(struct db *db, void *p)
{
	struct user_args *u = p;
	const char *params[] = {u->ctx->org_id, u->id, u->hash};
	enum db_status st = db_run_status(db, &user_password, 3, params, NULL);
	if (st != DB_OK || !u->audited)
		return st;
	/* A password change ends every session: refresh tokens die now. */
	const char *p2[] = {u->ctx->org_id, u->id};
	if ((st = db_run_any(db, &refresh_revoke_user, 2, p2)) != DB_OK)
		return st;
	return db_audit_append(db, u->ctx, "user.password_changed", "user", u->id, NULL);
}

enum db_status
db_user_set_password(struct db *db, const struct audit_ctx *ctx, const char *id,
		     const char *password_hash, bool audited)
{
	struct user_args u = {.ctx = ctx, .id = id, .hash = password_hash, .audited = audited};
	return db_tx(db, user_password_tx, &u);
}

static struct db_stmt user_state = {"principal_user",
	"SELECT NOT disabled, array_to_string(roles, ' ') FROM users WHERE org_id = $1 AND id = $2"};
static struct db_stmt client_state = {"principal_client",
	"SELECT revoked_at IS NULL, scopes FROM clients WHERE org_id = $1 AND id = $2"};

enum db_status
db_principal_state(struct db *db, struct arena *a, const char *org_id, bool is_user,
		   const char *id, bool *active, char **grants)
{
	const char *p[] = {org_id, id};
	PGresult *r;
	enum db_status st = db_run_status(db, is_user ? &user_state : &client_state, 2, p, &r);
	if (st == DB_OK) {
		*active = db_bool(r, 0, 0);
		*grants = db_str(a, r, 0, 1);
		PQclear(r);
	}
	return st;
}

/* --- clients --- */

struct client_args {
	struct arena *a;
	const struct audit_ctx *ctx;
	const struct db_client *in;
	struct db_client *out;
	const char *id;
};

static enum db_status
client_create_tx(struct db *db, void *p)
{
	struct client_args *c = p;
	const char *params[] = {c->ctx->org_id, c->in->name, c->in->secret_hash, c->in->grants,
				c->in->scopes, c->in->first_party ? "true" : "false"};
	PGresult *r;
	enum db_status st = db_run_status(db, &client_insert, 6, params, &r);
	if (st != DB_OK)
		return st;
	read_client(c->a, r, 0, c->out);
	PQclear(r);
	json_t *ch = json_pack("{s:s, s:s, s:s, s:b}", "name", c->out->name, "grants",
			       c->out->grants, "scopes", c->out->scopes, "first_party",
			       c->out->first_party);
	st = db_audit_append(db, c->ctx, "client.created", "client", c->out->id, ch);
	json_decref(ch);
	return st;
}

enum db_status
db_client_create(struct db *db, struct arena *a, const struct audit_ctx *ctx,
		 const struct db_client *in, struct db_client *out)
{
	struct client_args c = {a, ctx, in, out, NULL};
	return db_tx(db, client_create_tx, &c);
}

static struct db_stmt client_get = {"client_get",
	"SELECT " CLIENT_COLUMNS "FROM clients WHERE id = $1"};

enum db_status
db_client_get(struct db *db, struct arena *a, const char *client_id, struct db_client *out)
{
	const char *p[] = {client_id};
	PGresult *r;
	enum db_status st = db_run_status(db, &client_get, 1, p, &r);
	if (st == DB_OK) {
		read_client(a, r, 0, out);
		PQclear(r);
	}
	return st;
}

static struct db_stmt client_list = {"client_list",
	"SELECT " CLIENT_COLUMNS "FROM clients WHERE org_id = $1 AND revoked_at IS NULL"
	" AND (created_at, id) > ($2::timestamptz, $3::uuid)"
	" ORDER BY created_at, id LIMIT $4"};

enum db_status
db_client_list(struct db *db, struct arena *a, const char *org_id, const struct db_page *page,
	       struct db_client **out, int *n)
{
	const char *p[] = {org_id, DB_AFTER_TIME(page->after_created), DB_AFTER_ID(page->after_id),
			   arena_printf(a, "%d", page->limit)};
	PGresult *r = db_run(db, &client_list, 4, p);
	if (!r)
		return db->status;
	*n = PQntuples(r);
	*out = arena_alloc(a, sizeof **out * (size_t)(*n + 1));
	for (int i = 0; i < *n; i++)
		read_client(a, r, i, &(*out)[i]);
	PQclear(r);
	return DB_OK;
}

static struct db_stmt client_revoke = {"client_revoke",
	"UPDATE clients SET revoked_at = now()"
	" WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL"};
static struct db_stmt refresh_revoke_client = {"refresh_revoke_client",
	"UPDATE refresh_tokens SET revoked_at = now()"
	" WHERE org_id = $1 AND client_id = $2 AND revoked_at IS NULL"};

static enum db_status
client_revoke_tx(struct db *db, void *p)
{
	struct client_args *c = p;
	const char *params[] = {c->ctx->org_id, c->id};
	enum db_status st = db_run_status(db, &client_revoke, 2, params, NULL);
	if (st != DB_OK)
		return st;
	if ((st = db_run_any(db, &refresh_revoke_client, 2, params)) != DB_OK)
		return st;
	return db_audit_append(db, c->ctx, "client.revoked", "client", c->id, NULL);
}

enum db_status
db_client_revoke(struct db *db, const struct audit_ctx *ctx, const char *id)
{
	struct client_args c = {.ctx = ctx, .id = id};
	return db_tx(db, client_revoke_tx, &c);
}

/* --- signing keys and server secrets --- */

static struct db_stmt keys_load = {"keys_load",
	"SELECT kid, encode(secret, 'hex'), retired_at IS NULL FROM signing_keys"
	" WHERE retired_at IS NULL OR retired_at > now() - make_interval(secs => $1)"
	" ORDER BY retired_at IS NULL DESC, created_at DESC"};

enum db_status
db_keys_load(struct db *db, struct arena *a, int verify_seconds, struct db_key **out, int *n)
{
	const char *p[] = {arena_printf(a, "%d", verify_seconds)};
	PGresult *r = db_run(db, &keys_load, 1, p);
	if (!r)
		return db->status;
	*n = PQntuples(r);
	*out = arena_alloc(a, sizeof **out * (size_t)(*n + 1));
	for (int i = 0; i < *n; i++) {
		struct db_key *k = &(*out)[i];
		k->kid = db_str(a, r, i, 0);
		k->secret = db_hex(a, r, i, 1, &k->len);
		k->signing = db_bool(r, i, 2);
	}
	PQclear(r);
	return DB_OK;
}

static struct db_stmt keys_lock = {"keys_lock",
	"SELECT pg_advisory_xact_lock(8127316403), (SELECT count(*) FROM signing_keys"
	" WHERE retired_at IS NULL)"};
static struct db_stmt keys_retire = {"keys_retire",
	"UPDATE signing_keys SET retired_at = now() WHERE retired_at IS NULL"};
static struct db_stmt keys_insert = {"keys_insert",
	"INSERT INTO signing_keys (kid, secret) VALUES ($1, decode($2, 'hex'))"};

struct keys_args {
	struct arena *a;
	bool only_if_none;
	char **kid;
};

static enum db_status
keys_add_tx(struct db *db, void *p)
{
	struct keys_args *k = p;
	PGresult *r;
	enum db_status st = db_run_status(db, &keys_lock, 0, NULL, &r);
	if (st != DB_OK)
		return st;
	bool have = db_int(r, 0, 1) > 0;
	PQclear(r);
	*k->kid = NULL;
	if (have && k->only_if_none)
		return DB_OK;
	if ((st = db_run_any(db, &keys_retire, 0, NULL)) != DB_OK)
		return st;
	unsigned char secret[32];
	crypto_random(secret, sizeof secret);
	*k->kid = crypto_token(k->a, 9);
	const char *params[] = {*k->kid, crypto_hex(k->a, secret, sizeof secret)};
	return db_run_status(db, &keys_insert, 2, params, NULL);
}

enum db_status
db_keys_add(struct db *db, struct arena *a, bool only_if_none, char **kid)
{
	struct keys_args k = {a, only_if_none, kid};
	return db_tx(db, keys_add_tx, &k);
}

static struct db_stmt secret_insert = {"secret_insert",
	"INSERT INTO server_secrets (name, secret) VALUES ($1, decode($2, 'hex'))"
	" ON CONFLICT (name) DO NOTHING"};
static struct db_stmt secret_get = {"secret_get",
	"SELECT encode(secret, 'hex') FROM server_secrets WHERE name = $1"};

enum db_status
db_server_secret(struct db *db, struct arena *a, const char *name, unsigned char **secret,
		 size_t *len)
{
	unsigned char fresh[32];
	crypto_random(fresh, sizeof fresh);
	const char *p[] = {name, crypto_hex(a, fresh, sizeof fresh)};
	enum db_status st = db_run_any(db, &secret_insert, 2, p);
	if (st != DB_OK)
		return st;
	PGresult *r;
	if ((st = db_run_status(db, &secret_get, 1, p, &r)) != DB_OK)
		return st;
	*secret = db_hex(a, r, 0, 0, len);
	PQclear(r);
	return DB_OK;
}

/* --- refresh tokens --- */

static struct db_stmt refresh_insert = {"refresh_insert",
	"INSERT INTO refresh_tokens (org_id, family_id, token_hash, user_id, client_id, scopes,"
	" family_expires_at)"
	" SELECT $1, coalesce($2::uuid, gen_random_uuid()), $3, $4, $5, $6,"
	" coalesce((SELECT family_expires_at FROM refresh_tokens WHERE org_id = $1"
	"   AND family_id = $2::uuid LIMIT 1), now() + make_interval(days => $7))"};

#define REFRESH_COLUMNS "org_id, family_id, user_id, client_id, scopes"

static struct db_stmt refresh_use = {"refresh_use",
	"UPDATE refresh_tokens SET rotated_at = now() WHERE token_hash = $1 AND client_id = $2"
	" AND rotated_at IS NULL AND revoked_at IS NULL AND family_expires_at > now()"
	" RETURNING " REFRESH_COLUMNS};
/* A refresh token is bound to its client: another client presenting it
 * (even a used one) learns nothing and changes nothing. */
static struct db_stmt refresh_find = {"refresh_find",
	"SELECT " REFRESH_COLUMNS ", rotated_at IS NOT NULL, revoked_at IS NOT NULL"
	" FROM refresh_tokens WHERE token_hash = $1 AND ($2::uuid IS NULL OR client_id = $2)"};
static struct db_stmt refresh_revoke_family = {"refresh_revoke_family",
	"UPDATE refresh_tokens SET revoked_at = now()"
	" WHERE org_id = $1 AND family_id = $2 AND revoked_at IS NULL"};

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
	bool reused;
};

static enum db_status
revoke_family(struct db *db, struct refresh_args *f, const char *action)
{
	const char *p[] = {f->out->org_id, f->out->family_id};
	enum db_status st = db_run_any(db, &refresh_revoke_family, 2, p);
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

static struct db_stmt user_enabled = {"user_enabled",
	"SELECT " USER_COLUMNS "FROM users WHERE org_id = $1 AND id = $2 AND NOT disabled"};

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

static enum db_status
refresh_exchange_tx(struct db *db, void *p)
{
	struct refresh_args *f = p;
	const char *params[] = {f->hash, f->client_id};
	PGresult *r;
	enum db_status st = db_run_status(db, &refresh_use, 2, params, &r);
	f->reused = false;
	if (st == DB_OK) {
		read_refresh(f->a, r, f->out);
		PQclear(r);
		if (f->out->user_id) {
			const char *pu[] = {f->out->org_id, f->out->user_id};
			if ((st = db_run_status(db, &user_enabled, 2, pu, &r)) != DB_OK)
				return st;
			read_user(f->a, r, 0, f->user);
			PQclear(r);
		}
		return store_successor(db, f);
	}
	if (st != DB_NONE)
		return st;
	if ((st = db_run_status(db, &refresh_find, 2, params, &r)) != DB_OK)
		return st;
	read_refresh(f->a, r, f->out);
	bool rotated = db_bool(r, 0, 5);
	PQclear(r);
	if (!rotated)
		return DB_NONE;		/* revoked, expired or another client's */
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
	return st == DB_OK && f.reused ? DB_STATE : st;
}

struct login_args {
	struct arena *a;
	const struct audit_ctx *ctx;
	const struct db_refresh *r;
	const char *hash;
	int days;
};

static enum db_status
login_tx(struct db *db, void *p)
{
	struct login_args *l = p;
	if (l->hash) {
		const char *params[] = {l->r->org_id, NULL, l->hash, l->r->user_id, l->r->client_id,
					l->r->scopes, arena_printf(l->a, "%d", l->days)};
		enum db_status st = db_run_status(db, &refresh_insert, 7, params, NULL);
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

/* --- login throttles --- */

static struct db_stmt throttle_count = {"throttle_count",
	"SELECT count(*), coalesce(ceil(extract(epoch FROM min(failed_at)"
	" + make_interval(secs => $2) - now())), 0)"
	" FROM login_failures WHERE key = $1 AND failed_at > now() - make_interval(secs => $2)"};
static struct db_stmt throttle_insert = {"throttle_insert",
	"WITH gone AS (DELETE FROM login_failures WHERE key = $1"
	" AND failed_at < now() - interval '1 day')"
	" INSERT INTO login_failures (key, org_id) VALUES ($1, $2)"};
static struct db_stmt throttle_clear = {"throttle_clear",
	"DELETE FROM login_failures WHERE key = $1"};

enum db_status
db_throttle_count(struct db *db, const char *key, int window_s, int *count, int *retry_after)
{
	char w[16];
	snprintf(w, sizeof w, "%d", window_s);
	const char *p[] = {key, w};
	PGresult *r;
	enum db_status st = db_run_status(db, &throttle_count, 2, p, &r);
	if (st != DB_OK)
		return st;
	*count = (int)db_int(r, 0, 0);
	*retry_after = (int)db_int(r, 0, 1);
	if (*retry_after < 1)
		*retry_after = 1;
	PQclear(r);
	return DB_OK;
}

enum db_status
db_throttle_fail(struct db *db, const char *key, const char *org_id)
{
	const char *p[] = {key, org_id};
	return db_run_status(db, &throttle_insert, 2, p, NULL);
}

enum db_status
db_throttle_clear(struct db *db, const char *key)
{
	const char *p[] = {key};
	enum db_status st = db_run_status(db, &throttle_clear, 1, p, NULL);
	return st == DB_NONE ? DB_OK : st;
}
