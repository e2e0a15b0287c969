/* The org's schedule: rounds with a time, in (starts_at, id) keyset order. */
#include "db/internal.h"
#include "db/scheduling.h"

/* The filters and keyset of the statements, on rounds p: $4 starts_after
 * and $5 starts_before as bounds ("-infinity"/"infinity" when absent),
 * the keyset ($8, $9) from the sentinels DB_PAGE_*, never behind "IS NULL
 * OR"; cmp ">" earliest first, "<" latest first (ord " DESC"). */
#define SCHEDULE_BOUNDS(cmp, ord) \
	" AND p.starts_at IS NOT NULL AND p.starts_at >= $4::timestamptz" \
	" AND p.starts_at < $5::timestamptz" \
	" AND (p.starts_at, p.id) " cmp " ($8::timestamptz, $9::uuid)" \
	" ORDER BY p.starts_at" ord ", p.id" ord " LIMIT $10"
/* With $6 status and $7 an interviewer booked in it. */
#define SCHEDULE_FILTERS(cmp, ord) \
	" AND ($6::text IS NULL OR p.status = $6)" \
	" AND ($7::uuid IS NULL OR p.id = ANY (ARRAY(SELECT x.round_id FROM round_interviewers x" \
	"  WHERE x.org_id = $1 AND x.user_id = $7)))" SCHEDULE_BOUNDS(cmp, ord)
/* The page's rounds with their interviewers, a row per interviewer. */
#define SCHEDULE_ROWS(ord) \
	" SELECT " DB_ROUND_COLUMNS " FROM page g JOIN rounds r ON r.org_id = $1 AND r.id = g.id" \
	DB_ROUND_INTERVIEWERS " ORDER BY r.starts_at" ord ", r.id" ord ", iv.created_at, iv.user_id"

/* Viewers reaching every round walk rounds_schedule; "$2/$3 IS NULL OR
 * true" only gives the parameters the types they share with the other. */
#define SCHEDULE_ALL(cmp, ord) \
	"WITH page AS (SELECT p.id FROM rounds p WHERE p.org_id = $1" \
	" AND ($2::uuid IS NULL OR true) AND ($3::int IS NULL OR true)" SCHEDULE_FILTERS(cmp, ord) ")" \
	SCHEDULE_ROWS(ord)
static struct db_stmt schedule_all[2] = {{"schedule_all", SCHEDULE_ALL(">", "")},
					  {"schedule_all_desc", SCHEDULE_ALL("<", " DESC")}};

/* The same for one interviewer ($7 given): the walk of rounds_schedule
 * reads only the index (org, start, id), the bookings (and $6 the status
 * of each) looked up once into an array the index rows are checked against;
 * behind "$7 IS NULL OR" with p.status beside it, every round of the org
 * the walk passed was read from the heap (33 399 buffers a page at the
 * large size). */
#define SCHEDULE_BOOKED(cmp, ord) \
	"WITH page AS (SELECT p.id FROM rounds p WHERE p.org_id = $1" \
	" AND ($2::uuid IS NULL OR true) AND ($3::int IS NULL OR true)" \
	" AND p.id = ANY (ARRAY(SELECT x.round_id FROM round_interviewers x" \
	"  WHERE x.org_id = $1 AND x.user_id = $7 AND ($6::text IS NULL OR EXISTS (SELECT 1" \
	"  FROM rounds s WHERE s.org_id = $1 AND s.id = x.round_id AND s.status = $6))))" \
	SCHEDULE_BOUNDS(cmp, ord) ")" SCHEDULE_ROWS(ord)
static struct db_stmt schedule_booked[2] = {{"schedule_booked", SCHEDULE_BOOKED(">", "")},
					     {"schedule_booked_desc", SCHEDULE_BOOKED("<", " DESC")}};

/* Everyone else, from their own rows: the rounds of the loops they manage
 * (loops_hiring_manager, then rounds_loop) and their own bookings
 * (round_interviewers_user); only those are sorted for the keyset. */
#define SCHEDULE_REACH(cmp, ord) \
	"WITH page AS (SELECT p.id FROM rounds p WHERE p.org_id = $1 AND p.id = ANY (ARRAY(" \
	"  SELECT m.id FROM rounds m WHERE m.org_id = $1 AND $3::int & 2 = 2" \
	"  AND m.loop_id = ANY (ARRAY(SELECT l.id FROM loops l" \
	"   WHERE l.org_id = $1 AND l.hiring_manager_id = $2))" \
	"  UNION ALL SELECT b.round_id FROM round_interviewers b" \
	"  WHERE b.org_id = $1 AND $3::int & 4 = 4 AND b.user_id = $2))" \
	SCHEDULE_FILTERS(cmp, ord) ")" SCHEDULE_ROWS(ord)
static struct db_stmt schedule_reach[2] = {{"schedule_reach", SCHEDULE_REACH(">", "")},
					    {"schedule_reach_desc", SCHEDULE_REACH("<", " DESC")}};

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
			   f->interviewer, DB_PAGE_TIME(page), DB_PAGE_ID(page),
			   arena_printf(a, "%d", page->limit)};
	void *items;
	struct db_stmt *st_list = !(v->reach & DB_REACH_ALL) ? &schedule_reach[page->desc]
				  : f->interviewer ? &schedule_booked[page->desc]
						   : &schedule_all[page->desc];
	enum db_status st = db_rows_collect(db, st_list, 10, p, a, sizeof **out, copy_round,
					    &items, n);
	*out = items;
	return st;
}
