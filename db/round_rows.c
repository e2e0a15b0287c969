/* Rounds read as flat rows: one row per (round, interviewer). */
#include <string.h>
#include "db/internal.h"
#include "db/scheduling.h"

/* True when row holds the same round (by id at col) as row first. */
static bool
same_round(const PGresult *r, int first, int row, int col)
{
	return row < PQntuples(r) && !PQgetisnull(r, row, col) &&
	       !strcmp(PQgetvalue(r, first, col), PQgetvalue(r, row, col));
}

int
db_round_copy(struct arena *a, const PGresult *r, int row, int col, struct db_round *out)
{
	*out = (struct db_round){
		.id = db_str(a, r, row, col), .loop_id = db_str(a, r, row, col + 1),
		.kind = db_str(a, r, row, col + 2), .rubric_key = db_str(a, r, row, col + 3),
		.rubric_version = (int)db_int(r, row, col + 4), .required = db_bool(r, row, col + 5),
		.starts_at = db_ts(a, r, row, col + 6), .ends_at = db_ts(a, r, row, col + 7),
		.location = db_str(a, r, row, col + 8), .status = db_str(a, r, row, col + 9),
		.sequence = (int)db_int(r, row, col + 10), .version = (int)db_int(r, row, col + 11),
		.created_at = db_ts(a, r, row, col + 12), .updated_at = db_ts(a, r, row, col + 13),
		.due_at = db_ts(a, r, row, col + 17),
		.expected_effort_hours = (int)db_int(r, row, col + 18),
		.warnings = db_str(a, r, row, col + 19)};
	int end = row + 1;
	while (same_round(r, row, end, col))
		end++;
	out->interviewers = arena_alloc(a, sizeof *out->interviewers * (size_t)(end - row + 1));
	for (int i = row; i < end; i++) {
		if (PQgetisnull(r, i, col + 14))
			continue;	/* the one row of a round without interviewers */
		struct db_interviewer *iv = &out->interviewers[out->ninterviewers++];
		iv->user_id = db_str(a, r, i, col + 14);
		iv->name = db_str(a, r, i, col + 15);
		iv->role = db_str(a, r, i, col + 16);
	}
	return end;
}

/* One round in rows, from column 0, into item. */
static int
copy_round(struct arena *a, const PGresult *r, int row, void *item)
{
	return db_round_copy(a, r, row, 0, item);
}

static struct db_stmt round_read = {"round_read",
	"SELECT " DB_ROUND_COLUMNS " FROM rounds r" DB_ROUND_INTERVIEWERS
	" WHERE r.org_id = $1 AND r.id = $2 ORDER BY " DB_ROUND_ORDER};

enum db_status
db_round_read(struct db *db, struct arena *a, const char *org_id, const char *id,
	      struct db_round *out)
{
	const char *p[] = {org_id, id};
	return db_row_fetch(db, &round_read, 2, p, a, copy_round, out);
}

/* Rounds r of loop l that the viewer ($2 user, $3 reach) sees, once the
 * loop is visible to them: all of them, or the viewer's own. */
#define ROUND_SEEN \
	"($3::int & 3 > 0 AND ($3::int & 1 = 1 OR l.hiring_manager_id = $2)" \
	"  OR EXISTS (SELECT 1 FROM round_interviewers mine WHERE mine.org_id = r.org_id" \
	"  AND mine.round_id = r.id AND mine.user_id = $2))"
#define LOOP_SEEN DB_LOOP_VISIBLE("$2", "$3")

/* The loop, and a row per (round it sees, interviewer): a loop the viewer
 * sees with no round they see is one row of NULL round columns. */
static struct db_stmt round_list = {"round_list",
	"SELECT " DB_ROUND_COLUMNS " FROM loops l"
	" LEFT JOIN rounds r ON r.org_id = l.org_id AND r.loop_id = l.id AND " ROUND_SEEN
	DB_ROUND_INTERVIEWERS
	" WHERE l.org_id = $1 AND l.id = $4 AND " LOOP_SEEN " ORDER BY " DB_ROUND_ORDER};

enum db_status
db_round_list(struct db *db, struct arena *a, const struct db_viewer *v, const char *loop_id,
	      struct db_round **out, int *n)
{
	const char *p[] = {v->org_id, v->user_id, arena_printf(a, "%d", v->reach), loop_id};
	PGresult *r;
	*n = 0;
	enum db_status st = db_run_status(db, &round_list, 4, p, &r);
	if (st != DB_OK)
		return st;
	int rows = PQntuples(r);
	*out = arena_alloc(a, sizeof **out * (size_t)(rows + 1));
	for (int row = 0; row < rows && !PQgetisnull(r, row, 0);)
		row = db_round_copy(a, r, row, 0, &(*out)[(*n)++]);
	PQclear(r);
	return DB_OK;
}

static struct db_stmt round_get = {"round_get",
	"SELECT " DB_ROUND_COLUMNS " FROM rounds r"
	" JOIN loops l ON l.org_id = r.org_id AND l.id = r.loop_id" DB_ROUND_INTERVIEWERS
	" WHERE r.org_id = $1 AND r.id = $4 AND " LOOP_SEEN " AND " ROUND_SEEN
	" ORDER BY " DB_ROUND_ORDER};

enum db_status
db_round_get(struct db *db, struct arena *a, const struct db_viewer *v, const char *id,
	     struct db_round *out)
{
	const char *p[] = {v->org_id, v->user_id, arena_printf(a, "%d", v->reach), id};
	return db_row_fetch(db, &round_get, 4, p, a, copy_round, out);
}
