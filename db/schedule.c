/* The org's schedule: rounds with a time, in (starts_at, id) keyset order. */
#include "db/internal.h"
#include "db/scheduling.h"

/* The filters and keyset of both statements, on rounds p: $4 starts_after
 * and $5 starts_before as bounds ("-infinity"/"infinity" when absent),
 * $6 status, $7 an interviewer booked in it, the keyset ($8, $9) from the
 * sentinels DB_AFTER_*, never behind "IS NULL OR". */
#define SCHEDULE_FILTERS \
	" AND p.starts_at IS NOT NULL AND p.starts_at >= $4::timestamptz" \
	" AND p.starts_at < $5::timestamptz AND ($6::text IS NULL OR p.status = $6)" \
	" AND ($7::uuid IS NULL OR p.id = ANY (ARRAY(SELECT x.round_id FROM round_interviewers x" \
	"  WHERE x.org_id = $1 AND x.user_id = $7)))" \
	" AND (p.starts_at, p.id) > ($8::timestamptz, $9::uuid)" \
	" ORDER BY p.starts_at, p.id LIMIT $10"
/* The page's rounds with their interviewers, a row per interviewer. */
#define SCHEDULE_ROWS \
	" SELECT " DB_ROUND_COLUMNS " FROM page g JOIN rounds r ON r.org_id = $1 AND r.id = g.id" \
	DB_ROUND_INTERVIEWERS " ORDER BY r.starts_at, r.id, iv.created_at, iv.user_id"

/* Viewers reaching every round walk rounds_schedule; "$2/$3 IS NULL OR
 * true" only gives the parameters the types they share with the other. */
static struct db_stmt schedule_all = {"schedule_all",
	"WITH page AS (SELECT p.id FROM rounds p WHERE p.org_id = $1"
	" AND ($2::uuid IS NULL OR true) AND ($3::int IS NULL OR true)" SCHEDULE_FILTERS ")"
	SCHEDULE_ROWS};

/* Everyone else, from their own rows: the rounds of the loops they manage
 * (loops_hiring_manager, then rounds_loop) and their own bookings
 * (round_interviewers_user); only those are sorted for the keyset. */
static struct db_stmt schedule_reach = {"schedule_reach",
	"WITH page AS (SELECT p.id FROM rounds p WHERE p.org_id = $1 AND p.id = ANY (ARRAY("
	"  SELECT m.id FROM rounds m WHERE m.org_id = $1 AND $3::int & 2 = 2"
	"  AND m.loop_id = ANY (ARRAY(SELECT l.id FROM loops l"
	"   WHERE l.org_id = $1 AND l.hiring_manager_id = $2))"
	"  UNION ALL SELECT b.round_id FROM round_interviewers b"
	"  WHERE b.org_id = $1 AND $3::int & 4 = 4 AND b.user_id = $2))" SCHEDULE_FILTERS ")"
	SCHEDULE_ROWS};

/* One round (all its rows) into item. */
static int
copy_round(struct arena *a, const PGresult *r, int row, void *item)
{
	return db_round_copy(a, r, row, 0, item);
}

enum db_status
db_schedule(struct db *db, struct arena *a, const struct db_viewer *v,
	    const struct db_schedule_filter *f, const struct db_page *page, struct db_round **out,
	    int *n)
{
	const char *p[] = {v->org_id, v->user_id, arena_printf(a, "%d", v->reach),
			   f->starts_after ? f->starts_after : DB_KEYSET_START_TIME,
			   f->starts_before ? f->starts_before : "infinity", f->status,
			   f->interviewer, DB_AFTER_TIME(page->after_created),
			   DB_AFTER_ID(page->after_id), arena_printf(a, "%d", page->limit)};
	void *items;
	enum db_status st = db_rows_collect(db, v->reach & DB_REACH_ALL ? &schedule_all
					    : &schedule_reach, 10, p, a, sizeof **out, copy_round,
					    &items, n);
	*out = items;
	return st;
}
