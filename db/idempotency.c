/* Idempotency keys: an advisory lock per key tells an in-flight duplicate
 * from a replay without waiting on the first request's transaction. */
#include <stdio.h>
#include "db/idempotency.h"
#include "db/internal.h"

static struct db_stmt claim = {"idem_claim",
	"SELECT pg_try_advisory_xact_lock(hashtextextended($1 || '/' || $2 || '/' || $3, 7))"};
static struct db_stmt stored = {"idem_stored",
	"SELECT request_hash, status, content_type, headers, body, erased_at IS NOT NULL"
	" FROM idempotency_keys"
	" WHERE org_id = $1 AND caller_id = $2"
	" AND key IN ($3, 'erased:' || encode(sha256(convert_to($3, 'UTF8')), 'hex'))"
	" AND created_at > now() - interval '24 hours'"};
/* Expired keys (stored replies may quote candidates) go a few at a time
 * with every stored reply, whoever stores it: in the same statement, but
 * never the row being stored (one statement may not touch a row twice).
 * Oldest first on idempotency_keys_age, deleted by ctid: "ctid IN (...
 * LIMIT 20)" was planned as a scan of the whole table for every store
 * (338 buffers at 5 500 keys, growing; now 2). */
static struct db_stmt store = {"idem_store",
	"WITH expired AS (DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY(SELECT ctid"
	"  FROM idempotency_keys WHERE created_at < now() - interval '24 hours'"
	"  AND (org_id, caller_id, key) <> ($1, $2, $3) ORDER BY created_at LIMIT 20)))"
	" INSERT INTO idempotency_keys (org_id, caller_id, key, request_hash, status, content_type,"
	" headers, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
	" ON CONFLICT (org_id, caller_id, key) DO UPDATE SET request_hash = EXCLUDED.request_hash,"
	" status = EXCLUDED.status, content_type = EXCLUDED.content_type,"
	" headers = EXCLUDED.headers, body = EXCLUDED.body, erased_at = NULL, created_at = now()"};

static enum db_status
close_tx(struct db *db, enum db_status st)
{
	db_end(db, false);
	return st;
}

enum db_status
db_idem_begin(struct db *db, struct arena *a, const char *org_id, const char *caller_id,
	      const char *key, struct db_idem_reply *out)
{
	enum db_status st = db_simple(db, "BEGIN");
	if (st != DB_OK)
		return st;
	db->in_tx = true;
	db->keep = false;
	const char *p[] = {org_id, caller_id, key};
	PGresult *r;
	if ((st = db_run_status(db, &claim, 3, p, &r)) != DB_OK)
		return close_tx(db, st);
	bool mine = db_bool(r, 0, 0);
	PQclear(r);
	if (!mine)
		return close_tx(db, DB_CONFLICT);
	st = db_run_status(db, &stored, 3, p, &r);
	if (st == DB_NONE)
		return DB_NONE;		/* the work goes on inside this transaction */
	if (st != DB_OK)
		return close_tx(db, st);
	out->request_hash = db_str(a, r, 0, 0);
	out->status = (int)db_int(r, 0, 1);
	out->content_type = db_str(a, r, 0, 2);
	out->headers = db_str(a, r, 0, 3);
	out->body = db_str(a, r, 0, 4);
	out->erased = db_bool(r, 0, 5);
	PQclear(r);
	return close_tx(db, DB_OK);
}

enum db_status
db_idem_end(struct db *db, const char *org_id, const char *caller_id, const char *key,
	    const struct db_idem_reply *reply, bool commit)
{
	if (!db->conn)		/* the connection died: nothing was committed */
		return close_tx(db, commit ? DB_UNAVAILABLE : DB_OK);
	if (!commit) {
		/* No reply is stored, but a refusal's audit event and throttle
		 * counts stay, as they would without the key: a key must not
		 * make wrong passwords free or 403s unaudited. The handler's own
		 * failed work was already rolled back to its savepoint. */
		if (db->keep) {
			db->keep = false;
			db_end(db, true);
			return DB_OK;
		}
		return close_tx(db, DB_OK);
	}
	char status[16];
	snprintf(status, sizeof status, "%d", reply->status);
	const char *p[] = {org_id, caller_id, key, reply->request_hash, status, reply->content_type,
			   reply->headers, reply->body};
	struct db_batch b = {&store, 8, p, NULL};
	return db_commit_with(db, &b, 1);
}

static struct db_stmt purge = {"idem_purge_tombstones",
	"DELETE FROM idempotency_keys WHERE org_id = $1 AND erased_at IS NOT NULL"
	" AND created_at <= now() - interval '24 hours'"};

enum db_status
db_idem_purge_tombstones(struct db *db, const char *org_id)
{
	const char *p[] = {org_id};
	return db_run_any(db, &purge, 1, p);
}
