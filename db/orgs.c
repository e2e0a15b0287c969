/* An org's settings. */
#include "db/internal.h"
#include "db/orgs.h"

static struct db_stmt org_get = {"org_get",
	"SELECT id, name, password_grant FROM orgs WHERE id = $1"};
static struct db_stmt org_set_password_grant = {"org_set_password_grant",
	"UPDATE orgs SET password_grant = $2 WHERE id = $1 RETURNING id, name, password_grant"};
static struct db_stmt org_of_email = {"org_of_email",
	"SELECT org_id FROM users WHERE lower(email) = lower($1) LIMIT 2"};

static void
read_org(struct arena *a, const PGresult *r, struct db_org *out)
{
	out->id = db_str(a, r, 0, 0);
	out->name = db_str(a, r, 0, 1);
	out->password_grant = db_bool(r, 0, 2);
}

enum db_status
db_org_get(struct db *db, struct arena *a, const char *org_id, struct db_org *out)
{
	const char *p[] = {org_id};
	PGresult *r;
	enum db_status st = db_run_status(db, &org_get, 1, p, &r);
	if (st == DB_OK) {
		read_org(a, r, out);
		PQclear(r);
	}
	return st;
}

struct org_args {
	struct arena *a;
	const struct audit_ctx *ctx;
	bool on;
	struct db_org *out;
};

/* Transaction body of db_org_set_password_grant. */
static enum db_status
org_set_tx(struct db *db, void *p)
{
	struct org_args *o = p;
	const char *params[] = {o->ctx->org_id, o->on ? "true" : "false"};
	PGresult *r;
	enum db_status st = db_run_status(db, &org_set_password_grant, 2, params, &r);
	if (st != DB_OK)
		return st;
	read_org(o->a, r, o->out);
	PQclear(r);
	json_t *ch = json_pack("{s:b}", "password_grant", o->on);
	st = db_audit_append(db, o->ctx, "org.updated", "org", o->ctx->org_id, ch);
	json_decref(ch);
	return st;
}

enum db_status
db_org_set_password_grant(struct db *db, struct arena *a, const struct audit_ctx *ctx, bool on,
			  struct db_org *out)
{
	struct org_args o = {a, ctx, on, out};
	return db_tx(db, org_set_tx, &o);
}

enum db_status
db_org_of_email(struct db *db, struct arena *a, const char *email, char **org_id)
{
	const char *p[] = {email};
	PGresult *r = db_run(db, &org_of_email, 1, p);
	if (!r)
		return db->status;
	int n = PQntuples(r);
	*org_id = n == 1 ? db_str(a, r, 0, 0) : NULL;
	PQclear(r);
	return n == 1 ? DB_OK : n > 1 ? DB_CONFLICT : DB_NONE;
}
