/* Overdue scorecards (lead and bar-raiser ones missing after their due
 * time, or submitted after it) and the scorecard part of candidate erasure. */
#include <stdio.h>
#include <stdlib.h>
#include "db/idempotency.h"
#include "db/internal.h"
#include "db/scorecards.h"
#include "db/webhooks.h"

/* Lead and bar-raiser seats of live rounds with their due time ($1 hours
 * after the round ends) and submission, overdue now. */
#define OVERDUE_FROM \
	" FROM round_interviewers ri JOIN rounds r ON r.org_id = ri.org_id AND r.id = ri.round_id" \
	" JOIN loops l ON l.org_id = r.org_id AND l.id = r.loop_id" \
	" JOIN users u ON u.org_id = ri.org_id AND u.id = ri.user_id" \
	" LEFT JOIN scorecards s ON s.org_id = ri.org_id AND s.round_id = ri.round_id" \
	"  AND s.author_id = ri.user_id" \
	" CROSS JOIN LATERAL (SELECT r.ends_at + make_interval(hours => $1::int) AS due_at) d" \
	" WHERE ri.role IN ('lead', 'bar_raiser') AND r.status IN ('scheduled', 'completed')" \
	" AND r.ends_at IS NOT NULL AND l.status <> 'cancelled'" \
	" AND ((s.first_submitted_at IS NULL AND d.due_at < now())" \
	"  OR s.first_submitted_at > d.due_at)"

/* Earliest due first (cmp ">"), or latest first ("<", ord " DESC"). The
 * due time is the end plus $1 hours, so the page walks rounds_ends in
 * (ends_at, id) order with the keyset ($4 due, $5 round, $6 user) turned
 * into bounds on it, each round's seats in user order (its primary key),
 * and stops at $7 rows; seats due later than now (an hour's margin for
 * submissions stamped by transactions that began after this one) are
 * never overdue and are not read. own: the caller's seats ($3) alone, or
 * the org's ("$3 IS NULL OR true", folded away). */
#define OVERDUE_PAGE(own, cmp, ord) \
	"SELECT r.id, r.loop_id, r.kind, ri.user_id, u.name, ri.role, " DB_TS("r.ends_at") ", " \
	DB_TS("d.due_at") ", " DB_TS("s.first_submitted_at") "," \
	" extract(epoch FROM coalesce(s.first_submitted_at, now()) - d.due_at)::float8 / 3600" \
	OVERDUE_FROM " AND ri.org_id = $2 AND r.org_id = $2" own \
	" AND r.ends_at < now() + interval '1 hour' - make_interval(hours => $1::int)" \
	" AND (r.ends_at, r.id) " cmp "= ($4::timestamptz - make_interval(hours => $1::int), $5::uuid)" \
	" AND (r.ends_at, r.id, ri.user_id) " cmp \
	" ($4::timestamptz - make_interval(hours => $1::int), $5::uuid, $6::uuid)" \
	" ORDER BY r.ends_at" ord ", r.id" ord ", ri.user_id" ord " LIMIT $7"
#define OVERDUE_ORG " AND ($3::uuid IS NULL OR true)"
#define OVERDUE_OWN " AND ri.user_id = $3::uuid"
static struct db_stmt overdue_page[2][2] = {
	{{"scorecards_overdue_page", OVERDUE_PAGE(OVERDUE_ORG, ">", "")},
	 {"scorecards_overdue_page_desc", OVERDUE_PAGE(OVERDUE_ORG, "<", " DESC")}},
	{{"scorecards_overdue_own", OVERDUE_PAGE(OVERDUE_OWN, ">", "")},
	 {"scorecards_overdue_own_desc", OVERDUE_PAGE(OVERDUE_OWN, "<", " DESC")}}};

static void
read_overdue(struct arena *a, const PGresult *r, int i, struct db_overdue *o)
{
	*o = (struct db_overdue){db_str(a, r, i, 0), db_str(a, r, i, 1), db_str(a, r, i, 2),
				 db_str(a, r, i, 3), db_str(a, r, i, 4), db_str(a, r, i, 5),
				 db_str(a, r, i, 6), db_str(a, r, i, 7), db_str(a, r, i, 8),
				 strtod(PQgetvalue(r, i, 9), NULL)};
}

enum db_status
db_scorecards_overdue(struct db *db, struct arena *a, const char *org_id, const char *user_id,
		      int due_hours, const char *after_due, const char *after_round,
		      const char *after_user, int limit, bool desc, struct db_overdue **out, int *n)
{
	struct db_page at = {after_due, after_round, limit, desc, NULL, NULL};
	const char *p[] = {arena_printf(a, "%d", due_hours), org_id, user_id,
			   DB_PAGE_TIME(&at), DB_PAGE_ID(&at),
			   after_user ? after_user : DB_PAGE_ID(&at),
			   arena_printf(a, "%d", limit)};
	*out = NULL;
	*n = 0;
	PGresult *r = db_run(db, &overdue_page[user_id != NULL][desc], 7, p);
	if (!r)
		return db->status;
	int rows = PQntuples(r);
	if (rows)
		*out = arena_alloc(a, (size_t)rows * sizeof **out);
	for (int i = 0; i < rows; i++)
		read_overdue(a, r, i, &(*out)[i]);
	*n = rows;
	PQclear(r);
	return DB_OK;
}

static struct db_stmt overdue_count = {"scorecards_overdue_count",
	"SELECT count(*)" OVERDUE_FROM " AND s.first_submitted_at IS NULL"};

enum db_status
db_scorecards_overdue_count(struct db *db, int due_hours, long *count)
{
	char hours[16];
	snprintf(hours, sizeof hours, "%d", due_hours);
	const char *p[] = {hours};
	PGresult *r;
	enum db_status st = db_run_status(db, &overdue_count, 1, p, &r);
	if (st != DB_OK)
		return st;
	*count = (long)db_int(r, 0, 0);
	PQclear(r);
	return DB_OK;
}

static struct db_stmt erase = {"scorecards_erase_candidate",
	"WITH c AS (SELECT s.org_id, s.id FROM scorecards s JOIN loops l ON l.org_id = s.org_id"
	"  AND l.id = s.loop_id WHERE s.org_id = $1 AND l.candidate_id = $2),"
	" a AS (UPDATE scorecard_ratings x SET evidence = NULL FROM c"
	"  WHERE x.org_id = c.org_id AND x.scorecard_id = c.id),"
	" b AS (UPDATE scorecard_red_flags x SET evidence = NULL FROM c"
	"  WHERE x.org_id = c.org_id AND x.scorecard_id = c.id),"
	" n AS (UPDATE scorecard_notes x SET answer = NULL FROM c"
	"  WHERE x.org_id = c.org_id AND x.scorecard_id = c.id),"
	" v AS (UPDATE scorecard_revisions x SET summary = NULL, reason = NULL FROM c"
	"  WHERE x.org_id = c.org_id AND x.scorecard_id = c.id),"
	/* stored replies of submissions and amendments quote the evidence:
	 * tombstones, so a retry is not a fresh submission */
	" k AS (UPDATE idempotency_keys i SET " DB_IDEM_TOMBSTONE
	"  WHERE i.org_id = $1 AND i.erased_at IS NULL AND EXISTS (SELECT 1 FROM loops l"
	"  WHERE l.org_id = $1 AND l.candidate_id = $2 AND i.body LIKE '%' || l.id::text || '%'))"
	" UPDATE scorecards s SET erased_at = now(), version = version + 1, updated_at = now()"
	" FROM c WHERE s.org_id = c.org_id AND s.id = c.id"};

enum db_status
db_scorecards_erase_candidate(struct db *db, const char *org_id, const char *candidate_id)
{
	const char *p[] = {org_id, candidate_id};
	return db_run_any(db, &erase, 2, p);
}

/* Missing scorecards overdue now that no sweep has reported yet, marked
 * reported in the same statement (ON CONFLICT: once, across instances). */
static struct db_stmt overdue_unsent = {"scorecards_overdue_unsent",
	"WITH due AS (SELECT ri.org_id, r.id AS round_id, ri.user_id, r.loop_id, ri.role,"
	" " DB_TS("d.due_at") " AS due_at" OVERDUE_FROM " AND s.first_submitted_at IS NULL),"
	" sent AS (INSERT INTO webhook_overdue_sent (org_id, round_id, interviewer_id)"
	"  SELECT org_id, round_id, user_id FROM due ON CONFLICT DO NOTHING"
	"  RETURNING org_id, round_id, interviewer_id)"
	" SELECT due.org_id, due.round_id, due.loop_id, due.user_id, due.role, due.due_at"
	" FROM sent JOIN due ON due.org_id = sent.org_id AND due.round_id = sent.round_id"
	" AND due.user_id = sent.interviewer_id"};

struct sweep_args {
	int due_hours;
	long *emitted;
};

static enum db_status
sweep_tx(struct db *db, void *p)
{
	struct sweep_args *s = p;
	char hours[16];
	snprintf(hours, sizeof hours, "%d", s->due_hours);
	const char *params[] = {hours};
	PGresult *r = db_run(db, &overdue_unsent, 1, params);
	if (!r)
		return db->status;
	enum db_status st = DB_OK;
	int n = PQntuples(r);
	for (int i = 0; i < n && st == DB_OK; i++) {
		json_t *data = json_pack("{s:s, s:s, s:s, s:s, s:s}", "round_id", PQgetvalue(r, i, 1),
					 "loop_id", PQgetvalue(r, i, 2), "interviewer_id",
					 PQgetvalue(r, i, 3), "role", PQgetvalue(r, i, 4), "due_at",
					 PQgetvalue(r, i, 5));
		st = db_webhook_emit(db, PQgetvalue(r, i, 0), "scorecard.overdue", data);
	}
	PQclear(r);
	*s->emitted = n;
	return st;
}

enum db_status
db_scorecards_overdue_sweep(struct db *db, int due_hours, long *emitted)
{
	struct sweep_args s = {due_hours, emitted};
	return db_tx(db, sweep_tx, &s);
}
