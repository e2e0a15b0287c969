/* Loop hygiene: elapsed days (db/decisions.h). The take-homes' warnings
 * come with the packet's rounds (db/decisions.c). */
#include <stdlib.h>
#include "db/decision_internal.h"

static struct db_stmt hygiene_elapsed = {"hygiene_elapsed",
	"SELECT " DB_LOOP_ELAPSED_DAYS " FROM loops l WHERE l.org_id = $1 AND l.id = $2"};

enum db_status
db_loop_elapsed(struct db *db, const char *org_id, const char *loop_id,
		struct db_loop_hygiene *out)
{
	const char *p[] = {org_id, loop_id};
	PGresult *r = db_run(db, &hygiene_elapsed, 2, p);
	if (!r)
		return db->status;
	out->timed = PQntuples(r) == 1 && !PQgetisnull(r, 0, 0);
	out->elapsed_days = out->timed ? strtod(PQgetvalue(r, 0, 0), NULL) : 0;
	PQclear(r);
	return DB_OK;
}
