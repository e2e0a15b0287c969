/* Candidates: create, read (by reach), search, update, erase. */
#include <string.h>
#include "db/idempotency.h"
#include "db/internal.h"
#include "db/webhooks.h"
#include "db/scheduling.h"
#include "db/surveys.h"

/* Rows reachable by a viewer ($2 user, $3 reach) of org $1, as c. */
#define CANDIDATE_REACH \
	"($3::int & 1 = 1 OR EXISTS (SELECT 1 FROM loops l WHERE l.org_id = c.org_id" \
	" AND l.candidate_id = c.id AND " DB_LOOP_VISIBLE("$2", "$3") "))"

/* Audit changes for a candidate: every field that erasure clears by name
 * only (the chain cannot be edited afterwards, so it never holds them). */
static json_t *
candidate_changes(const struct db_candidate_in *in, unsigned set)
{
	json_t *ch = json_object();
	static const struct { unsigned bit; const char *name; bool pii; } fields[] = {
		{CAND_NAME, "name", true}, {CAND_EMAIL, "email", true}, {CAND_PHONE, "phone", true},
		{CAND_SOURCE, "source", true}, {CAND_NOTES, "notes", true},
	};
	const char *values[] = {in->name, in->email, in->phone, in->source, in->notes};
	for (size_t i = 0; i < 5; i++) {
		if (!(set & fields[i].bit))
			continue;
		json_object_set_new(ch, fields[i].name,
				    fields[i].pii ? json_string(AUDIT_REDACTED)
						  : values[i] ? json_string(values[i]) : json_null());
	}
	return ch;
}

static struct db_stmt find_email = {"candidate_find_email",
	"SELECT id FROM candidates WHERE org_id = $1 AND lower(email) = lower($2)"
	" AND erased_at IS NULL"};

/* After a unique violation: the id of the candidate holding email. */
static void
duplicate_of(struct db *db, struct arena *a, const char *org_id, const char *email, char **dup)
{
	const char *p[] = {org_id, email};
	PGresult *r;
	*dup = NULL;
	if (db_run_status(db, &find_email, 2, p, &r) == DB_OK) {
		*dup = db_str(a, r, 0, 0);
		PQclear(r);
	}
}

struct cand_args {
	struct arena *a;
	const struct audit_ctx *ctx;
	const struct db_candidate_in *in;
	const char *id;
	int if_version;
	struct db_candidate *out;
};

/* The columns of candidate c (copy_candidate reads them), then whether the
 * viewer gets only the basic profile. */
#define CANDIDATE_COLUMNS \
	"c.id, c.name, c.email, c.phone, c.source, c.notes, c.erased_at IS NOT NULL, c.version, " \
	DB_TS("c.created_at") ", " DB_TS("c.updated_at")
#define RETURNING_FULL " RETURNING " CANDIDATE_COLUMNS ", false"

/* One candidate row into item; the basic profile copies none of the
 * personal data it does not show. Returns the next row. */
static int
copy_candidate(struct arena *a, const PGresult *r, int row, void *item)
{
	struct db_candidate *c = item;
	*c = (struct db_candidate){.id = db_str(a, r, row, 0), .name = db_str(a, r, row, 1),
				   .erased = db_bool(r, row, 6), .basic = db_bool(r, row, 10),
				   .version = (int)db_int(r, row, 7),
				   .created_at = db_str(a, r, row, 8),
				   .updated_at = db_str(a, r, row, 9)};
	if (c->basic)
		return row + 1;
	c->email = db_str(a, r, row, 2);
	c->phone = db_str(a, r, row, 3);
	c->source = db_str(a, r, row, 4);
	c->notes = db_str(a, r, row, 5);
	return row + 1;
}

static struct db_stmt cand_insert = {"candidate_insert",
	"INSERT INTO candidates AS c (org_id, name, email, phone, source, notes)"
	" VALUES ($1, $2, $3, $4, $5, $6)" RETURNING_FULL};

static enum db_status
create_tx(struct db *db, void *p)
{
	struct cand_args *c = p;
	const char *params[] = {c->ctx->org_id, c->in->name, c->in->email, c->in->phone,
				c->in->source, c->in->notes};
	enum db_status st = db_row_fetch(db, &cand_insert, 6, params, c->a, copy_candidate, c->out);
	if (st != DB_OK)
		return st;
	json_t *ch = candidate_changes(c->in, CAND_NAME | CAND_EMAIL | CAND_PHONE | CAND_SOURCE |
					       CAND_NOTES);
	st = db_webhook_emit(db, c->ctx->org_id, "candidate.created",
			     json_pack("{s:s}", "candidate_id", c->out->id));
	if (st == DB_OK)
		st = db_audit_append(db, c->ctx, "candidate.created", "candidate", c->out->id, ch);
	json_decref(ch);
	return st;
}

enum db_status
db_candidate_create(struct db *db, struct arena *a, const struct audit_ctx *ctx,
		    const struct db_candidate_in *in, struct db_candidate *out, char **dup_id)
{
	struct cand_args c = {a, ctx, in, NULL, 0, out};
	enum db_status st = db_tx(db, create_tx, &c);
	if (st == DB_CONFLICT)
		duplicate_of(db, a, ctx->org_id, in->email, dup_id);
	return st;
}

/* Full profile for viewers reaching every candidate ($3 reach bit 1) or
 * managing one of the candidate's loops; else the basic one. */
#define CANDIDATE_FULL \
	"($3::int & 1 = 1 OR ($3::int & 2 = 2 AND EXISTS (" \
	"  SELECT 1 FROM loops l WHERE l.org_id = c.org_id AND l.candidate_id = c.id" \
	"  AND l.hiring_manager_id = $2)))"
#define CANDIDATE_VIEW CANDIDATE_COLUMNS ", NOT " CANDIDATE_FULL

static struct db_stmt cand_get = {"candidate_get",
	"SELECT " CANDIDATE_VIEW " FROM candidates c WHERE c.org_id = $1 AND c.id = $4 AND "
	CANDIDATE_REACH};

enum db_status
db_candidate_get(struct db *db, struct arena *a, const struct db_viewer *v, const char *id,
		 struct db_candidate *out)
{
	const char *p[] = {v->org_id, v->user_id, arena_printf(a, "%d", v->reach), id};
	return db_row_fetch(db, &cand_get, 4, p, a, copy_candidate, out);
}

/* The lowered col starts with lowered $4: a range in the "C" collation,
 * [lower(q), lower(q) || U+10FFFF), which the column's prefix index scans. */
#define PREFIX_OF(col) \
	"lower(" col ") COLLATE \"C\" >= lower($4) COLLATE \"C\"" \
	" AND lower(" col ") COLLATE \"C\" < (lower($4) || chr(1114111)) COLLATE \"C\""
#define PREFIX_MATCH(col) \
	"SELECT id FROM candidates WHERE org_id = $1 AND erased_at IS NULL AND " PREFIX_OF(col)

/* The keyset, from the sentinels DB_PAGE_* on the first page: never
 * behind "$5 IS NULL OR", so it stays an index condition; cmp is ">"
 * (oldest first) or "<" (newest first, ord " DESC"). The sync filters
 * $8 updated_after and $9 created_after are bounds too ("-infinity" when
 * absent): candidates_updated serves a sync's few changed rows. */
#define CANDIDATE_AFTER(cmp) " AND (c.created_at, c.id) " cmp " ($5::timestamptz, $6::uuid)" \
	" AND c.updated_at > $8::timestamptz AND c.created_at > $9::timestamptz"
#define CANDIDATE_ORDER(ord) " ORDER BY c.created_at" ord ", c.id" ord " LIMIT $7"

/* Viewers reaching every candidate ($3 reach bit 1). */
#define CANDIDATE_LIST(with, matching, cmp, ord) \
	with "SELECT " CANDIDATE_VIEW \
	" FROM candidates c WHERE c.org_id = $1 AND $3::int & 1 = 1" matching CANDIDATE_AFTER(cmp) \
	CANDIDATE_ORDER(ord)
#define CANDIDATE_MATCHES \
	"WITH m AS MATERIALIZED (" PREFIX_MATCH("name") " UNION " PREFIX_MATCH("email") ") "

/* Two statements (each in both orders), so each keeps its indexes in a
 * generic plan: the list walks (org_id, created_at, id); the search first
 * collects the matches from the two prefix indexes (few rows), then orders
 * them. */
static struct db_stmt cand_list[2] = {
	{"candidate_list", CANDIDATE_LIST("", " AND $4::text IS NULL", ">", "")},
	{"candidate_list_desc", CANDIDATE_LIST("", " AND $4::text IS NULL", "<", " DESC")}};
static struct db_stmt cand_search[2] = {
	{"candidate_search", CANDIDATE_LIST(CANDIDATE_MATCHES, " AND c.id IN (SELECT id FROM m)",
					    ">", "")},
	{"candidate_search_desc", CANDIDATE_LIST(CANDIDATE_MATCHES,
						 " AND c.id IN (SELECT id FROM m)", "<", " DESC")}};

/* Everyone else: the candidates of the loops they reach, found from their
 * own rows, never by a scan of the org: the loops they manage
 * (loops_hiring_manager) and the loops of their bookings
 * (round_interviewers_user, then loops_pkey). "= ANY (ARRAY(...))" keeps
 * each step an index condition whatever a generic plan guesses of the
 * sizes; only the rows found are sorted for the keyset. */
#define CANDIDATE_REACH_LIST(matching, cmp, ord) \
	"SELECT " CANDIDATE_VIEW " FROM candidates c" \
	" WHERE c.org_id = $1 AND c.id = ANY (ARRAY(" \
	"  SELECT l.candidate_id FROM loops l" \
	"  WHERE l.org_id = $1 AND l.hiring_manager_id = $2 AND $3::int & 2 = 2" \
	"  UNION ALL" \
	"  SELECT l.candidate_id FROM loops l WHERE l.org_id = $1 AND $3::int & 4 = 4" \
	"  AND l.id = ANY (ARRAY(SELECT ri.loop_id FROM round_interviewers ri" \
	"   WHERE ri.org_id = $1 AND ri.user_id = $2))))" \
	matching CANDIDATE_AFTER(cmp) CANDIDATE_ORDER(ord)

static struct db_stmt cand_list_reach[2] = {
	{"candidate_list_reach", CANDIDATE_REACH_LIST(" AND $4::text IS NULL", ">", "")},
	{"candidate_list_reach_desc", CANDIDATE_REACH_LIST(" AND $4::text IS NULL", "<", " DESC")}};
/* q matches the email only where the viewer is shown it: the email behind
 * a basic profile must not be guessable a prefix at a time. */
#define CANDIDATE_REACH_MATCH \
	" AND c.erased_at IS NULL AND (" PREFIX_OF("c.name") \
	" OR (" PREFIX_OF("c.email") " AND " CANDIDATE_FULL "))"
static struct db_stmt cand_search_reach[2] = {
	{"candidate_search_reach", CANDIDATE_REACH_LIST(CANDIDATE_REACH_MATCH, ">", "")},
	{"candidate_search_reach_desc", CANDIDATE_REACH_LIST(CANDIDATE_REACH_MATCH, "<", " DESC")}};

enum db_status
db_candidate_list(struct db *db, struct arena *a, const struct db_viewer *v, const char *q,
		  const struct db_page *page, struct db_candidate **out, int *n)
{
	bool search = q && *q, all = v->reach & DB_REACH_ALL;
	const char *p[] = {v->org_id, v->user_id, arena_printf(a, "%d", v->reach),
			   search ? q : NULL, DB_PAGE_TIME(page), DB_PAGE_ID(page),
			   arena_printf(a, "%d", page->limit), DB_SINCE(page->updated_after),
			   DB_SINCE(page->created_after)};
	int d = page->desc;
	struct db_stmt *st = all ? (search ? &cand_search[d] : &cand_list[d])
				 : (search ? &cand_search_reach[d] : &cand_list_reach[d]);
	void *items;
	enum db_status s = db_rows_collect(db, st, 9, p, a, sizeof **out, copy_candidate, &items, n);
	*out = items;
	return s;
}

static struct db_stmt cand_lock = {"candidate_lock",
	"SELECT version, erased_at IS NOT NULL FROM candidates WHERE org_id = $1 AND id = $2"
	" FOR UPDATE"};
static struct db_stmt cand_update = {"candidate_update",
	"WITH c AS (UPDATE candidates SET"
	" name = CASE WHEN $3::int & 1 = 1 THEN $4 ELSE name END,"
	" email = CASE WHEN $3::int & 2 = 2 THEN $5 ELSE email END,"
	" phone = CASE WHEN $3::int & 4 = 4 THEN $6 ELSE phone END,"
	" source = CASE WHEN $3::int & 8 = 8 THEN $7 ELSE source END,"
	" notes = CASE WHEN $3::int & 16 = 16 THEN $8 ELSE notes END,"
	" version = version + 1, updated_at = now()"
	" WHERE org_id = $1 AND id = $2 RETURNING *)"
	" SELECT " CANDIDATE_COLUMNS ", false FROM c"};

/* Locks a candidate: DB_NONE, DB_STALE, DB_STATE (erased) or DB_OK. */
static enum db_status
lock_candidate(struct db *db, const char *org_id, const char *id, int if_version)
{
	const char *p[] = {org_id, id};
	PGresult *r;
	enum db_status st = db_run_status(db, &cand_lock, 2, p, &r);
	if (st != DB_OK)
		return st;
	int version = (int)db_int(r, 0, 0);
	bool erased = db_bool(r, 0, 1);
	PQclear(r);
	if (erased)
		return DB_STATE;
	return if_version && if_version != version ? DB_STALE : DB_OK;
}

/* A new name changes the calendar events of the candidate's rounds (their
 * SUMMARY): their SEQUENCE grows. Run before cand_update. */
static struct db_stmt name_seen = {"candidate_name_seen",
	"UPDATE rounds r SET sequence = r.sequence + 1 FROM loops l, candidates c"
	" WHERE c.org_id = $1 AND c.id = $2 AND c.name <> $3"
	" AND l.org_id = c.org_id AND l.candidate_id = c.id"
	" AND r.org_id = l.org_id AND r.loop_id = l.id"};

static enum db_status
update_tx(struct db *db, void *p)
{
	struct cand_args c = *(struct cand_args *)p;
	enum db_status st = lock_candidate(db, c.ctx->org_id, c.id, c.if_version);
	if (st != DB_OK)
		return st;
	const char *params[] = {c.ctx->org_id, c.id, arena_printf(c.a, "%u", c.in->set),
				c.in->name, c.in->email, c.in->phone, c.in->source, c.in->notes};
	const char *named[] = {c.ctx->org_id, c.id, c.in->name};
	if ((c.in->name && (st = db_run_any(db, &name_seen, 3, named)) != DB_OK) ||
	    (st = db_row_fetch(db, &cand_update, 8, params, c.a, copy_candidate, c.out)) != DB_OK)
		return st;
	json_t *ch = candidate_changes(c.in, c.in->set);
	st = db_audit_append(db, c.ctx, "candidate.updated", "candidate", c.id, ch);
	json_decref(ch);
	return st;
}

enum db_status
db_candidate_update(struct db *db, struct arena *a, const struct audit_ctx *ctx, const char *id,
		    int if_version, const struct db_candidate_in *in, struct db_candidate *out,
		    char **dup_id)
{
	struct cand_args c = {a, ctx, in, id, if_version, out};
	enum db_status st = db_tx(db, update_tx, &c);
	if (st == DB_CONFLICT && in->email)
		duplicate_of(db, a, ctx->org_id, in->email, dup_id);
	return st;
}

static struct db_stmt cand_erase = {"candidate_erase",
	"UPDATE candidates SET name = 'Erased candidate', email = NULL, phone = NULL,"
	" source = NULL, notes = NULL, erased_at = now(), version = version + 1, updated_at = now()"
	" WHERE org_id = $1 AND id = $2"};
/* Free text about the candidate's loops may name them: cancel reasons and
 * round locations go. Every loop (its candidate's name) and round (its
 * calendar SUMMARY) changes, so each gets a new version, and rounds a new
 * iCalendar SEQUENCE; the rows whose text went are returned for the audit. */
static struct db_stmt cand_erase_reasons = {"candidate_erase_reasons",
	"WITH l AS (UPDATE loops x SET cancel_reason = CASE WHEN x.cancel_reason IS NULL THEN NULL"
	"  ELSE '(erased with the candidate)' END, version = x.version + 1, updated_at = now()"
	"  FROM loops o WHERE x.org_id = $1 AND x.candidate_id = $2 AND o.org_id = x.org_id"
	"  AND o.id = x.id RETURNING x.id, o.cancel_reason IS NOT NULL AS wiped),"
	" r AS (UPDATE rounds x SET location = NULL, sequence = x.sequence + 1,"
	"  version = x.version + 1, updated_at = now() FROM rounds o"
	"  WHERE x.org_id = $1 AND x.loop_id IN (SELECT id FROM l) AND o.org_id = x.org_id"
	"  AND o.id = x.id RETURNING x.id, o.location IS NOT NULL AS wiped)"
	" SELECT 'loop', id::text FROM l WHERE wiped"
	" UNION ALL SELECT 'round', id::text FROM r WHERE wiped"};
/* Stored idempotent replies may quote the candidate: their bodies go, the
 * keys stay as tombstones so a retry is not a fresh create. */
static struct db_stmt cand_erase_replies = {"candidate_erase_replies",
	"UPDATE idempotency_keys SET " DB_IDEM_TOMBSTONE
	" WHERE org_id = $1 AND erased_at IS NULL AND body LIKE '%' || $2 || '%'"};

/* Wipes the loops' and rounds' free text and audits each wiped row by
 * field name only ("[redacted]" for the value). */
static enum db_status
erase_free_text(struct db *db, struct cand_args *c)
{
	const char *params[] = {c->ctx->org_id, c->id};
	PGresult *r;
	enum db_status st = db_run_status(db, &cand_erase_reasons, 2, params, &r);
	if (st == DB_NONE)
		return DB_OK;
	if (st != DB_OK)
		return st;
	for (int i = 0; i < PQntuples(r) && st == DB_OK; i++) {
		bool loop = strcmp(PQgetvalue(r, i, 0), "loop") == 0;
		json_t *ch = json_pack("{s:s}", loop ? "cancel_reason" : "location", AUDIT_REDACTED);
		st = db_audit_append(db, c->ctx, loop ? "loop.redacted" : "round.redacted",
				     loop ? "loop" : "round", PQgetvalue(r, i, 1), ch);
		json_decref(ch);
	}
	PQclear(r);
	return st;
}

/* Erases the candidate's PII and the text around it, in one transaction. */
static enum db_status
erase_tx(struct db *db, void *p)
{
	struct cand_args *c = p;
	enum db_status st = lock_candidate(db, c->ctx->org_id, c->id, 0);
	if (st != DB_OK)
		return st;
	const char *params[] = {c->ctx->org_id, c->id};
	if ((st = db_run_status(db, &cand_erase, 2, params, NULL)) != DB_OK)
		return st;
	if ((st = erase_free_text(db, c)) != DB_OK ||
	    (st = db_idem_purge_tombstones(db, c->ctx->org_id)) != DB_OK ||
	    (st = db_run_any(db, &cand_erase_replies, 2, params)) != DB_OK ||
	    (st = db_decision_erase_text(db, c->ctx->org_id, c->id)) != DB_OK ||
	    (st = db_scorecards_erase_candidate(db, c->ctx->org_id, c->id)) != DB_OK ||
	    (st = db_surveys_erase_candidate(db, c->ctx->org_id, c->id)) != DB_OK)
		return st;
	struct db_candidate_in none = {0};
	json_t *ch = candidate_changes(&none, CAND_NAME | CAND_EMAIL | CAND_PHONE | CAND_NOTES);
	json_object_set_new(ch, "source", json_null());
	st = db_webhook_emit(db, c->ctx->org_id, "candidate.erased",
			     json_pack("{s:s}", "candidate_id", c->id));
	if (st == DB_OK)
		st = db_audit_append(db, c->ctx, "candidate.erased", "candidate", c->id, ch);
	json_decref(ch);
	return st;
}

enum db_status
db_candidate_erase(struct db *db, struct arena *a, const struct audit_ctx *ctx, const char *id)
{
	struct cand_args c = {a, ctx, NULL, id, 0, NULL};
	return db_tx(db, erase_tx, &c);
}
