/* The caller's schedule, calendar feed rows and feed tokens. */
#include <string.h>
#include "db/internal.h"
#include "db/scheduling.h"

/* The user's rounds come from their own bookings (round_interviewers_user,
 * then rounds_pkey: "= ANY (ARRAY(...))" keeps both index conditions in a
 * generic plan), never from a scan of the org's rounds; only those are
 * sorted for the keyset (starts_at, id), which starts from the sentinels
 * DB_AFTER_* rather than hiding behind "$5 IS NULL OR". The page's rounds
 * are then joined with the caller's booking (their role), the loop, the
 * candidate and each round's interviewers: a row per interviewer. */
#define MY_ROUNDS(cmp, ord) \
	"WITH page AS (SELECT r.* FROM rounds r" \
	" WHERE r.org_id = $1 AND r.id = ANY (ARRAY(SELECT b.round_id FROM round_interviewers b" \
	"  WHERE b.org_id = $1 AND b.user_id = $2))" \
	" AND r.status <> 'cancelled' AND r.starts_at IS NOT NULL" \
	" AND r.ends_at > coalesce($3::timestamptz, now() - interval '1 day')" \
	" AND r.starts_at < coalesce($4::timestamptz, 'infinity')" \
	" AND (r.starts_at, r.id) " cmp " ($5::timestamptz, $6::uuid)" \
	" ORDER BY r.starts_at" ord ", r.id" ord " LIMIT $7)" \
	" SELECT " DB_ROUND_COLUMNS ", me.role, l.position, c.id, c.name FROM page r" \
	" JOIN round_interviewers me ON me.org_id = r.org_id AND me.round_id = r.id" \
	"  AND me.user_id = $2" \
	" JOIN loops l ON l.org_id = r.org_id AND l.id = r.loop_id" \
	" JOIN candidates c ON c.org_id = l.org_id AND c.id = l.candidate_id" \
	DB_ROUND_INTERVIEWERS \
	" ORDER BY r.starts_at" ord ", r.id" ord ", iv.created_at, iv.user_id"
/* ?order=desc: the same, latest first ("<" keyset from DB_PAGE_*). */
static struct db_stmt my_rounds[2] = {{"my_rounds", MY_ROUNDS(">", "")},
				       {"my_rounds_desc", MY_ROUNDS("<", " DESC")}};

/* One of the caller's rounds (all its rows) into item. */
static int
copy_my_round(struct arena *a, const PGresult *r, int row, void *item)
{
	struct db_my_round *m = item;
	int c = DB_ROUND_NCOLUMNS;
	*m = (struct db_my_round){.role = db_str(a, r, row, c), .position = db_str(a, r, row, c + 1),
				  .candidate_id = db_str(a, r, row, c + 2),
				  .candidate_name = db_str(a, r, row, c + 3)};
	return db_round_copy(a, r, row, 0, &m->round);
}

enum db_status
db_my_rounds(struct db *db, struct arena *a, const char *org_id, const char *user_id,
	     const char *from, const char *to, const struct db_page *page,
	     struct db_my_round **out, int *n)
{
	const char *p[] = {org_id, user_id, from, to, DB_PAGE_TIME(page), DB_PAGE_ID(page),
			   arena_printf(a, "%d", page->limit)};
	void *items;
	enum db_status st = db_rows_collect(db, &my_rounds[page->desc], 7, p, a, sizeof **out, copy_my_round,
					    &items, n);
	*out = items;
	return st;
}

/* Rounds of the last 90 days and all later ones, cancelled ones included
 * so calendar apps remove them, and those the user was taken off in the
 * last 30 days (shown cancelled, without attendees); driven by the user's
 * bookings and removals, then the rounds by primary key. A row per
 * attendee (the round's interviewers). */
static struct db_stmt calendar_rows = {"calendar_rows",
	"WITH mine AS (SELECT round_id, role, created_at AS at, false AS removed"
	"  FROM round_interviewers WHERE org_id = $1 AND user_id = $2"
	" UNION ALL SELECT round_id, role, removed_at, true FROM round_removals"
	"  WHERE org_id = $1 AND user_id = $2 AND removed_at > now() - interval '30 days')"
	" SELECT r.id, r.kind, " DB_TS("r.starts_at") ", " DB_TS("r.ends_at") ", r.location,"
	" CASE WHEN m.removed THEN 'cancelled' ELSE r.status END, r.sequence,"
	" " DB_TS("greatest(r.updated_at, m.at)") ", c.name, l.position, m.role, u.name, iv.role,"
	" iv.user_id"
	" FROM mine m"
	" JOIN rounds r ON r.org_id = $1 AND r.id = m.round_id"
	" JOIN loops l ON l.org_id = r.org_id AND l.id = r.loop_id"
	" JOIN candidates c ON c.org_id = l.org_id AND c.id = l.candidate_id"
	" LEFT JOIN round_interviewers iv ON NOT m.removed AND iv.org_id = r.org_id"
	"  AND iv.round_id = r.id"
	" LEFT JOIN users u ON u.org_id = iv.org_id AND u.id = iv.user_id"
	" WHERE r.starts_at IS NOT NULL AND r.ends_at > now() - interval '90 days'"
	" ORDER BY r.starts_at, r.id, iv.created_at, iv.user_id"};

/* One feed event (all its attendee rows) into item; returns the next row. */
static int
copy_event(struct arena *a, const PGresult *r, int row, void *item)
{
	struct db_calendar_row *e = item;
	*e = (struct db_calendar_row){
		.id = db_str(a, r, row, 0), .kind = db_str(a, r, row, 1),
		.starts_at = db_str(a, r, row, 2), .ends_at = db_str(a, r, row, 3),
		.location = db_str(a, r, row, 4), .status = db_str(a, r, row, 5),
		.sequence = (int)db_int(r, row, 6), .changed = db_str(a, r, row, 7),
		.candidate = db_str(a, r, row, 8), .position = db_str(a, r, row, 9),
		.role = db_str(a, r, row, 10)};
	int end = row;
	while (end < PQntuples(r) && !strcmp(PQgetvalue(r, end, 0), e->id))
		end++;
	e->attendees = arena_alloc(a, sizeof *e->attendees * (size_t)(end - row));
	for (int i = row; i < end; i++)
		if (!PQgetisnull(r, i, 11))
			e->attendees[e->nattendees++] = (struct db_calendar_attendee){
				db_str(a, r, i, 11), db_str(a, r, i, 12), db_str(a, r, i, 13)};
	return end;
}

enum db_status
db_calendar_rounds(struct db *db, struct arena *a, const char *org_id, const char *user_id,
		   struct db_calendar_row **out, int *n)
{
	const char *p[] = {org_id, user_id};
	void *items;
	enum db_status st = db_rows_collect(db, &calendar_rows, 2, p, a, sizeof **out, copy_event,
					    &items, n);
	*out = items;
	return st;
}

static struct db_stmt token_set = {"calendar_token_set",
	"UPDATE users SET calendar_token_hash = $3 WHERE org_id = $1 AND id = $2"};

struct token_args {
	const struct audit_ctx *ctx;
	const char *hash;
};

static enum db_status
token_tx(struct db *db, void *p)
{
	struct token_args *t = p;
	const char *params[] = {t->ctx->org_id, t->ctx->actor_id, t->hash};
	enum db_status st = db_run_status(db, &token_set, 3, params, NULL);
	if (st != DB_OK)
		return st;
	return db_audit_append(db, t->ctx, "user.calendar_token_rotated", "user", t->ctx->actor_id,
			       NULL);
}

enum db_status
db_calendar_token_set(struct db *db, const struct audit_ctx *ctx, const char *token_hash)
{
	struct token_args t = {ctx, token_hash};
	return db_tx(db, token_tx, &t);
}

static struct db_stmt token_user = {"calendar_token_user",
	"SELECT org_id, id FROM users WHERE calendar_token_hash = $1 AND NOT disabled"};

enum db_status
db_calendar_token_user(struct db *db, struct arena *a, const char *token_hash, char **org_id,
		       char **user_id)
{
	const char *p[] = {token_hash};
	PGresult *r;
	enum db_status st = db_run_status(db, &token_user, 1, p, &r);
	if (st == DB_OK) {
		*org_id = db_str(a, r, 0, 0);
		*user_id = db_str(a, r, 0, 1);
		PQclear(r);
	}
	return st;
}
