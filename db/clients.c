/* OAuth clients of an org. */
#include <string.h>
#include "db/clients.h"
#include "db/internal.h"

#define CLIENT_COLUMNS "id, org_id, name, secret_hash, array_to_string(grants, ' '), scopes, " \
	"first_party, revoked_at IS NOT NULL, " DB_TS("created_at") ", " \
	"array_to_string(redirect_uris, ' '), public, builtin IS NOT NULL "

/* Row i of a CLIENT_COLUMNS result into *c (strings copied into a). */
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
	c->redirect_uris = db_str(a, r, i, 9);
	c->public = db_bool(r, i, 10);
	c->builtin = db_bool(r, i, 11);
}

static struct db_stmt client_insert = {"client_insert",
	"INSERT INTO clients (org_id, name, secret_hash, grants, scopes, first_party, redirect_uris,"
	" public) VALUES ($1, $2, $3, string_to_array($4, ' '), $5, $6,"
	" string_to_array(coalesce($7, ''), ' '), $8) RETURNING " CLIENT_COLUMNS};

/* Inserts the client without auditing it; *out lives in a. */
enum db_status
db_client_insert(struct db *db, struct arena *a, const char *org_id, const struct db_client *in,
		 struct db_client *out)
{
	const char *params[] = {org_id, in->name, in->secret_hash, in->grants, in->scopes,
				in->first_party ? "true" : "false", in->redirect_uris,
				in->public ? "true" : "false"};
	PGresult *r;
	enum db_status st = db_run_status(db, &client_insert, 8, params, &r);
	if (st != DB_OK)
		return st;
	read_client(a, r, 0, out);
	PQclear(r);
	return DB_OK;
}

struct client_args {
	struct arena *a;
	const struct audit_ctx *ctx;
	const struct db_client *in;
	struct db_client *out;
	const char *id;
};

/* Transaction body of db_client_create. */
static enum db_status
client_create_tx(struct db *db, void *p)
{
	struct client_args *c = p;
	enum db_status st = db_client_insert(db, c->a, c->ctx->org_id, c->in, c->out);
	if (st != DB_OK)
		return st;
	json_t *ch = json_pack("{s:s, s:s, s:s, s:b, s:s, s:b}", "name", c->out->name, "grants",
			       c->out->grants, "scopes", c->out->scopes, "first_party",
			       c->out->first_party, "redirect_uris", c->out->redirect_uris,
			       "public", c->out->public);
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

/* Oldest first (">"), or newest first ("<", ord " DESC"). */
#define CLIENT_LIST(cmp, ord) \
	"SELECT " CLIENT_COLUMNS "FROM clients WHERE org_id = $1 AND revoked_at IS NULL" \
	" AND builtin IS NULL" \
	" AND (created_at, id) " cmp " ($2::timestamptz, $3::uuid)" \
	" ORDER BY created_at" ord ", id" ord " LIMIT $4"
static struct db_stmt client_list[2] = {{"client_list", CLIENT_LIST(">", "")},
					 {"client_list_desc", CLIENT_LIST("<", " DESC")}};

enum db_status
db_client_list(struct db *db, struct arena *a, const char *org_id, const struct db_page *page,
	       struct db_client **out, int *n)
{
	const char *p[] = {org_id, DB_PAGE_TIME(page), DB_PAGE_ID(page),
			   arena_printf(a, "%d", page->limit)};
	PGresult *r = db_run(db, &client_list[page->desc], 4, p);
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

/* The org's active clients people sign in with (first-party, password
 * grant), locked: the last of them cannot go. */
static struct db_stmt sign_in_clients = {"client_sign_in_left",
	"SELECT id FROM clients WHERE org_id = $1 AND revoked_at IS NULL AND first_party"
	" AND 'password' = ANY(grants) ORDER BY id FOR UPDATE"};

/* Transaction body of db_client_revoke. */
static enum db_status
client_revoke_tx(struct db *db, void *p)
{
	struct client_args *c = p;
	const char *params[] = {c->ctx->org_id, c->id};
	PGresult *r = db_run(db, &sign_in_clients, 1, params);
	if (!r)
		return db->status;
	bool last = PQntuples(r) == 1 && !strcmp(PQgetvalue(r, 0, 0), c->id);
	PQclear(r);
	if (last)
		return DB_STATE;	/* no human could sign in any more */
	enum db_status st = db_run_status(db, &client_revoke, 2, params, NULL);
	if (st != DB_OK)
		return st;
	if ((st = db_refresh_revoke_client(db, c->ctx->org_id, c->id)) != DB_OK)
		return st;
	return db_audit_append(db, c->ctx, "client.revoked", "client", c->id, NULL);
}

enum db_status
db_client_revoke(struct db *db, const struct audit_ctx *ctx, const char *id)
{
	struct client_args c = {.ctx = ctx, .id = id};
	return db_tx(db, client_revoke_tx, &c);
}

/* Transaction body of db_client_recover. */
static enum db_status
client_recover_tx(struct db *db, void *p)
{
	struct client_args *c = p;
	enum db_status st = db_client_insert(db, c->a, c->ctx->org_id, c->in, c->out);
	if (st != DB_OK)
		return st;
	json_t *ch = json_pack("{s:s, s:s, s:s, s:b, s:s}", "name", c->out->name, "grants",
			       c->out->grants, "scopes", c->out->scopes, "first_party", 1,
			       "by", "loopd admin create-client");
	st = db_audit_append(db, c->ctx, "client.created", "client", c->out->id, ch);
	json_decref(ch);
	return st;
}

enum db_status
db_client_recover(struct db *db, struct arena *a, const char *org_id, const char *scopes,
		  struct db_client *out)
{
	struct audit_ctx ctx = {org_id, "system", NULL, NULL, NULL};
	struct db_client in = {.name = "loopd first-party tools (recovered)",
			       .grants = "password refresh_token", .scopes = (char *)scopes,
			       .first_party = true};
	struct client_args c = {a, &ctx, &in, out, NULL};
	return db_tx(db, client_recover_tx, &c);
}

static struct db_stmt client_console = {"client_console",
	"SELECT " CLIENT_COLUMNS "FROM clients WHERE org_id = $1 AND builtin = 'loopd-console'"};

enum db_status
db_client_console(struct db *db, struct arena *a, const char *org_id, struct db_client *out)
{
	const char *p[] = {org_id};
	PGresult *r;
	enum db_status st = db_run_status(db, &client_console, 1, p, &r);
	if (st == DB_OK) {
		read_client(a, r, 0, out);
		PQclear(r);
	}
	return st;
}

/* The built-in console client of a new org (bootstrap); not audited. */
static struct db_stmt console_insert = {"client_console_insert",
	"INSERT INTO clients (org_id, name, grants, scopes, first_party, public, builtin)"
	" VALUES ($1, 'loopd console', ARRAY['authorization_code', 'refresh_token'], $2, true,"
	" true, 'loopd-console')"};

enum db_status
db_client_console_insert(struct db *db, const char *org_id, const char *scopes)
{
	const char *p[] = {org_id, scopes};
	return db_run_status(db, &console_insert, 2, p, NULL);
}
