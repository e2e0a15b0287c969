#ifndef DB_IDEMPOTENCY_H
#define DB_IDEMPOTENCY_H
#include "db/db.h"

/* Idempotency-Key: the stored outcome of a POST, per (org, caller, key),
 * kept 24 hours and written in the same transaction as the work. */
struct db_idem_reply {
	char *request_hash;
	int status;
	char *content_type, *headers, *body;
	bool erased;		/* the reply quoted an erased candidate: body is empty */
};

/* The SET list of UPDATE idempotency_keys that makes a row a tombstone:
 * the body goes, and the key (the client's text, which may quote the
 * candidate) is kept only as a hash that db_idem_begin still finds. */
#define DB_IDEM_TOMBSTONE \
	"body = '', headers = '{}', erased_at = now()," \
	" key = 'erased:' || encode(sha256(convert_to(key, 'UTF8')), 'hex')"

/* Before making tombstones: drops the org's expired ones, the only rows a
 * new tombstone's hashed key can collide with (a live one answers 410, so
 * its key is never stored again while it lives). */
enum db_status db_idem_purge_tombstones(struct db *db, const char *org_id);

/* Opens the request's transaction and claims the key. DB_NONE: new key,
 * the transaction stays open for the work; DB_OK: a stored reply is in
 * *out (transaction closed); DB_CONFLICT: another request holds the key
 * now (transaction closed). */
enum db_status db_idem_begin(struct db *db, struct arena *a, const char *org_id,
			     const char *caller_id, const char *key, struct db_idem_reply *out);

/* Stores the reply and commits (commit) or rolls everything back. */
enum db_status db_idem_end(struct db *db, const char *org_id, const char *caller_id,
			   const char *key, const struct db_idem_reply *reply, bool commit);

#endif
