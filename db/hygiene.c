/* Loop hygiene: take-home warnings and elapsed days (db/decisions.h). */
#include <stdlib.h>
#include "db/decision_internal.h"

static struct db_stmt hygiene_rounds = {"hygiene_rounds",
	"SELECT r.id, " DB_TAKE_HOME_WARNINGS("r") " FROM rounds r"
	" WHERE r.org_id = $1 AND r.loop_id = $2 AND r.kind = 'take_home' ORDER BY r.ordinal"};
static struct db_stmt hygiene_elapsed = {"hygiene_elapsed",
	"SELECT " DB_LOOP_ELAPSED_DAYS " FROM loops l WHERE l.org_id = $1 AND l.id = $2"};

static int
copy_warnings(struct arena *a, const PGresult *r, int row, void *item)
{
	*(struct db_round_warnings *)item =
		(struct db_round_warnings){db_str(a, r, row, 0), db_str(a, r, row, 1)};
	return row + 1;
}

enum db_status
db_loop_hygiene(struct db *db, struct arena *a, const char *org_id, const char *loop_id,
		struct db_loop_hygiene *out)
{
	const char *p[] = {org_id, loop_id};
	void *items;
	enum db_status st = db_rows_collect(db, &hygiene_rounds, 2, p, a, sizeof *out->rounds,
					    copy_warnings, &items, &out->n_rounds);
	out->rounds = items;
	if (st != DB_OK)
		return st;
	PGresult *r = db_run(db, &hygiene_elapsed, 2, p);
	if (!r)
		return db->status;
	out->timed = PQntuples(r) == 1 && !PQgetisnull(r, 0, 0);
	out->elapsed_days = out->timed ? strtod(PQgetvalue(r, 0, 0), NULL) : 0;
	PQclear(r);
	return DB_OK;
}
