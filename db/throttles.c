/* Failed-login counters behind the login throttles. */
#include <stdio.h>
#include "db/internal.h"
#include "db/throttles.h"

static struct db_stmt throttle_count = {"throttle_count",
	"SELECT count(*), coalesce(ceil(extract(epoch FROM min(failed_at)"
	" + make_interval(secs => $2) - now())), 0)"
	" FROM login_failures WHERE key = $1 AND failed_at > now() - make_interval(secs => $2)"};
static struct db_stmt throttle_insert = {"throttle_insert",
	"WITH gone AS (DELETE FROM login_failures WHERE key = $1"
	" AND failed_at < now() - interval '1 day')"
	" INSERT INTO login_failures (key, org_id) VALUES ($1, $2)"};
static struct db_stmt throttle_clear = {"throttle_clear",
	"DELETE FROM login_failures WHERE key = $1"};

enum db_status
db_throttle_count(struct db *db, const char *key, int window_s, int *count, int *retry_after)
{
	char w[16];
	snprintf(w, sizeof w, "%d", window_s);
	const char *p[] = {key, w};
	PGresult *r;
	enum db_status st = db_run_status(db, &throttle_count, 2, p, &r);
	if (st != DB_OK)
		return st;
	*count = (int)db_int(r, 0, 0);
	*retry_after = (int)db_int(r, 0, 1);
	if (*retry_after < 1)
		*retry_after = 1;
	PQclear(r);
	return DB_OK;
}

enum db_status
db_throttle_fail(struct db *db, const char *key, const char *org_id)
{
	const char *p[] = {key, org_id};
	return db_run_status(db, &throttle_insert, 2, p, NULL);
}

enum db_status
db_throttle_clear(struct db *db, const char *key)
{
	const char *p[] = {key};
	enum db_status st = db_run_status(db, &throttle_clear, 1, p, NULL);
	return st == DB_NONE ? DB_OK : st;
}
