/* Rubric versions (catalogue and org-owned) and loop templates. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include "db/internal.h"
#include "db/rubrics.h"

#define RUBRIC_COLUMNS "id, org_id, key, kind, title, version, duration_minutes, document, " \
	"digest, " DB_TS("published_at") " "
/* The latest version of each key visible to org $1 (the org's own first on
 * the same version). */
#define LATEST_PER_KEY(extra) \
	"SELECT DISTINCT ON (key) * FROM rubrics" \
	" WHERE (org_id IS NULL OR org_id = $1::uuid)" extra \
	" ORDER BY key, version DESC, org_id IS NULL"

/* Row i of a result selected with RUBRIC_COLUMNS into item; returns the
 * next row. */
static int
read_rubric(struct arena *a, const PGresult *r, int i, void *item)
{
	struct db_rubric *out = item;
	out->id = db_str(a, r, i, 0);
	out->org_id = db_str(a, r, i, 1);
	out->key = db_str(a, r, i, 2);
	out->kind = db_str(a, r, i, 3);
	out->title = db_str(a, r, i, 4);
	out->version = (int)db_int(r, i, 5);
	out->duration_minutes = (int)db_int(r, i, 6);
	out->document = db_str(a, r, i, 7);
	out->digest = db_str(a, r, i, 8);
	out->published_at = db_str(a, r, i, 9);
	return i + 1;
}

/* The reference the scheduling code pins, from a full row. */
static void
ref_of(const struct db_rubric *r, struct db_rubric_ref *out)
{
	out->id = r->id;
	out->key = r->key;
	out->kind = r->kind;
	out->version = r->version;
	out->duration_minutes = r->duration_minutes;
}

/* Runs a query expected to return at most one rubric row into *out. */
static enum db_status
one_rubric(struct db *db, struct arena *a, struct db_stmt *st, int n, const char *const *p,
	   struct db_rubric *out)
{
	return db_row_fetch(db, st, n, p, a, read_rubric, out);
}

static struct db_stmt rubric_get = {"rubric_get",
	"SELECT " RUBRIC_COLUMNS "FROM rubrics"
	" WHERE key = $2 AND (org_id IS NULL OR org_id = $1::uuid)"
	" AND ($3::int = 0 OR version = $3::int)"
	" ORDER BY version DESC, org_id IS NULL LIMIT 1"};

enum db_status
db_rubric_get(struct db *db, struct arena *a, const char *org_id, const char *key, int version,
	      struct db_rubric *out)
{
	char v[16];
	snprintf(v, sizeof v, "%d", version > 0 ? version : 0);
	const char *p[] = {org_id, key, v};
	return one_rubric(db, a, &rubric_get, 3, p, out);
}

enum db_status
db_rubric_resolve(struct db *db, struct arena *a, const char *org_id, const char *key,
		  int version, struct db_rubric_ref *out)
{
	struct db_rubric r;
	enum db_status st = db_rubric_get(db, a, org_id, key, version, &r);
	if (st == DB_OK)
		ref_of(&r, out);
	return st;
}

static struct db_stmt rubric_for_kind = {"rubric_for_kind",
	"SELECT " RUBRIC_COLUMNS "FROM (" LATEST_PER_KEY("") ") t"
	" WHERE kind = $2 ORDER BY published_at DESC, key LIMIT 1"};

enum db_status
db_rubric_for_kind(struct db *db, struct arena *a, const char *org_id, const char *kind,
		   struct db_rubric_ref *out)
{
	const char *p[] = {org_id, kind};
	struct db_rubric r;
	enum db_status st = one_rubric(db, a, &rubric_for_kind, 2, p, &r);
	if (st == DB_OK)
		ref_of(&r, out);
	return st;
}

static struct db_stmt rubric_list = {"rubric_list",
	"SELECT " RUBRIC_COLUMNS "FROM ("
	LATEST_PER_KEY(" AND ($3::text IS NULL OR key > $3::text)") ") t"
	" WHERE ($2::text IS NULL OR kind = $2::text) ORDER BY key LIMIT $4::int"};

enum db_status
db_rubric_list(struct db *db, struct arena *a, const char *org_id, const char *kind,
	       const char *after_key, int limit, struct db_rubric **out, int *n)
{
	char lim[16];
	snprintf(lim, sizeof lim, "%d", limit);
	const char *p[] = {org_id, kind, after_key, lim};
	void *items;
	enum db_status st = db_rows_collect(db, &rubric_list, 4, p, a, sizeof **out, read_rubric,
					    &items, n);
	*out = items;
	return st;
}

/* --- publishing --- */

static struct db_stmt rubric_lock = {"rubric_lock",
	"SELECT pg_advisory_xact_lock(7305, hashtext($1 || '/' || $2))"};
static struct db_stmt rubric_latest = {"rubric_latest",
	"SELECT version, kind FROM rubrics WHERE key = $2 AND (org_id IS NULL OR org_id = $1::uuid)"
	" ORDER BY version DESC, org_id IS NULL LIMIT 1"};
static struct db_stmt rubric_insert = {"rubric_insert",
	"INSERT INTO rubrics (org_id, key, version, kind, title, duration_minutes, document, digest,"
	" published_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING " RUBRIC_COLUMNS};

struct publish_args {
	struct arena *a;
	const struct audit_ctx *ctx;
	const struct db_rubric_new *in;
	struct db_rubric *out;
	struct db_rubric_latest *latest;
};

/* Reads the newest version of the key the org sees into *latest. */
static enum db_status
read_latest(struct db *db, struct publish_args *p)
{
	const char *params[] = {p->ctx->org_id, p->in->key};
	PGresult *r = db_run(db, &rubric_latest, 2, params);
	if (!r)
		return db->status;
	p->latest->version = PQntuples(r) ? (int)db_int(r, 0, 0) : 0;
	p->latest->kind = PQntuples(r) ? db_str(p->a, r, 0, 1) : NULL;
	PQclear(r);
	return DB_OK;
}

/* Inserts the version and audits it. */
static enum db_status
insert_version(struct db *db, struct publish_args *p)
{
	char v[16], d[16];
	snprintf(v, sizeof v, "%d", p->in->version);
	snprintf(d, sizeof d, "%d", p->in->duration_minutes);
	const char *params[] = {p->ctx->org_id, p->in->key, v, p->in->kind, p->in->title, d,
				p->in->document, p->in->digest, p->ctx->actor_id};
	struct db_rubric *o = p->out;
	enum db_status st = one_rubric(db, p->a, &rubric_insert, 9, params, o);
	if (st != DB_OK)
		return st == DB_NONE ? DB_HARD : st;
	json_t *ch = json_pack("{s:s, s:i, s:s, s:s, s:s}", "key", o->key, "version", o->version,
			       "kind", o->kind, "title", o->title, "digest", o->digest);
	st = db_audit_append(db, p->ctx, "rubric.published", "rubric", o->id, ch);
	json_decref(ch);
	return st;
}

/* The publication: checks the version and kind under a per-key lock, inserts, audits. */
static enum db_status
publish_tx(struct db *db, void *arg)
{
	struct publish_args *p = arg;
	const char *lock[] = {p->ctx->org_id, p->in->key};
	enum db_status st = db_run_status(db, &rubric_lock, 2, lock, NULL);
	if (st != DB_OK || (st = read_latest(db, p)) != DB_OK)
		return st;
	if (p->in->version <= p->latest->version)
		return DB_STATE;
	if (p->latest->kind && strcmp(p->latest->kind, p->in->kind) != 0)
		return DB_INVALID;
	return insert_version(db, p);
}

enum db_status
db_rubric_publish(struct db *db, struct arena *a, const struct audit_ctx *ctx,
		  const struct db_rubric_new *in, struct db_rubric *out,
		  struct db_rubric_latest *latest)
{
	struct publish_args p = {a, ctx, in, out, latest};
	memset(latest, 0, sizeof *latest);
	return db_tx(db, publish_tx, &p);
}

/* --- catalogue --- */

static struct db_stmt catalog_insert = {"catalog_insert",
	"INSERT INTO rubrics (org_id, key, version, kind, title, duration_minutes, document, digest,"
	" source_file) VALUES (NULL, $1, $2, $3, $4, $5, $6, $7, $8)"
	" ON CONFLICT DO NOTHING RETURNING digest"};
static struct db_stmt catalog_digest = {"catalog_digest",
	"SELECT digest FROM rubrics WHERE org_id IS NULL AND key = $1 AND version = $2"};

enum db_status
db_catalog_publish(struct db *db, struct arena *a, const struct db_rubric_new *in,
		   const char *source_file, char **stored_digest)
{
	char v[16], d[16];
	snprintf(v, sizeof v, "%d", in->version);
	snprintf(d, sizeof d, "%d", in->duration_minutes);
	const char *p[] = {in->key, v, in->kind, in->title, d, in->document, in->digest,
			   source_file};
	PGresult *r = NULL;
	enum db_status st = db_run_status(db, &catalog_insert, 8, p, &r);
	if (st == DB_NONE)	/* stored already, by an earlier start or a sibling starting now */
		st = db_run_status(db, &catalog_digest, 2, p, &r);
	if (st == DB_OK) {
		*stored_digest = db_str(a, r, 0, 0);
		PQclear(r);
	}
	return st;
}

/* --- loop templates --- */

static struct db_stmt template_put = {"template_put",
	"INSERT INTO loop_templates (key, document, digest) VALUES ($1, $2, $3)"
	" ON CONFLICT (key) DO UPDATE SET document = EXCLUDED.document, digest = EXCLUDED.digest"
	" WHERE loop_templates.digest <> EXCLUDED.digest"};

enum db_status
db_template_put(struct db *db, const char *key, const char *document, const char *digest)
{
	const char *p[] = {key, document, digest};
	PGresult *r = db_run(db, &template_put, 3, p);
	if (!r)
		return db->status;
	PQclear(r);
	return DB_OK;
}

static struct db_stmt template_list = {"template_list",
	"SELECT key, document FROM loop_templates ORDER BY key"};

/* One template row into item; returns the next row. */
static int
read_template(struct arena *a, const PGresult *r, int i, void *item)
{
	struct db_template *t = item;
	t->key = db_str(a, r, i, 0);
	t->document = db_str(a, r, i, 1);
	return i + 1;
}

enum db_status
db_template_list(struct db *db, struct arena *a, struct db_template **out, int *n)
{
	void *items;
	enum db_status st = db_rows_collect(db, &template_list, 0, NULL, a, sizeof **out,
					    read_template, &items, n);
	*out = items;
	return st;
}

/* The rounds of a stored template document; false when it is malformed. */
static bool
parse_rounds(struct arena *a, const char *document, struct db_template_round **rounds, int *n)
{
	json_t *doc = json_loads(document, 0, NULL);
	json_t *list = json_object_get(doc, "rounds");
	size_t i, count = json_array_size(list);
	json_t *item;
	*rounds = arena_alloc(a, (count + 1) * sizeof **rounds);
	*n = 0;
	bool ok = json_is_array(list);
	json_array_foreach(list, i, item) {
		const char *kind = json_string_value(json_object_get(item, "kind"));
		const char *key = json_string_value(json_object_get(item, "rubric_key"));
		ok = ok && kind && key;
		if (!ok)
			break;
		(*rounds)[i] = (struct db_template_round){arena_strdup(a, kind), arena_strdup(a, key),
			json_is_true(json_object_get(item, "required"))};
		*n = (int)i + 1;
	}
	json_decref(doc);
	return ok;
}

static struct db_stmt template_get = {"template_get",
	"SELECT document FROM loop_templates WHERE key = $1"};

enum db_status
db_template_get(struct db *db, struct arena *a, const char *key, struct db_template_round **rounds,
		int *n)
{
	const char *p[] = {key};
	PGresult *r = db_run(db, &template_get, 1, p);
	if (!r)
		return db->status;
	enum db_status st = PQntuples(r) ? DB_OK : DB_NONE;
	if (st == DB_OK && !parse_rounds(a, PQgetvalue(r, 0, 0), rounds, n))
		st = DB_HARD;
	PQclear(r);
	return st;
}
