/* Counters behind the login throttles: attempts counted before hashing,
 * and failures of other credentials (client secrets, refresh tokens). */
#include <stdio.h>
#include <string.h>
#include "db/internal.h"
#include "db/throttles.h"

static struct db_stmt throttle_count = {"throttle_count",
	"SELECT count(*), coalesce(ceil(extract(epoch FROM min(failed_at)"
	" + make_interval(secs => $2) - now())), 0)"
	" FROM login_failures WHERE key = $1 AND failed_at > now() - make_interval(secs => $2)"};
static struct db_stmt throttle_insert = {"throttle_insert",
	"WITH gone AS (DELETE FROM login_failures WHERE ctid IN (SELECT ctid FROM login_failures"
	"  WHERE failed_at < now() - interval '1 day' LIMIT 100))"
	" INSERT INTO login_failures (key, org_id) VALUES ($1, $2)"};
static struct db_stmt throttle_clear = {"throttle_clear",
	"DELETE FROM login_failures WHERE key = $1"};
static struct db_stmt attempt = {"throttle_attempt",
	"SELECT acct_row, addr_row, wait FROM login_attempt($1, $2, $3, $4, $5, $6, $7, $8, $9)"};
static struct db_stmt success = {"throttle_success",
	"SELECT login_success($1, $2, $3, $4)"};

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
	db->keep = true;	/* a failure counts whatever the reply */
	return db_run_status(db, &throttle_insert, 2, p, NULL);
}

enum db_status
db_throttle_clear(struct db *db, const char *key)
{
	const char *p[] = {key};
	enum db_status st = db_run_status(db, &throttle_clear, 1, p, NULL);
	return st == DB_NONE ? DB_OK : st;
}

enum db_status
db_throttle_attempt(struct db *db, struct arena *a, const struct db_throttle_limits *l,
		    const char *org_id, const char *acct, const char *addr, char **addr_row,
		    int *wait)
{
	const char *p[] = {org_id, acct, addr, arena_printf(a, "%d", l->window),
			   arena_printf(a, "%d", l->acct_max), arena_printf(a, "%d", l->addr_max),
			   arena_printf(a, "%d", l->ok_window), arena_printf(a, "%d", l->ok_acct_max),
			   arena_printf(a, "%d", l->ok_addr_max)};
	PGresult *r;
	db->keep = true;	/* the attempt counts whatever the reply */
	enum db_status st = db_run_status(db, &attempt, 9, p, &r);
	if (st != DB_OK)
		return st == DB_NONE ? DB_HARD : st;
	*addr_row = db_str(a, r, 0, 1);
	*wait = (int)db_int(r, 0, 2);
	PQclear(r);
	return DB_OK;
}

enum db_status
db_throttle_success(struct db *db, const char *org_id, const char *acct, const char *addr,
		    const char *addr_row)
{
	const char *p[] = {org_id, acct, addr, addr_row};
	return db_run_status(db, &success, 4, p, NULL);
}
