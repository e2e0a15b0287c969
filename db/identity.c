/* Organisations: the bootstrap of a new org with its first admin and its
 * first-party client. The identity aggregates each have a file of their
 * own (users.c, clients.c, keys.c, refresh.c, throttles.c). */
#include "db/clients.h"
#include "db/identity.h"
#include "db/internal.h"
#include "db/users.h"

static struct db_stmt org_insert = {"org_insert",
	"INSERT INTO orgs (name) VALUES ($1) RETURNING id"};

struct bootstrap_args {
	struct arena *a;
	const char *org_name, *email, *name, *hash, *scopes;
	struct db_bootstrap_out *out;
};

/* Audits the three creations of a bootstrap, in the order they happened. */
static enum db_status
bootstrap_audit(struct db *db, const struct bootstrap_args *b, const struct db_user *u)
{
	struct audit_ctx ctx = {b->out->org_id, "system", NULL, NULL, NULL};
	json_t *org = json_pack("{s:s}", "name", b->org_name);
	json_t *user = db_user_changes(u);
	json_t *client = json_pack("{s:s, s:s, s:b}", "name", "loopd first-party tools", "grants",
				   "password refresh_token", "first_party", 1);
	enum db_status st = db_audit_append(db, &ctx, "org.created", "org", b->out->org_id, org);
	if (st == DB_OK)
		st = db_audit_append(db, &ctx, "user.created", "user", u->id, user);
	if (st == DB_OK)
		st = db_audit_append(db, &ctx, "client.created", "client", b->out->client_id, client);
	json_decref(org);
	json_decref(user);
	json_decref(client);
	return st;
}

/* Transaction body of db_bootstrap. */
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
	struct db_user admin = {.email = (char *)b->email, .name = (char *)b->name,
				.roles = "admin", .password_hash = (char *)b->hash};
	struct db_user u;
	if ((st = db_user_insert(db, b->a, b->out->org_id, &admin, &u)) != DB_OK)
		return st;
	b->out->user_id = u.id;
	struct db_client tools = {.name = "loopd first-party tools",
				  .grants = "password refresh_token",
				  .scopes = (char *)b->scopes, .first_party = true};
	struct db_client c;
	if ((st = db_client_insert(db, b->a, b->out->org_id, &tools, &c)) != DB_OK)
		return st;
	b->out->client_id = c.id;
	if ((st = db_client_console_insert(db, b->out->org_id, b->scopes)) != DB_OK)
		return st;
	return bootstrap_audit(db, b, &u);
}

enum db_status
db_bootstrap(struct db *db, struct arena *a, const char *org_name, const char *email,
	     const char *name, const char *password_hash, const char *client_scopes,
	     struct db_bootstrap_out *out)
{
	struct bootstrap_args b = {a, org_name, email, name, password_hash, client_scopes, out};
	return db_tx(db, bootstrap_tx, &b);
}
