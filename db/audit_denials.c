/* Refusals (403) in the audit log, aggregated: one access.denied event per
 * subject, route and minute, the bucket's count kept beside it. */
#include <stdio.h>
#include "db/audit.h"
#include "db/internal.h"

static struct db_stmt denial_count = {"denial_count",
	"INSERT INTO access_denials (org_id, subject_id, method, route, minute)"
	" VALUES ($1, $2, $3, $4, date_trunc('minute', now()))"
	" ON CONFLICT (org_id, subject_id, method, route, minute)"
	" DO UPDATE SET count = access_denials.count + 1"
	" RETURNING xmax = 0"};
static struct db_stmt denial_link = {"denial_link",
	"WITH gone AS (DELETE FROM access_denials WHERE ctid IN (SELECT ctid FROM access_denials"
	"  WHERE minute < now() - interval '90 days' LIMIT 100))"
	" UPDATE access_denials SET event_seq = $5"
	" WHERE org_id = $1 AND subject_id = $2 AND method = $3 AND route = $4"
	" AND minute = date_trunc('minute', now())"};

struct denial_args {
	const struct audit_ctx *ctx;
	const char *method, *route;
};

/* Transaction body of db_audit_denied. */
static enum db_status
denied_tx(struct db *db, void *p)
{
	struct denial_args *d = p;
	const char *params[] = {d->ctx->org_id, d->ctx->actor_id, d->method, d->route};
	PGresult *r;
	enum db_status st = db_run_status(db, &denial_count, 4, params, &r);
	if (st != DB_OK)
		return st;
	bool first = db_bool(r, 0, 0);
	PQclear(r);
	if (!first)
		return DB_OK;	/* counted: the bucket's event exists already */
	json_t *ch = json_pack("{s:s, s:s}", "method", d->method, "route", d->route);
	int64_t seq = 0;
	/* Appended at once, not at commit: the bucket links to its seq. */
	st = db_audit_append_seq(db, d->ctx, "access.denied", "route", NULL, ch, &seq);
	json_decref(ch);
	if (st != DB_OK)
		return st;
	char seq_text[24];
	snprintf(seq_text, sizeof seq_text, "%lld", (long long)seq);
	const char *lp[] = {params[0], params[1], params[2], params[3], seq_text};
	return db_run_status(db, &denial_link, 5, lp, NULL);
}

enum db_status
db_audit_denied(struct db *db, const struct audit_ctx *ctx, const char *method, const char *route)
{
	struct denial_args d = {ctx, method, route};
	enum db_status st = db_tx(db, denied_tx, &d);
	db->keep |= st == DB_OK;	/* the refusal is audited whatever the reply */
	return st;
}
