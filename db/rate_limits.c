/* Organisations' own API rate limits. */
#include <stdio.h>
#include "db/internal.h"
#include "db/rate_limits.h"

static struct db_stmt limit_get = {"rate_limit_get",
	"SELECT requests_per_minute, " DB_TS("updated_at") " FROM rate_limits WHERE org_id = $1"};
static struct db_stmt limit_set = {"rate_limit_set",
	"INSERT INTO rate_limits (org_id, requests_per_minute) VALUES ($1, $2)"
	" ON CONFLICT (org_id) DO UPDATE SET requests_per_minute = $2, updated_at = now()"};
static struct db_stmt limit_clear = {"rate_limit_clear",
	"DELETE FROM rate_limits WHERE org_id = $1"};

enum db_status
db_rate_limit_get(struct db *db, struct arena *a, const char *org_id, long *per_minute,
		  char **updated_at)
{
	const char *p[] = {org_id};
	PGresult *r;
	enum db_status st = db_run_status(db, &limit_get, 1, p, &r);
	*per_minute = 0;
	*updated_at = NULL;
	if (st != DB_OK)
		return st;
	*per_minute = (long)db_int(r, 0, 0);
	*updated_at = db_str(a, r, 0, 1);
	PQclear(r);
	return DB_OK;
}

struct put_args {
	struct arena *a;
	const struct audit_ctx *ctx;
	long per_minute;
	char **updated_at;
};

static enum db_status
put_tx(struct db *db, void *p)
{
	struct put_args *pa = p;
	char n[24];
	snprintf(n, sizeof n, "%ld", pa->per_minute);
	const char *params[] = {pa->ctx->org_id, n};
	enum db_status st = pa->per_minute ? db_run_any(db, &limit_set, 2, params)
					   : db_run_any(db, &limit_clear, 1, params);
	if (st != DB_OK)
		return st;
	json_t *ch = json_pack("{s:o}", "requests_per_minute",
			       pa->per_minute ? json_integer(pa->per_minute) : json_null());
	st = db_audit_append(db, pa->ctx, "rate_limit.updated", "org", pa->ctx->org_id, ch);
	json_decref(ch);
	if (st != DB_OK)
		return st;
	long ignored;
	st = db_rate_limit_get(db, pa->a, pa->ctx->org_id, &ignored, pa->updated_at);
	return st == DB_NONE ? DB_OK : st;
}

enum db_status
db_rate_limit_put(struct db *db, struct arena *a, const struct audit_ctx *ctx, long per_minute,
		  char **updated_at)
{
	struct put_args pa = {a, ctx, per_minute, updated_at};
	return db_tx(db, put_tx, &pa);
}
