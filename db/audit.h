#ifndef DB_AUDIT_H
#define DB_AUDIT_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "db/db.h"

/* Who did it and from where: the part of an audit event that comes from
 * the request. */
struct audit_ctx {
	const char *org_id;
	const char *actor_type;	/* "user", "client" or "system" */
	const char *actor_id;	/* NULL for system */
	const char *request_id;
	const char *source;	/* client address */
};

/* Adds one event to the org's chain in the caller's transaction: queued,
 * and appended just before the transaction commits (the chain head's lock
 * is held from then to the end of COMMIT); dropped when it rolls back.
 * Outside a transaction it is appended at once. changes (borrowed, may be
 * NULL) maps field names to new values; callers put "[redacted]" in place
 * of candidate PII. */
enum db_status db_audit_append(struct db *db, const struct audit_ctx *ctx, const char *action,
			       const char *entity_type, const char *entity_id, json_t *changes);

/* Writes one event in a transaction of its own (logins, refusals). */
enum db_status db_audit_record(struct db *db, const struct audit_ctx *ctx, const char *action,
			       const char *entity_type, const char *entity_id, json_t *changes);

/* The placeholder recorded instead of a PII value. */
#define AUDIT_REDACTED "[redacted]"

/* A refusal (403) of the subject ctx->actor_id on route: counted per
 * subject, route and minute; only the first of a minute appends an
 * access.denied event (the count shows beside it in db_audit_list). */
enum db_status db_audit_denied(struct db *db, const struct audit_ctx *ctx, const char *method,
			       const char *route);

struct audit_filter {
	const char *entity_type, *entity_id, *actor_id, *action;
	const char *since, *until;	/* RFC 3339, or NULL */
	int64_t after_seq;		/* cursor: events after this seq (0: from the start) */
	int limit;
	bool desc;			/* newest first: events before after_seq */
};

/* One stored event; strings in the caller's arena. changes is the stored
 * canonical JSON text. */
struct db_audit_event {
	int64_t seq;
	char *occurred_at, *actor_type, *actor_id, *action, *entity_type, *entity_id;
	char *request_id, *source, *changes, *prev_hash, *hash;
	int64_t count;		/* access.denied: refusals the event stands for (not
				 * hashed); 0 for every other event */
};

/* One page of events in sequence order: *out (in a), *n of them. */
enum db_status db_audit_list(struct db *db, struct arena *a, const char *org_id,
			     const struct audit_filter *f, struct db_audit_event **out, int *n);

struct audit_verdict {
	bool ok;
	int64_t checked;
	int64_t head_seq;
	char *head_hash;
	int64_t break_seq;	/* 0 when ok */
	const char *reason;	/* "edited", "missing", "reordered" */
};

/* Walks the org's chain from the first event and reports the first break. */
enum db_status db_audit_verify(struct db *db, struct arena *a, const char *org_id,
			       struct audit_verdict *out);

/* The canonical bytes hashed for an event (see README). */
char *audit_canonical(struct arena *a, json_t *event);

#endif
