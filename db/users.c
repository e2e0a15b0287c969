/* Users of an org, and the standing of a token's subject. */
#include <string.h>
#include "db/internal.h"
#include "db/users.h"

#define USER_COLUMNS "id, org_id, email, name, array_to_string(roles, ' '), disabled, version, " \
	DB_TS("created_at") ", " DB_TS("updated_at") " "

/* Row i of a USER_COLUMNS result into *u (strings copied into a). */
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

/* The changes recorded for a user (no password hash, ever); the caller owns them. */
json_t *
db_user_changes(const struct db_user *u)
{
	return json_pack("{s:s, s:s, s:s, s:b}", "email", u->email, "name", u->name, "roles",
			 u->roles, "disabled", u->disabled);
}

static struct db_stmt user_insert = {"user_insert",
	"INSERT INTO users (org_id, email, name, roles, password_hash)"
	" VALUES ($1, $2, $3, string_to_array($4, ' '), $5) RETURNING " USER_COLUMNS};

/* Inserts the user without auditing it; *out lives in a. */
enum db_status
db_user_insert(struct db *db, struct arena *a, const char *org_id, const struct db_user *in,
	       struct db_user *out)
{
	const char *params[] = {org_id, in->email, in->name, in->roles, in->password_hash};
	PGresult *r;
	enum db_status st = db_run_status(db, &user_insert, 5, params, &r);
	if (st != DB_OK)
		return st;
	read_user(a, r, 0, out);
	PQclear(r);
	return DB_OK;
}

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
	const char *touchable;	/* roles the actor may remove or disable */
	bool *forbidden;
};

/* Transaction body of db_user_create. */
static enum db_status
user_create_tx(struct db *db, void *p)
{
	struct user_args *u = p;
	enum db_status st = db_user_insert(db, u->a, u->ctx->org_id, u->in, u->out);
	if (st != DB_OK)
		return st;
	json_t *ch = db_user_changes(u->out);
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

static struct db_stmt user_enabled = {"user_enabled",
	"SELECT " USER_COLUMNS "FROM users WHERE org_id = $1 AND id = $2 AND NOT disabled"};

/* The user unless it is gone or disabled; *out lives in a. */
enum db_status
db_user_enabled(struct db *db, struct arena *a, const char *org_id, const char *id,
		struct db_user *out)
{
	const char *p[] = {org_id, id};
	PGresult *r;
	enum db_status st = db_run_status(db, &user_enabled, 2, p, &r);
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

/* Oldest first (">"), or newest first ("<", ord " DESC"). */
#define USER_LIST(cmp, ord) \
	"SELECT " USER_COLUMNS "FROM users WHERE org_id = $1" \
	" AND (created_at, id) " cmp " ($2::timestamptz, $3::uuid)" \
	" ORDER BY created_at" ord ", id" ord " LIMIT $4"
static struct db_stmt user_list[2] = {{"user_list", USER_LIST(">", "")},
				       {"user_list_desc", USER_LIST("<", " DESC")}};

enum db_status
db_user_list(struct db *db, struct arena *a, const char *org_id, const struct db_page *page,
	     struct db_user **out, int *n)
{
	const char *p[] = {org_id, DB_PAGE_TIME(page), DB_PAGE_ID(page),
			   arena_printf(a, "%d", page->limit)};
	PGresult *r = db_run(db, &user_list[page->desc], 4, p);
	if (!r)
		return db->status;
	*n = PQntuples(r);
	*out = arena_alloc(a, sizeof **out * (size_t)(*n + 1));
	for (int i = 0; i < *n; i++)
		read_user(a, r, i, &(*out)[i]);
	PQclear(r);
	return DB_OK;
}

/* One row of a PEOPLE_LIST result into item; returns the next row. */
static int
copy_person(struct arena *a, const PGresult *r, int row, void *item)
{
	struct db_person *p = item;
	*p = (struct db_person){.id = db_str(a, r, row, 0), .name = db_str(a, r, row, 1),
				.roles = db_str(a, r, row, 2), .created_at = db_str(a, r, row, 3)};
	return row + 1;
}

/* The directory walks users_page (org_id, created_at, id): an org's users
 * are few, so the role and name conditions filter that walk. strpos, not
 * LIKE, so % and _ in q are plain characters. */
#define PEOPLE_LIST(cmp, ord) \
	"SELECT id, name, array_to_string(roles, ' '), " DB_TS("created_at") \
	" FROM users WHERE org_id = $1 AND NOT disabled" \
	" AND ($2::text IS NULL OR $2::text = ANY (roles))" \
	" AND ($3::text IS NULL OR strpos(lower(name), lower($3::text)) > 0)" \
	" AND (created_at, id) " cmp " ($4::timestamptz, $5::uuid)" \
	" ORDER BY created_at" ord ", id" ord " LIMIT $6"
static struct db_stmt people_list[2] = {{"people_list", PEOPLE_LIST(">", "")},
					 {"people_list_desc", PEOPLE_LIST("<", " DESC")}};

enum db_status
db_people_list(struct db *db, struct arena *a, const char *org_id, const char *role,
	       const char *q, const struct db_page *page, struct db_person **out, int *n)
{
	const char *p[] = {org_id, role, q && *q ? q : NULL, DB_PAGE_TIME(page), DB_PAGE_ID(page),
			   arena_printf(a, "%d", page->limit)};
	void *items;
	enum db_status st = db_rows_collect(db, &people_list[page->desc], 6, p, a, sizeof **out,
					    copy_person, &items, n);
	*out = items;
	return st;
}

static struct db_stmt user_version = {"user_version",
	"SELECT version, array_to_string(roles, ' ') FROM users WHERE org_id = $1 AND id = $2"
	" FOR UPDATE"};
static struct db_stmt user_update = {"user_update",
	"UPDATE users SET name = coalesce($3, name),"
	" roles = coalesce(string_to_array($4, ' '), roles),"
	" disabled = CASE WHEN $5::boolean THEN $6::boolean ELSE disabled END,"
	/* disabling or re-enabling ends the calendar feed URL too */
	" calendar_token_hash = CASE WHEN $5::boolean AND $6::boolean <> disabled THEN NULL"
	"  ELSE calendar_token_hash END,"
	" version = version + 1, updated_at = now()"
	" WHERE org_id = $1 AND id = $2 RETURNING " USER_COLUMNS};
/* Locks the org's active admins (in id order, like every caller) before
 * a change that may take one away, so two concurrent changes cannot each
 * see the other admin still there and leave none (write skew). */
static struct db_stmt admins_lock = {"user_admins_lock",
	"SELECT id FROM users WHERE org_id = $1 AND NOT disabled AND 'admin' = ANY(roles)"
	" ORDER BY id FOR UPDATE"};
static struct db_stmt admins_left = {"user_admins_left",
	"SELECT 1 FROM users WHERE org_id = $1 AND NOT disabled AND 'admin' = ANY(roles) LIMIT 1"};

/* Locks the row and compares versions: DB_OK, DB_NONE or DB_STALE; *roles
 * gets the roles as stored (in a). */
static enum db_status
lock_version(struct db *db, struct arena *a, const char *org_id, const char *id, int want,
	     char **roles)
{
	const char *p[] = {org_id, id};
	PGresult *r;
	enum db_status s = db_run_status(db, &user_version, 2, p, &r);
	if (s != DB_OK)
		return s;
	int have = (int)db_int(r, 0, 0);
	*roles = db_str(a, r, 0, 1);
	PQclear(r);
	return want && want != have ? DB_STALE : DB_OK;
}

/* Whether the space-separated word w is in list. */
static bool
has_role(const char *list, const char *w, size_t n)
{
	for (const char *p = list; p && *p; p += strcspn(p, " "), p += *p == ' ')
		if (strcspn(p, " ") == n && !strncmp(p, w, n))
			return true;
	return false;
}

/* Whether every role of old that the update takes away (all of them when
 * it changes disabled) is one the actor may touch. */
static bool
may_take(const struct user_args *u, const char *old)
{
	if (!u->touchable)
		return true;
	for (const char *p = old; *p; p += strcspn(p, " "), p += *p == ' ') {
		size_t n = strcspn(p, " ");
		bool taken = u->set_disabled || (u->roles && !has_role(u->roles, p, n));
		if (taken && !has_role(u->touchable, p, n))
			return false;
	}
	return true;
}

/* The audit changes of an update: only the fields it set; the caller owns them. */
static json_t *
update_changes(const struct user_args *u)
{
	json_t *ch = json_object();
	if (u->name)
		json_object_set_new(ch, "name", json_string(u->out->name));
	if (u->roles)
		json_object_set_new(ch, "roles", json_string(u->out->roles));
	if (u->set_disabled)
		json_object_set_new(ch, "disabled", json_boolean(u->out->disabled));
	return ch;
}

/* Transaction body of db_user_update. */
static enum db_status
user_update_tx(struct db *db, void *p)
{
	struct user_args *u = p;
	char *old;
	enum db_status st;
	if (u->roles || u->set_disabled) {
		const char *org[] = {u->ctx->org_id};
		if ((st = db_run_any(db, &admins_lock, 1, org)) != DB_OK)
			return st;
	}
	st = lock_version(db, u->a, u->ctx->org_id, u->id, u->if_version, &old);
	if (st != DB_OK)
		return st;
	if (!may_take(u, old)) {
		*u->forbidden = true;
		return DB_STATE;
	}
	const char *params[] = {u->ctx->org_id, u->id, u->name, u->roles,
				u->set_disabled ? "true" : "false", u->disabled ? "true" : "false"};
	*u->forbidden = false;
	PGresult *r;
	if ((st = db_run_status(db, &user_update, 6, params, &r)) != DB_OK)
		return st;
	read_user(u->a, r, 0, u->out);
	PQclear(r);
	if ((st = db_run_status(db, &admins_left, 1, params, NULL)) != DB_OK)
		return st == DB_NONE ? DB_STATE : st;	/* the last active admin stays one */
	if (u->out->disabled &&
	    (st = db_refresh_revoke_user(db, u->ctx->org_id, u->id)) != DB_OK)
		return st;
	json_t *ch = update_changes(u);
	st = db_audit_append(db, u->ctx, u->out->disabled && u->set_disabled ? "user.disabled"
									      : "user.updated",
			     "user", u->id, ch);
	json_decref(ch);
	return st;
}

enum db_status
db_user_update(struct db *db, struct arena *a, const struct audit_ctx *ctx, const char *id,
	       int if_version, const char *name, const char *roles, bool set_disabled,
	       bool disabled, const char *touchable, bool *forbidden, struct db_user *out)
{
	struct user_args u = {.a = a, .ctx = ctx, .id = id, .if_version = if_version, .name = name,
			      .roles = roles, .set_disabled = set_disabled, .disabled = disabled,
			      .out = out, .touchable = touchable, .forbidden = forbidden};
	*forbidden = false;
	return db_tx(db, user_update_tx, &u);
}

static struct db_stmt user_password = {"user_password",
	"UPDATE users SET password_hash = $3, updated_at = now(),"
	" calendar_token_hash = CASE WHEN $4::boolean THEN NULL ELSE calendar_token_hash END"
	" WHERE org_id = $1 AND id = $2"};

/* Transaction body of db_user_set_password. */
static enum db_status
user_password_tx(struct db *db, void *p)
{
	struct user_args *u = p;
	/* a new password (not a rehash) ends the calendar feed URL too */
	const char *params[] = {u->ctx->org_id, u->id, u->hash, u->audited ? "true" : "false"};
	enum db_status st = db_run_status(db, &user_password, 4, params, NULL);
	if (st != DB_OK || !u->audited)
		return st;
	/* A password change ends every session: refresh tokens die now. */
	if ((st = db_refresh_revoke_user(db, u->ctx->org_id, u->id)) != DB_OK)
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
